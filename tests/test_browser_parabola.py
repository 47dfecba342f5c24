"""The parabola page's momentum section in a real browser: a click on the (lr, β) map sets that
point (sliders and URL) and the runs beside it are momentum and plain gradient descent at that
point, which ▶ Play replays from k = 0, in both languages; the section's two charts without
clipped or overlapping text at three window sizes. Screenshots go to /work/notes/shots/optim-parabola
(or /tmp when that is absent). Uses the shared server and Chromium of conftest.
"""

from __future__ import annotations

import gettext
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from conftest import new_tab, words
from test_browser import IDLE, ROOT, SIZE_RUNS, assert_healthy, each_size, hover, lay_out, settled, wait_js
from test_browser_landscape import CLIPPED, OVERLAPS

from core.parabola import momentum_descent, parabola_descent

pytestmark = pytest.mark.browser

ZH = gettext.translation("messages", str(ROOT / "ui" / "locale"), languages=["zh"])
MAP = ".st-key-parabola_momentum_map"
RUNS = ".st-key-parabola_momentum_runs"
NOTES = Path("/work/notes/shots/optim-parabola")
SHOTS = NOTES if NOTES.parent.is_dir() else Path("/tmp/lrviz-shots")
PLOTS_DRAWN = (f"document.querySelector(\"{MAP} .js-plotly-plot\") && "
               f"document.querySelector(\"{RUNS} .js-plotly-plot\")")
# the section's charts only: the checks of test_browser_landscape, scoped to them
SECTION = f"document.querySelectorAll(\"{MAP} .js-plotly-plot, {RUNS} .js-plotly-plot\")"
SECTION_OVERLAPS = OVERLAPS.replace("document.querySelectorAll('.js-plotly-plot')", SECTION)
SECTION_CLIPPED = CLIPPED.replace("document.querySelectorAll('.js-plotly-plot')", SECTION)
# the momentum trace of the runs chart: its x_k, as plotly shows them now
MOMENTUM_XK = f"Array.from(document.querySelector(\"{RUNS} .js-plotly-plot\").data[1].y)"


def query(page):
    return dict(parse_qsl(urlsplit(page.url).query))


def open_parabola(page, path):
    page.goto(path)
    page.wait_for_selector(IDLE, timeout=60_000)
    wait_js(page, PLOTS_DRAWN, 30_000)
    page.wait_for_selector(IDLE)


def map_position(page, lr, beta):
    """Screen position of the map's point (lr, β)."""
    return page.evaluate(f"""() => {{
      const div = document.querySelector("{MAP} .js-plotly-plot");
      const fl = div._fullLayout, box = div.getBoundingClientRect();
      return [box.left + fl.xaxis._offset + fl.xaxis.l2p({lr}),
              box.top + fl.yaxis._offset + fl.yaxis.l2p({beta})];
    }}""")


def slider(page, t, label):
    return page.locator("[data-testid='stSlider']").filter(has_text=t(label)).last.get_by_role("slider")


def slider_value(page, t, label):
    return slider(page, t, label).get_attribute("aria-valuetext")


def wait_point(page, lr, beta):
    page.wait_for_function(f"(() => {{ const q = new URL(location).searchParams; "
                           f"return q.get('m_lr') === '{lr:g}' && q.get('beta') === '{beta:g}'; }})()",
                           timeout=20_000)
    page.wait_for_selector(IDLE)


def click_map(page, lr, beta):
    lay_out(page, f"{MAP} .js-plotly-plot")
    x, y = map_position(page, lr, beta)
    hover(page, f"{MAP} .js-plotly-plot", x, y)   # plotly's click uses the hovered point
    page.mouse.click(x, y)
    wait_point(page, lr, beta)


@pytest.mark.parametrize("lang, locale", [("en", "en-US"), ("zh", "zh-CN")])
def test_a_click_on_the_map_picks_the_point_and_runs_it(browser, server, lang, locale):
    t = words(lang)
    with new_tab(browser, server, 1400, 1000, locale=locale) as page:
        open_parabola(page, f"/parabola?lang={lang}")
        assert (query(page)["m_lr"], query(page)["beta"]) == ("0.1", "0.5")
        lr, beta = 2.5, 0.6                           # oscillating: past plain descent's lr < 2
        click_map(page, lr, beta)
        assert slider_value(page, t, "Momentum β") == "0.60"
        # the runs beside the map are momentum and plain descent at the picked point
        want = [s.x for s in momentum_descent(4.0, lr, beta, num_steps=30)]
        wait_js(page, f"{MOMENTUM_XK}.length === 31 && Math.abs({MOMENTUM_XK}[5] - ({want[5]!r})) < 1e-9",
                20_000)
        got = page.evaluate(MOMENTUM_XK)
        assert got == pytest.approx(want, rel=1e-9, abs=1e-12)
        gd = page.evaluate(f"Array.from(document.querySelector(\"{RUNS} .js-plotly-plot\").data[0].y)")
        assert gd == pytest.approx([s.x for s in parabola_descent(4.0, lr, 30)], rel=1e-9)
        # ▶ Play replays both from k = 0: the runs shrink to a few points, then grow back to all
        page.locator(RUNS).scroll_into_view_if_needed()
        page.locator(f"{RUNS} .updatemenu-button").filter(has_text=t("▶ Play")).click()
        wait_js(page, f"{MOMENTUM_XK}.length < 10", 10_000)
        wait_js(page, f"{MOMENTUM_XK}.length === 31", 60_000)
        # β moved with the keyboard, then the same point clicked again: the map must not keep the
        # old selection (a second click on it would clear it, and change nothing)
        slider(page, t, "Momentum β").focus()
        page.keyboard.press("ArrowRight")
        wait_point(page, lr, 0.61)
        click_map(page, lr, beta)
        assert_healthy(page)
        shot_of_map(page, f"clicked-{lang}-1400.png")


def shot_of_map(page, name):
    """A screenshot (in SHOTS) with the (lr, β) map in view, the pointer off it, the page settled."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(MAP).scroll_into_view_if_needed()
    page.mouse.move(5, 5)
    settled(page)
    page.screenshot(path=str(SHOTS / name))


@pytest.mark.parametrize("sizes", SIZE_RUNS)
@pytest.mark.parametrize("lang, locale", [("en", "en-US"), ("zh", "zh-CN")])
def test_the_momentum_section_lays_out_at_three_sizes(browser, server, sizes, lang, locale):
    with new_tab(browser, server, *sizes[0], locale=locale) as page:
        open_parabola(page, f"/parabola?m_lr=0.3&beta=0.8&lang={lang}")
        for width, _height in each_size(page, sizes):
            lay_out(page, f"{MAP} .js-plotly-plot, {RUNS} .js-plotly-plot")   # laid out as they scroll in
            assert page.evaluate(SECTION_OVERLAPS) == []
            assert page.evaluate(SECTION_CLIPPED) == []
            overflow = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollWidth"
                                     " - document.querySelector('[data-testid=\"stMain\"]').clientWidth")
            assert overflow <= 1, f"the page scrolls sideways by {overflow} px"
            assert_healthy(page)
            shot_of_map(page, f"momentum-{lang}-{width}.png")
            tall = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
            page.set_viewport_size({"width": width, "height": min(int(tall) + 40, 12_000)})
            settled(page)
            page.screenshot(path=str(SHOTS / f"page-{lang}-{width}.png"), full_page=True)
