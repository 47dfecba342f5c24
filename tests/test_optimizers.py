"""Beyond plain SGD (d2l-zh chapter 11): each update rule against numbers worked by hand, momentum
against its closed form, sgd against the records of the trainer before optimizers existed, the
state carried in the records, bad hyperparameters, MindSpore's optimizers step for step."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import core
from core import optimizers as O
from core import parabola
from core.problems import SettingError
from core.run import DIVERGED, DONE, PAUSED, Run
from core.settings import (
    DEFAULTS,
    OPTIMIZER_SETTINGS,
    SETTINGS,
    optimizer_hyperparams,
    parse_optimizer_settings,
    parse_settings,
    to_query,
)
from core.trainer import start_params

ROOT = Path(__file__).resolve().parents[1]
NAMES = tuple(O.OPTIMIZERS)
MS_TOL = 1e-4       # float32 against float64, as tests/test_mindspore.py


def _steps(name, hp, grads, theta0=1.0):
    """Run the rule on a scalar parameter with the given gradients: [(theta, state), ...]."""
    theta, state, out = np.array([theta0]), O.init_state(name, (1,)), []
    for g in grads:
        theta, state = O.OPTIMIZERS[name].update(theta, np.array([g]), state, hp)
        out.append((float(theta[0]), state))
    return out


# ---- each rule against a step worked by hand ----------------------------------------------

def test_sgd_by_hand():
    (t1, s1), = _steps("sgd", {"lr": 0.1}, [2.0])
    assert t1 == pytest.approx(0.8, abs=1e-15) and s1 == O.SGDState()


def test_momentum_by_hand():
    # v1 = 0.5 * 0 + 2 = 2, w1 = 1 - 0.1 * 2 = 0.8; v2 = 0.5 * 2 - 1 = 0, w2 = 0.8 - 0.1 * 0 = 0.8
    (t1, s1), (t2, s2) = _steps("momentum", {"lr": 0.1, "momentum": 0.5}, [2.0, -1.0])
    assert (t1, float(s1.v[0])) == pytest.approx((0.8, 2.0), abs=1e-15)
    assert (t2, float(s2.v[0])) == pytest.approx((0.8, 0.0), abs=1e-15)


def test_adagrad_by_hand():
    # eps 0.09 = 0.3^2: s1 = 0.16, sqrt(0.16 + 0.09) = 0.5, w1 = 1 - 0.1 * 0.4 / 0.5 = 0.92;
    # s2 = 0.16 + 1.44 = 1.6, sqrt(1.69) = 1.3, w2 = 0.92 - 0.1 * 1.2 / 1.3 = 0.92 - 12/130
    (t1, s1), (t2, s2) = _steps("adagrad", {"lr": 0.1, "eps": 0.09}, [0.4, 1.2])
    assert (t1, float(s1.s[0])) == pytest.approx((0.92, 0.16), abs=1e-15)
    assert (t2, float(s2.s[0])) == pytest.approx((0.8276923076923077, 1.6), abs=1e-15)


def test_rmsprop_by_hand():
    # s1 = 0.1 * 16 = 1.6, sqrt(1.6 + 0.09) = 1.3, w1 = 1 - 0.1 * 4 / 1.3 = 9/13;
    # g2 = 0: s2 = 0.9 * 1.6 = 1.44 and w stays
    (t1, s1), (t2, s2) = _steps("rmsprop", {"lr": 0.1, "gamma": 0.9, "eps": 0.09}, [4.0, 0.0])
    assert (t1, float(s1.s[0])) == pytest.approx((9 / 13, 1.6), abs=1e-15)
    assert (t2, float(s2.s[0])) == pytest.approx((9 / 13, 1.44), abs=1e-15)


def test_adadelta_by_hand():
    # s1 = 0.1 * 16 = 1.6; g' = sqrt((0 + 0.09) / (1.6 + 0.09)) * 4 = 0.3 / 1.3 * 4 = 12/13,
    # w1 = 1 - 12/13 = 1/13, delta1 = 0.1 (12/13)^2 = 14.4/169; g2 = 0: s2 = 1.44, delta2 = 0.9 delta1
    (t1, s1), (t2, s2) = _steps("adadelta", {"lr": 1.0, "rho": 0.9, "eps": 0.09}, [4.0, 0.0])
    assert (t1, float(s1.s[0]), float(s1.delta[0])) == pytest.approx((1 / 13, 1.6, 14.4 / 169), abs=1e-15)
    assert (t2, float(s2.s[0]), float(s2.delta[0])) == pytest.approx((1 / 13, 1.44, 0.9 * 14.4 / 169),
                                                                     abs=1e-15)
    # the lr this project adds: lr 0.5 takes half the book's step, the state as before
    (t1h, s1h), = _steps("adadelta", {"lr": 0.5, "rho": 0.9, "eps": 0.09}, [4.0])
    assert t1h == pytest.approx(1 - 6 / 13, abs=1e-15) and float(s1h.delta[0]) == pytest.approx(14.4 / 169)


def test_adam_by_hand():
    # t = 1: v = 0.1 * 2 = 0.2, s = 0.001 * 4 = 0.004, v_hat = 2, s_hat = 4,
    # w1 = 1 - 0.1 * 2 / (2 + 0.5) = 0.92. t = 2, g = 0: v = 0.18, s = 0.003996,
    # v_hat = 0.18 / 0.19, s_hat = 0.003996 / 0.001999
    hp = {"lr": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 0.5}
    (t1, s1), (t2, s2) = _steps("adam", hp, [2.0, 0.0])
    assert s1.t == 1 and s2.t == 2
    assert (t1, float(s1.v[0]), float(s1.s[0])) == pytest.approx((0.92, 0.2, 0.004), abs=1e-15)
    w2 = 0.92 - 0.1 * (0.18 / 0.19) / (math.sqrt(0.003996 / 0.001999) + 0.5)
    assert (t2, float(s2.v[0]), float(s2.s[0])) == pytest.approx((w2, 0.18, 0.003996), abs=1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_rules_keep_lanes_apart(name):
    """A leading lanes axis with an lr per lane: each lane is its own run (core.landscape)."""
    rng = np.random.default_rng(0)
    hp = O.hyperparams_for(name)
    lrs = np.array([[0.01], [0.1], [0.3]])
    theta, state = np.tile(rng.normal(size=3), (3, 1)), O.init_state(name, (3, 3))
    alone = [(theta[i].copy(), O.init_state(name, (3,))) for i in range(3)]
    for _ in range(4):
        g = rng.normal(size=3)
        theta, state = O.OPTIMIZERS[name].update(theta, np.tile(g, (3, 1)), state, {**hp, "lr": lrs})
        alone = [O.OPTIMIZERS[name].update(t, g, s, {**hp, "lr": float(lrs[i, 0])})
                 for i, (t, s) in enumerate(alone)]
    for i, (t, _s) in enumerate(alone):
        np.testing.assert_allclose(theta[i], t, rtol=1e-15)


# ---- momentum on a quadratic: closed form, rate, regions -----------------------------------

@pytest.mark.parametrize("lr, beta, lam", [(0.1, 0.5, 1.0), (0.02, 0.9, 3.0), (1.5, 0.2, 1.0),
                                           (0.4, 0.0, 2.0), (2.5, 0.5, 1.0)])
def test_momentum_on_a_quadratic_is_its_closed_form(lr, beta, lam):
    """x_k = A mu1^k + B mu2^k, mu the roots of mu^2 - (1 + beta - lr lam) mu + beta = 0, A and
    B from x_0 and x_1 = x_0 (1 - lr lam): against core.optimizers' rule with g = lam x, and
    against core.parabola.momentum_descent."""
    x0, K = 1.7, 60
    T = 1 + beta - lr * lam
    root = np.sqrt(complex(T * T - 4 * beta))
    mu1, mu2 = (T + root) / 2, (T - root) / 2
    x1 = x0 * (1 - lr * lam)
    B = (x1 - mu1 * x0) / (mu2 - mu1)
    A = x0 - B
    closed = [(A * mu1 ** k + B * mu2 ** k).real for k in range(K + 1)]
    theta, state, rule = [x0], O.init_state("momentum", (1,)), []
    x = np.array([x0])
    for _ in range(K):
        x, state = O.sgd_momentum(x, lam * x, state, {"lr": lr, "momentum": beta})
        theta.append(float(x[0]))
    rule = [s.x for s in parabola.momentum_descent(x0, lr, beta, lam, num_steps=K)]
    np.testing.assert_allclose(theta, closed, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(rule, theta, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("lr, beta", [(0.5, 0.0), (0.1, 0.3), (0.1, 0.9), (1.5, 0.0), (0.3, 0.6),
                                      (2.9, 0.5), (3.5, 0.6), (0.04, 0.7)])
def test_momentum_rate_is_what_a_long_run_shows(lr, beta):
    """The largest |eigenvalue| of [[beta, lam], [-lr beta, 1 - lr lam]] against |x_k|^(1/k)
    of a simulated run (k before |x| underflows; the max over the last period for a spiral)."""
    rate = float(parabola.momentum_rate(lr, beta))
    assert rate == pytest.approx(np.abs(np.linalg.eigvals(parabola.momentum_matrix(lr, beta))).max(),
                                 rel=1e-12)
    k = min(4000, int(200 / abs(math.log(rate))))
    xs = [abs(s.x) for s in parabola.momentum_descent(1.0, lr, beta, num_steps=k)]
    assert len(xs) == k + 1
    h = k // 2
    window = max(xs[h - 39:h + 1]), max(xs[k - 39:])      # two envelopes, k - h steps apart
    estimate = (window[1] / window[0]) ** (1 / (k - h))
    assert estimate == pytest.approx(rate, rel=2e-3)


def test_momentum_regions_on_a_grid():
    lr, beta = np.meshgrid(np.geomspace(1e-3, 5, 60), np.linspace(0, 0.99, 50))
    rate, region = parabola.momentum_rate(lr, beta), parabola.momentum_region(lr, beta)
    assert rate.shape == region.shape == lr.shape
    assert set(np.unique(region)) == set(parabola.MOMENTUM_REGIONS)
    np.testing.assert_array_equal(region == "divergent", rate >= 1)
    # converges exactly below lr lam = 2 (1 + beta)
    np.testing.assert_array_equal(rate < 1, lr < 2 * (1 + beta))
    # complex eigenvalues: |mu| = sqrt(beta), oscillating
    T = 1 + beta - lr
    spiral = T * T < 4 * beta
    np.testing.assert_allclose(rate[spiral], np.sqrt(beta[spiral]))
    assert np.all(region[spiral & (rate < 1)] == "oscillating")
    # without momentum the parabola page's regimes: lr < 1 monotone, 1 < lr < 2 oscillating
    plain = parabola.momentum_region(np.array([0.5, 1.5, 2.5]), 0.0)
    assert list(plain) == ["monotone", "oscillating", "divergent"]


def test_critical_damping_curve():
    lr = np.array([0.01, 0.09, 0.25, 0.64])
    beta = parabola.critical_momentum(lr)
    np.testing.assert_allclose(beta, [0.81, 0.49, 0.25, 0.04])
    # on it the eigenvalues meet: rate sqrt(beta); just below monotone, just above oscillating
    np.testing.assert_allclose(parabola.momentum_rate(lr, beta), np.sqrt(beta), rtol=1e-6)
    assert list(parabola.momentum_region(lr, beta * 0.9)) == ["monotone"] * 4
    assert list(parabola.momentum_region(lr, beta * 1.1 + 1e-3)) == ["oscillating"] * 4
    # and it is the fastest beta at that lr
    grid = np.linspace(0, 0.99, 2000)
    for a, b in zip(lr, beta):
        assert abs(grid[np.argmin(parabola.momentum_rate(a, grid))] - b) < 2e-3


@pytest.mark.parametrize("bad", [dict(lr=0.0), dict(lr=-1), dict(beta=1.0), dict(beta=-0.1), dict(lam=0),
                                 dict(lr=float("nan"))])
def test_momentum_theory_rejects_bad_input(bad):
    args = {"lr": 0.1, "beta": 0.5, "lam": 1.0, **bad}
    with pytest.raises(ValueError):
        parabola.momentum_rate(**args)
    with pytest.raises(ValueError):
        parabola.momentum_descent(1.0, **args)


def test_momentum_descent_stops_when_it_blows_up():
    steps = list(parabola.momentum_descent(1.0, 10.0, 0.9))
    assert 10 < len(steps) < 400 and all(math.isfinite(s.fx) for s in steps)


# ---- sgd is the lesson's trainer, record for record ----------------------------------------

# made by tests/data's generator at commit dc5d4aa, before core.optimizers existed: the same
# settings, train() with lr, batch_size, num_epochs, w0, b0, seed only
CASES = {
    "lesson": dict(w=(2, -3.4), b=4.2, n=1000, noise=0.01, seed=0, lr=0.03, batch_size=10, epochs=3,
                   init="normal"),
    "ragged": dict(w=(1.5, -0.5, 2.0), b=-1.0, n=103, noise=0.1, seed=7, lr=0.1, batch_size=7, epochs=4,
                   init="zeros"),
    "diverge": dict(w=(2, -3.4), b=4.2, n=200, noise=0.01, seed=3, lr=5.0, batch_size=20, epochs=5,
                    init="normal"),
    "fullbatch": dict(w=(2, -3.4), b=4.2, n=50, noise=1.0, seed=11, lr=1.9, batch_size=50, epochs=40,
                      init="value"),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("how", [{}, {"optimizer": "sgd"}, {"optimizer": "sgd", "hyperparams": {}}])
def test_sgd_is_bit_identical_to_the_trainer_before(case, how):
    c, F = CASES[case], np.load(ROOT / "tests/data/sgd_records_before_optimizers.npz")
    X, y = core.synthetic_data(np.array(c["w"]), c["b"], c["n"], c["noise"], seed=c["seed"])
    w0, b0 = start_params(c["seed"], X.shape[1], c["init"], 0.5)
    recs = list(core.train(X, y, lr=c["lr"], batch_size=c["batch_size"], num_epochs=c["epochs"],
                           w0=w0, b0=b0, seed=c["seed"], **how))
    assert recs[-1].diverged == (case == "diverge")
    np.testing.assert_array_equal([(r.epoch, r.step, r.diverged) for r in recs], F[case + ":epoch_step"])
    np.testing.assert_array_equal(np.concatenate([r.batch for r in recs]), F[case + ":batch"])
    floats = [[r.batch_loss, r.b, r.grad_b, np.nan if r.epoch_loss is None else r.epoch_loss] for r in recs]
    assert np.array_equal(floats, F[case + ":floats"], equal_nan=True)        # bit for bit
    assert np.array_equal([r.w for r in recs], F[case + ":w"])
    assert np.array_equal([r.grad_w for r in recs], F[case + ":grad_w"])
    assert all(r.state == O.SGDState() for r in recs)


# ---- the state in the records --------------------------------------------------------------

@pytest.fixture(scope="module")
def data():
    return core.synthetic_data(np.array([2, -3.4]), 4.2, 60, 0.01, seed=5)


@pytest.mark.parametrize("name", NAMES)
def test_records_carry_the_state_the_rule_gives(data, name):
    """Replaying the records' gradients through the rule gives each record's w, b and state."""
    X, y = data
    hp = O.hyperparams_for(name)
    recs = list(core.train(X, y, lr=hp["lr"], batch_size=7, num_epochs=2, seed=5, optimizer=name))
    w0, b0 = core.trainer.initial_params(5, 2)
    theta, state = np.append(w0, b0), O.init_state(name, (3,))
    for r in recs:
        assert type(r.state) is O.OPTIMIZERS[name].state
        theta, state = O.OPTIMIZERS[name].update(theta, np.append(r.grad_w, r.grad_b), state, hp)
        np.testing.assert_array_equal(np.append(r.w, r.b), theta)
        np.testing.assert_array_equal(O.flatten_state(r.state), O.flatten_state(state))
        for a in r.state:
            if isinstance(a, np.ndarray):
                assert a.shape == (3,) and not a.flags.writeable
    if name == "adam":
        assert [r.state.t for r in recs] == [r.step for r in recs]
    if name == "momentum":          # v1 = g1
        np.testing.assert_array_equal(recs[0].state.v, np.append(recs[0].grad_w, recs[0].grad_b))


@pytest.mark.parametrize("name", ["momentum", "adam", "adadelta"])
def test_resumed_from_a_state_continues_the_run(data, name):
    X, y = data
    kw = dict(lr=O.BOOK_DEFAULTS[name]["lr"], batch_size=7, num_epochs=3, seed=5, optimizer=name,
              hyperparams={k: v for k, v in O.BOOK_DEFAULTS[name].items() if k != "lr"})
    full = list(core.train(X, y, **kw))
    k = 11
    rest = list(core.train(X, y, w0=full[k - 1].w, b0=full[k - 1].b, start_step=k,
                           state0=full[k - 1].state, **kw))
    assert [r.step for r in rest] == [r.step for r in full[k:]]
    for a, b in zip(full[k:], rest):
        np.testing.assert_array_equal(a.w, b.w)
        np.testing.assert_array_equal(O.flatten_state(a.state), O.flatten_state(b.state))


def test_run_pause_rewind_resume_and_export_keep_the_state():
    s, _ = parse_settings({"epochs": "2", "n": "80"})
    s.update(optimizer="adam", beta1=0.8, beta2=0.99, eps=1e-6, lr=0.05)
    ref = Run(s)
    ref.advance(10**6)
    assert ref.status == DONE and ref.hyperparams["beta1"] == 0.8
    run = Run(s)
    run.advance(5)
    assert run.rewind(3) and run.status == PAUSED
    assert run.last.state.t == 3
    np.testing.assert_array_equal(O.flatten_state(run.last.state), O.flatten_state(ref.record(3).state))
    run.advance(10**6)
    assert run.status == DONE and len(run.history) == len(ref.history)
    np.testing.assert_array_equal(run.history.column("state"), ref.history.column("state"))
    np.testing.assert_array_equal(run.last.w, ref.last.w)
    head, first = run.history.to_csv().splitlines()[:2]
    assert head.endswith(",epoch_loss,t,v_w_1,v_w_2,v_b,s_w_1,s_w_2,s_b")
    assert first.split(",")[-7] == "1"
    # plain SGD's export has no state columns, as before
    assert Run(parse_settings({})[0]).history.state_columns == ()


def test_run_with_momentum_diverges_like_train():
    s, _ = parse_settings({"lr": "3", "epochs": "1"})
    s.update(optimizer="momentum", momentum=0.9)
    run = Run(s)
    run.advance(10**6)
    assert run.status == DIVERGED and run.last.diverged


# ---- bad hyperparameters: a Problem, never a crash ------------------------------------------

@pytest.mark.parametrize("optimizer, hyperparams, code, key", [
    ("adam", {"beta1": 1.0}, "range", "beta1"),
    ("adam", {"beta2": 1.5}, "range", "beta2"),
    ("momentum", {"momentum": 1.0}, "range", "momentum"),
    ("momentum", {"momentum": -0.1}, "range", "momentum"),
    ("rmsprop", {"gamma": 1.0}, "range", "gamma"),
    ("adadelta", {"rho": 2}, "range", "rho"),
    ("adagrad", {"eps": 0.0}, "range", "eps"),
    ("adam", {"eps": -1e-8}, "range", "eps"),
    ("adam", {"eps": float("nan")}, "range", "eps"),
    ("adam", {"lr": -0.1}, "range", "lr"),
    ("adam", {"beta1": "x"}, "number", "beta1"),
    ("adam", {"beta1": None}, "number", "beta1"),
    ("nadam", {}, "choice", "optimizer"),
    (None, {}, "choice", "optimizer"),
    ("sgd", {"momentum": 0.9}, "choice", "hyperparams"),
    ("adam", {"gamma": 0.9}, "choice", "hyperparams"),
])
def test_bad_hyperparams_are_a_problem(data, optimizer, hyperparams, code, key):
    X, y = data
    with pytest.raises(SettingError) as info:
        core.train(X, y, lr=0.01, batch_size=5, num_epochs=1, optimizer=optimizer, hyperparams=hyperparams)
    problem = info.value.problem
    assert problem.code == code and problem.params["key"] == key
    assert key in problem.english()                 # words without a KeyError


@pytest.mark.parametrize("lr", [-0.1, 0.0, 2e3, "x"])
def test_bad_lr_with_an_optimizer_is_a_value_error(data, lr):
    X, y = data
    with pytest.raises(ValueError, match="lr"):
        core.train(X, y, lr=lr, batch_size=5, num_epochs=1, optimizer="momentum")


def test_lr_given_twice_must_agree(data):
    X, y = data
    list(core.train(X, y, lr=0.01, batch_size=5, num_epochs=1, optimizer="adam", hyperparams={"lr": 0.01}))
    with pytest.raises(ValueError, match="lr given twice"):
        core.train(X, y, lr=0.01, batch_size=5, num_epochs=1, optimizer="adam", hyperparams={"lr": 0.1})


def test_a_bad_resume_state_is_refused(data):
    X, y = data
    with pytest.raises(ValueError, match="AdamState"):
        core.train(X, y, lr=0.01, batch_size=5, num_epochs=1, optimizer="adam",
                   state0=O.MomentumState(np.zeros(3)))
    with pytest.raises(ValueError, match="finite"):
        core.train(X, y, lr=0.01, batch_size=5, num_epochs=1, optimizer="momentum",
                   state0=O.MomentumState(np.array([0, np.inf, 0])))


# ---- the settings table: kept out of the pages for now ---------------------------------------

def test_optimizer_settings_do_not_touch_the_main_table():
    keys = {s.key for s in OPTIMIZER_SETTINGS}
    assert keys == {"optimizer", *O.HYPERPARAMS} - {"lr"}
    assert not keys & {s.key for s in SETTINGS}
    assert set(to_query(DEFAULTS)) == {s.key for s in SETTINGS}       # the URL is unchanged
    for s in OPTIMIZER_SETTINGS:                                      # every row valid for core
        if s.kind == "float":
            assert s.lo in O.BOUNDS[s.key] and s.hi in O.BOUNDS[s.key] and s.default in O.BOUNDS[s.key]


def test_optimizer_settings_take_the_book_defaults_of_the_chosen_optimizer():
    values, warnings = parse_optimizer_settings({"optimizer": "adadelta"})
    assert warnings == [] and values["eps"] == 1e-5 and values["rho"] == 0.9
    assert optimizer_hyperparams(values) == {"rho": 0.9, "eps": 1e-5}
    values, _ = parse_optimizer_settings({"optimizer": "adam", "eps": "1e-8"})
    assert values["eps"] == 1e-8 and optimizer_hyperparams(values)["beta2"] == 0.999
    values, warnings = parse_optimizer_settings({"optimizer": "adam", "beta1": "1", "eps": "0"})
    assert [w.code for w in warnings] == ["range", "range"]
    O.hyperparams_for("adam", optimizer_hyperparams(values))          # clamped into range
    values, warnings = parse_optimizer_settings({"optimizer": "nadam"})
    assert values["optimizer"] == "sgd" and warnings[0].code == "choice"
    assert optimizer_hyperparams(values) == {}


def test_book_defaults():
    """d2l-zh chapter 11's examples (train_momentum(0.02, 0.5), adagrad lr 0.1, rmsprop 0.01 with
    gamma 0.9, adadelta rho 0.9, adam 0.01) and eps as in each init_*_states."""
    assert O.BOOK_DEFAULTS == {
        "sgd": {"lr": 0.03},
        "momentum": {"lr": 0.02, "momentum": 0.5},
        "adagrad": {"lr": 0.1, "eps": 1e-6},
        "rmsprop": {"lr": 0.01, "gamma": 0.9, "eps": 1e-6},
        "adadelta": {"lr": 1.0, "rho": 0.9, "eps": 1e-5},
        "adam": {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-6},
    }
    for name in NAMES:       # and each actually learns the lesson's data with them
        X, y = core.synthetic_data()
        recs = list(core.train(X, y, lr=O.BOOK_DEFAULTS[name]["lr"], batch_size=10, num_epochs=5,
                               optimizer=name))
        ends = [r.epoch_loss for r in recs if r.epoch_loss is not None]
        assert not recs[-1].diverged and ends[-1] < ends[0] < core.full_loss(X, y, np.zeros(2), 0.0)


# ---- MindSpore's own optimizers, step for step ----------------------------------------------

def _both(name, hyperparams=None, backend="mindspore", num_epochs=2, batch_size=8, n=64):
    X, y = core.synthetic_data(np.array([2, -3.4]), 4.2, n, 0.01, seed=3)
    rng = np.random.default_rng(3)
    orders = np.stack([rng.permutation(n) for _ in range(num_epochs)])
    hp = O.hyperparams_for(name, hyperparams)
    kw = dict(lr=hp.pop("lr"), batch_size=batch_size, num_epochs=num_epochs, w0=np.array([0.3, -0.2]),
              b0=0.1, orders=orders, optimizer=name, hyperparams=hp)
    return X, y, list(core.train(X, y, backend="numpy", **kw)), list(core.train(X, y, backend=backend, **kw))


@pytest.mark.mindspore
@pytest.mark.parametrize("backend", ["mindspore", "mindspore-pynative"])
@pytest.mark.parametrize("name", NAMES)
def test_mindspore_optimizer_matches_the_book(name, backend):
    _X, _y, ref, got = _both(name, backend=backend)
    assert len(got) == len(ref) == 16
    for a, b in zip(ref, got):
        assert type(b.state) is type(a.state)
        for field in ("batch_loss", "grad_w", "grad_b", "w", "b"):
            np.testing.assert_allclose(getattr(b, field), getattr(a, field), rtol=MS_TOL, atol=MS_TOL,
                                       err_msg=f"{field} at step {a.step}")
        np.testing.assert_allclose(O.flatten_state(b.state), O.flatten_state(a.state), rtol=MS_TOL,
                                   atol=MS_TOL, err_msg=f"state at step {a.step}")


@pytest.mark.mindspore
def test_mindspore_non_default_hyperparams_and_resume():
    _X, _y, ref, got = _both("momentum", {"momentum": 0.9})
    np.testing.assert_allclose(got[-1].state.v, ref[-1].state.v, rtol=MS_TOL, atol=MS_TOL)
    X, y, ref, _ = _both("adam", {"beta1": 0.8, "beta2": 0.99})
    k = 6
    rest = list(core.train(X, y, lr=0.01, batch_size=8, num_epochs=2, w0=ref[k - 1].w, b0=ref[k - 1].b,
                           seed=0, orders=np.stack([np.concatenate([r.batch for r in ref[:8]]),
                                                    np.concatenate([r.batch for r in ref[8:]])]),
                           start_step=k, optimizer="adam", hyperparams={"beta1": 0.8, "beta2": 0.99},
                           state0=ref[k - 1].state, backend="mindspore"))
    assert rest[0].state.t == k + 1
    np.testing.assert_allclose(rest[-1].w, ref[-1].w, rtol=MS_TOL, atol=MS_TOL)
    np.testing.assert_allclose(O.flatten_state(rest[-1].state), O.flatten_state(ref[-1].state),
                               rtol=MS_TOL, atol=MS_TOL)


@pytest.mark.mindspore
def test_mindspore_adam_eps_difference_is_measured():
    """DIFFERENCES["adam"]: nn.Adam folds the bias correction into the step, so its eps acts as
    eps / sqrt(1 - beta2^t). With eps 0.1 the gap is far beyond float32; the book's rule with
    that eps (adam_mindspore_form) matches MindSpore to float32."""
    assert [d.code for d in O.DIFFERENCES["adam"] if d.kept] == ["ms_adam_eps_scaled", "ms_adam_beta_open"]
    X, y, book, got = _both("adam", {"eps": 0.1})
    hp = O.hyperparams_for("adam", {"eps": 0.1})
    start = np.array([0.3, -0.2, 0.1])             # w0, b0 of _both
    theta, state = start, O.init_state("adam", (3,))
    gap, form = [], []
    for a, b in zip(book, got):
        theta, state = O.adam_mindspore_form(theta, np.append(b.grad_w, b.grad_b), state, hp)
        form.append(theta.copy())
        gap.append(np.abs(np.append(b.w, b.b) - np.append(a.w, a.b)).max())
    assert max(gap) > 1e-3                                  # the book and MindSpore differ ...
    for th, b in zip(form, got):                            # ... as the formula says
        np.testing.assert_allclose(np.append(b.w, b.b), th, rtol=MS_TOL, atol=MS_TOL)
    # the first step: the book moves each parameter lr g / (|g| + eps), MindSpore lr g / (|g| +
    # eps / sqrt(1 - beta2)), eps 31.6 times larger: a shorter step
    g = np.append(book[0].grad_w, book[0].grad_b)
    np.testing.assert_allclose(np.append(book[0].w, book[0].b), start - 0.01 * g / (abs(g) + 0.1), rtol=1e-12)
    g = np.append(got[0].grad_w, got[0].grad_b)
    np.testing.assert_allclose(np.append(got[0].w, got[0].b),
                               start - 0.01 * g / (abs(g) + 0.1 / math.sqrt(1 - 0.999)), rtol=MS_TOL,
                               atol=1e-6)


@pytest.mark.mindspore
def test_mindspore_defaults_that_are_configured_away():
    """DIFFERENCES not kept: MindSpore's own defaults would differ from the book; measured on one
    step of each unconfigured optimizer, then matched by core.ms_backend's settings (above)."""
    import mindspore as ms
    from mindspore import Parameter, Tensor, nn

    from core import ms_backend

    def one_step(make, g):
        with ms_backend._LOCK:
            p = Parameter(Tensor(np.array([1.0], np.float32)), name="p")
            opt = make([p])
            opt((Tensor(np.array([g], np.float32)),))
            return float(p.asnumpy()[0]), opt

    assert ms.get_context("mode") in (ms.GRAPH_MODE, ms.PYNATIVE_MODE)
    # Adagrad: accum starts at 0.1 and has no eps: 1 - 0.1 * 0.4 / sqrt(0.1 + 0.16)
    w, _ = one_step(lambda ps: nn.Adagrad(ps, learning_rate=0.1), 0.4)
    assert w == pytest.approx(1 - 0.04 / math.sqrt(0.26), rel=1e-6)
    assert abs(w - 0.92) > 1e-3                             # the book: 0.92 with eps 0.09 (by hand above)
    w, _ = one_step(lambda ps: nn.Adagrad(ps, accum=0.09, learning_rate=0.1), 0.4)
    assert w == pytest.approx(0.92, rel=1e-6)               # accum = eps: the book's
    # RMSProp: mean square starts at ones: 1 - 0.1 * 4 / sqrt(0.9 + 1.6 + 0.09)
    w, opt = one_step(lambda ps: nn.RMSProp(ps, learning_rate=0.1, decay=0.9, epsilon=0.09), 4.0)
    assert w == pytest.approx(1 - 0.4 / math.sqrt(2.59), rel=1e-6) and abs(w - 9 / 13) > 1e-2
    codes = {d.code for name in NAMES for d in O.DIFFERENCES[name] if not d.kept}
    assert {"ms_adagrad_accum_start", "ms_rmsprop_start", "ms_rmsprop_momentum", "ms_eps_default"} <= codes


