"""The live charts for readers who do not see them, and for readers who turn motion off, in Chromium.

Each chart is a figure named by its title, its picture an image named by what it shows: the
run's words from the server (ui/live.py summaries), in the user's language, once the run pauses
or ends. One polite live region per page says Train, Pause (or Step), a divergence and the end,
each once. With prefers-reduced-motion: reduce the charts do not play the run back: they paint
its newest step now and then, and end on the same picture.
"""

from __future__ import annotations

import gettext
import re

import pytest
from conftest import ROOT, new_tab
from test_browser import IDLE, assert_healthy, button, open_app, wait_js

pytestmark = pytest.mark.browser

ZH = gettext.translation("messages", str(ROOT / "ui" / "locale"), languages=["zh"]).gettext
CHARTS = ("loss", "params", "path", "data", "parabola")
TITLES = ("Loss", "Parameters (dashed: true values)", "Path over loss contours", "Predicted ŷ against true y",
          None)     # the parabola's title holds the lr and its regime

# each chart's figure: its accessible name (the title) and its image's (the words)
FIGURES = """Array.from(document.querySelectorAll('.lrviz-cell')).map(cell => {
  const img = cell.querySelector('[role=img]');
  const title = document.getElementById(cell.getAttribute('aria-labelledby'));
  return [cell.className.replace('lrviz-cell lrviz-', ''), cell.getAttribute('role'),
          title && title.textContent, img && img.getAttribute('aria-label')]; })"""
# the charts' live region: one on the page, polite, hidden from sight but not from screen readers
REGION = ("document.querySelectorAll('#lrviz-live, .lrviz-sr[aria-live]').length === 1 && "
          "document.getElementById('lrviz-live').getAttribute('aria-live') === 'polite' && "
          "document.getElementById('lrviz-live').getBoundingClientRect().width <= 1")
SAID = "(window.LRViz.stats.said || [])"


def figures(page):
    return {name: (role, title, label) for name, role, title, label in page.evaluate(FIGURES)}


def said(page):
    return page.evaluate(SAID)


def region_text(page):
    return page.evaluate("document.getElementById('lrviz-live').textContent").strip()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_each_chart_is_described_in_words_and_the_end_is_said(browser, server, lang):
    t = ZH if lang == "zh" else (lambda s: s)
    with new_tab(browser, server) as page:
        open_app(page, f"/?speed=100&lang={lang}")
        assert page.evaluate(REGION), "one live region"
        # before any step: the words describe the start
        wait_js(page, "document.querySelector('.lrviz-loss [role=img]').getAttribute('aria-label')"
                      ".length > 20", 10_000)
        start = figures(page)["loss"][2]
        assert start == t("No steps yet: the full-data loss at the start is {start}.").format(start="16.7")
        button(page, t("Train")).click()
        wait_js(page, "window.LRViz.state.status === 'running'", 10_000)
        # while the charts move each image is named by its chart's title
        running = figures(page)
        assert all(label == title for _, title, label in running.values()), running
        wait_js(page, f"{SAID}.length === 2", 60_000)
        page.wait_for_selector(IDLE)
        got = figures(page)
        assert set(got) == set(CHARTS)
        for name, title in zip(CHARTS, TITLES):
            role, shown, label = got[name]
            assert role == "figure" and shown and (title is None or shown == t(title)), (name, got[name])
            assert label and label != shown, (name, label)
        loss = t("The full-data loss fell from {start} to {end} in {steps} steps.")
        pattern = re.escape(loss).replace(re.escape("{start}"), "16\\.7").replace(
            re.escape("{end}"), "4\\.\\d\\d·10⁻⁵").replace(re.escape("{steps}"), "300")
        assert re.fullmatch(pattern, got["loss"][2]), got["loss"][2]
        assert "−3.400" in got["params"][2] and "[2, −3.4]" in got["params"][2], got["params"][2]
        assert t("root-mean-square error {rmse}.").split("{")[0] in got["data"][2] or lang == "zh"
        assert t("monotone convergence") in got["parabola"][2], got["parabola"][2]
        assert said(page) == [t("Training: {total} steps.").format(total=300),
                              t("Training finished. {loss}").format(loss=got["loss"][2])], said(page)
        assert region_text(page) == said(page)[-1]
        # the same sentences are the page's text view (an expander below the charts)
        view = page.locator("[data-testid='stExpander']").filter(
            has_text=t("The charts in words, and the run's numbers as a table"))
        assert view.count() == 1
        view.locator("summary").click()
        wait_js(page, "Array.from(document.querySelectorAll('[data-testid=stExpander]')).some("
                      "e => e.querySelectorAll('table tbody tr').length === 300)", 30_000)
        # as read: the view's text has a word joiner after each ':' (ui.i18n.plain: no auto-links)
        assert got["params"][2] in view.inner_text().replace("\u2060", "")
        assert_healthy(page)


