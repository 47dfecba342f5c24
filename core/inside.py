"""Inside one step: the chain rule on the computational graph, and the noise of a minibatch.

One example's loss is a chain of small operations,

    x, w -> Xw = x . w -> y_hat = Xw + b -> err = y_hat - y -> l = err^2 / 2,

and a minibatch's loss is their mean, L = mean(l). The forward pass computes each node's
value; the backward pass multiplies, edge by edge, the gradient flowing into a node by the
edge's local derivative: dl/dw = dl/derr * derr/dy_hat * dy_hat/dXw * dXw/dw = err * 1 * 1 * x.
The mean of these per-example gradients over the batch is exactly the step's gradient
(core.gradients, what core.train's record holds).

A minibatch gradient is a sample mean of the n per-example gradients g_i. core.train cuts
each epoch's permutation into batches, so each batch is a uniform random subset, drawn without
replacement, and for a batch of B examples

    Cov(mean) = Sigma / B * (n - B) / (n - 1),     Sigma = (1/n) sum_i (g_i - g)(g_i - g)^T,

g the full-data gradient: the 1/B law with the finite-population correction (n - B)/(n - 1),
which is 1 at B = 1 and 0 at B = n (full batch: no noise). The measurements here draw such
subsets independently, one per batch.

Gradients in (w, b) are stacked as vectors of length p = d + 1, the bias last (as in
core.landscape); the (dL/dw1, dL/dw2) plane is their first two entries. Plain numpy; nothing
here draws or words anything: node and edge names are stable ids the UI translates.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .data import check_data
from .model import gradients, linreg, sgd, squared_loss
from .optimizers import frozen, init_state
from .trainer import _check_int, initial_params, steps_per_epoch, train

# the graph of one example, in topological order; "L" (the batch mean) closes a BatchGraph
ORDER_FORWARD = ("x", "w", "Xw", "b", "y_hat", "y", "err", "l")
ORDER_BACKWARD = ("l", "err", "y", "y_hat", "b", "Xw", "w", "x")


def _frozen(*arrays):
    for a in arrays:
        a.setflags(write=False)
    return arrays


def _ro(a):
    a = np.array(a, dtype=float)
    a.setflags(write=False)
    return a


def _check_point(X, y, w, b):
    X, y = check_data(X, y)
    w = np.asarray(w, dtype=float).reshape(-1)
    if w.shape != (X.shape[1],) or not np.all(np.isfinite(w)):
        raise ValueError(f"w must be {X.shape[1]} finite numbers (one per feature), got {w!r}")
    b = float(b)
    if not math.isfinite(b):
        raise ValueError(f"b must be a finite number, got {b!r}")
    return X, y, w, b


def _check_batch(batch, n):
    batch = np.asarray(batch)
    if batch.ndim != 1 or batch.size == 0 or batch.dtype.kind not in "iu":
        raise ValueError(f"batch must be a non-empty 1-d array of row indices, got {batch!r}")
    if batch.min() < 0 or batch.max() >= n or np.unique(batch).size != batch.size:
        raise ValueError(f"batch must hold distinct row indices in [0, {n})")
    return batch


# ---- the computational graph of one example -------------------------------------------------

class Node(NamedTuple):
    """One value of the graph. value and grad have the same shape: (d,) for x and w, else ()."""

    name: str           # stable id: "x", "w", "b", "y", "Xw", "y_hat", "err", "l"
    kind: str           # "input" (x, y), "param" (w, b), "op" or "loss"
    expr: str           # how it is computed, in the lesson's notation ("" for inputs)
    value: object       # forward value: float, or (d,) read-only array
    grad: object        # backward: dl/d(node) for one example; float, or (d,) array


class Edge(NamedTuple):
    """src -> dst, with the chain rule across it: grad_out = grad_in * local."""

    src: str
    dst: str
    local_expr: str     # d dst / d src in the lesson's notation: "x", "w", "1", "-1", "err"
    local: object       # its value: float or (d,) array
    grad_in: float      # dl/d dst, the gradient arriving from above
    grad_out: object    # dl/d src through this edge: grad_in * local (float or (d,))


class Graph(NamedTuple):
    """One example's forward and backward pass: l = (x . w + b - y)^2 / 2."""

    nodes: tuple        # of Node, in ORDER_FORWARD
    edges: tuple        # of Edge, in the order the backward pass crosses them
    order_forward: tuple   # node names, inputs first, l last
    order_backward: tuple  # node names, l first: each node's grad is known when it is reached

    def node(self, name) -> Node:
        return next(nd for nd in self.nodes if nd.name == name)

    def edges_into(self, name):
        """The edges whose dst is `name` (they carry its grad back to its inputs)."""
        return tuple(e for e in self.edges if e.dst == name)

    @property
    def dl_dw(self):
        """dl/dw = err * x, (d,)."""
        return self.node("w").grad

    @property
    def dl_db(self):
        """dl/db = err."""
        return self.node("b").grad


