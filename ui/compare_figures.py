"""Pure figure builders for the NumPy-beside-MindSpore page: (core.compare.Comparison) -> go.Figure.

No streamlit here. `words` is WORDS translated by the page (translated(_)); without it the figures
are in English. Titles are the page's subheaders, so the figures have none: their legends sit at
the top, above the plot. NumPy is drawn solid, MindSpore compiled dashed and MindSpore PyNative as
sparse markers, so where the three agree all three stay visible.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.compare import EPS32, ORDER
from core.problems import N_
from ui import palette as P
from ui.figure_style import AXIS_TEXT, FONT_SIZE, fmt, style, translator

COLORS = {"numpy": P.NUMPY, "mindspore": P.MINDSPORE_GRAPH, "mindspore-pynative": P.MINDSPORE_PYNATIVE,
          "eps": P.FLOAT32_EPS}
DASH = P.BACKEND_DASH
MARKERS = 25            # PyNative's markers: about this many along a path

WORDS = {
    "numpy": N_("NumPy (by hand)"),
    "mindspore": N_("MindSpore, graph mode"),
    "mindspore-pynative": N_("MindSpore, PyNative mode"),
    "step": N_("step"),
    "param_diff": N_("max |θ_NumPy − θ_MindSpore|"),
    "grad_diff": N_("max |g_NumPy − g_MindSpore|"),
    "eps": N_("one float32 rounding, ε·|value|"),
    "ms_per_step": N_("ms per step (median)"),
    "time_text": N_("{ms} ms"),
    "first": N_("first step: {ms} ms"),
}


translated = translator(WORDS)


def _line(name, x, y, words, legend, row, dash=True):
    every = max(1, len(x) // MARKERS)
    style = dict(line=dict(color=COLORS[name], width=3 if name == "numpy" else 2,
                           dash=DASH[name] if dash else "solid"))
    if name == "mindspore-pynative":        # markers only: the lines beneath stay visible
        style = dict(mode="markers", marker=dict(color=COLORS[name], size=8, symbol="circle-open",
                                                 line=dict(width=2)))
        x, y = x[::every], y[::every]
    else:
        style["mode"] = "lines"
    return go.Scatter(x=x, y=y, name=words[name], legendgroup=name, showlegend=legend,
                      hovertemplate=f"{words['step']} %{{x}}: %{{y:.7g}}<extra>%{{fullData.name}}</extra>",
                      **style)


def paths_figure(comparison, words=None) -> go.Figure:
    """w1, w2, ... and b against the step (0 = the start), one row each, every backend overlaid."""
    words = words or WORDS
    runs = [comparison.runs[name] for name in ORDER if name in comparison.runs]
    d = runs[0].w.shape[1]
    names = [f"w{i + 1}" for i in range(d)] + ["b"]
    fig = make_subplots(rows=d + 1, cols=1, shared_xaxes=True, vertical_spacing=0.04)
    for run in runs:
        steps = np.arange(len(run.b))
        for i in range(d + 1):
            y = run.w[:, i] if i < d else run.b
            fig.add_trace(_line(run.backend, steps, y, words, i == 0, i + 1), row=i + 1, col=1)
    for i, name in enumerate(names):
        fig.update_yaxes(title_text=name, row=i + 1, col=1)
    fig.update_xaxes(title_text=words["step"], row=d + 1, col=1)
    _end_labels(fig, runs, words)
    return style(fig, height=180 * (d + 1) + 80)


GLYPH = {"solid": "━", "dash": "╍", "dot": "○"}


def _end_labels(fig, runs, words):
    """Each backend named in the first row, with its line style: who is who without the colours.
    The paths agree to float32 rounding and settle near their end, so the names are stacked in
    the row's right-hand corner away from the end (the lower one when the path ends high): on a
    phone, where they take half the width, they stay off the curve's bend."""
    first = runs[0].w[:, 0]
    y = float(first[-1])
    finite = first[np.isfinite(first)]
    low = finite.size == 0 or not np.isfinite(y) or y <= (float(finite.min()) + float(finite.max())) / 2
    line = FONT_SIZE + 2
    for i, run in enumerate(runs):
        glyph = GLYPH[DASH[run.backend]]
        fig.add_annotation(
            x=1, y=1 if low else 0, xref="x domain", yref="y domain", showarrow=False, xanchor="right",
            yanchor="top" if low else "bottom",
            yshift=-(2 + line * i) if low else 2 + line * (len(runs) - 1 - i),
            text=f"<span style='color:{COLORS[run.backend]}'>{glyph}</span> {words[run.backend]}",
            font=dict(size=FONT_SIZE - 3, color=P.TEXT), bgcolor=P.LABEL_BG)


