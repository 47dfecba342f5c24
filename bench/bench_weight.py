"""Page weight of a cold page load on a phone (issue 23): the bytes a headless Chromium at 390x844,
with an empty cache, transfers to open a page through the deploy recipe (deploy/haproxy.cfg run
by a local HAProxy in front of local replicas, bench/_balancer.py), split by type.

Bytes are Chromium's own count: the DevTools protocol's Network.loadingFinished
encodedDataLength of every HTTP response (headers and body as they came over the wire, so a
gzipped body counts gzipped), by the resource type of its Network.responseReceived: script, font,
css, other (the HTML, images, JSON, ...). The websocket's frames are not HTTP responses and are
not in the total (shown beside it: their payloads, as received). A page counts as loaded once
Streamlit's script has run (IDLE) and no HTTP response has come for QUIET seconds.

Variants: the recipe as it is (Streamlit's bundles gzipped at build, deploy/bundles.py, and
HAProxy's gzip for the rest), the recipe with HAProxy's gzip only, the recipe without either, and
(--direct) one replica without HAProxy. Each run is a new browser context: a cold cache, no
cookies. --floor adds the floor of any Streamlit page: FLOOR_APP (a heading, three buttons, a
slider; no sidebar, no icon, no chart) through the recipe.

A page path may hold `{room}`: the replicas then share a Redis of the bench's own (Debian's
redis-server on a free port, in memory only, as deploy/docker-compose.yml shares one by
LRVIZ_ROOMS), a room is started there with the bank's first question open, and `{room}` is its
code: "/join?room={room}" is a phone arriving by the projector's QR code, joining and seeing the
question's answer buttons.

    .venv/bin/python bench/bench_weight.py [--runs 3] [--pages / /parabola /join "/join?room={room}"]
                                           [--direct] [--floor] [--top N]
"""

from __future__ import annotations

import argparse
import contextlib
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _balancer import HAPROXY, RECIPE, Balancer  # noqa: E402
from _server import (  # noqa: E402
    IDLE,
    ROOT,
    RedisServer,
    Server,
    chromium_version,
    launch_chromium,
    load_avg,
    repo_state,
)

KINDS = ("script", "font", "css", "other")
_KIND = {"Script": "script", "Font": "font", "Stylesheet": "css"}
QUIET = 2.0             # seconds without a new HTTP response: the page's load is over
WIDTH, HEIGHT = 390, 844
FLOOR_APP = """import streamlit as st

def join():
    st.markdown("## Question 3")
    st.write("lr = 1.0 on these data: converges, oscillates, or diverges?")
    for col, text in zip(st.columns(3), ["converges", "oscillates", "diverges"]):
        col.button(text)
    st.slider("w", 0.0, 1.0)

st.navigation([st.Page(join, title="Join", url_path="join", default=True)], position="hidden").run()
"""


def without(recipe_text, bundles=True, compression=True):
    """The recipe without its page-weight rules: the lines serving Streamlit's bundles gzipped
    (`bundles`: those naming a bundle) and HAProxy's own gzip (`compression`)."""
    def dropped(line):
        code = line.split("#", 1)[0].strip()
        return (bundles and "bundle" in code) or (compression and code.startswith("compression "))
    return "".join(line for line in recipe_text.splitlines(keepends=True) if not dropped(line))


# what a page shows once it is all there (beyond Streamlit's idle state), by its path
READY = {"/join?room=": ".st-key-join_vote button"}      # the open question's answers


def cold_load(browser, url, timeout=120):
    """Open `url` in a new context (empty cache) at WIDTH x HEIGHT: ({kind: bytes}, websocket
    bytes received, [(url, kind, bytes, content-encoding)]) once the page is loaded."""
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, device_scale_factor=3,
                                  is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        seen, done, ws = {}, [], [0]
        last = [time.monotonic()]

        def on_response(e):
            r = e["response"]
            headers = {k.lower(): v for k, v in r.get("headers", {}).items()}
            seen[e["requestId"]] = (r["url"], _KIND.get(e.get("type"), "other"),
                                    headers.get("content-encoding", ""))
            last[0] = time.monotonic()

        def on_finished(e):
            done.append((e["requestId"], e["encodedDataLength"]))
            last[0] = time.monotonic()

        def on_frame(e):
            ws[0] += len(e["response"]["payloadData"])

        cdp.on("Network.responseReceived", on_response)
        cdp.on("Network.loadingFinished", on_finished)
        cdp.on("Network.webSocketFrameReceived", on_frame)
        cdp.send("Network.enable")
        page.goto(url, timeout=timeout * 1000)
        page.wait_for_selector(IDLE, timeout=timeout * 1000)
        for part, selector in READY.items():
            if part in url:
                page.wait_for_selector(selector, timeout=timeout * 1000)
        end = time.monotonic() + timeout
        while time.monotonic() - last[0] < QUIET and time.monotonic() < end:
            page.wait_for_timeout(200)
        by_kind = dict.fromkeys(KINDS, 0)
        rows = []
        for rid, size in done:
            if rid not in seen:          # a request that failed or was served from nowhere
                continue
            u, kind, enc = seen[rid]
            by_kind[kind] += int(size)
            rows.append((u, kind, int(size), enc))
        return by_kind, ws[0], rows
    finally:
        context.close()


