"""Several brokers: an edge mosquitto (no plugin) bridged with conf/edge-bridge.conf.example into
the hub that runs tgmesh.  An uplink from a gateway on the edge reaches the chat once, also when a
gateway on the hub heard the same packet; a chat message reaches a gateway on the edge once and
never comes back to the hub, and one sent while the link is down arrives once it is back
(cleansession false).  gateway_id (protobuf mode) targets a client id on the hub: a gateway
behind an edge never gets those downlinks, but an edge whose bridge carries that id as its
remote_clientid passes them to all its gateways; json downlinks cross the bridge like any message.

The hub has a password file and the ACL the README gives for bridge users; gateways connect
anonymously.  The edge's bridge lines are the example file's, with the address pointed at the
hub.  Evidence of loops comes from two places: the hub's own /status counters (what the plugin
saw) and the hub's mosquitto log (every PUBLISH the bridge connection sent or received)."""
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tgmesh_harness import meshcrypto as mc, meshpb  # noqa: E402
from tgmesh_harness.base import CHAT, NODE_ID, QUIET_SECONDS, TgmeshTestCase, options  # noqa: E402
from tgmesh_harness.broker import REPO_ROOT, Broker, free_port  # noqa: E402
from tgmesh_harness.chatflow import extract, text_re  # noqa: E402
from tgmesh_harness.mqtt import MqttClient  # noqa: E402

EXAMPLE = os.path.join(REPO_ROOT, "conf", "edge-bridge.conf.example")
ROOT = "msh/US"
EDGE_GW = "!a1b2c3d4"   # a gateway connected to the edge broker
HUB_GW = "!a1b2c3d5"    # a gateway connected to the hub broker
EDGE_BRIDGE_ID = "!e0000001"  # an edge bridge's remote_clientid in the form of a node id
SENDER = 0x1A2B3C4D
SENDER_ID = "!1a2b3c4d"
READY_TOPIC = "msh/ready"  # outside the plugin's root msh/US: the plugin never counts it


def example_bridge(hub_port, **replace):
    """The active lines of conf/edge-bridge.conf.example, `address` pointed at the hub, the
    back-off shortened so that a test never waits for a reconnect, and the values of `replace`
    ({directive: value}) instead of the example's; also returns {directive: value}."""
    replace = dict(replace, address="127.0.0.1:%d" % hub_port, restart_timeout="1")
    lines, settings = [], {}
    with open(EXAMPLE) as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            key, _, value = line.partition(" ")
            value = replace.get(key, value.strip())
            settings[key] = value
            lines.append("%s %s" % (key, value))
    return "\n".join(lines), settings


def edge_bridge(**replace):
    """Test decorator: this test's edge uses these bridge directives instead of the example's."""
    def deco(fn):
        fn._edge_bridge = replace
        return fn
    return deco


