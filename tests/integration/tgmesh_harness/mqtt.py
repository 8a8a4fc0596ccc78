"""Small MQTT 3.1.1 client over a raw socket, for tests (no external libraries).

A background reader thread collects every received PUBLISH; waiting helpers
filter them.  QoS 0/1 publish and subscribe, PINGREQ keepalive, clean DISCONNECT.
"""
import collections
import socket
import struct
import threading
import time

Message = collections.namedtuple("Message", "topic payload")

CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT = 8, 9, 10, 11, 12, 13, 14


class MqttError(Exception):
    pass


def encode_remaining_length(n):
    if n < 0 or n > 268435455:
        raise ValueError("remaining length out of range: %d" % n)
    out = bytearray()
    while True:
        byte = n % 128
        n //= 128
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def decode_remaining_length(read_byte):
    """`read_byte()` returns one int; at most 4 bytes per the spec."""
    value, mult = 0, 1
    for _ in range(4):
        byte = read_byte()
        value += (byte & 0x7F) * mult
        if not byte & 0x80:
            return value
        mult *= 128
    raise MqttError("malformed remaining length")


def _utf8(s):
    data = s.encode("utf-8") if isinstance(s, str) else bytes(s)
    return struct.pack("!H", len(data)) + data


def topic_matches(pattern, topic):
    """MQTT filter match ('+' one level, '#' the rest)."""
    p, t = pattern.split("/"), topic.split("/")
    for i, part in enumerate(p):
        if part == "#":
            return True
        if i >= len(t) or (part != "+" and part != t[i]):
            return False
    return len(p) == len(t)


