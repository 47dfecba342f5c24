"""core: gradients, SGD and theory against reference answers; trainer properties; bad input."""

import math
import warnings

import numpy as np
import pytest

import core
from core.trainer import LR_MAX, PARAM_BOUND


def lesson_run(X, y, **kw):
    args = dict(lr=0.03, batch_size=10, num_epochs=3, seed=0)
    return list(core.train(X, y, **(args | kw)))


def random_problem(n, d, seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.normal(size=n), rng.normal(size=d), float(rng.normal())


def same_records(a, b):
    if len(a) != len(b):
        return False
    for ra, rb in zip(a, b):
        for x, y in zip(ra, rb):
            if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
                if not np.array_equal(x, y):
                    return False
            elif x != y:
                return False
    return True


# ---- layer 1: reference answers -------------------------------------------------------------

@pytest.mark.parametrize("d", [1, 2, 5])
def test_gradients_match_central_finite_differences(d):
    X, y, w, b = random_problem(30, d, seed=d)
    loss, grad_w, grad_b = core.gradients(X, y, w, b)
    assert loss == pytest.approx(core.full_loss(X, y, w, b), rel=1e-12)
    assert grad_w.shape == (d,)
    h = 1e-6
    fd_w = np.array([(core.full_loss(X, y, w + h * e, b) - core.full_loss(X, y, w - h * e, b)) / (2 * h)
                     for e in np.eye(d)])
    fd_b = (core.full_loss(X, y, w, b + h) - core.full_loss(X, y, w, b - h)) / (2 * h)
    np.testing.assert_allclose(grad_w, fd_w, rtol=1e-6, atol=1e-8)
    assert grad_b == pytest.approx(fd_b, rel=1e-6, abs=1e-8)


def test_gradients_on_a_hand_worked_example():
    # X = [[1], [2]], y = [1, 1], w = [1], b = 0: err = [0, 1]
    X, y = np.array([[1.0], [2.0]]), np.array([1.0, 1.0])
    loss, grad_w, grad_b = core.gradients(X, y, np.array([1.0]), 0.0)
    assert loss == 0.25                  # (0 + 1) / (2 * 2)
    np.testing.assert_array_equal(grad_w, [1.0])  # (0 * 1 + 1 * 2) / 2
    assert grad_b == 0.5                 # (0 + 1) / 2


def test_sgd_at_lesson_defaults_reaches_least_squares(lesson):
    X, y = lesson
    w_star, b_star = core.lstsq_optimum(X, y)
    last = lesson_run(X, y)[-1]
    assert len(w_star) == 2 and last.step == 300
    np.testing.assert_allclose(last.w, w_star, atol=2e-3)
    assert abs(last.b - b_star) < 2e-3
    floor = core.loss_floor(0.01)
    assert floor / 2 <= last.epoch_loss <= 2 * floor
    assert last.epoch_loss >= core.full_loss(X, y, w_star, b_star)   # lstsq is the minimum


def test_sgd_update_is_w_minus_lr_grad(lesson):
    X, y = lesson
    w0, b0 = np.array([0.5, -0.5]), 1.0
    first = next(core.train(X, y, lr=0.03, batch_size=10, num_epochs=1, w0=w0, b0=b0))
    loss, grad_w, grad_b = core.gradients(X[first.batch], y[first.batch], w0, b0)
    assert first.batch_loss == loss
    np.testing.assert_array_equal(first.grad_w, grad_w)
    assert first.grad_b == grad_b
    np.testing.assert_allclose(first.w, w0 - 0.03 * grad_w, rtol=0, atol=1e-15)
    assert first.b == pytest.approx(b0 - 0.03 * grad_b, abs=1e-15)


def test_max_stable_lr_is_about_2_for_standardised_features(lesson):
    X, _ = lesson
    lr_max = core.max_stable_lr(X)
    assert abs(lr_max - 2) <= 0.2
    A = np.column_stack([X, np.ones(len(X))])
    assert lr_max == pytest.approx(2 / np.linalg.eigvalsh(A.T @ A / len(X)).max(), rel=1e-12)


def test_max_stable_lr_scales_with_the_features():
    X = np.random.default_rng(1).normal(size=(500, 2))
    assert core.max_stable_lr(10 * X) < core.max_stable_lr(X) / 50   # curvature grows 100x


def test_full_batch_gd_converges_just_below_and_diverges_just_above_the_bound():
    X, y = core.synthetic_data(num_examples=200, seed=3)
    bound = core.max_stable_lr(X)
    w_star, b_star = core.lstsq_optimum(X, y)
    below = lesson_run(X, y, lr=0.98 * bound, batch_size=200, num_epochs=3000)
    assert not any(r.diverged for r in below) and len(below) == 3000
    np.testing.assert_allclose(below[-1].w, w_star, atol=1e-9)
    assert below[-1].b == pytest.approx(b_star, abs=1e-9)
    above = lesson_run(X, y, lr=1.02 * bound, batch_size=200, num_epochs=3000)
    assert above[-1].diverged and len(above) < 3000


def test_lstsq_optimum_matches_numpy():
    X, y, _, _ = random_problem(50, 3, seed=7)
    w_star, b_star = core.lstsq_optimum(X, y)
    ref = np.linalg.lstsq(np.column_stack([X, np.ones(50)]), y, rcond=None)[0]
    np.testing.assert_allclose(w_star, ref[:3], rtol=1e-12)
    assert b_star == pytest.approx(ref[3], rel=1e-12)
    # the gradient vanishes there
    _, grad_w, grad_b = core.gradients(X, y, w_star, b_star)
    assert np.abs(grad_w).max() < 1e-12 and abs(grad_b) < 1e-12


def test_loss_floor():
    assert core.loss_floor(0.01) == 5e-5
    assert core.loss_floor(0.0) == 0.0


def test_synthetic_data_follows_the_lesson():
    X, y = core.synthetic_data()
    assert X.shape == (1000, 2) and y.shape == (1000,)
    noise = y - X @ np.array(core.TRUE_W) - core.TRUE_B
    assert 0.009 < noise.std() < 0.011 and abs(noise.mean()) < 0.002
    X2, y2 = core.synthetic_data()
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    assert not np.array_equal(X, core.synthetic_data(seed=1)[0])


# ---- layer 2: properties --------------------------------------------------------------------

def test_same_arguments_give_identical_records(lesson):
    X, y = lesson
    a, b = lesson_run(X, y, seed=5), lesson_run(X, y, seed=5)
    assert same_records(a, b)


def test_different_seed_gives_different_records(lesson):
    X, y = lesson
    a, b = lesson_run(X, y, seed=5), lesson_run(X, y, seed=6)
    assert len(a) == len(b)
    assert not np.array_equal(a[0].batch, b[0].batch)
    assert not np.array_equal(a[0].w, b[0].w)
    assert not same_records(a, b)


@pytest.mark.parametrize("n, batch_size, num_epochs", [
    (1000, 10, 3),      # the lesson: 100 steps per epoch
    (10, 3, 2),         # partial last batch of 1
    (10, 10, 4),        # one full batch
    (7, 1, 2),          # pure SGD
    (10, 25, 3),        # batch_size > n: full batch
    (1, 5, 2),          # a single example
])
def test_step_count(n, batch_size, num_epochs):
    X, y = core.synthetic_data(num_examples=n, seed=n)
    recs = lesson_run(X, y, batch_size=batch_size, num_epochs=num_epochs)
    per_epoch = math.ceil(n / batch_size)
    assert core.steps_per_epoch(n, batch_size) == per_epoch
    assert len(recs) == num_epochs * per_epoch
    assert [r.step for r in recs] == list(range(1, len(recs) + 1))
    assert [r.epoch for r in recs] == [e for e in range(1, num_epochs + 1) for _ in range(per_epoch)]
    for r in recs:
        i = (r.step - 1) % per_epoch
        assert len(r.batch) == min(batch_size, n - i * batch_size)
        assert r.w.shape == (2,) and all(np.isfinite(r.w)) and math.isfinite(r.b)
        assert math.isfinite(r.batch_loss) and not r.diverged


def test_batch_size_above_n_is_full_batch_gradient_descent():
    X, y = core.synthetic_data(num_examples=10, seed=2)
    recs = lesson_run(X, y, lr=0.1, batch_size=25, num_epochs=3, w0=[0.0, 0.0], b0=0.0)
    w, b = np.zeros(2), 0.0
    for r in recs:
        assert sorted(r.batch) == list(range(10))
        loss, grad_w, grad_b = core.gradients(X, y, w, b)
        w, b = w - 0.1 * grad_w, b - 0.1 * grad_b
        assert r.batch_loss == pytest.approx(loss, rel=1e-12)
        np.testing.assert_allclose(r.w, w, rtol=1e-12)


def test_orders_are_honoured_and_epoch_loss_is_on_each_epochs_last_step():
    n, batch_size, num_epochs = 23, 5, 3
    X, y = core.synthetic_data(num_examples=n, seed=4)
    orders = np.stack([np.random.default_rng(e).permutation(n) for e in range(num_epochs)])
    recs = lesson_run(X, y, batch_size=batch_size, num_epochs=num_epochs, orders=orders)
    for e in range(1, num_epochs + 1):
        in_epoch = [r for r in recs if r.epoch == e]
        assert len(in_epoch) == 5
        np.testing.assert_array_equal(np.concatenate([r.batch for r in in_epoch]), orders[e - 1])
        for r in in_epoch[:-1]:
            assert r.epoch_loss is None
        last = in_epoch[-1]
        assert last.epoch_loss == core.full_loss(X, y, last.w, last.b)
    # the seed then only draws w0: a different seed with the same orders takes the same batches
    other = lesson_run(X, y, batch_size=batch_size, num_epochs=num_epochs, orders=orders, seed=9)
    assert all(np.array_equal(r.batch, s.batch) for r, s in zip(recs, other))


def test_epoch_orders_are_the_trainers_random_sequence():
    """core.trainer.epoch_orders is the one source of train's epoch orders: its permutations,
    cut into batches, are the records' batches, whatever the start (w0 given or drawn)."""
    from core.trainer import epoch_orders
    X, y, _w, _b = random_problem(23, 3, seed=4)
    for w0 in (None, [1.0, 2.0, 3.0]):
        records = list(core.train(X, y, lr=0.01, batch_size=5, num_epochs=4, seed=9, w0=w0))
        orders = epoch_orders(9, 23, 3)
        for epoch in range(1, 5):
            order = next(orders)
            assert sorted(order.tolist()) == list(range(23))
            batches = [r.batch for r in records if r.epoch == epoch]
            assert np.array_equal(np.concatenate(batches), order)
    assert not np.array_equal(next(epoch_orders(9, 23, 3)), next(epoch_orders(10, 23, 3)))


def test_records_own_read_only_copies(lesson):
    X, y = lesson
    steps = core.train(X, y, lr=0.03, batch_size=10, num_epochs=1)
    first = next(steps)
    w_first = first.w.copy()
    with pytest.raises(ValueError, match="read-only"):
        first.w[0] = 123.0
    rest = list(steps)
    assert len(rest) == 99
    np.testing.assert_array_equal(first.w, w_first)      # later updates did not touch it
    assert not np.array_equal(first.w, rest[-1].w)
    assert not np.shares_memory(first.w, rest[0].w)
    with pytest.raises(AttributeError):
        first.step = 7                                    # the record itself is immutable
    for arr in (first.batch, first.grad_w):
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 0


def test_records_do_not_share_the_callers_orders():
    X, y = core.synthetic_data(num_examples=6)
    orders = np.stack([np.arange(6), np.arange(6)[::-1]])
    recs = list(core.train(X, y, lr=0.03, batch_size=4, num_epochs=2, orders=orders))
    orders[:] = 0
    batches = np.concatenate([r.batch for r in recs])
    np.testing.assert_array_equal(batches, [0, 1, 2, 3, 4, 5, 5, 4, 3, 2, 1, 0])


def _no_warnings_run(X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return list(core.train(X, y, **kw))


@pytest.mark.parametrize("batch_size", [1000, 5000, 10])
def test_divergence_is_caught_on_the_last_record_without_warnings(lesson, batch_size):
    X, y = lesson
    lr = 3 * core.max_stable_lr(X)
    recs = _no_warnings_run(X, y, lr=lr, batch_size=batch_size, num_epochs=200, seed=0)
    flags = [r.diverged for r in recs]
    assert flags[-1] is True and not any(flags[:-1])
    assert len(recs) < 200 * core.steps_per_epoch(1000, batch_size)
    assert recs[-1].epoch_loss is None
    assert all(math.isfinite(r.batch_loss) for r in recs)


def test_lr_below_the_bound_converges_full_batch(lesson):
    X, y = lesson
    lr = 0.9 * core.max_stable_lr(X)
    recs = _no_warnings_run(X, y, lr=lr, batch_size=len(X), num_epochs=200, seed=0)
    assert len(recs) == 200 and not any(r.diverged for r in recs)
    w_star, b_star = core.lstsq_optimum(X, y)
    np.testing.assert_allclose(recs[-1].w, w_star, atol=1e-8)


@pytest.mark.parametrize("scale, lr", [(1e12, LR_MAX), (1e12, 1e-4), (1e-12, LR_MAX), (1.0, LR_MAX)])
def test_extreme_but_valid_input_never_warns(scale, lr):
    rng = np.random.default_rng(0)
    X = np.clip(scale * rng.normal(size=(50, 3)), -1e12, 1e12)
    y = np.clip(scale * rng.normal(size=50), -1e12, 1e12)
    recs = _no_warnings_run(X, y, lr=lr, batch_size=7, num_epochs=5, w0=[PARAM_BOUND, 0, 0], b0=0)
    assert recs and not any(r.diverged for r in recs[:-1])
    for r in recs:
        assert np.all(np.isfinite(r.w)) and math.isfinite(r.b)


# ---- bad input: ValueError naming the argument ----------------------------------------------

BAD_TRAIN_ARGS = [
    (dict(lr=0), "lr"), (dict(lr=-1), "lr"), (dict(lr=float("nan")), "lr"),
    (dict(lr=float("inf")), "lr"), (dict(lr="abc"), "lr"), (dict(lr=None), "lr"),
    (dict(batch_size=0), "batch_size"), (dict(batch_size=-4), "batch_size"),
    (dict(batch_size=2.5), "batch_size"), (dict(batch_size=True), "batch_size"),
    (dict(batch_size="10"), "batch_size"),
    (dict(num_epochs=0), "num_epochs"), (dict(num_epochs=1.0), "num_epochs"),
    (dict(backend="torch"), "backend must be one of numpy"),
    (dict(w0=[1.0, 2.0, 3.0]), "w0"), (dict(w0=[1.0]), "w0"), (dict(w0=[1.0, float("nan")]), "w0"),
    (dict(b0=float("inf")), "b0"),
]


@pytest.mark.parametrize("kw, match", BAD_TRAIN_ARGS, ids=[str(k) for k, _ in BAD_TRAIN_ARGS])
def test_bad_train_argument_raises_value_error_naming_it(kw, match):
    X, y = core.synthetic_data(num_examples=20)
    args = dict(lr=0.03, batch_size=10, num_epochs=3) | kw
    with pytest.raises(ValueError, match=match):
        core.train(X, y, **args)          # checked at the call, before any next()


def _bad_data():
    X, y = core.synthetic_data(num_examples=20)
    X_nan, y_inf = X.copy(), y.copy()
    X_nan[3, 1], y_inf[5] = np.nan, np.inf
    X_inf = X.copy()
    X_inf[0, 0] = -np.inf
    return [
        ("shape mismatch", X, y[:19], "X and y disagree"),
        ("empty X", np.empty((0, 2)), np.empty(0), "X is empty"),
        ("no features", np.empty((20, 0)), y, "X is empty"),
        ("NaN in X", X_nan, y, "NaN or inf"),
        ("inf in X", X_inf, y, "NaN or inf"),
        ("inf in y", X, y_inf, "NaN or inf"),
        ("3-d X", X[:, :, None], y, "X must be a 2-d array"),
        ("2-d y", X, np.stack([y, y], axis=1), "y must be a 1-d array"),
        ("huge X", X * 1e13, y, "rescale"),
    ]


@pytest.mark.parametrize("name, X, y, match", _bad_data(), ids=[c[0] for c in _bad_data()])
def test_bad_data_raises_value_error(name, X, y, match):
    with pytest.raises(ValueError, match=match):
        core.train(X, y, lr=0.03, batch_size=10, num_epochs=1)


def test_bad_orders_raise_value_error():
    X, y = core.synthetic_data(num_examples=6)
    good = np.stack([np.arange(6), np.arange(6)[::-1]])
    list(core.train(X, y, lr=0.03, batch_size=4, num_epochs=2, orders=good))   # accepted
    for orders, match in [
        (good[:1], r"orders must be an integer array of shape \(num_epochs, n\) = \(2, 6\)"),
        (good[:, :5], "orders must be an integer array"),
        (good.reshape(-1), "orders must be an integer array"),
        (good.astype(float), "orders must be an integer array"),
        (np.array([[0, 1, 2, 3, 4, 4], [0, 1, 2, 3, 4, 5]]), "permutation of range"),
        (np.array([[0, 1, 2, 3, 4, 6], [0, 1, 2, 3, 4, 5]]), "permutation of range"),
        (np.array([[-1, 1, 2, 3, 4, 5], [0, 1, 2, 3, 4, 5]]), "permutation of range"),
    ]:
        with pytest.raises(ValueError, match=match):
            core.train(X, y, lr=0.03, batch_size=4, num_epochs=2, orders=orders)


@pytest.mark.parametrize("kw, match", [
    (dict(noise_std=-1), "noise_std"), (dict(noise_std=float("nan")), "noise_std"),
    (dict(num_examples=0), "num_examples"), (dict(num_examples=2.5), "num_examples"),
    (dict(true_w=[]), "true_w"), (dict(true_w=[1.0, float("inf")]), "true_w"),
    (dict(true_b=float("nan")), "true_b"),
])
def test_bad_synthetic_data_argument_raises_value_error(kw, match):
    with pytest.raises(ValueError, match=match):
        core.synthetic_data(**kw)


@pytest.mark.parametrize("d,axes", [(1, (0, 1)), (3, (0, 1)), (3, (1, 3))])
def test_loss_grid_is_the_full_data_loss_over_two_parameters(d, axes):
    """core.theory.loss_grid: the quadratic on a grid is the loss itself, the other parameters
    held at the optimum (the live charts' path contours)."""
    from core.run import Theory
    from core.theory import loss_grid
    X, y, _w, _b = random_problem(60, d, seed=11)
    th = Theory(X, y, 0.0)
    opt = np.append(th.w_star, th.b_star)
    gx, gy = np.linspace(-2, 2, 7), np.linspace(-1, 3, 5)
    gz = loss_grid(th.min_loss, th.hessian, opt, axes, gx, gy)
    assert gz.shape == (5, 7)
    for m, v in enumerate(gy):
        for k, u in enumerate(gx):
            theta = opt.copy()
            theta[list(axes)] = u, v
            assert gz[m, k] == pytest.approx(core.full_loss(X, y, theta[:-1], theta[-1]), rel=1e-9)
