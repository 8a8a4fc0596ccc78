"""/status (admins only; others are refused): uptime, gateways seen in the last 15 minutes with
their node counts, queue depths and counters (uplinks, decoded, duplicates, undecryptable, to
Telegram, downlinks, drops by reason, Telegram errors and 429s).  Alerts, off by default: a new
node appears (alert_new_nodes), a battery at or below alert_battery_percent (once per episode,
not again for the next low reading), and a node that was heard most days silent for
alert_silent_hours (its history seeded through the state file)."""
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
from tgmesh_harness.base import NODE_ID, QUIET_SECONDS, TgmeshTestCase, options  # noqa: E402
from tgmesh_harness.chatflow import extract, fixed_text, text_re  # noqa: E402

BASE = 0x0BADCAFE
HILL = 0x0C0FFEE1
GW1 = "!a1b2c3d4"
GW2 = "!a1b2c3d5"
OTHER_KEY = "ZGlmZmVyZW50IGtleSEhIQ=="  # 16 bytes nobody configured


def T(key, **values):
    return text_re("en", key, **values)


def is_status(msg):
    return extract("en", "status_counters", msg["text"], r"\d+") is not None


class StatusTest(TgmeshTestCase):
    def test_non_admins_are_refused(self):
        since = self.tg.request_count()
        self.say("/status", user_id=222, first_name="Bob")
        msg = self.wait_chat(since=since)
        self.assertEqual(msg["text"], fixed_text("en", "admins_only"))

    def test_status_shows_uptime_gateways_queues_and_counters(self):
        listener = self.mesh_listener("msh/US/2/e/#")
        # A text heard by two gateways (one duplicate), a NODEINFO, one packet nobody can read.
        text = mc.make_encrypted_text_envelope(BASE, meshpb.BROADCAST, 0x57A70001, "status probe text", gateway=GW1)
        self.uplink(text, GW1)
        self.uplink(mc.make_encrypted_text_envelope(BASE, meshpb.BROADCAST, 0x57A70001, "status probe text",
                                                    gateway=GW2), GW2)
        self.uplink(mc.make_nodeinfo_envelope(HILL, "Hilltop", "HT", gateway=GW1), GW1)
        self.uplink(mc.make_encrypted_text_envelope(HILL, meshpb.BROADCAST, 0x57A70002, "unreadable",
                                                    psk_b64=OTHER_KEY, gateway=GW1), GW1)
        self.wait_chat("status probe text")
        # One chat message to the mesh (a downlink) whose confirmation first meets a 429.
        self.tg.fail_next("sendMessage", 1, status=429, description="Too Many Requests: retry after 1",
                          retry_after=1)
        self.say("/send counted downlink")
        self.wait_text_downlink(listener, "counted downlink")
        self.wait_chat(lambda m: re.search(T("sent_broadcast"), m["text"]))
        time.sleep(0.3)

        since = self.tg.request_count()
        self.say("/status")
        text = self.wait_chat(is_status, since=since)["text"]
        uptime = extract("en", "status_title", text)
        self.assertIsNotNone(uptime, text)
        self.assertRegex(uptime["uptime"], r"^(\d+d )?(\d+h )?\d+m$")
        self.assertRegex(text, T("status_gateways", n=2))
        self.assertRegex(text, T("status_gateway", gateway="<code>%s</code>" % GW1, nodes=2))
        self.assertRegex(text, T("status_gateway", gateway="<code>%s</code>" % GW2, nodes=1))
        queues = extract("en", "status_queues", text, r"\d+")
        self.assertIsNotNone(queues, text)
        counters = {k: int(v) for k, v in extract("en", "status_counters", text, r"\d+").items()}
        self.assertEqual(counters["uplinks"], 4, text)  # what the gateways published
        self.assertEqual(counters["decoded"], 2, text)
        self.assertEqual(counters["duplicates"], 1, text)
        self.assertEqual(counters["undecryptable"], 1, text)
        self.assertEqual(counters["to_telegram"], 1, text)
        self.assertEqual(counters["downlinks"], 1, text)
        self.assertGreaterEqual(counters["sent"], 2, text)
        self.assertEqual(counters["too_many"], 1, text)
        self.assertGreaterEqual(counters["errors"], 1, text)
        drops = extract("en", "status_drops", text)
        self.assertIsNotNone(drops, text)
        self.assertIn("duplicate 1", drops["list"])
        self.assertIn("undecryptable 1", drops["list"])

    def test_no_status_in_a_chat_that_is_not_bridged(self):
        since = self.tg.request_count()
        uid = self.say("/status", chat_id=-1009999)
        self.wait_handled(uid)
        self.assertEqual(self.tg.sent_messages(since=since), [])

    def test_no_gateways_without_traffic(self):
        since = self.tg.request_count()
        self.say("/status")
        text = self.wait_chat(is_status, since=since)["text"]
        self.assertRegex(text, T("status_gateways", n=0))
        self.assertIsNone(extract("en", "status_drops", text), "drops without traffic")