def graph(x, y, w, b) -> Graph:
    """The computational graph of one example x (d,), label y, at parameters w (d,), b.

    Forward: Xw = x . w, y_hat = Xw + b, err = y_hat - y, l = err^2 / 2 (linreg and
    squared_loss of core.model on one row). Backward, by the chain rule from dl/dl = 1:
    dl/derr = err, dl/dy_hat = err, dl/dy = -err, dl/dXw = dl/db = err, dl/dw = err * x,
    dl/dx = err * w.
    """
    x = np.asarray(x, dtype=float).reshape(-1)
    w = np.asarray(w, dtype=float).reshape(-1)
    if x.shape != w.shape:
        raise ValueError(f"x and w must have the same length, got {x.shape} and {w.shape}")
    y, b = float(y), float(b)
    Xw = float(x @ w)
    y_hat = float(linreg(x[None, :], w, b)[0])
    err = y_hat - y
    l = float(squared_loss(np.array([y_hat]), np.array([y]))[0])
    # backward: each grad is the one above times the local derivative
    g_l = 1.0
    g_err = g_l * err
    g_y_hat = g_err * 1.0
    g_y = g_err * -1.0
    g_Xw = g_y_hat * 1.0
    g_b = g_y_hat * 1.0
    g_w = _ro(g_Xw * x)
    g_x = _ro(g_Xw * w)
    x, w = _ro(x), _ro(w)
    nodes = (
        Node("x", "input", "", x, g_x),
        Node("w", "param", "", w, g_w),
        Node("Xw", "op", "x . w", Xw, g_Xw),
        Node("b", "param", "", b, g_b),
        Node("y_hat", "op", "Xw + b", y_hat, g_y_hat),
        Node("y", "input", "", y, g_y),
        Node("err", "op", "y_hat - y", err, g_err),
        Node("l", "loss", "err^2 / 2", l, g_l),
    )
    edges = (
        Edge("err", "l", "err", err, g_l, g_err),
        Edge("y_hat", "err", "1", 1.0, g_err, g_y_hat),
        Edge("y", "err", "-1", -1.0, g_err, g_y),
        Edge("Xw", "y_hat", "1", 1.0, g_y_hat, g_Xw),
        Edge("b", "y_hat", "1", 1.0, g_y_hat, g_b),
        Edge("w", "Xw", "x", x, g_Xw, g_w),
        Edge("x", "Xw", "w", w, g_Xw, g_x),
    )
    return Graph(nodes, edges, ORDER_FORWARD, ORDER_BACKWARD)


class BatchGraph(NamedTuple):
    """The graphs of a batch's examples joined by L = mean(l): dL/dl_i = 1 / batch_size."""

    batch: np.ndarray   # (m,) the row indices (m = this batch's size)
    per_example: tuple  # m Graphs, in the batch's order (empty from batch_mean: not built)
    L: float            # mean of the per-example l: the step's batch_loss
    dL_dl: float        # 1 / m, the local derivative of every edge l_i -> L
    dL_dw: np.ndarray   # (d,) mean of the per-example dl/dw: the step's grad_w
    dL_db: float        # mean of the per-example dl/db: the step's grad_b


