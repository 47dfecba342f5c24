"""The sidebar: widgets built from core.settings.SETTINGS; returns a settings dict.

Labels and help texts come from the table (English msgids) and are translated here, when drawn.
The widgets keep their values for the whole session (persist_state="session"), so a visit to
another page and back finds the settings as they were.
"""

from __future__ import annotations

import streamlit as st

from core import settings as S
from core.backends import BACKENDS, backend_installed
from core.optimizers import BOOK_DEFAULTS, hyperparams_for
from ui.i18n import N_, _, keep, word

# slider stops: log-spaced where a quantity spans decades
LR_STOPS = (1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.0,
            1.2, 1.5, 1.8, 1.9, 2.0, 2.1, 2.5, 3.0, 5.0, 10.0)
BATCH_STOPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000)
EPOCH_STOPS = (1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50, 100)
N_STOPS = (2, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000)
NOISE_STOPS = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.5, 1.0, 2.0, 5.0, 10.0)
SPEED_STOPS = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 0.0)

WIDGET = "ctl_"          # session_state key prefix of the sidebar widgets


def from_url():
    """Once per session: the settings from the URL, the widgets seeded from them. Returns the
    URL's problems (core.problems.Problem) the first time, [] after."""
    if "url_settings_read" in st.session_state:
        return []
    st.session_state.url_settings_read = True
    query = st.query_params.to_dict()
    values, warnings = S.parse_settings(query)
    opt, opt_warnings = S.parse_optimizer_settings(query)
    # only what the chosen optimizer reads can be wrong: another optimizer's leftovers are ignored
    uses = {"optimizer", *BOOK_DEFAULTS[opt["optimizer"]]}
    init_widgets({**values, **opt})
    return warnings + [p for p in opt_warnings if p.params.get("key") in uses]


TOGGLES = ("present",)     # 0/1 settings drawn as a toggle


def init_widgets(values):
    """Seed every widget's session_state from a settings dict (once per session, or on Reset)."""
    for s in S.SETTINGS:
        value = values[s.key]
        if s.kind == "floats":
            value = S.format_value(s, value)
        elif s.key in TOGGLES:
            value = bool(value)
        st.session_state[WIDGET + s.key] = value
    init_optimizer(values.get("optimizer", "sgd"), values)


def init_optimizer(name, values=None):
    """Seed the optimizer's widgets: the name and its hyperparameters, from `values` where it has
    them, else the book's (core.optimizers.BOOK_DEFAULTS). The other optimizers' are left alone."""
    values = values or {}
    st.session_state[WIDGET + "optimizer"] = name
    for key, default in BOOK_DEFAULTS[name].items():
        if key != "lr":
            st.session_state[WIDGET + key] = float(values.get(key, default))


def _stops(stops, current, lo=None, hi=None):
    """Sorted stops within [lo, hi], plus the current value (which may come from a URL)."""
    vals = {v for v in stops if (lo is None or v >= lo) and (hi is None or v <= hi)} | {current}
    return sorted(vals, key=lambda v: (v == 0, v))      # 0 ("as fast as possible") goes last


def _select(key, stops, fmt=None, lo=None, hi=None, disabled=False):
    s = S.BY_KEY.get(key) or S.OPTIMIZER_BY_KEY[key]
    k = WIDGET + key
    options = _stops(stops, st.session_state[k], lo, hi)
    if st.session_state[k] not in options:               # outside [lo, hi] after n changed
        st.session_state[k] = min(options, key=lambda v: abs(v - st.session_state[k]))
    # labels made now, in this run's language: a format_func may be called outside the run
    labels = {v: (fmt or (lambda v: f"{v:g}"))(v) for v in options}
    return st.select_slider(_(s.label), options=options, key=k, help=_(s.help),
                            format_func=labels.__getitem__, disabled=disabled,
                            persist_state="session")


def _speed_label(v):
    return _("as fast as possible") if v == 0 else _("{speed} steps/s").format(speed=f"{v:g}")


