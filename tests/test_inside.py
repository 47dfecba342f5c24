"""core.inside: the graph of one example against core.model and finite differences; the batch
mean against a real core.train step; the minibatch noise against its closed form."""

import math

import numpy as np
import pytest

import core
from core import inside
from core.inside import (
    ORDER_BACKWARD,
    ORDER_FORWARD,
    batch_graph,
    fpc,
    gradient_noise,
    graph,
    per_example_gradients,
    replay_step,
    update_arrows,
    variance_curve,
)
from core.trainer import initial_params


def random_problem(n, d, seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.normal(size=n), rng.normal(size=d), float(rng.normal())


def forward(x, w, b, y, dXw=0.0, dy_hat=0.0, derr=0.0):
    """l of one example, with a nudge added to each intermediate node (for finite differences)."""
    Xw = float(x @ w) + dXw
    y_hat = Xw + b + dy_hat
    err = y_hat - y + derr
    return err * err / 2


def central(f, h=1e-6):
    return (f(h) - f(-h)) / (2 * h)


def finite_differences(x, w, b, y):
    """dl/d(node) for every node of one example's graph, by central differences."""
    eye = np.eye(len(w))
    return {
        "w": [central(lambda h, e=e: forward(x, w + h * e, b, y)) for e in eye],
        "x": [central(lambda h, e=e: forward(x + h * e, w, b, y)) for e in eye],
        "b": central(lambda h: forward(x, w, b + h, y)),
        "y": central(lambda h: forward(x, w, b, y + h)),
        "Xw": central(lambda h: forward(x, w, b, y, dXw=h)),
        "y_hat": central(lambda h: forward(x, w, b, y, dy_hat=h)),
        "err": central(lambda h: forward(x, w, b, y, derr=h)),
        "l": 1.0,
    }


# ---- the graph of one example ---------------------------------------------------------------

@pytest.mark.parametrize("d", [1, 2, 5])
def test_forward_values_are_linreg_and_squared_loss(d):
    X, y, w, b = random_problem(8, d, seed=d)
    y_hat = core.linreg(X, w, b)
    l = core.squared_loss(y_hat, y)
    for i in range(len(y)):
        g = graph(X[i], y[i], w, b)
        assert tuple(nd.name for nd in g.nodes) == ORDER_FORWARD == g.order_forward
        np.testing.assert_array_equal(g.node("x").value, X[i])
        np.testing.assert_array_equal(g.node("w").value, w)
        assert g.node("b").value == b and g.node("y").value == y[i]
        assert g.node("Xw").value == pytest.approx(X[i] @ w, rel=1e-14, abs=1e-14)
        assert g.node("y_hat").value == pytest.approx(y_hat[i], rel=1e-14, abs=1e-14)
        assert g.node("err").value == pytest.approx(y_hat[i] - y[i], rel=1e-14, abs=1e-14)
        assert g.node("l").value == pytest.approx(l[i], rel=1e-14, abs=1e-14)


@pytest.mark.parametrize("d", [1, 2, 5])
def test_backward_values_match_core_gradients_and_finite_differences(d):
    X, y, w, b = random_problem(6, d, seed=10 + d)
    for i in range(len(y)):
        x, yi = X[i], y[i]
        g = graph(x, yi, w, b)
        # core's gradient on a batch of this one example
        _, grad_w, grad_b = core.gradients(X[i:i + 1], y[i:i + 1], w, b)
        np.testing.assert_allclose(g.dl_dw, grad_w, rtol=1e-14, atol=1e-14)
        assert g.dl_db == pytest.approx(grad_b, rel=1e-14, abs=1e-14)
        # every node against central finite differences of l
        fd = finite_differences(x, w, b, yi)
        for name, want in fd.items():
            np.testing.assert_allclose(g.node(name).grad, want, rtol=1e-6, atol=1e-8, err_msg=name)
        # the lesson's formula: dl/dw = (y_hat - y) x
        np.testing.assert_allclose(g.dl_dw, (g.node("y_hat").value - yi) * x, rtol=1e-15)


def test_edges_carry_the_chain_rule_in_backward_order():
    X, y, w, b = random_problem(3, 2, seed=3)
    g = graph(X[0], y[0], w, b)
    assert g.order_backward == ORDER_BACKWARD and set(ORDER_BACKWARD) == set(ORDER_FORWARD)
    assert g.order_backward[0] == "l"
    for e in g.edges:
        np.testing.assert_array_equal(e.grad_out, e.grad_in * np.asarray(e.local))
        assert e.grad_in == g.node(e.dst).grad          # what arrives is dst's gradient
        np.testing.assert_array_equal(g.node(e.src).grad, e.grad_out)   # one path per node
        # backward: dst is reached before src, forward: src before dst
        assert g.order_backward.index(e.dst) < g.order_backward.index(e.src)
        assert g.order_forward.index(e.src) < g.order_forward.index(e.dst)
    assert {e.src for e in g.edges} == set(ORDER_FORWARD) - {"l"}
    assert [e.src for e in g.edges_into("Xw")] == ["w", "x"]
    assert g.node("Xw").expr and g.node("x").kind == "input" and g.node("w").kind == "param"
    with pytest.raises(ValueError, match="same length"):
        graph([1.0, 2.0], 0.0, [1.0], 0.0)


# ---- the batch mean is the trainer's step ---------------------------------------------------

def test_batch_mean_equals_a_real_trainer_step(lesson):
    X, y = lesson
    records = list(core.train(X, y, lr=0.03, batch_size=10, num_epochs=1, seed=0))
    for step in (1, 2, 37, 100):
        rs = replay_step(X, y, step, lr=0.03, batch_size=10, seed=0)
        rec = rs.record
        assert rec.step == step
        np.testing.assert_array_equal(rec.batch, records[step - 1].batch)
        w_before, b_before = (initial_params(0, 2) if step == 1 else
                              (records[step - 2].w, records[step - 2].b))
        np.testing.assert_array_equal(rs.w, w_before)
        assert rs.b == b_before
        bg = batch_graph(X, y, rs.w, rs.b, rec.batch)
        assert len(bg.per_example) == 10 and bg.dL_dl == 0.1
        np.testing.assert_allclose(bg.dL_dw, rec.grad_w, rtol=0, atol=1e-12)
        assert abs(bg.dL_db - rec.grad_b) <= 1e-12
        assert bg.L == pytest.approx(rec.batch_loss, rel=1e-12)
        G_w, g_b = per_example_gradients(X, y, rs.w, rs.b)
        np.testing.assert_allclose(G_w[rec.batch].mean(axis=0), rec.grad_w, rtol=0, atol=1e-12)
        assert abs(g_b[rec.batch].mean() - rec.grad_b) <= 1e-12
        noise = gradient_noise(X, y, rs.w, rs.b, rec.batch, draws=10)
        np.testing.assert_allclose(noise.batch_mean, np.append(rec.grad_w, rec.grad_b), atol=1e-12)
        # the arrow lands where the trainer did, exactly (same arithmetic)
        arrows = update_arrows(X, y, rs.w, rs.b, rec.batch, lr=0.03)
        np.testing.assert_array_equal(arrows.end_batch, np.append(rec.w, rec.b))
        np.testing.assert_array_equal(arrows.step_batch, -0.03 * np.append(rec.grad_w, rec.grad_b))


def test_per_example_gradients_rows_are_the_graphs(lesson):
    X, y = lesson
    w, b = np.array([0.3, -0.2]), 1.0
    G_w, g_b = per_example_gradients(X, y, w, b)
    assert G_w.shape == (1000, 2) and g_b.shape == (1000,)
    for i in (0, 5, 999):
        g = graph(X[i], y[i], w, b)
        np.testing.assert_allclose(G_w[i], g.dl_dw, rtol=1e-15)
        assert g_b[i] == pytest.approx(g.dl_db, rel=1e-15)
    _, grad_w, grad_b = core.gradients(X, y, w, b)
    np.testing.assert_allclose(G_w.mean(axis=0), grad_w, atol=1e-12)
    assert not G_w.flags.writeable


def test_update_arrows_full_step_is_gradient_descent(lesson):
    X, y = lesson
    w, b = np.array([0.0, 0.0]), 0.0
    rng = np.random.default_rng(1)
    a = update_arrows(X, y, w, b, rng.choice(1000, 10, replace=False), lr=0.03)
    _, grad_w, grad_b = core.gradients(X, y, w, b)
    np.testing.assert_allclose(a.step_full, -0.03 * np.append(grad_w, grad_b), rtol=1e-15)
    np.testing.assert_allclose(a.end_full, a.start + a.step_full, rtol=1e-15)
    assert 0 <= a.angle < math.pi / 2              # far from the optimum both point downhill
    assert a.loss_full < a.loss_start and a.loss_batch < a.loss_start
    assert a.loss_start == pytest.approx(core.full_loss(X, y, w, b), rel=1e-12)
    whole = update_arrows(X, y, w, b, np.arange(1000), lr=0.03)
    np.testing.assert_allclose(whole.step_batch, whole.step_full, rtol=1e-14)
    assert whole.length_ratio == pytest.approx(1.0, rel=1e-14)
    with pytest.raises(ValueError, match="lr"):
        update_arrows(X, y, w, b, [0], lr=0)


# ---- the noise of a minibatch ---------------------------------------------------------------

def test_measured_variance_matches_the_closed_form_with_fpc(lesson):
    X, y = lesson
    w, b = initial_params(0, 2)
    noise = gradient_noise(X, y, w, b, np.arange(10), draws=4000, seed=0)
    assert noise.fpc == (1000 - 10) / 999
    assert noise.var_batch == pytest.approx(noise.var_example / 10 * noise.fpc, rel=1e-12)
    assert abs(noise.measured_var - noise.var_batch) < 3 * noise.measured_stderr
    assert noise.measured_stderr < 0.05 * noise.var_batch      # the check has teeth
    assert noise.samples.shape == (4000, 3)
    np.testing.assert_allclose(noise.measured_cov, noise.cov_batch, atol=0.1 * noise.var_batch)
    # Sigma by hand: the per-example gradients' population covariance
    G = np.column_stack(per_example_gradients(X, y, w, b))
    np.testing.assert_allclose(noise.cov_example, np.cov(G.T, ddof=0), rtol=1e-10)
    np.testing.assert_allclose(noise.full_grad, G.mean(axis=0), rtol=1e-12)


def test_finite_population_correction_is_needed_on_a_small_set():
    # 15 of 20 without replacement: the correction is 5/19, the bare 1/B law is 4x too big
    X, y, w, b = random_problem(20, 2, seed=5)
    noise = gradient_noise(X, y, w, b, np.arange(15), draws=4000, seed=1)
    assert noise.fpc == pytest.approx(5 / 19)
    assert abs(noise.measured_var - noise.var_batch) < 3 * noise.measured_stderr
    assert abs(noise.measured_var - noise.var_example / 15) > 10 * noise.measured_stderr


def test_variance_falls_as_one_over_batch_size(lesson):
    X, y = lesson
    w, b = initial_params(0, 2)
    sizes = [1, 2, 5, 10, 50, 100, 500, 999, 1000]
    curve = variance_curve(X, y, w, b, sizes, draws=3000, seed=0)
    np.testing.assert_array_equal(curve.batch_sizes, sizes)
    n = 1000
    for B, th, iid, m, se in zip(sizes, curve.theory, curve.theory_iid, curve.measured, curve.stderr):
        assert iid == pytest.approx(curve.var_example / B, rel=1e-12)
        assert th == pytest.approx(iid * fpc(n, B), rel=1e-12, abs=1e-300)
        if B < n:
            assert abs(m - th) < 3 * se, B
        else:
            assert th == 0 and m < 1e-25
    # the law itself: log-log slope -1 for B << n
    small = slice(0, 5)
    slope = np.polyfit(np.log(sizes[small]), np.log(curve.measured[small]), 1)[0]
    assert slope == pytest.approx(-1, abs=0.05)
    # batch sizes' numbers do not depend on their neighbours in the list
    alone = variance_curve(X, y, w, b, [10], draws=3000, seed=0)
    assert alone.measured[0] == curve.measured[3]


# ---- edge cases -----------------------------------------------------------------------------

def test_batch_of_one_is_the_per_example_gradient():
    X, y, w, b = random_problem(50, 3, seed=7)
    bg = batch_graph(X, y, w, b, [17])
    g = graph(X[17], y[17], w, b)
    np.testing.assert_array_equal(bg.dL_dw, g.dl_dw)
    assert bg.dL_db == g.dl_db and bg.L == g.node("l").value and bg.dL_dl == 1.0
    noise = gradient_noise(X, y, w, b, [17], draws=500)
    assert noise.fpc == 1.0 and noise.var_batch == pytest.approx(noise.var_example, rel=1e-15)
    np.testing.assert_allclose(noise.batch_mean, np.append(g.dl_dw, g.dl_db), rtol=1e-14)
    np.testing.assert_allclose(noise.cov_batch, noise.cov_example, rtol=1e-15)


def test_full_batch_has_zero_variance():
    X, y, w, b = random_problem(40, 2, seed=8)
    noise = gradient_noise(X, y, w, b, np.arange(40), draws=200)
    assert noise.fpc == 0.0 and noise.var_batch == 0.0 and noise.var_full == 0.0
    assert not noise.cov_batch.any()
    assert noise.measured_var < 1e-28
    np.testing.assert_allclose(noise.samples, np.tile(noise.full_grad, (200, 1)), atol=1e-14)
    np.testing.assert_allclose(noise.batch_mean, noise.full_grad, atol=1e-15)
    bg = batch_graph(X, y, w, b)
    _, grad_w, grad_b = core.gradients(X, y, w, b)
    np.testing.assert_allclose(bg.dL_dw, grad_w, atol=1e-14)
    one = gradient_noise(X[:1], y[:1], w, b, [0], draws=5)       # n = 1: no noise, no 0/0
    assert one.fpc == 0.0 and one.var_batch == 0.0


def test_last_smaller_batch_when_n_is_not_a_multiple(lesson):
    X, y = lesson
    per_epoch = core.steps_per_epoch(1000, 7)
    assert per_epoch == 143
    rs = replay_step(X, y, per_epoch, lr=0.03, batch_size=7, seed=2)
    rec = rs.record
    assert len(rec.batch) == 6 and rec.epoch_loss is not None        # 1000 = 142 * 7 + 6
    bg = batch_graph(X, y, rs.w, rs.b, rec.batch)
    assert len(bg.per_example) == 6 and bg.dL_dl == 1 / 6
    np.testing.assert_allclose(bg.dL_dw, rec.grad_w, rtol=0, atol=1e-12)
    assert abs(bg.dL_db - rec.grad_b) <= 1e-12
    own = gradient_noise(X, y, rs.w, rs.b, rec.batch, draws=10)
    assert own.batch_size == 6 and own.fpc == (1000 - 6) / 999
    run = gradient_noise(X, y, rs.w, rs.b, rec.batch, batch_size=7, draws=10)
    assert run.batch_size == 7 and run.fpc == (1000 - 7) / 999
    np.testing.assert_array_equal(run.batch_mean, own.batch_mean)
    # the first step of the next epoch starts from this record's parameters
    nxt = replay_step(X, y, per_epoch + 1, lr=0.03, batch_size=7, seed=2)
    np.testing.assert_array_equal(nxt.w, rec.w)
    assert nxt.b == rec.b and nxt.record.epoch == 2


# ---- properties and bad input ---------------------------------------------------------------

def test_same_seed_same_samples_and_read_only():
    X, y, w, b = random_problem(30, 2, seed=9)
    a = gradient_noise(X, y, w, b, [1, 2, 3], draws=50, seed=4)
    c = gradient_noise(X, y, w, b, [1, 2, 3], draws=50, seed=4)
    np.testing.assert_array_equal(a.samples, c.samples)
    assert not np.array_equal(a.samples, gradient_noise(X, y, w, b, [1, 2, 3], draws=50, seed=5).samples)
    for arr in (a.samples, a.cov_batch, a.full_grad, a.per_example, a.batch_mean, a.measured_cov):
        assert not arr.flags.writeable
    g = graph(X[0], y[0], w, b)
    assert not g.node("w").grad.flags.writeable and not g.node("x").value.flags.writeable


@pytest.mark.parametrize("batch, match", [
    ([1, 1], "distinct"), ([30], "distinct"), ([-1], "distinct"), ([], "non-empty"),
    ([0.5], "non-empty"), ([[0, 1]], "non-empty"),
])
def test_bad_batch_is_a_clear_error(batch, match):
    X, y, w, b = random_problem(30, 2, seed=9)
    with pytest.raises(ValueError, match=match):
        gradient_noise(X, y, w, b, np.array(batch), draws=5)


def test_bad_point_and_sizes_are_clear_errors():
    X, y, w, b = random_problem(30, 2, seed=9)
    with pytest.raises(ValueError, match="w must be 2"):
        per_example_gradients(X, y, [1.0], b)
    with pytest.raises(ValueError, match="b must be"):
        batch_graph(X, y, w, math.nan)
    with pytest.raises(ValueError, match="batch_size"):
        variance_curve(X, y, w, b, [0])
    with pytest.raises(ValueError, match="batch_size"):
        gradient_noise(X, y, w, b, [0], batch_size=31)
    with pytest.raises(ValueError, match="step"):
        replay_step(X, y, 0, lr=0.03, batch_size=10)
    assert inside.fpc(10, 10) == 0.0 and inside.fpc(10, 1) == 1.0


@pytest.mark.parametrize("d", [1, 2, 3])
def test_loss_plane_is_the_full_loss_with_the_other_parameters_held(d):
    rng = np.random.default_rng(d)
    X = rng.normal(size=(50, d))
    y = X @ rng.normal(size=d) + 0.7 + rng.normal(scale=0.1, size=50)
    w, b = rng.normal(size=d), -0.3
    plane = inside.loss_plane(X, y, w, b, (-2, 1.5), (-1, 3), n=7)
    i, j = plane.axes
    assert (i, j) == (0, 1)         # w1, w2; with one feature w and b (b is index d = 1)
    assert plane.loss.shape == (7, 7)
    for jj in (0, 3, 6):
        for ii in (0, 2, 6):
            theta = np.append(w, b)
            theta[i], theta[j] = plane.u[ii], plane.v[jj]
            assert plane.loss[jj, ii] == pytest.approx(core.full_loss(X, y, theta[:-1], theta[-1]),
                                                       rel=1e-10, abs=1e-12)
    with pytest.raises(ValueError, match="n must be"):
        inside.loss_plane(X, y, w, b, (0, 1), (0, 1), n=1)


# ---- what the inside page draws -------------------------------------------------------------

def test_curve_sizes_are_one_two_five_per_decade_with_the_runs_own_and_n():
    assert inside.curve_sizes(1000, 10) == [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
    assert inside.curve_sizes(1000, 7) == [1, 2, 5, 7, 10, 20, 50, 100, 200, 500, 1000]
    assert inside.curve_sizes(30, 64) == [1, 2, 5, 10, 20, 30]          # a batch past n is the full batch
    assert inside.curve_sizes(1, 1) == [1]


def test_batch_mean_is_batch_graphs_node_L_without_the_graphs(lesson):
    X, y = lesson
    rs = replay_step(X, y, 37, lr=0.03, batch_size=10, seed=0)
    rec = rs.record
    G_w, g_b = per_example_gradients(X[rec.batch], y[rec.batch], rs.w, rs.b)
    bm = inside.batch_mean(rec.batch, G_w, g_b, rec.batch_loss)
    bg = batch_graph(X, y, rs.w, rs.b, rec.batch)
    assert bm.per_example == () and bm.dL_dl == bg.dL_dl == 0.1 and bm.L == rec.batch_loss
    np.testing.assert_array_equal(bm.batch, bg.batch)
    np.testing.assert_allclose(bm.dL_dw, bg.dL_dw, rtol=0, atol=1e-15)
    assert abs(bm.dL_db - bg.dL_db) <= 1e-15
    np.testing.assert_array_equal(bm.dL_dw, G_w.mean(axis=0))
    assert bm.dL_db == float(g_b.mean())