class LinkRelay:
    """A TCP relay from a local port to the hub, which the test can cut (every connection closed,
    new ones refused) and restore."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.port = free_port()
        self._lock = threading.Lock()
        self._sockets = []
        self._server = None
        self.restore()

    def restore(self):
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen()
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def cut(self):
        with self._lock:
            server, self._server = self._server, None
            sockets, self._sockets = self._sockets, []
        if server is not None:
            sockets.append(server)  # shutdown wakes the accept() blocked on it
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    close = cut

    def _accept(self, server):
        while True:
            try:
                client, _addr = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self._lock:
                if self._server is not server:
                    client.close()
                    upstream.close()
                    return
                self._sockets += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def published(log, verb, client_id):
    """Topics of every PUBLISH the broker log shows as `verb` ("Received PUBLISH from" or
    "Sending PUBLISH to") client `client_id`."""
    pattern = r"%s %s \(d\d, q\d, r\d, m\d+, '([^']*)'" % (re.escape(verb), re.escape(client_id))
    return re.findall(pattern, log)


class MultiBrokerTest(TgmeshTestCase):
    AUTO_START = False

    def setUp(self):
        super().setUp()
        method = getattr(self, self._testMethodName)
        self.bridge_replace = getattr(method, "_edge_bridge", {})
        _conf, self.bridge_settings = example_bridge(0, **self.bridge_replace)
        self.bridge_id = self.bridge_settings["remote_clientid"]
        self.start_hub(**getattr(method, "_tgmesh_options", {}))
        self.start_edge()
        self.wait_bridge_up()

    # ------------------------------------------------------------ the two brokers

    def start_hub(self, **overrides):
        """The hub: the broker with tgmesh, a password for the edge's bridge user and the ACL
        the README gives (anonymous gateways may use msh/# and read $SYS)."""
        # leak_stacks: a reconnecting bridge makes mosquitto 2.0.11 leak (see lsan.supp).
        hub = Broker(self.bridge_options(**overrides), plugin_path=self.plugin_path, leak_stacks=True)
        self.brokers.append(hub)
        self.broker = hub
        passwd = os.path.join(hub.workdir, "passwd")
        acl = os.path.join(hub.workdir, "acl")
        subprocess.run(["mosquitto_passwd", "-b", "-c", passwd, self.bridge_settings["remote_username"],
                        self.bridge_settings["remote_password"]], check=True, capture_output=True)
        with open(acl, "w") as f:
            f.write("topic readwrite msh/#\ntopic read $SYS/#\n\n"
                    "user %s\ntopic readwrite msh/#\ntopic write $SYS/broker/connection/%s/state\n"
                    % (self.bridge_settings["remote_username"], self.bridge_id))
        hub.extra_config = "password_file %s\nacl_file %s" % (passwd, acl)
        hub.start()
        self.wait_polling()

    def start_edge(self):
        conf, _ = example_bridge(self.broker.port, **self.bridge_replace)
        self.edge = Broker(with_plugin=False, extra_config=conf)
        self.brokers.insert(0, self.edge)  # stopped first by tearDown: the hub then loses no client
        self.edge.start()

    def edge_client(self, client_id, subscribe=None):
        client = MqttClient("127.0.0.1", self.edge.port, client_id)
        client.connect()
        self._clients.append(client)
        if subscribe:
            client.subscribe(subscribe, qos=1)
        return client

    def wait_bridge_up(self, timeout=15):
        """The edge reports its bridge connected ($SYS/.../state = 1, retained, on both brokers),
        then a message goes each way (the bridge's subscription on the hub follows its CONNECT)."""
        state_topic = "$SYS/broker/connection/%s/state" % self.bridge_id
        for port in (self.edge.port, self.broker.port):
            watcher = MqttClient("127.0.0.1", port, "state-watch")
            watcher.connect()
            try:
                watcher.subscribe(state_topic)
                msg = watcher.wait_message(lambda m: m.payload == b"1", timeout)
            finally:
                watcher.disconnect()
            self.assertIsNotNone(msg, "the bridge never reported state 1 on port %d\n%s"
                                 % (port, self.edge.log_text()[-3000:]))
        edge_side = self.edge_client("ready-edge", subscribe=READY_TOPIC + "/#")
        hub_side = self.mqtt("ready-hub", subscribe=READY_TOPIC + "/#")
        for sender, receiver, name in ((hub_side, edge_side, "hub-to-edge"), (edge_side, hub_side, "edge-to-hub")):
            topic = "%s/%s" % (READY_TOPIC, name)
            deadline = time.monotonic() + timeout
            while True:
                sender.publish(topic, b"1", qos=1)
                if receiver.wait_message(lambda m, t=topic: m.topic == t, 0.2):
                    break
                self.assertLess(time.monotonic(), deadline, "%s: nothing crosses the bridge" % name)

    # ------------------------------------------------------------ helpers

    def uplink_to_edge(self, envelope, gateway=EDGE_GW):
        client = self._gateways.get(("edge", gateway))
        if client is None:
            client = self._gateways[("edge", gateway)] = self.edge_client(gateway)
        client.publish("%s/2/e/LongFast/%s" % (ROOT, gateway), envelope, qos=1)

    def posts_containing(self, fragment):
        return [m for m in self.tg.sent_messages(CHAT) if fragment in m["text"]]

    def status_counters(self):
        since = self.tg.request_count()
        self.say("/status")
        text = self.wait_chat(lambda m: extract("en", "status_counters", m["text"], r"\d+") is not None,
                              since=since)["text"]
        counters = {k: int(v) for k, v in extract("en", "status_counters", text, r"\d+").items()}
        drops = extract("en", "status_drops", text)
        return counters, (drops or {}).get("list", ""), text

    def hub_log(self):
        return self.broker.log_text()

    # ------------------------------------------------------------ mesh -> chat

    def test_uplink_through_the_edge_is_posted_once(self):
        packet_id = mc.random_packet_id()
        text = "from the west ridge %d" % packet_id
        self.uplink_to_edge(mc.make_encrypted_text_envelope(SENDER, meshpb.BROADCAST, packet_id, text,
                                                            gateway=EDGE_GW, rx_snr=4.5))
        post = self.wait_chat(text)
        self.assertIn(SENDER_ID, post["text"])
        self.assertIn(EDGE_GW, post["text"])  # "via" the gateway on the edge

        # The same packet heard by a gateway connected to the hub itself.
        self.uplink(mc.make_encrypted_text_envelope(SENDER, meshpb.BROADCAST, packet_id, text, gateway=HUB_GW,
                                                    rx_snr=-3.0), HUB_GW)
        # A fresh packet on each path afterwards: each is handled after the copy before it on
        # the same connection, so once both are posted nothing of the above is still on its way.
        markers = []
        for send, gw in ((self.uplink_to_edge, EDGE_GW), (self.uplink, HUB_GW)):
            marker = "marker via %s %d" % (gw, mc.random_packet_id())
            send(mc.make_encrypted_text_envelope(0x0C0FFEE0, meshpb.BROADCAST, mc.random_packet_id(), marker,
                                                 gateway=gw), gw)
            markers.append(marker)
        for marker in markers:
            self.wait_chat(marker)
        time.sleep(QUIET_SECONDS)  # and a little longer for a copy that went round a loop

        self.assertEqual(len(self.posts_containing(text)), 1, self.tg.sent_messages(CHAT))
        for marker in markers:
            self.assertEqual(len(self.posts_containing(marker)), 1, marker)
        counters, drops, status = self.status_counters()
        # Four publishes under the root reached the plugin, each once: the text twice (edge, hub)
        # and the two markers.  One of them a duplicate; three posts.
        self.assertEqual(counters["uplinks"], 4, status)
        self.assertEqual(counters["duplicates"], 1, status)
        self.assertEqual(counters["to_telegram"], 3, status)
        self.assertNotIn("own_packet", drops, status)
        self.assertRegex(status, text_re("en", "status_gateways", n=2))  # the edge's gateway too
        self.assertRegex(status, text_re("en", "status_gateway", gateway="<code>%s</code>" % EDGE_GW, nodes=2))
        # On the wire: the edge forwarded its gateway's two publishes, and sent nothing of the hub
        # gateway's back (the hub forwarded those to the edge, which is the point of "both").
        log = self.hub_log()
        from_edge = published(log, "Received PUBLISH from", self.bridge_id)
        self.assertEqual(from_edge.count("%s/2/e/LongFast/%s" % (ROOT, EDGE_GW)), 2, from_edge)
        self.assertEqual(from_edge.count("%s/2/e/LongFast/%s" % (ROOT, HUB_GW)), 0, from_edge)
        to_edge = published(log, "Sending PUBLISH to", self.bridge_id)
        self.assertEqual(to_edge.count("%s/2/e/LongFast/%s" % (ROOT, HUB_GW)), 2, to_edge)
        self.assertEqual(to_edge.count("%s/2/e/LongFast/%s" % (ROOT, EDGE_GW)), 0, to_edge)

    # ------------------------------------------------------------ chat -> mesh

    def test_chat_message_reaches_a_gateway_on_the_edge_once(self):
        edge_gw = self.edge_client(EDGE_GW, subscribe="%s/2/#" % ROOT)
        hub_listener = self.mesh_listener()
        self.say("good evening mesh")
        _topic, env = self.wait_text_downlink(edge_gw, "good evening mesh")
        self.assertEqual(env["packet"]["to"], meshpb.BROADCAST)
        self.assertEqual(env["packet"]["decoded"]["text"], "Alice: good evening mesh")
        # The next downlink takes the same path: once it is there, the first one cannot still be.
        self.say("/send marker")
        self.wait_text_downlink(edge_gw, "marker")
        self.wait_text_downlink(hub_listener, "marker")
        time.sleep(QUIET_SECONDS)

        expected = ["Alice: good evening mesh", "Alice: marker"]
        self.assertEqual(self.downlink_texts(self.text_downlinks(edge_gw)), expected)
        self.assertEqual(self.downlink_texts(self.text_downlinks(hub_listener)), expected)
        # Not back into the chat, and not seen again by the plugin.
        self.assertEqual([m["text"] for m in self.tg.sent_messages(CHAT) if "good evening mesh" in m["text"]], [])
        counters, drops, status = self.status_counters()
        self.assertEqual(counters["uplinks"], 0, status)
        self.assertEqual(counters["downlinks"], 2, status)
        self.assertNotIn("own_packet", drops, status)
        log = self.hub_log()
        from_edge = published(log, "Received PUBLISH from", self.bridge_id)
        self.assertEqual([t for t in from_edge if t.startswith(ROOT + "/")], [], "the edge sent downlinks back")

    def test_downlink_sent_while_the_link_is_down_arrives_when_it_is_back(self):
        """cleansession false: the hub keeps the bridge's session and queues tgmesh's QoS 1
        downlinks while the link to the edge is down; the edge passes them on when its bridge is
        back.  The link runs through a TCP relay that the test cuts and restores, so that the
        edge and its gateway stay up."""
        relay = LinkRelay(self.broker.port)
        self.addCleanup(relay.close)
        self.edge.stop()
        self.edge.extra_config, _ = example_bridge(relay.port, **self.bridge_replace)
        self.edge.start()
        self.wait_bridge_up()
        gateway = self.edge_client(EDGE_GW, subscribe="%s/2/#" % ROOT)
        hub_state = self.mqtt("hub-state", subscribe="$SYS/broker/connection/%s/state" % self.bridge_id)
        hub_state.clear()

        relay.cut()
        self.assertIsNotNone(hub_state.wait_message(lambda m: m.payload == b"0", timeout=10),
                             "the hub never saw the bridge go down")
        hub_listener = self.mesh_listener()
        self.say("/send while the link is down")
        self.wait_text_downlink(hub_listener, "while the link is down")
        time.sleep(0.5)
        self.assertEqual(self.text_downlinks(gateway), [], "the link was not down")

        relay.restore()
        self.wait_text_downlink(gateway, "while the link is down", timeout=15)
        time.sleep(QUIET_SECONDS)
        self.assertEqual(self.downlink_texts(self.text_downlinks(gateway)), ["Alice: while the link is down"])

    # ------------------------------------------------------------ gateway_id

    @options(gateway_id=EDGE_GW)
    def test_gateway_id_cannot_reach_a_gateway_behind_an_edge(self):
        """gateway_id makes tgmesh publish to that client id on the hub only (Mosquitto's
        mosquitto_broker_publish with a client id): the gateway must be connected to the hub.
        Behind an edge it receives nothing, and nor does anyone else on the edge."""
        edge_gw = self.edge_client(EDGE_GW, subscribe="%s/2/#" % ROOT)
        edge_other = self.edge_client("edge-listener", subscribe="%s/2/#" % ROOT)
        # The same gateway id connected to the hub as well (another broker, so no clash): the
        # control that shows the downlink was published.
        hub_gw = self.mqtt(EDGE_GW, subscribe="%s/2/#" % ROOT)
        hub_other = self.mesh_listener()
        since = self.tg.request_count()
        self.say("/send to the chosen gateway")
        self.wait_text_downlink(hub_gw, "to the chosen gateway")
        self.wait_chat(lambda m: re.search(text_re("en", "sent_broadcast"), m["text"]), since=since)
        # A message published on the hub after that crosses the bridge behind anything the hub
        # had queued for it, so once it is on the edge a downlink would be too.
        probe = "%s/after-downlinks" % READY_TOPIC
        edge_probe = self.edge_client("probe-edge", subscribe=probe)
        self.mqtt("probe-hub").publish(probe, b"1", qos=1)
        self.assertIsNotNone(edge_probe.wait_message(timeout=10), "the bridge stopped forwarding")
        time.sleep(QUIET_SECONDS)

        self.assertEqual(self.text_downlinks(edge_gw), [], "a gateway behind the edge got a targeted downlink")
        self.assertEqual(self.text_downlinks(edge_other), [])
        self.assertEqual(self.text_downlinks(hub_other), [])
        self.assertEqual(self.downlink_texts(self.text_downlinks(hub_gw)), ["Alice: to the chosen gateway"])
        to_edge = published(self.hub_log(), "Sending PUBLISH to", self.bridge_id)
        self.assertEqual([t for t in to_edge if t.startswith(ROOT + "/")], [], to_edge)

    @options(gateway_id=EDGE_BRIDGE_ID)
    @edge_bridge(remote_clientid=EDGE_BRIDGE_ID)
    def test_gateway_id_naming_an_edge_bridge_reaches_that_edge(self):
        """The way to keep downlinks to one site: gateway_id = the remote_clientid of that edge's
        bridge.  The hub hands the targeted downlink to the bridge connection, and the edge passes
        it to every subscriber there: all of that edge's gateways, not one."""
        edge_gw = self.edge_client(EDGE_GW, subscribe="%s/2/#" % ROOT)
        edge_gw2 = self.edge_client("!a1b2c3d6", subscribe="%s/2/#" % ROOT)
        hub_other = self.mesh_listener()
        self.say("/send to the west site")
        self.say("/send marker")
        for client in (edge_gw, edge_gw2):
            self.wait_text_downlink(client, "marker")
        time.sleep(QUIET_SECONDS)
        expected = ["Alice: to the west site", "Alice: marker"]
        self.assertEqual(self.downlink_texts(self.text_downlinks(edge_gw)), expected)
        self.assertEqual(self.downlink_texts(self.text_downlinks(edge_gw2)), expected)
        self.assertEqual(self.text_downlinks(hub_other), [], "a targeted downlink went to everyone on the hub")
        from_edge = published(self.hub_log(), "Received PUBLISH from", self.bridge_id)
        self.assertEqual([t for t in from_edge if t.startswith(ROOT + "/")], [], "the edge sent downlinks back")

    @options(downlink="json", gateway_id=EDGE_GW)
    def test_json_downlink_reaches_its_gateway_on_the_edge(self):
        """downlink json publishes to every subscriber (the sendtext names the gateway that is
        to transmit), so it crosses the bridge like any message."""
        edge_gw = self.edge_client(EDGE_GW, subscribe="%s/2/#" % ROOT)
        self.say("/send json across")
        self.say("/send marker")
        self.assertIsNotNone(edge_gw.wait_message(lambda m: b"marker" in m.payload, timeout=10),
                             "no json downlink on the edge: %s" % edge_gw.messages())
        time.sleep(QUIET_SECONDS)
        sendtexts = [json.loads(m.payload) for m in edge_gw.messages() if m.topic == "%s/2/json/mqtt/" % ROOT]
        self.assertEqual([o["payload"] for o in sendtexts], ["Alice: json across", "Alice: marker"])
        self.assertEqual({o["from"] for o in sendtexts}, {meshpb.node_num(EDGE_GW)})
        from_edge = published(self.hub_log(), "Received PUBLISH from", self.bridge_id)
        self.assertEqual([t for t in from_edge if t.startswith(ROOT + "/")], [], "the edge sent downlinks back")


if __name__ == "__main__":
    unittest.main()
