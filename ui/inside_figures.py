"""Pure figure builders for the page "One step, inside": (values) -> go.Figure. No streamlit here.

The values are core.inside's: a Graph (one example's forward and backward pass), a Noise (the
gradients of a minibatch around the full gradient), a VarianceCurve (the 1/B law), Arrows and a
LossPlane (the update on the loss contours). `words` is WORDS translated by the page
(translated(_)); without it the figures are in English. The page writes each chart's title
above it, so the figures have none.

The graph is drawn top to bottom, two lanes wide (x beside w, Xw beside b, y_hat beside y, then
err, l and L): it reads the same in a 340 px phone column and beside the explanation on a laptop.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from core.problems import N_
from ui import figure_style
from ui import palette as P
from ui.figure_style import AXIS_TEXT, translator

FONT_SIZE = figure_style.FONT_SIZE - 1       # nine boxes of numbers in a phone's column
ROW = 1.1               # the graph's row spacing, in lane widths
GRAPH_DIGITS = 4         # significant digits of the graph's numbers (the page's text: 4 as well)
COLORS = {"forward": P.FORWARD, "backward": P.BACKWARD, "idle": P.IDLE, "current": P.FOCUS,
          "box": P.BOX, "box_done": P.BOX_DONE, "examples": P.EXAMPLES, "mean": P.BATCH_MEAN,
          "full": P.FULL_GRAD, "samples": P.SAMPLES, "b1": P.SPREAD_1, "bB": P.SPREAD_B,
          "theory": P.THEORY, "iid": P.IID, "batch_step": P.BATCH_STEP, "full_step": P.FULL_STEP,
          "start": P.START, "this_batch": P.THIS_BATCH, "velocity": P.VELOCITY,
          "taken": P.STEP_TAKEN}
LANDSCAPE_SCALE = P.LANDSCAPE_SCALE

# the graph's nodes: where each sits (lane, row; row 0 at the top), and how it is labelled
# (each input on the right half a row below its neighbour, so that boxes never share a band:
# in a phone's column two lanes of boxes would overlap)
POSITIONS = {"x": (0, 0), "w": (1, 0.7), "Xw": (0, 1.4), "b": (1, 2.1), "y_hat": (0, 2.8),
             "y": (1, 3.5), "err": (0, 4.2), "l": (0, 5.3), "L": (0, 6.5)}
SYMBOLS = {"x": "x", "w": "w", "Xw": "Xw", "b": "b", "y_hat": "ŷ", "y": "y", "err": "ŷ − y",
           "l": "l", "L": "L"}
OPS = {"Xw": "x · w", "y_hat": "Xw + b", "l": "½(ŷ − y)²"}
# how a node is written after ∂l/∂
DENOM = {**SYMBOLS, "err": "(ŷ − y)"}
# an edge's local derivative, as it is written on the edge
LOCAL = {("x", "Xw"): "∂Xw/∂x = w", ("w", "Xw"): "∂Xw/∂w = x", ("Xw", "y_hat"): "∂ŷ/∂Xw = 1",
         ("b", "y_hat"): "∂ŷ/∂b = 1", ("y_hat", "err"): "∂(ŷ−y)/∂ŷ = 1",
         ("y", "err"): "∂(ŷ−y)/∂y = −1", ("err", "l"): "∂l/∂(ŷ−y) = ŷ − y",
         ("l", "L"): "∂L/∂lᵢ = 1/|B|"}

# the stepping control's stages: the forward pass node by node up to L, then the backward pass
# from l back to the inputs, then the mean over the batch
FORWARD = ("x", "w", "Xw", "b", "y_hat", "y", "err", "l", "L")
BACKWARD = ("l", "err", "y", "y_hat", "b", "Xw", "w", "x")
STAGES = tuple(("forward", n) for n in FORWARD) + tuple(("backward", n) for n in BACKWARD) \
    + (("mean", "L"),)
ALL = len(STAGES)            # the stage at which everything is shown

WORDS = {
    "forward_value": N_("forward"),
    "backward_value": N_("backward ∂l/∂·"),
    "per_example": N_("the batch's examples, one gradient each"),
    "batch_mean": N_("their mean: this step's gradient"),
    "full": N_("full-data gradient (all n examples)"),
    "samples": N_("means of other random batches of {batch}"),
    "spread_1": N_("spread of batch 1 (2σ)"),
    "spread_B": N_("spread of batch {batch} (2σ)"),
    "g1": N_("∂L/∂w1"), "g2": N_("∂L/∂w2"), "gb": N_("∂L/∂b"),
    "batch_size": N_("batch size (log scale)"),
    "variance": N_("variance of the gradient (log scale)"),
    "measured": N_("measured ({draws} random batches each)"),
    "theory": N_("closed form Σ/B · (n − B)/(n − 1)"),
    "iid": N_("1/B (batches drawn with replacement)"),
    "this_batch": N_("this run's batch size {batch}"),
    "w1": N_("weight w1"), "w2": N_("weight w2"), "w": N_("weight w"), "b": N_("bias b"),
    "batch_step": N_("−lr · minibatch gradient (this step)"),
    "full_step": N_("−lr · full-data gradient"),
    "grad_part": N_("−lr · minibatch gradient (the gradient's part)"),
    "velocity": N_("−lr · β · v (the velocity carried over)"),
    "taken": N_("the step taken by {optimizer}"),
    "start": N_("before the update"),
    "optimum": N_("least squares"),
    "to_optimum": N_("toward the least-squares optimum"),
    "loss": N_("loss"),
}


translated = translator(WORDS)


def fmt(x, digits=GRAPH_DIGITS):
    """A number as this page prints one: figure_style.fmt with 4 significant digits by default."""
    return figure_style.fmt(x, digits)


def fmt_vec(a, digits=GRAPH_DIGITS, most=3):
    """[a1, a2] for a vector (the first `most` entries, then …), a plain number for a scalar."""
    a = np.atleast_1d(np.asarray(a, dtype=float))
    if a.size == 1:
        return fmt(a[0], digits)
    body = ", ".join(fmt(v, digits) for v in a[:most])
    return f"[{body}{', …' if a.size > most else ''}]"


def _words(words):
    return words or {k: v for k, v in WORDS.items()}


# ---- the computational graph ------------------------------------------------------------------

def shown(stage):
    """(forward names shown, backward names shown, mean shown) at stage 0..ALL."""
    done = STAGES[:max(0, min(stage, ALL))]
    return ({n for p, n in done if p == "forward"}, {n for p, n in done if p == "backward"},
            any(p == "mean" for p, _ in done))


def node_text(name, value, grad, fwd, bwd, mean, L_value=None, dL=None):
    """The label of one node: its symbol (and operation), its forward value once the forward
    pass has reached it, its gradient once the backward pass has."""
    head = f"<b>{SYMBOLS[name]}</b>" + (f" = {OPS[name]}" if name in OPS else "")
    lines = [head]
    if name == "L":
        if fwd:
            lines.append(f"<span style='color:{COLORS['forward']}'>{fmt(L_value)}</span>")
        if mean and dL is not None:
            lines.append(f"<span style='color:{COLORS['backward']}'>∂L/∂w = {fmt_vec(dL[0], 4)}</span>")
            lines.append(f"<span style='color:{COLORS['backward']}'>∂L/∂b = {fmt(dL[1])}</span>")
        return "<br>".join(lines)
    if fwd:
        lines.append(f"<span style='color:{COLORS['forward']}'>{fmt_vec(value, GRAPH_DIGITS)}</span>")
    if bwd:
        lines.append(f"<span style='color:{COLORS['backward']}'>∂l/∂{DENOM[name]} = "
                     f"{fmt_vec(grad, GRAPH_DIGITS)}</span>")
    return "<br>".join(lines)


def graph_figure(g, stage=ALL, batch=None, words=None, height=840):
    """One example's graph (core.inside.Graph g) at a stage of the stepping control.

    batch: the core.inside.BatchGraph of g's batch, whose L and mean gradients are drawn at the
    node L; None hides L's numbers. Forward values are blue, backward gradients vermillion; the
    node or edge of the current stage is black and thicker. Every edge says its local derivative
    once the backward pass has crossed it.
    """
    w_ = _words(words)
    fwd, bwd, mean = shown(stage)
    current = STAGES[stage - 1] if 0 < stage <= ALL else None
    fig = go.Figure()
    pos = {n: (float(lane), -ROW * row) for n, (lane, row) in POSITIONS.items()}
    _add_edges(fig, g, pos, fwd, bwd, mean, current)
    _add_nodes(fig, g, pos, batch, fwd, bwd, mean, current)
    # the legend: what blue and red mean
    for key, color in (("forward_value", COLORS["forward"]), ("backward_value", COLORS["backward"])):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=w_[key],
                                 marker=dict(size=12, color=color, symbol="square")))
    fig.update_xaxes(visible=False, range=[-0.75, 1.75], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-ROW * 6.5 - 0.55, 0.45], fixedrange=True)
    fig.update_layout(height=height, margin=dict(l=4, r=4, t=36, b=4), plot_bgcolor=P.WHITE,
                      font=dict(size=FONT_SIZE), showlegend=True, dragmode=False,
                      legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"))
    return fig


def _edge_style(src, dst, fwd, bwd, mean, current):
    """(colour, active, crossed) of the edge src -> dst at a stage (shown(stage) and the stage's
    (phase, node), or None): crossed once the backward pass has reached src (the gradient flows
    into src), active while the current stage computes across it."""
    crossed = src in bwd or (dst == "L" and ("l" in bwd or mean))
    active = current is not None and (
        (current[0] == "forward" and current[1] == dst and src in fwd) or
        (current[0] == "backward" and current[1] == src))
    color = COLORS["current"] if active else (COLORS["backward"] if crossed else (
        COLORS["forward"] if dst in fwd else COLORS["idle"]))
    return color, active, crossed


def _add_edges(fig, g, pos, fwd, bwd, mean, current):
    """Each edge of g, and l -> L, as an arrow; a crossed one labelled with its local derivative
    (the numbers of the chain rule in its hover)."""
    for src, dst, e in [(e.src, e.dst, e) for e in g.edges] + [("l", "L", None)]:
        (x0, y0), (x1, y1) = pos[src], pos[dst]
        color, active, crossed = _edge_style(src, dst, fwd, bwd, mean, current)
        fig.add_annotation(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y",
                           showarrow=True, arrowhead=3, arrowsize=1.2, arrowwidth=2.5 if active else 1.6,
                           arrowcolor=color, standoff=50 if dst == "L" else 34, startstandoff=30,
                           text="")
        if crossed:
            local = LOCAL[(src, dst)]
            hover = local if e is None else f"{local} = {fmt_vec(e.local)}; ∂l/∂{DENOM[src]} = " \
                f"{fmt_vec(e.grad_in)} · {fmt_vec(e.local)} = {fmt_vec(e.grad_out)}"
            mx, my = (x0 + x1) / 2, (y0 + y1) / 2
            # the label beside its edge: left of the main chain's vertical edges (the inputs'
            # boxes are on the right), right of the inputs' diagonals
            diagonal = x0 != x1
            fig.add_annotation(x=mx + (0.14 if diagonal else -0.05), y=my - (0.12 if diagonal else 0),
                               text=f"<i>{local}</i>",
                               showarrow=False, xanchor="left" if diagonal else "right",
                               font=dict(size=FONT_SIZE - 3, color=COLORS["backward"]),
                               bgcolor=P.LABEL_BG, hovertext=hover)


def _add_nodes(fig, g, pos, batch, fwd, bwd, mean, current):
    """Each node of g, and L, as a box with its label (node_text); the current one's border black."""
    for name, (x, y) in pos.items():
        is_current = current is not None and current[1] == name and (
            current[0] != "mean" or name == "L")
        if name == "L":
            text = node_text("L", None, None, "L" in fwd, False, mean,
                             L_value=None if batch is None else batch.L,
                             dL=None if batch is None else (batch.dL_dw, batch.dL_db))
        else:
            nd = g.node(name)
            text = node_text(name, nd.value, nd.grad, name in fwd, name in bwd, mean)
        reached = name in fwd or name in bwd
        fig.add_annotation(x=x, y=y, text=text, showarrow=False, align="center",
                           font=dict(size=FONT_SIZE - 1, color=P.TEXT),
                           bgcolor=COLORS["box_done"] if reached else COLORS["box"],
                           bordercolor=COLORS["current"] if is_current else (
                               COLORS["forward"] if reached else COLORS["idle"]),
                           borderwidth=3 if is_current else 1.5, borderpad=6)


