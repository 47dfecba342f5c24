"""The training loop as a generator: one minibatch SGD update per next(), one record per update."""

from __future__ import annotations

import itertools
import math
from typing import Iterator, NamedTuple

import numpy as np

from . import optimizers
from .backends import make_stepper
from .data import check_data
from .model import full_loss
from .optimizers import LR_MAX

# past these the run is called diverged. With |X|, |y| <= data.DATA_BOUND and lr <= LR_MAX
# they keep one more step inside float64 range, so no overflow warning can happen first.
PARAM_BOUND = 1e15      # on sqrt(|w|^2 + b^2)
LOSS_BOUND = 1e30       # on the batch loss
W0_STD = 0.01
# how a run's weights start: the lesson's N(0, 0.01^2), all zeros (the book's first exercise),
# or every weight one given value; b0 is 0 in all three, as in the lesson
INITS = ("normal", "zeros", "value")


class Step(NamedTuple):
    """What one minibatch update did. Arrays are read-only copies owned by the record."""

    epoch: int                  # 1-based
    step: int                   # 1-based, counted over all epochs
    batch: np.ndarray           # (batch_size,) row indices used by this update
    batch_loss: float           # mean squared loss of the batch, before the update
    w: np.ndarray               # (d,) after the update
    b: float                    # after the update
    grad_w: np.ndarray          # (d,) dL/dw at the parameters before the update
    grad_b: float               # dL/db before the update
    diverged: bool              # True on the last record of a run that blew up
    epoch_loss: float | None = None  # full-data loss after the update, on an epoch's last step
    # the optimizer's state after the update (core.optimizers: SGDState(), MomentumState(v),
    # AdamState(t, v, s), ...), arrays (d+1,) over (w_1 .. w_d, b), read-only
    state: tuple = optimizers.SGDState()


def _check_int(name, value, lo, hi):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}], got {value!r}")
    return int(value)


def check_args(X, y, lr, batch_size, num_epochs, w0, b0, orders):
    """Validate everything train() takes; returns the cleaned values or raises ValueError."""
    X, y = check_data(X, y)
    n, d = X.shape
    try:
        lr = float(lr)
    except (TypeError, ValueError):
        raise ValueError(f"lr must be a number in (0, {LR_MAX:g}], got {lr!r}") from None
    if not (0 < lr <= LR_MAX):
        raise ValueError(f"lr must be a number in (0, {LR_MAX:g}], got {lr!r}")
    batch_size = _check_int("batch_size", batch_size, 1, 10**9)
    num_epochs = _check_int("num_epochs", num_epochs, 1, 10**6)
    if w0 is not None:
        w0 = np.array(w0, dtype=float).reshape(-1)
        if w0.shape != (d,) or not np.all(np.isfinite(w0)) or np.abs(w0).max() > PARAM_BOUND:
            raise ValueError(f"w0 must be {d} finite numbers (one per feature), got {w0!r}")
    if b0 is not None:
        b0 = float(b0)
        if not math.isfinite(b0) or abs(b0) > PARAM_BOUND:
            raise ValueError(f"b0 must be a finite number, got {b0!r}")
    if orders is not None:
        orders = np.asarray(orders)
        if orders.shape != (num_epochs, n) or orders.dtype.kind not in "iu":
            raise ValueError(f"orders must be an integer array of shape (num_epochs, n) = "
                             f"({num_epochs}, {n}), got {orders.dtype} {orders.shape}")
        if not np.all(np.sort(orders, axis=1) == np.arange(n)):
            raise ValueError(f"orders must hold one permutation of range({n}) per epoch")
    return X, y, lr, batch_size, num_epochs, w0, b0, orders


def train(X, y, *, lr, batch_size, num_epochs, w0=None, b0=None, seed=0, orders=None,
          backend="numpy", start_step=0, optimizer="sgd", hyperparams=None,
          state0=None) -> Iterator[Step]:
    """Minibatch SGD (or another optimizer) on the squared loss of y_hat = X w + b; yields a
    Step after every update.

    X (n, d), y (n,). Each epoch visits every example once, in batches of batch_size (the last
    one may be smaller); batch_size >= n is full-batch gradient descent. There are
    num_epochs * ceil(n / batch_size) steps.
    w0 defaults to N(0, 0.01^2) per entry and b0 to 0, both drawn from `seed`; each epoch's
    order is a permutation drawn from the same generator unless `orders` (num_epochs, n)
    gives it. Same arguments, same records.
    start_step resumes a run: w0, b0 are then the parameters after that many updates, and the
    records continue exactly as the uninterrupted run's would (same batches, same numbering).
    If the loss or the parameters turn non-finite or too large, the last record has
    diverged=True and the run stops. Arguments are checked here, before the first next():
    ValueError names the bad one (core.problems.SettingError, with a .problem, for the optimizer
    and its hyperparameters).
    optimizer: a name of core.optimizers.OPTIMIZERS ("sgd", the lesson's, by default);
    hyperparams: a dict as in d2l-zh chapter 11 (momentum, gamma, rho, beta1, beta2, eps; an lr
    here must equal lr), missing ones take the book's defaults. Each record carries the
    optimizer's state after its update; state0 is the state to resume from (with start_step),
    default the book's zeros. "sgd" with no
    hyperparams is the lesson's trainer, record for record.
    """
    optimizers.hyperparams_for(optimizer, hyperparams)      # the optimizer's problems first
    X, y, lr, batch_size, num_epochs, w0, b0, orders = check_args(
        X, y, lr, batch_size, num_epochs, w0, b0, orders)
    hp = optimizers.hyperparams_for(optimizer, hyperparams, lr)
    n, d = X.shape
    if state0 is not None:
        state0 = optimizers.check_state(optimizer, state0, d + 1)
    start_step = _check_int("start_step", start_step, 0, num_epochs * steps_per_epoch(n, batch_size))
    w_init, b_init = initial_params(seed, d)
    w0 = w_init if w0 is None else w0
    b0 = b_init if b0 is None else b0
    stepper = make_stepper(backend, X, y, w0, b0, lr, optimizer, hp, state0)
    sequence = epoch_orders(seed, n, d) if orders is None else iter(orders)
    return _run(stepper, X, y, n, batch_size, num_epochs, sequence, start_step)


