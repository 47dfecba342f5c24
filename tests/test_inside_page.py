"""The page "One step, inside" as a user meets it (AppTest through app.py, both languages): on a
run of its own and on the main page's step, the stepping control through the forward and the
backward pass, the batch mean against the step's record, bad links and runs at their edges; and
its pure figure builders against core.inside."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import CJK, open_page

import core
from core import inside
from core.run import DIVERGED, Run
from core.settings import DEFAULTS
from ui import inside_figures as F

PAGE = "views/inside_step.py"


def run_page(lang=None, at=None, **query):
    if at is not None:                  # a session that has been on the main page
        at.switch_page(PAGE)
        return at.run()
    if lang:
        query["lang"] = lang
    return open_page(PAGE, timeout=60, **query)


def texts(els):
    return [e.value for e in els]


def page_text(at):
    return "\n".join(texts(at.markdown) + texts(at.caption) + texts(at.info) + texts(at.success))


def main_session(steps, **query):
    """A session that opened the main page with `query` and pressed Step `steps` times."""
    at = open_page(None, timeout=60, speed="0", **query)
    for _ in range(steps):
        at = at.button(key="step").click().run()
    assert not at.exception
    return at


def put_run(at, settings, steps):
    """Give the session a main-page run of `settings` advanced `steps` updates (or to its end)."""
    run = Run({**DEFAULTS, **settings})
    run.advance(steps)
    at.session_state["run"] = run
    return run


def stage_buttons(at):
    return {k: at.button(key=k) for k in ("inside_back", "inside_forward", "inside_restart", "inside_all")}


# ---- the page in both languages -------------------------------------------------------------

@pytest.mark.parametrize("lang", ["en", "zh"])
def test_renders_on_its_own_run_in_both_languages(lang, misses):
    at = run_page(lang)
    assert not at.exception and not at.warning and not at.error
    title = texts(at.title)[0]
    assert title == ("One step, inside" if lang == "en" else "拆解一步")
    assert len(at.get("plotly_chart")) == 4                  # graph, noise plane, 1/B curve, arrows
    assert len(at.metric) == 8
    assert at.number_input(key="inside_step").value == 1
    if lang == "zh":
        assert CJK.search(at.info[0].value) and CJK.search(at.success[0].value)
        assert all(CJK.search(m.label) for m in at.metric)
        assert all(CJK.search(b.label) for b in stage_buttons(at).values())
    assert not misses
    assert at.query_params["lang"] == lang and at.query_params["stage"] == str(F.ALL)


def test_its_own_run_shows_the_records_gradient_and_steps_on(lesson):
    at = run_page()
    X, y = lesson
    for step in (1, 2):
        real = inside.replay_step(X, y, step, lr=0.03, batch_size=10, seed=0)
        _, gw, gb = core.gradients(X[real.record.batch], y[real.record.batch], real.w, real.b)
        np.testing.assert_allclose(gw, real.record.grad_w, rtol=1e-12)
        table = [m for m in texts(at.markdown) if "∂L/∂w1" in m][0]
        rows = [line for line in table.splitlines() if line.startswith("| ") and "∂L" not in line]
        assert len(rows) == 2                                   # this page's mean, the record
        for row in rows:
            cells = [c.strip() for c in row.strip("|").split("|")][1:]
            assert [float(c) for c in cells] == pytest.approx(
                [real.record.grad_w[0], real.record.grad_w[1], real.record.grad_b], rel=1e-3)
        assert any("1.8e-15" in s or re.search(r"\de-1[4-7]", s) for s in texts(at.success))
        at = at.button(key="inside_next").click().run()
        assert not at.exception
    assert at.number_input(key="inside_step").value == 3
    assert at.query_params["step"] == "3"


def test_the_main_pages_step_is_the_one_inside():
    at = main_session(3)
    run = at.session_state["run"]
    assert run.last.step == 3
    at = run_page(at=at)
    assert not at.exception
    assert at.radio(key="inside_source").value == "main"
    text = page_text(at)
    assert "update 3 of 300" in " ".join(o for o in at.radio(key="inside_source").options)
    # the batch mean this page computes from the parameters before step 3 is the record's gradient
    table = [m for m in texts(at.markdown) if "∂L/∂w1" in m][0]
    assert f"{run.last.grad_w[0]:.4g}" in table and f"{run.last.grad_b:.4g}" in table
    assert "the main page's step 3" in table
    # the graph follows the first example of step 3's batch, from the parameters before it
    examples = [m for m in texts(at.markdown) if "∂l/∂w1" in m][0]
    row = int(run.last.batch[0])
    g = inside.graph(run.X[row], run.y[row], run.history.column("w")[1], run.history.column("b")[1])
    first = [line for line in examples.splitlines() if line.startswith("| ▶ 1 |")][0]
    cells = [c.strip() for c in first.strip("|").split("|")]
    assert int(cells[1]) == row
    assert [float(c) for c in cells[2:]] == pytest.approx([*g.dl_dw, g.dl_db], rel=1e-3)
    assert g.dl_db == g.node("err").value                    # the column says ∂l/∂b = ŷ − y
    assert "The same numbers" in text
    # the page's own run instead
    at = at.radio(key="inside_source").set_value("own").run()
    assert not at.exception and at.number_input(key="inside_step").value == 1


def test_stepping_through_the_forward_then_the_backward_pass():
    at = run_page()
    at = stage_buttons(at)["inside_restart"].click().run()
    assert "Nothing computed yet" in page_text(at) and stage_buttons(at)["inside_back"].disabled
    seen = []
    for k in range(F.ALL):
        at = stage_buttons(at)["inside_forward"].click().run()
        assert not at.exception
        caption = [m for m in texts(at.markdown) if m.startswith("Stage ")][0]
        seen.append(caption)
        assert caption.startswith(f"Stage {k + 1} of {F.ALL} · ")
        assert len(at.latex) >= 1
    assert [c.split(" · ")[1].split(":")[0] for c in seen] == \
        ["Forward pass"] * 9 + ["Backward pass"] * 8 + ["The mean over the batch"]
    assert [c.rsplit(": ", 1)[1] for c in seen[:9]] == ["x", "w", "Xw", "b", "ŷ", "y", "ŷ − y", "l", "L"]
    assert stage_buttons(at)["inside_forward"].disabled
    at = stage_buttons(at)["inside_back"].click().run()
    assert f"Stage {F.ALL - 1} of" in page_text(at)
    assert at.query_params["stage"] == str(F.ALL - 1)


def test_the_equations_carry_the_graphs_numbers(lesson):
    X, y = lesson
    real = inside.replay_step(X, y, 1, lr=0.03, batch_size=10, seed=0)
    row = int(real.record.batch[1])
    g = inside.graph(X[row], y[row], real.w, real.b)
    at = run_page(stage="3", example="2")              # the stage Xw of the second example
    latex = at.latex[0].value
    assert f"= {F.fmt(g.node('Xw').value)}".replace("−", "-") in latex
    at = run_page(stage=str(9 + 7), example="2")       # backward at w: (ŷ − y) x
    latex = at.latex[0].value
    plain = latex.replace("-", "−")
    assert F.fmt_vec(g.dl_dw) in plain and F.fmt(g.node("err").value) in plain
    assert F.fmt_vec(g.node("err").value * X[row]) in plain


def test_bad_link_values_warn_in_the_users_language():
    at = run_page("zh", step="abc", example="-5", stage="99")
    assert not at.exception
    warnings = texts(at.warning)
    assert len(warnings) == 3 and all(CJK.search(w) for w in warnings), warnings
    assert at.number_input(key="inside_step").value == 1
    at = run_page(example="50")                         # more than the batch's 10: its last
    assert not at.exception and at.number_input(key="inside_example").value == 10


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_diverged_main_run_falls_back_to_the_pages_own(lang, misses):
    at = open_page(None, timeout=60, lang=lang)
    run = put_run(at, {"lr": 10.0}, 10**6)
    assert run.status == DIVERGED
    at = run_page(at=at)
    assert not at.exception
    (info,) = texts(at.info)
    assert str(run.last.step) in info and ("diverged at update" in info if lang == "en" else CJK.search(info))
    assert at.number_input(key="inside_step").value == 1
    assert not misses


def test_the_main_pages_step_in_chinese(misses):
    at = open_page(None, timeout=60, lang="zh")
    put_run(at, {"backend": "numpy"}, 4)
    at = run_page(at=at)
    assert not at.exception
    assert at.radio(key="inside_source").value == "main"
    assert all(CJK.search(o) for o in at.radio(key="inside_source").options)
    assert CJK.search(at.success[0].value) and "第 4 步" in page_text(at)
    at = stage_buttons(at)["inside_restart"].click().run()
    for _ in range(3):
        at = stage_buttons(at)["inside_forward"].click().run()
    assert "阶段 3/18" in page_text(at) and not at.exception
    assert not misses


@pytest.mark.parametrize("settings, steps", [
    ({"batch_size": 1000}, 2),                          # full batch: no noise at all
    ({"w": (2.0,)}, 5),                                 # one feature: the (w, b) plane
    ({"w": (1.0, -2.0, 0.5, 3.0, -1.0)}, 5),            # five features
    ({"batch_size": 7}, 143),                           # the last, smaller batch of an epoch (6)
    ({"n": 2, "batch_size": 1}, 1),                     # the smallest data set
])
def test_runs_at_their_edges(settings, steps):
    at = open_page(None, timeout=60)
    run = put_run(at, settings, steps)
    at = run_page(at=at)
    assert not at.exception and not at.error
    assert at.radio(key="inside_source").value == "main"
    assert len(at.get("plotly_chart")) == 4
    text = page_text(at)
    assert "The same numbers" in text
    if settings.get("batch_size") == 1000:
        assert "whole data set" in text
    if settings.get("batch_size") == 7:
        assert len(run.last.batch) == 6 and "(6 examples)" in at.number_input(key="inside_example").label


def test_a_mindspore_run_differs_by_float32_rounding():
    pytest.importorskip("mindspore")
    at = open_page(None, timeout=60)
    run = put_run(at, {"backend": "mindspore"}, 3)
    assert run.last is not None, run.error
    at = run_page(at=at)
    assert not at.exception
    (msg,) = [s for s in texts(at.success) if "float32" in s]
    diff = float(re.search(r"difference is ([0-9.e+-]+)", msg).group(1))
    assert 0 < diff < 1e-4


# ---- the figure builders --------------------------------------------------------------------

def node_texts(fig):
    return [a.text for a in fig.layout.annotations if a.text and "<b>" in a.text]


def test_graph_shows_what_each_stage_has_reached(lesson):
    X, y = lesson
    g = inside.graph(X[3], y[3], np.array([0.5, -1.0]), 0.25)
    bg = inside.batch_graph(X, y, np.array([0.5, -1.0]), 0.25, np.arange(10))
    batch = bg
    blank = node_texts(F.graph_figure(g, 0, batch))
    assert len(blank) == 9 and not any("<span" in t for t in blank)
    full = " ".join(node_texts(F.graph_figure(g, F.ALL, batch)))
    for name in ("Xw", "y_hat", "err", "l"):
        assert F.fmt(g.node(name).value) in full and F.fmt(g.node(name).grad) in full
    assert F.fmt_vec(g.dl_dw) in full and F.fmt(bg.L) in full and F.fmt_vec(bg.dL_dw) in full
    # after the forward pass to Xw: x, w and Xw have values, nothing has a gradient
    part = node_texts(F.graph_figure(g, 3, batch))
    assert sum("<span" in t for t in part) == 3 and "∂l/∂" not in " ".join(part)
    # the edges get their local derivatives once the backward pass crosses them
    labels = [a.text for a in F.graph_figure(g, F.ALL, batch).layout.annotations if "<i>" in (a.text or "")]
    assert len(labels) == 8
    assert len([a for a in F.graph_figure(g, 9, batch).layout.annotations if "<i>" in (a.text or "")]) == 0


def test_noise_and_variance_figures_hold_the_measured_numbers(lesson):
    X, y = lesson
    w, b = np.array([0.5, -1.0]), 0.25
    nz = inside.gradient_noise(X, y, w, b, np.arange(10), draws=300)
    fig = F.noise_figure(nz, (0, 1), 2)
    per = [t for t in fig.data if t.name == F.WORDS["per_example"]][0]
    np.testing.assert_allclose(per.x, nz.per_example[:, 0])
    star = [t for t in fig.data if t.name == F.WORDS["batch_mean"]][0]
    assert star.x[0] == pytest.approx(nz.batch_mean[0])
    # the 2 sigma ellipse of the batch: its extent along w1 is 2 sqrt(cov[0, 0]) either side
    ell = [t for t in fig.data if t.name == F.WORDS["spread_B"].format(batch=10)][0]
    assert (max(ell.x) - min(ell.x)) / 2 == pytest.approx(2 * np.sqrt(nz.cov_batch[0, 0]), rel=1e-3)
    vc = inside.variance_curve(X, y, w, b, [1, 10, 100, 1000], draws=200)
    vf = F.variance_figure(vc, 10)
    theory = [t for t in vf.data if t.name == F.WORDS["theory"]][0]
    assert list(theory.x) == [1, 10, 100]                  # the full batch's 0 is off a log axis


def test_arrow_figure_draws_both_steps_from_the_start(lesson):
    X, y = lesson
    w, b = np.array([0.5, -1.0]), 0.25
    ar = inside.update_arrows(X, y, w, b, np.arange(10), 0.03)
    box = F.arrow_box(ar, (0, 1), optimum=[2.0, -3.4])
    for end in (ar.end_batch, ar.end_full):
        assert box[0][0] < end[0] < box[0][1] and box[1][0] < end[1] < box[1][1]
    plane = inside.loss_plane(X, y, w, b, *box, n=20)
    fig = F.arrow_figure(ar, plane, (0, 1), 2, optimum=[2.0, -3.4])
    batch = [t for t in fig.data if t.name == F.WORDS["batch_step"]][0]
    assert list(batch.x) == pytest.approx([w[0], ar.end_batch[0]])
    assert any(a.text == F.WORDS["to_optimum"] for a in fig.layout.annotations)   # off the view
    whole = F.arrow_box(ar, (0, 1), optimum=[2.0, -3.4], whole=True)
    assert whole[0][0] < 2.0 < whole[0][1] and whole[1][0] < -3.4 < whole[1][1]


# ---- beyond plain SGD: the update as its parts --------------------------------------------------

def missing(misses):
    """misses without "Adadelta": the book's Chinese name of it is the same word (d2l-zh 11.9)."""
    return [m for m in misses if m != "Adadelta"]


