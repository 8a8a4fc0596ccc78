"""channel_map (e.g. LongFast=-1001,Ops=-1002:42): each mesh channel posts to its own chat or
forum topic (message_thread_id), and what is written there goes to that channel, encrypted with
that channel's key; a topic that is not mapped stays out of the bridge.  A mapping to a channel
without a key in channel_keys stops the broker at start with a log line naming channel_map."""
import base64
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness import meshcrypto as mc  # noqa: E402
from tgmesh_harness import meshpb  # noqa: E402
from tgmesh_harness.base import LINK_SETTLE, NODE_ID, QUIET_SECONDS, TgmeshTestCase  # noqa: E402
from tgmesh_harness.chatflow import (ChatFlowChecks, buttons, fixed_text, inline_rows, markup_of,  # noqa: E402
                                     message_id_of, press, reply_target, text_re, topic_message)

LONGFAST_CHAT = -1001
OPS_CHAT = -1002
OPS_TOPIC = 42
OPS_PSK = base64.b64encode(bytes(range(1, 17))).decode()
SPARE_PSK = base64.b64encode(bytes(range(101, 133))).decode()
BASE = 0x0BADCAFE
CHANNEL_MAP = "LongFast=%d,Ops=%d:%d" % (LONGFAST_CHAT, OPS_CHAT, OPS_TOPIC)
KEYS = "LongFast=AQ==,Ops=%s,Spare=%s" % (OPS_PSK, SPARE_PSK)
NEW_NODE = text_re("en", "alert_new_node")


def thread_of(msg):
    t = msg["params"].get("message_thread_id")
    return None if t is None else int(t)


