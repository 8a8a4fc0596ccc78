"""Writes pre-built MQTT packets to a broker as fast as possible, one connection per file.

    python3 -m tgmesh_harness.flood_sender PORT CLIENT_ID=FILE [CLIENT_ID=FILE ...]

Each FILE holds back-to-back PUBLISH packets (built by the test).  Every connection sends
CONNECT, waits for CONNACK, writes its file in 256 KiB chunks, then PINGREQ and waits for
PINGRESP (the broker has read and handled every packet before it), then DISCONNECT.  Runs
in its own process so the test's latency probes do not share its interpreter.  Prints one
JSON line: {"seconds": total, "bytes": n, "per_connection": [...]}.
"""
import json
import sys
import threading
import time

from .faults import RawPublisher

CHUNK = 256 << 10


def send_file(port, client_id, path, out):
    with open(path, "rb") as f:
        data = f.read()
    pub = RawPublisher(port, client_id)
    t0 = time.monotonic()
    view = memoryview(data)
    for at in range(0, len(data), CHUNK):
        pub.send(view[at:at + CHUNK])
    sent = time.monotonic()
    pub.sync(timeout=300)
    done = time.monotonic()
    pub.close()
    out.append({"client_id": client_id, "bytes": len(data), "write_seconds": sent - t0,
                "handled_seconds": done - t0})


def main(argv):
    port = int(argv[1])
    jobs = [arg.split("=", 1) for arg in argv[2:]]
    results = []
    threads = [threading.Thread(target=send_file, args=(port, cid, path, results)) for cid, path in jobs]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"seconds": time.monotonic() - t0, "bytes": sum(r["bytes"] for r in results),
                      "per_connection": results}))
    return 0 if len(results) == len(jobs) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
