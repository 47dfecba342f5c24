"""The page "Your data" in Chromium: a CSV made here uploaded through the real uploader, trained on
to the end with the live charts; broken and malformed files refused with their own message in
English and Chinese, never a traceback; a link in a column name shown as text; the built-in data
sets laid out at three window sizes. Needs Debian's /usr/bin/chromium (see tests/test_browser.py)."""

from __future__ import annotations

import gettext
import os
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from _server import IDLE  # noqa: E402
from conftest import new_tab  # noqa: E402
from test_browser import SIZE_RUNS, assert_healthy, button, each_size, wait_js  # noqa: E402

from core.problems import MESSAGES  # noqa: E402
from core.userdata import DataError, read_table  # noqa: E402

ZH = gettext.translation("messages", ROOT / "ui" / "locale", languages=["zh"])
SHOTS = os.environ.get("LRVIZ_SHOTS")          # a folder: save the screenshots there to look at them
UPLOAD = "[data-testid='stFileUploaderDropzoneInput']"
# this page's live charts are the instance of its player ("data_" + "lrviz"), not LRViz.state's
LIVE = "(window.LRViz && window.LRViz.instances.data_lrviz)"
DRAWN = f"{LIVE} && {LIVE}.stats.paints > 0"
DONE = f"{LIVE} && {LIVE}.state.status === 'done' && {LIVE}.state.painted === {LIVE}.state.n"


def open_data(page, query):
    page.goto("/data?" + query)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.get_by_role("heading", level=1).wait_for()


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name + ".png"), full_page=True)


def test_an_uploaded_csv_is_trained_on_to_the_end(browser, server, tmp_path):
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 10, 200)
    y = 0.5 * x - 2 + rng.normal(0, 0.1, 200)
    path = tmp_path / "measurements.csv"
    path.write_text("length;weight\n" + "\n".join(f"{a:.3f};{b:.3f}".replace(".", ",") for a, b in zip(x, y)))
    with new_tab(browser, server) as page:
        open_data(page, "dataset=upload&speed=0&epochs=20&lr=0.1")
        page.locator(UPLOAD).set_input_files(str(path))
        page.get_by_text("Numbers were read with a decimal comma").wait_for()     # a notice
        button(page, "Train").wait_for()
        wait_js(page, DRAWN, 30_000)
        button(page, "Train").click()
        page.get_by_text("epoch 20, loss").wait_for(timeout=60_000)
        wait_js(page, DONE, 30_000)
        table = page.locator("[data-testid='stDataFrame']").last
        table.wait_for()
        assert page.get_by_role("heading", name="Result").count() == 1
        assert page.locator(".lrviz-cell").count() >= 4          # the live charts drew
        shot(page, "data-upload-1400")
        assert_healthy(page)


def test_a_broken_file_is_refused_in_chinese(browser, server, tmp_path):
    path = tmp_path / "book.csv"
    path.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)         # a workbook named .csv
    with new_tab(browser, server, locale="zh-CN") as page:
        open_data(page, "dataset=upload")
        page.locator(UPLOAD).set_input_files(str(path))
        message = ZH.gettext(MESSAGES["spreadsheet_file"])
        assert message != MESSAGES["spreadsheet_file"]
        page.locator("[data-testid='stAlertContentError']").get_by_text(message).wait_for()
        shot(page, "data-broken-zh")
        assert_healthy(page)


def no_traceback(page):
    text = page.locator("[data-testid='stMain']").inner_text()
    assert "Traceback" not in text and 'File "' not in text and "Error tokenizing" not in text, text
    assert_healthy(page)


WIDE = (",".join(f"c{j}" for j in range(100)) + "\n" + ",".join("1" * 100) + "\n").encode()
MALFORMED = {
    # a quote never closed: pandas' ParserError, once a traceback on the page
    "unclosed.csv": b'x,y\n1,2\n"3,4\n' + b"5,6\n" * 70_000,
    # a lone CR for every line end under a wide header: once a 168 MB table
    "flood.csv": WIDE + b"2\r" * 200_000,
}


