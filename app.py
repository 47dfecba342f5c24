"""Linear regression, step by step: the lesson's linear network trained live, one minibatch at a time.

A thin script: read settings (URL, sidebar), keep one Run per session, advance it at the chosen
speed, hand what it did to the live charts and panels.
"""

from __future__ import annotations

import time

import streamlit as st

from core import settings as S
from core.data import synthetic_data
from core.run import PAUSED, RUNNING, Run, Theory
from ui import controls, live, panels

FRAME_SECONDS = 0.25       # server frames; the browser paints in between on its own clock
FULL_EVERY = 4             # every 4th frame resends the whole displayed history
FAST_SLICE = 0.05          # at "as fast as possible", compute for this long per frame
RUN_KEYS = ("lr", "batch_size", "epochs", "noise", "n", "w", "b", "seed", "backend")


@st.cache_data(max_entries=16, show_spinner=False)
def cached_data(w, b, n, noise, seed):
    """The synthetic data and what theory says about them; shared, because it is pure."""
    X, y = synthetic_data(w, b, n, noise, seed=seed)
    return X, y, Theory(X, y, noise)


def new_run(settings):
    X, y, theory = cached_data(settings["w"], settings["b"], settings["n"], settings["noise"],
                               settings["seed"])
    run = Run(settings, data=(X, y), theory=theory)
    st.session_state.run_count += 1
    st.session_state.run_key = f"{st.session_state.run_count}"
    st.session_state.view = None
    return run


def init_state():
    """Once per session: settings from the URL (with warnings), widgets seeded from them."""
    if "run" in st.session_state:
        return
    values, warnings = S.parse_settings(st.query_params.to_dict())
    st.session_state.url_warnings = warnings
    controls.init_widgets(values)
    st.session_state.run_count = 0
    st.session_state.run = None


def run_settings(settings):
    return {k: settings[k] for k in RUN_KEYS}


def sync_url(settings):
    query = S.to_query(settings)
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)
    return query


def view_for(run):
    """Per-session record of what the browser was sent for this run (meta built once per run)."""
    view = st.session_state.view
    if view is None or view["key"] != st.session_state.run_key:
        view = {"key": st.session_state.run_key, "fulls": [0, 0], "ver": 0, "frame": 0,
                "meta": live.meta(run)}
        st.session_state.view = view
    return view


def draw_charts(run, full):
    """Send the browser what is new. The frontend may drop intermediate updates, so a tail
    starts where the last-but-one full update ended: one dropped update (full or not) is
    repaired by the next. Called once per script or fragment run (the component is keyed, so
    the browser keeps one chart element for the whole session)."""
    view = view_for(run)
    if not full and (view["ver"] != run.history.stride or view["frame"] % FULL_EVERY == 0):
        full = True
    # a rewind (Pause or Step at the step the browser showed) can leave the run shorter than
    # what the browser has: a tail from there tells it where the history now ends
    n = live.display_len(run)
    start = 0 if full else min(view["fulls"][0], n)
    data = live.payload(run, view["key"], view, full, start)
    data["ack"] = st.session_state.get("transport_ack")
    live.live_charts(data, key="lrviz", on_transport_change=_on_transport)
    if full:
        view["fulls"] = [view["fulls"][1], n]
    view.update(ver=run.history.stride, frame=view["frame"] + 1)


def pace(run):
    """Advance a running run to where its speed says it should be by now (one frame's work)."""
    speed = run.settings["speed"]
    if speed > 0:
        view = view_for(run)
        t0, done0 = view.setdefault("clock", (time.perf_counter(), len(run.history)))
        run.advance(int((time.perf_counter() - t0) * speed) - (len(run.history) - done0))
    else:
        run.advance(10**9, max_seconds=FAST_SLICE)


def live_section():
    """The live charts (with the run's progress). While a run is running this is a fragment re-run every
    FRAME_SECONDS by the browser: only it is redrawn, not the whole page. A run that ends, or a
    click on Pause/Step the browser answered itself, reruns the whole page."""
    ss = st.session_state
    full = ss.pop("page_run", False)           # the page's own call: send the whole history
    if ss.get("action") is not None:            # the browser's Pause/Step: the page applies it
        st.rerun()
    run = ss.run
    was_running = run.status == RUNNING
    if was_running:
        pace(run)
    draw_charts(run, full=full)
    if was_running and run.status != RUNNING:
        st.rerun()                              # the run ended: draw the finished page once


