"""Helpers shared by the fault suite (tests/integration/test_fault_*.py).

FaultTestCase adds to TgmeshTestCase what the fault tests keep needing: mesh texts from
gateways, posts counted by what a reader sees, waiting for log lines, a check that other
MQTT clients of the broker still get their messages.  FileFaults drives the preload library
tests/fault/fault_inject.c ("unwritable directory", "disk full") for one directory.
"""
import os
import re
import shutil
import socket
import struct
import subprocess
import time

from . import meshcrypto as mc
from . import meshpb
from .base import CHAT, TgmeshTestCase
from .broker import find_fault_lib
from .mqtt import CONNACK, CONNECT, PINGREQ, PINGRESP, PUBLISH, encode_remaining_length

SENDER = 0x1A2B3C4D
GATEWAY = mc.DEFAULT_GATEWAY


class FileFaults:
    """Switchable faults for files under `directory`, in a broker started with
    preload=faults.preload() and env=faults.env():
    on("eacces") - creating or opening for writing fails with EACCES (unwritable directory);
    on("enospc") - write()/fsync() fail with ENOSPC (disk full);
    on("slow:<ms>") - write()/fsync() first sleep <ms> ms (a hanging disk); off() - normal."""

    def __init__(self, directory, control_dir):
        self.lib = find_fault_lib()
        self.prefix = os.path.abspath(directory).rstrip("/") + "/"
        self.control = os.path.join(os.path.abspath(control_dir), "fault-control")

    def preload(self):
        return [self.lib]

    def env(self):
        return {"TGMESH_FAULT_PREFIX": self.prefix, "TGMESH_FAULT_CONTROL": self.control}

    def on(self, kind):
        assert kind in ("eacces", "enospc", "all") or kind.startswith("slow:"), kind
        tmp = self.control + ".new"
        with open(tmp, "w") as f:
            f.write(kind + "\n")
        os.rename(tmp, self.control)

    def off(self):
        try:
            os.unlink(self.control)
        except FileNotFoundError:
            pass


def fault_lib_or_skip(testcase):
    lib = find_fault_lib()
    if not lib:
        testcase.skipTest("fault injection library not built: set TGMESH_FAULT_LIB or build "
                          "build/tests/libfault_inject.so (cmake --build build)")
    return lib


