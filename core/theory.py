"""What the data say before any training: the optimum, the stable learning rate, the floor."""

from __future__ import annotations

import numpy as np


def _design(X):
    """[X, 1]: X (n, d) with a column of ones, (n, d + 1)."""
    return np.hstack([X, np.ones((X.shape[0], 1))])


def lstsq_optimum(X, y):
    """The least-squares (w*, b*) of these data: w* (d,), b* float."""
    theta = np.linalg.lstsq(_design(X), y, rcond=None)[0]
    return theta[:-1], float(theta[-1])


def hessian_eigenvalues(X):
    """Eigenvalues (ascending) of the loss's Hessian in (w, b): [X, 1]^T [X, 1] / n."""
    A = _design(X)
    return np.linalg.eigvalsh(A.T @ A / A.shape[0])


def max_stable_lr(X):
    """Largest lr at which full-batch gradient descent still converges: 2 / lambda_max.

    With the lesson's standardised features the Hessian is about the identity, so this is
    about 2, as for f(x) = x^2 / 2.
    """
    return 2.0 / float(hessian_eigenvalues(X)[-1])


def loss_floor(noise_std):
    """The expected loss of the true parameters: E[noise^2] / 2 = noise_std^2 / 2."""
    return noise_std ** 2 / 2


def loss_grid(min_loss, hessian, opt, axes, gx, gy):
    """The squared loss over a grid of two parameters, the others held at the optimum: exactly
    the quadratic min_loss + (theta - opt)^T H (theta - opt) / 2 (the loss of a linear model is
    one). hessian (p, p) and opt (p,) in (w_1 .. w_d, b); axes (i, j) the two parameters; gx (K,)
    and gy (M,) their values. Returns (M, K): row m is gy[m], column k is gx[k]."""
    i, j = axes
    H = np.asarray(hessian)[np.ix_([i, j], [i, j])]
    DX, DY = np.meshgrid(np.asarray(gx) - opt[i], np.asarray(gy) - opt[j])
    return min_loss + 0.5 * (H[0, 0] * DX**2 + 2 * H[0, 1] * DX * DY + H[1, 1] * DY**2)
