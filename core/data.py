"""Synthetic data of the lesson: y = X w + b + noise."""

from __future__ import annotations

import hashlib

import numpy as np

TRUE_W = (2.0, -3.4)
TRUE_B = 4.2
NUM_EXAMPLES = 1000
NOISE_STD = 0.01

# data beyond this magnitude is rejected: it keeps every step's arithmetic inside
# float64 range (see trainer.PARAM_BOUND), so divergence is caught, never warned about
DATA_BOUND = 1e12


def synthetic_data(true_w=TRUE_W, true_b=TRUE_B, num_examples=NUM_EXAMPLES,
                   noise_std=NOISE_STD, seed=0):
    """Draw X ~ N(0, 1) of shape (num_examples, d) and y = X w + b + N(0, noise_std^2), shape (n,).

    noise_std is a standard deviation (the lesson's text says "variance 0.01", its code
    draws with standard deviation 0.01).
    """
    true_w = np.asarray(true_w, dtype=float).reshape(-1)
    if not 1 <= true_w.size <= 100:
        raise ValueError(f"true_w must have 1 to 100 entries, got {true_w.size}")
    if not (np.all(np.isfinite(true_w)) and np.isfinite(true_b)):
        raise ValueError("true_w and true_b must be finite numbers")
    if abs(float(true_b)) > 1e6 or np.abs(true_w).max() > 1e6:
        raise ValueError("true_w and true_b must lie in [-1e6, 1e6]")
    if not (isinstance(num_examples, (int, np.integer)) and 1 <= num_examples <= 10_000_000):
        raise ValueError(f"num_examples must be an integer in [1, 10000000], got {num_examples!r}")
    if not (np.isfinite(noise_std) and 0 <= noise_std <= 1e6):
        raise ValueError(f"noise_std must be a number in [0, 1e6], got {noise_std!r}")
    rng = np.random.default_rng(seed)
    X = rng.normal(0.0, 1.0, (int(num_examples), true_w.size))
    y = X @ true_w + float(true_b) + rng.normal(0.0, noise_std, int(num_examples))
    return X, y


def check_data(X, y):
    """Validate and return X as float64 (n, d) and y as float64 (n,); ValueError otherwise."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-d array (n, d), got shape {X.shape}")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"y must be a 1-d array (n,), got shape {y.shape}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X is empty (shape {X.shape}): need at least 1 example and 1 feature")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X and y disagree: X has {X.shape[0]} rows, y has {y.shape[0]}")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise ValueError("X and y must not contain NaN or inf")
    if max(np.abs(X).max(), np.abs(y).max()) > DATA_BOUND:
        raise ValueError(f"X and y values must lie in [-{DATA_BOUND:g}, {DATA_BOUND:g}]; rescale the data")
    return X, y


def fingerprint(*arrays):
    """Hex SHA-256 of the arrays' contents: each one's dtype, shape and bytes (C order), in turn.

    Names data by what they hold, for a cache shared by every session: equal arrays give the
    same fingerprint wherever they came from, any change to a value, the shape or the dtype a
    different one. About 1 ms a megabyte. Object arrays (pointers, not values) are refused.
    """
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        if a.dtype.hasobject:
            raise TypeError("fingerprint needs arrays of numbers, not of Python objects")
        h.update(f"{a.dtype.str}{a.shape};".encode())
        h.update(a.view(np.uint8))
    return h.hexdigest()
