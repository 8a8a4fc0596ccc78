"""Part 11, the chat beyond the peers, end to end through the real broker: native reactions both
ways (message_reaction updates, setMessageReaction), /trace (TRACEROUTE_APP), /node with
environment telemetry, airtime and neighbours, locations as waypoints and mesh waypoints as
venues, user_rate, blocked users and nodes with /block and /unblock (kept across a restart), and
language auto."""
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness import meshcrypto as mc  # noqa: E402
from tgmesh_harness import meshpb  # noqa: E402
from tgmesh_harness.base import ADMIN, CHAT, LINK_SETTLE, NODE_NUM, QUIET_SECONDS, TgmeshTestCase, options  # noqa: E402
from tgmesh_harness.chatflow import text_re  # noqa: E402
from tgmesh_harness.telegram_html import parse_html  # noqa: E402

BASE = 0x0BADCAFE
HILL = 0x0C0FFEE1
RELAY = 0x0D0D0D0D
BOB = 222


class ChatBeyondCase(TgmeshTestCase):
    def setUp(self):
        super().setUp()
        self.teach_node(BASE, "Base Camp", "BC", settle=0)
        self.teach_node(HILL, "Hilltop", "HT", settle=0)
        self.teach_node(RELAY, "Relay Tower", "RT", settle=0.3)

    def bridged(self, from_num, to_num, packet_id, text, **data_kw):
        """Uplinks a text and returns the chat message the bridge posted for it."""
        self.uplink(mc.make_envelope(from_num, to_num, packet_id, mc.text_data(text, **data_kw)))
        msg = self.wait_chat(text)
        time.sleep(LINK_SETTLE)
        return msg

    def wait_request(self, method, predicate=lambda r: True, since=0, timeout=10):
        req = self.tg.wait_for_request(method, predicate, timeout=timeout, since=since)
        if req is None:
            self.fail("no %s within %ss; requests: %s"
                      % (method, timeout, [(r.method, r.params) for r in self.tg.requests()[since:]]))
        return req

    def wait_downlink(self, listener, portnum, timeout=10):
        """The next envelope from the bridge with this portnum, decrypted."""
        def match(msg):
            env = self.decode_downlink(msg)
            return (env is not None and self._from_bridge(env, "!7b000001")
                    and env["packet"].get("decoded", {}).get("portnum") == portnum)
        msg = listener.wait_message(match, timeout)
        if msg is None:
            self.fail("no downlink with portnum %d within %ss; seen: %s"
                      % (portnum, timeout, self.describe_mqtt(listener)))
        return self.decode_downlink(msg)


class ReactionsTest(ChatBeyondCase):
    def test_polls_ask_telegram_for_reactions(self):
        poll = self.wait_request("getUpdates")
        self.assertIn("message_reaction", poll.params.get("allowed_updates", []))

    def test_a_chat_reaction_goes_to_the_mesh_as_an_emoji_reply(self):
        original = self.bridged(BASE, meshpb.BROADCAST, 0x52A70001, "summit reached")
        listener = self.mesh_listener("msh/US/2/e/#")
        since = self.tg.request_count()
        self.tg.inject_reaction(CHAT, original["message_id"], ["🔥"], user_id=BOB, first_name="Bob")
        _topic, env = self.wait_text_downlink(listener, "🔥")
        data = env["packet"]["decoded"]
        self.assertEqual(data.get("emoji"), 1)
        self.assertEqual(data.get("reply_id"), 0x52A70001)
        self.assertEqual(data["text"], "🔥")
        self.assertEqual(env["packet"]["to"], meshpb.BROADCAST)
        time.sleep(QUIET_SECONDS)
        self.assertEqual(self.tg.sent_messages(since=since), [], "a reaction is answered by nothing")

    def test_a_mesh_reaction_becomes_a_native_reaction(self):
        original = self.bridged(BASE, meshpb.BROADCAST, 0x52A70002, "coffee at 8")
        since = self.tg.request_count()
        self.uplink(mc.make_envelope(HILL, meshpb.BROADCAST, 0x52A70003,
                                     mc.text_data("❤️", reply_id=0x52A70002, emoji=1)))
        req = self.wait_request("setMessageReaction", since=since)
        self.assertEqual(int(req.params["message_id"]), original["message_id"])
        self.assertEqual(req.params["reaction"], [{"type": "emoji", "emoji": "❤"}])
        # A second one on the same message is a short reply (a bot sets one reaction).
        self.uplink(mc.make_envelope(RELAY, meshpb.BROADCAST, 0x52A70004,
                                     mc.text_data("👍", reply_id=0x52A70002, emoji=1)))
        reply = self.wait_chat("👍", since=since)
        self.assertIn("Relay Tower", reply["text"])