def sidebar():
    """Draw the controls; returns (settings dict, list of messages about bad input, worded)."""
    keep([WIDGET + s.key for s in S.SETTINGS + S.OPTIMIZER_SETTINGS])
    with st.sidebar:
        return _sidebar()


def _sidebar():
    problems = []
    st.header(_("Settings"))
    present = S.BY_KEY["present"]
    st.toggle(_(present.label), key=WIDGET + "present", help=_(present.help), persist_state="session")
    values = optimizer_picker()
    values["lr"] = _select("lr", LR_STOPS)
    values.update(hyperparam_widgets(values["optimizer"]))
    values["noise"] = _select("noise", NOISE_STOPS)
    n = st.session_state[WIDGET + "n"]
    values["batch_size"] = _select("batch_size", BATCH_STOPS, hi=n)
    values["epochs"] = _select("epochs", EPOCH_STOPS)
    values["init"], values["w0"] = init_picker()
    values["speed"] = _select("speed", SPEED_STOPS, fmt=_speed_label)
    with st.expander(_("More: data, seed, backend")):
        values["n"] = _select("n", N_STOPS)
        w = S.BY_KEY["w"]
        w_text = st.text_input(_(w.label), key=WIDGET + "w", help=_(w.help), persist_state="session")
        try:
            values["w"] = S.parse_value(w, w_text)
        except S.SettingError as exc:
            problems.append(_("{problem} — keeping the previous true w.").format(problem=word(exc.problem)))
            values["w"] = st.session_state.get("last_good_w", S.DEFAULTS["w"])
        st.session_state.last_good_w = values["w"]
        b = S.BY_KEY["b"]
        values["b"] = float(st.number_input(_(b.label), min_value=b.lo, max_value=b.hi, step=0.1,
                                            key=WIDGET + "b", help=_(b.help), persist_state="session"))
        seed = S.BY_KEY["seed"]
        values["seed"] = int(st.number_input(_(seed.label), min_value=seed.lo, max_value=seed.hi,
                                             step=1, key=WIDGET + "seed", help=_(seed.help),
                                             persist_state="session"))
        values["backend"] = backend_picker()
    values["present"] = int(bool(st.session_state[WIDGET + "present"]))
    values, more = S.reconcile(values)
    return values, problems + [word(p) for p in more]


INIT_WORDS = {"normal": N_("N(0, 0.01²)"), "zeros": N_("zeros"), "value": N_("a value")}


def init_picker():
    """How w starts: the lesson's random draw, zeros, or one value for every weight (its box
    shown only then). Returns (init, w0)."""
    init, w0 = S.BY_KEY["init"], S.BY_KEY["w0"]
    labels = {name: _(INIT_WORDS[name]) for name in init.choices}
    choice = st.radio(_(init.label), init.choices, key=WIDGET + "init", horizontal=True,
                      format_func=labels.__getitem__, help=_(init.help), persist_state="session")
    value = st.session_state[WIDGET + "w0"]
    if choice == "value":
        value = st.number_input(_(w0.label), min_value=w0.lo, max_value=w0.hi, step=0.1,
                                key=WIDGET + "w0", help=_(w0.help), persist_state="session")
    return choice, float(value)


def backend_picker():
    """A radio of the backends; one that is not installed is named with the reason, and
    choosing it falls back to NumPy with a message (checked without importing MindSpore)."""
    k = WIDGET + "backend"
    missing = {name for name in BACKENDS if not backend_installed(name)}

    def label(name):
        text = _(BACKENDS[name].label)
        return _("{backend} — not installed").format(backend=text) if name in missing else text

    labels = {name: label(name) for name in BACKENDS}
    choice = st.radio(_(S.BY_KEY["backend"].label), list(BACKENDS), key=k, format_func=labels.__getitem__,
                      persist_state="session",
                      help=_("NumPy: the lesson's hand-derived gradients. MindSpore: the same network "
                             "with automatic differentiation (the first step compiles, about 1 s)."))
    if choice in missing:
        st.warning(_("{backend} is not available here. Install it with: `{install}`. Using NumPy.")
                   .format(backend=_(BACKENDS[choice].label), install=BACKENDS[choice].install))
        return "numpy"
    return choice