class ChannelMapTest(TgmeshTestCase):
    OPTIONS = {"channel_map": CHANNEL_MAP, "channel_keys": KEYS, "chat_ids": None}

    def uplink_text(self, channel, psk, packet_id, text, to=meshpb.BROADCAST):
        self.uplink(mc.make_encrypted_text_envelope(BASE, to, packet_id, text, channel=channel, psk_b64=psk),
                    channel=channel)

    def test_each_channel_posts_to_its_chat_or_topic(self):
        self.uplink_text("LongFast", "AQ==", 0x0C000001, "on the default channel")
        self.uplink_text("Ops", OPS_PSK, 0x0C000002, "on the ops channel")
        lf = self.wait_chat("on the default channel", chat_id=LONGFAST_CHAT)
        ops = self.wait_chat("on the ops channel", chat_id=OPS_CHAT)
        self.assertIsNone(thread_of(lf))
        self.assertEqual(thread_of(ops), OPS_TOPIC)
        time.sleep(QUIET_SECONDS)
        self.assertFalse([m for m in self.tg.sent_messages(LONGFAST_CHAT) if "ops channel" in m["text"]])
        self.assertFalse([m for m in self.tg.sent_messages(OPS_CHAT) if "default channel" in m["text"]])

    def test_a_keyed_channel_without_a_mapping_is_not_posted(self):
        self.uplink_text("Spare", SPARE_PSK, 0x0C000003, "spare channel chatter")
        self.uplink_text("LongFast", "AQ==", 0x0C000004, "marker after spare")
        self.wait_chat("marker after spare", chat_id=LONGFAST_CHAT)
        time.sleep(0.5)
        self.assertFalse([m for m in self.tg.sent_messages() if "spare channel chatter" in m["text"]])

    def test_text_in_a_chat_goes_to_its_channel(self):
        listener = self.mesh_listener("msh/US/2/e/#")
        self.say("hello longfast", chat_id=LONGFAST_CHAT)
        topic, env = self.wait_text_downlink(listener, "hello longfast")
        self.assertEqual(topic, "msh/US/2/e/LongFast/%s" % NODE_ID)
        self.assertEqual(env["packet"]["channel"], mc.channel_hash("LongFast", mc.key_from_b64("AQ==")))

        since = self.tg.request_count()
        topic_message(self.tg, OPS_CHAT, OPS_TOPIC, "hello ops")
        topic, env = self.wait_text_downlink(listener, "hello ops", psk_b64=OPS_PSK)
        self.assertEqual(topic, "msh/US/2/e/Ops/%s" % NODE_ID)
        self.assertEqual(env["channel_id"], "Ops")
        self.assertEqual(env["packet"]["to"], meshpb.BROADCAST)
        self.assertEqual(env["packet"]["channel"], mc.channel_hash("Ops", mc.key_from_b64(OPS_PSK)))
        confirmation = self.wait_chat(lambda m: re.search(text_re("en", "sent_broadcast", channel="Ops"), m["text"]),
                                      chat_id=OPS_CHAT, since=since)
        self.assertEqual(thread_of(confirmation), OPS_TOPIC, "the confirmation stays in the topic")
        # Nothing of it went out on LongFast.
        self.assertNotIn("hello ops", " ".join(t or "" for t in self.downlink_texts(self.text_downlinks(listener))))

    def test_send_command_in_a_topic_uses_its_channel(self):
        listener = self.mesh_listener("msh/US/2/e/#")
        topic_message(self.tg, OPS_CHAT, OPS_TOPIC, "/send by command")
        topic, _env = self.wait_text_downlink(listener, "by command", psk_b64=OPS_PSK)
        self.assertEqual(topic, "msh/US/2/e/Ops/%s" % NODE_ID)

    def test_help_in_a_topic_names_its_channel(self):
        since = self.tg.request_count()
        topic_message(self.tg, OPS_CHAT, OPS_TOPIC, "/help")
        msg = self.wait_chat("/send", chat_id=OPS_CHAT, since=since)
        self.assertRegex(msg["text"], text_re("en", "help", channel="Ops"))
        self.assertEqual(thread_of(msg), OPS_TOPIC)

    def test_other_topics_of_the_forum_stay_out(self):
        listener = self.mesh_listener("msh/US/2/e/#")
        since = self.tg.request_count()
        uid = topic_message(self.tg, OPS_CHAT, 7, "off-topic banter")
        self.wait_handled(uid)
        self.assertEqual(self.text_downlinks(listener, psk_b64=OPS_PSK), [])
        self.assertEqual(self.text_downlinks(listener), [])
        self.assertEqual(self.tg.sent_messages(since=since), [], "a plain text in an unmapped topic got a reply")
        # A command there is told why nothing is sent.
        topic_message(self.tg, OPS_CHAT, 7, "/send from the wrong topic")
        refusal = self.wait_chat(lambda m: m["text"] == fixed_text("en", "topic_not_bridged"), chat_id=OPS_CHAT,
                                 since=since)
        self.assertEqual(thread_of(refusal), 7)
        time.sleep(0.5)
        self.assertEqual(self.text_downlinks(listener, psk_b64=OPS_PSK), [])

    def test_reply_in_a_topic_answers_on_that_channel(self):
        self.uplink_text("Ops", OPS_PSK, 0x0C000005, "ops: status?")
        original = self.wait_chat("ops: status?", chat_id=OPS_CHAT)
        time.sleep(LINK_SETTLE)
        listener = self.mesh_listener("msh/US/2/e/#")
        uid = topic_message(self.tg, OPS_CHAT, OPS_TOPIC, "all green",
                            reply_to=self.tg._resolve_reply(OPS_CHAT, original["message_id"], "supergroup"))
        topic, env = self.wait_text_downlink(listener, "all green", psk_b64=OPS_PSK)
        self.assertEqual(topic, "msh/US/2/e/Ops/%s" % NODE_ID)
        self.assertEqual(env["packet"]["decoded"].get("reply_id"), 0x0C000005)
        # And a mesh reply to it lands in the topic, answering the user's message.
        self.uplink(mc.make_envelope(BASE, meshpb.BROADCAST, 0x0C000006,
                                     mc.text_data("roger", reply_id=env["packet"]["id"]),
                                     channel="Ops", psk_b64=OPS_PSK), channel="Ops")
        answer = self.wait_chat("roger", chat_id=OPS_CHAT)
        self.assertEqual(thread_of(answer), OPS_TOPIC)
        self.assertEqual(reply_target(answer["params"]), message_id_of(self.tg, uid))

    def test_dm_to_the_bridge_goes_to_the_home_chat(self):
        self.uplink_text("LongFast", "AQ==", 0x0C000007, "direct to the bridge", to=meshpb.node_num(NODE_ID))
        msg = self.wait_chat("direct to the bridge", chat_id=LONGFAST_CHAT)
        self.assertIn(fixed_text("en", "dm_marker"), msg["text"])
        time.sleep(0.5)
        self.assertFalse([m for m in self.tg.sent_messages(OPS_CHAT) if "direct to the bridge" in m["text"]])


