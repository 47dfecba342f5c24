"""The live charts' JavaScript as modules: static/live_charts.js imports static/live/*.js.

Without a browser: every module is listed in ui/live.LIVE_JS (the asset check and the version
read it), every import between them carries the one version (?v=), and none holds a colour.
In Chromium: the modules come once, gzipped, all with the page's version; a module that cannot
load leaves the page's message, not a blank chart.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import new_tab
from test_browser import CHARTS_LOADED, IDLE, wait_js
from test_palette import colour_literals

from ui import live

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "static"
MODULES = sorted(p.relative_to(STATIC).as_posix() for p in (STATIC / "live").glob("*.js"))
# an import between the modules: import("./name.js" + v), v being the importer's own ?v=
VERSIONED = re.compile(r'import\("\./([\w/]+\.js)" \+ v\)')
ANY_IMPORT = re.compile(r'\bimport\s*\(|^\s*import\b|\bfrom\s+["\']', re.M)


def source(name):
    return (STATIC / name).read_text(encoding="utf-8")


def code(name):
    """A module's text without its // comments."""
    return re.sub(r"(^|\s)//.*$", "", source(name), flags=re.M)


def test_every_module_is_listed_for_the_asset_check_and_the_version():
    assert live.LIVE_JS[0] == "live_charts.js"
    assert sorted(live.LIVE_JS[1:]) == MODULES
    assert live.check_static_assets() is None


def test_every_import_carries_the_version_and_finds_its_module():
    imported = set()
    for name in live.LIVE_JS:
        text = code(name)
        found = VERSIONED.findall(text)
        # no import of another form (a static `import ... from` would be fetched without ?v=)
        assert len(ANY_IMPORT.findall(text)) == len(found), name
        if found:
            assert "const v = new URL(import.meta.url).search;" in text, name
        base = (STATIC / name).parent
        for target in found:
            path = (base / target).resolve()
            assert path.is_file(), (name, target)
            imported.add(path.relative_to(STATIC).as_posix())
    assert imported == set(MODULES)             # each module is used, none is left over


def test_the_version_changes_with_any_module(tmp_path, monkeypatch):
    for name in live.LIVE_JS:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("//")
    monkeypatch.setattr(live, "STATIC", tmp_path)
    for name in live.LIVE_JS:
        os.utime(tmp_path / name, (1_000_000, 1_000_000))
    before = live._version()
    os.utime(tmp_path / live.LIVE_JS[-1], (2_000_000, 2_000_000))
    assert before == "1000000" and live._version() == "2000000"


@pytest.mark.parametrize("name", live.LIVE_JS)
def test_no_module_holds_a_colour(name):
    # every colour comes from ui/palette.py through the meta (test_palette checks live_charts.js)
    assert colour_literals(source(name)) == [], name


@pytest.mark.browser
def test_the_modules_come_once_gzipped_with_one_version(browser, server):
    with new_tab(browser, server) as page:
        got = []
        page.on("response", lambda r: "/app/static/" in r.url and got.append(
            (urlsplit(r.url).path.split("/app/static/", 1)[1], urlsplit(r.url).query,
             r.headers.get("content-encoding"), r.headers.get("content-type"))))
        page.goto("/")
        page.wait_for_selector(IDLE, timeout=60_000)
        wait_js(page, CHARTS_LOADED, 30_000)
        assert page.errors == []
    modules = [g for g in got if g[0] != live.PLOTLY_JS]
    assert sorted(g[0] for g in modules) == sorted(live.LIVE_JS), got        # each once
    assert {g[1] for g in modules} == {"v=" + live._version()}, got
    assert all(g[2] == "gzip" and "javascript" in g[3] for g in got), got


@pytest.mark.browser
def test_a_module_that_cannot_load_leaves_the_message(browser, server):
    with new_tab(browser, server) as page:
        page.route("**/app/static/live/path.js*", lambda route: route.abort())
        page.goto("/")
        page.wait_for_selector(IDLE, timeout=60_000)
        message = page.get_by_text("The live charts could not load")
        message.wait_for(timeout=30_000)
        assert "Reload the page." in message.inner_text()
        assert page.evaluate("window.LRViz === undefined")
        assert page.errors == []
