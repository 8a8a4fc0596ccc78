"""SIGHUP re-reads config_file: new values apply to what follows; an invalid file is refused
and the previous configuration stays in force."""
import os
import shutil
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness.base import TgmeshTestCase  # noqa: E402


class ReloadTest(TgmeshTestCase):
    AUTO_START = False

    def write_config_file(self, text):
        with open(self.config_path, "w") as f:
            f.write(text)

    def setUp(self):
        super().setUp()
        self.config_dir = tempfile.mkdtemp(prefix="tgmesh-conf-")
        self.addCleanup(shutil.rmtree, self.config_dir, True)
        self.config_path = os.path.join(self.config_dir, "tgmesh.conf")
        self.write_config_file('# reloadable settings\ntext_prefix "[{name}] "\n')
        self.start_bridge(config_file=self.config_path)

    def hup_and_wait_for(self, log_fragment):
        offset = len(self.broker.log_text())
        self.broker.hup()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if log_fragment in self.broker.log_text()[offset:]:
                return
            time.sleep(0.05)
        self.fail("no %r in the log after SIGHUP:\n%s" % (log_fragment, self.broker.log_text()[offset:]))

    def test_new_text_prefix_applies_after_sighup(self):
        listener = self.mesh_listener()
        self.say("/send before")
        self.wait_text_downlink(listener, "[Alice] before")

        self.write_config_file("text_prefix \"{name} says: \"\n")
        self.hup_and_wait_for("configuration reloaded")
        self.say("/send after")
        self.wait_text_downlink(listener, "Alice says: after")

    def test_invalid_config_file_keeps_the_previous_configuration(self):
        listener = self.mesh_listener()
        self.write_config_file("text_prefix \"{name} says: \"\nhop_limit 9\n")
        self.hup_and_wait_for("reload refused")
        self.assertIn("hop_limit", self.broker.log_text())
        self.assertTrue(self.broker.running)
        self.say("/send still old")
        _topic, env = self.wait_text_downlink(listener, "still old")
        self.assertEqual(env["packet"]["decoded"]["text"], "[Alice] still old")
        self.assertEqual(env["packet"]["hop_limit"], 3)


if __name__ == "__main__":
    unittest.main()
