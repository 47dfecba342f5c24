"""The deploy recipe run here, without Docker: deploy/haproxy.cfg itself, with only what ties it
to compose replaced (docker's DNS and the server-template line become `server` lines for local
replicas), run by Debian's /usr/sbin/haproxy on a free port.

    with Server() as a, Server() as b, Balancer([a.port, b.port]) as lb:
        cookie, server = sticky_get(lb.url + "/")     # what a browser's first page load gets
        lb.current()                                  # {"app1": 1, "app2": 0}: open websockets
"""

from __future__ import annotations

import csv
import http.cookies
import os
import re
import secrets
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from _server import ROOT, Child, free_port

RECIPE = ROOT / "deploy" / "haproxy.cfg"
HAPROXY = "/usr/sbin/haproxy"
# added to the local copy only, to observe it: the replica that answered, by its server name
SERVER_HEADER = "X-LRViz-Server"
SECTIONS = {"global", "defaults", "frontend", "backend", "listen", "resolvers", "peers",
            "userlist", "mailers", "program", "http-errors", "ring", "cache"}
# the environment variable holding the sticky cookie's secret (the recipe refuses to start without it)
COOKIE_KEY = "HALL_COOKIE_KEY"
# server-template options that only make sense with DNS
DNS_OPTIONS = {"resolvers", "init-addr", "resolve-prefer", "resolve-opts", "resolve-net"}


def cookie_name(recipe):
    """The name of the sticky cookie declared by the recipe's `cookie <name> ...` line."""
    m = re.search(r"^\s*cookie\s+(\S+)", recipe, re.M)
    if not m:
        raise ValueError("the recipe declares no sticky cookie")
    return m.group(1)


def local_config(recipe, ports, bind_port, stats_socket=None):
    """The text of deploy/haproxy.cfg (`recipe`) for replicas at 127.0.0.1:<ports>, listening on
    127.0.0.1:bind_port. Everything else is kept line for line (cookie, balance, timeouts,
    checks): the `resolvers` section is dropped, `bind` changed, and the `server-template
    <prefix> <range> <host:port> <options>` line becomes one `server <prefix>K 127.0.0.1:<port>`
    per port with the template's options minus the DNS ones. Added, to observe the copy: a
    response header naming the server (SERVER_HEADER) and, if given, a stats socket."""
    out, section, templates = [], None, 0
    for line in recipe.splitlines():
        code = line.split("#", 1)[0]
        words = code.split()
        if words and words[0] in SECTIONS:
            section = words[0]
            if section == "resolvers":
                continue
            out.append(line)
            if section == "global" and stats_socket:
                out.append(f"    stats socket {stats_socket} mode 600 level admin")
            if section == "backend":
                out.append(f"    http-response set-header {SERVER_HEADER} %s")
            continue
        if section == "resolvers":
            continue
        if words and words[0] == "bind":
            out.append(f"    bind 127.0.0.1:{bind_port}")
        elif words and words[0] == "server-template":
            prefix, options = words[1], words[4:]
            kept, skip = [], False
            for w in options:
                if skip:
                    skip = False
                elif w in DNS_OPTIONS:
                    skip = True          # the option's argument goes with it
                else:
                    kept.append(w)
            out.extend(f"    server {prefix}{k} 127.0.0.1:{port} {' '.join(kept)}".rstrip()
                       for k, port in enumerate(ports, 1))
            templates += 1
        else:
            out.append(line)
    if templates != 1:
        raise ValueError(f"expected one server-template line in the recipe, found {templates}")
    return "\n".join(out) + "\n"


def haproxy_env(key=None):
    """The environment for haproxy: this one, with the cookie's secret (COOKIE_KEY) set to `key`,
    or to the one set here, or to a random one. key="" leaves it unset."""
    env = dict(os.environ)
    env[COOKIE_KEY] = key if key is not None else env.get(COOKIE_KEY) or secrets.token_hex(16)
    if key == "":
        del env[COOKIE_KEY]
    return env


def check_config(path, haproxy=HAPROXY, env=None):
    """`haproxy -c -f path` (with haproxy_env() unless `env`): (ok, its output)."""
    r = subprocess.run([haproxy, "-c", "-f", str(path)], capture_output=True, text=True, timeout=30,
                       env=env or haproxy_env())
    return r.returncode == 0, (r.stdout + r.stderr).strip()


