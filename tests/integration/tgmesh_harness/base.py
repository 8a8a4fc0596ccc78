"""unittest base class wiring the fake Bot API, a broker with the plugin and MQTT clients.

Every test gets a fresh FakeTelegram and (unless AUTO_START is False) a broker
whose plugin talks to it.  tearDown stops everything, asserts a clean SIGTERM
exit and that the bot token leaked into neither the broker's output/log nor
any file the plugin wrote.
"""
import html
import json
import os
import sys
import time
import unittest

from . import meshcrypto, meshpb
from .broker import Broker, find_plugin
from .fake_telegram import DEFAULT_TOKEN, FakeTelegram
from .mqtt import MqttClient

BOT_TOKEN = DEFAULT_TOKEN
TOKEN_SECRET = BOT_TOKEN.split(":", 1)[1]
CHAT = -1001
ADMIN = 111
NODE_ID = "!7b000001"
NODE_NUM = 0x7B000001
ROOT = "msh/US"
CHANNEL = "LongFast"
BRIDGE_TOPIC = "%s/2/e/%s/%s" % (ROOT, CHANNEL, NODE_ID)
CONTROL = "$CONTROL/tgmesh/v1"
RESPONSE = CONTROL + "/response"

# How long "nothing happens" is watched for after the plugin received an update.
QUIET_SECONDS = 1.5
# Time for the plugin to read the sendMessage answer (and so link the chat message to its
# packet) before a test replies to that message: the fake lists a message as soon as it
# answered, a moment before the plugin has read that answer; a person replies much later.
LINK_SETTLE = 0.3


def suite_options():
    """Options that a whole ctest entry adds to every bridge it starts: TGMESH_TEST_OPTIONS,
    "key=value,key=value" (the integration.wake.* entries run with wake_broker=on)."""
    raw = os.environ.get("TGMESH_TEST_OPTIONS", "")
    return dict(item.split("=", 1) for item in raw.split(",") if "=" in item)


def options(**overrides):
    """Per-test plugin options for the auto-started broker: @options(chat_to_mesh="off").
    A None value removes a default option."""
    def deco(fn):
        fn._tgmesh_options = overrides
        return fn
    return deco


def plugin_or_skip(testcase):
    path = find_plugin()
    if not path:
        testcase.skipTest("tgmesh plugin not built: set TGMESH_PLUGIN=/abs/path/mosquitto_tgmesh.so "
                          "or build build/mosquitto_tgmesh.so (cmake -S . -B build && cmake --build build)")
    return path


