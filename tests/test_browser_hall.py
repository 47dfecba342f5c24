"""The lecture hall in a real browser: every width and the presenter view, the keys a keyboard
or a clicker sends, runs kept to compare, and a diverging run that stays readable."""

from __future__ import annotations

import json
import math
import re

import pytest
from conftest import new_tab
from test_browser import (
    IDLE,
    LAID_OUT,
    assert_healthy,
    button,
    lrviz,
    open_app,
    screenshot,
    settled,
    wait_js,
)

pytestmark = pytest.mark.browser

SIZES = [(1024, 768), (1280, 720), (390, 844), (360, 800), (1400, 1000)]


# what does not fit: the page wider than the window, or a button whose label is cut
FIT = """() => {
  const doc = document.documentElement, main = document.querySelector("[data-testid='stMain']");
  const cut = Array.from(document.querySelectorAll("[data-testid='stMain'] button")).filter(b => {
    const label = b.querySelector("[data-testid='stMarkdownContainer']") || b;
    return b.offsetParent !== null &&
      (label.scrollWidth > label.clientWidth + 1 || b.scrollWidth > b.clientWidth + 1);
  }).map(b => b.innerText);
  return {page: [doc.scrollWidth, doc.clientWidth], main: main ? [main.scrollWidth, main.clientWidth] : null,
          cut: cut};
}"""


# the sizes in the order they are checked: a phone's and a desktop's first size loaded fresh in a
# tab of its own, each next one of its kind by resizing that window (the page's layout is the
# browser's: the server sends the same page at every size)
SIZE_RUNS = [[(390, 844), (360, 800)], [(1400, 1000), (1280, 720), (1024, 768)]]
assert sorted(size for run in SIZE_RUNS for size in run) == sorted(SIZES)
BUTTONS = ("Array.from(document.querySelectorAll('[data-testid=stMain] button'))"
           ".filter(b => b.offsetParent && b.innerText.trim()).length >= 4")


@pytest.mark.parametrize("present", [0, 1])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_nothing_is_cut_or_wider_than_the_window(browser, server, present, lang):
    for run in SIZE_RUNS:
        (width, height), *others = run
        with new_tab(browser, server, width, height) as page:
            open_app(page, f"/?speed=0&present={present}&lang={lang}")
            # the four buttons, labelled (waited for: a rerun right after the first render replaces
            # the main column's elements, and for a moment only some of them are attached)
            wait_js(page, BUTTONS, 20_000)
            page.wait_for_selector(IDLE)
            for size in [None] + others:
                if size is not None:
                    width, height = size
                    page.set_viewport_size({"width": width, "height": height})
                    # the charts laid out again at the new width, the buttons there
                    page.wait_for_function(LAID_OUT, arg="[data-testid=stMain] .js-plotly-plot",
                                           timeout=15_000)
                    wait_js(page, BUTTONS, 20_000)
                settled(page)
                fit = page.evaluate(FIT)
                assert fit["page"][0] <= fit["page"][1] and fit["main"][0] <= fit["main"][1], (width, fit)
                assert fit["cut"] == [], (width, fit)
            assert_healthy(page)


@pytest.mark.parametrize("width, height", [(1024, 768), (1280, 720)])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_presenter_view_fits_buttons_and_four_charts_on_one_screen(browser, server, width, height, lang):
    with new_tab(browser, server, width, height) as page:
        open_app(page, f"/?speed=0&present=1&lang={lang}")
        button(page, "Train" if lang == "en" else "训练").click()
        wait_js(page, "window.LRViz.state.painted === 300", 30_000)
        page.wait_for_selector(IDLE)
        settled(page)
        box = page.evaluate("""() => {
          const r = s => { const e = document.querySelector(s); if (!e) return null;
                           const b = e.getBoundingClientRect(); return [b.top, b.bottom, b.width]; };
          return {train: r('.st-key-train button'), step: r('.st-key-step button'),
                  charts: ['loss', 'params', 'path', 'data', 'parabola'].map(n => r('.lrviz-' + n)),
                  sidebar: (s => s && [s.getBoundingClientRect().right, s.getBoundingClientRect().width])(
                    document.querySelector("[data-testid='stSidebar']")),
                  h: innerHeight};
        }""")
        loss, params, path, data, parabola = box["charts"]
        assert box["train"][0] >= 0 and box["step"][1] <= box["h"], box
        for chart in (loss, params, path, data):
            assert chart[0] >= 0 and chart[1] <= box["h"] + 1 and chart[2] > width / 3, box
        assert abs(loss[0] - params[0]) < 2 and abs(path[0] - data[0]) < 2 and path[0] >= loss[1] - 1, box
        assert parabola[2] == 0, "the fifth chart is left out of the presenter view"
        # the path's contours (a plot underneath) and its overlay share one plot area
        sizes = page.evaluate("(P => [P.pathBase, P.path].map(d =>"
                              " [d._fullLayout.width, d._fullLayout.height]))(window.LRViz.state.plots)")
        assert abs(sizes[0][0] - sizes[1][0]) <= 2 and sizes[0][1] == sizes[1][1], sizes
        assert box["sidebar"] is None or box["sidebar"][0] <= 1 or box["sidebar"][1] < 10, box["sidebar"]
        assert page.evaluate("getComputedStyle(document.querySelector('.lrviz-loss .xtick text')).fontSize") \
            == "18px"                                                         # bigger text
        if lang == "en" and (width, height) == (1280, 720):
            screenshot(page, "presenter.png", (width - 5, height - 5))
        assert_healthy(page)


