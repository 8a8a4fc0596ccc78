"""The first hour (contract v3, part 7), against the real broker and the fake Bot API:
discovery (a token without chat_ids; /start tells a chat its id), an admin's private chat,
the admin menu for admin_ids only, dm_chat_ids and DM replies back to the chat they answer,
one chat's failing messages never holding up another, and `diagnose`."""
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness import meshcrypto as mc, meshpb  # noqa: E402
from tgmesh_harness.base import ADMIN, BRIDGE_TOPIC, CHAT, LINK_SETTLE, NODE_NUM, TgmeshTestCase, options  # noqa: E402
from tgmesh_harness.fake_telegram import BOT_USER, api_error  # noqa: E402

GATEWAY = "!a1b2c3d4"
STRANGER = -5005
OTHER_CHAT = -1002
ALICE = 0x1A2B3C4D


class FirstHourCase(TgmeshTestCase):
    def wait_log(self, pattern, timeout=10):
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.broker.log_text()):
            if time.monotonic() > deadline:
                self.fail("no %r in the broker log within %ss:\n%s"
                          % (pattern, timeout, self.broker.log_text()[-3000:]))
            time.sleep(0.05)

    def findings(self):
        [response] = self.control([{"command": "diagnose"}])
        self.assertEqual(response["command"], "diagnose")
        return {f["code"]: f for f in response["data"]["findings"]}

    def messages_to(self, chat_id, since=0):
        return [m["text"] for m in self.tg.sent_messages(chat_id=chat_id, since=since)]

    def dm_to_bridge(self, text, reply_id=None, packet_id=None):
        data = mc.text_data(text, reply_id=reply_id)
        self.uplink(mc.make_envelope(ALICE, NODE_NUM, packet_id or mc.random_packet_id(), data,
                                     gateway=GATEWAY), GATEWAY)


class DiscoveryTest(FirstHourCase):
    @options(chat_ids=None)
    def test_a_token_without_chat_ids_starts_and_start_tells_the_chat_its_id(self):
        self.wait_log(r"no chat is bridged yet", timeout=5)
        listener = self.mesh_listener()
        since = self.tg.request_count()
        self.say("/start", chat_id=STRANGER)
        answer = self.wait_chat("<code>%d</code>" % STRANGER, chat_id=STRANGER)
        self.assertIn("plugin_opt_chat_ids %d" % STRANGER, answer["text"])
        # Once a minute per chat; nothing else in that chat gets an answer or a downlink.
        self.say("/start", chat_id=STRANGER)
        self.say("/send hello mesh", chat_id=STRANGER)
        last = self.say("plain words", chat_id=STRANGER)
        self.wait_handled(last)
        self.assertEqual(len(self.messages_to(STRANGER, since=since)), 1)
        self.assertEqual(self.text_downlinks(listener), [])
        # A private chat also learns the user's id (for admin_ids).
        self.say("/start", chat_id=4242, user_id=4242, chat_type="private")
        self.wait_chat("<code>4242</code>: put it in <code>admin_ids</code>", chat_id=4242)


class AdminChatTest(FirstHourCase):
    def test_an_admin_runs_admin_commands_in_a_private_chat_that_gets_no_mesh_posts(self):
        listener = self.mesh_listener()
        self.say("/status", chat_id=ADMIN, chat_type="private")
        self.wait_chat("Bridge status", chat_id=ADMIN)
        self.say("/send from my private chat", chat_id=ADMIN, chat_type="private")
        self.wait_chat("only the admin commands work here", chat_id=ADMIN)
        self.say("/probe", chat_id=ADMIN, chat_type="private")
        self.wait_chat("Probe published", chat_id=ADMIN)
        text = "for the group only %d" % mc.random_packet_id()
        self.uplink(mc.make_encrypted_text_envelope(ALICE, meshpb.BROADCAST, mc.random_packet_id(), text,
                                                    gateway=GATEWAY), GATEWAY)
        self.wait_chat(text)
        time.sleep(0.5)
        self.assertFalse(any(text in t for t in self.messages_to(ADMIN)))
        self.assertEqual(self.text_downlinks(listener), [])
        # Someone else's private chat stays unbridged and silent.
        since = self.tg.request_count()
        update = self.say("/status", chat_id=222, user_id=222, chat_type="private")
        self.wait_handled(update)
        self.assertEqual(self.messages_to(222, since=since), [])

    def test_the_admin_menu_is_for_admin_ids_only(self):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(self.tg.requests("setMyCommands")) < 3:
            time.sleep(0.1)
        menus = {}
        for req in self.tg.requests("setMyCommands"):
            scope = req.params["scope"]
            names = [c["command"] for c in req.params["commands"]]
            menus[(scope["type"], scope.get("chat_id"), scope.get("user_id"))] = names
        self.assertNotIn("status", menus[("default", None, None)])
        self.assertIn("status", menus[("chat", ADMIN, None)])
        self.assertIn("probe", menus[("chat_member", CHAT, ADMIN)])
        self.assertFalse(any(k[0] == "all_chat_administrators" for k in menus))
        deleted = [r.params["scope"]["type"] for r in self.tg.requests("deleteMyCommands")]
        self.assertEqual(deleted, ["all_chat_administrators"])


