"""The loss landscape of linear regression, its conditioning, and a learning-rate finder.

L(w, b) = mean((X w + b - y)^2) / 2 is a quadratic: its Hessian is the feature second-moment
matrix [X, 1]^T [X, 1] / n, constant, so the whole picture (valley axes, stable lr, where a
learning rate creeps, oscillates or diverges) is read off its eigenvalues. Two Hessians appear,
and every function says which one it means:

- with b (with_b=True), (d+1, d+1): what SGD on (w, b) feels. Its 2 / lambda_max is the
  stable learning rate of the lesson's training.
- without b (with_b=False), (d, d): the Hessian of L(w, b*(w)), b at its optimum for each w,
  the surface drawn over (w1, w2). It is the centred covariance of X (the Schur complement of
  the bias entry); its eigenvectors are the valley's axes.

Both are the same up to the bias block when the features have mean 0 (the lesson's data).

The learning-rate sweep and the lr x batch-size map run many trainings at once, the learning
rates as a batch dimension, with the batches of core.train(seed=seed): each row is the run
core.train would give (to rounding). Plain numpy; nothing here draws.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from . import optimizers
from .data import NOISE_STD, TRUE_B, TRUE_W, check_data
from .parabola import regime
from .theory import lstsq_optimum
from .trainer import (
    LOSS_BOUND,
    LR_MAX,
    PARAM_BOUND,
    _check_int,
    epoch_orders,
    initial_params,
    steps_per_epoch,
    train,
)

NEVER = -1          # steps_to_10x_floor of a run that never got there
REGIONS = ("creeping", "fast", "oscillating", "diverging")   # codes; the UI words them


def _design(X):
    return np.hstack([X, np.ones((X.shape[0], 1))])


def _frozen(*arrays):
    for a in arrays:
        a.setflags(write=False)
    return arrays


# ---- curvature ------------------------------------------------------------------------------

def hessian(X, with_b=True):
    """The loss's Hessian (constant: L is quadratic).

    with_b=True: in (w, b), [X, 1]^T [X, 1] / n, shape (d+1, d+1), the bias last.
    with_b=False: of L(w, b*(w)) in w alone, (X - mean)^T (X - mean) / n, shape (d, d).
    """
    X = np.asarray(X, dtype=float)
    if with_b:
        A = _design(X)
        return A.T @ A / A.shape[0]
    Xc = X - X.mean(axis=0)
    return Xc.T @ Xc / X.shape[0]


class Curvature(NamedTuple):
    """Eigen-decomposition of a Hessian H (p = d+1 with b, d without)."""

    hessian: np.ndarray     # (p, p)
    eigvals: np.ndarray     # (p,) ascending: lambda_min first, lambda_max last
    eigvecs: np.ndarray     # (p, p), column i belongs to eigvals[i] (unit length)
    cond: float             # lambda_max / lambda_min; inf when lambda_min <= 0 (a flat direction)
    lr_stable: float        # 2 / lambda_max: full-batch gradient descent converges below it

    @property
    def lambda_max(self):
        return float(self.eigvals[-1])

    @property
    def lambda_min(self):
        return float(self.eigvals[0])


def curvature(X, with_b=True) -> Curvature:
    """Eigenvalues, eigenvectors, condition number and 2 / lambda_max of hessian(X, with_b).

    The stable lr of training is curvature(X).lr_stable (with b); the valley's axes on the
    (w1, w2) contours are curvature(X, with_b=False).eigvecs. X (n, d).
    """
    H = hessian(X, with_b)
    eigvals, eigvecs = np.linalg.eigh(H)
    lo, hi = float(eigvals[0]), float(eigvals[-1])
    cond = hi / lo if lo > 0 else math.inf
    _frozen(H, eigvals, eigvecs)
    return Curvature(H, eigvals, eigvecs, cond, 2.0 / hi)


# ---- conditioning ---------------------------------------------------------------------------

def conditioned_data(n=1000, w=TRUE_W, b=TRUE_B, noise=NOISE_STD, k=1.0, rho=0.0, seed=0):
    """The lesson's data with two knobs on the valley's shape: X (n, 2), y (n,).

    x1 ~ N(0, 1), x2 = rho x1 + sqrt(1 - rho^2) z with z ~ N(0, 1) (correlation rho, variance
    1), y = X w + b + N(0, noise^2); then x2 is multiplied by k, y unchanged: the same data
    with x2 in other units, so its true weight becomes w2 / k. Population Hessian (with b):
    [[1, k rho, 0], [k rho, k^2, 0], [0, 0, 1]]. With k = 1, rho = 0 this is exactly
    core.synthetic_data(w, b, n, noise, seed).
    """
    w = np.asarray(w, dtype=float).reshape(-1)
    if w.shape != (2,) or not np.all(np.isfinite(w)):
        raise ValueError(f"w must be 2 finite numbers, got {w!r}")
    if not (isinstance(n, (int, np.integer)) and 2 <= n <= 10_000_000):
        raise ValueError(f"n must be an integer in [2, 10000000], got {n!r}")
    if not (math.isfinite(k) and 1e-6 <= k <= 1e6):
        raise ValueError(f"k must be a number in [1e-6, 1e6], got {k!r}")
    if not (math.isfinite(rho) and abs(rho) < 1):
        raise ValueError(f"rho must be a number in (-1, 1), got {rho!r}")
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a number >= 0, got {noise!r}")
    rng = np.random.default_rng(seed)
    X = rng.normal(0.0, 1.0, (int(n), 2))       # the draws of synthetic_data, in its order
    if rho != 0:
        X[:, 1] = rho * X[:, 0] + math.sqrt(1 - rho * rho) * X[:, 1]
    y = X @ w + float(b) + rng.normal(0.0, noise, int(n))
    if k != 1:
        X[:, 1] *= k
    return check_data(X, y)


class Standardised(NamedTuple):
    X: np.ndarray           # (n, d): (X - mean) / std, each column mean 0, variance 1
    mean: np.ndarray        # (d,)
    std: np.ndarray         # (d,), population std (ddof 0)


def standardise(X) -> Standardised:
    """Centre and scale each feature. Then the Hessian with b is [[corr(X), 0], [0, 1]]: its
    condition number no longer depends on the features' units. ValueError on a constant column."""
    X = np.asarray(X, dtype=float)
    mean, std = X.mean(axis=0), X.std(axis=0)
    if np.any(std <= 0):
        raise ValueError(f"cannot standardise a constant feature (column {int(np.argmin(std))})")
    return Standardised((X - mean) / std, mean, std)


