"""NumPy beside MindSpore: the lesson's settings run on both backends in step, their paths
overlaid, their largest difference per step, the two codes side by side and the step times of
MindSpore's graph and PyNative modes.

Settings lr, batch_size, epochs, seed live in the URL (?lr=0.03&batch_size=10...), clamped or
defaulted with a warning when bad. Every number comes from core.compare (cached on the
settings); the figures from ui.compare_figures; the code from the project's own source files.
Without MindSpore the page says how to install it and shows the NumPy side alone.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from core import compare as cmp
from core.backends import MINDSPORE_INSTALL
from core.data import NOISE_STD, NUM_EXAMPLES, TRUE_B, TRUE_W, synthetic_data
from core.settings import Setting
from ui import i18n, urlstate
from ui.compare_figures import diff_figure, fmt, paths_figure, times_figure, translated
from ui.i18n import N_, _, word

SETTINGS = (
    Setting("lr", "float", 0.03, 1e-4, 10.0, N_("Learning rate lr"),
            N_("Step size of each update: w <- w - lr dL/dw.")),
    Setting("batch_size", "int", 10, 1, NUM_EXAMPLES, N_("Batch size"),
            N_("Examples per update, the same minibatches on every backend.")),
    Setting("epochs", "int", 3, 1, 10, N_("Epochs (num_epochs)"), N_("Passes over the whole data set.")),
    Setting("seed", "int", 0, 0, 2**32 - 1, N_("Seed"),
            N_("Fixes the data, w0 and the batch order: same seed, same run.")),
)
BY_KEY = {s.key: s for s in SETTINGS}
BATCH_STOPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
PAGE = urlstate.PageSettings("backends", SETTINGS)
_wkey, _changed = PAGE.key, PAGE.forget_problems
MS = ("mindspore", "mindspore-pynative")
METRICS = """<style>
.st-key-backends_metrics > div { flex: 1 1 200px; min-width: min(200px, 100%); }
</style>"""
# the codes a little smaller than streamlit's default, so more of each line shows in a half-width column
CODE_CSS = """<style>
.st-key-backends_code pre, .st-key-backends_code code { font-size: 0.8rem; }
</style>"""


@st.cache_data(max_entries=32, show_spinner=False)
def comparison(lr, batch_size, epochs, seed, backends):
    """core.compare.compare on the lesson's data of `seed`, for the backends that run here (part
    of the key: a session where MindSpore is gone does not get another's cached runs)."""
    X, y = synthetic_data(seed=seed)
    with np.errstate(over="ignore", invalid="ignore"):     # a diverging run ends in inf / nan (core, ok)
        return cmp.compare(X, y, lr=lr, batch_size=batch_size, num_epochs=epochs, seed=seed,
                           backends=backends)


def code():
    """(NumPy lines, MindSpore lines, the autodiff line), read from core/ on every run (a few ms):
    not cached, so an edited core/model.py shows at once."""
    left, right = cmp.source_pairs()
    return left, right, cmp.autodiff_line()


def sidebar():
    lr_s, batch_s, epochs_s, seed_s = (BY_KEY[k] for k in ("lr", "batch_size", "epochs", "seed"))
    ss = st.session_state
    with st.sidebar:
        st.header(_("Settings of this comparison"))
        st.number_input(_(lr_s.label), lr_s.lo, lr_s.hi, step=0.01, format="%.4g", key=_wkey("lr"),
                        help=_(lr_s.help), on_change=_changed)
        st.select_slider(_(batch_s.label), options=sorted(set(BATCH_STOPS) | {ss[_wkey("batch_size")]}),
                         key=_wkey("batch_size"), help=_(batch_s.help), on_change=_changed)
        st.slider(_(epochs_s.label), epochs_s.lo, epochs_s.hi, step=1, key=_wkey("epochs"),
                  help=_(epochs_s.help), on_change=_changed)
        st.number_input(_(seed_s.label), seed_s.lo, seed_s.hi, step=1, key=_wkey("seed"),
                        help=_(seed_s.help), on_change=_changed)
        st.caption(_("The data are the lesson's: {n} examples, w = {w}, b = {b}, noise σ = {noise}.")
                   .format(n=NUM_EXAMPLES, w="[" + ", ".join(f"{v:g}" for v in TRUE_W) + "]",
                           b=f"{TRUE_B:g}", noise=f"{NOISE_STD:g}"))
    return {"lr": float(ss[_wkey("lr")]), "batch_size": int(ss[_wkey("batch_size")]),
            "epochs": int(ss[_wkey("epochs")]), "seed": int(ss[_wkey("seed")])}