def rule_table(at):
    """The optimizer's table ({row label: [w1, w2, b]}), as the page wrote it."""
    table = [m for m in texts(at.markdown) if m.startswith("|  | w1 | w2 | b |")]
    assert len(table) == 1, texts(at.markdown)
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in table[0].splitlines()[2:]]
    return {r[0]: [float(c.replace("−", "-")) for c in r[1:]] for r in rows}


def rule_latex(at):
    return [t.value.replace("-", "−") for t in at.latex if r"\Delta\theta" in t.value or "_t" in t.value]


def vec(a):
    """A vector as the page writes it in an equation: a column w1, w2, b (its minus signs as the
    page's text has them: rule_latex reads them back so)."""
    return r"\begin{bmatrix}" + r" \\ ".join(F.fmt(x) for x in a) + r"\end{bmatrix}"


def theta(w, b):
    return np.append(w, b)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_momentum_is_drawn_as_the_gradient_and_the_velocity(lang, lesson, misses):
    X, y = lesson
    at = run_page(lang, optimizer="momentum", step="3")
    assert not at.exception and not at.warning
    real = inside.replay_step(X, y, 3, lr=0.02, batch_size=10, seed=0, optimizer="momentum",
                              hyperparams={"momentum": 0.5})
    rec, g = real.record, theta(real.record.grad_w, real.record.grad_b)
    v = 0.5 * np.asarray(real.state.v) + g                   # by hand: v <- β v + g
    np.testing.assert_allclose(rec.state.v, v, rtol=1e-12)
    step = theta(rec.w, rec.b) - theta(real.w, real.b)
    np.testing.assert_allclose(step, -0.02 * g - 0.02 * 0.5 * np.asarray(real.state.v), rtol=1e-9)
    table = rule_table(at)
    before, after = [k for k in table if "v" in k and k not in ("−lr · β · v",)][:2]
    assert table["g"] == pytest.approx(g, rel=1e-3)
    assert table[before] == pytest.approx(real.state.v, rel=1e-3, abs=1e-12)
    assert table[after] == pytest.approx(v, rel=1e-3)
    assert table["−lr · β · v"] == pytest.approx(-0.02 * 0.5 * np.asarray(real.state.v), rel=1e-3)
    assert table["−lr · g"] == pytest.approx(-0.02 * g, rel=1e-3)
    assert list(table.values())[-1] == pytest.approx(step, rel=1e-3)
    lines = rule_latex(at)
    assert any(vec(v) in line and vec(real.state.v) in line for line in lines)
    delta = [line for line in lines if r"\Delta\theta" in line][0]
    assert vec(-0.02 * g) in delta and vec(-0.01 * np.asarray(real.state.v)) in delta and vec(step) in delta
    assert delta.count("&=") == delta.count(r" \\ &=") + 1 == 4     # one "=" a line
    assert len(at.metric) == 8
    text = page_text(at)
    if lang == "en":
        assert "does not change the gradient" in text and "tip to tail" in text
        assert at.subheader[-1].value == "The step Momentum takes, written out"
    else:
        assert CJK.search(at.subheader[-1].value) and "不改变梯度" in text
    assert at.query_params["optimizer"] == "momentum" and at.query_params["momentum"] == "0.5"
    assert "beta1" not in at.query_params
    assert not missing(misses)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_adam_shows_its_moments_and_bias_correction(lang, lesson, misses):
    X, y = lesson
    at = run_page(lang, optimizer="adam", step="2")
    assert not at.exception and not at.warning
    real = inside.replay_step(X, y, 2, lr=0.01, batch_size=10, seed=0, optimizer="adam")
    rec, g = real.record, theta(real.record.grad_w, real.record.grad_b)
    v = 0.9 * np.asarray(real.state.v) + 0.1 * g
    s = 0.999 * np.asarray(real.state.s) + 0.001 * g * g
    v_hat, s_hat = v / (1 - 0.9 ** 2), s / (1 - 0.999 ** 2)
    step = -0.01 * v_hat / (np.sqrt(s_hat) + 1e-6)
    assert real.state.t == 1 and rec.state.t == 2
    np.testing.assert_allclose(theta(rec.w, rec.b) - theta(real.w, real.b), step, rtol=1e-9)
    table = rule_table(at)
    assert table["v̂"] == pytest.approx(v_hat, rel=1e-3) and table["ŝ"] == pytest.approx(s_hat, rel=1e-3)
    assert list(table.values())[-1] == pytest.approx(step, rel=1e-3)
    assert sum(vals == pytest.approx(v, rel=1e-3) for vals in table.values()) == 1
    assert sum(vals == pytest.approx(s, rel=1e-3) for vals in table.values()) == 1
    lines = rule_latex(at)
    assert any(vec(v_hat) in line and "0.9^{2}" in line for line in lines)
    assert any(vec(step) in line and r"\sqrt{\hat s_t}" in line for line in lines)
    assert any(r"10^{−6}" in line for line in lines)          # eps = 1e-06, written as LaTeX does
    assert "t = 2" in page_text(at) or "t = 2" in " ".join(texts(at.caption))
    if lang == "zh":
        assert CJK.search(at.subheader[-1].value)
    assert not missing(misses)


