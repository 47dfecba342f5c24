"""Every user setting in one table. The sidebar, the URL, the CLI and validation all read it.

parse_settings() turns untrusted text (a URL's query, say) into valid values plus warnings:
out-of-range values are clamped, unparseable ones replaced by the default, never an error.
Warnings are core.problems.Problem values (a code and its parameters), worded by whoever shows
them; labels and help texts are English msgids marked with N_, translated where drawn.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from .backends import BACKENDS
from .data import NOISE_STD, NUM_EXAMPLES, TRUE_B, TRUE_W
from .optimizers import BOOK_DEFAULTS, OPTIMIZERS
from .problems import N_, Problem, SettingError
from .trainer import INITS


class Setting(NamedTuple):
    key: str                    # URL query key and settings-dict key
    kind: str                   # "float", "int", "floats" (comma-separated) or "choice"
    default: object
    lo: float | None = None  # valid range, inclusive (per entry for "floats")
    hi: float | None = None
    label: str = ""
    help: str = ""
    cli: str | None = None   # command-line flag, or None when the CLI has no use for it
    log: bool = False           # shown on a log scale
    choices: tuple = ()


SETTINGS = (
    Setting("lr", "float", 0.03, 1e-4, 10.0, N_("Learning rate lr"),
            N_("Step size of each update: w <- w - lr dL/dw."), "--lr", log=True),
    Setting("batch_size", "int", 10, 1, 100_000, N_("Batch size"),
            N_("Examples per update; at most n (n = full-batch gradient descent)."), "--batch-size"),
    Setting("epochs", "int", 3, 1, 100, N_("Epochs (num_epochs)"),
            N_("Passes over the whole data set."), "--epochs"),
    Setting("init", "choice", "normal", label=N_("Initial weights w0"),
            help=N_("How w starts: drawn from N(0, 0.01²) as in the lesson, all zeros, or every weight "
                    "one value (below). b starts at 0."), cli="--init", choices=INITS),
    Setting("w0", "float", 0.0, -100.0, 100.0, N_("Value of every initial weight"),
            N_("Used when the initial weights are 'a value': w0 = (v, v, ...)."), "--w0"),
    Setting("noise", "float", NOISE_STD, 0.0, 10.0, N_("Noise std σ"),
            N_("Standard deviation of the noise added to y."), "--noise"),
    Setting("n", "int", NUM_EXAMPLES, 2, 100_000, N_("Number of examples n"),
            N_("Rows of synthetic data."), "--num-examples"),
    Setting("w", "floats", TRUE_W, -100.0, 100.0, N_("True w"),
            N_("Comma-separated true weights, 1 to 10 of them."), "--true-w"),
    Setting("b", "float", TRUE_B, -100.0, 100.0, N_("True b"), N_("The true bias."), "--true-b"),
    Setting("seed", "int", 0, 0, 2**32 - 1, N_("Seed"),
            N_("Fixes the data, w0 and the batch order: same seed, same run."), "--seed"),
    Setting("backend", "choice", "numpy", label=N_("Backend"),
            help=N_("Who computes the gradients."), cli="--backend", choices=tuple(BACKENDS)),
    Setting("speed", "float", 50.0, 0.0, 1000.0, N_("Animation speed"),
            N_("How fast the animation runs; 0 = as fast as possible.")),
    Setting("present", "int", 0, 0, 1, N_("Presenter view"),
            N_("For a projector: the sidebar closed, bigger text and thicker lines, four charts on "
               "one screen with the buttons.")),
)
BY_KEY = {s.key: s for s in SETTINGS}
DEFAULTS = {s.key: s.default for s in SETTINGS}
MAX_FEATURES = 10
# a run keeps every step for export (~80 bytes a step at d = 2): this bounds it to ~16 MB
MAX_STEPS = 200_000


def _fmt(x):
    return f"{x:g}" if isinstance(x, float) else str(x)


def parse_value(setting, text):
    """Strict parse of one value from text: returns it or raises SettingError (a ValueError
    whose .problem names the range)."""
    s = setting
    rng = f"[{_fmt(s.lo)}, {_fmt(s.hi)}]"
    text = str(text).strip()

    def bad(code, **params):
        return SettingError(Problem(code, {"key": s.key, "range": rng, "text": repr(text), **params}))

    if s.kind == "choice":
        if text not in s.choices:
            raise bad("choice", choices=", ".join(s.choices))
        return text
    if s.kind == "floats":
        try:
            vals = tuple(float(t) for t in text.replace(";", ",").split(",") if t.strip())
        except ValueError:
            raise bad("floats_parse") from None
        if not 1 <= len(vals) <= MAX_FEATURES:
            raise bad("floats_count", max=MAX_FEATURES, count=len(vals))
        if not all(math.isfinite(v) and s.lo <= v <= s.hi for v in vals):
            raise bad("floats_range")
        return vals
    try:
        val = float(text)
    except ValueError:
        raise bad("number") from None
    if not math.isfinite(val):
        raise bad("finite")
    if s.kind == "int":
        if val != int(val):
            raise bad("whole")
        val = int(val)
    if not s.lo <= val <= s.hi:
        raise bad("range")
    return val


def _clamp(setting, text):
    """Lenient parse: (value, Problem or None). Clamps numbers, defaults what cannot be read."""
    s = setting
    try:
        return parse_value(s, text), None
    except SettingError as exc:
        problem = exc.problem
    fallback = s.default
    if s.kind in ("float", "int"):
        try:
            val = float(str(text).strip())
        except ValueError:
            val = math.nan
        if not math.isnan(val):        # a number out of range (inf included): clamp it
            fallback = min(max(val, s.lo), s.hi)
            fallback = int(round(fallback)) if s.kind == "int" else float(fallback)
    elif s.kind == "floats":
        try:
            vals = [float(t) for t in str(text).split(",") if t.strip()][:MAX_FEATURES]
            if vals and not any(math.isnan(v) for v in vals):
                fallback = tuple(min(max(v, s.lo), s.hi) for v in vals)
        except ValueError:
            pass
    return fallback, problem._replace(using=format_value(s, fallback))


def _exact(x):
    """Shortest text that reads back as exactly x ("0.03", not "0.029999999999999999")."""
    text = _fmt(x)
    return text if not isinstance(x, float) or float(text) == x else repr(float(x))  # not np.float64(...)


def format_value(setting, value):
    """The text form of a value, as it goes into a URL or a flag; parses back to the same value."""
    if setting.kind == "floats":
        return ",".join(_exact(float(v)) for v in value)
    return _exact(value)


def parse_settings(raw, table=None):
    """raw: mapping key -> text (or list of texts: the last one counts), e.g. st.query_params.

    table: the settings to read, SETTINGS (the main page's, then reconciled) unless another
    page passes its own tuple of Setting. Returns (settings dict with every key, list of
    warnings as core.problems.Problem). Unknown keys are ignored; missing keys take their
    defaults silently. Never raises.
    """
    values, warnings = {}, []
    for s in table or SETTINGS:
        text = raw.get(s.key) if hasattr(raw, "get") else None
        if isinstance(text, (list, tuple)):
            text = text[-1] if text else None
        if text is None:
            values[s.key] = s.default
            continue
        values[s.key], warning = _clamp(s, text)
        if warning:
            warnings.append(warning)
    if table is not None:
        return values, warnings
    values, more = reconcile(values)
    return values, warnings + more


def reconcile(values):
    """Fix settings that are valid alone but not together; returns (values, [Problem])."""
    values, warnings = dict(values), []
    if values["batch_size"] > values["n"]:
        warnings.append(Problem("batch_over_n", {"batch_size": values["batch_size"], "n": values["n"]}))
        values["batch_size"] = values["n"]
    per_epoch = -(-values["n"] // values["batch_size"])
    if values["epochs"] * per_epoch > MAX_STEPS:
        epochs = max(1, MAX_STEPS // per_epoch)
        warnings.append(Problem("too_many_steps", {"epochs": values["epochs"], "per_epoch": per_epoch,
                                                   "max_steps": MAX_STEPS, "fixed": epochs}))
        values["epochs"] = epochs
    return values, warnings


# The optimizer and its hyperparameters (d2l-zh chapter 11, core.optimizers), kept out of
# SETTINGS: every row of SETTINGS goes into the main page's URL whatever its value, these only
# for the chosen optimizer (ui.page_settings.PageSettings(..., optimizer=True) reads and writes
# them on every page that offers one). Each hyperparameter row's default is the book's for the
# optimizers that take it; eps's differs by optimizer (Adadelta's 1e-5), so read these with
# parse_optimizer_settings, which fills what the URL leaves out from the chosen optimizer's own.
# Ranges stay below 1 for the leaky-average factors, as core.optimizers.BOUNDS requires.
OPTIMIZER_SETTINGS = (
    Setting("optimizer", "choice", "sgd", label=N_("Optimizer"),
            help=N_("How each update uses the gradient: plain minibatch SGD (the lesson's), momentum, "
                    "AdaGrad, RMSProp, Adadelta or Adam, as in the chapter on optimization algorithms."),
            cli="--optimizer", choices=tuple(OPTIMIZERS)),
    Setting("momentum", "float", BOOK_DEFAULTS["momentum"]["momentum"], 0.0, 0.999, N_("Momentum β"),
            N_("Momentum: v <- β v + g, w <- w - lr v."), "--momentum"),
    Setting("gamma", "float", BOOK_DEFAULTS["rmsprop"]["gamma"], 0.0, 0.999, N_("Decay γ"),
            N_("RMSProp: s <- γ s + (1 - γ) g²."), "--gamma"),
    Setting("rho", "float", BOOK_DEFAULTS["adadelta"]["rho"], 0.0, 0.999, N_("Decay ρ"),
            N_("Adadelta: s <- ρ s + (1 - ρ) g², and the same for the squared updates."), "--rho"),
    Setting("beta1", "float", BOOK_DEFAULTS["adam"]["beta1"], 0.0, 0.999, N_("β1"),
            N_("Adam: v <- β1 v + (1 - β1) g."), "--beta1"),
    Setting("beta2", "float", BOOK_DEFAULTS["adam"]["beta2"], 0.0, 0.9999, N_("β2"),
            N_("Adam: s <- β2 s + (1 - β2) g²."), "--beta2"),
    Setting("eps", "float", BOOK_DEFAULTS["adam"]["eps"], 1e-10, 0.1, N_("ε"),
            N_("Keeps the division by sqrt(s) finite (AdaGrad, RMSProp, Adadelta, Adam)."), "--eps",
            log=True),
)
OPTIMIZER_BY_KEY = {s.key: s for s in OPTIMIZER_SETTINGS}


def parse_optimizer_settings(raw):
    """raw as for parse_settings -> (values, [Problem]): "optimizer" and every hyperparameter
    row, each the raw value (clamped like any setting) or, where raw has none, the chosen
    optimizer's book default (core.optimizers.BOOK_DEFAULTS), else the row's. Never raises."""
    values, warnings = parse_settings(raw, OPTIMIZER_SETTINGS)
    book = BOOK_DEFAULTS[values["optimizer"]]
    for key in values:
        if key in book and (not hasattr(raw, "get") or raw.get(key) in (None, [], ())):
            values[key] = book[key]
    return values, warnings


def optimizer_hyperparams(values):
    """The hyperparams dict core.train takes, from a settings dict with "optimizer": only the
    names that optimizer takes, lr left to train()'s lr."""
    return {k: values[k] for k in BOOK_DEFAULTS[values["optimizer"]] if k != "lr" and k in values}


def row(name, /, **changes):
    """A row of this module's tables with some fields changed, for a page's own table: the page
    keeps the row's key, label and help (one msgid each) and changes what is its own, e.g.
    row("lr", default=0.1), row("batch_size", hi=1000, help=N_("...")), or another key for the
    same kind of setting: row("lr", key="m_lr", ...)."""
    return (BY_KEY.get(name) or OPTIMIZER_BY_KEY[name])._replace(**changes)


def to_query(values):
    """Settings dict -> {key: text} for the URL; parse_settings(to_query(v)) gives v back."""
    return {s.key: format_value(s, values[s.key]) for s in SETTINGS}
