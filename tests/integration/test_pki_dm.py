"""Direct messages with PKI, both ways, and delivery receipts: a test node with its own X25519
key pair talks to the bridge through a real broker."""
import base64
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness import meshcrypto as mc  # noqa: E402
from tgmesh_harness import meshpb  # noqa: E402
from tgmesh_harness.base import CHAT, LINK_SETTLE, NODE_NUM, TgmeshTestCase  # noqa: E402

NODE = 0x0BADCAFE
GATEWAY = "!22222222"
PKI_TOPIC = "msh/US/2/e/PKI/!7b000001"


class PkiDmTest(TgmeshTestCase):
    def setUp(self):
        super().setUp()
        self.private_key = os.urandom(32)
        self.public_key = mc.x25519_public(self.private_key)
        self.listener = self.mesh_listener()
        self.bridge_key = self.learn_bridge_key()

    def learn_bridge_key(self):
        """The node introduces itself to the bridge asking for its NODEINFO (want_response),
        as firmware does; the answer carries the bridge's public key."""
        self.uplink(mc.make_nodeinfo_envelope(NODE, "Base Camp", "BC", to_num=NODE_NUM,
                                              public_key=self.public_key, want_response=True,
                                              gateway=GATEWAY), GATEWAY)

        def answer(msg):
            env = self.decode_downlink(msg)
            if not env or env["packet"].get("to") != NODE:
                return False
            return env["packet"]["decoded"].get("portnum") == meshpb.NODEINFO_APP
        msg = self.listener.wait_message(answer, timeout=10)
        self.assertIsNotNone(msg, "the bridge did not answer the NODEINFO request")
        user = self.decode_downlink(msg)["packet"]["decoded"]["user"]
        self.assertEqual(user["id"], "!7b000001")
        self.assertEqual(len(user["public_key"]), 32)
        return user["public_key"]

    def shared_key(self):
        return mc.pki_shared_key(self.private_key, self.bridge_key)

    def wait_pki_envelope(self, predicate=None):
        def match(msg):
            return msg.topic == PKI_TOPIC and (predicate is None or predicate(msg))
        msg = self.listener.wait_message(match, timeout=10)
        self.assertIsNotNone(msg, "no PKI envelope from the bridge")
        env = meshpb.decode_envelope(msg.payload)
        packet = env["packet"]
        plain = mc.pki_decrypt(self.shared_key(), packet["id"], packet["from"], packet["encrypted"])
        return env, packet, meshpb.decode_data(plain)

    def node_dm(self, packet_id, text, want_ack=True):
        """The node's PKI DM to the bridge, as its gateway uplinks it."""
        data = mc.text_data(text)
        encrypted = mc.pki_encrypt(self.shared_key(), packet_id, NODE, meshpb.encode_data(data))
        packet = {"from": NODE, "to": NODE_NUM, "id": packet_id, "encrypted": encrypted,
                  "hop_limit": 3, "hop_start": 3, "want_ack": want_ack, "pki_encrypted": True}
        env = meshpb.encode_envelope({"packet": packet, "channel_id": "PKI", "gateway_id": GATEWAY})
        self.gateway(GATEWAY).publish("msh/US/2/e/PKI/" + GATEWAY, env, qos=1)

    def test_send_to_node_is_a_pki_dm_that_the_node_decrypts(self):
        self.say("/send_to_node !0badcafe meet at the hut")
        env, packet, data = self.wait_pki_envelope()
        self.assertEqual(env["channel_id"], "PKI")
        self.assertEqual(env["gateway_id"], "!7b000001")
        self.assertEqual(packet["from"], NODE_NUM)
        self.assertEqual(packet["to"], NODE)
        self.assertEqual(packet.get("channel", 0), 0)
        self.assertTrue(packet["pki_encrypted"])
        self.assertTrue(packet["want_ack"])
        self.assertEqual(data["portnum"], meshpb.TEXT_MESSAGE_APP)
        self.assertEqual(data["payload"].decode(), "Alice: meet at the hut")
        self.wait_chat("encrypted")

    def test_an_ack_from_the_node_marks_the_confirmation_delivered(self):
        self.say("/send_to_node BC are you there?")
        _env, packet, _data = self.wait_pki_envelope()
        confirmation = self.wait_chat("encrypted")
        ack = {"portnum": meshpb.ROUTING_APP, "payload": meshpb.encode(meshpb.ROUTING, {"error_reason": 0}),
               "request_id": packet["id"]}
        self.uplink(mc.make_envelope(NODE, NODE_NUM, 5151, ack, gateway=GATEWAY), GATEWAY)
        edit = self.tg.wait_for_request(
            "editMessageText", lambda r: r.params.get("message_id") == confirmation["message_id"],
            timeout=10)
        self.assertIsNotNone(edit, "the confirmation was not edited")
        self.assertIn("✅", edit.params["text"])
        self.assertEqual(int(edit.params["chat_id"]), CHAT)

    def test_the_nodes_pki_dm_reaches_the_chat_is_acked_and_a_reply_goes_back(self):
        self.node_dm(777, "hello from the hills & <valleys>")
        posted = self.wait_chat("hello from the hills")
        self.assertIn("DM", posted["text"])
        self.assertIn("Base Camp", posted["text"])
        self.assertIn(self.esc("& <valleys>"), posted["text"])

        def is_ack(msg):
            env = self.decode_downlink(msg)
            if not env or env["packet"].get("to") != NODE:
                return False
            decoded = env["packet"]["decoded"]
            return decoded.get("portnum") == meshpb.ROUTING_APP and decoded.get("request_id") == 777
        self.assertIsNotNone(self.listener.wait_message(is_ack, timeout=10),
                             "no ROUTING ACK for the node's want_ack DM")

        time.sleep(LINK_SETTLE)
        self.say("thanks, see you", reply_to=posted["message_id"])
        _env, packet, data = self.wait_pki_envelope(
            lambda m: meshpb.decode_envelope(m.payload)["packet"].get("to") == NODE)
        self.assertEqual(data["payload"].decode(), "Alice: thanks, see you")
        self.assertEqual(data.get("reply_id"), 777)

    def test_the_private_key_stays_in_the_identity_file(self):
        self.node_dm(555, "a dm")
        self.wait_chat("a dm")
        code, _secs = self.broker.stop()
        self.assertEqual(code, 0)
        identity_path = self.broker.state_path[:-len(".json")] + ".key"
        with open(identity_path) as f:
            identity = json.load(f)
        private = base64.b64decode(identity["private_key"])
        self.assertEqual(identity["node_id"], "!7b000001")
        self.assertEqual(mc.x25519_public(private), bytes(self.bridge_key))
        self.assertEqual(oct(os.stat(identity_path).st_mode & 0o777), "0o600")
        with open(self.broker.state_path) as f:
            self.assertNotIn("private_key", json.load(f))
        log = self.broker.log_text() + self.broker.stdout + self.broker.stderr
        self.assertNotIn(identity["private_key"], log)
        self.assertNotIn(private.hex(), log)

    def test_dms_between_other_nodes_stay_unread(self):
        other_shared = mc.pki_shared_key(os.urandom(32), mc.x25519_public(os.urandom(32)))
        encrypted = mc.pki_encrypt(other_shared, 999, NODE, meshpb.encode_data(mc.text_data("secret")))
        packet = {"from": NODE, "to": 0x12345678, "id": 999, "encrypted": encrypted,
                  "pki_encrypted": True, "hop_limit": 3, "hop_start": 3}
        env = meshpb.encode_envelope({"packet": packet, "channel_id": "PKI", "gateway_id": GATEWAY})
        self.gateway(GATEWAY).publish("msh/US/2/e/PKI/" + GATEWAY, env, qos=1)
        self.node_dm(1000, "a later dm")
        self.wait_chat("a later dm")
        self.assertFalse(any("secret" in m["text"] for m in self.tg.sent_messages()))


class UnknownKeyTest(TgmeshTestCase):
    def test_unknown_key_goes_legacy_says_so_and_asks_for_the_key(self):
        listener = self.mesh_listener()
        self.say("/send_to_node !0badcafe hello")
        _topic, env = self.wait_text_downlink(listener, "hello")
        self.assertEqual(env["packet"]["to"], NODE)
        self.assertFalse(env["packet"].get("pki_encrypted", False))

        def asks(msg):
            env = self.decode_downlink(msg)
            if not env or env["packet"].get("to") != NODE:
                return False
            decoded = env["packet"]["decoded"]
            return decoded.get("portnum") == meshpb.NODEINFO_APP and decoded.get("want_response")
        self.assertIsNotNone(listener.wait_message(asks, timeout=10), "the node was not asked for its key")
        reply = self.wait_chat("channel key")
        self.assertIn("2.7.14", reply["text"])
        time.sleep(0.2)


if __name__ == "__main__":
    unittest.main()
