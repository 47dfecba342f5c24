"""How fast is the MindSpore backend? Run by hand; prints figures, asserts nothing.

    .venv/bin/python bench/bench_mindspore.py [--repeats 7] [--pynative-repeats 3]

Measures, at the lesson's defaults (1000 examples, d = 2, batch 10, 3 epochs = 300 steps):
- `import mindspore`: time and resident memory, each in a fresh interpreter;
- the first step (the compile), in a fresh interpreter and with MindSpore already warm;
- ms per step, compiled and PyNative, beside the numpy backend (the stepper call alone);
- how many steps compile when the last batch of an epoch is partial (n = 103, batch 10);
- core.ms_backend's synchronous dispatch and launch against MindSpore's defaults (a dispatch
  thread, asynchronous launch), wall and CPU time per step, in fresh interpreters taking
  turns (the defaults: MS_DEV_HOST_BLOCKING_RUN=0 and launch_blocking made a no-op).
Each figure is min / median / max over repeats; a repeat's ms/step is its median step.
Targets (issue): compiled <= 1.5 ms/step median, first step <= 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))     # run as a script from anywhere: `core` lives at the repo root

import core  # noqa: E402
from core.backends import make_stepper  # noqa: E402

COMPILE_MS = 20.0       # a step slower than this compiled (steady steps take well under 1 ms)

# runs in a fresh interpreter: what a first-time user of the backend waits for
_COLD = r"""
import json, time
def rss_mb():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) / 1024
import numpy as np
import core
before = rss_mb()
t = time.perf_counter()
import mindspore
import_s = time.perf_counter() - t
after_import = rss_mb()
from core.backends import make_stepper
X, y = core.synthetic_data()
stepper = make_stepper("mindspore", X, y, np.zeros(2), 0.0, 0.03)
t = time.perf_counter()
stepper(np.arange(10))
first_s = time.perf_counter() - t
print(json.dumps(dict(import_s=import_s, rss_before=before, rss_import=after_import,
                      first_s=first_s, rss_after_step=rss_mb())))
"""


# runs in a fresh interpreter: wall and CPU per step, dispatch and launch ours or the defaults
_AB = r"""
import json, os, sys, time
if sys.argv[1] == "defaults":
    os.environ["MS_DEV_HOST_BLOCKING_RUN"] = "0"         # core.ms_backend only sets a default
import numpy as np
import mindspore
if sys.argv[1] == "defaults":
    mindspore.runtime.launch_blocking = lambda: None     # core.ms_backend calls it on import
import core
from core.backends import make_stepper
X, y = core.synthetic_data()
rng = np.random.default_rng(0)
batches = [o[s:s + 10] for o in (rng.permutation(1000) for _ in range(3)) for s in range(0, 1000, 10)]
out = {}
for backend, steps in (("mindspore", 300), ("mindspore-pynative", 100)):
    stepper = make_stepper(backend, X, y, np.zeros(2), 0.0, 0.03)
    stepper(batches[0])
    times = []
    cpu = time.process_time()
    for batch in batches[1:steps]:
        t = time.perf_counter()
        stepper(batch)
        times.append(time.perf_counter() - t)
    out[backend] = float(np.median(times))
    out[backend + " cpu"] = (time.process_time() - cpu) / len(times)
