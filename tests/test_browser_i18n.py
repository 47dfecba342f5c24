"""The Chinese interface in a real browser: every text a user reads, the live charts' included,
in 简体中文; the language kept across pages, Reset and the sidebar's picker; chosen by the
browser's language when the link has no `lang`.

Expected texts come from the compiled catalogue (ui/locale/zh/LC_MESSAGES/messages.mo), so these
tests follow the translations rather than copying them. Uses tests/test_browser.py's server,
Chromium and helpers (skipped without Debian's /usr/bin/chromium, as those are).
"""

from __future__ import annotations

import gettext
import re

import pytest
from conftest import new_tab
from test_browser import (
    CHARTS_LOADED,
    IDLE,
    ROOT,
    TOL,
    assert_healthy,
    button,
    lrviz,
    open_app,
    screenshot,
    wait_js,
)

pytestmark = pytest.mark.browser


ZH = gettext.translation("messages", str(ROOT / "ui" / "locale"), languages=["zh"])
TITLE = "Linear regression, step by step"
PARABOLA = "Gradient descent on y = x²/2"
VIEWPORT = {"width": 1400, "height": 1000}
CJK = re.compile(r"[\u3400-\u9fff]")

# English words (3+ ASCII letters) that legitimately stay in the Chinese interface
ALLOWED = {
    "English",                  # the picker names each language in itself: English · 简体中文
    "SGD",                      # the algorithm's name, kept as d2l-zh keeps it: SGD 路径
    "epoch", "loss",            # the lesson's printout "epoch 1, loss ...": code output, as d2l-zh prints it
    "num_epochs",               # the lesson's variable, named in its label: 迭代周期数（num_epochs）
    "max",                      # λ_max, a math symbol: 2/λ_max in the stable-learning-rate caption
    "NumPy", "MindSpore", "PyNative",   # the backends' names ("More" expander)
    "CSV", "JSON",              # file formats of the downloads ("Export" expander)
    "PageDown",                 # a key, as on the keyboard: 空格 = 训练/暂停 · → 或 PageDown = 单步
}


def zh(message):
    """The catalogue's translation of an English msgid; fails when it has none."""
    text = ZH.gettext(message)
    assert text != message and CJK.search(text), f"no Chinese translation of {message!r}"
    return text


def to_go():
    """The status line of the default run before its first step, in Chinese."""
    return zh("{total} steps to go ({epochs} epochs × {per_epoch} batches)").format(
        total=300, epochs=3, per_epoch=100)


def english_words(text):
    """Words of 3+ ASCII letters (snake_case names kept whole, 'λ_max' -> 'max')."""
    return {w.strip("_") for w in re.findall(r"[A-Za-z_]*[A-Za-z]{3,}[A-Za-z_]*", text)}


def template_parts(message):
    """The fixed pieces of a translated template, between its {placeholders}."""
    return [part for part in re.split(r"\{[^{}]*\}", zh(message)) if part.strip()]


# what a user reads: the main area and the sidebar (innerText: only what is rendered, collapsed
# expanders and tooltips left out), the SVG texts of every chart and the dataframes' column
# headers (drawn on a canvas). Material icons are ligatures ("play_arrow" drawn as ▶): hidden
# while reading, they are no text anyone reads.
VISIBLE_TEXT = """() => {
  const style = document.createElement('style');
  style.textContent = '[data-testid="stIconMaterial"] { display: none !important; }';
  document.head.appendChild(style);
  try {
    const text = sel => Array.from(document.querySelectorAll(sel)).map(e => e.innerText);
    return [].concat(text('[data-testid="stMain"]'), text('[data-testid="stSidebar"]'),
      Array.from(document.querySelectorAll('[data-testid="stMain"] svg text')).map(e => e.textContent),
      Array.from(document.querySelectorAll('[data-testid="stDataFrame"] [role="columnheader"]'))
        .map(e => e.textContent)).join('\\n');
  } finally {
    style.remove();
  }
}"""

# per chart: the texts of its title (Plotly's .gtitle in the SVG, or the page text above the plot,
# .lrviz-title), axis titles, legend and notes on the plot
CHART_TEXTS = """() => {
  const parts = {title: '.lrviz-title, .gtitle', xtitle: '.xtitle', ytitle: '.ytitle',
                 legendtext: '.legendtext', annotation: '.annotation-text'};
  const texts = (name, sel) => Array.from(document.querySelectorAll(
      sel.split(', ').map(s => '.lrviz-' + name + ' ' + s).join(', ')))
    .map(e => e.textContent).filter(t => t.trim());
  return Object.fromEntries(['loss', 'params', 'path', 'data', 'parabola'].map(name => [name,
    Object.fromEntries(Object.entries(parts).map(([key, sel]) => [key, texts(name, sel)]))]));
}"""

