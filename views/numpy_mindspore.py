"""NumPy beside MindSpore: the lesson's settings run on both backends in step, their paths
overlaid, their largest difference per step, the two codes side by side and the step times of
MindSpore's graph and PyNative modes.

Settings lr, batch_size, epochs, seed live in the URL (?lr=0.03&batch_size=10...), clamped or
defaulted with a warning when bad; so does the optimizer (d2l-zh chapter 11: &optimizer=adam
&beta1=0.9..., only the chosen one's hyperparameters, nothing for the lesson's SGD). Every number
comes from core.compare (cached on the settings); the figures from ui.compare_figures; the code
from the project's own source files. Without MindSpore the page says how to install it and shows
the NumPy side alone.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from core import compare as cmp
from core.backends import MINDSPORE_INSTALL
from core.data import NOISE_STD, NUM_EXAMPLES, TRUE_B, TRUE_W, synthetic_data
from core.optimizers import BOOK_DEFAULTS, DIFFERENCES, OPTIMIZERS
from core.problems import SettingError
from core.settings import OPTIMIZER_BY_KEY, OPTIMIZER_SETTINGS, optimizer_hyperparams, row
from ui import i18n
from ui.compare_figures import diff_figure, fmt, paths_figure, times_figure, translated
from ui.controls import OPTIMIZER_WORDS  # the main page's names of the optimizers
from ui.i18n import N_, _, word
from ui.page_settings import PageSettings

SETTINGS = (
    row("lr"),
    row("batch_size", hi=NUM_EXAMPLES,
        help=N_("Examples per update, the same minibatches on every backend.")),
    row("epochs", hi=10),
    row("seed"),
)
BY_KEY = {s.key: s for s in SETTINGS}
BATCH_STOPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)
# widget keys backends_lr, ...; the optimizer's rows (optimizer=True), read as every page reads
# them, keep their widget keys backends_opt_optimizer, backends_opt_beta1, ...
PAGE = PageSettings("backends", SETTINGS, optimizer=True,
                    keys={s.key: f"backends_opt_{s.key}" for s in OPTIMIZER_SETTINGS})
MS = ("mindspore", "mindspore-pynative")
METRICS = """<style>
.st-key-backends_metrics > div { flex: 1 1 200px; min-width: min(200px, 100%); }
</style>"""
# the codes a little smaller than streamlit's default, so more of each line shows in a half-width column
CODE_CSS = """<style>
.st-key-backends_code pre, .st-key-backends_code code,
.st-key-backends_optcode pre, .st-key-backends_optcode code { font-size: 0.8rem; }
</style>"""


@st.cache_data(max_entries=32, show_spinner=False)
def comparison(lr, batch_size, epochs, seed, backends, optimizer="sgd", hyperparams=()):
    """core.compare.compare on the lesson's data of `seed`, for the backends that run here (part
    of the key: a session where MindSpore is gone does not get another's cached runs), with the
    optimizer and its hyperparameters ((name, value) pairs, lr apart)."""
    X, y = synthetic_data(seed=seed)
    with np.errstate(over="ignore", invalid="ignore"):     # a diverging run ends in inf / nan (core, ok)
        return cmp.compare(X, y, lr=lr, batch_size=batch_size, num_epochs=epochs, seed=seed,
                           backends=backends, optimizer=optimizer, hyperparams=dict(hyperparams))


def code():
    """(NumPy lines, MindSpore lines, the autodiff line), read from core/ on every run (a few ms):
    not cached, so an edited core/model.py shows at once."""
    left, right = cmp.source_pairs()
    return left, right, cmp.autodiff_line()


def optimizer_controls():
    """The optimizer's picker and the chosen one's hyperparameters (none for SGD); returns
    {"optimizer": name, key: value ...} with only that optimizer's keys."""
    ss = st.session_state
    row = OPTIMIZER_BY_KEY["optimizer"]
    labels = {name: _(OPTIMIZER_WORDS[name]) for name in row.choices}
    name = st.selectbox(_(row.label), row.choices, key=PAGE.key("optimizer"), format_func=labels.__getitem__,
                        help=_(row.help), on_change=PAGE.optimizer_changed)
    if PAGE.optimizer_note(name):
        st.caption(_("lr set to the book's {lr} for {optimizer}, and its other settings to the "
                     "book's.").format(lr=f"{BOOK_DEFAULTS[name]['lr']:g}", optimizer=labels[name]))
    values = {"optimizer": name}
    for key in BOOK_DEFAULTS[name]:
        if key == "lr":
            continue
        s = OPTIMIZER_BY_KEY[key]
        small = key == "eps"
        st.number_input(_(s.label), float(s.lo), float(s.hi), step=1e-6 if small else 0.01,
                        format="%.1e" if small else "%.4g", key=PAGE.key(key), help=_(s.help),
                        on_change=PAGE.forget_problems)
        values[key] = float(ss[PAGE.key(key)])
    return values


