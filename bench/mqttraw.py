"""Minimal raw-socket MQTT 3.1.1 pieces for the benchmark helper processes (no threads).

Packet builders come from the integration harness (tgmesh_harness.faults); this adds a
blocking connect, a subscribe, and splitting of a byte stream into packets.
"""
import socket
import struct

from tgmesh_harness.faults import mqtt_connect_packet, mqtt_publish_packet  # noqa: F401
from tgmesh_harness.mqtt import CONNACK, PINGREQ, PINGRESP, PUBLISH, SUBACK, SUBSCRIBE

DISCONNECT_PACKET = bytes([0xE0, 0])
PINGREQ_PACKET = bytes([PINGREQ << 4, 0])


def recv_exact(sock, n, buf=b""):
    while len(buf) < n:
        chunk = sock.recv(max(n - len(buf), 65536))
        if not chunk:
            raise ConnectionError("broker closed the connection")
        buf += chunk
    return buf


def read_packet(sock, buf=b""):
    """Reads one packet; returns (type, flags, body, rest of the buffer)."""
    buf = recv_exact(sock, 2, buf)
    length, mult, pos = 0, 1, 1
    while True:
        buf = recv_exact(sock, pos + 1, buf)
        byte = buf[pos]
        length += (byte & 0x7F) * mult
        mult *= 128
        pos += 1
        if not byte & 0x80:
            break
    buf = recv_exact(sock, pos + length, buf)
    return buf[0] >> 4, buf[0] & 0x0F, buf[pos:pos + length], buf[pos + length:]


def connect(port, client_id, timeout=30, keepalive=60):
    """A connected socket (CONNACK accepted); TCP_NODELAY set."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(mqtt_connect_packet(client_id, keepalive=keepalive))
    ptype, _flags, body, rest = read_packet(sock)
    if ptype != CONNACK or len(body) != 2 or body[1] != 0:
        raise RuntimeError("CONNACK refused: type %d body %r" % (ptype, body))
    if rest:
        raise RuntimeError("unexpected bytes after CONNACK")
    return sock


def subscribe(sock, filters, qos=0):
    """Subscribes and waits for the SUBACK; returns bytes that arrived after it."""
    body = struct.pack("!H", 1)
    for f in filters:
        t = f.encode()
        body += struct.pack("!H", len(t)) + t + bytes([qos])
    from tgmesh_harness.mqtt import encode_remaining_length
    sock.sendall(bytes([(SUBSCRIBE << 4) | 0x02]) + encode_remaining_length(len(body)) + body)
    ptype, _flags, body, rest = read_packet(sock)
    if ptype != SUBACK or 0x80 in body[2:]:
        raise RuntimeError("SUBACK refused: type %d body %r" % (ptype, body))
    return rest


def sync(sock, timeout=120):
    """PINGREQ, then waits for PINGRESP: the broker handled everything sent before."""
    sock.settimeout(timeout)
    sock.sendall(PINGREQ_PACKET)
    ptype, _flags, _body, _rest = read_packet(sock)
    if ptype != PINGRESP:
        raise RuntimeError("expected PINGRESP, got type %d" % ptype)


def split_packets(data):
    """Splits concatenated packets into (type, flags, body memoryview) tuples; returns
    (packets, bytes left over that do not form a whole packet)."""
    out = []
    view = memoryview(data)
    n = len(data)
    pos = 0
    while pos + 2 <= n:
        first = data[pos]
        length, mult, p = 0, 1, pos + 1
        complete = False
        while p < n and p - pos <= 4:
            byte = data[p]
            length += (byte & 0x7F) * mult
            mult *= 128
            p += 1
            if not byte & 0x80:
                complete = True
                break
        if not complete or p + length > n:
            break
        out.append((first >> 4, first & 0x0F, view[p:p + length]))
        pos = p + length
    return out, bytes(data[pos:])


def publish_topic_payload(body, flags):
    """(topic str, payload bytes) of a PUBLISH body."""
    tlen = struct.unpack("!H", bytes(body[:2]))[0]
    topic = bytes(body[2:2 + tlen]).decode("utf-8", "replace")
    pos = 2 + tlen + (2 if (flags >> 1) & 3 else 0)
    return topic, bytes(body[pos:])


def count_publishes(data):
    packets, rest = split_packets(data)
    return sum(1 for t, _f, _b in packets if t == PUBLISH), len(rest)