LOSS_TITLE = ("(() => { const t = document.querySelector('.lrviz-loss .lrviz-title, .lrviz-loss .gtitle');"
              " return t && t.textContent; })()")


def assert_no_english(text, allowed=ALLOWED):
    stray = english_words(text) - allowed
    assert not stray, f"English words in the Chinese interface: {sorted(stray)}"


def wait_url(page, fragment, timeout=10_000):
    """Wait until the URL holds `fragment` ("lang=zh"); on timeout say what it holds."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_url(lambda url: fragment in url, timeout=timeout)
    except PlaywrightTimeout:
        pytest.fail(f"the URL lost {fragment!r}: {page.url}")


def query(page):
    """The URL's query as a dict, without `lang`."""
    from urllib.parse import parse_qsl, urlsplit

    return {k: v for k, v in parse_qsl(urlsplit(page.url).query) if k != "lang"}


def heading(page, text):
    return page.get_by_role("heading", name=text, exact=True)


def pick(page, language):
    """Click an option ("English", "简体中文") of the sidebar's language picker."""
    page.locator("[data-testid='stSidebar']").get_by_role("radio", name=language, exact=True).click()


def nav_links(page):
    return page.locator("[data-testid='stSidebarNavLink']")


def estimation_errors_zh(printout):
    """The errors in the Chinese printout ('w的估计误差: [..]', 'b的估计误差: ..'), its sentences
    read from the catalogue."""
    def pattern(message, value):
        return re.escape(zh(message)).replace(re.escape("{error}"), value)

    w = re.search(pattern("error in estimating w: {error}", r"\[([^\]]*)\]"), printout)
    b = re.search(pattern("error in estimating b: {error}", r"(\S+)"), printout)
    assert w and b, printout
    return [float(v) for v in w.group(1).split()] + [float(b.group(1))]


@pytest.fixture(scope="module")
def trained_zh(browser, server):
    """A tab that ran the lesson's default run at full speed, in Chinese, to the end."""
    with new_tab(browser, server) as p:
        open_app(p, "/?lang=zh&speed=0")
        button(p, zh("Train")).click()
        p.get_by_text(zh("error in estimating w: {error}").split("{")[0]).wait_for(timeout=60_000)
        wait_js(p, "window.LRViz.state.n === 300 && window.LRViz.state.painted === 300", 30_000)
        p.wait_for_selector(IDLE)
        yield p


def test_chinese_run_reaches_the_lesson_result_in_chinese(trained_zh):
    page = trained_zh
    assert "lang=zh" in page.url, page.url
    assert page.title() == zh(TITLE)
    assert heading(page, zh(TITLE)).count() == 1
    code = page.locator("[data-testid='stCode']").filter(
        has_text=zh("error in estimating b: {error}").split("{")[0])
    printout = code.inner_text()
    assert "error in estimating" not in printout, printout
    assert printout.startswith("epoch 1, loss "), printout      # code output: as in English
    errors = estimation_errors_zh(printout)
    assert len(errors) == 3 and all(abs(e) < TOL for e in errors), errors
    assert lrviz(page, "status") == "done"

    charts = page.evaluate(CHART_TEXTS)
    titles = {       # each chart's title and axis titles, exactly
        "loss": {"title": [zh("Loss")], "xtitle": [zh("step")], "ytitle": [zh("loss (log scale)")]},
        "params": {"title": [zh("Parameters (dashed: true values)")], "xtitle": [zh("step")],
                   "ytitle": [zh("value")]},
        "path": {"title": [zh("Path over loss contours")]},
        # two features: the data chart plots predicted against true y
        "data": {"title": [zh("Predicted ŷ against true y")], "xtitle": [zh("true y")],
                 "ytitle": [zh("predicted ŷ")]},
        "parabola": {"title": [zh("y = x²/2 with the same lr = {lr}: {regime}").format(
            lr="0.03", regime=zh("monotone convergence"))]},
    }
    names = {        # what each chart names (legend, or a note on the plot)
        "loss": ["noise floor σ²/2", "batch loss", "full-data loss (epoch end)"],
        "path": ["least squares", "true", "SGD path", "now"],
        "data": ["ŷ = y (perfect fit)", "examples"],
        "parabola": ["last steps"],
    }
    for name, texts in titles.items():
        for key, want in texts.items():
            assert charts[name][key] == want, (name, key, charts[name][key])
    for name, words in names.items():
        named = charts[name]["legendtext"] + charts[name]["annotation"]
        assert {zh(w) for w in words} <= set(named), (name, named)
    assert charts["params"]["legendtext"] == ["w1", "w2", "b"], charts["params"]
    status = page.locator(".lrviz-status").inner_text()
    assert status == zh("epoch {epoch} of {epochs} · step {step} of {total}").format(
        epoch=3, epochs=3, step=300, total=300), status
    assert page.locator(".lrviz-log").inner_text().strip() == zh("log-scale loss")

    text = page.evaluate(VISIBLE_TEXT)
    for shown in (zh("Loss"), zh("Result"), zh("The current step"), zh("Settings"), zh("Train")):
        assert shown in text, shown          # the text read is the page's, charts included
    assert_no_english(text)
    assert_healthy(page)

    page.set_viewport_size(VIEWPORT)
    screenshot(page, "screenshot-zh.png")


