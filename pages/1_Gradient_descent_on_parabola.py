"""Gradient descent on y = x^2 / 2: the lesson's picture of a gradient, one step at a time.

Settings x0, lr, steps live in the URL (?x0=4&lr=0.1&steps=12), so a shared link shows the
same run; bad values there are clamped or defaulted with a warning, never an error.
"""

from __future__ import annotations

import sys
from pathlib import Path

# run on its own (streamlit run pages/...) only pages/ is on sys.path; app.py's run has the root
ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import streamlit as st  # noqa: E402

from core.parabola import REGIMES, parabola_descent, regime  # noqa: E402
from core.settings import Setting, format_value, parse_settings  # noqa: E402
from ui.parabola_figures import (  # noqa: E402
    iterates_figure,
    out_of_view_note,
    parabola_figure,
    steps_table,
)

SETTINGS = (
    Setting("x0", "float", 4.0, -5.0, 5.0, "Start x0", "Where descent starts."),
    Setting("lr", "float", 0.1, 0.01, 3.0, "Learning rate lr",
            "Step size of each update x ← x − lr·f'(x). Type any value in [0.01, 3]."),
    Setting("steps", "int", 12, 1, 50, "Number of steps", "How many updates to take."),
)
PRESETS = {0.1: "monotone", 1.0: "one-step", 1.5: "oscillating", 2.0: "bouncing", 2.5: "diverging"}
BANNERS = {"monotone": st.success, "one-step": st.info, "oscillating": st.success,
           "bouncing": st.warning, "diverging": st.error}
VERDICT = {"monotone": ("<", "converges"), "one-step": ("<", "converges"),
           "oscillating": ("<", "converges"), "bouncing": ("=", "neither converges nor diverges"),
           "diverging": (">", "diverges")}
STATE = "parabola"          # this page's settings; its widget keys are "parabola_<key>"


def _wkey(key):
    return f"{STATE}_{key}"


def parse_query(raw):
    """raw: mapping key -> text, e.g. st.query_params. Returns (values, warnings); never raises."""
    values, warnings = parse_settings(raw, SETTINGS)
    return values, [f"Link setting {w}" for w in warnings]


def init_state():
    """Once per session the settings come from the URL; the widget keys are refilled from them.

    Streamlit forgets a widget's key while another page is shown, hence the separate STATE copy.
    """
    if STATE not in st.session_state:
        values, warnings = parse_query(st.query_params)
        st.session_state[STATE] = values
        st.session_state[f"{STATE}_warnings"] = warnings
    for s in SETTINGS:
        if _wkey(s.key) not in st.session_state:
            st.session_state[_wkey(s.key)] = st.session_state[STATE][s.key]


def _changed():
    st.session_state[f"{STATE}_warnings"] = []     # the user has moved on from the bad link


def _choose_preset(lr):
    st.session_state[_wkey("lr")] = lr
    _changed()


def controls():
    """The sliders, the lr box and the preset buttons. Returns {x0, lr, steps}."""
    x0_s, lr_s, steps_s = SETTINGS
    c1, c2, c3 = st.columns(3)
    c1.slider(x0_s.label, x0_s.lo, x0_s.hi, step=0.1, key=_wkey("x0"), help=x0_s.help,
              on_change=_changed)
    c2.number_input(lr_s.label, lr_s.lo, lr_s.hi, step=0.05, format="%.3f", key=_wkey("lr"),
                    help=lr_s.help, on_change=_changed)
    c3.slider(steps_s.label, steps_s.lo, steps_s.hi, key=_wkey("steps"), help=steps_s.help,
              on_change=_changed)
    current = st.session_state[_wkey("lr")]
    cols = st.columns([1.2] + [1] * len(PRESETS))
    cols[0].markdown("**Presets:**")
    for col, (lr, name) in zip(cols[1:], PRESETS.items()):
        col.button(f"lr = {lr:g} · {name}", key=_wkey(f"preset_{lr:g}"), width="stretch",
                   type="primary" if abs(current - lr) < 1e-9 else "secondary",
                   on_click=_choose_preset, args=(lr,))
    values = {s.key: st.session_state[_wkey(s.key)] for s in SETTINGS}
    st.session_state[STATE] = values
    return values


def sync_url(values):
    """Write the settings back into the URL, touching only the keys that changed."""
    for s in SETTINGS:
        text = format_value(s, values[s.key])
        if st.query_params.get(s.key) != text:
            st.query_params[s.key] = text


def show_regime(lr, note=None):
    """The regime in words and colour, with the rule |1 − lr| < 1, and `note` when given."""
    name = regime(lr)
    sign, verdict = VERDICT[name]
    BANNERS[name](
        f"**{name.capitalize()}** — {REGIMES[name]}.\n\n"
        f"Rule: x_k = (1 − lr)^k · x0, and |1 − lr| = |1 − {lr:g}| = {abs(1 - lr):.3g} {sign} 1, "
        f"so descent {verdict}." + (f"\n\n**{note.capitalize()}.**" if note else "")
    )


def show_table(table):
    """The steps as a table, four significant digits.

    The grid's number formats fail beyond about 1e15 (a diverging run gets there), so such a
    column is shown as text instead.
    """
    table, config = table.copy(), {}
    for c in table.columns.drop("k"):
        if table[c].abs().max() >= 1e6:
            table[c] = [f"{v:.4g}" for v in table[c]]
        else:
            config[c] = st.column_config.NumberColumn(format="%.4g")
    st.dataframe(table, hide_index=True, height=320, column_config=config)


def run():
    st.set_page_config(page_title="Gradient descent on y = x²/2", layout="wide")
    st.title("Gradient descent on y = x²/2")
    st.markdown(
        "The derivative f'(x) = x points uphill, so each step moves **against** it, "
        "by lr times its size:"
    )
    st.latex(r"x_{k+1} = x_k - \mathrm{lr}\cdot f'(x_k) = (1 - \mathrm{lr})\,x_k")

    init_state()
    for warning in st.session_state[f"{STATE}_warnings"]:
        st.warning(warning)
    values = controls()
    sync_url(values)
    x0, lr, num_steps = values["x0"], values["lr"], values["steps"]

    try:
        steps = list(parabola_descent(x0, lr, num_steps))
    except ValueError as exc:       # the widgets' ranges should make this unreachable
        st.error(f"Cannot run descent: {exc}")
        return
    show_regime(lr, out_of_view_note(steps))

    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(parabola_figure(steps, lr), key=_wkey("parabola_chart"))
        st.caption("▶ Play replays the steps from k = 0; drag the slider to pick one step.")
    right.plotly_chart(iterates_figure(steps), key=_wkey("iterates_chart"))

    left, right = st.columns([3, 2])
    with left:
        show_table(steps_table(steps, lr))
    right.markdown(
        "**Link to linear regression.** With the lesson's standardised features the squared "
        "loss curves like x²/2 in every direction of (w, b), so the same thresholds hold: "
        "lr < 1 is monotone, lr < 2 is stable, lr > 2 diverges. "
        "d2l's own example uses f(x) = x², whose derivative is 2x: there every threshold "
        "halves (stable for lr < 1)."
    )


run()
