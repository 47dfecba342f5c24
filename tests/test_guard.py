"""No traceback ever reaches a page (ui.guard): an exception in a page's body, or in the live
charts' fragment, ends as a short apology with an error number in the student's language, and
the server's log has the traceback under that number; Streamlit's own control flow (st.rerun,
st.stop, st.switch_page) passes through; the config hides whatever escapes anyway. And hostile
links on every page, in both languages: a clear message or nothing, never an exception."""

from __future__ import annotations

import gettext
import logging
import posixpath
import re
import tomllib

import pytest
from conftest import ROOT, open_page
from streamlit.errors import FragmentHandledException
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException, StopException

import ui.i18n
from core.run import Run
from core.settings import DEFAULTS
from ui import guard

PAGES = [None, "views/inside_step.py", "views/numpy_mindspore.py", "views/parabola_descent.py",
         "views/loss_landscape.py", "views/your_data.py", "views/class_room.py", "views/join.py"]
ZH = gettext.translation("messages", ROOT / "ui" / "locale", languages=["zh"])
CJK = re.compile(r"[\u4e00-\u9fff]")
# what an exception's text would carry onto the page if it leaked: a traceback's words, a path
SECRET = 'Traceback (most recent call last):\n  File "/srv/secret/lrviz/core/x.py", line 7'
ID = re.compile(r"\b([0-9A-F]{8})\b")


def walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from walk(child)


def page_dump(at):
    """Every element of the page as protobuf text (what the browser would be sent)."""
    return "\n".join(str(getattr(n, "proto", "")) for n in walk(at._tree))


def assert_no_leak(at):
    dump = page_dump(at)
    for bad in ("Traceback", 'File "', "/srv/secret", "RuntimeError", str(ROOT)):
        assert bad not in dump, bad
    assert not at.exception


def apology_id(at, lang):
    """The error number of the one apology on the page, checked to be in `lang`."""
    (error,) = [e.value for e in at.error]
    english = guard.APOLOGY
    expected = ZH.gettext(english) if lang == "zh" else english
    assert expected != english or lang == "en"
    (ident,) = set(ID.findall(error))
    assert error == expected.format(id=ident)
    if lang == "zh":
        assert CJK.search(error)
    return ident


def logged(records, ident):
    """The record of error `ident` that carries its traceback (one: a repeat is logged without)."""
    (rec,) = [r for r in records if ident in r.getMessage() and r.exc_info]
    assert rec.levelno == logging.ERROR and rec.exc_info is not None
    text = logging.Formatter().format(rec)
    assert "Traceback" in text and "/srv/secret" in text       # the log has what the page has not
    return rec


# ---- a page that raises ---------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("page", PAGES)
def test_a_page_that_raises_shows_an_apology_with_the_logged_number(page, lang, monkeypatch, page_errors):
    real = ui.i18n.picker

    def picker_then_fail():
        real()
        raise RuntimeError(SECRET)

    monkeypatch.setattr(ui.i18n, "picker", picker_then_fail)
    at = open_page(page, timeout=60, lang=lang)
    assert_no_leak(at)
    ident = apology_id(at, lang)
    rec = logged(page_errors, ident)
    assert rec.exc_info[0] is RuntimeError
    assert at.sidebar.button_group(key="lang_picker").value == lang    # what came before stays
    page_errors.clear()


def test_an_exception_deep_in_a_page_keeps_what_was_drawn_before_it(monkeypatch, page_errors):
    import core.inside

    def fail(*args, **kwargs):
        raise ValueError(SECRET)

    monkeypatch.setattr(core.inside, "update_arrows", fail)        # the page's last section
    # in English: AppTest words a selectbox's value with the page's format_func outside the run,
    # where the session's language is not known (a browser sends the option it shows)
    at = open_page("views/inside_step.py", timeout=60, lang="en")
    assert_no_leak(at)
    ident = apology_id(at, "en")
    assert logged(page_errors, ident).exc_info[0] is ValueError
    assert len(at.get("plotly_chart")) == 3          # the graph and the noise sections are there
    page_errors.clear()
    monkeypatch.undo()
    at = at.run()                                    # and the next run is whole again
    assert not at.error and len(at.get("plotly_chart")) == 4