class DmChatsTest(FirstHourCase):
    @options(chat_ids="%d,%d" % (CHAT, OTHER_CHAT), dm_chat_ids=str(ADMIN))
    def test_dms_go_to_dm_chat_ids(self):
        text = "private words %d" % mc.random_packet_id()
        self.dm_to_bridge(text)
        self.wait_chat(text, chat_id=ADMIN)
        broadcast = "for everyone %d" % mc.random_packet_id()
        self.uplink(mc.make_encrypted_text_envelope(ALICE, meshpb.BROADCAST, mc.random_packet_id(), broadcast,
                                                    gateway=GATEWAY), GATEWAY)
        self.wait_chat(broadcast, chat_id=OTHER_CHAT)
        self.wait_chat(broadcast, chat_id=CHAT)
        time.sleep(0.5)
        for chat in (CHAT, OTHER_CHAT):
            self.assertFalse(any(text in t for t in self.messages_to(chat)))
        self.assertFalse(any(broadcast in t for t in self.messages_to(ADMIN)))

    @options(chat_ids="%d,%d" % (CHAT, OTHER_CHAT))
    def test_a_dm_answering_a_chats_dm_goes_back_to_that_chat_only(self):
        listener = self.mesh_listener()
        self.teach_node(ALICE, "Alice Node", "AL", gateway=GATEWAY)
        self.say("/send_to_node !1a2b3c4d are you there?", chat_id=OTHER_CHAT)
        _topic, env = self.wait_text_downlink(listener, "are you there?")
        answer = "yes, here %d" % mc.random_packet_id()
        self.dm_to_bridge(answer, reply_id=env["packet"]["id"])
        self.wait_chat(answer, chat_id=OTHER_CHAT)
        blue = "out of the blue %d" % mc.random_packet_id()
        self.dm_to_bridge(blue)
        self.wait_chat(blue, chat_id=CHAT)
        self.wait_chat(blue, chat_id=OTHER_CHAT)
        self.assertFalse(any(answer in t for t in self.messages_to(CHAT)))


class ChatIsolationTest(FirstHourCase):
    EXPECT_REJECTED_MESSAGES = True

    @options(chat_ids="%d,%d" % (CHAT, OTHER_CHAT), chat_pacing="off", sys_interval="1")
    def test_one_chats_failing_message_never_holds_another_and_is_given_up_after_a_minute(self):
        # Every request to CHAT fails with 502 (like the sendLocation seen in the field).
        def fail_chat(req):
            if str(req.params.get("chat_id")) == str(CHAT):
                return api_error(502, "Bad Gateway")
            return None
        self.tg.set_fault("sendMessage", fail_chat)
        started = time.monotonic()
        stuck = "stuck in one chat %d" % mc.random_packet_id()
        self.uplink(mc.make_encrypted_text_envelope(ALICE, meshpb.BROADCAST, mc.random_packet_id(), stuck,
                                                    gateway=GATEWAY), GATEWAY)
        self.wait_chat(stuck, chat_id=OTHER_CHAT)
        # OTHER_CHAT keeps getting everything promptly while CHAT fails.
        for i in range(5):
            text = "flowing %d %d" % (i, mc.random_packet_id())
            t0 = time.monotonic()
            self.uplink(mc.make_encrypted_text_envelope(ALICE, meshpb.BROADCAST, mc.random_packet_id(), text,
                                                        gateway=GATEWAY), GATEWAY)
            self.wait_chat(text, chat_id=OTHER_CHAT, timeout=5)
            self.assertLess(time.monotonic() - t0, 2.0)
            time.sleep(2)
        self.wait_log(
            r"Telegram sendMessage failed: HTTP 502 Bad Gateway \(chat %d\); retrying in 1 s" % CHAT, timeout=5)
        # After a minute of failures (while the rest flows) the stuck message is dropped.
        self.wait_log(r"dropped \(telegram_gave_up\): Telegram sendMessage failed: .*\(chat %d, "
                      r"failing for \d+ s while other requests went through\)" % CHAT, timeout=120)
        self.assertGreaterEqual(time.monotonic() - started, 60)
        [status] = self.control([{"command": "getStatus"}])
        self.assertGreaterEqual(status["data"]["drops"]["telegram_gave_up"], 1)
        # Once CHAT works again, its later messages arrive.
        self.tg.set_fault("sendMessage", None)
        after = "after the outage %d" % mc.random_packet_id()
        self.uplink(mc.make_encrypted_text_envelope(ALICE, meshpb.BROADCAST, mc.random_packet_id(), after,
                                                    gateway=GATEWAY), GATEWAY)
        self.wait_chat(after, chat_id=CHAT, timeout=30)

    @options(chat_ids="%d,%d" % (CHAT, OTHER_CHAT))
    def test_a_400_drops_the_message_at_once(self):
        self.tg.set_fault("sendMessage", lambda req: api_error(400, "Bad Request: message is too long")
                          if "refuse me" in str(req.params.get("text")) else None)
        self.uplink(mc.make_encrypted_text_envelope(ALICE, meshpb.BROADCAST, mc.random_packet_id(),
                                                    "refuse me", gateway=GATEWAY), GATEWAY)
        after = "next one %d" % mc.random_packet_id()
        self.uplink(mc.make_encrypted_text_envelope(ALICE, meshpb.BROADCAST, mc.random_packet_id(), after,
                                                    gateway=GATEWAY), GATEWAY)
        self.wait_chat(after, chat_id=CHAT)
        refusals = [r for r in self.tg.requests("sendMessage") if "refuse me" in str(r.params.get("text"))]
        self.assertEqual(len(refusals), 2)  # once per chat, never retried


