#!/usr/bin/env python3
"""tgmesh broker benchmarks (issue 6, items 1, 2, 3, 5 and 6): the real mosquitto 2.0 with and
without the plugin, the fake Bot API of the integration tests on loopback, and MQTT clients
in their own processes (bench_helpers.py).  Normally run by bench/run.sh, which builds the
plugin first and adds the codec micro-benchmarks (item 4).

    python3 bench/broker_bench.py --plugin build-bench/mosquitto_tgmesh.so [--quick]
        [--only flood,uplink,downlink_latency,memory,downlinks] [--json out.json]

Every comparison is taken side by side in the same run (with/without alternating, the
order flipping every repetition); each figure is the median over the repetitions, with the
range.  Prints a table to stdout; progress goes to stderr.
"""
import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import threading
import time

import benchlib as bl
import envelopes
from tgmesh_harness import meshpb
from tgmesh_harness.faults import mqtt_publish_packet

SECTIONS = ["flood", "uplink", "downlink_latency", "memory", "downlinks"]


class Settings:
    def __init__(self, quick):
        self.quick = quick
        self.flood_messages = 20_000 if quick else 200_000
        self.flood_publishers = 4
        self.flood_reps = 2 if quick else 7
        self.uplink_messages = 60 if quick else 500
        self.uplink_warmup = 10 if quick else 20
        self.uplink_interval = 0.02
        self.uplink_reps = 1 if quick else 3
        self.latency_samples = 15 if quick else 100
        self.latency_reps = 1 if quick else 2
        self.busy_rate = 2000
        self.memory_reps = 1 if quick else 3
        self.memory_nodes = 10_000
        self.memory_links = 2_000
        self.idle_seconds = 4 if quick else 20
        self.idle_slices = 2 if quick else 4
        self.downlinks = 100 if quick else 1000
        self.downlink_reps = 1 if quick else 3


# ---------------------------------------------------------------- 1. flood

def build_flood_files(directory, kind, total, publishers):
    """One file of PUBLISH packets per publisher; returns (paths, filters, total bytes)."""
    bufs = [bytearray() for _ in range(publishers)]
    if kind == "unrelated":
        for i in range(total):
            p = i % publishers
            payload = b'{"id":%05d,"seq":%07d,"t":21.%02d,"h":48.5,"u":"C"}' % (i % 1000, i, i % 100)
            payload = payload.ljust(60, b" ")
            bufs[p] += mqtt_publish_packet("sensors/%d/temp" % (i % 1000), payload)
        filters = ["sensors/#"]
    else:
        gateways = ["!f100d%03x" % p for p in range(publishers)]
        base = random.Random(7).randrange(0x10000000, 0x7FFFFFFF)
        for i in range(total):
            p = i % publishers
            sender = 0x0F100000 + (i % 50)
            text = "bench flood %07d: all quiet on the ridge" % i
            env = envelopes.text_envelope(sender, base + i, text, gateways[p], rx_snr=6.25 - (i % 20) / 4.0)
            bufs[p] += mqtt_publish_packet("%s/2/e/%s/%s" % (bl.ROOT, bl.CHANNEL, gateways[p]), env)
        # Exact gateway topics: not the plugin's own announcements on its node's topic.
        filters = ["%s/2/e/%s/%s" % (bl.ROOT, bl.CHANNEL, gw) for gw in gateways]
    paths = []
    for p, data in enumerate(bufs):
        path = os.path.join(directory, "flood-%s-%d.bin" % (kind, p))
        with open(path, "wb") as f:
            f.write(data)
        paths.append(path)
    return paths, filters, sum(len(b) for b in bufs)


def thread_cpu(pid):
    """{thread: {cpu_s, tick_cpu_s, wakeups}} of a live broker: 'main' is the broker thread,
    the others are the plugin's (worker, libcurl). cpu_s is the scheduler's exact time on a CPU
    (/proc/<pid>/task/<tid>/schedstat, ns); tick_cpu_s is utime+stime from .../stat, which the
    kernel samples at each 10 ms tick (about 5 % error on a 5 s flood); wakeups: voluntary
    context switches."""
    out = {}
    base = "/proc/%d/task" % pid
    for tid in os.listdir(base):
        try:
            with open("%s/%s/stat" % (base, tid)) as f:
                raw = f.read()
            with open("%s/%s/status" % (base, tid)) as f:
                status = f.read()
            with open("%s/%s/schedstat" % (base, tid)) as f:
                on_cpu_ns = int(f.read().split()[0])
        except OSError:
            continue
        fields = raw.rsplit(")", 1)[1].split()
        ticks = (int(fields[11]) + int(fields[12])) / bl.CLK_TCK
        vol = 0
        for line in status.splitlines():
            if line.startswith("voluntary_ctxt_switches:"):
                vol = int(line.split()[1])
        key = "main" if int(tid) == pid else "thread-%s" % tid
        out[key] = {"cpu_s": on_cpu_ns / 1e9, "tick_cpu_s": ticks, "wakeups": vol}
    return out


