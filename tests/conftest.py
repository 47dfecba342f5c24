"""Shared test set-up: the project's packages (core, ui) import from the repo root however pytest is
run; the app opened as a user opens a link, on any page."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import contextlib  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def lesson():
    """The lesson's data: 1000 rows, w = [2, -3.4], b = 4.2, noise std 0.01, seed 0."""
    import core
    return core.synthetic_data()


# Chinese characters and the CJK punctuation and full-width forms
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")


@pytest.fixture(autouse=True)
def page_errors():
    """What ui.guard caught in this test (logging records with the traceback). A page that raises
    shows an apology instead of an exception, so `not at.exception` alone would miss it: any record
    left here fails the test. A test that provokes one takes this fixture, checks and clears it."""
    import logging

    records = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = records.append
    log = logging.getLogger("lrviz.errors")
    log.addHandler(handler)
    yield records
    log.removeHandler(handler)
    if records:
        text = "\n\n".join(logging.Formatter().format(r) for r in records)
        pytest.fail(f"a page raised; ui.guard showed the apology and logged:\n{text}", pytrace=False)


@pytest.fixture
def misses(monkeypatch):
    """Every message the app asks for in Chinese that the catalogue does not have."""
    import ui.i18n

    real, seen = ui.i18n.translations, []

    class Spy:
        def __init__(self, t):
            self.t = t

        def gettext(self, message):
            text = self.t.gettext(message)
            words = re.sub(r"\{\w*\}", "", message)       # a placeholder's name is not a word
            if text == message and CJK.search(message) is None and re.search(r"[A-Za-z]{3,}", words):
                seen.append(message)
            return text

    monkeypatch.setattr(ui.i18n, "translations", lambda lang: Spy(real(lang)) if lang == "zh" else real(lang))
    return seen


APP = str(ROOT / "app.py")


def open_page(page=None, timeout=30, **query):
    """The app as a user meets it after opening a link `?key=value...`: app.py's navigation and
    language picker, on `page` (a file under views/; None: the default page). Returns the run
    AppTest. A page other than the default is reached the way AppTest can reach it: the app
    opens on its default page (in the link's language), then the link's query is set and the page
    switched to."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=timeout)
    if page is not None:
        if "lang" in query:              # the session's language is decided on its first run
            at.query_params["lang"] = query["lang"]
        at.run()
        at.query_params.clear()
    for key, value in query.items():
        at.query_params[key] = value
    if page is not None:
        at.switch_page(page)
    return at.run()



def finish(at):
    """Rerun an AppTest until its run is no longer running, as the browser's frame timer does."""
    for _ in range(500):
        if at.exception or at.session_state["run"].status != "running":
            break
        at = at.run()
    assert not at.exception
    return at


def words(lang):
    """The interface's translation function of `lang`: the catalogue's for "zh", else the identity."""
    if lang != "zh":
        return lambda message: message
    import ui.i18n
    return ui.i18n.translations("zh").gettext

# ---- the browser tests' shared set-up: one server and one Chromium for the whole run (a second
# Playwright in the same thread fails, so every browser test file uses these)

def _bench():
    bench = str(ROOT / "bench")
    if bench not in sys.path:
        sys.path.insert(0, bench)
    import _server
    return _server


@pytest.fixture(scope="session")
def chromium_path():
    if not os.path.exists(_bench().CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{_bench().CHROMIUM} is missing in CI: install Debian's chromium (tests/run does)")
        pytest.skip(f"{_bench().CHROMIUM} is missing: install Debian's chromium to run the browser tests")
    return _bench().CHROMIUM


@pytest.fixture(scope="session")
def server(chromium_path):
    """`streamlit run app.py` on a free port; yields its base URL, stops the whole process group."""
    try:
        with _bench().Server("app.py", cwd=ROOT) as srv:
            _SHARED[srv.url] = {}
            try:
                yield srv.url
            finally:
                for context in _SHARED.pop(srv.url).values():
                    with contextlib.suppress(Exception):     # the browser may have closed first
                        context.close()
    except RuntimeError as exc:          # not healthy within 60 s: the server's log says why
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path, args=_bench().CHROMIUM_ARGS)
        yield b
        b.close()


# the shared server's browser contexts, one per locale: {url: {locale: context}}. A tab of the
# shared server opens in its locale's context, so the page loads Streamlit's and Plotly's scripts
# from that context's HTTP cache (a cold load costs about 1 s more, bench/bench_browser.py's
# "render"); it is still a fresh Streamlit session (one per tab), and its cookies and storage are
# cleared when it closes. A cold load is tested where it matters: other servers (a fresh one,
# the deploy recipe's balancer, whose cookies are the point) get a fresh context per tab.
_SHARED = {}
CLEAR_STORAGE = "() => { try { localStorage.clear(); sessionStorage.clear(); } catch (e) {} }"


def _context(browser, server, width, height, locale):
    extra = {"locale": locale} if locale else {}
    context = browser.new_context(viewport={"width": width, "height": height}, base_url=server, **extra)
    context.set_default_timeout(30_000)
    return context


@contextlib.contextmanager
def new_tab(browser, server, width=1400, height=1000, locale=None):
    """A fresh tab (a fresh Streamlit session) in a window of width x height, in a browser whose
    language is `locale` ("zh-CN"; None: Chromium's own); page.errors collects uncaught JS errors."""
    shared = _SHARED.get(server)
    if shared is None:
        context = _context(browser, server, width, height, locale)
    else:
        if locale not in shared:
            shared[locale] = _context(browser, server, 1400, 1000, locale)
        context = shared[locale]
    p = context.new_page()
    if shared is not None:
        p.set_viewport_size({"width": width, "height": height})
    p.errors = []
    p.on("pageerror", lambda exc: p.errors.append(str(exc)))
    try:
        yield p
    finally:
        if shared is None:
            context.close()
        else:
            with contextlib.suppress(Exception):        # a page that crashed or left the server
                p.evaluate(CLEAR_STORAGE)
            p.close()
            context.clear_cookies()


@pytest.fixture
def page(browser, server):
    with new_tab(browser, server) as p:
        yield p


