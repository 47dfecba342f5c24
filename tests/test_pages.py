"""Every page in both languages, as a user meets it (AppTest through app.py's navigation): the
language from the link, the browser or the picker, kept across page changes, Reset and links."""

from __future__ import annotations

import gettext
import importlib.util
import re

import pytest
from conftest import ROOT, open_page

from ui.i18n import initial_language

PAGES = {None: "Linear regression, step by step", "views/parabola_descent.py": "Gradient descent on y = x²/2",
         "views/inside_step.py": "One step, inside", "views/numpy_mindspore.py": "NumPy beside MindSpore"}
ZH = gettext.translation("messages", ROOT / "ui" / "locale", languages=["zh"])
CJK = re.compile(r"[\u4e00-\u9fff]")
# Python 3.13 and up install no MindSpore (requirements.txt): its page then warns once that only NumPy runs
HAS_MS = importlib.util.find_spec("mindspore") is not None


def title(lang, english):
    return ZH.gettext(english) if lang == "zh" else english


def texts(elements):
    return [e.value for e in elements]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_renders_in_both_languages(page, lang):
    at = open_page(page, lang=lang)
    assert not at.exception
    assert texts(at.title) == [title(lang, PAGES[page])]
    assert len(at.warning) == int(page == "views/numpy_mindspore.py" and not HAS_MS) and not at.error
    assert at.query_params["lang"] == lang
    assert at.sidebar.button_group(key="lang_picker").value == lang      # every page has the picker
    if lang == "zh":
        assert ZH.gettext(PAGES[page]) != PAGES[page] and CJK.search(texts(at.title)[0])
        labels = [w.label for w in at.sidebar.select_slider] + [w.label for w in at.slider] \
            + [w.label for w in at.number_input]
        assert labels and all(CJK.search(label) for label in labels), labels


def test_bad_link_values_are_explained_in_chinese():
    bad = {"lr": "abc", "batch_size": "-4", "epochs": "1e9", "noise": "nan", "seed": "x",
           "backend": "torch", "w": "1,zz"}
    at = open_page(None, lang="zh", speed="0", **bad)
    assert not at.exception
    warnings = texts(at.warning)
    assert len(warnings) == len(bad), warnings
    for key, value in bad.items():
        (w,) = [w for w in warnings if w.startswith(key + " ")]
        assert repr(value) in w and CJK.search(w), w
    assert at.session_state["run"].settings["lr"] == 0.03       # the same fallbacks as in English


def test_bad_link_values_on_the_parabola_page_in_chinese():
    at = open_page("views/parabola_descent.py", lang="zh", lr="abc", x0="1e9", steps="-3")
    assert not at.exception
    warnings = texts(at.warning)
    assert len(warnings) == 3 and all(CJK.search(w) for w in warnings), warnings
    assert all(w.startswith(ZH.gettext("Link setting {problem}").split("{")[0]) for w in warnings)


def test_a_link_value_is_shown_literally_not_as_markdown():
    at = open_page(None, lr="[click](http://example.com) **x** $y$")
    (warning,) = texts(at.warning)
    # reads as typed (an invisible word joiner after ':' keeps Streamlit from auto-linking it)
    assert r"\[click\](http://example.com) \*\*x\*\* \$y\$" in warning.replace("\u2060", "")
    assert "http://" not in warning


def test_a_bare_url_emoji_or_address_in_a_link_value_is_no_link(misses):
    from ui.i18n import plain

    for text in ("https://evil.example/x", "www.evil.example", "a@b.example", ":smile:"):
        inert = plain(text)
        assert inert.replace("\u2060", "") == text and inert != text
        at = open_page(None, lr=text)
        (warning,) = texts(at.warning)
        assert text not in warning and inert in warning


def test_an_unknown_language_in_the_link_is_named_and_english_used():
    at = open_page(None, lang="fr")
    assert not at.exception
    assert texts(at.title) == [PAGES[None]]
    (warning,) = texts(at.warning)
    assert warning.startswith("lang must be one of en, zh; got 'fr'") and "using en" in warning
    assert at.query_params["lang"] == "en"


