"""The MindSpore backend against the numpy one: same records, step by step, within float32 error."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import core
from core import backends

pytestmark = pytest.mark.mindspore

ROOT = Path(__file__).resolve().parents[1]
TOL = 1e-4          # float32 against float64: measured differences are about 2e-6


def _train_both(X, y, *, lr=0.03, batch_size=10, num_epochs=3, backend="mindspore", seed=1):
    """Train with numpy and with `backend` from the same w0, b0 and orders: (numpy, other)."""
    rng = np.random.default_rng(seed)
    n, d = X.shape
    orders = np.stack([rng.permutation(n) for _ in range(num_epochs)])
    kw = dict(lr=lr, batch_size=batch_size, num_epochs=num_epochs, w0=rng.normal(0, 0.01, d),
              b0=0.1, orders=orders)
    return (list(core.train(X, y, backend="numpy", **kw)),
            list(core.train(X, y, backend=backend, **kw)))


def _assert_same_records(ref, got, rtol=0.0):
    assert len(got) == len(ref)
    for a, b in zip(ref, got):
        assert (b.epoch, b.step, b.diverged) == (a.epoch, a.step, a.diverged)
        np.testing.assert_array_equal(b.batch, a.batch)
        assert isinstance(b.batch_loss, float) and isinstance(b.grad_b, float) and isinstance(b.b, float)
        assert b.w.dtype == np.float64 and b.grad_w.dtype == np.float64 and b.w.shape == a.w.shape
        for field in ("batch_loss", "grad_w", "grad_b", "w", "b"):
            np.testing.assert_allclose(getattr(b, field), getattr(a, field), rtol=rtol, atol=TOL,
                                       err_msg=f"{field} at step {a.step}")
        assert (a.epoch_loss is None) == (b.epoch_loss is None)
        if a.epoch_loss is not None:
            assert b.epoch_loss == pytest.approx(a.epoch_loss, rel=rtol, abs=TOL)


def test_mindspore_runs_here():
    """Not a skip: in this project's environment MindSpore must import and compute."""
    reason = core.available_backends()["mindspore"]
    assert reason is None, reason
    import mindspore as ms

    out = ms.ops.matmul(ms.Tensor(np.eye(2, dtype=np.float32)), ms.Tensor(np.ones(2, np.float32)))
    np.testing.assert_array_equal(out.asnumpy(), [1.0, 1.0])
    from core import ms_backend
    ms_backend.probe()
    ms_backend.probe()      # cached, still fine


@pytest.mark.parametrize("d", [1, 2, 4])
def test_parity_per_feature_count(d):
    X, y = core.synthetic_data(true_w=np.linspace(-2, 3, d), num_examples=200, seed=d)
    _assert_same_records(*_train_both(X, y))


@pytest.mark.parametrize("batch_size", [10, 103, 500], ids=["partial-last-batch", "full", "over-full"])
def test_parity_batching(batch_size):
    X, y = core.synthetic_data(num_examples=103)
    ref, got = _train_both(X, y, batch_size=batch_size, num_epochs=3)
    assert len(ref) == 3 * core.steps_per_epoch(103, batch_size)
    _assert_same_records(ref, got)


def test_parity_pynative_alongside_graph():
    """PyNative after the compiled backend in one process: both still right, context untouched."""
    import mindspore as ms

    mode = ms.get_context("mode")
    X, y = core.synthetic_data(num_examples=23)
    _assert_same_records(*_train_both(X, y, batch_size=5, num_epochs=2))
    _assert_same_records(*_train_both(X, y, batch_size=5, num_epochs=2, backend="mindspore-pynative"))
    assert ms.get_context("mode") == mode


def test_steppers_in_several_threads():
    """As app sessions do: three runs stepping at once in three threads, each still right."""
    X, y = core.synthetic_data(num_examples=40)
    ref = list(core.train(X, y, lr=0.03, batch_size=8, num_epochs=2, seed=4))
    finals, errors = [], []

    def run(backend):
        try:
            recs = list(core.train(X, y, lr=0.03, batch_size=8, num_epochs=2, seed=4, backend=backend))
            finals.append(recs[-1])
        except Exception as exc:        # collected: a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(name,))
               for name in ("mindspore", "mindspore", "mindspore-pynative")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(finals) == 3
    for rec in finals:
        np.testing.assert_allclose(rec.w, ref[-1].w, atol=TOL)


def test_stepper_contract():
    from core.ms_backend import MindSporeStepper

    X, y = core.synthetic_data(num_examples=20)
    step = MindSporeStepper(X, y, np.zeros(2), 0.0, 0.1)
    loss, grad_w, grad_b, w, b = step(np.arange(4))
    _, _, _, w2, _ = step(np.arange(4, 8))
    assert w is not w2 and not np.shares_memory(w, w2) and not np.shares_memory(w, grad_w)
    assert w.shape == grad_w.shape == (2,) and w.dtype == grad_w.dtype == np.float64
    assert all(type(v) is float for v in (loss, grad_b, b))
    with pytest.raises(ValueError, match="mode"):
        MindSporeStepper(X, y, np.zeros(2), 0.0, 0.1, mode="eager")