def sidebar():
    lr_s, batch_s, epochs_s, seed_s = (BY_KEY[k] for k in ("lr", "batch_size", "epochs", "seed"))
    ss = st.session_state
    with st.sidebar:
        st.header(_("Settings of this comparison"))
        optimizer = optimizer_controls()
        st.number_input(_(lr_s.label), lr_s.lo, lr_s.hi, step=0.01, format="%.4g", key=PAGE.key("lr"),
                        help=_(lr_s.help), on_change=PAGE.forget_problems)
        st.select_slider(_(batch_s.label), options=sorted(set(BATCH_STOPS) | {ss[PAGE.key("batch_size")]}),
                         key=PAGE.key("batch_size"), help=_(batch_s.help), on_change=PAGE.forget_problems)
        st.slider(_(epochs_s.label), epochs_s.lo, epochs_s.hi, step=1, key=PAGE.key("epochs"),
                  help=_(epochs_s.help), on_change=PAGE.forget_problems)
        st.number_input(_(seed_s.label), seed_s.lo, seed_s.hi, step=1, key=PAGE.key("seed"),
                        help=_(seed_s.help), on_change=PAGE.forget_problems)
        st.caption(_("The data are the lesson's: {n} examples, w = {w}, b = {b}, noise σ = {noise}.")
                   .format(n=NUM_EXAMPLES, w="[" + ", ".join(f"{v:g}" for v in TRUE_W) + "]",
                           b=f"{TRUE_B:g}", noise=f"{NOISE_STD:g}"))
    return {"lr": float(ss[PAGE.key("lr")]), "batch_size": int(ss[PAGE.key("batch_size")]),
            "epochs": int(ss[PAGE.key("epochs")]), "seed": int(ss[PAGE.key("seed")])}, optimizer


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
    col1, col2 = st.container(key=PAGE.key("code")).columns(2)
    with col1:
        st.markdown(_("**NumPy** — the gradient derived by hand"))
        st.code("\n".join(left).rstrip(), language="python")
    with col2:
        st.markdown(_("**MindSpore** — the gradient by automatic differentiation"))
        st.code("\n".join(right).rstrip(), language="python")
    st.markdown(_("MindSpore is never told the derivative: `{line}` in `_SGDStep.__init__` builds a "
                  "function that returns the loss and its gradient with respect to w and b.").format(
        line=autodiff))


# each core.optimizers.DIFFERENCES code: what differs and what the app does about it
DIFFERENCE_WORDS = {
    "ms_adagrad_accum_start": N_(
        "**AdaGrad's ε and starting accumulator (configured).** `nn.Adagrad` has no ε: it divides by "
        "√accum and starts accum at {ms_default}, while the book divides by √(s + ε) with s starting at "
        "0. The app starts accum at ε = {eps}, so accum = s + ε at every step: the book's rule."),
    "ms_rmsprop_momentum": N_(
        "**Momentum inside RMSProp (configured).** `nn.RMSProp` can add momentum to its steps and, "
        "when centered, subtract the square of the mean gradient; the book's RMSProp does neither. "
        "The app passes momentum=0.0 and centered=False."),
    "ms_rmsprop_start": N_(
        "**RMSProp's starting mean square (configured).** MindSpore starts its mean square at "
        "{ms_default}, the book's s starts at 0: the app sets it to the book's zeros before the first "
        "step."),
    "ms_eps_default": N_(
        "**The default ε (configured).** `nn.{cls}` uses ε = {ms_default} unless told otherwise; the "
        "app passes the book's ε = {eps}."),
    "ms_adam_eps_scaled": N_(
        "**ε scaled with the step (kept).** `nn.Adam` folds the bias correction into the step size, "
        "lr·√(1 − β2^t)/(1 − β1^t), and adds ε to the uncorrected √s. Written as the book's rule, "
        "that is ε/√(1 − β2^t) in place of ε: at t = 1 the effective ε is {eff1}, {factor1}× the "
        "book's ε = {eps}; at step {t}, where this run stops, {factor_last}×. No constant ε undoes a "
        "factor that changes with t, so the app passes the book's ε and measures what remains: the "
        "book's rule and MindSpore's formula, both in float64 on this run's batches, end {gap_end} "
        "apart in w and b (at most {gap_max} on the way)."),
    "ms_adam_beta_open": N_(
        "**β1 or β2 = 0 (kept).** The book's β may be 0 (β1 = 0: the first moment is the gradient "
        "itself); `nn.Adam` takes β in (0, 1) only and refuses 0. No setting gets round that: with a "
        "β of 0 MindSpore does not run and only NumPy does. Here β1 = {beta1}, β2 = {beta2}: {verdict}"),
}


