"""The book's exercises in a real browser: one click sets the sidebar, trains, rings the smaller
last batches on the loss chart and states the answer beside the charts, in both languages, at
three window sizes. Uses the shared server and Chromium of conftest."""

from __future__ import annotations

import gettext
import tempfile
from pathlib import Path

import pytest
from conftest import new_tab, words
from test_browser import ROOT, SIZE_RUNS, assert_healthy, each_size, open_app, screenshot, settled, wait_js

pytestmark = pytest.mark.browser

ZH = gettext.translation("messages", str(ROOT / "ui" / "locale"), languages=["zh"])
SHOTS = Path(tempfile.gettempdir()) / "lrviz-shots"      # to look at; the README's go to docs/
RINGS = """(() => {
  const div = window.LRViz.state.plots.loss;
  const t = (div.data || []).find(t => t.marker && t.marker.symbol === 'circle-open');
  return t ? [t.name, t.x.length] : null; })()"""


def click_exercise(page, label):
    page.get_by_role("button", name=label).click()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_batch_7_rings_the_short_batches_and_answers(browser, server, lang):
    t = words(lang)
    for sizes in SIZE_RUNS:                 # a desktop (1400, then narrowed to 1024) and a phone
        sizes = sizes.values[0]
        with new_tab(browser, server, *sizes[0]) as page:
            open_app(page, f"/?lang={lang}&speed=0")
            click_exercise(page, t("n = 1000, batch 7"))
            box = page.locator(".st-key-exercise_answer")
            box.get_by_text("1000 = 142 × 7 + 6").wait_for(timeout=60_000)
            wait_js(page, "window.LRViz.state.n === 429 && window.LRViz.state.painted === 429", 30_000)
            for width, _height in each_size(page, sizes):
                name, count = page.evaluate(RINGS)
                assert count == 3 and name == t("last batch of each epoch: {size} examples").format(size=6)
                # the sidebar says what the exercise set
                if width > 800:
                    assert "batch_size=7" in page.url and "n=1000" in page.url, page.url
                assert_healthy(page)
                box.scroll_into_view_if_needed()
                page.mouse.move(5, 5)
                settled(page)
                SHOTS.mkdir(exist_ok=True)
                page.screenshot(path=str(SHOTS / f"exercise-{lang}-{width}.png"))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_three_learning_rates_show_three_curves(browser, server, lang):
    t = words(lang)
    with new_tab(browser, server, 1400, 1000) as page:
        open_app(page, f"/?lang={lang}&speed=0")
        click_exercise(page, t("Three learning rates"))
        page.locator(".st-key-exercise_answer table").wait_for(timeout=60_000)
        wait_js(page, "window.LRViz.state.n === 300 && window.LRViz.state.painted === 300", 30_000)
        legends = page.evaluate("Array.from(document.querySelectorAll('.lrviz-loss .legendtext'))"
                                ".map(e => e.textContent)")
        assert {t("lr {value}").format(value=v) for v in ("0.003", "0.3")} <= set(legends), legends
        assert "lr=0.03" in page.url
        assert_healthy(page)
        if lang == "en":
            screenshot(page, "exercises.png", mouse=(5, 5))
