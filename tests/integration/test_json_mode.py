"""downlink json: legacy sendtext on <root>/2/json/mqtt/, and the gateway's echo is not re-posted."""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness import meshcrypto as mc, meshpb  # noqa: E402
from tgmesh_harness.base import CHAT, TgmeshTestCase  # noqa: E402

GATEWAY = "!67ea9400"
GATEWAY_NUM = 1743426560


class JsonDownlinkTest(TgmeshTestCase):
    OPTIONS = {"downlink": "json", "gateway_id": GATEWAY}

    def send_and_get_json(self, text):
        listener = self.mesh_listener("msh/US/2/#")
        since = self.tg.request_count()
        self.say("/send " + text)
        msg = listener.wait_message(lambda m: "/2/json/" in m.topic, timeout=10)
        self.assertIsNotNone(msg, "no JSON downlink; seen %s" % self.describe_mqtt(listener))
        self.wait_chat(since=since)  # the confirmation comes first, so it is not counted as a post later
        return listener, msg

    def test_send_publishes_sendtext(self):
        listener, msg = self.send_and_get_json("hi")
        self.assertEqual(msg.topic, "msh/US/2/json/mqtt/")
        obj = json.loads(msg.payload.decode("utf-8"))
        self.assertEqual(obj["from"], GATEWAY_NUM)
        self.assertEqual(obj["type"], "sendtext")
        self.assertTrue(obj["payload"].endswith("hi"), obj)
        self.assertEqual(obj["to"], 4294967295)
        self.assertIsInstance(obj.get("channel"), int)
        self.assertEqual(self.text_downlinks(listener), [], "json mode must not also publish a protobuf text")

    def echo_then_genuine_text(self, publish_echo):
        text = "echo check %d" % mc.random_packet_id()
        _listener, msg = self.send_and_get_json(text)
        sent_text = json.loads(msg.payload.decode("utf-8"))["payload"]
        time.sleep(0.5)  # let any further reply to the command arrive before counting posts
        since = self.tg.request_count()
        publish_echo(sent_text, mc.random_packet_id())
        # A genuine text typed on the gateway node itself must still be bridged.
        genuine = "typed on the gateway %d" % mc.random_packet_id()
        self.uplink(mc.make_encrypted_text_envelope(GATEWAY_NUM, meshpb.BROADCAST, mc.random_packet_id(), genuine,
                                                    gateway=GATEWAY), GATEWAY)
        self.wait_chat(genuine, since=since)
        time.sleep(0.5)
        echoes = [m["text"] for m in self.tg.sent_messages(CHAT, since) if text in m["text"]]
        self.assertEqual(echoes, [], "the gateway's echo of our own sendtext was posted")

    def test_json_echo_from_the_gateway_is_not_posted(self):
        def echo(sent_text, packet_id):
            self.uplink_json({"channel": 0, "from": GATEWAY_NUM, "id": packet_id, "payload": {"text": sent_text},
                              "sender": GATEWAY, "timestamp": int(time.time()), "to": 4294967295,
                              "type": "text"}, gateway=GATEWAY)
        self.echo_then_genuine_text(echo)

    def test_protobuf_echo_from_the_gateway_is_not_posted(self):
        # The firmware uplinks its sendtext on /2/e/ too (doc section 3, "Echo").
        def echo(sent_text, packet_id):
            self.uplink(mc.make_encrypted_text_envelope(GATEWAY_NUM, meshpb.BROADCAST, packet_id, sent_text,
                                                        gateway=GATEWAY), GATEWAY)
        self.echo_then_genuine_text(echo)


if __name__ == "__main__":
    unittest.main()
