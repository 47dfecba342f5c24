"""The page "One step, inside" in a real browser, in both languages: the stepping control walks
the forward pass then the backward pass node by node on the drawn graph; the main page's Step
is the step the page looks inside; nothing wider than the window or cut at three sizes; the
README's screenshots. Uses the shared server and Chromium of conftest.
"""

from __future__ import annotations

import gettext
import re

import pytest
from conftest import new_tab, words
from test_browser import (
    IDLE,
    ROOT,
    SIZE_RUNS,
    assert_healthy,
    button,
    each_size,
    open_app,
    screenshot,
    settled,
    wait_js,
)

pytestmark = pytest.mark.browser

ZH = gettext.translation("messages", str(ROOT / "ui" / "locale"), languages=["zh"])
PLOTS_DRAWN = "document.querySelectorAll('.js-plotly-plot').length >= 4"
# the graph's node boxes (Plotly annotations with a bold symbol), as the browser drew them
NODES = """() => Array.from(document.querySelectorAll('.st-key-inside_graph .annotation-text'))
  .map(e => e.textContent)"""


def open_inside(page, path):
    page.goto(path)
    page.wait_for_selector(IDLE, timeout=60_000)
    wait_js(page, PLOTS_DRAWN, 30_000)
    page.wait_for_selector(IDLE)


def press(page, label, shows):
    """Click the button `label`, wait until the page shows `shows` (what the click's script run
    writes) and the run has ended."""
    button(page, label).click()
    page.get_by_text(shows).first.wait_for(timeout=30_000)
    page.wait_for_selector(IDLE)


def stage(t, k):
    """The start of stage k's caption: "Stage 3 of 18 · " (阶段 3/18 · )."""
    return t("Stage {stage} of {total} · {phase}: {node}").split("{phase}")[0].format(stage=k, total=18)


def stage_text(page, t):
    """The stage caption ("Stage 3 of 18 · Forward pass: Xw") as the page shows it."""
    head = t("Stage {stage} of {total} · {phase}: {node}").split("{stage}")[0]
    starts = re.compile("^" + re.escape(head))
    loc = page.locator("[data-testid='stMarkdownContainer']").filter(has_text=starts)
    return loc.first.inner_text()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_control_walks_forward_then_backward_on_the_graph(browser, server, lang):
    t = words(lang)
    with new_tab(browser, server, 1400, 1000) as page:
        open_inside(page, f"/inside?lang={lang}")
        assert page.get_by_role("heading", name=t("One step, inside")).count() == 1
        press(page, t("Start the forward pass"), t("Nothing computed yet: press **Next** to run the forward "
                                                  "pass one node at a time.").replace("**", ""))
        nodes = page.evaluate(NODES)
        assert len([n for n in nodes if n]) == 9, nodes            # the nine nodes, no edge label yet
        assert not any("∂l/∂" in n for n in nodes)                  # no gradient before the backward pass
        assert page.get_by_text(t("Nothing computed yet: press **Next** to run the forward pass one node at "
                                  "a time.").replace("**", "")).count() == 1
        forward, backward = t("Forward pass"), t("Backward pass")
        for k in range(1, 4):
            press(page, t("Next"), stage(t, k))
            assert str(k) in stage_text(page, t) and forward in stage_text(page, t)
        assert "Xw" in stage_text(page, t)
        drawn = page.evaluate(NODES)
        xw = [n for n in drawn if n.startswith("Xw")][0]
        assert re.search(r"\d", xw) and "∂l/∂" not in xw                # its value, not yet its gradient
        for k in range(4, 9 + 7 + 1):                                   # on to the backward pass at w
            press(page, t("Next"), stage(t, k))
        caption = stage_text(page, t)
        assert backward in caption and caption.endswith("w"), caption
        w_box = [n for n in page.evaluate(NODES) if n.startswith("w")][0]
        assert "∂l/∂w" in w_box
        assert page.locator(".katex").count() >= 1                    # the chain rule, written out
        press(page, t("Show all"), stage(t, 18))
        assert "18" in stage_text(page, t)
        assert_healthy(page)


def test_the_main_pages_step_is_the_one_looked_inside(browser, server):
    with new_tab(browser, server, 1400, 1000) as page:
        open_app(page, "/?speed=0")                 # the live charts mounted, then Step
        for k in (1, 2):
            button(page, "Step").click()
            wait_js(page, f"window.LRViz.state.n === {k}", 30_000)
            page.wait_for_selector(IDLE)
        page.get_by_role("link", name="One step, inside").click()
        page.get_by_text("Which step").wait_for(timeout=30_000)        # the main page's charts are gone
        wait_js(page, PLOTS_DRAWN, 30_000)
        page.wait_for_selector(IDLE)
        assert page.get_by_text("The main page's run: update 2 of 300").count() == 1
        assert page.get_by_text("the main page's step 2").count() == 1
        assert page.get_by_text("The same numbers").count() == 1
        assert_healthy(page)


FIT = """() => {
  const doc = document.documentElement, main = document.querySelector("[data-testid='stMain']");
  const cut = Array.from(document.querySelectorAll("[data-testid='stMain'] button")).filter(b =>
    b.offsetParent !== null && b.scrollWidth > b.clientWidth + 1).map(b => b.innerText);
  const tables = Array.from(document.querySelectorAll("[data-testid='stMain'] table")).filter(t =>
    t.getBoundingClientRect().right > main.getBoundingClientRect().right + 1).length;
  return {page: [doc.scrollWidth, doc.clientWidth], main: [main.scrollWidth, main.clientWidth], cut, tables};
}"""


