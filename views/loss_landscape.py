"""The loss landscape: L(w1, w2) as contours and a surface, its conditioning, three paths on it,
d2l-zh chapter 11's six optimizers from one start (and how many steps each needs, before and
after standardising), a learning-rate finder for each optimizer whose choice goes to the main
page, and an lr x batch-size map.

Settings k, rho, std, lr, batch_size, steps, opt_lrs, optimizer live in the URL
(?k=3&rho=0.5&std=1&lr=0.2...), so a shared link shows the same valley; bad values there are
clamped or defaulted with a warning, never an error. Every number comes from core.landscape; the
figures from ui.landscape_figures.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from core import landscape as ls
from core.model import full_loss
from core.optimizers import BOOK_DEFAULTS, OPTIMIZERS
from core.settings import Setting, row
from core.theory import lstsq_optimum
from ui import controls, guard, i18n
from ui.figure_style import flex_css, flex_item
from ui.i18n import N_, _
from ui.landscape_figures import (
    contour_figure,
    finder_figure,
    fmt,
    map_figure,
    optimizers_figure,
    surface_figure,
    translated,
    view_box,
)
from ui.page_settings import PageSettings

SETTINGS = (
    Setting("k", "float", 1.0, 0.1, 10.0, N_("Feature scale k (x2 × k)"),
            N_("Multiplies the second feature by k: the same data in other units. k ≠ 1 stretches the "
               "valley by k along w2. Kept in [0.1, 10].")),
    Setting("rho", "float", 0.0, -0.95, 0.95, N_("Correlation ρ of x1 and x2"),
            N_("How much the two features move together; the valley turns and narrows as |ρ| grows. "
               "Kept in [−0.95, 0.95].")),
    Setting("std", "int", 0, 0, 1, N_("Standardise features"),
            N_("Train on (x − mean) / std for each feature: the cure for a stretched valley. The "
               "fitted model is mapped back to the original units.")),
    row("lr", help=N_("Step size of the three paths. Type any value in [0.0001, 10], or pick one in the "
                      "learning-rate finder below.")),
    row("batch_size", hi=1000,
        help=N_("Examples per update of the minibatch SGD path and of the finder's runs.")),
    Setting("steps", "int", 300, 1, 1000, N_("Number of steps"),
            N_("Updates of each path and of each run of the finder (300 = the lesson's 3 epochs of "
               "batch 10).")),
    Setting("opt_lrs", "choice", "book", label=N_("Learning rates of the optimizers"),
            help=N_("The book's: each optimizer's example in d2l-zh chapter 11 (minibatch SGD takes "
                    "this page's lr). Tuned: for each, the lr of its finder that reaches 10× the loss "
                    "floor in the fewest steps and stays there."), choices=("book", "tuned")),
    row("optimizer", label=N_("Optimizer of the finder"),
        help=N_("The finder's runs use this optimizer, with the book's hyperparameters.")),
)
BY_KEY = {s.key: s for s in SETTINGS}
# a URL value out of range says what the range protects against
HINTS = {"k": N_("k = 0 would make x2 all zeros and the valley infinitely long (a singular Hessian, "
                 "condition number ∞); a very large k makes the valley so narrow that no lr is both "
                 "stable and fast. k is kept in [0.1, 10]."),
         "rho": N_("ρ = ±1 makes x2 a copy of ±x1: the Hessian is singular, the condition number ∞ "
                   "and the optimum not unique. ρ is kept in [−0.95, 0.95].")}
K_STOPS = (0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 7.0, 10.0)
BATCH_STOPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
REGION_TEXT = {
    "creeping": (st.info, N_("**Creeping** — lr · λ_min = {low}: in {steps} steps even the flattest "
                             "direction of the valley does not shrink 10×. Try a larger lr.")),
    "fast": (st.success, N_("**Fast** — lr · λ_max = {high} < 1: every direction of the valley shrinks "
                            "at each step, none overshoots.")),
    "oscillating": (st.warning, N_("**Oscillating** — 1 < lr · λ_max = {high} < 2: along the steep axis "
                                   "each step overshoots the valley floor and comes back closer: the "
                                   "zig-zag. It still converges.")),
    "diverging": (st.error, N_("**Diverging** — lr · λ_max = {high} ≥ 2: along the steep axis each step "
                               "overshoots further, and the loss grows without bound.")),
}
REGION_NAMES = {"creeping": N_("creeping"), "fast": N_("fast"), "oscillating": N_("oscillating"),
                "diverging": N_("diverging")}
ZIGZAG = 0.9            # the zig-zag preset: lr = 0.9 x 2 / lambda_max
LESSON_LR = 0.03
MAP_LRS = ls.lr_grid(1e-4, 10.0, 31)        # 6 a decade
MAP_EPOCHS = 3
# the contours and the surface side by side where both get 440 px, else one above the other; the
# metrics four in a row where each gets 200 px, else two or one
SIDE_BY_SIDE = flex_css((flex_item("landscape_valley", "landscape_valley_left"), 11, 440),
                        (flex_item("landscape_valley", "landscape_valley_right"), 9, 440),
                        (".st-key-landscape_metrics > div", 1, 200),
                        (".st-key-landscape_carry_row > div:first-child", 1, 320))
# this page's settings; its widget keys are "landscape_<key>" (the switch holds a bool)
PAGE = PageSettings("landscape", SETTINGS)
FINDER = "landscape_finder"
PICK = "landscape_pick"
LESSON = "views/lesson.py"
SHOW = "landscape_show"
HP_SYMBOLS = {"momentum": "β", "gamma": "γ", "rho": "ρ", "beta1": "β1", "beta2": "β2", "eps": "ε"}
OPT_LRS = {"book": N_("the book's (minibatch SGD: this page's lr)"),
           "tuned": N_("each one's best on its own finder")}




def round_lr(lr):
    """lr to 3 significant digits, as it is shown and written into a link."""
    return float(f"{float(lr):.3g}")


# ---- the numbers: pure and cached on the settings -------------------------------------------

@st.cache_data(max_entries=64, show_spinner=False)
def data(k, rho, std):
    """(X, y, raw X, Standardised or None): the conditioned lesson data, standardised if asked."""
    X, y = ls.conditioned_data(k=k, rho=rho)
    if not std:
        return X, y, X, None
    s = ls.standardise(X)
    return s.X, y, X, s


@st.cache_data(max_entries=64, show_spinner=False)
def landscape(k, rho, std, lr, batch_size, steps):
    """The three paths and the loss grid over the view they need."""
    X, y, _raw, _s = data(k, rho, std)
    paths = ls.paths(X, y, lr, steps, batch_sizes=(batch_size, None, 1))
    w_star, _b = lstsq_optimum(X, y)
    box = view_box(paths[0].w[0], w_star, [p.w for p in paths])
    return paths, ls.loss_grid(X, y, *box, n=80)


def book_hyperparams(name):
    """The book's hyperparameters of optimizer `name` but lr, as a tuple (a cache key's part)."""
    return tuple((k, v) for k, v in BOOK_DEFAULTS[name].items() if k != "lr")


@st.cache_data(max_entries=64, show_spinner=False)
def sweep(k, rho, std, batch_size, steps, optimizer="sgd", hyperparams=()):
    """The finder's runs of `optimizer` with `hyperparams` ((name, value) pairs but lr)."""
    X, y, _raw, _s = data(k, rho, std)
    with np.errstate(over="ignore", invalid="ignore"):     # diverged runs end in inf / nan (core, ok)
        return ls.lr_sweep(X, y, ls.lr_grid(), steps=steps, batch_size=batch_size, optimizer=optimizer,
                           hyperparams=dict(hyperparams))


