"""What only a browser shows: the app served by a real `streamlit run`, driven in Chromium.

The live charts are JavaScript (static/live_charts.js, after static/plotly-custom.min.js); in
the page `window.LRViz.state` says what they hold (n steps, status) and `window.LRViz.stats` how
often they painted. Needs Debian's /usr/bin/chromium: skipped without it, except in CI where that
is a failure.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
# the benchmarks start the app and Chromium the same way: one implementation, in bench/
from _server import IDLE  # noqa: E402
from conftest import new_tab  # noqa: E402
from test_app import estimation_errors  # noqa: E402

TOL = 5e-3
CHARTS_LOADED = "window.LRViz && window.LRViz.stats.paints > 0"


@pytest.fixture(scope="module")
def trained(browser, server):
    """A tab that ran the lesson's default run at full speed (speed 0) to the end."""
    with new_tab(browser, server) as p:
        open_app(p, "/?speed=0")
        button(p, "Train").click()
        p.get_by_text("error in estimating w").wait_for(timeout=60_000)
        wait_js(p, "window.LRViz.state.n === 300 && window.LRViz.state.painted === 300", 30_000)
        yield p


def open_app(page, path):
    page.goto(path)
    page.wait_for_selector(IDLE, timeout=60_000)
    wait_js(page, CHARTS_LOADED, 30_000)


def button(page, label):
    # a button's accessible name starts with its material icon's ligature ("play_arrow Train")
    return page.get_by_role("button", name=re.compile(rf"(^|\s){label}$"))


STATE = ("(() => { const S = window.LRViz && window.LRViz.state, st = window.LRViz && window.LRViz.stats;"
         " return S && {n: S.n, shown: S.shown, painted: S.painted, status: S.status, speed: S.speed,"
         " paints: st.paints, mounts: st.mounts, payloads: st.payloads, gaps: st.gaps}; })()")


# a condition given as a function ("() => ...", "async ...", "function ..."), not an expression
_FUNCTION = re.compile(r"^\s*(\([\w\s,]*\)\s*=>|\w+\s*=>|async\b|function\b)")


