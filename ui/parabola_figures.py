"""Pure figure builders for descent on y = x^2 / 2: (steps) -> go.Figure. No streamlit here.

`steps` is always a list of core.parabola.ParabolaStep, k = 0..N, as parabola_descent yields.
`words` is WORDS translated by the page (translated(_)); without it the figures are in English.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.parabola import (
    MOMENTUM_REGIONS,
    ParabolaStep,
    critical_momentum,
    df,
    f,
    momentum_rate,
    momentum_region,
)
from core.problems import N_
from ui import figure_style
from ui import palette as P
from ui.figure_style import AXIS_TEXT, style, translator

VIEW_CLIP = 3.0         # the view holds |x| up to 3 |x0|: a diverging run leaves it in a few steps
FONT_SIZE = figure_style.FONT_SIZE + 2     # read from the back of a lecture hall
FRAME_MS = 700          # one descent step per 0.7 s when playing
COLORS = {"curve": P.CURVE, "path": P.ITERATES, "point": P.CURRENT, "tangent": P.TANGENT,
          "step": P.STEP}
# every text the figures show (English msgids; {name} placeholders)
WORDS = {
    "iterates": N_("iterates x_k"), "tangent": N_("tangent at x_k"), "step": N_("step −lr·f'(x_k)"),
    "current": N_("current x_k"), "off_chart": N_("k = {k}: |x| = {x}, off the chart"),
    "play": N_("▶ Play"), "pause": N_("❚❚ Pause"), "slider": N_("step k = "),
    "diverging": N_("diverging: |x| = {x} after {k} steps (off the chart from k = {k_out})"),
    "title": N_("Descent on y = x²/2 with lr = {lr}"),
    "iterates_title": N_("x_k against step k"), "step_k": N_("step k"),
    "iterates_y": N_("x_k (minimum at 0, dotted)"),
}


translated = translator(WORDS)


def view_halfwidth(steps: list[ParabolaStep]) -> float:
    """Half-width R of the x view [-R, R]: every iterate, but at most VIEW_CLIP |x0|."""
    biggest = max(abs(s.x) for s in steps)
    r = 1.15 * min(biggest, VIEW_CLIP * abs(steps[0].x))
    return max(r, 1e-3)     # x0 = 0 would leave an empty view


def first_out_of_view(steps: list[ParabolaStep]) -> int | None:
    """The first k whose x_k lies outside the view, or None when all are shown."""
    r = view_halfwidth(steps)
    return next((s.k for s in steps if abs(s.x) > r), None)


def out_of_view_note(steps: list[ParabolaStep], words=None) -> str | None:
    """'diverging: |x| = ... after k steps' when iterates leave the view, else None."""
    k_out = first_out_of_view(steps)
    if k_out is None:
        return None
    last = steps[-1]
    return (words or WORDS)["diverging"].format(x=f"{abs(last.x):.3g}", k=last.k, k_out=k_out)


def _arrow_marker(color, size, first_symbol):
    # angleref="previous" turns each arrow along the segment that ends at its point
    return dict(symbol=first_symbol, angleref="previous", size=size, color=color)


def _moving_data(steps, k, lr, r, words):
    """x/y data of tangent, guide, step arrow and current point at step k; [None] when off the chart.

    [None] rather than []: plotly drops empty traces from the legend.
    """
    cur = steps[k]
    if abs(cur.x) > r:
        none = dict(x=[None], y=[None])
        return none, none, none, none, words["off_chart"].format(k=k, x=f"{abs(cur.x):.3g}")
    half = 0.3 * r              # a short tangent: long ones are steep lines across the plot
    tx = [cur.x - half, cur.x + half]
    tangent = dict(x=tx, y=[cur.fx + cur.dfx * (t - cur.x) for t in tx])
    end = max(-r, min(r, cur.x - lr * df(cur.x)))   # the arrow stops at the edge of the chart
    # dotted drops tie the step on the x axis to the points it joins
    guide = dict(x=[cur.x, cur.x, None, end, end], y=[cur.fx, 0.0, None, 0.0, f(end)])
    step = dict(x=[cur.x, end], y=[0.0, 0.0])
    point = dict(x=[cur.x], y=[cur.fx])
    return tangent, guide, step, point, f"k = {k}   x_k = {cur.x:.4g}   f'(x_k) = {cur.dfx:.4g}"


def _frame_traces(steps, k, lr, r, y_top, k_out, words):
    """The six moving traces at step k: path, tangent, guide, step arrow, current point, label.

    The path keeps the first iterate off the chart (k_out): plotly clips that segment at the
    edge, which shows where the run goes; later ones would only bloat the figure.
    """
    shown = steps[: min(k, k_out) + 1]
    tangent, guide, step, point, label = _moving_data(steps, k, lr, r, words)
    return [
        go.Scatter(x=[s.x for s in shown], y=[s.fx for s in shown], mode="lines+markers",
                   line=dict(color=COLORS["path"], width=2),
                   marker=_arrow_marker(COLORS["path"], 16, ["circle"] + ["arrow"] * (len(shown) - 1)),
                   name=words["iterates"], hovertemplate="x = %{x:.4g}<br>f(x) = %{y:.4g}<extra></extra>"),
        go.Scatter(**tangent, mode="lines", line=dict(color=COLORS["tangent"], width=3, dash="dash"),
                   name=words["tangent"], hoverinfo="skip"),
        go.Scatter(**guide, mode="lines", line=dict(color=COLORS["step"], width=2, dash="dot"),
                   showlegend=False, hoverinfo="skip"),
        go.Scatter(**step, mode="lines+markers", line=dict(color=COLORS["step"], width=4),
                   marker=_arrow_marker(COLORS["step"], 20, ["line-ns", "arrow"]),
                   name=words["step"], hoverinfo="skip"),
        go.Scatter(**point, mode="markers", name=words["current"],
                   marker=dict(size=18, color=COLORS["point"], line=dict(width=2, color=P.WHITE)),
                   hovertemplate="x_k = %{x:.4g}<br>f(x_k) = %{y:.4g}<extra></extra>"),
        go.Scatter(x=[-0.97 * r], y=[0.95 * y_top], mode="text", text=[label],
                   textposition="middle right", textfont=dict(size=FONT_SIZE + 2, color=P.TEXT),
                   showlegend=False, hoverinfo="skip"),
    ]


def _play_controls(fig, n, words, y, frame_ms, transition_ms):
    """Play and Pause buttons and a slider over k = 0..n below the plot (y in the plot's heights,
    from its bottom), for a figure whose frames are named "0".."n"; Play shows frame_ms a frame."""
    play = dict(frame=dict(duration=frame_ms, redraw=False), transition=dict(duration=transition_ms),
                fromcurrent=False, mode="immediate")
    pause = dict(frame=dict(duration=0, redraw=False), transition=dict(duration=0), mode="immediate")
    fig.update_layout(
        updatemenus=[dict(
            type="buttons", direction="left", x=0.0, y=y, xanchor="left", yanchor="top",
            pad=dict(r=10, t=10), font=dict(size=FONT_SIZE, color=AXIS_TEXT),
            buttons=[dict(label=words["play"], method="animate", args=[None, play]),
                     dict(label=words["pause"], method="animate", args=[[None], pause])])],
        sliders=[dict(
            active=n, x=0.25, y=y, len=0.75, xanchor="left", yanchor="top", pad=dict(t=10),
            font=dict(size=FONT_SIZE - 4, color=AXIS_TEXT),
            # the value at the slider's right end, clear of the play buttons on its left
            currentvalue=dict(prefix=words["slider"], font=dict(size=FONT_SIZE, color=AXIS_TEXT),
                              xanchor="right"),
            steps=[dict(label=str(k), method="animate", args=[[str(k)], pause]) for k in range(n + 1)])])


def parabola_figure(steps: list[ParabolaStep], lr: float, words=None) -> go.Figure:
    """y = x^2/2 with the iterates, the tangent at x_k and the step −lr·f'(x_k), one frame per k.

    The figure opens on the last step (whole path); Play replays k = 0..N in the browser, so
    len(fig.frames) == len(steps). Iterates beyond the view [-R, R] are left out, never drawn
    as inf/NaN; the title then says how far they went.
    """
    words = words or WORDS
    r = view_halfwidth(steps)
    y_top = 1.1 * f(r)
    n = len(steps) - 1
    grid = [-r + 2 * r * i / 200 for i in range(201)]
    curve = go.Scatter(x=grid, y=[f(x) for x in grid], mode="lines", name="y = x²/2",
                       line=dict(color=COLORS["curve"], width=3), hoverinfo="skip")
    k_out = first_out_of_view(steps)
    k_out = n + 1 if k_out is None else k_out
    moving = list(range(1, 7))      # trace indices the frames update; the curve stays
    frames = [go.Frame(data=_frame_traces(steps, k, lr, r, y_top, k_out, words), traces=moving,
                       name=str(k)) for k in range(n + 1)]
    fig = go.Figure(data=[curve, *_frame_traces(steps, n, lr, r, y_top, k_out, words)], frames=frames)

    _play_controls(fig, n, words, y=-0.12, frame_ms=FRAME_MS, transition_ms=FRAME_MS // 2)
    note = out_of_view_note(steps, words)
    _style(fig, title=note or words["title"].format(lr=f"{lr:g}"),
           x_range=[-r, r], y_range=[-0.12 * y_top, y_top], x_title="x", y_title="y = x²/2")
    fig.update_layout(height=560, margin=dict(b=150))
    if note:
        fig.update_layout(title_font_color=P.ALERT)
    return fig


def iterates_figure(steps: list[ParabolaStep], words=None) -> go.Figure:
    """x_k against k, with the minimum x = 0 marked."""
    words = words or WORDS
    fig = go.Figure(go.Scatter(
        x=[s.k for s in steps], y=[s.x for s in steps], mode="lines+markers", name="x_k",
        line=dict(color=COLORS["path"], width=3), marker=dict(size=10),
        hovertemplate="k = %{x}<br>x_k = %{y:.4g}<extra></extra>"))
    fig.add_hline(y=0, line=dict(color=P.MINIMUM, width=2, dash="dot"))
    _style(fig, title=words["iterates_title"], x_title=words["step_k"], y_title=words["iterates_y"])
    fig.update_layout(height=560, showlegend=False)
    return fig


def steps_table(steps: list[ParabolaStep], lr: float, words=None) -> pd.DataFrame:
    """One row per step: k, x_k, f(x_k), f'(x_k) and the step −lr·f'(x_k) taken from it."""
    words = words or WORDS
    return pd.DataFrame({
        "k": [s.k for s in steps],
        "x_k": [s.x for s in steps],
        "f(x_k)": [s.fx for s in steps],
        "f'(x_k)": [s.dfx for s in steps],
        words["step"]: [-lr * s.dfx for s in steps],
    })


def _style(fig, title, x_title, y_title, x_range=None, y_range=None):
    """The house style, larger, with a title and fixed ranges (an animation must not rescale its axes)."""
    # the title at the top of the figure, the legend (one to three rows, by width and language)
    # between it and the plot: both push the plot down, neither covers the other
    fig.update_layout(title=dict(text=title, font=dict(size=FONT_SIZE + 4), yref="container", y=1.0,
                                 yanchor="top", pad=dict(t=12), automargin=True))
    # the axes' titles first: a title given as text replaces the font style() sets
    fig.update_xaxes(title=x_title, range=x_range)
    fig.update_yaxes(title=y_title, range=y_range)
    style(fig, FONT_SIZE, ticks=-2, titles=0, margin=dict(t=40), automargin=False, zeroline=True)
    if x_range is not None:
        fig.update_xaxes(autorange=False)
        fig.update_yaxes(autorange=False)


# ---- momentum on y = x²/2 (d2l-zh 11.6): the (lr, β) map and the runs beside each other ------

MAP_LR_MAX = 4.0        # momentum converges up to lr = 2 (1 + β): the map holds every β's bound
MAP_LR_CELLS, MAP_BETA_CELLS = 160, 100
MAP_BETA_LOW = -0.015   # the β = 0 row reaches a little below 0, so its line is not on the edge
PICK_LR = [round(0.05 * i, 2) for i in range(1, 81)]      # the points a click can pick
PICK_BETA = [round(0.02 * j, 2) for j in range(50)]
MOMENTUM_WORDS = {
    "lr": N_("learning rate lr"), "beta": N_("momentum β"), "rate": N_("rate"),
    "monotone": N_("monotone"), "oscillating": N_("oscillating"), "divergent": N_("divergent"),
    "critical": N_("critical damping<br>β = (1 − √lr)²"), "rate_one": N_("rate = 1: lr = 2 (1 + β)"),
    "gd_line": N_("β = 0: gradient descent"),
    "map_hover": N_("lr = {lr}, β = {beta}<br>rate = {rate} ({region})"),
    "runs_title": N_("lr = {lr}: x_k against step k"),
    "gd_run": N_("gradient descent (β = 0)"), "momentum_run": N_("momentum (β = {beta})"),
    "step_k": N_("step k"), "x_k": N_("x_k (minimum at 0, dotted)"),
    "play": N_("▶ Play"), "pause": N_("❚❚ Pause"), "slider": N_("step k = "),
    "off_view": N_("{run} diverges: |x| = {x} after {k} steps, off the chart."),
    "gd_short": N_("gradient descent"), "momentum_short": N_("momentum"),
}


momentum_translated = translator(MOMENTUM_WORDS)


def momentum_grid():
    """The map's cells: (lr edges (L+1,), β edges (B+1,), lr centres (L,), β values (B,),
    rate (B, L) from core.parabola.momentum_rate at (β, lr))."""
    lr_edges = np.linspace(0.0, MAP_LR_MAX, MAP_LR_CELLS + 1)
    lrs = (lr_edges[:-1] + lr_edges[1:]) / 2
    betas = np.arange(MAP_BETA_CELLS) / MAP_BETA_CELLS                    # 0, 0.01, ..., 0.99
    beta_edges = np.concatenate([[MAP_BETA_LOW], betas[1:] - 0.005, [betas[-1] + 0.005]])
    return lr_edges, beta_edges, lrs, betas, momentum_rate(lrs[None, :], betas[:, None])


def _outlined_line(fig, x, y, color, dash="solid", name=None):
    """A light line over a dark one a little wider: readable on every colour of the map."""
    fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line=dict(color=P.TEXT_SOFT, width=6),
                             hoverinfo="skip", showlegend=False))
    fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line=dict(color=color, width=3, dash=dash),
                             hoverinfo="skip", showlegend=name is not None, name=name))


def momentum_map_figure(lr: float, beta: float, words=None) -> go.Figure:
    """The convergence rate of momentum on y = x²/2 over (lr, β): a heat map (MAP_SCALE, 0 to 1)
    where rate < 1, hatched beyond rate = 1 (divergent); the critical-damping curve, β = 0 (plain
    gradient descent), the regions named, the chosen point (a star) and plain descent's (a circle).

    An invisible grid of points (PICK_LR x PICK_BETA) lies over the map: a click on the map
    selects one, its x is lr and its y is β (the page reads selection.points[i]["x"], ["y"]).
    """
    words = words or MOMENTUM_WORDS
    lr_edges, beta_edges, _lrs, _betas, rate = momentum_grid()
    top = float(beta_edges[-1])
    fig = go.Figure(go.Heatmap(
        x=lr_edges, y=beta_edges, z=np.where(rate < 1, rate, np.nan).astype(np.float32), zmin=0.0, zmax=1.0,
        colorscale=P.MAP_SCALE, hoverinfo="skip",
        colorbar=dict(title=dict(text=words["rate"], side="right", font=dict(color=AXIS_TEXT)),
                      thickness=14, len=0.8,
                      tickfont=dict(size=FONT_SIZE - 4, color=AXIS_TEXT))))
    # divergent: right of lr = 2 (1 + β), hatched, bounded by a black line
    lo = 2 * (1 + MAP_BETA_LOW)
    fig.add_trace(go.Scatter(
        x=[lo, MAP_LR_MAX, MAP_LR_MAX, 2 * (1 + top), lo],
        y=[MAP_BETA_LOW, MAP_BETA_LOW, top, top, MAP_BETA_LOW],
        mode="lines", fill="toself", line=dict(width=0), hoverinfo="skip", showlegend=False,
        fillcolor=P.MISSING_BG, fillpattern=dict(shape="/", fgcolor=P.CONTOUR_LINE, bgcolor=P.MISSING_BG,
                                                 size=12, solidity=0.25)))
    fig.add_trace(go.Scatter(x=[lo, 2 * (1 + top)], y=[MAP_BETA_LOW, top], mode="lines",
                             line=dict(color=P.RATE_ONE, width=3), name=words["rate_one"], hoverinfo="skip"))
    grid = np.linspace(0.0, MAP_LR_MAX, 401)
    _outlined_line(fig, grid, critical_momentum(np.maximum(grid, 1e-12)), P.EDGE)
    _outlined_line(fig, [0.0, MAP_LR_MAX], [0.0, 0.0], P.PLAIN_GD_RUN, dash="dash", name=words["gd_line"])
    # the click targets: invisible, hoverable, selectable; selecting must not dim anything
    pl, pb = np.meshgrid(PICK_LR, PICK_BETA)
    pl, pb = pl.ravel(), pb.ravel()
    pr, region = momentum_rate(pl, pb), momentum_region(pl, pb)
    pl, pb, pr = (a.astype(np.float32) for a in (pl, pb, pr))     # half the bytes to the browser
    hidden = dict(marker=dict(opacity=0))
    for name in MOMENTUM_REGIONS:          # one trace per region: its name sits in the hover's template
        at = region == name
        fig.add_trace(go.Scatter(
            x=pl[at], y=pb[at], customdata=pr[at], mode="markers", showlegend=False, name=name,
            # small: plotly hovers the first point whose marker covers the mouse, not the nearest
            marker=dict(size=2, opacity=0, color=P.TEXT), selected=hidden, unselected=hidden,
            hovertemplate=words["map_hover"].format(lr="%{x:.2f}", beta="%{y:.2f}", rate="%{customdata:.3g}",
                                                    region=words[name]) + "<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=[lr], y=[0.0], mode="markers", showlegend=False, hoverinfo="skip",
        marker=dict(size=15, symbol="circle", color=P.PLAIN_GD_RUN, line=dict(width=2, color=P.WHITE))))
    fig.add_trace(go.Scatter(
        x=[lr], y=[beta], mode="markers", showlegend=False, hoverinfo="skip",
        marker=dict(size=22, symbol="star", color=P.MOMENTUM_RUN, line=dict(width=2, color=P.WHITE))))
    label = dict(bgcolor=P.LABEL_BG, font=dict(size=FONT_SIZE - 2, color=P.TEXT), borderpad=3)
    fig.add_annotation(x=0.03, y=0.05, text=words["monotone"], showarrow=False, xanchor="left", **label)
    fig.add_annotation(x=1.2, y=0.72, text=words["oscillating"], showarrow=False, **label)
    fig.add_annotation(x=3.4, y=0.18, text=words["divergent"], showarrow=False, **label)
    fig.add_annotation(x=0.2, y=float(critical_momentum(0.2)), text=words["critical"], ax=40, ay=-60,
                       xanchor="left", arrowcolor=P.TEXT, arrowwidth=2, showarrow=True, **label)
    _style(fig, title=None, x_title=words["lr"], y_title=words["beta"],
           x_range=[0.0, MAP_LR_MAX], y_range=[MAP_BETA_LOW, top])
    fig.update_layout(height=560, clickmode="event+select", dragmode=False, hovermode="closest",
                      plot_bgcolor=P.MISSING_BG, title=None, margin=dict(t=20))
    fig.update_xaxes(zeroline=False, showgrid=False, dtick=1)
    fig.update_yaxes(zeroline=False, showgrid=False, dtick=0.2)
    return fig


def measured_rate(xs) -> float | None:
    """The rate a run shows: (|(x_N, x_{N-1})| / |(x_1, x_0)|)^(1/(N-1)), N = len(xs) - 1.

    Two consecutive iterates, as in the two-step form x_{k+1} = (1 + β − lr) x_k − β x_{k−1}:
    their norm is never 0 at a crossing of 0, so a spiral's rate shows without its wiggle.
    None for fewer than three iterates or a start at 0.
    """
    xs = np.asarray(xs, float)
    if len(xs) < 3:
        return None
    start, end = math.hypot(xs[1], xs[0]), math.hypot(xs[-1], xs[-2])
    if start == 0:
        return None
    return (end / start) ** (1 / (len(xs) - 2))


def momentum_runs_figure(gd: list, momentum: list, lr: float, beta: float, words=None) -> go.Figure:
    """x_k against k for plain gradient descent (ParabolaStep) and momentum (MomentumStep) from the
    same x0 at the same lr, one frame per k (Play replays both from k = 0), opening on the whole run.
    The view holds |x| up to VIEW_CLIP |x0| (runs_off_view names a run that leaves it)."""
    words = words or MOMENTUM_WORDS
    n = max(len(gd), len(momentum)) - 1
    r = runs_view_halfwidth(gd, momentum)

    def traces(k):
        g, m = gd[: k + 1], momentum[: k + 1]
        return [
            go.Scatter(x=[s.k for s in g], y=[s.x for s in g], mode="lines+markers", name=words["gd_run"],
                       line=dict(color=P.PLAIN_GD_RUN, width=3), marker=dict(size=9, symbol="circle"),
                       hovertemplate="k = %{x}<br>x_k = %{y:.4g}<extra></extra>"),
            go.Scatter(x=[s.k for s in m], y=[s.x for s in m], mode="lines+markers",
                       name=words["momentum_run"].format(beta=f"{beta:g}"),
                       line=dict(color=P.MOMENTUM_RUN, width=3, dash="dash"),
                       marker=dict(size=11, symbol="star"),
                       hovertemplate="k = %{x}<br>x_k = %{y:.4g}<extra></extra>"),
        ]

    frames = [go.Frame(data=traces(k), traces=[0, 1], name=str(k)) for k in range(n + 1)]
    fig = go.Figure(data=traces(n), frames=frames)
    fig.add_hline(y=0, line=dict(color=P.MINIMUM, width=2, dash="dot"))
    _play_controls(fig, n, words, y=-0.16, frame_ms=FRAME_MS // 2, transition_ms=0)
    _style(fig, title=words["runs_title"].format(lr=f"{lr:g}"), x_title=words["step_k"], y_title=words["x_k"],
           x_range=[-0.5, n + 0.5], y_range=[-r, r])
    fig.update_layout(height=560, margin=dict(b=170))
    return fig


def runs_view_halfwidth(gd: list, momentum: list) -> float:
    """Half-height R of the runs chart's view [-R, R]: every iterate, but at most VIEW_CLIP |x0|."""
    biggest = max(abs(s.x) for s in [*gd, *momentum])
    return max(1.15 * min(biggest, VIEW_CLIP * abs(gd[0].x)), 1e-3)


def runs_off_view(gd: list, momentum: list, words=None) -> list[str]:
    """A sentence for each run that ends beyond the runs chart's view (the page shows them under
    it: a chart's title has no room for them on a phone)."""
    words = words or MOMENTUM_WORDS
    r = runs_view_halfwidth(gd, momentum)
    return [words["off_view"].format(run=name, x=f"{abs(last.x):.3g}", k=last.k)
            for name, last in ((words["gd_short"], gd[-1]), (words["momentum_short"], momentum[-1]))
            if abs(last.x) > r]
