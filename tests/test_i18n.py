"""The translation catalogue against the code: every message translated, none unused, placeholders
kept, the compiled .mo up to date; and the pages in Chinese ask for no message the catalogue lacks.

The code's messages are extracted here with Babel exactly as tests/i18n does (babel.cfg), so
adding a message without running tests/i18n and translating it fails this test.
"""

from __future__ import annotations

import io
import os
import re
import string
from collections import defaultdict
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
    assert {"app.py", "views", "ui", "core"} <= files, files
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
        at = open_page("views/parabola_descent.py", lang="zh", lr=lr, steps="abc")
        assert not at.exception
    assert not at.exception and misses == [], sorted(set(misses))



# --- Chinese that reads as written in Chinese -------------------------------------------------
# The mechanical slips a native reader's review found (issue 20), checked over every translation
# and the prose of README.zh-CN.md. ZH_CHECK_PO / ZH_CHECK_README point these tests at another
# file (an older catalogue, say: they must fail on f2ef734's).
ZH_PO = Path(os.environ.get("ZH_CHECK_PO", PO))
README_ZH = Path(os.environ.get("ZH_CHECK_README", ROOT / "README.zh-CN.md"))
HAN = "[\u3400-\u4dbf\u4e00-\u9fff]"
FULL_AFTER = "[，。；：、！？）”]"               # what may follow a gloss in Chinese text

# the d2l-zh printout, copied character for character (half-width colon and all)
PRINTOUT = {"error in estimating w: {error}", "error in estimating b: {error}"}

SLIPS = [
    # (what it is, the pattern)
    ("half-width , : ; ! ? right after Chinese", re.compile(HAN + r"[,:;!?]")),
    ("half-width full stop after Chinese", re.compile(HAN + r" ?\d*\.(?=\*|\s|$)")),
    ("half-width brackets around a gloss in Chinese text",      # not a point (x, y) or a formula
     re.compile(HAN + r"\(|" + HAN + r" \([^(),]*\)(?=$|" + HAN + "|" + FULL_AFTER + ")")),
    ("a space between two Chinese characters", re.compile(HAN + " " + HAN)),
]

# One idea, one word: the rendering the interface uses, and the ones it must not drift into.
ONE_TERM = [
    ("the gradient over all n examples", "全批量梯度", ["全量梯度", "全数据梯度", "全部数据的梯度"]),
    ("the loss over all n examples", "全数据损失", ["全部数据上?的损失", "全量损失"]),
    ("'full' as IT jargon (全量/增量)", "全批量 / 全数据", ["全量"]),
    ("a log axis", "对数坐标", ["对数刻度", "对数轴"]),
    ("MindSpore's PYNATIVE_MODE", "动态图模式（PyNative）",
     ["PyNative（动态图）", "PyNative ?模式", "(?<!动态图模式（)PyNative"]),
    ("gradients derived by hand", "手动推导", ["手工", "手推"]),
    ("batch size", "批量大小", ["批量长度", "批次大小", "批大小"]),
    ("epoch, in prose", "迭代周期", ["(?<!迭代)周期"]),
    ("the stable bound 2/λ_max", "稳定上界", ["稳定上限"]),
    ("the faded curves of compared runs", "淡色曲线", ["浅色曲线"]),
    ("off the chart", "超出图表", ["超出(刻度|坐标)范围", "超出视图"]),
    ("the seed", "随机种子", ["(?<!随机)种子"]),
    ("the prediction ŷ", "预测值 ŷ", ["预测 ŷ"]),
    ("weight / bias", "权重 / 偏置", ["权值", "偏差"]),
    ("a run (the noun)", "训练", ["短运行", "对比的运行", "之前的运行", "多次运行", "[个次]运行(?!时)"]),
    ("the page 'One step, inside'", "拆解一步", ["深入一步"]),
    ("the signed update −lr·f'(x)", "更新量", ["步长 −"]),
]

