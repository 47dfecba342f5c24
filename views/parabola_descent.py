"""Gradient descent on y = x^2 / 2: the lesson's picture of a gradient, one step at a time; then
momentum (d2l-zh 11.6) on the same parabola: its convergence rate over (lr, β), and a run at a
chosen point beside plain gradient descent.

Settings x0, lr, steps, and the momentum section's m_lr, beta, m_steps live in the URL
(?x0=4&lr=0.1&steps=12&m_lr=0.1&beta=0.5&m_steps=30), so a shared link shows the same runs; bad
values there are clamped or defaulted with a warning, never an error.
"""

from __future__ import annotations

import streamlit as st

from core.parabola import REGIMES, momentum_descent, momentum_rate, momentum_region, parabola_descent, regime
from core.settings import Setting, row
from ui import guard, i18n
from ui.figure_style import flex_css, flex_item
from ui.i18n import N_, _
from ui.page_settings import PageSettings
from ui.parabola_figures import (
    iterates_figure,
    measured_rate,
    momentum_map_figure,
    momentum_runs_figure,
    momentum_translated,
    out_of_view_note,
    parabola_figure,
    runs_off_view,
    steps_table,
    translated,
)

SETTINGS = (
    Setting("x0", "float", 4.0, -5.0, 5.0, N_("Start x0"), N_("Where descent starts.")),
    row("lr", default=0.1, lo=0.01, hi=3.0,
        help=N_("Step size of each update x ← x − lr·f'(x). Type any value in [0.01, 3].")),
    Setting("steps", "int", 12, 1, 50, N_("Number of steps"), N_("How many updates to take.")),
    # the momentum section
    row("lr", key="m_lr", default=0.1, lo=0.01, hi=4.0,
        help=N_("Step size of momentum and of plain gradient descent beside it, in [0.01, 4].")),
    row("momentum", key="beta", default=0.5, hi=0.99,
        help=N_("How much of the last velocity each step keeps: v ← β·v + f'(x). β = 0 is plain gradient "
                "descent; in [0, 0.99].")),
    Setting("m_steps", "int", 30, 1, 100, N_("Number of steps"), N_("How many updates each run takes.")),
)
# the map and the runs side by side where each gets about 400 px, else one above the other
SIDE_BY_SIDE = flex_css((flex_item("parabola_momentum_row", "parabola_momentum_left"), 4, 400),
                        (flex_item("parabola_momentum_row", "parabola_momentum_right"), 3, 380),
                        (".st-key-parabola_momentum_rates > div", 1, 190))
MAP_KEY = "parabola_momentum_map"
MOMENTUM_BANNERS = {"monotone": st.success, "oscillating": st.info, "divergent": st.error}
MOMENTUM_REGION_TEXT = {
    "monotone": N_("real eigenvalues, the larger positive: x_k approaches 0 from one side"),
    "oscillating": N_("x_k swings through 0 and back (complex eigenvalues, or a negative one), "
                      "still converging"),
    "divergent": N_("rate ≥ 1: |x_k| does not shrink"),
}
PRESETS = {0.1: "monotone", 1.0: "one-step", 1.5: "oscillating", 2.0: "bouncing", 2.5: "diverging"}
NAMES = {"monotone": N_("Monotone"), "one-step": N_("One-step"), "oscillating": N_("Oscillating"),
         "bouncing": N_("Bouncing"), "diverging": N_("Diverging")}
BANNERS = {"monotone": st.success, "one-step": st.info, "oscillating": st.success,
           "bouncing": st.warning, "diverging": st.error}
VERDICT = {"monotone": ("<", N_("so descent converges")), "one-step": ("<", N_("so descent converges")),
           "oscillating": ("<", N_("so descent converges")),
           "bouncing": ("=", N_("so descent neither converges nor diverges")),
           "diverging": (">", N_("so descent diverges"))}
PAGE = PageSettings("parabola", SETTINGS)   # widget keys "parabola_<key>"


@guard.callback
def _choose_preset(lr):
    st.session_state[PAGE.key("lr")] = lr
    PAGE.forget_problems()


