"""The loss landscape page in a real browser: a click on a point of the learning-rate finder (or
a choice in its fallback box) sets that lr, and its button carries it to the main page, in
both languages; the page's charts drawn without errors at three window sizes; the README's
screenshots. Uses the shared server and Chromium of conftest (skipped without Debian's
/usr/bin/chromium, as the other browser tests are).
"""

from __future__ import annotations

import gettext
import re
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
from conftest import new_tab, words
from test_browser import (
    CHARTS_LOADED,
    IDLE,
    ROOT,
    SIZE_RUNS,
    assert_healthy,
    each_size,
    hover,
    lay_out,
    screenshot,
    settled,
    wait_js,
)

from core import landscape as ls

pytestmark = pytest.mark.browser

ZH = gettext.translation("messages", str(ROOT / "ui" / "locale"), languages=["zh"])
TITLE = "The loss landscape"
MAIN = "Linear regression, step by step"
FINDER = ".st-key-landscape_finder"
PLOTS_DRAWN = "document.querySelectorAll('.js-plotly-plot').length >= 5"
OPTIMIZERS_CHART = ".st-key-landscape_optimizers"


def query(page):
    return dict(parse_qsl(urlsplit(page.url).query))


def open_landscape(page, path):
    page.goto(path)
    page.wait_for_selector(IDLE, timeout=60_000)
    wait_js(page, PLOTS_DRAWN, 30_000)
    page.wait_for_selector(IDLE)


def heading(page, text):
    return page.get_by_role("heading", name=text, exact=True)


def lr_box(page, t):
    box = page.locator("[data-testid='stNumberInput']").filter(has_text=t("Learning rate lr"))
    return box.locator("input")


def wait_main_page_lr(page, t, lr):
    """The main page is shown with lr: its URL, the sidebar's lr slider and the caption that
    names the run's lr."""
    heading(page, t(MAIN)).wait_for(timeout=30_000)
    page.wait_for_selector(IDLE, timeout=60_000)
    wait_js(page, CHARTS_LOADED, 30_000)
    assert "/landscape" not in page.url and query(page)["lr"] == f"{lr:g}", page.url
    slider = page.locator("[data-testid='stSidebar'] [data-testid='stSlider']").filter(
        has_text=t("Learning rate lr"))
    assert slider.get_by_role("slider").get_attribute("aria-valuetext") == f"{lr:g}"
    now = t("Stable learning rates — y = x²/2: lr < 2 · these data (full batch, 2/λ_max): lr < {max_lr} · "
            "now lr = {lr}.").split("{lr}")[0].split("{max_lr}")[-1]
    caption = page.get_by_text(re.compile(re.escape(now) + re.escape(f"{lr:g}")))
    assert caption.count() == 1, now


FINDER_POINTS = f"""() => {{
      const div = document.querySelector("{FINDER} .js-plotly-plot");
      const fl = div._fullLayout, xa = fl.xaxis, ya = fl.yaxis, box = div.getBoundingClientRect();
      const trace = div._fullData.find(t => t.yaxis === 'y' && t.mode === 'lines+markers');
      return Array.from(trace.x, (x, i) => [box.left + xa._offset + xa.l2p(Math.log10(x)),
                                            box.top + ya._offset + ya.l2p(Math.log10(trace.y[i])), x]);
    }}"""


def finder_points(page):
    """Screen positions and lrs of the finder's loss-row points: [(x, y, lr)]."""
    return page.evaluate(FINDER_POINTS)


def wait_lr(page, lr):
    page.wait_for_function(f"new URL(location).searchParams.get('lr') === {f'{lr:g}'!r}", timeout=15_000)
    page.wait_for_selector(IDLE)


def click_point(page, x, y, lr):
    """Click the finder's point at (x, y) and wait for the page to take its lr."""
    hover(page, f"{FINDER} .js-plotly-plot", x, y)       # plotly's click uses the hovered point
    page.mouse.click(x, y)
    wait_lr(page, lr)


def carry_button(page, t, lr):
    return page.get_by_role("button", name=re.compile(re.escape(t("Use lr = {lr} on the main page").format(
        lr=f"{lr:g}")) + "$"))