def wait_js(page, condition, timeout):
    """Wait until a JS condition holds; on timeout say what the live charts held. An expression
    that reads a property of something not there yet (window.LRViz.state while the live charts'
    modules still load) is false for now, not an error."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    if not _FUNCTION.match(condition):
        condition = ("() => { try { return (" + condition + "); } "
                     "catch (e) { if (e instanceof TypeError) return false; throw e; } }")
    try:
        page.wait_for_function(condition, timeout=timeout)
    except PlaywrightTimeout:
        pytest.fail(f"not within {timeout} ms: {condition}; LRViz: {page.evaluate(STATE)}")


def lrviz(page, expr):
    return page.evaluate(f"window.LRViz.state.{expr}")


# every animation and transition of finite length on the page has ended (Plotly's hover fades,
# Streamlit's expanders and tooltips; an infinite one, a spinner, never ends)
SETTLED = """document.getAnimations().every(a => a.playState !== 'running'
  || a.effect.getComputedTiming().endTime === Infinity)"""
FRAMES = ("n => new Promise(done => {"
          " const f = k => k ? requestAnimationFrame(() => f(k - 1)) : done(); f(n); })")


def frames(page, n=2):
    """Wait until the browser has drawn `n` more animation frames (what was set is painted)."""
    page.evaluate(FRAMES, n)


def settled(page, timeout=10_000):
    """The page at rest: no finite animation or transition running, then two frames drawn."""
    wait_js(page, SETTLED, timeout)
    frames(page)


# every Plotly chart matched by a selector and shown (a hidden one is 0 px wide) drawn and laid out
# at its box's width
LAID_OUT = """sel => Array.from(document.querySelectorAll(sel))
  .filter(d => d.getBoundingClientRect().width > 0).every(d => d._fullLayout && d.querySelector('.main-svg')
              && Math.abs(d._fullLayout.width - d.getBoundingClientRect().width) < 2)"""


def lay_out(page, selector=".js-plotly-plot", timeout=15_000):
    """Scroll each chart of `selector` into view (Plotly lays a chart out as it scrolls in), wait
    until every one is laid out at its width, then for the page at rest."""
    for chart in page.locator(selector).all():
        chart.scroll_into_view_if_needed()
        frames(page)
    page.wait_for_function(LAID_OUT, arg=selector, timeout=timeout)
    settled(page)


# the three window sizes of the layout tests, in two runs: a phone's loaded fresh; a desktop's
# loaded fresh at 1400 x 1000, then that window narrowed to 1024 x 768 (the layout is the browser's:
# the server sends the same page at every size), which is one page load less per case
SIZE_RUNS = [pytest.param([(1400, 1000), (1024, 768)], id="desktop"), pytest.param([(390, 844)], id="phone")]


def each_size(page, sizes, selector=".js-plotly-plot"):
    """The page, loaded at sizes[0], at each of `sizes` in turn: from the second on, the window
    resized, the charts of `selector` laid out again at their new widths and the page at rest."""
    for i, (width, height) in enumerate(sizes):
        if i:
            page.set_viewport_size({"width": width, "height": height})
            page.wait_for_function(LAID_OUT, arg=selector, timeout=15_000)
            settled(page)
        yield width, height


# a Plotly chart has taken the pointer's point as hovered (its click acts on the hovered point)
HOVERED = ("sel => { const d = document.querySelector(sel);"
           " return !!(d && d._hoverdata && d._hoverdata.length); }")


def hover(page, selector, x, y, timeout=10_000):
    """Move the pointer to (x, y) and wait until the chart at `selector` has a hovered point."""
    page.mouse.move(x, y)
    page.wait_for_function(HOVERED, arg=selector, timeout=timeout)


def assert_healthy(page):
    assert page.errors == []
    assert page.get_by_text("Traceback").count() == 0
    assert page.locator("[data-testid='stException']").count() == 0


def test_train_at_full_speed_reaches_the_lesson_result(trained):
    page = trained
    code = page.locator("[data-testid='stCode']").filter(has_text="error in estimating w")
    errors = estimation_errors(code.inner_text())
    assert len(errors) == 3 and all(abs(e) < TOL for e in errors), errors
    assert lrviz(page, "n") == 300 and lrviz(page, "status") == "done"
    assert_healthy(page)
    screenshot(page, "screenshot.png")


def screenshot(page, name, mouse=(700, 40)):
    """artifacts/<name>, or docs/<name> for the README when LRVIZ_README_SHOTS=1 (bench/readme_shots.sh):
    a test run leaves the tracked pictures alone. The mouse is parked where no tooltip covers the picture."""
    page.mouse.move(*mouse)
    settled(page)                       # Plotly's last frame drawn, the tooltip faded out
    shots = ROOT / ("docs" if os.environ.get("LRVIZ_README_SHOTS") == "1" else "artifacts")
    shots.mkdir(exist_ok=True)
    page.screenshot(path=str(shots / name))


def test_every_chart_names_its_traces(trained):
    legends = trained.evaluate(
        "Object.fromEntries(['loss', 'params', 'data', 'parabola'].map(name => [name, Array.from("
        "document.querySelectorAll('.lrviz-' + name + ' .legendtext')).map(e => e.textContent)]))")
    assert all(legends.values()), legends
    assert {"w1", "w2", "b"} <= set(legends["params"]), legends


# the moving traces' drawn positions: each trace's last line vertex and its marker positions
DRAWN = """() => Object.fromEntries(Object.entries(window.LRViz.state.plots).map(([name, div]) => [
  name, Array.from(div.querySelectorAll('.scatterlayer .trace')).map(g => {
    const line = g.querySelector('path.js-line'), d = line ? line.getAttribute('d') : '';
    const last = d ? d.match(/(-?[\\d.]+),(-?[\\d.]+)[^\\d]*$/) : null;
    return [last ? [+last[1], +last[2]] : null,
            Array.from(g.querySelectorAll('path.point')).map(
              p => (p.getAttribute('transform') || '').match(/-?[\\d.]+/g).map(Number))];
  })]))"""


def test_live_frames_are_drawn_where_plotly_draws_them(page):
    """While playing, frames rewrite the moving traces' SVG directly (not through Plotly): what
    they draw must sit where Plotly itself puts the same data, to the pixel."""
    open_app(page, "/?speed=100")
    button(page, "Train").click()
    wait_js(page, "window.LRViz.state.painted > 40 && window.LRViz.stats.fast > 40", 20_000)
    page.set_viewport_size({"width": 1000, "height": 900})     # Plotly re-lays the charts out
    wait_js(page, "window.LRViz.state.painted > 140", 20_000)
    page.evaluate("(() => { const S = window.LRViz.state; "
                  "S.hold = {shown: S.painted, t: performance.now() + 1e9, nonce: 'test'}; })()")
    frames(page)                        # the held step drawn by the frames' own drawing
    fast = page.evaluate(DRAWN)
    page.evaluate("Promise.all(Object.values(window.LRViz.state.plots).map(d => Plotly.redraw(d)))")
    frames(page)
    plotly = page.evaluate(DRAWN)
    assert fast.keys() == plotly.keys() and fast["loss"] and fast["path"]
    compared = 0
    for name in fast:
        assert len(fast[name]) == len(plotly[name]), name
        for (line_a, pts_a), (line_b, pts_b) in zip(fast[name], plotly[name]):
            assert (line_a is None) == (line_b is None), (name, line_a, line_b)
            if line_a:
                assert abs(line_a[0] - line_b[0]) < 1.5 and abs(line_a[1] - line_b[1]) < 1.5, name
                compared += 1
            assert len(pts_a) == len(pts_b), name
            for a, b in zip(pts_a, pts_b):
                assert abs(a[0] - b[0]) < 1.5 and abs(a[1] - b[1]) < 1.5, (name, a, b)
                compared += 1
    assert compared > 100, compared


def test_the_path_is_drawn_on_its_contours(trained):
    """The path chart is two stacked plots (contours under, the path over): their plot areas
    must coincide, or the least-squares star sits off the contours' centre."""
    areas = trained.evaluate("['path', 'pathBase'].map(k => { const s = "
                             "window.LRViz.state.plots[k]._fullLayout._size; "
                             "return [s.l, s.t, s.w, s.h]; })")
    assert all(abs(a - b) < 0.5 for a, b in zip(*areas)), areas


