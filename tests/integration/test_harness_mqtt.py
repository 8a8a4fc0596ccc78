"""Self-tests of the raw MQTT client and the Broker runner, on a plain mosquitto (no plugin)."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness import mqtt  # noqa: E402
from tgmesh_harness.broker import MOSQUITTO, Broker  # noqa: E402


class EncodingTest(unittest.TestCase):
    def test_remaining_length(self):
        for n, wire in ((0, "00"), (127, "7f"), (128, "8001"), (16383, "ff7f"), (16384, "808001"),
                        (2097151, "ffff7f"), (2097152, "80808001"), (268435455, "ffffff7f")):
            self.assertEqual(mqtt.encode_remaining_length(n).hex(), wire)
            data = iter(bytes.fromhex(wire))
            self.assertEqual(mqtt.decode_remaining_length(lambda: next(data)), n)
        with self.assertRaises(ValueError):
            mqtt.encode_remaining_length(268435456)

    def test_topic_matches(self):
        self.assertTrue(mqtt.topic_matches("msh/US/2/e/#", "msh/US/2/e/LongFast/!a1b2c3d4"))
        self.assertTrue(mqtt.topic_matches("msh/+/2/json/mqtt/+", "msh/US/2/json/mqtt/"))
        self.assertFalse(mqtt.topic_matches("msh/US/2/e/+", "msh/US/2/e/LongFast/!a"))


@unittest.skipUnless(os.access(MOSQUITTO, os.X_OK), "mosquitto not installed at %s" % MOSQUITTO)
class PlainBrokerTest(unittest.TestCase):
    def setUp(self):
        self.broker = Broker(with_plugin=False).start()
        self.clients = []

    def tearDown(self):
        for c in self.clients:
            c.disconnect()
        if self.broker.running:
            self.broker.stop()
        self.broker.cleanup()

    def client(self, client_id, **kw):
        c = mqtt.MqttClient("127.0.0.1", self.broker.port, client_id, **kw).connect()
        self.clients.append(c)
        return c

    def test_publish_subscribe_qos0_and_qos1_binary(self):
        sub = self.client("sub")
        self.assertEqual(sub.subscribe(["msh/US/2/e/#", "other/+"], qos=1), [1, 1])
        pub = self.client("!a1b2c3d4")
        payload = bytes(range(256)) * 3
        pub.publish("msh/US/2/e/LongFast/!a1b2c3d4", payload, qos=1)
        pub.publish("other/x", "text é", qos=0)
        pub.publish("ignored/x", b"no")
        m1 = sub.wait_message(timeout=5)
        m2 = sub.wait_message(timeout=5)
        self.assertEqual(m1, ("msh/US/2/e/LongFast/!a1b2c3d4", payload))
        self.assertEqual(m2, mqtt.Message("other/x", "text é".encode()))
        self.assertIsNone(sub.wait_message(timeout=0.3))
        self.assertEqual(len(sub.messages()), 2)
        self.assertEqual(len(sub.messages("other/#")), 1)

    def test_large_payloads_need_multibyte_lengths(self):
        sub = self.client("sub")
        sub.subscribe("big/#", qos=1)
        pub = self.client("pub")
        for size in (200, 20000, 2100000):
            payload = os.urandom(size)
            pub.publish("big/%d" % size, payload, qos=1, timeout=10)
            msg = sub.wait_message(lambda m, t="big/%d" % size: m.topic == t, timeout=10)
            self.assertEqual(msg.payload, payload)

    def test_wait_message_predicate_and_order(self):
        sub = self.client("sub")
        sub.subscribe("t/#")
        pub = self.client("pub")
        for i in range(20):
            pub.publish("t/%d" % (i % 2), str(i), qos=1)
        odd = [sub.wait_message(lambda m: m.topic == "t/1", timeout=5).payload for _ in range(10)]
        self.assertEqual(odd, [str(i).encode() for i in range(1, 20, 2)])
        even = [sub.wait_message(timeout=5).payload for _ in range(10)]
        self.assertEqual(even, [str(i).encode() for i in range(0, 20, 2)])
        sub.clear()
        self.assertIsNone(sub.wait_message(timeout=0.1))

    def test_keepalive_pings_keep_an_idle_client_connected(self):
        c = self.client("idle", keepalive=1)
        time.sleep(3.5)  # the broker drops a silent client after 1.5 x keepalive
        self.assertTrue(c.connected, c.closed_reason)
        c.subscribe("x")

    def test_credentials_and_clean_disconnect(self):
        c = self.client("!00000001", username="meshdev", password="large4cats")
        c.disconnect()
        deadline = time.time() + 5
        while "Client !00000001 disconnected." not in self.broker.log_text() and time.time() < deadline:
            time.sleep(0.05)
        self.assertIn("Client !00000001 disconnected.", self.broker.log_text())
        self.assertFalse(c.connected)

    def test_stop_restart_same_dir(self):
        port, workdir = self.broker.port, self.broker.workdir
        code, secs = self.broker.stop()
        self.assertEqual(code, 0)
        self.assertLess(secs, 5)
        self.broker.start()
        self.assertEqual((self.broker.port, self.broker.workdir), (port, workdir))
        self.client("again").subscribe("x")
        self.assertEqual(self.broker.runs, 2)
        self.assertIn("mosquitto version", self.broker.log_text(current_run=True))

    def test_hup_keeps_running(self):
        self.broker.hup()
        time.sleep(0.5)
        self.assertTrue(self.broker.running)
        self.client("after-hup").subscribe("x")

    def test_start_failure_is_reported(self):
        bad = Broker(with_plugin=False, extra_config="no_such_option 1")
        try:
            bad.start(expect_failure=True, timeout=5)
            self.assertFalse(bad.running)
            self.assertNotEqual(bad.returncode, 0)
            self.assertIn("no_such_option", bad.output_text())
        finally:
            bad.cleanup()

    def test_missing_plugin_file_fails_start(self):
        bad = Broker(plugin_path="/nonexistent/mosquitto_tgmesh.so", with_plugin=True)
        try:
            with self.assertRaises(Exception) as ctx:
                bad.start(timeout=5)
            self.assertIn("exited", str(ctx.exception))
        finally:
            bad.cleanup()


if __name__ == "__main__":
    unittest.main()
