"""Shared helpers of the broker benchmarks (bench/broker_bench.py).

Reuses the integration harness (tests/integration/tgmesh_harness): the Broker class, the fake
Bot API, the raw MQTT packet builders and the Meshtastic crypto.  Adds what a benchmark needs
on top: a broker config without debug logging, a fake Bot API that stamps when a request
arrived and when a getUpdates answer handed updates over, helper processes that are killed
with the benchmark (parent-death signal), /proc readers and statistics.
"""
import atexit
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
HARNESS_DIR = os.path.join(REPO, "tests", "integration")
if HARNESS_DIR not in sys.path:
    sys.path.insert(0, HARNESS_DIR)

from tgmesh_harness import fake_telegram  # noqa: E402
from tgmesh_harness.broker import Broker  # noqa: E402
from tgmesh_harness.fake_telegram import DEFAULT_TOKEN, FakeTelegram  # noqa: E402

BOT_TOKEN = DEFAULT_TOKEN
CHAT = -1001
ADMIN = 111
NODE_ID = "!7b000001"
ROOT = "msh/US"
CHANNEL = "LongFast"
BRIDGE_TOPIC = "%s/2/e/%s/%s" % (ROOT, CHANNEL, NODE_ID)

# Every helper process and temp dir of this run, so nothing outlives the benchmark.
_children = []
_brokers = []
_fakes = []
_tmpdirs = []


# ---------------------------------------------------------------- processes

def _child_preexec():
    # Our helpers die with the benchmark even if it is SIGKILLed (prctl PR_SET_PDEATHSIG).
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    except Exception:  # noqa: BLE001 - best effort
        pass


def spawn(args, **kw):
    """Starts a helper script of bench/ (python3 <args>) with pipes; registered for cleanup."""
    kw.setdefault("stdin", subprocess.PIPE)
    kw.setdefault("stdout", subprocess.PIPE)
    kw.setdefault("stderr", subprocess.PIPE)
    env = dict(os.environ)
    env["PYTHONPATH"] = HARNESS_DIR + os.pathsep + HERE + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.Popen([sys.executable] + list(args), cwd=HERE, env=env,
                            preexec_fn=_child_preexec, **kw)
    _children.append(proc)
    return proc


def read_line(proc, timeout, what="helper"):
    """Next stdout line of a helper (a thread does the blocking read); raises on timeout/exit."""
    box = []
    t = threading.Thread(target=lambda: box.append(proc.stdout.readline()), daemon=True)
    t.start()
    t.join(timeout)
    if not box:
        kill(proc)
        raise RuntimeError("%s gave no output within %ss" % (what, timeout))
    line = box[0].decode("utf-8", "replace").strip()
    if not line:
        err = proc.stderr.read().decode("utf-8", "replace")[-3000:] if proc.poll() is not None else ""
        raise RuntimeError("%s ended without output (exit %s)\n%s" % (what, proc.poll(), err))
    return line


def finish(proc, timeout, what="helper"):
    """Waits for a helper; returns its last stdout line parsed as JSON."""
    if proc.stdin is not None and proc.stdin.closed:
        proc.stdin = None
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill(proc)
        raise RuntimeError("%s did not finish within %ss" % (what, timeout))
    lines = [l for l in out.decode("utf-8", "replace").splitlines() if l.strip()]
    if proc.returncode != 0 or not lines:
        raise RuntimeError("%s failed (exit %s)\n%s" % (what, proc.returncode,
                                                      err.decode("utf-8", "replace")[-3000:]))
    return json.loads(lines[-1])


def kill(proc):
    if proc is not None and proc.poll() is None:
        proc.kill()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            pass


# ---------------------------------------------------------------- broker

class BenchBroker(Broker):
    """The harness Broker without debug logging (log_type all would write one line per
    PUBLISH and slow both sides of every comparison), run under `setpriv --pdeathsig KILL`
    so that it dies with the benchmark."""

    def __init__(self, *a, **kw):
        if shutil.which("setpriv"):
            kw.setdefault("wrapper", ["setpriv", "--pdeathsig", "KILL"])
        super().__init__(*a, **kw)
        _brokers.append(self)

    def write_config(self):
        super().write_config()
        with open(self.conf_path) as f:
            text = f.read()
        text = text.replace("log_type all\n", "log_type error\nlog_type warning\nlog_type notice\n"
                                              "log_type information\n")
        with open(self.conf_path, "w") as f:
            f.write(text)

    def connections(self):
        """'New client connected' lines in the log of the current run."""
        return self.log_text(current_run=True).count("New client connected")

    def finish(self):
        """SIGTERM (SIGKILL after 10 s), temp dir removed; returns the exit code."""
        code = None
        if self.running:
            code, _secs = self.stop(timeout=10)
        if not hasattr(self, "final_log"):
            self.final_log = self.log_text()
        self.cleanup()
        return code