def _draw_init(rng, d):
    return rng.normal(0.0, W0_STD, d), 0.0


def epoch_orders(seed, n, d) -> Iterator[np.ndarray]:
    """The example order of each epoch, endlessly, as train(seed=seed) draws them on data of
    n rows and d features: a permutation of range(n) per epoch, from np.random.default_rng(seed)
    after the d initial weights (drawn even when w0 is given, so the orders depend on seed, n
    and d only). The one place that draws the trainer's random sequence: whoever replays a
    run's batches (batch_of, core.landscape's lanes) takes them from here."""
    rng = np.random.default_rng(seed)
    _draw_init(rng, d)
    while True:
        yield rng.permutation(n)


def batch_of(seed, n, batch_size, step, d, orders=None):
    """The row indices train(seed=seed) used at `step` (1-based), found by replaying the orders."""
    epoch, k = divmod(step - 1, steps_per_epoch(n, batch_size))
    if orders is not None:
        order = np.asarray(orders)[epoch]
    else:
        order = next(itertools.islice(epoch_orders(seed, n, d), epoch, None))
    return order[k * batch_size:(k + 1) * batch_size]


def initial_params(seed, d):
    """The w0 (d,), b0 that train() starts from when none are given: N(0, 0.01^2) and 0."""
    return _draw_init(np.random.default_rng(seed), d)


def start_params(seed, d, init="normal", value=0.0):
    """The w0 (d,), b0 of a run started the way `init` (one of INITS) says: "normal" is
    train()'s own draw from seed, "zeros" w0 = 0, "value" every weight = value; b0 = 0.
    The epoch orders depend on the seed only, so runs that differ in init see the same batches."""
    if init not in INITS:
        raise ValueError(f"init must be one of {', '.join(INITS)}; got {init!r}")
    if init == "normal":
        return initial_params(seed, d)
    value = float(value) if init == "value" else 0.0
    if not math.isfinite(value) or abs(value) > PARAM_BOUND:
        raise ValueError(f"the initial value must be a finite number, got {value!r}")
    return np.full(d, value), 0.0


def _run(stepper, X, y, n, batch_size, num_epochs, sequence, start_step=0):
    """The updates; sequence: an iterator of each epoch's order (epoch_orders, or the given ones)."""
    per_epoch = steps_per_epoch(n, batch_size)
    step = start_step
    for epoch in range(1, num_epochs + 1):
        order = np.array(next(sequence))        # taken for skipped epochs too: same orders
        order.setflags(write=False)             # each record's batch is a view of it
        if epoch * per_epoch <= start_step:
            continue
        first = (start_step - (epoch - 1) * per_epoch) * batch_size if step == start_step else 0
        for start in range(max(first, 0), n, batch_size):
            batch = order[start:start + batch_size]
            loss, grad_w, grad_b, w, b = stepper(batch)
            step += 1
            size = math.hypot(*w.tolist(), b)   # python floats: never an overflow warning
            diverged = not (loss <= LOSS_BOUND and size <= PARAM_BOUND)
            epoch_end = start + batch_size >= n
            epoch_loss = full_loss(X, y, w, b) if epoch_end and not diverged else None
            w.setflags(write=False)
            grad_w.setflags(write=False)
            yield Step(epoch, step, batch, loss, w, b, grad_w, grad_b, diverged, epoch_loss,
                       optimizers.frozen(stepper.state))
            if diverged:
                return


def steps_per_epoch(n, batch_size):
    """ceil(n / batch_size): the number of updates in one epoch."""
    return -(-n // batch_size)


def last_batch_size(n, batch_size):
    """How many examples the last update of an epoch sees: batch_size when it divides n, else
    the n mod batch_size that are left (n itself when batch_size >= n)."""
    return n - (steps_per_epoch(n, batch_size) - 1) * batch_size