def best_lr(sw):
    """The sweep's lr that reaches 10x the floor in the fewest steps and is still there at the
    end (the smallest such lr): a large lr can touch the floor early and then bounce away. If
    none does, the one with the lowest final loss of those that did not diverge."""
    reached = np.asarray(sw.steps_to_10x_floor)
    final = np.where(np.asarray(sw.diverged), np.inf, np.asarray(sw.final_loss, float))
    good = (reached != ls.NEVER) & (final <= 10 * sw.floor)
    if good.any():
        return float(sw.lrs[int(np.argmin(np.where(good, reached, np.iinfo(np.int64).max)))])
    return float(sw.lrs[int(np.argmin(final))])


def optimizer_lrs(k, rho, std, lr, batch_size, steps, mode):
    """{optimizer: its lr}: the book's (sgd: the page's lr), or each one's best on its finder."""
    if mode == "tuned":
        return {name: best_lr(sweep(k, rho, std, batch_size, steps, name, book_hyperparams(name)))
                for name in OPTIMIZERS}
    return {name: lr if name == "sgd" else BOOK_DEFAULTS[name]["lr"] for name in OPTIMIZERS}


@st.cache_data(max_entries=32, show_spinner=False)
def optimizer_runs(k, rho, std, lr, batch_size, steps, mode):
    """[(optimizer, Path, lr)] from core.train's start, and the loss grid over the view they need."""
    X, y, _raw, _s = data(k, rho, std)
    lrs = optimizer_lrs(k, rho, std, lr, batch_size, steps, mode)
    runs = []
    for name in OPTIMIZERS:
        path = ls.paths(X, y, lrs[name], steps, batch_sizes=(batch_size,), optimizer=name,
                        hyperparams=dict(book_hyperparams(name)))[0]
        runs.append((name, path, lrs[name]))
    w_star, _b = lstsq_optimum(X, y)
    box = view_box(runs[0][1].w[0], w_star, [p.w for _n, p, _lr in runs])
    return runs, ls.loss_grid(X, y, *box, n=80)


