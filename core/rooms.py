"""The class together: a room that phones join, with its votes, its experiment's dots and the
lecturer's settings, behind one small interface with two stores (STYLE §13).

- MemoryStore: in the server process, thread-safe (one lock). A single Streamlit process, e.g.
  Community Cloud, needs nothing else.
- RedisStore: a Redis server shared by replicas. Every change is one Lua script, which Redis runs
  atomically: a replica that dies mid-vote has either sent the whole vote or none of it, and two
  replicas never count one browser twice (a vote is a field of a hash, keyed by the browser).

store_from_env() chooses by ONE environment variable, LRVIZ_ROOMS: unset or empty, the embedded
store; redis://host:port/db (or rediss://, unix://), Redis.

Who is who. A room has a short public code (CODE_LENGTH characters of ALPHABET, no 0/O, 1/I) that
the projector shows, and a lecturer secret, independent of the code (secrets.token_urlsafe),
that never appears there: every lecturer action takes it, and the store keeps only its SHA-256.
A student is an anonymous per-browser id (new_client_id(), kept by the browser) and acts only
on their own vote and their own dot. Nothing else is stored: no names, no free text.

Refusals are data: a method returns a core.problems.Problem (codes "room_*" below, worded by the
UI) where the request cannot be served; a malformed argument the UI itself chose (a phase name,
a question id) is a ValueError. Times are seconds since the epoch, from the store's clock (tests
pass a fake one).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
import re
import secrets
import threading
import time
from abc import ABC, abstractmethod
from functools import cache
from typing import NamedTuple

from .problems import MESSAGES, N_, Problem
from .settings import BY_KEY

ENV = "LRVIZ_ROOMS"
# 32 symbols, none of them confusable: no 0/O, no 1/I. 32^6 = 1 073 741 824 codes.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 6
PHASES = ("voting", "discussing", "second_vote", "revealed")
# the lecturer moves a question forward only: voting -> discussing -> second_vote -> revealed,
# skipping what they like; opening the next question starts over
NEXT_PHASES = {"voting": ("discussing", "second_vote", "revealed"), "discussing": ("second_vote", "revealed"),
               "second_vote": ("revealed",), "revealed": ()}
EXPERIMENTS = ("lr", "batch_size")      # what the class experiment hands out: a key of core.settings
# a dot's value must be one the app can run: in the settings table's range
EXPERIMENT_RANGES = {key: (BY_KEY[key].lo, BY_KEY[key].hi) for key in EXPERIMENTS}
MAX_CHOICES = 12
MAX_VALUES = 64                 # values of an experiment's spread
MAX_SETTINGS = 40               # entries of the lecturer's settings (a query dict) ...
MAX_SETTING_TEXT = 300          # ... and characters of each value
ID = re.compile(r"[A-Za-z0-9_-]{16,64}")      # a browser id: new_client_id()'s form
NAME = re.compile(r"[a-z0-9_]{1,40}")         # a question id, a choice id, a settings key


class Limits(NamedTuple):
    """The numbers that keep a room usable and a store bounded; (count, seconds) is a rate.

    Per client: the anonymous browser id. A hall shares one Wi-Fi address, so an address would
    limit the whole class at once; an id can be renewed by a determined abuser, which the
    per-room caps bound: at most `members` present, `members` votes of each kind and dots.
    """

    rooms_per_client: tuple = (5, 3600)   # a lecturer starts a room, maybe again after a mistake
    joins_per_client: tuple = (20, 600)   # each join, right code or wrong: guessing a code is slow
    votes_per_client: tuple = (60, 60)    # a vote, changed: one a second while a slider is dragged
    dots_per_client: tuple = (30, 60)     # a result of the class experiment, re-run
    members: int = 400                    # present in one room (a hall of 200 with room to spare)
    rooms: int = 2000                     # live rooms in one store
    present_seconds: int = 60             # present: seen in the last minute (a phone polls every few s)
    idle_seconds: int = 4 * 3600          # a room unused this long is gone


LIMITS = Limits()

MESSAGES.update({
    "room_unknown": N_("There is no room {code}: check the code, or the room has ended."),
    "room_bad_code": N_("A room code has {length} letters and digits; got {text}."),
    "room_full": N_("Room {code} is full: {limit} students are in it."),
    "rooms_full": N_("No room can be started now: {limit} rooms are open on this server. Try again later."),
    "room_too_many": N_("Too many requests from this browser: wait {seconds} s and try again."),
    "room_not_lecturer": N_("Only the lecturer of room {code} can do that."),
    "room_bad_client": N_("This browser's anonymous id is not valid; reload the page."),
    "room_no_question": N_("No question is open in room {code}."),
    "room_voting_closed": N_("Voting on this question is closed."),
    "room_bad_answer": N_("That is not one of this question's answers."),
    "room_bad_phase": N_("The question cannot move to that step now."),     # params: phase, to
    "room_no_experiment": N_("No class experiment is running in room {code}."),
    "room_bad_value": N_("{key} = {value} cannot be run: it must lie in [{lo}, {hi}]."),
    "room_bad_result": N_("A result is a final loss of 0 or more, or the step the run diverged at."),
    # said by the pages when the shared store (Redis) cannot be reached: nothing was changed
    "room_store_down": N_("The class service cannot be reached just now; try again in a moment. "
                          "The rest of the app works as before."),
})


def new_client_id():
    """A fresh anonymous browser id (22 URL-safe characters, 128 random bits): the UI keeps it in
    the browser and passes it as `browser` / `client`."""
    return secrets.token_urlsafe(16)


def normalise_code(text):
    """A typed code as stored: upper case, spaces and hyphens dropped ("abc-def" -> "ABCDEF").
    Returns the code, or None when it cannot be one (wrong length or a symbol not in ALPHABET)."""
    code = re.sub(r"[\s-]", "", str(text)).upper()
    if len(code) != CODE_LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


def _new_code():
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def _digest(secret):
    return hashlib.sha256(str(secret).encode()).hexdigest()


class Created(NamedTuple):
    code: str       # public: the projector shows it, students type it
    secret: str     # the lecturer's, never shown on the projector; resumes the room on any device


class Dot(NamedTuple):
    """One phone's run in the class experiment."""

    value: float            # the lr or batch size it ran (handed out or picked)
    result: float | None    # final loss (lr) or the loss curve's noise (batch size); None if diverged
    diverged_at: int | None  # the step the run diverged at, else None


