"""What the class's pages share (views/class_room.py, the lecturer's; views/join.py, the phones';
the main page's "follow the lecturer" and "what happens next?"): the rooms' store with an
unreachable Redis as a worded refusal, the lecturer's room in the session, the join link and its
QR code, and the questions' words.
"""

from __future__ import annotations

import io
import logging
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urlencode, urlsplit

import segno
import streamlit as st

from core import questions, rooms, settings
from core.problems import Problem
from ui.i18n import _, word

log = logging.getLogger(__name__)

LECTURER = "class_lecturer"         # session: the Lecturer of the room this session runs
NEXT_SETTINGS = "class_next"        # session: the main-page settings "what happens next?" asked about
ROOM_PARAM, KEY_PARAM, FOLLOW_PARAM = "room", "key", "follow"


class Lecturer(NamedTuple):
    """The room this session is the lecturer of: its code and secret (the secret stays in the
    session and the lecturer's browser, never on the page)."""

    code: str
    secret: str


def store():
    """The server's one store (core.rooms.default_store: LRVIZ_ROOMS chooses)."""
    return rooms.default_store()


def _unreachable(exc):
    try:
        import redis
    except ImportError:                     # pragma: no cover - redis is in requirements.txt
        return False
    return isinstance(exc, redis.RedisError)


def call(method, *args, **kwargs):
    """store().<method>(*args, **kwargs); a shared store that cannot be reached (Redis down, after
    redis-py's own retries) is the Problem "room_store_down", not an exception: the page says so
    in the user's language and everything else on it works."""
    try:
        return getattr(store(), method)(*args, **kwargs)
    except Exception as exc:
        if not _unreachable(exc):
            raise
        log.warning("the rooms' store is unreachable: %s", exc)
        return Problem("room_store_down", {})


def is_problem(value):
    return isinstance(value, Problem)


def say(problem, kind="warning"):
    """A refusal (a core.problems.Problem), worded in the session's language."""
    getattr(st, kind)(word(problem), icon=":material/info:" if kind == "info" else None)


def lecturer():
    """This session's Lecturer, or None."""
    held = st.session_state.get(LECTURER)
    return held if isinstance(held, Lecturer) else None


def set_lecturer(code, secret):
    st.session_state[LECTURER] = Lecturer(code, secret) if code else None


# ---- links -------------------------------------------------------------------------------------

def base_url():
    """The app's address as this browser reached it (scheme, host, path prefix), ending in "/".
    st.context.url names the page open now; its last path segment is the page's."""
    try:
        url = st.context.url or ""
    except Exception:                       # no browser behind this run (AppTest)
        url = ""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return "http://localhost:8501/"
    path = parts.path.rsplit("/", 1)[0] + "/"
    return f"{parts.scheme}://{parts.netloc}{path}"


def page_url(page, **query):
    """An absolute link to one of the app's pages ("join", "class", "" for the main page)."""
    tail = f"?{urlencode(query)}" if query else ""
    return f"{base_url()}{page}{tail}"


def join_url(code):
    """The link a phone opens to join room `code` (the QR code's): no language in it, each
    student's page speaks their own."""
    return page_url("join", **{ROOM_PARAM: code})


@lru_cache(maxsize=64)
def qr_png(url):
    """A QR code of `url` as PNG bytes: black on white, a quiet zone of 4 modules, error
    correction M (a projector's glare and a phone at the back of the hall)."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=10, border=4,
                                                  dark="#000000", light="#ffffff")
    return buffer.getvalue()


# ---- the questions' words ------------------------------------------------------------------

def lecturer_settings(room):
    """The lecturer's main-page settings the room holds (core.settings' values), or None."""
    if room is None or not room.settings:
        return None
    values, _problems = settings.parse_settings(room.settings)
    return values


def question(qid, room=None):
    """The Question of an id the room holds. "next" asks about the lecturer's own main-page
    settings: the lecturer's session keeps them, and the room holds them for everyone else (the
    lecturer sends them when opening the question)."""
    if qid == "next":
        chosen = st.session_state.get(NEXT_SETTINGS) if lecturer() is not None else None
        return questions.next_question(chosen or lecturer_settings(room) or settings.DEFAULTS)
    return questions.BY_ID.get(qid)


def question_text(qid, room=None):
    q = question(qid, room)
    if q is None:
        return ""
    return _(q.text).format(**q.params)


def choice_text(choice):
    msgid = questions.CHOICES.get(choice)
    return _(msgid) if msgid else choice


def number(value, digits=3):
    """A vote's or a result's number as a phone shows it."""
    return f"{value:.{digits}g}"