def test_plain_sgd_is_unchanged():
    at = run_page()
    assert not at.exception
    assert not any(m.startswith("|  | w1 | w2 | b |") for m in texts(at.markdown))
    assert "does not change the gradient" not in page_text(at)
    assert not any(k in at.query_params for k in ("optimizer", "momentum", "eps"))
    assert at.selectbox(key="inside_optimizer").value == "sgd"


def test_bad_optimizer_links_are_clamped_with_a_warning_in_both_languages():
    at = run_page("zh", optimizer="lbfgs", momentum="7")
    assert not at.exception
    warnings = texts(at.warning)
    assert len(warnings) == 2 and all(CJK.search(w) for w in warnings), warnings
    assert at.selectbox(key="inside_optimizer").value == "sgd" and "optimizer" not in at.query_params
    at = run_page(optimizer="momentum", momentum="7", step="2")
    assert not at.exception and len(at.warning) == 1 and "momentum" in at.warning[0].value
    assert at.number_input(key="inside_momentum").value == 0.999
    assert at.query_params["momentum"] == "0.999"
    at = run_page(optimizer="adadelta")                     # what the link leaves out: the book's
    assert at.number_input(key="inside_eps").value == 1e-5 and at.number_input(key="inside_rho").value == 0.9


def test_choosing_an_optimizer_starts_from_the_books_values_and_replays_with_it(lesson):
    X, y = lesson
    at = run_page(optimizer="momentum", momentum="0.9", step="4")
    assert rule_table(at)
    at = at.selectbox(key="inside_optimizer").set_value("adam").run()
    assert not at.exception
    assert at.number_input(key="inside_beta1").value == 0.9
    assert at.number_input(key="inside_eps").value == 1e-6
    assert at.query_params["optimizer"] == "adam" and "momentum" not in at.query_params
    real = inside.replay_step(X, y, 4, lr=0.01, batch_size=10, seed=0, optimizer="adam")
    step = theta(real.record.w, real.record.b) - theta(real.w, real.b)
    assert list(rule_table(at).values())[-1] == pytest.approx(step, rel=1e-3)   # not the cached momentum
    at = at.number_input(key="inside_beta1").set_value(0.5).run()
    real = inside.replay_step(X, y, 4, lr=0.01, batch_size=10, seed=0, optimizer="adam",
                              hyperparams={"beta1": 0.5})
    step = theta(real.record.w, real.record.b) - theta(real.w, real.b)
    assert list(rule_table(at).values())[-1] == pytest.approx(step, rel=1e-3)


