"""The loss landscape page as a user meets it (AppTest, both languages, bad links), the lr it
carries to the main page, and its pure figure builders against core.landscape."""

from __future__ import annotations

import gettext
import json
import math
import re

import numpy as np
import pytest
from conftest import ROOT, open_page

import core
from core import landscape as ls
from core.theory import lstsq_optimum
from ui.landscape_figures import (
    clipped,
    contour_figure,
    finder_figure,
    map_figure,
    optimizers_figure,
    region_spans,
    stable_edge,
    surface_figure,
    valley_axes,
    view_box,
)

PAGE = "views/loss_landscape.py"
ZH = gettext.translation("messages", ROOT / "ui" / "locale", languages=["zh"])
CJK = re.compile(r"[\u4e00-\u9fff]")
DEFAULT_QUERY = {"k": "1", "rho": "0", "std": "0", "lr": "0.03", "batch_size": "10", "steps": "300",
                 "opt_lrs": "book", "optimizer": "sgd"}


def run_page(lang=None, **query):
    if lang:
        query["lang"] = lang
    return open_page(PAGE, timeout=60, **query)


def texts(elements):
    return [e.value for e in elements]


def metrics(at):
    return {m.label: m.value for m in at.metric}


def charts(at):
    return at.get("plotly_chart")


# ---- the page -------------------------------------------------------------------------------

def test_default_render_in_english():
    at = run_page()
    assert not at.exception
    assert texts(at.title) == ["The loss landscape"]
    assert not at.warning and not at.error
    assert dict(at.query_params) == {**DEFAULT_QUERY, "lang": "en"}
    m = metrics(at)
    assert list(m) == ["λ_max (largest Hessian eigenvalue)", "λ_min (smallest Hessian eigenvalue)",
                       "Condition number κ = λ_max/λ_min", "Stable learning rate 2/λ_max"]
    X, _y = ls.conditioned_data()
    c = ls.curvature(X)
    assert m["Stable learning rate 2/λ_max"] == f"{c.lr_stable:.3g}"
    assert m["Condition number κ = λ_max/λ_min"] == f"{c.cond:.3g}"
    assert any(t.startswith("**Fast**") for t in texts(at.success))
    assert len(charts(at)) == 5           # contours, surface, optimizers, finder, map
    assert at.sidebar.button_group(key="lang_picker").value == "en"


@pytest.mark.parametrize("query", [{}, {"k": "3", "rho": "0.6", "std": "1", "lr": "0.2"}, {"lr": "5"},
                                   {"k": "0.1", "rho": "-0.95", "batch_size": "1", "steps": "1000"}])
def test_the_page_in_chinese_asks_for_nothing_untranslated(misses, query):
    at = run_page(lang="zh", **query)
    assert not at.exception
    assert texts(at.title) == [ZH.gettext("The loss landscape")] and CJK.search(at.title[0].value)
    labels = [w.label for w in at.sidebar.select_slider] + [w.label for w in at.sidebar.slider] + \
        [w.label for w in at.number_input] + [w.label for w in at.slider] + list(metrics(at))
    assert labels and all(CJK.search(label) for label in labels), labels
    assert at.query_params["lang"] == "zh"
    assert misses == [], sorted(set(misses))


BAD = {"k": "0", "rho": "1", "std": "yes", "lr": "abc", "batch_size": "1e9", "steps": "-3",
       "opt_lrs": "best", "optimizer": "lbfgs"}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_garbage_in_the_link_gives_clear_warnings_in_the_language(lang):
    at = run_page(lang=lang, **BAD)
    assert not at.exception and not at.error
    warnings = texts(at.warning)
    assert len(warnings) == len(BAD), warnings
    template = ZH.gettext("Link setting {problem}") if lang == "zh" else "Link setting {problem}"
    for key, value in BAD.items():
        (w,) = [w for w in warnings if w.startswith(template.format(problem=key + " "))]
        assert repr(value) in w, w
        if lang == "zh":
            assert CJK.search(w), w
    (k_warning,) = [w for w in warnings if "'0'" in w]
    assert ("奇异" if lang == "zh" else "singular") in k_warning, k_warning
    assert dict(at.query_params) == {"k": "0.1", "rho": "0.95", "std": "0", "lr": "0.03",
                                     "batch_size": "1000", "steps": "1", "opt_lrs": "book",
                                     "optimizer": "sgd", "lang": lang}
    assert at.selectbox(key="landscape_optimizer").value == "sgd"
    assert at.radio(key="landscape_opt_lrs").value == "book"
    assert at.select_slider(key="landscape_k").value == 0.1
    assert at.slider(key="landscape_rho").value == 0.95
    assert at.number_input(key="landscape_lr").value == 0.03


