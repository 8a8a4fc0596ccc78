"""Fault suite: the Bot API misbehaves.  The bridge backs off, keeps the mesh side running
and catches up when the API is back: no update lost or handled twice, every mesh text that
was queued delivered once.

Each test's docstring says what the chat members (and the broker's admin) see.
"""
import json
import os
import re
import shutil
import socket
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness import fake_telegram as ft  # noqa: E402
from tgmesh_harness.base import CHAT  # noqa: E402
from tgmesh_harness.broker import free_port  # noqa: E402
from tgmesh_harness.faults import FaultTestCase, bind_mount_wrapper, can_bind_mount  # noqa: E402

PRIVATE_CHAT = 4242  # a second bridged chat (private: paced separately from the group)

# The plugin's failure lines, as the README documents them.
FAILED = r"Telegram %s failed: "
REACHABLE = r"Telegram reachable again after (\d+) failed requests"


def uid_tag():
    return "%08x" % int.from_bytes(os.urandom(4), "little")


class BotApiFaultTest(FaultTestCase):

    def send_commands(self, listener, count, label, chat_id=CHAT):
        """Chat members send `count` /send commands; returns the mesh texts they must become."""
        texts = []
        for i in range(count):
            tag = "%s-%d-%s" % (label, i, uid_tag())
            self.say("/send " + tag, chat_id=chat_id, chat_type="private" if chat_id > 0 else "group")
            texts.append("Alice: " + tag)
        return texts

    def assert_each_downlink_once(self, listener, texts, timeout=20):
        for text in texts:
            self.wait_text_downlink(listener, lambda env, t=text: env["packet"]["decoded"].get("text") == t,
                                    timeout=timeout)
        time.sleep(1.0)  # room for a wrongly repeated update to show
        for text in texts:
            self.assertEqual(self.downlink_count(listener, text), 1, "%r reached the mesh %d times"
                             % (text, self.downlink_count(listener, text)))

    def request_times(self, method, since=0):
        return [r.time for r in self.tg.requests(method)[since:]]

    # ------------------------------------------------------------ 5xx

    def test_get_updates_500s_back_off_then_catch_up(self):
        """Bot API answers getUpdates with 500 for a while.  Chat: commands sent meanwhile
        take effect once, when it recovers; mesh texts keep arriving all along.  Log: one
        'getUpdates failed … retrying in 1 s' line, one 'reachable again' line."""
        listener = self.mesh_listener()
        self.tg.fail_next("getUpdates", count=3, status=500, description="Internal Server Error")
        # The long poll in progress returns this update normally; the next poll (which
        # confirms it) gets the first 500.
        texts = self.send_commands(listener, 1, "first")
        self.tg.wait_for_request("getUpdates", lambda r: r.status == 500, timeout=10)
        texts += self.send_commands(listener, 2, "during")
        tag = uid_tag()
        self.mesh_text("mesh text while polling fails " + tag)
        # sendMessage is healthy: the mesh text is posted while getUpdates still fails.
        self.wait_posts("mesh text while polling fails " + tag, timeout=5)
        self.assertLess(self.tg.fault_count("getUpdates"), 3, "posted only after polling recovered")
        self.assert_each_downlink_once(listener, texts)
        self.wait_log(REACHABLE)
        failed_at = [r.time for r in self.tg.requests("getUpdates") if r.status == 500]
        gaps = [b - a for a, b in zip(failed_at, failed_at[1:])]
        self.assertEqual(len(failed_at), 3)
        # Backoff 1, 2, 4 s: never a hot loop.
        self.assertGreater(gaps[0], 0.8)
        self.assertGreater(gaps[1], 1.7)
        self.assertEqual(self.log_count(FAILED % "getUpdates"), 1, self.log())
        self.assertEqual(re.findall(REACHABLE, self.log()), ["3"])
        self.assertIn("HTTP 500", self.log())

    def test_send_message_500s_queue_mesh_texts_in_order(self):
        """Bot API answers sendMessage with 500 for a while.  Chat: the mesh texts heard
        meanwhile arrive afterwards, in order, once each.  Log: one 'sendMessage failed'
        line naming the chat, one 'delivers to chat … again' line."""
        self.tg.fail_next("sendMessage", count=3, status=502, description="Bad Gateway")
        tag = uid_tag()
        texts = ["queued %s #%d" % (tag, i) for i in range(4)]
        for text in texts:
            self.mesh_text(text)
        posts = [self.wait_posts(t, timeout=20)[0] for t in texts]
        self.assertEqual(sorted(posts, key=lambda m: m["time"]), posts, "mesh texts out of order")
        time.sleep(1.0)
        for text in texts:
            self.assert_posted_once(text)
        self.wait_log(r"Telegram delivers to chat %d again after 3 failed requests" % CHAT)
        self.assertEqual(self.log_count(FAILED % "sendMessage" + r"HTTP 502 Bad Gateway \(chat %d\)" % CHAT), 1,
                         self.log())
        self.assertEqual(self.tg.fault_count("sendMessage"), 3)

    # ------------------------------------------------------------ 429

    @staticmethod
    def rate_limit_once(chat_id, retry_after):
        hit = []

        def fault(req):
            if ft.normalize_chat_id(req.params.get("chat_id")) == chat_id and not hit:
                hit.append(time.time())
                return ft.api_error(429, "Too Many Requests: retry after %d" % retry_after, retry_after)
            return None
        return fault, hit

    def test_429_holds_only_that_chat_for_retry_after(self):
        """Bot API answers 429 retry_after=3 for the group.  Chat: the group gets the mesh
        text 3 s late, the other bridged chat at once.  Log: 'rate limit for chat … retrying
        after 3 s'."""
        self.restart_bridge(chat_ids="%d,%d" % (CHAT, PRIVATE_CHAT))
        fault, hit = self.rate_limit_once(CHAT, 3)
        self.tg.set_fault("sendMessage", fault)
        text = "rate limited " + uid_tag()
        self.mesh_text(text)
        other = self.wait_posts(text, chat_id=PRIVATE_CHAT, timeout=5)[0]
        group = self.wait_posts(text, chat_id=CHAT, timeout=10)[0]
        self.assertTrue(hit, "the fault never fired")
        self.assertLess(other["time"] - hit[0], 2.0, "the other chat was held too")
        self.assertGreaterEqual(group["time"] - hit[0], 2.9, "retried before retry_after")
        self.assertLess(group["time"] - hit[0], 8.0)
        self.assert_posted_once(text, CHAT)
        self.assert_posted_once(text, PRIVATE_CHAT)
        self.assertIn("rate limit for chat %d: retrying after 3 s" % CHAT, self.log())

    def test_429_on_get_updates_waits_retry_after(self):
        """Bot API answers getUpdates with 429 retry_after=3.  Chat: a command sent then
        takes effect about 3 s later, once."""
        listener = self.mesh_listener()
        self.tg.fail_next("getUpdates", count=1, status=429, description="Too Many Requests: retry after 3",
                          retry_after=3)
        texts = self.send_commands(listener, 1, "before-429")
        limited = self.tg.wait_for_request("getUpdates", lambda r: r.status == 429, timeout=10)
        self.assertIsNotNone(limited)
        texts += self.send_commands(listener, 1, "after-429")
        self.assert_each_downlink_once(listener, texts)
        after = [r for r in self.tg.requests("getUpdates") if r.time > limited.time]
        self.assertGreaterEqual(after[0].time - limited.time, 2.9, "polled again before retry_after")

    # ------------------------------------------------------------ 409

    def test_409_conflict_is_explained_and_polling_resumes(self):
        """Another program polls the same token (409 Conflict).  Log: one line that says so
        and what to do.  Chat: once the other poller is gone, commands work, once each."""
        listener = self.mesh_listener()
        self.tg.fail_next("getUpdates", count=2, status=409,
                          description="Conflict: terminated by other getUpdates request; make sure that only "
                                      "one bot instance is running")
        texts = self.send_commands(listener, 1, "before-409")
        self.tg.wait_for_request("getUpdates", lambda r: r.status == 409, timeout=10)
        texts += self.send_commands(listener, 1, "during-409")
        self.assert_each_downlink_once(listener, texts)
        self.wait_log(REACHABLE)
        self.assertEqual(self.log_count(r"409 Conflict \(another process polls this bot token"), 1, self.log())
        self.assertIn("deleteWebhook", self.log())

    # ------------------------------------------------------------ broken answers

    BROKEN_ANSWERS = [
        ("html error page", lambda: ft.garbage_reply(200)),
        ("502 html page", lambda: ft.garbage_reply(502)),
        ("not http at all", ft.non_http_reply),
        ("truncated json", lambda: ft.truncated_json_reply(200)),
        ("body shorter than content-length", ft.truncated_body_reply),
        ("connection closed, no answer", lambda: ft.DROP),
        ("json without ok", lambda: (200, {"result": []})),
        ("ok without result", lambda: (200, {"ok": True})),
    ]

    def test_garbage_and_truncated_answers(self):
        """The Bot API (or a proxy in front of it) answers garbage: an HTML page, bytes that
        are not HTTP, JSON cut off, a body shorter than announced, a closed connection.
        Chat: nothing visible but a short delay; every command and mesh text once."""
        # A private chat: paced at 1 message/s rather than a group's 20/min.
        self.restart_bridge(chat_ids=str(PRIVATE_CHAT))
        listener = self.mesh_listener()
        for name, make in self.BROKEN_ANSWERS:
            with self.subTest(answer=name):
                # One broken answer for the poll that confirms the next update, one for the
                # next sendMessage.
                self.tg.fail_next("getUpdates", count=1, reply=make())
                self.tg.fail_next("sendMessage", count=1, reply=make())
                faults_before = self.tg.fault_count("getUpdates")
                texts = self.send_commands(listener, 1, "garbage-a", PRIVATE_CHAT)
                tag = uid_tag()
                self.mesh_text("mesh %s %s" % (name, tag))
                deadline = time.monotonic() + 10
                while self.tg.fault_count("getUpdates") == faults_before and time.monotonic() < deadline:
                    time.sleep(0.05)
                texts += self.send_commands(listener, 1, "garbage-b", PRIVATE_CHAT)
                self.assert_each_downlink_once(listener, texts)
                self.wait_posts("mesh %s %s" % (name, tag), chat_id=PRIVATE_CHAT, timeout=10)
                self.assert_posted_once("mesh %s %s" % (name, tag), PRIVATE_CHAT)
                self.assertTrue(self.broker.running)
        self.assertGreaterEqual(self.tg.fault_count("getUpdates"), len(self.BROKEN_ANSWERS))
        self.assertGreaterEqual(self.tg.fault_count("sendMessage"), len(self.BROKEN_ANSWERS))

    def test_garbage_entries_inside_a_valid_answer_are_skipped(self):
        """getUpdates answers valid JSON with junk among the updates (numbers, null, objects
        without update_id, an update without a message).  Chat: the real command still works,
        once; the bridge does not stall on the junk."""
        tag = uid_tag()
        real = {"message": {"message_id": 77, "from": ft.FakeTelegram.make_user(111), "date": int(time.time()),
                            "chat": ft.FakeTelegram.make_chat(CHAT), "text": "/send junk-survivor " + tag}}
        # The bridge is stopped while the update arrives, so its first poll after the restart
        # is the one that gets the junk.
        self.broker.stop()
        real_id = self.tg.inject_update(real)
        ids = [self.tg.inject_update({}) for _ in range(2)]  # ids the junk uses
        junk = [5, None, "x", [], {}, {"update_id": "1"}, {"no_id": 1}, {"update_id": 1.5},
                {"update_id": real_id, "message": real["message"]}, {"update_id": ids[0], "message": 5},
                {"update_id": ids[1], "edited_message": {"text": "/send never"}, "message": {"chat": None}}]
        self.tg.fail_next("getUpdates", count=1, reply=(200, {"ok": True, "result": junk}))
        self.tg.hold("getUpdates")
        since = self.restart_bridge(wait_poll=False)
        listener = self.mesh_listener()
        self.assertIsNotNone(self.tg.wait_for_request("getUpdates", since=since, timeout=10))
        self.tg.release("getUpdates")
        self.wait_text_downlink(listener, "junk-survivor " + tag)
        time.sleep(1.5)
        self.assertEqual(self.downlink_count(listener, "Alice: junk-survivor " + tag), 1)
        texts = self.send_commands(listener, 1, "after-junk")
        self.assert_each_downlink_once(listener, texts)

    def test_answer_over_the_size_cap_is_a_transient_failure(self):
        """The Bot API answers 5 MiB (over the 4 MiB cap) to getUpdates and sendMessage.
        Log: 'response larger than 4 MiB'.  Chat: the command and the mesh text go through
        on the retry, once each; the broker's memory is not consumed by the answer."""
        listener = self.mesh_listener()
        self.tg.fail_next("getUpdates", count=1, reply=ft.huge_reply(5 << 20))
        self.tg.fail_next("sendMessage", count=1, reply=ft.huge_reply(5 << 20))
        texts = self.send_commands(listener, 1, "before-big")
        self.tg.wait_for_request("getUpdates", lambda r: r.faulted, timeout=10)
        texts += self.send_commands(listener, 1, "after-big")
        tag = uid_tag()
        self.mesh_text("after a big answer " + tag)
        self.assert_each_downlink_once(listener, texts)
        self.wait_posts("after a big answer " + tag)
        self.assert_posted_once("after a big answer " + tag)
        self.assertGreaterEqual(self.log_count(r"failed: response larger than 4 MiB"), 2, self.log())

    # ------------------------------------------------------------ no answer

    def test_send_message_never_answered(self):
        """sendMessage never answers.  Chat: that text arrives ~15 s late (a send times out
        sooner than the long poll, then is retried), once, followed by the next one; commands
        keep reaching the mesh meanwhile."""
        listener = self.mesh_listener()
        self.tg.fail_next("sendMessage", count=1, reply=ft.HANG)
        tag = uid_tag()
        self.mesh_text("stuck text " + tag)
        hung = self.tg.wait_for_request("sendMessage", timeout=10)
        self.assertIsNotNone(hung)
        self.mesh_text("next text " + tag)
        # Polling and the mesh side do not wait for the stuck request.
        texts = self.send_commands(listener, 1, "while-hung")
        for text in texts:
            self.wait_text_downlink(listener, lambda env, t=text: env["packet"]["decoded"].get("text") == t,
                                    timeout=10)
        first = self.wait_posts("stuck text " + tag, timeout=45)[0]
        self.assertGreaterEqual(first["time"] - hung.time, 14, "the hung request was not waited for")
        self.assertLess(first["time"] - hung.time, 29, "a hung send held its chat for a long-poll timeout")
        second = self.wait_posts("next text " + tag, timeout=15)[0]
        self.assertLess(first["time"], second["time"])
        time.sleep(1.0)
        self.assert_posted_once("stuck text " + tag)
        self.assert_posted_once("next text " + tag)
        self.assertEqual(self.log_count(FAILED % "sendMessage" + r"[^\n]*timed out"), 1, self.log())

    def test_get_updates_never_answered(self):
        """getUpdates never answers (a connection silently dead).  Chat: mesh texts keep
        arriving; a command sent meanwhile takes effect once, after the poll's 65 s timeout."""
        listener = self.mesh_listener()
        poll = self.tg.wait_for_poll(timeout=10)
        self.assertIsNotNone(poll)
        self.tg.fail_next("getUpdates", count=1, reply=ft.HANG)
        texts = self.send_commands(listener, 1, "before-hang")   # ends the current poll normally
        hung = self.tg.wait_for_request("getUpdates", lambda r: r.faulted, timeout=10)
        self.assertIsNotNone(hung)
        texts += self.send_commands(listener, 1, "during-hang")
        tag = uid_tag()
        self.mesh_text("mesh while the poll hangs " + tag)
        self.wait_posts("mesh while the poll hangs " + tag, timeout=10)
        self.assert_each_downlink_once(listener, texts, timeout=90)
        resumed = [r for r in self.tg.requests("getUpdates") if r.time > hung.time]
        self.assertGreaterEqual(resumed[0].time - hung.time, 60, "the long poll was abandoned early")
        self.wait_log(FAILED % "getUpdates")

    # ------------------------------------------------------------ unreachable

    def replace_fake(self, **kw):
        """A fresh fake Bot API that is not listening yet (connections refused) on a port
        chosen now; the plugin is pointed at it by the next start_bridge().  The bridge
        started by setUp is stopped first."""
        code, _secs = self.broker.stop()
        self.assertEqual(code, 0)
        self.tg.close()
        self.tg = ft.FakeTelegram(ft.DEFAULT_TOKEN, port=free_port(), **kw)
        return self.tg

    def test_refused_connections_then_the_api_comes_back(self):
        """Nothing listens at api_url when the broker starts (connection refused).  Mesh:
        texts heard meanwhile are kept for the chat; other MQTT clients are unaffected.
        Chat: when the API comes up, the mesh texts heard meanwhile and the commands sent
        meanwhile arrive, once each.  Log: one failure line, one 'reachable again'."""
        self.replace_fake()
        self.start_bridge(wait_poll=False)
        listener = self.mesh_listener()
        self.wait_log(FAILED % "getMe" + r".*(refused|connect)", timeout=10)
        tag = uid_tag()
        for i in range(3):
            self.mesh_text("heard while offline %s #%d" % (tag, i))
        texts = self.send_commands(listener, 2, "offline")
        self.assert_mqtt_alive()
        time.sleep(6)
        self.assertTrue(self.broker.running)
        self.tg.start()
        for i in range(3):
            self.wait_posts("heard while offline %s #%d" % (tag, i), timeout=30)
        self.assert_each_downlink_once(listener, texts, timeout=30)
        for i in range(3):
            self.assert_posted_once("heard while offline %s #%d" % (tag, i))
        self.wait_log(REACHABLE)
        failures = int(re.findall(REACHABLE, self.log())[0])
        # About 8 s offline with backoff 1, 2, 4 s: a handful of attempts, not a hot loop.
        self.assertLessEqual(failures, 6)
        self.assertEqual(self.log_count(FAILED % "getMe"), 1, self.log())

    def test_api_goes_away_mid_run_and_returns(self):
        """The Bot API disappears while the bridge runs (connections reset, then refused)
        and returns on the same address.  Chat: everything sent or heard during the outage
        arrives afterwards, once."""
        self.restart_bridge()  # a bridge started normally, with a poll in flight
        listener = self.mesh_listener()
        self.assertIsNotNone(self.tg.wait_for_poll(timeout=10))
        self.tg.go_offline()
        tag = uid_tag()
        for i in range(2):
            self.mesh_text("heard during outage %s #%d" % (tag, i))
        texts = self.send_commands(listener, 2, "outage")
        self.assert_mqtt_alive()
        self.wait_log(FAILED % "(getUpdates|getMe)", timeout=10)
        time.sleep(4)
        self.tg.start()
        for i in range(2):
            self.wait_posts("heard during outage %s #%d" % (tag, i), timeout=30)
        self.assert_each_downlink_once(listener, texts, timeout=30)
        for i in range(2):
            self.assert_posted_once("heard during outage %s #%d" % (tag, i))

    def test_outage_across_a_restart(self):
        """The Bot API is down, mesh texts are waiting for it, and the broker is restarted
        (an upgrade, a reboot) before it is back.  Chat: when the API returns, every one of
        those texts arrives, once; the command sent meanwhile takes effect once."""
        listener = self.mesh_listener()
        self.assertIsNotNone(self.tg.wait_for_poll(timeout=10))
        self.tg.go_offline()
        tag = uid_tag()
        for i in range(3):
            self.mesh_text("waiting across a restart %s #%d" % (tag, i))
        self.wait_log(FAILED % "(sendMessage|getUpdates)", timeout=10)
        time.sleep(0.5)
        since = self.restart_bridge(wait_poll=False)
        with open(self.broker.state_path) as f:
            self.assertEqual(len(json.load(f).get("chat_queue", [])), 3, "the waiting texts were not saved")
        listener = self.mesh_listener()
        texts = self.send_commands(listener, 1, "across-restart")
        time.sleep(2)
        self.assertEqual(self.tg.request_count(), since)
        self.tg.start()
        for i in range(3):
            self.wait_posts("waiting across a restart %s #%d" % (tag, i), timeout=30)
        self.assert_each_downlink_once(listener, texts, timeout=30)
        for i in range(3):
            self.assert_posted_once("waiting across a restart %s #%d" % (tag, i))

    def test_name_does_not_resolve_until_the_config_is_fixed(self):
        """api_url names a host that does not resolve.  Log: 'Could not resolve host'.  Mesh
        side runs.  After the config_file is fixed and SIGHUP: the queued mesh texts and
        the commands sent meanwhile arrive, once each."""
        conf_dir = tempfile.mkdtemp(prefix="tgmesh-conf-")
        self.addCleanup(shutil.rmtree, conf_dir, True)
        conf = os.path.join(conf_dir, "tgmesh.conf")
        with open(conf, "w") as f:
            f.write("api_url https://api.tgmesh-test.invalid\n")
        self.restart_bridge(wait_poll=False, config_file=conf)
        since = self.tg.request_count()
        listener = self.mesh_listener()
        self.wait_log(r"Could not resolve host", timeout=20)
        tag = uid_tag()
        self.mesh_text("queued behind dns " + tag)
        texts = self.send_commands(listener, 1, "dns")
        self.assert_mqtt_alive()
        time.sleep(2)
        self.assertEqual(self.tg.request_count(), since, "requests reached the fake before the fix")
        with open(conf, "w") as f:
            f.write("api_url %s\n" % self.tg.url)
        self.broker.hup()
        self.wait_log(r"configuration reloaded")
        self.wait_posts("queued behind dns " + tag, timeout=30)
        self.assert_each_downlink_once(listener, texts, timeout=30)
        self.assert_posted_once("queued behind dns " + tag)
        self.assertNotIn("tgmesh-test.invalid/bot", self.log())


    def test_dns_server_that_never_answers(self):
        """The name server does not answer at all (queries time out, here after 30 s).  Log:
        'Resolving timed out' after the 15 s connect timeout.  Meanwhile the bridge is not
        stuck: a SIGHUP is applied at once, and SIGTERM stops the broker at once, in the
        middle of a lookup (it used to wait for the resolver thread: up to 30 s)."""
        if not can_bind_mount():
            self.skipTest("needs root with mount namespaces (unshare -m) to give the broker its own resolv.conf")
        sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sink.bind(("127.0.0.77", 53))
        except OSError as e:
            sink.close()
            self.skipTest("cannot bind a fake name server on 127.0.0.77:53: %s" % e)
        self.addCleanup(sink.close)
        queries = []

        def swallow():
            while True:
                try:
                    sink.recvfrom(4096)
                except OSError:
                    return
                queries.append(time.monotonic())
        import threading
        threading.Thread(target=swallow, daemon=True).start()
        conf_dir = tempfile.mkdtemp(prefix="tgmesh-dns-")
        self.addCleanup(shutil.rmtree, conf_dir, True)
        resolv = os.path.join(conf_dir, "resolv.conf")
        with open(resolv, "w") as f:
            f.write("nameserver 127.0.0.77\noptions timeout:30 attempts:1\n")
        conf = os.path.join(conf_dir, "tgmesh.conf")
        with open(conf, "w") as f:
            f.write('text_prefix "{name}: "\n')
        self.broker.stop()
        self.start_bridge(wait_poll=False, wrapper=bind_mount_wrapper(resolv, "/etc/resolv.conf"),
                          api_url="https://api.tgmesh-test.example", config_file=conf)
        deadline = time.monotonic() + 10
        while not queries and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertTrue(queries, "the broker never asked the name server")
        first = queries[0]
        # curl gives up on the name after 15 s; the resolver thread would go on until 30 s.
        time.sleep(max(0.0, first + 17 - time.monotonic()))
        self.wait_log(r"Telegram getMe failed: [^\n]*[Rr]esolv", timeout=5)
        self.broker.hup()
        hup_at = time.monotonic()
        self.wait_log(r"configuration reloaded", timeout=20)
        self.assertLess(time.monotonic() - hup_at, 3, "the worker was stuck waiting for the resolver")
        # The next attempt is resolving again (backoff 1 s): stop in the middle of it.
        deadline = time.monotonic() + 10
        while len(queries) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        code, secs = self.broker.stop(timeout=40)
        self.assertEqual(code, 0)
        self.assertLess(secs, 2.0, "SIGTERM waited for a DNS lookup")


if __name__ == "__main__":
    unittest.main()
