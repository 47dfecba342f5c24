"""One step, inside: the chain rule on one example's computational graph, the noise of a
minibatch gradient, and the update as an arrow on the loss contours.

The step is the main page's current one (its run, its batch, the parameters before the update)
or, when the main page has none or on request, an update of a run of this page's own with the
lesson's settings, chosen with Step or a number (in the URL: ?step=57&example=3&stage=18). Every
number comes from core.inside; the figures from ui.inside_figures.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import streamlit as st

from core import inside, optimizers
from core.data import fingerprint
from core.model import full_loss
from core.settings import DEFAULTS, OPTIMIZER_SETTINGS, Setting, optimizer_hyperparams
from core.trainer import steps_per_epoch
from ui import guard, i18n
from ui.controls import optimizer_words
from ui.i18n import N_, _
from ui.inside_figures import (
    ALL,
    STAGES,
    SYMBOLS,
    arrow_box,
    arrow_figure,
    fmt,
    graph_figure,
    noise_figure,
    translated,
    variance_figure,
)
from ui.inside_latex import rule_latex, sci, stage_latex
from ui.page_settings import PageSettings
from ui.panels import table_markdown
from ui.player import Player, cached_data

LESSON = {k: DEFAULTS[k] for k in ("lr", "batch_size", "epochs", "n", "w", "b", "noise", "seed")}
OWN_STEPS = LESSON["epochs"] * steps_per_epoch(LESSON["n"], LESSON["batch_size"])     # 300
SETTINGS = (
    Setting("step", "int", 1, 1, OWN_STEPS, N_("Update of this page's run"),
            N_("Which minibatch update of the lesson's run (lr 0.03, batch 10, 3 epochs: 300 "
               "updates) to look inside.")),
    Setting("example", "int", 1, 1, 100_000, N_("Example of the batch"),
            N_("Which example of the minibatch the graph follows (1 = the first of the batch).")),
    Setting("stage", "int", ALL, 0, ALL, N_("Stage of the passes"),
            N_("How far the forward and the backward pass have gone.")),
)
OPT_ROW = {s.key: s for s in OPTIMIZER_SETTINGS}
# a hyperparameter widget's +/- step
HP_STEP = {"momentum": 0.05, "gamma": 0.05, "rho": 0.05, "beta1": 0.05, "beta2": 0.001, "eps": 1e-6}
# widget keys "inside_<key>"; this page's run's optimizer: the main page's URL keys and rows
PAGE = PageSettings("inside", SETTINGS, optimizer=True)
_key = PAGE.key
SOURCE = "inside_source"
MAIN = Player()                      # the main page's player: its run's current step is looked inside
NOISE_DRAWS = 1000
CURVE_DRAWS = 1000
TABLE_ROWS = 10
ARROW_VIEWS = {"step": N_("around this step"), "whole": N_("the whole valley")}
STAGE_NAMES = {"forward": N_("Forward pass"), "backward": N_("Backward pass"),
               "mean": N_("The mean over the batch")}
# the explanation of each stage: words (translated) with numbers, then a LaTeX line
STAGE_TEXT = {
    ("forward", "x"): N_("The example's features **x**, row {row} of the data: an input, given."),
    ("forward", "w"): N_("The weights **w** before this update: a parameter, the one being learned."),
    ("forward", "Xw"): N_("The first operation: the dot product of x and w."),
    ("forward", "b"): N_("The bias **b** before this update: the other parameter."),
    ("forward", "y_hat"): N_("The prediction: **ŷ = Xw + b**, the linear model (linreg)."),
    ("forward", "y"): N_("The label **y** of this example: an input, given."),
    ("forward", "err"): N_("How far the prediction is off: **ŷ − y**."),
    ("forward", "l"): N_("This example's squared loss (squared_loss): **l = ½(ŷ − y)²**."),
    ("forward", "L"): N_("The minibatch's loss **L**: the mean of the {size} examples' l. The forward "
                         "pass ends here."),
    ("backward", "l"): N_("The backward pass starts at the loss: **∂l/∂l = 1**. From here each node's "
                          "gradient is the gradient above it times the local derivative of the edge "
                          "between them: the chain rule."),
    ("backward", "err"): N_("The derivative of ½e² is e: **∂l/∂(ŷ − y) = ŷ − y**."),
    ("backward", "y"): N_("∂(ŷ − y)/∂y = −1. y is data, not a parameter: this gradient is computed but "
                          "not used."),
    ("backward", "y_hat"): N_("∂(ŷ − y)/∂ŷ = 1: the gradient passes through unchanged."),
    ("backward", "b"): N_("∂ŷ/∂b = 1: **the gradient of the bias is the error itself**."),
    ("backward", "Xw"): N_("∂ŷ/∂Xw = 1: the sum passes the gradient to both of its inputs."),
    ("backward", "w"): N_("∂Xw/∂w = x: **the gradient of the weights is the error times the features**, "
                          "the lesson's hand-derived formula."),
    ("backward", "x"): N_("∂Xw/∂x = w. x is data: not used either. The backward pass for this example "
                          "ends here."),
    ("mean", "L"): N_("L is the mean of the l's, so each l enters it with ∂L/∂lᵢ = 1/|B|: **the step's "
                      "gradient is the mean of the {size} examples' gradients**, what the update uses."),
}


class StepView(NamedTuple):
    """One update, seen from before it: the data, the parameters before, the update's record."""

    X: np.ndarray
    y: np.ndarray
    w: np.ndarray           # (d,) before the update
    b: float
    rec: object             # core.trainer.Step: its batch, batch_loss, grad_w, grad_b, w and b after
    lr: float
    batch_size: int         # the run's (the record's batch may be the smaller last one)
    data: str               # core.data.fingerprint(X, y): names X and y in the shared caches
    main: bool              # the main page's run (else this page's own)
    optimizer: str = "sgd"  # core.optimizers' name
    hyperparams: dict = {}  # its full hyperparameters, lr included
    state: tuple = ()       # its state before the update (rec.state: after)


