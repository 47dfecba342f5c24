"""Every student: axe-core's WCAG 2.1 A and AA rules on every page in both languages, at first
render and after the page's own action (a run trained, a stage shown, a preset, a measurement);
every action reachable from the keyboard; the presenter view on a phone.

axe-core comes from npm (tests/run installs it into .venv/npm); without it these tests are
skipped, except in CI where that is a failure. Uses the shared server and Chromium of conftest.
"""

from __future__ import annotations

import os

import pytest
from conftest import new_tab
from test_browser import CHARTS_LOADED, IDLE, ROOT, assert_healthy, lrviz, open_app, wait_js

pytestmark = pytest.mark.browser

AXE = ROOT / ".venv" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# what axe found: each violation's rule, impact, summary and every node's target and why
AXE_RUN = """async tags => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
}"""
BAD = ("serious", "critical")
SETTLED = """document.getAnimations().every(a => a.playState !== 'running'
  || a.effect.getComputedTiming().endTime === Infinity)"""
PLOTS = "document.querySelectorAll('.js-plotly-plot').length >= {n}"
DATA = "(window.LRViz && window.LRViz.instances.data_lrviz)"
DATA_DONE = f"{DATA} && {DATA}.state.status === 'done' && {DATA}.state.painted === {DATA}.state.n"
# set before a click: whether Streamlit has run the script since (the app's marker went to running)
WATCH_RUN = """() => {
  window.__a11yRan = false;
  const app = document.querySelector("[data-testid='stApp']");
  new MutationObserver(() => { if (app.dataset.testScriptState === 'running') window.__a11yRan = true; })
    .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


@pytest.fixture(scope="module")
def axe_js():
    if not AXE.is_file():
        message = f"{AXE} is missing: bash tests/run installs axe-core from npm"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return str(AXE)


# axe-core skips the text of SVG charts: every visible text of a Plotly chart, its fill (with
# its opacity) against the white plot, under WCAG's 4.5:1 -> "ratio fill text"
CHART_TEXT_HELP = "Text in a chart must have 4.5:1 contrast on white (axe-core does not check SVG)"
CHART_TEXT = """() => {
  const lin = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
  const lum = ([r, g, b]) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  const faint = [];
  document.querySelectorAll('.js-plotly-plot svg text').forEach(t => {
    if (!t.textContent.trim() || t.getBBox().width === 0) return;
    const cs = getComputedStyle(t), m = cs.fill.match(/[\\d.]+/g);
    if (!m) return;
    const [r, g, b, a] = m.map(Number);
    const opacity = (a === undefined ? 1 : a) * Number(cs.opacity) * Number(cs.fillOpacity || 1);
    if (opacity === 0) return;
    const ratio = 1.05 / (lum([r, g, b].map(v => v * opacity + 255 * (1 - opacity))) + 0.05);
    if (ratio < 4.5) faint.push(ratio.toFixed(2) + " " + cs.fill + " " + t.textContent.slice(0, 30));
  });
  return faint;
}"""


def axe(page, axe_js):
    """axe-core's serious and critical WCAG 2.1 A/AA violations on the page as it is now, and
    the charts' text under 4.5:1."""
    # the regions that scroll are marked focusable a moment after the page changed (ui/a11y.py)
    wait_js(page, "window.__lrvizKeyboard && !window.__lrvizKeyboard.pending()", 10_000)
    # the page as it rests, not a hover's fade caught half-way (a tooltip or a slider's ends
    # fading in under a pointer the action left where a widget now is): the pointer off the
    # page's widgets, and every transition of finite length ended
    page.mouse.move(1, 1)
    wait_js(page, SETTLED, 10_000)
    if not page.evaluate("!!window.axe"):
        page.add_script_tag(path=axe_js)
    found = [v for v in page.evaluate(AXE_RUN, TAGS) if v["impact"] in BAD]
    faint = page.evaluate(CHART_TEXT)
    if faint:
        found.append({"id": "chart-text-contrast", "impact": "serious", "help": CHART_TEXT_HELP,
                      "nodes": [{"target": t, "summary": ""} for t in faint]})
    return found


def report(found):
    """found: {(path, when): violations} -> the rules, their summaries and targets, one per line."""
    lines = []
    for (path, when), violations in found.items():
        for v in violations:
            lines.append(f"{path} {when}: {v['id']} ({v['impact']}, {len(v['nodes'])} nodes): {v['help']}")
            for n in v["nodes"][:8]:
                lines.append(f"    {n['target']}: {' '.join(n['summary'].split())}")
    return "\n".join(lines)


def click_and_wait(page, selector):
    """Click the button at `selector` and wait until the script run it starts has ended."""
    page.evaluate(WATCH_RUN)
    page.locator(selector + ":visible").first.click()
    wait_js(page, "window.__a11yRan", 30_000)
    page.wait_for_selector(IDLE, timeout=90_000)


def train_main(page):
    page.locator(".st-key-train button:visible").click()
    wait_js(page, "window.LRViz.state.status === 'done' && window.LRViz.state.painted === 300", 60_000)
    page.wait_for_selector(IDLE)