def _plane_style(fig, height):
    """The layout of a plane chart (the gradients', the variance's, the loss's): white, the
    legend in rows above the plot."""
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10), font=dict(size=FONT_SIZE),
                      legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom"),
                      plot_bgcolor=P.WHITE)
    fig.update_xaxes(tickfont_color=AXIS_TEXT, title_font_color=AXIS_TEXT)
    fig.update_yaxes(tickfont_color=AXIS_TEXT, title_font_color=AXIS_TEXT)


# ---- the noise of a minibatch -----------------------------------------------------------------

def ellipse(centre, cov, scale=2.0, points=90):
    """The scale-sigma ellipse of a 2x2 covariance around centre: (points, 2). A degenerate
    covariance gives a segment or the point itself."""
    vals, vecs = np.linalg.eigh(np.asarray(cov, dtype=float))
    vals = np.clip(vals, 0.0, None)
    t = np.linspace(0, 2 * math.pi, points)
    circle = np.stack([np.cos(t), np.sin(t)], axis=1)
    return np.asarray(centre, float) + scale * (circle * np.sqrt(vals)) @ vecs.T


def plane_labels(d, words):
    """Axis titles of the gradient plane: (∂L/∂w1, ∂L/∂w2), or (∂L/∂w, ∂L/∂b) with one feature."""
    w_ = _words(words)
    return (w_["g1"], w_["g2"]) if d >= 2 else (w_["g1"].replace("w1", "w"), w_["gb"])