# two parts side by side where each gets its basis, else one above the other (st.columns would
# squeeze both down to 640 px of window first); a horizontal container's flex items are the
# wrappers around its children, hence :has. A metric's value wraps at its spaces ("2.879e−05 ±
# 1.2e−06") instead of being cut off with an ellipsis.
SIDE_BY_SIDE = """<style>
.st-key-inside_row_graph > div:has(> .st-key-inside_left_graph),
.st-key-inside_row_arrows > div:has(> .st-key-inside_left_arrows) {
  flex: 11 1 440px; min-width: min(440px, 100%); }
.st-key-inside_row_graph > div:has(> .st-key-inside_right_graph),
.st-key-inside_row_arrows > div:has(> .st-key-inside_right_arrows) {
  flex: 9 1 340px; min-width: min(340px, 100%); }
.st-key-inside_row_noise > div { flex: 1 1 420px; min-width: min(420px, 100%); }
.st-key-inside_noise_metrics > div { flex: 1 1 200px; min-width: min(200px, 100%); }
.st-key-inside_noise_metrics [data-testid="stMetricValue"],
.st-key-inside_noise_metrics [data-testid="stMetricValue"] *,
.st-key-inside_right_arrows [data-testid="stMetricValue"],
.st-key-inside_right_arrows [data-testid="stMetricValue"] * {
  white-space: normal; overflow: visible; text-overflow: clip; }
.st-key-inside_optimizer_row > div { flex: 1 1 160px; min-width: min(160px, 100%); }
[data-testid="stMain"] table { font-size: 0.875rem; }
[data-testid="stMain"] th, [data-testid="stMain"] td { padding: 0.3rem 0.4rem; }
@media (max-width: 500px) { [data-testid="stMain"] table { font-size: 0.8rem; }
  .st-key-inside_update .katex-display > .katex { font-size: 1em; }
  [data-testid="stMain"] th, [data-testid="stMain"] td { padding: 0.25rem 0.3rem; } }
</style>"""


def side_by_side(name):
    row = st.container(horizontal=True, gap="medium", key=f"inside_row_{name}")
    return row.container(key=f"inside_left_{name}"), row.container(key=f"inside_right_{name}")


# ---- where the step comes from ----------------------------------------------------------------