class TraceTest(ChatBeyondCase):
    def test_trace_posts_the_route_there_and_back(self):
        listener = self.mesh_listener("msh/US/2/e/#")
        uid = self.say("/trace Hilltop")
        env = self.wait_downlink(listener, meshpb.TRACEROUTE_APP)
        request = env["packet"]
        self.assertEqual(request["to"], HILL)
        self.assertTrue(request["decoded"].get("want_response"))
        self.assertEqual(request["decoded"].get("route_discovery"), {})
        self.wait_chat(lambda m: "Tracing the route to" in m["text"])
        self.uplink(mc.make_traceroute_reply_envelope(
            HILL, NODE_NUM, request["id"], route=[RELAY], snr_towards=[25, 12],
            route_back=[RELAY], snr_back=[-10, -128]))
        answer = self.wait_chat(lambda m: "Route to" in m["text"])
        text = parse_html(answer["text"])  # what the chat sees, without the markup
        self.assertRegex(text, r"→ Telegram › Relay Tower \(RT\) !0d0d0d0d \(6\.2 dB\) › Hilltop \(HT\) "
                               r"!0c0ffee1 \(3\.0 dB\)")
        self.assertRegex(text, r"← Hilltop .* › Relay Tower .* \(-2\.5 dB\) › Telegram \(\?\)")
        # It answers the /trace command.
        self.assertTrue(self.tg.wait_confirmed(uid))
        self.assertIn("reply_parameters", answer["params"])

    @options(downlink="json", gateway_id="!67ea9400")
    def test_trace_needs_the_protobuf_downlink(self):
        self.say("/trace Hilltop")
        self.wait_chat(lambda m: re.search(text_re("en", "trace_json_mode"), m["text"]))


class NodeDetailsTest(ChatBeyondCase):
    def test_node_shows_environment_airtime_and_neighbours(self):
        self.uplink(mc.make_telemetry_envelope(HILL, temperature=21.5, relative_humidity=45.0,
                                               barometric_pressure=1013.2))
        self.uplink(mc.make_telemetry_envelope(HILL, channel_utilization=12.5, air_util_tx=1.25))
        self.uplink(mc.make_neighborinfo_envelope(HILL, neighbors=[(RELAY, 6.25), (0x12345678, -3.0)]))
        time.sleep(LINK_SETTLE)
        self.say("/node Hilltop")
        text = parse_html(self.wait_chat(lambda m: "Environment:" in m["text"])["text"])
        self.assertIn("21.5 °C · 45.0% · 1013.2 hPa", text)
        self.assertIn("Airtime: channel 12.5%, transmitting 1.2%", text)
        self.assertRegex(text, r"Neighbours \(.*\): Relay Tower \(RT\) !0d0d0d0d \(6\.2 dB\), !12345678 \(-3\.0 dB\)")


class PlacesTest(ChatBeyondCase):
    def test_a_shared_location_becomes_a_waypoint(self):
        listener = self.mesh_listener("msh/US/2/e/#")
        self.tg.inject_location(CHAT, 45.7572352, 5.2035584, user_id=BOB, first_name="Bob")
        env = self.wait_downlink(listener, meshpb.WAYPOINT_APP)
        self.assertEqual(env["packet"]["to"], meshpb.BROADCAST)
        waypoint = env["packet"]["decoded"]["waypoint"]
        self.assertEqual(waypoint["latitude_i"], 457572352)
        self.assertEqual(waypoint["longitude_i"], 52035584)
        self.assertEqual(waypoint["name"], "Bob")
        self.assertAlmostEqual(waypoint["expire"], time.time() + 3600, delta=30)
        self.wait_chat(lambda m: "as a waypoint" in m["text"])

    def test_a_mesh_waypoint_becomes_a_venue(self):
        since = self.tg.request_count()
        self.uplink(mc.make_waypoint_envelope(BASE, 457572352, 52035584, "Hut", "water here"))
        venue = self.wait_request("sendVenue", since=since)
        self.assertEqual(int(venue.params["chat_id"]), CHAT)
        self.assertAlmostEqual(float(venue.params["latitude"]), 45.7572352, places=5)
        self.assertEqual(venue.params["title"], "Hut")
        self.assertEqual(venue.params["address"], "water here")