@pytest.mark.parametrize("query", [{"k": "inf"}, {"k": "nan"}, {"k": "-1e308"}, {"rho": "-1"},
                                   {"rho": ""}, {"lr": "0"}, {"lr": "1e-300"}, {"steps": "2.5"},
                                   {"k": "[x](http://e.com) <b>b</b>"}, {"std": "-0"},
                                   {"k": "10", "lr": "10", "batch_size": "1", "steps": "1000"}])
def test_odd_link_values_never_raise(query):
    at = run_page(**query)
    assert not at.exception
    # an error may name the lr's region, never a failure of the page
    assert all(e.startswith("**Diverging**") for e in texts(at.error)), texts(at.error)
    assert len(charts(at)) == 5


def test_a_link_value_is_shown_literally_not_as_markdown():
    at = run_page(k="[x](http://e.com) **b**")
    (warning,) = texts(at.warning)
    assert r"\[x\](http://e.com) \*\*b\*\*" in warning.replace("\u2060", "")


def test_widget_change_is_written_to_url_and_clears_warnings():
    at = run_page(k="0")
    assert at.warning
    at.select_slider(key="landscape_k").set_value(3.0).run()
    assert not at.exception and not at.warning
    assert at.query_params["k"] == "3"


def test_a_stretched_valley_zigzags_and_standardising_cures_it():
    at = run_page(k="3")
    before = metrics(at)["Condition number κ = λ_max/λ_min"]
    assert float(before) > 8
    at.button(key="landscape_preset_zigzag").click().run()       # lr = 0.9 x 2/lambda_max
    X, _y = ls.conditioned_data(k=3.0)
    lr = float(f"{0.9 * ls.curvature(X).lr_stable:.3g}")
    assert at.number_input(key="landscape_lr").value == lr
    assert any(t.startswith("**Oscillating**") for t in texts(at.warning))
    at.toggle(key="landscape_std").set_value(True).run()
    assert not at.exception and at.query_params["std"] == "1"
    cond = metrics(at)["Condition number κ = λ_max/λ_min"]
    assert cond.startswith(before + " → ") and float(cond.split("→")[1]) < 1.2, cond
    assert "→" in metrics(at)["Stable learning rate 2/λ_max"]
    assert any(t.startswith("**Fast**") for t in texts(at.success))   # the same lr, now below 1/lambda_max
    table = at.dataframe[0]                                      # the model mapped back to raw units
    w_star, b_star = lstsq_optimum(*ls.conditioned_data(k=3.0))
    first = table.value.iloc[0]
    assert float(first["w1"]) == pytest.approx(w_star[0], rel=1e-3)
    assert float(first["w2"]) == pytest.approx(w_star[1], rel=1e-3)
    for _i, row in table.value.iloc[1:].iterrows():               # the runs land on it too
        assert float(row["w2"]) == pytest.approx(w_star[1], abs=0.02)
        assert float(row["b"]) == pytest.approx(b_star, abs=0.02)


def test_choosing_an_lr_of_the_sweep_sets_it_on_the_page():
    at = run_page()
    pick = at.selectbox(key="landscape_pick")
    assert pick.value is None and len(pick.options) == 40       # 0.03 is not on the grid
    lr = float(f"{ls.lr_grid()[20]:.3g}")
    pick.set_value(lr).run()
    assert not at.exception
    assert at.number_input(key="landscape_lr").value == lr
    assert at.query_params["lr"] == f"{lr:g}"
    assert at.selectbox(key="landscape_pick").value == lr
    assert at.button(key="landscape_carry").label == f"Use lr = {lr:g} on the main page"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_chosen_lr_goes_to_the_main_page(lang):
    at = run_page(lang=lang, lr="0.2")
    at.button(key="landscape_carry").click().run()
    assert not at.exception
    title = "Linear regression, step by step"
    assert texts(at.title) == [ZH.gettext(title) if lang == "zh" else title]
    assert at.select_slider(key="ctl_lr").value == 0.2
    assert at.session_state["run"].settings["lr"] == 0.2
    assert at.query_params["lr"] == "0.2" and at.query_params["lang"] == lang


