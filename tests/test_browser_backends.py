"""The NumPy-beside-MindSpore page in a real browser: in both languages and at three window sizes
it renders without errors, its three charts drawn, the two codes visible side by side (stacked on
a phone) with their tagged lines on the same row, no chart text clipped or overlapping; the
README's screenshots. Uses the shared server and Chromium of conftest.
"""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from conftest import new_tab, words
from test_browser import (
    IDLE,
    ROOT,
    SIZE_RUNS,
    assert_healthy,
    each_size,
    lay_out,
    screenshot,
    settled,
    wait_js,
)
from test_browser_landscape import CLIPPED, OVERLAPS

pytestmark = [pytest.mark.browser, pytest.mark.mindspore]

ZH = gettext.translation("messages", str(ROOT / "ui" / "locale"), languages=["zh"])
TITLE = "NumPy beside MindSpore"
PLOTS_DRAWN = "document.querySelectorAll('.js-plotly-plot').length >= 3"
SHOTS = Path("/tmp/lrviz-shots")
CODE = "[data-testid='stCode']"
# the row (top, px) of each tagged line in each code block: [[tag, top], ...] per block
TAG_ROWS = """() => Array.from(document.querySelectorAll("[data-testid='stCode'] pre")).map(pre => {
  const rows = [];
  const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode());) {
    const m = node.textContent.match(/# \\[(\\w+)\\]/);
    if (m) { const r = document.createRange(); r.selectNodeContents(node);
             rows.push([m[1], r.getBoundingClientRect().top - pre.getBoundingClientRect().top]); }
  }
  return rows;
})"""


def open_backends(page, lang):
    page.goto(f"/backends?lang={lang}")
    page.wait_for_selector(IDLE, timeout=90_000)
    wait_js(page, PLOTS_DRAWN, 60_000)
    page.wait_for_selector(IDLE)


@pytest.mark.parametrize("sizes", SIZE_RUNS)
@pytest.mark.parametrize("lang, locale", [("en", "en-US"), ("zh", "zh-CN")])
def test_the_page_lays_out_at_three_sizes(browser, server, sizes, lang, locale):
    t = words(lang)
    with new_tab(browser, server, *sizes[0], locale=locale) as page:
        open_backends(page, lang)
        for width, _height in each_size(page, sizes):
            page.get_by_role("heading", name=t(TITLE), exact=True).wait_for()
            codes = page.locator(CODE)
            assert codes.count() == 2
            for i in range(2):
                codes.nth(i).scroll_into_view_if_needed()
                assert codes.nth(i).is_visible()
            assert "def gradients(X, y, w, b):" in codes.nth(0).inner_text()
            assert "def construct(self, idx):" in codes.nth(1).inner_text()
            boxes = [codes.nth(i).bounding_box() for i in range(2)]
            if width >= 1024:                                   # side by side, tagged lines level
                assert boxes[1]["x"] > boxes[0]["x"] + boxes[0]["width"] - 1
                left, right = page.evaluate(TAG_ROWS)
                assert [tag for tag, _top in left] == [tag for tag, _top in right] == \
                    ["model", "loss", "grad", "update"]
                for (tag, a), (_tag, b) in zip(left, right):
                    assert abs(a - b) < 2, (tag, a, b)
            else:                                               # a phone: one above the other
                assert boxes[1]["y"] >= boxes[0]["y"] + boxes[0]["height"] - 1
            lay_out(page)                                       # plotly lays out as each chart scrolls in
            assert page.locator(".js-plotly-plot").count() == 3
            assert page.evaluate(OVERLAPS) == []
            assert page.evaluate(CLIPPED) == []
            assert_healthy(page)
            if width == 1400:
                # docs/ (bench/readme_shots.sh): the two codes side by side at the top, the paths below
                # them (a test of its own, test_screenshot, loaded the same page again for it)
                code = t("The code: gradients by hand, gradients by autodiff")
                heading = page.get_by_role("heading", name=code)
                page.evaluate("(y) => { const m = document.querySelector('[data-testid=stMain]'); "
                              "m.scrollTo(0, m.scrollTop + y - 12); }", heading.bounding_box()["y"])
                screenshot(page, "backends.png" if lang == "en" else "backends-zh.png")
            # the whole page in one picture: the window made as tall as the page's scrolling area
            tall = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
            page.set_viewport_size({"width": width, "height": min(int(tall) + 40, 12_000)})
            settled(page)
            SHOTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SHOTS / f"backends-{lang}-{width}.png"), full_page=True)


OPT_SHOTS = Path("/tmp/lrviz-shots/optim-backends")


@pytest.mark.parametrize("sizes", SIZE_RUNS)
@pytest.mark.parametrize("lang, locale", [("en", "en-US"), ("zh", "zh-CN")])
def test_an_optimizer_s_code_from_both_sides_lays_out_at_three_sizes(browser, server, sizes, lang,
                                                                    locale):
    """Adam (the one with differences MindSpore keeps): its rule beside nn.Adam's construction, the
    `# [update]` lines level side by side, the call with this run's values, the differences worded;
    nothing clipped or overlapping, and the whole page as a picture."""
    t = words(lang)
    with new_tab(browser, server, *sizes[0], locale=locale) as page:
        page.goto(f"/backends?lang={lang}&optimizer=adam&epochs=1")
        page.wait_for_selector(IDLE, timeout=90_000)
        wait_js(page, PLOTS_DRAWN, 60_000)
        page.wait_for_selector(IDLE)
        for width, _height in each_size(page, sizes):
            page.get_by_role("heading", name=t("The optimizer on both sides: {optimizer}").format(
                optimizer=t("Adam")), exact=True).wait_for()
            codes = page.locator(CODE)
            assert codes.count() == 5
            assert "def adam(theta, g, state, hp):" in codes.nth(2).inner_text()
            assert "nn.Adam(params" in codes.nth(3).inner_text()
            assert codes.nth(4).inner_text().strip().startswith("nn.Adam([w, b], learning_rate=0.01")
            boxes = [codes.nth(i).bounding_box() for i in (2, 3)]
            if width >= 1024:
                assert boxes[1]["x"] > boxes[0]["x"] + boxes[0]["width"] - 1
                rows = page.evaluate(TAG_ROWS)
                (left,), (right,) = rows[2], rows[3]
                assert left[0] == right[0] == "update" and abs(left[1] - right[1]) < 2, (left, right)
            else:
                assert boxes[1]["y"] >= boxes[0]["y"] + boxes[0]["height"] - 1
            verdict = t("both inside MindSpore's range.")        # the end of the β paragraph, in the language
            assert page.get_by_text(verdict, exact=False).count() == 1
            lay_out(page)
            assert page.evaluate(OVERLAPS) == []
            assert page.evaluate(CLIPPED) == []
            assert_healthy(page)
            tall = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
            page.set_viewport_size({"width": width, "height": min(int(tall) + 40, 12_000)})
            settled(page)
            OPT_SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(OPT_SHOTS / f"backends-adam-{lang}-{width}.png"), full_page=True)