@st.cache_data(max_entries=8, show_spinner=False)
def own_step(step, optimizer="sgd", hyperparams=()):
    """Update `step` of the lesson's run with `optimizer` (hyperparams: sorted (name, value)
    pairs, lr included), replayed: core.inside.RealStep (record, w, b and state before)."""
    X, y, _t = cached_data(LESSON["w"], LESSON["b"], LESSON["n"], LESSON["noise"], LESSON["seed"])
    hp = dict(hyperparams)
    return inside.replay_step(X, y, step, lr=hp.get("lr", LESSON["lr"]), batch_size=LESSON["batch_size"],
                              seed=LESSON["seed"], optimizer=optimizer, hyperparams=hp)


def main_run_state():
    """(run, None) when the main page's run has a step to look inside, else (run or None, why not)."""
    run, rec = MAIN.current()
    if run is None:
        return None, _("The main page has no run yet in this session: this page shows a run of its own. "
                       "Press **Step** or **Train** on the main page to look inside its steps instead.")
    if rec is None:
        return run, _("The main page's run has not taken a step yet: this page shows a run of its own.")
    finite = np.all(np.isfinite(rec.w)) and np.all(np.isfinite(rec.grad_w)) and np.isfinite(rec.batch_loss)
    if rec.diverged or not finite:
        return run, _("The main page's run diverged at update {step}: its numbers left the range where "
                      "they mean anything. This page shows a run of its own.").format(step=rec.step)
    return run, None


def main_view(run):
    rec = run.last
    before = run.params_before(rec.step)
    hp = dict(run.hyperparams or {"lr": float(run.settings["lr"])})
    return StepView(run.X, run.y, before.w, before.b, rec, float(run.settings["lr"]),
                    int(run.settings["batch_size"]), fingerprint(run.X, run.y), True, run.optimizer, hp,
                    before.state)


def own_hyperparams():
    """The optimizer of this page's run and its full hyperparameters: the widgets' values, lr the
    book's for that optimizer (the lesson's 0.03 for SGD)."""
    values = PAGE.values()
    name = values["optimizer"]
    hp = optimizers.hyperparams_for(name, optimizer_hyperparams(values))
    return name, hp


def own_view(step):
    X, y, _t = cached_data(LESSON["w"], LESSON["b"], LESSON["n"], LESSON["noise"], LESSON["seed"])
    name, hp = own_hyperparams()
    try:
        real = own_step(step, name, tuple(sorted(hp.items())))
    except ValueError:          # the run left the range of floating point before this step
        st.error(_("With these settings this page's run diverged before update {step}: choose an "
                   "earlier update or other hyperparameters.").format(step=step))
        st.stop()
    return StepView(X, y, real.w, real.b, real.record, hp["lr"], LESSON["batch_size"], fingerprint(X, y),
                    False, name, hp, real.state)


def optimizer_controls():
    """The optimizer of this page's run and its hyperparameters (OPTIMIZER_SETTINGS' rows)."""
    ss = st.session_state
    row = OPT_ROW["optimizer"]
    box = st.container(horizontal=True, vertical_alignment="bottom", key="inside_optimizer_row")
    box.selectbox(_(row.label), row.choices, key=_key("optimizer"), help=_(row.help),
                  format_func=optimizer_words, on_change=PAGE.optimizer_changed)
    name = ss[_key("optimizer")]
    for k in optimizers.BOOK_DEFAULTS[name]:
        if k in OPT_ROW:
            s = OPT_ROW[k]
            box.number_input(_(s.label), s.lo, s.hi, step=HP_STEP[k], format="%g", key=_key(k),
                             help=_(s.help), on_change=PAGE.forget_problems)
    st.caption(_("lr = {lr}, the book's for {optimizer}; batch size {batch}, {epochs} epochs on {n} "
                 "examples, as in the lesson.").format(
        lr=f"{optimizers.BOOK_DEFAULTS[name]['lr']:g}", optimizer=optimizer_words(name),
        batch=LESSON["batch_size"], epochs=LESSON["epochs"], n=LESSON["n"]))


@guard.callback
def _next_step():
    ss = st.session_state
    ss[_key("step")] = min(int(ss[_key("step")]) + 1, OWN_STEPS)
    PAGE.forget_problems()