def test_the_main_page_keeps_its_other_settings_when_an_lr_arrives():
    at = open_page(None, speed="0", batch_size="20")
    at.switch_page(PAGE).run()
    at.number_input(key="landscape_lr").set_value(0.5).run()
    at.button(key="landscape_carry").click().run()
    assert not at.exception
    assert at.select_slider(key="ctl_lr").value == 0.5
    assert at.select_slider(key="ctl_batch_size").value == 20
    assert at.query_params["batch_size"] == "20" and at.query_params["speed"] == "0"


# ---- beyond plain SGD: the six optimizers ----------------------------------------------------

OPTIMIZERS = ("sgd", "momentum", "adagrad", "rmsprop", "adadelta", "adam")
ZH_NAMES = {"sgd": "小批量随机梯度下降", "momentum": "动量法", "adagrad": "AdaGrad", "rmsprop": "RMSProp",
            "adadelta": "Adadelta", "adam": "Adam"}


def core_run(X, y, name, lr, steps, batch_size):
    """(steps to 10x the floor or None, diverged step or None, final loss) of one core.train run
    at the book's hyperparameters, counted here from its records."""
    from core.optimizers import BOOK_DEFAULTS
    hp = {k: v for k, v in BOOK_DEFAULTS[name].items() if k != "lr"}
    w_ls, b_ls = lstsq_optimum(X, y)
    floor = float(np.mean((X @ w_ls + b_ls - y) ** 2) / 2)
    w0, b0 = ls.initial_params(0, X.shape[1])
    reached = 0 if np.mean((X @ w0 + b0 - y) ** 2) / 2 <= 10 * floor else None
    epochs = -(-steps // -(-len(y) // batch_size))
    loss = None
    for rec in core.train(X, y, lr=lr, batch_size=batch_size, num_epochs=epochs, optimizer=name,
                          hyperparams=hp):
        if rec.diverged:
            return reached, rec.step, None
        loss = float(np.mean((X @ rec.w + rec.b - y) ** 2) / 2)
        if reached is None and loss <= 10 * floor:
            reached = rec.step
        if rec.step == steps:
            break
    return reached, None, loss


def array(value):
    """A plotly JSON array: a list, or {"dtype", "bdata"} (numpy arrays go base64)."""
    import base64
    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
    return np.asarray(value, dtype=float)


def table_of(at):
    return at.dataframe[-1].value                                   # after the original units' one


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_optimizers_table_is_separate_core_train_runs_before_and_after_standardising(lang):
    k, rho, lr, steps = 3.0, 0.5, 0.201, 120
    at = run_page(lang=lang, k="3", rho="0.5", lr=str(lr), steps=str(steps))
    assert not at.exception and not at.error
    t = (lambda m: ZH.gettext(m)) if lang == "zh" else (lambda m: m)
    assert t("Beyond plain SGD: momentum, AdaGrad, RMSProp, Adadelta, Adam") in texts(at.subheader)
    df = table_of(at)
    names = list(df[t("Optimizer")])
    if lang == "zh":
        assert all(ZH_NAMES[n] in names[i] for i, n in enumerate(OPTIMIZERS)), names
    else:
        assert names == ["minibatch SGD", "momentum", "AdaGrad", "RMSProp", "Adadelta", "Adam"]
    assert list(df[t("Hyperparameters")])[1] == "β = 0.5"
    stretched = t("stretched (k = {k}, ρ = {rho})").format(k="3", rho="0.5")
    from core.optimizers import BOOK_DEFAULTS
    reached_any = set()
    for std, valley in ((0, stretched), (1, t("standardised"))):
        X, y = ls.conditioned_data(k=k, rho=rho)
        if std:
            X = ls.standardise(X).X
        for i, name in enumerate(OPTIMIZERS):
            run_lr = lr if name == "sgd" else BOOK_DEFAULTS[name]["lr"]
            assert float(df[t("lr, {valley}").format(valley=valley)][i]) == pytest.approx(run_lr)
            reached, diverged, loss = core_run(X, y, name, run_lr, steps, 10)
            cell = df[t("steps to 10× the floor, {valley}").format(valley=valley)][i]
            if diverged:
                assert cell == t("diverged at step {step}").format(step=diverged)
            elif reached is None:
                assert cell == t("not within {steps} steps").format(steps=steps)
            else:
                assert cell == str(reached)
                reached_any.add(name)
            final = df[t("final loss, {valley}").format(valley=valley)][i]
            assert final == ("–" if diverged else f"{loss:.3g}")
    assert "sgd" in reached_any and "adam" not in reached_any      # the book's lr 0.01 is slow here


def test_tuned_lrs_are_each_optimizers_best_on_its_finder_and_the_subset_is_drawn():
    at = run_page(k="10", opt_lrs="tuned")
    assert not at.exception
    df = table_of(at)
    X, y = ls.conditioned_data(k=10.0)
    from core.optimizers import BOOK_DEFAULTS
    for i, name in enumerate(OPTIMIZERS):
        hp = {k: v for k, v in BOOK_DEFAULTS[name].items() if k != "lr"}
        with np.errstate(all="ignore"):
            sw = ls.lr_sweep(X, y, ls.lr_grid(), steps=300, batch_size=10, optimizer=name, hyperparams=hp)
        stays = (sw.steps_to_10x_floor != ls.NEVER) & ~sw.diverged & (sw.final_loss <= 10 * sw.floor)
        if stays.any():
            r = np.where(stays, sw.steps_to_10x_floor, 10**9)
            lr = sw.lrs[int(np.argmin(r))]
            assert df["steps to 10× the floor, stretched (k = 10, ρ = 0)"][i] == str(int(r.min()))
        else:                                   # none stays near the floor: the lowest final loss
            lr = sw.lrs[int(np.argmin(np.where(sw.diverged, np.inf, sw.final_loss)))]
        assert df["lr, stretched (k = 10, ρ = 0)"][i] == f"{lr:.3g}"
    # at their tuned lrs momentum and Adam beat plain SGD on the stretched valley
    steps = dict(zip(OPTIMIZERS, df["steps to 10× the floor, stretched (k = 10, ρ = 0)"]))
    steps = {n: int(steps[n]) for n in ("sgd", "momentum", "adam")}
    assert steps["momentum"] < steps["sgd"] and steps["adam"] < steps["sgd"]
    fig = json.loads(charts(at)[2].proto.spec)
    assert sum(1 for tr in fig["data"] if tr.get("mode") == "lines+markers") == 6
    at.multiselect(key="landscape_show").set_value(["sgd", "adam"]).run()
    fig = json.loads(charts(at)[2].proto.spec)
    drawn = [tr["name"] for tr in fig["data"] if tr.get("mode") == "lines+markers"]
    assert len(drawn) == 2 and drawn[0].startswith("minibatch SGD") and drawn[1].startswith("Adam")
    at.multiselect(key="landscape_show").set_value([]).run()
    assert not at.exception and len(charts(at)) == 4 and at.info


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_finder_runs_the_chosen_optimizer(lang):
    at = run_page(lang=lang, k="3")
    sgd = json.loads(charts(at)[3].proto.spec)
    at.selectbox(key="landscape_optimizer").set_value("momentum").run()
    assert not at.exception and at.query_params["optimizer"] == "momentum"
    fig = json.loads(charts(at)[3].proto.spec)
    X, y = ls.conditioned_data(k=3.0)
    with np.errstate(all="ignore"):
        sw = ls.lr_sweep(X, y, ls.lr_grid(), steps=300, batch_size=10, optimizer="momentum",
                         hyperparams={"momentum": 0.5})
    line = next(tr for tr in fig["data"] if tr.get("mode") == "lines+markers" and tr.get("yaxis", "y") == "y")
    ok = ~sw.diverged & (sw.final_loss <= 100 * sw.final_loss[~sw.diverged][0])
    np.testing.assert_allclose(array(line["y"]), sw.final_loss[ok], rtol=1e-9)
    sgd_line = next(tr for tr in sgd["data"] if tr.get("mode") == "lines+markers")
    assert not np.array_equal(array(line["y"]), array(sgd_line["y"]))
    bound = 2 * 1.5 / ls.curvature(X).lambda_max
    t = (lambda m: ZH.gettext(m)) if lang == "zh" else (lambda m: m)
    names = [tr.get("name") for tr in fig["data"]]
    assert t("momentum's stable bound 2(1+β)/λ_max = {lr}").format(lr=f"{bound:.3g}") in names
    assert not any(n and n.startswith(t("stable bound 2/λ_max = {lr}").split("{")[0]) for n in names)
    at.selectbox(key="landscape_optimizer").set_value("adam").run()
    fig = json.loads(charts(at)[3].proto.spec)
    assert not fig["layout"].get("shapes") or all(sh.get("type") == "line" for sh in fig["layout"]["shapes"])
    carry = at.button(key="landscape_carry").label
    assert carry == t("Use {optimizer} with lr = {lr} on the main page").format(
        optimizer=t("Adam"), lr="0.03")


def test_the_chosen_optimizer_goes_to_the_main_page_with_its_lr():
    at = run_page(lr="0.01", optimizer="adam")
    at.button(key="landscape_carry").click().run()
    assert not at.exception
    assert at.query_params["lr"] == "0.01" and at.query_params.get("optimizer") == "adam"
    assert at.session_state["ctl_optimizer"] == "adam" and at.session_state["ctl_beta2"] == 0.999
    run = at.session_state["run"]                     # the main page's run takes both
    assert run.settings["optimizer"] == "adam" and run.hyperparams == {"lr": 0.01, "beta1": 0.9,
                                                                      "beta2": 0.999, "eps": 1e-6}


# ---- the figures ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def stretched():
    X, y = ls.conditioned_data(k=3.0, rho=0.5)
    paths = ls.paths(X, y, 0.05, 60, batch_sizes=(10, None, 1))
    box = view_box(paths[0].w[0], lstsq_optimum(X, y)[0], [p.w for p in paths])
    return X, y, paths, ls.loss_grid(X, y, *box, n=40)


def test_view_box_is_square_and_holds_start_and_optimum(stretched):
    X, y, paths, grid = stretched
    (x0, x1), (y0, y1) = view_box(paths[0].w[0], grid.w_star, [p.w for p in paths])
    assert x1 - x0 == pytest.approx(y1 - y0)
    for w in (paths[0].w[0], grid.w_star):
        assert x0 < w[0] < x1 and y0 < w[1] < y1
    diverged = np.array([[0.0, 0.0], [1e3, -1e3], [np.inf, np.nan]])
    assert view_box([0, 0], [2, -1], [diverged]) == view_box([0, 0], [2, -1])
    box = view_box([0, 0], [2, -1])
    assert len(clipped(diverged, box)) == 2                  # up to the first point outside, for good
    back = np.array([[0.0, 0.0], [1e3, -1e3], [1.0, -0.5], [1e6, 1e6], [1e9, 1e9]])
    assert len(clipped(back, box)) == 4                      # an excursion that comes back is kept


def test_contour_figure_draws_the_paths_and_the_valley_axes(stretched):
    X, y, paths, grid = stretched
    axes = ls.curvature(X, with_b=False)
    fig = contour_figure(grid, paths, axes)
    named = {t.name: t for t in fig.data if t.name}
    for name, path in zip(["minibatch SGD (batch 10)", "full-batch gradient descent", "single-example SGD"],
                          paths):
        assert np.allclose(np.array(named[name].x), path.w[:, 0])
        assert np.allclose(np.array(named[name].y), path.w[:, 1])
    segments = [t for t in fig.data if t.name == "valley axes (Hessian eigenvectors)"]
    assert len(segments) == 2
    d = [np.array([t.x[1] - t.x[0], t.y[1] - t.y[0]]) for t in segments]
    assert abs(d[0] @ d[1]) < 1e-9 * np.linalg.norm(d[0]) * np.linalg.norm(d[1])   # orthogonal
    for t in segments:                                       # through the optimum
        assert np.allclose([(t.x[0] + t.x[1]) / 2, (t.y[0] + t.y[1]) / 2], grid.w_star)
    ends = valley_axes(axes, grid.w_star, ((grid.w1[0], grid.w1[-1]), (grid.w2[0], grid.w2[-1])))
    long, short = (np.linalg.norm(e[2] - grid.w_star) for e in ends)
    assert long / short == pytest.approx(math.sqrt(axes.cond), rel=1e-6)   # a contour's half-axes
    assert {a.text for a in fig.layout.annotations} == {"λ_min", "λ_max"}
    assert fig.layout.yaxis.scaleanchor == "x"


def test_a_path_that_leaves_the_view_says_so():
    X, y = ls.conditioned_data(k=3.0, rho=0.5)
    paths = ls.paths(X, y, 0.2, 60, batch_sizes=(10, None, 1))      # batch 1 at 0.9 x 2/lambda_max
    box = view_box(paths[0].w[0], lstsq_optimum(X, y)[0], [p.w for p in paths])
    grid = ls.loss_grid(X, y, *box, n=20)
    fig = contour_figure(grid, paths, ls.curvature(X, with_b=False))
    (single,) = [t for t in fig.data if t.name == "single-example SGD · off the chart"]
    shown = clipped(paths[2].w, box)
    assert len(shown) < len(paths[2].w)
    assert np.allclose(single.x, shown[:, 0])


def test_surface_figure_puts_the_paths_on_the_surface(stretched):
    X, y, paths, grid = stretched
    fig = surface_figure(grid, paths, lambda w: ls.profiled_loss(X, y, w))
    assert fig.data[0].type == "surface" and np.shape(fig.data[0].z) == grid.loss.shape
    gd = fig.data[2]
    assert np.allclose(gd.z, ls.profiled_loss(X, y, paths[1].w))


def finder_data(X, y, steps=300, batch_size=10):
    sw = ls.lr_sweep(X, y, ls.lr_grid(), steps=steps, batch_size=batch_size)
    return sw, ls.region_bounds(ls.curvature(X), steps)


def test_finder_figure_has_a_point_per_lr_and_the_bound():
    X, y = ls.conditioned_data()
    sw, bounds = finder_data(X, y)
    fig = finder_figure(sw, bounds, lr=0.03)
    xs = sorted(x for t in fig.data if t.type == "scatter" for x in t.x if t.yaxis == "y" and x is not None)
    assert xs == pytest.approx(sorted(sw.lrs))              # every run of the sweep, once, in the loss row
    (crosses,) = [t for t in fig.data if t.name == "diverged"]
    assert len(crosses.x) == int(sw.diverged.sum()) > 0
    assert min(crosses.x) > bounds.stable * 0.5
    lines = [s.x0 for s in fig.layout.shapes if s.type == "line" and s.x0 == s.x1]
    assert bounds.stable in lines and 0.03 in lines
    names = [a.text for a in fig.layout.annotations]
    assert {"creeping", "fast", "oscillating", "diverging"} <= set(names)
    legend = [t.name for t in fig.data if t.showlegend is not False]
    assert f"stable bound 2/λ_max = {bounds.stable:.3g}" in legend and "chosen lr = 0.03" in legend
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    text = fig.to_json()
    assert "NaN" not in text and "Infinity" not in text


def test_region_spans_cover_the_sweep_in_order():
    X, y = ls.conditioned_data(k=10.0)
    sw, bounds = finder_data(X, y)
    spans = region_spans(bounds, 1e-4, 10.0)
    assert spans[0][1] == 1e-4 and spans[-1][2] == 10.0
    assert all(a[2] == b[1] for a, b in zip(spans, spans[1:]))
    assert [s[0] for s in spans] == [r for r in ls.REGIONS if r in {s[0] for s in spans}]


def test_map_figure_marks_diverged_cells_and_the_edge():
    X, y = ls.conditioned_data()
    lbmap = ls.lr_batch_map(X, y, ls.lr_grid(1e-3, 10, 13), [1, 10, 100, 1000], num_epochs=3)
    w0, b0 = ls.initial_params(0, 2)
    start = core.full_loss(X, y, w0, b0)
    fig = map_figure(lbmap, start)
    heat = fig.data[0]
    z = np.array(heat.z, dtype=float)
    assert z.shape == (4, 13)
    bad = lbmap.diverged | (lbmap.final_loss >= start)
    assert bad[:, -1].all() and not bad[:, 0].any()
    assert np.array_equal(np.isnan(z), bad)
    (crosses,) = [t for t in fig.data if t.name == "diverged, or loss above its start"]
    assert len(crosses.x) == int(bad.sum())
    edge = stable_edge(lbmap, start)
    assert np.all(edge[1:] >= edge[:-1] - 1e-12)            # a bigger batch is stable up to a larger lr
    assert lbmap.lr_stable / 3 <= edge[-1] <= lbmap.lr_stable   # full batch: about 2/lambda_max
    assert json.loads(fig.to_json())["data"][0]["type"] == "heatmap"


def test_profiled_loss_is_the_grid_and_the_loss_at_the_best_b():
    X, y = ls.conditioned_data(k=2.0, rho=-0.4)
    grid = ls.loss_grid(X, y, (-1, 3), (-3, 1), n=7)
    W = np.stack(np.meshgrid(grid.w1, grid.w2), axis=-1)           # (7, 7, 2)
    assert np.allclose(ls.profiled_loss(X, y, W), grid.loss, rtol=1e-12)
    w = np.array([0.5, -0.2])
    b_best = float(np.mean(y - X @ w))                             # b*(w) of the squared loss
    assert ls.profiled_loss(X, y, w) == pytest.approx(core.full_loss(X, y, w, b_best), rel=1e-10)
    assert ls.profiled_loss(X, y, [np.inf, 0.0]) == np.inf


def test_the_picker_switches_the_language_and_keeps_the_settings():
    at = run_page(k="3", rho="0.5", std="1", lr="0.2", steps="100")
    before = {k: v for k, v in at.query_params.items() if k != "lang"}
    at.button_group(key="lang_picker").set_value("zh").run()
    assert not at.exception
    assert texts(at.title) == [ZH.gettext("The loss landscape")] and at.query_params["lang"] == "zh"
    assert {k: v for k, v in at.query_params.items() if k != "lang"} == before
    at.button_group(key="lang_picker").set_value("en").run()
    assert texts(at.title) == ["The loss landscape"]
    assert {k: v for k, v in at.query_params.items() if k != "lang"} == before


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_optimizers_figure_tells_the_six_paths_apart_without_colour(lang):
    from core.optimizers import BOOK_DEFAULTS
    from ui import palette
    from ui.landscape_figures import translated
    words = translated(ZH.gettext) if lang == "zh" else None
    X, y = ls.conditioned_data(k=3.0, rho=0.5)
    runs = []
    for name in OPTIMIZERS:
        lr = 0.201 if name == "sgd" else BOOK_DEFAULTS[name]["lr"]
        hp = {k: v for k, v in BOOK_DEFAULTS[name].items() if k != "lr"}
        runs.append((name, ls.paths(X, y, lr, 300, batch_sizes=(10,), optimizer=name, hyperparams=hp)[0], lr))
    w_star, _b = lstsq_optimum(X, y)
    grid = ls.loss_grid(X, y, *view_box(runs[0][1].w[0], w_star, [r[1].w for r in runs]), n=30)
    fig = optimizers_figure(grid, runs, words)
    paths = [t for t in fig.data if getattr(t, "mode", None) == "lines+markers"]
    assert [t.legendgroup for t in paths] == list(OPTIMIZERS)
    # a second cue besides colour: no two share both dash and marker, and every colour is the palette's
    assert len({(t.line.dash, t.marker.symbol) for t in paths}) == 6
    assert len({t.line.dash for t in paths}) == 6 and len({t.marker.symbol for t in paths}) == 6
    assert [t.line.color for t in paths] == [palette.OPTIMIZER_COLORS[n] for n in OPTIMIZERS]
    for t, (_name, path, lr) in zip(paths, runs):
        np.testing.assert_array_equal(t.x, path.w[:, 0])              # the core's path, whole
        assert f"{lr:.3g}" in t.name
    labels = {t.legendgroup: t.text[0] for t in fig.data
              if getattr(t, "mode", None) == "text" and t.legendgroup}
    # the zig-zag and its two cures are always named on the chart
    assert {"sgd", "momentum", "adam"} <= set(labels), labels
    name = (ZH.gettext if lang == "zh" else str)("minibatch SGD")
    assert name in labels["sgd"]