def batch_graph(X, y, w, b, batch=None) -> BatchGraph:
    """Graph of every example of X[batch] (default: all rows) at (w, b), and their mean.

    X (n, d), y (n,), batch (m,) row indices. dL/dw = sum_i (1/m) dl_i/dw = mean(err_i x_i):
    what core.gradients(X[batch], y[batch], w, b) returns, to rounding.
    """
    X, y, w, b = _check_point(X, y, w, b)
    batch = np.arange(X.shape[0]) if batch is None else _check_batch(batch, X.shape[0])
    per = tuple(graph(X[i], y[i], w, b) for i in batch)
    m = len(per)
    L = float(np.mean([g.node("l").value for g in per]))
    dL_dw = _ro(np.mean([g.dl_dw for g in per], axis=0))
    dL_db = float(np.mean([g.dl_db for g in per]))
    return BatchGraph(_frozen(batch.copy())[0], per, L, 1.0 / m, dL_dw, dL_db)


def batch_mean(batch, G_w, g_b, L) -> BatchGraph:
    """The node L of a batch without its m graphs (a batch can hold 100000 examples): batch (m,)
    row indices, G_w (m, d) and g_b (m,) their per_example_gradients, L the batch's loss (the
    step's batch_loss). dL/dw, dL/db the means of the rows, as batch_graph's; per_example ()."""
    batch = np.array(batch)
    m = batch.size
    return BatchGraph(_frozen(batch)[0], (), float(L), 1.0 / m, _ro(np.asarray(G_w).mean(axis=0)),
                      float(np.asarray(g_b).mean()))


# ---- a real step of core.train --------------------------------------------------------------

class RealStep(NamedTuple):
    """A record of core.train and the parameters it started from (the record holds those after)."""

    record: object      # the core.trainer.Step
    w: np.ndarray       # (d,) before the update
    b: float            # before the update
    state: tuple = ()   # the optimizer's state before the update (core.optimizers; () for sgd)