def controls():
    """The sliders, the lr box and the preset buttons. Returns {x0, lr, steps}."""
    x0_s, lr_s, steps_s = SETTINGS[:3]
    c1, c2, c3 = st.columns(3)
    c1.slider(_(x0_s.label), x0_s.lo, x0_s.hi, step=0.1, key=PAGE.key("x0"), help=_(x0_s.help),
              on_change=PAGE.forget_problems)
    c2.number_input(_(lr_s.label), lr_s.lo, lr_s.hi, step=0.05, format="%.3f", key=PAGE.key("lr"),
                    help=_(lr_s.help), on_change=PAGE.forget_problems)
    c3.slider(_(steps_s.label), steps_s.lo, steps_s.hi, key=PAGE.key("steps"), help=_(steps_s.help),
              on_change=PAGE.forget_problems)
    current = st.session_state[PAGE.key("lr")]
    cols = st.columns([1.2] + [1] * len(PRESETS))
    cols[0].markdown(_("**Presets:**"))
    for col, (lr, name) in zip(cols[1:], PRESETS.items()):
        col.button(f"lr = {lr:g} · {_(NAMES[name]).lower()}", key=PAGE.key(f"preset_{lr:g}"), width="stretch",
                   type="primary" if abs(current - lr) < 1e-9 else "secondary",
                   on_click=_choose_preset, args=(lr,))
    return PAGE.remember(PAGE.values())


def _picked_point():
    """A click on the momentum map: the point's x is lr, its y is β."""
    event = st.session_state.get(MAP_KEY)
    points = (event or {}).get("selection", {}).get("points", []) if hasattr(event, "get") else []
    picked = [(p["x"], p["y"]) for p in points
              if isinstance(p.get("x"), (int, float)) and isinstance(p.get("y"), (int, float))]
    if picked:
        (lr, beta), by_key = picked[0], {s.key: s for s in SETTINGS}
        st.session_state[PAGE.key("m_lr")] = round(min(max(lr, by_key["m_lr"].lo), by_key["m_lr"].hi), 2)
        st.session_state[PAGE.key("beta")] = round(min(max(beta, by_key["beta"].lo), by_key["beta"].hi), 2)
        PAGE.forget_problems()


def momentum_sliders():
    """lr, β and steps of the momentum section (their values are read with the others, in
    controls(), before the URL is written)."""
    by_key = {s.key: s for s in SETTINGS}
    c1, c2, c3 = st.columns(3)
    for col, key, step, fmt in ((c1, "m_lr", 0.01, "%.2f"), (c2, "beta", 0.01, "%.2f"),
                                (c3, "m_steps", 1, None)):
        s = by_key[key]
        col.slider(_(s.label), s.lo, s.hi, step=step, format=fmt, key=PAGE.key(key), help=_(s.help),
                   on_change=PAGE.forget_problems)


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
    PAGE.show_warnings()
    values = controls()
    PAGE.sync(values)
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
        st.plotly_chart(parabola_figure(steps, lr, words), key=PAGE.key("parabola_chart"))
        st.caption(_("▶ Play replays the steps from k = 0; drag the slider to pick one step."))
    right.plotly_chart(iterates_figure(steps, words), key=PAGE.key("iterates_chart"))

    left, right = st.columns([3, 2])
    with left:
        show_table(steps_table(steps, lr, words))
    right.markdown(_(
        "**Link to linear regression.** With the lesson's standardised features the squared "
        "loss curves like x²/2 in every direction of (w, b), so the same thresholds hold: "
        "lr < 1 is monotone, lr < 2 is stable, lr > 2 diverges. "
        "d2l's own example uses f(x) = x², whose derivative is 2x: there every threshold "
        "halves (stable for lr < 1)."))
    momentum_section(values)