class Room(NamedTuple):
    """A snapshot of a room, as read at one moment. votes / votes2 map a browser id to its answer
    (a choice id, or a float for a number question): the first vote and, in peer instruction,
    the second, after discussion."""

    code: str
    question: str | None        # the open question's id, None between questions
    round: int                  # counts questions opened: a new round, empty votes
    phase: str | None           # one of PHASES, None between questions
    choices: tuple              # the open question's choice ids; () for a number question
    bounds: tuple | None        # (lo, hi) of a number question's answers, else None
    votes: dict
    votes2: dict
    experiment: str | None      # one of EXPERIMENTS, None when none runs
    experiment_round: int       # counts experiments started: a new one, no dots
    values: tuple               # the experiment's spread, handed out in order
    dots: dict                  # browser id -> Dot
    settings: dict              # the lecturer's current settings (key -> text, a link's query)
    present: int                # members seen in the last Limits.present_seconds
    created: float
    touched: float              # last change; the room expires idle_seconds after it

    def final_votes(self):
        """Each browser's answer as it stands: its second vote where it gave one, else its first
        (peer instruction: who does not vote again keeps the answer they gave)."""
        return {**self.votes, **self.votes2}

    def tally(self, second=False):
        """{choice id: count} over this question's choices (zeros included), first or second
        vote. For a number question, {}: read the values from votes."""
        votes = self.votes2 if second else self.votes
        counts = dict.fromkeys(self.choices, 0)
        for answer in votes.values():
            if answer in counts:
                counts[answer] += 1
        return counts


class Seat(NamedTuple):
    """What one phone needs of a room on each of its polls, read without the rest of the class:
    the open question, this browser's own votes and dot, the experiment, the lecturer's settings.
    Its size does not grow with the class (a Room does), so 200 phones polling cost 200 small
    reads, not 200 reads of 200 votes."""

    code: str
    question: str | None
    round: int
    phase: str | None
    choices: tuple
    bounds: tuple | None
    vote: str | float | None        # this browser's first vote, or None
    vote2: str | float | None       # its second vote, or None
    experiment: str | None
    experiment_round: int
    dot: Dot | None                 # its dot in the experiment running, or None
    settings: dict


def handout_order(count):
    """The order in which `count` spread values are handed out: bit-reversed, so that any first
    k phones cover the whole spread about evenly (0, 8, 4, 12, 2, ... for 16)."""
    bits = max(1, (count - 1).bit_length())
    order = sorted(range(2 ** bits), key=lambda i: int(f"{i:0{bits}b}"[::-1], 2))
    return tuple(i for i in order if i < count)


def _check_name(what, name):
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ValueError(f"{what} must match {NAME.pattern}, got {name!r}")
    return name


def _question_args(question, choices, bounds):
    """The open question's answers, checked: (question, choices tuple, bounds or None)."""
    _check_name("question", question)
    choices = tuple(_check_name("choice", c) for c in (choices or ()))
    if (bool(choices) == (bounds is not None) or len(choices) > MAX_CHOICES
            or len(set(choices)) < len(choices)):
        raise ValueError(f"a question has 1 to {MAX_CHOICES} distinct choices or bounds (lo, hi), not both; "
                         f"got {choices!r}, {bounds!r}")
    if bounds is not None:
        lo, hi = (float(v) for v in bounds)
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ValueError(f"bounds must be finite lo < hi, got {bounds!r}")
        bounds = (lo, hi)
    return question, choices, bounds


def _number_text(answer):
    """A number question's answer as stored: the repr of a finite float, or "" (no number)."""
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return ""
    return repr(value) if math.isfinite(value) else ""


