"""Self-tests of the fault-suite harness: the strict Telegram HTML check, the fake Bot API's
wire-level faults (raw replies, hangs, offline/online on a fixed port, TLS), the fault
injection preload library and the broker environment it is loaded with."""
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness import broker as broker_mod  # noqa: E402
from tgmesh_harness import fake_telegram as ft  # noqa: E402
from tgmesh_harness.broker import free_port  # noqa: E402
from tgmesh_harness.faults import FileFaults  # noqa: E402
from tgmesh_harness.telegram_html import HtmlError, check_message, parse_html  # noqa: E402


class TelegramHtmlTest(unittest.TestCase):
    def test_valid_html_and_visible_text(self):
        cases = [
            ("plain", "plain"),
            ("<b>B</b> <strong>S</strong> <i>I</i> <em>E</em> <u>U</u> <ins>N</ins> <s>S</s> <strike>K</strike> "
             "<del>D</del>", "B S I E U N S K D"),
            ("<code>!7b000001</code>\n<i>1 hop · SNR 6.2 dB</i>", "!7b000001\n1 hop · SNR 6.2 dB"),
            ('<a href="https://x.org/?a=1&amp;b=2">link</a>', "link"),
            ('<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>', "st"),
            ('<pre><code class="language-python">x = 1</code></pre>', "x = 1"),
            ("<blockquote>q</blockquote><blockquote expandable>r</blockquote>", "qr"),
            ("&lt;b&gt; &amp; &quot; &#65; &#x1F600; a > b", '<b> & " A 😀 a > b'),
            ("<B>upper</B>", "upper"),
        ]
        for html, visible in cases:
            with self.subTest(html=html):
                self.assertEqual(parse_html(html), visible)

    def test_what_telegram_refuses(self):
        bad = ["<script>x</script>", "a < b", "a & b", "&nbsp;", "&#0;", "&#xD800;", "<b>unclosed",
               "<b><i>crossed</b></i>", "</b>", "<b", '<span class="x">s</span>', "<a>no href</a>",
               "<code><b>in code</b></code>", "<br/>", "<b>ok</b></i>"]
        for html in bad:
            with self.subTest(html=html):
                with self.assertRaises(HtmlError):
                    parse_html(html)

    def test_length_counts_utf16_units_after_entities(self):
        self.assertEqual(check_message("a" * 4096, "HTML")[1], None)
        self.assertEqual(check_message("&amp;" * 4096, "HTML")[1], None)  # 4096 visible
        self.assertEqual(check_message("a" * 4097)[1], "Bad Request: message is too long")
        self.assertEqual(check_message("😀" * 2049)[1], "Bad Request: message is too long")  # 4098 units
        self.assertEqual(check_message("<b> </b>", "HTML")[1], "Bad Request: message text is empty")
        self.assertIn("can't parse entities", check_message("<x>", "HTML")[1])
        self.assertEqual(check_message("<x>")[0], "<x>")  # no parse_mode: plain text