def show_missing(missing):
    """MindSpore (or one of its modes) cannot run here: say so, how to install it, and why."""
    st.warning(_("MindSpore is not available here, so only the NumPy side runs below. Install it "
                 "with the command below and restart the app:"))
    st.code(MINDSPORE_INSTALL, language="bash", wrap_lines=True)     # whole on a phone, and on 3.13+
    with st.expander(_("Why it did not load")):
        st.code("\n".join(f"{name}: {reason}" for name, reason in missing.items()), language=None,
                wrap_lines=True)


def show_code():
    st.subheader(_("The code: gradients by hand, gradients by autodiff"))
    try:
        left, right, autodiff = code()
    except (OSError, KeyError, ValueError, SyntaxError) as exc:   # a source file changed shape
        st.error(_("Cannot read the code from the project's files: {error}").format(error=i18n.plain(exc)))
        return
    st.markdown(_("Both read from this project's own source now, not copied: on the left "
                  "`core/model.py`, the lesson's functions; on the right `core/ms_backend.py`, the "
                  "class `_SGDStep`. Lines tagged `# [model]`, `# [loss]`, `# [grad]` and "
                  "`# [update]` do the same job and sit on the same row."))
    st.html(CODE_CSS)
    col1, col2 = st.container(key=_wkey("code")).columns(2)
    with col1:
        st.markdown(_("**NumPy** — the gradient derived by hand"))
        st.code("\n".join(left).rstrip(), language="python")
    with col2:
        st.markdown(_("**MindSpore** — the gradient by automatic differentiation"))
        st.code("\n".join(right).rstrip(), language="python")
    st.markdown(_("MindSpore is never told the derivative: `{line}` in `_SGDStep.__init__` builds a "
                  "function that returns the loss and its gradient with respect to w and b.").format(
        line=autodiff))


def show_paths(result, words):
    st.subheader(_("The parameters, step by step"))
    st.plotly_chart(paths_figure(result, words), key=_wkey("paths"))
    st.caption(_("w1, w2 and b after each step (0 = the start). NumPy solid, graph mode dashed, "
                 "PyNative as circles: on this scale the three paths are one."))


def show_difference(result, words):
    st.subheader(_("The difference, step by step"))
    if not result.param_diff:
        st.info(_("Without MindSpore there is nothing to compare the NumPy run with."))
        return
    st.plotly_chart(diff_figure(result, words), key=_wkey("diff"))
    name = "mindspore" if "mindspore" in result.param_diff else next(iter(result.param_diff))
    param, step = result.largest(name, "param")
    grad, grad_step = result.largest(name, "grad")
    eps = float(result.float32_scale("param")[step])
    st.markdown(_("Over {steps} steps the largest difference between NumPy's and MindSpore's "
                  "parameters is **{param}** (at step {step}), and between their gradients **{grad}** "
                  "(step {grad_step}). One float32 rounding of values this size is {eps}: NumPy computes "
                  "in float64, MindSpore in float32, and the two paths stay a few roundings apart, no "
                  "more, because every step pulls both towards the same optimum.").format(
        steps=result.steps, param=fmt(param), step=step, grad=fmt(grad), grad_step=grad_step, eps=fmt(eps)))
    st.caption(_("The gradients differ by about as much even where they are small themselves: each is a "
                 "mean of (ŷ − y) x over the batch, and ŷ and y, about 5 in size, are each rounded to "
                 "float32 before they are subtracted."))
    if set(MS) <= set(result.param_diff):
        a, b = result.runs[MS[0]], result.runs[MS[1]]
        gap = max(float(np.max(np.abs(a.w - b.w))), float(np.max(np.abs(a.b - b.b))))
        if gap == 0:
            st.caption(_("Graph mode and PyNative mode computed exactly the same numbers."))
        else:
            st.caption(_("Graph mode and PyNative mode differ from each other by at most {gap}.").format(
                gap=fmt(gap)))