@pytest.mark.parametrize("name", ["adagrad", "rmsprop", "adadelta"])
def test_the_per_coordinate_scale_of_the_other_optimizers(name, lesson):
    X, y = lesson
    at = run_page(optimizer=name, step="3")
    assert not at.exception and not at.warning
    hp = core.optimizers.BOOK_DEFAULTS[name]
    real = inside.replay_step(X, y, 3, lr=hp["lr"], batch_size=10, seed=0, optimizer=name)
    g = theta(real.record.grad_w, real.record.grad_b)
    s = np.asarray(real.record.state.s)
    table = rule_table(at)
    if name == "adadelta":
        gp = np.sqrt((np.asarray(real.state.delta) + hp["eps"]) / (s + hp["eps"])) * g
        assert table["g′"] == pytest.approx(gp, rel=1e-3)
    else:
        scale = [k for k in table if k.startswith("lr / √(s + ε)")][0]
        assert table[scale] == pytest.approx(hp["lr"] / np.sqrt(s + hp["eps"]), rel=1e-3)
    step = theta(real.record.w, real.record.b) - theta(real.w, real.b)
    assert list(table.values())[-1] == pytest.approx(step, rel=1e-3)


def test_the_main_pages_momentum_step(misses):
    at = open_page(None, timeout=60, lang="zh")
    run = put_run(at, {"optimizer": "momentum", "momentum": 0.9, "lr": 0.01}, 4)
    at = run_page(at=at)
    assert not at.exception and at.radio(key="inside_source").value == "main"
    before, after = run.record(3).state.v, run.record(4).state.v
    table = rule_table(at)
    assert sum(vals == pytest.approx(before, rel=1e-3) for vals in table.values()) == 1
    assert sum(vals == pytest.approx(after, rel=1e-3) for vals in table.values()) == 1
    assert table["−lr · β · v"] == pytest.approx(-0.01 * 0.9 * np.asarray(before), rel=1e-3)
    step = theta(run.last.w, run.last.b) - theta(run.history.column("w")[2], run.history.column("b")[2])
    assert list(table.values())[-1] == pytest.approx(step, rel=1e-3)
    assert "动量法" in " ".join(texts(at.caption))
    assert not missing(misses)


