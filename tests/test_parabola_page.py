"""The parabola page as a user meets it (AppTest), and its pure figure builders."""

from __future__ import annotations

import base64
import gettext
import json
import math
from pathlib import Path

import numpy as np
import pytest
from conftest import open_page, words

from core.parabola import momentum_descent, momentum_rate, momentum_region, parabola_descent
from ui.parabola_figures import (
    MOMENTUM_WORDS,
    PICK_BETA,
    PICK_LR,
    first_out_of_view,
    iterates_figure,
    measured_rate,
    momentum_grid,
    momentum_map_figure,
    momentum_runs_figure,
    parabola_figure,
    runs_off_view,
    steps_table,
    view_halfwidth,
)

PAGE = "views/parabola_descent.py"
ROOT = Path(__file__).resolve().parents[1]
ZH = gettext.translation("messages", str(ROOT / "ui" / "locale"), languages=["zh"])
MOMENTUM_DEFAULTS = {"m_lr": "0.1", "beta": "0.5", "m_steps": "30"}
PRESETS = [("0.1", "Monotone", "success"), ("1", "One-step", "info"),
           ("1.5", "Oscillating", "success"), ("2", "Bouncing", "warning"),
           ("2.5", "Diverging", "error")]


def run_page(**query):
    return open_page(PAGE, **query)


def banner_texts(at, kind):
    return [e.value for e in getattr(at, kind)]


def test_default_render_names_monotone_regime():
    at = run_page()
    assert not at.exception
    assert any("Monotone" in t for t in banner_texts(at, "success"))
    assert not at.warning
    assert dict(at.query_params) == {"x0": "4", "lr": "0.1", "steps": "12", **MOMENTUM_DEFAULTS, "lang": "en"}


@pytest.mark.parametrize("lr, name, kind", PRESETS)
def test_preset_button_sets_lr_and_regime(lr, name, kind):
    at = run_page()
    at.button(key=f"parabola_preset_{lr}").click().run()
    assert not at.exception
    assert at.number_input(key="parabola_lr").value == pytest.approx(float(lr))
    assert any(t.startswith(f"**{name}**") for t in banner_texts(at, kind))
    assert at.query_params["lr"] == lr


@pytest.mark.parametrize("lr, name, kind", PRESETS)
def test_lr_from_url_names_regime(lr, name, kind):
    at = run_page(lr=lr)
    assert not at.exception
    assert any(t.startswith(f"**{name}**") for t in banner_texts(at, kind))


def test_diverging_run_says_how_far_it_went():
    at = run_page(lr="2.5", steps="20")
    assert any("|x| = " in t and "after 20 steps" in t for t in banner_texts(at, "error"))


def test_bad_query_params_warn_and_clamp():
    at = run_page(lr="abc", x0="1e9", steps="-3")
    assert not at.exception
    warnings = " ".join(banner_texts(at, "warning"))
    for bad in ("'abc'", "'1e9'", "'-3'"):
        assert bad in warnings
    assert at.slider(key="parabola_x0").value == 5.0
    assert at.number_input(key="parabola_lr").value == 0.1
    assert at.slider(key="parabola_steps").value == 1
    assert dict(at.query_params) == {"x0": "5", "lr": "0.1", "steps": "1", **MOMENTUM_DEFAULTS,
                                     "lang": "en"}  # cleaned


@pytest.mark.parametrize("query", [{"lr": "nan"}, {"lr": "-inf"}, {"x0": ""}, {"steps": "2.5"},
                                   {"lr": "0"}, {"x0": "0"}])
def test_odd_query_params_never_raise(query):
    assert not run_page(**query).exception


def test_widget_change_is_written_to_url_and_clears_warnings():
    at = run_page(lr="abc")
    assert at.warning
    at.slider(key="parabola_steps").set_value(30).run()
    assert not at.exception and not at.warning
    assert at.query_params["steps"] == "30"


def steps_of(x0, lr, n):
    return list(parabola_descent(x0, lr, n))


def traces(fig):
    return {t.name: t for t in fig.data if t.name}


@pytest.mark.parametrize("lr", [0.1, 1.0, 1.5, 2.0])
def test_parabola_figure_iterates_match_core(lr):
    steps = steps_of(4.0, lr, 12)
    fig = parabola_figure(steps, lr)
    assert list(traces(fig)["iterates x_k"].x) == [s.x for s in steps]
    assert len(fig.frames) == len(steps) == 13
    for k, frame in enumerate(fig.frames):       # frame k shows x_0..x_k, x_k current
        assert list(frame.data[0].x) == [s.x for s in steps[: k + 1]]
        assert list(frame.data[4].x) == [steps[k].x]


def test_iterates_figure_matches_core():
    steps = steps_of(-3.0, 1.5, 20)
    fig = iterates_figure(steps)
    assert list(fig.data[0].x) == list(range(21))
    assert list(fig.data[0].y) == [s.x for s in steps]