def train_data(page):
    page.locator(".st-key-data_train button:visible").click()
    wait_js(page, DATA_DONE, 60_000)
    page.wait_for_selector(IDLE)


ROOM = {}      # the room /class's action starts: /join's action joins it (the same tab, in order)


def start_room(page):
    """Start a room, open a question and reveal it (the tally's chart, the run's live charts),
    start the class experiment."""
    click_and_wait(page, ".st-key-class_start button")
    page.wait_for_selector(".lrviz-room-code")
    ROOM["code"] = page.inner_text(".lrviz-room-code").split()[-1]     # after "Room code:" (screen readers)
    page.locator(".st-key-class_open button").click()
    page.locator(".st-key-class_reveal button").click()
    page.wait_for_selector(".st-key-class_tally .js-plotly-plot")
    page.locator(".st-key-class_exp_start button").click()
    page.wait_for_selector(".st-key-class_exp_stop")
    page.wait_for_selector(IDLE)


def join_room(page):
    """Join the room /class started, by its code; train the experiment's handed value."""
    page.locator(".st-key-join_code input").fill(ROOM["code"])
    page.locator(".st-key-join_go button").click()
    page.locator(".st-key-exp_run button").click()
    page.wait_for_selector(".st-key-join_experiment [data-testid='stAlert']")
    page.wait_for_selector(IDLE)


# each page: its path (and query), what says it has drawn, and its own action
PAGES = [
    ("/?speed=0", CHARTS_LOADED, train_main),
    ("/inside", PLOTS.format(n=4), lambda p: click_and_wait(p, ".st-key-inside_all button")),
    ("/backends", PLOTS.format(n=2), lambda p: click_and_wait(p, ".st-key-backends_measure button")),
    ("/parabola", PLOTS.format(n=2), lambda p: click_and_wait(p, "[class*='st-key-parabola_preset'] button")),
    ("/landscape", PLOTS.format(n=4), lambda p: click_and_wait(p, ".st-key-landscape_preset_zigzag button")),
    ("/data?speed=0", f"{DATA} && {DATA}.stats.paints > 0", train_data),
]
# the class's pages, in this order in one tab: /class starts the room /join then joins
CLASS_PAGES = [
    ("/class", "!!document.querySelector('.st-key-class_start button:not([disabled])')", start_room),
    ("/join", "!!document.querySelector('.st-key-join_code input')", join_room),
]


def axe_pages(browser, server, axe_js, locale, lang, pages):
    found = {}
    with new_tab(browser, server, locale=locale) as page:
        for path, drawn, action in pages:
            url = path + ("&" if "?" in path else "?") + f"lang={lang}"
            page.goto(url)
            page.wait_for_selector(IDLE, timeout=90_000)
            wait_js(page, drawn, 60_000)
            page.wait_for_selector(IDLE)
            found[(url, "first render")] = axe(page, axe_js)
            action(page)
            found[(url, "after its action")] = axe(page, axe_js)
            assert_healthy(page)
    bad = {k: v for k, v in found.items() if v}
    assert not bad, "axe-core, WCAG 2.1 A/AA, serious or critical:\n" + report(bad)


@pytest.mark.parametrize("lang, locale", [("en", "en-US"), ("zh", "zh-CN")])
def test_every_page_passes_axe_before_and_after_its_action(browser, server, axe_js, lang, locale):
    axe_pages(browser, server, axe_js, locale, lang, PAGES)


@pytest.mark.parametrize("lang, locale", [("en", "en-US"), ("zh", "zh-CN")])
def test_the_class_pages_pass_axe_before_and_after_their_action(browser, server, axe_js, lang, locale):
    """/class (a room started, a question revealed, the experiment on) and /join (joined by
    code, the experiment's run trained): the same rules as every other page."""
    axe_pages(browser, server, axe_js, locale, lang, CLASS_PAGES)


# the element that has the keyboard's focus: what it is, and how its focus shows on the element a
# user sees (a checkbox's, radio's or slider's <input> is visually hidden: its label, its thumb)
FOCUSED = """() => { const e = document.activeElement;
  const hidden = e.tagName === 'INPUT' && e.parentElement.getBoundingClientRect().width <= 1;
  const seen = !hidden ? e : e.type === 'range' ? e.parentElement.parentElement : e.closest('label');
  const s = getComputedStyle(seen), box = e.closest("[class*='st-key-']");
  const key = box && box.className.match(/st-key-(\\S+)/);
  return {tag: e.tagName, key: key && key[1], pre: e.tagName === 'PRE',
          name: (e.getAttribute('aria-label') || e.innerText || '').trim().slice(-40),
          outline: [s.outlineStyle, parseFloat(s.outlineWidth)]}; }"""


def tab_to(page, found, most=80):
    """Press Tab until `found(focused)` holds (at most `most` times). Returns every element focused
    on the way, the one found last."""
    trail = []
    for _ in range(most):
        page.keyboard.press("Tab")
        trail.append(page.evaluate(FOCUSED))
        if found(trail[-1]):
            return trail
    pytest.fail(f"{most} presses of Tab never reached it; the last: {trail[-1]}")


