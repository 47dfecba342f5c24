"""A lecture hall at once: N sessions (30 by default) each press Train on one `streamlit run app.py`.

Two clients:
  ws       (default) websocket-level sessions speaking Streamlit's protocol (protobuf over
           /_stcore/stream). They replay the exact BackMsgs a real Chromium sent for the page load
           and the Train click (recorded once via CDP), and read every ForwardMsg, but draw
           nothing: this measures the server, not 30 Plotly pages on 2 shared cores.
  browser  N contexts (tabs with their own sessions) in one headless Chromium, staggered.

Per session: time from Train to the end text ("error in estimating w"), whether it got there
and whether any exception (stException / "Traceback") came. Server RSS: idle (after one page
load and a run in Chromium), sampled during the load, and after every session finished (still
connected); added RSS per session = (after - idle) / N. A lone session of the same client is the
baseline for the completion time.

    .venv/bin/python bench/bench_load.py [--mode ws|browser] [--sessions 30] [--speed 100]
                                         [--repeats 2] [--stagger 0.05] [--budget 600] [--repo PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import (  # noqa: E402
    IDLE,
    ROOT,
    Deadline,
    Server,
    chromium_version,
    launch_chromium,
    load_avg,
    mmm,
    repo_state,
)
from _ws import sent_frames  # noqa: E402

END_TEXT = "error in estimating w"
VIEWPORT = {"width": 1400, "height": 1000}
CHARTS_READY = f"document.querySelector(\"{IDLE}\") && window.LRViz && window.LRViz.stats.paints > 0"
SESSION_TIMEOUT = 180


class RssSampler(threading.Thread):
    """Samples the server's RSS every `every` seconds until stopped; keeps the maximum."""

    def __init__(self, srv, every=0.25):
        super().__init__(daemon=True)
        self.srv, self.every, self.samples, self._halt = srv, every, [], threading.Event()

    def run(self):
        while not self._halt.is_set():
            self.samples.append(self.srv.rss_mb())
            self._halt.wait(self.every)

    def stop(self):
        self._halt.set()
        self.join()
        return max(self.samples) if self.samples else float("nan")


# --- recording a real browser's BackMsgs ----------------------------------------------------------

