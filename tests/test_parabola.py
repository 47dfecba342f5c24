"""Descent on f(x) = x^2 / 2: the five regimes of the learning rate."""

import math
import warnings
from itertools import islice

import pytest

import core


def xs(lr, x0=1.0, num_steps=20):
    return [s.x for s in core.parabola_descent(x0, lr, num_steps)]


def test_steps_are_k_x_f_and_f_prime():
    steps = list(core.parabola_descent(3.0, 0.5, num_steps=4))
    assert [s.k for s in steps] == [0, 1, 2, 3, 4]
    assert steps[0] == (0, 3.0, 4.5, 3.0)
    for s, t in zip(steps, steps[1:]):
        assert s.fx == s.x ** 2 / 2 and s.dfx == s.x
        assert t.x == s.x - 0.5 * s.dfx


def test_monotone_below_1():
    x = xs(0.1)
    assert all(v > 0 for v in x)
    assert all(b < a for a, b in zip(x, x[1:]))
    assert x[-1] == pytest.approx(0.9 ** 20)


def test_one_step_at_1():
    assert xs(1.0, x0=-2.5, num_steps=3) == [-2.5, 0.0, 0.0, 0.0]


def test_oscillating_between_1_and_2():
    x = xs(1.5)
    assert all(a * b < 0 for a, b in zip(x, x[1:]))                 # sign flips every step
    assert all(abs(b) < abs(a) for a, b in zip(x, x[1:]))
    assert abs(x[-1]) == pytest.approx(0.5 ** 20)


def test_bouncing_at_2():
    assert xs(2.0, x0=0.7, num_steps=6) == [0.7, -0.7, 0.7, -0.7, 0.7, -0.7, 0.7]


def test_diverging_above_2():
    x = xs(2.5)
    assert all(abs(b) > abs(a) for a, b in zip(x, x[1:]))
    assert all(a * b < 0 for a, b in zip(x, x[1:]))
    assert abs(x[-1]) == pytest.approx(1.5 ** 20)


@pytest.mark.parametrize("lr, name", [
    (0.1, "monotone"), (0.999, "monotone"), (1.0, "one-step"), (1.5, "oscillating"),
    (2.0, "bouncing"), (2.5, "diverging"), (100.0, "diverging"),
])
def test_regime_names(lr, name):
    assert core.regime(lr) == name
    assert name in core.REGIMES


def test_every_regime_is_named():
    assert set(core.REGIMES) == {"monotone", "one-step", "oscillating", "bouncing", "diverging"}


@pytest.mark.parametrize("lr", [2.5, 10.0, 1e3, 1e10, 1e300])
def test_endless_diverging_run_stops_before_overflow_without_warnings(lr):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        steps = list(islice(core.parabola_descent(1.0, lr), 100_000))
    assert len(steps) < 100_000                  # it stopped by itself
    assert all(math.isfinite(s.x) and math.isfinite(s.fx) for s in steps)


def test_endless_converging_run_keeps_going():
    steps = list(islice(core.parabola_descent(1.0, 0.5), 5000))
    assert len(steps) == 5000 and 0 <= steps[-1].x < 1e-300


@pytest.mark.parametrize("x0, lr, match", [
    (float("nan"), 0.1, "x0"), (float("inf"), 0.1, "x0"), ("abc", 0.1, "x0"), (1e200, 0.1, "x0"),
    (1.0, 0.0, "lr"), (1.0, -0.5, "lr"), (1.0, float("nan"), "lr"), (1.0, float("inf"), "lr"),
    (1.0, "abc", "lr"),
])
def test_bad_arguments_raise_value_error(x0, lr, match):
    with pytest.raises(ValueError, match=match):
        core.parabola_descent(x0, lr)


@pytest.mark.parametrize("lr", [0.0, -1.0, float("nan"), float("inf"), "abc"])
def test_regime_rejects_bad_lr(lr):
    with pytest.raises(ValueError, match="lr"):
        core.regime(lr)
