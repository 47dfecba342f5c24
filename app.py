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

FRAME_SECONDS = 0.2        # server frames; the browser paints in between on its own clock
FULL_EVERY = 4             # every 4th frame resends the whole displayed history
PANEL_EVERY = 5            # the equations panel is redrawn once a second while running
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


def draw_charts(slot, run, full):
    """Send the browser what is new. The frontend may drop intermediate updates, so a tail
    starts where the last-but-one full update ended: one dropped update (full or not) is
    repaired by the next."""
    view = view_for(run)
    if not full and (view["ver"] != run.history.stride or view["frame"] % FULL_EVERY == 0):
        full = True
    start = 0 if full else view["fulls"][0]
    with slot:
        live.live_charts(live.payload(run, view["key"], view, full, start))
    if full:
        view["fulls"] = [view["fulls"][1], live.display_len(run)]
    view.update(ver=run.history.stride, frame=view["frame"] + 1)


def progress(slot, run):
    h = len(run.history)
    rec = run.last
    text = (f"epoch {rec.epoch} of {run.settings['epochs']} · step {rec.step} of {run.total_steps}"
            if rec else f"{run.total_steps} steps to go ({run.settings['epochs']} epochs × "
                        f"{run.steps_per_epoch} batches)")
    slot.progress(min(h / run.total_steps, 1.0), text=text)


def play(run, chart_slot, progress_slot, panel_slot):
    """Advance a running run at its speed, drawing a frame every FRAME_SECONDS.

    A click or widget change reruns the script and interrupts this loop at its next st.* call;
    the run lives in session_state, between whole steps, so nothing is lost."""
    speed = run.settings["speed"]
    t0, done0, frame = time.perf_counter(), len(run.history), 0
    while run.status == RUNNING:
        if speed > 0:
            due = int((time.perf_counter() - t0) * speed) - (len(run.history) - done0)
            run.advance(due)
        else:
            run.advance(10**9, max_seconds=FAST_SLICE)
        if run.finished:
            break
        draw_charts(chart_slot, run, full=False)
        progress(progress_slot, run)
        frame += 1
        if frame % PANEL_EVERY == 0 and run.last is not None:
            with panel_slot.container():
                panels.show_step(run)
        time.sleep(max(0.0, FRAME_SECONDS - (time.perf_counter() - t0) % FRAME_SECONDS))
    st.rerun()        # draw the finished run once, fully


def _act(name):
    st.session_state.action = name


def buttons(run):
    """Train / Pause / Step / Reset; a click is stored by its callback and applied next run."""
    b = st.columns([1, 1, 1, 1, 3])
    b[0].button("Train", icon=":material/play_arrow:", type="primary", width="stretch",
                help="Run to the end, or resume a paused run", on_click=_act, args=("train",),
                disabled=run.status == RUNNING)
    b[1].button("Pause", icon=":material/pause:", width="stretch", on_click=_act, args=("pause",),
                disabled=run.status != RUNNING)
    b[2].button("Step", icon=":material/skip_next:", width="stretch", on_click=_act, args=("step",),
                help="Exactly one minibatch update")
    b[3].button("Reset", icon=":material/restart_alt:", width="stretch", on_click=_act,
                args=("reset",), help="Back to step 0 with these settings")


def main():
    st.set_page_config(page_title="Linear regression, step by step", page_icon="📉", layout="wide")
    init_state()
    ss = st.session_state
    err = live.ensure_static_assets()

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
    if action == "reset" or (action in ("train", "step") and (stale or run.finished)):
        run = ss.run = new_run(settings)
        stale = False
    if stale:
        if run.status == RUNNING:
            run.status = PAUSED
        st.info("Settings changed: this run is paused and kept as it was. **Train** or **Step** "
                "starts a new run with the new settings; **Reset** shows its start.")
    if action == "train" and not run.finished:
        run.status = RUNNING
    elif action == "pause" and run.status == RUNNING:
        run.status = PAUSED
    elif action == "step" and not run.finished:
        run.advance(1)
        if not run.finished:
            run.status = PAUSED
    buttons(run)

    progress_slot = st.empty()
    progress(progress_slot, run)
    panels.show_alert(run)
    chart_slot = st.empty()
    draw_charts(chart_slot, run, full=True)
    th = run.theory
    st.caption(f"Stable learning rates — y = x²/2: lr < 2 · these data (full batch, 2/λ_max): "
               f"lr < {th.max_stable_lr:.3g} · now lr = {run.settings['lr']:g}.")
    results_slot = st.container()
    st.subheader("The current step")
    panel_slot = st.empty()
    with panel_slot.container():
        panels.show_step(run)
    with results_slot:
        panels.show_results(run)
    with st.expander("Export"):
        panels.export_buttons(run, run.settings, query)

    if run.status == RUNNING:
        play(run, chart_slot, progress_slot, panel_slot)


# named pages: the sidebar shows what each one is, not its file name
st.navigation([
    st.Page(main, title="Linear regression, step by step", icon=":material/show_chart:", default=True),
    st.Page("pages/1_Gradient_descent_on_parabola.py", title="The parabola y = x²/2",
            icon=":material/timeline:", url_path="parabola"),
]).run()