def show_rates(lr, beta, gd, momentum):
    """The region in words and the rates: measured on the runs beside the core's."""
    region = str(momentum_region(lr, beta))
    core_m, core_gd = float(momentum_rate(lr, beta)), float(momentum_rate(lr, 0.0))
    words = momentum_translated(_)
    MOMENTUM_BANNERS[region](
        _("**{name}** at lr = {lr}, β = {beta}: {text}.").format(
            name=words[region].capitalize(), lr=f"{lr:g}", beta=f"{beta:g}",
            text=_(MOMENTUM_REGION_TEXT[region]))
        + "\n\n" + _("Rate of momentum {rate}, of plain gradient descent at the same lr {gd_rate}: "
                       "|x_k| shrinks like rate^k. Effective learning rate lr/(1 − β) = {eff}.").format(
            rate=f"{core_m:.3g}", gd_rate=f"{core_gd:.3g}", eff=f"{lr / (1 - beta):.3g}"))

    def shown(r):
        return "—" if r is None else f"{r:.3g}"

    row = st.container(horizontal=True, key=PAGE.key("momentum_rates"))
    row.metric(_("Momentum: rate measured"), shown(measured_rate([s.x for s in momentum])),
               help=_("(|(x_N, x_N−1)| / |(x_1, x_0)|)^(1/(N−1)) on the run shown: two iterates, so a "
                      "crossing of 0 does not count as arriving. It nears the matrix's rate as N grows."))
    row.metric(_("Momentum: rate from the matrix"), f"{core_m:.3g}")
    row.metric(_("Gradient descent: rate measured"), shown(measured_rate([s.x for s in gd])))
    row.metric(_("Gradient descent: rate |1 − lr|"), f"{core_gd:.3g}")


def momentum_section(values):
    """Momentum on y = x²/2: the (lr, β) map of its rate, a click picks a point, the runs beside."""
    st.header(_("Momentum"))
    st.markdown(_(
        "**Momentum** (d2l-zh 11.6) replaces the gradient by a leaky average of past gradients, the "
        "velocity v; **momentum β** says how much of it each step keeps. With β = 0 it is plain "
        "gradient descent. A constant gradient would make each step lr/(1 − β) long: the **effective "
        "learning rate**."))
    st.latex(r"v_{k+1} = \beta\, v_k + f'(x_k), \qquad x_{k+1} = x_k - \mathrm{lr}\cdot v_{k+1}")
    st.markdown(_(
        "On y = x²/2 each step multiplies (v, x) by a 2 × 2 matrix, so |x_k| shrinks like rate^k, "
        "rate = its largest |eigenvalue|. The map colours every (lr, β) by that rate (darker is faster); "
        "momentum converges while lr < 2 (1 + β), up to twice plain descent's bound. Along the "
        "critical-damping curve β = (1 − √lr)² the rate is lowest for each lr < 1: below it x_k creeps "
        "to 0 from one side, above it x_k overshoots and swings back. **Click the map** to pick a point, "
        "or use the sliders."))
    momentum_sliders()
    x0, lr, beta, n = values["x0"], values["m_lr"], values["beta"], values["m_steps"]
    try:
        gd = list(parabola_descent(x0, lr, n))
        momentum = list(momentum_descent(x0, lr, beta, num_steps=n))
    except ValueError as exc:       # the widgets' ranges should make this unreachable
        st.error(_("Cannot run descent: {error}").format(error=exc))
        return
    show_rates(lr, beta, gd, momentum)
    words = momentum_translated(_)
    st.html(SIDE_BY_SIDE)
    row = st.container(horizontal=True, key=PAGE.key("momentum_row"), gap="medium")
    left, right = row.container(key=PAGE.key("momentum_left")), row.container(key=PAGE.key("momentum_right"))
    with left:
        st.plotly_chart(momentum_map_figure(lr, beta, words), key=MAP_KEY, on_select=_picked_point,
                        selection_mode="points")
        st.caption(_("Hatched: divergent (rate ≥ 1). The star is the chosen (lr, β), the circle plain "
                     "gradient descent at the same lr."))
    with right:
        st.plotly_chart(momentum_runs_figure(gd, momentum, lr, beta, words), key=PAGE.key("momentum_runs"))
        for note in runs_off_view(gd, momentum, words):
            st.markdown(f"**{note}**")
        st.caption(_("Both runs start at x0 = {x0} (the slider above). ▶ Play runs them side by side "
                     "from k = 0; drag the slider to pick one step.").format(x0=f"{x0:g}"))


run()
