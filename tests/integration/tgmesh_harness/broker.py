"""Runs a real mosquitto with (or without) the tgmesh plugin for one test.

One temp dir per Broker holds the config, the log file, the captured
stdout/stderr and the state file; it survives stop()/start() so restart and
persistence tests can reuse it.
"""
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

MOSQUITTO = os.environ.get("MOSQUITTO", "/usr/sbin/mosquitto")
# A sanitizer runtime (libasan.so, then libstdc++: see tests/CMakeLists.txt; colon-separated)
# to preload into mosquitto when the plugin is built with -fsanitize=address,undefined; reports
# go to <workdir>/sanitizer.* (see sanitizer_reports()).
BROKER_PRELOAD = os.environ.get("TGMESH_BROKER_PRELOAD", "")
REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def find_plugin():
    """Absolute path of mosquitto_tgmesh.so, or None: $TGMESH_PLUGIN, then
    build/mosquitto_tgmesh.so, then any build/**/mosquitto_tgmesh.so."""
    env = os.environ.get("TGMESH_PLUGIN")
    if env:
        return os.path.abspath(env) if os.path.isfile(env) else None
    direct = os.path.join(REPO_ROOT, "build", "mosquitto_tgmesh.so")
    if os.path.isfile(direct):
        return direct
    found = sorted(glob.glob(os.path.join(REPO_ROOT, "build", "**", "mosquitto_tgmesh.so"), recursive=True))
    return found[0] if found else None


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


def find_fault_lib():
    """Absolute path of the fault-injection preload library (tests/fault/fault_inject.c), or
    None: $TGMESH_FAULT_LIB, then build/**/libfault_inject.so."""
    env = os.environ.get("TGMESH_FAULT_LIB")
    if env:
        return os.path.abspath(env) if os.path.isfile(env) else None
    found = sorted(glob.glob(os.path.join(REPO_ROOT, "build", "**", "libfault_inject.so"), recursive=True))
    return found[0] if found else None


def broker_env(workdir, preload=(), extra_env=None, leak_stacks=False):
    """The environment for a mosquitto process: the sanitizer runtime preloaded when
    TGMESH_BROKER_PRELOAD is set, with reports written to <workdir>/sanitizer.*; then the
    libraries in `preload` (the sanitizer runtime must stay first); then `extra_env`.
    leak_stacks: whole allocation stacks through mosquitto's own frames (slower), which
    lsan.supp needs to recognise a leak of mosquitto itself."""
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    libs = []
    if BROKER_PRELOAD:
        report = os.path.join(workdir, "sanitizer")
        libs.append(BROKER_PRELOAD)
        env["ASAN_OPTIONS"] = "log_path=%s:detect_leaks=1:abort_on_error=0" % report
        if leak_stacks:
            env["ASAN_OPTIONS"] += ":fast_unwind_on_malloc=0"
        env["UBSAN_OPTIONS"] = "log_path=%s:print_stacktrace=1:halt_on_error=0" % report
        # print_suppressions=0: a run whose only leaks are suppressed writes no report file.
        env["LSAN_OPTIONS"] = "suppressions=%s:print_suppressions=0" % os.path.join(os.path.dirname(__file__), "lsan.supp")
    libs += [lib for lib in preload if lib]
    if libs:
        env["LD_PRELOAD"] = ":".join(libs)
    env.update(extra_env or {})
    return env


class BrokerStartError(RuntimeError):
    pass