class MqttClient:
    def __init__(self, host="127.0.0.1", port=1883, client_id="tgmesh-test", username=None,
                 password=None, keepalive=30, clean_session=True):
        self.host, self.port, self.client_id = host, port, client_id
        self.username, self.password = username, password
        self.keepalive, self.clean_session = keepalive, clean_session
        self._sock = None
        self._send_lock = threading.Lock()
        self._cond = threading.Condition()
        self._received = []          # every Message, in arrival order
        self._consumed = set()       # indexes already returned by wait_message
        self._acks = {}              # (packet type, packet id) -> payload
        self._next_id = 0
        self._last_send = time.monotonic()
        self._reader = None
        self._pinger = None
        self._stop = threading.Event()
        self.connected = False
        self.closed_reason = None

    # ------------------------------------------------------------ connection

    def connect(self, timeout=5):
        self._sock = socket.create_connection((self.host, self.port), timeout=timeout)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        flags = 0x02 if self.clean_session else 0
        payload = _utf8(self.client_id)
        if self.username is not None:
            flags |= 0x80
            if self.password is not None:
                flags |= 0x40
        if self.username is not None:
            payload += _utf8(self.username)
            if self.password is not None:
                payload += _utf8(self.password)
        var = _utf8("MQTT") + bytes([4, flags]) + struct.pack("!H", self.keepalive)
        self._send(CONNECT << 4, var + payload)
        ptype, _, body = self._read_packet()
        if ptype != CONNACK or len(body) != 2:
            raise MqttError("expected CONNACK, got type %d" % ptype)
        if body[1] != 0:
            raise MqttError("connection refused, return code %d" % body[1])
        self._sock.settimeout(None)
        self.connected = True
        self._reader = threading.Thread(target=self._read_loop, name="mqtt-rx-" + self.client_id, daemon=True)
        self._reader.start()
        if self.keepalive:
            self._pinger = threading.Thread(target=self._ping_loop, name="mqtt-ping-" + self.client_id, daemon=True)
            self._pinger.start()
        return self

    def disconnect(self):
        """Clean DISCONNECT; safe to call twice or after the link dropped."""
        self._stop.set()
        if self._sock is None:
            return
        if self.connected:
            try:
                self._send(DISCONNECT << 4, b"")
            except OSError:
                pass
        self.connected = False
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
        if self._reader and self._reader is not threading.current_thread():
            self._reader.join(2)
        self._sock = None

    close = disconnect

    def __enter__(self):
        if not self.connected:
            self.connect()
        return self

    def __exit__(self, *exc):
        self.disconnect()

    # ------------------------------------------------------------ operations

    def subscribe(self, topics, qos=0, timeout=5):
        """Subscribes to one filter or a list; returns the granted QoS list."""
        if isinstance(topics, str):
            topics = [topics]
        pid = self._packet_id()
        body = struct.pack("!H", pid) + b"".join(_utf8(t) + bytes([qos]) for t in topics)
        self._send((SUBSCRIBE << 4) | 0x02, body)
        granted = list(self._wait_ack(SUBACK, pid, timeout))
        if 0x80 in granted:
            raise MqttError("subscription refused: %r" % topics)
        return granted

    def unsubscribe(self, topics, timeout=5):
        if isinstance(topics, str):
            topics = [topics]
        pid = self._packet_id()
        self._send((UNSUBSCRIBE << 4) | 0x02, struct.pack("!H", pid) + b"".join(_utf8(t) for t in topics))
        self._wait_ack(UNSUBACK, pid, timeout)

    def publish(self, topic, payload=b"", qos=0, retain=False, timeout=5):
        """QoS 0 returns at once; QoS 1 waits for the PUBACK."""
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        if qos not in (0, 1):
            raise ValueError("only QoS 0 and 1 are supported for publishing")
        header = (PUBLISH << 4) | (qos << 1) | (1 if retain else 0)
        body = _utf8(topic)
        pid = None
        if qos:
            pid = self._packet_id()
            body += struct.pack("!H", pid)
        self._send(header, body + bytes(payload))
        if qos:
            self._wait_ack(PUBACK, pid, timeout)

    # ------------------------------------------------------------ received messages

    def messages(self, topic_filter=None):
        """Every message received so far (consumed or not), optionally filtered."""
        with self._cond:
            msgs = list(self._received)
        if topic_filter:
            msgs = [m for m in msgs if topic_matches(topic_filter, m.topic)]
        return msgs

    def wait_message(self, predicate=None, timeout=5):
        """Returns the oldest not-yet-returned Message matching `predicate(msg)`,
        waiting up to `timeout` seconds; None on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for i, msg in enumerate(self._received):
                    if i in self._consumed:
                        continue
                    if predicate is None or predicate(msg):
                        self._consumed.add(i)
                        return msg
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._cond.wait(remaining)

    def clear(self):
        """Marks every message received so far as consumed."""
        with self._cond:
            self._consumed.update(range(len(self._received)))

    # ------------------------------------------------------------ internals

    def _packet_id(self):
        with self._cond:
            self._next_id = self._next_id % 65535 + 1
            return self._next_id

    def _send(self, header_byte, body):
        data = bytes([header_byte]) + encode_remaining_length(len(body)) + body
        with self._send_lock:
            if self._sock is None:
                raise MqttError("not connected")
            self._sock.sendall(data)
            self._last_send = time.monotonic()

    def _recv_exact(self, n):
        buf = bytearray()
        while len(buf) < n:
            chunk = self._sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("connection closed by broker")
            buf += chunk
        return bytes(buf)

    def _read_packet(self):
        first = self._recv_exact(1)[0]
        length = decode_remaining_length(lambda: self._recv_exact(1)[0])
        body = self._recv_exact(length) if length else b""
        return first >> 4, first & 0x0F, body

    def _wait_ack(self, ptype, pid, timeout):
        deadline = time.monotonic() + timeout
        with self._cond:
            while (ptype, pid) not in self._acks:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self.connected:
                    raise MqttError("no ack type %d for packet %d (%s)" % (ptype, pid, self.closed_reason or "timeout"))
                self._cond.wait(min(remaining, 0.2))
            return self._acks.pop((ptype, pid))

    def _read_loop(self):
        try:
            while not self._stop.is_set():
                ptype, flags, body = self._read_packet()
                self._handle(ptype, flags, body)
        except (OSError, ConnectionError, MqttError) as e:
            if not self._stop.is_set():
                self.closed_reason = str(e) or type(e).__name__
        finally:
            self.connected = False
            with self._cond:
                self._cond.notify_all()

    def _handle(self, ptype, flags, body):
        if ptype == PUBLISH:
            qos = (flags >> 1) & 3
            tlen = struct.unpack("!H", body[:2])[0]
            topic = body[2:2 + tlen].decode("utf-8")
            pos = 2 + tlen
            pid = None
            if qos:
                pid = struct.unpack("!H", body[pos:pos + 2])[0]
                pos += 2
            with self._cond:
                self._received.append(Message(topic, body[pos:]))
                self._cond.notify_all()
            if qos == 1:
                self._send(PUBACK << 4, struct.pack("!H", pid))
            elif qos == 2:
                self._send(PUBREC << 4, struct.pack("!H", pid))
        elif ptype == PUBREL:
            self._send(PUBCOMP << 4, body[:2])
        elif ptype in (PUBACK, UNSUBACK, PUBCOMP, PUBREC):
            pid = struct.unpack("!H", body[:2])[0]
            if ptype == PUBREC:
                self._send((PUBREL << 4) | 0x02, body[:2])
            with self._cond:
                self._acks[(ptype, pid)] = b""
                self._cond.notify_all()
        elif ptype == SUBACK:
            pid = struct.unpack("!H", body[:2])[0]
            with self._cond:
                self._acks[(ptype, pid)] = body[2:]
                self._cond.notify_all()
        elif ptype == PINGRESP:
            pass
        else:
            raise MqttError("unexpected packet type %d" % ptype)

    def _ping_loop(self):
        # Ping when nothing was sent for half the keepalive, so the broker never drops us.
        interval = max(self.keepalive / 2.0, 0.5)
        while not self._stop.wait(min(interval / 4.0, 1.0)):
            if time.monotonic() - self._last_send >= interval and self.connected:
                try:
                    self._send(PINGREQ << 4, b"")
                except (OSError, MqttError):
                    return