def difference_words(diff, result, hp):
    """One DIFFERENCES entry as a paragraph in the user's language, with this run's sizes."""
    name = result.optimizer
    params = {"cls": OPTIMIZERS[name].ms_class, "eps": fmt(hp.get("eps", float("nan"))),
              "ms_default": f"{diff.params.get('ms_default', '')}"}
    if diff.code == "ms_adam_eps_scaled":
        t = max(result.steps, 1)
        factor1, factor_last = (float(cmp.effective_eps(hp, k) / hp["eps"]) for k in (1, t))
        gap = result.form_diff if result.form_diff is not None else np.zeros(1)
        params.update(eff1=fmt(hp["eps"] * factor1), factor1=fmt(factor1), t=t, factor_last=fmt(factor_last),
                      gap_end=fmt(float(gap[-1])), gap_max=fmt(float(np.nanmax(gap))))
    if diff.code == "ms_adam_beta_open":
        ok = hp["beta1"] > 0 and hp["beta2"] > 0
        params.update(beta1=f"{hp['beta1']:g}", beta2=f"{hp['beta2']:g}",
                      verdict=_("both inside MindSpore's range.") if ok else _("MindSpore refuses them."))
    return _(DIFFERENCE_WORDS[diff.code]).format(**params)


def show_optimizer(result, opt):
    """The optimizer's rule on both sides, MindSpore's nn optimizer as this run makes it, and
    where MindSpore's formula differs from the book's, worded and measured."""
    name = opt["optimizer"]
    st.subheader(_("The optimizer on both sides: {optimizer}").format(optimizer=_(OPTIMIZER_WORDS[name])))
    if name == "sgd":
        st.markdown(_("The lesson's minibatch SGD is the `# [update]` line of each code above: by hand "
                      "on the left, `ops.assign_sub` on the right. Choose another optimizer of the chapter "
                      "on optimization algorithms in the sidebar (momentum, AdaGrad, RMSProp, Adadelta, "
                      "Adam) to see its rule beside MindSpore's own optimizer."))
        return
    hp = result.hyperparams
    try:
        left, right = cmp.optimizer_pair(name)
        call = cmp.optimizer_call(name, hp)
    except (OSError, KeyError, ValueError, SyntaxError) as exc:   # a source file changed shape
        st.error(_("Cannot read the code from the project's files: {error}").format(error=i18n.plain(exc)))
        return
    cls = OPTIMIZERS[name].ms_class
    st.markdown(_("On the left the book's rule as `core/optimizers.py` runs it on θ = (w, b); on the "
                  "right the branch of `core/ms_backend.py` that builds MindSpore's `nn.{cls}` for it, "
                  "set to follow the book's rule. The lines tagged `# [update]` make the step and sit on "
                  "the same row.").format(cls=cls))
    col1, col2 = st.container(key=PAGE.key("optcode")).columns(2)
    with col1:
        st.markdown(_("**NumPy** — the book's rule"))
        st.code("\n".join(left).rstrip(), language="python")
    with col2:
        st.markdown(_("**MindSpore** — `nn.{cls}`, configured").format(cls=cls))
        st.code("\n".join(right).rstrip(), language="python")
    st.markdown(_("With this page's settings MindSpore's optimizer is made as:"))
    st.code(call, language="python", wrap_lines=True)
    st.markdown(_("**Where MindSpore's {optimizer} differs from the book's**").format(
        optimizer=_(OPTIMIZER_WORDS[name])))
    diffs = DIFFERENCES[name]
    if not diffs:
        st.markdown(_("Nowhere: `nn.{cls}` computes the book's rule as it stands.").format(cls=cls))
    for diff in diffs:
        st.markdown(difference_words(diff, result, hp))
    ran = [b for b in MS if b in result.param_diff]
    if ran:
        left_over = max(float(np.nanmax(result.param_diff[b])) for b in ran)
        st.caption(_("On this run MindSpore's parameters stay within {left} of NumPy's (the difference "
                     "below).").format(left=fmt(left_over)))


def show_refusal(result):
    """MindSpore refused the settings (nn.Adam with a β of 0): its Problem, worded."""
    for problem in {p.params.get("key"): p for p in result.refusals().values()}.values():
        st.error(_("MindSpore refuses these settings: {problem}. Only the NumPy side runs below.").format(
            problem=word(problem)))