class TgmeshTestCase(unittest.TestCase):
    OPTIONS = {}        # class-level option overrides
    AUTO_START = True   # start a broker with the plugin in setUp
    # The fake Bot API refuses sendMessage texts the real one would (bad HTML, too long);
    # any such refusal fails the test unless it expects them.
    EXPECT_REJECTED_MESSAGES = False

    def default_options(self):
        return {"bot_token": BOT_TOKEN, "api_url": self.tg.url, "chat_ids": str(CHAT),
                "admin_ids": str(ADMIN), "node_id": NODE_ID, "mesh_interval": "0"}

    # ------------------------------------------------------------ setup / teardown

    def setUp(self):
        self.plugin_path = plugin_or_skip(self)
        self.tg = FakeTelegram(BOT_TOKEN).start()
        self.addCleanup(self._release_everything)  # runs even if setUp fails below
        self.brokers = []
        self.broker = None
        self._clients = []
        self._gateways = {}
        self.secret_files = set()   # files a test wrote on purpose with the token in them
        if self.AUTO_START:
            method = getattr(self, self._testMethodName)
            self.start_bridge(**getattr(method, "_tgmesh_options", {}))

    def tearDown(self):
        for client in self._clients:
            client.disconnect()
        problems = []
        for broker in self.brokers:
            if broker.running:
                code, secs = broker.stop(timeout=10)
                if not broker.expect_failure and code != 0:
                    problems.append("broker exited with %s after SIGTERM (%.1fs)" % (code, secs))
            problems += self._token_leaks(broker)
            for report in broker.sanitizer_reports():
                # A broker that refuses to start returns from main() without freeing its
                # configuration (mosquitto's own allocations): only leaks of a broker that ran
                # and shut down count.
                if broker.expect_failure and "ERROR: LeakSanitizer" in report and "ERROR: AddressSanitizer" not in report:
                    continue
                # SIGKILL during the leak check at exit (after a SIGTERM) leaves the check's
                # tracer writing "Unable to get registers from thread N": no finding, only the
                # runtime's own complaint that the process vanished under it.
                if broker.killed and not any(m in report for m in ("ERROR:", "runtime error", "WARNING:")):
                    continue
                problems.append("sanitizer report from the broker:\n" + report[-6000:])
        if not self.EXPECT_REJECTED_MESSAGES:
            for text, why in self.tg.rejected_messages():
                problems.append("the Bot API would refuse this sendMessage (%s): %r" % (why, (text or "")[:300]))
        if problems or self._test_failed() or os.environ.get("TGMESH_SHOW_LOG"):
            for broker in self.brokers:
                sys.stderr.write("\n===== %s: broker diagnostics =====\n%s\n" % (self.id(), broker.diagnostics()))
            requests = self.tg.requests()
            start = requests[0].time if requests else 0.0

            def since_start(t):
                return None if t is None else round(t - start, 2)
            # Seconds since the first request, when asked and when answered: a late answer,
            # or a request that came late after one, shows as a gap.
            sys.stderr.write("----- Bot API requests (asked +s, method, params, status, answered +s): %s\n"
                             % [(since_start(r.time), r.method, r.params, r.status, since_start(r.answered))
                                for r in requests][-40:])
            sys.stderr.write("----- updates injected (update_id, +s): %s\n"
                             % [(uid, since_start(t)) for uid, t in self.tg.injected_times()])
        if problems:
            self.fail("; ".join(problems))

    def _release_everything(self):
        for client in self._clients:
            client.disconnect()
        self.tg.close()
        for broker in self.brokers:
            broker.cleanup()  # SIGKILL if still running, remove the temp dir

    def _test_failed(self):
        # Python 3.11 reports failures to the result before tearDown runs.
        result = getattr(getattr(self, "_outcome", None), "result", None)
        if result is None:
            return False
        return any(test is self for test, _ in list(result.errors) + list(result.failures))

    def _token_leaks(self, broker):
        leaks = []
        texts = {"broker log": broker.log_text()}
        paths = []
        for root, _dirs, files in os.walk(broker.workdir):
            for name in files:
                path = os.path.join(root, name)
                if path != broker.conf_path and path not in self.secret_files:
                    paths.append(path)
        state = broker.effective_options().get("state_file")
        if state and state not in paths:
            paths.append(state)
        for path in paths:
            try:
                with open(path, "rb") as f:
                    texts[path] = f.read().decode("utf-8", "replace")
            except OSError:
                pass
        for where, text in texts.items():
            if TOKEN_SECRET in text:
                leaks.append("bot token found in %s" % where)
        if any(TOKEN_SECRET in m["text"] for m in self.tg.sent_messages()):
            leaks.append("bot token found in a message to a chat")
        return leaks

    # ------------------------------------------------------------ broker

    def bridge_options(self, **overrides):
        opts = self.default_options()
        opts.update(suite_options())
        opts.update(self.OPTIONS)
        opts.update(overrides)
        return opts

    def start_bridge(self, wait_poll=True, workdir=None, preload=None, env=None, wrapper=None,
                     extra_config="", **overrides):
        """Starts a broker with the plugin; waits for its first getUpdates long poll.
        preload/env/wrapper: extra LD_PRELOAD libraries, environment and wrapper command
        for mosquitto (see Broker); extra_config: more mosquitto.conf lines."""
        broker = Broker(self.bridge_options(**overrides), plugin_path=self.plugin_path, workdir=workdir,
                        preload=preload, env=env, wrapper=wrapper, extra_config=extra_config)
        self.brokers.append(broker)
        self.broker = broker
        broker.start()
        if wait_poll:
            self.wait_polling()
        return broker

    def restart_bridge(self, wait_poll=True, **overrides):
        """SIGTERM then start again in the same temp dir (same state file and port).
        MQTT clients are dropped (make new ones).  Returns the Bot API request
        index at the new start, for `since=` arguments."""
        code, secs = self.broker.stop()
        self.assertEqual(code, 0, "broker exit code on SIGTERM")
        for client in self._clients:
            client.disconnect()
        self._clients, self._gateways = [], {}
        self.broker.options.update(overrides)
        since = self.tg.request_count()
        self.broker.start()
        if wait_poll:
            self.wait_polling(since=since)
        return since

    def start_expecting_failure(self, timeout=10, **overrides):
        """Starts a broker that must refuse to start; returns it once it exited (or timed out)."""
        broker = Broker(self.bridge_options(**overrides), plugin_path=self.plugin_path)
        broker.expect_failure = True
        self.brokers.append(broker)
        broker.start(timeout=timeout, expect_failure=True)
        return broker

    def wait_polling(self, since=0, timeout=10):
        req = self.tg.wait_for_request("getUpdates", timeout=timeout, since=since)
        if req is None:
            self.fail("the plugin never called getUpdates within %ss" % timeout)
        return req

    # ------------------------------------------------------------ MQTT

    def mqtt(self, client_id=None, subscribe=None, qos=0, username=None, password=None):
        client = MqttClient("127.0.0.1", self.broker.port, client_id or "test-%d" % len(self._clients),
                            username=username, password=password)
        client.connect()
        self._clients.append(client)
        if subscribe:
            client.subscribe(subscribe, qos=qos)
        return client

    def mesh_listener(self, topic="%s/2/#" % ROOT):
        """A subscriber to the mesh topics; subscribe it before sending commands."""
        return self.mqtt("listener-%d" % len(self._clients), subscribe=topic)

    def gateway(self, gw_id):
        """An MQTT client whose client id is the gateway's node id, as firmware does."""
        if gw_id not in self._gateways:
            self._gateways[gw_id] = self.mqtt(gw_id)
        return self._gateways[gw_id]

    def uplink(self, envelope, gateway=meshcrypto.DEFAULT_GATEWAY, channel=CHANNEL, root=ROOT):
        """Publishes a ServiceEnvelope as gateway `gateway` (QoS 1 keeps the order)."""
        self.gateway(gateway).publish("%s/2/e/%s/%s" % (root, channel, gateway), envelope, qos=1)

    def uplink_json(self, obj, gateway, channel=CHANNEL, root=ROOT):
        self.gateway(gateway).publish("%s/2/json/%s/%s" % (root, channel, gateway), json.dumps(obj), qos=1)

    def teach_node(self, num, long_name, short_name="TST", gateway=meshcrypto.DEFAULT_GATEWAY, settle=0.3, **kw):
        """Publishes a NODEINFO uplink so the bridge learns the node's names.  `settle`
        seconds let a bridge that handles uplinks off the broker thread catch up
        before a Telegram command (a different path) refers to the node."""
        self.uplink(meshcrypto.make_nodeinfo_envelope(num, long_name, short_name, gateway=gateway, **kw), gateway)
        time.sleep(settle)

    @staticmethod
    def decode_downlink(msg, psk_b64=meshcrypto.DEFAULT_PSK_B64):
        """(topic, payload) -> decrypted envelope dict, or None if not a decodable /2/e/ envelope."""
        if "/2/e/" not in msg.topic:
            return None
        try:
            return meshcrypto.decrypt_envelope(msg.payload, psk_b64)
        except (ValueError, KeyError, UnicodeDecodeError):
            return None

    @staticmethod
    def _from_bridge(env, bridge_id):
        """bridge_id=None accepts any self-originated envelope (from = gateway_id),
        for tests where the bridge generates its node id."""
        gw = env.get("gateway_id", "")
        if bridge_id is not None:
            return gw == bridge_id
        try:
            return env["packet"].get("from") == meshpb.node_num(gw)
        except ValueError:
            return False

    def _text_env(self, msg, psk_b64, bridge_id):
        env = self.decode_downlink(msg, psk_b64)
        if not env or not self._from_bridge(env, bridge_id):
            return None
        if env["packet"].get("decoded", {}).get("portnum") != meshpb.TEXT_MESSAGE_APP:
            return None
        return env

    def wait_text_downlink(self, listener, predicate=None, timeout=10, psk_b64=meshcrypto.DEFAULT_PSK_B64,
                           bridge_id=NODE_ID):
        """Next envelope from the bridge carrying a text (portnum 1) that matches
        predicate(env), or containing the string `predicate`; returns (topic, env) or fails."""
        pred = predicate
        if isinstance(predicate, str):
            pred = lambda env, s=predicate: s in (env["packet"]["decoded"].get("text") or "")

        def match(msg):
            env = self._text_env(msg, psk_b64, bridge_id)
            return env is not None and (pred is None or pred(env))
        msg = listener.wait_message(match, timeout)
        if msg is None:
            self.fail("no matching text downlink (%r) within %ss; seen: %s"
                      % (predicate, timeout, self.describe_mqtt(listener, psk_b64)))
        return msg.topic, self._text_env(msg, psk_b64, bridge_id)

    def text_downlinks(self, listener, psk_b64=meshcrypto.DEFAULT_PSK_B64, bridge_id=NODE_ID):
        """Every text envelope the bridge published so far, as (topic, env)."""
        out = []
        for msg in listener.messages():
            env = self._text_env(msg, psk_b64, bridge_id)
            if env:
                out.append((msg.topic, env))
        return out

    @staticmethod
    def downlink_texts(downlinks):
        return [env["packet"]["decoded"].get("text") for _topic, env in downlinks]

    def describe_mqtt(self, listener, psk_b64=meshcrypto.DEFAULT_PSK_B64):
        out = []
        for msg in listener.messages()[-20:]:
            env = self.decode_downlink(msg, psk_b64)
            out.append((msg.topic, env["packet"] if env else msg.payload[:120]))
        return out

    def control(self, commands, timeout=10):
        """Runs $CONTROL/tgmesh/v1 commands; returns their responses. A client of its own each
        time, gone afterwards: it would receive every later answer."""
        client = self.mqtt("admin-%d" % meshcrypto.random_packet_id(), subscribe=RESPONSE)
        try:
            client.publish(CONTROL, json.dumps({"commands": commands}), qos=1)
            msg = client.wait_message(lambda m: m.topic == RESPONSE, timeout=timeout)
        finally:
            client.disconnect()
        self.assertIsNotNone(msg, "no answer on %s" % RESPONSE)
        return json.loads(msg.payload)["responses"]

    # ------------------------------------------------------------ Telegram

    def say(self, text, chat_id=CHAT, user_id=ADMIN, **kw):
        """A chat member writes `text`; returns the update_id."""
        return self.tg.inject_message(chat_id, text, user_id=user_id, **kw)

    def wait_chat(self, predicate=None, chat_id=CHAT, timeout=10, since=0):
        """Next sendMessage to chat_id matching predicate(msg) or containing the string
        `predicate`; fails with the messages seen."""
        pred = predicate
        if isinstance(predicate, str):
            pred = lambda m, s=predicate: s in m["text"]
        msg = self.tg.wait_for_message(chat_id, pred, timeout=timeout, since=since)
        if msg is None:
            self.fail("no matching sendMessage to %s within %ss (predicate %r); sent: %s"
                      % (chat_id, timeout, predicate, [(m["chat_id"], m["text"]) for m in self.tg.sent_messages()]))
        return msg

    def wait_handled(self, update_id, quiet=QUIET_SECONDS):
        """Waits until the plugin fetched the update, then `quiet` seconds for its effects."""
        self.assertTrue(self.tg.wait_confirmed(update_id, timeout=10),
                        "the plugin did not confirm update %d (getUpdates offset)" % update_id)
        time.sleep(quiet)

    @staticmethod
    def esc(text):
        """Telegram HTML escaping of <, >, & (quotes may or may not be escaped)."""
        return html.escape(text, quote=False)
