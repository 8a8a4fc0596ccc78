"""tgmesh loads once and globally: a second plugin line or per_listener_settings true is
refused at start with a clear message; a corrupt state file is moved aside."""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness.base import TgmeshTestCase  # noqa: E402
from tgmesh_harness.broker import MOSQUITTO, broker_env, free_port  # noqa: E402


class LoadRulesTest(TgmeshTestCase):
    AUTO_START = False

    def tempdir(self, prefix):
        path = tempfile.mkdtemp(prefix=prefix)
        self.addCleanup(shutil.rmtree, path, True)
        return path

    def run_config(self, lines):
        """Runs mosquitto on a hand-written config; returns (exit code, output)."""
        workdir = self.tempdir("tgmesh-load-")
        conf = os.path.join(workdir, "mosquitto.conf")
        if os.geteuid() == 0:
            lines = ["user root"] + lines
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        proc = subprocess.run([MOSQUITTO, "-c", conf], capture_output=True, text=True, timeout=10,
                              stdin=subprocess.DEVNULL, env=broker_env(workdir))
        return proc.returncode, proc.stdout + proc.stderr

    def test_a_second_instance_is_refused(self):
        state = self.tempdir("tgmesh-state-")
        code, output = self.run_config([
            "listener %d 127.0.0.1" % free_port(), "allow_anonymous true",
            "plugin %s" % self.plugin_path, "plugin_opt_state_file %s/a.json" % state,
            "plugin %s" % self.plugin_path, "plugin_opt_state_file %s/b.json" % state,
        ])
        self.assertNotEqual(code, 0)
        self.assertIn("already loaded", output)

    def test_per_listener_settings_is_refused(self):
        state = self.tempdir("tgmesh-state-")
        code, output = self.run_config([
            "per_listener_settings true",
            "listener %d 127.0.0.1" % free_port(), "allow_anonymous true",
            "plugin %s" % self.plugin_path, "plugin_opt_state_file %s/a.json" % state,
        ])
        self.assertNotEqual(code, 0)
        self.assertIn("per_listener_settings", output)

    def test_unknown_option_is_a_warning_only(self):
        self.start_bridge(colour="blue")
        self.assertIn("unknown option", self.broker.log_text())
        self.assertIn("colour", self.broker.log_text())

    def test_corrupt_state_file_is_moved_aside(self):
        workdir = self.tempdir("tgmesh-corrupt-")
        with open(os.path.join(workdir, "state.json"), "w") as f:
            f.write('{"version":1,"nodes":[truncated')
        self.start_bridge(workdir=workdir)
        aside = [n for n in os.listdir(workdir) if n.startswith("state.json.corrupt-")]
        self.assertEqual(len(aside), 1, os.listdir(workdir))
        self.assertIn("corrupt", self.broker.log_text())
        listener = self.mesh_listener()
        self.say("/send fresh start")
        self.wait_text_downlink(listener, "fresh start")
        self.broker.stop()
        with open(os.path.join(workdir, "state.json")) as f:
            self.assertIn('"version":1', f.read())
        self.assertEqual(oct(os.stat(os.path.join(workdir, "state.json")).st_mode & 0o777), "0o600")


if __name__ == "__main__":
    unittest.main()
