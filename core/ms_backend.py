"""The MindSpore backend: the same model and loss, gradients by MindSpore's autodiff (float32).

Imported by core.backends only when a MindSpore backend is chosen. Never sets MindSpore's
global context (mode): the compiled and the PyNative stepper live in one process side by side.
It does make MindSpore dispatch and launch synchronously (see below), for the whole process.
"""

from __future__ import annotations

import os
import threading

import mindspore as ms
import numpy as np
from mindspore import Parameter, Tensor, nn, ops

from . import optimizers
from .problems import Problem, SettingError

# A step is a handful of tiny ops. By default MindSpore hands them to a dispatch thread
# ("frontend_queue") that busy-waits: a compiled step keeps ~1.5 cores busy and takes 0.3 ms
# on idle cores but 1.6-2.2 ms when other processes compete for our 2; PyNative 20-45 ms.
# Dispatching on the calling thread and launching synchronously: ~0.4 ms and 0.4 ms of CPU
# a compiled step whatever the load, ~4 ms PyNative (BENCHMARKS.md).
# Both are process-wide and one-way (MindSpore reads the variable at its first op; an
# explicit MS_DEV_HOST_BLOCKING_RUN=0 wins). Errors then also surface at the line at fault.
os.environ.setdefault("MS_DEV_HOST_BLOCKING_RUN", "1")
ms.runtime.launch_blocking()

_probed: list = []      # non-empty once probe() has passed
# MindSpore's graph compiler and PyNative autodiff are process-wide and not thread-safe: two
# steppers driven from two threads (two app sessions) crash it, so every call takes this lock
_LOCK = threading.Lock()


def probe():
    """Run one tiny op through numpy -> MindSpore -> numpy; raise if MindSpore cannot run.

    MindSpore 2.10 imports fine under NumPy 2 and fails only on its first op ("A module that
    was compiled using NumPy 1.x cannot be run in NumPy 2.x"), so importing is not enough.
    Cached after the first success.
    """
    if _probed:
        return
    with _LOCK:
        out = ops.add(Tensor(np.ones(2, dtype=np.float32)), 1.0).asnumpy()
    if not np.array_equal(out, [2.0, 2.0]):
        raise RuntimeError(f"MindSpore computed 1 + 1 = {out!r}")
    _probed.append(True)


class _SGDStep(nn.Cell):
    """One SGD update on the rows idx of X, y; owns w, b and the data as Parameters.

    X and y stay on the MindSpore side as Parameters that are never trained, so a step is sent
    only the batch's indices.
    """

    def __init__(self, X, y, w0, b0, lr):
        super().__init__()
        self.X = Parameter(Tensor(X, ms.float32), name="X", requires_grad=False)
        self.y = Parameter(Tensor(y, ms.float32), name="y", requires_grad=False)
        self.w = Parameter(Tensor(w0, ms.float32), name="w")
        self.b = Parameter(Tensor(b0, ms.float32), name="b")
        self.lr = lr
        # built once: a gradient function per step would be rebuilt (and retraced) each call
        self.grad_fn = ms.value_and_grad(self.loss, grad_position=None, weights=(self.w, self.b))

    def loss(self, X, y):
        """Mean squared loss of y_hat = X w + b: X (batch, d), y (batch,) -> scalar."""
        y_hat = ops.matmul(X, self.w) + self.b  # [model]
        return ops.mean((y_hat - y) ** 2 / 2)  # [loss]

    def construct(self, idx):
        """idx (batch,) int -> (2d + 3,) float32: loss, grad_w, grad_b, w after, b after.

        One packed output, so the caller crosses back to numpy once per step.
        """
        X = ops.gather(self.X, idx, 0)
        y = ops.gather(self.y, idx, 0)
        loss, (grad_w, grad_b) = self.grad_fn(X, y)  # [grad]
        # assign_sub returns the updated Parameter, which orders the update after the gradient
        w = ops.assign_sub(self.w, self.lr * grad_w)  # [update]
        b = ops.assign_sub(self.b, self.lr * grad_b)
        return ops.concat((loss.reshape(1), grad_w, grad_b.reshape(1), w, b.reshape(1)))


# the book's state fields as the MindSpore optimizer's own Parameters (one per w, b);
# core.optimizers.DIFFERENCES says how each optimizer is configured to run the book's rule
_MS_STATE = {
    "momentum": {"v": "moments"},
    "adagrad": {"s": "accum"},          # accum = s + eps
    "rmsprop": {"s": "ms"},
    "adadelta": {"s": "accum", "delta": "accum_update"},
    "adam": {"v": "moment1", "s": "moment2"},
}


def _ms_optimizer(name, params, hp):
    """mindspore.nn's optimizer for core.optimizers' `name`, set to the book's rule where it can."""
    lr = hp["lr"]
    if name == "momentum":
        return nn.Momentum(params, learning_rate=lr, momentum=hp["momentum"])  # [update]
    if name == "adagrad":       # no eps of its own: an accumulator started at eps puts it in the root
        return nn.Adagrad(params, accum=hp["eps"], learning_rate=lr, update_slots=True)  # [update]
    if name == "rmsprop":
        return nn.RMSProp(params, learning_rate=lr, decay=hp["gamma"], momentum=0.0,  # [update]
                          epsilon=hp["eps"], centered=False)
    if name == "adadelta":
        return nn.Adadelta(params, learning_rate=lr, rho=hp["rho"], epsilon=hp["eps"])  # [update]
    if name == "adam":
        for key in ("beta1", "beta2"):      # nn.Adam takes (0, 1), the book [0, 1)
            if not hp[key] > 0:
                raise SettingError(Problem("range", {"key": key, "range": "(0, 1)", "text": repr(hp[key])}))
        return nn.Adam(params, learning_rate=lr, beta1=hp["beta1"], beta2=hp["beta2"],  # [update]
                       eps=hp["eps"])
    raise ValueError(f"no MindSpore optimizer for {name!r}")