def start_training(page, steps=10, train="Train"):
    """Click Train (Train again: go on) and wait until the charts have drawn `steps` more steps."""
    painted = lrviz(page, "painted")
    button(page, train).click()
    wait_js(page, "window.LRViz.state.status === 'running'", 10_000)
    wait_js(page, f"window.LRViz.state.painted >= {painted + steps}", 10_000)


def pause_disabled(disabled=True):
    js = ("document.evaluate(\"//button[contains(., 'Pause')]\", document, null, 9, null)"
          ".singleNodeValue.disabled")
    return js if disabled else f"!{js}"


def pause_a_running_run(page, path="/", train="Train"):
    """Open the page (default speed), train for 20 steps drawn, click Pause, wait for paused."""
    if path:
        open_app(page, path)
    start_training(page, steps=20, train=train)
    wait_js(page, pause_disabled(False), 10_000)
    assert lrviz(page, "status") == "running"
    clicks = page.evaluate("window.LRViz.stats.transport")
    button(page, "Pause").click()
    # the charts froze on the step they showed (the browser answered the click itself, and sent
    # that step to the server); the server's run goes back to exactly that step
    # (how soon: bench/bench_browser.py's `pause` figure, 0.3-0.5 s on an idle 2-core machine; a
    # test waits for what a Pause does, however long a busy machine takes)
    wait_js(page, f"window.LRViz.stats.transport === {clicks + 1}", 10_000)
    frozen = page.evaluate("window.LRViz.stats.lastTransport.at")
    assert frozen > 0 and lrviz(page, "status") == "paused"
    wait_js(page, "window.LRViz.state.hold === null", 5_000)
    page.wait_for_selector(IDLE)
    S = page.evaluate("(() => { const S = window.LRViz.state; return [S.x[S.n - 1], S.status, S.shown]; })()")
    # the charts keep the step they froze on: the server's history now ends there too (a tail
    # that started beyond the rewound run used to leave the browser a few steps ahead)
    assert S == [frozen, "paused", lrviz(page, "n")], (frozen, S, page.evaluate("window.LRViz.stats.log"))
    assert page.locator(".lrviz-status").inner_text().endswith(f"step {S[0]} of 300 · paused")
    return S[0]