def to_original_units(w_s, b_s, mean, std):
    """(w, b) of the standardised model in the original units: returns w (d,), b float.

    y_hat = ((X - mean) / std) w_s + b_s = X (w_s / std) + (b_s - mean . (w_s / std)).
    """
    w = np.asarray(w_s, dtype=float) / np.asarray(std, dtype=float)
    return w, float(b_s) - float(np.asarray(mean, dtype=float) @ w)


# ---- the landscape --------------------------------------------------------------------------

class LossGrid(NamedTuple):
    w1: np.ndarray          # (n1,)
    w2: np.ndarray          # (n2,)
    loss: np.ndarray        # (n2, n1): loss[i, j] = L(w1[j], w2[i], b*(w)), rows along w2
    w_star: np.ndarray      # (2,) the least-squares optimum
    b_star: float
    min_loss: float         # L(w*, b*), the grid's lower bound


def loss_grid(X, y, w1_range, w2_range, n=60) -> LossGrid:
    """L(w1, w2) with b at its optimum for each (w1, w2), on an n x n grid over the ranges.

    X (n_examples, 2). Computed as min_loss + (w - w*)^T C (w - w*) / 2 with C = hessian(X,
    with_b=False), exact for this quadratic and never below min_loss.
    """
    X, y = check_data(X, y)
    if X.shape[1] != 2:
        raise ValueError(f"the landscape needs 2 features, got {X.shape[1]}")
    n = _check_int("n", n, 2, 2000)
    w_star, b_star = lstsq_optimum(X, y)
    err = X @ w_star + b_star - y
    min_loss = float(err @ err) / (2 * len(y))
    w1, w2 = np.linspace(*w1_range, n), np.linspace(*w2_range, n)
    C = hessian(X, with_b=False)
    d1, d2 = w1[None, :] - w_star[0], w2[:, None] - w_star[1]
    loss = min_loss + (C[0, 0] * d1 * d1 + 2 * C[0, 1] * d1 * d2 + C[1, 1] * d2 * d2) / 2
    _frozen(w1, w2, loss, w_star)
    return LossGrid(w1, w2, loss, w_star, b_star, min_loss)


