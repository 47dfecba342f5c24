"""core.landscape: curvature against numpy.linalg, the vectorised sweep against core.train runs,
conditioning against its theory, standardising and mapping back, the regions of the lr."""

import math
import warnings

import numpy as np
import pytest

import core
from core import landscape as ls

# a vectorised lane against core.train's run of the same steps: the same arithmetic in another
# order (BLAS picks its kernels by CPU), and near the stability edge every step amplifies the
# rounding: up to 2e-12 relative measured after 300 steps at lr = 1.7 (2 / lambda_max = 1.89)
SAME_RUN = 1e-9


def random_data(n, d, seed, scale=1.0, shift=0.0):
    rng = np.random.default_rng(seed)
    X = shift + scale * rng.normal(size=(n, d)) @ rng.normal(size=(d, d))
    return X, X @ rng.normal(size=d) + rng.normal() + 0.1 * rng.normal(size=n)


def train_to(X, y, lr, steps, batch_size, seed=0, **kw):
    """The reference: core.train, stopped after `steps` updates. Returns its records."""
    num_epochs = -(-steps // core.steps_per_epoch(len(X), batch_size))
    recs = []
    for rec in core.train(X, y, lr=lr, batch_size=batch_size, num_epochs=num_epochs, seed=seed, **kw):
        recs.append(rec)
        if rec.step == steps:
            break
    return recs


def reference_final(X, y, lr, steps, batch_size, seed=0):
    """(final full-data loss, inf if diverged; the step train() flagged as diverged, 0 if none)."""
    last = train_to(X, y, lr, steps, batch_size, seed)[-1]
    if last.diverged:
        return math.inf, last.step
    return core.full_loss(X, y, last.w, last.b), 0


def no_warnings(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args, **kw)


# ---- curvature against numpy.linalg ---------------------------------------------------------

@pytest.mark.parametrize("d, seed", [(1, 0), (2, 1), (2, 2), (5, 3)])
def test_curvature_with_b_matches_numpy_linalg(d, seed):
    X, _ = random_data(200, d, seed, scale=2.0, shift=0.7)
    A = np.column_stack([X, np.ones(len(X))])
    H = A.T @ A / len(X)
    ref = np.linalg.eigvalsh(H)
    c = ls.curvature(X)
    np.testing.assert_allclose(c.hessian, H, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(c.eigvals, ref, rtol=1e-10)
    assert c.lambda_max == pytest.approx(ref.max(), rel=1e-12)
    assert c.lambda_min == pytest.approx(ref.min(), rel=1e-10)
    assert c.cond == pytest.approx(np.linalg.cond(H), rel=1e-8)
    assert c.lr_stable == pytest.approx(2 / ref.max(), rel=1e-12)
    assert c.lr_stable == pytest.approx(core.max_stable_lr(X), rel=1e-12)   # the app's bound
    np.testing.assert_allclose(H @ c.eigvecs, c.eigvecs * c.eigvals, atol=1e-10)  # H v = lambda v
    np.testing.assert_allclose(c.eigvecs.T @ c.eigvecs, np.eye(d + 1), atol=1e-12)


def test_hessian_with_b_is_the_curvature_of_the_loss():
    # the quadratic's gradient changes by exactly H h along h: finite differences are exact
    X, y = random_data(50, 3, seed=4, shift=1.5)
    H = ls.hessian(X)
    theta, h = np.array([0.3, -1.0, 2.0, 0.5]), 1e-3
    def grad(t):
        _, gw, gb = core.gradients(X, y, t[:-1], t[-1])
        return np.append(gw, gb)
    fd = np.column_stack([(grad(theta + h * e) - grad(theta)) / h for e in np.eye(4)])
    np.testing.assert_allclose(fd, H, rtol=1e-8, atol=1e-10)


def test_hessian_without_b_is_the_landscape_with_b_at_its_optimum():
    # L(w, b*(w)) has Hessian H_ww - h_wb h_wb^T / h_bb (the Schur complement of the bias entry)
    X, y = random_data(300, 2, seed=5, shift=2.0)
    H = ls.hessian(X)
    schur = H[:2, :2] - np.outer(H[:2, 2], H[:2, 2]) / H[2, 2]
    np.testing.assert_allclose(ls.hessian(X, with_b=False), schur, rtol=1e-10, atol=1e-12)
    c = ls.curvature(X, with_b=False)
    np.testing.assert_allclose(c.eigvals, np.linalg.eigvalsh(schur), rtol=1e-10)
    # and it is the curvature of the drawn surface: second differences of the grid
    w_star, b_star = core.lstsq_optimum(X, y)
    def profile(w):
        return core.full_loss(X, y, w, float(np.mean(y - X @ w)))
    h, e1, e2 = 0.01, np.array([1.0, 0]), np.array([0, 1.0])
    d12 = (profile(w_star + h * (e1 + e2)) - profile(w_star + h * (e1 - e2))
           - profile(w_star - h * (e1 - e2)) + profile(w_star - h * (e1 + e2))) / (4 * h * h)
    assert d12 == pytest.approx(schur[0, 1], rel=1e-6)
    # with centred features the two agree but for the bias block
    Xc = X - X.mean(axis=0)
    np.testing.assert_allclose(ls.hessian(Xc)[:2, :2], ls.hessian(X, with_b=False), rtol=1e-10, atol=1e-12)


def test_cond_is_inf_for_a_flat_direction():
    X = np.column_stack([np.arange(10.0), 2 * np.arange(10.0)])   # x2 = 2 x1: rank-deficient
    c = ls.curvature(X, with_b=False)
    assert c.cond == math.inf or c.cond > 1e15


# ---- conditioning ---------------------------------------------------------------------------

def test_conditioned_data_at_k_1_rho_0_is_the_lessons_data():
    X, y = ls.conditioned_data(500, (2.0, -3.4), 4.2, 0.01, k=1.0, rho=0.0, seed=3)
    X0, y0 = core.synthetic_data((2.0, -3.4), 4.2, 500, 0.01, seed=3)
    assert np.array_equal(X, X0) and np.array_equal(y, y0)


def test_scaling_x2_by_k_scales_the_hessian_row_and_column_and_the_true_weight():
    X1, y1 = ls.conditioned_data(2000, seed=1)
    Xk, yk = ls.conditioned_data(2000, k=10.0, seed=1)
    assert np.array_equal(y1, yk)                                 # same data, x2 in other units
    D = np.diag([1.0, 10.0, 1.0])
    np.testing.assert_allclose(ls.hessian(Xk), D @ ls.hessian(X1) @ D, rtol=1e-12, atol=1e-14)
    w_star, b_star = core.lstsq_optimum(Xk, yk)
    np.testing.assert_allclose(w_star, [2.0, -3.4 / 10], atol=1e-3)


def population_cond(k, rho):
    """cond of E[H] = [[1, k rho, 0], [k rho, k^2, 0], [0, 0, 1]]."""
    return np.linalg.cond(np.array([[1.0, k * rho, 0], [k * rho, k * k, 0], [0, 0, 1]]))


@pytest.mark.parametrize("k, rho", [(1, 0), (3, 0), (10, 0), (0.2, 0), (1, 0.5), (1, 0.9), (1, 0.99),
                                    (5, 0.8)])
def test_conditioning_controls_give_the_theorys_condition_number(k, rho):
    X, _ = ls.conditioned_data(200_000, k=k, rho=rho, seed=0)
    assert ls.curvature(X).cond == pytest.approx(population_cond(k, rho), rel=0.05)


def test_condition_number_grows_with_k_squared_and_with_rho():
    conds_k = [ls.curvature(ls.conditioned_data(20_000, k=k, seed=2)[0]).cond for k in (1, 2, 4, 8)]
    assert all(b > a for a, b in zip(conds_k, conds_k[1:]))
    assert conds_k[3] / conds_k[2] == pytest.approx(4, rel=0.1)        # k^2 once k > 1
    conds_r = [ls.curvature(ls.conditioned_data(20_000, rho=r, seed=2)[0]).cond for r in (0, 0.5, 0.9, 0.99)]
    assert all(b > a for a, b in zip(conds_r, conds_r[1:]))
    # the stable lr shrinks with the curvature: 2 / k^2 for a large k
    X10, _ = ls.conditioned_data(20_000, k=10, seed=2)
    assert ls.curvature(X10).lr_stable == pytest.approx(0.02, rel=0.05)


@pytest.mark.parametrize("k, rho", [(10.0, 0.0), (0.1, 0.7), (30.0, -0.95)])
def test_standardising_leaves_only_the_correlation(k, rho):
    X, _ = ls.conditioned_data(3000, k=k, rho=rho, seed=4)
    s = ls.standardise(X)
    np.testing.assert_allclose(s.X.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(s.X.std(axis=0), 1, rtol=1e-12)
    r = np.corrcoef(X.T)[0, 1]
    c = ls.curvature(s.X)         # [[1, r, 0], [r, 1, 0], [0, 0, 1]]: eigenvalues 1 - |r|, 1, 1 + |r|
    np.testing.assert_allclose(c.eigvals, [1 - abs(r), 1, 1 + abs(r)], rtol=1e-10)
    assert c.cond == pytest.approx((1 + abs(r)) / (1 - abs(r)), rel=1e-10)
    assert c.cond < ls.curvature(X).cond


def test_standardised_fit_mapped_back_is_the_least_squares_optimum():
    X, y = ls.conditioned_data(1000, k=20.0, rho=0.6, noise=0.1, seed=5)
    X = X + np.array([3.0, -50.0])                                # off-centre too
    w_star, b_star = core.lstsq_optimum(X, y)
    s = ls.standardise(X)
    w_s, b_s = core.lstsq_optimum(s.X, y)
    w, b = ls.to_original_units(w_s, b_s, s.mean, s.std)
    np.testing.assert_allclose(w, w_star, rtol=1e-10)
    assert b == pytest.approx(b_star, rel=1e-10)
    # and SGD on the standardised data, at its own stable lr, lands there too
    lr = 0.9 * ls.curvature(s.X).lr_stable
    last = train_to(s.X, y, lr, 400, batch_size=len(y))[-1]
    w, b = ls.to_original_units(last.w, last.b, s.mean, s.std)
    np.testing.assert_allclose(w, w_star, rtol=1e-8)
    assert b == pytest.approx(b_star, rel=1e-8)
    # the same model: the same predictions
    np.testing.assert_allclose(X @ w + b, s.X @ last.w + last.b, rtol=1e-12, atol=1e-12)


def test_standardise_rejects_a_constant_feature():
    X = np.column_stack([np.arange(5.0), np.full(5, 3.0)])
    with pytest.raises(ValueError, match="constant feature"):
        ls.standardise(X)


@pytest.mark.parametrize("kw, match", [(dict(rho=1.0), "rho"), (dict(rho=-1.2), "rho"), (dict(k=0.0), "k"),
                                       (dict(k=math.inf), "k"), (dict(w=(1.0, 2.0, 3.0)), "w"),
                                       (dict(n=1), "n"), (dict(noise=-1.0), "noise")])
def test_conditioned_data_rejects_bad_arguments(kw, match):
    with pytest.raises(ValueError, match=match):
        ls.conditioned_data(**kw)


# ---- the landscape and the paths ------------------------------------------------------------

def test_loss_grid_is_the_loss_with_b_at_its_optimum(lesson):
    X, y = lesson
    g = ls.loss_grid(X, y, (-1.0, 5.0), (-6.0, 0.0), n=7)
    assert g.loss.shape == (7, 7) and g.w1.shape == (7,) and g.w2.shape == (7,)
    for i in (0, 3, 6):
        for j in (0, 2, 6):
            w = np.array([g.w1[j], g.w2[i]])
            b = float(np.mean(y - X @ w))                          # b*(w)
            assert g.loss[i, j] == pytest.approx(core.full_loss(X, y, w, b), rel=1e-10)
            assert g.loss[i, j] <= core.full_loss(X, y, w, b + 0.1)  # and it is the min over b
    w_star, b_star = core.lstsq_optimum(X, y)
    np.testing.assert_allclose(g.w_star, w_star)
    assert g.min_loss == pytest.approx(core.full_loss(X, y, w_star, b_star), rel=1e-12)
    assert g.loss.min() >= g.min_loss


def test_paths_are_core_train_runs_from_one_start(lesson):
    X, y = lesson
    mini, full, single = ls.paths(X, y, lr=0.03, steps=50, seed=2)
    assert (mini.batch_size, full.batch_size, single.batch_size) == (10, 1000, 1)
    w0, b0 = core.trainer.initial_params(2, 2)
    for p in (mini, full, single):
        assert p.w.shape == (51, 2) and p.b.shape == (51,) and p.loss.shape == (51,) and not p.diverged
        np.testing.assert_array_equal(p.w[0], w0)
        assert p.b[0] == b0
        recs = train_to(X, y, 0.03, 50, p.batch_size, seed=2)
        np.testing.assert_array_equal(p.w[1:], [r.w for r in recs])
        np.testing.assert_allclose(p.loss, [core.full_loss(X, y, w, b) for w, b in zip(p.w, p.b)],
                                   rtol=1e-12)
    assert np.all(np.diff(full.loss) < 0)               # gradient descent below 1 / lambda_max


def test_a_diverging_path_stops_where_train_stops(lesson):
    X, y = lesson
    (p,) = no_warnings(ls.paths, X, y, lr=5.0, steps=300, batch_sizes=(None,))
    last = train_to(X, y, 5.0, 300, len(X))[-1]
    assert p.diverged and last.diverged and len(p.w) == last.step + 1


# ---- the learning-rate sweep against core.train ---------------------------------------------

@pytest.mark.parametrize("n, batch_size, steps", [(1000, 10, 300), (1000, 7, 300), (200, 1, 250),
                                                  (200, 200, 120), (53, 20, 40)])
def test_sweep_rows_are_core_train_runs(batch_size, n, steps):
    X, y = core.synthetic_data(num_examples=n, seed=n)
    lrs = ls.lr_grid(1e-4, 10, 40)
    sweep = no_warnings(ls.lr_sweep, X, y, lrs, steps=steps, batch_size=batch_size, seed=3)
    assert sweep.final_loss.shape == sweep.steps_to_10x_floor.shape == sweep.diverged.shape == (40,)
    assert sweep.diverged[-1] and not sweep.diverged[0]             # both kinds on the grid
    for i in (0, 17, 25, 30, 33, 34, 35, 39):
        loss, diverged_at = reference_final(X, y, lrs[i], steps, batch_size, seed=3)
        assert sweep.diverged_at[i] == diverged_at and sweep.diverged[i] == (diverged_at > 0), lrs[i]
        if diverged_at:
            assert sweep.final_loss[i] == math.inf
        else:
            assert sweep.final_loss[i] == pytest.approx(loss, rel=SAME_RUN, abs=0), lrs[i]


def test_sweep_starts_where_train_starts_when_given_a_start(lesson):
    X, y = lesson
    sweep = ls.lr_sweep(X, y, [0.01, 0.5], steps=30, w0=[-2.0, 1.0], b0=3.0)
    for lr, got in zip([0.01, 0.5], sweep.final_loss):
        last = train_to(X, y, lr, 30, 10, w0=[-2.0, 1.0], b0=3.0)[-1]
        assert got == pytest.approx(core.full_loss(X, y, last.w, last.b), rel=1e-12)


def test_sweep_marks_divergence_clearly_and_quietly(lesson):
    X, y = lesson
    lrs = [3.0, 10.0, 1000.0]                    # all past the bound, one at train()'s LR_MAX
    sweep = no_warnings(ls.lr_sweep, X, y, lrs, steps=300)
    assert np.all(sweep.diverged) and np.all(sweep.final_loss == np.inf)
    assert np.all(sweep.steps_to_10x_floor == ls.NEVER)
    assert np.all(sweep.diverged_at > 0) and sweep.diverged_at[2] < sweep.diverged_at[0]
    for lr, at in zip(lrs, sweep.diverged_at):
        assert train_to(X, y, lr, 300, 10)[-1].step == at


def test_steps_to_10x_floor_is_the_first_step_there(lesson):
    X, y = lesson
    floor = core.loss_floor(0.01)
    lrs = np.array([1e-3, 0.02, 0.03, 0.1, 0.3, 1.0])
    sweep = ls.lr_sweep(X, y, lrs, steps=300, floor=floor)
    assert sweep.floor == floor
    for lr, got in zip(lrs, sweep.steps_to_10x_floor):
        losses = [core.full_loss(X, y, r.w, r.b) for r in train_to(X, y, lr, 300, 10)]
        below = [k + 1 for k, loss in enumerate(losses) if loss <= 10 * floor]
        assert got == (below[0] if below else ls.NEVER), lr
    s = sweep.steps_to_10x_floor
    assert s[0] == ls.NEVER and np.all(s[1:] > 0)          # 1e-3 creeps: 300 steps are not enough
    assert list(s[1:-1]) == sorted(s[1:-1], reverse=True)  # faster with lr up to ~1 / lambda_max
    start = core.full_loss(X, y, *core.trainer.initial_params(0, 2))
    assert s[2] == pytest.approx(np.log(start / (10 * floor)) / (2 * 0.03), rel=0.3)  # ln(L0/L) / 2 lr lambda


def test_steps_to_10x_floor_is_0_when_the_start_is_there_and_the_floor_defaults_to_the_minimum(lesson):
    X, y = lesson
    w_star, b_star = core.lstsq_optimum(X, y)
    sweep = ls.lr_sweep(X, y, [0.01], steps=5, w0=w_star, b0=b_star)
    assert sweep.steps_to_10x_floor[0] == 0
    assert sweep.floor == pytest.approx(core.full_loss(X, y, w_star, b_star), rel=1e-12)


def test_sweep_is_pure_and_read_only(lesson):
    X, y = lesson
    a, b = ls.lr_sweep(X, y, ls.lr_grid(num=8), steps=50), ls.lr_sweep(X, y, ls.lr_grid(num=8), steps=50)
    for x, z in zip(a, b):
        assert np.array_equal(x, z)
    with pytest.raises(ValueError, match="read-only"):
        a.final_loss[0] = 0.0
    lrs = ls.lr_grid(num=3)
    ls.lr_sweep(X, y, lrs, steps=5)
    lrs[0] = 0.5                                   # the caller's array is not frozen with it


@pytest.mark.parametrize("scale, lr", [(1e12, 1e3), (1e12, 1e-4), (1e-12, 1e3), (1.0, 1e3)])
def test_sweep_on_extreme_but_valid_data_never_warns_and_agrees_with_train(scale, lr):
    rng = np.random.default_rng(0)
    X = np.clip(scale * rng.normal(size=(50, 3)), -1e12, 1e12)
    y = np.clip(scale * rng.normal(size=50), -1e12, 1e12)
    sweep = no_warnings(ls.lr_sweep, X, y, [lr, 1e-2], steps=40, batch_size=7)
    for i, lr_i in enumerate([lr, 1e-2]):
        loss, diverged_at = reference_final(X, y, lr_i, 40, 7)
        assert sweep.diverged_at[i] == diverged_at
        assert sweep.final_loss[i] == (math.inf if diverged_at else pytest.approx(loss, rel=SAME_RUN))


def test_sweep_with_more_features_off_centre():
    X, y = random_data(300, 4, seed=11, shift=1.0)
    lrs = ls.lr_grid(1e-3, 1.0, 9)
    sweep = ls.lr_sweep(X, y, lrs, steps=100, batch_size=16, seed=4)
    for i, lr in enumerate(lrs):
        loss, diverged_at = reference_final(X, y, lr, 100, 16, seed=4)
        assert sweep.diverged_at[i] == diverged_at
        assert sweep.final_loss[i] == (math.inf if diverged_at else pytest.approx(loss, rel=SAME_RUN)), lr


@pytest.mark.parametrize("kw, match", [(dict(lrs=[]), "lrs"), (dict(lrs=[0.1, -1.0]), "lrs"),
                                       (dict(lrs=[np.nan]), "lrs"), (dict(lrs=[2e3]), "lrs"),
                                       (dict(steps=0), "steps"), (dict(batch_size=0), "batch_size"),
                                       (dict(w0=[1.0]), "w0"), (dict(b0=math.nan), "b0")])
def test_sweep_rejects_bad_arguments(lesson, kw, match):
    X, y = lesson
    with pytest.raises(ValueError, match=match):
        ls.lr_sweep(X, y, **(dict(lrs=[0.1]) | kw))


# ---- the lr x batch-size map ----------------------------------------------------------------

def test_lr_batch_map_cells_are_core_train_runs():
    X, y = core.synthetic_data(num_examples=120, seed=7)
    lrs, batch_sizes = ls.lr_grid(1e-3, 10, 6), ls.batch_grid(120, 5)
    m = no_warnings(ls.lr_batch_map, X, y, lrs, batch_sizes, num_epochs=2, seed=1)
    assert m.final_loss.shape == m.diverged.shape == (batch_sizes.size, 6)
    np.testing.assert_array_equal(m.batch_sizes, [1, 3, 11, 36, 120])
    assert m.lr_stable == pytest.approx(core.max_stable_lr(X), rel=1e-12)
    for i, bs in enumerate(m.batch_sizes):
        for j, lr in enumerate(lrs):
            steps = 2 * core.steps_per_epoch(120, int(bs))
            loss, diverged_at = reference_final(X, y, lr, steps, int(bs), seed=1)
            assert m.diverged[i, j] == (diverged_at > 0), (bs, lr)
            if diverged_at:
                assert m.final_loss[i, j] == math.inf
            else:
                assert m.final_loss[i, j] == pytest.approx(loss, rel=SAME_RUN, abs=0), (bs, lr)
    assert m.diverged[0, -1] and not m.diverged[:, 0].any()
    # full batch (2 steps only): past the stable bound the loss grows, below it shrinks
    start = core.full_loss(X, y, *core.trainer.initial_params(1, 2))
    np.testing.assert_array_equal(m.final_loss[-1] > start, lrs > m.lr_stable)


# ---- regions of the learning rate -----------------------------------------------------------

def test_region_bounds_are_the_parabolas_thresholds_over_lambda():
    X, _ = random_data(400, 2, seed=8, scale=1.5)
    c = ls.curvature(X)
    b = ls.region_bounds(c, steps=300)
    assert b.one_step == pytest.approx(1 / c.eigvals.max(), rel=1e-12)
    assert b.stable == pytest.approx(c.lr_stable, rel=1e-12)
    if b.fast < b.one_step:                         # at the edge the flattest axis shrinks 10x
        assert (1 - b.fast * c.lambda_min) ** 300 == pytest.approx(0.1, rel=1e-9)
    eps = 1e-6
    assert ls.lr_region(b.fast * (1 - eps), b) == "creeping"
    assert ls.lr_region(b.fast * (1 + eps), b) == "fast"
    assert ls.lr_region(b.one_step, b) == "fast"
    assert ls.lr_region(b.one_step * (1 + eps), b) == "oscillating"
    assert ls.lr_region(b.stable * (1 - eps), b) == "oscillating"
    assert ls.lr_region(b.stable, b) == "diverging"       # the parabola's bouncing: never settles
    assert ls.lr_region(10 * b.stable, b) == "diverging"
    assert set(ls.REGIONS) == {"creeping", "fast", "oscillating", "diverging"}


def test_regions_say_what_full_batch_descent_does():
    X, y = ls.conditioned_data(500, k=3.0, rho=0.5, seed=9)
    c, steps = ls.curvature(X), 200
    b = ls.region_bounds(c, steps)
    lrs = ls.lr_grid(1e-4, 1.0, 60)
    sweep = ls.lr_sweep(X, y, lrs, steps=steps, batch_size=len(X))
    regions = [ls.lr_region(lr, b) for lr in lrs]
    assert set(regions) == set(ls.REGIONS)
    for region, diverged in zip(regions, sweep.diverged):
        assert diverged == (region == "diverging")
    # oscillating: the steepest axis flips sign every step (the zig-zag); fast: it never does
    v = c.eigvecs[:, -1]
    theta_star = np.append(*core.lstsq_optimum(X, y))
    for lr, region in zip(lrs, regions):
        if region in ("fast", "oscillating"):
            recs = train_to(X, y, lr, 6, len(X))
            proj = [(np.append(r.w, r.b) - theta_star) @ v for r in recs]
            flips = [p * q < 0 for p, q in zip(proj, proj[1:])]
            assert all(flips) if region == "oscillating" else not any(flips), (lr, region)


def test_fast_region_vanishes_in_a_narrow_enough_valley():
    X, _ = ls.conditioned_data(2000, k=100.0, seed=1)          # cond ~ 1e4
    b = ls.region_bounds(ls.curvature(X), steps=300)
    assert b.fast == b.one_step                                 # even the best monotone lr creeps


def test_an_lr_batch_map_with_diverging_lanes_warns_nothing():
    # a stretched, correlated, standardised valley: small batches at large lrs reach inf/nan
    X, y = ls.conditioned_data(1000, [2, -3.4], 4.2, 0.01, 0.1, 0.95, 0)
    Xs = ls.standardise(X).X
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = ls.lr_batch_map(Xs, y, ls.lr_grid(num=12), ls.batch_grid(1000), seed=0)
    assert m.diverged.any() and np.isinf(m.final_loss[m.diverged]).all()


# ---- every optimizer of d2l-zh chapter 11, still one vectorised run -------------------------

OPTIMIZER_NAMES = ("sgd", "momentum", "adagrad", "rmsprop", "adadelta", "adam")


@pytest.mark.parametrize("optimizer, hyperparams", [(name, None) for name in OPTIMIZER_NAMES]
                         + [("momentum", {"momentum": 0.9}), ("adam", {"beta1": 0.5, "eps": 1e-3}),
                            ("rmsprop", {"gamma": 0.5}), ("adadelta", {"rho": 0.5})])
def test_every_optimizers_lanes_are_core_train_runs(optimizer, hyperparams):
    """Each lane's final (w, b), divergence step and first step at 10x the floor are those of a
    separate core.train run with that optimizer (1e-9)."""
    X, y = core.synthetic_data(num_examples=200, seed=9)
    lrs, steps, batch_size = ls.lr_grid(1e-3, 10, 12), 90, 10
    sweep = no_warnings(ls.lr_sweep, X, y, lrs, steps=steps, batch_size=batch_size, seed=2,
                        optimizer=optimizer, hyperparams=hyperparams)
    assert sweep.optimizer == optimizer
    full = core.optimizers.hyperparams_for(optimizer, hyperparams)
    assert sweep.hyperparams == {k: v for k, v in full.items() if k != "lr"}
    lanes = ls._sgd_lanes(X, y, lrs, batch_size, steps, 2, None, None, None, optimizer, sweep.hyperparams)
    for i, lr in enumerate(lrs):
        recs = train_to(X, y, lr, steps, batch_size, seed=2, optimizer=optimizer, hyperparams=hyperparams)
        last = recs[-1]
        assert sweep.diverged_at[i] == (last.step if last.diverged else 0), lr
        if last.diverged:
            assert sweep.final_loss[i] == math.inf
            continue
        np.testing.assert_allclose(lanes.theta[i], np.append(last.w, last.b), rtol=SAME_RUN, atol=1e-12)
        assert sweep.final_loss[i] == pytest.approx(core.full_loss(X, y, last.w, last.b), rel=SAME_RUN, abs=0)
        reach = [r.step for r in recs if core.full_loss(X, y, r.w, r.b) <= 10 * sweep.floor]
        assert sweep.steps_to_10x_floor[i] == (reach[0] if reach else ls.NEVER), lr


def test_optimizers_change_the_sweep(lesson):
    X, y = lesson
    lrs = ls.lr_grid(1e-3, 10, 10)
    finals = {name: ls.lr_sweep(X, y, lrs, steps=60, optimizer=name).final_loss for name in OPTIMIZER_NAMES}
    assert len({f.tobytes() for f in finals.values()}) == len(OPTIMIZER_NAMES)
    # sgd without a name is the sweep as it was
    assert np.array_equal(finals["sgd"], ls.lr_sweep(X, y, lrs, steps=60).final_loss)
    # Adam's step is at most about lr per parameter: it never blows up on these lrs, sgd does
    assert finals["sgd"][-1] == math.inf and np.all(np.isfinite(finals["adam"]))


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_lr_batch_map_with_an_optimizer(optimizer):
    X, y = core.synthetic_data(num_examples=60, seed=7)
    lrs, batch_sizes = ls.lr_grid(1e-3, 10, 4), [1, 13, 60]
    m = no_warnings(ls.lr_batch_map, X, y, lrs, batch_sizes, num_epochs=2, seed=1, optimizer=optimizer)
    for i, bs in enumerate(batch_sizes):
        for j, lr in enumerate(lrs):
            last = train_to(X, y, lr, 2 * core.steps_per_epoch(60, bs), bs, seed=1, optimizer=optimizer)[-1]
            if last.diverged:
                assert m.final_loss[i, j] == math.inf
            else:
                assert m.final_loss[i, j] == pytest.approx(core.full_loss(X, y, last.w, last.b), rel=SAME_RUN)


@pytest.mark.parametrize("optimizer", ["momentum", "adagrad", "rmsprop", "adadelta", "adam"])
@pytest.mark.parametrize("scale", [1e12, 1e-12])
def test_optimizer_sweep_on_extreme_data_never_warns(optimizer, scale):
    rng = np.random.default_rng(0)
    X = np.clip(scale * rng.normal(size=(50, 3)), -1e12, 1e12)
    y = np.clip(scale * rng.normal(size=50), -1e12, 1e12)
    sweep = no_warnings(ls.lr_sweep, X, y, [1e3, 1e-2], steps=40, batch_size=7, optimizer=optimizer)
    for i, lr in enumerate([1e3, 1e-2]):
        last = no_warnings(train_to, X, y, lr, 40, 7, optimizer=optimizer)[-1]
        assert sweep.diverged_at[i] == (last.step if last.diverged else 0)


@pytest.mark.parametrize("kw, error", [(dict(optimizer="nadam"), "optimizer"),
                                       (dict(optimizer="adam", hyperparams={"beta1": 1.0}), "beta1"),
                                       (dict(optimizer="adagrad", hyperparams={"eps": 0}), "eps"),
                                       (dict(optimizer="sgd", hyperparams={"momentum": 0.5}), "hyperparams"),
                                       (dict(optimizer="adam", hyperparams={"lr": 0.1}), "lr")])
def test_optimizer_sweep_rejects_bad_hyperparams(lesson, kw, error):
    X, y = lesson
    with pytest.raises(ValueError, match=error):
        ls.lr_sweep(X, y, [0.1], steps=5, **kw)
    with pytest.raises(ValueError, match=error):
        ls.lr_batch_map(X, y, [0.1], [10], **kw)