@pytest.mark.mindspore
@pytest.mark.parametrize("key", ["beta1", "beta2"])
def test_mindspore_adam_refuses_a_zero_beta_as_a_problem(key):
    """DIFFERENCES["adam"] ms_adam_beta_open: the book's rule runs with beta = 0, nn.Adam does
    not; the MindSpore backend says so as a Problem (Run shows it as its error), never a crash."""
    X, y = core.synthetic_data(np.array([2, -3.4]), 4.2, 40, 0.01, seed=1)
    kw = dict(lr=0.01, batch_size=8, num_epochs=1, optimizer="adam", hyperparams={key: 0.0})
    assert len(list(core.train(X, y, **kw))) == 5
    with pytest.raises(SettingError) as info:
        core.train(X, y, backend="mindspore", **kw)
    assert info.value.problem.code == "range" and info.value.problem.params["key"] == key
    s, _ = parse_settings({"backend": "mindspore", "n": "40", "epochs": "1"})
    s.update(optimizer="adam", **{key: 0.0})
    run = Run(s)
    run.advance(10)
    assert run.status == "failed" and key in run.error


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_inside_replays_a_step_with_its_state_before_and_after(data, name):
    from core.inside import replay_step
    X, y = data
    kw = dict(lr=0.05, batch_size=7, num_epochs=2, seed=5, optimizer=name)
    recs = list(core.train(X, y, **kw))
    del kw["num_epochs"]
    real = replay_step(X, y, 4, **kw)
    assert real.record.step == 4
    np.testing.assert_array_equal(real.record.w, recs[3].w)
    np.testing.assert_array_equal(O.flatten_state(real.record.state), O.flatten_state(recs[3].state))
    np.testing.assert_array_equal(O.flatten_state(real.state), O.flatten_state(recs[2].state))
    first = replay_step(X, y, 1, **kw)
    assert O.flatten_state(first.state).tolist() == [0.0] * O.state_size(name, 3)
