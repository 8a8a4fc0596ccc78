"""/write: an inline keyboard of recently heard nodes (8 per page, ◀ ▶, Cancel); picking a node
asks for the text with a ForceReply prompt, and the same user's next text in that chat goes to
that node as a DM and is confirmed.  Every button press is answered with answerCallbackQuery,
stale, unknown and foreign (another user's menu) presses included; callback_data stays within 64
bytes in every keyboard (checked after each test).  Expiry after 5 minutes is left to unit tests."""
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness import meshcrypto as mc  # noqa: E402
from tgmesh_harness import meshpb  # noqa: E402
from tgmesh_harness.base import ADMIN, CHAT, NODE_NUM, QUIET_SECONDS, TgmeshTestCase, options  # noqa: E402
from tgmesh_harness.chatflow import (ChatFlowChecks, button, buttons, fixed_text, inline_rows,  # noqa: E402
                                     markup_of, message_id_of, press, reply_target, text_re)

BASE = 0x0BADCAFE
HILL = 0x0C0FFEE1
OTHER_USER = 222
SECOND_CHAT = -1002
NODE_DATA = re.compile(r"^w:([0-9a-f]{8}):n:([0-9a-f]{8})$")
CANCEL = fixed_text("en", "button_cancel")
PREV = fixed_text("en", "button_prev")
NEXT = fixed_text("en", "button_next")
EXPIRED = fixed_text("en", "callback_expired")


def node_buttons(params):
    """{node num: button} of the node buttons in a /write keyboard."""
    out = {}
    for b in buttons(params):
        m = NODE_DATA.match(b.get("callback_data", ""))
        if m:
            out[int(m.group(2), 16)] = b
    return out