@st.cache_data(max_entries=32, show_spinner=False)
def optimizer_table(k, rho, lr, batch_size, steps, mode):
    """{std: {optimizer: (lr, steps to 10x the floor or NEVER, diverged_at, final loss)}} on the
    stretched valley (std 0) and after standardising (std 1): one run of each, core.train's."""
    out = {}
    for std in (0, 1):
        X, y, _raw, _s = data(k, rho, std)
        lrs = optimizer_lrs(k, rho, std, lr, batch_size, steps, mode)
        out[std] = {}
        for name in OPTIMIZERS:
            with np.errstate(over="ignore", invalid="ignore"):
                sw = ls.lr_sweep(X, y, [lrs[name]], steps=steps, batch_size=batch_size, optimizer=name,
                                 hyperparams=dict(book_hyperparams(name)))
            out[std][name] = (lrs[name], int(sw.steps_to_10x_floor[0]), int(sw.diverged_at[0]),
                              float(sw.final_loss[0]))
    return out


def start_loss(X, y):
    """The full-data loss at the start every run shares (core.train's w0, b0 for seed 0)."""
    w0, b0 = ls.initial_params(0, X.shape[1])
    return full_loss(X, y, w0, b0)


@st.cache_data(max_entries=32, show_spinner=False)
def lr_batch(k, rho, std):
    X, y, _raw, _s = data(k, rho, std)
    with np.errstate(over="ignore", invalid="ignore"):
        return ls.lr_batch_map(X, y, MAP_LRS, ls.batch_grid(len(y)), num_epochs=MAP_EPOCHS)


# ---- state and controls ---------------------------------------------------------------------

@guard.callback
def set_lr(lr):
    st.session_state[PAGE.key("lr")] = round_lr(min(max(lr, BY_KEY["lr"].lo), BY_KEY["lr"].hi))
    PAGE.forget_problems()