# ---- the optimizer (d2l-zh chapter 11): a picker, then only the chosen one's hyperparameters

OPTIMIZER_WORDS = {"sgd": N_("Minibatch SGD"), "momentum": N_("Momentum"), "adagrad": N_("AdaGrad"),
                   "rmsprop": N_("RMSProp"), "adadelta": N_("Adadelta"), "adam": N_("Adam")}
BETA_STOPS = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99, 0.999)
HYPERPARAM_STOPS = {"momentum": BETA_STOPS, "gamma": BETA_STOPS, "rho": BETA_STOPS, "beta1": BETA_STOPS,
                    "beta2": (0.0, 0.5, 0.9, 0.99, 0.999, 0.9999),
                    "eps": (1e-10, 1e-8, 1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.1)}
NOTE = "optimizer_note"         # session_state: the caption after a change of optimizer


def optimizer_words(name):
    """The optimizer's name in the user's language (d2l-zh's: 动量法, Adam算法, ...)."""
    return _(OPTIMIZER_WORDS[name])


def _optimizer_changed():
    """on_change of the picker: the new optimizer's hyperparameters and lr go to the book's."""
    name = st.session_state[WIDGET + "optimizer"]
    init_optimizer(name)
    st.session_state[WIDGET + "lr"] = BOOK_DEFAULTS[name]["lr"]
    st.session_state[NOTE] = name


def optimizer_picker():
    """The optimizer's select box; returns {"optimizer": name}. Right after a change, a caption
    says that lr (and the hyperparameters) are now the book's for it."""
    k, row = WIDGET + "optimizer", S.OPTIMIZER_BY_KEY["optimizer"]
    st.session_state.setdefault(k, row.default)
    labels = {name: optimizer_words(name) for name in row.choices}
    name = st.selectbox(_(row.label), row.choices, key=k, format_func=labels.__getitem__,
                        help=_(row.help), on_change=_optimizer_changed, persist_state="session")
    if st.session_state.pop(NOTE, None) == name:
        st.caption(_("lr set to the book's {lr} for {optimizer}, and its other settings to the "
                     "book's.").format(lr=f"{BOOK_DEFAULTS[name]['lr']:g}", optimizer=labels[name]))
    return {"optimizer": name}


def hyperparam_widgets(name):
    """A slider for each hyperparameter the optimizer `name` takes (none for SGD); returns them."""
    values = {}
    for key, default in BOOK_DEFAULTS[name].items():
        if key == "lr":
            continue
        st.session_state.setdefault(WIDGET + key, float(default))
        fmt = (lambda v: f"{v:.0e}".replace("e-0", "e-")) if key == "eps" else None
        values[key] = float(_select(key, HYPERPARAM_STOPS[key], fmt=fmt))
    return values


def optimizer_query(values):
    """{key: text} of the optimizer for the URL: nothing for SGD (the lesson's links stay as they
    were), else its name and its own hyperparameters."""
    name = values.get("optimizer", "sgd")
    if name == "sgd":
        return {}
    keys = ["optimizer"] + [k for k in BOOK_DEFAULTS[name] if k != "lr"]
    return {k: S.format_value(S.OPTIMIZER_BY_KEY[k], values[k]) for k in keys}


def main_optimizer():
    """(name, hyperparams with lr) of the main page's run, else of the sidebar, else the lesson's
    SGD: what another page needs to draw the main page's updates (core.train's arguments)."""
    ss = st.session_state
    run = ss.get("run")
    if run is not None:
        return run.optimizer, dict(run.hyperparams)
    name = ss.get(WIDGET + "optimizer", "sgd")
    given = {k: ss[WIDGET + k] for k in BOOK_DEFAULTS.get(name, {}) if k != "lr" and WIDGET + k in ss}
    try:
        return name, hyperparams_for(name, given, ss.get(WIDGET + "lr", BOOK_DEFAULTS[name]["lr"]))
    except (KeyError, ValueError):
        return "sgd", dict(BOOK_DEFAULTS["sgd"])