def choose_step():
    """The source picker and, for this page's run, which update. Returns a StepView."""
    run, why = main_run_state()
    ss = st.session_state
    if why is None:
        options = ["main", "own"]
        labels = {"main": _("The main page's run: update {step} of {total}").format(
                      step=run.last.step, total=run.total_steps),
                  "own": _("A run of this page's own (the lesson's settings)")}
        if ss.get(SOURCE) not in options:
            ss[SOURCE] = "main"
        st.radio(_("Which step"), options, key=SOURCE, format_func=labels.get, horizontal=True)
        if ss[SOURCE] == "main":
            view = main_view(run)
            s = run.settings
            st.caption(_("lr = {lr}, batch size {batch}, {epochs} epochs on {n} examples; the parameters "
                         "before this update, as the main page had them. Change the step there (**Step**, "
                         "or **Pause** a run) and come back.").format(
                lr=f"{s['lr']:g}", batch=s["batch_size"], epochs=s["epochs"], n=run.X.shape[0]))
            if view.optimizer != "sgd":
                st.caption(_("Optimizer: {optimizer}.").format(optimizer=optimizer_words(view.optimizer)))
            return view
    else:
        st.info(why)
    row = st.container(horizontal=True, vertical_alignment="bottom", key="inside_step_row")
    step_s = SETTINGS[0]
    row.number_input(_(step_s.label), step_s.lo, step_s.hi, step=1, key=_key("step"), help=_(step_s.help),
                     on_change=PAGE.forget_problems)
    row.button(_("Step"), icon=":material/skip_next:", key="inside_next", on_click=_next_step,
               disabled=int(ss[_key("step")]) >= OWN_STEPS, help=_("The next minibatch update"))
    optimizer_controls()
    return own_view(int(ss[_key("step")]))


# ---- the numbers, cached on what they depend on ----------------------------------------------
# The caches are shared by every session on the server. X and y are hidden from st.cache_data's
# hash (which reads an array of 500000 numbers or more from a sample of 100000 of them): `data`,
# their SHA-256 over every byte, stands for them. Every other input is hashed as it is.

@st.cache_data(max_entries=16, show_spinner=False)
def noise(data, _X, _y, w, b, batch, batch_size):
    return inside.gradient_noise(_X, _y, np.array(w), b, np.array(batch), batch_size=batch_size,
                                 draws=NOISE_DRAWS, seed=0)


@st.cache_data(max_entries=16, show_spinner=False)
def curve(data, _X, _y, w, b, batch_size):
    n = _X.shape[0]
    sizes = inside.curve_sizes(n, batch_size)
    # a draw of B of n rows gathers min(B, n - B) of them: on a large data set fewer draws a size
    # keep the page quick (3.5 s at n = 100000 with 1000; the error bars show what is lost)
    draws = CURVE_DRAWS if n <= 10_000 else CURVE_DRAWS // 4
    return inside.variance_curve(_X, _y, np.array(w), b, sizes, draws=draws, seed=0)


# ---- the graph ------------------------------------------------------------------------------

@guard.callback
def _stage(delta=None, to=None):
    ss = st.session_state
    stage = int(ss[_key("stage")])
    ss[_key("stage")] = max(0, min(ALL, to if to is not None else stage + delta))
    PAGE.forget_problems()


def stage_controls(stage):
    row = st.container(horizontal=True, vertical_alignment="center", gap="small", key="inside_stage_row")
    row.button(_("Back"), icon=":material/arrow_back:", key="inside_back", on_click=_stage, args=(-1,),
               disabled=stage <= 0, wrap=False)
    row.button(_("Next"), icon=":material/arrow_forward:", key="inside_forward", type="primary",
               on_click=_stage, args=(1,), disabled=stage >= ALL, wrap=False)
    row.button(_("Start the forward pass"), icon=":material/first_page:", key="inside_restart",
               on_click=_stage, kwargs={"to": 0}, wrap=False)
    row.button(_("Show all"), icon=":material/last_page:", key="inside_all", on_click=_stage,
               kwargs={"to": ALL}, wrap=False)


def stage_caption(stage):
    if stage == 0:
        return _("Nothing computed yet: press **Next** to run the forward pass one node at a time.")
    phase, node = STAGES[stage - 1]
    return _("Stage {stage} of {total} · {phase}: {node}").format(
        stage=stage, total=ALL, phase=_(STAGE_NAMES[phase]), node=SYMBOLS[node])


