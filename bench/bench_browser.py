"""The live app in headless Chromium: is it smooth enough for a lecture hall?

Serves app.py (and bench/naive_app.py, the naive baseline) with `streamlit run` on free ports and
drives them with Playwright in Debian's /usr/bin/chromium. Measures, each over several runs:

  1. fps      painted chart updates per second during a ?speed=100 run (LRViz.stats.paintTimes),
              against the naive st.plotly_chart-in-st.empty() loop (visible changes of the
              charts' line paths, counted on requestAnimationFrame, for both apps)
  7. bytes    websocket bytes received per second in the same runs (CDP Network events)
  2. fast     Train -> all 300 steps received, drawn and the end text shown, at ?speed=0
  3. pause    Pause -> LRViz status "paused" at the default speed; Step -> one more step painted
  4. render   navigation start -> script idle and the charts painted (warm server, fresh tab);
              server RSS at idle after a page load and a run (fresh server per run)
  6. long     ?n=100000&batch_size=10&epochs=5&speed=0 (50,000 steps): paints during the run,
              Pause latency, server RSS sampled during the run, displayed points

    .venv/bin/python bench/bench_browser.py [--runs 5] [--long-runs 3] [--only fps,fast,...]
                                            [--budget 600] [--repo PATH] [--no-baseline]

Prints min / median / max per figure and a summary table. Times are from in-page clocks:
performance.now() at the click event (capture listener) to the first animation frame at which
the condition holds, so Playwright's own latency is not counted.
"""

from __future__ import annotations