def _square_range(points, pad=1.12):
    pts = np.asarray(points, float)
    pts = pts[np.all(np.isfinite(pts), axis=1)]
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    centre, half = (lo + hi) / 2, max(float(np.max(hi - lo)) / 2 * pad, 1e-12)
    return (centre[0] - half, centre[0] + half), (centre[1] - half, centre[1] + half)


def noise_figure(nz, axes, d, words=None, max_samples=600, height=520):
    """The (∂L/∂w1, ∂L/∂w2) plane at one point: the per-example gradients of the step's batch,
    their mean, the full gradient, the means of other random batches, and the 2σ ellipses of a
    batch of 1 and of the run's batch size (full batch: the full gradient itself)."""
    w_ = _words(words)
    i, j = axes
    full = nz.full_grad[[i, j]]
    cov1 = nz.cov_example[np.ix_([i, j], [i, j])]
    covB = nz.cov_batch[np.ix_([i, j], [i, j])]
    e1, eB = ellipse(full, cov1), ellipse(full, covB)
    per = nz.per_example[:, [i, j]]
    samples = nz.samples[:max_samples, [i, j]]
    B = nz.batch_size
    fig = go.Figure()
    fig.add_trace(go.Scattergl(x=samples[:, 0], y=samples[:, 1], mode="markers",
                               name=w_["samples"].format(batch=B), hoverinfo="skip",
                               marker=dict(size=5, color=COLORS["samples"], opacity=0.6)))
    fig.add_trace(go.Scatter(x=e1[:, 0], y=e1[:, 1], mode="lines", name=w_["spread_1"],
                             line=dict(color=COLORS["b1"], dash="dot", width=2), hoverinfo="skip"))
    if nz.fpc > 0:
        fig.add_trace(go.Scatter(x=eB[:, 0], y=eB[:, 1], mode="lines",
                                 name=w_["spread_B"].format(batch=B),
                                 line=dict(color=COLORS["bB"], width=2.5), hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=per[:, 0], y=per[:, 1], mode="markers", name=w_["per_example"],
                             marker=dict(size=8, color=COLORS["examples"], symbol="circle-open",
                                         line=dict(width=2)),
                             hovertemplate="(%{x:.4g}, %{y:.4g})<extra></extra>"))
    mean = nz.batch_mean[[i, j]]
    fig.add_trace(go.Scatter(x=[mean[0]], y=[mean[1]], mode="markers", name=w_["batch_mean"],
                             marker=dict(size=16, color=COLORS["mean"], symbol="star",
                                         line=dict(width=1, color=P.WHITE)),
                             hovertemplate="(%{x:.4g}, %{y:.4g})<extra></extra>"))
    fig.add_trace(go.Scatter(x=[full[0]], y=[full[1]], mode="markers", name=w_["full"],
                             marker=dict(size=14, color=COLORS["full"], symbol="x-thin",
                                         line=dict(width=3, color=COLORS["full"])),
                             hovertemplate="(%{x:.4g}, %{y:.4g})<extra></extra>"))
    # the view: the batch's gradients, their mean and the full gradient whole; the batch-1
    # ellipse when it is not much larger (an outlier example must not shrink the rest to a dot)
    core_pts = np.vstack([per, mean[None], full[None], eB])
    xr, yr = _square_range(core_pts)
    big = _square_range(np.vstack([core_pts, e1]))
    if (big[0][1] - big[0][0]) <= 3 * (xr[1] - xr[0]):
        xr, yr = big
    xt, yt = plane_labels(d, words)
    fig.update_xaxes(title=xt, range=list(xr), zeroline=True, zerolinecolor=P.ZERO_LINE, constrain="domain")
    fig.update_yaxes(title=yt, range=list(yr), zeroline=True, zerolinecolor=P.ZERO_LINE,
                     scaleanchor="x", scaleratio=1, constrain="domain")
    _plane_style(fig, height)
    return fig