def test_every_error_gets_its_own_number(monkeypatch, page_errors):
    def fail():
        raise RuntimeError(SECRET)

    monkeypatch.setattr(ui.i18n, "picker", fail)
    first = apology_id(open_page("views/parabola_descent.py", timeout=60), "en")
    second = apology_id(open_page("views/parabola_descent.py", timeout=60), "en")
    assert first != second
    logged(page_errors, first), logged(page_errors, second)
    page_errors.clear()


def test_the_live_charts_fragment_is_guarded(monkeypatch, page_errors):
    """The fragment re-run by the browser runs without app.py: its body has a guard of its own."""
    import ui.player

    at = open_page(None, timeout=60, lang="zh", speed="1")
    at = at.button(key="train").click().run()
    assert at.session_state["run"].status == "running"
    def fail(self, run):
        raise RuntimeError(SECRET)

    monkeypatch.setattr(ui.player.Player, "_pace", fail)
    at = at.run()
    assert_no_leak(at)
    ident = apology_id(at, "zh")
    assert "Player._live_section" in logged(page_errors, ident).getMessage()
    # the fragment re-runs 4 times a second: the same error keeps its number, and the log gets
    # its traceback once, then one line on the 2nd, 4th, 8th ... time
    for _ in range(4):
        at = at.run()
        assert apology_id(at, "zh") == ident
    mine = [r for r in page_errors if ident in r.getMessage()]
    assert [bool(r.exc_info) for r in mine] == [True, False, False]
    assert "5 times" not in mine[-1].getMessage() and "4 times" in mine[-1].getMessage()
    page_errors.clear()


def test_guarded_keeps_the_fragments_name():
    def body():
        """doc"""

    wrapped = guard.guarded(body)
    assert wrapped.__qualname__ == body.__qualname__ and wrapped.__module__ == body.__module__
    assert wrapped.__doc__ == "doc"


# ---- what passes through -----------------------------------------------------------------------

@pytest.mark.parametrize("exc", [RerunException(None), StopException(),
                                 FragmentHandledException(ValueError())])
def test_streamlits_control_flow_passes_through(exc, page_errors):
    with pytest.raises(type(exc)):
        with guard.page():
            raise exc
    with pytest.raises(type(exc)):
        guard.guarded(lambda: (_ for _ in ()).throw(exc))()
    assert not page_errors


def test_an_ordinary_exception_is_caught_and_logged_outside_a_script(page_errors):
    with guard.page("here"):
        raise KeyError("x")
    (rec,) = page_errors
    assert "in here" in rec.getMessage() and rec.exc_info[0] is KeyError
    page_errors.clear()


def rerun_then_stop_script():
    import streamlit as st

    from ui import guard

    ss = st.session_state
    ss.setdefault("runs", 0)
    ss.runs += 1
    with guard.page():
        if ss.runs == 1:
            st.rerun()                  # from inside the guard: the script starts again
        st.markdown(f"run {ss.runs}")
        with guard.page():
            st.stop()                   # from a nested guard: nothing after it runs
        st.markdown("after stop")
    st.markdown("after the guard")


def test_st_rerun_and_st_stop_work_inside_the_guard(page_errors):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(rerun_then_stop_script, default_timeout=30).run()
    assert not at.exception and not at.error
    assert at.session_state["runs"] == 2
    assert [m.value for m in at.markdown] == ["run 2"]
    assert not page_errors


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_st_switch_page_from_a_page_passes_through(lang, page_errors):
    at = open_page("views/loss_landscape.py", timeout=60, lang=lang, lr="0.2")
    at.button(key="landscape_carry").click().run()
    assert not at.exception and not at.error
    assert at.session_state["run"].settings["lr"] == 0.2            # the main page ran
    assert not page_errors


# ---- what Streamlit itself shows ----------------------------------------------------------------

def test_the_config_hides_error_details_and_both_deploys_read_it():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
    docker = (ROOT / "Dockerfile").read_text()
    assert "COPY . ." in docker and "WORKDIR /app" in docker and "streamlit\", \"run\", \"app.py\"" in docker
    assert ".streamlit" not in (ROOT / ".dockerignore").read_text()


