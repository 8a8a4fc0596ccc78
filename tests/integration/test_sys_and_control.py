"""Administration the Mosquitto way: retained counters under $SYS/broker/tgmesh/ and JSON
commands on $CONTROL/tgmesh/v1 (dynamic-security style), guarded by the broker's ACL."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness import meshcrypto as mc, meshpb  # noqa: E402
from tgmesh_harness.base import CHAT, TgmeshTestCase, options  # noqa: E402

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SYS = "$SYS/broker/tgmesh/"
CONTROL = "$CONTROL/tgmesh/v1"
RESPONSE = CONTROL + "/response"
GATEWAY = "!a1b2c3d4"
SENDER = 0x1A2B3C4D
SENDER_ID = "!1a2b3c4d"


class AdminTestCase(TgmeshTestCase):
    def text_envelope(self, text, packet_id=None, sender=SENDER, **kw):
        return mc.make_encrypted_text_envelope(sender, meshpb.BROADCAST, packet_id or mc.random_packet_id(),
                                               text, gateway=GATEWAY, **kw)

    def control(self, commands, client=None, timeout=10):
        """Publishes {"commands": [...]} and returns the responses list of the answer."""
        client = client or self.mqtt(subscribe=RESPONSE)
        client.clear()
        client.publish(CONTROL, json.dumps({"commands": commands}), qos=1)
        msg = client.wait_message(lambda m: m.topic == RESPONSE, timeout=timeout)
        self.assertIsNotNone(msg, "no answer on %s" % RESPONSE)
        return json.loads(msg.payload)["responses"]

    def sys_values(self, client, names, timeout=15):
        """Waits until every name has a value under $SYS/broker/tgmesh/; the latest of each."""
        deadline = time.monotonic() + timeout
        values = {}
        while time.monotonic() < deadline:
            for m in client.messages(SYS + "#"):
                values[m.topic[len(SYS):]] = m.payload.decode()
            if all(n in values for n in names):
                return values
            time.sleep(0.1)
        self.fail("missing $SYS values %s; got %s" % ([n for n in names if n not in values], values))


class SysTreeTest(AdminTestCase):
    @options(sys_interval="1")
    def test_counters_are_retained_and_follow_the_traffic(self):
        text = "sys check %d" % mc.random_packet_id()
        packet_id = mc.random_packet_id()
        self.uplink(self.text_envelope(text, packet_id), GATEWAY)
        self.wait_chat(text)
        self.uplink(self.text_envelope(text, packet_id), GATEWAY)  # a duplicate
        deadline = time.monotonic() + 10
        while True:
            # A client that subscribes now gets the retained values at once.
            watcher = self.mqtt(subscribe=SYS + "#")
            values = self.sys_values(watcher, ["uplinks", "duplicates", "telegram_sent"], timeout=3)
            if values["duplicates"] == "1" and values["telegram_sent"] == "1":
                break
            self.assertLess(time.monotonic(), deadline, values)
            time.sleep(0.5)
        self.assertEqual(values["uplinks"], "2")
        self.assertEqual(values["decoded"], "1")  # a duplicate is recognised before decrypting
        self.assertEqual(values["drops/duplicate"], "1")
        self.assertEqual(values["drops/undecryptable"], "0")
        self.assertEqual(values["telegram_connected"], "1")
        self.assertEqual(values["nodes_known"], "1")
        self.assertEqual(values["gateways_online"], "1")
        self.assertEqual(values["queue/mesh"], "0")
        self.assertRegex(values["version"], r"^\d+\.\d+\.\d+$")
        self.assertGreaterEqual(int(values["last_uplink_age"]), 0)
        self.assertLess(int(values["last_uplink_age"]), 30)

        # Live updates: an undecryptable packet shows up within the interval.
        watcher.clear()
        self.uplink(self.text_envelope("secret", psk_b64="d2hhdGV2ZXJ3aGF0ZXZlcjEyMzQ1Njc4OTAxMg=="),
                    GATEWAY)
        msg = watcher.wait_message(lambda m: m.topic == SYS + "undecryptable" and m.payload == b"1", timeout=5)
        self.assertIsNotNone(msg, [m for m in watcher.messages(SYS + "#")])

    @options(sys_interval="0")
    def test_sys_interval_zero_publishes_nothing(self):
        watcher = self.mqtt(subscribe=SYS + "#")
        self.uplink(self.text_envelope("quiet %d" % mc.random_packet_id()), GATEWAY)
        time.sleep(2)
        self.assertEqual(watcher.messages(SYS + "#"), [])

    def test_drop_reason_is_logged_once_with_its_meaning(self):
        for _ in range(3):
            self.uplink(mc.make_encrypted_text_envelope(SENDER, meshpb.BROADCAST, mc.random_packet_id(), "elsewhere",
                                                        channel="Other", gateway=GATEWAY), GATEWAY, channel="Other")
        marker = "marker %d" % mc.random_packet_id()
        self.uplink(self.text_envelope(marker), GATEWAY)
        self.wait_chat(marker)
        # Log lines reach the file on the broker's next tick; the chat post may come first.
        deadline = time.monotonic() + 5
        while True:
            log = self.broker.log_text()
            lines = [line for line in log.splitlines()
                     if "dropped (undecryptable)" in line or "dropped (other_channel)" in line]
            if lines or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        time.sleep(0.3)  # and nothing more follows
        lines = [line for line in self.broker.log_text().splitlines()
                 if "dropped (undecryptable)" in line or "dropped (other_channel)" in line]
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("msh/US/2/e/Other/" + GATEWAY, lines[0])
        self.assertIn("no configured channel key opens it", lines[0])


class ControlTest(AdminTestCase):
    def test_get_status_list_nodes_and_get_node(self):
        self.teach_node(SENDER, "Alpine Hut", "ALP", gateway=GATEWAY)
        text = "status check %d" % mc.random_packet_id()
        self.uplink(self.text_envelope(text), GATEWAY)
        self.wait_chat(text)
        responses = self.control([
            {"command": "getStatus", "correlationData": "s1"},
            {"command": "listNodes", "filter": "alp"},
            {"command": "getNode", "node": "Alpine Hut"},
            {"command": "getNode", "node": "!00000042"},
        ])
        self.assertEqual([r["command"] for r in responses], ["getStatus", "listNodes", "getNode", "getNode"])
        status = responses[0]
        self.assertEqual(status["correlationData"], "s1")
        self.assertEqual(status["data"]["uplinks"], 2)
        self.assertEqual(status["data"]["nodeId"], "!7b000001")
        self.assertTrue(status["data"]["telegram_connected"])
        self.assertEqual(status["data"]["drops"]["duplicate"], 0)
        self.assertEqual([g["id"] for g in status["data"]["gateways"]], [GATEWAY])
        nodes = responses[1]["data"]
        self.assertEqual(nodes["totalCount"], 1)
        self.assertEqual(nodes["nodes"][0]["id"], SENDER_ID)
        self.assertEqual(nodes["nodes"][0]["longName"], "Alpine Hut")
        node = responses[2]["data"]
        self.assertEqual(node["shortName"], "ALP")
        self.assertEqual(node["receptions"][0]["gateway"], GATEWAY)
        self.assertIn("error", responses[3])

    def test_send_text_broadcast_and_to_a_node(self):
        self.teach_node(SENDER, "Alpine Hut", "ALP", gateway=GATEWAY)
        listener = self.mesh_listener()
        responses = self.control([{"command": "sendText", "text": "Net check tonight at 20:00"}])
        self.assertNotIn("error", responses[0], responses)
        self.assertEqual(responses[0]["data"]["to"], "broadcast")
        self.assertEqual(responses[0]["data"]["parts"], 1)
        _topic, env = self.wait_text_downlink(listener, "Net check tonight at 20:00")
        # No chat name prefix: the administrator's text goes out as written.
        self.assertEqual(env["packet"]["decoded"]["text"], "Net check tonight at 20:00")
        self.assertEqual(env["packet"]["to"], meshpb.BROADCAST)

        responses = self.control([{"command": "sendText", "node": SENDER_ID, "text": "ping hut"}])
        self.assertEqual(responses[0]["data"]["to"], SENDER_ID)
        self.assertEqual(len(responses[0]["data"]["packetIds"]), 1)
        _topic, env = self.wait_text_downlink(listener, "ping hut")
        self.assertEqual(env["packet"]["to"], SENDER)
        self.assertIn("control: client", self.broker.log_text())
        self.assertIn("ran sendText", self.broker.log_text())

    def test_bad_requests_get_errors_and_change_nothing(self):
        listener = self.mesh_listener()
        client = self.mqtt(subscribe=RESPONSE)
        client.publish(CONTROL, b"{not json", qos=1)
        msg = client.wait_message(lambda m: m.topic == RESPONSE, timeout=10)
        self.assertEqual(json.loads(msg.payload)["responses"][0]["error"], "Payload not valid JSON")
        # Over 64 KiB the broker thread does not even copy it.
        big = json.dumps({"commands": [{"command": "sendText", "text": "x" * 70000}]})
        client.publish(CONTROL, big, qos=1)
        msg = client.wait_message(lambda m: m.topic == RESPONSE, timeout=10)
        self.assertEqual(json.loads(msg.payload)["responses"][0]["error"], "Payload not valid JSON")
        responses = self.control([
            {"command": "formatDisk"},
            {"command": "sendText"},
            {"command": "sendText", "text": "x", "channel": "NotBridged"},
            {"command": "sendText", "text": "x" * 2000},
            {"command": "sendText", "text": "x", "node": "nobody"},
            {"command": "listNodes", "count": "many"},
        ], client=client)
        self.assertEqual([r["command"] for r in responses],
                         ["formatDisk", "sendText", "sendText", "sendText", "sendText", "listNodes"])
        self.assertTrue(all("error" in r for r in responses), responses)
        self.assertIn("too long", responses[3]["error"])
        time.sleep(1)
        self.assertEqual(self.text_downlinks(listener), [])
        self.assertTrue(self.broker.running)

    @options(control="off")
    def test_control_off_answers_nothing(self):
        client = self.mqtt(subscribe=RESPONSE)
        client.publish(CONTROL, json.dumps({"commands": [{"command": "getStatus"}]}), qos=1)
        self.assertIsNone(client.wait_message(lambda m: m.topic == RESPONSE, timeout=2))
        self.assertIn("option control is off", self.broker.log_text())


class ControlReloadTest(AdminTestCase):
    AUTO_START = False

    def test_reload_config_applies_or_names_the_bad_option(self):
        conf_dir = tempfile.mkdtemp(prefix="tgmesh-conf-")
        self.addCleanup(shutil.rmtree, conf_dir, True)
        path = os.path.join(conf_dir, "tgmesh.conf")
        with open(path, "w") as f:
            f.write("hop_limit 3\n")
        self.start_bridge(config_file=path)
        listener = self.mesh_listener()
        with open(path, "w") as f:
            f.write("hop_limit 9\n")
        responses = self.control([{"command": "reloadConfig"}])
        self.assertIn("hop_limit", responses[0]["error"])
        with open(path, "w") as f:
            f.write("hop_limit 5\n")
        responses = self.control([{"command": "reloadConfig"}, {"command": "sendText", "text": "after reload"}])
        self.assertNotIn("error", responses[0], responses)
        _topic, env = self.wait_text_downlink(listener, "after reload")
        self.assertEqual(env["packet"]["hop_limit"], 5)


class ControlAclTest(AdminTestCase):
    """Only clients the broker's ACL lets publish to $CONTROL/tgmesh/v1 reach tgmesh: the
    README's example, with a password file."""
    AUTO_START = False

    def test_acl_decides_who_may_use_control(self):
        conf_dir = tempfile.mkdtemp(prefix="tgmesh-acl-")
        os.chmod(conf_dir, 0o755)
        self.addCleanup(shutil.rmtree, conf_dir, True)
        passwd = os.path.join(conf_dir, "passwd")
        for i, (user, password) in enumerate((("admin", "adminpw"), ("gateway", "gwpw"))):
            args = ["mosquitto_passwd", "-b"] + (["-c"] if i == 0 else []) + [passwd, user, password]
            subprocess.run(args, check=True, capture_output=True)
        # The README's example file, as shipped.
        acl = os.path.join(conf_dir, "acl")
        shutil.copy(os.path.join(REPO_ROOT, "conf", "acl.example"), acl)
        os.chmod(passwd, 0o644)
        os.chmod(acl, 0o644)
        self.start_bridge(extra_config="password_file %s\nacl_file %s\nallow_anonymous false\n" % (passwd, acl))
        admin = self.mqtt("admin-1", subscribe=RESPONSE, username="admin", password="adminpw")
        responses = self.control([{"command": "getStatus"}], client=admin)
        self.assertIn("data", responses[0])
        counters = self.mqtt("admin-2", subscribe=SYS + "#", username="admin", password="adminpw")
        self.sys_values(counters, ["uplinks", "telegram_connected"])

        # A gateway uplinks as itself and gets the downlinks; it cannot speak for another one.
        gateway = self.mqtt(GATEWAY, subscribe="msh/US/2/e/LongFast/+", username="gateway", password="gwpw")
        text = "from the gateway account %d" % mc.random_packet_id()
        gateway.publish("msh/US/2/e/LongFast/" + GATEWAY, self.text_envelope(text), qos=1)
        self.wait_chat(text)
        spoofed = "as another gateway %d" % mc.random_packet_id()
        gateway.publish("msh/US/2/e/LongFast/!deadbeef", mc.make_encrypted_text_envelope(
            SENDER, meshpb.BROADCAST, mc.random_packet_id(), spoofed, gateway="!deadbeef"), qos=1)
        self.say("/send to the mesh")
        self.assertIsNotNone(gateway.wait_message(lambda m: m.topic.endswith("/!7b000001"), timeout=10))
        self.assertFalse(any(spoofed in m["text"] for m in self.tg.sent_messages()))
        self.assertIn("Denied PUBLISH from %s" % GATEWAY, self.broker.log_text())

        intruder = self.mqtt("gw-1", subscribe=RESPONSE, username="gateway", password="gwpw")
        intruder.publish(CONTROL, json.dumps({"commands": [{"command": "sendText", "text": "spam"}]}), qos=1)
        time.sleep(1.5)
        self.assertEqual(intruder.messages(RESPONSE), [])
        self.assertIn("Denied PUBLISH from gw-1", self.broker.log_text())
        self.assertNotIn("user gateway", self.broker.log_text())
        self.assertNotIn("ran sendText", self.broker.log_text())


if __name__ == "__main__":
    unittest.main()
