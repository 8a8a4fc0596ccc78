"""Mesh -> Telegram: texts on the bridged channel reach the chats once, naming the sender, HTML-escaped."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness import meshcrypto as mc, meshpb  # noqa: E402
from tgmesh_harness.base import CHAT, NODE_NUM, TgmeshTestCase, options  # noqa: E402

GATEWAYS = ("!a1b2c3d4", "!a1b2c3d5", "!a1b2c3d6")
SENDER = 0x1A2B3C4D
SENDER_ID = "!1a2b3c4d"


class UplinkTextTest(TgmeshTestCase):
    def text_envelope(self, text, packet_id=None, sender=SENDER, gateway=GATEWAYS[0], **kw):
        return mc.make_encrypted_text_envelope(sender, meshpb.BROADCAST, packet_id or mc.random_packet_id(),
                                               text, gateway=gateway, **kw)

    def posts_containing(self, fragment, since=0):
        return [m for m in self.tg.sent_messages(CHAT, since) if fragment in m["text"]]

    def marker(self, label="marker"):
        """Sends a fresh text via the first gateway and waits until it is posted: every
        uplink published before it on that connection has been handled by then."""
        text = "%s %d" % (label, mc.random_packet_id())
        self.uplink(self.text_envelope(text, sender=0x0C0FFEE0), GATEWAYS[0])
        self.wait_chat(text)
        time.sleep(0.5)  # in case the bridge sends chat messages concurrently

    def test_text_heard_by_three_gateways_is_posted_once(self):
        packet_id = mc.random_packet_id()
        text = "Hello from the hills %d" % packet_id
        for i, gw in enumerate(GATEWAYS):
            env = self.text_envelope(text, packet_id, gateway=gw, rx_snr=6.5 - 4 * i, rx_rssi=-80 - 7 * i,
                                     hop_limit=3 - i, hop_start=3)
            self.uplink(env, gw)
        post = self.wait_chat(text)
        self.assertIn(SENDER_ID, post["text"])
        time.sleep(2)  # leave time for wrongly duplicated posts to show up
        self.assertEqual(len(self.posts_containing(text)), 1, self.tg.sent_messages(CHAT))

    def test_sender_long_name_used_once_nodeinfo_seen(self):
        self.teach_node(SENDER, "Alpine Hut", "ALP", gateway=GATEWAYS[1])
        text = "Good morning %d" % mc.random_packet_id()
        self.uplink(self.text_envelope(text, gateway=GATEWAYS[1]), GATEWAYS[1])
        post = self.wait_chat(text)
        self.assertIn("Alpine Hut", post["text"])

    def test_html_special_characters_are_escaped(self):
        self.teach_node(SENDER, "R&D <lab>", "RD")
        text = "if a < b && c > d then %d" % mc.random_packet_id()
        self.uplink(self.text_envelope(text))
        post = self.wait_chat(lambda m: self.esc(text) in m["text"])
        self.assertEqual(post["parse_mode"], "HTML")
        self.assertNotIn("a < b", post["text"])
        self.assertIn(self.esc("R&D <lab>"), post["text"])
        self.assertNotIn("<lab>", post["text"])

    def test_decoded_plaintext_envelope_is_ignored_unless_accepted(self):
        # Firmware gateways ignore decoded envelopes while MQTT encryption is on
        # (src/mqtt/MQTT.cpp:128-132 at v2.7.26): anyone on the broker can write one.
        text = "plaintext uplink %d" % mc.random_packet_id()
        env = mc.make_envelope(SENDER, meshpb.BROADCAST, mc.random_packet_id(), mc.text_data(text),
                               gateway=GATEWAYS[2], encrypted=False, rx_snr=1.5)
        self.uplink(env, GATEWAYS[2])
        marker = "after the plaintext %d" % mc.random_packet_id()
        self.uplink(self.text_envelope(marker))
        self.wait_chat(marker)
        self.assertEqual(self.posts_containing(text), [])

    @options(accept_decoded="on")
    def test_decoded_plaintext_envelope_is_posted_with_accept_decoded(self):
        text = "plaintext uplink %d" % mc.random_packet_id()
        env = mc.make_envelope(SENDER, meshpb.BROADCAST, mc.random_packet_id(), mc.text_data(text),
                               gateway=GATEWAYS[2], encrypted=False, rx_snr=1.5)
        self.uplink(env, GATEWAYS[2])
        self.assertIn(SENDER_ID, self.wait_chat(text)["text"])

    def test_same_text_in_two_packets_is_posted_twice(self):
        # Deduplication is on (from, id), not on the text.
        text = "twice %d" % mc.random_packet_id()
        self.uplink(self.text_envelope(text))
        self.uplink(self.text_envelope(text))
        self.wait_chat(text)
        deadline = time.monotonic() + 10
        while len(self.posts_containing(text)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertEqual(len(self.posts_containing(text)), 2)

    def test_packets_from_the_bridge_node_are_not_forwarded(self):
        text = "my own echo %d" % mc.random_packet_id()
        self.uplink(self.text_envelope(text, sender=NODE_NUM))
        self.marker()
        self.assertEqual(self.posts_containing(text), [])

    def test_json_uplink_text_is_posted(self):
        sender = 3818489127
        text = "json uplink %d" % mc.random_packet_id()
        self.uplink_json({"channel": 0, "from": sender, "id": mc.random_packet_id(), "payload": {"text": text},
                          "rssi": -14, "sender": "!833c2233", "snr": 11.25, "timestamp": int(time.time()),
                          "to": 4294967295, "type": "text"}, gateway="!833c2233")
        self.assertIn(meshpb.node_id(sender), self.wait_chat(text)["text"])

    def test_same_packet_on_json_and_protobuf_topics_is_posted_once(self):
        packet_id = mc.random_packet_id()
        text = "both formats %d" % packet_id
        self.uplink(self.text_envelope(text, packet_id, gateway="!833c2233"), "!833c2233")
        self.uplink_json({"channel": 0, "from": SENDER, "id": packet_id, "payload": {"text": text},
                          "sender": "!833c2233", "timestamp": int(time.time()), "to": 4294967295, "type": "text"},
                         gateway="!833c2233")
        self.wait_chat(text)
        self.marker()
        self.assertEqual(len(self.posts_containing(text)), 1)


if __name__ == "__main__":
    unittest.main()
