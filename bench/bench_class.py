"""The class together (issue 23): N phones (200) join one room, wait with a question open, and vote.

The lecturer is one real Chromium page on /class (the projector): it starts a room and opens a
choice question. The students are websocket-level sessions on /join?room=CODE (bench/_ws.py), as
in bench_load.py: they replay the BackMsgs a real Chromium sent when it joined and pressed a
`vote_<choice>` button (recorded once, via CDP, on a server of its own), each with a browser id of
its own (the pages learn it from the st.components.v2 component `browser_id`, whose state
{"id": ...} rides in every rerun's widget states: the recorded id is replaced by a fresh one per
student), and answer their page's st.fragment(run_every=...) like the frontend does.

Measured per repeat (fresh servers each time):
  - server CPU while the N wait with the question open (psutil cpu_times of each replica, every
    second, as % of one core; target <= 50 %), and of haproxy / redis-server when they run;
  - votes counted: the projector's tally once everything settled (and, with Redis, the room's
    vote hash read directly: HLEN);
  - vote -> projector: the students vote spread over --vote-spread s; the k-th vote sent is shown
    when the projector's count first reaches k (its page re-runs its live part every 1 s; read
    from its DOM every 50 ms): p50 / p95 over the N, and the last vote -> the count N (p95 target
    <= 2 s).

One server uses the embedded store by default (what a lone Streamlit process runs: the figure a
single-server lecture gets); --store redis runs that server on Redis too. Two replicas always use
Redis (the only store they can share), behind bench/_balancer.py's copy of deploy/haproxy.cfg,
students dealt to both replicas by the sticky cookie.

    .venv/bin/python bench/bench_class.py [--students 200] [--replicas 1|2] [--store memory|redis]
                                          [--repeats 2] [--wait 30] [--vote-spread 5]
                                          [--stagger 0.05] [--question TEXT] [--env NAME=VALUE]
                                          [--profile OUT] [--budget 1500] [--repo PATH]

--profile OUT: one server, every script run profiled (bench/_profiled_streamlit.py), the app's
functions and Streamlit's printed at the end: where a poll's time goes (its figures are not the
benchmark's: the profiler slows the server). --env: e.g. PYTHONPATH=DIR with a sitecustomize.py,
for experiments on the servers.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import platform
import random
import re
import secrets
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import NamedTuple

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _balancer import Balancer, sticky_get  # noqa: E402
from _server import (  # noqa: E402
    IDLE,
    ROOT,
    Deadline,
    RedisServer,
    Server,
    chromium_version,
    launch_chromium,
    load_avg,
    mmm,
    repo_state,
)
from _ws import WsSession, sent_frames  # noqa: E402

VIEWPORT = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}
BROWSER_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")      # core.rooms' accepted form
CODE = re.compile(r"\b[2-9A-HJ-NP-Z]{6}\b")              # core.rooms' alphabet: no 0/O, 1/I
TIMEOUT = 180
LOCALE = "en-US"             # the pages' words the projector is read by (the students' too)
TALLY_WORDS = re.compile(r"Votes:")


# --- CPU of the server processes, per second ------------------------------------------------------

class CpuSampler(threading.Thread):
    """Every `every` s: the CPU seconds (user + system) of each of `procs` ({name: Child}).
    window(t0, t1) gives, per name, the % of one core of each interval inside [t0, t1]
    (time.monotonic())."""

    def __init__(self, procs, every=1.0):
        super().__init__(daemon=True)
        self.procs, self.every, self.samples, self._halt = dict(procs), every, [], threading.Event()

    def run(self):
        while not self._halt.is_set():
            self.samples.append((time.monotonic(), {n: p.cpu_seconds() for n, p in self.procs.items()}))
            self._halt.wait(self.every)

    def stop(self):
        self._halt.set()
        self.join()

    def window(self, t0, t1):
        inside = [(t, c) for t, c in self.samples if t0 <= t <= t1]
        out = {n: [] for n in self.procs}
        for (ta, a), (tb, b) in zip(inside, inside[1:]):
            for n in out:
                out[n].append(100 * (b[n] - a[n]) / (tb - ta))
        return out


# --- recording a real browser's BackMsgs ---------------------------------------------------------

class Recording(NamedTuple):
    """A student's BackMsgs, as a real Chromium sent them: the page load, the reruns until the
    page had its browser id (the component's state), the vote click, a timed re-run of the live
    fragment; the browser id and room code they carry, the choice voted."""
    load: bytes
    connect: list
    vote: bytes
    frame: bytes
    browser: str
    code: str
    choice: str


def _reruns(sent):
    from streamlit.proto.BackMsg_pb2 import BackMsg
    out = []
    for t, raw in sent:
        m = BackMsg()
        m.ParseFromString(raw)
        if m.WhichOneof("type") == "rerun_script":
            m.rerun_script.ClearField("cached_message_hashes")   # a new session has no cache
            out.append((t, m))
    return out


def _browser_id(msgs):
    """The browser id in the component's state ({"id": ...}: a json_value widget state)."""
    for m in msgs:
        for w in m.rerun_script.widget_states.widgets:
            if w.WhichOneof("value") != "json_value":
                continue
            try:
                state = json.loads(w.json_value)
            except ValueError:
                continue
            if isinstance(state, dict) and BROWSER_ID.match(str(state.get("id", ""))):
                return state["id"]
    raise RuntimeError("no browser id in the recorded reruns' widget states")


class Lecturer:
    """The lecturer's /class in a real Chromium page: start a room, open a question, and stay open
    as the projector (read() gives its count of students and its tally)."""

    def __init__(self, browser, base):
        self.ctx = browser.new_context(viewport=VIEWPORT, locale=LOCALE)
        self.ctx.set_default_timeout(TIMEOUT * 1000)
        self.page = self.ctx.new_page()
        self.base = base

    def start(self, question=None):
        """Open /class, start a room (once the browser has reported its id), open the question (the
        selectbox's default, the bank's first, unless `question` names one of its options' texts).
        Returns the room's code."""
        page = self.page
        page.goto(self.base + "/class")
        page.locator(".st-key-class_start button").click()      # waits until it is enabled
        shown = page.locator(".st-key-class_code .lrviz-room-code").inner_text()
        code = CODE.search(shown)
        if code is None:
            raise RuntimeError(f"no room code on the projector: {shown!r}")
        code = code.group(0)
        if question:
            page.locator(".st-key-class_question").click()
            page.get_by_role("option", name=question).click()
        page.locator(".st-key-class_open button").click()
        page.locator(".st-key-class_tally").get_by_text(TALLY_WORDS).wait_for()
        page.wait_for_selector(IDLE)
        return code

    def read(self):
        """(students present, votes in the tally) as the projector shows them now (None where it
        shows no number)."""
        texts = self.page.evaluate("""() => ['class_count', 'class_tally'].map(k => {
            const el = document.querySelector('.st-key-' + k);
            return el ? el.textContent : '';
        })""")
        return parse_count(texts[0]), parse_tally(texts[1])

    def close(self):
        self.ctx.close()


def parse_count(text):
    """'Phones in the room: 200' -> 200."""
    m = re.search(r"(\d+)", text or "")
    return int(m.group(1)) if m else None


def parse_tally(text):
    """'Votes: 37 of 200' (while the vote is open: the bars stay hidden) -> 37."""
    m = re.search(TALLY_WORDS.pattern + r"\s*(\d+)", text or "")
    return int(m.group(1)) if m else None


def record_student(pw, base, question=None):
    """A real Chromium: a lecturer starts a room and opens a question on `base`, a phone joins by
    its link and presses the first choice. Returns the phone's Recording."""
    browser = launch_chromium(pw)
    try:
        lecturer = Lecturer(browser, base)
        code = lecturer.start(question)
        ctx = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale=LOCALE)
        ctx.set_default_timeout(TIMEOUT * 1000)
        page = ctx.new_page()
        sent = sent_frames(ctx, page)
        page.goto(f"{base}/join?room={code}")
        button = page.locator("[class*='st-key-vote_'] button").first
        button.wait_for()
        page.wait_for_selector(IDLE)
        page.wait_for_timeout(500)
        key = next(c for c in button.evaluate(
            "b => b.closest('[class*=\"st-key-vote_\"]').className").split()
            if c.startswith("st-key-vote_"))
        choice = key.removeprefix("st-key-vote_")
        t_click = time.monotonic()
        button.click()
        page.locator(".st-key-join_vote").get_by_text("Your vote:").wait_for()
        page.wait_for_selector(IDLE)
        page.wait_for_timeout(4500)          # at least one timed re-run of the live part (2 s)
        ctx.close()
        lecturer.close()
    finally:
        browser.close()
    runs = _reruns(sent)
    if not runs:
        raise RuntimeError("no rerun_script BackMsg recorded")
    load = runs[0][1]
    connect = [m for t, m in runs[1:] if t < t_click and not m.rerun_script.is_auto_rerun]
    vote = next(m for t, m in runs if t >= t_click and not m.rerun_script.is_auto_rerun)
    frames = [m for t, m in runs if t >= t_click and m.rerun_script.is_auto_rerun] or \
        [m for t, m in runs if m.rerun_script.is_auto_rerun]
    if not frames:
        raise RuntimeError("no timed re-run of the live part recorded")
    return Recording(load.SerializeToString(), [m.SerializeToString() for m in connect],
                     vote.SerializeToString(), frames[-1].SerializeToString(),
                     _browser_id(connect + [vote]), code, choice)


