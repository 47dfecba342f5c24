"""Shared helpers for the browser and load benchmarks: a `streamlit run` on a free port, its RSS,
a headless Chromium, and min / median / max formatting.

    with Server("app.py") as srv:        # from the repo root; srv.url, srv.rss_mb()
        ...
"""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-proxy-server"]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
PROXY_VARS = {"http_proxy", "https_proxy", "all_proxy", "no_proxy", "ftp_proxy"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url + "/_stcore/health", timeout=2) as r:
            return r.read().decode().strip() == "ok"
    except OSError:
        return False


class Child:
    """A process the benchmarks start in its own process group, its output in `self.log`:
    stopped (SIGTERM, then SIGKILL) on exit. Subclasses set self.proc in __enter__."""

    proc = None
    log = None

    def __exit__(self, *exc):
        self.stop()

    def log_tail(self, chars=3000):
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def rss_mb(self):
        """Resident memory of the process and any children, in MB (10^6 bytes)."""
        try:
            p = psutil.Process(self.proc.pid)
            procs = [p] + p.children(recursive=True)
            return sum(q.memory_info().rss for q in procs) / 1e6
        except psutil.NoSuchProcess:
            return float("nan")

    def cpu_seconds(self):
        try:
            t = psutil.Process(self.proc.pid).cpu_times()
            return t.user + t.system
        except psutil.NoSuchProcess:
            return float("nan")

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


class Server(Child):
    """`python -m streamlit run <app>` from `cwd` (the repo root by default) on a free port.

    See Child: its own process group, stopped on exit. `env`: variables set for it on top of this
    process's (e.g. {"LRVIZ_ROOMS": "redis://..."})."""

    def __init__(self, app="app.py", cwd=ROOT, extra_args=(), timeout=60, env=None, command=None):
        self.app, self.cwd, self.extra_args, self.timeout = app, Path(cwd), list(extra_args), timeout
        self.env = dict(env or {})           # added to the environment (e.g. LRVIZ_ROOMS)
        # what runs `streamlit ...` (e.g. [python, bench/_profiled_streamlit.py])
        self.command = list(command or [sys.executable, "-m", "streamlit"])
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.log = Path(tempfile.mkstemp(prefix="bench-streamlit-", suffix=".log")[1])

    def __enter__(self):
        env = {k: v for k, v in os.environ.items() if k.lower() not in PROXY_VARS} | self.env
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [*self.command, "run", self.app, "--server.headless", "true",
                 "--server.port", str(self.port), "--browser.gatherUsageStats", "false",
                 *self.extra_args],
                cwd=self.cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.timeout
        while not healthy(self.url):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"streamlit did not become healthy:\n{self.log_tail()}")
            time.sleep(0.3)
        return self


class RedisServer(Child):
    """Debian's redis-server on a free port of 127.0.0.1, nothing saved (`--save '' --appendonly no`);
    url is what LRVIZ_ROOMS takes. See Child: its own process group, stopped on exit."""

    def __init__(self, binary="/usr/bin/redis-server", timeout=30):
        self.binary, self.timeout = binary, timeout
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None
        self.log = Path(tempfile.mkstemp(prefix="bench-redis-", suffix=".log")[1])

    def __enter__(self):
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", tempfile.gettempdir()],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                if self.client().ping():
                    return self
            except OSError:
                pass
            except Exception as exc:                 # redis.ConnectionError while it starts
                if "onnect" not in type(exc).__name__:
                    raise
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not answer PING:\n{self.log_tail()}")
            time.sleep(0.1)

    def client(self):
        import redis
        return redis.Redis.from_url(self.url, socket_timeout=5)


def launch_chromium(pw, **kw):
    return pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, **kw)


def chromium_version():
    try:
        out = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=20)
        return out.stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"


def repo_state(path):
    """'commit' or 'commit + uncommitted changes' of a git checkout; a snapshot made with
    `git archive` is named by a .commit file holding its commit."""
    path = Path(path)
    try:
        out = subprocess.run(["git", "-C", str(path), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=20)
        if out.returncode == 0:
            dirty = subprocess.run(["git", "-C", str(path), "status", "--porcelain", "--",
                                    "app.py", "core", "ui", "static", "views", ".streamlit"],
                                   capture_output=True, text=True, timeout=20).stdout.strip()
            return out.stdout.strip() + (" + uncommitted changes" if dirty else "")
    except (OSError, subprocess.TimeoutExpired):
        pass
    marker = path / ".commit"
    return f"snapshot of {marker.read_text().strip()}" if marker.exists() else "not a git checkout"


def load_avg():
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def mmm(values, fmt="{:.2f}"):
    """'min / median / max' of the finite values (n shown when some are missing)."""
    vals = [v for v in values if v is not None and v == v]
    if not vals:
        return "n/a"
    s = " / ".join(fmt.format(v) for v in (min(vals), statistics.median(vals), max(vals)))
    return s if len(vals) == len(values) else f"{s} ({len(vals)} of {len(values)})"


def median(values):
    vals = [v for v in values if v is not None and v == v]
    return statistics.median(vals) if vals else float("nan")


class Deadline:
    """A whole-script time bound: check() raises once the budget is spent."""

    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self):
        return self.end - time.monotonic()

    def check(self, what=""):
        if self.left() <= 0:
            raise TimeoutError(f"benchmark time budget spent {what}".strip())
