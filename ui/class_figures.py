"""The class's charts on the projector: a question's tally (first vote beside the second, the
right answer marked after the reveal) and the class experiment's crowd-made sweep (one dot per
phone, the stable edge 2/λ_max drawn by the core).

Colour is never the only difference: the two votes differ in fill (solid / hatched) and are
named in the legend; the right answer carries a ✓ in its label; diverged runs are crosses in
their own band, named on the axis.
"""

from __future__ import annotations

import math
import textwrap

import plotly.graph_objects as go

from ui import palette
from ui.figure_style import FONT_SIZE, fmt, style

FIRST, SECOND = palette.SKY_BLUE, palette.BLUE
RIGHT = palette.BLUISH_GREEN
DOT, DIVERGED = palette.BLUE, palette.VERMILLION


def _wrap(text, width=34):
    return "<br>".join(textwrap.wrap(text, width)) or text


def tally_figure(labels, first, second=None, right=None, words=None, size=FONT_SIZE):
    """Horizontal bars, one row per choice (labels: their words, in order): the first vote's
    counts, and the second vote's beside them when there is one. right: the index of the right
    choice (after the reveal), marked "✓" and in green. words: {"first", "second", "votes"}."""
    words = words or {"first": "first vote", "second": "second vote", "votes": "votes"}
    rows = [("✓ " if i == right else "") + _wrap(label) for i, label in enumerate(labels)]
    fig = go.Figure()
    traces = [(words["first"], first, FIRST, "")]
    if second:
        traces.append((words["second"], second, SECOND, "/"))
    for name, counts, colour, pattern in traces:
        fig.add_bar(y=rows, x=counts, orientation="h", name=name, marker_color=colour,
                    marker_pattern_shape=pattern, marker_pattern_fgcolor=palette.WHITE,
                    marker_pattern_fillmode="overlay",
                    marker_line_color=palette.TEXT, marker_line_width=1,
                    text=[str(c) for c in counts], textposition="outside", cliponaxis=False,
                    textfont=dict(color=palette.TEXT), hovertemplate="%{y}: %{x}<extra>" + name + "</extra>")
    if right is not None:
        # the right answer's row: a green band behind its bars (and the ✓ in its label)
        fig.add_shape(type="rect", xref="paper", x0=0, x1=1, yref="y", y0=right - 0.5, y1=right + 0.5,
                      fillcolor=RIGHT, opacity=0.18, line_width=0, layer="below")
    most = max([*first, *(second or []), 1])
    style(fig, size, height=max(220, 70 * len(labels) + 90), legend=-2)
    fig.update_layout(barmode="group", bargap=0.25, showlegend=bool(second),
                      margin=dict(t=40, l=10, r=30, b=10), plot_bgcolor=palette.WHITE)
    fig.update_yaxes(autorange="reversed", tickfont=dict(color=palette.TEXT), type="category")
    fig.update_xaxes(title_text=words["votes"], range=[0, most * 1.2], dtick=max(1, math.ceil(most / 5)),
                     gridcolor=palette.GRID)
    return fig


def number_figure(first, second=None, answer=None, tolerance=None, bounds=(0.0, 1.0), words=None,
                  size=FONT_SIZE):
    """A number question's votes as a strip of dots per vote (first, second), the right value and
    its tolerance band after the reveal."""
    words = words or {"first": "first vote", "second": "second vote", "answer": "answer", "value": "value"}
    fig = go.Figure()
    rows = [(words["first"], first, FIRST, "circle")] + ([(words["second"], second, SECOND, "diamond")]
                                                          if second else [])
    for name, values, colour, symbol in rows:
        fig.add_scatter(x=list(values), y=[name] * len(values), mode="markers", name=name,
                        marker=dict(color=colour, symbol=symbol, size=12, opacity=0.7,
                                    line=dict(color=palette.TEXT, width=1)),
                        hovertemplate="%{x}<extra></extra>")
    if answer is not None:
        if tolerance:
            fig.add_vrect(x0=answer - tolerance, x1=answer + tolerance, fillcolor=RIGHT, opacity=0.15,
                          line_width=0)
        fig.add_vline(x=answer, line=dict(color=RIGHT, width=3),
                      annotation_text=f"✓ {words['answer']} {fmt(answer)}", annotation_position="top",
                      annotation_font=dict(color=palette.TEXT, size=size - 2))
    style(fig, size, height=220 + 60 * len(rows), legend=-2)
    fig.update_layout(showlegend=False, margin=dict(t=50, l=10, r=30, b=10), plot_bgcolor=palette.WHITE)
    fig.update_xaxes(range=list(bounds), title_text=words["value"], gridcolor=palette.GRID)
    return fig