def _answer_text(room_choices, bounds, answer):
    """The answer as stored (a choice id, or a number in bounds as _number_text), or None if invalid."""
    if bounds is None:
        return answer if isinstance(answer, str) and answer in room_choices else None
    text = _number_text(answer)
    return text if text and bounds[0] <= float(text) <= bounds[1] else None


def _experiment_args(kind, values):
    if kind not in EXPERIMENTS:
        raise ValueError(f"experiment must be one of {EXPERIMENTS}, got {kind!r}")
    lo, hi = EXPERIMENT_RANGES[kind]
    values = tuple(int(v) if kind == "batch_size" else float(v) for v in values)
    if not 1 <= len(values) <= MAX_VALUES or not all(lo <= v <= hi for v in values):
        raise ValueError(f"an experiment's spread is 1 to {MAX_VALUES} values in [{lo}, {hi}], "
                         f"got {values!r}")
    return kind, values


def _dot_problem(kind, value, result, diverged_at):
    """(Dot, None) when the dot can be stored, else (None, Problem)."""
    lo, hi = EXPERIMENT_RANGES[kind]
    try:
        value = float(value)
    except (TypeError, ValueError):
        value = math.nan
    if not lo <= value <= hi or (kind == "batch_size" and value != int(value)):
        return None, Problem("room_bad_value", {"key": kind, "value": value, "lo": lo, "hi": hi})
    if kind == "batch_size":
        value = int(value)
    ok_result = result is None or (isinstance(result, (int, float)) and math.isfinite(result) and result >= 0)
    ok_step = diverged_at is None or (isinstance(diverged_at, int) and not isinstance(diverged_at, bool)
                                      and diverged_at >= 1)
    if not (ok_result and ok_step) or (result is None) == (diverged_at is None):
        return None, Problem("room_bad_result", {})
    return Dot(value, None if result is None else float(result), diverged_at), None


def _settings_args(query):
    """The lecturer's settings as stored: {key: text}, checked for size (their values are read
    back through core.settings.parse_settings, which clamps whatever they say)."""
    if len(query) > MAX_SETTINGS:
        raise ValueError(f"at most {MAX_SETTINGS} settings, got {len(query)}")
    out = {}
    for key, text in query.items():
        _check_name("settings key", key)
        text = str(text)
        if len(text) > MAX_SETTING_TEXT:
            raise ValueError(f"setting {key} is longer than {MAX_SETTING_TEXT} characters")
        out[key] = text
    return out


class RoomStore(ABC):
    """The interface both stores implement, and what they share: argument checks, the clock.

    Student actions take the room's code and the browser's id; lecturer actions take the code
    and the secret. Every action that changes a room returns None, or a Problem when it is
    refused (and then changes nothing); room() returns a Room snapshot or None.
    """

    def __init__(self, limits=LIMITS, clock=time.time):
        self.limits = limits
        self.clock = clock

    # ---- the lecturer -------------------------------------------------------------------
    @abstractmethod
    def create_room(self, client) -> Created | Problem:
        """A new room (a fresh code and secret), started by `client` (its browser id)."""

    def is_lecturer(self, code, secret) -> bool:
        """True when `secret` is this live room's lecturer secret (compared in constant time)."""
        stored = self._secret_digest(code) if isinstance(code, str) else None
        return stored is not None and hmac.compare_digest(stored, _digest(secret))

    def open_question(self, code, secret, question, choices=None, bounds=None) -> Problem | None:
        """Open `question` (an id) for a first vote, discarding the last question's votes.
        choices: its choice ids (a choice question), or bounds: (lo, hi) (a number question)."""
        question, choices, bounds = _question_args(question, choices, bounds)
        return self._lecturer(code, secret, "open", question, list(choices), bounds)

    def set_phase(self, code, secret, phase) -> Problem | None:
        """Move the open question on: discussing (votes closed, the tally shown), second_vote
        (peer instruction: everyone votes again, kept apart from the first), revealed."""
        if phase not in PHASES:
            raise ValueError(f"phase must be one of {PHASES}, got {phase!r}")
        return self._lecturer(code, secret, "phase", phase)

    def close_question(self, code, secret) -> Problem | None:
        """No question open (the votes stay readable until the next one opens)."""
        return self._lecturer(code, secret, "close")

    def start_experiment(self, code, secret, kind, values) -> Problem | None:
        """Start the class experiment: each phone is handed one of `values` (the spread of kind
        "lr" or "batch_size", core.questions.experiment), the previous experiment's dots cleared."""
        kind, values = _experiment_args(kind, values)
        return self._lecturer(code, secret, "experiment", kind, list(values))

    def stop_experiment(self, code, secret) -> Problem | None:
        return self._lecturer(code, secret, "experiment", None, [])

    def set_settings(self, code, secret, query) -> Problem | None:
        """The lecturer's current settings, for "follow the lecturer": a link's query
        (core.settings.to_query), replaced as a whole."""
        return self._lecturer(code, secret, "settings", _settings_args(query))

    def close_room(self, code, secret) -> Problem | None:
        """End the room now: its code is unknown from here on."""
        return self._lecturer(code, secret, "close_room")

    # ---- students ----------------------------------------------------------------------
    def join(self, code, browser) -> Problem | None:
        """Enter the room typed or linked as `code` (normalise_code is applied): counts against
        the browser's joins whether the code is right or not. Joining again is harmless."""
        bad = _check_client(browser) or self._limit("join", browser, self.limits.joins_per_client)
        if bad:
            return bad
        room = normalise_code(code)
        if room is None:
            return Problem("room_bad_code", {"length": CODE_LENGTH, "text": repr(str(code)[:20])})
        return self._student(room, browser, "join")

    def seen(self, code, browser) -> Problem | None:
        """The browser is still here (a phone's page calls it as it polls): keeps it present."""
        return _check_client(browser) or self._student(code, browser, "seen")

    def vote(self, code, browser, answer) -> Problem | None:
        """The browser's answer to the open question: its first vote while voting, its second
        during second_vote. Voting again replaces the browser's vote of that phase, never adds one."""
        bad = _check_client(browser) or self._limit("vote", browser, self.limits.votes_per_client)
        return bad or self._student(code, browser, "vote", answer)

    def handout(self, code, browser) -> float | int | Problem:
        """The experiment's value for this browser: the next of the spread in handout_order, or
        the one it was handed before (asking twice hands out nothing new)."""
        return _check_client(browser) or self._student(code, browser, "handout")

    def submit_dot(self, code, browser, value, result=None, diverged_at=None) -> Problem | None:
        """The browser's run in the experiment: its value (handed out or picked, any the app can
        run) and either result (final loss, or the loss curve's noise) or diverged_at (a step).
        A new dot from the same browser replaces its old one."""
        bad = _check_client(browser) or self._limit("dot", browser, self.limits.dots_per_client)
        return bad or self._student(code, browser, "dot", value, result, diverged_at)

    @abstractmethod
    def room(self, code) -> Room | None:
        """The room now, or None when there is none under this code (never was, expired, closed)."""

    @abstractmethod
    def seat(self, code, browser) -> Seat | None:
        """What `browser` sees of the room now (a Seat), or None when there is no such room. Reads
        only; a browser id that is not one reads as a browser that has not voted."""

    # ---- what each store implements ------------------------------------------------------
    @abstractmethod
    def _secret_digest(self, code) -> str | None: ...

    @abstractmethod
    def _lecturer(self, code, secret, action, *args) -> Problem | None: ...

    @abstractmethod
    def _student(self, code, browser, action, *args): ...

    @abstractmethod
    def _limit(self, action, client, rate) -> Problem | None: ...


