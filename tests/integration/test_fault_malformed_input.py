"""Fault suite: malformed MQTT input.  Whatever a gateway (or anyone with publish rights
under the mesh root) sends - envelopes with wrong lengths, huge varints, nested garbage,
invalid UTF-8, texts of 0 and 233 bytes, oversize payloads, PKI packets, unknown port
numbers, broken JSON - the broker stays up, no client is disconnected, nothing bogus
reaches the chat, the log names the first drop of each kind, and the next valid text is
posted as usual."""
import json
import os
import struct
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness import meshcrypto as mc, meshpb  # noqa: E402
from tgmesh_harness.base import CHAT, NODE_NUM, ROOT  # noqa: E402
from tgmesh_harness.faults import GATEWAY, SENDER, FaultTestCase  # noqa: E402

ENV_TOPIC = "%s/2/e/LongFast/%s" % (ROOT, GATEWAY)
JSON_TOPIC = "%s/2/json/LongFast/%s" % (ROOT, GATEWAY)
MAP_TOPIC = "%s/2/map/" % ROOT
OTHER = 0x0A0B0C0D


def key(field, wire):
    return meshpb.encode_varint((field << 3) | wire)


def ld(field, body):
    """A length-delimited field."""
    return key(field, 2) + meshpb.encode_varint(len(body)) + bytes(body)


def huge_varint(nbytes=11):
    """A varint longer than protobuf allows (10 bytes max)."""
    return b"\xff" * (nbytes - 1) + b"\x01"


def valid_packet_fields(packet_id):
    return key(1, 5) + struct.pack("<I", SENDER) + key(2, 5) + struct.pack("<I", meshpb.BROADCAST) + \
        key(6, 5) + struct.pack("<I", packet_id)


