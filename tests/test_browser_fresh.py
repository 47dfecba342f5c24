"""A fresh server (just deployed, or restarted mid-lecture) meets its first student on whatever page
the lecturer's link names. With the pages in a folder named pages/, Streamlit took that folder for
the old multipage app until app.py's st.navigation had run once: the first request for /landscape
answered "Page not found", and one naming a page file (/inside_step) ran that file without app.py,
so without its error handler. The pages live in views/."""

import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from _server import IDLE, Server  # noqa: E402
from conftest import new_tab  # noqa: E402
from test_browser import assert_healthy  # noqa: E402


@pytest.mark.parametrize("path, lang", [("/landscape", "en"), ("/backends", "zh")])
def test_a_fresh_servers_first_request_is_the_page_it_names(browser, chromium_path, path, lang):
    from ui.i18n import translations

    title = {"/landscape": "The loss landscape", "/backends": "NumPy beside MindSpore"}[path]
    with Server("app.py", cwd=ROOT) as srv, new_tab(browser, srv.url) as page:
        page.goto(f"{path}?lang={lang}")
        page.wait_for_selector(IDLE, timeout=60_000)
        page.locator("h1").first.wait_for()
        assert page.locator("h1").first.inner_text().strip() == translations(lang).gettext(title)
        assert page.get_by_text("Page not found").count() == 0
        assert_healthy(page)