def test_the_app_keeps_error_details_hidden_when_a_flag_says_otherwise():
    import streamlit as st

    before = st.get_option("client.showErrorDetails")
    try:
        st.set_option("client.showErrorDetails", "full")     # as `--client.showErrorDetails full`
        at = open_page("views/parabola_descent.py")
        assert not at.exception
        assert st.get_option("client.showErrorDetails") == "none"
    finally:
        st.set_option("client.showErrorDetails", before)


# ---- hostile links on every page, in both languages -----------------------------------------

HOSTILE = {
    "long": {"lr": "9" * 100_000, "step": "1" * 5000, "k": "x" * 20_000, "dataset": "a" * 10_000,
             "x": "c" * 3000, "room": "A" * 10_000, "key": "k" * 10_000, "follow": "F" * 5000},
    "unicode": {"lr": "０．１", "step": "٣", "seed": "🙂", "x": "列\u202e名", "y": "\x00\x1b[31m",
                "room": "ＡＢＣ２３４", "follow": "🙂🙂🙂🙂🙂🙂", "key": "\x00"},
    "huge": {"step": "1e999", "lr": "1e999", "epochs": "-1e999", "n": "99999999999999999999999",
             "seed": "18446744073709551616", "k": "1e308", "steps": "inf"},
    "nan": {"lr": "nan", "noise": "NaN", "rho": "nan", "x0": "-nan", "stage": "nan", "w": "nan,nan"},
    "repeated": {"lr": ["0.1", "0.2", "abc"], "step": ["1", "2"], "dataset": ["tips", "iris"],
                 "x": ["total_bill", "size"]},
    "path": {"page": "../../etc/passwd", "dataset": "../../etc/passwd", "x": "<script>alert(1)</script>",
             "y": "=cmd|' /C calc'!A0", "backend": "__import__('os')", "init": "{{7*7}}",
             "room": "<script>alert(1)</script>", "key": "../../etc/passwd", "follow": "ABC234"},
    "empty": {"lr": "", "step": "", "w": ",,,", "b": " ", "dataset": "", "x": ",", "y": "", "room": "",
              "key": "", "follow": ""},
}


def open_link(page, query, lang):
    """conftest.open_page with a query that may hold any key (`page` too)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params["lang"] = lang
    if page is not None:
        at.run()
        at.query_params.clear()
        at.query_params["lang"] = lang
    at.query_params.update(query)                 # a list: a repeated key
    if page is not None:
        at.switch_page(page)
    return at.run()


def apologies(at):
    starts = {guard.APOLOGY.split("{")[0], ZH.gettext(guard.APOLOGY).split("{")[0]}
    return [e.value for e in at.error if any(e.value.startswith(s) for s in starts)]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("kind", list(HOSTILE))
@pytest.mark.parametrize("page", PAGES)
def test_hostile_links_give_a_clear_message_or_are_ignored(page, kind, lang, page_errors):
    at = open_link(page, HOSTILE[kind], lang)
    assert not at.exception and not apologies(at)
    assert not page_errors                    # nothing was caught by the guard either
    assert_no_leak(at)
    assert at.title, "the page was drawn"
    for w in at.warning:
        assert "<script>" not in w.value                 # shown as text (escaped), never as HTML
        assert len(w.value) < 600, w.value[:300]         # a 100000-character value is clipped
        if lang == "zh":
            assert CJK.search(w.value), w.value
    assert at.query_params["lang"] == lang


def test_a_hostile_link_to_the_inside_page_after_a_main_run(page_errors):
    at = open_page(None, timeout=60)
    run = Run({**DEFAULTS})
    run.advance(3)
    at.session_state["run"] = run
    at.query_params.update({"step": "1e999", "example": "-0", "stage": "nan"})
    at.switch_page("views/inside_step.py")
    at = at.run()
    assert not at.exception and not apologies(at) and not page_errors
    assert_no_leak(at)
    assert at.radio(key="inside_source").value == "main"           # the main page's step 3, still
    assert len(at.warning) == 3                                      # each bad value named


# ---- in a real browser, on a real server with the repo's config ------------------------------

# the server below, started from the repo root (so it reads .streamlit/config.toml as a deploy
# does) with one core function made to raise: the test's trigger, not the product's
LAUNCH = """import sys
import core.inside