def can_bind_mount():
    """True when a command may run in a private mount namespace with bind mounts (root with
    CAP_SYS_ADMIN, as in the CI container): how a test gives only the broker another CA
    bundle or resolv.conf."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    try:
        r = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                            'mount --bind "$0" "$0" && echo ok', "/etc/hostname"],
                           capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return r.returncode == 0 and r.stdout.strip() == b"ok"


def bind_mount_wrapper(source, target):
    """A Broker wrapper: mosquitto runs in a private mount namespace where `target` (a
    system file) shows the content of `source`; the rest of the system is untouched."""
    return ["unshare", "-m", "--propagation", "private", "sh", "-c",
            'mount --bind "$0" "$1" && shift && exec "$@"', source, target]


def mqtt_connect_packet(client_id, keepalive=60):
    var = struct.pack("!H", 4) + b"MQTT" + bytes([4, 0x02]) + struct.pack("!H", keepalive)
    cid = client_id.encode()
    body = var + struct.pack("!H", len(cid)) + cid
    return bytes([CONNECT << 4]) + encode_remaining_length(len(body)) + body


def mqtt_publish_packet(topic, payload, qos=0, packet_id=1):
    """A PUBLISH packet, built once so a flood can be written in large chunks."""
    t = topic.encode() if isinstance(topic, str) else topic
    body = struct.pack("!H", len(t)) + t
    if qos:
        body += struct.pack("!H", packet_id)
    body += bytes(payload)
    return bytes([(PUBLISH << 4) | (qos << 1)]) + encode_remaining_length(len(body)) + body


class RawPublisher:
    """A bare MQTT connection that writes pre-built packets (no reader thread).  sync()
    sends PINGREQ and waits for PINGRESP: the broker has read everything sent before."""

    def __init__(self, port, client_id):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.sendall(mqtt_connect_packet(client_id))
        head = self._recv(4)
        if head[0] >> 4 != CONNACK or head[3] != 0:
            raise RuntimeError("CONNACK refused: %r" % head)

    def _recv(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("broker closed the connection")
            buf += chunk
        return buf

    def send(self, data):
        self.sock.sendall(data)

    def sync(self, timeout=60):
        """Packets the broker sends this client meanwhile (tgmesh greets a gateway's client
        with its NODEINFO, as it would a real gateway) are acknowledged and left aside."""
        self.sock.settimeout(timeout)
        self.sock.sendall(bytes([PINGREQ << 4, 0]))
        while True:
            first = self._recv(1)[0]
            length, shift = 0, 0
            while True:
                byte = self._recv(1)[0]
                length |= (byte & 0x7F) << shift
                shift += 7
                if not byte & 0x80:
                    break
            body = self._recv(length) if length else b""
            kind, qos = first >> 4, (first >> 1) & 3
            if kind == PINGRESP:
                return
            if kind != PUBLISH:
                raise RuntimeError("expected PINGRESP, got packet type %d" % kind)
            if qos == 1:
                topic_length = struct.unpack("!H", body[:2])[0]
                packet_id = body[2 + topic_length:4 + topic_length]
                self.sock.sendall(bytes([0x40, 2]) + packet_id)  # PUBACK

    def close(self):
        try:
            self.sock.sendall(bytes([0xE0, 0]))  # DISCONNECT
        except OSError:
            pass
        self.sock.close()


class FaultTestCase(TgmeshTestCase):
    """TgmeshTestCase plus the fault suite's helpers."""

    # ------------------------------------------------------------ mesh side

    def mesh_text(self, text, sender=SENDER, gateway=GATEWAY, packet_id=None, **kw):
        """A chat-bound text uplink (encrypted, bridged channel) from `sender` via `gateway`."""
        env = mc.make_encrypted_text_envelope(sender, meshpb.BROADCAST, packet_id or mc.random_packet_id(),
                                              text, gateway=gateway, **kw)
        self.uplink(env, gateway)

    def posts(self, fragment, chat_id=CHAT, since=0):
        """Messages the chat shows (visible text) that contain `fragment`."""
        return [m for m in self.tg.sent_messages(chat_id, since) if fragment in (m["visible"] or "")]

    def wait_posts(self, fragment, count=1, chat_id=CHAT, timeout=15):
        """Waits until `count` posts contain `fragment`; returns them (fails on timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.posts(fragment, chat_id)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                self.fail("%d post(s) with %r expected in chat %s within %ss, got %d; sent: %s"
                          % (count, fragment, chat_id, timeout, len(found),
                             [m["visible"] for m in self.tg.sent_messages(chat_id)][-10:]))
            time.sleep(0.05)

    def assert_posted_once(self, fragment, chat_id=CHAT):
        found = self.posts(fragment, chat_id)
        self.assertEqual(len(found), 1, "%r posted %d times in chat %s" % (fragment, len(found), chat_id))
        return found[0]

    def assert_mqtt_alive(self, timeout=5):
        """Two other clients of the broker exchange a message on an unrelated topic."""
        tag = "alive-%d" % mc.random_packet_id()
        sub = self.mqtt("sub-" + tag, subscribe="other/app/#", qos=1)
        pub = self.mqtt("pub-" + tag)
        pub.publish("other/app/ping", tag, qos=1)
        msg = sub.wait_message(lambda m: m.payload == tag.encode(), timeout)
        self.assertIsNotNone(msg, "another MQTT client did not get its message")
        sub.disconnect()
        pub.disconnect()

    def downlink_count(self, listener, text):
        return sum(1 for t in self.downlink_texts(self.text_downlinks(listener)) if t == text)

    # ------------------------------------------------------------ log

    def log(self):
        return self.broker.log_text()

    def log_caught_up(self):
        """Returns once every line the worker has logged so far is in the broker log. The
        worker's lines wait for the broker's next tick (up to 100 ms), even after a chat post
        that came later; a $CONTROL answer is published by a tick, which writes the lines
        queued before it (plugin_entry.cpp, flush_to_broker)."""
        self.control([{"command": "getStatus"}])

    def log_count(self, pattern, log=None):
        """Occurrences of `pattern` (a regular expression) in the broker log."""
        return len(re.findall(pattern, self.log() if log is None else log))

    def wait_log(self, pattern, timeout=15, count=1):
        """Waits until `pattern` (a regular expression) appears `count` times in the log."""
        deadline = time.monotonic() + timeout
        while self.log_count(pattern) < count:
            if time.monotonic() > deadline:
                self.fail("no %r in the broker log within %ss:\n%s" % (pattern, timeout, self.log()[-4000:]))
            if self.broker and not self.broker.running:
                self.fail("the broker died:\n%s" % self.broker.diagnostics())
            time.sleep(0.05)

    def tgmesh_lines(self):
        """The plugin's log lines (text after 'tgmesh: ')."""
        out = []
        for line in self.log().splitlines():
            at = line.find("tgmesh: ")
            if at >= 0:
                out.append(line[at + len("tgmesh: "):])
        return out
