"""/probe (admins only) publishes {"ping":"probe","ts":<unix seconds>} on probe_topic."""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness.base import TgmeshTestCase, options  # noqa: E402


class ProbeTest(TgmeshTestCase):
    def probe_and_get(self, topic):
        listener = self.mqtt("probe-listener", subscribe=topic)
        since = self.tg.request_count()
        self.say("/probe")
        msg = listener.wait_message(timeout=10)
        self.assertIsNotNone(msg, "nothing published on %s" % topic)
        self.assertEqual(msg.topic, topic)
        self.wait_chat(since=since)  # the confirmation
        return json.loads(msg.payload.decode("utf-8"))

    def test_admin_probe_publishes(self):
        obj = self.probe_and_get("msh/US/tgmesh/probe")
        self.assertEqual(obj["ping"], "probe")
        self.assertIsInstance(obj["ts"], int)
        self.assertNotIsInstance(obj["ts"], bool)
        self.assertLess(abs(obj["ts"] - time.time()), 60)

    def test_non_admin_is_refused(self):
        listener = self.mqtt("probe-listener", subscribe="msh/#")
        since = self.tg.request_count()
        uid = self.say("/probe", user_id=222, first_name="Bob")
        self.wait_chat(since=since)  # the refusal
        self.wait_handled(uid)
        self.assertEqual(listener.messages("msh/US/tgmesh/#"), [])

    @options(probe_topic="test/probe/here")
    def test_probe_topic_option(self):
        self.assertEqual(self.probe_and_get("test/probe/here")["ping"], "probe")

    @options(topic_root="msh/EU_868,msh/US")
    def test_default_probe_topic_follows_the_first_root(self):
        self.assertEqual(self.probe_and_get("msh/EU_868/tgmesh/probe")["ping"], "probe")


if __name__ == "__main__":
    unittest.main()