def dots_figure(kind, dots, edge=None, words=None, size=FONT_SIZE, spread=(), floor=None, theory=()):
    """The class experiment: x the value each phone ran (log), y its final loss (kind "lr") or its
    loss curve's noise (kind "batch_size"), log; runs that diverged as crosses in a band at the
    top. The core's lines: edge, 2/λ_max (vertical); floor, the data's least-squares loss
    (horizontal); theory, (B, expected noise) pairs (a dashed curve). dots: core.rooms.Dot."""
    words = words or {"x": kind, "y": "final loss", "edge": "2/λ_max", "diverged": "diverged",
                      "floor": "loss floor", "theory": "theory"}
    dots = list(dots)
    ok = [d for d in dots if d.result is not None and d.result > 0]
    blown = [d for d in dots if d.diverged_at]
    curve = [(b, v) for b, v in theory if v > 0]
    ys = [d.result for d in ok] + ([floor] if floor else []) + [v for _, v in curve]
    lo, hi = (min(ys), max(ys)) if ys else (1e-5, 1.0)
    top = 10 ** (math.ceil(math.log10(hi)) + 1)           # the band of the runs that diverged
    fig = go.Figure()
    if curve:
        fig.add_scatter(x=[b for b, _ in curve], y=[v for _, v in curve], mode="lines", name=words["theory"],
                        line=dict(color=palette.TEXT_SOFT, width=1.5, dash="dash"), hoverinfo="skip")
        fig.add_annotation(x=math.log10(curve[0][0]), y=math.log10(curve[0][1]), text=words["theory"],
                           showarrow=False, xanchor="left", yanchor="bottom", xshift=8,
                           font=dict(color=palette.TEXT, size=size - 2), bgcolor=palette.LABEL_BG)
    # the lines' labels as annotations of their own: on log axes an annotation's position is the
    # value's log10, which add_hline / add_vline's annotation_text does not take (it drew them away)
    if floor:
        fig.add_hline(y=floor, line=dict(color=palette.NOISE_FLOOR, width=1.5, dash="dot"))
        fig.add_annotation(x=1, xref="paper", y=math.log10(floor), text=words["floor"], showarrow=False,
                           xanchor="right", yanchor="top", font=dict(color=palette.TEXT, size=size - 2),
                           bgcolor=palette.LABEL_BG)
    if ok:
        fig.add_scatter(x=[d.value for d in ok], y=[d.result for d in ok], mode="markers", name=words["y"],
                        marker=dict(color=DOT, size=14, opacity=0.8, line=dict(color=palette.WHITE, width=1)),
                        hovertemplate=f"{words['x']} %{{x:.3g}}: %{{y:.3g}}<extra></extra>")
    if blown:
        fig.add_scatter(x=[d.value for d in blown], y=[top] * len(blown), mode="markers",
                        name=words["diverged"],
                        marker=dict(color=DIVERGED, symbol="x", size=14,
                                    line=dict(width=1, color=palette.TEXT)),
                        hovertemplate=f"{words['x']} %{{x:.3g}}: {words['diverged']}<extra></extra>")
        fig.add_annotation(x=0, xref="paper", y=math.log10(top), text=words["diverged"], showarrow=False,
                           xanchor="left", yanchor="bottom",
                           font=dict(color=palette.VERMILLION_TEXT, size=size - 2))
    if edge:
        fig.add_vline(x=edge, line=dict(color=palette.TEXT, width=2, dash="dash"))
        edge_text = words["edge"].replace("λ_max", "λ<sub>max</sub>")
        fig.add_annotation(x=math.log10(edge), y=1, yref="paper", text=f"{edge_text} = {fmt(edge)}",
                           showarrow=False, xanchor="right", yanchor="top", xshift=-4,
                           font=dict(color=palette.TEXT, size=size - 2), bgcolor=palette.LABEL_BG)
    style(fig, size, height=400, legend=-2)
    fig.update_layout(showlegend=False, margin=dict(t=40, l=10, r=20, b=10), plot_bgcolor=palette.WHITE)
    xs = [d.value for d in dots] + list(spread) + ([edge] if edge else [])
    x_lo, x_hi = (math.log10(min(xs)), math.log10(max(xs))) if xs else (-3, 1)
    fig.update_xaxes(type="log", title_text=words["x"], gridcolor=palette.GRID, dtick=1,
                     range=[x_lo - 0.15, x_hi + 0.15])
    fig.update_yaxes(type="log", title_text=words["y"], gridcolor=palette.GRID, dtick=1,
                     range=[math.log10(lo) - 0.5, math.log10(top) + 0.5])
    return fig


def landscape_figure(settings, words=None):
    """A loss-landscape question's run (its page's settings: k, rho, std, lr, steps) as that page
    draws it: the contours of the valley and the full-batch path across them."""
    from core import landscape as ls
    from ui.landscape_figures import contour_figure, view_box

    X, y = ls.conditioned_data(k=settings["k"], rho=settings["rho"])
    if settings["std"]:
        X = ls.standardise(X).X
    paths = ls.paths(X, y, settings["lr"], settings["steps"], batch_sizes=(None,))
    w_star, _b = ls.lstsq_optimum(X, y)
    box = view_box(paths[0].w[0], w_star, [p.w for p in paths])
    grid = ls.loss_grid(X, y, *box, n=60)
    axes = ls.curvature(X, with_b=False)
    fig = contour_figure(grid, paths, axes, words, standardised=bool(settings["std"]))
    fig.update_layout(height=420)
    return fig