def variance_figure(vc, batch_size, words=None, height=460):
    """Total variance of a minibatch gradient against batch size, log-log: measured (with its
    standard error) against the closed form with the finite-population correction and the bare
    1/B; the run's batch size marked. The full batch (variance 0) cannot sit on a log axis: the
    curve stops before it."""
    w_ = _words(words)
    keep = vc.theory > 0
    B, theory, iid = vc.batch_sizes[keep], vc.theory[keep], vc.theory_iid[keep]
    measured, se = vc.measured[keep], vc.stderr[keep]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=B, y=iid, mode="lines", name=w_["iid"],
                             line=dict(color=COLORS["iid"], dash="dash", width=2)))
    fig.add_trace(go.Scatter(x=B, y=theory, mode="lines", name=w_["theory"],
                             line=dict(color=COLORS["theory"], width=3)))
    pos = measured > 0
    fig.add_trace(go.Scatter(x=B[pos], y=measured[pos], mode="markers",
                             name=w_["measured"].format(draws=vc.draws),
                             error_y=dict(type="data", array=2 * se[pos], thickness=1.5),
                             marker=dict(size=10, color=COLORS["mean"]),
                             hovertemplate="B = %{x}: %{y:.4g}<extra></extra>"))
    if batch_size < vc.n:
        fig.add_vline(x=batch_size, line=dict(color=COLORS["this_batch"], dash="dot", width=2))
        fig.add_annotation(x=math.log10(batch_size), y=1, yref="paper", xref="x",
                           text=w_["this_batch"].format(batch=batch_size), showarrow=False,
                           xanchor="left", yanchor="top", xshift=6, font=dict(color=COLORS["this_batch"]))
    fig.update_xaxes(type="log", title=w_["batch_size"], dtick=1)
    fig.update_yaxes(type="log", title=w_["variance"], exponentformat="power", dtick=1)
    _plane_style(fig, height)
    fig.update_xaxes(gridcolor=P.GRID)
    fig.update_yaxes(gridcolor=P.GRID)
    return fig