def profiled_loss(X, y, w):
    """L(w, b*(w)): the loss with b at its optimum for each w, the surface loss_grid draws.

    X (n, d), y (n,), w (..., d) -> (...). Exact for this quadratic (min_loss + (w - w*)^T C
    (w - w*) / 2, C = hessian(X, with_b=False)); inf where w is not finite (a diverged path).
    """
    X, y = check_data(X, y)
    w = np.asarray(w, dtype=float)
    if w.shape[-1:] != (X.shape[1],):
        raise ValueError(f"w must end in {X.shape[1]} entries (one per feature), got shape {w.shape}")
    w_star, b_star = lstsq_optimum(X, y)
    err = X @ w_star + b_star - y
    min_loss = float(err @ err) / (2 * len(y))
    C = hessian(X, with_b=False)
    with np.errstate(over="ignore", invalid="ignore"):
        D = w - w_star
        loss = min_loss + np.einsum("...i,...i->...", D @ C, D) / 2
    return np.where(np.all(np.isfinite(w), axis=-1), loss, np.inf)


class Path(NamedTuple):
    batch_size: int
    w: np.ndarray           # (k+1, d): the start, then after each update
    b: np.ndarray           # (k+1,)
    loss: np.ndarray        # (k+1,) full-data loss at each point
    diverged: bool          # True: train() flagged update k as diverged; the last point is after it