def _check_client(browser):
    if isinstance(browser, str) and ID.fullmatch(browser):
        return None
    return Problem("room_bad_client", {})


def _too_many(now, seconds):
    """The Problem of a rate limit: how long until its window ends."""
    return Problem("room_too_many", {"seconds": max(1, math.ceil(seconds - now % seconds))})


# ---- the embedded store -------------------------------------------------------------------

class _State:
    """One room's data in the embedded store (guarded by the store's lock)."""

    def __init__(self, code, digest, now):
        self.code, self.digest, self.created, self.touched = code, digest, now, now
        self.question, self.round, self.phase, self.choices, self.bounds = None, 0, None, (), None
        self.votes, self.votes2 = {}, {}
        self.experiment, self.experiment_round, self.values = None, 0, ()
        self.handed, self.next_hand, self.dots = {}, 0, {}
        self.settings = {}
        self.members = {}       # browser -> last seen


class MemoryStore(RoomStore):
    """Rooms in this process's memory, one lock around every read and change: for one server.
    The same rules as RedisStore's scripts, step for step (the tests run both)."""

    def __init__(self, limits=LIMITS, clock=time.time):
        super().__init__(limits, clock)
        self._lock = threading.Lock()
        self._rooms = {}
        self._counts = {}       # (action, client, seconds, window start) -> requests in it

    def _live(self, code, now):
        """The room's state, or None; an expired room is dropped."""
        state = self._rooms.get(code) if isinstance(code, str) else None
        if state is not None and now > state.touched + self.limits.idle_seconds:
            del self._rooms[code]
            return None
        return state

    def create_room(self, client):
        bad = _check_client(client) or self._limit("create", client, self.limits.rooms_per_client)
        if bad:
            return bad
        secret = secrets.token_urlsafe(24)
        with self._lock:
            now = self.clock()
            for code in list(self._rooms):
                self._live(code, now)
            if len(self._rooms) >= self.limits.rooms:
                return Problem("rooms_full", {"limit": self.limits.rooms})
            code = _new_code()
            while code in self._rooms:      # a code taken by a live room: draw another
                code = _new_code()
            self._rooms[code] = _State(code, _digest(secret), now)
        return Created(code, secret)

    def _secret_digest(self, code):
        with self._lock:
            state = self._live(code, self.clock())
            return state.digest if state else None

    def _limit(self, action, client, rate):
        count, seconds = rate
        with self._lock:
            now = self.clock()
            if len(self._counts) > 10_000:      # forget windows that have ended
                self._counts = {k: v for k, v in self._counts.items() if k[3] + k[2] > now}
            key = (action, client, seconds, now - now % seconds)
            self._counts[key] = self._counts.get(key, 0) + 1
            return _too_many(now, seconds) if self._counts[key] > count else None

    def _lecturer(self, code, secret, action, *args):
        with self._lock:
            now = self.clock()
            s = self._live(code, now)
            if s is None:
                return Problem("room_unknown", {"code": code})
            if not hmac.compare_digest(s.digest, _digest(secret)):
                return Problem("room_not_lecturer", {"code": code})
            if action == "open":
                s.question, s.choices, s.bounds = args[0], tuple(args[1]), args[2]
                s.round, s.phase, s.votes, s.votes2 = s.round + 1, "voting", {}, {}
            elif action == "phase":
                if args[0] not in NEXT_PHASES.get(s.phase, ()):
                    return Problem("room_bad_phase", {"phase": s.phase, "to": args[0]})
                s.phase = args[0]
            elif action == "close":
                s.question, s.phase = None, None
            elif action == "experiment":
                s.experiment, s.values = args[0], tuple(args[1])
                s.experiment_round += 1
                s.handed, s.next_hand, s.dots = {}, 0, {}
            elif action == "settings":
                s.settings = dict(args[0])
            elif action == "close_room":
                del self._rooms[code]
                return None
            s.touched = now
        return None

    def _student(self, code, browser, action, *args):
        with self._lock:
            now = self.clock()
            s = self._live(code, now)
            if s is None:
                return Problem("room_unknown", {"code": code})
            if action == "dot" and s.experiment is not None:
                dot, problem = _dot_problem(s.experiment, *args)
                if problem:
                    return problem
            present = now - self.limits.present_seconds
            if browser not in s.members:
                if action == "seen":
                    return None         # not a member: nothing to keep present
                if sum(t >= present for t in s.members.values()) >= self.limits.members:
                    return _problem("full", code, self.limits)
                if len(s.members) >= self.limits.members:      # forget who left, keep their votes
                    s.members = {b: t for b, t in s.members.items() if t >= present}
            out = None
            if action == "vote":
                if s.question is None:
                    return _problem("no_question", code, self.limits)
                votes = {"voting": s.votes, "second_vote": s.votes2}.get(s.phase)
                if votes is None:
                    return _problem("voting_closed", code, self.limits)
                text = _answer_text(s.choices, s.bounds, args[0])
                if text is None:
                    return _problem("bad_answer", code, self.limits)
                if browser not in votes and len(votes) >= self.limits.members:
                    return _problem("full", code, self.limits)
                votes[browser] = text
            elif action in ("handout", "dot"):
                if s.experiment is None:
                    return _problem("no_experiment", code, self.limits)
                if action == "handout":
                    if browser not in s.handed:
                        order = handout_order(len(s.values))
                        s.handed[browser] = order[s.next_hand % len(order)]
                        s.next_hand += 1
                    out = s.values[s.handed[browser]]
                else:
                    if browser not in s.dots and len(s.dots) >= self.limits.members:
                        return _problem("full", code, self.limits)
                    s.dots[browser] = dot
            s.members[browser] = now
            s.touched = now
            return out

    def room(self, code):
        with self._lock:
            now = self.clock()
            s = self._live(code, now)
            if s is None:
                return None
            present = sum(t >= now - self.limits.present_seconds for t in s.members.values())
            return Room(s.code, s.question, s.round, s.phase, s.choices, s.bounds,
                        _answers(s.votes, s.bounds), _answers(s.votes2, s.bounds), s.experiment,
                        s.experiment_round, s.values, dict(s.dots), dict(s.settings), present,
                        s.created, s.touched)

    def seat(self, code, browser):
        with self._lock:
            s = self._live(code, self.clock())
            if s is None:
                return None
            return Seat(s.code, s.question, s.round, s.phase, s.choices, s.bounds,
                        _answer(s.votes.get(browser), s.bounds), _answer(s.votes2.get(browser), s.bounds),
                        s.experiment, s.experiment_round, s.dots.get(browser), dict(s.settings))


