"""/send_nearby <text>: a broadcast only the nodes in direct radio range of the gateways hear
(hop_limit = hop_start = 1: the gateway transmits it once, nobody relays it), and a reply that
lists the nodes heard at 0 hops (hop_start == hop_limit on the uplink) in the last hour, with
their SNR."""
import json
import os
import re
import shutil
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness import meshcrypto as mc  # noqa: E402
from tgmesh_harness import meshpb  # noqa: E402
from tgmesh_harness.base import BRIDGE_TOPIC, NODE_ID, NODE_NUM, TgmeshTestCase  # noqa: E402
from tgmesh_harness.chatflow import fixed_text, text_re  # noqa: E402

NEAR = 0x0A11CE01
FAR = 0x0FA40002
MIXED = 0x0B0B0003
OLDFW = 0x0D0D0004
GW1 = "!a1b2c3d4"
GW2 = "!a1b2c3d5"
SENT_NEARBY = text_re("en", "sent_nearby", channel="LongFast")
HEARD = fixed_text("en", "nearby_heard")
NOBODY = fixed_text("en", "nearby_none")


def heard_part(text):
    """The list of nodes heard directly, from the reply to /send_nearby ("" if none)."""
    pos = text.find(HEARD)
    return text[pos + len(HEARD):] if pos >= 0 else ""


class SendNearbyTest(TgmeshTestCase):
    def hear(self, num, long_name, short_name, gateway=GW1, **kw):
        self.uplink(mc.make_nodeinfo_envelope(num, long_name, short_name, gateway=gateway, **kw), gateway)

    def test_broadcast_is_not_relayed(self):
        listener = self.mesh_listener("msh/US/2/e/#")
        self.say("/send_nearby anyone near the hut?")
        topic, env = self.wait_text_downlink(listener, "anyone near the hut?")
        packet = env["packet"]
        self.assertEqual(topic, BRIDGE_TOPIC)
        self.assertEqual(packet["to"], meshpb.BROADCAST)
        self.assertEqual(packet["from"], NODE_NUM)
        self.assertEqual(packet.get("hop_limit"), 1, packet)
        self.assertEqual(packet.get("hop_start"), 1, packet)
        self.assertTrue(packet["decoded"]["text"].endswith("anyone near the hut?"))
        # Control: an ordinary /send keeps the configured hop limit (3).
        self.say("/send for the whole mesh")
        _topic, env = self.wait_text_downlink(listener, "for the whole mesh")
        self.assertEqual(env["packet"].get("hop_limit"), 3)
        self.assertEqual(env["packet"].get("hop_start"), 3)

    def test_reply_lists_nodes_heard_directly_with_snr(self):
        self.hear(NEAR, "Near Node", "NR", hop_start=3, hop_limit=3, rx_snr=6.5)
        self.hear(FAR, "Far Node", "FR", hop_start=3, hop_limit=1, rx_snr=-3.25)
        # Two hops via one gateway, direct via another: direct, with that gateway's SNR.
        self.hear(MIXED, "Mixed Node", "MX", gateway=GW1, hop_start=4, hop_limit=2, rx_snr=9.0)
        self.hear(MIXED, "Mixed Node", "MX", gateway=GW2, hop_start=4, hop_limit=4, rx_snr=-1.5)
        # Firmware without hop_start: the hops are unknown, so not "direct".
        self.hear(OLDFW, "Old Firmware", "OF", hop_start=None, hop_limit=3, rx_snr=2.0)
        time.sleep(0.5)
        listener = self.mesh_listener("msh/US/2/e/#")
        since = self.tg.request_count()
        self.say("/send_nearby hello neighbours")
        self.wait_text_downlink(listener, "hello neighbours")
        reply = self.wait_chat(lambda m: re.search(SENT_NEARBY, m["text"]), since=since)
        self.assertIn(HEARD, reply["text"])
        heard = heard_part(reply["text"])
        self.assertIn("Near Node", heard)
        self.assertIn("SNR 6.5 dB", heard)
        self.assertIn("Mixed Node", heard)
        self.assertIn("SNR -1.5 dB", heard)
        self.assertNotIn("SNR 9.0", heard, "the 2-hop reception's SNR is not a direct one")
        self.assertNotIn("Far Node", heard)
        self.assertNotIn("!0fa40002", heard)
        self.assertNotIn("Old Firmware", heard)

    def test_reply_says_when_nobody_was_heard_directly(self):
        self.hear(FAR, "Far Node", "FR", hop_start=3, hop_limit=0, rx_snr=-7.0)
        time.sleep(0.3)
        since = self.tg.request_count()
        self.say("/send_nearby hello?")
        reply = self.wait_chat(lambda m: re.search(SENT_NEARBY, m["text"]), since=since)
        self.assertIn(NOBODY, reply["text"])
        self.assertNotIn("Far Node", reply["text"])

    def test_without_text_it_shows_usage_and_sends_nothing(self):
        listener = self.mesh_listener("msh/US/2/e/#")
        since = self.tg.request_count()
        uid = self.say("/send_nearby")
        reply = self.wait_chat(since=since)
        self.assertEqual(reply["text"], fixed_text("en", "usage_send_nearby"))
        self.wait_handled(uid)
        self.assertEqual(self.text_downlinks(listener), [])


