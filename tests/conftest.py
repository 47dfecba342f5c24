"""Shared test set-up: the project's packages (core, ui) import from the repo root however pytest is
run; the app opened as a user opens a link, on any page."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def lesson():
    """The lesson's data: 1000 rows, w = [2, -3.4], b = 4.2, noise std 0.01, seed 0."""
    import core
    return core.synthetic_data()


APP = str(ROOT / "app.py")


def open_page(page=None, timeout=30, **query):
    """The app as a user meets it after opening a link `?key=value...`: app.py's navigation and
    language picker, on `page` (a file under pages/; None: the default page). Returns the run
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