def _answer(answer, bounds):
    return None if answer is None else float(answer) if bounds is not None else answer


def _answers(votes, bounds):
    """Stored answers as the Room shows them: choice ids, or floats for a number question."""
    return {b: float(a) if bounds is not None else a for b, a in votes.items()}


# ---- Redis ---------------------------------------------------------------------------------
# Keys, all under "lrviz:" (REDIS_PREFIX):
#   lrviz:rooms                 zset  code -> the time it expires (counts live rooms, sweeps)
#   lrviz:room:CODE             hash  digest, created, touched, round, question, phase, choices
#                                     (JSON list), bounds (JSON), experiment, experiment_round,
#                                     values, order (JSON lists), next_hand, settings (JSON object)
#   lrviz:room:CODE:members     zset  browser -> last seen
#   lrviz:room:CODE:votes       hash  browser -> answer (first vote of the open round)
#   lrviz:room:CODE:votes2      hash  browser -> answer (second vote)
#   lrviz:room:CODE:handed      hash  browser -> index into values
#   lrviz:room:CODE:dots        hash  browser -> JSON [value, result, diverged_at]
#   lrviz:limit:ACTION:CLIENT:WINDOW  string, a counter that expires with its window
# Each room's keys get a TTL of idle_seconds plus a day after every change, so Redis frees a
# forgotten room by itself; whether a room is live is decided by `touched` and the caller's
# clock, the embedded store's rule (replicas' clocks agree to NTP's second or so).
REDIS_PREFIX = "lrviz:"
_ROOM_KEYS = ("", ":members", ":votes", ":votes2", ":handed", ":dots")