def fail(*args, **kwargs):
    raise RuntimeError({secret!r})

core.inside.update_arrows = fail            # the inside page's last section
from streamlit.web.cli import main
sys.argv = ["streamlit"] + sys.argv[1:]
main()
"""


@pytest.fixture(scope="module")
def raising_server(chromium_path):
    """A fresh `streamlit run app.py` whose inside page raises: (base URL, the server's log path)."""
    import os
    import subprocess
    import sys
    import time

    sys.path.insert(0, str(ROOT / "bench"))
    import _server

    class Raising(_server.Server):
        def __enter__(self):
            env = {k: v for k, v in os.environ.items() if k.lower() not in _server.PROXY_VARS}
            with open(self.log, "wb") as out:
                self.proc = subprocess.Popen(
                    [sys.executable, "-c", LAUNCH.format(secret=SECRET), "run", "app.py",
                     "--server.headless", "true", "--server.port", str(self.port),
                     "--browser.gatherUsageStats", "false"],
                    cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            deadline = time.monotonic() + self.timeout
            while not _server.healthy(self.url):
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"streamlit did not become healthy:\n{self.log_tail()}")
                time.sleep(0.3)
            return self

    with Raising("app.py", cwd=ROOT) as srv:
        yield srv.url, srv.log


def settled(page, path):
    from _server import IDLE

    page.goto(path)
    page.wait_for_selector(IDLE, timeout=60_000)
    page.wait_for_timeout(500)                   # a rerun the first run asked for (the URL's sync)
    page.wait_for_selector(IDLE, timeout=60_000)
    return page.inner_text("body")


def assert_nothing_leaks(body):
    for bad in ("Traceback", 'File "', "/srv/secret", "RuntimeError", str(ROOT), "site-packages"):
        assert bad not in body, bad


@pytest.mark.browser
def test_a_page_that_raises_in_the_browser(browser, raising_server):
    from conftest import new_tab

    url, log = raising_server
    # first, on the fresh server, a page's file name as a URL (/inside_step, not /inside): with the
    # pages in views/ (not pages/) it is an unknown page of app.py's navigation, never the file run
    # without app.py and its handler; nothing of the exception reaches the page either way
    with new_tab(browser, url) as page:
        assert_nothing_leaks(settled(page, "/inside_step"))
        assert page.errors == []
    for lang in ("en", "zh"):
        with new_tab(browser, url) as page:
            settled(page, "/")
            body = settled(page, f"/inside?lang={lang}")
            assert_nothing_leaks(body)
            assert page.locator("[data-testid='stException']").count() == 0 and page.errors == []
            alert = page.locator("[data-testid='stAlertContentError']").filter(
                has_text=ID).last.inner_text()
            expected = ZH.gettext(guard.APOLOGY) if lang == "zh" else guard.APOLOGY
            (ident,) = ID.findall(alert)
            assert alert.strip().endswith(expected.format(id=ident))         # after the icon's name
            assert page.locator(".js-plotly-plot").count() >= 3      # what came before it is drawn
            server_log = log.read_text(errors="replace")
            entry = server_log[server_log.index(f"error {ident} in page"):]
            assert "Traceback" in entry and "/srv/secret" in entry    # the log has it all


HOSTILE_URLS = [
    "/?lr=1e999&batch_size=nan&epochs=-1&w=%00,%ff&seed=🙂&lang=zh&lang=en",
    "/inside?step=1e999&example=" + "9" * 5000 + "&stage=nan",
    "/backends?lr=inf&batch_size=0&epochs=1e9&seed=-1",
    "/parabola?lr=nan&x0=1e308&steps=99999999999999999999",
    "/landscape?k=0&rho=2&std=maybe&lr=-0&batch_size=x&steps=1e999",
    "/data?dataset=../../etc/passwd&x=<script>alert(1)</script>&y=%3Cimg%20src%3Dx%3E",
    "/class?room=ABC234&key=%3Cimg%20src%3Dx%3E",
    "/join?room=<script>alert(1)</script>",
    "/?follow=ABC234&lr=nan",
    "/inside/../../etc?page=../../etc",         # the browser makes it /etc: an unknown page
    "/../../etc/passwd",                        # /etc/passwd: see below
]


@pytest.mark.browser
@pytest.mark.parametrize("path", HOSTILE_URLS)
def test_hostile_urls_leave_the_page_healthy(browser, server, path):
    from conftest import new_tab

    with new_tab(browser, server) as page:
        settled(page, "/")                       # a session as a student has one
        if posixpath.normpath(path.split("?")[0]).count("/") > 1:
            # Streamlit's index.html loads its code by relative paths (./static/...), so a path two
            # segments deep gets its HTML for the code: a blank page, no app, nothing to leak
            page.goto(path)
            page.wait_for_load_state("load")
            assert_nothing_leaks(page.content())
            return
        body = settled(page, path)
        assert_nothing_leaks(body)
        assert page.locator("[data-testid='stException']").count() == 0
        assert page.errors == []
        assert page.locator("h1").count() >= 1                    # a page was drawn
        assert "抱歉" not in body and "Sorry, something went wrong" not in body


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_callback_that_raises_shows_the_apology_on_the_page_that_follows(lang, monkeypatch, page_errors):
    """A button's callback runs before the page, outside page(): guard.callback logs what it
    raises under a number, and the page that follows opens with the apology in the student's
    language; the page itself is drawn as usual."""
    import ui.player

    real = ui.player.Player._set

    def fail_on_step(self, key, value):         # only inside the Step button's callback
        if key == "action" and value.name == "step" and not value.browser:
            raise RuntimeError(SECRET)
        return real(self, key, value)

    monkeypatch.setattr(ui.player.Player, "_set", fail_on_step)
    at = open_page(None, timeout=60, speed="0", lang=lang)
    assert not at.exception and not at.error
    at = at.button(key="step").click().run()
    assert_no_leak(at)
    ident = apology_id(at, lang)
    assert logged(page_errors, ident).exc_info[0] is RuntimeError
    assert at.button(key="train")                               # the page went on
    page_errors.clear()
    at = at.run()                                               # said once
    assert not at.error and not page_errors


def test_every_callback_of_the_app_is_guarded():
    """Each function the app passes as on_click / on_change is wrapped by guard.callback (its
    __wrapped__ set by functools.wraps), except the few that cannot raise: the language picker's
    (ui.i18n imports nothing of ui.guard), forgetting a page's link problems, a cache's clear."""
    import ast

    allowed = {"_picked", "forget_problems", "clear"}
    trees = {path.name: ast.parse(path.read_text())
             for path in sorted([*ROOT.glob("ui/*.py"), *ROOT.glob("views/*.py")])}
    guarded = {f.name for tree in trees.values() for f in ast.walk(tree)
               if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
               and any(ast.unparse(d) == "guard.callback" for d in f.decorator_list)}
    found = []
    for name_of_file, tree in trees.items():
        for call in ast.walk(tree):
            for kw in getattr(call, "keywords", []) if isinstance(call, ast.Call) else []:
                if kw.arg in ("on_click", "on_change") and not isinstance(kw.value, ast.Constant):
                    name = ast.unparse(kw.value).split(".")[-1]
                    found.append(name)
                    assert name in guarded | allowed or "guard" in ast.unparse(kw.value), (name_of_file, name)
    assert {"_act", "clear_ghosts", "start", "optimizer_changed", "_stage"} <= set(found)


def test_a_long_value_is_quoted_back_clipped():
    from ui.i18n import clip

    assert clip("0.1") == "0.1" and clip("x" * 200) == "x" * 200
    long = "a" * 60 + "b" * 100_000 + "z" * 60
    short = clip(long)
    assert len(short) == 200 and short.startswith("a" * 60) and short.endswith("z" * 47) and " … " in short