def status(page):
    return page.evaluate("window.LRViz.state.status")


def test_keys_drive_the_run(page):
    open_app(page, "/?speed=20")
    page.keyboard.press("Space")
    wait_js(page, "window.LRViz.state.status === 'running'", 10_000)
    wait_js(page, "window.LRViz.state.painted > 5", 10_000)
    page.keyboard.press("Space")                                   # Space again: Pause
    wait_js(page, "window.LRViz.state.status === 'paused' && window.LRViz.state.hold === null", 10_000)
    page.wait_for_selector(IDLE)
    n = lrviz(page, "n")
    assert 0 < n < 300
    page.keyboard.press("ArrowRight")
    wait_js(page, f"window.LRViz.state.n === {n + 1}", 10_000)
    page.wait_for_selector(IDLE)
    page.keyboard.press("PageDown")                                # a clicker's "next"
    wait_js(page, f"window.LRViz.state.n === {n + 2}", 10_000)
    page.wait_for_selector(IDLE)
    page.keyboard.press("r")
    wait_js(page, "window.LRViz.state.n === 0 && window.LRViz.state.status === 'ready'", 10_000)
    assert page.evaluate("window.LRViz.stats.keys") == 5
    assert_healthy(page)


def test_keys_are_left_alone_while_typing_in_a_field(page):
    open_app(page, "/?speed=0")
    page.locator("[data-testid='stSidebar'] [data-testid='stExpander'] summary").click()
    field = page.locator(".st-key-ctl_w input")
    field.click()
    field.press("End")
    page.keyboard.type(" r")                                     # a space and an r, typed
    page.keyboard.press("ArrowRight")
    # the page's key handler answers a key as it is pressed: once the field shows what was typed,
    # a key the handler took would have been counted
    wait_js(page, "document.querySelector('.st-key-ctl_w input').value === '2,-3.4 r'", 10_000)
    assert field.input_value() == "2,-3.4 r"
    assert page.evaluate("window.LRViz.stats.keys || 0") == 0
    assert lrviz(page, "n") == 0 and status(page) == "ready"


def legend(page, chart):
    return page.evaluate(f"Array.from(document.querySelectorAll('.lrviz-{chart} .legendtext'))"
                         ".map(e => e.textContent)")


def train_to_end(page, label="Train"):
    """Train a new run (after settings changed, or a finished one) to its end, drawn."""
    before, steps = page.evaluate("[window.LRViz.state.run, window.LRViz.state.n]")
    button(page, label).click()
    fresh = "true" if steps == 0 else f"window.LRViz.state.run !== {before!r}"   # a new run's charts
    wait_js(page, f"{fresh} && window.LRViz.state.status === 'done' && "
                  "window.LRViz.state.painted === window.LRViz.state.n && window.LRViz.state.n > 0", 60_000)
    page.wait_for_selector(IDLE)


def next_lr(page):
    """Move the learning-rate slider one stop up, as a user would with the keyboard."""
    lr = "new URL(location).searchParams.get('lr')"
    before = page.evaluate(lr)
    page.locator(".st-key-ctl_lr input[type=range]").focus()
    page.keyboard.press("ArrowRight")
    # the script run the new value starts writes it to the URL (a run too quick to show in the
    # app's script-state marker is still seen here)
    wait_js(page, f"{lr} !== {before!r}", 30_000)
    page.wait_for_selector(IDLE)
    page.evaluate("document.activeElement && document.activeElement.blur()")   # focus off the slider