print(json.dumps(out))
"""


def _python(script, *args):
    out = subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, capture_output=True,
                         text=True, check=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    return json.loads(out.stdout.strip().splitlines()[-1])


def cold_start():
    return _python(_COLD)


def lesson_batches(num_epochs=3, batch_size=10, n=core.NUM_EXAMPLES, seed=0):
    """The batches core.train would use at these settings, as a list of index arrays."""
    rng = np.random.default_rng(seed)
    return [order[s:s + batch_size] for order in (rng.permutation(n) for _ in range(num_epochs))
            for s in range(0, n, batch_size)]


def time_steps(backend, X, y, batches, lr=0.03):
    """Seconds per stepper call, one entry per batch, for a new stepper of `backend`."""
    stepper = make_stepper(backend, X, y, np.zeros(X.shape[1]), 0.0, lr)
    times = []
    for batch in batches:
        t = time.perf_counter()
        stepper(batch)
        times.append(time.perf_counter() - t)
    return np.array(times)


def cpu_per_step(backend, X, y, batches, lr=0.03):
    """Process CPU seconds per step (all threads) over batches[1:], after one warm-up step."""
    stepper = make_stepper(backend, X, y, np.zeros(X.shape[1]), 0.0, lr)
    stepper(batches[0])
    cpu = time.process_time()
    for batch in batches[1:]:
        stepper(batch)
    return (time.process_time() - cpu) / (len(batches) - 1)


def spread(values, unit, scale):
    v = np.asarray(values) * scale
    return f"min {v.min():9.3f}  median {np.median(v):9.3f}  max {v.max():9.3f} {unit}"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=7, help="repeats for numpy and compiled")
    p.add_argument("--pynative-repeats", type=int, default=3, help="PyNative is ~20 ms a step")
    p.add_argument("--cold-repeats", type=int, default=3, help="fresh interpreters started")
    p.add_argument("--ab-rounds", type=int, default=3, help="sync/async pairs of interpreters")
    args = p.parse_args(argv)

    import mindspore as ms
    print(f"python {platform.python_version()}, numpy {np.__version__}, mindspore {ms.__version__}, "
          f"{os.cpu_count()} cores, {platform.machine()}; load average {os.getloadavg()[0]:.1f}")
    X, y = core.synthetic_data()
    batches = lesson_batches()
    print(f"lesson defaults: X {X.shape}, batch 10, 3 epochs = {len(batches)} steps")

    cold = [cold_start() for _ in range(args.cold_repeats)]
    print(f"\nfresh interpreter ({args.cold_repeats} runs)")
    print(f"  import mindspore          {spread([c['import_s'] for c in cold], 's', 1)}")
    print(f"  RSS before import         {spread([c['rss_before'] for c in cold], 'MB', 1)}")
    print(f"  RSS after import          {spread([c['rss_import'] for c in cold], 'MB', 1)}")
    print(f"  first step (compile)      {spread([c['first_s'] for c in cold], 's', 1)}")
    print(f"  RSS after first step      {spread([c['rss_after_step'] for c in cold], 'MB', 1)}")

    core.available_backends()          # import and probe before anything is timed
    results = {}
    for backend, repeats in (("numpy", args.repeats), ("mindspore", args.repeats),
                             ("mindspore-pynative", args.pynative_repeats)):
        runs = [time_steps(backend, X, y, batches) for _ in range(repeats)]
        results[backend] = runs
    print("\nper step, stepper call only, MindSpore warm (a new stepper each repeat)")
    print(f"  numpy              ({args.repeats} x 300) "
          f"{spread([np.median(r[1:]) for r in results['numpy']], 'us', 1e6)}")
    for backend, label in (("mindspore", "compiled"), ("mindspore-pynative", "PyNative")):
        runs = results[backend]
        print(f"  {label:18} ({len(runs)} x 300) {spread([np.median(r[1:]) for r in runs], 'ms', 1e3)}")
        print(f"    first step               {spread([r[0] for r in runs], 'ms', 1e3)}")
        print(f"    p90 of steps 2..300      {spread([np.percentile(r[1:], 90) for r in runs], 'ms', 1e3)}")
        cpu = [cpu_per_step(backend, X, y, batches[:len(batches) if label == "compiled" else 100])
               for _ in range(len(runs))]
        print(f"    CPU, all threads         {spread(cpu, 'ms', 1e3)}")

    Xp, yp = core.synthetic_data(num_examples=103)
    partial = time_steps("mindspore", Xp, yp, lesson_batches(n=103))
    slow = np.flatnonzero(partial * 1e3 > COMPILE_MS) + 1
    print(f"\npartial last batch (n 103, batch 10, 3 epochs = {len(partial)} steps, compiled): "
          f"steps over {COMPILE_MS:g} ms: {slow.tolist()} "
          f"({', '.join(f'{partial[s - 1] * 1e3:.0f} ms' for s in slow)}); "
          f"median {np.median(partial) * 1e3:.3f} ms")

    t = time.perf_counter()
    recs = list(core.train(X, y, lr=0.03, batch_size=10, num_epochs=3, backend="mindspore"))
    total = time.perf_counter() - t
    print(f"\nwhole core.train(backend='mindspore') at the defaults, compile included: "
          f"{total * 1e3:.0f} ms for {len(recs)} steps")

    ab = {"ours": [], "defaults": []}
    for _ in range(args.ab_rounds):
        for variant in ab:
            ab[variant].append(_python(_AB, variant))
    print(f"\ndispatch and launch, {args.ab_rounds} fresh interpreters each (steps 2..300 compiled, "
          f"2..100 PyNative)")
    for variant, label in (("ours", "synchronous (ours)"), ("defaults", "MindSpore defaults")):
        for backend in ("mindspore", "mindspore-pynative"):
            for key, what in ((backend, "median wall"), (backend + " cpu", "mean CPU")):
                print(f"  {label:19} {backend:19} {what:11} "
                      f"{spread([r[key] for r in ab[variant]], 'ms', 1e3)}")
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