@pytest.mark.parametrize("lang, locale", [("en", "en-US"), ("zh", "zh-CN")])
def test_a_click_on_the_finder_sets_the_lr_and_the_main_page_gets_it(browser, server, lang, locale):
    """A fresh session that opens /landscape first: the main page reads the lr from the URL."""
    t = words(lang)
    with new_tab(browser, server, 1400, 1000, locale=locale) as page:
        open_landscape(page, "/landscape")
        heading(page, t(TITLE)).wait_for()
        assert query(page)["lang"] == lang and query(page)["lr"] == "0.03"
        lay_out(page, f"{FINDER} .js-plotly-plot")
        points = finder_points(page)
        x, y, lr = points[len(points) // 2 - 4]               # a fast one, well below 2/lambda_max
        lr = float(f"{lr:.3g}")
        click_point(page, x, y, lr)
        assert float(lr_box(page, t).input_value()) == pytest.approx(lr)
        # another lr, then the same point again: the chart must not keep the old selection
        page.get_by_role("button", name=t("The lesson's lr = {lr}").format(lr="0.03")).click()
        wait_lr(page, 0.03)
        wait_js(page, PLOTS_DRAWN, 10_000)
        lay_out(page, f"{FINDER} .js-plotly-plot")
        # the finder drawn again where it was: the same point at the same place
        i = len(points) // 2 - 4
        page.wait_for_function("([i, x, y]) => { const p = (" + FINDER_POINTS + ")()[i];"
                               " return Math.abs(p[0] - x) < 1 && Math.abs(p[1] - y) < 1; }",
                               arg=[i, x, y], timeout=10_000)
        click_point(page, x, y, lr)
        button = carry_button(page, t, lr)
        assert button.count() == 1
        button.click()
        wait_main_page_lr(page, t, lr)
        assert query(page)["lang"] == lang
        assert_healthy(page)


def test_the_fallback_box_after_the_main_page_carries_the_lr_in_chinese(browser, server):
    """A session that has shown the main page already: the lr goes through its widget key."""
    t = words("zh")
    with new_tab(browser, server, 1024, 768, locale="zh-CN") as page:
        page.goto("/?lang=zh&batch_size=20")
        page.wait_for_selector(IDLE, timeout=60_000)
        wait_js(page, CHARTS_LOADED, 30_000)
        page.locator("[data-testid='stSidebarNavLink']").filter(has_text=t(TITLE)).click()
        heading(page, t(TITLE)).wait_for()
        wait_js(page, PLOTS_DRAWN, 30_000)
        page.wait_for_selector(IDLE)
        lr = float(f"{ls.lr_grid()[18]:.3g}")
        box = page.locator("[data-testid='stSelectbox']").filter(
            has_text=t("Or choose a learning rate of the sweep"))
        box.scroll_into_view_if_needed()
        box.get_by_role("combobox").click()
        page.keyboard.type(f"lr = {lr:g} ·")                   # the list is long: type to filter it
        page.get_by_role("option", name=re.compile(rf"^lr = {re.escape(f'{lr:g}')} · ")).click()
        wait_lr(page, lr)
        carry_button(page, t, lr).click()
        wait_main_page_lr(page, t, lr)
        assert query(page)["batch_size"] == "20"              # the main page's other settings kept
        assert_healthy(page)


# what overlaps in a chart: texts (annotations, legend items, axis titles, tick labels) whose
# boxes intersect by more than 2 px, per chart
OVERLAPS = """() => {
  const out = [];
  document.querySelectorAll('.js-plotly-plot').forEach((div, n) => {
    const els = Array.from(div.querySelectorAll(
      '.annotation-text-g, .legendtext, .xtitle, .ytitle, .g-xtitle, .g-ytitle, .xtick text, .ytick text'))
      .filter(e => e.getBoundingClientRect().width > 0);
    const boxes = els.map(e => [e, e.getBoundingClientRect()]);
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const [a, ra] = boxes[i], [b, rb] = boxes[j];
      if (a.contains(b) || b.contains(a)) continue;
      const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (w > 2 && h > 2) out.push([n, a.textContent, b.textContent]);
    }
  });
  return out;
}"""
CLIPPED = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).flatMap((div, n) => {
  const box = div.getBoundingClientRect();
  return Array.from(div.querySelectorAll('.annotation-text-g, .legendtext, .xtitle, .ytitle'))
    .map(e => [e.textContent, e.getBoundingClientRect()])
    .filter(([t, r]) => r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1))
    .map(([t]) => [n, t]);
})"""


@pytest.mark.parametrize("sizes", SIZE_RUNS)
@pytest.mark.parametrize("lang, locale", [("en", "en-US"), ("zh", "zh-CN")])
def test_the_page_lays_out_at_three_sizes(browser, server, sizes, lang, locale):
    t = words(lang)
    with new_tab(browser, server, *sizes[0], locale=locale) as page:
        open_landscape(page, f"/landscape?k=3&rho=0.5&lr=0.2&lang={lang}")
        for width, _height in each_size(page, sizes):
            heading(page, t(TITLE)).wait_for()
            lay_out(page)                                         # plotly lays out as each chart scrolls in
            assert page.evaluate(OVERLAPS) == []
            assert page.evaluate(CLIPPED) == []
            page.evaluate("window.scrollTo(0, 0)")
            assert_healthy(page)
            page.screenshot(path=f"/tmp/landscape-{lang}-{width}.png", full_page=True)


# the optimizers' chart: every text (the names at the paths, legend, titles, ticks) against every
# other, and the names at the paths inside the plot area
OPTIMIZER_TEXTS = """(sel) => {
  const div = document.querySelector(sel + ' .js-plotly-plot');
  if (!div) return {missing: true};
  const plot = div.querySelector('.nsewdrag').getBoundingClientRect();
  const els = Array.from(div.querySelectorAll(
    '.textpoint text, .legendtext, .xtitle, .ytitle, .xtick text, .ytick text'))
    .filter(e => e.getBoundingClientRect().width > 0);
  const boxes = els.map(e => [e, e.getBoundingClientRect()]);
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, ra] = boxes[i], [b, rb] = boxes[j];
    if (a.contains(b) || b.contains(a)) continue;
    const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
    const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
    if (w > 2 && h > 2) overlaps.push([a.textContent, b.textContent]);
  }
  const names = Array.from(div.querySelectorAll('.textpoint text')).map(e => [e.textContent,
    e.getBoundingClientRect()]);
  const outside = names.filter(([t, r]) => r.left < plot.left - 1 || r.right > plot.right + 1 ||
                                           r.top < plot.top - 1 || r.bottom > plot.bottom + 1)
                       .map(([t]) => t);
  return {overlaps, outside, names: names.map(([t]) => t),
          legend: div.querySelectorAll('.legendtext').length,
          pageWide: document.documentElement.scrollWidth > window.innerWidth + 1};
}"""


@pytest.mark.parametrize("sizes", SIZE_RUNS)
@pytest.mark.parametrize("lang, locale", [("en", "en-US"), ("zh", "zh-CN")])
@pytest.mark.parametrize("query", ["k=3&rho=0.5&lr=0.201", "k=10&lr=0.0187&opt_lrs=tuned"])
def test_the_optimizers_section_lays_out_at_three_sizes(browser, server, sizes, lang, locale, query):
    """Beyond plain SGD: six paths from one start, named on the chart and in the legend, no text
    over another or outside the plot, the table and the finder's optimizer picker there."""
    t = words(lang)
    with new_tab(browser, server, *sizes[0], locale=locale) as page:
        open_landscape(page, f"/landscape?{query}&lang={lang}")
        for width, _height in each_size(page, sizes):
            heading(page, t("Beyond plain SGD: momentum, AdaGrad, RMSProp, Adadelta, Adam")).wait_for()
            chart = page.locator(OPTIMIZERS_CHART)
            chart.scroll_into_view_if_needed()
            wait_js(page, f"document.querySelectorAll('{OPTIMIZERS_CHART} .textpoint text').length >= 3",
                    15_000)
            settled(page)
            got = page.evaluate(OPTIMIZER_TEXTS, OPTIMIZERS_CHART)
            assert got["overlaps"] == [] and got["outside"] == [], got
            assert got["legend"] >= 7 and not got["pageWide"], got       # six optimizers and the optimum
            assert len(got["names"]) >= 3, got
            assert page.locator(".st-key-landscape_optimizer_table [data-testid='stDataFrame']").is_visible()
            picker = page.locator("[data-testid='stSelectbox']").filter(has_text=t("Optimizer of the finder"))
            assert picker.count() == 1
            assert_healthy(page)
            tag = "tuned" if "tuned" in query else "book"
            chart.screenshot(path=f"/tmp/landscape-optimizers-{tag}-{lang}-{width}.png")


@pytest.mark.parametrize("lang, locale, name", [("en", "en-US", "landscape.png"),
                                                ("zh", "zh-CN", "landscape-zh.png")])
def test_screenshot(browser, server, lang, locale, name):
    """docs/: a stretched, correlated valley with the zig-zag lr, the charts' top in view."""
    t = words(lang)
    with new_tab(browser, server, 1400, 1000, locale=locale) as page:
        X, _y = ls.conditioned_data(k=3.0, rho=0.5)
        lr = float(f"{0.9 * ls.curvature(X).lr_stable:.3g}")
        open_landscape(page, f"/landscape?k=3&rho=0.5&lr={lr:g}&steps=100&lang={lang}")
        heading(page, t(TITLE)).wait_for()
        assert np.isfinite(lr)
        # the metrics at the top: with them the valley's two charts fit the window
        page.evaluate("(() => { const m = document.querySelector('[data-testid=stMain]'), "
                      "r = document.querySelector('.st-key-landscape_metrics').getBoundingClientRect(); "
                      "m.scrollTo(0, m.scrollTop + r.top - 12); })()")
        screenshot(page, name)                                # (it waits for the page at rest)
        assert_healthy(page)
