"""The main page's sidebar: a widget for each row of core.settings.SETTINGS and the optimizer's;
returns a settings dict.

The rows go through PAGE, a ui.page_settings.PageSettings like every page's (the link, widget
keys "ctl_<key>", the URL). Labels and help texts come from the table (English msgids) and are
translated here, when drawn. The widgets keep their values for the whole session
(persist_state="session"), so a visit to another page and back finds the settings as they were.
A row the sidebar does not place itself (DRAWN) gets the widget its kind says, under "More".
"""

from __future__ import annotations

import streamlit as st

from core import settings as S
from core.backends import BACKENDS, backend_installed
from core.optimizers import BOOK_DEFAULTS
from ui.i18n import N_, _, keep, word
from ui.page_settings import PageSettings

# slider stops: log-spaced where a quantity spans decades
LR_STOPS = (1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.0,
            1.2, 1.5, 1.8, 1.9, 2.0, 2.1, 2.5, 3.0, 5.0, 10.0)
BATCH_STOPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000)
EPOCH_STOPS = (1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50, 100)
N_STOPS = (2, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000)
NOISE_STOPS = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.5, 1.0, 2.0, 5.0, 10.0)
SPEED_STOPS = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 0.0)

# The main page's settings: every row of core.settings (and the optimizer's), widget keys
# "ctl_<key>"; the link's problems are worded as they are (no "Link setting"), shown once;
# nothing is said of another optimizer's hyperparameters in the link.
PAGE = PageSettings("ctl", S.SETTINGS, optimizer=True, quiet_others=True, check=S.reconcile, link=None)
WIDGET = PAGE.key("")          # "ctl_": session_state key prefix of the sidebar widgets
# where the sidebar draws its rows itself; any other row of the table gets PAGE.widget in "More"
DRAWN = {"present", "optimizer", "lr", "noise", "batch_size", "epochs", "init", "w0", "speed", "n", "w",
         "b", "seed", "backend"}


def select(key, stops, fmt=None, lo=None, hi=None):
    return PAGE.select_slider(key, stops, fmt=fmt, lo=lo, hi=hi, persist_state="session")


def speed_label(v):
    return _("as fast as possible") if v == 0 else _("{speed} steps/s").format(speed=f"{v:g}")


def sidebar():
    """Draw the controls; returns (settings dict, list of messages about bad input, worded)."""
    keep(PAGE.widget_keys())
    with st.sidebar:
        return _sidebar()


def _sidebar():
    problems = []
    st.header(_("Settings"))
    present = S.BY_KEY["present"]
    st.toggle(_(present.label), key=WIDGET + "present", help=_(present.help), persist_state="session")
    values = optimizer_picker()
    values["lr"] = select("lr", LR_STOPS)
    values.update(hyperparam_widgets(values["optimizer"]))
    values["noise"] = select("noise", NOISE_STOPS)
    n = st.session_state[WIDGET + "n"]
    values["batch_size"] = select("batch_size", BATCH_STOPS, hi=n)
    values["epochs"] = select("epochs", EPOCH_STOPS)
    values["init"], values["w0"] = init_picker()
    values["speed"] = select("speed", SPEED_STOPS, fmt=speed_label)
    with st.expander(_("More: data, seed, backend")):
        values["n"] = select("n", N_STOPS)
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
        for s in PAGE.own:                  # a row the sidebar has no place for yet
            if s.key not in DRAWN:
                values[s.key] = PAGE.widget(s.key, persist_state="session")
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


def optimizer_words(name):
    """The optimizer's name in the user's language (d2l-zh's: 动量法, Adam算法, ...)."""
    return _(OPTIMIZER_WORDS[name])


def optimizer_picker():
    """The optimizer's select box; returns {"optimizer": name}. Right after a change, a caption
    says that lr (and the hyperparameters) are now the book's for it."""
    k, row = WIDGET + "optimizer", S.OPTIMIZER_BY_KEY["optimizer"]
    st.session_state.setdefault(k, row.default)
    labels = {name: optimizer_words(name) for name in row.choices}
    name = st.selectbox(_(row.label), row.choices, key=k, format_func=labels.__getitem__,
                        help=_(row.help), on_change=PAGE.optimizer_changed, persist_state="session")
    if PAGE.optimizer_note(name):
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
        values[key] = float(select(key, HYPERPARAM_STOPS[key], fmt=fmt))
    return values