def ensure_bundles(out):
    """deploy/bundles.py's ensure(out): Streamlit's bundles gzipped, as the image's build makes them."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("lrviz_bundles", ROOT / "deploy" / "bundles.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ensure(Path(out))


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def sticky_get(url, cookie=None, name="SERVERID", timeout=30):
    """GET url as a browser loading the page: returns (the sticky cookie's value, the server that
    answered). Sends `cookie` if given; the value returned is then the one set by the
    response, or the one sent if none was set (HAProxy sets it only when it is missing)."""
    req = urllib.request.Request(url, headers={"Cookie": f"{name}={cookie}"} if cookie else {})
    with _OPENER.open(req, timeout=timeout) as r:
        r.read()
        jar = http.cookies.SimpleCookie()
        for h in r.headers.get_all("Set-Cookie") or []:
            jar.load(h)
        value = jar[name].value if name in jar else cookie
        return value, r.headers.get(SERVER_HEADER)


# option httplog: ... <frontend> <backend>/<server> <timers> <status> <bytes> <captured cookies>
# <termination state: 2 chars, then the cookie's 2> ... "<method> <path> <version>"
_LOG_LINE = re.compile(r" \S+/(?P<server>\S+) \S+ (?P<status>\d{3}) \d+ \S+ \S+ \S\S(?P<flags>\S\S) "
                       r'.*"[A-Z]+ (?P<path>\S+) HTTP/[\d.]+"$', re.M)


class Balancer(Child):
    """/usr/sbin/haproxy running local_config(deploy/haproxy.cfg) for 127.0.0.1:<ports>, on a
    free port; in its own process group, stopped on exit. url, cookie (the sticky cookie's
    name), cfg and log (paths), current() and status() (from its stats socket)."""

    def __init__(self, ports, recipe=RECIPE, haproxy=HAPROXY, timeout=30, app_root=ROOT):
        self.ports, self.haproxy, self.timeout = list(ports), haproxy, timeout
        text = Path(recipe).read_text()
        # the recipe sends Streamlit's bundles to static/_bundles of the replicas' checkout, which
        # the image's build makes (deploy/bundles.py): made here too, where missing
        if "_bundles" in text:
            ensure_bundles(Path(app_root) / "static" / "_bundles")
        self.cookie = cookie_name(text)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = Path(tempfile.mkdtemp(prefix="bench-haproxy-"))
        self.cfg, self.log, self.sock = (self.dir / n for n in ("haproxy.cfg", "haproxy.log", "stats.sock"))
        self.cfg.write_text(local_config(text, self.ports, self.port, self.sock))
        self.env = haproxy_env()
        self.proc = None

    def __enter__(self):
        ok, out = check_config(self.cfg, self.haproxy, self.env)
        if not ok:
            raise RuntimeError(f"haproxy -c rejects the local copy of the recipe:\n{out}")
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([self.haproxy, "-db", "-f", str(self.cfg)], stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True, env=self.env)
        deadline = time.monotonic() + self.timeout
        while True:                          # every replica passed its health check
            try:
                status = self.status()
                if len(status) == len(self.ports) and all(s == "UP" for s in status.values()):
                    return self
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"haproxy: not every replica UP:\n{self.log_tail()}")
            time.sleep(0.2)

    def command(self, line):
        """One command on HAProxy's runtime API (its stats socket, level admin): the answer."""
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(str(self.sock))
            s.sendall(line.encode() + b"\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        return data.decode()

    def table(self, name):
        """`show table <name>`: {key: {data type: value}} (e.g. {"127.0.0.1": {"conn_cur": 1, ...}})."""
        out = {}
        for line in self.command(f"show table {name}").splitlines():
            if not line.startswith("0x"):
                continue
            fields = dict(f.split("=", 1) for f in line.split(": ", 1)[1].split() if "=" in f)
            out[fields.pop("key")] = {k: int(v) for k, v in fields.items() if v.lstrip("-").isdigit()}
        return out

    def _stat(self):
        data = self.command("show stat")
        rows = csv.DictReader(data.lstrip("# ").splitlines())
        return [r for r in rows if r["type"] == "2"]          # servers, not frontends or backends

    def log_size(self):
        return self.log.stat().st_size if self.log.exists() else 0

    def requests(self, since=0, path="/"):
        """The requests for `path...` HAProxy logged (option httplog) after byte `since` of its log,
        as (server, HTTP status, cookie flags): flags "V." say the request came with a valid
        cookie and went to its server, "NI" that it had none and got one inserted. A websocket is
        logged when it closes."""
        text = self.log.read_bytes()[since:].decode(errors="replace")
        return [(m["server"], int(m["status"]), m["flags"]) for m in _LOG_LINE.finditer(text)
                if m["path"].startswith(path)]

    def current(self):
        """{server name: streams it serves now}: with every page loaded, its open websockets."""
        return {r["svname"]: int(r["scur"]) for r in self._stat()}

    def status(self):
        return {r["svname"]: r["status"] for r in self._stat()}

    def version(self):
        r = subprocess.run([self.haproxy, "-v"], capture_output=True, text=True, timeout=20)
        return " ".join(r.stdout.split()[:3])