def expected(raw, lang):
    with pytest.raises(DataError) as exc:
        read_table(raw)
    problem = exc.value.problem           # as the page words it: 10000 and up as 10,000
    shown = problem._replace(params={k: f"{v:,}" if type(v) is int and v >= 10_000 else v
                                     for k, v in problem.params.items()})
    return problem, (shown.words(ZH.gettext) if lang == "zh" else shown.english())


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_malformed_file_is_refused_with_its_own_message(browser, server, tmp_path, name, lang):
    path = tmp_path / name
    path.write_bytes(MALFORMED[name])
    problem, message = expected(MALFORMED[name], lang)
    assert problem.code in ("unclosed_quote", "too_many_rows_cr")
    with new_tab(browser, server, 390 if lang == "zh" else 1400, 844 if lang == "zh" else 1000,
                 locale="zh-CN" if lang == "zh" else None) as page:
        open_data(page, "dataset=upload")
        page.locator(UPLOAD).set_input_files(str(path))
        alert = page.locator("[data-testid='stAlertContentError']")
        alert.get_by_text(message).wait_for()
        page.wait_for_selector(IDLE)
        assert alert.count() == 1
        shot(page, f"data-{problem.code}-{lang}")
        no_traceback(page)


def test_a_link_in_a_column_name_is_text_not_a_link(browser, server, tmp_path):
    path = tmp_path / "links.csv"
    rows = "\n".join(f"a{i},b{i},{i},{i % 3}" for i in range(20))
    path.write_text("https://evil.example,me@evil.example,x,y\n" + rows)
    with new_tab(browser, server) as page:
        open_data(page, "dataset=upload")
        page.locator(UPLOAD).set_input_files(str(path))
        notice = page.locator("[data-testid='stAlertContentInfo']").filter(has_text="evil.example")
        notice.wait_for()
        page.wait_for_selector(IDLE)
        text = notice.inner_text().replace("\u2060", "")        # the invisible word joiners
        assert "'https://evil.example'" in text and "'me@evil.example'" in text, text    # reads as typed
        assert notice.locator("a").count() == 0
        assert page.locator("[data-testid='stMain'] a[href*='evil']").count() == 0
        no_traceback(page)


@pytest.mark.parametrize("sizes", SIZE_RUNS)
def test_the_builtin_data_sets_fit_the_window(browser, server, sizes):
    with new_tab(browser, server, *sizes[0], locale="zh-CN") as page:
        open_data(page, "dataset=gapminder&speed=0")
        wait_js(page, DRAWN, 30_000)
        button(page, "训练").click()
        wait_js(page, DONE, 60_000)
        page.wait_for_selector(IDLE, timeout=60_000)
        for width, height in each_size(page, sizes):
            overflow = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollWidth"
                                     " - document.querySelector('[data-testid=\"stMain\"]').clientWidth")
            assert overflow <= 1, f"the page scrolls sideways by {overflow} px at {width}x{height}"
            shot(page, f"data-gapminder-zh-{width}")
            assert_healthy(page)


def test_keys_drive_this_pages_run(browser, server):
    """Space trains, → steps, R resets the run of this page's player, as on the main page."""
    with new_tab(browser, server) as page:
        open_data(page, "dataset=tips&speed=0&lang=zh")
        wait_js(page, DRAWN, 30_000)
        page.get_by_text("按键：空格").wait_for()                        # the help line is shown
        page.evaluate("document.activeElement && document.activeElement.blur()")
        page.keyboard.press("ArrowRight")
        wait_js(page, f"{LIVE}.state.n === 1", 10_000)
        page.wait_for_selector(IDLE)
        page.keyboard.press(" ")
        wait_js(page, DONE, 60_000)
        page.wait_for_selector(IDLE)
        page.keyboard.press("r")
        wait_js(page, f"{LIVE}.state.n === 0", 10_000)
        assert page.evaluate(f"{LIVE}.stats.keys") == 3
        assert_healthy(page)
