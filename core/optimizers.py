"""Beyond plain SGD: the update rules of d2l-zh chapter 11, by name, with their state as a value.

Each optimizer works on the parameters as one vector theta = (w_1 .. w_d, b), shape (..., p)
with p = d + 1 (a leading lanes axis is fine: core.landscape runs many learning rates at once,
lr then (L, 1)). Its state is a NamedTuple of arrays of theta's shape (optax-style: the update
returns the new state, nothing is changed in place), so a Step record can carry it.
Hyperparameters are a dict named as in the book: lr, momentum, gamma, rho, beta1, beta2, eps.

    theta, state = OPTIMIZERS[name].update(theta, g, state, hyperparams)

The rules, in the book's from-scratch form (init_*_states, *(params, states, hyperparams)):

    sgd       w <- w - lr g
    momentum  v <- momentum v + g;  w <- w - lr v                                 (sgd_momentum)
    adagrad   s <- s + g^2;  w <- w - lr g / sqrt(s + eps)
    rmsprop   s <- gamma s + (1 - gamma) g^2;  w <- w - lr g / sqrt(s + eps)
    adadelta  s <- rho s + (1 - rho) g^2;  g' = sqrt((delta + eps) / (s + eps)) g;
              w <- w - lr g';  delta <- rho delta + (1 - rho) g'^2
    adam      t <- t + 1;  v <- beta1 v + (1 - beta1) g;  s <- beta2 s + (1 - beta2) g^2;
              v_hat = v / (1 - beta1^t);  s_hat = s / (1 - beta2^t);
              w <- w - lr v_hat / (sqrt(s_hat) + eps)

The book's Adadelta has no learning rate; here it has one, lr, default 1.0, which is the
book's rule exactly (1.0 * g' == g') and MindSpore's nn.Adadelta (learning_rate=1.0).
Defaults are the book's examples (BOOK_DEFAULTS). Nothing here draws or words anything: a bad
name or value raises core.problems.SettingError, whose .problem the UI words.
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

import numpy as np

from .problems import Problem, SettingError

LR_MAX = 1e3        # the largest learning rate anything here accepts (core.trainer.LR_MAX)


# ---- state, one NamedTuple per optimizer (arrays shaped like theta) ------------------------

class SGDState(NamedTuple):
    """Plain SGD keeps nothing between steps."""


class MomentumState(NamedTuple):
    v: np.ndarray           # velocity, the book's v_w, v_b


class AdaGradState(NamedTuple):
    s: np.ndarray           # sum of squared gradients


class RMSPropState(NamedTuple):
    s: np.ndarray           # leaky average of squared gradients


class AdadeltaState(NamedTuple):
    s: np.ndarray           # leaky average of squared gradients
    delta: np.ndarray       # leaky average of squared updates (the book's delta, Delta x)


class AdamState(NamedTuple):
    t: int                  # updates done so far (the book's hyperparams['t'] - 1)
    v: np.ndarray           # first moment
    s: np.ndarray           # second moment


# ---- the rules ----------------------------------------------------------------------------

def sgd(theta, g, state, hp):
    return theta - hp["lr"] * g, state  # [update]


def sgd_momentum(theta, g, state, hp):
    v = hp["momentum"] * state.v + g
    return theta - hp["lr"] * v, MomentumState(v)  # [update]


def adagrad(theta, g, state, hp):
    s = state.s + np.square(g)
    return theta - hp["lr"] * g / np.sqrt(s + hp["eps"]), AdaGradState(s)  # [update]


def rmsprop(theta, g, state, hp):
    gamma = hp["gamma"]
    s = gamma * state.s + (1 - gamma) * np.square(g)
    return theta - hp["lr"] * g / np.sqrt(s + hp["eps"]), RMSPropState(s)  # [update]


def adadelta(theta, g, state, hp):
    rho, eps = hp["rho"], hp["eps"]
    s = rho * state.s + (1 - rho) * np.square(g)
    g = np.sqrt((state.delta + eps) / (s + eps)) * g
    delta = rho * state.delta + (1 - rho) * g * g
    return theta - hp["lr"] * g, AdadeltaState(s, delta)  # [update]


def adam(theta, g, state, hp):
    beta1, beta2, t = hp["beta1"], hp["beta2"], state.t + 1
    v = beta1 * state.v + (1 - beta1) * g
    s = beta2 * state.s + (1 - beta2) * np.square(g)
    v_hat = v / (1 - beta1 ** t)
    s_hat = s / (1 - beta2 ** t)
    return theta - hp["lr"] * v_hat / (np.sqrt(s_hat) + hp["eps"]), AdamState(t, v, s)  # [update]


# ---- the table ----------------------------------------------------------------------------

class Optimizer(NamedTuple):
    update: Callable        # (theta, g, state, hyperparams) -> (theta, state)
    state: type             # its state's NamedTuple
    defaults: dict          # the book's example: every hyperparameter it takes
    ms_class: str           # the mindspore.nn optimizer that runs it (core.ms_backend)


# d2l-zh chapter 11's from-scratch examples: sgd is the lesson's (section 3.2, lr 0.03);
# momentum's first example train_momentum(0.02, 0.5) (the book then tries 0.9 with lr 0.01
# and 0.005); adagrad {'lr': 0.1}; rmsprop {'lr': 0.01, 'gamma': 0.9}; adadelta {'rho': 0.9};
# adam {'lr': 0.01}. eps as in each init: 1e-6, Adadelta 1e-5.
OPTIMIZERS = {
    "sgd": Optimizer(sgd, SGDState, {"lr": 0.03}, "SGD"),
    "momentum": Optimizer(sgd_momentum, MomentumState, {"lr": 0.02, "momentum": 0.5}, "Momentum"),
    "adagrad": Optimizer(adagrad, AdaGradState, {"lr": 0.1, "eps": 1e-6}, "Adagrad"),
    "rmsprop": Optimizer(rmsprop, RMSPropState, {"lr": 0.01, "gamma": 0.9, "eps": 1e-6}, "RMSProp"),
    "adadelta": Optimizer(adadelta, AdadeltaState, {"lr": 1.0, "rho": 0.9, "eps": 1e-5}, "Adadelta"),
    "adam": Optimizer(adam, AdamState, {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-6}, "Adam"),
}
BOOK_DEFAULTS = {name: dict(opt.defaults) for name, opt in OPTIMIZERS.items()}


class Bound(NamedTuple):
    lo: float
    hi: float
    lo_open: bool
    hi_open: bool

    def __contains__(self, x):
        return ((self.lo < x if self.lo_open else self.lo <= x)
                and (x < self.hi if self.hi_open else x <= self.hi))

    def text(self):
        return f"{'(' if self.lo_open else '['}{self.lo:g}, {self.hi:g}{')' if self.hi_open else ']'}"


# every hyperparameter's valid range (a leaky-average factor below 1, eps above 0)
BOUNDS = {
    "lr": Bound(0.0, LR_MAX, True, False),
    "momentum": Bound(0.0, 1.0, False, True),
    "gamma": Bound(0.0, 1.0, False, True),
    "rho": Bound(0.0, 1.0, False, True),
    "beta1": Bound(0.0, 1.0, False, True),
    "beta2": Bound(0.0, 1.0, False, True),
    "eps": Bound(0.0, 1.0, True, False),
}
HYPERPARAMS = tuple(BOUNDS)


def check_optimizer(name):
    """SettingError (code "choice") unless name is a key of OPTIMIZERS."""
    if not isinstance(name, str) or name not in OPTIMIZERS:
        raise SettingError(Problem("choice", {"key": "optimizer", "choices": ", ".join(OPTIMIZERS),
                                              "text": repr(name)}))
    return name


def hyperparams_for(name, hyperparams=None, lr=None):
    """The full hyperparameter dict of optimizer `name`: the book's defaults, updated by
    `hyperparams` (only names that optimizer takes) and by lr when given (an lr in both must
    agree). Checks every value against BOUNDS; raises SettingError (a ValueError) naming the
    first bad one: "choice" for an unknown optimizer or a name it does not take, "number" for
    a value that is not a number, "range" for one out of range (β >= 1, eps <= 0, lr <= 0)."""
    opt = OPTIMIZERS[check_optimizer(name)]
    hp = dict(opt.defaults)
    given = dict(hyperparams or {})
    if lr is not None:
        if "lr" in given and _float(given["lr"]) != _float(lr):
            raise ValueError(f"lr given twice: lr={lr!r} and hyperparams['lr']={given['lr']!r}")
        given["lr"] = lr
    for key, value in given.items():
        if key not in opt.defaults:
            raise SettingError(Problem("choice", {"key": "hyperparams", "choices": ", ".join(opt.defaults),
                                                  "text": repr(key)}))
        bound = BOUNDS[key]
        x = _float(value)
        if x is None:
            raise SettingError(Problem("number", {"key": key, "range": bound.text(), "text": repr(value)}))
        if not (math.isfinite(x) and x in bound):
            raise SettingError(Problem("range", {"key": key, "range": bound.text(), "text": repr(value)}))
        hp[key] = x
    return hp


def _float(value):
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def init_state(name, shape):
    """The book's init_*_states: zeros of theta's shape (p,) or (L, p); Adam's t = 0."""
    cls = OPTIMIZERS[check_optimizer(name)].state
    return cls(*(0 if f == "t" else np.zeros(shape) for f in cls._fields))