def record_backmsgs(pw, url):
    """Load the page in Chromium, press Train, run to the end. Returns (load_msg, train_msg,
    frame_msg): the serialized BackMsgs (rerun_script) sent for the page load, for the click and
    for one of the live fragment's timed re-runs (None if the app sent none)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    browser = launch_chromium(pw)
    try:
        ctx = browser.new_context(viewport=VIEWPORT)
        page = ctx.new_page()
        sent = sent_frames(ctx, page, clock=time.perf_counter)
        page.goto(url)
        page.wait_for_function(CHARTS_READY, timeout=90_000)
        page.wait_for_timeout(500)
        t_click = time.perf_counter()
        page.get_by_role("button", name="Train", exact=True).click()
        page.get_by_text(END_TEXT).wait_for(timeout=90_000)
        page.wait_for_selector(IDLE)
        ctx.close()
    finally:
        browser.close()

    def rerun(after, before, fragment=False):
        for t, raw in sent:
            m = BackMsg()
            m.ParseFromString(raw)
            if after <= t < before and m.WhichOneof("type") == "rerun_script" \
                    and bool(m.rerun_script.fragment_id) == fragment:
                m.rerun_script.ClearField("cached_message_hashes")   # a new session has no cache
                return m.SerializeToString()
        if fragment:
            return None
        raise RuntimeError("no rerun_script BackMsg recorded")
    return rerun(0, t_click), rerun(t_click, float("inf")), rerun(t_click, float("inf"), True)


# --- websocket sessions --------------------------------------------------------------------------

async def ws_session(url, load_msg, train_msg, start_at, train_at, result, frame_msg=None, headers=None):
    """One session: connect at start_at, load, press Train at train_at (loop times), run to the end.

    Like Streamlit's frontend, it answers an auto_rerun message (a fragment with run_every) by
    sending that fragment's re-run every interval until a stop_auto_rerun or the start of a full
    run (frame_msg is the recorded re-run, its fragment id replaced). result gets: ok, error,
    t_train (s from Train to end text), bytes, connected, finished, frames (fragment re-runs)."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    loop = asyncio.get_running_loop()
    result.update(ok=False, error=None, t_train=float("nan"), bytes=0, finished=False)
    await asyncio.sleep(max(0.0, start_at - loop.time()))
    try:
        async with websockets.connect(url.replace("http", "ws", 1) + "/_stcore/stream",
                                      subprotocols=["streamlit"], max_size=None,
                                      open_timeout=60, ping_interval=None,
                                      additional_headers=headers) as ws:
            result["connected"] = True
            timers = {}
            result["frames"] = 0

            async def every(fragment_id, interval):
                m = BackMsg()
                m.ParseFromString(frame_msg)
                m.rerun_script.fragment_id = fragment_id
                raw = m.SerializeToString()
                while True:
                    await asyncio.sleep(interval)
                    await ws.send(raw)
                    result["frames"] += 1

            def auto_rerun(typ, m):
                if typ == "new_session" and not m.metadata.run.fragment_ids:
                    for task, _ in timers.values():     # a full run: the frontend drops all timers
                        task.cancel()
                    timers.clear()
                elif typ == "auto_rerun" and frame_msg is not None:
                    fid, interval = m.auto_rerun.fragment_id, m.auto_rerun.interval
                    if fid in timers and timers[fid][1] == interval:
                        return
                    if fid in timers:
                        timers.pop(fid)[0].cancel()
                    timers[fid] = (asyncio.create_task(every(fid, interval)), interval)
                elif typ == "stop_auto_rerun":
                    for fid in m.stop_auto_rerun.fragment_ids:
                        if fid in timers:
                            timers.pop(fid)[0].cancel()

            async def until(pred, deadline):
                while True:
                    raw = await asyncio.wait_for(ws.recv(), timeout=max(0.1, deadline - loop.time()))
                    result["bytes"] += len(raw)
                    m = ForwardMsg()
                    m.ParseFromString(raw)
                    typ = m.WhichOneof("type")
                    auto_rerun(typ, m)
                    if typ == "delta" and m.delta.WhichOneof("type") == "new_element" \
                            and m.delta.new_element.WhichOneof("type") == "exception":
                        result["error"] = result["error"] or m.delta.new_element.exception.message[:200]
                    elif b"Traceback" in raw:
                        result["error"] = result["error"] or "Traceback in a message"
                    if pred(typ, m, raw):
                        return

            end = loop.time() + SESSION_TIMEOUT
            await ws.send(load_msg)
            await until(lambda typ, m, raw: typ == "script_finished", end)
            await asyncio.sleep(max(0.0, train_at - loop.time()))
            t0 = loop.time()
            await ws.send(train_msg)
            seen = {}

            def done(typ, m, raw):
                if END_TEXT.encode() in raw and "text" not in seen:
                    seen["text"] = loop.time()
                # the run ends with st.rerun(): the last script_finished is a success after the text
                return "text" in seen and typ == "script_finished" and \
                    m.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY
            await until(done, end)
            result["t_train"] = seen["text"] - t0
            result["finished"] = True
            result["ok"] = result["error"] is None
            await result["release"].wait()          # stay connected until every session is done
            for task, _ in timers.values():
                task.cancel()
    except Exception as exc:  # a timeout or a closed connection: report it, never hang
        result["error"] = result["error"] or f"{type(exc).__name__}: {exc}"[:200]


async def ws_load(url, load_msg, train_msg, frame_msg, n, stagger, srv):
    """n sessions: connects staggered by `stagger` s, Train presses staggered the same way after all
    are loaded. Returns (results, rss_after_all_finished_connected)."""
    loop = asyncio.get_running_loop()
    t = loop.time()
    release = asyncio.Event()
    results = [{"release": release} for _ in range(n)]
    tasks = [asyncio.create_task(ws_session(url, load_msg, train_msg, t + i * stagger,
                                            t + n * stagger + 2.0 + i * stagger, r, frame_msg))
             for i, r in enumerate(results)]
    return results, await all_done(results, tasks, release, srv.rss_mb)


async def all_done(results, tasks, release, measure):
    """Wait until every session finished (or failed), still connected; then measure() (what the
    server holds with all of them open), release the sessions and wait for them to close.
    Returns what measure() returned."""
    while not all(r.get("finished") or r.get("error") for r in results):
        if all(tk.done() for tk in tasks):
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)
    measured = measure()
    release.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return measured


# --- browser sessions ----------------------------------------------------------------------------