def test_the_language_survives_a_page_change_and_back():
    at = open_page(None, lang="zh")
    at.switch_page("views/parabola_descent.py").run()
    assert not at.exception and texts(at.title) == [title("zh", PAGES["views/parabola_descent.py"])]
    assert at.query_params["lang"] == "zh"
    at.switch_page("views/lesson.py").run()
    assert not at.exception and texts(at.title) == [title("zh", PAGES[None])]
    assert at.query_params["lang"] == "zh"


def test_the_settings_survive_a_page_change_and_back():
    at = open_page(None, lang="zh", speed="0")
    at.select_slider(key="ctl_lr").set_value(0.1).run()
    at.select_slider(key="ctl_batch_size").set_value(20).run()
    at.switch_page("views/parabola_descent.py").run()
    at.switch_page("views/lesson.py").run()
    assert not at.exception
    assert at.select_slider(key="ctl_lr").value == 0.1
    assert at.select_slider(key="ctl_batch_size").value == 20
    assert at.query_params["lr"] == "0.1" and at.query_params["lang"] == "zh"


def test_the_language_survives_reset():
    at = open_page(None, lang="zh", speed="0")
    for key in ("step", "step", "reset"):
        at.button(key=key).click().run()
    assert not at.exception
    assert len(at.session_state["run"].history) == 0
    assert texts(at.title) == [title("zh", PAGES[None])] and at.query_params["lang"] == "zh"


def test_the_picker_switches_the_language_and_the_link_follows():
    at = open_page(None, speed="0")
    assert at.query_params["lang"] == "en"
    at.button(key="step").click().run()
    at.button_group(key="lang_picker").set_value("zh").run()
    assert not at.exception
    assert texts(at.title) == [title("zh", PAGES[None])] and at.query_params["lang"] == "zh"
    assert len(at.session_state["run"].history) == 1          # the run is kept, only words change
    assert any(ZH.gettext("The current step") == t for t in texts(at.subheader))
    at.button_group(key="lang_picker").set_value("en").run()
    assert texts(at.title) == [PAGES[None]] and at.query_params["lang"] == "en"


def test_the_printout_in_chinese_is_as_d2l_zh_prints_it():
    at = open_page(None, timeout=60, lang="zh", speed="0")
    at.button(key="train").click().run()
    while at.session_state["run"].status == "running":
        at.run()
    (printout,) = [c for c in texts(at.code) if "epoch 1, loss" in c]
    lines = printout.splitlines()
    assert [line.split(",")[0] for line in lines[:3]] == ["epoch 1", "epoch 2", "epoch 3"]
    assert re.fullmatch(r"w的估计误差: \[\s*-?[\d.e-]+\s+-?[\d.e-]+\s*\]", lines[3]), lines[3]
    assert re.fullmatch(r"b的估计误差: -?[\d.]+", lines[4]), lines[4]


@pytest.mark.parametrize("url, locale, expected", [
    ("zh", None, "zh"), ("en", "zh-CN", "en"), (None, "zh-CN", "zh"), (None, "zh-TW", "zh"),
    (None, "zh_Hans", "zh"), (None, "en-US", "en"), (None, "de-DE", "en"), (None, None, "en"),
    (" ZH ", None, "zh"), (["en", "zh"], None, "zh"), (None, "", "en"), ("zh-CN", "en", "zh"),
])
def test_initial_language_from_link_then_browser_then_english(url, locale, expected):
    assert initial_language(url, locale) == (expected, None)


@pytest.mark.parametrize("url", ["fr", "", "<b>zh</b>", "english"])
def test_a_link_language_that_names_none_is_a_problem(url):
    lang, problem = initial_language(url, "zh-CN")
    assert lang == "zh" and problem.code == "choice" and problem.params["key"] == "lang"
