"""The run player: one Run per session, advanced at its speed, fed to the live charts.

A page makes a Player (one per run it shows; `prefix` keeps two players' session keys, buttons
and chart elements apart) and calls show(settings) (start, buttons, alert, live charts: it
returns the run) and show_step() (the current step) where it wants them, with its own panels of
ui.panels on the run in between. Another page looks at a player's run through current(), never
its session keys.

While a run is running the charts are a fragment re-run every FRAME_SECONDS by the browser:
only they are redrawn, not the whole page. A run that ends, or a click on Pause/Step that the
browser answered itself, reruns the whole page.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import NamedTuple

import streamlit as st

from core.data import synthetic_data
from core.optimizers import BOOK_DEFAULTS
from core.run import PAUSED, RUNNING, Run, Theory
from core.settings import DEFAULTS
from core.trainer import Step
from ui import guard, live, panels
from ui.i18n import _, language

FRAME_SECONDS = 0.25       # server frames; the browser paints in between on its own clock
MAX_GHOSTS = 5             # earlier runs kept for comparison, oldest dropped
GHOST_POINTS = 200         # points kept of each
FULL_EVERY = 4             # every 4th frame resends the whole displayed history
META_SENDS = 3             # full payloads that carry a run's meta (then only when asked again)
FAST_SLICE = 0.05          # at "as fast as possible", compute for this long per frame
RUN_KEYS = ("lr", "batch_size", "epochs", "init", "noise", "n", "w", "b", "seed", "backend")


@st.cache_data(max_entries=16, show_spinner=False)
def cached_data(w, b, n, noise, seed):
    """The synthetic data and what theory says about them; shared, because it is pure."""
    X, y = synthetic_data(w, b, n, noise, seed=seed)
    return X, y, Theory(X, y, noise)


def run_settings(settings):
    """The settings that make a run what it is (speed only paces it). "data" names the data of a
    run on data of its own (Player.start's `data`); the lesson's runs have none. The initial
    value w0 counts only when the start is "a value"; the optimizer with its own hyperparameters
    (the book's where the settings have none)."""
    name = settings.get("optimizer", "sgd")
    hp = {k: float(settings.get(k, v)) for k, v in BOOK_DEFAULTS.get(name, {}).items() if k != "lr"}
    return {**{k: settings.get(k, DEFAULTS[k]) for k in RUN_KEYS}, "data": settings.get("data"),
            "w0": settings.get("w0", 0.0) if settings.get("init") == "value" else None,
            "optimizer": name, **hp}


class Action(NamedTuple):
    """A click for the next start() to apply. A button's (or press()'s): Action(name). The
    browser's Pause or Step while its charts played: Action(name, at, browser=True), `at` the
    step it showed (None if it sent none), to which the run is rewound first."""

    name: str | None            # "train", "pause", "step" or "reset"; None: no click
    at: int | None = None
    browser: bool = False


@dataclass
class View:
    """What this session's browser was sent of the run shown: one per run and language (a
    language change resends everything, in the new words)."""

    key: tuple                  # (the run's key, the language)
    meta: dict                  # live.meta(): words, contour grid, compared runs; built once
    fulls: list = field(default_factory=lambda: [0, 0])     # where the last two full updates ended
    ver: int = 0                # the history's stride when last sent
    frame: int = 0              # updates sent (every FULL_EVERY-th is a full one)
    meta_sends: int = 0         # full updates that carried the meta (META_SENDS at most)
    clock: tuple | None = None  # (time.perf_counter(), steps done) the pace counts from
    summary: dict | None = None         # live.summaries of the run as last made
    summary_key: tuple | None = None    # (steps, status) it was made at


class Current(NamedTuple):
    """The run a player shows and its current step (Player.current)."""

    run: Run | None             # None before the player's first start()
    step: Step | None           # the newest update's record (run.last); None before the first


class Player:
    """One run's controller. Its state lives in st.session_state under `prefix` (the main
    page's player has prefix "": keys run, action, view, ...); the object itself is rebuilt on
    every script run and holds nothing of its own but names."""

    def __init__(self, prefix="", keys=True):
        self.prefix = prefix
        self.chart_key = prefix + "lrviz"
        self.keys = keys            # the keyboard drives this player (one per page)

    # session-state slots of this player
    def _k(self, name):
        return self.prefix + name

    def _get(self, name, default=None):
        return st.session_state.get(self._k(name), default)

    def _set(self, name, value):
        st.session_state[self._k(name)] = value

    @property
    def run(self):
        return self._get("run")

    def current(self) -> Current:
        """The run this player shows and its newest step, for other pages to look at (the
        inside page looks inside the main page's): never its session keys directly."""
        run = self.run
        return Current(run, None if run is None else run.last)

    @property
    def ghosts(self):
        """Earlier runs of this player kept for comparison, oldest first: live.Ghost records."""
        return self._get("ghosts", [])

    @guard.callback
    def clear_ghosts(self):
        self._set("ghosts", [])
        self._set("view", None)           # the charts' meta carries the ghosts: send it again

    def restart(self, compared=()):
        """Forget the run and the compared runs; keep instead the finished runs `compared`
        (core.run.Run) to compare with the next run (an exercise's), numbered after the last."""
        count = self._get("ghost_count", 0)
        ghosts = [live.ghost(run, count + i + 1, GHOST_POINTS) for i, run in enumerate(compared)]
        self._set("ghost_count", count + len(ghosts))
        self._set("ghosts", ghosts[-MAX_GHOSTS:])
        self._set("run", None)
        self._set("view", None)

    def press(self, name):
        """Press a button (train, pause, step, reset) from code: applied by the next start()."""
        self._act(name)

    def _new_run(self, settings, data=None):
        old = self.run
        if old is not None and old.settings.get("data") != settings.get("data"):
            self.clear_ghosts()                     # runs on other data do not compare
        elif old is not None and len(old.history):  # a run that did something is kept to compare
            count = self._get("ghost_count", 0) + 1
            self._set("ghost_count", count)
            self._set("ghosts", (self.ghosts + [live.ghost(old, count, GHOST_POINTS)])[-MAX_GHOSTS:])
        if data is not None:
            X, y, theory = data
        else:
            X, y, theory = cached_data(settings["w"], settings["b"], settings["n"], settings["noise"],
                                       settings["seed"])
        run = Run(settings, data=(X, y), theory=theory)
        count = self._get("run_count", 0) + 1
        self._set("run_count", count)
        self._set("run_key", f"{self.prefix}{count}")
        self._set("view", None)
        self._set("run", run)
        return run

    def show(self, settings, data=None, messages=None):
        """The player on a page, top to bottom: start(settings, data), with the "Settings
        changed" info when the run shown is stale; the buttons; the run's alert and the page's
        own `messages` (a callable: the exercises' answer); the live charts. On a projector
        (settings "present") the charts come before the alert and the messages. Returns the
        run shown; show_step() draws its current step, wherever the page wants it."""
        if self.start(settings, data):
            st.info(_("Settings changed: this run is paused and kept as it was. **Train** or **Step** "
                      "starts a new run with the new settings; **Reset** shows its start."))
        self.buttons()
        run = self.run

        def alert_and_messages():
            panels.show_alert(run)
            if messages is not None:
                messages()

        if not settings.get("present"):
            alert_and_messages()
        self.charts()
        if settings.get("present"):
            alert_and_messages()
        return run

    def show_step(self):
        """The section "The current step": the run's newest update as the lesson's equations
        with its numbers (ui.panels.show_step); while the run plays (the charts' fragment reruns
        the whole page when it ends), how to see it."""
        run = self.run
        st.subheader(_("The current step"))
        if run.status == RUNNING:
            st.caption(_("Training… **Pause** (or **Step**) to see the step on the charts written out as "
                         "the lesson's equations, with its numbers."))
        else:
            panels.show_step(run)

    def start(self, settings, data=None):
        """Apply the click of the last script run to the run (new one when settings changed and
        it has not started, or on Reset). Returns True when the run shown is stale: paused and
        kept as it was while the settings have changed.

        data: None for the lesson's synthetic data (from the settings), else (key, X, y, theory)
        of data the page chose (core.run.Theory of X, y); a new key is a change of settings."""
        if data is not None:
            settings = {**settings, "data": data[0]}
            data = data[1:]
        run = self.run
        if run is None or (run_settings(run.settings) != run_settings(settings) and len(run.history) == 0):
            run = self._new_run(settings, data)
        stale = run_settings(run.settings) != run_settings(settings)
        run.settings["speed"] = settings["speed"]       # view settings: they change no run
        run.settings["present"] = settings.get("present", 0)

        # a click is applied before the buttons are drawn, so each button's enabled state
        # matches the status it produced (Pause is clickable during the run Train just started)
        action = self._pop_action()
        if action.name == "reset" or (action.name in ("train", "step") and not action.browser
                                      and (stale or run.finished)):
            run = self._new_run(settings, data)
            stale = False
        if stale and run.status == RUNNING:
            run.status = PAUSED
        self._apply(run, action)
        if action.name == "train" and run.status == RUNNING:     # the pace is counted from this click
            self._view(run).clock = (time.perf_counter(), len(run.history))
        return stale

    def _pop_action(self):
        """The click stored since the last script run (Action(None) for none)."""
        return Action(*st.session_state.pop(self._k("action"), None) or (None,))

    @staticmethod
    def _apply(run, action):
        """Apply a click (an Action) to the run."""
        name, at = action.name, action.at
        if name == "train" and not run.finished:
            run.status = RUNNING
        elif name == "pause" and (run.status == RUNNING or at is not None):
            run.status = PAUSED if run.status == RUNNING else run.status
            if at is not None:
                run.rewind(at)
        elif name == "step" and (not run.finished or at is not None):
            if at is not None:
                run.rewind(at)
            run.advance(1)
            if not run.finished:
                run.status = PAUSED

    @guard.callback
    def _act(self, name):
        self._set("action", Action(name))

    def buttons(self):
        """Train / Pause / Step / Reset and the keys that press them; a click is stored by its
        callback and applied next run. While the charts play, the browser answers Pause and Step
        itself, and it maps the keys (and a presentation clicker's) to these buttons
        (static/live_charts.js). The row wraps: no label is ever cut, at any width."""
        run, p = self.run, self.prefix
        row = st.container(horizontal=True, vertical_alignment="center", gap="small")
        row.button(_("Train"), icon=":material/play_arrow:", type="primary", key=p + "train",
                   help=_("Run to the end, or resume a paused run"), wrap=False,
                   on_click=self._act, args=("train",), disabled=run.status == RUNNING)
        row.button(_("Pause"), icon=":material/pause:", key=p + "pause", wrap=False,
                   on_click=self._act, args=("pause",), disabled=run.status != RUNNING)
        row.button(_("Step"), icon=":material/skip_next:", key=p + "step", wrap=False,
                   on_click=self._act, args=("step",), help=_("Exactly one minibatch update"))
        row.button(_("Reset"), icon=":material/restart_alt:", key=p + "reset", wrap=False,
                   on_click=self._act, args=("reset",), help=_("Back to step 0 with these settings"))
        if self.ghosts:
            row.button(_("Clear compared runs ({count})").format(count=len(self.ghosts)),
                       icon=":material/layers_clear:", key=p + "clear_ghosts", type="tertiary",
                       help=_("The faded curves are earlier runs, kept to compare (up to {max}); "
                              "click a legend entry to hide one.").format(max=MAX_GHOSTS),
                       on_click=self.clear_ghosts)
        if self.keys:
            row.caption(_("Keys: Space train / pause · → or PageDown step · R reset"))

    def charts(self):
        """The live charts: while the run is running, a fragment that re-runs itself every
        FRAME_SECONDS; otherwise plain page elements. A stopped run registers no fragment at
        all: the browser's timer can still send a tick or two after the run ended, and a
        registered fragment would answer each with a new script run racing the page's own
        (under load Streamlit then lost the end text or the script_finished message of 19 of
        120 sessions, bench/bench_load.py --sessions 60). Unregistered, a late tick is ignored."""
        self._set("page_run", True)
        if self.run.status == RUNNING:
            st.fragment(guard.guarded(self._live_section), run_every=FRAME_SECONDS)()
        else:
            self._live_section()
            panels.show_numbers(run=self.run, summary=self._summary(self.run))

    # ---- what the browser is sent

    def _view(self, run) -> View:
        """What this session's browser was sent of this run (a View, its meta built once per
        run and language)."""
        view, key = self._get("view"), (self._get("run_key"), language())
        if view is None or view.key != key:
            view = View(key, live.meta(run, self.ghosts))
            self._set("view", view)
        return view

    def _draw(self, run, full):
        """Send the browser what is new. The frontend may drop intermediate updates, so a tail
        starts where the last-but-one full update ended: one dropped update (full or not) is
        repaired by the next. Called once per script or fragment run (the component is keyed,
        so the browser keeps one chart element for the whole session).

        The meta (words, contour grid, compared runs: ~80 kB with five) goes with the first
        META_SENDS full updates of a run (and language), not with every one: resent each second
        it cost the browser paints. The browser keeps it across page runs; one that lacks it
        (every update that carried it dropped) asks again (on_meta)."""
        view = self._view(run)
        if not full and (view.ver != run.history.stride or view.frame % FULL_EVERY == 0):
            full = True
        # a rewind (Pause or Step at the step the browser showed) can leave the run shorter
        # than what the browser has: a tail from there tells it where the history now ends
        n = live.display_len(run)
        start = 0 if full else min(view.fulls[0], n)
        with_meta = full and view.meta_sends < META_SENDS
        data = live.payload(run, self._get("run_key"), view, full, start, meta=with_meta)
        view.meta_sends += with_meta
        data["ack"] = self._get("transport_ack")
        data["id"], data["buttons"], data["keys"] = self.chart_key, self.prefix, self.keys
        data["present"] = bool(run.settings.get("present"))
        # the charts in words: when the run pauses or ends, not per frame (the text view shows them too)
        data["summary"] = None if run.status == RUNNING else self._summary(run)
        live.live_charts(data, key=self.chart_key, on_transport_change=self._on_transport,
                         on_meta_change=self._on_meta)
        if full:
            view.fulls = [view.fulls[1], n]
        view.ver, view.frame = run.history.stride, view.frame + 1

    def _summary(self, run):
        """live.summaries of the run as it is now: made again only when its steps, status or the
        language (the view's key) changed."""
        view = self._view(run)
        key = (len(run.history), run.status)
        if view.summary_key != key:
            view.summary, view.summary_key = live.summaries(run), key
        return view.summary

    def _pace(self, run):
        """Advance a running run to where its speed says it should be by now (one frame's work)."""
        speed = run.settings["speed"]
        if speed > 0:
            view = self._view(run)
            if view.clock is None:
                view.clock = (time.perf_counter(), len(run.history))
            t0, done0 = view.clock
            run.advance(int((time.perf_counter() - t0) * speed) - (len(run.history) - done0))
        else:
            run.advance(10**9, max_seconds=FAST_SLICE)

    def _live_section(self):
        ss = st.session_state
        full = ss.pop(self._k("page_run"), False)     # the page's own call: the whole history
        if ss.get(self._k("action")) is not None:      # the browser's Pause/Step: the page applies it
            st.rerun()
        run = self.run
        was_running = run.status == RUNNING
        if was_running:
            self._pace(run)
        self._draw(run, full=full)
        if was_running and run.status != RUNNING:
            st.rerun()                                 # the run ended: draw the finished page once

    def _on_meta(self):
        """The browser has data of this run but not its meta (every update that carried it was
        dropped): send it with the next full updates again."""
        view = self._get("view")
        if view is not None:
            view.meta_sends = 0
            view.frame = 0                    # and make the next update a full one

    def _on_transport(self):
        """Pause or Step clicked while the browser was playing: it froze the charts at the step
        it showed and sends {"action", "at", "nonce"}; the page rewinds the run to that step."""
        value = st.session_state.get(self.chart_key, {})
        value = value.get("transport") if hasattr(value, "get") else None
        # the same event can be delivered again (an interrupted run keeps its trigger values)
        if isinstance(value, dict) and value.get("action") in ("pause", "step") \
                and value.get("nonce") != self._get("transport_ack"):
            at = value.get("at")
            self._set("action", Action(value["action"], at if isinstance(at, int) else None, browser=True))
            self._set("transport_ack", value.get("nonce"))
