"""wake_broker on: the worker ends the broker thread's idle wait with a signal whose handler does
nothing, so a downlink goes out at once instead of at the next 100 ms turn of mosquitto 2.0's
loop. Speed is measured in bench/ (off and on side by side); here: that it happens, and that it
is safe (SIGHUP storms, SIGTERM while wakes fly, persistence on, a busy broker, a signal someone
else handles). The integration.wake.* ctest entries run other suites with it on as well."""
import contextlib
import os
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness import meshcrypto as mc, meshpb  # noqa: E402
from tgmesh_harness.base import TgmeshTestCase, options  # noqa: E402
from tgmesh_harness.broker import Broker  # noqa: E402
from tgmesh_harness.faults import fault_lib_or_skip  # noqa: E402
from tgmesh_harness.mqtt import MqttError  # noqa: E402

SAMPLES = 20
# Without the wake a downlink waits for the rest of the broker's 100 ms wait: uniform over
# 0-100 ms, so 15 of 20 under 40 ms happens by chance about once in 5000 runs.
FAST_MS = 40
FAST_NEEDED = 15


@contextlib.contextmanager
def repeating(step):
    """Calls step() over and over on a thread of its own while the with block runs (step paces
    itself); a step that returns False ends the loop early."""
    stop = threading.Event()

    def loop():
        while not stop.is_set() and step() is not False:
            pass
    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


class WakeCase(TgmeshTestCase):
    OPTIONS = {"wake_broker": "on"}

    def send_and_time(self, listener, text):
        """Seconds from the chat message to its envelope at a mesh subscriber."""
        t0 = time.monotonic()
        self.say("/send " + text)
        self.wait_text_downlink(listener, text)
        return time.monotonic() - t0


class IdleWakeTest(WakeCase):
    def test_idle_downlinks_go_out_without_waiting_for_the_tick(self):
        self.assertIn("wake_broker on: signal", self.broker.log_text())
        listener = self.mesh_listener()
        time.sleep(0.5)  # the start-up announcement has gone out
        latencies = []
        for i in range(SAMPLES):
            latencies.append(self.send_and_time(listener, "idle %d" % i) * 1000)
            time.sleep(0.15)  # the broker is idle again: its wait is under way
        fast = sum(1 for ms in latencies if ms < FAST_MS)
        sys.stderr.write("\n[wake] latencies ms: %s\n" % ", ".join("%.1f" % ms for ms in sorted(latencies)))
        self.assertGreaterEqual(fast, FAST_NEEDED, sorted(latencies))


class WakeSafetyTest(WakeCase):
    AUTO_START = False

    def test_sighup_storm_while_wakes_fly(self):
        self.start_bridge()
        listener = self.mesh_listener()

        def hup():
            self.broker.proc.send_signal(signal.SIGHUP)
            time.sleep(0.02)
        with repeating(hup):
            for i in range(30):
                self.say("/send storm %d" % i)
                time.sleep(0.03)
            time.sleep(0.5)
        for i in range(30):
            self.wait_text_downlink(listener, "storm %d" % i)
        # The broker still takes new clients and answers $CONTROL.
        [status] = self.control([{"command": "getStatus"}])
        self.assertGreaterEqual(status["data"]["downlinks"], 30, status)
        code, _ = self.broker.stop()
        self.assertEqual(code, 0)

    def test_sigterm_while_wakes_fly_with_persistence_on(self):
        self.start_bridge(extra_config="persistence true\nautosave_interval 1\n")
        listener = self.mesh_listener()
        gateway = self.gateway("!a1b2c3d4")
        sent = [0]

        def traffic():
            i = sent[0]
            self.say("/send term %d" % i)
            try:
                gateway.publish("msh/US/2/e/LongFast/!a1b2c3d4", mc.make_encrypted_text_envelope(
                    0x0A000000 + i % 50, meshpb.BROADCAST, 1000 + i, "up %d" % i), qos=1)
            except MqttError:
                return False  # the broker is going down: as a gateway sees it
            sent[0] += 1
            time.sleep(0.01)
        with repeating(traffic):
            self.wait_text_downlink(listener, "term 5", timeout=10)
            code, seconds = self.broker.stop(timeout=15)
        self.assertEqual(code, 0)
        self.assertLess(seconds, 10)
        self.assertTrue(os.path.exists(self.broker.state_path))
        # It starts again from what it saved, wake and all.
        self.broker.start()
        self.wait_polling()
        listener = self.mesh_listener()
        since = self.tg.request_count()
        self.say("/send after restart")
        # What the broker had not published waits for a gateway to be back (Bridge::
        # kRestoredDownlinksWait); the gateway reconnects and uplinks.
        self._gateways.clear()
        self.uplink(mc.make_encrypted_text_envelope(0x0A0000FF, meshpb.BROADCAST, 5000, "back"),
                    gateway="!a1b2c3d4")
        self.wait_text_downlink(listener, "after restart")
        self.wait_chat(since=since)

    def test_a_busy_broker_loses_nothing(self):
        self.start_bridge()
        listener = self.mesh_listener()
        unrelated = self.mqtt("unrelated-sub", subscribe="sensors/#", qos=1)
        load = self.mqtt("load-pub")
        sent = [0]

        def load_traffic():
            load.publish("sensors/load/%d" % (sent[0] % 10), b"x" * 64, qos=1)
            sent[0] += 1
            if sent[0] % 50 == 0:
                time.sleep(0.005)
        with repeating(load_traffic):
            for i in range(40):
                self.say("/send busy %d" % i)
                time.sleep(0.02)
            for i in range(40):
                self.wait_text_downlink(listener, "busy %d" % i)
        deadline = time.monotonic() + 20
        while len(unrelated.messages()) < sent[0] and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertEqual(len(unrelated.messages()), sent[0])
        code, _ = self.broker.stop()
        self.assertEqual(code, 0)

    def test_a_signal_someone_else_handles_stops_the_start(self):
        fault_lib = fault_lib_or_skip(self)
        broker = Broker(self.bridge_options(), plugin_path=self.plugin_path, preload=[fault_lib],
                        env={"TGMESH_FAULT_TAKE_SIGNAL": "3"})
        broker.expect_failure = True
        self.brokers.append(broker)
        broker.start(timeout=10, expect_failure=True)
        if broker.running:
            broker.kill()
            self.fail("the broker started although SIGRTMIN+3 had a handler")
        self.assertNotEqual(broker.returncode, 0)
        output = broker.output_text()
        self.assertIn("wake_broker", output)
        self.assertIn("SIGRTMIN+3", output)
        self.assertIn("already has a handler", output)
        # Without wake_broker the same broker starts: the signal is none of tgmesh's business.
        again = Broker(self.bridge_options(wake_broker="off"), plugin_path=self.plugin_path,
                       preload=[fault_lib], env={"TGMESH_FAULT_TAKE_SIGNAL": "3"})
        self.brokers.append(again)
        again.start()
        self.assertTrue(again.running)
        again.stop()


if __name__ == "__main__":
    unittest.main()