# Where the code splices translated words into a message ({std} = ", standardised"), the message is
# checked as it renders: msgid -> {placeholder: its value, from the translation function t}.
# Every other placeholder holds a number or an identifier.
SPLICED = {
    "The main page trains on the lesson's data (k = 1, ρ = 0, features not standardised); this lr was "
    "found for k = {k}, ρ = {rho}{std}.": {"std": lambda t: t(", standardised")},
    "lr = {lr} · {region} · final loss {loss}": {"region": lambda t: t("creeping"),
                                                 "loss": lambda t: t("diverged")},
    "Rule: x_k = (1 − lr)^k · x0, and |1 − lr| = |1 − {lr}| = {factor} {sign} 1, {verdict}.":
        {"verdict": lambda t: t("so descent converges")},
    "Stage {stage} of {total} · {phase}: {node}": {"phase": lambda t: t("Forward pass")},
    "**{name}** — {regime}.": {"name": lambda t: t("Monotone"),
                               "regime": lambda t: t("monotone convergence")},
    "**The larger the learning rate, the faster the loss falls** — {said}. The full-data loss after "
    "each epoch:": {"said": lambda t: t("; ").join(
        [t("lr {lr}: within {factor}× of the noise floor after epoch {epoch}").format(
            lr="0.03", factor=10, epoch=1)] * 2)},
}


def _code_free(text):
    """Text without inline code, math and link targets: identifiers there are spelt as in code."""
    return re.sub(r"`[^`]*`|\$[^$]*\$|\]\([^)]*\)", " ", text)


@pytest.fixture(scope="module")
def zh_texts():
    """[(where, text)]: every translation as it renders, then README.zh-CN's prose, line by line."""
    with open(ZH_PO, "rb") as f:
        cat = read_po(f)
    strings = {m.id: m.string for m in cat if m.id}

    def t(msgid):
        return strings.get(msgid) or msgid

    texts = []
    for msgid, msgstr in strings.items():
        values = defaultdict(lambda: "0")
        values.update({k: make(t) for k, make in SPLICED.get(msgid, {}).items()})
        shown = msgstr if msgid in PRINTOUT else string.Formatter().vformat(msgstr, (), values)
        texts.append((f"msgstr of {msgid!r}", shown, msgid))
    fenced = False
    for n, line in enumerate(README_ZH.read_text(encoding="utf-8").splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced:
            texts.append((f"{README_ZH.name}:{n}", line, None))
    return texts


def test_the_spliced_messages_are_in_the_catalogue(catalogue):
    """The table above names real messages and placeholders (else the rendering check is vacuous)."""
    for msgid, values in SPLICED.items():
        assert catalogue.get(msgid), msgid
        assert set(values) <= set(PLACEHOLDER.findall(msgid)), msgid


@pytest.mark.parametrize("slip, pattern", SLIPS, ids=[s for s, _ in SLIPS])
def test_chinese_punctuation_and_spacing(zh_texts, slip, pattern):
    """Full-width ，：；（） in Chinese text, no space between two Chinese characters (a placeholder
    spliced in with its English spacing leaves one), in the catalogue and README.zh-CN alike."""
    bad = [f"{where}: …{m.string[max(0, m.start() - 12):m.end() + 12]}…"
           for where, text, msgid in zh_texts if msgid not in PRINTOUT
           for m in pattern.finditer(_code_free(text))]
    assert not bad, f"{slip}:\n" + "\n".join(bad)


@pytest.mark.parametrize("idea, word, rejected", ONE_TERM, ids=[i for i, _, _ in ONE_TERM])
def test_one_word_for_one_idea(zh_texts, idea, word, rejected):
    """GLOSSARY.md's terms, and one rendering of each idea across the catalogue and the README."""
    found = [f"{where}: {m.group(0)!r} in …{text[max(0, m.start() - 15):m.end() + 15]}…"
             for where, text, _ in zh_texts for pattern in rejected
             for m in re.finditer(pattern, _code_free(text))]
    assert not found, f"{idea}: write {word}, not\n" + "\n".join(found)


def test_dotted_and_dashed_lines_keep_their_names(zh_texts):
    """A chart's dotted line is 点线 and its dashed line 虚线, in every caption and legend."""
    bad = [(msgid, text) for _, text, msgid in zh_texts if msgid and (
        ("dotted" in msgid and ("点线" not in text or "虚线" in text)) or
        ("dashed" in msgid and ("虚线" not in text or "点线" in text)))]
    assert not bad, "\n".join(map(repr, bad))


def test_chinese_titles_break_at_commas_and_spaces():
    """On a phone "线性回归，逐步训练" would leave 练 alone on the title's second line, and a narrow
    table column would split 样本 into 样/本: in Chinese every page asks titles and table headers to
    break at their commas and spaces only; in English it asks nothing."""
    def styles(lang):
        return [e.proto.body for e in open_page("views/parabola_descent.py", lang=lang).get("html")]
    assert any("keep-all" in css and "h1, h2, h3, th" in css for css in styles("zh")), styles("zh")
    assert not any("keep-all" in css for css in styles("en"))