def _picked_point():
    """A click on a point of the finder: its x is the lr of that run."""
    event = st.session_state.get(FINDER)
    points = (event or {}).get("selection", {}).get("points", []) if hasattr(event, "get") else []
    xs = [p["x"] for p in points if isinstance(p.get("x"), (int, float))]
    if xs:
        set_lr(xs[0])


@guard.callback
def _picked_option():
    lr = st.session_state.get(PICK)
    if lr is not None:
        set_lr(lr)


def _stops(stops, current):
    return sorted(set(stops) | {current})


def sidebar():
    """The conditioning controls, in the sidebar. Returns {k, rho, std}."""
    k_s, rho_s, std_s = BY_KEY["k"], BY_KEY["rho"], BY_KEY["std"]
    with st.sidebar:
        st.header(_("Conditioning"))
        st.select_slider(_(k_s.label), options=_stops(K_STOPS, st.session_state[PAGE.key("k")]),
                         key=PAGE.key("k"), help=_(k_s.help), format_func=lambda v: f"{v:g}",
                         on_change=PAGE.forget_problems)
        st.slider(_(rho_s.label), rho_s.lo, rho_s.hi, step=0.05, key=PAGE.key("rho"), help=_(rho_s.help),
                  on_change=PAGE.forget_problems)
        st.toggle(_(std_s.label), key=PAGE.key("std"), help=_(std_s.help), on_change=PAGE.forget_problems)
        st.caption(_("Stretch the valley with k or ρ, watch the zig-zag, then standardise."))
    return {"k": float(st.session_state[PAGE.key("k")]), "rho": float(st.session_state[PAGE.key("rho")]),
            "std": int(bool(st.session_state[PAGE.key("std")]))}


def run_controls(curv):
    """lr, batch size and steps above the charts, with two presets. Returns {lr, batch_size, steps}."""
    lr_s, batch_s, steps_s = BY_KEY["lr"], BY_KEY["batch_size"], BY_KEY["steps"]
    c1, c2, c3 = st.columns(3)
    c1.number_input(_(lr_s.label), lr_s.lo, lr_s.hi, step=0.01, format="%.4g", key=PAGE.key("lr"),
                    help=_(lr_s.help), on_change=PAGE.forget_problems)
    c2.select_slider(_(batch_s.label), options=_stops(BATCH_STOPS, st.session_state[PAGE.key("batch_size")]),
                     key=PAGE.key("batch_size"), help=_(batch_s.help), on_change=PAGE.forget_problems)
    c3.slider(_(steps_s.label), steps_s.lo, steps_s.hi, step=1, key=PAGE.key("steps"), help=_(steps_s.help),
              on_change=PAGE.forget_problems)
    zigzag = round_lr(ZIGZAG * curv.lr_stable)
    with st.container(horizontal=True):
        st.button(_("Zig-zag: lr = 0.9 · 2/λ_max = {lr}").format(lr=fmt(zigzag)),
                  key=PAGE.key("preset_zigzag"), on_click=set_lr, args=(zigzag,))
        st.button(_("The lesson's lr = {lr}").format(lr=f"{LESSON_LR:g}"), key=PAGE.key("preset_lesson"),
                  on_click=set_lr, args=(LESSON_LR,))
    ss = st.session_state
    return {"lr": float(ss[PAGE.key("lr")]), "batch_size": int(ss[PAGE.key("batch_size")]),
            "steps": int(ss[PAGE.key("steps")])}


# ---- what the page shows --------------------------------------------------------------------