def personalise(raw, rec, browser, code, fragment_id=None):
    """A recorded BackMsg for another student: the recorded browser id replaced by `browser` in
    every widget state's JSON, the recorded room code by `code` in the query string; the
    fragment id replaced when given (a timed re-run names its fragment as this session knows it)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    m = BackMsg()
    m.ParseFromString(raw)
    r = m.rerun_script
    r.query_string = r.query_string.replace(rec.code, code)
    for w in r.widget_states.widgets:
        kind = w.WhichOneof("value")
        if kind in ("json_value", "json_trigger_value", "string_value"):
            setattr(w, kind, getattr(w, kind).replace(rec.browser, browser))
    if fragment_id is not None:
        r.fragment_id = fragment_id
    return m.SerializeToString()


def new_browser_id():
    return secrets.token_urlsafe(16)       # 128 bits, base64url: core.rooms.new_client_id's form


# --- the students ---------------------------------------------------------------------------------

class Hall:
    """N students in an asyncio loop of their own thread (sync Playwright owns this one): they
    join (staggered), wait until vote() is called, vote spread over `spread` s, and stay connected
    until close(). results: one dict per student."""

    def __init__(self, base, rec, code, n, stagger, spread, balancer=None):
        self.base, self.rec, self.code, self.n = base, rec, code, n
        self.stagger, self.spread, self.balancer = stagger, spread, balancer
        self.results = [{"ok": False, "error": None, "joined": False, "voted": False}
                        for _ in range(n)]
        self.joined = threading.Event()
        self.voted = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)
        self._ready = threading.Event()

    def start(self):
        self._thread.start()
        self._ready.wait()
        return self

    def vote(self):
        """Let the students vote: student i sends its vote at a uniformly random moment of the
        next `spread` s."""
        self.loop.call_soon_threadsafe(self._vote.set)

    def close(self):
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self._release.set)
            self._thread.join(timeout=120)

    async def _main(self):
        self.loop = asyncio.get_running_loop()
        self._vote, self._release = asyncio.Event(), asyncio.Event()
        self._ready.set()
        t = self.loop.time()
        rng = random.Random(23)
        offsets = [rng.uniform(0, self.spread) for _ in range(self.n)]
        tasks = [asyncio.create_task(self._student(r, t + i * self.stagger, off))
                 for i, (r, off) in enumerate(zip(self.results, offsets))]
        watcher = asyncio.create_task(self._watch())
        await asyncio.gather(*tasks, return_exceptions=True)
        watcher.cancel()

    async def _watch(self):
        while True:
            if all(r["joined"] or r["error"] for r in self.results):
                self.joined.set()
            if all(r["voted"] or r["error"] for r in self.results):
                self.voted.set()
            await asyncio.sleep(0.1)

    async def _student(self, r, start_at, vote_offset):
        rec, code = self.rec, self.code
        browser = new_browser_id()
        r["browser"] = browser
        await asyncio.sleep(max(0.0, start_at - self.loop.time()))
        headers = None
        try:
            if self.balancer is not None:
                r["cookie"], r["server"] = await asyncio.to_thread(
                    sticky_get, f"{self.base}/join?room={code}", None, self.balancer.cookie)
                headers = {"Cookie": f"{self.balancer.cookie}={r['cookie']}"}
            frames = {}

            def frame(fid):
                if fid not in frames:
                    frames[fid] = personalise(rec.frame, rec, browser, code, fid)
                return frames[fid]
            async with WsSession(self.base, headers=headers, frame=frame, timeout=TIMEOUT) as s:
                r["session"] = s
                saw = []
                key = f"vote_{rec.choice}".encode()
                s.watch(lambda t, typ, m, raw: saw.append(t) if key in raw else None)
                t0, _ = await s.run(personalise(rec.load, rec, browser, code))
                for raw in rec.connect:
                    await s.run(personalise(raw, rec, browser, code))
                r["t_join"] = s.loop.time() - t0
                r["saw_question"] = bool(saw)
                r["joined"] = True
                await self._vote.wait()
                await asyncio.sleep(vote_offset)
                r["t_send"], r["t_done"] = await s.run(personalise(rec.vote, rec, browser, code))
                r["voted"] = True
                await self._release.wait()
                r["frames"], r["bytes"], r["runs"] = s.frames, s.bytes, dict(s.runs)
                r["error"] = r["error"] or s.error
        except Exception as exc:   # a timeout or a closed connection: report it, never hang
            r["error"] = r["error"] or f"{type(exc).__name__}: {exc}"[:200]
        r["ok"] = r["voted"] and r["error"] is None


# --- one repeat -----------------------------------------------------------------------------------

def percentile(values, q):
    vals = sorted(v for v in values if v == v)
    if not vals:
        return float("nan")
    k = (len(vals) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(vals) - 1)
    return vals[lo] + (vals[hi] - vals[lo]) * (k - lo)


def latencies(sends, seen):
    """sends: the students' vote send times; seen: (t, count) as the projector showed it. The k-th
    vote sent is on the projector when its count first reaches k: per vote, that moment minus its
    send (nan if never)."""
    out = []
    for k, s in enumerate(sorted(sends), 1):
        t = next((t for t, c in seen if c is not None and c >= k), float("nan"))
        out.append(t - s)
    return out


def one_repeat(args, pw, rec, deadline):
    with contextlib.ExitStack() as stack:
        redis = None
        if args.store == "redis" or args.replicas > 1:
            redis = stack.enter_context(RedisServer())
        env = dict(v.split("=", 1) for v in args.env)
        if redis:
            env["LRVIZ_ROOMS"] = redis.url
        command = None
        if args.profile:
            env["LRVIZ_PROFILE_OUT"] = args.profile
            command = [sys.executable, str(Path(__file__).with_name("_profiled_streamlit.py"))]
        replicas = [stack.enter_context(Server(cwd=args.repo, env=env, command=command))
                    for _ in range(args.replicas)]
        lb = stack.enter_context(Balancer([s.port for s in replicas])) if args.replicas > 1 else None
        base = lb.url if lb else replicas[0].url
        procs = {f"replica {i + 1}": s for i, s in enumerate(replicas)}
        if lb:
            procs["haproxy"] = lb
        if redis:
            procs["redis"] = redis
        sampler = CpuSampler(procs)
        sampler.start()
        browser = launch_chromium(pw)
        stack.callback(browser.close)
        stack.callback(sampler.stop)
        lecturer = Lecturer(browser, base)
        code = lecturer.start(args.question)
        me = psutil.Process()
        me_cpu0, me_wall0 = sum(me.cpu_times()[:2]), time.monotonic()
        hall = Hall(base, rec, code, args.students, args.stagger, args.vote_spread, lb).start()
        stack.callback(hall.close)
        t_start = time.monotonic()
        while not hall.joined.wait(0.5):
            deadline.check("(joining)")
            lecturer.page.wait_for_timeout(10)
        t_joined = time.monotonic()
        present = []
        t_wait0 = time.monotonic() + args.settle
        while time.monotonic() < t_wait0 + args.wait:       # the wait: the projector stays open
            lecturer.page.wait_for_timeout(500)
            present.append(lecturer.read()[0])
        t_wait1 = time.monotonic()
        seen = []
        hall.vote()
        end = time.monotonic() + args.vote_spread + TIMEOUT
        n_ok = None
        while time.monotonic() < end:
            a = time.monotonic()
            count, total = lecturer.read()
            seen.append(((a + time.monotonic()) / 2, total))
            if hall.voted.is_set():
                if n_ok is None:
                    n_ok = sum(r["voted"] for r in hall.results)
                    settled = time.monotonic() + 5.0      # then a few projector refreshes more
                if (total is not None and total >= n_ok) or time.monotonic() > settled:
                    break
            time.sleep(0.05)
        t_voted = time.monotonic()
        lecturer.page.wait_for_timeout(2500)
        final_count, final_total = lecturer.read()
        stored = None
        if redis:
            stored = redis.client().hlen(f"lrviz:room:{code}:votes")
        hall.close()
        client = (sum(me.cpu_times()[:2]) - me_cpu0) / (time.monotonic() - me_wall0)
        results = hall.results
        log_errors = [ln for s in replicas for ln in s.log_tail(20000).splitlines()
                      if "Traceback" in ln or "Error" in ln]
        cpu_wait = sampler.window(t_wait0, t_wait1)
        cpu_vote = sampler.window(t_wait1, t_voted)
    sends = [r["t_send"] for r in results if r.get("t_send")]
    lat = latencies(sends, seen)
    by_server = collections.Counter(r.get("server") for r in results if r.get("server"))
    return {"n": args.students, "joined": sum(r["joined"] for r in results),
            "saw_question": sum(bool(r.get("saw_question")) for r in results),
            "voted": sum(r["voted"] for r in results), "ok": sum(r["ok"] for r in results),
            "errors": [r["error"] for r in results if r["error"]], "log_errors": log_errors,
            "t_join": [r.get("t_join", float("nan")) for r in results],
            "join_wall": t_joined - t_start, "present": present,
            "cpu_wait": cpu_wait, "cpu_vote": cpu_vote, "final_count": final_count,
            "final_total": final_total, "stored": stored, "lat": lat,
            "last": lat[-1] if lat else float("nan"), "by_server": by_server,
            "vote_run": [r["t_done"] - r["t_send"] for r in results if r.get("t_done")],
            "slowest": sorted(((r["t_done"] - r["t_send"], r["t_send"] - min(sends), r.get("server"))
                               for r in results if r.get("t_done")), reverse=True)[:5],
            "frames": [r.get("frames", 0) for r in results], "code": code,
            "served": sum(r.get("runs", {}).get("FINISHED_FRAGMENT_RUN_SUCCESSFULLY", 0) for r in results),
            "early": sum(r.get("runs", {}).get("FINISHED_EARLY_FOR_RERUN", 0) for r in results),
            "kB": [r.get("bytes", 0) / 1000 for r in results], "client": 100 * client}


def cpu_text(window):
    """'name median (max)' of each process's % of one core."""
    return " · ".join(f"{n} {statistics.median(v):.0f} ({max(v):.0f})" if v else f"{n} n/a"
                      for n, v in window.items())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--students", type=int, default=200)
    ap.add_argument("--replicas", type=int, choices=(1, 2), default=1)
    ap.add_argument("--store", choices=("memory", "redis"), default="memory",
                    help="one server's room store (two replicas always use Redis)")
    ap.add_argument("--repeats", type=int, default=2, help="how many times the whole class is run")
    ap.add_argument("--wait", type=float, default=30, help="seconds of CPU sampled while they wait")
    ap.add_argument("--settle", type=float, default=4, help="seconds after the last join before that")
    ap.add_argument("--vote-spread", type=float, default=5, help="the votes are sent over this many s")
    ap.add_argument("--stagger", type=float, default=0.05, help="seconds between students joining")
    ap.add_argument("--question", default=None, help="the /class selectbox option to open "
                                                     "(its text; default: the selectbox's default)")
    ap.add_argument("--profile", default=None, metavar="OUT",
                    help="profile every script run of the (one) server (bench/_profiled_streamlit.py): "
                         "pstats in OUT, runs and their CPU in OUT.json; slows the server, so its "
                         "figures are not the benchmark's")
    ap.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                    help="added to the servers' environment (an experiment: e.g. PYTHONPATH)")
    ap.add_argument("--budget", type=float, default=1500)
    ap.add_argument("--repo", default=str(ROOT))
    args = ap.parse_args()
    if args.replicas > 1:
        args.store = "redis"
    if args.profile and (args.replicas > 1 or args.repeats > 1):
        ap.error("--profile: one replica, one repeat")
    deadline = Deadline(args.budget)
    from playwright.sync_api import sync_playwright

    print(f"{time.strftime('%Y-%m-%d %H:%M')}, Python {platform.python_version()}, {chromium_version()}, "
          f"{os.cpu_count()} cores, load average {load_avg()}; {args.students} students, "
          f"{args.replicas} replica(s), store {args.store}, wait {args.wait:g} s, votes over "
          f"{args.vote_spread:g} s, stagger {args.stagger} s{''.join('; ' + e for e in args.env)}; "
          f"app from {args.repo} "
          f"({repo_state(args.repo)})", flush=True)
    rows, loads = [], [load_avg()]
    with sync_playwright() as pw:
        with Server(cwd=args.repo) as srv:          # the recording: a server of its own
            rec = record_student(pw, srv.url, args.question)
        print(f"recorded a phone: {1 + len(rec.connect)} reruns to join, vote_{rec.choice}, "
              f"browser id of {len(rec.browser)} characters", flush=True)
        for rep in range(args.repeats):
            deadline.check("(repeat)")
            row = one_repeat(args, pw, rec, deadline)
            loads.append(load_avg())
            rows.append(row)
            print(f"repeat {rep + 1} (room {row['code']}): joined {row['joined']}/{row['n']} in "
                  f"{row['join_wall']:.1f} s (each {mmm(row['t_join'])} s), saw the question "
                  f"{row['saw_question']}; projector: present {(row['present'] or [None])[-1]}; "
                  f"CPU % of one core while waiting, median (max): {cpu_text(row['cpu_wait'])}; "
                  f"while voting: {cpu_text(row['cpu_vote'])}; voted {row['voted']}, counted on the "
                  f"projector {row['final_total']}, in the store {row['stored']}; vote -> projector "
                  f"p50 {percentile(row['lat'], .5):.2f} s, p95 {percentile(row['lat'], .95):.2f} s, "
                  f"last vote -> {row['n']} {row['last']:.2f} s; timed re-runs per student "
                  f"{mmm(row['frames'], '{:.0f}')}, {sum(row['frames'])} sent, fragment runs finished "
                  f"{row['served']}, runs cut short by a newer one {row['early']}; by replica "
                  f"{dict(row['by_server'])}; this process (the students) used {row['client']:.0f} % of "
                  f"a core; "
                  f"load average {loads[-1]}", flush=True)
            print("   slowest votes (s to their run's end, sent at s after the first, replica): "
                  + "; ".join(f"{d:.2f} at {at:.2f} {srv or ''}".strip() for d, at, srv in row["slowest"]))
            for e in row["errors"][:5]:
                print("   error:", e)
            for e in row["log_errors"][:5]:
                print("   server log:", e)

    print(f"\nload averages seen: {'; '.join(loads)}")
    print("\n| figure | per repeat | target | met |\n|---|---|---|---|")

    def line(label, vals, target="", ok=None):
        met = "" if ok is None else ("yes" if ok else "**no**")
        print(f"| {label} | {' ; '.join(vals)} | {target} | {met} |")
    n = args.students
    line("students joined, saw the question", [f"{r['joined']}/{r['n']}, {r['saw_question']}" for r in rows],
         f"{n}/{n}", all(r["joined"] == r["saw_question"] == r["n"] for r in rows))
    line("present on the projector", [str((r["present"] or [None])[-1]) for r in rows], str(n))
    for name in rows[0]["cpu_wait"]:
        line(f"{name}: CPU while waiting, % of one core, median (max)",
             [f"{statistics.median(r['cpu_wait'][name]):.0f} ({max(r['cpu_wait'][name]):.0f})"
              if r["cpu_wait"][name] else "n/a" for r in rows],
             "<= 50" if name.startswith("replica") else "",
             all(statistics.median(r["cpu_wait"][name]) <= 50 for r in rows if r["cpu_wait"][name])
             if name.startswith("replica") else None)
    line("votes sent / counted on the projector / in Redis",
         [f"{r['voted']} / {r['final_total']} / {r['stored']}" for r in rows], f"{n}",
         all(r["final_total"] == n and r["stored"] in (None, n) for r in rows))
    line("vote -> the phone's run finished, p50 / p95 (s)",
         [f"{percentile(r['vote_run'], .5):.2f} / {percentile(r['vote_run'], .95):.2f}" for r in rows])
    line("vote -> projector, p50 (s)", [f"{percentile(r['lat'], .5):.2f}" for r in rows])
    line("vote -> projector, p95 (s)", [f"{percentile(r['lat'], .95):.2f}" for r in rows], "<= 2",
         all(percentile(r["lat"], .95) <= 2 for r in rows))
    line(f"last vote -> projector shows {n} (s)", [f"{r['last']:.2f}" for r in rows])
    if args.replicas > 1:
        line("students per replica (sticky cookie)", [str(dict(r["by_server"])) for r in rows])
    if args.profile:
        print_profile(args.profile)


def print_profile(out, top=25):
    """Per kind of run: how many, CPU ms each; then the functions of the app (app.py, views/, ui/,
    core/) by cumulative CPU, and Streamlit's by own CPU."""
    import io
    import pstats
    summary = json.loads(Path(out + ".json").read_text())
    print("\nscript runs of the profiled server (CPU of the script thread, profiler included):")
    for kind, s in summary.items():
        print(f"  {kind}: {s['runs']} runs, {1000 * s['cpu'] / s['runs']:.1f} ms CPU each "
              f"({1000 * s['wall'] / s['runs']:.1f} ms wall)")
    for title, sort, pattern in (("the app's functions, by cumulative CPU", "cumulative",
                                  r"/(app|views/|ui/|core/)"),
                                 ("every function, by own CPU", "tottime", "")):
        buf = io.StringIO()
        stats = pstats.Stats(out, stream=buf).sort_stats(sort)
        stats.print_stats(*([pattern] if pattern else []), top)
        print(f"\n{title}:\n" + "\n".join(buf.getvalue().splitlines()[4:]))


if __name__ == "__main__":
    main()
