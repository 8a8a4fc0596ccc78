"""Telegram -> mesh: /send publishes an encrypted ServiceEnvelope from the bridge's virtual node."""
import base64
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness import meshcrypto as mc, meshpb  # noqa: E402
from tgmesh_harness.base import BRIDGE_TOPIC, CHAT, NODE_ID, NODE_NUM, TgmeshTestCase, options  # noqa: E402

TEAM_PSK = base64.b64encode(bytes(range(100, 116))).decode()


class SendTest(TgmeshTestCase):
    def test_send_broadcasts_an_encrypted_envelope(self):
        listener = self.mesh_listener("msh/US/2/e/LongFast/#")
        since = self.tg.request_count()
        self.say("/send hello")
        topic, env = self.wait_text_downlink(listener)
        pkt = env["packet"]
        self.assertEqual(topic, BRIDGE_TOPIC)
        self.assertEqual(env["gateway_id"], NODE_ID)
        self.assertEqual(env["channel_id"], "LongFast")
        self.assertEqual(pkt["from"], NODE_NUM)
        self.assertEqual(pkt["to"], meshpb.BROADCAST)
        self.assertEqual(pkt.get("channel"), 8)
        self.assertEqual((pkt.get("hop_limit"), pkt.get("hop_start")), (3, 3))
        self.assertNotEqual(pkt.get("id", 0), 0)
        self.assertIn("encrypted", pkt, "the downlink must be encrypted, not a decoded packet")
        data = pkt["decoded"]
        self.assertEqual(data["portnum"], 1)
        self.assertEqual(data["payload"], b"Alice: hello")
        self.assertEqual(data.get("bitfield"), 1)
        self.wait_chat(since=since)  # the confirmation

    def test_command_with_bot_username_suffix(self):
        # In groups Telegram clients send /cmd@botname.
        listener = self.mesh_listener()
        self.say("/send@tgmesh_test_bot hello there")
        _topic, env = self.wait_text_downlink(listener)
        self.assertEqual(env["packet"]["decoded"]["text"], "Alice: hello there")

    def test_each_downlink_gets_a_fresh_id(self):
        listener = self.mesh_listener()
        self.say("/send one")
        self.say("/send two")
        _t, first = self.wait_text_downlink(listener, "one")
        _t, second = self.wait_text_downlink(listener, "two")
        self.assertNotEqual(first["packet"]["id"], second["packet"]["id"])

    def test_author_display_name_in_prefix(self):
        listener = self.mesh_listener()
        self.say("/send hi all", user_id=222, first_name="Bob")
        _t, env = self.wait_text_downlink(listener)
        self.assertEqual(env["packet"]["decoded"]["text"], "Bob: hi all")

    def test_empty_send_is_refused_with_a_reply(self):
        listener = self.mesh_listener()
        since = self.tg.request_count()
        uid = self.say("/send")
        self.wait_chat(since=since)
        self.wait_handled(uid)
        self.assertEqual(self.text_downlinks(listener), [])

    @options(text_prefix='"[{name}] "')  # double quotes keep the trailing space (README)
    def test_text_prefix_option(self):
        listener = self.mesh_listener()
        self.say("/send hi")
        _t, env = self.wait_text_downlink(listener)
        self.assertEqual(env["packet"]["decoded"]["text"], "[Alice] hi")

    @options(hop_limit="5")
    def test_hop_limit_option(self):
        listener = self.mesh_listener()
        self.say("/send hops")
        _t, env = self.wait_text_downlink(listener)
        self.assertEqual((env["packet"]["hop_limit"], env["packet"]["hop_start"]), (5, 5))

    @options(channel="Team", channel_keys="LongFast=AQ==,Team=%s" % TEAM_PSK)
    def test_custom_channel_and_key(self):
        listener = self.mesh_listener()
        self.say("/send secret")
        topic, env = self.wait_text_downlink(listener, psk_b64=TEAM_PSK)
        self.assertEqual(topic, "msh/US/2/e/Team/%s" % NODE_ID)
        self.assertEqual(env["channel_id"], "Team")
        self.assertEqual(env["packet"]["channel"], mc.channel_hash("Team", base64.b64decode(TEAM_PSK)))
        self.assertEqual(env["packet"]["decoded"]["text"], "Alice: secret")

    @options(topic_root="msh/EU_868,msh/US")
    def test_first_root_used_for_downlinks_every_root_for_uplinks(self):
        listener = self.mesh_listener("msh/#")
        self.say("/send rooted")
        topic, _env = self.wait_text_downlink(listener)
        self.assertEqual(topic, "msh/EU_868/2/e/LongFast/%s" % NODE_ID)
        text = "from the second root %d" % mc.random_packet_id()
        env = mc.make_encrypted_text_envelope(0x1A2B3C4D, meshpb.BROADCAST, mc.random_packet_id(), text)
        self.uplink(env, root="msh/US")
        self.wait_chat(text)

    @options(gateway_id="!a1b2c3d4")
    def test_gateway_id_delivers_to_that_client_only(self):
        gw = self.mqtt("!a1b2c3d4", subscribe="msh/US/2/e/LongFast/+")
        other = self.mesh_listener()
        self.say("/send targeted")
        topic, env = self.wait_text_downlink(gw)
        self.assertEqual(env["packet"]["decoded"]["text"], "Alice: targeted")
        self.say("/send second")
        self.wait_text_downlink(gw, "second")
        time.sleep(1)  # another connection's reader may lag behind the gateway's
        self.assertEqual(self.text_downlinks(other), [])


class SendReplyTest(TgmeshTestCase):
    def test_confirmation_goes_to_the_same_chat_only(self):
        self.mesh_listener()
        since = self.tg.request_count()
        self.say("/send ping")
        self.wait_chat(since=since)
        others = [m for m in self.tg.sent_messages(since=since) if m["chat_id"] != CHAT]
        self.assertEqual(others, [])


if __name__ == "__main__":
    unittest.main()