def metric_row(before, after):
    """lambda_max, lambda_min, condition number, 2/lambda_max; "before → after" when standardised."""
    def value(f):
        return f"{fmt(f(before))} → {fmt(f(after))}" if after is not None else fmt(f(before))

    row = st.container(horizontal=True, key=PAGE.key("metrics"))
    row.metric(_("λ_max (largest Hessian eigenvalue)"), value(lambda c: c.lambda_max))
    row.metric(_("λ_min (smallest Hessian eigenvalue)"), value(lambda c: c.lambda_min))
    row.metric(_("Condition number κ = λ_max/λ_min"), value(lambda c: c.cond))
    row.metric(_("Stable learning rate 2/λ_max"), value(lambda c: c.lr_stable))
    if after is not None:
        st.caption(_("Before → after standardising: the Hessian of (w, b) on the raw features, then on "
                     "the standardised ones."))


def show_region(lr, curv, steps):
    name = ls.lr_region(lr, ls.region_bounds(curv, steps))
    banner, text = REGION_TEXT[name]
    banner(_(text).format(low=fmt(lr * curv.lambda_min), high=fmt(lr * curv.lambda_max), steps=steps))


def show_valley(paths, grid, X, y, std, words):
    axes = ls.curvature(X, with_b=False)
    st.subheader(_("The valley: L(w1, w2) with b at its optimum"))
    row = st.container(horizontal=True, key=PAGE.key("valley"), gap="medium")
    left, right = row.container(key=PAGE.key("valley_left")), row.container(key=PAGE.key("valley_right"))
    with left:
        st.plotly_chart(contour_figure(grid, paths, axes, words, standardised=bool(std)),
                        key=PAGE.key("contour"))
        st.caption(_("Contours of the loss, each line about 3× the next one in. The dashed lines are the "
                     "Hessian's eigenvectors, the valley's axes: the short one is steep (λ_max), the long "
                     "one flat (λ_min). Three paths from one start: minibatch SGD, full-batch gradient "
                     "descent and single-example SGD."))
    with right:
        st.plotly_chart(surface_figure(grid, paths, lambda w: ls.profiled_loss(X, y, w), words,
                                       standardised=bool(std)), key=PAGE.key("surface"))
        st.caption(_("The same loss as a surface: drag to turn it. A stretched valley is a long trough with "
                     "steep sides; a well-conditioned one is a round bowl."))


def show_original_units(paths, raw_X, y, s):
    """The standardised model mapped back: ŷ = X (w_s / std) + (b_s − mean · w_s / std)."""
    st.markdown(_("**Back to the original units.** The model was fitted on standardised features; "
                  "w = w_s / std and b = b_s − mean · w, so it predicts from the raw x as before:"))
    w_ls, b_ls = lstsq_optimum(raw_X, y)
    rows = [(_("least squares on the raw features"), w_ls, b_ls)]
    for name, path in zip((_("minibatch SGD, mapped back"), _("gradient descent, mapped back")), paths):
        if path.diverged:
            continue
        w, b = ls.to_original_units(path.w[-1], path.b[-1], s.mean, s.std)
        rows.append((name, w, b))
    st.dataframe({"": [r[0] for r in rows], "w1": [f"{r[1][0]:.4g}" for r in rows],
                  "w2": [f"{r[1][1]:.4g}" for r in rows], "b": [f"{r[2]:.4g}" for r in rows]},
                 hide_index=True)


def hyperparams_text(name):
    """The book's hyperparameters of `name` but lr, as symbols: "β1 = 0.9, β2 = 0.999, ε = 1e-06"."""
    return ", ".join(f"{HP_SYMBOLS[k]} = {v:g}" for k, v in book_hyperparams(name)) or "–"


def steps_text(reached, diverged_at, steps):
    if diverged_at:
        return _("diverged at step {step}").format(step=diverged_at)
    if reached == ls.NEVER:
        return _("not within {steps} steps").format(steps=steps)
    return str(reached)