PAGE_INIT = """
window.__load = {click: null, done: null};
document.addEventListener('click', () => { window.__load.click = performance.now(); }, true);
setInterval(() => {
  const L = window.__load;
  if (L.click !== null && L.done === null && document.body &&
      document.body.innerText.includes('error in estimating w')) L.done = performance.now();
}, 50);
"""


def browser_load(pw, url, n, stagger, srv):
    browser = launch_chromium(pw)
    pages = []
    try:
        for _ in range(n):
            ctx = browser.new_context(viewport=VIEWPORT)
            ctx.set_default_timeout(SESSION_TIMEOUT * 1000)
            ctx.add_init_script(PAGE_INIT)
            page = ctx.new_page()
            page.errors = []
            page.on("pageerror", lambda exc, p=page: p.errors.append(str(exc)))
            page.goto(url, wait_until="commit")
            pages.append(page)
            time.sleep(stagger)
        for page in pages:
            page.wait_for_function(CHARTS_READY, timeout=SESSION_TIMEOUT * 1000)
        for page in pages:
            page.get_by_role("button", name="Train", exact=True).click()
            time.sleep(stagger)
        results = []
        end = time.monotonic() + SESSION_TIMEOUT
        for page in pages:
            r = {"ok": False, "error": None, "t_train": float("nan")}
            try:
                page.wait_for_function("window.__load.done !== null",
                                       timeout=max(1000, (end - time.monotonic()) * 1000))
                L = page.evaluate("window.__load")
                r["t_train"] = (L["done"] - L["click"]) / 1000
                r["finished"] = True
            except Exception as exc:   # a timeout: report it
                r["error"] = f"{type(exc).__name__}"
            if page.errors:
                r["error"] = r["error"] or "JS error: " + page.errors[0][:200]
            if page.locator("[data-testid='stException']").count() or \
                    page.get_by_text("Traceback").count():
                r["error"] = r["error"] or "exception on the page"
            r["ok"] = r.get("finished", False) and r["error"] is None
            results.append(r)
        time.sleep(1.0)
        rss_after = srv.rss_mb()
    finally:
        browser.close()
    return results, rss_after


# --- main ----------------------------------------------------------------------------------------

def run_async(coro):
    """asyncio.run in a thread of its own (sync Playwright already runs a loop in this one)."""
    out = {}

    def target():
        try:
            out["value"] = asyncio.run(coro)
        except BaseException as exc:   # re-raised below, in the caller's thread
            out["error"] = exc
    t = threading.Thread(target=target)
    t.start()
    t.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


