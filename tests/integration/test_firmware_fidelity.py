"""Field fidelity with firmware 2.7 / 2.8 (contract v3, part 9), against the real broker: the
run's first announcement follows the first uplink, a gateway heard later gets the NODEINFO
addressed to itself over MQTT only, keys are exchanged with NAK 35 both ways (with the resend
and the receipt following it), ACKs go ahead of queued texts, a repeated DM is ACKed again and
posted once, and PSKs are read in every form the Meshtastic CLI writes them.  Firmware
references: meshtastic/firmware v2.7.26."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness import meshcrypto as mc, meshpb  # noqa: E402
from tgmesh_harness.base import CHAT, NODE_NUM, TgmeshTestCase, options  # noqa: E402

GATEWAY = "!a1b2c3d4"
LATE_GATEWAY = "!22222222"
NODE = 0x0BADCAFE
PKI_TOPIC = "msh/US/2/e/PKI/!7b000001"


def is_nodeinfo(env, to):
    return (env is not None and env["packet"].get("to") == to
            and env["packet"].get("decoded", {}).get("portnum") == meshpb.NODEINFO_APP)


def is_routing(env, to, request_id):
    if env is None or env["packet"].get("to") != to:
        return False
    decoded = env["packet"].get("decoded", {})
    return decoded.get("portnum") == meshpb.ROUTING_APP and decoded.get("request_id") == request_id


class FidelityCase(TgmeshTestCase):
    def text(self, text, sender=NODE, to=meshpb.BROADCAST, packet_id=None, gateway=GATEWAY, **kw):
        self.uplink(mc.make_encrypted_text_envelope(sender, to, packet_id or mc.random_packet_id(), text,
                                                    gateway=gateway, **kw), gateway)

    def wait_downlink(self, listener, predicate, timeout=10, what="downlink"):
        msg = listener.wait_message(lambda m: predicate(self.decode_downlink(m)), timeout=timeout)
        self.assertIsNotNone(msg, "no %s within %ss; seen: %s" % (what, timeout, self.describe_mqtt(listener)))
        return msg, self.decode_downlink(msg)


class AnnouncementTest(FidelityCase):
    def test_the_first_broadcast_follows_the_first_uplink(self):
        listener = self.mesh_listener()
        time.sleep(2)
        self.assertFalse(any(is_nodeinfo(self.decode_downlink(m), meshpb.BROADCAST) for m in listener.messages()),
                         "announced into a broker without gateways")
        t0 = time.monotonic()
        self.text("first uplink")
        _msg, env = self.wait_downlink(listener, lambda e: is_nodeinfo(e, meshpb.BROADCAST), timeout=10,
                                       what="NODEINFO broadcast")
        elapsed = time.monotonic() - t0
        sys.stderr.write("\n[announce] first broadcast %.2f s after the first uplink\n" % elapsed)
        self.assertLess(elapsed, 5 + 1.5)
        self.assertEqual(len(env["packet"]["decoded"]["user"]["public_key"]), 32)

    def test_a_gateway_heard_later_is_greeted_over_mqtt_only(self):
        listener = self.mesh_listener()
        self.text("wake up")
        self.wait_downlink(listener, lambda e: is_nodeinfo(e, meshpb.BROADCAST), what="NODEINFO broadcast")
        # A gateway that connects now: firmware subscribes <root>/2/e/<channel>/+ and publishes
        # with its node id as client id (one connection: a second one would take over the first).
        late = self.mqtt(LATE_GATEWAY, subscribe="msh/US/2/e/LongFast/+")
        late.publish("msh/US/2/e/LongFast/" + LATE_GATEWAY, mc.make_encrypted_text_envelope(
            NODE, meshpb.BROADCAST, mc.random_packet_id(), "late", gateway=LATE_GATEWAY), qos=1)
        late_num = meshpb.node_num(LATE_GATEWAY)
        msg, env = self.wait_downlink(late, lambda e: is_nodeinfo(e, late_num), what="greeting")
        self.assertEqual(msg.topic, "msh/US/2/e/LongFast/!7b000001")
        self.assertFalse(env["packet"]["decoded"].get("want_response"))
        time.sleep(1)
        # Nobody else got it, and no new broadcast went out.
        self.assertFalse(any(is_nodeinfo(self.decode_downlink(m), late_num) for m in listener.messages()))
        broadcasts = [m for m in listener.messages() if is_nodeinfo(self.decode_downlink(m), meshpb.BROADCAST)]
        self.assertEqual(len(broadcasts), 1)
        # After a restart the gateway is known: not greeted again.
        since = self.restart_bridge()
        self.assertGreater(since, 0)
        late = self.mqtt(LATE_GATEWAY, subscribe="msh/US/2/e/LongFast/+")
        late.publish("msh/US/2/e/LongFast/" + LATE_GATEWAY, mc.make_encrypted_text_envelope(
            NODE, meshpb.BROADCAST, mc.random_packet_id(), "again", gateway=LATE_GATEWAY), qos=1)
        time.sleep(7)
        self.assertFalse(any(is_nodeinfo(self.decode_downlink(m), late_num) for m in late.messages()))


class KeyExchangeTest(FidelityCase):
    def setUp(self):
        super().setUp()
        self.private_key = os.urandom(32)
        self.public_key = mc.x25519_public(self.private_key)
        self.listener = self.mesh_listener()

    def bridge_key(self):
        self.text("wake up")
        _msg, env = self.wait_downlink(self.listener, lambda e: is_nodeinfo(e, meshpb.BROADCAST),
                                       what="NODEINFO broadcast")
        return bytes(env["packet"]["decoded"]["user"]["public_key"])

    def test_a_pki_dm_from_an_unknown_node_gets_a_nak_35(self):
        bridge_key = self.bridge_key()
        data = mc.text_data("who am I")
        encrypted = mc.pki_encrypt(mc.pki_shared_key(self.private_key, bridge_key), 4242, NODE,
                                   meshpb.encode_data(data))
        packet = {"from": NODE, "to": NODE_NUM, "id": 4242, "encrypted": encrypted, "hop_limit": 3,
                  "hop_start": 3, "want_ack": True, "pki_encrypted": True}
        self.gateway(GATEWAY).publish("msh/US/2/e/PKI/" + GATEWAY, meshpb.encode_envelope(
            {"packet": packet, "channel_id": "PKI", "gateway_id": GATEWAY}), qos=1)
        _msg, env = self.wait_downlink(self.listener, lambda e: is_routing(e, NODE, 4242), what="NAK 35")
        routing = env["packet"]["decoded"]["routing"]
        self.assertEqual(routing["error_reason"], 35)
        self.assertEqual(env["packet"]["hop_limit"], env["packet"]["hop_start"])
        # Firmware now sends its NODEINFO; the next DM opens and reaches the chat.
        self.uplink(mc.make_nodeinfo_envelope(NODE, "Base Camp", "BC", public_key=self.public_key,
                                              gateway=GATEWAY), GATEWAY)
        time.sleep(0.3)
        encrypted = mc.pki_encrypt(mc.pki_shared_key(self.private_key, bridge_key), 4243, NODE,
                                   meshpb.encode_data(mc.text_data("now you know me")))
        packet.update({"id": 4243, "encrypted": encrypted})
        self.gateway(GATEWAY).publish("msh/US/2/e/PKI/" + GATEWAY, meshpb.encode_envelope(
            {"packet": packet, "channel_id": "PKI", "gateway_id": GATEWAY}), qos=1)
        self.wait_chat("now you know me")

    def test_a_nak_35_from_the_node_brings_our_nodeinfo_the_dm_again_and_then_the_receipt(self):
        bridge_key = self.bridge_key()
        self.teach_node(NODE, "Base Camp", "BC", public_key=self.public_key, gateway=GATEWAY)
        self.say("/send_to_node BC meet at the hut")
        confirmation = self.wait_chat("encrypted")

        def pki_to_node(msg):
            return msg.topic == PKI_TOPIC and meshpb.decode_envelope(msg.payload)["packet"].get("to") == NODE
        first = self.listener.wait_message(pki_to_node, timeout=10)
        self.assertIsNotNone(first)
        first_id = meshpb.decode_envelope(first.payload)["packet"]["id"]
        # The node lacks our key: NAK 35 (as firmware sends it, on the channel).
        nak = {"portnum": meshpb.ROUTING_APP, "payload": meshpb.encode(meshpb.ROUTING, {"error_reason": 35}),
               "request_id": first_id}
        self.uplink(mc.make_envelope(NODE, NODE_NUM, mc.random_packet_id(), nak, gateway=GATEWAY), GATEWAY)
        self.wait_downlink(self.listener, lambda e: is_nodeinfo(e, NODE), what="our NODEINFO to the node")
        again = self.listener.wait_message(pki_to_node, timeout=15)
        self.assertIsNotNone(again, "the DM was not sent again")
        packet = meshpb.decode_envelope(again.payload)["packet"]
        self.assertNotEqual(packet["id"], first_id)
        plain = mc.pki_decrypt(mc.pki_shared_key(self.private_key, bridge_key), packet["id"], packet["from"],
                               packet["encrypted"])
        self.assertEqual(meshpb.decode_data(plain)["payload"].decode(), "Alice: meet at the hut")
        # Its ACK marks the chat's confirmation delivered.
        ack = {"portnum": meshpb.ROUTING_APP, "payload": meshpb.encode(meshpb.ROUTING, {"error_reason": 0}),
               "request_id": packet["id"]}
        self.uplink(mc.make_envelope(NODE, NODE_NUM, mc.random_packet_id(), ack, gateway=GATEWAY), GATEWAY)
        edit = self.tg.wait_for_request(
            "editMessageText", lambda r: r.params.get("message_id") == confirmation["message_id"], timeout=10)
        self.assertIsNotNone(edit, "the confirmation was not edited")
        self.assertIn("✅", edit.params["text"])


class AckTest(FidelityCase):
    @options(mesh_interval="30")
    def test_acks_go_ahead_of_queued_texts(self):
        listener = self.mesh_listener()
        for i in range(3):
            self.say("/send queued %d" % i)
        self.wait_text_downlink(listener, "queued 0")
        # Two texts wait for their turn (30 s apart); a DM to the bridge wants an ACK.
        t0 = time.monotonic()
        self.text("ack me", to=NODE_NUM, packet_id=5151, want_ack=True)
        self.wait_downlink(listener, lambda e: is_routing(e, NODE, 5151), timeout=5, what="ACK")
        elapsed = time.monotonic() - t0
        sys.stderr.write("\n[ack] published %.2f s after the DM, two texts still queued\n" % elapsed)
        self.assertLess(elapsed, 1.0 + 0.5)
        self.assertNotIn("Alice: queued 1", self.downlink_texts(self.text_downlinks(listener)))

    def test_a_repeated_dm_is_acked_again_and_posted_once(self):
        listener = self.mesh_listener()
        self.text("say it twice", to=NODE_NUM, packet_id=6161, want_ack=True)
        self.wait_downlink(listener, lambda e: is_routing(e, NODE, 6161), what="ACK")
        self.wait_chat("say it twice")
        time.sleep(2.5)  # the sender's retransmission comes seconds later
        self.text("say it twice", to=NODE_NUM, packet_id=6161, want_ack=True)
        self.wait_downlink(listener, lambda e: is_routing(e, NODE, 6161), what="second ACK")
        time.sleep(1)
        self.assertEqual(len([m for m in self.tg.sent_messages(CHAT) if "say it twice" in m["text"]]), 1)


class PskFormsTest(FidelityCase):
    # The Meshtastic CLI's spellings (simpleN, base64:, 0x); a 5-byte key is zero-padded to 16
    # as firmware pads it (src/mesh/Channels.cpp:235-246).
    @options(channel="Private", channel_keys="LongFast=simple0,Private=0x0102030405")
    def test_psks_in_every_form_open_and_seal_as_firmware_does(self):
        padded = bytes.fromhex("0102030405") + bytes(11)
        import base64
        psk = base64.b64encode(padded).decode()
        listener = self.mesh_listener()
        self.uplink(mc.make_encrypted_text_envelope(NODE, meshpb.BROADCAST, mc.random_packet_id(), "on private",
                                                    channel="Private", psk_b64=psk, gateway=GATEWAY),
                    GATEWAY, channel="Private")
        self.wait_chat("on private")
        self.say("/send back on private")
        self.wait_text_downlink(listener, "back on private", psk_b64=psk)
        # LongFast with "simple0" is the default key: its uplinks feed the node list.
        self.uplink(mc.make_nodeinfo_envelope(NODE + 1, "Default Key", "DK", gateway=GATEWAY), GATEWAY)
        time.sleep(0.3)
        self.say("/nodes Default")
        self.wait_chat("Default Key")


if __name__ == "__main__":
    unittest.main()
