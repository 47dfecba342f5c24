"""core.run and core.history: a run held between frames, resumed mid-way, rewound to a step."""

import numpy as np
import pytest
from test_core import lesson_run as full_run
from test_core import same_records

from core import settings as S
from core.history import History
from core.run import DONE, PAUSED, READY, Run
from core.trainer import batch_of


def settings(**kw):
    values, _ = S.parse_settings({})
    return values | kw


# ---- train(start_step=...) continues exactly where the uninterrupted run would be --------------

@pytest.mark.parametrize("k", [0, 1, 57, 99, 100, 101, 250, 299])
def test_resuming_at_any_step_gives_the_same_records(lesson, k):
    X, y = lesson
    ref = full_run(X, y)
    w0, b0 = (None, None) if k == 0 else (ref[k - 1].w, ref[k - 1].b)
    rest = full_run(X, y, w0=w0, b0=b0, start_step=k)
    assert same_records(rest, ref[k:])


@pytest.mark.parametrize("n,batch_size", [(103, 10), (7, 3), (50, 64)])
def test_resuming_with_a_partial_last_batch(n, batch_size):
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(n, 2)), rng.normal(size=n)
    ref = full_run(X, y, batch_size=batch_size, lr=0.1)
    for k in range(len(ref)):
        w0, b0 = (None, None) if k == 0 else (ref[k - 1].w, ref[k - 1].b)
        assert same_records(full_run(X, y, batch_size=batch_size, lr=0.1, w0=w0, b0=b0, start_step=k),
                            ref[k:]), k


def test_start_step_past_the_end_is_refused(lesson):
    X, y = lesson
    assert full_run(X, y, start_step=300) == []
    with pytest.raises(ValueError, match="start_step"):
        full_run(X, y, start_step=301)


def test_batch_of_replays_the_batches(lesson):
    X, y = lesson
    for rec in full_run(X, y, seed=7)[::37]:
        assert np.array_equal(batch_of(7, 1000, 10, rec.step, 2), rec.batch)


# ---- Run: advance, rewind, resume ------------------------------------------------------------

def test_run_advances_to_done_with_the_trainers_records(lesson):
    run = Run(settings(speed=0))
    assert run.status == READY and run.total_steps == 300
    seen = 0
    while not run.finished:
        seen += run.advance(64)
    assert run.status == DONE and seen == 300 == len(run.history)
    ref = full_run(*lesson)
    assert np.array_equal(run.history.column("w"), np.array([r.w for r in ref]))
    assert run.last.step == 300 and np.array_equal(run.last.w, ref[-1].w)


@pytest.mark.parametrize("k", [1, 42, 100, 299])
def test_rewind_then_resume_gives_the_uninterrupted_run(lesson, k):
    ref = full_run(*lesson)
    run = Run(settings())
    run.advance(300)
    assert run.status == DONE
    assert run.rewind(k)
    assert run.status == PAUSED and len(run.history) == k
    assert same_records([run.last], [ref[k - 1]])     # the rebuilt record is the original
    run.advance(10**6)
    assert run.status == DONE
    assert np.array_equal(run.history.column("w"), np.array([r.w for r in ref]))
    assert np.array_equal(run.history.column("batch_loss"), [r.batch_loss for r in ref])
    assert same_records([run.last], [ref[-1]])


def test_rewind_to_zero_is_the_start_and_out_of_range_is_ignored():
    run = Run(settings())
    run.advance(20)
    assert not run.rewind(20) and not run.rewind(25) and not run.rewind(-1)
    assert len(run.history) == 20
    assert run.rewind(0)
    assert run.status == READY and run.last is None and len(run.history) == 0
    run.advance(20)
    again = Run(settings())
    again.advance(20)
    assert np.array_equal(run.history.column("w"), again.history.column("w"))


def test_rewind_after_divergence_resumes_the_same_divergence():
    run = Run(settings(lr=3.0, batch_size=1000, epochs=200))
    run.advance(10**6)
    n = len(run.history)
    assert run.status == "diverged" and n > 5
    run.rewind(3)
    run.advance(10**6)
    assert run.status == "diverged" and len(run.history) == n


# ---- History: bounded display ----------------------------------------------------------------

def test_display_view_stays_bounded_and_keeps_the_newest_step(lesson):
    X, y = lesson
    h = History(2, display_cap=100)
    for i, rec in enumerate(full_run(X, y, num_epochs=3)):
        h.append(rec)
        idx = h.display_index()
        assert idx.size <= 101 and idx[-1] == i
    assert h.stride == 4


def test_truncate_checks_its_argument():
    h = History(1)
    with pytest.raises(ValueError):
        h.truncate(1)


# ---- the start: the lesson's N(0, 0.01^2), zeros, or one value --------------------------------

@pytest.mark.parametrize("init, w0", [("zeros", 0.0), ("value", -1.5)])
def test_a_run_starts_where_init_says_and_sees_the_same_batches(lesson, init, w0):
    X, y = lesson
    ref = Run(settings(), data=(X, y))
    run = Run(settings(init=init, w0=w0), data=(X, y))
    assert np.array_equal(run.w0, np.full(2, w0)) and run.b0 == 0.0
    assert not np.array_equal(ref.w0, run.w0)
    ref.advance(300), run.advance(300)
    assert run.status == ref.status == DONE
    assert all(np.array_equal(a, b) for a, b in zip(ref.history.column("step"), run.history.column("step")))
    assert np.array_equal(run.record(5).batch, ref.record(5).batch)          # same batches
    # the first update starts from w0: its gradient is the batch mean of (b0 + x.w0 - y) x
    first = run.record(1)
    err = X[first.batch] @ run.w0 - y[first.batch]
    assert np.allclose(first.grad_w, err @ X[first.batch] / len(first.batch), rtol=0, atol=1e-12)
    # and zeros still learn (the book's exercise): the same minimum as the random start
    assert abs(run.last.epoch_loss - ref.last.epoch_loss) < 1e-6


def test_start_params_checks_its_arguments():
    from core.trainer import start_params
    with pytest.raises(ValueError, match="init must be one of"):
        start_params(0, 2, "ones")
    with pytest.raises(ValueError, match="finite"):
        start_params(0, 2, "value", float("nan"))
    w, b = start_params(3, 2, "normal")
    assert np.array_equal(w, Run(settings(seed=3)).w0) and b == 0.0


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_params_before_a_step_are_what_the_step_before_left(optimizer):
    from core.inside import replay_step
    run = Run(settings(speed=0, optimizer=optimizer, lr=0.01))
    run.advance(120)
    first = run.params_before(1)
    assert np.array_equal(first.w, run.w0) and first.b == run.b0
    assert all(not np.any(x) for x in first.state)                # the book's zeros (Adam's t = 0)
    for k in (1, 2, 57, 101, 120):
        ref = replay_step(run.X, run.y, k, lr=0.01, batch_size=10, seed=run.settings["seed"],
                          optimizer=optimizer, hyperparams=run.hyperparams)
        before = run.params_before(k)
        assert np.array_equal(before.w, ref.w) and before.b == ref.b
        for a, b in zip(before.state, ref.state):
            assert np.array_equal(a, b)
    before = run.params_before(57)
    before.w[0] = 99.0                                             # a copy: the history is untouched
    assert run.history.column("w")[55][0] != 99.0