def show_optimizers(values, words):
    """d2l-zh chapter 11's optimizers from one start on the same contours, and a table of how
    many steps each needs on the stretched valley and after standardising."""
    k, rho, std, lr, batch, steps = (values[key] for key in ("k", "rho", "std", "lr", "batch_size", "steps"))
    st.subheader(_("Beyond plain SGD: momentum, AdaGrad, RMSProp, Adadelta, Adam"))
    st.markdown(_("Along the valley's steep axis the gradient changes sign at every step (the zig-zag); "
                  "along the flat axis it keeps its sign. **Momentum** steps along a leaky average of past "
                  "gradients: the steps that flip cancel, those that agree add up, so the zig-zag dies down "
                  "and the flat direction speeds up. **AdaGrad, RMSProp, Adadelta and Adam** divide each "
                  "coordinate's step by the root of its own average squared gradient, a learning rate per "
                  "coordinate: steep coordinates take small steps, flat ones large steps, which undoes the "
                  "stretch as standardising does (fully only along w1 and w2: a valley turned by ρ keeps "
                  "some)."))
    mode_s = BY_KEY["opt_lrs"]
    modes = {m: _(OPT_LRS[m]) for m in mode_s.choices}        # worded now, in the session's language
    st.radio(_(mode_s.label), mode_s.choices, key=PAGE.key("opt_lrs"), help=_(mode_s.help), horizontal=True,
             format_func=modes.__getitem__, on_change=PAGE.forget_problems)
    mode = st.session_state[PAGE.key("opt_lrs")]
    names = {name: words["opt_" + name] for name in OPTIMIZERS}
    if SHOW not in st.session_state:
        st.session_state[SHOW] = list(OPTIMIZERS)
    shown = st.multiselect(_("Optimizers shown"), list(OPTIMIZERS), key=SHOW, format_func=names.__getitem__)
    runs, grid = optimizer_runs(k, rho, std, lr, batch, steps, mode)
    if shown:
        st.plotly_chart(optimizers_figure(grid, [r for r in runs if r[0] in shown], words,
                                          standardised=bool(std)), key=PAGE.key("optimizers"))
    else:
        st.info(_("Choose at least one optimizer to draw its path."))
    st.caption(_("Each optimizer from the same start with the same batches ({batch} examples, {steps} "
                 "steps), at the lr in its legend and the book's other hyperparameters (in the table). "
                 "Each path is named where it parts from the others; dash and marker tell them apart as "
                 "well as colour does.").format(batch=batch, steps=steps))
    if batch < 1000:
        st.caption(_("With batch size 1000 (full-batch gradient descent) the paths lose the minibatches' "
                     "noise and show each rule alone."))
    table = optimizer_table(k, rho, lr, batch, steps, mode)
    stretched, standardised = _("stretched (k = {k}, ρ = {rho})").format(k=f"{k:g}", rho=f"{rho:g}"), \
        _("standardised")
    rows = {_("Optimizer"): [names[n] for n in OPTIMIZERS],
            _("Hyperparameters"): [hyperparams_text(n) for n in OPTIMIZERS]}
    for label, part in ((stretched, table[0]), (standardised, table[1])):
        rows[_("lr, {valley}").format(valley=label)] = [f"{part[n][0]:.3g}" for n in OPTIMIZERS]
        rows[_("steps to 10× the floor, {valley}").format(valley=label)] = [
            steps_text(part[n][1], part[n][2], steps) for n in OPTIMIZERS]
        rows[_("final loss, {valley}").format(valley=label)] = [
            "–" if part[n][2] else fmt(part[n][3]) for n in OPTIMIZERS]
    st.container(key=PAGE.key("optimizer_table")).dataframe(rows, hide_index=True)
    st.caption(_("Steps to reach 10× the loss floor (the least-squares loss of these data) and the loss "
                 "after {steps} steps, on the valley stretched by k and ρ and on the same data standardised. "
                 "Standardising helps minibatch SGD most; the adaptive methods need it less.").format(
        steps=steps))


