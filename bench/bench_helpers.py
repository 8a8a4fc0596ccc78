"""Helper processes of the broker benchmarks: each MQTT client runs in its own process so
that the Python interpreter of one never delays another (or the fake Bot API).

    bench_helpers.py flood-pub PORT CLIENT_ID FILE
        connects, prints READY, waits for a line on stdin, writes FILE (pre-built PUBLISH
        packets) in 256 KiB chunks, PINGREQ/PINGRESP, prints JSON {t_start, t_written, t_synced}
    bench_helpers.py flood-sub PORT EXPECTED_BYTES TIMEOUT FILTER...
        subscribes, prints READY, counts received bytes until EXPECTED_BYTES (QoS 0 packets
        are forwarded byte for byte) or no data for 3 s or TIMEOUT; then counts the PUBLISH
        packets; prints JSON {t_first, t_last, bytes, publishes, complete}
    bench_helpers.py timed-sub PORT PSK_B64 FILTER...
        subscribes, prints READY, then one JSON line per PUBLISH received {t, topic, text,
        portnum, from, id} (t stamped when recv() returned; envelopes decrypted after the
        stamp) until stdin is closed
    bench_helpers.py rate-pub PORT CLIENT_ID FILE INTERVAL
        connects, prints READY, waits for a line on stdin, then writes packet i of FILE at
        t0 + i*INTERVAL; prints JSON {sent: [time of each write]}
    bench_helpers.py load-pub PORT RATE
        connects, prints READY, publishes QoS 0 messages on bench/load/<n> at RATE per second
        (evenly spaced) until stdin is closed; prints JSON {sent, seconds}
    bench_helpers.py connect-each PORT FILE
        waits for a line on stdin, then per packet of FILE: new connection (CONNECT, CONNACK),
        the PUBLISH, DISCONNECT, close; prints JSON {t_start, t_end, connections}
    bench_helpers.py persistent PORT FILE
        connects, waits for a line on stdin, writes the packets of FILE one by one,
        PINGREQ/PINGRESP; prints JSON {t_start, t_end, connections: 1}
"""
import json
import os
import selectors
import socket
import sys
import time

import mqttraw
from tgmesh_harness import meshcrypto
from tgmesh_harness.mqtt import PUBLISH

CHUNK = 256 << 10


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def ready():
    sys.stdout.write("READY\n")
    sys.stdout.flush()


def wait_go():
    line = sys.stdin.readline()
    if not line:
        sys.exit(3)


def load_packets(path):
    with open(path, "rb") as f:
        data = f.read()
    packets, rest = mqttraw.split_packets(data)
    assert not rest, "trailing bytes in %s" % path
    # Re-serialize each packet: header byte + remaining length + body.
    out = []
    from tgmesh_harness.mqtt import encode_remaining_length
    for ptype, flags, body in packets:
        out.append(bytes([(ptype << 4) | flags]) + encode_remaining_length(len(body)) + bytes(body))
    return out


def flood_pub(port, client_id, path):
    with open(path, "rb") as f:
        data = f.read()
    sock = mqttraw.connect(int(port), client_id)
    ready()
    wait_go()
    view = memoryview(data)
    t0 = time.time()
    for at in range(0, len(data), CHUNK):
        sock.sendall(view[at:at + CHUNK])
    t1 = time.time()
    mqttraw.sync(sock, timeout=300)
    t2 = time.time()
    sock.sendall(mqttraw.DISCONNECT_PACKET)
    sock.close()
    emit({"t_start": t0, "t_written": t1, "t_synced": t2, "bytes": len(data)})


def flood_sub(port, expected, timeout, *filters):
    expected, timeout = int(expected), float(timeout)
    sock = mqttraw.connect(int(port), "bench-flood-sub-%d" % os.getpid())
    rest = mqttraw.subscribe(sock, filters)
    chunks = [rest] if rest else []
    got = len(rest)
    t_first = time.time() if rest else None
    t_last = t_first
    ready()
    deadline = time.monotonic() + timeout
    sock.settimeout(1.0)
    quiet = 0.0
    buf = bytearray(4 << 20)
    while got < expected and time.monotonic() < deadline:
        try:
            n = sock.recv_into(buf)
        except socket.timeout:
            if t_first is not None:
                quiet += 1.0
                if quiet >= 3.0:
                    break
            continue
        if n == 0:
            break
        t_last = time.time()
        if t_first is None:
            t_first = t_last
        quiet = 0.0
        chunks.append(bytes(buf[:n]))
        got += n
    data = b"".join(chunks)
    publishes, leftover = mqttraw.count_publishes(data)
    try:
        sock.sendall(mqttraw.DISCONNECT_PACKET)
    except OSError:
        pass
    sock.close()
    emit({"t_first": t_first, "t_last": t_last, "bytes": got, "publishes": publishes,
          "leftover": leftover, "complete": got >= expected})