class ModerationTest(ChatBeyondCase):
    @options(user_rate="2")
    def test_user_rate_refuses_the_excess_and_admins_are_not_limited(self):
        listener = self.mesh_listener("msh/US/2/e/#")
        for i in range(3):
            self.say("/send from bob %d" % i, user_id=BOB, first_name="Bob")
        self.wait_chat(lambda m: re.search(r"At most 2 messages to the mesh per 10 minutes", m["text"]))
        for i in range(3):
            self.say("/send from admin %d" % i)
        self.wait_text_downlink(listener, "from admin 2")
        time.sleep(QUIET_SECONDS)
        texts = " ".join(t or "" for t in self.downlink_texts(self.text_downlinks(listener)))
        self.assertIn("from bob 1", texts)
        self.assertNotIn("from bob 2", texts)

    def test_block_by_reply_stops_a_user_and_survives_a_restart(self):
        listener = self.mesh_listener("msh/US/2/e/#")
        uid = self.say("/send hello", user_id=BOB, first_name="Bob")
        self.wait_text_downlink(listener, "hello")
        bob_message = {"message_id": 424242, "from": self.tg.make_user(BOB, "Bob"),
                       "chat": self.tg.make_chat(CHAT), "date": int(time.time()), "text": "/send hello"}
        self.say("/block", reply_to=bob_message)
        self.wait_chat(lambda m: "no longer reach the mesh" in m["text"])
        self.restart_bridge()
        listener = self.mesh_listener("msh/US/2/e/#")
        uid = self.say("/send after the block", user_id=BOB, first_name="Bob")
        self.wait_handled(uid)
        self.assertNotIn("after the block", " ".join(t or "" for t in self.downlink_texts(self.text_downlinks(listener))))
        [status] = self.control([{"command": "getStatus"}])
        self.assertEqual(status["data"]["blockedUsers"], 1)
        self.assertGreaterEqual(status["data"]["drops"]["blocked"], 1)
        self.say("/unblock %d" % BOB)
        self.wait_chat(lambda m: "reach the mesh again" in m["text"])
        self.say("/send free again", user_id=BOB, first_name="Bob")
        self.wait_text_downlink(listener, "free again")

    @options(blocked_nodes="!0badcafe")
    def test_a_blocked_node_never_reaches_the_chat(self):
        since = self.tg.request_count()
        self.uplink(mc.make_envelope(BASE, meshpb.BROADCAST, 0x52A70010, mc.text_data("spam spam")))
        self.uplink(mc.make_envelope(HILL, meshpb.BROADCAST, 0x52A70011, mc.text_data("real news")))
        self.wait_chat("real news", since=since)
        time.sleep(QUIET_SECONDS)
        self.assertFalse([m for m in self.tg.sent_messages(since=since) if "spam" in m["text"]])


class LanguageAutoTest(ChatBeyondCase):
    @options(language="auto")
    def test_each_reply_follows_the_users_language_and_the_menu_has_both(self):
        self.say("/send привет", user_id=BOB, first_name="Bob", language_code="ru")
        self.wait_chat(lambda m: "Отправлено в LongFast" in m["text"])
        self.say("/send hello", language_code="en")
        self.wait_chat(lambda m: "Sent to LongFast" in m["text"])
        menus = [r.params.get("language_code") for r in self.tg.requests("setMyCommands")
                 if r.params.get("scope", {}).get("type") == "default"]
        self.assertIn("ru", menus)
        self.assertIn(None, menus)


if __name__ == "__main__":
    unittest.main()
