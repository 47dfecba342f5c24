"""What the step-by-step generator costs: core.train vs a bare numpy loop doing the same arithmetic.

Both run the lesson's defaults (1000 examples, lr 0.03, batch 10, 3 epochs = 300 updates) with
the same shuffles, in the same process, interleaved so that both see the same machine state.
Prints microseconds per update (min / median / max over the runs) and the ratio of medians.

    .venv/bin/python bench/bench_core.py [--runs 200]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import core  # noqa: E402

LR, BATCH_SIZE, NUM_EPOCHS, SEED = 0.03, 10, 3, 0


def run_train(X, y):
    for _ in core.train(X, y, lr=LR, batch_size=BATCH_SIZE, num_epochs=NUM_EPOCHS, seed=SEED):
        pass


def run_bare(X, y):
    """The lesson's loop inline: the same draws as core.train, no records, no checks."""
    n, d = X.shape
    rng = np.random.default_rng(SEED)
    w, b = rng.normal(0.0, 0.01, d), 0.0
    for _ in range(NUM_EPOCHS):
        order = rng.permutation(n)
        for start in range(0, n, BATCH_SIZE):
            idx = order[start:start + BATCH_SIZE]
            Xb, yb = X[idx], y[idx]
            y_hat = Xb @ w + b
            err = y_hat - yb
            loss = float(err @ err) / (2 * len(idx))       # noqa: F841 (train records it)
            grad_w, grad_b = (err @ Xb) / len(idx), float(err.sum()) / len(idx)
            w, b = w - LR * grad_w, b - LR * grad_b
        err = X @ w + b - y                                 # the epoch's full-data loss
        float(err @ err) / (2 * n)
    return w, b


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=200, help="runs of each loop (default 200)")
    args = p.parse_args(argv)

    X, y = core.synthetic_data()
    steps = NUM_EPOCHS * core.steps_per_epoch(len(X), BATCH_SIZE)
    last = list(core.train(X, y, lr=LR, batch_size=BATCH_SIZE, num_epochs=NUM_EPOCHS, seed=SEED))[-1]
    w, b = run_bare(X, y)
    assert np.allclose(last.w, w, rtol=0, atol=1e-12) and abs(last.b - b) < 1e-12, "loops disagree"

    times = {"core.train": [], "bare numpy": []}
    for fn in (run_train, run_bare):                        # warm up
        fn(X, y)
    for _ in range(args.runs):
        for name, fn in (("core.train", run_train), ("bare numpy", run_bare)):
            t0 = time.perf_counter()
            fn(X, y)
            times[name].append((time.perf_counter() - t0) / steps * 1e6)

    print(f"Python {platform.python_version()}, numpy {np.__version__}, {args.runs} runs of {steps} "
          f"steps each (n={len(X)}, batch_size={BATCH_SIZE}, num_epochs={NUM_EPOCHS})")
    print(f"{'us per step':<12} {'min':>7} {'median':>7} {'max':>7}")
    for name, ts in times.items():
        print(f"{name:<12} {min(ts):7.2f} {statistics.median(ts):7.2f} {max(ts):7.2f}")
    ratio = statistics.median(times["core.train"]) / statistics.median(times["bare numpy"])
    print(f"ratio of medians (core.train / bare numpy): {ratio:.2f}")


if __name__ == "__main__":
    main()