class AlertsTest(TgmeshTestCase):
    def telemetry(self, num, level):
        self.uplink(mc.make_telemetry_envelope(num, battery_level=level, voltage=3.5))

    def alerts(self, key, **values):
        return [m for m in self.tg.sent_messages() if re.search(T(key, **values), m["text"])]

    def test_alerts_are_off_by_default(self):
        self.teach_node(BASE, "Base Camp", "BC", settle=0)
        self.telemetry(BASE, 3)
        self.uplink(mc.make_encrypted_text_envelope(HILL, meshpb.BROADCAST, 0x57A70003, "marker text"))
        self.wait_chat("marker text")
        time.sleep(QUIET_SECONDS)
        self.assertEqual(self.alerts("alert_new_node"), [])
        self.assertEqual(self.alerts("alert_battery"), [])

    @options(alert_new_nodes="true")
    def test_new_node_alert(self):
        self.teach_node(BASE, "Base Camp", "BC", settle=0)
        msg = self.wait_chat(lambda m: re.search(T("alert_new_node"), m["text"]))
        self.assertIn("Base Camp", msg["text"])
        self.assertIn("!0badcafe", msg["text"])
        # Hearing the same node again is not news.
        self.telemetry(BASE, 80)
        self.teach_node(BASE, "Base Camp", "BC", settle=0)
        time.sleep(QUIET_SECONDS)
        self.assertEqual(len(self.alerts("alert_new_node")), 1, self.alerts("alert_new_node"))

    @options(alert_battery_percent="20")
    def test_low_battery_alert_once_per_episode(self):
        self.teach_node(BASE, "Base Camp", "BC", settle=0)
        self.telemetry(BASE, 50)
        self.telemetry(BASE, 15)
        first = self.wait_chat(lambda m: re.search(T("alert_battery"), m["text"]))
        self.assertIn("Base Camp", first["text"])
        self.assertRegex(first["text"], T("alert_battery", percent=15))
        # Still low, and a small recovery that does not end the episode: no new alert.
        self.telemetry(BASE, 12)
        self.telemetry(BASE, 23)
        self.telemetry(BASE, 18)
        time.sleep(QUIET_SECONDS)
        self.assertEqual(len(self.alerts("alert_battery")), 1, [m["text"] for m in self.alerts("alert_battery")])
        # Charged, then low again: a new episode.
        self.telemetry(BASE, 80)
        self.telemetry(BASE, 10)
        second = self.wait_chat(lambda m: re.search(T("alert_battery", percent=10), m["text"]))
        self.assertIn("Base Camp", second["text"])
        time.sleep(QUIET_SECONDS)
        self.assertEqual(len(self.alerts("alert_battery")), 2, [m["text"] for m in self.alerts("alert_battery")])

    @options(alert_battery_percent="20")
    def test_external_power_is_not_a_low_battery(self):
        self.telemetry(HILL, 101)
        self.telemetry(BASE, 21)
        self.uplink(mc.make_encrypted_text_envelope(HILL, meshpb.BROADCAST, 0x57A70004, "marker text"))
        self.wait_chat("marker text")
        time.sleep(QUIET_SECONDS)
        self.assertEqual(self.alerts("alert_battery"), [])


class SilentNodeAlertTest(TgmeshTestCase):
    """A node heard on most of the last days, silent for longer than alert_silent_hours (history
    seeded through the state file), is announced once; others are not."""
    AUTO_START = False

    def seed_and_start(self, **options):
        now = int(time.time())
        silent_since = now - 30 * 3600
        regular = {"id": meshpb.node_id(BASE), "long_name": "Base Camp", "short_name": "BC",
                   "last_heard": silent_since, "days_until": silent_since // 86400, "days_heard": 0b1111111}
        occasional = {"id": meshpb.node_id(HILL), "long_name": "Hilltop", "short_name": "HT",
                      "last_heard": silent_since, "days_until": silent_since // 86400, "days_heard": 0b1}
        recent = {"id": "!0d0d0d0d", "long_name": "Lakeside", "short_name": "LS",
                  "last_heard": now - 3600, "days_until": (now - 3600) // 86400, "days_heard": 0b1111111}
        state = {"version": 1, "node_id": NODE_ID, "packet_counter": 100, "telegram_offset": 0,
                 "mesh_queue": [], "chat_queue": [], "message_links": [], "nodes": [regular, occasional, recent]}
        workdir = tempfile.mkdtemp(prefix="tgmesh-it-silent-")
        self.addCleanup(shutil.rmtree, workdir, True)
        with open(os.path.join(workdir, "state.json"), "w") as f:
            json.dump(state, f)
        self.start_bridge(workdir=workdir, **options)

    def test_silent_regular_node_is_announced(self):
        self.seed_and_start(alert_silent_hours="24")
        msg = self.wait_chat(lambda m: re.search(T("alert_silent"), m["text"]))
        self.assertIn("Base Camp", msg["text"])
        self.assertTrue(any(re.search(T("alert_silent", hours=h), msg["text"]) for h in (29, 30, 31)), msg["text"])
        time.sleep(QUIET_SECONDS)
        texts = [m["text"] for m in self.tg.sent_messages()]
        self.assertFalse([t for t in texts if "Hilltop" in t], "an occasional node was announced")
        self.assertFalse([t for t in texts if "Lakeside" in t], "a node heard an hour ago was announced")
        self.assertEqual(len([t for t in texts if re.search(T("alert_silent"), t)]), 1, texts)

    def test_no_silence_alerts_by_default(self):
        self.seed_and_start()
        self.say("/nodes")
        self.wait_chat("Base Camp")  # the state was loaded and the bridge is up
        time.sleep(QUIET_SECONDS)
        self.assertFalse([m for m in self.tg.sent_messages() if re.search(T("alert_silent"), m["text"])])


if __name__ == "__main__":
    unittest.main()