def paths(X, y, lr, steps, batch_sizes=(10, None, 1), seed=0, w0=None, b0=None, optimizer="sgd",
          hyperparams=None):
    """core.train's path through (w, b) for each batch size, all from the same start
    (with `optimizer` and `hyperparams` as core.train takes them; minibatch SGD by default).

    batch_sizes: None means n (full-batch gradient descent); the default is the lesson's
    minibatch SGD, full-batch GD and single-example SGD. Each path has steps updates (fewer if
    it diverged). w0, b0 default to the start core.train(seed=seed) draws. Returns a tuple of
    Path, one per batch size.
    """
    X, y = check_data(X, y)
    n, d = X.shape
    steps = _check_int("steps", steps, 1, 10**6)
    w_init, b_init = initial_params(seed, d)
    w0 = w_init if w0 is None else np.asarray(w0, dtype=float)
    b0 = b_init if b0 is None else float(b0)
    A = _design(X)
    out = []
    for batch_size in batch_sizes:
        batch_size = n if batch_size is None else batch_size
        num_epochs = -(-steps // steps_per_epoch(n, _check_int("batch_size", batch_size, 1, 10**9)))
        ws, bs, diverged = [w0], [b0], False
        for rec in train(X, y, lr=lr, batch_size=batch_size, num_epochs=num_epochs, w0=w0, b0=b0,
                         seed=seed, optimizer=optimizer, hyperparams=hyperparams):
            ws.append(rec.w)
            bs.append(rec.b)
            diverged = rec.diverged
            if rec.step == steps:
                break
        w, b = np.array(ws), np.array(bs)
        with np.errstate(over="ignore", invalid="ignore"):     # a diverged point's loss may be inf
            err = A @ np.column_stack([w, b]).T - y[:, None]
            loss = np.einsum("ij,ij->j", err, err) / (2 * n)
        out.append(Path(batch_size, *_frozen(w, b, loss), diverged))
    return tuple(out)


# ---- many runs at once ----------------------------------------------------------------------

class _Lanes(NamedTuple):
    theta: np.ndarray       # (L, d+1) final (w, b) per lr; garbage (inf, nan) if diverged
    diverged_at: np.ndarray  # (L,) the step core.train flags as diverged, 0 if none
    reached: np.ndarray     # (L,) first step with full-data loss <= target (0: the start), NEVER


def _check_lrs(lrs):
    lrs = np.array(lrs, dtype=float).reshape(-1)         # a copy: the result's is read-only
    if lrs.size == 0 or not np.all((lrs > 0) & (lrs <= LR_MAX)):
        raise ValueError(f"lrs must be 1 or more numbers in (0, {LR_MAX:g}], got {lrs!r}")
    return lrs


_KEEP = 1_000_000   # floats of batch errors kept between two look-backs (~8 MB)


def _batch_losses(errs):
    """(k, L) mean squared loss of each of k kept batch errors (L, m), as train() computes it."""
    if all(e.shape == errs[0].shape for e in errs):
        E = np.stack(errs)
        return np.einsum("kij,kij->ki", E, E) / (2 * E.shape[2])
    return np.stack([np.einsum("ij,ij->i", e, e) / (2 * e.shape[1]) for e in errs])  # a short last batch


def _sgd_lanes(X, y, lrs, batch_size, steps, seed, w0, b0, target, optimizer="sgd", hyperparams=None):
    """Minibatch SGD (or `optimizer`, core.optimizers) for every lr in lrs at once: core.train's
    arithmetic with an lr axis. hyperparams: the optimizer's full dict but lr
    (core.optimizers.hyperparams_for); its state has the lanes axis too, (L, d+1).

    Same start (w0, b0, or core.train's draw from seed), same epoch orders (drawn from seed as
    core.train draws them), same divergence rule: the first step whose batch loss (before the
    update) passes LOSS_BOUND or whose |(w, b)| (after it) passes PARAM_BOUND. That rule and
    the first step at which the full-data loss is <= target (None: not tracked) are looked up
    afterwards, a chunk of steps at a time, from the kept losses and parameters; the loop itself
    only does the arithmetic. A diverged lane runs on to inf / nan, silently (np.errstate),
    and is ignored from its divergence on.
    """
    n, d = X.shape
    A = _design(X)
    w_init, b_init = initial_params(seed, d)
    orders = epoch_orders(seed, n, d)           # core.train's, whatever the start
    theta0 = np.append(w_init if w0 is None else w0, b_init if b0 is None else b0)
    L = lrs.size
    theta = np.tile(theta0, (L, 1))
    rule = optimizers.OPTIMIZERS[optimizer].update
    hp = {**(hyperparams or {}), "lr": lrs[:, None]}
    state = optimizers.init_state(optimizer, theta.shape)
    diverged_at = np.zeros(L, int)
    reached = np.full(L, NEVER)
    if target is not None:
        H = A.T @ A / n
        theta_star = np.linalg.lstsq(A, y, rcond=None)[0]
        r = A @ theta_star - y
        min_loss = float(r @ r) / (2 * n)

        def full_loss(T):                       # (..., L, d+1) -> (..., L), exact for a quadratic
            D = T - theta_star
            return min_loss + np.einsum("...p,...p->...", D @ H, D) / 2

        reached[full_loss(theta) <= target] = 0
    # kept[j], errs[j]: step first + j's parameters after it and batch errors (L, m) before it
    kept, errs, first = [], [], 1
    chunk = max(1, _KEEP // (L * min(batch_size, n)))

    def look_back():
        T = np.stack(kept)                                      # (k, L, d+1)
        k = first + np.arange(len(kept))[:, None]               # (k, 1) step numbers
        ok = (_batch_losses(errs) <= LOSS_BOUND) & (np.einsum("klp,klp->kl", T, T) <= PARAM_BOUND ** 2)
        new = (diverged_at == 0) & ~ok.all(axis=0)
        diverged_at[new] = first + np.argmin(ok, axis=0)[new]
        if target is not None:
            hit = (full_loss(T) <= target) & ((diverged_at == 0) | (k < diverged_at))
            new = (reached == NEVER) & hit.any(axis=0)
            reached[new] = first + np.argmax(hit, axis=0)[new]

    step = 0
    num_epochs = -(-steps // steps_per_epoch(n, batch_size))
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(num_epochs):
            order = next(orders)
            Ae, ye = A[order], y[order]
            for start in range(0, n, batch_size):
                if step == steps:
                    break
                Ab, yb = Ae[start:start + batch_size], ye[start:start + batch_size]
                m = yb.shape[0]
                err = theta @ Ab.T - yb                         # (L, m) = y_hat - y per lr
                theta, state = rule(theta, (err @ Ab) / m, state, hp)   # sgd: w, b - lr dL/d(w, b)
                step += 1
                kept.append(theta)
                errs.append(err)
                if len(kept) == chunk:
                    look_back()
                    kept, errs, first = [], [], step + 1
        if kept:
            look_back()
    return _Lanes(theta, diverged_at, reached)


def _final_loss(X, y, theta, diverged):
    """Full-data loss (L,) of each lane's (w, b); inf where diverged."""
    # a diverged lane's inf/nan parameters: no warning (its loss is set to inf below)
    with np.errstate(over="ignore", invalid="ignore"):
        err = _design(X) @ theta.T - y[:, None]                 # (n, L)
        loss = np.einsum("ij,ij->j", err, err) / (2 * X.shape[0])
    loss[diverged] = np.inf
    return loss


def lr_grid(lo=1e-4, hi=10.0, num=40):
    """num learning rates evenly spaced on a log scale from lo to hi, (num,)."""
    return np.geomspace(lo, hi, num)


class Sweep(NamedTuple):
    lrs: np.ndarray                 # (L,)
    final_loss: np.ndarray          # (L,) full-data loss after `steps` updates; inf if diverged
    steps_to_10x_floor: np.ndarray  # (L,) int: first step with full-data loss <= 10 floor; NEVER
    diverged: np.ndarray            # (L,) bool
    diverged_at: np.ndarray         # (L,) int: the step core.train stops at, 0 if it did not
    floor: float                    # the loss floor used
    steps: int
    batch_size: int
    optimizer: str = "sgd"          # core.optimizers' name
    hyperparams: dict = {}          # its hyperparameters but lr, the book's unless given


def _check_optimizer(optimizer, hyperparams):
    """The optimizer's full hyperparameters without lr (the lanes' own); SettingError if bad."""
    if hyperparams and "lr" in hyperparams:
        raise ValueError("hyperparams must not hold lr: the learning rates are the lanes'")
    hp = optimizers.hyperparams_for(optimizer, hyperparams)
    del hp["lr"]
    return hp


def lr_sweep(X, y, lrs, steps=300, batch_size=10, seed=0, floor=None, w0=None, b0=None,
             optimizer="sgd", hyperparams=None) -> Sweep:
    """The learning-rate finder: `steps` updates of minibatch SGD (or of `optimizer` with
    `hyperparams`, as core.train takes them) for every lr, in one computation.

    X (n, d), y (n,), lrs (L,) in (0, 1e3]. Each lane is core.train(X, y, lr=lrs[i],
    batch_size=batch_size, seed=seed, w0=w0, b0=b0) stopped after `steps` updates: same start,
    same batches, same divergence rule, equal final loss to rounding. floor: the loss to reach
    10x of; default the least-squares minimum loss of X, y (about noise^2 / 2 less a little);
    pass core.loss_floor(noise) for the lesson's floor. Pure: the same inputs give the same Sweep.
    """
    X, y = check_data(X, y)
    lrs = _check_lrs(lrs)
    steps = _check_int("steps", steps, 1, 10**6)
    batch_size = _check_int("batch_size", batch_size, 1, 10**9)
    w0, b0 = _check_start(X, w0, b0)
    hp = _check_optimizer(optimizer, hyperparams)
    if floor is None:
        w_star, b_star = lstsq_optimum(X, y)
        r = X @ w_star + b_star - y
        floor = float(r @ r) / (2 * len(y))
    floor = float(floor)
    lanes = _sgd_lanes(X, y, lrs, batch_size, steps, seed, w0, b0, target=10 * floor,
                       optimizer=optimizer, hyperparams=hp)
    diverged = lanes.diverged_at > 0
    final = _final_loss(X, y, lanes.theta, diverged)
    _frozen(lrs, final, lanes.reached, diverged, lanes.diverged_at)
    return Sweep(lrs, final, lanes.reached, diverged, lanes.diverged_at, floor, steps, batch_size,
                 optimizer, hp)


def _check_start(X, w0, b0):
    if w0 is not None:
        w0 = np.asarray(w0, dtype=float).reshape(-1)
        if w0.shape != (X.shape[1],) or not np.all(np.isfinite(w0)):
            raise ValueError(f"w0 must be {X.shape[1]} finite numbers, got {w0!r}")
    if b0 is not None and not math.isfinite(b0):
        raise ValueError(f"b0 must be a finite number, got {b0!r}")
    return w0, None if b0 is None else float(b0)


def batch_grid(n, num=12):
    """Up to num batch sizes from 1 to n, about evenly spaced on a log scale, (<= num,) int."""
    return np.unique(np.round(np.geomspace(1, n, num)).astype(int))


class LrBatchMap(NamedTuple):
    lrs: np.ndarray             # (L,)
    batch_sizes: np.ndarray     # (B,)
    final_loss: np.ndarray      # (B, L): row = batch size; inf where diverged
    diverged: np.ndarray        # (B, L) bool
    num_epochs: int
    lr_stable: float            # 2 / lambda_max (with b): full-batch GD's bound


def lr_batch_map(X, y, lrs, batch_sizes, num_epochs=3, seed=0, optimizer="sgd",
                 hyperparams=None) -> LrBatchMap:
    """Final full-data loss after num_epochs epochs for every (batch_size, lr): one vectorised
    run over the lrs per batch size, each cell the core.train run with those settings (and
    `optimizer`, `hyperparams` as core.train takes them).

    The budget is epochs (examples seen), as in the lesson, so a bigger batch takes fewer
    steps. Pure and deterministic: safe to cache on its arguments.
    """
    X, y = check_data(X, y)
    lrs = _check_lrs(lrs)
    num_epochs = _check_int("num_epochs", num_epochs, 1, 10**6)
    batch_sizes = np.array([_check_int("batch_size", bs, 1, 10**9) for bs in batch_sizes])
    hp = _check_optimizer(optimizer, hyperparams)
    n = X.shape[0]
    final = np.empty((batch_sizes.size, lrs.size))
    diverged = np.empty((batch_sizes.size, lrs.size), bool)
    for i, batch_size in enumerate(batch_sizes):
        steps = num_epochs * steps_per_epoch(n, int(batch_size))
        lanes = _sgd_lanes(X, y, lrs, int(batch_size), steps, seed, None, None, target=None,
                           optimizer=optimizer, hyperparams=hp)
        diverged[i] = lanes.diverged_at > 0
        final[i] = _final_loss(X, y, lanes.theta, diverged[i])
    _frozen(lrs, batch_sizes, final, diverged)
    return LrBatchMap(lrs, batch_sizes, final, diverged, num_epochs, curvature(X).lr_stable)


# ---- regions of the learning rate -----------------------------------------------------------

class RegionBounds(NamedTuple):
    """Where the regions meet, as learning rates (lr = threshold / lambda)."""

    fast: float         # creeping below: (1 - lr lambda_min)^steps > 0.1, capped at one_step
    one_step: float     # 1 / lambda_max: above it the steepest axis overshoots (zig-zag)
    stable: float       # 2 / lambda_max: at and above it the steepest axis never settles


def region_bounds(curv: Curvature, steps) -> RegionBounds:
    """The parabola page's thresholds lr = 1 and lr = 2, scaled by lambda_max, and a creeping
    edge from lambda_min and the step budget.

    On y = x^2/2 one step multiplies x by (1 - lr); on this quadratic each eigen-axis i by
    (1 - lr lambda_i). So lr lambda_max = 1 and 2 split monotone / oscillating / diverging as
    on that page. Below lr lambda_max = 1 everything is monotone; it is called creeping when in
    `steps` updates the flattest axis does not even shrink 10x: lr lambda_min < 1 - 10^(-1/steps).
    In a valley narrow enough that edge passes 1 / lambda_max and "fast" is empty.
    curv: curvature(X) (with b, the Hessian training sees). These are full-batch descent's
    bounds; a minibatch's own Hessian varies about H, so SGD's edge can sit a little lower
    (lr_sweep shows where it really is).
    """
    steps = _check_int("steps", steps, 1, 10**9)
    one_step = 1.0 / curv.lambda_max
    creep = (1 - 10 ** (-1 / steps)) / curv.lambda_min if curv.lambda_min > 0 else math.inf
    return RegionBounds(min(creep, one_step), one_step, 2.0 / curv.lambda_max)


def lr_region(lr, bounds: RegionBounds):
    """The region of this lr, one of REGIONS: creeping, fast, oscillating or diverging.

    Through parabola.regime(lr lambda_max): monotone and one-step are fast or creeping,
    oscillating stays, bouncing (lr = 2 / lambda_max exactly) and diverging are diverging.
    """
    name = regime(lr / bounds.one_step)
    if name in ("monotone", "one-step"):
        return "creeping" if lr < bounds.fast else "fast"
    return "oscillating" if name == "oscillating" else "diverging"