def show_graph(view, words):
    st.header(_("The computational graph of one example"))
    st.markdown(_("One example's loss is a chain of small operations. The **forward pass** computes "
                  "each node from its inputs (blue); the **backward pass** goes the other way, from "
                  "the loss back to w and b, multiplying the gradient by each edge's local derivative "
                  "(red): the chain rule, $\\partial l/\\partial w = (\\hat y - y)\\,x$."))
    rec, ss = view.rec, st.session_state
    batch = np.asarray(rec.batch)
    m = batch.size
    ex_s = SETTINGS[1]
    if int(ss[_key("example")]) > m:
        ss[_key("example")] = m
    stage = int(ss[_key("stage")])
    stage_controls(stage)
    left, right = side_by_side("graph")
    with right:
        st.number_input(_("Example of the batch ({size} examples)").format(size=m), 1, m, step=1,
                        key=_key("example"), help=_(ex_s.help), on_change=PAGE.forget_problems)
        k = int(ss[_key("example")]) - 1
        row = int(batch[k])
        g = inside.graph(view.X[row], view.y[row], view.w, view.b)
        G_w, g_b = inside.per_example_gradients(view.X[batch], view.y[batch], view.w, view.b)
        node_L = inside.batch_mean(batch, G_w, g_b, rec.batch_loss)
        mean_w, mean_b = node_L.dL_dw, node_L.dL_db
        st.markdown(stage_caption(stage))
        if stage:
            phase, node = STAGES[stage - 1]
            st.markdown(_(STAGE_TEXT[(phase, node)]).format(row=row, size=m))
            lines = stage_latex(phase, node, g, node_L)
            for line in [lines] if isinstance(lines, str) else lines:
                st.latex(line)
    with left:
        st.plotly_chart(graph_figure(g, stage, batch=node_L, words=words),
                        key="inside_graph", config={"displayModeBar": False})
    show_batch_mean(view, batch, k, G_w, g_b, mean_w, mean_b)


def show_batch_mean(view, batch, k, G_w, g_b, mean_w, mean_b):
    """The batch's per-example gradients, their mean, and the update's own numbers beside it."""
    rec, m, d = view.rec, batch.size, view.X.shape[1]
    st.subheader(_("The batch mean is the update's gradient"))
    rows = list(range(min(TABLE_ROWS, m)))
    if k not in rows:
        rows.append(k)
    err = g_b
    table = {_("example"): [("▶ " if i == k else "") + str(i + 1) for i in rows],
             _("row"): [int(batch[i]) for i in rows]}
    for j in range(min(d, 3)):
        table[f"∂l/∂w{j + 1}"] = [float(G_w[i, j]) for i in rows]
    table["∂l/∂b = ŷ − y"] = [float(err[i]) for i in rows]
    st.markdown(table_markdown(table))
    if m > len(rows):
        st.caption(_("The first {shown} of the {size} examples (and the one the graph follows).").format(
            shown=min(TABLE_ROWS, m), size=m))
    source = _("the main page's step {step}") if view.main else _("the record of update {step}")
    diff = max(float(np.max(np.abs(mean_w - rec.grad_w))), abs(mean_b - rec.grad_b))
    names = [f"∂L/∂w{j + 1}" for j in range(min(d, 3))] + ["∂L/∂b"]
    compare = {"": [_("mean over the batch, this page"), source.format(step=rec.step)]}
    for j, name in enumerate(names[:-1]):
        compare[name] = [float(mean_w[j]), float(rec.grad_w[j])]
    compare[names[-1]] = [mean_b, float(rec.grad_b)]
    st.markdown(table_markdown(compare))
    backend = "numpy"
    if view.main:
        backend = MAIN.run.settings.get("backend", "numpy")
    if backend == "numpy":
        st.success(_("The same numbers: the largest difference is {diff}, float64 rounding (the main page "
                     "computes the mean as one matrix product, this page example by example).").format(
            diff=f"{diff:.1e}"))
    else:
        st.success(_("The largest difference is {diff}: the run's gradients come from MindSpore's "
                     "automatic differentiation in float32, this page's from the hand-derived formula in "
                     "float64.").format(diff=f"{diff:.1e}"))


# ---- the noise of the minibatch ---------------------------------------------------------------

