"""Gradient descent on y = x^2 / 2: the lesson's picture of a gradient, one step at a time.

Settings x0, lr, steps live in the URL (?x0=4&lr=0.1&steps=12), so a shared link shows the
same run; bad values there are clamped or defaulted with a warning, never an error.
"""

from __future__ import annotations

import streamlit as st

from core.parabola import REGIMES, parabola_descent, regime
from core.settings import Setting
from ui import i18n, urlstate
from ui.i18n import N_, _, word
from ui.parabola_figures import (
    iterates_figure,
    out_of_view_note,
    parabola_figure,
    steps_table,
    translated,
)

SETTINGS = (
    Setting("x0", "float", 4.0, -5.0, 5.0, N_("Start x0"), N_("Where descent starts.")),
    Setting("lr", "float", 0.1, 0.01, 3.0, N_("Learning rate lr"),
            N_("Step size of each update x ← x − lr·f'(x). Type any value in [0.01, 3].")),
    Setting("steps", "int", 12, 1, 50, N_("Number of steps"), N_("How many updates to take.")),
)
PRESETS = {0.1: "monotone", 1.0: "one-step", 1.5: "oscillating", 2.0: "bouncing", 2.5: "diverging"}
NAMES = {"monotone": N_("Monotone"), "one-step": N_("One-step"), "oscillating": N_("Oscillating"),
         "bouncing": N_("Bouncing"), "diverging": N_("Diverging")}
BANNERS = {"monotone": st.success, "one-step": st.info, "oscillating": st.success,
           "bouncing": st.warning, "diverging": st.error}
VERDICT = {"monotone": ("<", N_("so descent converges")), "one-step": ("<", N_("so descent converges")),
           "oscillating": ("<", N_("so descent converges")),
           "bouncing": ("=", N_("so descent neither converges nor diverges")),
           "diverging": (">", N_("so descent diverges"))}
PAGE = urlstate.PageSettings("parabola", SETTINGS)   # widget keys "parabola_<key>"
_wkey, _changed = PAGE.key, PAGE.forget_problems


def _choose_preset(lr):
    st.session_state[_wkey("lr")] = lr
    _changed()


def controls():
    """The sliders, the lr box and the preset buttons. Returns {x0, lr, steps}."""
    i18n.keep([_wkey(s.key) for s in SETTINGS])
    x0_s, lr_s, steps_s = SETTINGS
    c1, c2, c3 = st.columns(3)
    c1.slider(_(x0_s.label), x0_s.lo, x0_s.hi, step=0.1, key=_wkey("x0"), help=_(x0_s.help),
              on_change=_changed)
    c2.number_input(_(lr_s.label), lr_s.lo, lr_s.hi, step=0.05, format="%.3f", key=_wkey("lr"),
                    help=_(lr_s.help), on_change=_changed)
    c3.slider(_(steps_s.label), steps_s.lo, steps_s.hi, key=_wkey("steps"), help=_(steps_s.help),
              on_change=_changed)
    current = st.session_state[_wkey("lr")]
    cols = st.columns([1.2] + [1] * len(PRESETS))
    cols[0].markdown(_("**Presets:**"))
    for col, (lr, name) in zip(cols[1:], PRESETS.items()):
        col.button(f"lr = {lr:g} · {_(NAMES[name]).lower()}", key=_wkey(f"preset_{lr:g}"), width="stretch",
                   type="primary" if abs(current - lr) < 1e-9 else "secondary",
                   on_click=_choose_preset, args=(lr,))
    return PAGE.remember({s.key: st.session_state[_wkey(s.key)] for s in SETTINGS})


def show_regime(lr, note=None):
    """The regime in words and colour, with the rule |1 − lr| < 1, and `note` when given."""
    name = regime(lr)
    sign, verdict = VERDICT[name]
    text = _("**{name}** — {regime}.").format(name=_(NAMES[name]), regime=_(REGIMES[name])) + "\n\n" + \
        _("Rule: x_k = (1 − lr)^k · x0, and |1 − lr| = |1 − {lr}| = {factor} {sign} 1, {verdict}.").format(
            lr=f"{lr:g}", factor=f"{abs(1 - lr):.3g}", sign=sign, verdict=_(verdict))
    if note:
        text += "\n\n**" + _("{note}.").format(note=note[:1].upper() + note[1:]) + "**"
    BANNERS[name](text)


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
    i18n.picker()
    st.title(_("Gradient descent on y = x²/2"))
    st.markdown(_("The derivative f'(x) = x points uphill, so each step moves **against** it, "
                  "by lr times its size:"))
    st.latex(r"x_{k+1} = x_k - \mathrm{lr}\cdot f'(x_k) = (1 - \mathrm{lr})\,x_k")

    PAGE.init()
    urlstate.show_warnings(_("Link setting {problem}").format(problem=word(w))
                           for w in PAGE.problems)
    values = controls()
    urlstate.sync(PAGE.query(values))
    x0, lr, num_steps = values["x0"], values["lr"], values["steps"]

    try:
        steps = list(parabola_descent(x0, lr, num_steps))
    except ValueError as exc:       # the widgets' ranges should make this unreachable
        st.error(_("Cannot run descent: {error}").format(error=exc))
        return
    words = translated(_)
    show_regime(lr, out_of_view_note(steps, words))

    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(parabola_figure(steps, lr, words), key=_wkey("parabola_chart"))
        st.caption(_("▶ Play replays the steps from k = 0; drag the slider to pick one step."))
    right.plotly_chart(iterates_figure(steps, words), key=_wkey("iterates_chart"))

    left, right = st.columns([3, 2])
    with left:
        show_table(steps_table(steps, lr, words))
    right.markdown(_(
        "**Link to linear regression.** With the lesson's standardised features the squared "
        "loss curves like x²/2 in every direction of (w, b), so the same thresholds hold: "
        "lr < 1 is monotone, lr < 2 is stable, lr > 2 diverges. "
        "d2l's own example uses f(x) = x², whose derivative is 2x: there every threshold "
        "halves (stable for lr < 1)."))


run()
