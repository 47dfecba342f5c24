"""What the learning-rate finder costs: one vectorised core.landscape.lr_sweep vs separate core.train runs.

On the lesson's data (n = 1000, seed 0): a sweep of 40 learning rates (1e-4 ... 10, log grid) x
300 steps of batch 10, and the 12 x 12 lr x batch-size map (lr 1e-3 ... 10, batch 1 ... 1000,
3 epochs each). The baseline is what the sweep replaces: 40 core.train runs of the same 300
steps, each followed by its full-data loss. Runs are interleaved so that all see the same
machine state; prints seconds (min / median / max) and the ratio of medians, with the load average.

    .venv/bin/python bench/bench_landscape.py [--runs 15]
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


def sweep(X, y, lrs):
    return landscape.lr_sweep(X, y, lrs, steps=STEPS, batch_size=BATCH_SIZE, seed=SEED)


def separate_runs(X, y, lrs):
    """The same 40 runs, one core.train each: final full-data loss, inf if diverged."""
    out = []
    num_epochs = STEPS // core.steps_per_epoch(len(X), BATCH_SIZE)
    for lr in lrs:
        *_, last = core.train(X, y, lr=lr, batch_size=BATCH_SIZE, num_epochs=num_epochs, seed=SEED)
        out.append(np.inf if last.diverged else core.full_loss(X, y, last.w, last.b))
    return np.array(out)


def lr_batch_map(X, y, lrs, batch_sizes):
    return landscape.lr_batch_map(X, y, lrs, batch_sizes, num_epochs=3, seed=SEED)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=15, help="runs of each (default 15)")
    args = p.parse_args(argv)

    X, y = core.synthetic_data()
    lrs = landscape.lr_grid(1e-4, 10.0, 40)
    map_lrs, batch_sizes = landscape.lr_grid(1e-3, 10.0, 12), landscape.batch_grid(len(X), 12)
    assert batch_sizes.size == 12
    got, want = sweep(X, y, lrs).final_loss, separate_runs(X, y, lrs)
    fin = np.isfinite(want)
    assert np.array_equal(np.isfinite(got), fin) and np.allclose(got[fin], want[fin], rtol=1e-12, atol=0), \
        "sweep and core.train disagree"

    jobs = (("lr_sweep, 40 lr x 300 steps", lambda: sweep(X, y, lrs)),
            ("40 separate core.train runs", lambda: separate_runs(X, y, lrs)),
            ("lr_batch_map, 12 lr x 12 batch sizes, 3 epochs",
             lambda: lr_batch_map(X, y, map_lrs, batch_sizes)))
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


if __name__ == "__main__":
    main()