def show_times(result, words):
    st.subheader(_("Step times: graph mode and PyNative mode"))
    st.html(METRICS)
    runs = result.runs
    row = st.container(horizontal=True, key=_wkey("metrics"))

    def ms(seconds):
        return _("{ms} ms").format(ms=fmt(1e3 * seconds)) if np.isfinite(seconds) else "—"

    labels = {"numpy": _("NumPy, per step"), "mindspore": _("Graph mode, per step"),
              "mindspore-pynative": _("PyNative mode, per step")}
    for name in cmp.ORDER:
        if name in runs:
            row.metric(labels[name], ms(runs[name].median_step))
    if "mindspore" in runs:
        row.metric(_("Graph mode, first step (compile)"), ms(runs["mindspore"].first_step))
    st.plotly_chart(times_figure(result, words), key=_wkey("times"))
    if set(MS) <= set(runs):
        g, p = runs["mindspore"].median_step, runs["mindspore-pynative"].median_step
        st.markdown(_("Graph mode compiles the whole step (gather, loss, autodiff, update) into one "
                      "graph on its first call, then runs it {ratio}× faster than PyNative mode, which "
                      "runs the same step op by op from Python. NumPy needs no framework at all for a "
                      "model this small.").format(ratio=fmt(p / g)))
    st.caption(_("Medians over the steps after the first of each batch length (a new batch length "
                 "compiles again), measured on this server when these settings were first shown, "
                 "the three runs taking turns step by step."))
    st.button(_("Measure again"), key=_wkey("measure"), on_click=comparison.clear,
              icon=":material/timer:")


def run():
    i18n.picker()
    st.title(_("NumPy beside MindSpore"))
    st.markdown(_("The same linear network, two ways: NumPy with the gradients the lesson derives by "
                  "hand, and MindSpore, which differentiates the loss itself. Both start from the same "
                  "w0 and see the same minibatches in the same order, one step each in turn."))
    PAGE.init()
    urlstate.show_warnings([_("Link setting {problem}").format(problem=word(p)) for p in PAGE.problems])
    i18n.keep([_wkey(s.key) for s in SETTINGS])
    values = sidebar()
    urlstate.sync(PAGE.query(PAGE.remember(values)))
    status = cmp.available()
    missing = {name: reason for name, reason in status.items() if reason is not None}
    if missing:
        show_missing(missing)
    show_code()
    words = translated(_)
    try:
        with st.spinner(_("Training on every backend…")):
            result = comparison(values["lr"], values["batch_size"], values["epochs"], values["seed"],
                                tuple(name for name, reason in status.items() if reason is None))
    except Exception as exc:  # a backend failing mid-run must not take the page down
        st.error(_("The comparison could not run: {error}").format(error=i18n.plain(exc)))
        return
    if result.missing and not missing:            # a backend failed on making its stepper
        show_missing(result.missing)
    ref = result.reference
    if ref.diverged:
        st.warning(_("The run diverged at step {step}: lr = {lr} is too large for these data. The "
                     "comparison stops there.").format(step=result.steps, lr=f"{values['lr']:g}"))
    elif result.steps < result.total_steps:
        st.info(_("These settings make {total} steps; the first {steps} are compared, to keep the page "
                  "fast.").format(total=result.total_steps, steps=result.steps))
    show_paths(result, words)
    show_difference(result, words)
    show_times(result, words)


run()
