"""The lesson's picture of a gradient: descent on f(x) = x^2 / 2, where f'(x) = x."""

from __future__ import annotations

import math
from typing import Iterator, NamedTuple

import numpy as np

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


# ---- momentum on a quadratic (d2l-zh 11.6) --------------------------------------------------
# On f(x) = lam x^2 / 2 (lam = 1: the parabola above), momentum's update (core.optimizers'
# sgd_momentum: v <- beta v + f'(x), x <- x - lr v) is linear in (v, x):
#     v_{k+1} = beta v_k + lam x_k
#     x_{k+1} = x_k - lr v_{k+1} = -lr beta v_k + (1 - lr lam) x_k
# so (v, x) is multiplied by M = [[beta, lam], [-lr beta, 1 - lr lam]] each step: trace
# 1 + beta - lr lam, determinant beta. |x_k| shrinks like rate^k, rate = max |eigenvalue|.

MOMENTUM_REGIONS = ("monotone", "oscillating", "divergent")     # codes; the UI words them


class MomentumStep(NamedTuple):
    k: int          # 0 for the start point
    x: float
    v: float        # the velocity after step k (0 at the start)
    fx: float       # lam x^2 / 2


def _momentum_args(lr, beta, lam):
    lr, beta, lam = (np.asarray(a, dtype=float) for a in (lr, beta, lam))
    if not np.all(np.isfinite(lr) & (lr > 0)):
        raise ValueError(f"lr must be finite numbers > 0, got {lr!r}")
    if not np.all((beta >= 0) & (beta < 1)):
        raise ValueError(f"beta must be numbers in [0, 1), got {beta!r}")
    if not np.all(np.isfinite(lam) & (lam > 0)):
        raise ValueError(f"lam must be finite numbers > 0, got {lam!r}")
    return lr, beta, lam


def momentum_matrix(lr, beta, lam=1.0):
    """The iteration matrix M (2, 2) with (v_{k+1}, x_{k+1}) = M (v_k, x_k), scalars in."""
    lr, beta, lam = (float(a) for a in _momentum_args(lr, beta, lam))
    return np.array([[beta, lam], [-lr * beta, 1 - lr * lam]])


def momentum_rate(lr, beta, lam=1.0):
    """max |eigenvalue| of M, broadcast over arrays (a grid of lr x beta, say): |x_k| ~ rate^k.

    Eigenvalues (T +- sqrt(T^2 - 4 beta)) / 2 with T = 1 + beta - lr lam. Real (T^2 >= 4 beta):
    rate (|T| + sqrt(T^2 - 4 beta)) / 2; complex: |eigenvalue| = sqrt(det M) = sqrt(beta).
    Converges where rate < 1, that is 0 < lr lam < 2 (1 + beta). ValueError on lr <= 0,
    beta outside [0, 1), lam <= 0.
    """
    lr, beta, lam = _momentum_args(lr, beta, lam)
    T = 1 + beta - lr * lam
    disc = T * T - 4 * beta
    real = (np.abs(T) + np.sqrt(np.maximum(disc, 0))) / 2
    return np.where(disc >= 0, real, np.sqrt(beta))


def momentum_region(lr, beta, lam=1.0):
    """One of MOMENTUM_REGIONS per point, broadcast like momentum_rate (an array of str).

    divergent: rate >= 1 (at rate 1 x never settles); oscillating: complex eigenvalues (x spirals
    through 0) or a negative dominant one (overshoots each step, as plain descent with lr > 1);
    monotone: a positive dominant eigenvalue (x ends up approaching 0 from one side).
    """
    lr, beta, lam = _momentum_args(lr, beta, lam)
    T = 1 + beta - lr * lam
    disc = T * T - 4 * beta
    rate = momentum_rate(lr, beta, lam)
    return np.where(rate >= 1, "divergent", np.where((disc < 0) | (T < 0), "oscillating", "monotone"))


def critical_momentum(lr, lam=1.0):
    """The critical-damping curve: beta = (1 - sqrt(lr lam))^2, where the eigenvalues meet
    (T^2 = 4 beta). For lr lam < 1, beta below it is monotone, above it oscillating; it is
    where momentum converges fastest at that lr (rate = sqrt(beta) = |1 - sqrt(lr lam)|)."""
    lr, _, lam = _momentum_args(lr, 0.0, lam)
    return (1 - np.sqrt(lr * lam)) ** 2


def momentum_descent(x0, lr, beta, lam=1.0, num_steps=None) -> Iterator[MomentumStep]:
    """Yield (k, x_k, v_k, f(x_k)) from k = 0 (v_0 = 0) with the momentum update above.

    Endless unless num_steps is given; stops early once |x| or |v| leaves [-1e150, 1e150].
    Arguments are checked before the first next(): ValueError names the bad one.
    """
    x0 = _number("x0", x0)
    if not (math.isfinite(x0) and abs(x0) <= X_BOUND):
        raise ValueError(f"x0 must be a finite number in [-1e150, 1e150], got {x0!r}")
    lr, beta, lam = (float(a) for a in _momentum_args(_number("lr", lr), _number("beta", beta),
                                                     _number("lam", lam)))
    return _momentum(x0, lr, beta, lam, num_steps)


def _momentum(x, lr, beta, lam, num_steps):
    k, v = 0, 0.0
    while num_steps is None or k <= num_steps:
        yield MomentumStep(k, x, v, lam * x * x / 2)
        v = beta * v + lam * x          # v <- beta v + f'(x)
        x, k = x - lr * v, k + 1        # x <- x - lr v
        if not (abs(x) <= X_BOUND and abs(v) <= X_BOUND):
            return