def finder_bounds(name, curv, steps):
    """(RegionBounds or None, (lr, legend name) or None): the regions are plain SGD's; momentum
    has its own stable bound 2(1 + β)/λ_max (core.parabola: a rate < 1 below it)."""
    if name == "sgd":
        return ls.region_bounds(curv, steps), None
    if name == "momentum":
        bound = 2 * (1 + BOOK_DEFAULTS["momentum"]["momentum"]) / curv.lambda_max
        return None, (bound, translated(_)["stable_momentum"].format(lr=fmt(bound)))
    return None, None


def show_finder(values, curv, words):
    st.subheader(_("Learning-rate finder"))
    opt_s = BY_KEY["optimizer"]
    name = st.selectbox(_(opt_s.label), opt_s.choices, key=PAGE.key("optimizer"), help=_(opt_s.help),
                        format_func=lambda n: words["opt_" + n], on_change=PAGE.forget_problems)
    st.markdown(_("Each point is a short run of {optimizer} ({steps} steps of batch {batch}) at one of "
                  "40 learning rates from 0.0001 to 10; above, the loss where it ended, below, how many "
                  "steps it took to reach 10× the loss floor. **Click a point** to choose its lr.").format(
        optimizer=words["opt_" + name], steps=values["steps"], batch=values["batch_size"]))
    sw = sweep(values["k"], values["rho"], values["std"], values["batch_size"], values["steps"], name,
               book_hyperparams(name))
    bounds, stable = finder_bounds(name, curv, values["steps"])
    st.plotly_chart(finder_figure(sw, bounds, values["lr"], words, stable=stable), key=FINDER,
                    on_select=_picked_point, selection_mode="points")
    if bounds is not None:
        st.caption(_("The regions, as on the parabola page: creeping (too small to get anywhere in "
                     "{steps} steps), fast, oscillating (the zig-zag, still converging) and diverging, from "
                     "2/λ_max = {stable} on (full-batch gradient descent's bound; a small batch can diverge "
                     "a little earlier).").format(steps=values["steps"], stable=fmt(bounds.stable)))
    elif stable is not None:
        st.caption(_("The regions and 2/λ_max are plain SGD's. With momentum β full-batch descent is "
                     "stable up to lr = 2(1 + β)/λ_max = {stable}: the leaky average lets a larger step "
                     "settle.").format(stable=fmt(stable[0])))
    else:
        st.caption(_("The regions and the line 2/λ_max are plain SGD's and are not drawn: this optimizer "
                     "scales each coordinate's step by its own gradients, so its lr has another meaning."))
    lrs = [round_lr(v) for v in sw.lrs]
    if bounds is not None:
        labels = {lr: _("lr = {lr} · {region} · final loss {loss}").format(
            lr=f"{lr:g}", region=_(REGION_NAMES[ls.lr_region(lr, bounds)]),
            loss=_("diverged") if d else fmt(f)) for lr, f, d in zip(lrs, sw.final_loss, sw.diverged)}
    else:
        labels = {lr: _("lr = {lr} · final loss {loss}").format(
            lr=f"{lr:g}", loss=_("diverged") if d else fmt(f))
                  for lr, f, d in zip(lrs, sw.final_loss, sw.diverged)}
    current = round_lr(values["lr"])
    st.session_state[PICK] = current if current in labels else None
    # the box and the button side by side where both fit whole, else the button below
    row = st.container(horizontal=True, vertical_alignment="bottom", key=PAGE.key("carry_row"))
    row.selectbox(_("Or choose a learning rate of the sweep"), lrs, key=PICK, format_func=labels.__getitem__,
                 placeholder=_("lr = {lr} (not on the sweep's grid)").format(lr=f"{current:g}"),
                 on_change=_picked_option)
    if name == "sgd":
        carry_text = _("Use lr = {lr} on the main page").format(lr=f"{current:g}")
    else:
        carry_text = _("Use {optimizer} with lr = {lr} on the main page").format(
            optimizer=words["opt_" + name], lr=f"{current:g}")
    carry = row.button(carry_text, key=PAGE.key("carry"), type="primary", icon=":material/arrow_forward:")
    if (values["k"], values["rho"]) != (1.0, 0.0) or values["std"]:
        st.caption(_("The main page trains on the lesson's data (k = 1, ρ = 0, features not standardised); "
                     "this lr was found for k = {k}, ρ = {rho}{std}.").format(
            k=f"{values['k']:g}", rho=f"{values['rho']:g}",
            std=_(", standardised") if values["std"] else ""))
    if carry:
        carry_lr(current, name)


