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
from ui import guard
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
    """A vote's or a result's number as a phone shows it, never broken across lines (4.85e‑05:
    a non-breaking hyphen)."""
    return f"{value:.{digits}g}".replace("-", "\u2011")


# ---- the main page: follow the lecturer, and the lecturer's own settings ----------------------

FOLLOWED = "class_followed"         # session: the room's settings last applied on this main page
BEFORE = "class_before"             # session: the student's own settings before following
SHARED = "class_shared"             # session: the settings this lecturer last sent to the room
FOLLOW_SECONDS = 3.0                # a follower's main page looks for new settings this often
VIEW_KEYS = ("present", "speed")    # how a run is shown, not what it is: each keeps their own


def follow_code():
    """The room this main page follows (?follow=CODE), or None."""
    text = st.query_params.get(FOLLOW_PARAM)
    return rooms.normalise_code(text[:40]) if text else None


def _run_values(page, raw):
    values, _problems = page.parse(raw)
    return {k: v for k, v in values.items() if k not in VIEW_KEYS}


def follow(page):
    """On the main page, after page.init() and before its widgets: when it follows a room whose
    lecturer has sent settings this page has not applied yet, set its widgets to them (keeping
    this student's own settings to go back to on Leave). Returns a Problem to say, or None."""
    code = follow_code()
    if code is None:
        return None
    room = call("seat", code, "")           # the settings only: small, whatever the class's size
    if is_problem(room):
        return room
    if room is None:                        # ended or mistyped: this page is the student's own again
        del st.query_params[FOLLOW_PARAM]
        return Problem("room_unknown", {"code": code})
    if room.settings and room.settings != st.session_state.get(FOLLOWED):
        if BEFORE not in st.session_state:
            st.session_state[BEFORE] = dict(st.session_state.get(page.state) or {})
        page.seed(_run_values(page, room.settings))
        st.session_state[FOLLOWED] = dict(room.settings)
    return None


@guard.callback
def _leave(page):
    if FOLLOW_PARAM in st.query_params:
        del st.query_params[FOLLOW_PARAM]
    st.session_state.pop(FOLLOWED, None)
    before = st.session_state.pop(BEFORE, None)
    if before:
        page.seed(before)


def _follow_poll(code):
    room = call("seat", code, "")
    if isinstance(room, rooms.Seat) and room.settings and room.settings != st.session_state.get(FOLLOWED):
        st.rerun(scope="app")


def follow_banner(page):
    """The follower's banner: whose settings these are, Leave; and the poll for new ones."""
    code = follow_code()
    if code is None:
        return
    box = st.container(key="follow_banner", horizontal=True, vertical_alignment="center")
    said = _("Following the lecturer of room **{code}**: your settings change when theirs do.").format(
        code=code)
    held = st.session_state.get(FOLLOWED)
    if held:
        values, _problems = settings.parse_settings(held)
        said += " " + _("Now: lr = {lr}, batch size {batch_size}, {epochs} epochs, σ = {noise}.").format(
            lr=f"{values['lr']:g}", batch_size=values["batch_size"], epochs=values["epochs"],
            noise=f"{values['noise']:g}")
    box.info(said, icon=":material/visibility:")
    box.button(_("Leave"), key="follow_leave", icon=":material/logout:", on_click=_leave, args=(page,),
               help=_("Back to your own settings"))
    st.fragment(guard.guarded(_follow_poll), run_every=FOLLOW_SECONDS)(code)


def share(page, values):
    """The lecturer's main page: send its settings to the room when they change (for followers)."""
    lec = lecturer()
    if lec is None:
        return
    query = {k: v for k, v in page.query(values).items() if k not in VIEW_KEYS}
    if query != st.session_state.get(SHARED):
        if call("set_settings", lec.code, lec.secret, query) is None:
            st.session_state[SHARED] = query


@guard.callback
def _ask_next(values):
    lec = lecturer()
    if lec is None:
        return
    st.session_state[NEXT_SETTINGS] = dict(values)
    q = questions.next_question(values)
    problem = call("open_question", lec.code, lec.secret, q.id, choices=q.choices)
    st.session_state["class_asked"] = problem or True


def ask_button(values):
    """The lecturer's "what happens next?" on their main page: a question about these settings."""
    if lecturer() is None:
        return
    row = st.container(horizontal=True, vertical_alignment="center", key="ask_next_row")
    row.button(_("Ask the class: what happens next?"), key="ask_next", icon=":material/how_to_vote:",
               on_click=_ask_next, args=(dict(values),),
               help=_("Opens a vote in your room on these settings: does the loss settle, keep falling or "
                      "blow up?"))
    asked = st.session_state.pop("class_asked", None)
    if isinstance(asked, Problem):
        say(asked)
    elif asked:
        row.page_link("views/class_room.py", label=_("The votes come in on the class page"),
                      icon=":material/groups:")