def _on_transport():
    """Pause or Step clicked while the browser was playing: it froze the charts at the step it
    showed and sends {"action", "at", "nonce"}; the page rewinds the run to that step."""
    value = st.session_state.get("lrviz", {})
    value = value.get("transport") if hasattr(value, "get") else None
    # the same event can be delivered again (an interrupted run keeps its trigger values)
    if isinstance(value, dict) and value.get("action") in ("pause", "step") \
            and value.get("nonce") != st.session_state.get("transport_ack"):
        at = value.get("at")
        st.session_state.action = (value["action"], at if isinstance(at, int) else None)
        st.session_state.transport_ack = value.get("nonce")


def _act(name):
    st.session_state.action = name


def apply(run, action):
    """Apply a click (name, or (name, step the browser showed)) to the run."""
    name, at = action if isinstance(action, tuple) else (action, None)
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


def buttons(run):
    """Train / Pause / Step / Reset; a click is stored by its callback and applied next run.
    While the charts play, the browser answers Pause and Step itself (static/live_charts.js)."""
    b = st.columns([1, 1, 1, 1, 3])
    b[0].button("Train", icon=":material/play_arrow:", type="primary", width="stretch", key="train",
                help="Run to the end, or resume a paused run", on_click=_act, args=("train",),
                disabled=run.status == RUNNING)
    b[1].button("Pause", icon=":material/pause:", width="stretch", key="pause", on_click=_act,
                args=("pause",), disabled=run.status != RUNNING)
    b[2].button("Step", icon=":material/skip_next:", width="stretch", key="step", on_click=_act,
                args=("step",), help="Exactly one minibatch update")
    b[3].button("Reset", icon=":material/restart_alt:", width="stretch", key="reset", on_click=_act,
                args=("reset",), help="Back to step 0 with these settings")


def main():
    st.set_page_config(page_title="Linear regression, step by step", page_icon="📉", layout="wide")
    init_state()
    ss = st.session_state
    err = live.check_static_assets()

    settings, problems = controls.sidebar()
    query = sync_url(settings)

    st.title("Linear regression, step by step")
    st.markdown(
        "Data **y = Xw + b + noise**; the model **ŷ = Xw + b** learns w and b by minibatch SGD on the "
        "squared loss (ŷ − y)²/2. Press **Train** and watch the loss fall, the parameters find the "
        "true values, and the same learning rate at work on **y = x²/2**.")
    for w in ss.pop("url_warnings", []) + problems:
        st.warning(w)
    if err:
        st.error(err)

    run = ss.run
    if run is None or (run_settings(run.settings) != run_settings(settings) and len(run.history) == 0):
        run = ss.run = new_run(settings)
    stale = run_settings(run.settings) != run_settings(settings)
    run.settings["speed"] = settings["speed"]

    # a click is applied before the buttons are drawn, so each button's enabled state matches
    # the status it produced (Pause is clickable during the run Train just started)
    action = ss.pop("action", None)
    name = action[0] if isinstance(action, tuple) else action
    if name == "reset" or (name in ("train", "step") and not isinstance(action, tuple)
                           and (stale or run.finished)):
        run = ss.run = new_run(settings)
        stale = False
    if stale:
        if run.status == RUNNING:
            run.status = PAUSED
        st.info("Settings changed: this run is paused and kept as it was. **Train** or **Step** "
                "starts a new run with the new settings; **Reset** shows its start.")
    apply(run, action)
    buttons(run)

    if name == "train" and run.status == RUNNING:     # the pace is counted from this click
        view_for(run)["clock"] = (time.perf_counter(), len(run.history))
    panels.show_alert(run)
    ss.page_run = True
    st.fragment(live_section, run_every=FRAME_SECONDS if run.status == RUNNING else None)()
    th = run.theory
    st.caption(f"Stable learning rates — y = x²/2: lr < 2 · these data (full batch, 2/λ_max): "
               f"lr < {th.max_stable_lr:.3g} · now lr = {run.settings['lr']:g}.")
    panels.show_results(run)
    st.subheader("The current step")
    if run.status == RUNNING:                   # the fragment reruns the whole page when it ends
        st.caption("Training… **Pause** (or **Step**) to see the step on the charts written out "
                   "as the lesson's equations, with its numbers.")
    else:
        panels.show_step(run)
    with st.expander("Export"):
        panels.export_buttons(run, run.settings, query)


# named pages: the sidebar shows what each one is, not its file name
st.navigation([
    st.Page(main, title="Linear regression, step by step", icon=":material/show_chart:", default=True),
    st.Page("pages/1_Gradient_descent_on_parabola.py", title="The parabola y = x²/2",
            icon=":material/timeline:", url_path="parabola"),
]).run()