def one_phase(args, pw, srv, msgs, n):
    """n sessions at once; returns a dict of figures."""
    url = srv.url + f"/?speed={args.speed:g}"
    sampler = RssSampler(srv)
    cpu0, wall0 = srv.cpu_seconds(), time.perf_counter()
    me = psutil.Process()
    me_cpu0 = sum(me.cpu_times()[:2])
    sampler.start()
    try:
        if args.mode == "ws":
            results, rss_after = run_async(ws_load(srv.url, *msgs, n, args.stagger, srv))
        else:
            results, rss_after = browser_load(pw, url, n, args.stagger, srv)
    finally:
        rss_max = sampler.stop()
    wall = time.perf_counter() - wall0
    times = [r["t_train"] for r in results]
    return {"n": n, "ok": sum(r["ok"] for r in results),
            "errors": [r["error"] for r in results if r["error"]],
            "times": times, "rss_after": rss_after, "rss_max": rss_max, "wall": wall,
            "server_cpu": srv.cpu_seconds() - cpu0, "client_cpu": sum(me.cpu_times()[:2]) - me_cpu0,
            "kB": [r.get("bytes", 0) / 1000 for r in results]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mode", choices=("ws", "browser"), default="ws")
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--speed", type=float, default=100, help="?speed= of every session (steps/s)")
    ap.add_argument("--repeats", type=int, default=2, help="how many times the whole load is run")
    ap.add_argument("--lone", type=int, default=3, help="lone-session runs for the baseline")
    ap.add_argument("--stagger", type=float, default=0.05, help="seconds between session starts")
    ap.add_argument("--budget", type=float, default=600)
    ap.add_argument("--repo", default=str(ROOT))
    args = ap.parse_args()
    deadline = Deadline(args.budget)
    from playwright.sync_api import sync_playwright

    print(f"{time.strftime('%Y-%m-%d %H:%M')}, Python {platform.python_version()}, {chromium_version()}, "
          f"{os.cpu_count()} cores, load average {load_avg()}; mode {args.mode}, {args.sessions} sessions "
          f"at ?speed={args.speed:g}, stagger {args.stagger} s, app from {args.repo} "
          f"({repo_state(args.repo)})", flush=True)
    loads, rows = [load_avg()], []
    with sync_playwright() as pw:
        for rep in range(args.repeats):
            deadline.check("(repeat)")
            with Server(cwd=args.repo) as srv:           # a fresh server per repeat
                msgs = record_backmsgs(pw, srv.url + f"/?speed={args.speed:g}")
                time.sleep(2)
                idle = srv.rss_mb()
                lone = []
                for _ in range(args.lone):
                    deadline.check("(lone)")
                    lone.append(one_phase(args, pw, srv, msgs, 1))
                time.sleep(2)
                idle2 = srv.rss_mb()
                deadline.check("(load)")
                load = one_phase(args, pw, srv, msgs, args.sessions)
                log_errors = [ln for ln in srv.log_tail(20000).splitlines()
                              if "Traceback" in ln or "Error" in ln]
            loads.append(load_avg())
            lone_t = statistics.median([p["times"][0] for p in lone])
            med = statistics.median([t for t in load["times"] if t == t] or [float("nan")])
            per_session = (load["rss_after"] - idle2) / args.sessions
            row = {"idle": idle, "idle2": idle2, "lone": lone_t,
                   "lone_all": [p["times"][0] for p in lone],
                   "ok": load["ok"], "n": load["n"], "errors": load["errors"], "times": load["times"],
                   "med": med, "ratio": med / lone_t, "rss_after": load["rss_after"],
                   "rss_max": load["rss_max"],
                   "per_session": per_session, "wall": load["wall"], "server_cpu": load["server_cpu"],
                   "client_cpu": load["client_cpu"], "kB": load["kB"],
                   "log_errors": log_errors}
            rows.append(row)
            print(f"repeat {rep + 1}: idle RSS {idle:.0f} MB (after lone runs {idle2:.0f}); lone session "
                  f"{mmm(row['lone_all'])} s; {load['ok']}/{load['n']} completed without error; "
                  f"Train -> end text {mmm(load['times'])} s (ratio of medians {row['ratio']:.2f}); "
                  f"RSS after all finished {load['rss_after']:.0f} MB (max {load['rss_max']:.0f}): "
                  f"+{per_session:.2f} MB per session; "
                  f"server CPU {load['server_cpu']:.1f} s in {load['wall']:.1f} s; client CPU "
                  f"{load['client_cpu']:.1f} s", flush=True)
            for e in load["errors"][:5]:
                print("   error:", e)
            for e in log_errors[:5]:
                print("   server log:", e)

    print(f"\nload averages seen: {'; '.join(loads)}")
    print("\n| figure | per repeat | target | met |\n|---|---|---|---|")

    def line(label, vals, target, ok):
        print(f"| {label} | {' ; '.join(vals)} | {target} | {ok} |")
    n = args.sessions
    line("sessions completed without error", [f"{r['ok']}/{r['n']}" for r in rows], f"{n}/{n}",
         "yes" if all(r["ok"] == r["n"] for r in rows) else "**no**")
    line("Train -> end text, lone session (s)", [f"{r['lone']:.2f}" for r in rows], "", "")
    line(f"Train -> end text, {n} sessions, min / median / max (s)", [mmm(r["times"]) for r in rows], "", "")
    line("ratio of medians, loaded / lone", [f"{r['ratio']:.2f}" for r in rows], "<= 2",
         "yes" if all(r["ratio"] <= 2 for r in rows) else "**no**")
    line("server RSS idle (MB)", [f"{r['idle2']:.0f}" for r in rows], "", "")
    line(f"server RSS, {n} sessions finished, connected (MB)", [f"{r['rss_after']:.0f}" for r in rows],
         "", "")
    line("server RSS max during the load (MB)", [f"{r['rss_max']:.0f}" for r in rows], "", "")
    line("added RSS per session (MB)", [f"{r['per_session']:.2f}" for r in rows], "<= 15",
         "yes" if all(r["per_session"] <= 15 for r in rows) else "**no**")
    line("server CPU s / wall s during the load",
         [f"{r['server_cpu']:.1f} / {r['wall']:.1f}" for r in rows], "", "")
    if args.mode == "ws":
        line("kB received per session", [mmm(r["kB"], "{:.0f}") for r in rows], "", "")


if __name__ == "__main__":
    main()