def plugin_options(tg, **overrides):
    opts = {"bot_token": BOT_TOKEN, "api_url": tg.url, "chat_ids": str(CHAT), "admin_ids": str(ADMIN),
            "node_id": NODE_ID, "mesh_interval": "0",
            "user_rate": "0"}  # the benchmarks send hundreds of messages as one user
    opts.update(overrides)
    return opts


def start_plugin_broker(plugin_path, tg, wait_poll=True, workdir=None, **overrides):
    broker = BenchBroker(plugin_options(tg, **overrides), plugin_path=plugin_path, workdir=workdir)
    broker.start()
    if wait_poll and tg.wait_for_request("getUpdates", timeout=15) is None:
        raise RuntimeError("the plugin never polled the fake Bot API\n" + broker.diagnostics())
    return broker


def start_plain_broker():
    broker = BenchBroker(with_plugin=False)
    broker.start()
    return broker


# ---------------------------------------------------------------- fake Bot API

_arrival = threading.local()
_orig_parse_request = fake_telegram._Handler.parse_request


def _stamped_parse_request(self):
    # Called right after the request line was read: the moment the request arrived (before
    # the Python server parses headers and body).
    _arrival.t = time.time()
    return _orig_parse_request(self)


fake_telegram._Handler.parse_request = _stamped_parse_request


class BenchFake(FakeTelegram):
    """FakeTelegram whose Request.time is the arrival of the request line, and which stamps
    every getUpdates answer that hands updates over (handover[update_id] = time)."""

    def __init__(self, *a, **kw):
        kw.setdefault("strict_html", False)
        super().__init__(*a, **kw)
        self.handover = {}
        _fakes.append(self)

    def _record(self, req):
        t = getattr(_arrival, "t", None)
        if t is not None:
            req.time = t
        super()._record(req)

    def _finish(self, req, status, body):
        if req.method == "getUpdates" and status == 200 and isinstance(body, dict):
            now = time.time()
            for u in body.get("result") or ():
                self.handover.setdefault(u["update_id"], now)
        super()._finish(req, status, body)

    def trim(self):
        """Forgets recorded requests (a long benchmark would otherwise keep them all)."""
        with self._cond:
            self._requests = [r for r in self._requests if r.status is None]


# ---------------------------------------------------------------- temp dirs and cleanup

def tmpdir(prefix="tgmesh-bench-"):
    d = tempfile.mkdtemp(prefix=prefix)
    _tmpdirs.append(d)
    return d


def cleanup_all():
    for proc in _children:
        kill(proc)
    for b in _brokers:
        try:
            b.finish()
        except Exception:  # noqa: BLE001
            b.kill()
    for tg in _fakes:
        try:
            tg.close()
        except Exception:  # noqa: BLE001
            pass
    if not os.environ.get("TGMESH_KEEP_TMP"):
        for d in _tmpdirs:
            shutil.rmtree(d, ignore_errors=True)


atexit.register(cleanup_all)


def _on_signal(signum, _frame):
    raise KeyboardInterrupt("signal %d" % signum)


signal.signal(signal.SIGTERM, _on_signal)


# ---------------------------------------------------------------- /proc

def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return None


def cpu_ticks(pid):
    """utime + stime of the whole process (every thread, live or ended), in clock ticks."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def cpu_ns(pid):
    """Nanoseconds on CPU of the live threads (schedstat; finer than the 10 ms ticks)."""
    total = 0
    base = "/proc/%d/task" % pid
    for tid in os.listdir(base):
        try:
            with open("%s/%s/schedstat" % (base, tid)) as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- statistics

def percentile(values, p):
    """Nearest-rank percentile (p in 0..100) of a list; None when empty."""
    if not values:
        return None
    v = sorted(values)
    k = max(0, min(len(v) - 1, int(-(-p * len(v) // 100)) - 1))
    return v[k]


def summary(values):
    """{'median', 'min', 'max', 'runs'} of per-run values (None entries skipped)."""
    vals = [x for x in values if x is not None]
    if not vals:
        return {"median": None, "min": None, "max": None, "runs": []}
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "runs": vals}


def log(msg):
    sys.stderr.write("[bench %s] %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()