class _OptStep(nn.Cell):
    """One update by a mindspore.nn optimizer on the rows idx of X, y; as _SGDStep otherwise."""

    def __init__(self, X, y, w0, b0, name, hp):
        super().__init__()
        self.X = Parameter(Tensor(X, ms.float32), name="X", requires_grad=False)
        self.y = Parameter(Tensor(y, ms.float32), name="y", requires_grad=False)
        self.w = Parameter(Tensor(w0, ms.float32), name="w")
        self.b = Parameter(Tensor(b0, ms.float32), name="b")
        self.opt = _ms_optimizer(name, [self.w, self.b], hp)
        self.grad_fn = ms.value_and_grad(self.loss, grad_position=None, weights=(self.w, self.b))

    def loss(self, X, y):
        y_hat = ops.matmul(X, self.w) + self.b
        return ops.mean((y_hat - y) ** 2 / 2)

    def construct(self, idx):
        """idx (batch,) int -> (2d + 3,) float32: loss, grad_w, grad_b, w after, b after."""
        X = ops.gather(self.X, idx, 0)
        y = ops.gather(self.y, idx, 0)
        loss, grads = self.grad_fn(X, y)
        done = self.opt(grads)                  # the optimizer's update of w, b and its state
        w = ops.depend(self.w, done)
        b = ops.depend(self.b, done)
        return ops.concat((loss.reshape(1), grads[0], grads[1].reshape(1), w, b.reshape(1)))


class MindSporeStepper:
    """The MindSpore backend: one SGD update per call on the rows `batch` of X, y.

    X (n, d), y (n,), w0 (d,), b0 and lr as for core.model.NumpyStepper. mode "graph" compiles
    the whole step (gather, loss, autodiff, update) with mindspore.jit: the first call, and
    the first call with a new batch length (a partial last batch), compile, ~0.1-0.4 s each;
    then ~0.4 ms a step. mode "pynative" runs it op by op: no compile, ~4 ms a step.
    """

    def __init__(self, X, y, w0, b0, lr, mode="graph", optimizer="sgd", hyperparams=None, state=None):
        if mode not in ("graph", "pynative"):
            raise ValueError(f"mode must be 'graph' or 'pynative', got {mode!r}")
        X = np.asarray(X, dtype=np.float32)
        self.d = X.shape[1]
        self.name = "mindspore" if mode == "graph" else "mindspore-pynative"   # as in BACKENDS
        self.optimizer = optimizer
        self.hp = {**(hyperparams or {}), "lr": float(lr)}
        self.state = optimizers.init_state(optimizer, self.d + 1) if state is None else state
        args = (X, np.asarray(y, dtype=np.float32), np.asarray(w0, dtype=np.float32), np.float32(b0))
        with _LOCK:
            if optimizer == "sgd":
                self.cell = _SGDStep(*args, float(lr))
            else:
                self.cell = _OptStep(*args, optimizer, {k: float(v) for k, v in self.hp.items()})
                self._set_state(self.state)
        self._step = ms.jit(self.cell) if mode == "graph" else self.cell

    def _state_params(self):
        return {f: getattr(self.cell.opt, attr) for f, attr in _MS_STATE[self.optimizer].items()}

    def _set_state(self, state):
        """Start MindSpore's optimizer from the book's state (zeros unless resuming)."""
        for f, (pw, pb) in self._state_params().items():
            row = np.asarray(getattr(state, f), dtype=np.float64)
            if self.optimizer == "adagrad":
                row = row + self.hp["eps"]
            pw.set_data(Tensor(row[:-1], ms.float32))
            pb.set_data(Tensor(row[-1], ms.float32))
        if self.optimizer == "adam":
            opt = self.cell.opt
            opt.beta1_power.set_data(Tensor(self.hp["beta1"] ** state.t, ms.float32))
            opt.beta2_power.set_data(Tensor(self.hp["beta2"] ** state.t, ms.float32))

    def _read_state(self):
        """The optimizer's state after a step, in the book's terms: float64 arrays (d+1,)."""
        parts = {}
        for f, (pw, pb) in self._state_params().items():
            row = np.append(pw.asnumpy(), pb.asnumpy()).astype(np.float64)
            parts[f] = row - self.hp["eps"] if self.optimizer == "adagrad" else row
        if self.optimizer == "adam":
            parts["t"] = self.state.t + 1
        return type(self.state)(**parts)

    def __call__(self, batch):
        """Update on X[batch]; returns (batch_loss before, grad_w, grad_b, w after, b after).

        batch (batch_size,) int; grad_w and w come back as new float64 (d,) arrays. Values may
        be inf or nan once the run diverges (float32 overflows before float64 does).
        """
        idx = Tensor.from_numpy(np.ascontiguousarray(batch, dtype=np.int64))
        with _LOCK:
            out = self._step(idx).asnumpy()
            if self.optimizer != "sgd":
                self.state = self._read_state()
        out = out.astype(np.float64)
        d = self.d
        return (float(out[0]), out[1:d + 1].copy(), float(out[d + 1]),
                out[d + 2:2 * d + 2].copy(), float(out[2 * d + 2]))