def test_chinese_expanders_hold_no_english(trained_zh):
    """The sidebar's "More", the charts in words and the main area's "Export", opened: Chinese too."""
    page = trained_zh
    expanders = page.locator("[data-testid='stExpander']")
    titles = {zh(t) for t in ("More: data, seed, backend", "Export",
                              "The charts in words, and the run's numbers as a table")}
    shown = {t.strip() for t in expanders.locator("summary").all_inner_texts()}
    assert all(any(t in s for s in shown) for t in titles), (titles, shown)
    for i in range(expanders.count()):
        expanders.nth(i).locator("summary").click()
        expanders.nth(i).locator("[data-testid='stExpanderDetails']").wait_for()
    page.locator("[data-testid='stDownloadButton']").first.wait_for()
    text = page.evaluate(VISIBLE_TEXT)
    for shown in ("Seed", "Backend", "Download trajectory (CSV)", "Download settings (JSON)"):
        assert zh(shown) in text, (zh(shown), text)
    assert_no_english(text)
    assert_healthy(page)


def test_language_survives_a_page_change(page):
    open_app(page, "/?lang=zh")
    links = nav_links(page)
    # a link's text starts with its icon's ligature ("show_chart\n\n线性回归…")
    # every page app.py declares, in its order, each title in Chinese
    titles = re.findall(r'title=_\("([^"]+)"\)', (ROOT / "app.py").read_text(encoding="utf-8"))
    assert titles[0] == TITLE and "The parabola y = x²/2" in titles and len(titles) >= 4, titles
    assert [t.split("\n")[-1] for t in links.all_inner_texts()] == [zh(t) for t in titles]
    links.nth(titles.index("The parabola y = x²/2")).click()
    heading(page, zh(PARABOLA)).wait_for()
    page.wait_for_selector(IDLE)
    assert "/parabola" in page.url and "lang=zh" in page.url, page.url
    assert page.title() == zh("The parabola y = x²/2")
    text = page.evaluate(VISIBLE_TEXT)
    assert zh("Start x0") in text and zh("Number of steps") in text, text
    assert_no_english(text)
    assert_healthy(page)

    nav_links(page).nth(0).click()
    heading(page, zh(TITLE)).wait_for()
    page.wait_for_selector(IDLE)
    wait_js(page, CHARTS_LOADED, 30_000)
    assert "/parabola" not in page.url and "lang=zh" in page.url, page.url
    assert page.title() == zh(TITLE)
    assert page.evaluate(LOSS_TITLE) == zh("Loss")
    assert_healthy(page)


def test_language_survives_reset(page):
    open_app(page, "/?lang=zh&speed=0")
    for n in (1, 2):
        button(page, zh("Step")).click()
        wait_js(page, f"window.LRViz.state.n === {n}", 10_000)
        page.wait_for_selector(IDLE)
    progress = zh("epoch {epoch} of {epochs} · step {step} of {total}").format(
        epoch=1, epochs=3, step=2, total=300)
    assert page.locator(".lrviz-status").inner_text() == zh("{progress} · paused").format(progress=progress)
    button(page, zh("Reset")).click()
    wait_js(page, "window.LRViz.state.n === 0 && window.LRViz.state.painted === 0", 10_000)
    page.wait_for_selector(IDLE)
    assert heading(page, zh(TITLE)).count() == 1
    assert "lang=zh" in page.url, page.url
    assert button(page, zh("Train")).count() == 1
    assert page.locator(".lrviz-status").inner_text() == to_go()
    assert page.evaluate(LOSS_TITLE) == zh("Loss")
    assert_no_english(page.evaluate(VISIBLE_TEXT))
    assert_healthy(page)


