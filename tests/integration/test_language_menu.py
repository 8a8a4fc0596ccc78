"""Language and discoverability.  setMyCommands is called at start for the default scope (chat
commands only) and the chat-administrators scope (with the admin commands /status and /probe),
in the configured language.  /help shows each command, with an example for those that take
arguments; /start in a group explains privacy mode.  language=ru: replies, keyboard labels,
callback answers, mesh posts and command descriptions are in Russian."""
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness import meshcrypto as mc  # noqa: E402
from tgmesh_harness import meshpb  # noqa: E402
from tgmesh_harness.base import ADMIN, CHAT, NODE_NUM, TgmeshTestCase, options  # noqa: E402
from tgmesh_harness.chatflow import (ChatFlowChecks, buttons, catalog, extract, fixed_text,  # noqa: E402
                                     inline_rows, markup_of, press, text_re)

BASE = 0x0BADCAFE
CHAT_COMMANDS = {"send", "send_to_node", "write", "send_nearby", "nodes", "node", "trace", "help"}
ADMIN_COMMANDS = {"status", "probe", "forget_key", "block", "unblock"}
WITH_ARGUMENTS = ["send", "send_to_node", "send_nearby", "nodes", "node", "trace"]
CYRILLIC = re.compile(r"[\u0400-\u04FF]")


def scope_of(req):
    scope = req.params.get("scope") or {}
    return scope.get("type", "default") if isinstance(scope, dict) else "default"


def commands_of(req):
    return {c["command"]: c["description"] for c in req.params.get("commands", [])}