def show_noise(view, words):
    st.header(_("The noise of a minibatch"))
    X, y, rec = view.X, view.y, view.rec
    n, d = X.shape
    B = view.batch_size
    axes = inside.plane_axes(d)
    nz = noise(view.data, X, y, tuple(view.w), view.b, tuple(int(i) for i in rec.batch), B)
    st.markdown(_("Each example of the batch pulls the parameters its own way: its gradient (open "
                  "circles) is far from the gradient of all {n} examples (black ×). Their mean, the "
                  "step's gradient (red star), is much closer: a minibatch gradient is a random estimate "
                  "of the full one, which is why this is *stochastic* gradient descent.").format(n=n))
    left, right = side_by_side("noise")
    with left:
        st.plotly_chart(noise_figure(nz, axes, d, words), key="inside_noise",
                        config={"displayModeBar": False})
        st.caption(_("The ellipses are two standard deviations (2σ) of the spread of one example's "
                     "gradient (dotted) and of a random batch of {batch}'s (solid); the blue dots are "
                     "{draws} such batches' means. Drawn in the plane of the first two gradient "
                     "entries.").format(
            batch=B, draws=min(NOISE_DRAWS, 600)))
    vc = curve(view.data, X, y, tuple(view.w), view.b, B)
    with right:
        st.plotly_chart(variance_figure(vc, B, words), key="inside_curve", config={"displayModeBar": False})
        st.caption(_("How far a batch's gradient lands from the full gradient on average (the trace of "
                     "its covariance), against the batch size. Without replacement it falls a little "
                     "faster than 1/B, by (n − B)/(n − 1), and reaches 0 at the full batch (not drawn on "
                     "a log axis)."))
    cols = st.container(horizontal=True, key="inside_noise_metrics")
    cols.metric(_("Variance, batch 1"), fmt(nz.var_example))
    cols.metric(_("Variance, batch {batch}: closed form").format(batch=B), fmt(nz.var_batch))
    cols.metric(_("Variance, batch {batch}: measured").format(batch=B),
                f"{fmt(nz.measured_var)} ± {fmt(nz.measured_stderr, 2)}")
    cols.metric(_("Variance, full batch"), "0")
    if nz.fpc > 0:
        st.markdown(_("A batch of {batch} divides the variance of one example's gradient by {ratio}: "
                      "{batch} × {n1}/{nb}, from 1/B and the correction (n − B)/(n − 1) = {fpc}.").format(
            batch=B, ratio=fmt(nz.var_example / nz.var_batch, 3), n1=n - 1, nb=n - B,
            fpc=fmt(nz.fpc, 4)))
    else:
        st.markdown(_("This run's batch is the whole data set: its gradient is the full gradient, with no "
                      "noise at all (gradient descent)."))


# ---- the update as an arrow ------------------------------------------------------------------