class NearbyJsonTest(TgmeshTestCase):
    """downlink json: the gateway originates a sendtext itself (it is not relayed by the gateway
    as a protobuf downlink is), so hopLimit 0 puts it on the air once with nobody relaying it."""
    OPTIONS = {"downlink": "json", "gateway_id": "!67ea9400"}

    def test_json_sendtext_is_not_relayed(self):
        listener = self.mesh_listener("msh/US/2/#")
        self.say("/send_nearby json neighbours")
        msg = listener.wait_message(lambda m: "/2/json/" in m.topic, timeout=10)
        self.assertIsNotNone(msg, "no JSON downlink")
        obj = json.loads(msg.payload.decode("utf-8"))
        self.assertTrue(obj["payload"].endswith("json neighbours"), obj)
        self.assertEqual(obj["to"], meshpb.BROADCAST)
        self.assertEqual(obj.get("hopLimit"), 0, obj)


class NearbyWindowTest(TgmeshTestCase):
    """A node heard directly two hours ago (from the state file) is not listed."""
    AUTO_START = False

    def test_only_the_last_hour_counts(self):
        now = int(time.time())
        old = {"id": meshpb.node_id(FAR), "long_name": "Yesterday Node", "short_name": "YN",
               "last_heard": now - 7200,
               "receptions": [{"gateway": GW1, "hops": 0, "snr": 8.0, "time": now - 7200}]}
        state = {"version": 1, "node_id": NODE_ID, "packet_counter": 100, "telegram_offset": 0,
                 "mesh_queue": [], "chat_queue": [], "message_links": [], "nodes": [old]}
        workdir = tempfile.mkdtemp(prefix="tgmesh-it-nearby-")
        self.addCleanup(shutil.rmtree, workdir, True)
        with open(os.path.join(workdir, "state.json"), "w") as f:
            json.dump(state, f)
        self.start_bridge(workdir=workdir)
        self.uplink(mc.make_nodeinfo_envelope(NEAR, "Near Node", "NR", hop_start=3, hop_limit=3, rx_snr=4.0))
        time.sleep(0.5)
        since = self.tg.request_count()
        self.say("/nodes")
        self.wait_chat("Yesterday Node", since=since)  # the state file was loaded
        since = self.tg.request_count()
        self.say("/send_nearby still there?")
        reply = self.wait_chat(lambda m: re.search(SENT_NEARBY, m["text"]), since=since)
        heard = heard_part(reply["text"])
        self.assertIn("Near Node", heard)
        self.assertNotIn("Yesterday Node", heard)


if __name__ == "__main__":
    unittest.main()
