"""A hall behind the deploy recipe: N sessions press Train through HAProxy (deploy/haproxy.cfg) to R
`streamlit run app.py` replicas, every one from 127.0.0.1, as a hall behind one NAT address.

The balancer runs the recipe itself (bench/_balancer.py: only the docker DNS and server-template
lines are replaced by the local replicas' addresses). Each session does what a browser does: GET /
through the balancer, which deals it a replica in turn and sets the sticky cookie, then opens the
websocket with that cookie and replays a real Chromium's page load and Train click
(bench_load.ws_session). Per load: sessions per replica by the cookie each got, and by HAProxy's
count of open websockets per replica once all are connected; how many reached the end text;
Train -> end text min / median / max against a lone session through the balancer.

    .venv/bin/python bench/bench_balancer.py [--sessions 60 100 200] [--replicas 2] [--speed 100]
                                             [--lone 3] [--stagger 0.05] [--budget 1500] [--repo PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _balancer import Balancer, sticky_get  # noqa: E402
from _server import ROOT, Deadline, Server, chromium_version, load_avg, mmm, repo_state  # noqa: E402
from bench_load import all_done, record_backmsgs, ws_session  # noqa: E402


async def hall(lb, msgs, n, stagger):
    """n sessions through the balancer: page loads (GET / then the websocket) staggered by `stagger`
    s, Train presses staggered the same way after all are loaded. Returns (results, websockets per
    replica while all are connected); a result has ws_session's keys plus cookie and server (the
    replica that answered the GET)."""
    load_msg, train_msg, frame_msg = msgs
    loop = asyncio.get_running_loop()
    t = loop.time()
    release = asyncio.Event()
    results = [{"release": release, "ok": False, "error": None, "t_train": float("nan")}
               for _ in range(n)]

    async def session(i, r):
        await asyncio.sleep(max(0.0, t + i * stagger - loop.time()))
        try:
            r["cookie"], r["server"] = await asyncio.to_thread(sticky_get, lb.url + "/", None, lb.cookie)
        except OSError as exc:
            r["error"] = f"GET /: {type(exc).__name__}: {exc}"[:200]
            return
        await ws_session(lb.url, load_msg, train_msg, 0.0, t + n * stagger + 2.0 + i * stagger, r,
                         frame_msg, headers={"Cookie": f"{lb.cookie}={r['cookie']}"})

    tasks = [asyncio.create_task(session(i, r)) for i, r in enumerate(results)]
    return results, await all_done(results, tasks, release, lb.current)


def one_load(lb, replicas, msgs, n, stagger):
    cpu0 = [s.cpu_seconds() for s in replicas] + [lb.cpu_seconds()]
    wall0, log0 = time.perf_counter(), lb.log_size()
    results, open_ws = asyncio.run(hall(lb, msgs, n, stagger))
    wall = time.perf_counter() - wall0
    time.sleep(0.5)                              # HAProxy logs a websocket once it is closed
    streams = lb.requests(log0, "/_stcore/stream")
    cpu = [b - a for a, b in zip(cpu0, [s.cpu_seconds() for s in replicas] + [lb.cpu_seconds()])]
    by_cookie = collections.Counter(r.get("server") for r in results if r.get("server"))
    servers = {}                                 # one cookie, one server: else stickiness broke
    for r in results:
        if r.get("cookie"):
            servers.setdefault(r["cookie"], set()).add(r["server"])
    return {"n": n, "ok": sum(r["ok"] for r in results), "results": results,
            "errors": [r["error"] for r in results if r["error"]],
            "times": [r["t_train"] for r in results], "by_cookie": by_cookie, "open_ws": open_ws,
            "one_server_per_cookie": all(len(s) == 1 for s in servers.values()),
            "ws_by_cookie": sum(st == 101 and flags[0] == "V" for _, st, flags in streams),
            "ws_logged": collections.Counter(server for server, st, _ in streams if st == 101),
            "rss": [s.rss_mb() for s in replicas], "cpu": cpu, "wall": wall}


def spread(counts, names):
    return " · ".join(f"{name} {counts.get(name, 0)}" for name in names)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, nargs="+", default=[60, 100, 200])
    ap.add_argument("--replicas", type=int, default=2)
    ap.add_argument("--speed", type=float, default=100, help="?speed= of every session (steps/s)")
    ap.add_argument("--lone", type=int, default=3, help="lone-session runs for the baseline")
    ap.add_argument("--stagger", type=float, default=0.05, help="seconds between session starts")
    ap.add_argument("--budget", type=float, default=1500)
    ap.add_argument("--repo", default=str(ROOT), help="where the app is run from (the recipe is this "
                                                      "checkout's deploy/haproxy.cfg)")
    args = ap.parse_args()
    deadline = Deadline(args.budget)
    from playwright.sync_api import sync_playwright

    rows = []
    with contextlib.ExitStack() as stack:
        replicas = [stack.enter_context(Server(cwd=args.repo)) for _ in range(args.replicas)]
        lb = stack.enter_context(Balancer([s.port for s in replicas]))
        names = sorted(lb.status())
        print(f"{time.strftime('%Y-%m-%d %H:%M')}, Python {platform.python_version()}, {lb.version()}, "
              f"{chromium_version()}, {os.cpu_count()} cores, load average {load_avg()}; "
              f"{args.replicas} replicas behind deploy/haproxy.cfg, sessions {args.sessions} at "
              f"?speed={args.speed:g}, stagger {args.stagger} s, all from 127.0.0.1; app from "
              f"{args.repo} ({repo_state(args.repo)})", flush=True)
        with sync_playwright() as pw:            # a real browser's messages, through the balancer
            msgs = record_backmsgs(pw, lb.url + f"/?speed={args.speed:g}")
        time.sleep(2)
        lone = []
        for _ in range(args.lone):
            deadline.check("(lone)")
            lone.append(one_load(lb, replicas, msgs, 1, args.stagger)["times"][0])
        lone_t = statistics.median(lone)
        print(f"lone session through the balancer: Train -> end text {mmm(lone)} s", flush=True)
        for n in args.sessions:
            deadline.check(f"(before {n} sessions)")
            time.sleep(2)
            load = one_load(lb, replicas, msgs, n, args.stagger)
            med = statistics.median([t for t in load["times"] if t == t] or [float("nan")])
            load.update(med=med, ratio=med / lone_t, load_avg=load_avg())
            rows.append(load)
            print(f"{n} sessions: {load['ok']}/{n} completed without error; per replica by cookie "
                  f"{spread(load['by_cookie'], names)}, open websockets {spread(load['open_ws'], names)}, "
                  f"{load['ws_by_cookie']}/{n} routed by their cookie; "
                  f"Train -> end text {mmm(load['times'])} s (ratio of medians {load['ratio']:.2f}); "
                  f"replica RSS {' · '.join(f'{r:.0f}' for r in load['rss'])} MB; CPU s (replicas, "
                  f"haproxy) {' · '.join(f'{c:.1f}' for c in load['cpu'])} in {load['wall']:.1f} s; "
                  f"load average {load['load_avg']}", flush=True)
            for e in load["errors"][:5]:
                print("   error:", e)
        log_errors = [ln for s in replicas for ln in s.log_tail(20000).splitlines()
                      if "Traceback" in ln or "Error" in ln]
        for e in log_errors[:5]:
            print("   server log:", e)

    print(f"\n| figure | {' | '.join(str(r['n']) + ' sessions' for r in rows)} | target | met |")
    print("|---|" + "---|" * len(rows) + "---|---|")

    def line(label, vals, target="", ok=None):
        met = "" if ok is None else ("yes" if ok else "**no**")
        print(f"| {label} | {' | '.join(vals)} | {target} | {met} |")
    line("completed without error", [f"{r['ok']}/{r['n']}" for r in rows], "all",
         all(r["ok"] == r["n"] for r in rows))
    line("sessions per replica (sticky cookie)", [spread(r["by_cookie"], names) for r in rows],
         "in turn (max - min <= 1)",
         all(max(r["by_cookie"].get(m, 0) for m in names) - min(r["by_cookie"].get(m, 0) for m in names)
             <= 1 for r in rows))
    line("open websockets per replica (HAProxy), all connected", [spread(r["open_ws"], names) for r in rows],
         "= by cookie", all(r["open_ws"] == {m: r["by_cookie"].get(m, 0) for m in names}
                            and r["one_server_per_cookie"] for r in rows))
    line("websockets routed by their cookie (HAProxy log: valid cookie, its server)",
         [f"{r['ws_by_cookie']}/{r['n']}" for r in rows], "all",
         all(r["ws_by_cookie"] == r["n"] and r["ws_logged"] == r["by_cookie"] for r in rows))
    line("Train -> end text, lone session (s)", [f"{lone_t:.2f}"] * len(rows))
    line("Train -> end text, min / median / max (s)", [mmm(r["times"]) for r in rows])
    line("ratio of medians, loaded / lone", [f"{r['ratio']:.2f}" for r in rows], "<= 2",
         all(r["ratio"] <= 2 for r in rows))
    line("replica RSS, all finished, connected (MB)",
         [" · ".join(f"{x:.0f}" for x in r["rss"]) for r in rows])
    line("CPU s of each replica · haproxy / wall s",
         [" · ".join(f"{c:.1f}" for c in r["cpu"]) + f" / {r['wall']:.1f}" for r in rows])


if __name__ == "__main__":
    main()