# ---- the update on the loss contours -----------------------------------------------------------

def arrow_box(arrows, axes, optimum=None, whole=False, extra=()):
    """The view (u_range, v_range) of the update: around the start, a few times the longer step
    (the two arrows large enough to compare); `whole` widens it to take in the optimum too.
    extra: more (p,) points to keep in view (the optimizer's step and its parts)."""
    i, j = axes
    start = arrows.start[[i, j]]
    ends = np.stack([arrows.end_batch[[i, j]], arrows.end_full[[i, j]]]
                    + [np.asarray(e, float)[[i, j]] for e in extra])
    reach = float(np.max(np.abs(ends - start)))
    half = max(2.2 * reach, 1e-6)
    centre = start + (ends.mean(axis=0) - start) * 0.5
    if whole and optimum is not None:
        pts = np.vstack([start[None], ends, np.asarray(optimum, float)[None]])
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        centre, half = (lo + hi) / 2, max(float(np.max(hi - lo)) / 2 * 1.2, half)
    return (centre[0] - half, centre[0] + half), (centre[1] - half, centre[1] + half)


def _arrow(fig, start, end, color, width):
    fig.add_annotation(x=end[0], y=end[1], ax=start[0], ay=start[1], xref="x", yref="y",
                       axref="x", ayref="y", showarrow=True, arrowhead=2, arrowsize=1.0,
                       arrowwidth=width, arrowcolor=color, text="")