def show_arrows(view, words):
    st.header(_("The update on the loss contours"))
    X, y, rec = view.X, view.y, view.rec
    d = X.shape[1]
    ar = inside.update_arrows(X, y, view.w, view.b, np.asarray(rec.batch), view.lr)
    axes = inside.plane_axes(d)
    theory = MAIN.run.theory if view.main else cached_data(
        LESSON["w"], LESSON["b"], LESSON["n"], LESSON["noise"], LESSON["seed"])[2]
    opt = np.append(theory.w_star, theory.b_star)[list(axes)]
    sgd = view.optimizer == "sgd"
    taken = carried = None
    if sgd:
        st.markdown(_("From the parameters before the update, the step goes **−lr × the minibatch "
                      "gradient** (red, what SGD does) instead of **−lr × the full gradient** (blue, what "
                      "gradient descent would do). The contours are the loss of all the data over the "
                      "plane of the two weights, the rest held where it is."))
    else:
        taken = np.append(rec.w, rec.b)
        if view.optimizer == "momentum":
            carried = -view.lr * view.hyperparams["momentum"] * np.asarray(view.state.v)
        st.markdown(_("{optimizer} does not change the gradient: everything above holds as it is. It "
                      "changes only the step it makes of it. From the parameters before the update, "
                      "**−lr × the minibatch gradient** (red, solid) is what plain SGD would do, "
                      "**−lr × the full gradient** (blue, dotted) what gradient descent would do; the "
                      "thick black arrow is the step {optimizer} took.").format(
            optimizer=optimizer_words(view.optimizer)))
        if carried is not None:
            st.markdown(_("With momentum the step has two parts, drawn tip to tail: the gradient's part "
                          "−lr · g (red) and the velocity carried over from the steps before, −lr · β · v "
                          "(purple, dashed). Their sum is the step taken."))
    view_choice = st.segmented_control(_("View"), list(ARROW_VIEWS), key="inside_arrow_view",
                                       format_func=lambda k: _(ARROW_VIEWS[k]), default="step")
    extra = () if sgd else tuple(p for p in (taken, None if carried is None else ar.end_batch + carried)
                                 if p is not None)
    box = arrow_box(ar, axes, opt, whole=view_choice == "whole", extra=extra)
    plane = inside.loss_plane(X, y, view.w, view.b, box[0], box[1], n=70)
    left, right = side_by_side("arrows")
    with left:
        st.plotly_chart(arrow_figure(ar, plane, axes, d, opt, words, taken=taken, carried=carried,
                                     optimizer=optimizer_words(view.optimizer)),
                        key="inside_arrows", config={"displayModeBar": False})
    with right:
        angle = np.degrees(ar.angle) if np.isfinite(ar.angle) else None
        st.metric(_("Angle between the two steps"), f"{fmt(angle, 3)}°" if angle is not None else "—")
        if sgd:
            st.metric(_("Length of the minibatch step / the full step"), fmt(ar.length_ratio, 3))
            st.metric(_("Loss of all the data: before → after this step"),
                      f"{fmt(ar.loss_start)} → {fmt(ar.loss_batch)}")
            st.metric(_("… after a full-gradient step instead"), fmt(ar.loss_full))
        else:
            start = ar.start
            ratio = np.linalg.norm(taken - start) / max(float(np.linalg.norm(ar.step_batch)), 1e-300)
            st.metric(_("Length of the step taken / −lr × the minibatch gradient"), fmt(ratio, 3))
            st.metric(_("Loss of all the data: before → after this step"),
                      f"{fmt(ar.loss_start)} → {fmt(full_loss(X, y, taken[:-1], taken[-1]))}")
            st.metric(_("… after a plain SGD step instead"), fmt(ar.loss_batch))
        if sgd and ar.loss_batch > ar.loss_full:
            st.caption(_("This minibatch step lowers the loss of all the data less than the full "
                         "gradient would; each step costs {batch} examples instead of {n}, and on average "
                         "the steps go downhill.").format(batch=np.asarray(rec.batch).size, n=X.shape[0]))
        elif sgd:
            st.caption(_("This time the minibatch step lowers the loss of all the data as much as the full "
                         "gradient would, or more: the noise can help as well as hurt."))
    if not sgd:
        show_rule(view)


# ---- the optimizer's rule, written out ---------------------------------------------------------

# how each state field is written (core.optimizers' names: the book's)
STATE_SYMBOLS = {"v": "v", "s": "s", "delta": "Δ"}
RULE_TEXT = {
    "momentum": N_("Momentum keeps a velocity v, a running sum of the gradients that shrinks by β each "
                   "step, and steps along it: on every coordinate (w₁, w₂, …, b),"),
    "adagrad": N_("AdaGrad adds up each coordinate's squared gradients in s and divides that coordinate's "
                  "step by √s: a coordinate that has had large gradients takes smaller steps."),
    "rmsprop": N_("RMSProp keeps a leaky average s of each coordinate's squared gradients (γ) and divides "
                  "that coordinate's step by √s."),
    "adadelta": N_("Adadelta keeps a leaky average s of the squared gradients and Δ of the squared "
                   "updates (ρ); their ratio rescales each coordinate's gradient, with no learning rate "
                   "of its own (lr = 1)."),
    "adam": N_("Adam keeps leaky averages of the gradient (v, β₁) and of its square (s, β₂), corrects "
               "both for starting at zero (v̂, ŝ, the t-th step), and steps along v̂ / √ŝ on each "
               "coordinate: about lr in size, whatever the gradient's scale."),
}


