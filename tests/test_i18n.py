"""The translation catalogue against the code: every message translated, none unused, placeholders
kept, the compiled .mo up to date; and the pages in Chinese ask for no message the catalogue lacks.

The code's messages are extracted here with Babel exactly as tests/i18n does (babel.cfg), so
adding a message without running tests/i18n and translating it fails this test.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from conftest import open_page

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "ui" / "locale" / "zh" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")
PLACEHOLDER = re.compile(r"(?<!\{)\{(\w*)\}(?!\})")


def code_messages():
    """{msgid: [file:line, ...]} of every _() and N_() message in the code."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map):
        found.setdefault(message, []).append(f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def catalogue():
    with open(PO, "rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def used():
    return code_messages()


def entries(catalogue):
    return [m for m in catalogue if m.id]


def test_the_code_has_messages_in_every_part(used):
    """A guard for the extraction itself: it sees the pages, ui/ and core/ (N_ in the tables)."""
    files = {where.split(":")[0].split("/")[0] for places in used.values() for where in places}
    assert {"app.py", "pages", "ui", "core"} <= files, files
    assert len(used) > 100


def test_every_message_in_the_code_has_a_chinese_translation(catalogue, used):
    missing = sorted(f"{m!r} ({', '.join(w)})" for m, w in used.items()
                     if not catalogue.get(m) or not catalogue.get(m).string
                     or catalogue.get(m).fuzzy)
    assert not missing, "untranslated (run bash tests/i18n, then translate):\n" + "\n".join(missing)


def test_every_catalogue_entry_is_used_by_the_code(catalogue, used):
    unused = sorted(m.id for m in entries(catalogue) if m.id not in used)
    assert not unused, "in the catalogue but not in the code (run bash tests/i18n):\n" + "\n".join(unused)


def test_translations_keep_placeholders_markup_and_are_chinese(catalogue):
    bad = []
    for m in entries(catalogue):
        if sorted(set(PLACEHOLDER.findall(m.id))) != sorted(set(PLACEHOLDER.findall(m.string))):
            bad.append(("placeholders", m.id, m.string))
        for mark in ("{{", "}}", "**", "`", "$"):
            if m.id.count(mark) != m.string.count(mark):
                bad.append((mark, m.id, m.string))
        # a message with words (not only symbols and placeholders) reads as Chinese
        words = re.findall(r"[A-Za-z]{3,}", PLACEHOLDER.sub("", re.sub(r"\$[^$]*\$", "", m.id)))
        if words and not CJK.search(m.string):
            bad.append(("not Chinese", m.id, m.string))
    assert not bad, "\n".join(map(repr, bad))


def test_the_lesson_printout_is_as_d2l_zh_prints_it(catalogue):
    assert catalogue.get("error in estimating w: {error}").string == "w的估计误差: {error}"
    assert catalogue.get("error in estimating b: {error}").string == "b的估计误差: {error}"


def test_the_compiled_catalogue_is_up_to_date(catalogue):
    buf = io.BytesIO()
    write_mo(buf, catalogue)
    assert MO.read_bytes() == buf.getvalue(), "messages.mo is stale: run bash tests/i18n"


def _click(at, key):
    at.button(key=key).click().run()
    for _ in range(500):
        if at.exception or at.session_state["run"].status != "running":
            break
        at.run()
    return at


def test_the_pages_in_chinese_ask_for_nothing_untranslated(misses):
    """Every panel of both pages drawn in Chinese: steps, a finished run, a diverged one, bad links."""
    at = open_page(None, timeout=60, lang="zh", speed="0", lr="abc", batch_size="5000")
    assert not at.exception
    _click(at, "step")
    _click(at, "train")
    assert at.session_state["run"].status == "done"
    at = open_page(None, timeout=60, lang="zh", speed="0", lr="5")
    _click(at, "train")
    assert at.session_state["run"].status == "diverged"
    for lr in ("0.1", "1", "1.5", "2", "3"):
        at = open_page("pages/parabola_descent.py", lang="zh", lr=lr, steps="abc")
        assert not at.exception
    assert not at.exception and misses == [], sorted(set(misses))