def machine_busy():
    """(busy, total) jiffies of all CPUs from /proc/stat."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def run_flood(s, tg, plugin_path, with_plugin, paths, filters, total_bytes, total_msgs):
    broker = bl.start_plugin_broker(plugin_path, tg) if with_plugin else bl.start_plain_broker()
    try:
        sends_before = len(tg.requests("sendMessage"))
        sub = bl.spawn(["bench_helpers.py", "flood-sub", str(broker.port), str(total_bytes), "120"] + filters)
        bl.read_line(sub, 15, "flood subscriber")
        pubs = []
        for i, path in enumerate(paths):
            pubs.append(bl.spawn(["bench_helpers.py", "flood-pub", str(broker.port), "bench-pub-%d" % i, path]))
        for p in pubs:
            bl.read_line(p, 15, "flood publisher")
        cpu0 = bl.cpu_ticks(broker.pid)
        threads0 = thread_cpu(broker.pid)
        busy0 = machine_busy()
        for p in pubs:
            p.stdin.write(b"go\n")
            p.stdin.flush()
        pub_res = [bl.finish(p, 180, "flood publisher") for p in pubs]
        sub_res = bl.finish(sub, 180, "flood subscriber")
        cpu1 = bl.cpu_ticks(broker.pid)
        busy1 = machine_busy()
        threads1 = thread_cpu(broker.pid)
        threads = {k: {f: v[f] - threads0.get(k, {}).get(f, 0) for f in ("cpu_s", "tick_cpu_s", "wakeups")}
                   for k, v in threads1.items()}
        t0 = min(r["t_start"] for r in pub_res)
        seconds = (sub_res["t_last"] or t0) - t0
        result = {"with_plugin": with_plugin, "seconds": seconds,
                  "msgs_per_s": total_msgs / seconds if seconds > 0 and sub_res["complete"] else None,
                  "received": sub_res["publishes"], "complete": sub_res["complete"],
                  "publishers_synced_s": max(r["t_synced"] for r in pub_res) - t0,
                  "broker_cpu_s": (cpu1 - cpu0) / bl.CLK_TCK, "broker_threads": threads,
                  "machine_busy_pct": 100.0 * (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]),
                  "telegram_posts": len(tg.requests("sendMessage")) - sends_before}
    finally:
        code = broker.finish()
    result["exit_code"] = code
    if with_plugin:
        result["plugin_log_tail"] = [l for l in broker.final_log.splitlines() if "tgmesh:" in l][-8:]
    if not result["complete"]:
        bl.log("flood %s: only %d of %d messages arrived" % ("with" if with_plugin else "without",
                                                               result["received"], total_msgs))
    return result


def per_msg(run, which, s):
    th = run["broker_threads"]
    if which == "main":
        secs = th.get("main", {}).get("cpu_s", 0)
    else:
        secs = sum(v["cpu_s"] for k, v in th.items() if k != "main")
    return secs * 1e6 / s.flood_messages


def plugin_wakeups(run):
    return sum(v["wakeups"] for k, v in run["broker_threads"].items() if k != "main")


def bench_flood(s, plugin_path):
    out = {}
    d = bl.tmpdir()
    tg = bl.BenchFake().start()
    try:
        for kind in ("unrelated", "mesh"):
            t = time.monotonic()
            paths, filters, total_bytes = build_flood_files(d, kind, s.flood_messages, s.flood_publishers)
            bl.log("flood %s: %d messages (%.1f MB) built in %.1f s" % (kind, s.flood_messages, total_bytes / 1e6,
                                                                     time.monotonic() - t))
            runs = []
            for rep in range(s.flood_reps):
                order = (False, True) if rep % 2 == 0 else (True, False)
                pair = {}
                for with_plugin in order:
                    r = run_flood(s, tg, plugin_path, with_plugin, paths, filters, total_bytes, s.flood_messages)
                    pair["with" if with_plugin else "without"] = r
                    tg.trim()
                w, wo = pair["with"]["msgs_per_s"], pair["without"]["msgs_per_s"]
                pair["ratio"] = (w / wo) if w and wo else None
                cw, cwo = per_msg(pair["with"], "main", s), per_msg(pair["without"], "main", s)
                pair["cpu_ratio"] = (cw / cwo) if cw and cwo else None
                bl.log("flood %s rep %d: without %s/s, with %s/s, ratio %s; broker-thread CPU ratio %s" % (
                    kind, rep + 1, fmt_num(wo), fmt_num(w), fmt_num(pair["ratio"], 3), fmt_num(pair["cpu_ratio"], 3)))
                runs.append(pair)
            out[kind] = {"messages": s.flood_messages, "bytes": total_bytes, "publishers": s.flood_publishers,
                         "without_msgs_per_s": bl.summary([r["without"]["msgs_per_s"] for r in runs]),
                         "with_msgs_per_s": bl.summary([r["with"]["msgs_per_s"] for r in runs]),
                         "ratio": bl.summary([r["ratio"] for r in runs]),
                         "broker_cpu_s_without": bl.summary([r["without"]["broker_cpu_s"] for r in runs]),
                         "broker_cpu_s_with": bl.summary([r["with"]["broker_cpu_s"] for r in runs]),
                         "main_thread_us_per_msg_without": bl.summary([per_msg(r["without"], "main", s) for r in runs]),
                         "main_thread_us_per_msg_with": bl.summary([per_msg(r["with"], "main", s) for r in runs]),
                         "main_thread_cpu_ratio": bl.summary([r["cpu_ratio"] for r in runs]),
                         "plugin_threads_us_per_msg": bl.summary([per_msg(r["with"], "plugin", s) for r in runs]),
                         "plugin_thread_wakeups": bl.summary([plugin_wakeups(r["with"]) for r in runs]),
                         "machine_busy_pct_without": bl.summary([r["without"]["machine_busy_pct"] for r in runs]),
                         "machine_busy_pct_with": bl.summary([r["with"]["machine_busy_pct"] for r in runs]),
                         "runs": runs}
            for p in paths:
                os.unlink(p)
    finally:
        tg.close()
    return out


# ---------------------------------------------------------------- 2. uplink -> Telegram

def bench_uplink(s, plugin_path):
    d = bl.tmpdir()
    runs = []
    gateway = "!a1b2c3d4"
    topic = "%s/2/e/%s/%s" % (bl.ROOT, bl.CHANNEL, gateway)
    for rep in range(s.uplink_reps):
        tg = bl.BenchFake().start()
        broker = None
        try:
            broker = bl.start_plugin_broker(plugin_path, tg, chat_pacing="off")
            n = s.uplink_warmup + s.uplink_messages
            base = random.randrange(0x10000000, 0x7FFFFFFF)
            tokens = ["up%d%05dz" % (rep, i) for i in range(n)]
            data = bytearray()
            for i, tok in enumerate(tokens):
                env = envelopes.text_envelope(0x0F200000 + i % 20, base + i, "%s hello from the ridge" % tok,
                                              gateway, rx_time=int(time.time()))
                data += mqtt_publish_packet(topic, env)
            path = os.path.join(d, "uplink-%d.bin" % rep)
            with open(path, "wb") as f:
                f.write(data)
            pub = bl.spawn(["bench_helpers.py", "rate-pub", str(broker.port), gateway, path, str(s.uplink_interval)])
            bl.read_line(pub, 15, "uplink publisher")
            pub.stdin.write(b"go\n")
            pub.stdin.flush()
            sent = bl.finish(pub, n * s.uplink_interval + 60, "uplink publisher")["sent"]
            deadline = time.monotonic() + 10
            arrived = {}
            while time.monotonic() < deadline:
                for r in tg.requests("sendMessage"):
                    text = str(r.params.get("text", ""))
                    at = text.find("up%d" % rep)
                    if at >= 0:
                        arrived.setdefault(text[at:at + len(tokens[0])], r.time)
                if len(arrived) >= n:
                    break
                time.sleep(0.1)
            lat = [(arrived[tok] - sent[i]) * 1000 for i, tok in enumerate(tokens)
                   if i >= s.uplink_warmup and tok in arrived]
            r = {"sent": s.uplink_messages, "arrived": len(lat), "p50_ms": bl.percentile(lat, 50),
                 "p90_ms": bl.percentile(lat, 90), "p99_ms": bl.percentile(lat, 99), "max_ms": max(lat, default=None),
                 "min_ms": min(lat, default=None)}
            bl.log("uplink->telegram rep %d: %d/%d arrived, p50 %s ms, p99 %s ms, max %s ms" % (
                rep + 1, r["arrived"], r["sent"], fmt_num(r["p50_ms"], 2), fmt_num(r["p99_ms"], 2),
                fmt_num(r["max_ms"], 2)))
            if "chat_pacing" in broker.log_text() and "unknown" in broker.log_text().lower():
                r["warning"] = "the plugin does not know chat_pacing: Telegram pacing was on"
            runs.append(r)
        finally:
            if broker:
                broker.finish()
            tg.close()
    return {"messages_per_s": 1 / s.uplink_interval, "warmup_excluded": s.uplink_warmup,
            "p50_ms": bl.summary([r["p50_ms"] for r in runs]), "p99_ms": bl.summary([r["p99_ms"] for r in runs]),
            "max_ms": bl.summary([r["max_ms"] for r in runs]), "runs": runs}


# ---------------------------------------------------------------- 3. Telegram -> mesh

class LineCollector:
    """Reads JSON lines of a timed-sub helper in a thread."""

    def __init__(self, proc):
        self.proc = proc
        self.items = []
        self._cond = threading.Condition()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        for raw in self.proc.stdout:
            try:
                item = json.loads(raw)
            except ValueError:
                continue
            with self._cond:
                self.items.append(item)
                self._cond.notify_all()

    def texts(self):
        with self._cond:
            return [(i["t"], i.get("text") or "") for i in self.items]

    def wait(self, predicate, timeout):
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate(self.items):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True


def start_timed_sub(port, filters):
    proc = bl.spawn(["bench_helpers.py", "timed-sub", str(port), "AQ=="] + filters)
    if bl.read_line(proc, 15, "timed subscriber") != "READY":
        raise RuntimeError("timed subscriber not ready")
    return proc, LineCollector(proc)


def stop_timed_sub(proc):
    try:
        proc.stdin.close()
        proc.wait(10)
    except (OSError, subprocess.TimeoutExpired):
        bl.kill(proc)


def tg_to_mesh_samples(s, tg, collector, prefix):
    """Injects /send <token> updates spaced 50-150 ms; returns latencies (ms) from the
    getUpdates answer handing each over to its envelope at the subscriber."""
    uids = {}
    for i in range(s.latency_samples):
        tok = "%s%04dz" % (prefix, i)
        uids[tok] = tg.inject_message(bl.CHAT, "/send " + tok)
        time.sleep(random.uniform(0.05, 0.15))

    def done(items):
        seen = sum(1 for it in items if prefix in (it.get("text") or ""))
        return seen >= len(uids)
    collector.wait(done, 10)
    got = {}
    for t, text in collector.texts():
        at = text.find(prefix)
        if at >= 0:
            got.setdefault(text[at:at + len(prefix) + 5], t)
    lat = []
    for tok, uid in uids.items():
        if tok in got and uid in tg.handover:
            lat.append((got[tok] - tg.handover[uid]) * 1000)
    return lat


def latency_stats(lat, n):
    return {"samples": n, "arrived": len(lat), "p50_ms": bl.percentile(lat, 50), "p90_ms": bl.percentile(lat, 90),
            "p99_ms": bl.percentile(lat, 99), "max_ms": max(lat, default=None), "min_ms": min(lat, default=None),
            "sorted_ms": sorted(round(x, 3) for x in lat)}


def downlink_latency_run(s, path, name, rep, options):
    tg = bl.BenchFake().start()
    broker = sub = load = None
    try:
        broker = bl.start_plugin_broker(path, tg, chat_pacing="off", **options)
        sub, collector = start_timed_sub(broker.port, ["%s/2/e/#" % bl.ROOT])
        time.sleep(0.5)  # the start-up announcement goes out first
        r = {}
        tag = name.replace(" ", "")[-2:]
        lat = tg_to_mesh_samples(s, tg, collector, "i%s%d" % (tag, rep))
        r["idle"] = latency_stats(lat, s.latency_samples)
        load = bl.spawn(["bench_helpers.py", "load-pub", str(broker.port), str(s.busy_rate)])
        bl.read_line(load, 15, "load publisher")
        time.sleep(0.5)
        lat = tg_to_mesh_samples(s, tg, collector, "b%s%d" % (tag, rep))
        load.stdin.close()
        load_res = bl.finish(load, 15, "load publisher")
        r["busy"] = latency_stats(lat, s.latency_samples)
        r["busy"]["load_msgs_per_s"] = load_res["sent"] / load_res["seconds"]
        bl.log("telegram->mesh %s rep %d: idle p50 %s p99 %s ms; busy (%.0f msg/s) p50 %s p99 %s ms" % (
            name, rep + 1, fmt_num(r["idle"]["p50_ms"], 2), fmt_num(r["idle"]["p99_ms"], 2),
            r["busy"]["load_msgs_per_s"], fmt_num(r["busy"]["p50_ms"], 2), fmt_num(r["busy"]["p99_ms"], 2)))
        return r
    finally:
        if load:
            bl.kill(load)
        if sub:
            stop_timed_sub(sub)
        if broker:
            broker.finish()
        tg.close()


# wake_broker off and on, measured side by side: each rep runs both, in alternating order.
LATENCY_VARIANTS = [("wake off", {}), ("wake on", {"wake_broker": "on"})]


def bench_downlink_latency(s, path):
    runs = {name: [] for name, _ in LATENCY_VARIANTS}
    for rep in range(s.latency_reps):
        order = LATENCY_VARIANTS if rep % 2 == 0 else list(reversed(LATENCY_VARIANTS))
        for name, options in order:
            runs[name].append(downlink_latency_run(s, path, name, rep, options))
    out = {}
    for name, _ in LATENCY_VARIANTS:
        out[name] = {cond: {k: bl.summary([r[cond][k] for r in runs[name]]) for k in ("p50_ms", "p99_ms", "max_ms")}
                     for cond in ("idle", "busy")}
        out[name]["runs"] = runs[name]
        out[name]["plugin"] = path
    return out


# ---------------------------------------------------------------- 5. memory and idle CPU

def big_state_file(build_dir, directory, s):
    path = os.path.join(directory, "big-state.json")
    tool = os.path.join(build_dir, "bench", "codec", "make_big_state")
    source = None
    if os.access(tool, os.X_OK):
        r = subprocess.run([tool, path], capture_output=True, timeout=120)
        if r.returncode == 0 and os.path.isfile(path):
            source = "make_big_state"
        else:
            bl.log("make_big_state failed (%s): %s" % (r.returncode, r.stderr.decode()[-500:]))
    if source is None:
        subprocess.run([sys.executable, os.path.join(bl.HERE, "make_state.py"), path,
                        str(s.memory_nodes), str(s.memory_links)], check=True, timeout=120)
        source = "bench/make_state.py"
    with open(path) as f:
        st = json.load(f)
    return path, source, len(st.get("nodes", [])), len(st.get("message_links", [])), os.path.getsize(path)


def wait_nodes_known(broker, timeout=20):
    import re
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        m = re.search(r"(\d+) nodes known", broker.log_text(current_run=True))
        if m:
            return int(m.group(1))
        time.sleep(0.1)
    return None


def status_kib(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def gdb_malloc_trim(pid):
    """Diagnostic: RSS after malloc_trim(0) inside the broker (via gdb), i.e. without the
    freed heap glibc keeps; None when gdb is missing or fails."""
    if not shutil.which("gdb"):
        return None
    try:
        r = subprocess.run(["gdb", "-p", str(pid), "-batch", "-ex", "call (int)malloc_trim(0)"],
                           capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if r.returncode != 0:
        return None
    time.sleep(0.2)
    return bl.rss_kib(pid)


def wait_first_save(broker, timeout):
    """Waits until the plugin rewrote its state file (mtime after the broker started)."""
    path = broker.effective_options()["state_file"]
    started = time.time() - (time.monotonic() - broker.started_at)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if os.path.getmtime(path) > started + 0.5:
                time.sleep(1.0)  # the save finished and freed its JSON tree
                return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def bench_memory(s, plugin_path, build_dir):
    d = bl.tmpdir()
    state, source, nodes, links, size = big_state_file(build_dir, d, s)
    bl.log("state file from %s: %d nodes, %d message-map entries, %.1f MB" % (source, nodes, links, size / 1e6))
    runs = []
    tg = bl.BenchFake().start()
    idle = None
    try:
        for rep in range(s.memory_reps):
            last = rep == s.memory_reps - 1
            pair = {}
            brokers = {}
            try:
                kinds = ["without", "with", "empty_state"]
                if rep % 2:
                    kinds.reverse()
                for kind in kinds:
                    if kind == "with":
                        work = bl.tmpdir()
                        shutil.copy(state, os.path.join(work, "state.json"))
                        b = bl.start_plugin_broker(plugin_path, tg, workdir=work)
                        pair["nodes_loaded"] = wait_nodes_known(b)
                    elif kind == "empty_state":
                        b = bl.start_plugin_broker(plugin_path, tg)
                    else:
                        b = bl.start_plain_broker()
                    brokers[kind] = b
                time.sleep(2.0)  # settle
                for kind, b in brokers.items():
                    pair[kind + "_kib"] = bl.rss_kib(b.pid)
                    pair[kind + "_hwm_kib"] = status_kib(b.pid, "VmHWM")
                    pair[kind + "_anon_kib"] = status_kib(b.pid, "RssAnon")
                pair["extra_mib"] = (pair["with_kib"] - pair["without_kib"]) / 1024.0
                pair["extra_empty_mib"] = (pair["empty_state_kib"] - pair["without_kib"]) / 1024.0
                bl.log("memory rep %d: without %.1f MiB, with %.1f MiB (+%.1f MiB, peak %.1f MiB, %s nodes loaded), "
                       "with an empty state %.1f MiB" % (
                           rep + 1, pair["without_kib"] / 1024, pair["with_kib"] / 1024, pair["extra_mib"],
                           pair["with_hwm_kib"] / 1024, pair["nodes_loaded"], pair["empty_state_kib"] / 1024))
                runs.append(pair)
                if last:
                    brokers["empty_state"].finish()
                    idle = measure_idle_cpu(s, {True: brokers["with"], False: brokers["without"]})
                    # The plugin saves its (dirty after loading) state 30 s after the start:
                    # the RSS a running bridge keeps includes what that save leaves behind.
                    saved = not s.quick and wait_first_save(brokers["with"], timeout=45)
                    if saved:
                        pair["with_after_save_kib"] = bl.rss_kib(brokers["with"].pid)
                        pair["with_after_save_hwm_kib"] = status_kib(brokers["with"].pid, "VmHWM")
                        bl.log("memory: with the plugin after its first state save: %.1f MiB (+%.1f MiB)" % (
                            pair["with_after_save_kib"] / 1024,
                            (pair["with_after_save_kib"] - pair["without_kib"]) / 1024))
                    trimmed = gdb_malloc_trim(brokers["with"].pid)
                    if trimmed is not None:
                        pair["with_after_malloc_trim_kib"] = trimmed
                        bl.log("memory: with the plugin after malloc_trim(0): %.1f MiB (+%.1f MiB)" % (
                            trimmed / 1024, (trimmed - pair["without_kib"]) / 1024))
            finally:
                for b in brokers.values():
                    b.finish()
    finally:
        tg.close()
    trims = [r["with_after_malloc_trim_kib"] / 1024.0 for r in runs if "with_after_malloc_trim_kib" in r]
    saves = [r["with_after_save_kib"] / 1024.0 for r in runs if "with_after_save_kib" in r]
    return {"state_source": source, "state_nodes": nodes, "state_links": links, "state_bytes": size,
            "without_mib": bl.summary([r["without_kib"] / 1024.0 for r in runs]),
            "with_mib": bl.summary([r["with_kib"] / 1024.0 for r in runs]),
            "with_peak_mib": bl.summary([r["with_hwm_kib"] / 1024.0 for r in runs]),
            "empty_state_mib": bl.summary([r["empty_state_kib"] / 1024.0 for r in runs]),
            "extra_mib": bl.summary([r["extra_mib"] for r in runs]),
            "extra_empty_mib": bl.summary([r["extra_empty_mib"] for r in runs]),
            "with_after_malloc_trim_mib": bl.summary(trims),
            "with_after_first_save_mib": bl.summary(saves),
            "runs": runs, "idle_cpu": idle}


def measure_idle_cpu(s, brokers):
    """Both brokers idle side by side for s.idle_seconds, in slices; % of one core."""
    slices = []
    slice_s = s.idle_seconds / s.idle_slices
    prev = {k: (bl.cpu_ns(b.pid), bl.cpu_ticks(b.pid), time.monotonic()) for k, b in brokers.items()}
    total0 = dict(prev)
    for _ in range(s.idle_slices):
        time.sleep(slice_s)
        row = {}
        for k, b in brokers.items():
            ns, ticks, t = bl.cpu_ns(b.pid), bl.cpu_ticks(b.pid), time.monotonic()
            row["with" if k else "without"] = (ns - prev[k][0]) / 1e9 / (t - prev[k][2]) * 100
            prev[k] = (ns, ticks, t)
        slices.append(row)
    totals = {}
    for k, b in brokers.items():
        ns, ticks, t = prev[k]
        secs = t - total0[k][2]
        totals["with" if k else "without"] = {
            "seconds": secs, "cpu_ms_schedstat": (ns - total0[k][0]) / 1e6,
            "cpu_ms_stat": (ticks - total0[k][1]) * 1000.0 / bl.CLK_TCK,
            "percent_of_core": (ns - total0[k][0]) / 1e9 / secs * 100}
    bl.log("idle CPU over %.0f s: without %.3f%%, with %.3f%% of one core" % (
        s.idle_seconds, totals["without"]["percent_of_core"], totals["with"]["percent_of_core"]))
    return {"seconds": s.idle_seconds, "totals": totals,
            "without_pct": bl.summary([r["without"] for r in slices]),
            "with_pct": bl.summary([r["with"] for r in slices]), "slices": slices}


# ---------------------------------------------------------------- 6. 1000 downlinks

def downlink_file(directory, n, name):
    data = bytearray()
    base = random.randrange(0x10000000, 0x7FFFFFFF)
    node = meshpb.node_num(bl.NODE_ID)
    for i in range(n):
        env = envelopes.text_envelope(node, base + i, "Alice: dl-%s-%04d hello mesh" % (name, i), bl.NODE_ID,
                                      rx_time=0, rx_snr=0.0, rx_rssi=0)
        data += mqtt_publish_packet(bl.BRIDGE_TOPIC, env)
    path = os.path.join(directory, "downlinks-%s.bin" % name)
    with open(path, "wb") as f:
        f.write(data)
    return path, len(data)


def external_downlinks(s, mode, path, total_bytes):
    """(a) connect-each or (b) persistent, into a broker without the plugin (the old bot's
    architecture); returns {seconds, connections, received}."""
    broker = bl.start_plain_broker()
    try:
        sub = bl.spawn(["bench_helpers.py", "flood-sub", str(broker.port), str(total_bytes), "120", bl.BRIDGE_TOPIC])
        bl.read_line(sub, 15, "downlink subscriber")
        before = broker.connections()
        pub = bl.spawn(["bench_helpers.py", mode, str(broker.port), path])
        bl.read_line(pub, 15, mode)
        pub.stdin.write(b"go\n")
        pub.stdin.flush()
        pres = bl.finish(pub, 300, mode)
        sres = bl.finish(sub, 300, "downlink subscriber")
        time.sleep(0.2)
        conns = broker.connections() - before
        return {"seconds": (sres["t_last"] or pres["t_start"]) - pres["t_start"], "received": sres["publishes"],
                "connections": conns, "complete": sres["complete"]}
    finally:
        broker.finish()


def plugin_downlinks(s, plugin_path):
    """(c) /send updates through the fake Bot API, in batches of 50 (the plugin's mesh queue),
    mesh_interval 0; the envelopes are counted at a subscriber."""
    tg = bl.BenchFake().start()
    broker = sub = None
    try:
        broker = bl.start_plugin_broker(plugin_path, tg)
        time.sleep(0.5)
        sub, collector = start_timed_sub(broker.port, [bl.BRIDGE_TOPIC])
        before = broker.connections()  # the subscriber's own connection is already counted
        n, batch = s.downlinks, 50
        t0 = time.time()
        last_uid = None
        for start in range(0, n, batch):
            for i in range(start, min(n, start + batch)):
                last_uid = tg.inject_message(bl.CHAT, "/send dl-c-%04d hello mesh" % i)
            if not tg.wait_confirmed(last_uid, timeout=30):
                raise RuntimeError("the plugin did not fetch the /send updates")

        def done(items):
            return sum(1 for it in items if "dl-c-" in (it.get("text") or "")) >= n
        collector.wait(done, 30)
        times = [t for t, text in collector.texts() if "dl-c-" in text]
        refused = sum(1 for r in tg.requests("sendMessage") if "queue is full" in str(r.params.get("text", "")))
        return {"seconds": (max(times) - t0) if times else None, "received": len(times),
                "connections": broker.connections() - before, "complete": len(times) >= n,
                "refused_queue_full": refused}
    finally:
        if sub:
            stop_timed_sub(sub)
        if broker:
            broker.finish()
        tg.close()


def bench_downlinks(s, plugin_path):
    d = bl.tmpdir()
    path, nbytes = downlink_file(d, s.downlinks, "ext")
    out = {"messages": s.downlinks}
    runs = {"a_connection_per_message": [], "b_persistent_client": [], "c_in_process": []}
    for rep in range(s.downlink_reps):
        a = external_downlinks(s, "connect-each", path, nbytes)
        b = external_downlinks(s, "persistent", path, nbytes)
        c = plugin_downlinks(s, plugin_path)
        bl.log("downlinks rep %d: (a) connection each %.3f s, %d connections, %d received; (b) one client %.3f s, "
               "%d connection, %d received; (c) in-process %.3f s, %d connections, %d received" % (
                   rep + 1, a["seconds"], a["connections"], a["received"], b["seconds"], b["connections"],
                   b["received"], c["seconds"] or -1, c["connections"], c["received"]))
        runs["a_connection_per_message"].append(a)
        runs["b_persistent_client"].append(b)
        runs["c_in_process"].append(c)
    for key, rs in runs.items():
        out[key] = {"seconds": bl.summary([r["seconds"] for r in rs]),
                    "connections": bl.summary([r["connections"] for r in rs]),
                    "received": bl.summary([r["received"] for r in rs]), "runs": rs}
    return out


# ---------------------------------------------------------------- table

def fmt_num(x, digits=0):
    if x is None:
        return "-"
    if isinstance(x, float) and digits == 0:
        return "{:,.0f}".format(x)
    return "{:,.{}f}".format(x, digits)


def rng(summary, digits=0, unit=""):
    if not summary or summary.get("median") is None:
        return "-"
    if len(summary["runs"]) < 2:
        return fmt_num(summary["median"], digits) + unit
    return "%s%s [%s-%s]" % (fmt_num(summary["median"], digits), unit, fmt_num(summary["min"], digits),
                            fmt_num(summary["max"], digits))


def table_rows(res):
    rows = []
    res = {k: v for k, v in res.items() if not (isinstance(v, dict) and "error" in v)}
    fl = res.get("flood")
    if isinstance(fl, dict):
        for kind, label, target in (("unrelated", "1a flood, unrelated topics (msgs/s)", 0.97),
                                    ("mesh", "1b flood, mesh uplinks (msgs/s)", 0.90)):
            r = fl.get(kind)
            if not r:
                continue
            ratio = r["ratio"]["median"]
            rows.append([label + " n=%d" % r["messages"], rng(r["without_msgs_per_s"]), rng(r["with_msgs_per_s"]),
                         "ratio " + rng(r["ratio"], 3), ">= %.2f" % target,
                         "-" if ratio is None else ("yes" if ratio >= target else "NO")])
            rows.append(["   CPU per message: broker thread (us)", rng(r["main_thread_us_per_msg_without"], 2),
                         rng(r["main_thread_us_per_msg_with"], 2),
                         "ratio " + rng(r["main_thread_cpu_ratio"], 3), "next to throughput ratio", "info"])
            rows.append(["   CPU per message: plugin threads (us)", "", rng(r["plugin_threads_us_per_msg"], 2),
                         "%s wake-ups" % rng(r["plugin_thread_wakeups"]), "", "info"])
    up = res.get("uplink")
    if isinstance(up, dict):
        p99 = up["p99_ms"]["median"]
        rows.append(["2 uplink -> Telegram, 50 msg/s (ms)", "", "p50 " + rng(up["p50_ms"], 2),
                     "p99 " + rng(up["p99_ms"], 2), "p99 <= 5 ms",
                     "-" if p99 is None else ("yes" if p99 <= 5 else "NO")])
    dl = res.get("downlink_latency")
    if isinstance(dl, dict):
        for name, r in dl.items():
            for cond in ("idle", "busy"):
                p99 = r[cond]["p99_ms"]["median"]
                if name == "wake on" and cond == "idle":
                    target, met = "p99 <= 2 ms", "-" if p99 is None else ("yes" if p99 <= 2 else "NO")
                else:
                    target, met = ("<= 100 (tick)" if cond == "idle" else "tick per wake-up"), "info"
                rows.append(["3 Telegram -> mesh, %s broker, %s (ms)" % (cond, name), "",
                             "p50 " + rng(r[cond]["p50_ms"], 2), "p99 " + rng(r[cond]["p99_ms"], 2), target, met])
    codec = res.get("codec")
    if isinstance(codec, dict):
        if codec.get("skipped"):
            rows.append(["4 codec micro-benchmarks", "", "skipped: " + codec["skipped"], "", "", "-"])
        for m in codec.get("metrics", []):
            rows.append(codec_row(m))
    mem = res.get("memory")
    if isinstance(mem, dict):
        extra = mem["extra_mib"]["median"]
        rows.append(["5 RSS, %d nodes + %d map entries (MiB)" % (mem["state_nodes"], mem["state_links"]),
                     rng(mem["without_mib"], 1), rng(mem["with_mib"], 1), "+" + rng(mem["extra_mib"], 1),
                     "<= +16 MB (15.3 MiB)", "-" if extra is None else ("yes" if extra * 1048576 <= 16e6 else "NO")])
        rows.append(["5 RSS, plugin with an empty state (MiB)", rng(mem["without_mib"], 1),
                     rng(mem["empty_state_mib"], 1), "+" + rng(mem["extra_empty_mib"], 1), "info", "info"])
        rows.append(["5 RSS peak while loading the big state (MiB)", "", rng(mem["with_peak_mib"], 1), "", "info",
                     "info"])
        if mem["with_after_first_save_mib"]["median"] is not None:
            t = mem["with_after_first_save_mib"]["median"]
            rows.append(["5 RSS big state, after the first state save (MiB)", rng(mem["without_mib"], 1),
                         rng(mem["with_after_first_save_mib"], 1), "+%.1f" % (t - mem["without_mib"]["median"]),
                         "<= +16 MB (15.3 MiB)", "yes" if (t - mem["without_mib"]["median"]) * 1048576 <= 16e6 else "NO"])
        if mem["with_after_malloc_trim_mib"]["median"] is not None:
            t = mem["with_after_malloc_trim_mib"]["median"]
            rows.append(["5 RSS big state, then malloc_trim(0) via gdb (MiB)", rng(mem["without_mib"], 1),
                         rng(mem["with_after_malloc_trim_mib"], 1), "+%.1f" % (t - mem["without_mib"]["median"]),
                         "diagnostic", "info"])
        idle = mem.get("idle_cpu")
        if idle:
            rows.append(["5 idle CPU over %d s (%% of one core)" % idle["seconds"], rng(idle["without_pct"], 3),
                         rng(idle["with_pct"], 3), "", "report", "info"])
    dls = res.get("downlinks")
    if isinstance(dls, dict):
        for key, label in (("a_connection_per_message", "6a %d downlinks, connection each"),
                           ("b_persistent_client", "6b %d downlinks, one external client"),
                           ("c_in_process", "6c %d downlinks, in-process (plugin)")):
            r = dls.get(key)
            if not r:
                continue
            rows.append([label % dls["messages"], "", rng(r["seconds"], 3, " s"),
                         "%s connections" % rng(r["connections"]), "%s received" % rng(r["received"]), "info"])
    return rows


def parse_codec(path):
    """METRIC name=.. unit=.. median=.. min=.. max=.. target=.. met=.. lines of codec_bench."""
    out = {"metrics": [], "output": path}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("SKIPPED"):
                out["skipped"] = line.split(None, 1)[1].strip()
            if not line.startswith("METRIC "):
                continue
            m = {}
            for part in line.split()[1:]:
                if "=" in part:
                    k, v = part.split("=", 1)
                    try:
                        v = float(v)
                    except ValueError:
                        pass
                    m[k] = v
            out["metrics"].append(m)
    return out


def codec_row(m):
    unit = m.get("unit", "")
    digits = 0 if unit == "per_s" or (isinstance(m.get("median"), float) and m["median"] >= 100) else 1
    label = "4 codec: %s (%s)" % (m.get("name"), "per s, one core" if unit == "per_s" else unit)

    def f(v):
        return fmt_num(v, digits) if isinstance(v, float) else str(v)
    target = m.get("target", "-")
    if target not in ("-", None) and isinstance(target, float):
        target = ("%s %s" % (">=" if unit == "per_s" else "<=", fmt_num(target, digits)))
    return [label, "", "%s [%s-%s]" % (f(m.get("median")), f(m.get("min")), f(m.get("max"))), "", target,
            {"yes": "yes", "no": "NO"}.get(m.get("met"), "info")]


def print_table(rows, out=sys.stdout):
    head = ["metric", "without plugin", "with plugin", "ratio / p99 / extra", "target", "met?"]
    rows = [head] + rows
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(head))]
    for j, r in enumerate(rows):
        out.write("  ".join(str(c).ljust(widths[i]) for i, c in enumerate(r)).rstrip() + "\n")
        if j == 0:
            out.write("  ".join("-" * w for w in widths) + "\n")


def machine():
    info = {"host": platform.node(), "kernel": platform.release(), "cpus": os.cpu_count(),
            "python": platform.python_version()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        from tgmesh_harness.broker import MOSQUITTO
        v = subprocess.run([MOSQUITTO, "-h"], capture_output=True, timeout=5)
        info["mosquitto"] = (v.stdout + v.stderr).decode().splitlines()[0]
    except Exception:  # noqa: BLE001
        pass
    return info


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default=os.path.join(bl.REPO, "build-bench"))
    ap.add_argument("--plugin", help="mosquitto_tgmesh.so (default <build-dir>/mosquitto_tgmesh.so)")
    ap.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run of every benchmark")
    ap.add_argument("--only", help="comma-separated subset of " + ",".join(SECTIONS))
    ap.add_argument("--json", help="write raw results here (default <build-dir>/bench-results.json)")
    ap.add_argument("--codec-output", help="output of bench/codec/codec_bench (METRIC lines) for the table")
    args = ap.parse_args(argv)
    # The fake Bot API's threads share this interpreter: with the default 5 ms GIL switch
    # interval the thread that writes a getUpdates answer could wait behind another for up to
    # 5 ms, a delay of the harness that the latency samples would charge to the plugin.
    sys.setswitchinterval(0.0002)
    s = Settings(args.quick)
    plugin = os.path.abspath(args.plugin or os.path.join(args.build_dir, "mosquitto_tgmesh.so"))
    if not os.path.isfile(plugin):
        sys.exit("plugin not found: %s (build it first: bench/run.sh)" % plugin)
    only = [x for x in args.only.split(",") if x and x != "none"] if args.only else SECTIONS
    results = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "quick": s.quick,
               "machine": machine(), "plugin": plugin, "settings": vars(s)}
    t_all = time.monotonic()
    try:
        for name in only:
            t = time.monotonic()
            bl.log("== %s" % name)
            try:
                if name == "flood":
                    results[name] = bench_flood(s, plugin)
                elif name == "uplink":
                    results[name] = bench_uplink(s, plugin)
                elif name == "downlink_latency":
                    results[name] = bench_downlink_latency(s, plugin)
                elif name == "memory":
                    results[name] = bench_memory(s, plugin, args.build_dir)
                elif name == "downlinks":
                    results[name] = bench_downlinks(s, plugin)
                else:
                    raise ValueError("unknown benchmark %s" % name)
            except KeyboardInterrupt:
                raise
            except Exception as e:  # noqa: BLE001 - one failing benchmark does not hide the others
                import traceback
                traceback.print_exc()
                results[name] = {"error": "%s: %s" % (type(e).__name__, e)}
            bl.log("== %s took %.1f s" % (name, time.monotonic() - t))
    finally:
        bl.cleanup_all()
    results["seconds"] = time.monotonic() - t_all
    if args.codec_output and os.path.isfile(args.codec_output):
        results["codec"] = parse_codec(args.codec_output)
    out = args.json or os.path.join(args.build_dir, "bench-results.json")
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "w") as f:
        json.dump(results, f, indent=1, default=str)
    print_table(table_rows(results))
    for name in only:
        if isinstance(results.get(name), dict) and "error" in results[name]:
            print("%s: FAILED: %s" % (name, results[name]["error"]))
    print("raw results: %s (%.0f s)" % (out, results["seconds"]))
    return 1 if any(isinstance(results.get(n), dict) and "error" in results[n] for n in only) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        bl.cleanup_all()
        sys.stderr.write("interrupted\n")
        sys.exit(130)
