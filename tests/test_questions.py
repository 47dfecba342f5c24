"""The class's questions (core/questions.py): each right answer, computed by running its settings,
is checked here against a derivation that does not share its code: the theory (2 / lambda_max,
sigma^2 / 2, the linear recursion of gradient descent on a quadratic), core.landscape's
vectorised runs, or the statistics of a minibatch's mean."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from core import questions as Q
from core.data import synthetic_data
from core.landscape import conditioned_data, curvature, lr_region, lr_sweep, region_bounds, standardise
from core.parabola import regime
from core.run import Run, Theory
from core.settings import DEFAULTS, SETTINGS, format_value, parse_settings
from core.theory import loss_floor, lstsq_optimum, max_stable_lr


def lesson_data(s=DEFAULTS):
    from core.data import synthetic_data
    return synthetic_data(s["w"], s["b"], s["n"], s["noise"], seed=s["seed"])


def progress(X, y, loss):
    """How far the loss came from the start (train's w0 for seed 0, b0 = 0) to the minimum."""
    from core.model import full_loss
    from core.trainer import initial_params
    w0, b0 = initial_params(0, X.shape[1])
    w_star, b_star = lstsq_optimum(X, y)
    start, lo = full_loss(X, y, w0, b0), full_loss(X, y, w_star, b_star)
    return (start - loss) / (start - lo)


def loss_at(X, y, theta):
    from core.model import full_loss
    return full_loss(X, y, theta[:-1], theta[-1])


def gd_theta(X, y, lr, steps, theta0):
    """Full-batch gradient descent on the quadratic in closed form:
    theta* + (I - lr H)^k (theta0 - theta*)."""
    A = np.hstack([X, np.ones((len(y), 1))])
    H = A.T @ A / len(y)
    theta_star = np.linalg.lstsq(A, y, rcond=None)[0]
    return theta_star + np.linalg.matrix_power(np.eye(len(H)) - lr * H, steps) @ (theta0 - theta_star)


# ---- the bank ------------------------------------------------------------------------------------

def test_the_bank_has_eight_questions_or_more_each_worded_and_runnable():
    assert len(Q.QUESTIONS) >= 8
    assert len(Q.BY_ID) == len(Q.QUESTIONS) and set(Q.BY_ID) <= set(Q.TEXTS)
    assert {q.kind for q in Q.QUESTIONS} == {"choice", "number"}
    for q in Q.QUESTIONS:
        assert re.fullmatch(r"[a-z0-9_]{1,40}", q.id)            # what a room accepts
        q.text.format(**q.params)                               # every placeholder has its value
        assert set(re.findall(r"\{(\w+)\}", q.text)) == set(q.params), q.id
        if q.kind == "choice":
            assert len(q.choices) >= 2 and set(q.choices) <= set(Q.CHOICES) and q.bounds is None
        else:
            assert q.choices == () and q.bounds[0] < q.bounds[1] and 0 < q.tolerance and 0 < q.step
        assert q.page in ("lesson", "landscape") and 1 <= len(q.settings) <= 2


def test_every_question_runs_settings_its_page_accepts_unchanged():
    """A question's settings go through its page's table, as a link would carry them, and come
    back the same, with no warning: the reveal can run them on that page."""
    from views.loss_landscape import SETTINGS as LANDSCAPE

    for q in Q.QUESTIONS + (Q.next_question(DEFAULTS),):
        table = SETTINGS if q.page == "lesson" else LANDSCAPE
        for s in q.settings:
            query = {t.key: format_value(t, s[t.key]) for t in table}
            assert set(s) == {t.key for t in table}, q.id
            values, problems = parse_settings(query, None if q.page == "lesson" else table)
            assert problems == [] and values == s, (q.id, problems)


def test_answers_are_cached_by_their_settings():
    q = Q.BY_ID["lr_one"]
    assert q.answer() is q.answer()
    calm, wild = Q.next_question(DEFAULTS), Q.next_question({**DEFAULTS, "lr": 5.0})
    assert calm.answer().choice == "settles"
    assert wild.answer().choice == "diverges"           # not the cached answer of other settings
    assert Q.next_question({**DEFAULTS, "lr": 3e-4}).answer().choice == "still_falling"


def test_an_answer_knows_right_votes_and_their_share():
    choice = Q.Answer("zigzag", None, None, {})
    assert choice.is_right("zigzag") and not choice.is_right("straight")
    assert choice.share_right({"a": "zigzag", "b": "away", "c": "zigzag", "d": "straight"}) == 0.5
    assert choice.share_right({}) is None
    number = Q.Answer(None, 0.48, 0.1, {})
    assert number.is_right(0.5) and number.is_right("0.4") and not number.is_right(0.6)
    assert not number.is_right("zigzag") and not number.is_right(None)


# ---- each answer against an independent derivation ------------------------------------------------

def test_lr_one_settles_as_the_vectorised_run_and_the_edge_say():
    q = Q.BY_ID["lr_one"]
    X, y = lesson_data()
    assert q.params["lr"] < max_stable_lr(X)
    sweep = lr_sweep(X, y, [q.params["lr"]], steps=300, batch_size=10)
    assert not sweep.diverged[0] and progress(X, y, sweep.final_loss[0]) >= 1 - Q.SETTLED
    assert q.answer().choice == "settles"


def test_past_the_edge_full_batch_descent_diverges():
    q = Q.BY_ID["lr_past_edge"]
    X, _y = lesson_data()
    lam = curvature(X).lambda_max
    assert q.params["lr"] > 2 / lam and regime(q.params["lr"] * lam) == "diverging"
    answer = q.answer()
    assert answer.choice == "diverges" and answer.facts["diverged_at"] >= 1
    assert math.isclose(answer.facts["lr_stable"], max_stable_lr(X))


def test_between_one_and_two_over_lambda_max_the_path_zig_zags():
    q = Q.BY_ID["zigzag_path"]
    X, y = lesson_data()
    curv = curvature(X)
    assert lr_region(q.params["lr"], region_bounds(curv, 30)) == "oscillating"
    # along the steepest axis each step multiplies the distance by 1 - lr lambda_max < 0: it
    # crosses the optimum every step while the distance is above 1 % of the start's
    factor = 1 - q.params["lr"] * curv.lambda_max
    crossings = math.floor(math.log(Q.FLIP_SCALE) / math.log(abs(factor)))
    answer = q.answer()
    assert answer.choice == "zigzag" and abs(answer.facts["flips"] - crossings) <= 1


def test_batch_1_is_about_ten_times_noisier_than_batch_100():
    """The batch loss is the mean of B of the n squared residuals, drawn without replacement: its
    relative standard deviation is sqrt((n - B) / (B (n - 1))) times the residuals' own (the
    same for both runs), so batch 1 against batch 100 is sqrt(100 (n - 1) / (n - 100)) = 10.5."""
    q = Q.BY_ID["batch_noise"]
    n = DEFAULTS["n"]
    theory = math.sqrt(100 * (n - 1) / (n - 100))
    expected = min(Q.NOISE_STOPS, key=lambda c: abs(math.log(theory / Q.NOISE_STOPS[c])))
    answer = q.answer()
    assert answer.choice == expected == "b1_x10"
    # measured on one run each (30 batches of 100): within its sampling noise of the theory
    assert theory / 1.5 < answer.facts["ratio"] < theory * 1.5
    for batch, noise in ((1, answer.facts["noise_1"]), (100, answer.facts["noise_100"])):
        assert noise == pytest.approx(math.sqrt(2 * (n - batch) / (batch * (n - 1))), rel=0.3)
        assert noise == pytest.approx(Q.expected_noise(batch, n), rel=0.3)       # the curve drawn


def test_the_noise_floor_is_sigma_squared_over_two_within_noise():
    q = Q.BY_ID["noise_floor"]
    sigma, n = q.params["noise"], DEFAULTS["n"]
    answer = q.answer()
    # the least-squares loss of n draws: mean sigma^2 (1 - (d + 1) / n) / 2, std sigma^2 / sqrt(2 n)
    assert abs(answer.value - loss_floor(sigma)) < 4 * sigma**2 / math.sqrt(2 * n) + 3 * loss_floor(sigma) / n
    assert answer.is_right(loss_floor(sigma))               # the theory's answer counts as right
    assert q.bounds[0] <= answer.value <= q.bounds[1]


def test_zero_weights_learn_as_well_because_the_loss_is_convex():
    q = Q.BY_ID["zero_init"]
    X, y = lesson_data()
    start_zero = lr_sweep(X, y, [0.03], steps=300, batch_size=10, w0=np.zeros(2), b0=0.0)
    start_random = lr_sweep(X, y, [0.03], steps=300, batch_size=10)
    assert start_zero.final_loss[0] == pytest.approx(start_random.final_loss[0], rel=1e-3)
    assert q.answer().choice == "as_well"


def test_standardising_removes_the_zig_zag_as_the_curvature_says():
    q = Q.BY_ID["standardise"]
    lr, k = q.params["lr"], q.params["k"]
    X, _y = conditioned_data(k=k)
    stretched, standardised = curvature(X), curvature(standardise(X).X)
    assert lr_region(lr, region_bounds(stretched, 300)) == "oscillating"       # 1/lambda_max < lr < 2/...
    assert lr_region(lr, region_bounds(standardised, 300)) in ("creeping", "fast")   # below 1/lambda_max
    answer = q.answer()
    assert answer.choice == "goes"
    assert answer.facts["flips_stretched"] >= Q.ZIGZAG_FLIPS > answer.facts["flips_standardised"] == 0


def test_w1_after_one_epoch_follows_the_expected_recursion():
    """In expectation one minibatch step is a full-batch step: theta - theta* shrinks by (I - lr H)
    per step, 100 steps in an epoch of batches of 10."""
    q = Q.BY_ID["w1_epoch"]
    X, y = lesson_data()
    from core.trainer import initial_params
    w0, b0 = initial_params(0, 2)
    expected = gd_theta(X, y, q.params["lr"], 100, np.append(w0, b0))[0]
    answer = q.answer()
    assert answer.value == pytest.approx(expected, abs=0.03)
    assert answer.is_right(expected) and not answer.is_right(q.params["true_w1"] + 0.2)


def test_three_full_batch_steps_barely_move_and_a_tenth_of_the_lr_gets_part_way():
    X, y = lesson_data()
    from core.trainer import initial_params
    w0, b0 = initial_params(0, 2)
    full = Q.BY_ID["full_batch_budget"]
    p = progress(X, y, loss_at(X, y, gd_theta(X, y, full.params["lr"], full.params["epochs"],
                                              np.append(w0, b0))))
    assert p < Q.PART and full.answer().choice == "barely"
    assert full.answer().facts["progress"] == pytest.approx(p, rel=1e-6)
    small = Q.BY_ID["small_lr"]
    sweep = lr_sweep(X, y, [small.params["lr"]], steps=300, batch_size=10)
    p = progress(X, y, sweep.final_loss[0])
    assert Q.PART <= p < 1 - Q.SETTLED and small.answer().choice == "part"


def test_every_answer_is_one_of_its_choices_or_in_its_bounds():
    for q in Q.QUESTIONS:
        a = q.answer()
        if q.kind == "choice":
            assert a.choice in q.choices and a.value is None, q.id
        else:
            assert a.choice is None and q.bounds[0] <= a.value <= q.bounds[1] and a.tolerance == q.tolerance


# ---- the class experiment ----------------------------------------------------------------------------

def test_the_lr_spread_straddles_the_stable_edge_of_the_lessons_data():
    ex = Q.experiment("lr")
    X, _y = lesson_data()
    assert ex.edge == pytest.approx(max_stable_lr(X))
    values = np.array(ex.values)
    assert list(values) == sorted(set(values)) and len(values) == 16
    assert all(float(f"{v:.3g}") == v and 1e-4 <= v <= 10 for v in values)
    assert values.min() < DEFAULTS["lr"] and values.max() > ex.edge
    assert 2 <= np.sum(values > ex.edge) <= 4                  # most phones below the edge, a few past
    assert Q.experiment("lr") is Q.experiment("lr")              # cached
    wide = Q.experiment("lr", {**DEFAULTS, "w": (2.0, -3.4, 1.0), "n": 500})
    assert wide.edge == pytest.approx(max_stable_lr(lesson_data(wide.settings)[0]))


def test_a_phones_dot_is_its_final_loss_or_where_it_diverged():
    ex = Q.experiment("lr")
    low, high = ex.values[4], ex.values[-1]
    runs = {}
    for lr in (low, high):
        runs[lr] = Run({**ex.settings, "lr": lr})
        runs[lr].advance(runs[lr].total_steps)
    result, diverged = Q.dot_result("lr", runs[low])
    assert diverged is None and result == pytest.approx(runs[low].theory.min_loss, rel=0.5)
    result, diverged = Q.dot_result("lr", runs[high])
    assert result is None and diverged >= 1
    with pytest.raises(ValueError):
        Q.dot_result("lr", Run(ex.settings))                    # not run yet


def test_the_batch_spread_ends_at_n_where_the_loss_curve_has_no_noise():
    ex = Q.experiment("batch_size")
    assert ex.values[0] == 1 and ex.values[-1] == DEFAULTS["n"] and ex.edge is None
    noise = []
    for batch in (1, 10, DEFAULTS["n"]):
        run = Run({**ex.settings, "batch_size": batch})
        run.advance(run.total_steps)
        noise.append(Q.dot_result("batch_size", run)[0])
    assert noise[0] > noise[1] > noise[2] and noise[2] == pytest.approx(0, abs=1e-9)
    with pytest.raises(ValueError):
        Q.experiment("epochs")


def test_the_experiment_draws_the_core_s_lines():
    """The projector's references come from the core: the loss floor of the lesson's data under the
    lr sweep, and the expected noise of each batch size under the batch sweep (0 for the full batch)."""
    lr = Q.experiment("lr")
    d = DEFAULTS
    X, y = synthetic_data(d["w"], d["b"], d["n"], d["noise"], seed=d["seed"])
    assert lr.floor == pytest.approx(Theory(X, y, DEFAULTS["noise"]).min_loss)
    assert lr.theory == ()
    batch = Q.experiment("batch_size")
    assert [b for b, _ in batch.theory] == list(batch.values)
    noise = dict(batch.theory)
    assert noise[DEFAULTS["n"]] == 0.0 and noise[1] == pytest.approx(math.sqrt(2), rel=1e-3)
    assert all(a > b for (_, a), (_, b) in zip(batch.theory, batch.theory[1:]))