# ---- state as a flat row (History, export, MindSpore) --------------------------------------

def state_size(name, p):
    """Numbers in one flat state row for p = d + 1 parameters."""
    fields = OPTIMIZERS[name].state._fields
    return sum(1 if f == "t" else p for f in fields)


def state_columns(name, d):
    """Names of the flat row's numbers, the book's: v_w_1 .. v_w_d, v_b (then s_..., ...)."""
    out = []
    for f in OPTIMIZERS[name].state._fields:
        out += ["t"] if f == "t" else [f"{f}_w_{j + 1}" for j in range(d)] + [f"{f}_b"]
    return out


def flatten_state(state):
    """A state (one lane, arrays (p,)) as one float row, fields in order."""
    if not state:
        return np.empty(0)
    return np.concatenate([np.atleast_1d(np.asarray(x, dtype=float)) for x in state])


def unflatten_state(name, row, p):
    """flatten_state's inverse: read-only copies of the arrays, Adam's t an int."""
    cls, parts, i = OPTIMIZERS[name].state, [], 0
    for f in cls._fields:
        if f == "t":
            parts.append(int(row[i]))
            i += 1
        else:
            a = np.array(row[i:i + p], dtype=float)
            a.setflags(write=False)
            parts.append(a)
            i += p
    return cls(*parts)


