"""Replies and reactions across the bridge.  A Telegram reply to a bridged mesh text goes to the
mesh with Data.reply_id = the original packet id: on the channel when the original was a
broadcast, as a DM to its author when it was a DM to the bridge.  A mesh text with reply_id is
posted as a Telegram reply (reply_parameters) to the chat message standing for that packet (a
bridged mesh text, or a chat message the bridge sent to the mesh); a mesh emoji reaction
(Data.emoji with reply_id) shows as a reaction or a short reply.  The Telegram<->mesh message map
survives a restart (state file)."""
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness import meshcrypto as mc  # noqa: E402
from tgmesh_harness import meshpb  # noqa: E402
from tgmesh_harness.base import BRIDGE_TOPIC, LINK_SETTLE, NODE_NUM, QUIET_SECONDS, TgmeshTestCase, options  # noqa: E402
from tgmesh_harness.chatflow import fixed_text, message_id_of, reply_target, text_re  # noqa: E402

BASE = 0x0BADCAFE
HILL = 0x0C0FFEE1
SENT_BROADCAST = text_re("en", "sent_broadcast", channel="LongFast")
SENT_DM = text_re("en", "sent_dm")


class RepliesTest(TgmeshTestCase):
    def setUp(self):
        super().setUp()
        self.teach_node(BASE, "Base Camp", "BC", settle=0)
        self.teach_node(HILL, "Hilltop", "HT", settle=0.3)

    def bridged(self, from_num, to_num, packet_id, text, **data_kw):
        """Uplinks a text and returns the chat message the bridge posted for it."""
        data = mc.text_data(text, **data_kw)
        self.uplink(mc.make_envelope(from_num, to_num, packet_id, data))
        msg = self.wait_chat(text)
        time.sleep(LINK_SETTLE)
        return msg

    # ------------------------------------------------------------------ Telegram -> mesh

    def test_reply_to_a_mesh_broadcast_goes_to_the_channel_as_a_reply(self):
        original = self.bridged(BASE, meshpb.BROADCAST, 0x51A70001, "who is at the hut?")
        listener = self.mesh_listener("msh/US/2/e/#")
        since = self.tg.request_count()
        self.say("me, since noon", reply_to=original["message_id"])
        topic, env = self.wait_text_downlink(listener, "me, since noon")
        self.assertEqual(topic, BRIDGE_TOPIC)
        self.assertEqual(env["packet"]["to"], meshpb.BROADCAST)
        self.assertEqual(env["packet"]["decoded"].get("reply_id"), 0x51A70001)
        self.wait_chat(lambda m: re.search(SENT_BROADCAST, m["text"]), since=since)

    def test_reply_to_a_mesh_dm_goes_back_to_its_author(self):
        original = self.bridged(BASE, NODE_NUM, 0x51A70002, "psst, bridge")
        self.assertIn(fixed_text("en", "dm_marker"), original["text"])
        listener = self.mesh_listener("msh/US/2/e/#")
        since = self.tg.request_count()
        self.say("got it, base", reply_to=original["message_id"])
        _topic, env = self.wait_text_downlink(listener, "got it, base")
        self.assertEqual(env["packet"]["to"], BASE)
        self.assertEqual(env["packet"]["decoded"].get("reply_id"), 0x51A70002)
        confirmation = self.wait_chat(lambda m: re.search(SENT_DM, m["text"]), since=since)
        self.assertIn("Base Camp", confirmation["text"])
        self.assertFalse([e for _t, e in self.text_downlinks(listener) if e["packet"]["to"] == meshpb.BROADCAST],
                         "a reply to a DM was broadcast")

    @options(chat_to_mesh="off")
    def test_with_chat_to_mesh_off_only_replies_to_dms_go_out(self):
        dm = self.bridged(BASE, NODE_NUM, 0x51A70003, "private question")
        public = self.bridged(HILL, meshpb.BROADCAST, 0x51A70004, "public question")
        listener = self.mesh_listener("msh/US/2/e/#")
        uid = self.say("public answer", reply_to=public["message_id"])
        self.say("private answer", reply_to=dm["message_id"])
        _topic, env = self.wait_text_downlink(listener, "private answer")
        self.assertEqual(env["packet"]["to"], BASE)
        self.wait_handled(uid)
        self.assertNotIn("public answer", " ".join(t or "" for t in self.downlink_texts(self.text_downlinks(listener))))

    def test_reply_to_a_message_the_bridge_does_not_know_is_plain_chat(self):
        listener = self.mesh_listener("msh/US/2/e/#")
        self.say("just chatting", reply_to=424242)
        _topic, env = self.wait_text_downlink(listener, "just chatting")
        self.assertEqual(env["packet"]["to"], meshpb.BROADCAST)
        self.assertNotIn("reply_id", env["packet"]["decoded"])

    def test_the_message_map_survives_a_restart(self):
        original = self.bridged(BASE, meshpb.BROADCAST, 0x51A70005, "before the restart")
        self.restart_bridge()
        listener = self.mesh_listener("msh/US/2/e/#")
        self.say("after the restart", reply_to=original["message_id"])
        _topic, env = self.wait_text_downlink(listener, "after the restart")
        self.assertEqual(env["packet"]["decoded"].get("reply_id"), 0x51A70005)

    def test_reply_to_a_chat_message_that_went_to_the_mesh_threads_on_it(self):
        listener = self.mesh_listener("msh/US/2/e/#")
        uid = self.say("lunch at the hut?")
        _topic, sent = self.wait_text_downlink(listener, "lunch at the hut?")
        time.sleep(LINK_SETTLE)
        self.say("count me in", user_id=222, first_name="Bob", reply_to=message_id_of(self.tg, uid))
        _topic, env = self.wait_text_downlink(listener, "count me in")
        self.assertEqual(env["packet"]["to"], meshpb.BROADCAST)
        self.assertEqual(env["packet"]["decoded"].get("reply_id"), sent["packet"]["id"])

    # ------------------------------------------------------------------ mesh -> Telegram

    def test_mesh_reply_is_posted_as_a_telegram_reply(self):
        original = self.bridged(BASE, meshpb.BROADCAST, 0x51A70006, "anyone for coffee?")
        answer = self.bridged(HILL, meshpb.BROADCAST, 0x51A70007, "yes please", reply_id=0x51A70006)
        self.assertEqual(reply_target(answer["params"]), original["message_id"], answer["params"])

    def test_mesh_reply_to_a_chat_message_answers_that_message(self):
        listener = self.mesh_listener("msh/US/2/e/#")
        uid = self.say("hello mesh")
        _topic, env = self.wait_text_downlink(listener, "hello mesh")
        sent_id = env["packet"]["id"]
        time.sleep(LINK_SETTLE)
        answer = self.bridged(BASE, meshpb.BROADCAST, 0x51A70008, "hello telegram", reply_id=sent_id)
        self.assertEqual(reply_target(answer["params"]), message_id_of(self.tg, uid), answer["params"])

    @options(chat_ids="-1001,-1002")
    def test_mesh_reply_answers_each_chats_own_copy(self):
        self.uplink(mc.make_envelope(BASE, meshpb.BROADCAST, 0x51A7000D, mc.text_data("in both chats")))
        first = {chat: self.wait_chat("in both chats", chat_id=chat) for chat in (-1001, -1002)}
        time.sleep(LINK_SETTLE)
        self.uplink(mc.make_envelope(HILL, meshpb.BROADCAST, 0x51A7000E,
                                     mc.text_data("answer in both", reply_id=0x51A7000D)))
        for chat in (-1001, -1002):
            answer = self.wait_chat("answer in both", chat_id=chat)
            self.assertEqual(reply_target(answer["params"]), first[chat]["message_id"], chat)

    @options(chat_ids="-1001,-1002")
    def test_reply_in_the_second_chat_also_threads(self):
        self.uplink(mc.make_envelope(BASE, meshpb.BROADCAST, 0x51A7000F, mc.text_data("question to all")))
        copy = self.wait_chat("question to all", chat_id=-1002)
        time.sleep(LINK_SETTLE)
        listener = self.mesh_listener("msh/US/2/e/#")
        self.say("answer from chat two", chat_id=-1002, reply_to=copy["message_id"])
        _topic, env = self.wait_text_downlink(listener, "answer from chat two")
        self.assertEqual(env["packet"]["decoded"].get("reply_id"), 0x51A7000F)

    def test_mesh_reply_to_an_unknown_packet_is_an_ordinary_post(self):
        msg = self.bridged(BASE, meshpb.BROADCAST, 0x51A70009, "answering something old", reply_id=0x7777)
        self.assertIsNone(reply_target(msg["params"]))

    def test_emoji_reaction_shows_as_reaction_or_short_reply(self):
        original = self.bridged(BASE, meshpb.BROADCAST, 0x51A7000A, "summit reached!")
        since = self.tg.request_count()
        self.uplink(mc.make_envelope(HILL, meshpb.BROADCAST, 0x51A7000B,
                                     mc.text_data("👍", reply_id=0x51A7000A, emoji=1)))

        def shown(r):
            if r.method == "setMessageReaction":
                return int(r.params.get("message_id", 0)) == original["message_id"]
            if r.method == "sendMessage" and r.status == 200:
                return "👍" in (r.params.get("text") or "") and reply_target(r.params) == original["message_id"]
            return False
        deadline = time.monotonic() + 10
        found = None
        while found is None and time.monotonic() < deadline:
            found = next((r for r in self.tg.requests()[since:] if shown(r)), None)
            time.sleep(0.05)
        self.assertIsNotNone(found, "the reaction was neither a reaction nor a reply to the original: %s"
                             % [(r.method, r.params) for r in self.tg.requests()[since:]])
        if found.method == "sendMessage":
            self.assertLess(len(found.visible or found.params["text"]), 120, "not a short reply")
            self.assertTrue("Hilltop" in found.params["text"] or "!0c0ffee1" in found.params["text"])
        time.sleep(QUIET_SECONDS)
        # Shown once, not also as an ordinary mesh text.
        posts = [m for m in self.tg.sent_messages(since=since) if "👍" in m["text"]]
        self.assertLessEqual(len(posts), 1, posts)

    def test_emoji_without_reply_id_is_an_ordinary_text(self):
        msg = self.bridged(HILL, meshpb.BROADCAST, 0x51A7000C, "🎉", emoji=1)
        self.assertIn("Hilltop", msg["text"])


if __name__ == "__main__":
    unittest.main()
