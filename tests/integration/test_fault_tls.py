"""Security checks: TLS peer verification stays on, and only a loopback api_url may be plain
http.  A Bot API with a certificate the system does not trust, or one issued for another
name, is never talked to: the bot token is not sent, the log says why, the mesh side runs."""
import json
import os
import shutil
import ssl
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness import fake_telegram as ft  # noqa: E402
from tgmesh_harness.broker import free_port  # noqa: E402
from tgmesh_harness.faults import FaultTestCase, bind_mount_wrapper, can_bind_mount  # noqa: E402

SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


class TlsTest(FaultTestCase):
    AUTO_START = False

    def use_tls_fake(self, **kw):
        self.tg.close()
        self.tg = ft.FakeTelegram(ft.DEFAULT_TOKEN, tls=True, **kw).start()
        return self.tg

    def python_client_call(self, url, cafile):
        """getMe on the fake from a client that trusts its certificate: the positive control
        showing the fake is a working TLS Bot API."""
        ctx = ssl.create_default_context(cafile=cafile)
        with urllib.request.urlopen("%s/bot%s/getMe" % (url, ft.DEFAULT_TOKEN), context=ctx, timeout=10) as r:
            return json.loads(r.read())

    def test_self_signed_certificate_is_refused(self):
        """api_url is an https server with a self-signed certificate.  Chat: nothing; the
        bot token never leaves the broker.  Log: 'SSL certificate problem' once.  Mesh side
        and other MQTT clients: unaffected."""
        tg = self.use_tls_fake()
        self.assertTrue(self.python_client_call(tg.url, tg.cert_path)["ok"])
        control_requests = tg.request_count()
        self.start_bridge(wait_poll=False, api_url=tg.url)
        self.wait_log(r"Telegram getMe failed: [^\n]*(SSL certificate problem|certificate verify failed)",
                      timeout=15)
        self.assertIsNotNone(tg.wait_tls_failure(timeout=10), "the plugin never tried a handshake")
        self.mesh_text("must not reach an untrusted server")
        self.assert_mqtt_alive()
        time.sleep(4)  # a few retries (1, 2 s)
        self.assertTrue(self.broker.running)
        self.assertEqual(tg.request_count(), control_requests, "an HTTP request got through an untrusted TLS peer")
        self.assertGreaterEqual(len(tg.tls_failures), 2, "no retry with backoff")
        self.assertEqual(self.log_count(r"Telegram getMe failed"), 1, self.log())

    def start_with_trusted_fake(self, fake, **options):
        """Runs the broker in a private mount namespace where the system CA bundle is the
        fake's certificate: the plugin then trusts the fake and nothing else."""
        bundle_dir = tempfile.mkdtemp(prefix="tgmesh-ca-")
        self.addCleanup(shutil.rmtree, bundle_dir, True)
        bundle = os.path.join(bundle_dir, "ca-certificates.crt")
        shutil.copyfile(fake.cert_path, bundle)
        return self.start_bridge(wait_poll=False, wrapper=bind_mount_wrapper(bundle, SYSTEM_BUNDLE), **options)

    def test_trusted_certificate_for_another_name_is_refused(self):
        """The certificate is trusted but issued for 'localhost' while api_url says
        127.0.0.1.  Log: the name does not match; nothing is sent.  After api_url is fixed
        (https://localhost): the queued mesh text arrives, once - so the refusal before was
        the host name check, with peer verification on."""
        if not can_bind_mount() or not os.path.exists(SYSTEM_BUNDLE):
            self.skipTest("needs root with mount namespaces (unshare -m) to trust a test CA")
        tg = self.use_tls_fake(cert_hosts=("localhost",), cert_ips=())
        conf_dir = tempfile.mkdtemp(prefix="tgmesh-conf-")
        self.addCleanup(shutil.rmtree, conf_dir, True)
        conf = os.path.join(conf_dir, "tgmesh.conf")
        with open(conf, "w") as f:
            f.write("api_url https://127.0.0.1:%d\n" % tg.port)
        self.start_with_trusted_fake(tg, config_file=conf)
        self.wait_log(r"Telegram getMe failed: [^\n]*(subject name|does not match|no alternative)", timeout=15)
        self.mesh_text("queued behind a name mismatch")
        time.sleep(2)
        self.assertEqual(tg.request_count(), 0, "a request got through a certificate for another name")
        with open(conf, "w") as f:
            f.write("api_url https://localhost:%d\n" % tg.port)
        self.broker.hup()
        self.wait_log(r"configuration reloaded")
        self.wait_posts("queued behind a name mismatch", timeout=20)
        self.assert_posted_once("queued behind a name mismatch")
        self.assertTrue(tg.requests("getMe"))

    # ------------------------------------------------------------ plain http

    def test_plain_http_only_for_a_loopback_address(self):
        """api_url http:// to anything but a loopback address: the broker refuses to start
        with a line naming api_url.  http://127.0.0.1, http://localhost and http://[::1]
        are accepted (a local Bot API server)."""
        refused = ["http://api.telegram.org", "http://10.1.2.3:8081", "http://127.0.0.1.nip.io:8081",
                   "http://localhost.example.com", "http://[::ffff:127.0.0.1]:8081", "http://127.1:8081",
                   "http://0.0.0.0:8081", "http://user:pw@127.0.0.1:8081", "HTTP://example.com",
                   "ftp://127.0.0.1/", "http://127.0.0.1@example.com/"]
        for url in refused:
            with self.subTest(api_url=url):
                broker = self.start_expecting_failure(api_url=url)
                self.assertIsNotNone(broker.returncode, "the broker started with api_url %s" % url)
                self.assertNotEqual(broker.returncode, 0)
                self.assertIn("api_url", broker.output_text())
        for url in ("http://127.0.0.1:%d" % self.tg.port, "http://localhost:%d" % self.tg.port,
                    "http://[::1]:%d" % free_port()):
            with self.subTest(api_url=url):
                broker = self.start_bridge(wait_poll=False, api_url=url)
                self.assertTrue(broker.running)
                broker.stop()

    def test_reload_to_plain_http_elsewhere_is_refused(self):
        """A config_file reload that points api_url at a plain-http non-loopback host is
        refused; the log says why and the bridge keeps using the previous, safe one."""
        conf_dir = tempfile.mkdtemp(prefix="tgmesh-conf-")
        self.addCleanup(shutil.rmtree, conf_dir, True)
        conf = os.path.join(conf_dir, "tgmesh.conf")
        with open(conf, "w") as f:
            f.write("text_prefix \"{name}: \"\n")
        self.start_bridge(config_file=conf)
        with open(conf, "w") as f:
            f.write("api_url http://198.51.100.7:8081\n")
        self.broker.hup()
        self.wait_log(r"reload refused[^\n]*api_url")
        self.mesh_text("still via the safe api_url")
        self.wait_posts("still via the safe api_url")
        self.assertNotIn("198.51.100.7", "".join(r.params.get("text", "") for r in self.tg.requests()))


if __name__ == "__main__":
    unittest.main()