def _positive(a):
    """a with zeros as nan: a log axis cannot show an exact agreement (nothing is drawn there)."""
    a = np.asarray(a, dtype=float)
    return np.where(a > 0, a, np.nan)


def diff_figure(comparison, words=None) -> go.Figure:
    """Top: max |θ_numpy − θ_ms| over (w, b) after each step (0 = the start, w0 rounded to
    float32), with a grey line at EPS32 x the largest |θ| at that step, one float32 rounding;
    bottom: the same difference for the gradients. Log y. Graph mode is a solid line here (a
    dashed one breaks up on a curve this jagged), PyNative circles."""
    words = words or WORDS
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    others = [name for name in ORDER if name in comparison.param_diff]
    for row, kind, diffs in ((1, "param", comparison.param_diff), (2, "grad", comparison.grad_diff)):
        for name in others:
            y = diffs[name]
            x = np.arange(len(y)) + (kind == "grad")
            fig.add_trace(_line(name, x, _positive(y), words, row == 1, row, dash=False), row=row, col=1)
    scale = comparison.float32_scale("param")
    fig.add_trace(go.Scatter(
        x=np.arange(len(scale)), y=_positive(scale), mode="lines", name=words["eps"], legendgroup="eps",
        line=dict(color=COLORS["eps"], width=2, dash="dash"),
        hovertemplate=f"{words['step']} %{{x}}: %{{y:.3g}}<extra>%{{fullData.name}}</extra>"),
        row=1, col=1)
    for row, kind in ((1, "param"), (2, "grad")):
        fig.update_yaxes(type="log", exponentformat="power", dtick=1, title_text=words[f"{kind}_diff"],
                         row=row, col=1)
    fig.update_xaxes(title_text=words["step"], row=2, col=1)
    return style(fig, height=620)


def times_figure(comparison, words=None) -> go.Figure:
    """Median milliseconds per step of each backend that ran (after its warm-up steps), as
    horizontal bars on a log axis, each labelled with its value; hovering shows the first step's
    time (the compile, for graph mode)."""
    words = words or WORDS
    runs = [comparison.runs[name] for name in ORDER if name in comparison.runs]
    ms = np.array([1e3 * run.median_step for run in runs])
    first = [1e3 * run.first_step for run in runs]
    # "MindSpore, graph mode" in two lines: the bars keep their length on a phone
    labels = [words[run.backend].replace(", ", "<br>").replace("，", "<br>") for run in runs]
    fig = go.Figure(go.Bar(
        y=labels, x=ms, orientation="h", marker_color=[COLORS[run.backend] for run in runs],
        text=[words["time_text"].format(ms=fmt(v)) if np.isfinite(v) else "—" for v in ms],
        textposition="outside",
        cliponaxis=False, textfont=dict(size=FONT_SIZE - 1, color=AXIS_TEXT),
        customdata=[words["first"].format(ms=fmt(v)) for v in first],
        hovertemplate="%{y}: %{x:.3g} ms<br>%{customdata}<extra></extra>", showlegend=False))
    finite = ms[np.isfinite(ms) & (ms > 0)]
    lo, hi = (finite.min(), finite.max()) if finite.size else (1e-3, 1.0)
    # room on the right for the value labels: a decade past the longest bar; ticks at decades
    # only (the 2s and 5s between them collide on a phone)
    fig.update_xaxes(type="log", range=[np.log10(lo) - 0.7, np.log10(hi) + 1.0], exponentformat="power",
                     dtick=1, title_text=words["ms_per_step"])
    fig.update_yaxes(autorange="reversed")
    fig = style(fig, height=120 + 70 * len(runs))
    fig.update_layout(margin=dict(t=10, l=10, r=10, b=10), bargap=0.35)
    return fig


__all__ = ["WORDS", "translated", "fmt", "paths_figure", "diff_figure", "times_figure", "EPS32"]