def nav(page, title):
    page.locator("[data-testid='stSidebarNavLink']").filter(has_text=title).click()
    page.wait_for_selector(IDLE)


def test_train_pause_and_the_end_are_said_once_each(page):
    """Train, Pause, Train again and the end: four announcements, none repeated by the reruns in
    between (the pause's own, a visit to another page and back)."""
    open_app(page, "/?speed=60")
    button(page, "Train").click()
    wait_js(page, f"{SAID}.length === 1", 10_000)
    wait_js(page, "window.LRViz.state.painted > 30", 20_000)
    button(page, "Pause").click()
    wait_js(page, f"{SAID}.length === 2", 10_000)
    page.wait_for_selector(IDLE)
    step = page.evaluate("window.LRViz.state.x[window.LRViz.state.n - 1]")
    assert 0 < step < 300
    paused = f"Paused at step {step} of 300. The full-data loss fell from 16.7 to "
    assert region_text(page).startswith(paused)
    nav(page, "The parabola y = x²/2")
    nav(page, "Linear regression, step by step")
    wait_js(page, "window.LRViz.state.painted === window.LRViz.state.n", 10_000)
    button(page, "Train").click()
    wait_js(page, f"{SAID}.length === 4", 60_000)
    page.wait_for_selector(IDLE)
    words = said(page)
    assert words[0] == "Training: 300 steps."
    assert words[1].startswith(f"Paused at step {step} of 300.")
    assert words[2] == f"Training resumed at step {step}."
    assert words[3].startswith("Training finished. The full-data loss fell from 16.7 to ")
    assert region_text(page) == words[3]
    assert page.evaluate(REGION)
    assert said(page) == words            # nothing more after the end
    assert_healthy(page)


def test_a_diverged_run_says_where(page):
    open_app(page, "/?lr=3&speed=0&lang=zh")
    button(page, ZH("Train")).click()
    wait_js(page, f"{SAID}.some(s => s.includes('发散'))", 30_000)
    page.wait_for_selector(IDLE)
    text = region_text(page)
    assert re.fullmatch(r"训练在第 \d+ 步发散：损失达到 .+。请尝试更小的 lr。", text), text
    assert "发散" in figures(page)["loss"][2]
    assert_healthy(page)


FINAL = """(() => { const S = window.LRViz.state, P = S.plots;
  return {n: S.n, painted: S.painted, status: document.querySelector('.lrviz-status').textContent,
          params: P.params.data.slice(-3).map(t => t.y[t.y.length - 1]),
          path: P.path.data.slice(-1).map(t => [t.x[0], t.y[0]]),
          labels: Array.from(document.querySelectorAll('.lrviz [role=img]'))
                       .map(e => e.getAttribute('aria-label'))};
})()"""


def run_and_count(page):
    """Train the default run at speed 100 to its end: (paints it took, the final picture)."""
    open_app(page, "/?speed=100")
    before = page.evaluate("window.LRViz.stats.paints")
    button(page, "Train").click()
    wait_js(page, "window.LRViz.state.status === 'done' && window.LRViz.state.painted === 300 && "
                  f"{SAID}.length >= 1 && {SAID}[{SAID}.length - 1].startsWith('Training finished')", 60_000)
    page.wait_for_selector(IDLE)
    return page.evaluate("window.LRViz.stats.paints") - before, page.evaluate(FINAL)


def test_reduced_motion_paints_a_few_frames_and_ends_on_the_same_picture(browser, server):
    with new_tab(browser, server) as page:
        normal, picture = run_and_count(page)
        assert page.evaluate("window.LRViz.stats.reduced") is False
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, base_url=server,
                                  reduced_motion="reduce")
    try:
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        reduced, still = run_and_count(page)
        assert page.evaluate("window.LRViz.stats.reduced") is True
        assert_healthy(page)
    finally:
        context.close()
    # a 3 s run: about 60 paints a second played back, one a second without motion
    assert reduced * 4 < normal, (reduced, normal)
    assert still == picture
