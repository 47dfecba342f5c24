"""What the learning-rate finder costs: one vectorised core.landscape.lr_sweep vs separate core.train runs.

On the lesson's data (n = 1000, seed 0): a sweep of 40 learning rates (1e-4 ... 10, log grid) x
300 steps of batch 10, and the 12 x 12 lr x batch-size map (lr 1e-3 ... 10, batch 1 ... 1000,
3 epochs each). The baseline is what the sweep replaces: 40 core.train runs of the same 300
steps, each followed by its full-data loss. Runs are interleaved so that all see the same
machine state; prints seconds (min / median / max) and the ratio of medians, with the load average.
--optimizers adds the same sweep with each named optimizer of core.optimizers (at the book's
hyperparameters) and all of them one after the other, the lr finder of the landscape page with
every optimizer: "all" means the five beyond SGD (momentum, adagrad, rmsprop, adadelta, adam).
Each is first checked against separate core.train runs.

    .venv/bin/python bench/bench_landscape.py [--runs 15] [--optimizers all]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import core  # noqa: E402
from core import landscape  # noqa: E402

STEPS, BATCH_SIZE, SEED = 300, 10, 0


def sweep(X, y, lrs, optimizer="sgd"):
    return landscape.lr_sweep(X, y, lrs, steps=STEPS, batch_size=BATCH_SIZE, seed=SEED, optimizer=optimizer)


def separate_runs(X, y, lrs, optimizer="sgd"):
    """The same 40 runs, one core.train each: final full-data loss, inf if diverged."""
    out = []
    num_epochs = STEPS // core.steps_per_epoch(len(X), BATCH_SIZE)
    for lr in lrs:
        *_, last = core.train(X, y, lr=lr, batch_size=BATCH_SIZE, num_epochs=num_epochs, seed=SEED,
                              optimizer=optimizer)
        out.append(np.inf if last.diverged else core.full_loss(X, y, last.w, last.b))
    return np.array(out)


def check(X, y, lrs, optimizer="sgd"):
    """The largest relative difference between the sweep's final losses and separate runs'.

    The same arithmetic in another order: SGD agrees to 1e-12; RMSProp at lrs far too large for
    it (0.7 to 4: a step of about lr per parameter, bouncing at a loss of 0.4 to 18) amplifies
    the rounding to ~1e-7 in 300 steps."""
    got, want = sweep(X, y, lrs, optimizer).final_loss, separate_runs(X, y, lrs, optimizer)
    fin = np.isfinite(want)
    assert np.array_equal(np.isfinite(got), fin), f"sweep and core.train diverge apart ({optimizer})"
    worst = float(np.max(np.abs(got[fin] - want[fin]) / want[fin]))
    assert worst < (1e-12 if optimizer == "sgd" else 1e-6), f"sweep and core.train disagree ({optimizer})"
    return worst


def lr_batch_map(X, y, lrs, batch_sizes):
    return landscape.lr_batch_map(X, y, lrs, batch_sizes, num_epochs=3, seed=SEED)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=15, help="runs of each (default 15)")
    p.add_argument("--optimizers", default="", help="comma-separated names of core.optimizers to "
                   "sweep with as well, or 'all' (the five beyond sgd); default none")
    args = p.parse_args(argv)
    names = [n for n in core.optimizers.OPTIMIZERS if n != "sgd"] if args.optimizers == "all" \
        else [n.strip() for n in args.optimizers.split(",") if n.strip()]
    for name in names:
        core.optimizers.check_optimizer(name)

    X, y = core.synthetic_data()
    lrs = landscape.lr_grid(1e-4, 10.0, 40)
    map_lrs, batch_sizes = landscape.lr_grid(1e-3, 10.0, 12), landscape.batch_grid(len(X), 12)
    assert batch_sizes.size == 12
    agree = {name: check(X, y, lrs, name) for name in ["sgd", *names]}

    jobs = (("lr_sweep, 40 lr x 300 steps", lambda: sweep(X, y, lrs)),
            ("40 separate core.train runs", lambda: separate_runs(X, y, lrs)),
            ("lr_batch_map, 12 lr x 12 batch sizes, 3 epochs",
             lambda: lr_batch_map(X, y, map_lrs, batch_sizes)))
    jobs += tuple((f"lr_sweep, {name}", lambda name=name: sweep(X, y, lrs, name)) for name in names)
    if len(names) > 1:
        jobs += ((f"lr_sweep x {len(names)} optimizers, one after another",
                  lambda: [sweep(X, y, lrs, name) for name in names]),)
    times = {name: [] for name, _ in jobs}
    for _, fn in jobs:                                      # warm up
        fn()
    load_before = os.getloadavg()
    for _ in range(args.runs):
        for name, fn in jobs:
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    load_after = os.getloadavg()

    print(f"{datetime.date.today()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"numpy {np.__version__}, load average {load_before[0]:.2f} before / {load_after[0]:.2f} after "
          f"(1 min), {args.runs} runs each")
    print()
    width = max(len(name) for name in times) + 2
    print(f"| {'seconds':<{width}} | min    | median | max    |")
    print(f"|{'-' * (width + 2)}|--------|--------|--------|")
    for name, ts in times.items():
        print(f"| {'`' + name + '`' if name.startswith('lr') else name:<{width}} "
              f"| {min(ts):.4f} | {statistics.median(ts):.4f} | {max(ts):.4f} |")
    ratio = statistics.median(times[jobs[1][0]]) / statistics.median(times[jobs[0][0]])
    print()
    print(f"ratio of medians (40 separate runs / lr_sweep): {ratio:.1f}")
    print("largest relative difference of a final loss from its core.train run: "
          + ", ".join(f"{name} {worst:.1e}" for name, worst in agree.items()))


if __name__ == "__main__":
    main()