def carry_lr(lr, optimizer="sgd"):
    """Open the main page with this lr and optimizer (the book's hyperparameters). A session that
    has shown the main page reads its settings from the sidebar's widget keys (set here); a fresh
    one from the URL (passed along: optimizer=, and only that optimizer's hyperparameters)."""
    ss = st.session_state
    main = controls.PAGE
    ss[main.key("lr")] = lr
    query = {"lr": f"{lr:g}"}
    if optimizer != "sgd" or main.key("optimizer") in ss:
        ss[main.key("optimizer")] = optimizer
        for key, value in book_hyperparams(optimizer):
            ss[main.key(key)] = value
    if optimizer != "sgd":
        query["optimizer"] = optimizer
        query |= {key: f"{value:g}" for key, value in book_hyperparams(optimizer)}
    st.switch_page(LESSON, query_params={**query, i18n.KEY: i18n.language()})


def show_map(values, words):
    st.subheader(_("Learning rate × batch size"))
    lbmap = lr_batch(values["k"], values["rho"], values["std"])
    X, y, _raw, _s = data(values["k"], values["rho"], values["std"])
    st.plotly_chart(map_figure(lbmap, start_loss(X, y), words), key=PAGE.key("map"))
    st.caption(_("The final loss after {epochs} epochs (the lesson's budget: a larger batch takes fewer "
                 "steps) for each learning rate and batch size; crossed cells diverged or ended above "
                 "their start. The white line is, for each batch size, the largest lr up to which every "
                 "run's loss went down: it approaches 2/λ_max = {stable} as the batch grows, and sits "
                 "lower for small batches, whose gradients are noisier.").format(
        epochs=MAP_EPOCHS, stable=fmt(lbmap.lr_stable)))


def run():
    i18n.picker()
    st.title(_("The loss landscape"))
    st.markdown(_("The squared loss of linear regression is a bowl over (w, b): a quadratic whose Hessian "
                  "is the same everywhere. Its eigenvalues decide everything here: the condition number "
                  "κ = λ_max/λ_min is how stretched the valley is, and 2/λ_max the largest stable "
                  "learning rate."))
    st.html(SIDE_BY_SIDE)
    PAGE.init()
    PAGE.show_warnings(hints=HINTS)         # each with what its range protects against
    values = sidebar()
    try:
        X, y, raw_X, s = data(values["k"], values["rho"], values["std"])
        raw = ls.curvature(raw_X)
        curv = ls.curvature(X)
    except ValueError as exc:       # the settings' ranges should make this unreachable
        st.error(_("Cannot build these data: {error}").format(error=i18n.plain(exc)))
        return
    values |= run_controls(curv)
    values |= {key: st.session_state[PAGE.key(key)] for key in ("opt_lrs", "optimizer")}
    PAGE.sync(PAGE.remember(values))
    metric_row(raw, curv if values["std"] else None)
    show_region(values["lr"], curv, values["steps"])
    words = translated(_)
    paths, grid = landscape(values["k"], values["rho"], values["std"], values["lr"], values["batch_size"],
                            values["steps"])
    show_valley(paths, grid, X, y, values["std"], words)
    if s is not None:
        show_original_units(paths, raw_X, y, s)
    show_optimizers(values, words)
    show_finder(values, curv, words)
    show_map(values, words)


run()