# Every script: KEYS the room's keys in _ROOM_KEYS' order; ARGV[1] now, ARGV[2] idle seconds,
# ARGV[3] the keys' TTL, ARGV[4] the prefix, then the script's own.
_LIVE = """
local now, idle, ttl, prefix = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local code = string.sub(KEYS[1], string.len(prefix) + string.len('room:') + 1)
-- is the room live? an expired one is deleted
local function live()
    local touched = redis.call('HGET', KEYS[1], 'touched')
    if not touched then return false end
    if now > tonumber(touched) + idle then
        redis.call('DEL', unpack(KEYS))
        redis.call('ZREM', prefix .. 'rooms', code)
        return false
    end
    return true
end
-- the room was used now: it lives idle seconds more
local function keep()
    redis.call('HSET', KEYS[1], 'touched', ARGV[1])
    for _, key in ipairs(KEYS) do redis.call('EXPIRE', key, ttl) end
    redis.call('ZADD', prefix .. 'rooms', now + idle, code)
end
"""

# ARGV[5] the secret's digest, ARGV[6] the rooms limit
_CREATE = _LIVE + """
redis.call('ZREMRANGEBYSCORE', prefix .. 'rooms', '-inf', now)
if live() then return 'taken' end
if redis.call('ZCARD', prefix .. 'rooms') >= tonumber(ARGV[6]) then return 'full' end
redis.call('DEL', unpack(KEYS))
redis.call('HSET', KEYS[1], 'digest', ARGV[5], 'created', ARGV[1], 'round', 0, 'experiment_round', 0)
keep()
return 'ok'
"""

# ARGV[5] the secret's digest, ARGV[6] the action, then its arguments (JSON where structured)
_LECTURER = _LIVE + """
if not live() then return {'unknown'} end
-- digests compared, not secrets: how long this takes tells nothing about the secret
if redis.call('HGET', KEYS[1], 'digest') ~= ARGV[5] then return {'not_lecturer'} end
local action = ARGV[6]
if action == 'open' then
    redis.call('DEL', KEYS[3], KEYS[4])
    redis.call('HINCRBY', KEYS[1], 'round', 1)
    redis.call('HSET', KEYS[1], 'question', ARGV[7], 'choices', ARGV[8], 'bounds', ARGV[9], 'phase', 'voting')
elseif action == 'phase' then
    local phase = redis.call('HGET', KEYS[1], 'phase')
    local allowed = phase and cjson.decode(ARGV[8])[phase] or {}
    local ok = false
    for _, p in ipairs(allowed) do if p == ARGV[7] then ok = true end end
    if not ok then return {'bad_phase', phase or ''} end
    redis.call('HSET', KEYS[1], 'phase', ARGV[7])
elseif action == 'close' then
    redis.call('HDEL', KEYS[1], 'question', 'phase')
elseif action == 'experiment' then
    redis.call('DEL', KEYS[5], KEYS[6])
    redis.call('HINCRBY', KEYS[1], 'experiment_round', 1)
    if ARGV[7] == '' then
        redis.call('HDEL', KEYS[1], 'experiment', 'values', 'order', 'next_hand')
    else
        redis.call('HSET', KEYS[1], 'experiment', ARGV[7], 'values', ARGV[8], 'order', ARGV[9],
                   'next_hand', 0)
    end
elseif action == 'settings' then
    redis.call('HSET', KEYS[1], 'settings', ARGV[7])
elseif action == 'close_room' then
    redis.call('DEL', unpack(KEYS))
    redis.call('ZREM', prefix .. 'rooms', code)
    return {'ok'}
end
keep()
return {'ok'}
"""

