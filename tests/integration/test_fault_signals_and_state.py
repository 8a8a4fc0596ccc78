"""Fault suite: signals, configuration and the state file.  Repeated SIGHUP during traffic,
a config_file that became invalid, kill -9 of the broker while it writes the state file, an
unwritable state directory and a full disk: the bridge keeps bridging, keeps the previous
configuration or state when the new one cannot be had, says why in the log, and never
leaves a torn state file."""
import json
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness import meshcrypto as mc  # noqa: E402
from tgmesh_harness.base import ROOT  # noqa: E402
from tgmesh_harness.faults import (GATEWAY, FaultTestCase, FileFaults, RawPublisher,  # noqa: E402
                                   fault_lib_or_skip, mqtt_publish_packet)

PRIVATE_CHAT = 4242
ENV_TOPIC = "%s/2/e/LongFast/%s" % (ROOT, GATEWAY)


def load_state(path):
    """The state file as JSON, None when absent; raises on a torn or invalid file."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return None
    return json.loads(data.decode("utf-8"))


def nodes_in(state):
    nodes = (state or {}).get("nodes") or []
    return len(nodes)


class ConfigAndSignalTest(FaultTestCase):
    AUTO_START = False

    def setUp(self):
        super().setUp()
        self.conf_dir = tempfile.mkdtemp(prefix="tgmesh-conf-")
        self.addCleanup(shutil.rmtree, self.conf_dir, True)
        self.conf = os.path.join(self.conf_dir, "tgmesh.conf")

    def write_conf(self, text):
        tmp = self.conf + ".new"
        with open(tmp, "w") as f:
            f.write(text)
        os.rename(tmp, self.conf)

    def test_repeated_sighup_during_traffic(self):
        """30 SIGHUPs 50 ms apart while mesh texts and chat commands flow, the config_file
        alternating between two valid versions.  Chat: every mesh text once; mesh: every
        command once, with one of the two prefixes; the broker never stops."""
        self.write_conf('text_prefix "[A {name}] "\n')
        self.start_bridge(config_file=self.conf, chat_ids=str(PRIVATE_CHAT))
        listener = self.mesh_listener()
        tag = "%08x" % mc.random_packet_id()
        commands, texts = [], []
        for i in range(30):
            self.write_conf('text_prefix "[%s {name}] "\n' % ("A" if i % 2 else "B"))
            self.broker.hup()
            if i % 3 == 0:
                text = "hup text %s #%d" % (tag, i)
                self.mesh_text(text)
                texts.append(text)
            if i % 5 == 0:
                command = "hup cmd %s #%d" % (tag, i)
                self.say("/send " + command, chat_id=PRIVATE_CHAT, chat_type="private")
                commands.append(command)
            time.sleep(0.05)
        self.assertTrue(self.broker.running, self.broker.diagnostics())
        for command in commands:
            self.wait_text_downlink(listener, command, timeout=20)
        for text in texts:
            self.wait_posts(text, chat_id=PRIVATE_CHAT, timeout=30)
        time.sleep(1.5)
        got = self.downlink_texts(self.text_downlinks(listener))
        for command in commands:
            matches = [t for t in got if t.endswith(command)]
            self.assertEqual(len(matches), 1, "%r reached the mesh %d times" % (command, len(matches)))
            self.assertRegex(matches[0], r"^\[[AB] Alice\] ")
        for text in texts:
            self.assert_posted_once(text, PRIVATE_CHAT)
        reloads = self.log_count(r"configuration reloaded")
        self.assertGreaterEqual(reloads, 1)
        self.assertLessEqual(reloads, 30)
        self.assertEqual(self.log_count(r"reload refused"), 0)

    def test_repeated_telegram_restarts_by_sighup_lose_no_update(self):
        """SIGHUPs that switch api_url between two spellings of the same Bot API restart the
        Telegram side each time, in the middle of polls and sends.  Mesh: every command
        exactly once (no update lost or handled twice); chat: every mesh text arrives."""
        urls = ["http://127.0.0.1:%d" % self.tg.port, "http://localhost:%d" % self.tg.port]
        self.write_conf("api_url %s\n" % urls[0])
        self.start_bridge(config_file=self.conf, chat_ids=str(PRIVATE_CHAT))
        listener = self.mesh_listener()
        tag = "%08x" % mc.random_packet_id()
        commands, texts = [], []
        for i in range(16):
            self.write_conf("api_url %s\n" % urls[(i + 1) % 2])
            self.broker.hup()
            command = "restart cmd %s #%d" % (tag, i)
            self.say("/send " + command, chat_id=PRIVATE_CHAT, chat_type="private")
            commands.append(command)
            if i % 4 == 0:
                texts.append("restart text %s #%d" % (tag, i))
                self.mesh_text(texts[-1])
            time.sleep(0.15)
        for command in commands:
            self.wait_text_downlink(listener, command, timeout=30)
        for text in texts:
            self.wait_posts(text, chat_id=PRIVATE_CHAT, timeout=40)
        time.sleep(1.5)
        got = self.downlink_texts(self.text_downlinks(listener))
        for command in commands:
            self.assertEqual(sum(1 for t in got if t.endswith(command)), 1, "%r not exactly once" % command)
        # A send cancelled by a restart after Telegram processed it is sent again (at least
        # once); report how often that happened.
        duplicates = sum(len(self.posts(t, PRIVATE_CHAT)) - 1 for t in texts)
        sys.stderr.write("\n[restarts] %d mesh texts, %d duplicated by restarts\n" % (len(texts), duplicates))

    def start_with_token_file(self):
        token_file = os.path.join(self.conf_dir, "token")
        with open(token_file, "w") as f:
            f.write(self.tg.token + "\n")
        self.secret_files.add(token_file)
        self.token_file = token_file
        self.write_conf('text_prefix "(old) {name}: "\nbot_token_file %s\n' % token_file)
        self.start_bridge(config_file=self.conf, bot_token=None)
        self.listener = self.mesh_listener()

    def hup_expect_refusal(self, reason_pattern):
        """SIGHUP; the log must say 'reload refused' with the reason, and the bridge must go
        on with the previous configuration (its text prefix)."""
        before = self.log_count(r"reload refused")
        self.broker.hup()
        self.wait_log(r"reload refused", count=before + 1)
        last = [ln for ln in self.tgmesh_lines() if "reload refused" in ln][-1]
        self.assertRegex(last, reason_pattern)
        self.assertTrue(self.broker.running)
        word = "check%08x" % mc.random_packet_id()
        self.say("/send " + word)
        _t, env = self.wait_text_downlink(self.listener, word)
        self.assertEqual(env["packet"]["decoded"]["text"], "(old) Alice: " + word)

    def test_config_file_that_became_invalid_keeps_the_old_config(self):
        """The config_file gets an invalid value, a bad key list, disappears, names an empty
        bot_token_file.  Each SIGHUP: the log says 'reload refused' and why; the previous
        configuration stays in force (same prefix on the mesh).  Fixed again: the new
        values apply."""
        self.start_with_token_file()
        with self.subTest("invalid value"):
            self.write_conf('text_prefix "(new) {name}: "\nhop_limit 9\nbot_token_file %s\n' % self.token_file)
            self.hup_expect_refusal(r"hop_limit")
        with self.subTest("bad channel key"):
            self.write_conf('channel_keys LongFast=not-base64!\nbot_token_file %s\n' % self.token_file)
            self.hup_expect_refusal(r"channel_keys")
        with self.subTest("file removed"):
            os.unlink(self.conf)
            self.hup_expect_refusal(r"config_file[^\n]*tgmesh.conf")
        with self.subTest("empty token file"):
            self.write_conf('text_prefix "(new) {name}: "\nbot_token_file %s\n' % self.token_file)
            with open(self.token_file, "w") as f:
                f.write("")
            self.hup_expect_refusal(r"bot_token_file[^\n]*empty")
            with open(self.token_file, "w") as f:
                f.write(self.tg.token + "\n")
        self.write_conf('text_prefix "(new) {name}: "\nbot_token_file %s\n' % self.token_file)
        self.broker.hup()
        self.wait_log(r"configuration reloaded")
        self.say("/send fixed")
        self.wait_text_downlink(self.listener, "(new) Alice: fixed")

    # Found by this test: a config_file that had become a directory was read as an empty
    # file, the reload "succeeded" and every option set only in the file reverted to its
    # default (fixed in plugin/core/config.cpp, load_config).
    def test_config_file_that_became_a_directory_keeps_the_old_config(self):
        """The config_file path becomes a directory (a botched deployment).  SIGHUP: the log
        says 'reload refused' and why; the previous configuration stays in force."""
        self.start_with_token_file()
        os.unlink(self.conf)
        os.mkdir(self.conf)
        try:
            self.hup_expect_refusal(r"config_file[^\n]*tgmesh.conf")
        finally:
            os.rmdir(self.conf)


class StateFileFaultTest(FaultTestCase):
    AUTO_START = False

    def teach_many_nodes(self, count, first=0x10000000, label="Node"):
        """`count` NODEINFO uplinks, pre-built and written in large chunks, then a sync."""
        packets = bytearray()
        for i in range(count):
            num = first + i
            env = mc.make_nodeinfo_envelope(num, "%s %d with a long name" % (label, i), "N%03d" % (i % 1000))
            packets += mqtt_publish_packet(ENV_TOPIC, env)
        pub = RawPublisher(self.broker.port, GATEWAY)
        try:
            for at in range(0, len(packets), 1 << 16):
                pub.send(packets[at:at + (1 << 16)])
            pub.sync()
        finally:
            pub.close()

    def start_again(self):
        """Starts the stopped (or killed) broker in the same directory; waits for its poll.
        MQTT clients of the previous run are dropped."""
        for client in self._clients:
            client.disconnect()
        self._clients, self._gateways = [], {}
        since = self.tg.request_count()
        self.broker.start()
        self.wait_polling(since=since)

    def wait_nodes_known(self, minimum, timeout=30):
        """Waits for this run's start line; returns the number of nodes it reports."""
        deadline = time.monotonic() + timeout
        while True:
            found = re.findall(r"; (\d+) nodes known", self.broker.log_text(current_run=True))
            if found:
                break
            if time.monotonic() > deadline or not self.broker.running:
                self.fail("no start line in this run:\n%s" % self.broker.diagnostics())
            time.sleep(0.05)
        self.assertGreaterEqual(int(found[-1]), minimum)
        return int(found[-1])

    def test_kill_9_while_writing_state_never_tears_it(self):
        """The broker is killed with SIGKILL at many moments around state saves (during the
        save at shutdown, the moment the temporary file appears, during the 30 s save).
        After every kill the state file is the old or the new one - valid JSON, version 1,
        all nodes - and the next start works."""
        self.start_bridge()
        self.teach_many_nodes(3000)
        state_path = self.broker.state_path
        tmp_path = state_path + ".tmp"
        self.restart_bridge()  # saves 3000 nodes at shutdown
        saved = load_state(state_path)
        self.assertEqual(saved["version"], 1)
        self.assertGreaterEqual(nodes_in(saved), 3000)
        size = os.path.getsize(state_path)
        rng = random.Random(int.from_bytes(os.urandom(4), "little"))
        mid_write, cycles = 0, 16
        previous = nodes_in(saved)
        outcomes = {"old": 0, "new": 0}
        for cycle in range(cycles):
            with self.subTest(cycle=cycle):
                if not self.broker.running:
                    self.start_again()
                self.wait_nodes_known(3000)
                self.teach_many_nodes(50, first=0x20000000 + cycle * 50, label="Cycle%d" % cycle)
                # SIGTERM starts the save at shutdown; SIGKILL lands before, during or after it.
                self.broker.proc.send_signal(signal.SIGTERM)
                if cycle % 2 == 0:
                    deadline = time.monotonic() + 5
                    while not os.path.exists(tmp_path) and time.monotonic() < deadline and self.broker.running:
                        pass
                    time.sleep(rng.uniform(0, 0.004))
                else:
                    time.sleep(rng.uniform(0, 0.15))
                self.broker.kill()
                if os.path.exists(tmp_path):
                    mid_write += 1
                state = load_state(state_path)   # raises on a torn file
                self.assertEqual(state["version"], 1)
                # The old file, or the new one with this cycle's 50 nodes: nothing in between.
                self.assertIn(nodes_in(state), (previous, previous + 50))
                outcomes["old" if nodes_in(state) == previous else "new"] += 1
                previous = nodes_in(state)
        # One kill at the periodic save, 30 s after the start, when the temporary file appears.
        self.start_again()
        self.teach_many_nodes(50, first=0x30000000, label="Periodic")
        deadline = time.monotonic() + 40
        while not os.path.exists(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.0005)
        periodic_hit = os.path.exists(tmp_path)
        self.broker.kill()
        state = load_state(state_path)
        self.assertEqual(state["version"], 1)
        self.assertGreaterEqual(nodes_in(state), 3000)
        # The next start works and knows the nodes; a clean stop writes a valid file.
        self.start_again()
        self.wait_nodes_known(3000)
        code, _secs = self.broker.stop()
        self.assertEqual(code, 0)
        final = load_state(state_path)
        self.assertGreaterEqual(nodes_in(final), 3000)
        self.assertFalse(os.path.exists(tmp_path))
        sys.stderr.write("\n[kill -9] state file %d bytes; %d of %d kills at shutdown landed while the temporary "
                         "file existed (file after the kill: old %d, new %d); periodic save hit: %s\n"
                         % (size, mid_write, cycles, outcomes["old"], outcomes["new"], periodic_hit))
        self.assertTrue(mid_write > 0 or periodic_hit, "no kill landed during a save: the test proved nothing")

    # ------------------------------------------------------------ unwritable / full

    def start_with_faults(self):
        fault_lib_or_skip(self)
        workdir = tempfile.mkdtemp(prefix="tgmesh-it-")
        self.addCleanup(shutil.rmtree, workdir, True)
        state_dir = os.path.join(workdir, "state")
        os.mkdir(state_dir)
        faults = FileFaults(state_dir, workdir)
        state_path = os.path.join(state_dir, "tgmesh.json")
        self.start_bridge(workdir=workdir, preload=faults.preload(), env=faults.env(), state_file=state_path)
        self.addCleanup(faults.off)
        return faults, state_path

    def node_names(self, path):
        return [n.get("long_name") for n in (load_state(path) or {}).get("nodes", [])]

    def test_unwritable_state_directory(self):
        """The state directory becomes unwritable while the bridge runs.  The bridge keeps
        bridging (texts posted, commands sent); the log says 'cannot write the state file: …
        Permission denied' once; the previous state file stays intact.  Writable again: the
        next periodic save (30 s later, no restart) succeeds and the log says 'state file
        written again'."""
        faults, state_path = self.start_with_faults()
        self.teach_node(0x0A000001, "Before the fault", "BF")
        self.restart_bridge()   # state saved at shutdown, with the node
        started = time.monotonic()
        self.assertIn("Before the fault", self.node_names(state_path))
        faults.on("eacces")
        self.teach_node(0x0A000002, "During the fault", "DF")
        listener = self.mesh_listener()
        self.mesh_text("posted while the state cannot be saved")
        self.wait_posts("posted while the state cannot be saved")
        self.say("/send still bridging")
        self.wait_text_downlink(listener, "still bridging")
        self.wait_log(r"cannot write the state file: [^\n]*Permission denied", timeout=45)
        failed_at = time.monotonic()
        self.assertLess(failed_at - started, 40)
        self.assertEqual(self.log_count(r"cannot write the state file"), 1)
        self.assertEqual(load_state(state_path)["version"], 1)
        self.assertNotIn("During the fault", self.node_names(state_path))
        faults.off()
        self.wait_log(r"state file written again", timeout=40)
        self.assertGreater(time.monotonic() - failed_at, 20, "retried sooner than every 30 s")
        self.assertTrue(self.broker.running)
        self.assertIn("During the fault", self.node_names(state_path))
        self.assertEqual(self.log_count(r"cannot write the state file"), 1)

    def test_disk_full(self):
        """The disk is full when the state is saved.  The broker still stops cleanly; the log
        says 'No space left on device'; the previous state file is intact and no temporary
        file is left behind; with space again, the next run starts from the previous state
        and saves normally."""
        faults, state_path = self.start_with_faults()
        self.teach_node(0x0B000001, "Saved before", "SB")
        self.restart_bridge()
        faults.on("enospc")
        self.teach_node(0x0B000002, "Lost to a full disk", "LF")
        self.mesh_text("posted while the disk is full")
        self.wait_posts("posted while the disk is full")
        code, _secs = self.broker.stop()
        self.assertEqual(code, 0)
        self.assertRegex(self.broker.log_text(current_run=True),
                         r"cannot write the state file: [^\n]*No space left on device")
        names = self.node_names(state_path)
        self.assertIn("Saved before", names)
        self.assertNotIn("Lost to a full disk", names)
        # No temporary file left; the identity file beside the state (written at the start).
        self.assertEqual(sorted(os.listdir(os.path.dirname(state_path))), ["tgmesh.json", "tgmesh.key"])
        faults.off()
        self.start_again()
        self.wait_nodes_known(1)
        self.teach_node(0x0B000003, "After the disk was freed", "AF")
        code, _secs = self.broker.stop()
        self.assertEqual(code, 0)
        self.assertIn("After the disk was freed", self.node_names(state_path))


if __name__ == "__main__":
    unittest.main()