def test_diverging_run_is_clipped_and_finite():
    steps = steps_of(4.0, 3.0, 50)          # |x| reaches 4 * 2^50
    fig = parabola_figure(steps, 3.0)
    text = fig.to_json()
    assert "NaN" not in text and "Infinity" not in text
    r = view_halfwidth(steps)
    k_out = first_out_of_view(steps)
    assert k_out is not None and r < 20
    # at most one iterate beyond the view (its segment is clipped at the edge)
    assert sum(abs(x) > r for x in fig.data[1].x) == 1
    assert "diverging" in fig.layout.title.text and "after 50 steps" in fig.layout.title.text
    numbers = [v for t in json.loads(text)["data"] for v in (t.get("x") or []) if v is not None]
    assert all(math.isfinite(v) for v in numbers)


def test_start_at_zero_has_a_view():
    steps = steps_of(0.0, 0.5, 5)
    assert view_halfwidth(steps) > 0
    assert len(parabola_figure(steps, 0.5).frames) == 6


def test_steps_table_columns():
    table = steps_table(steps_of(4.0, 0.1, 3), 0.1)
    assert list(table.columns)[:4] == ["k", "x_k", "f(x_k)", "f'(x_k)"]
    assert table["step −lr·f'(x_k)"].tolist() == pytest.approx([-0.4, -0.36, -0.324, -0.2916])


# ---- momentum (d2l-zh 11.6) -------------------------------------------------------------------

def array(value):
    """A plotly JSON array: a list, or {"dtype", "bdata"} (numpy arrays go base64)."""
    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
    return np.asarray(value, dtype=float)


def chart(at, key):
    """The spec of the page's plotly chart whose key is `key`."""
    found = [c for c in at.get("plotly_chart") if c.proto.id.endswith(key)]
    assert len(found) == 1, key
    return json.loads(found[0].proto.spec)


def momentum_banner(at):
    return [e.value for kind in ("success", "info", "error") for e in getattr(at, kind) if "β = " in e.value]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_momentum_map_is_the_cores_rate_with_the_regions_named(lang):
    t = words(lang)
    at = run_page(lang=lang)
    assert not at.exception and not at.warning
    assert t("Momentum") in [h.value for h in at.header]
    spec = chart(at, "parabola_momentum_map")
    heat = spec["data"][0]
    assert heat["type"] == "heatmap"
    lr_edges, beta_edges, lrs, betas, _rate = momentum_grid()
    z = array(heat["z"]).reshape(len(betas), len(lrs))
    want = momentum_rate(lrs[None, :], betas[:, None])
    ok = want < 1
    assert np.allclose(z[ok], want[ok], atol=1e-6)         # float32 on the way to the browser
    assert np.isnan(z[~ok]).all() and (~ok).sum() > 1000     # divergent cells blank (hatched over)
    assert array(heat["x"]).tolist() == pytest.approx(lr_edges.tolist())
    labels = [a["text"] for a in spec["layout"]["annotations"]]
    for name in ("monotone", "oscillating", "divergent", "critical damping<br>β = (1 − √lr)²"):
        assert t(name) in labels
    legend = [d.get("name") for d in spec["data"] if d.get("showlegend") is not False and d.get("name")]
    assert t("β = 0: gradient descent") in legend and t("rate = 1: lr = 2 (1 + β)") in legend
    if lang == "zh":
        assert "发散" in labels and "单调收敛" in labels


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_point_from_the_url_runs_beside_plain_descent(lang):
    t = words(lang)
    lr, beta, n = 2.5, 0.6, 40
    at = run_page(lang=lang, m_lr=str(lr), beta=str(beta), m_steps=str(n), x0="-3")
    assert not at.exception and not at.warning
    assert at.slider(key="parabola_m_lr").value == lr and at.slider(key="parabola_beta").value == beta
    spec = chart(at, "parabola_momentum_runs")
    gd, mom = spec["data"][0], spec["data"][1]
    want = [s.x for s in momentum_descent(-3.0, lr, beta, num_steps=n)]
    assert array(mom["y"]).tolist() == pytest.approx(want)
    assert array(gd["y"]).tolist() == pytest.approx([s.x for s in parabola_descent(-3.0, lr, n)])
    assert len(spec["frames"]) == n + 1
    # the map marks the point: the star at (lr, β), plain descent's circle at (lr, 0)
    points = [(d["x"], d["y"]) for d in chart(at, "parabola_momentum_map")["data"]
              if d.get("marker", {}).get("symbol") in ("star", "circle")]
    assert ([lr], [beta]) in points and ([lr], [0.0]) in points
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("Momentum: rate from the matrix")] == f"{float(momentum_rate(lr, beta)):.3g}"
    assert metrics[t("Gradient descent: rate |1 − lr|")] == f"{abs(1 - lr):.3g}"
    measured = float(metrics[t("Momentum: rate measured")])
    assert measured == pytest.approx(float(momentum_rate(lr, beta)), rel=0.05)
    banner = momentum_banner(at)
    assert len(banner) == 1 and t("oscillating").capitalize() in banner[0]
    assert "1.5" in banner[0]                                  # plain descent's rate |1 − 2.5|


