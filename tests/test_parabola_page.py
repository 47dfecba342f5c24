"""The parabola page as a user meets it (AppTest), and its pure figure builders."""

from __future__ import annotations

import json
import math

import pytest
from conftest import open_page

from core.parabola import parabola_descent
from ui.parabola_figures import (
    first_out_of_view,
    iterates_figure,
    parabola_figure,
    steps_table,
    view_halfwidth,
)

PAGE = "pages/parabola_descent.py"
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
    assert dict(at.query_params) == {"x0": "4", "lr": "0.1", "steps": "12", "lang": "en"}


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
    assert dict(at.query_params) == {"x0": "5", "lr": "0.1", "steps": "1", "lang": "en"}  # cleaned


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