def show_paths(result, words):
    st.subheader(_("The parameters, step by step"))
    st.plotly_chart(paths_figure(result, words), key=PAGE.key("paths"))
    st.caption(_("w1, w2 and b after each step (0 = the start). NumPy solid, graph mode dashed, "
                 "PyNative as circles: on this scale the three paths are one."))


def show_difference(result, words):
    st.subheader(_("The difference, step by step"))
    if not result.param_diff:
        st.info(_("MindSpore refused these settings (above), so there is nothing to compare the NumPy "
                  "run with.") if result.refusals() else
                _("Without MindSpore there is nothing to compare the NumPy run with."))
        return
    st.plotly_chart(diff_figure(result, words), key=PAGE.key("diff"))
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
    if result.form_diff is not None:
        st.caption(_("Not all of it is rounding with {optimizer}: MindSpore's formula alone (its ε, "
                     "above) moves the parameters by up to {gap}.").format(
            optimizer=_(OPTIMIZER_WORDS[result.optimizer]), gap=fmt(float(np.nanmax(result.form_diff)))))
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
    row = st.container(horizontal=True, key=PAGE.key("metrics"))

    def ms(seconds):
        return _("{ms} ms").format(ms=fmt(1e3 * seconds)) if np.isfinite(seconds) else "—"

    labels = {"numpy": _("NumPy, per step"), "mindspore": _("Graph mode, per step"),
              "mindspore-pynative": _("PyNative mode, per step")}
    for name in cmp.ORDER:
        if name in runs:
            row.metric(labels[name], ms(runs[name].median_step))
    if "mindspore" in runs:
        row.metric(_("Graph mode, first step (compile)"), ms(runs["mindspore"].first_step))
    st.plotly_chart(times_figure(result, words), key=PAGE.key("times"))
    if set(MS) <= set(runs):
        g, p = runs["mindspore"].median_step, runs["mindspore-pynative"].median_step
        st.markdown(_("Graph mode compiles the whole step (gather, loss, autodiff, update) into one "
                      "graph on its first call, then runs it {ratio}× faster than PyNative mode, which "
                      "runs the same step op by op from Python. NumPy needs no framework at all for a "
                      "model this small.").format(ratio=fmt(p / g)))
    st.caption(_("Medians over the steps after the first of each batch length (a new batch length "
                 "compiles again), measured on this server when these settings were first shown, "
                 "the three runs taking turns step by step."))
    st.button(_("Measure again"), key=PAGE.key("measure"), on_click=comparison.clear,
              icon=":material/timer:")


def run():
    i18n.picker()
    st.title(_("NumPy beside MindSpore"))
    st.markdown(_("The same linear network, two ways: NumPy with the gradients the lesson derives by "
                  "hand, and MindSpore, which differentiates the loss itself. Both start from the same "
                  "w0 and see the same minibatches in the same order, one step each in turn."))
    if PAGE.init() and "optimizer" in st.query_params and "lr" not in st.query_params:
        name = st.session_state[PAGE.state]["optimizer"]        # a link to an optimizer: its book lr
        st.session_state[PAGE.key("lr")] = float(BOOK_DEFAULTS[name]["lr"])
    PAGE.show_warnings()
    values, opt = sidebar()
    PAGE.sync(PAGE.remember({**values, **opt}))
    status = cmp.available()
    missing = {name: reason for name, reason in status.items() if reason is not None}
    if missing:
        show_missing(missing)
    show_code()
    words = translated(_)
    try:
        with st.spinner(_("Training on every backend…")):
            result = comparison(values["lr"], values["batch_size"], values["epochs"], values["seed"],
                                tuple(name for name, reason in status.items() if reason is None),
                                opt["optimizer"], tuple(sorted(optimizer_hyperparams(opt).items())))
    except SettingError as exc:         # NumPy's own rule refused a value (the widgets' ranges keep it out)
        st.error(_("These settings cannot run: {problem}").format(problem=word(exc.problem)))
        return
    except Exception as exc:  # a backend failing mid-run must not take the page down
        st.error(_("The comparison could not run: {error}").format(error=i18n.plain(exc)))
        return
    if result.missing and not missing:            # a backend failed on making its stepper
        show_missing(result.missing)
    show_refusal(result)
    ref = result.reference
    if ref.diverged:
        st.warning(_("The run diverged at step {step}: lr = {lr} is too large for these data. The "
                     "comparison stops there.").format(step=result.steps, lr=f"{values['lr']:g}"))
    elif result.steps < result.total_steps:
        st.info(_("These settings make {total} steps; the first {steps} are compared, to keep the page "
                  "fast.").format(total=result.total_steps, steps=result.steps))
    show_optimizer(result, opt)
    show_paths(result, words)
    show_difference(result, words)
    show_times(result, words)


run()