def timed_sub(port, psk_b64, *filters):
    sock = mqttraw.connect(int(port), "bench-timed-sub-%d" % os.getpid())
    pending = mqttraw.subscribe(sock, filters)
    ready()
    sel = selectors.DefaultSelector()
    sock.setblocking(False)
    sel.register(sock, selectors.EVENT_READ, "sock")
    sel.register(sys.stdin, selectors.EVENT_READ, "stdin")
    stamped = []  # (time, bytes)
    if pending:
        stamped.append((time.time(), pending))
    buf = b""
    last_ping = time.monotonic()
    running = True
    while running:
        for key, _ in sel.select(timeout=5.0):
            if key.data == "stdin":
                if not os.read(sys.stdin.fileno(), 4096):
                    running = False
                continue
            try:
                data = sock.recv(1 << 20)
            except BlockingIOError:
                continue
            t = time.time()
            if not data:
                running = False
                break
            stamped.append((t, data))
        # Decode after stamping everything that was ready.
        for t, data in stamped:
            buf += data
            packets, buf = mqttraw.split_packets(buf)
            for ptype, flags, body in packets:
                if ptype != PUBLISH:
                    continue
                topic, payload = mqttraw.publish_topic_payload(body, flags)
                out = {"t": t, "topic": topic, "size": len(payload)}
                try:
                    env = meshcrypto.decrypt_envelope(payload, psk_b64)
                    pkt = env.get("packet", {})
                    dec = pkt.get("decoded", {})
                    out.update({"portnum": dec.get("portnum"), "text": dec.get("text"),
                                "from": pkt.get("from"), "id": pkt.get("id")})
                except Exception:  # noqa: BLE001 - not an envelope of this channel
                    pass
                emit(out)
        stamped = []
        if time.monotonic() - last_ping > 20:
            sock.setblocking(True)
            sock.sendall(mqttraw.PINGREQ_PACKET)  # the PINGRESP is skipped above
            sock.setblocking(False)
            last_ping = time.monotonic()
    try:
        sock.setblocking(True)
        sock.sendall(mqttraw.DISCONNECT_PACKET)
    except OSError:
        pass
    sock.close()


def sleep_until(t):
    while True:
        d = t - time.time()
        if d <= 0:
            return
        time.sleep(d if d < 0.002 else d - 0.001)


def rate_pub(port, client_id, path, interval):
    packets = load_packets(path)
    interval = float(interval)
    sock = mqttraw.connect(int(port), client_id)
    ready()
    wait_go()
    t0 = time.time() + 0.05
    sent = []
    for i, p in enumerate(packets):
        sleep_until(t0 + i * interval)
        sent.append(time.time())
        sock.sendall(p)
    mqttraw.sync(sock)
    sock.sendall(mqttraw.DISCONNECT_PACKET)
    sock.close()
    emit({"sent": sent})


def load_pub(port, rate):
    rate = float(rate)
    sock = mqttraw.connect(int(port), "bench-load-%d" % os.getpid())
    packets = [mqttraw.mqtt_publish_packet("bench/load/%d" % (i % 100), b"x" * 60) for i in range(100)]
    ready()
    sel = selectors.DefaultSelector()
    sel.register(sys.stdin, selectors.EVENT_READ)
    interval = 1.0 / rate
    t0 = time.time()
    n = 0
    while True:
        n += 1
        target = t0 + n * interval
        d = target - time.time()
        if d > 0:
            if sel.select(timeout=d):
                if not os.read(sys.stdin.fileno(), 4096):
                    break
        sock.sendall(packets[n % 100])
        if n % 2000 == 0:
            sock.sendall(mqttraw.PINGREQ_PACKET)  # keepalive; PINGRESP left unread (tiny)
    seconds = time.time() - t0
    sock.sendall(mqttraw.DISCONNECT_PACKET)
    sock.close()
    emit({"sent": n, "seconds": seconds})


def connect_each(port, path):
    packets = load_packets(path)
    port = int(port)
    ready()
    wait_go()
    t0 = time.time()
    for i, p in enumerate(packets):
        sock = mqttraw.connect(port, "oldbot-%d-%d" % (os.getpid(), i))
        sock.sendall(p)
        sock.sendall(mqttraw.DISCONNECT_PACKET)
        sock.close()
    emit({"t_start": t0, "t_end": time.time(), "connections": len(packets)})


def persistent(port, path):
    packets = load_packets(path)
    sock = mqttraw.connect(int(port), "bench-persistent-%d" % os.getpid())
    ready()
    wait_go()
    t0 = time.time()
    for p in packets:
        sock.sendall(p)
    mqttraw.sync(sock)
    t1 = time.time()
    sock.sendall(mqttraw.DISCONNECT_PACKET)
    sock.close()
    emit({"t_start": t0, "t_end": t1, "connections": 1})


COMMANDS = {"flood-pub": flood_pub, "flood-sub": flood_sub, "timed-sub": timed_sub, "rate-pub": rate_pub,
            "load-pub": load_pub, "connect-each": connect_each, "persistent": persistent}

if __name__ == "__main__":
    COMMANDS[sys.argv[1]](*sys.argv[2:])