def test_pause_twice_at_full_speed_lands_on_the_steps_shown(page):
    """At ?speed=100 the server computes well ahead of the charts; each Pause still lands on the
    step the charts showed, and Train resumes from there."""
    first = pause_a_running_run(page, "/?speed=100")
    second = pause_a_running_run(page, None)
    assert 0 < first < second < 300
    assert_healthy(page)


def test_pause_is_enabled_while_training(page):
    open_app(page, "/")
    assert button(page, "Pause").is_disabled()
    start_training(page)
    wait_js(page, pause_disabled(False), 10_000)
    assert lrviz(page, "status") == "running"


def test_pause_is_disabled_once_paused(page):
    pause_a_running_run(page)
    wait_js(page, pause_disabled(), 10_000)


def test_pause_then_step_at_default_speed(page):
    pause_a_running_run(page)
    page.wait_for_selector(IDLE)
    n = lrviz(page, "n")
    assert 0 < n < 300 and lrviz(page, "status") == "paused"
    # nothing more arrives after the pause: the Step's answer below is exactly one step more
    # (how many steps arrive in the second after a Pause is bench/bench_browser.py's `pause`)
    button(page, "Step").click()
    wait_js(page, f"window.LRViz.state.n === {n + 1}", 10_000)
    page.wait_for_selector(IDLE)
    assert lrviz(page, "n") == n + 1 and lrviz(page, "status") == "paused"
    assert_healthy(page)


def test_garbage_url_warns_and_still_draws(page):
    open_app(page, "/?lr=abc&batch_size=-4&epochs=1e9&noise=nan")
    alerts = page.locator("[data-testid='stAlert']").filter(has_text="using")
    assert alerts.count() == 4, alerts.all_inner_texts()
    assert lrviz(page, "meta") is not None
    assert_healthy(page)


def test_parabola_page_from_the_sidebar(page):
    open_app(page, "/")
    page.locator("[data-testid='stSidebarNavLink']").filter(
        has_text=re.compile("parabola", re.I)).click()
    page.get_by_role("heading", name="Gradient descent on y = x²/2").wait_for()
    page.wait_for_selector(IDLE)
    page.get_by_text("Rule: x_k = (1 − lr)^k").wait_for()
    assert page.locator("[data-testid='stAlert']").filter(has_text="Monotone").count() == 1
    assert_healthy(page)


def test_the_meta_goes_with_a_few_updates_and_is_asked_for_again_when_lost(page):
    """The run's meta (words, contours, compared runs) is not resent every second: a run at
    ?speed=100 gets it from the page and a few full updates. A browser that lost it (as if
    every update carrying it had been dropped) asks, gets it again, and paints on."""
    open_app(page, "/?speed=100")
    metas0 = page.evaluate("window.LRViz.stats.metas")
    button(page, "Train").click()
    wait_js(page, "window.LRViz.state.n > 100", 20_000)
    page.evaluate("window.LRViz.state.meta = null")
    wait_js(page, "window.LRViz.state.meta !== null && window.LRViz.stats.metaAsks >= 1", 5_000)
    page.get_by_text("error in estimating w").wait_for(timeout=30_000)
    wait_js(page, "window.LRViz.state.painted === 300", 10_000)
    payloads = page.evaluate("window.LRViz.stats.payloads")
    metas = page.evaluate("window.LRViz.stats.metas") - metas0
    # the meta: at most the first 3 full updates of the run (the page load had one), then the
    # asked-for ones (up to 3); the other updates (about 13 in a 3-s run on an idle machine, fewer
    # under load) go without it
    assert metas <= 5 and payloads > metas, (payloads, metas)
    assert_healthy(page)