def state_rows(name, d, prev, after):
    """{symbol: (before, after)} per state field, (p,) each, read through the flat rows that
    core.optimizers.state_columns names (the CSV export's columns)."""
    cols = optimizers.state_columns(name, d)
    before = dict(zip(cols, optimizers.flatten_state(prev)))
    now = dict(zip(cols, optimizers.flatten_state(after)))
    coords = [f"w_{j + 1}" for j in range(d)] + ["b"]
    rows = {}
    for field in dict.fromkeys(c.rsplit("_w_", 1)[0] if "_w_" in c else c[:-2] for c in cols if c != "t"):
        rows[field] = (np.array([before[f"{field}_{c}"] for c in coords]),
                       np.array([now[f"{field}_{c}"] for c in coords]))
    return rows


def rule_table(view, g, step):
    """Each coordinate's numbers: gradient, state before and after, what the rule derives from them
    (Adam's v̂ and ŝ, the scale AdaGrad and RMSProp divide by, Adadelta's g′) and the step."""
    name, hp, d = view.optimizer, view.hyperparams, view.X.shape[1]
    shown = list(range(min(d, 3))) + [d]
    heads = [f"w{j + 1}" for j in range(min(d, 3))] + ["b"]
    rows = [("g", g)]
    for field, (before, after) in state_rows(name, d, view.state, view.rec.state).items():
        sym = STATE_SYMBOLS.get(field, field)
        rows += [(_("{symbol} before").format(symbol=sym), before),
                 (_("{symbol} after").format(symbol=sym), after)]
    after = view.rec.state
    if name == "adam":
        t = after.t
        rows += [("v̂", np.asarray(after.v) / (1 - hp["beta1"] ** t)),
                 ("ŝ", np.asarray(after.s) / (1 - hp["beta2"] ** t))]
    elif name in ("adagrad", "rmsprop"):
        rows.append((_("lr / √(s + ε): this coordinate's step size"),
                     hp["lr"] / np.sqrt(np.asarray(after.s) + hp["eps"])))
    elif name == "adadelta":
        rows.append(("g′", np.sqrt((np.asarray(view.state.delta) + hp["eps"])
                                   / (np.asarray(after.s) + hp["eps"])) * g))
    elif name == "momentum":
        rows.append(("−lr · β · v", -hp["lr"] * hp["momentum"] * np.asarray(view.state.v)))
    rows += [("−lr · g", -hp["lr"] * g), (_("step taken Δ"), step)]
    table = {"": [label for label, _v in rows]}
    for head, j in zip(heads, shown):
        table[head] = [fmt(vals[j]) for _l, vals in rows]
    return table


def show_rule(view):
    """The optimizer's update written out: the equations with their numbers and a table."""
    name, rec = view.optimizer, view.rec
    st.subheader(_("The step {optimizer} takes, written out").format(optimizer=optimizer_words(name)))
    g = np.append(rec.grad_w, rec.grad_b)
    step = np.append(rec.w, rec.b) - np.append(view.w, view.b)
    labels = {k: _(OPT_ROW[k].label) if k in OPT_ROW else k for k in view.hyperparams}
    hp = ", ".join(f"{labels[k]} = {v:g}" for k, v in view.hyperparams.items())
    st.markdown(_(RULE_TEXT[name]))
    st.caption(_("Hyperparameters: {hp}. g is the minibatch gradient from the sections above; each vector "
                 "holds w₁, w₂, …, b from top to bottom.").format(hp=hp))
    for line in rule_latex(name, view.hyperparams, g, view.state, rec.state, step):
        st.latex(sci(line))
    st.markdown(table_markdown(rule_table(view, g, step)))
    if name == "adam":
        st.caption(_("t = {t}: the run's updates so far, this one included.").format(t=rec.state.t))


def run():
    i18n.picker()
    st.title(_("One step, inside"))
    st.markdown(_("What happens inside one update of minibatch SGD: the chain rule on the computational "
                  "graph, how noisy a gradient from {batch} random examples is, and the step it takes.")
                .format(batch=LESSON["batch_size"]))
    st.html(SIDE_BY_SIDE)
    PAGE.init()
    PAGE.show_warnings()
    i18n.keep([SOURCE])
    view = choose_step()
    PAGE.sync(PAGE.remember(PAGE.values()))
    words = translated(_)
    show_graph(view, words)
    show_noise(view, words)
    with st.container(key="inside_update"):
        show_arrows(view, words)


run()
