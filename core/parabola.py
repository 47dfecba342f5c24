"""The lesson's picture of a gradient: descent on f(x) = x^2 / 2, where f'(x) = x."""

from __future__ import annotations

import math
from typing import Iterator, NamedTuple

from .problems import N_


def f(x):
    """f(x) = x^2 / 2."""
    return x * x / 2


def df(x):
    """f'(x) = x."""
    return x


class ParabolaStep(NamedTuple):
    k: int          # 0 for the start point
    x: float
    fx: float
    dfx: float


X_BOUND = 1e150     # beyond this f(x) = x^2 / 2 is no longer a finite float


def _number(name, value):
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None


def parabola_descent(x0, lr, num_steps=None) -> Iterator[ParabolaStep]:
    """Yield (k, x_k, f(x_k), f'(x_k)) from k = 0, with x_{k+1} = x_k - lr f'(x_k) = (1 - lr) x_k.

    Endless unless num_steps is given (then k runs 0..num_steps). Stops early once |x| leaves
    [-1e150, 1e150], so a diverging run ends instead of overflowing. Arguments are checked
    here, before the first next(): ValueError names the bad one.
    """
    x0, lr = _number("x0", x0), _number("lr", lr)
    if not (math.isfinite(x0) and abs(x0) <= X_BOUND):
        raise ValueError(f"x0 must be a finite number in [-1e150, 1e150], got {x0!r}")
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    return _descend(x0, lr, num_steps)


def _descend(x, lr, num_steps):
    k = 0
    while num_steps is None or k <= num_steps:
        yield ParabolaStep(k, x, f(x), df(x))
        x, k = x - lr * df(x), k + 1
        if not abs(x) <= X_BOUND:   # f(x) would overflow (a huge lr can jump far in one step)
            return


# English msgids: the UI translates them where it shows them
REGIMES = {
    "monotone": N_("0 < lr < 1: each step moves toward 0 without crossing it (monotone convergence)"),
    "one-step": N_("lr = 1: the first step lands exactly on the minimum x = 0"),
    "oscillating": N_("1 < lr < 2: each step overshoots 0 and comes back closer (oscillating convergence)"),
    "bouncing": N_("lr = 2: x jumps between +x0 and -x0 forever"),
    "diverging": N_("lr > 2: each step overshoots further; |x| grows without bound (divergence)"),
}


def regime(lr, tol=1e-9):
    """Name the regime of descent on x^2/2 at this learning rate: one of REGIMES' keys.

    x_{k+1} = (1 - lr) x_k, so |1 - lr| < 1 converges, = 1 bounces, > 1 diverges.
    (For d2l's f = x^2 the thresholds halve: 0.5 and 1.)
    """
    lr = _number("lr", lr)
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    if abs(lr - 1) <= tol:
        return "one-step"
    if abs(lr - 2) <= tol:
        return "bouncing"
    if lr < 1:
        return "monotone"
    return "oscillating" if lr < 2 else "diverging"
