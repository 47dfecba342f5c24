"""The linear network by hand: model, squared loss, its gradients, SGD (numpy, float64)."""

from __future__ import annotations

import numpy as np


def linreg(X, w, b):
    """y_hat = X w + b; X (n, d), w (d,), b scalar -> (n,)."""
    return X @ w + b  # [model]


def squared_loss(y_hat, y):
    """Per-example loss (y_hat - y)^2 / 2, shape (n,)."""
    return (y_hat - y) ** 2 / 2  # [loss]


def gradients(X, y, w, b):
    """Mean batch loss and its gradients at (w, b): returns (loss, grad_w (d,), grad_b).

    L = mean((y_hat - y)^2 / 2)
    dL/dw = mean((y_hat - y) * x) = X^T (y_hat - y) / batch_size
    dL/db = mean(y_hat - y)
    """
    err = linreg(X, w, b) - y
    n = err.shape[0]
    return float(err @ err) / (2 * n), (err @ X) / n, float(err.sum()) / n  # [grad]


def sgd(w, b, grad_w, grad_b, lr):
    """One update against the gradient: w <- w - lr dL/dw, b <- b - lr dL/db (new arrays)."""
    return w - lr * grad_w, b - lr * grad_b  # [update]


def full_loss(X, y, w, b):
    """Mean squared loss over all of (X, y) at (w, b), a float."""
    err = linreg(X, w, b) - y
    return float(err @ err) / (2 * err.shape[0])


class NumpyStepper:
    """The from-scratch backend: one update per call on the rows `batch` of X, y.

    optimizer: a name of core.optimizers.OPTIMIZERS, with its full hyperparameter dict
    (core.optimizers.hyperparams_for) and the state to start from (None: the book's zeros).
    self.state is the optimizer's state after the last update.
    """

    name = "numpy"

    def __init__(self, X, y, w0, b0, lr, optimizer="sgd", hyperparams=None, state=None):
        from . import optimizers
        self.X, self.y, self.lr = X, y, lr
        self.w, self.b = np.array(w0, dtype=float), float(b0)
        self.optimizer = optimizers.OPTIMIZERS[optimizer]
        self.hp = {**(hyperparams or {}), "lr": lr}
        self.state = optimizers.init_state(optimizer, self.w.size + 1) if state is None else state

    def __call__(self, batch):
        """Update on X[batch]; returns (batch_loss before, grad_w, grad_b, w after, b after)."""
        loss, grad_w, grad_b = gradients(self.X[batch], self.y[batch], self.w, self.b)
        if not self.state:      # plain SGD: the lesson's own update
            self.w, self.b = sgd(self.w, self.b, grad_w, grad_b, self.lr)
            return loss, grad_w, grad_b, self.w, self.b
        with np.errstate(over="ignore", invalid="ignore"):      # a diverging run: see trainer
            theta, self.state = self.optimizer.update(np.append(self.w, self.b),
                                                      np.append(grad_w, grad_b), self.state, self.hp)
        self.w, self.b = theta[:-1], float(theta[-1])
        return loss, grad_w, grad_b, self.w, self.b