class Broker:
    def __init__(self, plugin_options=None, plugin_path=None, with_plugin=True, workdir=None,
                 extra_config="", preload=None, env=None, wrapper=None, leak_stacks=False):
        """plugin_options: {key: value}; a None value leaves that option out.
        `state_file` defaults to <workdir>/state.json.  preload: libraries to LD_PRELOAD
        into mosquitto (after the sanitizer runtime); env: extra environment variables;
        wrapper: a command that execs its arguments (mosquitto -c conf), e.g. to run the
        broker in its own mount namespace; leak_stacks: see broker_env."""
        self._own_dir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix="tgmesh-it-")
        self.with_plugin = with_plugin
        self.plugin_path = plugin_path or (find_plugin() if with_plugin else None)
        self.options = dict(plugin_options or {})
        self.extra_config = extra_config
        self.preload = list(preload or [])
        self.extra_env = dict(env or {})
        self.leak_stacks = leak_stacks
        self.wrapper = list(wrapper or [])
        self.port = free_port()
        self.conf_path = os.path.join(self.workdir, "mosquitto.conf")
        self.log_path = os.path.join(self.workdir, "mosquitto.log")
        self.state_path = os.path.join(self.workdir, "state.json")
        self.proc = None
        self.runs = 0
        self._log_offset = 0
        self.stop_timed_out = False
        self.killed = False  # a test sent SIGKILL (kill -9 tests)
        self.expect_failure = False  # set by tests whose broker must not start

    # ------------------------------------------------------------ config

    def effective_options(self):
        opts = {"state_file": self.state_path}
        opts.update(self.options)
        return {k: v for k, v in opts.items() if v is not None}

    def write_config(self):
        lines = ["listener %d 127.0.0.1" % self.port, "allow_anonymous true"]
        if os.geteuid() == 0:
            lines.append("user root")  # else mosquitto drops to 'mosquitto' and cannot write the state file
        lines += ["log_dest file %s" % self.log_path, "log_type all", "persistence false"]
        if self.extra_config:
            lines.append(self.extra_config.rstrip("\n"))
        if self.with_plugin:
            if not self.plugin_path:
                raise BrokerStartError("tgmesh plugin not found (set TGMESH_PLUGIN or build build/mosquitto_tgmesh.so)")
            lines.append("plugin %s" % os.path.abspath(self.plugin_path))
            for key, value in self.effective_options().items():
                value = str(value)
                if "\n" in value or value == "":
                    raise ValueError("plugin option %s: mosquitto cannot carry an empty or multi-line value" % key)
                lines.append("plugin_opt_%s %s" % (key, value))
        with open(self.conf_path, "w") as f:
            f.write("\n".join(lines) + "\n")

    # ------------------------------------------------------------ process control

    def start(self, timeout=10, expect_failure=False, check=True):
        """Starts mosquitto.  Normally waits until the port accepts connections;
        if the process exits first, raises BrokerStartError (check=True) or
        returns with `returncode` set.  expect_failure=True waits for the exit
        instead of the port (start-up failure tests)."""
        if self.running:
            raise BrokerStartError("broker already running")
        self.write_config()
        self.runs += 1
        self._log_offset = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        self.stdout_path = os.path.join(self.workdir, "run%d.stdout" % self.runs)
        self.stderr_path = os.path.join(self.workdir, "run%d.stderr" % self.runs)
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(self.wrapper + [MOSQUITTO, "-c", self.conf_path], stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL, cwd=self.workdir, env=self._env())
        self.started_at = time.monotonic()
        deadline = self.started_at + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                if expect_failure or not check:
                    return self
                raise BrokerStartError("mosquitto exited with %s during start-up\n%s"
                                       % (self.proc.returncode, self.diagnostics()))
            if not expect_failure and self._port_open():
                return self
            time.sleep(0.02)
        if expect_failure:
            return self  # still running: the caller asserts on returncode
        self.kill()
        raise BrokerStartError("mosquitto did not open port %d within %ss\n%s" % (self.port, timeout, self.diagnostics()))

    def _env(self):
        return broker_env(self.workdir, self.preload, self.extra_env, self.leak_stacks)

    def sanitizer_reports(self):
        """Texts of the sanitizer reports mosquitto wrote (empty when clean or not preloaded)."""
        return [_read(path) for path in sorted(glob.glob(os.path.join(self.workdir, "sanitizer.*")))]

    def _port_open(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def wait_exit(self, timeout):
        """Waits for the process to end; returns its exit code or None."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout=10):
        """SIGTERM; returns (exit code, seconds taken).  SIGKILL after `timeout`."""
        if self.proc is None or self.proc.poll() is not None:
            return (self.returncode, 0.0)
        t0 = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = self.wait_exit(timeout)
        elapsed = time.monotonic() - t0
        if code is None:
            self.proc.kill()
            code = self.proc.wait()
            self.stop_timed_out = True
        return code, elapsed

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.killed = True
            self.proc.kill()
            self.proc.wait()

    @property
    def pid(self):
        return None if self.proc is None else self.proc.pid

    def rss_kib(self):
        """VmRSS of the running broker in KiB (None when it is not running)."""
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except (OSError, AttributeError, ValueError):
            return None
        return None

    def hup(self):
        self.proc.send_signal(signal.SIGHUP)

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    @property
    def returncode(self):
        return None if self.proc is None else self.proc.poll()

    # ------------------------------------------------------------ output

    def log_text(self, current_run=False):
        """The mosquitto log file (all runs, or only the current one)."""
        try:
            with open(self.log_path, "rb") as f:
                if current_run:
                    f.seek(self._log_offset)
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    @property
    def stdout(self):
        return _read(getattr(self, "stdout_path", ""))

    @property
    def stderr(self):
        return _read(getattr(self, "stderr_path", ""))

    def output_text(self):
        """stdout + stderr + log of the current run: where a start-up error may be."""
        return "\n".join([self.stdout, self.stderr, self.log_text(current_run=True)])

    def state_text(self):
        return _read(self.effective_options()["state_file"])

    def diagnostics(self, max_chars=20000):
        text = ("--- mosquitto (%s) exit=%s, workdir %s\n--- stdout:\n%s\n--- stderr:\n%s\n--- log:\n%s"
                % (self.conf_path, self.returncode, self.workdir, self.stdout, self.stderr, self.log_text()))
        return text if len(text) <= max_chars else "...(truncated)...\n" + text[-max_chars:]

    def cleanup(self):
        self.kill()
        if self._own_dir and not os.environ.get("TGMESH_KEEP_TMP"):
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        self.cleanup()