@pytest.mark.parametrize("sizes", SIZE_RUNS)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_nothing_wider_than_the_window(browser, server, sizes, lang):
    with new_tab(browser, server, *sizes[0]) as page:
        open_inside(page, f"/inside?lang={lang}")
        for width, _height in each_size(page, sizes):
            fit = page.evaluate(FIT)
            assert fit["page"][0] <= fit["page"][1] and fit["main"][0] <= fit["main"][1], fit
            assert fit["cut"] == [] and fit["tables"] == 0, fit
            # the graph's boxes do not overlap one another
            boxes = page.evaluate("""() => Array.from(document.querySelectorAll(
                '.st-key-inside_graph g.annotation')).map(g => g.querySelector('rect.bg'))
                .filter(r => r && +r.getAttribute('width') > 40).map(r => r.getBoundingClientRect())
                .map(b => [b.left, b.top, b.right, b.bottom])""")
            assert len(boxes) >= 9
            for i, a in enumerate(boxes):
                for b in boxes[i + 1:]:
                    overlap = min(a[2], b[2]) - max(a[0], b[0]) > 1 and min(a[3], b[3]) - max(a[1], b[1]) > 1
                    assert not overlap, (a, b)
            if width == 1400:
                page.set_viewport_size({"width": 1400, "height": 1900})
                settled(page)                                          # a picture to look at
                screenshot(page, "inside.png" if lang == "en" else "inside-zh.png")
            assert_healthy(page)


# the update section with an optimizer, and the noise section's metrics, as drawn: every piece of
# text inside the section's width, no metric's value cut off or running into its neighbour, the
# arrow chart's legend entries apart
UPDATE = """() => {
  const rect = e => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
  const sec = document.querySelector('.st-key-inside_update');
  const right = sec.getBoundingClientRect().right;
  const wide = Array.from(sec.querySelectorAll('p, td, th, .katex-display, h2, h3, label'))
    .filter(e => e.offsetParent !== null && e.getBoundingClientRect().right > right + 1)
    .map(e => e.textContent.slice(0, 60));
  // an equation wider than its box scrolls inside it: what KaTeX drew (its .base runs) must fit
  for (const d of sec.querySelectorAll('.katex-display')) {
    const edge = d.getBoundingClientRect().right;
    const bases = Array.from(d.querySelectorAll('.katex-html .base'));
    if (bases.some(b => b.getBoundingClientRect().right > edge + 1))
      wide.push(d.textContent.slice(0, 60));
  }
  // the chart's labels (the pointer to the optimum) inside the chart
  const chart = sec.querySelector('.js-plotly-plot').getBoundingClientRect();
  const labels = Array.from(sec.querySelectorAll('.js-plotly-plot .annotation-text'))
    .filter(e => e.textContent && (e.getBoundingClientRect().right > chart.right + 1
                                   || e.getBoundingClientRect().left < chart.left - 1))
    .map(e => e.textContent);
  const metrics = Array.from(document.querySelectorAll("[data-testid='stMetric']"));
  const cut = metrics.map(m => m.querySelector("[data-testid='stMetricValue']"))
    .filter(v => v.scrollWidth > v.clientWidth + 1 || v.getBoundingClientRect().right > right + 1)
    .map(v => v.textContent);
  const values = metrics.map(m => m.querySelector("[data-testid='stMetricValue'] p")).map(rect);
  const legend = Array.from(sec.querySelectorAll('.legendtext')).map(rect);
  return {wide, labels, cut, values, legend, katex: sec.querySelectorAll('.katex-display').length,
          tables: sec.querySelectorAll('table').length};
}"""


def overlapping(rects):
    return [(a, b) for i, a in enumerate(rects) for b in rects[i + 1:]
            if min(a[2], b[2]) - max(a[0], b[0]) > 1 and min(a[3], b[3]) - max(a[1], b[1]) > 1]


@pytest.mark.parametrize("sizes", SIZE_RUNS)
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("query, lines, legend", [("optimizer=momentum&step=300", 2, 5),   # + velocity
                                                  ("optimizer=adam&step=2", 6, 4)])
def test_the_optimizers_update_fits_at_every_size(browser, server, sizes, lang, query, lines, legend):
    t = words(lang)
    with new_tab(browser, server, *sizes[0]) as page:
        open_inside(page, f"/inside?lang={lang}&{query}")
        for _width, _height in each_size(page, sizes):
            name = t("Momentum") if "momentum" in query else t("Adam")
            heading = t("The step {optimizer} takes, written out").format(optimizer=name)
            assert page.get_by_role("heading", name=heading).count() == 1
            got = page.evaluate(UPDATE)
            assert got["katex"] == lines and got["tables"] == 1, got
            assert got["wide"] == [] and got["cut"] == [] and got["labels"] == [], got
            assert len(got["values"]) == 8 and overlapping(got["values"]) == [], got
            assert len(got["legend"]) == legend and overlapping(got["legend"]) == [], got
            fit = page.evaluate(FIT)
            assert fit["page"][0] <= fit["page"][1] and fit["main"][0] <= fit["main"][1], fit
            # the optimizer's controls show their whole values (ε = 0.000001)
            inputs = page.evaluate("""() => Array.from(document.querySelectorAll(
                '.st-key-inside_optimizer_row input')).map(i => [i.value, i.scrollWidth, i.clientWidth])""")
            assert len(inputs) == (2 if "momentum" in query else 4), inputs
            assert all(sw <= cw + 1 for _v, sw, cw in inputs), inputs
            assert_healthy(page)