# ARGV[5] browser, ARGV[6] members limit, ARGV[7] present since, ARGV[8] action, then its
# arguments: vote: the answer as a choice id and as a number (_number_text); dot: the
# experiment it was checked against, the dot (JSON)
_STUDENT = _LIVE + """
if not live() then return {'unknown'} end
local browser, limit, since, action = ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8]
if not redis.call('ZSCORE', KEYS[2], browser) then
    if action == 'seen' then return {'ok'} end
    if redis.call('ZCOUNT', KEYS[2], since, '+inf') >= limit then return {'full'} end
    if redis.call('ZCARD', KEYS[2]) >= limit then       -- forget who left, keep their votes
        redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. since)
    end
end
local out = {'ok'}
if action == 'vote' then
    if not redis.call('HGET', KEYS[1], 'question') then return {'no_question'} end
    local phase, votes = redis.call('HGET', KEYS[1], 'phase'), nil
    if phase == 'voting' then votes = KEYS[3] elseif phase == 'second_vote' then votes = KEYS[4]
    else return {'voting_closed'} end
    local answer, bounds = ARGV[9], cjson.decode(redis.call('HGET', KEYS[1], 'bounds'))
    if bounds ~= cjson.null then answer = ARGV[10] end
    if bounds == cjson.null then
        local found = false
        for _, c in ipairs(cjson.decode(redis.call('HGET', KEYS[1], 'choices'))) do
            if c == answer then found = true end
        end
        if not found then return {'bad_answer'} end
    else
        local value = tonumber(answer)
        if not value or value < bounds[1] or value > bounds[2] then return {'bad_answer'} end
    end
    if redis.call('HEXISTS', votes, browser) == 0 and redis.call('HLEN', votes) >= limit then
        return {'full'}
    end
    redis.call('HSET', votes, browser, answer)
elseif action == 'handout' or action == 'dot' then
    local kind = redis.call('HGET', KEYS[1], 'experiment')
    if not kind then return {'no_experiment'} end
    if action == 'handout' then
        local index = redis.call('HGET', KEYS[5], browser)
        if not index then
            local order = cjson.decode(redis.call('HGET', KEYS[1], 'order'))
            local n = redis.call('HINCRBY', KEYS[1], 'next_hand', 1) - 1
            index = order[(n % #order) + 1]
            redis.call('HSET', KEYS[5], browser, index)
        end
        out = {'value', tostring(index), redis.call('HGET', KEYS[1], 'values')}
    else
        if kind ~= ARGV[9] then return {'kind'} end
        if redis.call('HEXISTS', KEYS[6], browser) == 0 and redis.call('HLEN', KEYS[6]) >= limit then
            return {'full'}
        end
        redis.call('HSET', KEYS[6], browser, ARGV[10])
    end
end
redis.call('ZADD', KEYS[2], now, browser)
keep()
return out
"""

_LIMIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