class DiagnoseTest(FirstHourCase):
    @options(topic_root="msh/EU_868,msh/US")
    def test_findings_by_code(self):
        # An uplink on a channel no configured key opens.
        key = "AAECAwQFBgcICQoLDA0ODw=="
        self.uplink(mc.make_encrypted_text_envelope(ALICE, meshpb.BROADCAST, mc.random_packet_id(), "secret",
                                                    channel="Private", psk_b64=key, gateway=GATEWAY),
                    GATEWAY, channel="Private")
        # A chat the bot was removed from.
        self.tg.set_fault("sendMessage", lambda req: api_error(403, "Forbidden: bot was kicked from the group chat")
                          if str(req.params.get("chat_id")) == str(CHAT) else None)
        self.EXPECT_REJECTED_MESSAGES = True
        self.uplink(mc.make_encrypted_text_envelope(ALICE, meshpb.BROADCAST, mc.random_packet_id(), "hello",
                                                    gateway=GATEWAY), GATEWAY)
        self.wait_log(r"Telegram refused a message to chat %d" % CHAT, timeout=5)
        found = self.findings()
        unknown = found["unknown_channel"]
        self.assertEqual(unknown["channel"], "Private")
        self.assertEqual(unknown["channelHash"], mc.channel_hash("Private", mc.key_from_b64(key)))
        self.assertEqual(unknown["count"], 1)
        self.assertEqual(unknown["gateways"], [GATEWAY])
        self.assertEqual(found["chat_unreachable"]["chatId"], CHAT)
        self.assertEqual(found["ignore_mqtt_region"]["region"], "EU_868")
        self.assertNotIn("no_uplinks", found)
        self.assertNotIn("telegram_unauthorized", found)
        self.assertNotIn("privacy_mode", found)
        # /status shows the same findings to an admin, in words.
        self.tg.set_fault("sendMessage", None)
        self.say("/status", chat_id=ADMIN, chat_type="private")
        status = self.wait_chat("Problems", chat_id=ADMIN)
        self.assertIn("channel Private", status["text"])
        self.assertIn("region EU_868", status["text"])

    def test_privacy_mode_from_get_me(self):
        self.tg.set_fault("getMe", lambda req: (200, {"ok": True, "result": dict(
            BOT_USER, can_read_all_group_messages=False)}))
        since = self.restart_bridge()
        self.assertGreater(since, 0)
        self.assertIn("privacy_mode", self.findings())

    def test_telegram_unauthorized(self):
        self.tg.set_fault("getMe", lambda req: api_error(401, "Unauthorized"))
        self.restart_bridge(wait_poll=False)
        self.wait_log(r"the bot token or api_url was rejected", timeout=10)
        self.assertIn("telegram_unauthorized", self.findings())


if __name__ == "__main__":
    unittest.main()