class FakeTelegramFaultTest(unittest.TestCase):
    def setUp(self):
        self.tg = ft.FakeTelegram().start()
        self.addCleanup(self.tg.close)

    def url(self, method, tg=None):
        return "%s/bot%s/%s" % ((tg or self.tg).url, ft.DEFAULT_TOKEN, method)

    def post(self, method, params, timeout=10, context=None, tg=None):
        req = urllib.request.Request(self.url(method, tg), data=json.dumps(params).encode(),
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=context) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def test_bad_html_is_refused_and_visible_text_recorded(self):
        status, body = self.post("sendMessage", {"chat_id": 1, "text": "a <b>b</b> &amp; <c>", "parse_mode": "HTML"})
        self.assertEqual(status, 400)
        self.assertIn("can't parse entities: Unsupported start tag \\\"c\\\"", body.decode())
        self.assertEqual(len(self.tg.rejected_messages()), 1)
        status, _ = self.post("sendMessage", {"chat_id": 1, "text": "a <b>b</b> &amp; c", "parse_mode": "HTML"})
        self.assertEqual(status, 200)
        self.assertEqual(self.tg.sent_messages(1)[0]["visible"], "a b & c")

    def test_raw_replies(self):
        self.tg.fail_next("getMe", reply=ft.truncated_body_reply())
        with self.assertRaises(Exception):
            self.post("getMe", {})
        self.tg.fail_next("getMe", reply=ft.huge_reply(5 << 20))
        status, body = self.post("getMe", {})
        self.assertEqual((status, len(body)), (200, 5 << 20))
        json.loads(body)
        self.tg.fail_next("getMe", reply=ft.truncated_json_reply())
        status, body = self.post("getMe", {})
        with self.assertRaises(ValueError):
            json.loads(body)
        self.assertEqual(self.tg.fault_count("getMe"), 3)
        self.assertEqual(self.post("getMe", {})[0], 200)

    def test_hang_until_released(self):
        self.tg.fail_next("getMe", reply=ft.HANG)
        result = {}

        def call():
            try:
                self.post("getMe", {}, timeout=20)
            except Exception as e:  # noqa: BLE001
                result["error"] = e
        t = threading.Thread(target=call)
        t.start()
        time.sleep(0.5)
        self.assertTrue(t.is_alive())
        self.tg.release_hangs()
        t.join(5)
        self.assertFalse(t.is_alive())
        self.assertIn("error", result)  # closed without an answer

    def test_offline_then_back_on_the_same_port(self):
        port = free_port()
        tg = ft.FakeTelegram(port=port)
        self.addCleanup(tg.close)
        self.assertEqual(tg.url, "http://127.0.0.1:%d" % port)
        with self.assertRaises(urllib.error.URLError):
            self.post("getMe", {}, tg=tg, timeout=3)   # refused: not started
        tg.start()
        self.assertEqual(self.post("getMe", {}, tg=tg)[0], 200)
        tg.go_offline()
        with self.assertRaises(urllib.error.URLError):
            self.post("getMe", {}, tg=tg, timeout=3)
        tg.start()
        self.assertEqual(self.post("getMe", {}, tg=tg)[0], 200)
        self.assertEqual(len(tg.requests("getMe")), 2)

    def test_tls_variant(self):
        tg = ft.FakeTelegram(tls=True).start()
        self.addCleanup(tg.close)
        self.assertTrue(tg.url.startswith("https://127.0.0.1:"))
        ctx = ssl.create_default_context(cafile=tg.cert_path)
        self.assertEqual(self.post("getMe", {}, tg=tg, context=ctx)[0], 200)
        with self.assertRaises(urllib.error.URLError):
            self.post("getMe", {}, tg=tg, context=ssl.create_default_context())
        self.assertIsNotNone(tg.wait_tls_failure(timeout=5))


class FaultLibraryTest(unittest.TestCase):
    PROGRAM = r"""
import os, sys
path = sys.argv[1]
def attempt():
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as e:
        return "open:%d" % e.errno
    try:
        os.write(fd, b"x")
        os.fsync(fd)
        return "ok"
    except OSError as e:
        return "write:%d" % e.errno
    finally:
        os.close(fd)
for line in sys.stdin:
    print(attempt(), flush=True)
"""

    def setUp(self):
        self.lib = broker_mod.find_fault_lib()
        if not self.lib:
            self.skipTest("fault injection library not built")
        self.dir = tempfile.mkdtemp(prefix="fault-lib-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        os.mkdir(os.path.join(self.dir, "state"))

    def test_switchable_eacces_enospc_slow(self):
        import errno
        faults = FileFaults(os.path.join(self.dir, "state"), self.dir)
        env = dict(os.environ, LD_PRELOAD=self.lib, **faults.env())
        target = os.path.join(self.dir, "state", "f.json")
        other = os.path.join(self.dir, "other.json")
        proc = subprocess.Popen([sys.executable, "-c", self.PROGRAM, target], env=env, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)

        def finish():
            proc.stdin.close()
            proc.wait(10)
            proc.stdout.close()
        self.addCleanup(finish)

        def attempt():
            proc.stdin.write("\n")
            proc.stdin.flush()
            return proc.stdout.readline().strip()
        self.assertEqual(attempt(), "ok")
        faults.on("eacces")
        self.assertEqual(attempt(), "open:%d" % errno.EACCES)
        faults.on("enospc")
        self.assertEqual(attempt(), "write:%d" % errno.ENOSPC)
        faults.on("slow:300")
        t0 = time.monotonic()
        self.assertEqual(attempt(), "ok")
        self.assertGreaterEqual(time.monotonic() - t0, 0.55)  # write and fsync
        faults.off()
        self.assertEqual(attempt(), "ok")
        # Files outside the prefix are never affected.
        faults.on("all")
        out = subprocess.run([sys.executable, "-c", self.PROGRAM, other], env=env, input="\n",
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(out.stdout.strip(), "ok")

    def test_sanitizer_runtime_stays_first(self):
        saved = broker_mod.BROKER_PRELOAD
        try:
            broker_mod.BROKER_PRELOAD = "/x/libasan.so"
            env = broker_mod.broker_env(self.dir, [self.lib], {"A": "1"})
            self.assertEqual(env["LD_PRELOAD"], "/x/libasan.so:" + self.lib)
            self.assertEqual(env["A"], "1")
            broker_mod.BROKER_PRELOAD = ""
            self.assertNotIn("LD_PRELOAD", broker_mod.broker_env(self.dir))
        finally:
            broker_mod.BROKER_PRELOAD = saved


if __name__ == "__main__":
    unittest.main()
