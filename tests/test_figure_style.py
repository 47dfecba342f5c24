"""The helpers every figure module shares (ui.figure_style): one number format, one translation
of a module's words, one house style, the CSS of a row of charts."""

import plotly.graph_objects as go
import pytest

from ui import compare_figures, inside_figures, landscape_figures, parabola_figures
from ui import figure_style as fs


@pytest.mark.parametrize("x, digits, text", [
    (0.012345, 3, "0.0123"), (-3.4, 3, "−3.4"), (1.5e-05, 3, "1.5e-05"), (-2.5e-07, 3, "−2.5e-07"),
    (123456, 3, "1.23e+05"), (0.0, 3, "0"), (-1.23456, 4, "−1.235"), (float("nan"), 3, "nan"),
    (float("-inf"), 3, "−inf"),
])
def test_fmt_has_its_digits_and_a_real_minus_sign_but_keeps_the_exponent_as_typed(x, digits, text):
    assert fs.fmt(x, digits) == text


def test_every_figure_module_prints_numbers_with_the_one_fmt():
    assert compare_figures.fmt is fs.fmt and landscape_figures.fmt is fs.fmt
    assert inside_figures.fmt(-0.000123456) == fs.fmt(-0.000123456, 4) == "−0.0001235"   # 4 digits there
    assert inside_figures.fmt_vec([-1.5, 2.25]) == "[−1.5, 2.25]"


@pytest.mark.parametrize("module, words", [
    (compare_figures, "WORDS"), (landscape_figures, "WORDS"), (parabola_figures, "WORDS"),
    (inside_figures, "WORDS"), (parabola_figures, "MOMENTUM_WORDS"),
])
def test_translated_gives_every_word_in_the_language_of_gettext(module, words):
    table = getattr(module, words)
    translate = module.momentum_translated if words == "MOMENTUM_WORDS" else module.translated
    assert translate(lambda m: m) == table
    assert translate(str.upper) == {k: v.upper() for k, v in table.items()}


def test_style_sets_the_fonts_the_legend_above_and_each_axis():
    fig = fs.style(go.Figure(go.Scatter(x=[0, 1], y=[1, 0])), 20, height=300, legend=-3, zeroline=True)
    lay = fig.layout
    assert (lay.font.size, lay.hoverlabel.font.size, lay.height) == (20, 20, 300)
    legend = lay.legend
    assert (legend.orientation, legend.y, legend.yanchor, legend.font.size) == ("h", 1.02, "bottom", 17)
    for ax in (lay.xaxis, lay.yaxis):
        assert (ax.tickfont.size, ax.title.font.size, ax.automargin, ax.zeroline) == (17, 19, True, True)
    plain = fs.style(go.Figure(), automargin=False).layout
    assert plain.height is None and plain.xaxis.automargin is None and plain.font.size == fs.FONT_SIZE


def test_flex_css_sets_each_parts_share_and_its_minimum():
    css = fs.flex_css((fs.flex_item("row", "row_left"), 11, 440), (".st-key-metrics > div", 1, 200))
    assert css.startswith("<style>") and css.endswith("</style>")
    assert (".st-key-row > div:has(> .st-key-row_left) { flex: 11 1 440px; min-width: min(440px, 100%); }"
            in css)
    assert ".st-key-metrics > div { flex: 1 1 200px; min-width: min(200px, 100%); }" in css