def test_arrow_figure_draws_momentums_parts_tip_to_tail(lesson):
    X, y = lesson
    w, b = np.array([0.5, -1.0]), 0.25
    ar = inside.update_arrows(X, y, w, b, np.arange(10), 0.02)
    carried = np.array([0.01, -0.03, 0.02])
    taken = ar.end_batch + carried
    box = F.arrow_box(ar, (0, 1), extra=(taken,))
    plane = inside.loss_plane(X, y, w, b, *box, n=20)
    fig = F.arrow_figure(ar, plane, (0, 1), 2, words=None, taken=taken, carried=carried, optimizer="Momentum")
    by = {t.name: t for t in fig.data}
    part, vel = by[F.WORDS["grad_part"]], by[F.WORDS["velocity"]]
    step = by[F.WORDS["taken"].format(optimizer="Momentum")]
    assert list(part.x) == pytest.approx([w[0], ar.end_batch[0]])
    assert list(vel.x) == pytest.approx([ar.end_batch[0], taken[0]])        # from the part's tip
    assert list(step.x) == pytest.approx([w[0], taken[0]]) and list(step.y) == pytest.approx([w[1], taken[1]])
    # apart without colour: solid, dashed, thick with a diamond, the full gradient dotted
    assert (part.line.dash, vel.line.dash, by[F.WORDS["full_step"]].line.dash) == ("solid", "dash", "dot")
    assert step.line.width > part.line.width and step.marker.symbol == "diamond"
    assert F.WORDS["batch_step"] not in by