@pytest.mark.parametrize("lr, beta, kind, name", [("0.1", "0.1", "success", "monotone"),
                                                  ("0.1", "0.5", "info", "oscillating"),
                                                  ("3", "0.2", "error", "divergent"),
                                                  ("1.5", "0", "info", "oscillating")])
def test_each_region_is_named(lr, beta, kind, name):
    assert str(momentum_region(float(lr), float(beta))) == name          # the core's word for it
    at = run_page(m_lr=lr, beta=beta)
    assert not at.exception
    texts = [e.value for e in getattr(at, kind) if "β = " in e.value]
    assert len(texts) == 1 and texts[0].startswith(f"**{name.capitalize()}** at lr = {lr}, β = {beta}")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_garbage_momentum_values_in_the_url_are_clamped(lang):
    at = run_page(lang=lang, m_lr="abc", beta="1.5", m_steps="-4")
    assert not at.exception
    warnings = " ".join(e.value for e in at.warning)
    for bad in ("'abc'", "'1.5'", "'-4'"):
        assert bad in warnings
    if lang == "zh":
        assert "Link setting" not in warnings
        assert ZH.gettext("Link setting {problem}").split("{")[0] in warnings
    assert at.slider(key="parabola_m_lr").value == 0.1
    assert at.slider(key="parabola_beta").value == 0.99
    assert at.slider(key="parabola_m_steps").value == 1
    assert {k: at.query_params[k] for k in ("m_lr", "beta", "m_steps")} == {"m_lr": "0.1", "beta": "0.99",
                                                                           "m_steps": "1"}
    at.slider(key="parabola_beta").set_value(0.3).run()       # moving on clears the warnings
    assert not at.exception and not at.warning and at.query_params["beta"] == "0.3"


@pytest.mark.parametrize("query", [{"m_lr": "nan"}, {"beta": "-inf"}, {"m_lr": "4", "beta": "0"},
                                   {"m_lr": "0.01", "beta": "0.99", "m_steps": "100"}, {"x0": "0"}])
def test_odd_momentum_values_never_raise(query):
    at = run_page(**query)
    assert not at.exception
    assert all(e.value.startswith("**Divergent** at lr = ") for e in at.error)   # only the region's banner


@pytest.mark.parametrize("lr, beta", [(0.1, 0.5), (0.3, 0.2), (2.5, 0.6), (1.5, 0.0), (0.05, 0.9)])
def test_measured_rate_approaches_the_cores(lr, beta):
    xs = [s.x for s in momentum_descent(1.0, lr, beta, num_steps=400)]
    assert measured_rate(xs) == pytest.approx(float(momentum_rate(lr, beta)), rel=0.01)
    assert measured_rate([s.x for s in parabola_descent(2.0, lr, 10)]) == pytest.approx(abs(1 - lr))


def test_measured_rate_without_a_run():
    assert measured_rate([1.0, 0.5]) is None and measured_rate([0.0, 0.0, 0.0]) is None
    assert measured_rate([4.0, 0.0, 0.0]) == 0.0                  # lr = 1: one step to the minimum


def test_the_maps_click_targets_carry_lr_and_beta():
    fig = momentum_map_figure(0.1, 0.5)
    picks = [d for d in fig.data if d.name in ("monotone", "oscillating", "divergent")]
    xs = np.concatenate([np.asarray(d.x, float) for d in picks])
    ys = np.concatenate([np.asarray(d.y, float) for d in picks])
    assert len(xs) == len(PICK_LR) * len(PICK_BETA)
    assert {round(float(v), 2) for v in xs} == set(PICK_LR)
    assert {round(float(v), 2) for v in ys} == set(PICK_BETA)
    for d in picks:                   # each point's hover names its own region and the core's rate
        lr, beta = np.round(np.asarray(d.x, float), 2), np.round(np.asarray(d.y, float), 2)   # float32 sent
        assert set(momentum_region(lr, beta).tolist()) == {d.name}
        assert np.allclose(np.asarray(d.customdata, float), momentum_rate(lr, beta), atol=1e-6)
        assert MOMENTUM_WORDS[d.name] in d.hovertemplate
    assert fig.layout.clickmode == "event+select"


def test_momentum_runs_figure_names_a_diverging_run():
    gd = list(parabola_descent(4.0, 2.5, 30))
    mom = list(momentum_descent(4.0, 2.5, 0.6, num_steps=30))
    fig = momentum_runs_figure(gd, mom, 2.5, 0.6)
    assert runs_off_view(gd, mom) == [f"gradient descent diverges: |x| = {abs(gd[-1].x):.3g} after 30 steps, "
                                      "off the chart."]
    assert "NaN" not in fig.to_json() and "Infinity" not in fig.to_json()
    calm = momentum_runs_figure(list(parabola_descent(4.0, 0.1, 30)),
                                list(momentum_descent(4.0, 0.1, 0.5, num_steps=30)), 0.1, 0.5)
    assert calm.layout.title.text == "lr = 0.1: x_k against step k"
    assert runs_off_view(list(parabola_descent(4.0, 0.1, 30)),
                         list(momentum_descent(4.0, 0.1, 0.5, num_steps=30))) == []
    assert [len(f.data[1].x) for f in calm.frames] == list(range(1, 32))