import argparse
import base64
import collections
import contextlib
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import (  # noqa: E402
    IDLE,
    ROOT,
    Deadline,
    Server,
    chromium_version,
    launch_chromium,
    load_avg,
    median,
    mmm,
    repo_state,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

WsFrame = collections.namedtuple("WsFrame", "t ts way size data")   # perf_counter, CDP seconds
VIEWPORT = {"width": 1400, "height": 1000}
END_TEXT = "error in estimating w"
TARGETS = ("fps", "fast", "pause", "render", "long")

# in every page: click times (capture phase, before any handler) and a generic counter of
# visible chart changes: a frame counts when the line paths of the Plotly charts differ from
# the previous frame's; frames with no chart on the page count as "absent" (flicker)
INIT = """
window.__bench = {clicks: [], frames: 0, changes: [], absent: []};
document.addEventListener('click', () => window.__bench.clicks.push(performance.now()), true);
(function () {
  let last = null;
  function f(t) {
    const B = window.__bench, plots = document.querySelectorAll('.js-plotly-plot');
    B.frames++;
    if (!plots.length) { B.absent.push(t); }
    else {
      let sig = '';
      for (const p of plots) for (const e of p.querySelectorAll('path.js-line')) {
        const d = e.getAttribute('d') || ''; sig += d.length + ':' + d.slice(-32) + '|';
      }
      if (sig !== last) { B.changes.push(t); last = sig; }
    }
    requestAnimationFrame(f);
  }
  requestAnimationFrame(f);
})();
"""
CHARTS_READY = f"document.querySelector(\"{IDLE}\") && window.LRViz && window.LRViz.stats.paints > 0"


def when(page, predicate, timeout=30_000):
    """performance.now() at the first animation frame where `predicate` (a JS expression) holds."""
    return page.wait_for_function(f"() => ({predicate}) && performance.now()", polling="raf",
                                  timeout=timeout).json_value()


def last_click(page):
    return page.evaluate("window.__bench.clicks[window.__bench.clicks.length - 1]")


def button(page, name):
    return page.get_by_role("button", name=name, exact=True)


def healthy(page):
    """(ok, why): no uncaught JS error, no Streamlit exception, no traceback on the page."""
    if page.errors:
        return False, "JS error: " + page.errors[0][:200]
    if page.locator("[data-testid='stException']").count():
        return False, "stException on the page"
    if page.get_by_text("Traceback").count():
        return False, "Traceback on the page"
    return True, ""


class Bench:
    def __init__(self, browser, srv, naive, runs, long_runs, deadline):
        self.browser, self.srv, self.naive = browser, srv, naive
        self.runs, self.long_runs, self.deadline = runs, long_runs, deadline
        self.res = {}          # name -> list of values
        self.notes = []

    def stuck(self, target, page):
        """A wait timed out: count it and note what the page showed."""
        try:
            d = page.evaluate("""() => ({status: LRViz.state.status, n: LRViz.state.n,
                shown: Math.round(LRViz.state.shown), painted: LRViz.state.painted,
                payloads: LRViz.stats.payloads, mounts: LRViz.stats.mounts,
                script: document.querySelector('[data-testid=stApp]').getAttribute('data-test-script-state'),
                endText: document.body.innerText.includes('error in estimating w')})""")
        except Exception as exc:   # the page itself is gone
            d = f"no page state ({type(exc).__name__})"
        self.add(f"{target}: runs stuck (a wait timed out)", 1)
        self.notes.append(f"{target}: a wait timed out; the page showed {d}")
        print(f"  STUCK ({target}): {d}", flush=True)

    def add(self, name, value):
        self.res.setdefault(name, []).append(value)

    def record(self, target, figures, ok, why, line):
        """One run's figures ({name: value}), a note when the page was not healthy, a line out."""
        for name, value in figures.items():
            self.add(name, value)
        if not ok:
            self.notes.append(f"{target}: {why}")
        print("  " + line, flush=True)

    def fresh(self, url, cdp=False):
        """A new context (own session, empty HTTP cache) with the app loaded and idle.

        Returns (context, page, frames): with cdp, frames collects every websocket frame (WsFrame)."""
        ctx = self.browser.new_context(viewport=VIEWPORT)
        ctx.set_default_timeout(60_000)
        ctx.add_init_script(INIT)
        page = ctx.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        frames = []
        if cdp:
            session = ctx.new_cdp_session(page)
            session.send("Network.enable")

            def on_frame(ev, way):
                r = ev["response"]
                data = base64.b64decode(r["payloadData"]) if r["opcode"] == 2 else r["payloadData"].encode()
                frames.append(WsFrame(time.perf_counter(), ev["timestamp"], way, len(data), data))
            session.on("Network.webSocketFrameReceived", lambda ev: on_frame(ev, "in"))
            session.on("Network.webSocketFrameSent", lambda ev: on_frame(ev, "out"))
        page.goto(url)
        return ctx, page, frames

    # 1 + 7 ------------------------------------------------------------------------------------
    def keep_runs(self, page, count):
        """Leave `count` finished runs to compare (each a full run at full speed, then Reset), and
        set the speed back to 100 steps/s with the keyboard, as a user would."""
        speed = page.locator(".st-key-ctl_speed input[type=range]")
        speed.focus()
        page.keyboard.press("End")                       # the last stop: as fast as possible
        page.wait_for_timeout(300)
        page.wait_for_selector(IDLE)
        for i in range(count):
            button(page, "Train").click()
            when(page, "LRViz.state.status === 'done' && LRViz.state.painted === 300", 60_000)
            page.wait_for_selector(IDLE)
            button(page, "Reset").click()
            when(page, f"LRViz.state.n === 0 && LRViz.state.meta.ghosts.length === {i + 1}")
            page.wait_for_selector(IDLE)
        speed.focus()
        for _ in range(4):                                # 0 -> 1000 -> 500 -> 200 -> 100
            page.keyboard.press("ArrowLeft")
            page.wait_for_timeout(200)
        page.wait_for_selector(IDLE)
        page.evaluate("document.activeElement.blur()")
        assert "100" in speed.get_attribute("aria-valuetext"), speed.get_attribute("aria-valuetext")

    def fps_run(self, label, url, lrviz=True, warm=False, ghosts=0):
        """One run at ?speed=100 in a fresh tab; warm: a first run, Reset, then the measured run;
        ghosts: that many finished runs kept to compare before the measured run."""
        ctx, page, frames = self.fresh(url, cdp=True)
        try:
            if lrviz:
                when(page, CHARTS_READY, 60_000)
            else:
                page.wait_for_selector(IDLE, timeout=60_000)
                page.wait_for_selector(".js-plotly-plot")
            if warm:
                button(page, "Train").click()
                page.get_by_text(END_TEXT).wait_for(timeout=90_000)
                when(page, "LRViz.state.painted === 300")
                page.wait_for_selector(IDLE)
                button(page, "Reset").click()
                when(page, f"LRViz.state.n === 0 && document.querySelector(\"{IDLE}\")")
            if ghosts:
                self.keep_runs(page, ghosts)
            page.wait_for_timeout(500)
            t_wall = time.perf_counter()
            button(page, "Train").click()
            t_click = last_click(page)
            page.get_by_text(END_TEXT).wait_for(timeout=90_000)
            if lrviz:
                t_end = when(page, "LRViz.state.n === 300 && LRViz.state.painted === 300 && "
                                   "LRViz.state.status === 'done'")
            else:
                t_end = page.evaluate("performance.now()")
            wall = time.perf_counter() - t_wall
            page.wait_for_timeout(300)
            ok, why = healthy(page)
            b = page.evaluate("window.__bench")
            paints = page.evaluate("LRViz.stats.paintTimes") if lrviz else b["changes"]
        except PlaywrightTimeout:
            self.stuck("fps", page)
            return
        finally:
            ctx.close()
        paints = [t for t in paints if t_click <= t <= t_end + 1]
        changes = [t for t in b["changes"] if t_click <= t <= t_end + 1]
        absent = [t for t in b["absent"] if t_click <= t <= t_end + 1]
        fps_bins, fps_gap = rates(paints)
        chg_bins, _ = rates(changes)
        sent = sum(f.size for f in frames if f.way == "in" and f.t >= t_wall)
        self.add(f"{label}: paints/s (median of 1-s bins)", fps_bins)
        self.add(f"{label}: fps from median inter-paint gap", fps_gap)
        self.add(f"{label}: visible changes/s (median of 1-s bins)", chg_bins)
        self.add(f"{label}: frames with no chart during run", len(absent))
        self.add(f"{label}: click -> last step drawn (s)", (t_end - t_click) / 1000)
        self.add(f"{label}: websocket kB/s (click -> end)", sent / 1000 / wall)
        self.add(f"{label}: websocket kB per run", sent / 1000)
        if not ok:
            self.notes.append(f"{label}: {why}")
        print(f"  {label}: {fps_bins:.1f} paints/s, gap-fps {fps_gap:.1f}, changes/s {chg_bins:.1f}, "
              f"absent {len(absent)}, {(t_end - t_click) / 1000:.2f} s, {sent / 1000 / wall:.0f} kB/s "
              f"{'' if ok else why}", flush=True)

    def fps(self):
        print("1/7. live run at ?speed=100: paints per second and bytes per second", flush=True)
        for _ in range(self.runs):
            self.deadline.check("(fps)")
            self.fps_run("app", self.srv.url + "/?speed=100")
        for _ in range(self.runs):
            self.deadline.check("(fps warm)")
            self.fps_run("app 2nd run", self.srv.url + "/?speed=100", warm=True)
        for _ in range(self.runs):
            self.deadline.check("(fps 5 compared runs)")
            self.fps_run("app 5 ghosts", self.srv.url + "/?speed=100", ghosts=5)
        for _ in range(self.runs if self.naive else 0):
            self.deadline.check("(fps naive)")
            self.fps_run("naive", self.naive.url + "/?speed=100", lrviz=False)

    # 2 ----------------------------------------------------------------------------------------
    def fast(self):
        print("2. ?speed=0: Train -> 300 steps drawn and the end text shown", flush=True)
        for _ in range(self.runs):
            self.deadline.check("(fast)")
            ctx, page, _ = self.fresh(self.srv.url + "/?speed=0")
            try:
                render = when(page, CHARTS_READY, 60_000)
                self.add("first render, fresh tab (s)", render / 1000)
                page.wait_for_timeout(500)
                button(page, "Train").click()
                t_click = last_click(page)
                t_data = when(page, "LRViz.state.n === 300 && LRViz.state.shown === 300", 30_000)
                t_text = when(page, "document.body.innerText.includes('error in estimating w')", 30_000)
                t_paint = when(page, "LRViz.state.painted === 300", 30_000)
                ok, why = healthy(page)
            except PlaywrightTimeout:
                self.stuck("fast", page)
                continue
            finally:
                ctx.close()
            total = (max(t_data, t_text, t_paint) - t_click) / 1000
            self.record("fast", {
                "fast: click -> 300 steps drawn + end text (s)": total,
                "fast: click -> n = shown = 300 (s)": (t_data - t_click) / 1000,
                "fast: click -> end text (s)": (t_text - t_click) / 1000,
            }, ok, why, f"{total:.2f} s (data {(t_data - t_click) / 1000:.2f}, text "
                        f"{(t_text - t_click) / 1000:.2f}); first render {render / 1000:.2f} s")

    # 3 ----------------------------------------------------------------------------------------
    def pause(self):
        print("3. default speed (50 steps/s): Pause and Step latency", flush=True)
        for _ in range(self.runs):
            self.deadline.check("(pause)")
            ctx, page, frames = self.fresh(self.srv.url + "/", cdp=True)
            try:
                render = when(page, CHARTS_READY, 60_000)
                self.add("first render, fresh tab (s)", render / 1000)
                page.wait_for_timeout(500)
                button(page, "Train").click()
                when(page, "LRViz.state.status === 'running'", 10_000)
                page.wait_for_timeout(1000)
                if not button(page, "Pause").is_enabled():
                    self.add("pause: Pause enabled 1 s into a run", 0)
                    self.notes.append("pause: the Pause button is disabled during a run started by "
                                      "Train: Pause latency not measurable on this app")
                    print("  Pause is disabled 1 s into the run", flush=True)
                    continue
                self.add("pause: Pause enabled 1 s into a run", 1)
                w_pause = time.perf_counter()
                button(page, "Pause").click()
                t_click = last_click(page)
                try:
                    t_paused = when(page, "LRViz.state.status === 'paused'", 10_000)
                except PlaywrightTimeout:
                    st = page.evaluate("[LRViz.state.status, LRViz.state.n]")
                    sent = [f for f in frames if f.way == "out" and f.t >= w_pause]
                    self.add("pause: clicks not applied within 10 s", 1)
                    self.notes.append(f"pause: a Pause click was not applied within 10 s (LRViz status "
                                      f"{st[0]}, n {st[1]}; {len(sent)} websocket frames sent after it)")
                    print(f"  Pause click not applied within 10 s: status {st[0]}, n {st[1]}, "
                          f"{len(sent)} frames sent", flush=True)
                    continue
                self.add("pause: clicks not applied within 10 s", 0)
                shown0 = page.evaluate(SHOWN_STEP)
                # the server's answer: the browser's hold released, the run rewound to that step
                t_ack = when(page, "LRViz.state.hold === null && LRViz.state.status === 'paused'",
                             10_000)
                t_idle = when(page, f"document.querySelector(\"{IDLE}\")", 10_000)
                n0 = page.evaluate("LRViz.state.n")
                page.wait_for_timeout(1000)
                n1 = page.evaluate("LRViz.state.n")
                shown1 = page.evaluate(SHOWN_STEP)
                w_step = time.perf_counter()
                button(page, "Step").click()
                s_click = last_click(page)
                t_step = when(page, f"LRViz.state.n === {n1 + 1} && LRViz.state.painted === {n1 + 1}",
                              10_000)
                ok, why = healthy(page)
            except PlaywrightTimeout:
                self.stuck("pause", page)
                continue
            finally:
                ctx.close()
            self.add("pause: click -> status paused (s)", (t_paused - t_click) / 1000)
            # the server's share: BackMsg sent -> first frame with the paused charts (CDP clock)
            srv_pause = server_share(frames, w_pause, b'"status": "paused"')
            srv_step = server_share(frames, w_step, b'"full": ')
            self.record("pause", {
                "pause: server share, BackMsg -> paused payload (s)": srv_pause,
                "step: server share, BackMsg -> chart payload (s)": srv_step,
                "pause: click -> script idle (s)": (t_idle - t_click) / 1000,
                "pause: click -> server's run paused on that step (s)": (t_ack - t_click) / 1000,
                "pause: steps arriving after paused (1 s)": n1 - n0,
                "pause: charts moved after the click (steps)": abs(shown1 - shown0),
                "step: click -> one more step painted (s)": (t_step - s_click) / 1000,
            }, ok, why, f"pause {(t_paused - t_click) / 1000:.3f} s (server {srv_pause:.3f}, idle "
                        f"{(t_idle - t_click) / 1000:.3f}), +{n1 - n0} steps after; step "
                        f"{(t_step - s_click) / 1000:.3f} s (server {srv_step:.3f})")

    # 4 ----------------------------------------------------------------------------------------
    def render(self):
        print("4. first render (warm server, fresh tab) and idle server RSS (fresh server each)",
              flush=True)
        for _ in range(self.runs):
            self.deadline.check("(render)")
            with Server(cwd=self.repo) as srv:
                rss0 = srv.rss_mb()
                ctx, page, _ = self.fresh(srv.url + "/?speed=0")     # warm-up, not timed
                when(page, CHARTS_READY, 60_000)
                ctx.close()
                ctx, page, _ = self.fresh(srv.url + "/?speed=0")
                render = render_cached = rss_open = float("nan")
                try:
                    render = when(page, CHARTS_READY, 60_000)
                    page.wait_for_timeout(300)
                    page.goto(srv.url + "/?speed=0")                 # same tab again: HTTP cache warm
                    render_cached = when(page, CHARTS_READY, 60_000)
                    button(page, "Train").click()
                    when(page, "LRViz.state.painted === 300 && "
                               "document.body.innerText.includes('error in estimating w')", 30_000)
                    page.wait_for_selector(IDLE)
                    page.wait_for_timeout(2000)
                    rss_open = srv.rss_mb()
                    ok, why = healthy(page)
                except PlaywrightTimeout:
                    self.stuck("render", page)
                    ok, why = False, "stuck"
                finally:
                    ctx.close()
                time.sleep(2)
                rss_closed = srv.rss_mb()
            self.record("render", {
                "render: navigation -> idle + charts painted (s)": render / 1000,
                "render: same, HTTP cache warm (s)": render_cached / 1000,
                "RSS: fresh server before any page (MB)": rss0,
                "RSS: idle after a page load + a run, tab open (MB)": rss_open,
                "RSS: idle after the tab closed (MB)": rss_closed,
            }, ok, why, f"render {render / 1000:.2f} s (cached {render_cached / 1000:.2f}); RSS "
                        f"{rss0:.0f} -> {rss_open:.0f} MB (tab open) -> {rss_closed:.0f} MB (closed)")

    # 6 ----------------------------------------------------------------------------------------
    def long(self):
        print("6. ?n=100000&batch_size=10&epochs=5&speed=0: 50,000 steps", flush=True)
        url = self.srv.url + "/?n=100000&batch_size=10&epochs=5&speed=0"
        for _ in range(self.long_runs):
            self.deadline.check("(long)")
            self._long_one(url)

    def _long_one(self, url):
        ctx, page, _ = self.fresh(url)
        rss, paints, steps = [], [], []
        try:
            when(page, CHARTS_READY, 60_000)
            rss_before = self.srv.rss_mb()
            p0 = page.evaluate("LRViz.stats.paints")
            t0 = time.perf_counter()
            button(page, "Train").click()
            t_click = last_click(page)

            def sample():
                rss.append(self.srv.rss_mb())
                s = page.evaluate("[LRViz.stats.paints, LRViz.state.n, "
                                  "LRViz.state.x.length ? LRViz.state.x[LRViz.state.x.length - 1] : 0,"
                                  " LRViz.state.status]")
                paints.append(s[0] - p0)
                steps.append((time.perf_counter() - t0, s[2], s[1], s[3]))
                return s
            # pause at about a third of the run, when step >= 15,000
            while time.perf_counter() - t0 < 120:
                s = sample()
                if s[2] >= 15_000 or s[3] == "done":
                    break
                page.wait_for_timeout(250)
            pause_enabled = button(page, "Pause").is_enabled()
            paused_ok = s[3] == "running" and pause_enabled
            if paused_ok:
                button(page, "Pause").click()
                c = last_click(page)
                try:
                    tp = when(page, "LRViz.state.status === 'paused'", 10_000)
                except PlaywrightTimeout:
                    self.notes.append("long: a Pause click was not applied within 10 s")
                    tp = float("nan")
                page.wait_for_selector(IDLE)
                st0 = page.evaluate("LRViz.state.x[LRViz.state.x.length - 1]")
                page.wait_for_timeout(1000)
                st1 = page.evaluate("LRViz.state.x[LRViz.state.x.length - 1]")
                self.add("long: Pause click -> paused (s)", (tp - c) / 1000)
                self.add("long: steps arriving after paused (1 s)", st1 - st0)
                if tp == tp:
                    button(page, "Train").click()               # resume
            while time.perf_counter() - t0 < 240:
                s = sample()
                if s[3] == "done" and page.get_by_text(END_TEXT).count():
                    break
                page.wait_for_timeout(250)
            t_end = when(page, "LRViz.state.status === 'done' && "
                               "LRViz.state.painted === LRViz.state.n", 60_000)
            sample()
            max_n = max(x[2] for x in steps)
            final_step = page.evaluate("LRViz.state.x[LRViz.state.x.length - 1]")
            ok, why = healthy(page)
        except PlaywrightTimeout:
            self.stuck("long", page)
            return
        finally:
            ctx.close()
        running = [p for (t, st, n, status), p in zip(steps, paints) if status == "running"]
        rising = sum(1 for a, b in zip(running, running[1:]) if b > a)
        if final_step != 50_000:
            self.notes.append(f"long: last step shown {final_step}, not 50000")
        if not paused_ok:
            self.notes.append(f"long: could not pause at step >= 15000 (status {s[3]}, "
                              f"Pause button enabled: {pause_enabled})")
        self.record("long", {
            "long: click -> done (s), incl. 1 s paused if paused": (t_end - t_click) / 1000,
            "long: paints during the run": paints[-1],
            "long: samples with paints rising / running samples": rising / max(1, len(running) - 1),
            "long: max displayed points LRViz.state.n": max_n,
            "long: server RSS before (MB)": rss_before,
            "long: server RSS max during run (MB)": max(rss),
            "long: server RSS at end (MB)": rss[-1],
        }, ok, why, f"{(t_end - t_click) / 1000:.1f} s, {paints[-1]} paints, max n {max_n}, "
                    f"RSS {rss_before:.0f} -> max {max(rss):.0f} MB, last step {final_step}")


SHOWN_STEP = "(() => { const S = LRViz.state; return S.painted > 0 ? S.x[S.painted - 1] : 0; })()"


def server_share(frames, after, marker):
    """Seconds from the first websocket frame sent after perf_counter() `after` to the first
    frame received after it that contains `marker` (NaN when not found)."""
    out = next((f for f in frames if f.way == "out" and f.t >= after), None)
    if out is None:
        return float("nan")
    back = next((f for f in frames if f.way == "in" and f.ts >= out.ts and marker in f.data), None)
    return back.ts - out.ts if back else float("nan")


def rates(times):
    """(median count per full 1-s bin, 1000 / median gap) of painted-frame times in ms."""
    if len(times) < 2:
        return float("nan"), float("nan")
    t0, t1 = times[0], times[-1]
    bins = int((t1 - t0) // 1000)
    counts = [sum(1 for t in times if t0 + 1000 * i <= t < t0 + 1000 * (i + 1)) for i in range(bins)]
    gaps = [b - a for a, b in zip(times, times[1:])]
    per_bin = statistics.median(counts) if counts else len(times) / ((t1 - t0) / 1000)
    return per_bin, 1000 / statistics.median(gaps)


SUMMARY = [
    # (label, result key, target text, check)
    ("paints/s, ?speed=100 (app)", "app: paints/s (median of 1-s bins)", ">= 24", lambda v: v >= 24),
    ("fps from inter-paint gap (app)", "app: fps from median inter-paint gap", ">= 24", lambda v: v >= 24),
    ("paints/s, 5 compared runs kept (app)", "app 5 ghosts: paints/s (median of 1-s bins)", ">= 50",
     lambda v: v >= 50),
    ("paints/s baseline (naive st.plotly_chart)", "naive: paints/s (median of 1-s bins)", "", None),
    ("fps from gap, baseline (naive)", "naive: fps from median inter-paint gap", "", None),
    ("visible changes/s (app)", "app: visible changes/s (median of 1-s bins)", "", None),
    ("frames without chart, baseline (naive)", "naive: frames with no chart during run", "", None),
    ("Train -> 300 drawn + end text, speed=0 (s)", "fast: click -> 300 steps drawn + end text (s)",
     "<= 2", lambda v: v <= 2),
    ("Pause -> paused (s)", "pause: click -> status paused (s)", "<= 0.3", lambda v: v <= 0.3),
    ("Pause: server share (s)", "pause: server share, BackMsg -> paused payload (s)", "", None),
    ("Pause -> server's run paused on that step (s)", "pause: click -> server's run paused on that step (s)",
     "", None),
    ("Pause: charts moved after the click (steps)", "pause: charts moved after the click (steps)", "0",
     lambda v: v == 0),
    ("Step -> +1 step painted (s)", "step: click -> one more step painted (s)", "<= 0.3",
     lambda v: v <= 0.3),
    ("first render, warm server (s)", "render: navigation -> idle + charts painted (s)", "<= 2",
     lambda v: v <= 2),
    ("first render, HTTP cache warm (s)", "render: same, HTTP cache warm (s)", "<= 2", lambda v: v <= 2),
    ("server RSS idle after load + run (MB)", "RSS: idle after a page load + a run, tab open (MB)",
     "<= 250", lambda v: v <= 250),
    ("long run: max displayed points", "long: max displayed points LRViz.state.n", "<= ~1600",
     lambda v: v <= 1600),
    ("long run: Pause -> paused (s)", "long: Pause click -> paused (s)", "<= 0.3", lambda v: v <= 0.3),
    ("long run: server RSS max (MB)", "long: server RSS max during run (MB)", "bounded", None),
    ("long run: paints during run", "long: paints during the run", "rising", None),
    ("websocket kB/s, ?speed=100 (app)", "app: websocket kB/s (click -> end)", "<= 200",
     lambda v: v <= 200),
    ("websocket kB/s, baseline (naive)", "naive: websocket kB/s (click -> end)", "", None),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="runs for targets 1-4 (and 7)")
    ap.add_argument("--long-runs", type=int, default=3)
    ap.add_argument("--only", default=",".join(TARGETS), help="comma-separated: " + ",".join(TARGETS))
    ap.add_argument("--budget", type=float, default=600, help="seconds for the whole script")
    ap.add_argument("--repo", default=str(ROOT),
                    help="serve app.py from this copy of the repo (to measure a patched copy)")
    ap.add_argument("--no-baseline", action="store_true", help="skip the naive st.plotly_chart app")
    args = ap.parse_args()
    only = [t.strip() for t in args.only.split(",") if t.strip()]
    deadline = Deadline(args.budget)
    from playwright.sync_api import sync_playwright

    print(f"{time.strftime('%Y-%m-%d %H:%M')}, {platform.node()}, Python {platform.python_version()}, "
          f"{chromium_version()}, load average {load_avg()}", flush=True)
    loads = [load_avg()]
    t_start = time.perf_counter()
    print(f"app served from {args.repo} ({repo_state(args.repo)})", flush=True)
    want_naive = "fps" in only and not args.no_baseline
    with Server(cwd=args.repo) as srv, sync_playwright() as pw, \
            (Server("bench/naive_app.py") if want_naive else contextlib.nullcontext()) as naive:
        browser = launch_chromium(pw)
        bench = Bench(browser, srv, naive, args.runs, args.long_runs, deadline)
        bench.repo = args.repo
        try:
            ctx, page, _ = bench.fresh(srv.url + "/")          # warm the server: first session
            when(page, CHARTS_READY, 90_000)
            ctx.close()
            for name in only:
                try:
                    getattr(bench, name)()
                except TimeoutError as exc:
                    bench.notes.append(f"{name}: {exc}")
                    print(f"  {name}: {exc}", flush=True)
                loads.append(load_avg())
        finally:
            browser.close()

    print(f"\nall figures: min / median / max over runs ({time.perf_counter() - t_start:.0f} s, "
          f"load averages seen: {'; '.join(loads)})")
    for name, vals in bench.res.items():
        print(f"  {name:58s} {mmm(vals)}   (n={len(vals)})")
    print("\n| figure | min / median / max | target | met (median) |\n|---|---|---|---|")
    for label, key, target, check in SUMMARY:
        if key not in bench.res:
            continue
        vals = bench.res[key]
        met = "" if check is None else ("yes" if check(median(vals)) else "**no**")
        print(f"| {label} | {mmm(vals)} | {target} | {met} |")
    for n in bench.notes:
        print("note:", n)


if __name__ == "__main__":
    main()