class ChannelMapForumFlowsTest(ChatFlowChecks, TgmeshTestCase):
    """Flows that answer in place: /write's keyboard and prompt stay in the forum topic, alerts go
    to the chat of the bridged `channel`."""
    OPTIONS = {"channel_map": CHANNEL_MAP, "channel_keys": KEYS, "chat_ids": None, "alert_new_nodes": "true"}

    def test_write_in_a_topic_stays_in_the_topic(self):
        self.teach_node(BASE, "Base Camp", "BC")
        listener = self.mesh_listener("msh/US/2/e/#")
        since = self.tg.request_count()
        topic_message(self.tg, OPS_CHAT, OPS_TOPIC, "/write")
        menu = self.wait_chat(lambda m: inline_rows(m["params"]), chat_id=OPS_CHAT, since=since)
        self.assertEqual(thread_of(menu), OPS_TOPIC)
        data = next(b["callback_data"] for b in buttons(menu["params"]) if b["callback_data"].endswith(":n:0badcafe"))
        # The keyboard message as Telegram shows it in the topic.
        message = dict(self.tg._resolve_reply(OPS_CHAT, menu["message_id"], "supergroup"),
                       message_thread_id=OPS_TOPIC, is_topic_message=True)
        since = self.tg.request_count()
        _uid, qid = press(self.tg, OPS_CHAT, data, message=message)
        self.wait_answer(qid)
        prompt = self.wait_chat(lambda m: markup_of(m["params"]).get("force_reply"), chat_id=OPS_CHAT, since=since)
        self.assertEqual(thread_of(prompt), OPS_TOPIC)
        topic_message(self.tg, OPS_CHAT, OPS_TOPIC, "dm from the ops topic")
        _topic, env = self.wait_text_downlink(listener, lambda e: e["packet"]["to"] == BASE)
        self.assertTrue(env["packet"]["decoded"]["text"].endswith("dm from the ops topic"))
        confirmation = self.wait_chat(lambda m: re.search(text_re("en", "sent_dm"), m["text"]), chat_id=OPS_CHAT,
                                      since=since)
        self.assertEqual(thread_of(confirmation), OPS_TOPIC)

    def test_alerts_go_to_the_chat_of_the_bridged_channel(self):
        self.uplink(mc.make_nodeinfo_envelope(BASE, "Base Camp", "BC"))
        alert = self.wait_chat(lambda m: re.search(NEW_NODE, m["text"]), chat_id=LONGFAST_CHAT)
        self.assertIn("Base Camp", alert["text"])
        time.sleep(QUIET_SECONDS)
        self.assertFalse([m for m in self.tg.sent_messages(OPS_CHAT) if re.search(NEW_NODE, m["text"])])


class ChannelMapWithChatIdsTest(TgmeshTestCase):
    """chat_ids next to a channel_map that does not list `channel`: a chat in chat_ids is bridged
    with `channel` both ways or not at all, never one way only (sending on LongFast while
    LongFast's texts never reach it)."""
    OPTIONS = {"channel_map": "Ops=%d:%d" % (OPS_CHAT, OPS_TOPIC), "channel_keys": KEYS,
               "chat_ids": str(LONGFAST_CHAT)}

    def test_chat_ids_chat_is_bridged_both_ways_or_not_at_all(self):
        listener = self.mesh_listener("msh/US/2/e/#")
        uid = self.say("from the home chat", chat_id=LONGFAST_CHAT)
        self.wait_handled(uid)
        sends = [t for t, e in self.text_downlinks(listener) if "from the home chat" in e["packet"]["decoded"]["text"]]
        self.uplink(mc.make_encrypted_text_envelope(BASE, meshpb.BROADCAST, 0x0C000011, "longfast to the home chat"))
        self.uplink(mc.make_encrypted_text_envelope(BASE, meshpb.BROADCAST, 0x0C000012, "ops to the topic",
                                                    channel="Ops", psk_b64=OPS_PSK), channel="Ops")
        self.wait_chat("ops to the topic", chat_id=OPS_CHAT)
        time.sleep(QUIET_SECONDS)
        receives = [m for m in self.tg.sent_messages(LONGFAST_CHAT) if "longfast to the home chat" in m["text"]]
        self.assertEqual(bool(sends), bool(receives),
                         "chat %d is bridged one way only: its text went out on %s, LongFast texts posted "
                         "there: %d" % (LONGFAST_CHAT, sends or "nothing", len(receives)))


class ChannelMapStartTest(TgmeshTestCase):
    AUTO_START = False

    def test_mapping_without_a_key_stops_the_broker(self):
        broker = self.start_expecting_failure(channel_map=CHANNEL_MAP, channel_keys="LongFast=AQ==", chat_ids=None)
        if broker.running:
            broker.kill()
            self.fail("the broker started with a channel_map entry whose channel has no key")
        self.assertNotEqual(broker.returncode, 0)
        output = broker.output_text()
        line = next((ln for ln in output.splitlines() if "channel_map" in ln), None)
        self.assertIsNotNone(line, "no log line names channel_map:\n" + output[-3000:])
        self.assertIn("Ops", line)

    def test_malformed_mapping_stops_the_broker(self):
        for bad in ("Ops", "Ops=notachat", "Ops=-1002:topic", "LongFast=-1001,Ops=-1001"):
            with self.subTest(channel_map=bad):
                broker = self.start_expecting_failure(channel_map=bad, channel_keys=KEYS, chat_ids=None)
                if broker.running:
                    broker.kill()
                    self.fail("the broker started with channel_map %r" % bad)
                self.assertIn("channel_map", broker.output_text())

    def test_a_complete_mapping_starts(self):
        broker = self.start_bridge(channel_map=CHANNEL_MAP, channel_keys=KEYS, chat_ids=None)
        self.assertTrue(broker.running)


if __name__ == "__main__":
    unittest.main()