def malformed_envelopes():
    """(name, payload) pairs that are not a usable ServiceEnvelope."""
    pid = mc.random_packet_id()
    good = mc.make_encrypted_text_envelope(SENDER, meshpb.BROADCAST, pid, "must never be posted (malformed)")
    packet = valid_packet_fields(pid)
    return [
        ("empty", b""),
        ("one byte", b"\x0a"),
        ("length beyond the end", key(1, 2) + meshpb.encode_varint(200) + packet),
        ("nested length beyond the end", ld(1, packet + key(4, 2) + meshpb.encode_varint(90) + b"\x08\x01")),
        ("truncated valid envelope", good[:len(good) // 2]),
        ("11-byte varint", key(1, 0) + huge_varint(11)),
        ("20-byte varint in the packet", ld(1, key(1, 0) + huge_varint(20))),
        ("varint length 2^63", key(1, 2) + meshpb.encode_varint(1 << 63) + b"x"),
        ("varint length 2^32+5", key(1, 2) + meshpb.encode_varint((1 << 32) + 5) + packet),
        ("field number 0", b"\x02\x03abc"),
        ("wire type 7", bytes([(1 << 3) | 7]) + b"\x00" * 8),
        ("start group", bytes([(1 << 3) | 3]) + packet),
        ("string field as varint", key(2, 0) + b"\x05" + ld(1, packet)),
        ("packet as fixed32", key(1, 5) + b"\x01\x02\x03\x04"),
        ("no packet at all", ld(2, b"LongFast") + ld(3, GATEWAY.encode())),
        ("random bytes", bytes((i * 37 + 11) % 256 for i in range(300))),
        ("all 0xff", b"\xff" * 64),
        ("deep unknown nesting", ld(1, packet + ld(99, ld(99, ld(99, ld(99, b"\x08" * 3)))))),
        ("decoded is garbage", ld(1, packet + ld(4, b"\xff\xff\xff"))),
        ("json on the envelope topic", json.dumps({"from": 1, "type": "text"}).encode()),
    ]


class MalformedInputTest(FaultTestCase):
    def gateway_client(self):
        return self.gateway(GATEWAY)

    def publish(self, topic, payload, qos=1):
        self.gateway_client().publish(topic, payload, qos=qos)

    def marker(self, label):
        """A valid text after the bad input: when it is posted, everything before it on the
        gateway's connection has been handled, and once the log has caught up, logged."""
        text = "%s marker %08x" % (label, mc.random_packet_id())
        self.mesh_text(text)
        self.wait_posts(text, timeout=15)
        self.log_caught_up()
        return text

    def assert_nothing_posted(self, fragment):
        self.assertEqual(self.posts(fragment), [], "%r reached the chat" % fragment)

    def assert_clients_fine(self):
        self.assertTrue(self.broker.running, self.broker.diagnostics())
        self.assertTrue(self.gateway_client().connected, "the broker disconnected the gateway")
        self.assert_mqtt_alive()

    # ------------------------------------------------------------ envelopes

    def test_malformed_envelopes(self):
        """Envelopes with wrong lengths, over-long varints, 2^63 lengths, bad wire types,
        garbage inside.  Chat: nothing from them.  Log: one 'dropped (malformed): on
        <topic>' line for all of them.  The gateway stays connected; the next valid text is
        posted."""
        for name, payload in malformed_envelopes():
            with self.subTest(envelope=name):
                self.publish(ENV_TOPIC, payload)
        self.marker("after malformed")
        self.assert_nothing_posted("must never be posted")
        self.assertEqual(self.log_count(r"dropped \(malformed\): on " + ENV_TOPIC), 1, self.log())
        self.assert_clients_fine()

    def test_oversize_payloads(self):
        """Payloads no gateway can send: 70 KiB and 1 MiB on the envelope topic, 200 KiB on
        the JSON topic.  They are dropped as malformed without being copied; the broker's
        other clients get their messages."""
        self.publish(ENV_TOPIC, b"\x0a" + b"\xff" * (70 << 10))
        self.publish(ENV_TOPIC, mc.make_encrypted_text_envelope(SENDER, meshpb.BROADCAST, mc.random_packet_id(),
                                                                "must never be posted big") + b"\x00" * (1 << 20))
        self.publish(JSON_TOPIC, json.dumps({"from": SENDER, "id": 7, "type": "text",
                                             "payload": {"text": "must never be posted json " + "x" * (200 << 10)}}))
        self.marker("after oversize")
        self.assert_nothing_posted("must never be posted")
        self.assertGreaterEqual(self.log_count(r"dropped \(malformed\)"), 1)
        self.assert_clients_fine()

    def test_undecryptable_and_wrong_channel(self):
        """Encrypted with an unknown key, or garbage ciphertext.  Chat: nothing.  Log: one
        'dropped (undecryptable)' line."""
        for i in range(3):
            env = mc.make_encrypted_text_envelope(SENDER, meshpb.BROADCAST, mc.random_packet_id(),
                                                  "must never be posted secret %d" % i,
                                                  psk_b64="q83vEjRWeJAAAAAAAAAAAA==", channel="Secret")
            self.publish("%s/2/e/Secret/%s" % (ROOT, GATEWAY), env)
        garbage = ld(1, valid_packet_fields(mc.random_packet_id()) + ld(5, os.urandom(40))) + ld(2, b"LongFast")
        self.publish(ENV_TOPIC, garbage)
        self.marker("after undecryptable")
        self.assert_nothing_posted("must never be posted")
        self.assertEqual(self.log_count(r"dropped \(undecryptable\): on "), 1, self.log())
        self.assert_clients_fine()

    # ------------------------------------------------------------ texts

    def test_empty_and_233_byte_texts(self):
        """A text of 0 bytes (and one of only spaces and NULs) is not posted; texts of 233
        bytes - the most a Meshtastic packet carries - arrive intact, ASCII or multi-byte."""
        self.mesh_text("")
        self.mesh_text("   \x00\t ")
        ascii_text = ("233 bytes: " + "abcdefghij" * 30)[:233]
        euro_text = ("€" * 77 + "ab")  # 77 * 3 + 2 = 233 bytes
        emoji_text = ("😀" * 58 + "x")  # 58 * 4 + 1 = 233 bytes
        for text in (ascii_text, euro_text, emoji_text):
            self.assertEqual(len(text.encode()), 233)
            self.mesh_text(text)
        for text in (ascii_text, euro_text, emoji_text):
            post = self.wait_posts(text)[0]
            self.assertIn("\n" + text + "\n", post["visible"] + "\n")
        self.marker("after texts")
        posts = self.tg.sent_messages(CHAT)
        self.assertEqual(len(posts), 4, [m["visible"] for m in posts])
        for m in posts:
            self.assertTrue(m["visible"].split("\n")[1].strip(" \x00\t"), "an empty text was posted")

    def test_invalid_utf8_names_and_texts(self):
        """A node whose names and texts are not valid UTF-8.  Chat: the message arrives, valid,
        with the readable parts intact (the invalid bytes replaced); /nodes still works.  The
        same text through a gateway whose id is not a node id (here not even UTF-8) is dropped
        as malformed: gateways name themselves by node id."""
        node = 0x0BAD0BAD
        user = meshpb.encode(meshpb.USER, {"id": "!0bad0bad", "long_name": b"Bad\xff\xfeName\xc3",
                                           "short_name": b"\xe2\x82", "hw_model": 255})
        env = mc.make_envelope(node, meshpb.BROADCAST, mc.random_packet_id(),
                               {"portnum": meshpb.NODEINFO_APP, "payload": user, "bitfield": 1})
        self.publish(ENV_TOPIC, env)
        text = b"caf\xe9 \xed\xa0\x80 surrogate \xf4\x90\x80\x80 too big \xc0\xaf overlong end"
        data = {"portnum": meshpb.TEXT_MESSAGE_APP, "payload": text, "bitfield": 1}
        bad_gw = "!a1b2\xff"
        packet = {"from": node, "to": meshpb.BROADCAST, "id": mc.random_packet_id(), "decoded": data,
                  "hop_limit": 3, "hop_start": 3}
        raw = meshpb.encode_envelope({"packet": packet, "channel_id": "LongFast",
                                      "gateway_id": bad_gw.encode("latin-1")})
        self.publish(ENV_TOPIC, raw)
        self.publish(ENV_TOPIC, mc.make_envelope(node, meshpb.BROADCAST, mc.random_packet_id(), data))
        post = self.wait_posts("overlong end")[0]
        for part in ("caf", "surrogate", "too big", "overlong end", "Bad", "Name"):
            self.assertIn(part, post["visible"])
        self.say("/nodes")
        self.wait_chat(lambda m: "0bad0bad" in m["text"])
        self.assertEqual(len(self.posts("overlong end")), 1)
        self.wait_log(r"dropped \(malformed\)")
        self.assert_clients_fine()

    # ------------------------------------------------------------ PKI, ports, topics

    def test_pki_packets_are_not_posted(self):
        """PKI-encrypted DMs (firmware 2.5+): between two other nodes, and one to the bridge
        with garbage ciphertext.  Chat: nothing.  The broker and the bridge go on."""
        for to in (OTHER, NODE_NUM):
            packet = {"from": SENDER, "to": to, "id": mc.random_packet_id(), "channel": 0,
                      "encrypted": os.urandom(40) + b"must never be posted pki", "hop_limit": 3, "hop_start": 3,
                      "pki_encrypted": True, "public_key": os.urandom(32)}
            env = meshpb.encode_envelope({"packet": packet, "channel_id": "PKI", "gateway_id": GATEWAY})
            self.publish("%s/2/e/PKI/%s" % (ROOT, GATEWAY), env)
            self.publish(ENV_TOPIC, env)
        self.marker("after pki")
        self.assert_nothing_posted("must never be posted")
        self.assert_clients_fine()

    def test_unknown_port_numbers(self):
        """Data with port numbers tgmesh does not know (256, 2^31-1, 2^32-1) and garbage
        payloads.  Chat: nothing.  Texts afterwards are posted as usual."""
        for port in (2, 9, 64, 256, 0x7FFFFFFF, 0xFFFFFFFF):
            data = {"portnum": port, "payload": os.urandom(50) + b"must never be posted port", "bitfield": 1}
            self.publish(ENV_TOPIC, mc.make_envelope(SENDER, meshpb.BROADCAST, mc.random_packet_id(), data))
            self.publish(ENV_TOPIC, mc.make_envelope(SENDER, meshpb.BROADCAST, mc.random_packet_id(), data,
                                                     encrypted=False))
        for port in (meshpb.POSITION_APP, meshpb.NODEINFO_APP, meshpb.TELEMETRY_APP, meshpb.MAP_REPORT_APP):
            data = {"portnum": port, "payload": b"\xff\x01\x02garbage", "bitfield": 1}
            self.publish(ENV_TOPIC, mc.make_envelope(SENDER, meshpb.BROADCAST, mc.random_packet_id(), data))
        self.marker("after ports")
        self.assert_nothing_posted("must never be posted")
        self.assert_clients_fine()

    def test_broken_json_and_map_uplinks(self):
        """Legacy JSON uplinks that are not JSON, nested 100000 deep, with huge numbers or
        the wrong types; map reports of garbage.  Chat: nothing from them; log: one
        'dropped (malformed)' line per topic kind at most."""
        bad_json = [b"", b"{", b"[" * 100000 + b"]" * 100000, b"{\"a\":" * 5000, b"\xff\xfe{}",
                    b"null", b"[]", b"\"text\"", b"1e400",
                    json.dumps({"from": 1e400, "id": 1, "type": "text", "payload": {"text": "must never be posted 1"}}),
                    json.dumps({"from": -5e18, "id": 1, "type": "text", "payload": {"text": "must never be posted 2"}}),
                    json.dumps({"from": 1, "id": 2 ** 64, "type": "text", "payload": {"text": "must never be posted 3"}}),
                    json.dumps({"from": "1", "id": 1, "type": "text", "payload": {"text": "must never be posted 4"}}),
                    json.dumps({"from": 1, "id": 1, "type": 5, "payload": "must never be posted 5"}),
                    json.dumps({"from": 1, "id": 3, "type": "nodeinfo", "payload": [1, 2, 3]}),
                    json.dumps({"from": 1, "id": 4, "type": "position", "payload": {"latitude_i": 1e300}}),
                    json.dumps({"from": 1, "id": 5, "type": "telemetry", "payload": {"battery_level": -1,
                                                                                     "voltage": "x"}})]
        for payload in bad_json:
            self.publish(JSON_TOPIC, payload)
        for payload in (b"", b"\xff" * 30, mc.make_encrypted_text_envelope(SENDER, meshpb.BROADCAST, 9,
                                                                             "must never be posted map")):
            self.publish(MAP_TOPIC, payload)
        self.marker("after json")
        self.assert_nothing_posted("must never be posted")
        self.assertLessEqual(self.log_count(r"dropped \(malformed\): on "), 2, self.log())
        self.assert_clients_fine()

    def test_odd_topics(self):
        """Publishes on topics under the root that do not fit the layout (missing levels,
        extra levels, other kinds) are ignored; odd but well-formed ones (empty or 30000-byte
        channel level, empty gateway level) are judged by the envelope they carry.  The
        gateway stays connected; the next text is posted."""
        def env(text):
            return mc.make_encrypted_text_envelope(SENDER, meshpb.BROADCAST, mc.random_packet_id(), text)
        ignored = ["%s/2/e/" % ROOT, "%s/2/e/LongFast" % ROOT, "%s/2/e/LongFast/%s/extra" % (ROOT, GATEWAY),
                   "%s/2/json/" % ROOT, "%s/2/map" % ROOT, "%s/2/c/LongFast/x" % ROOT, "%s/2/e" % ROOT,
                   "%s/2/map/x" % ROOT, "%s/3/e/LongFast/%s" % (ROOT, GATEWAY)]
        for topic in ignored:
            self.publish(topic, env("must never be posted topic"))
        odd = ["%s/2/e//%s" % (ROOT, GATEWAY), "%s/2/e/LongFast/" % ROOT, "%s/2/e/%s/%s" % (ROOT, "C" * 30000, GATEWAY)]
        for i, topic in enumerate(odd):
            self.publish(topic, env("odd topic %d" % i))
        self.marker("after topics")
        self.assert_nothing_posted("must never be posted")
        self.assert_clients_fine()


if __name__ == "__main__":
    unittest.main()