def ring(focused):
    """A focus that shows: a solid outline of 2 px or more (Streamlit's own is a half-transparent
    shadow, 2.5:1, or on the sidebar's links, radios and toggles a light grey one)."""
    return focused["outline"][0] == "solid" and focused["outline"][1] >= 2


def test_train_is_reached_and_pressed_from_the_keyboard_and_the_keys_still_drive_the_run(page):
    open_app(page, "/?speed=20&lang=en")
    trail = tab_to(page, lambda f: f["key"] == "train" and f["tag"] == "BUTTON")
    # the sidebar's links, the picker, the toggle, sliders, radios, help buttons, the exercises
    assert len(trail) > 15 and {"INPUT", "BUTTON", "A"} <= {f["tag"] for f in trail}, trail
    assert [f for f in trail if not ring(f)] == [], trail
    page.keyboard.press("Enter")
    wait_js(page, "window.LRViz.state.status === 'running'", 10_000)
    wait_js(page, "window.LRViz.state.painted > 5", 10_000)
    page.keyboard.press("Space")                                    # the page's key: Pause
    wait_js(page, "window.LRViz.state.status === 'paused' && window.LRViz.state.hold === null", 10_000)
    page.wait_for_selector(IDLE)
    n = lrviz(page, "n")
    page.keyboard.press("ArrowRight")                               # Step
    wait_js(page, f"window.LRViz.state.n === {n + 1}", 10_000)
    page.wait_for_selector(IDLE)
    page.keyboard.press("r")                                        # Reset
    wait_js(page, "window.LRViz.state.n === 0 && window.LRViz.state.status === 'ready'", 10_000)
    page.wait_for_selector(IDLE)
    # Space on the focused Train button starts one run: the page's key handler presses it, the
    # button's own Space (on key up) does not press it a second time
    keys, clicks = page.evaluate("[window.LRViz.stats.keys, window.LRViz.stats.transport]")
    tab_to(page, lambda f: f["key"] == "train" and f["tag"] == "BUTTON")
    page.keyboard.press("Space")
    wait_js(page, "window.LRViz.state.status === 'running'", 10_000)
    wait_js(page, "window.LRViz.state.painted > 5", 10_000)
    assert page.evaluate("window.LRViz.stats.keys") == keys + 1
    assert page.evaluate("window.LRViz.stats.transport") == clicks          # no Pause in between
    assert_healthy(page)


def test_code_that_scrolls_sideways_is_reached_and_scrolled_from_the_keyboard(browser, server):
    with new_tab(browser, server, 1024, 768) as page:
        page.goto("/backends?lang=en")
        page.wait_for_selector(IDLE, timeout=90_000)
        wait_js(page, PLOTS.format(n=2), 60_000)
        wait_js(page, "window.__lrvizKeyboard && !window.__lrvizKeyboard.pending()", 10_000)
        wide = page.evaluate("Array.from(document.querySelectorAll(\"[data-testid='stCode'] pre\"))"
                             ".filter(p => p.scrollWidth > p.clientWidth + 1).length")
        assert wide >= 1, "the codes fit their columns at 1024 px: nothing to scroll, nothing tested"
        focused = tab_to(page, lambda f: f["pre"])[-1]
        assert ring(focused), focused
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        wait_js(page, "document.activeElement.scrollLeft > 0", 5_000)


# the live charts' boxes in presenter view: [left, top, width, height] of each of the four
CHART_BOXES = """() => ['loss', 'params', 'path', 'data'].map(n => {
  const b = document.querySelector('.lrviz-' + n).getBoundingClientRect();
  return [b.left, b.top, b.width, b.height]; })"""


@pytest.mark.parametrize("lang", ["zh"])
def test_presenter_view_on_a_phone_is_one_chart_a_row(browser, server, axe_js, lang):
    """On a phone two charts side by side were 170 px each: one a row, the phone's width, each as
    tall as outside presenter view. (1024 x 768 and 1280 x 720 keep their 2 x 2 grid on one screen,
    in both languages: tests/test_browser_hall.py.) In Chinese, whose status lines are the longer."""
    with new_tab(browser, server, 390, 844) as page:
        open_app(page, f"/?speed=0&present=1&lang={lang}")
        page.locator(".st-key-train button:visible").click()
        wait_js(page, "window.LRViz.state.status === 'done' && window.LRViz.state.painted === 300", 60_000)
        page.wait_for_selector(IDLE)
        boxes = page.evaluate(CHART_BOXES)
        for (_left, top, width, height), below in zip(boxes, boxes[1:] + [None]):
            assert width >= 340 and height >= 300, boxes
            assert below is None or below[1] >= top + height - 1, boxes          # one a row
        bad = axe(page, axe_js)
        assert not bad, report({("presenter view, 390 x 844", lang): bad})
        assert_healthy(page)