class RedisStore(RoomStore):
    """Rooms in Redis, shared by every replica: each change is one Lua script (atomic), each read
    one MULTI/EXEC transaction (a consistent snapshot). client: a redis.Redis (redis-py 8.1) made
    with decode_responses=True. A script run twice (redis-py retrying after a lost connection)
    does no harm: a vote, a dot and a handout are keyed by the browser, so they are idempotent."""

    def __init__(self, client, limits=LIMITS, clock=time.time, prefix=REDIS_PREFIX):
        super().__init__(limits, clock)
        self.r, self.prefix = client, prefix
        self._create, self._lect, self._stud, self._incr = (
            client.register_script(s) for s in (_CREATE, _LECTURER, _STUDENT, _LIMIT))

    @classmethod
    def from_url(cls, url, **kwargs):
        import redis  # only when Redis is chosen: the embedded store needs no package

        return cls(redis.Redis.from_url(url, decode_responses=True, health_check_interval=30), **kwargs)

    def _keys(self, code):
        return [f"{self.prefix}room:{code}{suffix}" for suffix in _ROOM_KEYS]

    def _argv(self, now):
        return [repr(now), self.limits.idle_seconds, self.limits.idle_seconds + 86400, self.prefix]

    def create_room(self, client):
        bad = _check_client(client) or self._limit("create", client, self.limits.rooms_per_client)
        if bad:
            return bad
        secret = secrets.token_urlsafe(24)
        while True:                     # a code taken by a live room: draw another
            code = _new_code()
            argv = self._argv(self.clock()) + [_digest(secret), self.limits.rooms]
            status = self._create(self._keys(code), argv)
            if status == "full":
                return Problem("rooms_full", {"limit": self.limits.rooms})
            if status == "ok":
                return Created(code, secret)

    def _meta(self, code, field):
        """One field of a live room's hash, or None (no room, expired, or no such field)."""
        if not _is_code(code):
            return None
        value, touched = self.r.hmget(self._keys(code)[0], field, "touched")
        if touched is None or self.clock() > float(touched) + self.limits.idle_seconds:
            return None
        return value

    def _secret_digest(self, code):
        return self._meta(code, "digest")

    def _limit(self, action, client, rate):
        count, seconds = rate
        now = self.clock()
        key = f"{self.prefix}limit:{action}:{client}:{int(now // seconds)}"
        return _too_many(now, seconds) if self._incr([key], [seconds + 1]) > count else None

    def _lecturer(self, code, secret, action, *args):
        if not _is_code(code):
            return Problem("room_unknown", {"code": code})
        if action == "open":
            args = (args[0], json.dumps(args[1]), json.dumps(args[2]))
        elif action == "phase":
            args = (args[0], json.dumps({k: list(v) for k, v in NEXT_PHASES.items()}))
        elif action == "experiment":
            args = (args[0] or "", json.dumps(args[1]), json.dumps(handout_order(max(1, len(args[1])))))
        elif action == "settings":
            args = (json.dumps(args[0]),)
        out = self._lect(self._keys(code), self._argv(self.clock()) + [_digest(secret), action, *args])
        if out[0] == "bad_phase":
            return Problem("room_bad_phase", {"phase": out[1] or None, "to": args[0]})
        return _problem(out[0], code, self.limits)

    def _student(self, code, browser, action, *args):
        if not _is_code(code):
            return Problem("room_unknown", {"code": code})
        now = self.clock()
        since = repr(now - self.limits.present_seconds)
        argv = self._argv(now) + [browser, self.limits.members, since, action]
        if action == "vote":
            # the script takes the answer as a choice id and as a number (as the embedded store)
            argv += [args[0] if isinstance(args[0], str) else "", _number_text(args[0])]
        elif action == "dot":
            # checked against the experiment read here; the script refuses it ('kind') if
            # the lecturer started another kind since, and it is checked again
            kind = self._meta(code, "experiment")
            dot, problem = _dot_problem(kind, *args) if kind else (None, None)
            if problem:
                return problem
            argv += [kind or "", json.dumps(list(dot)) if dot else ""]
        out = self._stud(self._keys(code), argv)
        if out[0] == "kind":
            return self._student(code, browser, action, *args)
        if out[0] == "value":
            return json.loads(out[2])[int(out[1])]
        return _problem(out[0], code, self.limits)

    def _read(self, code):
        """(meta, members, votes, votes2, dots) of a live room, read in one transaction; or None."""
        if not _is_code(code):
            return None
        keys = self._keys(code)
        with self.r.pipeline(transaction=True) as p:
            p.hgetall(keys[0])
            p.zrange(keys[1], 0, -1, withscores=True)
            for key in (keys[2], keys[3], keys[5]):
                p.hgetall(key)
            meta, members, votes, votes2, dots = p.execute()
        if not meta or self.clock() > float(meta["touched"]) + self.limits.idle_seconds:
            return None
        return meta, members, votes, votes2, dots

    SEAT_FIELDS = ("touched", "question", "round", "phase", "choices", "bounds", "experiment",
                   "experiment_round", "settings")

    def seat(self, code, browser):
        if not _is_code(code):
            return None
        keys = self._keys(code)
        browser = browser if isinstance(browser, str) else ""
        with self.r.pipeline(transaction=True) as p:
            p.hmget(keys[0], self.SEAT_FIELDS)
            for key in (keys[2], keys[3], keys[5]):
                p.hget(key, browser)
            meta, vote, vote2, dot = p.execute()
        meta = dict(zip(self.SEAT_FIELDS, meta))
        if meta["touched"] is None or self.clock() > float(meta["touched"]) + self.limits.idle_seconds:
            return None
        bounds = json.loads(meta["bounds"] or "null")
        bounds = tuple(bounds) if bounds else None
        return Seat(code, meta["question"], int(meta["round"]), meta["phase"],
                    tuple(json.loads(meta["choices"] or "[]")), bounds, _answer(vote, bounds),
                    _answer(vote2, bounds), meta["experiment"], int(meta["experiment_round"]),
                    Dot(*json.loads(dot)) if dot else None, json.loads(meta["settings"] or "{}"))

    def room(self, code):
        read = self._read(code)
        if read is None:
            return None
        meta, members, votes, votes2, dots = read
        now = self.clock()
        bounds = json.loads(meta.get("bounds", "null"))
        bounds = tuple(bounds) if bounds else None
        return Room(code, meta.get("question"), int(meta["round"]), meta.get("phase"),
                    tuple(json.loads(meta.get("choices", "[]"))), bounds,
                    _answers(votes, bounds), _answers(votes2, bounds), meta.get("experiment"),
                    int(meta["experiment_round"]), tuple(json.loads(meta.get("values", "[]"))),
                    {b: Dot(*json.loads(d)) for b, d in dots.items()}, json.loads(meta.get("settings", "{}")),
                    sum(t >= now - self.limits.present_seconds for _b, t in members),
                    float(meta["created"]), float(meta["touched"]))


def _is_code(code):
    return isinstance(code, str) and normalise_code(code) == code


def _problem(status, code, limits):
    """The Problem a script's status stands for; None for "ok"."""
    params = {"unknown": {"code": code}, "not_lecturer": {"code": code},
              "full": {"code": code, "limit": limits.members}, "no_question": {"code": code},
              "voting_closed": {}, "bad_answer": {}, "no_experiment": {"code": code}}
    return None if status == "ok" else Problem(f"room_{status}", params[status])


# ---- choosing one -------------------------------------------------------------------------

def store_from_env(environ=None, **kwargs):
    """The store LRVIZ_ROOMS names: unset or empty, a MemoryStore; a redis://, rediss:// or
    unix:// URL, a RedisStore on it. ValueError for anything else, naming the variable."""
    url = (os.environ if environ is None else environ).get(ENV, "").strip()
    if not url:
        return MemoryStore(**kwargs)
    if url.split("://", 1)[0] in ("redis", "rediss", "unix"):
        return RedisStore.from_url(url, **kwargs)
    raise ValueError(f"{ENV} must be empty (the embedded store) or a redis:// URL, got {url!r}")


@cache
def default_store():
    """The server process's one store, shared by every session (made on first use)."""
    return store_from_env()