def arrow_figure(arrows, plane, axes, d, optimum=None, words=None, height=520, taken=None,
                 carried=None, optimizer=""):
    """Contours of the full-data loss over the plane through the start, and the update drawn as
    two arrows from it: −lr × the minibatch gradient (this step, core.sgd) and −lr × the full
    gradient (what gradient descent would do). optimum: the least-squares (u, v), marked, or
    pointed to from the edge when it is off the view.

    Another optimizer than SGD: taken, the (p,) parameters after its step (the record's), drawn
    as a thick arrow from the start (its name `optimizer` in the legend); −lr × the minibatch
    gradient is then the gradient's part of it. carried (momentum): the (p,) part −lr·β·v_prev,
    drawn dashed from the tip of the gradient's part (tip to tail: their sum is the step)."""
    w_ = _words(words)
    i, j = axes
    start = arrows.start[[i, j]]
    eb, ef = arrows.end_batch[[i, j]], arrows.end_full[[i, j]]
    loss = np.asarray(plane.loss)
    lo, hi = float(loss.min()), float(loss.max())
    fig = go.Figure(go.Contour(x=plane.u, y=plane.v, z=loss, colorscale=LANDSCAPE_SCALE,
                               showscale=False, ncontours=18, line=dict(width=1, color=P.CONTOUR_LINE_GREEN),
                               contours=dict(coloring="fill"), name=w_["loss"],
                               hovertemplate=f"{w_['loss']} %{{z:.4g}}<extra></extra>",
                               zmin=lo, zmax=hi))
    hover = "(%{x:.5g}, %{y:.5g})<extra></extra>"
    if taken is not None:           # under the parts: thick, with a diamond at its end
        et = np.asarray(taken, float)[[i, j]]
        _arrow(fig, start, et, COLORS["taken"], 4)
        fig.add_trace(go.Scatter(x=[start[0], et[0]], y=[start[1], et[1]], mode="lines+markers",
                                 name=w_["taken"].format(optimizer=optimizer),
                                 line=dict(color=COLORS["taken"], width=6),
                                 marker=dict(size=[0, 13], symbol="diamond", color=COLORS["taken"]),
                                 hovertemplate=hover))
    # the full gradient dotted, the minibatch's solid: apart without their colours
    for end, key, dash in ((ef, "full_step", "dot"), (eb, "batch_step", "solid")):
        _arrow(fig, start, end, COLORS[key], 3)
        name = w_["grad_part"] if taken is not None and key == "batch_step" else w_[key]
        fig.add_trace(go.Scatter(x=[start[0], end[0]], y=[start[1], end[1]], mode="lines",
                                 name=name, line=dict(color=COLORS[key], width=3.5, dash=dash),
                                 hovertemplate=hover))
    if carried is not None:         # tip to tail: from the gradient's part on
        ec = eb + np.asarray(carried, float)[[i, j]]
        _arrow(fig, eb, ec, COLORS["velocity"], 3)
        fig.add_trace(go.Scatter(x=[eb[0], ec[0]], y=[eb[1], ec[1]], mode="lines",
                                 name=w_["velocity"], line=dict(color=COLORS["velocity"], width=3.5,
                                                                 dash="dash"),
                                 hovertemplate=hover))
    fig.add_trace(go.Scatter(x=[start[0]], y=[start[1]], mode="markers", name=w_["start"],
                             marker=dict(size=11, color=COLORS["start"]),
                             hovertemplate="(%{x:.5g}, %{y:.5g})<extra></extra>"))
    (u0, u1), (v0, v1) = (plane.u[0], plane.u[-1]), (plane.v[0], plane.v[-1])
    if optimum is not None:
        opt = np.asarray(optimum, float)
        if u0 <= opt[0] <= u1 and v0 <= opt[1] <= v1:
            fig.add_trace(go.Scatter(x=[opt[0]], y=[opt[1]], mode="markers", name=w_["optimum"],
                                     marker=dict(size=14, color=P.OPTIMUM, symbol="x-thin",
                                                 line=dict(width=3))))
        else:           # an arrow at the edge of the view, pointing at it
            c = np.array([(u0 + u1) / 2, (v0 + v1) / 2])
            direction = opt - c
            half = np.array([(u1 - u0) / 2, (v1 - v0) / 2])
            t = float(np.min(half * 0.82 / np.maximum(np.abs(direction), 1e-300)))
            tip, tail = c + direction * t, c + direction * t * 0.72
            fig.add_annotation(x=tip[0], y=tip[1], ax=tail[0], ay=tail[1], xref="x", yref="y",
                               axref="x", ayref="y", showarrow=True, arrowhead=2, arrowwidth=2,
                               arrowcolor=P.TEXT_SOFT, text="")
            fig.add_annotation(x=tail[0], y=tail[1], text=w_["to_optimum"], showarrow=False,
                               font=dict(size=FONT_SIZE - 3, color=P.TEXT_SOFT),
                               bgcolor=P.LABEL_BG,
                               # toward the view's middle: a long label stays inside a narrow chart
                               xanchor="right" if tail[0] > c[0] else "left",
                               yanchor="bottom" if direction[1] < 0 else "top")
    names = (w_["w1"], w_["w2"]) if d >= 2 else (w_["w"], w_["b"])
    # equal scales (the angle between the arrows is the true one): the plot shrinks to a square
    # rather than the ranges growing past the contours
    fig.update_xaxes(title=names[0], range=[u0, u1], exponentformat="none", constrain="domain")
    fig.update_yaxes(title=names[1], range=[v0, v1], scaleanchor="x", scaleratio=1,
                     exponentformat="none", constrain="domain")
    _plane_style(fig, height)
    return fig