def replay_step(X, y, step, *, lr, batch_size, seed=0, w0=None, b0=None, orders=None,
                optimizer="sgd", hyperparams=None) -> RealStep:
    """Run core.train(X, y, ...) up to update `step` (1-based); return its record and the
    parameters before it: the previous record's (w, b), or the start for step 1 (w0, b0, or
    core.train's draw from seed). From a History or a list of records do the same by hand.
    optimizer, hyperparams as core.train takes them; the record then carries the optimizer's
    state after the update, RealStep.state the one before it. ValueError if the run diverged
    before `step`.
    """
    X, y = check_data(X, y)
    n, d = X.shape
    per_epoch = steps_per_epoch(n, _check_int("batch_size", batch_size, 1, 10**9))
    step = _check_int("step", step, 1, 10**9)
    num_epochs = -(-step // per_epoch)
    w_init, b_init = initial_params(seed, d)
    w = w_init if w0 is None else np.asarray(w0, dtype=float).reshape(-1)
    b = b_init if b0 is None else float(b0)
    state = init_state(optimizer, d + 1)
    for rec in train(X, y, lr=lr, batch_size=batch_size, num_epochs=num_epochs, w0=w0, b0=b0,
                     seed=seed, orders=orders, optimizer=optimizer, hyperparams=hyperparams):
        if rec.step == step:
            return RealStep(rec, _ro(w), float(b), frozen(state))
        w, b, state = rec.w, rec.b, rec.state
    raise ValueError(f"the run diverged before step {step}")


# ---- the noise of a minibatch ---------------------------------------------------------------

def per_example_gradients(X, y, w, b):
    """Each example's gradient of its own loss l_i at (w, b): G_w (n, d) rows err_i x_i, g_b (n,)
    = err_i. Their mean over any rows is core.gradients on those rows."""
    X, y, w, b = _check_point(X, y, w, b)
    err = linreg(X, w, b) - y
    return _frozen(err[:, None] * X, err)


def _stacked(X, y, w, b):
    G_w, g_b = per_example_gradients(X, y, w, b)
    return np.column_stack([G_w, g_b])          # (n, d + 1), the bias last


def fpc(n, batch_size):
    """The finite-population correction (n - B) / (n - 1) of sampling B of n without
    replacement; 0 at B >= n (and for n = 1)."""
    return 0.0 if batch_size >= n else (n - batch_size) / (n - 1)


def cov_of_mean(cov_example, n, batch_size):
    """Covariance of the mean of batch_size of the n per-example gradients drawn without
    replacement: cov_example / B * (n - B) / (n - 1). cov_example (p, p) -> (p, p)."""
    return np.asarray(cov_example) * (fpc(n, batch_size) / batch_size)


def _measure(G, g, batch_size, draws, rng):
    """draws batch means of batch_size rows of G (n, p) drawn without replacement (each draw a
    fresh uniform subset): returns the means (draws, p) and their squared distances to g.

    A batch of more than half the rows is drawn as its complement (also uniform) and its mean
    taken as (n g - sum of the rest) / B: the work is draws * min(B, n - B) rows.
    """
    n = G.shape[0]
    rest = n - batch_size
    total = n * g
    means = np.empty((draws, G.shape[1]))
    for k in range(draws):
        if batch_size <= rest:
            means[k] = G[rng.choice(n, batch_size, replace=False)].mean(axis=0)
        else:
            means[k] = (total - G[rng.choice(n, rest, replace=False)].sum(axis=0)) / batch_size
    D = means - g
    return means, np.einsum("kp,kp->k", D, D)


class Noise(NamedTuple):
    """The gradient noise at one point (w, b) for one batch. Vectors are (p,) = (d + 1,), the
    bias last; total variance means the trace of a covariance (the mean squared distance of a
    gradient from the full-data gradient)."""

    full_grad: np.ndarray       # (p,) the full-data gradient (core.gradients on all rows)
    per_example: np.ndarray     # (m, p) the batch's per-example gradients
    batch_mean: np.ndarray      # (p,) their mean: the step's gradient
    batch_size: int             # B of the spread below (the run's batch size)
    n: int
    fpc: float                  # (n - B) / (n - 1)
    cov_example: np.ndarray     # (p, p) Sigma: covariance of one example's gradient (ddof 0)
    cov_batch: np.ndarray       # (p, p) Sigma / B * fpc: of a batch mean (theory)
    var_example: float          # trace(Sigma): batch 1
    var_batch: float            # trace(cov_batch): batch B
    var_full: float             # 0.0: the full batch is the full gradient
    samples: np.ndarray         # (draws, p) batch means of random batches of B
    measured_var: float         # mean squared distance of samples from full_grad
    measured_stderr: float      # its standard error (std of the squared distances / sqrt(draws))
    measured_cov: np.ndarray    # (p, p) mean of (sample - full_grad)(sample - full_grad)^T


def gradient_noise(X, y, w, b, batch, *, batch_size=None, draws=2000, seed=0) -> Noise:
    """The per-example gradients of X[batch] at (w, b), their mean, the full-data gradient,
    and the spread of a batch mean: theory (with the finite-population correction) and measured
    over `draws` random batches of batch_size (default len(batch); pass the run's batch size
    when batch is a smaller last batch). X (n, d), y (n,), batch (m,) row indices. Same seed,
    same samples. Cost: about draws * min(batch_size, n - batch_size) rows gathered (2000 draws
    of 10 from a million rows: 0.2 s).
    """
    X, y, w, b = _check_point(X, y, w, b)
    n = X.shape[0]
    batch = _check_batch(batch, n)
    batch_size = batch.size if batch_size is None else _check_int("batch_size", batch_size, 1, n)
    draws = _check_int("draws", draws, 1, 10**7)
    G = _stacked(X, y, w, b)
    g = G.mean(axis=0)
    D = G - g
    cov = D.T @ D / n
    cov_b = cov_of_mean(cov, n, batch_size)
    per = G[batch]
    samples, sq = _measure(G, g, batch_size, draws, np.random.default_rng(seed))
    S = samples - g
    se = float(sq.std(ddof=1) / math.sqrt(draws)) if draws > 1 else math.inf
    _frozen(g, per, cov, cov_b, samples)
    mean = per.mean(axis=0)
    return Noise(g, per, _frozen(mean)[0], batch_size, n, fpc(n, batch_size), cov, cov_b,
                 float(np.trace(cov)), float(np.trace(cov_b)), 0.0, samples, float(sq.mean()), se,
                 _frozen(S.T @ S / draws)[0])


class VarianceCurve(NamedTuple):
    """Total variance of the minibatch-mean gradient against batch size, (K,) arrays."""

    batch_sizes: np.ndarray     # (K,) int
    theory: np.ndarray          # trace(Sigma) / B * (n - B) / (n - 1)
    theory_iid: np.ndarray      # trace(Sigma) / B: with replacement, the bare 1/B law
    measured: np.ndarray        # mean squared distance from the full gradient over `draws` batches
    stderr: np.ndarray          # standard error of measured
    var_example: float          # trace(Sigma), the value at B = 1
    n: int
    draws: int


def curve_sizes(n, batch_size):
    """The batch sizes a VarianceCurve is drawn at for n examples: 1, 2, 5, 10, 20, 50, ...
    below n, the run's own (at most n) and n itself, ascending."""
    sizes = {s * 10 ** k for k in range(7) for s in (1, 2, 5)}
    return sorted({s for s in sizes if s < n} | {min(batch_size, n), n})


def variance_curve(X, y, w, b, batch_sizes, draws=2000, seed=0) -> VarianceCurve:
    """The 1/B law at (w, b), closed form against measurement, for each batch size (1..n).

    X (n, d), y (n,). Each batch size draws `draws` uniform random batches without
    replacement from its own stream of `seed` (a batch size's numbers do not depend on the
    others in the list).
    """
    X, y, w, b = _check_point(X, y, w, b)
    n = X.shape[0]
    sizes = np.array([_check_int("batch_size", B, 1, n) for B in batch_sizes], dtype=int)
    draws = _check_int("draws", draws, 2, 10**7)
    G = _stacked(X, y, w, b)
    g = G.mean(axis=0)
    D = G - g
    var1 = float(np.einsum("ip,ip->", D, D) / n)
    theory = np.array([var1 * fpc(n, B) / B for B in sizes])
    measured, stderr = np.empty(sizes.size), np.empty(sizes.size)
    for i, B in enumerate(sizes):
        _, sq = _measure(G, g, int(B), draws, np.random.default_rng([seed, int(B)]))
        measured[i], stderr[i] = sq.mean(), sq.std(ddof=1) / math.sqrt(draws)
    _frozen(sizes, theory, measured, stderr)
    return VarianceCurve(sizes, theory, _frozen(var1 / sizes)[0], measured, stderr, var1, n, draws)


# ---- the update as an arrow -----------------------------------------------------------------

class Arrows(NamedTuple):
    """One update in (w, b) space, (p,) vectors with the bias last: the minibatch step
    against the step full-batch gradient descent would take from the same point."""

    start: np.ndarray           # (p,) (w, b) before the update
    step_batch: np.ndarray      # (p,) -lr * minibatch gradient
    step_full: np.ndarray       # (p,) -lr * full-data gradient
    end_batch: np.ndarray       # (p,) after the minibatch update (core.sgd): the record's (w, b)
    end_full: np.ndarray        # (p,) after a full-batch update
    angle: float                # between the two steps, radians in [0, pi]; nan if one is 0
    length_ratio: float         # |step_batch| / |step_full|; inf if only the full step is 0
    loss_start: float           # full-data loss at start
    loss_batch: float           # full-data loss after the minibatch step
    loss_full: float            # full-data loss after the full-batch step


def update_arrows(X, y, w, b, batch, lr) -> Arrows:
    """-lr * dL_batch/d(w, b) against -lr * dL_full/d(w, b) from (w, b). X (n, d), y (n,),
    batch (m,) row indices, lr > 0. end_batch is core.sgd with core.gradients on the batch:
    what core.train does."""
    X, y, w, b = _check_point(X, y, w, b)
    batch = _check_batch(batch, X.shape[0])
    lr = float(lr)
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"lr must be a positive number, got {lr!r}")

    def arrow(Xs, ys):
        _, grad_w, grad_b = gradients(Xs, ys, w, b)
        w1, b1 = sgd(w, b, grad_w, grad_b, lr)
        return -lr * np.append(grad_w, grad_b), np.append(w1, b1)

    def loss(theta):
        return float(squared_loss(linreg(X, theta[:-1], theta[-1]), y).mean())

    start = np.append(w, b)
    step_batch, end_batch = arrow(X[batch], y[batch])
    step_full, end_full = arrow(X, y)
    nb, nf = float(np.linalg.norm(step_batch)), float(np.linalg.norm(step_full))
    if nb > 0 and nf > 0:
        angle = math.acos(max(-1.0, min(1.0, float(step_batch @ step_full) / (nb * nf))))
    else:
        angle = math.nan
    ratio = nb / nf if nf > 0 else (math.inf if nb > 0 else math.nan)
    _frozen(start, step_batch, step_full, end_batch, end_full)
    return Arrows(start, step_batch, step_full, end_batch, end_full, angle, ratio,
                  loss(start), loss(end_batch), loss(end_full))


