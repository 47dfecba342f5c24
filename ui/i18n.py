"""The interface's two languages: English (the source texts) and 简体中文, through stdlib gettext.

Every sentence a user reads goes through _() (or is a msgid marked with N_ where it is declared,
then translated where it is drawn). The catalogue is ui/locale/zh/LC_MESSAGES/messages.po, made
and compiled by Babel (`bash tests/i18n`); tests/test_i18n.py fails on a message without a
translation and on a catalogue entry no code uses. Placeholders are named ({step}, never %s or
string concatenation), so a translation can put them in its own order.

The language is the session's: from `lang` in the URL, else the browser's language
(st.context.locale), else English; then the sidebar's picker. The URL always carries it.
"""

from __future__ import annotations

import functools
import gettext
import re
from pathlib import Path

import streamlit as st

from core.problems import N_, Problem
from ui import a11y

# Chinese headings and table headers break at their commas and spaces, not mid-word (样/本 on a phone)
ZH_TITLES = ("<style>[data-testid=stMain] :is(h1, h2, h3, th) "
             "{word-break: keep-all; overflow-wrap: break-word}</style>")
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
LANGS = {"en": "English", "zh": "简体中文"}
DEFAULT = "en"
KEY = "lang"            # session_state key of the session's language, and the URL's key
PICKER = "lang_picker"  # the sidebar widget's key
PINS = "lang_keep"      # widget keys that keep their values across a change of language

__all__ = ["N_", "_", "language", "picker", "keep", "word", "plain", "clip", "initial_language",
           "translations"]


@functools.cache
def translations(lang):
    """The compiled catalogue of `lang` (English: the msgids themselves). Loaded once per process."""
    if lang == DEFAULT:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang])


def initial_language(url_value=None, locale=None):
    """(lang, problem or None): `lang` from the URL if it names one ("zh", "zh-CN"), else the
    browser's locale ("zh-CN", "zh-TW", "zh" -> zh), else English. A URL value that names no language is a
    problem to show."""
    def code(tag):          # "zh-CN", "zh_Hans", " ZH " -> "zh"
        return tag.strip().lower().replace("_", "-").split("-")[0] if isinstance(tag, str) else None

    text = (url_value[-1] if isinstance(url_value, (list, tuple)) and url_value else url_value)
    if code(text) in LANGS:
        return code(text), None
    guess = code(locale) if code(locale) in LANGS else DEFAULT
    if text is None or text == []:
        return guess, None
    return guess, Problem("choice", {"key": KEY, "choices": ", ".join(LANGS), "text": repr(str(text))},
                          guess)


def language():
    """The session's language code, decided on its first script run."""
    ss = st.session_state
    if ss.get(KEY) not in LANGS:
        try:
            locale = st.context.locale
        except Exception:          # no browser behind this run (a test harness): English
            locale = None
        ss[KEY], problem = initial_language(st.query_params.get_all(KEY) or None, locale)
        ss[KEY + "_problem"] = problem
    return ss[KEY]


def _(message):
    """The message in the session's language."""
    return translations(language()).gettext(message)


MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_[]<>$~|#"})


_WWW = re.compile(r"(?i)\bwww\.")
_JOIN = "\u2060"        # WORD JOINER: invisible, not a letter, so no pattern runs across it


def plain(text):
    """User-typed text made inert for st.markdown and st.warning: no emphasis, link, HTML tag,
    LaTeX, auto-link, emoji or icon can come of it; it reads the same. Streamlit's Markdown turns
    https://…, www.… and a@b.c into links and :smile: into an emoji by searching the text after it
    is parsed, so a backslash does not stop those: an invisible word joiner after each ":" and "@"
    and inside "www." does."""
    text = str(text).translate(MARKDOWN).replace(":", ":" + _JOIN).replace("@", "@" + _JOIN)
    return _WWW.sub(lambda m: m.group(0)[:3] + _JOIN + ".", text)


TEXT_SHOWN = 200     # characters of the user's own text a message quotes back (a link's value)


def clip(text, most=TEXT_SHOWN):
    """The user's text as a message quotes it: whole up to `most` characters, else its start and
    its end around " … " (a link can carry 100000 characters; the message stays a sentence)."""
    text = str(text)
    return text if len(text) <= most else text[:most - 50] + " … " + text[-47:]


def word(problem):
    """A core.problems.Problem as a sentence in the session's language, for Markdown elements:
    the user's own text in it (its "text") is shown literally, a long one clipped."""
    if "text" in problem.params:
        problem = problem._replace(params={**problem.params, "text": plain(clip(problem.params["text"]))})
    return problem.words(_)


def url_problem():
    """A bad `lang` in the URL, worded, once; else None."""
    problem = st.session_state.pop(KEY + "_problem", None)
    return word(problem) if problem is not None else None


def keep(keys):
    """Widget keys whose values must survive a change of language. To Streamlit a widget whose
    labels or options' labels change is a new widget, which the browser would reset to its
    default (the speed slider to 1 step/s): these values are set again when the language changes."""
    st.session_state.setdefault(PINS, set()).update(keys)


def _picked():
    ss = st.session_state
    choice = ss.get(PICKER)
    if choice in LANGS and choice != ss.get(KEY):
        ss[KEY] = choice
        for key in ss.get(PINS, ()):
            if key in ss:
                ss[key] = ss[key]


def picker():
    """The language picker, at the top of the sidebar: every page draws it first. Returns the
    chosen code.

    The session's language lives in session_state[KEY], not in the widget: a widget's value is
    dropped by Streamlit whenever a script run does not draw it."""
    st.session_state[PICKER] = language()
    with st.sidebar:
        st.segmented_control("Language · 语言", list(LANGS), key=PICKER, format_func=LANGS.get,
                             on_change=_picked, label_visibility="collapsed")
    if st.session_state[KEY] == "zh":
        st.html(ZH_TITLES)
    a11y.keyboard()                     # every page draws the picker first: the keyboard's needs too
    return st.session_state[KEY]