class CommandMenuMixin:
    # The admin menu goes to admin_ids only: their private chat with the bot ("chat") and to them
    # in each bridged group ("chat_member"), never to every group administrator.
    SCOPES = {"default", "chat", "chat_member"}

    def menus(self):
        """{scope type: {command: description}} from the setMyCommands calls, once all came."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            calls = [r for r in self.tg.requests("setMyCommands") if r.status == 200]
            found = {scope_of(r): commands_of(r) for r in calls}
            if self.SCOPES <= set(found):
                return found
            time.sleep(0.05)
        self.fail("setMyCommands was not called for every scope: %s"
                  % [(r.params, r.status) for r in self.tg.requests("setMyCommands")])

    def check_menu_shape(self, menus):
        self.assertEqual(set(menus), self.SCOPES)
        self.assertEqual(set(menus["default"]), CHAT_COMMANDS)
        for scope in ("chat", "chat_member"):
            self.assertEqual(set(menus[scope]), CHAT_COMMANDS | ADMIN_COMMANDS)
        for scope, commands in menus.items():
            for command, description in commands.items():
                with self.subTest(scope=scope, command=command):
                    self.assertRegex(command, r"^[a-z0-9_]{1,32}$")
                    self.assertTrue(1 <= len(description) <= 256, description)


class EnglishMenuTest(CommandMenuMixin, ChatFlowChecks, TgmeshTestCase):
    def test_commands_published_for_both_scopes(self):
        menus = self.menus()
        self.check_menu_shape(menus)
        self.assertEqual(menus["default"]["send_nearby"], fixed_text("en", "cmd_send_nearby"))
        self.assertEqual(menus["chat"]["status"], fixed_text("en", "cmd_status"))
        self.assertFalse(CYRILLIC.search(" ".join(menus["chat_member"].values())))

    def test_help_shows_each_command_with_an_example(self):
        since = self.tg.request_count()
        self.say("/help")
        text = self.wait_chat(since=since)["text"]
        self.assertRegex(text, text_re("en", "help", channel="LongFast"))
        self.assertIn(catalog("en")["help_admin"].strip(), text)
        for command in sorted((CHAT_COMMANDS | ADMIN_COMMANDS) - {"help"}):
            with self.subTest(command=command):
                self.assertRegex(text, r"/%s\b" % command)
        for command in WITH_ARGUMENTS:
            with self.subTest(example=command):
                self.assertRegex(text, r"<code>/%s [^<]+</code>" % command, "no example for /%s" % command)

    def test_help_for_a_member_leaves_out_admin_commands(self):
        since = self.tg.request_count()
        self.say("/help", user_id=222, first_name="Bob")
        text = self.wait_chat(since=since)["text"]
        self.assertIn("/send_nearby", text)
        self.assertNotIn("/status", text)
        self.assertNotIn("/probe", text)

    def test_start_in_a_group_explains_privacy_mode(self):
        since = self.tg.request_count()
        self.say("/start")
        text = self.wait_chat(since=since)["text"]
        self.assertRegex(text, text_re("en", "help", channel="LongFast"))
        self.assertIn(fixed_text("en", "start_group"), text)
        self.assertIn("/setprivacy", text)  # the BotFather command that turns privacy mode off

    @options(chat_ids="%d,%d" % (CHAT, ADMIN))
    def test_start_in_a_private_chat_needs_no_privacy_hint(self):
        since = self.tg.request_count()
        self.tg.inject_message(ADMIN, "/start", user_id=ADMIN, chat_type="private")
        text = self.wait_chat(chat_id=ADMIN, since=since)["text"]
        self.assertRegex(text, text_re("en", "help", channel="LongFast"))
        self.assertNotIn(fixed_text("en", "start_group"), text)
        self.assertNotIn("/setprivacy", text)


class RussianTest(CommandMenuMixin, ChatFlowChecks, TgmeshTestCase):
    OPTIONS = {"language": "ru"}

    def ask(self, text, user_id=ADMIN, **kw):
        since = self.tg.request_count()
        self.say(text, user_id=user_id, **kw)
        return self.wait_chat(since=since)

    def assertRussian(self, text, key=None, **values):
        """Cyrillic text that (with `key`) matches Russian catalogue text `key`."""
        self.assertTrue(CYRILLIC.search(text), "not Russian: %r" % text)
        if key:
            self.assertRegex(text, text_re("ru", key, **values))

    def test_catalogues_differ(self):
        # Guards the checks below: a Russian catalogue copied from the English one passes them.
        en, ru = catalog("en"), catalog("ru")
        not_words = re.compile(r"<[^>]+>|\{\w+\}|/\w+|SNR|RSSI|dB|mesh|Telegram")
        same = [k for k in en if en[k] == ru[k] and re.search(r"[A-Za-z]{3}", not_words.sub("", en[k]))]
        self.assertEqual(same, [], "texts left in English in catalog_ru.cpp")

    def test_command_descriptions_in_russian(self):
        menus = self.menus()
        self.check_menu_shape(menus)
        for scope, commands in menus.items():
            for command, description in commands.items():
                with self.subTest(scope=scope, command=command):
                    self.assertRussian(description)
                    self.assertEqual(description, fixed_text("ru", "cmd_" + command))

    def test_help_and_start_in_russian(self):
        text = self.ask("/help")["text"]
        self.assertRussian(text, "help", channel="LongFast")
        self.assertIn(catalog("ru")["help_admin"].strip(), text)
        for command in WITH_ARGUMENTS:
            self.assertRegex(text, r"<code>/%s [^<]+</code>" % command)
        text = self.ask("/start")["text"]
        self.assertIn(fixed_text("ru", "start_group"), text)
        self.assertIn("/setprivacy", text)

    def test_replies_in_russian(self):
        self.teach_node(BASE, "Base Camp", "BC")
        self.uplink(mc.make_telemetry_envelope(BASE, battery_level=64, voltage=3.8))
        time.sleep(0.3)
        self.assertRussian(self.ask("/send привет всем")["text"], "sent_broadcast", channel="LongFast")
        nodes = self.ask("/nodes")["text"]
        self.assertRussian(nodes, "nodes_header", n=1)
        self.assertRegex(nodes, text_re("ru", "seconds_ago"))
        details = self.ask("/node BC")["text"]
        self.assertRussian(details, "node_battery", percent=64)
        self.assertRegex(details, text_re("ru", "node_last_heard"))
        self.assertIn(fixed_text("ru", "node_no_position"), details)
        self.assertRussian(self.ask("/send")["text"], "usage_send")
        self.assertRussian(self.ask("/status", user_id=222, first_name="Bob")["text"], "admins_only")
        status = self.ask("/status")["text"]
        self.assertRussian(status, "status_title")
        self.assertIsNotNone(extract("ru", "status_counters", status, r"\d+"), status)
        self.assertRegex(status, text_re("ru", "status_gateways", n=1))

    def test_keyboard_labels_and_callback_answers_in_russian(self):
        self.teach_node(BASE, "Base Camp", "BC")
        msg = self.ask("/write")
        self.assertTrue(inline_rows(msg["params"]), msg["params"])
        self.assertRussian(msg["text"], "write_choose")
        labels = " ".join(b["text"] for b in buttons(msg["params"]))
        self.assertIn(fixed_text("ru", "button_cancel"), labels)
        self.assertNotIn(fixed_text("en", "button_cancel"), labels)
        self.assertRegex(labels, text_re("ru", "seconds_ago"))
        _uid, qid = press(self.tg, CHAT, "w:00000000:n:0badcafe", message_id=msg["message_id"])
        self.assertRussian(self.wait_answer(qid).params.get("text", ""), "callback_expired")
        _uid, qid = press(self.tg, CHAT, node_data(msg), user_id=222, first_name="Bob",
                          message_id=msg["message_id"])
        self.assertRussian(self.wait_answer(qid).params.get("text", ""), "callback_foreign", name="Alice")
        cancel = next(b for b in buttons(msg["params"]) if b["callback_data"].endswith(":x"))
        _uid, qid = press(self.tg, CHAT, cancel["callback_data"], message_id=msg["message_id"])
        self.assertRussian(self.wait_answer(qid).params.get("text", ""), "write_cancelled")
        self.assertRussian(self.wait_edit(msg["message_id"]).params["text"], "write_cancelled")

    def test_write_prompt_and_confirmation_in_russian(self):
        self.teach_node(BASE, "Base Camp", "BC")
        msg = self.ask("/write")
        since = self.tg.request_count()
        _uid, qid = press(self.tg, CHAT, node_data(msg), message_id=msg["message_id"])
        self.wait_answer(qid)
        prompt = self.wait_chat(lambda m: markup_of(m["params"]).get("force_reply"), since=since)
        self.assertRussian(prompt["text"], "write_prompt")
        self.assertRussian(markup_of(prompt["params"]).get("input_field_placeholder", ""), "write_placeholder")
        self.assertRussian(self.wait_edit(msg["message_id"]).params["text"], "write_to")
        listener = self.mesh_listener("msh/US/2/e/#")
        confirmation = self.ask("привет, база", reply_to=prompt["message_id"])
        self.assertRussian(confirmation["text"], "sent_dm")
        self.assertRegex(confirmation["text"], text_re("ru", "dm_key_unknown"))
        _topic, env = self.wait_text_downlink(listener, "привет, база")
        ack = {"portnum": meshpb.ROUTING_APP, "payload": meshpb.encode(meshpb.ROUTING, {"error_reason": 0}),
               "request_id": env["packet"]["id"]}
        self.uplink(mc.make_envelope(BASE, NODE_NUM, 0x0ACC0002, ack))
        self.assertRussian(self.wait_edit(confirmation["message_id"], fixed_text("ru", "delivered")).params["text"],
                           "delivered")

    def test_mesh_posts_in_russian(self):
        self.teach_node(BASE, "Base Camp", "BC")
        self.uplink(mc.make_encrypted_text_envelope(BASE, NODE_NUM, 0x4E550001, "личное сообщение",
                                                    hop_start=3, hop_limit=3))
        msg = self.wait_chat("личное сообщение")
        self.assertIn(fixed_text("ru", "dm_marker"), msg["text"])
        self.assertRegex(msg["text"], text_re("ru", "dm_reply_hint", node="Base Camp"))
        self.assertIn(fixed_text("ru", "hops_direct"), msg["text"])
        self.uplink(mc.make_encrypted_text_envelope(BASE, meshpb.BROADCAST, 0x4E550002, "всем", hop_start=3,
                                                    hop_limit=1))
        msg = self.wait_chat("всем")
        self.assertRegex(msg["text"], text_re("ru", "hops_count", n=2))
        self.assertRegex(msg["text"], text_re("ru", "via", gateway="!a1b2c3d4"))

    @options(alert_new_nodes="true", alert_battery_percent="20")
    def test_alerts_in_russian(self):
        self.teach_node(BASE, "Base Camp", "BC", settle=0)
        self.uplink(mc.make_telemetry_envelope(BASE, battery_level=9))
        self.wait_chat(lambda m: re.search(text_re("ru", "alert_new_node"), m["text"]))
        self.wait_chat(lambda m: re.search(text_re("ru", "alert_battery", percent=9), m["text"]))


def node_data(keyboard_msg):
    return next(b["callback_data"] for b in buttons(keyboard_msg["params"]) if ":n:" in b["callback_data"])


if __name__ == "__main__":
    unittest.main()