def test_three_learning_rates_leave_three_labelled_curves(page):
    open_app(page, "/?speed=0")
    for i in range(3):
        if i:
            next_lr(page)
        train_to_end(page)
    assert page.evaluate("window.LRViz.state.x.length") == 300
    assert legend(page, "loss")[:2] == ["lr 0.03", "lr 0.05"], legend(page, "loss")
    assert legend(page, "params")[:2] == ["lr 0.03", "lr 0.05"], legend(page, "params")
    assert "lr=0.1" in page.url
    drawn = page.evaluate("document.querySelectorAll('.lrviz-loss .scatterlayer .trace').length")
    screenshot(page, "compare.png", (5, 995))
    page.locator(".lrviz-loss .legendtoggle").first.click()          # hide the lr 0.03 run
    wait_js(page, "window.LRViz.state.hidden.size === 1", 5_000)
    wait_js(page, f"document.querySelectorAll('.lrviz-loss .scatterlayer .trace').length === {drawn - 1}",
            10_000)
    button(page, re.escape("Clear compared runs (2)")).click()
    page.wait_for_selector(IDLE)
    wait_js(page, "window.LRViz.state.meta.ghosts.length === 0", 10_000)
    assert legend(page, "loss")[:1] == ["batch loss"]
    assert_healthy(page)


def diverge(page, query):
    """Open the app at `query`, press Train, wait for the run to diverge and the page to settle."""
    open_app(page, query)
    button(page, "Train").click()
    wait_js(page, "window.LRViz.state.status === 'diverged'", 30_000)
    page.wait_for_selector(IDLE)
    settled(page)


def test_a_diverging_run_keeps_readable_axes(page):
    diverge(page, "/?speed=0&lr=5")
    ranges = page.evaluate("Object.fromEntries(['loss', 'params', 'path', 'data'].map(n => [n, ["
                           "window.LRViz.state.plots[n]._fullLayout.yaxis.range,"
                           "window.LRViz.state.plots[n]._fullLayout.xaxis.range]]))")
    assert all(math.isfinite(v) for r in ranges.values() for axis in r for v in axis), ranges
    start = page.evaluate("window.LRViz.state.meta.start_loss")
    assert ranges["loss"][0][1] <= math.log10(start) + 2.2, ranges        # log axis: powers of ten
    assert -20 < ranges["params"][0][0] and ranges["params"][0][1] < 20, ranges
    notes = page.evaluate("Object.fromEntries(['loss', 'params', 'path', 'data'].map(n => [n, Array.from("
                          "document.querySelectorAll('.lrviz-' + n + ' .annotation-text'))"
                          ".map(e => e.textContent)]))")
    assert any("off the scale" in t for t in notes["loss"]), notes
    assert sum("off the scale" in t for t in notes["params"]) >= 2, notes
    assert any("off the chart" in t for t in notes["path"]), notes
    assert any("left the plot" in t for t in notes["data"]), notes
    # notes on the same edge are stacked, not drawn over each other
    boxes = page.evaluate("Array.from(document.querySelectorAll('.lrviz-params .annotation'))"
                          ".map(e => { const b = e.getBoundingClientRect();"
                          " return [b.left, b.top, b.right, b.bottom]; })")
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] + 1 or b[3] <= a[1] + 1, boxes
    # once off the scale, the zig-zag between far-off values is a gap, not lines across the plot
    w1 = page.evaluate("window.LRViz.state.plots.params.data.find(t => t.name === 'w1').y")
    assert w1[0] is not None and w1[-1] is None, (w1[:3], w1[-3:])       # from w0 at step 0 to the edge
    assert_healthy(page)


BOTTOM = ("Math.max(...['loss', 'params', 'path', 'data'].map(n =>"
          " document.querySelector('.lrviz-' + n).getBoundingClientRect().bottom))")


def test_presenter_view_of_a_diverged_run_still_fits(page):
    """The divergence message goes below the charts on a projector, and they are fitted again."""
    page.set_viewport_size({"width": 1280, "height": 720})
    diverge(page, "/?speed=0&present=1&lr=2.5")
    # the charts are fitted again once the message is in: wait for the fit, then measure
    wait_js(page, f"{BOTTOM} <= 721", 10_000)
    bottom = page.evaluate(BOTTOM)
    alert = page.evaluate("document.querySelector('[data-testid=stAlert]').getBoundingClientRect().top")
    assert bottom <= 721 and alert >= bottom - 1, (bottom, alert)
    assert_healthy(page)


def test_the_empty_log_axis_has_clean_ticks(page):
    open_app(page, "/")
    ticks = page.evaluate("Array.from(document.querySelectorAll('.lrviz-loss .ytick text'))"
                          ".map(e => e.textContent)")
    ticks = [t.replace("\u200b", "") for t in ticks]
    assert len(ticks) >= 3 and all(len(t) <= 4 and "µ" not in t for t in ticks), ticks     # 10−4 … 10


def test_the_export_names_the_compared_runs(page):
    open_app(page, "/?speed=0")
    train_to_end(page)
    next_lr(page)
    train_to_end(page)
    page.locator("[data-testid='stMain'] [data-testid='stExpander'] summary").filter(
        has_text="Export").click()
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile("settings \\(JSON\\)")).click()
    spec = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert spec["settings"]["lr"] == 0.05
    assert [c["settings"]["lr"] for c in spec["compared"]] == [0.03]
