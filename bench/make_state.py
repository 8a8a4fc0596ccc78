"""Writes a tgmesh state file with many nodes and message-map entries (Python fallback for
build-bench/bench/codec/make_big_state), in the format of plugin/core/state.cpp
serialize_state and NodeRegistry::to_json:

    python3 bench/make_state.py PATH [NODES [LINKS]]     (defaults 10000 and 2000)

Nodes are realistic: names, hardware model, role, a public key for two thirds of them, one to
three gateway receptions with hops/SNR/RSSI, a position for half, battery and voltage; all
heard within the last day (so nothing ages out).  Message-map entries link chat messages of
chat -1001 to mesh packets.
"""
import base64
import json
import os
import random
import sys
import time

CHAT = -1001
NODE_ID = "!7b000001"


def make_state(nodes=10000, links=2000, seed=1):
    rnd = random.Random(seed)
    now = int(time.time())
    gateways = ["!%08x" % (0xA1B2C300 + i) for i in range(12)]
    node_list = []
    nums = set()
    while len(nums) < nodes:
        nums.add(rnd.randrange(0x10000000, 0xFFFFFFFE))
    nums = sorted(nums)
    for i, num in enumerate(nums):
        n = {"id": "!%08x" % num, "long_name": "Meshtastic Node %05d %s" % (i, rnd.choice(["Hill", "Base", "Car", "Home"])),
             "short_name": "%04x" % (num & 0xFFFF), "hw_model": rnd.choice([4, 9, 43, 48, 255]),
             "role": rnd.choice([0, 0, 0, 1, 2])}
        if i % 3:
            n["public_key"] = base64.b64encode(rnd.randbytes(32)).decode()
        heard = now - rnd.randrange(0, 86000)
        n["last_heard"] = heard
        recs = []
        for gw in rnd.sample(gateways, rnd.randint(1, 3)):
            recs.append({"gateway": gw, "hops": rnd.randint(0, 3), "snr": round(rnd.uniform(-15, 10), 2),
                         "rssi": rnd.randint(-125, -60), "time": heard - rnd.randrange(0, 600)})
        n["receptions"] = recs
        if i % 2:
            n["position"] = {"latitude_i": rnd.randint(-900000000, 900000000),
                             "longitude_i": rnd.randint(-1800000000, 1800000000),
                             "altitude": rnd.randint(0, 3000), "time": heard - 60, "precision_bits": 32,
                             "heard": heard}
        if i % 4:
            n["battery_level"] = rnd.randint(1, 101)
            n["voltage"] = round(rnd.uniform(3.3, 4.2), 3)
        node_list.append(n)
    node_list.sort(key=lambda n: (-n["last_heard"], n["id"]))
    link_list = []
    for i in range(links):
        link = {"chat_id": CHAT, "message_id": 100000 + i, "node": node_list[i % len(node_list)]["id"],
                "packet_id": rnd.randrange(1, 0xFFFFFFFF)}
        if i % 5 == 0:
            link["direct"] = True
        link_list.append(link)
    return {"version": 1, "node_id": NODE_ID, "packet_counter": 12345, "telegram_offset": 0,
            "mesh_queue": [], "chat_queue": [], "message_links": link_list, "nodes": node_list}


def main(argv):
    path = argv[1]
    nodes = int(argv[2]) if len(argv) > 2 else 10000
    links = int(argv[3]) if len(argv) > 3 else 2000
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(make_state(nodes, links), f, separators=(",", ":"))
    os.chmod(tmp, 0o600)
    os.rename(tmp, path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
