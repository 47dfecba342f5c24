"""The sidebar: widgets built from core.settings.SETTINGS; returns a settings dict."""

from __future__ import annotations

import streamlit as st

from core import settings as S
from core.backends import BACKENDS, backend_installed

# slider stops: log-spaced where a quantity spans decades
LR_STOPS = (1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.0,
            1.2, 1.5, 1.8, 1.9, 2.0, 2.1, 2.5, 3.0, 5.0, 10.0)
BATCH_STOPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000)
EPOCH_STOPS = (1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50, 100)
N_STOPS = (2, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000)
NOISE_STOPS = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.5, 1.0, 2.0, 5.0, 10.0)
SPEED_STOPS = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 0.0)

WIDGET = "ctl_"          # session_state key prefix of the sidebar widgets


def init_widgets(values):
    """Seed every widget's session_state from a settings dict (once per session, or on Reset)."""
    for s in S.SETTINGS:
        st.session_state[WIDGET + s.key] = (S.format_value(s, values[s.key]) if s.kind == "floats"
                                            else values[s.key])


def _stops(stops, current, lo=None, hi=None):
    """Sorted stops within [lo, hi], plus the current value (which may come from a URL)."""
    vals = {v for v in stops if (lo is None or v >= lo) and (hi is None or v <= hi)} | {current}
    return sorted(vals, key=lambda v: (v == 0, v))      # 0 ("as fast as possible") goes last


def _select(key, stops, fmt=None, lo=None, hi=None, disabled=False):
    s = S.BY_KEY[key]
    k = WIDGET + key
    options = _stops(stops, st.session_state[k], lo, hi)
    if st.session_state[k] not in options:               # outside [lo, hi] after n changed
        st.session_state[k] = min(options, key=lambda v: abs(v - st.session_state[k]))
    return st.select_slider(s.label, options=options, key=k, help=s.help,
                            format_func=fmt or (lambda v: f"{v:g}"), disabled=disabled)


def _speed_label(v):
    return "as fast as possible" if v == 0 else f"{v:g} steps/s"


def sidebar():
    """Draw the controls; returns (settings dict, list of messages about bad input)."""
    with st.sidebar:
        return _sidebar()


def _sidebar():
    problems = []
    st.header("Settings")
    values = {
        "lr": _select("lr", LR_STOPS),
        "noise": _select("noise", NOISE_STOPS),
    }
    n = st.session_state[WIDGET + "n"]
    values["batch_size"] = _select("batch_size", BATCH_STOPS, hi=n)
    values["epochs"] = _select("epochs", EPOCH_STOPS)
    values["speed"] = _select("speed", SPEED_STOPS, fmt=_speed_label)
    with st.expander("More: data, seed, backend"):
        values["n"] = _select("n", N_STOPS)
        w_text = st.text_input(S.BY_KEY["w"].label, key=WIDGET + "w", help=S.BY_KEY["w"].help)
        try:
            values["w"] = S.parse_value(S.BY_KEY["w"], w_text)
        except ValueError as exc:
            problems.append(f"{exc} — keeping the previous true w.")
            values["w"] = st.session_state.get("last_good_w", S.DEFAULTS["w"])
        st.session_state.last_good_w = values["w"]
        b = S.BY_KEY["b"]
        values["b"] = float(st.number_input(b.label, min_value=b.lo, max_value=b.hi, step=0.1,
                                            key=WIDGET + "b", help=b.help))
        seed = S.BY_KEY["seed"]
        values["seed"] = int(st.number_input(seed.label, min_value=seed.lo, max_value=seed.hi,
                                             step=1, key=WIDGET + "seed", help=seed.help))
        values["backend"] = backend_picker()
    values, more = S.reconcile(values)
    return values, problems + more


def backend_picker():
    """A radio of the backends; one that is not installed is named with the reason, and
    choosing it falls back to NumPy with a message (checked without importing MindSpore)."""
    k = WIDGET + "backend"
    missing = {name for name in BACKENDS if not backend_installed(name)}

    def label(name):
        text = BACKENDS[name].label
        return text + (" — not installed" if name in missing else "")

    choice = st.radio("Backend", list(BACKENDS), key=k, format_func=label,
                      help="NumPy: the lesson's hand-derived gradients. MindSpore: the same network "
                           "with automatic differentiation (the first step compiles, about 1 s).")
    if choice in missing:
        st.warning(f"{BACKENDS[choice].label} is not available here. Install it with: "
                   f"`{BACKENDS[choice].install}`. Using NumPy.")
        return "numpy"
    return choice