class LossPlane(NamedTuple):
    """The full-data loss over a plane of two parameters, the others held where they are."""

    axes: tuple                 # the two parameter indices in the stacked (w, b): (0, 1) = w1, w2
    u: np.ndarray               # (n,) values of the first
    v: np.ndarray               # (n,) values of the second
    loss: np.ndarray            # (n, n): loss[j, i] at (u[i], v[j])


def plane_axes(d):
    """Which two of the stacked (w, b) a plane shows: w1 and w2, or w and b with one feature."""
    return (0, 1) if d >= 2 else (0, d)


def loss_plane(X, y, w, b, u_range, v_range, n=60) -> LossPlane:
    """L over the (w1, w2) plane through (w, b) (with one feature: the (w, b) plane), every other
    parameter at its value in (w, b). Exact: L(theta) = (theta^T H theta - 2 theta^T c + y.y/n)/2
    with H = A^T A / n, c = A^T y / n, A = [X, 1]."""
    X, y, w, b = _check_point(X, y, w, b)
    n = _check_int("n", n, 2, 2000)
    N, d = X.shape
    A = np.column_stack([X, np.ones(N)])
    H, c, yy = A.T @ A / N, A.T @ y / N, float(y @ y) / N
    theta = np.append(w, b)
    i, j = plane_axes(d)
    u, v = np.linspace(*map(float, u_range), n), np.linspace(*map(float, v_range), n)
    du, dv = u[None, :] - theta[i], v[:, None] - theta[j]
    base = float(theta @ H @ theta - 2 * theta @ c + yy)
    # theta + du e_i + dv e_j, expanded: linear terms from the gradient (H theta - c), quadratic from H
    g = H @ theta - c
    loss = (base + 2 * (g[i] * du + g[j] * dv)
            + H[i, i] * du * du + 2 * H[i, j] * du * dv + H[j, j] * dv * dv) / 2
    _frozen(u, v, loss)
    return LossPlane((i, j), u, v, loss)