class WriteFlowTest(ChatFlowChecks, TgmeshTestCase):
    def teach(self, nodes):
        for num, long_name, short_name in nodes:
            self.uplink(mc.make_nodeinfo_envelope(num, long_name, short_name))
        time.sleep(0.5)

    def open_write(self, user_id=ADMIN, first_name="Alice"):
        """Sends /write; returns (the keyboard message dict, the /write update's message id)."""
        since = self.tg.request_count()
        uid = self.say("/write", user_id=user_id, first_name=first_name)
        msg = self.wait_chat(lambda m: inline_rows(m["params"]), since=since)
        return msg, message_id_of(self.tg, uid)

    def pick(self, msg, node, user_id=ADMIN, first_name="Alice"):
        b = node_buttons(msg["params"])[node]
        _uid, qid = press(self.tg, CHAT, b["callback_data"], user_id=user_id, first_name=first_name,
                          message_id=msg["message_id"])
        return qid

    # ------------------------------------------------------------------ keyboard

    def test_keyboard_lists_heard_nodes_and_cancel(self):
        self.teach([(BASE, "Base Camp", "BC"), (HILL, "Hilltop", "HT")])
        msg, command_id = self.open_write()
        self.assertEqual(msg["text"], fixed_text("en", "write_choose"))
        self.assertEqual(reply_target(msg["params"]), command_id, "the keyboard answers the /write")
        nodes = node_buttons(msg["params"])
        self.assertEqual(set(nodes), {BASE, HILL}, buttons(msg["params"]))
        self.assertIn("Base Camp", nodes[BASE]["text"])
        self.assertIn("Hilltop", nodes[HILL]["text"])
        # One session for the whole keyboard.
        sessions = {NODE_DATA.match(b["callback_data"]).group(1) for b in nodes.values()}
        self.assertEqual(len(sessions), 1, sessions)
        session = sessions.pop()
        cancel = button(msg["params"], CANCEL)
        self.assertIsNotNone(cancel, buttons(msg["params"]))
        self.assertEqual(cancel["callback_data"], "w:%s:x" % session)
        # Two nodes fit on one page: no arrows.
        self.assertIsNone(button(msg["params"], lambda b: ":p:" in b["callback_data"]), buttons(msg["params"]))

    def test_button_shows_hops_and_last_heard(self):
        self.uplink(mc.make_nodeinfo_envelope(BASE, "Base Camp", "BC", hop_start=3, hop_limit=1))
        self.uplink(mc.make_nodeinfo_envelope(HILL, "Hilltop", "HT", hop_start=3, hop_limit=3))
        time.sleep(0.5)
        msg, _ = self.open_write()
        nodes = node_buttons(msg["params"])
        self.assertRegex(nodes[BASE]["text"], text_re("en", "hops_count", n=2))
        self.assertIn(fixed_text("en", "hops_direct"), nodes[HILL]["text"])
        for b in nodes.values():
            self.assertRegex(b["text"], text_re("en", "seconds_ago"))

    def test_eight_per_page_with_arrows(self):
        nums = [0x0A000001 + i for i in range(11)]
        self.teach([(num, "Node %02d" % i, "N%02d" % i) for i, num in enumerate(nums)])
        msg, _ = self.open_write()
        first = node_buttons(msg["params"])
        self.assertEqual(len(first), 8, buttons(msg["params"]))
        self.assertIsNone(button(msg["params"], PREV))
        nxt = button(msg["params"], NEXT)
        self.assertIsNotNone(nxt, buttons(msg["params"]))
        self.assertRegex(nxt["callback_data"], r"^w:[0-9a-f]{8}:p:1$")
        self.assertIsNotNone(button(msg["params"], CANCEL))

        since = self.tg.request_count()
        _uid, qid = press(self.tg, CHAT, nxt["callback_data"], message_id=msg["message_id"])
        self.wait_answer(qid)
        edit = self.wait_edit(msg["message_id"], lambda p: inline_rows(p), since=since)
        second = node_buttons(edit.params)
        self.assertEqual(len(second), 3, buttons(edit.params))
        self.assertFalse(set(first) & set(second), "a node on both pages")
        self.assertEqual(set(first) | set(second), set(nums))
        prev = button(edit.params, PREV)
        self.assertIsNotNone(prev, buttons(edit.params))
        self.assertRegex(prev["callback_data"], r"^w:[0-9a-f]{8}:p:0$")
        self.assertIsNone(button(edit.params, NEXT), "the last page has no ▶")
        self.assertIsNotNone(button(edit.params, CANCEL))

        since = self.tg.request_count()
        _uid, qid = press(self.tg, CHAT, prev["callback_data"], message_id=msg["message_id"])
        self.wait_answer(qid)
        back = self.wait_edit(msg["message_id"], lambda p: inline_rows(p), since=since)
        self.assertEqual(set(node_buttons(back.params)), set(first))

    def test_without_known_nodes_there_is_nothing_to_pick(self):
        since = self.tg.request_count()
        uid = self.say("/write")
        msg = self.wait_chat(since=since)
        self.assertEqual(msg["text"], fixed_text("en", "nodes_empty"))
        self.wait_handled(uid, quiet=0.5)
        self.assertEqual(inline_rows(msg["params"]), [])

    # ------------------------------------------------------------------ picking and writing

    def test_pick_asks_with_force_reply_and_next_text_is_a_dm(self):
        self.teach([(BASE, "Base Camp", "BC"), (HILL, "Hilltop", "HT")])
        listener = self.mesh_listener("msh/US/2/e/#")
        msg, command_id = self.open_write()
        since = self.tg.request_count()
        qid = self.pick(msg, BASE)
        self.wait_answer(qid)
        prompt = self.wait_chat(lambda m: markup_of(m["params"]).get("force_reply"), since=since)
        self.assertRegex(prompt["text"], text_re("en", "write_prompt"))
        self.assertIn("Base Camp", prompt["text"])
        markup = markup_of(prompt["params"])
        self.assertTrue(markup.get("selective"), markup)
        self.assertEqual(reply_target(prompt["params"]), command_id,
                         "the prompt answers the user's /write, so a selective ForceReply reaches them")
        # The keyboard message says who is being written to and loses its buttons.
        edit = self.wait_edit(msg["message_id"], "Base Camp")
        self.assertRegex(edit.params["text"], text_re("en", "write_to"))
        self.assertEqual(inline_rows(edit.params), [])
        self.assertEqual(self.text_downlinks(listener), [], "nothing is sent before the text")

        since = self.tg.request_count()
        uid = self.say("meet at the hut at 6", reply_to=prompt["message_id"])
        _topic, env = self.wait_text_downlink(listener, "meet at the hut at 6")
        self.assertEqual(env["packet"]["to"], BASE)
        self.assertTrue(env["packet"]["decoded"]["text"].endswith("meet at the hut at 6"))
        confirmation = self.wait_chat(lambda m: re.search(text_re("en", "sent_dm"), m["text"]), since=since)
        self.assertIn("Base Camp", confirmation["text"])
        self.assertEqual(reply_target(confirmation["params"]), message_id_of(self.tg, uid))
        broadcasts = [e for _t, e in self.text_downlinks(listener) if e["packet"]["to"] == meshpb.BROADCAST]
        self.assertEqual(broadcasts, [], "the DM text was also broadcast")

        # The pick is used once: the next plain text is chat again (a broadcast).
        self.say("and this is for everyone")
        _topic, env = self.wait_text_downlink(listener, "and this is for everyone")
        self.assertEqual(env["packet"]["to"], meshpb.BROADCAST)

    def test_the_dm_confirmation_shows_the_nodes_ack(self):
        self.teach([(BASE, "Base Camp", "BC")])
        listener = self.mesh_listener("msh/US/2/e/#")
        msg, _ = self.open_write()
        qid = self.pick(msg, BASE)
        self.wait_answer(qid)
        prompt = self.wait_chat(lambda m: markup_of(m["params"]).get("force_reply"))
        since = self.tg.request_count()
        self.say("ack this please", reply_to=prompt["message_id"])
        _topic, env = self.wait_text_downlink(listener, "ack this please")
        self.assertTrue(env["packet"].get("want_ack"))
        confirmation = self.wait_chat(lambda m: re.search(text_re("en", "sent_dm"), m["text"]), since=since)
        ack = {"portnum": meshpb.ROUTING_APP, "payload": meshpb.encode(meshpb.ROUTING, {"error_reason": 0}),
               "request_id": env["packet"]["id"]}
        self.uplink(mc.make_envelope(BASE, NODE_NUM, 0x0ACC0001, ack))
        edit = self.wait_edit(confirmation["message_id"], fixed_text("en", "delivered"))
        self.assertIn("Base Camp", edit.params["text"])

    def test_presses_are_answered_while_the_chat_queue_is_stuck(self):
        nums = [0x0A000001 + i for i in range(9)]
        self.teach([(num, "Node %02d" % i, "N%02d" % i) for i, num in enumerate(nums)])
        msg, _ = self.open_write()
        # Telegram stops answering sends and edits: the answers to presses must not wait for them.
        self.tg.hold("editMessageText")
        self.tg.hold("sendMessage")
        self.addCleanup(self.tg.release, "sendMessage")
        self.addCleanup(self.tg.release, "editMessageText")
        t0 = time.monotonic()
        _uid, qid = press(self.tg, CHAT, button(msg["params"], NEXT)["callback_data"], message_id=msg["message_id"])
        self.wait_answer(qid, timeout=5)
        qid = self.pick(msg, nums[0])
        self.wait_answer(qid, timeout=5)
        self.assertLess(time.monotonic() - t0, 5)
        self.tg.release("editMessageText")
        self.tg.release("sendMessage")
        self.wait_chat(lambda m: markup_of(m["params"]).get("force_reply"))

    def test_another_users_text_does_not_go_to_the_picked_node(self):
        self.teach([(BASE, "Base Camp", "BC")])
        listener = self.mesh_listener("msh/US/2/e/#")
        msg, _ = self.open_write()
        qid = self.pick(msg, BASE)
        self.wait_answer(qid)
        self.wait_chat(lambda m: markup_of(m["params"]).get("force_reply"))
        self.say("chatter from bob", user_id=OTHER_USER, first_name="Bob")
        _topic, env = self.wait_text_downlink(listener, "chatter from bob")
        self.assertEqual(env["packet"]["to"], meshpb.BROADCAST)
        self.say("private words")
        _topic, env = self.wait_text_downlink(listener, "private words")
        self.assertEqual(env["packet"]["to"], BASE)

    # ------------------------------------------------------------------ presses that do nothing

    def test_foreign_press_is_answered_and_changes_nothing(self):
        self.teach([(BASE, "Base Camp", "BC")])
        listener = self.mesh_listener("msh/US/2/e/#")
        msg, _ = self.open_write()
        since = self.tg.request_count()
        qid = self.pick(msg, BASE, user_id=OTHER_USER, first_name="Bob")
        answer = self.wait_answer(qid)
        self.assertRegex(answer.params.get("text", ""), text_re("en", "callback_foreign", name="Alice"),
                         "the answer says whose menu it is")
        time.sleep(QUIET_SECONDS)
        self.assertEqual(self.tg.sent_messages(since=since), [], "a foreign press prompted someone")
        self.assertEqual(self.tg.requests("editMessageText"), [], "a foreign press edited the menu")
        # Bob's next text is ordinary chat, not a DM to the node.
        self.say("just bob talking", user_id=OTHER_USER, first_name="Bob")
        _topic, env = self.wait_text_downlink(listener, "just bob talking")
        self.assertEqual(env["packet"]["to"], meshpb.BROADCAST)

    def test_foreign_cancel_does_not_close_the_menu(self):
        self.teach([(BASE, "Base Camp", "BC")])
        msg, _ = self.open_write()
        cancel = button(msg["params"], CANCEL)
        _uid, qid = press(self.tg, CHAT, cancel["callback_data"], user_id=OTHER_USER, first_name="Bob",
                          message_id=msg["message_id"])
        self.assertRegex(self.wait_answer(qid).params.get("text", ""), text_re("en", "callback_foreign", name="Alice"))
        time.sleep(QUIET_SECONDS)
        self.assertEqual(self.tg.requests("editMessageText"), [])
        # Alice's menu still works.
        since = self.tg.request_count()
        qid = self.pick(msg, BASE)
        self.wait_answer(qid)
        self.wait_chat(lambda m: markup_of(m["params"]).get("force_reply"), since=since)

    @options(chat_ids="%d,%d" % (CHAT, SECOND_CHAT))
    def test_the_pick_holds_in_its_own_chat_only(self):
        self.teach([(BASE, "Base Camp", "BC")])
        listener = self.mesh_listener("msh/US/2/e/#")
        msg, _ = self.open_write()
        qid = self.pick(msg, BASE)
        self.wait_answer(qid)
        self.wait_chat(lambda m: markup_of(m["params"]).get("force_reply"))
        # The same user in another bridged chat: ordinary chat there.
        self.say("said in the other chat", chat_id=SECOND_CHAT)
        _topic, env = self.wait_text_downlink(listener, "said in the other chat")
        self.assertEqual(env["packet"]["to"], meshpb.BROADCAST)
        self.say("said where I picked")
        _topic, env = self.wait_text_downlink(listener, "said where I picked")
        self.assertEqual(env["packet"]["to"], BASE)

    def test_cancel_closes_the_menu(self):
        self.teach([(BASE, "Base Camp", "BC")])
        listener = self.mesh_listener("msh/US/2/e/#")
        msg, _ = self.open_write()
        cancel = button(msg["params"], CANCEL)
        _uid, qid = press(self.tg, CHAT, cancel["callback_data"], message_id=msg["message_id"])
        self.wait_answer(qid)
        edit = self.wait_edit(msg["message_id"], fixed_text("en", "write_cancelled"))
        self.assertEqual(inline_rows(edit.params), [])
        # A node button of the cancelled menu is stale now: answered, no prompt.
        since = self.tg.request_count()
        qid = self.pick(msg, BASE)
        answer = self.wait_answer(qid)
        self.assertEqual(answer.params.get("text", ""), EXPIRED)
        time.sleep(QUIET_SECONDS)
        self.assertEqual(self.tg.sent_messages(since=since), [])
        self.say("after cancel")
        _topic, env = self.wait_text_downlink(listener, "after cancel")
        self.assertEqual(env["packet"]["to"], meshpb.BROADCAST)

    def test_a_new_write_makes_the_old_menu_stale(self):
        self.teach([(BASE, "Base Camp", "BC")])
        old, _ = self.open_write()
        new, _ = self.open_write()
        since = self.tg.request_count()
        qid = self.pick(old, BASE)
        self.assertEqual(self.wait_answer(qid).params.get("text", ""), EXPIRED)
        time.sleep(QUIET_SECONDS)
        self.assertEqual(self.tg.sent_messages(since=since), [])
        # The new menu works.
        qid = self.pick(new, BASE)
        self.wait_answer(qid)
        self.wait_chat(lambda m: markup_of(m["params"]).get("force_reply"), since=since)

    def test_stale_unknown_and_outside_presses_are_all_answered(self):
        self.teach([(BASE, "Base Camp", "BC")])
        msg, _ = self.open_write()
        session = NODE_DATA.match(node_buttons(msg["params"])[BASE]["callback_data"]).group(1)
        stale = "%08x" % (int(session, 16) ^ 0x5A5A5A5A)
        presses = [
            (CHAT, "w:%s:n:0badcafe" % stale),   # a session that does not exist
            (CHAT, "w:%s:p:1" % stale),
            (CHAT, "w:%s:n:zzzzzzzz" % session),  # garbage in a live session
            (CHAT, "w:%s:p:x" % session),
            (CHAT, "w:"),
            (CHAT, "no-such-button"),
            (CHAT, ""),
            (-1009999, "w:%s:n:0badcafe" % session),  # a chat that is not bridged
        ]
        since = self.tg.request_count()
        qids = [press(self.tg, chat, data, message_id=msg["message_id"])[1] for chat, data in presses]
        for (chat, data), qid in zip(presses, qids):
            with self.subTest(chat=chat, data=data):
                self.wait_answer(qid)
        time.sleep(QUIET_SECONDS)
        for qid in qids:
            self.assertEqual(len(self.answers_to(qid)), 1, "answered more than once")
        self.assertEqual(self.tg.sent_messages(since=since), [], "a stray press made the bot talk")
        self.assertFalse([r for r in self.tg.requests("editMessageText")], "a stray press edited a message")
        # The menu still works after all that.
        qid = self.pick(msg, BASE)
        self.wait_answer(qid)
        self.wait_chat(lambda m: markup_of(m["params"]).get("force_reply"), since=since)


if __name__ == "__main__":
    unittest.main()