def test_picker_switches_the_page_live(browser, server):
    """The sidebar's picker: title, buttons, status line and URL follow it, both ways."""
    with new_tab(browser, server, locale="en-US") as page:
        open_app(page, "/")
        assert heading(page, TITLE).count() == 1 and "lang=en" in page.url, page.url
        pick(page, "简体中文")
        heading(page, zh(TITLE)).wait_for()
        page.wait_for_selector(IDLE)
        wait_url(page, "lang=zh")
        assert page.title() == zh(TITLE)
        assert button(page, zh("Train")).count() == 1 and button(page, "Train").count() == 0
        wait_js(page, f"window.LRViz.state.meta.words.loss_title === {zh('Loss')!r}", 10_000)
        assert page.locator(".lrviz-status").inner_text() == to_go()

        pick(page, "English")
        heading(page, TITLE).wait_for()
        page.wait_for_selector(IDLE)
        wait_url(page, "lang=en")
        assert page.title() == TITLE
        assert button(page, "Train").count() == 1 and button(page, zh("Train")).count() == 0
        wait_js(page, "window.LRViz.state.meta.words.loss_title === 'Loss'", 10_000)
        assert page.locator(".lrviz-status").inner_text() == "300 steps to go (3 epochs × 100 batches)"
        assert_healthy(page)


def translated_charts(charts, translate):
    """The chart texts `charts` with each text that is a msgid put through `translate`."""
    return {name: {cls: [translate(t) for t in texts] for cls, texts in classes.items()}
            for name, classes in charts.items() if name != "parabola"}


def test_picker_switches_the_chart_texts_live(browser, server):
    """The charts' own texts (Plotly's titles, axis titles, legends) follow the picker too,
    without a step being drawn (they used to keep the first language until the next step)."""
    with new_tab(browser, server, locale="en-US") as page:
        open_app(page, "/")
        english = page.evaluate(CHART_TEXTS)
        assert english["loss"]["title"] == ["Loss"], english["loss"]
        pick(page, "简体中文")
        heading(page, zh(TITLE)).wait_for()
        page.wait_for_selector(IDLE)
        wait_js(page, f"window.LRViz.state.meta.words.loss_title === {zh('Loss')!r}", 10_000)
        wait_js(page, f"{LOSS_TITLE} === {zh('Loss')!r}", 10_000)
        chinese = page.evaluate(CHART_TEXTS)
        assert translated_charts(chinese, lambda t: t) == translated_charts(english, ZH.gettext)
        assert chinese["parabola"]["title"] == [zh("y = x²/2 with the same lr = {lr}: {regime}").format(
            lr="0.03", regime=zh("monotone convergence"))], chinese["parabola"]
        assert lrviz(page, "n") == 0           # no step drawn: the words alone repainted the charts

        pick(page, "English")
        heading(page, TITLE).wait_for()
        page.wait_for_selector(IDLE)
        wait_js(page, f"{LOSS_TITLE} === 'Loss'", 10_000)
        assert page.evaluate(CHART_TEXTS) == english
        assert_healthy(page)


def test_picker_keeps_the_settings(browser, server):
    """Switching the language changes no setting (a bug: the second switch of a session reset
    the Animation speed slider, whose labels are translated, to 1 step/s)."""
    with new_tab(browser, server, locale="en-US") as page:
        open_app(page, "/?speed=20&lr=0.1")
        before = query(page)
        assert before["speed"] == "20" and before["lr"] == "0.1", before
        for language, lang in (("简体中文", "zh"), ("English", "en"), ("简体中文", "zh")):
            pick(page, language)
            wait_url(page, f"lang={lang}")
            page.wait_for_selector(IDLE)
            assert query(page) == before, f"after switching to {language}: {page.url}"
        assert lrviz(page, "speed") == 20
        assert_healthy(page)


@pytest.mark.parametrize("locale, lang, title", [("zh-CN", "zh", zh(TITLE)), ("en-US", "en", TITLE)])
def test_browser_language_decides_without_lang(browser, server, locale, lang, title):
    with new_tab(browser, server, locale=locale) as page:
        assert page.evaluate("navigator.language") == locale
        open_app(page, "/")
        assert heading(page, title).count() == 1
        wait_url(page, f"lang={lang}")
        assert page.title() == title
        option = page.locator("[data-testid='stSidebar']").get_by_role(
            "radio", name={"zh": "简体中文", "en": "English"}[lang], exact=True)
        assert option.get_attribute("aria-checked") == "true"
        assert_healthy(page)


def test_bad_link_warns_in_chinese(page):
    open_app(page, "/?lang=zh&lr=abc")
    alerts = page.locator("[data-testid='stAlert']")
    assert alerts.count() == 1, alerts.all_inner_texts()
    warning = alerts.inner_text()
    assert "abc" in warning and CJK.search(warning), warning
    for part in template_parts("{key} must be a number in {range}; got {text}") + template_parts(
            "{problem} — using {value}."):
        assert part in warning, (part, warning)
    assert english_words(warning) == {"abc"}, warning
    assert "lang=zh" in page.url and "lr=0.03" in page.url, page.url
    assert heading(page, zh(TITLE)).count() == 1
    assert_healthy(page)