def median_row(loads):
    """{kind: median bytes, "total": median of totals, "ws": median websocket bytes}."""
    out = {k: statistics.median(by[k] for by, _, _ in loads) for k in KINDS}
    out["total"] = statistics.median(sum(by.values()) for by, _, _ in loads)
    out["ws"] = statistics.median(w for _, w, _ in loads)
    return out



def open_room(url):
    """A room on the Redis at `url` with the question bank's first choice question open: its code."""
    from core import questions, rooms

    store = rooms.store_from_env({rooms.ENV: url})
    room = store.create_room(rooms.new_client_id())
    q = next(q for q in questions.QUESTIONS if q.choices)
    assert store.open_question(room.code, room.secret, q.id, choices=q.choices) is None
    return room.code


def haproxy_version():
    out = subprocess.run([HAPROXY, "-v"], capture_output=True, text=True, timeout=20).stdout
    return " ".join(out.split()[:3])


def kb(n):
    return f"{n / 1000:,.0f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pages", nargs="+", default=["/", "/parabola", "/join"])
    ap.add_argument("--direct", action="store_true", help="also one replica without HAProxy")
    ap.add_argument("--floor", action="store_true", help="also a minimal Streamlit page (FLOOR_APP)")
    ap.add_argument("--top", type=int, default=0, help="list the N biggest responses of the last run")
    ap.add_argument("--repo", default=str(ROOT), help="the checkout whose app.py the replicas run")
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    recipe = RECIPE.read_text()
    tmp = Path(tempfile.mkdtemp(prefix="bench-weight-"))
    plain, slz = tmp / "plain.cfg", tmp / "slz.cfg"
    plain.write_text(without(recipe))
    slz.write_text(without(recipe, compression=False))
    results = {}
    rooms = any("{room}" in p for p in args.pages)
    if rooms:
        sys.path.insert(0, str(Path(args.repo).resolve()))
    with contextlib.ExitStack() as stack:
        env = {}
        if rooms:
            env["LRVIZ_ROOMS"] = stack.enter_context(RedisServer()).url
        a = stack.enter_context(Server(cwd=args.repo, env=env))
        b = stack.enter_context(Server(cwd=args.repo, env=env))
        pw = stack.enter_context(sync_playwright())
        browser = launch_chromium(pw)
        code = open_room(env["LRVIZ_ROOMS"]) if rooms else None
        variants = [("recipe without its page-weight rules", plain),
                    ("recipe with HAProxy's gzip only", slz), ("recipe", RECIPE)]
        for name, cfg in variants:
            with Balancer([a.port, b.port], recipe=cfg, haproxy=HAPROXY, app_root=args.repo) as lb:
                for path in args.pages:
                    loads = [cold_load(browser, lb.url + path.format(room=code)) for _ in range(args.runs)]
                    results[(name, path)] = median_row(loads)
                    rows = loads[-1][2]
        if args.direct:
            for path in args.pages:
                loads = [cold_load(browser, a.url + path.format(room=code)) for _ in range(args.runs)]
                results[("one replica, no HAProxy", path)] = median_row(loads)
        if args.floor:
            floor = Path(tempfile.mkdtemp(prefix="bench-weight-floor-"))
            (floor / "floor.py").write_text(FLOOR_APP)
            (floor / ".streamlit").mkdir()
            (floor / ".streamlit" / "config.toml").write_text("[server]\nenableStaticServing = true\n")
            with Server("floor.py", cwd=floor) as f, \
                    Balancer([f.port], haproxy=HAPROXY, app_root=floor) as lb:
                loads = [cold_load(browser, lb.url + "/") for _ in range(args.runs)]
                results[("recipe: a minimal Streamlit page (--floor)", "/")] = median_row(loads)
        browser.close()

    print(f"bench_weight: {args.runs} cold loads each, Chromium at {WIDTH}x{HEIGHT}, medians in kB "
          f"(10^3 bytes) of Network.loadingFinished encodedDataLength")
    print(f"app: {repo_state(args.repo)}; {chromium_version()}; {haproxy_version()}; "
          f"Python {platform.python_version()}; load {load_avg()}")
    print()
    print("| page | served by | total | script | font | css | other | websocket (not in total) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for (name, path), r in results.items():
        print(f"| `{path}` | {name} | **{kb(r['total'])}** | {kb(r['script'])} | {kb(r['font'])} | "
              f"{kb(r['css'])} | {kb(r['other'])} | {kb(r['ws'])} |")
    if args.top:
        print()
        print(f"The {args.top} biggest responses of the last run (recipe, {args.pages[-1]}):")
        for u, kind, size, enc in sorted(rows, key=lambda r: -r[2])[:args.top]:
            print(f"  {size / 1000:8.1f} kB  {kind:6s} {enc or '-':5s} {re.sub(r'^https?://[^/]+', '', u)}")


if __name__ == "__main__":
    main()