def check_state(name, state, p):
    """A state given to resume a run: its NamedTuple, finite arrays of shape (p,); returns a copy."""
    cls = OPTIMIZERS[name].state
    if not isinstance(state, cls):
        raise ValueError(f"state must be a {cls.__name__} for optimizer {name!r}, got {type(state).__name__}")
    row = flatten_state(state)
    if row.shape != (state_size(name, p),) or not np.all(np.isfinite(row)):
        raise ValueError(f"state must hold finite arrays of shape ({p},), got {state!r}")
    return unflatten_state(name, row, p)


def frozen(state):
    """The state with each array read-only (a record owns it)."""
    for x in state:
        if isinstance(x, np.ndarray):
            x.setflags(write=False)
    return state


# ---- how MindSpore's optimizers differ from the book's rules (core.ms_backend) --------------

class Difference(NamedTuple):
    """One way mindspore.nn's optimizer differs from the book's rule: a code (the UI words it)
    and its parameters. kept=False: core.ms_backend configures MindSpore so it no longer shows;
    kept=True: it remains, and tests/test_optimizers.py measures it."""

    code: str
    params: dict
    kept: bool


DIFFERENCES = {
    "sgd": (),
    # ApplyMomentum: accum = momentum accum + g; w -= lr accum: the book's rule as it stands
    "momentum": (),
    "adagrad": (
        # ApplyAdagrad: accum += g^2; w -= lr g / sqrt(accum), no eps, accum starting at 0.1.
        # started at eps instead, sqrt(accum) = sqrt(s + eps): the book's rule; accum = s + eps
        Difference("ms_adagrad_accum_start", {"ms_default": 0.1, "used": "eps"}, False),
    ),
    "rmsprop": (
        # ApplyRMSProp: ms = decay ms + (1 - decay) g^2; mom = momentum mom + lr g / sqrt(ms + eps);
        # w -= mom. momentum=0, centered=False (subtracts the mean gradient's square when True)
        Difference("ms_rmsprop_momentum", {"ms_default": 0.0, "used": 0.0}, False),
        # its mean square starts at ones, the book's s at zeros: set to the book's state
        Difference("ms_rmsprop_start", {"ms_default": 1.0, "used": 0.0}, False),
        Difference("ms_eps_default", {"ms_default": 1e-10, "used": "eps"}, False),
    ),
    "adadelta": (
        # ApplyAdadelta: the book's rule, the step times learning_rate (default 1.0, kept)
        Difference("ms_eps_default", {"ms_default": 1e-6, "used": "eps"}, False),
    ),
    "adam": (
        # Adam: lr_t = lr sqrt(1 - beta2^t) / (1 - beta1^t); w -= lr_t v / (sqrt(s) + eps).
        # = lr v_hat / (sqrt(s_hat) + eps / sqrt(1 - beta2^t)): eps is scaled by 1 / sqrt(1 -
        # beta2^t) (31.6x at t = 1 with beta2 = 0.999), which no constant eps can undo
        Difference("ms_adam_eps_scaled", {"factor": "1 / sqrt(1 - beta2^t)"}, True),
        # nn.Adam refuses beta1 = 0 or beta2 = 0 (its range is (0, 1)); the book allows [0, 1):
        # core.ms_backend raises SettingError "range" for them
        Difference("ms_adam_beta_open", {"range": "(0, 1)"}, True),
        Difference("ms_eps_default", {"ms_default": 1e-8, "used": "eps"}, False),
    ),
}


def adam_mindspore_form(theta, g, state, hp):
    """Adam as mindspore.nn.Adam computes it (bias correction folded into the step, eps outside
    the corrected root): the book's rule with eps / sqrt(1 - beta2^t). For measuring DIFFERENCES."""
    t = state.t + 1
    return adam(theta, g, state, {**hp, "eps": hp["eps"] / math.sqrt(1 - hp["beta2"] ** t)})