def test_lesson_defaults_reach_least_squares():
    X, y = core.synthetic_data()
    recs = list(core.train(X, y, lr=0.03, batch_size=10, num_epochs=3, seed=0, backend="mindspore"))
    assert len(recs) == 300 and not recs[-1].diverged
    w_star, b_star = core.lstsq_optimum(X, y)
    np.testing.assert_allclose(recs[-1].w, w_star, atol=2e-3)
    assert recs[-1].b == pytest.approx(b_star, abs=2e-3)


def test_divergence_flagged_at_the_same_step():
    X, y = core.synthetic_data(num_examples=100)
    ref, got = _train_both(X, y, lr=3 * core.max_stable_lr(X), num_epochs=20)
    assert ref[-1].diverged and len(ref) < 20 * 10        # it did blow up, and stopped there
    _assert_same_records(ref, got, rtol=1e-4)


def test_float32_overflow_is_flagged_without_warnings():
    """Loss past float32's range (~3.4e38) comes back inf: flagged, and no RuntimeWarning."""
    X, y = core.synthetic_data(num_examples=100)
    kw = dict(lr=1e-13, batch_size=10, num_epochs=1, seed=3)
    ref = list(core.train(X * 1e11, y * 1e10, backend="numpy", **kw))
    got = list(core.train(X * 1e11, y * 1e10, backend="mindspore", **kw))
    assert [r.diverged for r in got] == [r.diverged for r in ref] == [False, True]
    assert np.isinf(got[-1].batch_loss) and np.isfinite(ref[-1].batch_loss)


@pytest.mark.parametrize("bad, match", [
    (dict(lr=0.0), "lr"), (dict(batch_size=0), "batch_size"), (dict(num_epochs=0), "num_epochs"),
    (dict(w0=[1.0, 2.0, 3.0]), "w0"), (dict(b0=float("nan")), "b0"),
])
def test_bad_arguments_same_error_as_numpy(bad, match):
    X, y = core.synthetic_data(num_examples=10)
    args = dict(lr=0.03, batch_size=2, num_epochs=1) | bad
    messages = []
    for backend in ("numpy", "mindspore"):
        with pytest.raises(ValueError, match=match) as info:
            core.train(X, y, backend=backend, **args)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_unavailable_mindspore_is_reported(monkeypatch):
    """As if MindSpore were not installed: a reason, an install hint, numpy unaffected."""
    monkeypatch.setitem(sys.modules, "mindspore", None)      # makes `import mindspore` fail
    monkeypatch.delitem(sys.modules, "core.ms_backend", raising=False)
    monkeypatch.setattr(backends, "_probe_cache", {})
    # all undone (the real modules and cache back) when the test ends

    reason = core.available_backends()["mindspore"]
    assert isinstance(reason, str) and "pip install" in reason
    X, y = core.synthetic_data(num_examples=20)
    with pytest.raises(core.BackendUnavailableError, match="pip install"):
        core.train(X, y, lr=0.03, batch_size=5, num_epochs=1, backend="mindspore")
    assert core.available_backends()["numpy"] is None
    assert len(list(core.train(X, y, lr=0.03, batch_size=5, num_epochs=1))) == 4


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "core", "--backend", "mindspore", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("args", [(), ("--mode", "pynative")], ids=["graph", "pynative"])
def test_cli_prints_the_lesson_output(args):
    run = _cli(*args)
    assert run.returncode == 0, run.stderr
    assert "epoch 1, loss" in run.stdout and "epoch 3, loss" in run.stdout
    assert "error in estimating w" in run.stdout and "error in estimating b" in run.stdout
    assert run.stderr == ""      # MindSpore's log stays quiet


def test_mindspore_run_rewound_and_resumed_matches_numpy():
    """A Pause lands on the step the browser showed: the run is rewound there and resumed with a
    fresh compiled step from the kept parameters; it must still follow the numpy run."""
    from core import settings as S
    from core.run import DONE, Run

    values, _ = S.parse_settings({})
    ref = Run(values | {"backend": "numpy"})
    ref.advance(300)
    run = Run(values | {"backend": "mindspore"})
    run.advance(120)
    assert run.rewind(70) and len(run.history) == 70
    run.advance(10**6)
    assert run.status == DONE and len(run.history) == 300
    np.testing.assert_allclose(run.history.column("w"), ref.history.column("w"), atol=TOL)
    np.testing.assert_allclose(run.history.column("b"), ref.history.column("b"), atol=TOL)
