"""The READMEs' Layout tables match the tree: every file a row names exists where the row says,
and every page (views/) and every live-chart module (static/live/) is named."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

READMES = ["README.md", "README.zh-CN.md"]


def rows(readme):
    """{folder or file of a row: the row's text} of the Layout table (## Layout / ## 目录结构)."""
    text = (ROOT / readme).read_text()
    start = text.index("## Layout" if readme == "README.md" else "## 目录结构")
    table = text[start:text.index("\n\n", text.index("|", start))]
    found = {}
    for line in table.splitlines():
        m = re.match(r"\|\s*`([^`]+)`\s*\|(.*)\|\s*$", line)
        if m:
            found[m.group(1)] = m.group(2)
    return found


@pytest.mark.parametrize("readme", READMES)
def test_every_file_a_layout_row_names_exists(readme):
    table = rows(readme)
    assert {"app.py", "views/", "ui/", "core/", "static/", "tests/"} <= set(table)
    for folder, text in table.items():
        assert (ROOT / folder).exists(), folder
        if not folder.endswith("/"):
            continue
        for name in re.findall(r"`([\w./*<>-]+\.(?:py|js))`", text):
            if "*" in name or "<" in name:
                continue
            candidates = [ROOT / folder / name, ROOT / folder / "live" / name, ROOT / name]
            assert any(c.is_file() for c in candidates), (readme, folder, name)


@pytest.mark.parametrize("readme", READMES)
def test_every_page_and_live_chart_module_is_named(readme):
    table = rows(readme)
    for path in sorted(ROOT.glob("views/*.py")):
        assert f"`{path.name}`" in table["views/"], (readme, path.name)
    for path in sorted(ROOT.glob("static/live/*.js")):
        assert f"`{path.name}`" in table["static/"], (readme, path.name)
