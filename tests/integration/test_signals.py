"""SIGTERM ends the broker quickly even during a long poll; SIGHUP keeps the bridge working."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness.base import TgmeshTestCase  # noqa: E402


class SignalTest(TgmeshTestCase):
    def test_sigterm_during_long_poll_exits_fast(self):
        self.tg.hold("getUpdates")  # every poll from now on blocks until the fake closes
        self.assertIsNotNone(self.tg.wait_for_poll(timeout=40), "the plugin is not in a getUpdates call")
        time.sleep(0.5)
        code, seconds = self.broker.stop(timeout=10)
        self.assertEqual(code, 0)
        self.assertLess(seconds, 1.0)

    def test_sigterm_when_idle_exits_fast(self):
        time.sleep(0.5)
        code, seconds = self.broker.stop(timeout=10)
        self.assertEqual(code, 0)
        self.assertLess(seconds, 1.0)

    def test_sighup_keeps_bridging(self):
        self.broker.hup()
        time.sleep(0.5)
        self.assertTrue(self.broker.running, self.broker.diagnostics())
        listener = self.mesh_listener()
        self.say("/send after hup")
        self.wait_text_downlink(listener, "after hup")


if __name__ == "__main__":
    unittest.main()
