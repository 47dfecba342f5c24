"""Pure figure builders for the loss landscape page: (values) -> go.Figure. No streamlit here.

The values are core.landscape's: a LossGrid, Paths, a Curvature, a Sweep with its RegionBounds,
an LrBatchMap. `words` is WORDS translated by the page (translated(_)); without it the figures
are in English. Chart titles are the page's text (a subheader above each chart), so every figure
here has none: its legend sits at the top, where a title would be.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.landscape import NEVER, REGIONS
from core.problems import N_
from ui import palette as P
from ui.figure_style import AXIS_TEXT, FONT_SIZE, fmt, style, translator

HEIGHT = 540
VIEW_PAD = 1.25         # the view's half-width: 1.25 x what the start and the optimum need
VIEW_GROW = 3.0         # paths widen the view up to 3 x that; a diverging one leaves it
NAME_BAND = 0.55        # the finder's loss row: headroom for the names, x the data's log span
NARROW_PLOT = 300       # px: the finder's plot on a phone, where the regions' names must fit
SURFACE_CAP = 3.0       # the surface is cut at 3 x the start's loss
AXIS_MIN = 0.04         # the shorter valley axis is drawn at least this fraction of the view
COLORS = {"minibatch": P.MINIBATCH, "gd": P.FULL_BATCH, "single": P.SINGLE, "axis": P.VALLEY_AXES,
          "optimum": P.OPTIMUM, "lr": P.CHOSEN_LR, "stable": P.STABLE_BOUND, "edge": P.EDGE,
          "sweep": P.SWEEP, "reached": P.REACHED, "diverged": P.DIVERGED, "failed": P.FAILED,
          "floor": P.NOISE_FLOOR}
REGION_COLORS = P.REGIONS
# contours of the loss every half decade: each line is 10^0.5 ~ 3.2 x the next one in
CONTOUR_STEP = 0.5
LANDSCAPE_SCALE = P.LANDSCAPE_SCALE
MAP_SCALE = P.MAP_SCALE

# every text the figures show (English msgids; {name} placeholders)
WORDS = {
    "minibatch": N_("minibatch SGD (batch {batch})"),
    "gd": N_("full-batch gradient descent"),
    "single": N_("single-example SGD"),
    "diverged_path": N_("{name} · diverged at step {step}"),
    "left_view": N_("{name} · off the chart"),
    "optimum": N_("least squares"),
    "start": N_("start"),
    "path_label": N_("batch {value}"),
    "valley_axes": N_("valley axes (Hessian eigenvectors)"),
    "w1": N_("weight w1"), "w2": N_("weight w2"),
    "w1_std": N_("weight w1 (standardised x1)"), "w2_std": N_("weight w2 (standardised x2)"),
    "lr": N_("learning rate lr (log scale)"),
    "final_loss": N_("final loss (log)"),
    "steps_10x": N_("steps to 10× floor"),
    "sweep": N_("after {steps} steps of batch {batch}"),
    "reached": N_("first step with loss ≤ 10× floor"),
    "steps_hover": N_("{steps} steps"),
    "off_chart": N_("loss {loss}, off the scale"),
    "diverged": N_("diverged"),
    "diverged_hover": N_("diverged at step {step}"),
    "stable": N_("stable bound 2/λ_max = {lr}"),
    "chosen": N_("chosen lr = {lr}"),
    "creeping": N_("creeping"), "fast": N_("fast"), "oscillating": N_("oscillating"),
    "diverging": N_("diverging"),
    "batch_size": N_("batch size (log scale)"),
    "map_loss": N_("final loss (log₁₀)"),
    "edge": N_("largest lr whose loss went down"),
    "grew": N_("diverged, or loss above its start"),
    "map_hover": N_("lr {lr} · batch size {batch}: loss {loss}"),
    "map_hover_diverged": N_("lr {lr} · batch size {batch}: diverged"),
    # d2l-zh chapter 11's optimizers (zh: the book's chapter titles)
    "opt_sgd": N_("minibatch SGD"), "opt_momentum": N_("momentum"), "opt_adagrad": N_("AdaGrad"),
    "opt_rmsprop": N_("RMSProp"), "opt_adadelta": N_("Adadelta"), "opt_adam": N_("Adam"),
    "opt_legend": N_("{name}, lr = {lr}"),
    "stable_momentum": N_("momentum's stable bound 2(1+β)/λ_max = {lr}"),
}


translated = translator(WORDS)


def path_name(kind, path, words, shown=None):
    """The legend name of a path: its kind, and where it diverged or left the view if it did
    (shown: how many of its points are drawn)."""
    return _with_fate(words[kind].format(batch=path.batch_size), path, words, shown)


def _with_fate(name, path, words, shown):
    """name, and where the path diverged or left the view if it did."""
    if path.diverged:
        return words["diverged_path"].format(name=name, step=len(path.w) - 1)
    if shown is not None and shown < len(path.w):
        return words["left_view"].format(name=name)
    return name


# ---- the landscape --------------------------------------------------------------------------

def view_box(start, w_star, paths_w=()):
    """A square view (w1_range, w2_range) around the start and the optimum (2,) each, widened for
    the paths' points (each (k+1, 2)) that stay within VIEW_GROW x the first view: a diverging
    path leaves the view rather than shrinking everything else to a dot."""
    start, w_star = np.asarray(start, float), np.asarray(w_star, float)
    centre = (start + w_star) / 2
    half = max(VIEW_PAD * float(np.max(np.abs(w_star - start))) / 2, 0.5)
    reach = half
    for w in paths_w:
        w = np.asarray(w, float)
        with np.errstate(invalid="ignore"):
            dist = np.max(np.abs(w - centre), axis=1)
        inside = dist[np.isfinite(dist) & (dist <= VIEW_GROW * half)]
        if inside.size:
            reach = max(reach, 1.05 * float(inside.max()))
    return (centre[0] - reach, centre[0] + reach), (centre[1] - reach, centre[1] + reach)


def clipped(w, box):
    """Rows of w (k+1, 2) up to the first one after the last inside the box: a path that comes
    back is drawn whole (plotly clips its excursions at the edge), one that leaves for good
    stops one point outside, which shows where it went. Returns (k'+1, 2), finite."""
    (x0, x1), (y0, y1) = box
    with np.errstate(invalid="ignore"):
        inside = (w[:, 0] >= x0) & (w[:, 0] <= x1) & (w[:, 1] >= y0) & (w[:, 1] <= y1)
    last = int(np.flatnonzero(inside)[-1]) if inside.any() else 0
    keep = w[: last + 2]
    return keep[np.all(np.isfinite(keep), axis=1)]


def valley_axes(axes, w_star, box):
    """The two valley axes as segments through w*: [(kind, lambda, end point (2,))].

    axes: curvature(X, with_b=False) (eigvals ascending, unit eigvecs). Half-lengths are
    proportional to 1/sqrt(lambda), as a contour ellipse's half-axes; the longer is 40 % of the
    view's half-width, the shorter at least AXIS_MIN of it (else a narrow valley hides it).
    """
    half = (box[0][1] - box[0][0]) / 2
    lam = np.maximum(np.asarray(axes.eigvals, float), 1e-300)
    lengths = 1 / np.sqrt(lam)
    lengths = 0.4 * half * lengths / lengths.max()
    lengths = np.maximum(lengths, AXIS_MIN * half)
    out = []
    for kind, i in (("min", 0), ("max", len(lam) - 1)):
        v = np.asarray(axes.eigvecs[:, i], float)
        if v[0] < 0 or (v[0] == 0 and v[1] < 0):       # a sign that does not flip between runs
            v = -v
        out.append((kind, float(axes.eigvals[i]), np.asarray(w_star) + lengths[i] * v))
    return out


def _path_traces(paths, words, box, z_of=None):
    kinds = ("minibatch", "gd", "single")
    traces = []
    for kind, path in zip(kinds, paths):
        w = clipped(path.w, box)
        style = dict(line=dict(color=COLORS[kind], width=3 if kind == "gd" else 2, dash=P.PATH_DASH[kind]),
                     marker=dict(size=7 if kind == "gd" else 6, color=COLORS[kind],
                                 symbol=P.PATH_SYMBOLS[kind]))
        common = dict(name=path_name(kind, path, words, len(w)), mode="lines+markers", legendgroup=kind,
                      hovertemplate="w1 = %{x:.4g}<br>w2 = %{y:.4g}<extra>%{fullData.name}</extra>")
        if z_of is None:
            traces.append(go.Scatter(x=w[:, 0], y=w[:, 1], **style, **common))
        else:
            style["line"]["width"] += 2
            traces.append(go.Scatter3d(x=w[:, 0], y=w[:, 1], z=z_of(w), showlegend=False, **style,
                                       **common))
    return traces


def label_points(ws, box):
    """For each path's drawn points (k+1, 2), the index of the one to name it at: the point
    farthest from the other paths (in units of the view), so the names sit where the paths
    have parted, not where they all end, at the optimum."""
    span = max(box[0][1] - box[0][0], box[1][1] - box[1][0])
    out = []
    for i, w in enumerate(ws):
        others = [o for j, o in enumerate(ws) if j != i and len(o)]
        if not len(w) or not others:
            out.append(len(w) - 1)
            continue
        rest = np.vstack(others) / span
        dist = np.min(np.linalg.norm(w[:, None, :] / span - rest[None], axis=2), axis=1)
        (x0, x1), (y0, y1) = box
        inside = (w[:, 0] >= x0) & (w[:, 0] <= x1) & (w[:, 1] >= y0) & (w[:, 1] <= y1)
        out.append(int(np.argmax(np.where(inside, dist, -1.0))))
    return out


GLYPH = {"minibatch": "◆", "gd": "●", "single": "✕"}      # the paths' markers, in text


def _label_side(x, y, wide, high, box, drawn):
    """The diagonal side (dx, dy), each ±1, of the point (x, y) for a name wide x high (data
    units): the one farthest from every drawn point (drawn (m, 2)) among those inside the view."""
    def room(o):
        x0, x1 = (x - wide, x) if o[0] < 0 else (x, x + wide)
        y0, y1 = (y - high, y) if o[1] < 0 else (y, y + high)
        if x0 < box[0][0] or x1 > box[0][1] or y0 < box[1][0] or y1 > box[1][1]:
            return -1.0
        centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        return float(np.min(np.linalg.norm(drawn - centre, axis=1)))
    return max(((1, 1), (1, -1), (-1, 1), (-1, -1)), key=room)


def _path_labels(paths, words, box):
    """Each path named on the chart ("batch 10", "batch 1000", "batch 1"), in its colour with
    its marker, beside its label_points() point: who is who without the colours."""
    kinds = ("minibatch", "gd", "single")
    ws = [clipped(path.w, box) for path in paths]
    drawn = np.vstack([w for w in ws if len(w)] or [np.zeros((1, 2))])
    span = max(box[0][1] - box[0][0], box[1][1] - box[1][0])
    traces = []
    for kind, path, w, k in zip(kinds, paths, ws, label_points(ws, box)):
        if not len(w):
            continue
        x, y = float(w[k, 0]), float(w[k, 1])
        label = words["path_label"].format(value=path.batch_size)
        # the name's size in data units on the narrowest plot (a phone's)
        wide = (text_px(label, FONT_SIZE - 1) + 3 * FONT_SIZE) / NARROW_PLOT * span
        high = 1.4 * FONT_SIZE / NARROW_PLOT * span

        dx, dy = _label_side(x, y, wide, high, box, drawn)
        left = dx < 0
        where = ("top " if dy > 0 else "bottom ") + ("left" if left else "right")
        name = f"<span style='color:{COLORS[kind]}'>{GLYPH[kind]}</span> " + label
        pad = "\u00a0\u00a0"           # clear of the path's own marker
        traces.append(go.Scatter(
            x=[x], y=[y], mode="text", textposition=where, text=[name + pad if left else pad + name],
            textfont=dict(size=FONT_SIZE - 1, color=P.TEXT),
            showlegend=False, hoverinfo="skip", legendgroup=kind))
    return traces


def _contours(grid):
    """The loss's contours (log10, every CONTOUR_STEP) over the grid."""
    z = np.log10(grid.loss)
    lo, hi = math.floor(float(z.min()) / CONTOUR_STEP) * CONTOUR_STEP, float(z.max())
    return go.Contour(
        x=grid.w1, y=grid.w2, z=z, colorscale=LANDSCAPE_SCALE, reversescale=True, showscale=False,
        contours=dict(start=lo, end=hi, size=CONTOUR_STEP), line=dict(width=1, color=P.CONTOUR_LINE),
        hovertemplate="w1 = %{x:.3g}<br>w2 = %{y:.3g}<br>L = 10^%{z:.2f}<extra></extra>")


def _square_axes(fig, box, words, standardised):
    w1, w2 = (words["w1_std"], words["w2_std"]) if standardised else (words["w1"], words["w2"])
    fig.update_xaxes(title_text=w1, range=list(box[0]), autorange=False)
    fig.update_yaxes(title_text=w2, range=list(box[1]), autorange=False,
                     scaleanchor="x", scaleratio=1, constrain="domain", constraintoward="top")
    fig.update_xaxes(constrain="domain")
    fig.update_layout(height=HEIGHT + 60)


def contour_figure(grid, paths, axes, words=None, standardised=False) -> go.Figure:
    """Contours of L(w1, w2) (b at its optimum) with the least-squares optimum, the valley's axes
    labelled with their eigenvalues, and the paths from one start.

    grid: loss_grid over a square view (equal scales on both axes, so the axes look orthogonal
    and the valley's stretch is real); paths: paths(...) for (minibatch, full batch, batch 1);
    axes: curvature(X, with_b=False).
    """
    words = words or WORDS
    box = ((grid.w1[0], grid.w1[-1]), (grid.w2[0], grid.w2[-1]))
    fig = go.Figure(_contours(grid))
    for kind, lam, end in valley_axes(axes, grid.w_star, box):
        other = 2 * np.asarray(grid.w_star) - end
        fig.add_trace(go.Scatter(
            x=[other[0], end[0]], y=[other[1], end[1]], mode="lines", name=words["valley_axes"],
            showlegend=False, hovertemplate=f"λ_{kind} = {fmt(lam)}<extra>%{{fullData.name}}</extra>",
            line=dict(color=COLORS["axis"], width=2, dash="dash")))
        inward = 1 if end[0] < (box[0][0] + box[0][1]) / 2 else -1   # the label towards the middle
        # the symbol only: the metrics above print the values, of the Hessian in (w, b), which
        # differ from these (b profiled out) in the third digit
        fig.add_annotation(x=end[0], y=end[1], text=f"λ_{kind}", showarrow=True, arrowhead=0,
                           ax=36 * inward, ay=-24 if kind == "max" else 24,
                           font=dict(size=FONT_SIZE, color=COLORS["axis"]), bgcolor=P.LABEL_BG)
    fig.add_traces(_path_traces(paths, words, box))
    fig.add_traces(_path_labels(paths, words, box))
    _start_and_optimum(fig, paths[0].w[0], grid.w_star, words)
    _style(fig)
    _square_axes(fig, box, words, standardised)
    return fig


def _start_and_optimum(fig, start, w_star, words):
    """The paths' common start (an open circle, named) and the least-squares optimum (a star);
    start None: the optimum only."""
    if start is not None:
        fig.add_trace(go.Scatter(x=[start[0]], y=[start[1]], mode="markers+text", name=words["start"],
                                 text=[words["start"]], textposition="top left", showlegend=False,
                                 textfont=dict(size=FONT_SIZE - 2, color=P.TEXT_SOFT),
                                 marker=dict(size=12, color=P.WHITE, line=dict(width=2, color=P.TEXT_SOFT)),
                                 hovertemplate="w1 = %{x:.3g}<br>w2 = %{y:.3g}<extra></extra>"))
    fig.add_trace(go.Scatter(x=[w_star[0]], y=[w_star[1]], mode="markers", name=words["optimum"],
                             marker=dict(size=18, symbol="star", color=COLORS["optimum"],
                                         line=dict(width=1, color=P.WHITE)),
                             hovertemplate="w1* = %{x:.4g}<br>w2* = %{y:.4g}<extra></extra>"))


LABEL_ORDER = ("sgd", "momentum", "adam", "rmsprop", "adagrad", "adadelta")
OPT_GLYPH = {"sgd": "●", "momentum": "■", "adagrad": "▲", "rmsprop": "◆", "adadelta": "✕", "adam": "▼"}


def optimizer_name(name, path, lr, words, shown=None):
    """The legend name of an optimizer's path: its name and lr, and where it diverged or left
    the view if it did."""
    return _with_fate(words["opt_legend"].format(name=words["opt_" + name], lr=fmt(lr)), path, words, shown)


def optimizers_figure(grid, runs, words=None, standardised=False) -> go.Figure:
    """Every optimizer's path from one start on the loss's contours (Distill's "Why momentum
    really works" picture), each with its colour (ui.palette.OPTIMIZER_COLORS), dash and marker,
    and its name written beside the path where it has parted from the others.

    grid: loss_grid over a square view; runs: [(optimizer name, Path, lr)], all from one start.
    """
    words = words or WORDS
    box = ((grid.w1[0], grid.w1[-1]), (grid.w2[0], grid.w2[-1]))
    fig = go.Figure(_contours(grid))
    ws = [clipped(path.w, box) for _name, path, _lr in runs]
    for (name, path, lr), w in zip(runs, ws):
        color = P.OPTIMIZER_COLORS[name]
        fig.add_trace(go.Scatter(
            x=w[:, 0], y=w[:, 1], mode="lines+markers", name=optimizer_name(name, path, lr, words, len(w)),
            legendgroup=name, line=dict(color=color, width=3 if name == "sgd" else 2.5,
                                        dash=P.OPTIMIZER_DASH[name]),
            marker=dict(size=8, color=color, symbol=P.OPTIMIZER_SYMBOLS[name], maxdisplayed=12),
            hovertemplate="w1 = %{x:.4g}<br>w2 = %{y:.4g}<extra>%{fullData.name}</extra>"))
    fig.add_traces(_optimizer_labels(runs, ws, words, box, grid.w_star))
    _start_and_optimum(fig, runs[0][1].w[0] if runs else None, grid.w_star, words)
    _style(fig)
    _square_axes(fig, box, words, standardised)
    return fig


def _optimizer_labels(runs, ws, words, box, w_star):
    """Each path named on the chart in its colour with its marker: at the point of the path and
    on the side whose name box lies inside the view, clear of the names placed before it, and
    farthest from the other paths (the last point, its end, when the paths have not parted).
    A path with no such place is named in the legend only."""
    span = max(box[0][1] - box[0][0], box[1][1] - box[1][0])
    high = 1.4 * FONT_SIZE / NARROW_PLOT * span
    placed, traces = [], []
    # kept free: the start's own name (top left of it) and the optimum's star
    if runs:
        x, y = (float(v) for v in runs[0][1].w[0])
        placed.append((x - (text_px(words["start"]) + FONT_SIZE) / NARROW_PLOT * span, x + FONT_SIZE / 2
                       / NARROW_PLOT * span, y - FONT_SIZE / 2 / NARROW_PLOT * span, y + high))
    star = FONT_SIZE / 2 / NARROW_PLOT * span
    placed.append((w_star[0] - star, w_star[0] + star, w_star[1] - star, w_star[1] + star))
    # the names that matter most first: the zig-zag and its two cures
    order = sorted(range(len(runs)), key=lambda i: LABEL_ORDER.index(runs[i][0]))
    for i in order:
        (name, _path, _lr), w = runs[i], ws[i]
        if not len(w):
            continue
        others = [o for j, o in enumerate(ws) if j != i and len(o)]
        rest = np.vstack(others) if others else np.empty((0, 2))
        label = words["opt_" + name]
        wide = (text_px(label, FONT_SIZE - 1) + 3 * FONT_SIZE) / NARROW_PLOT * span
        # every (point, side) at once: the name's box beside the point, towards (dx, dy)
        pts = w[np.unique(np.linspace(0, len(w) - 1, min(len(w), 160)).astype(int))[::-1]]
        sides = np.array([(1, 1), (1, -1), (-1, 1), (-1, -1)], float)
        px, py = np.repeat(pts[:, 0], 4), np.repeat(pts[:, 1], 4)
        dx, dy = np.tile(sides[:, 0], len(pts)), np.tile(sides[:, 1], len(pts))
        x0, x1 = np.minimum(px, px + dx * wide), np.maximum(px, px + dx * wide)
        y0, y1 = np.minimum(py, py + dy * high), np.maximum(py, py + dy * high)
        ok = (x0 >= box[0][0]) & (x1 <= box[0][1]) & (y0 >= box[1][0]) & (y1 <= box[1][1])
        for b in placed:
            ok &= ~((x0 < b[1]) & (b[0] < x1) & (y0 < b[3]) & (b[2] < y1))
        if not ok.any():
            continue
        centre = np.column_stack([(x0 + x1) / 2, (y0 + y1) / 2])
        if len(rest):
            room = np.min(np.linalg.norm(centre[:, None, :] - rest[None, ::max(1, len(rest) // 300)], axis=2),
                          axis=1)
        else:
            room = np.zeros(len(centre))
        j = int(np.argmax(np.where(ok, room, -np.inf)))       # the first best: the path's end first
        best = (room[j], float(px[j]), float(py[j]), dx[j], dy[j], (x0[j], x1[j], y0[j], y1[j]))
        _room, x, y, dx, dy, rect = best
        placed.append(rect)
        left = dx < 0
        where = ("top " if dy > 0 else "bottom ") + ("left" if left else "right")
        text = f"<span style='color:{P.OPTIMIZER_COLORS[name]}'>{OPT_GLYPH[name]}</span> " + label
        pad = "\u00a0\u00a0"
        traces.append(go.Scatter(
            x=[x], y=[y], mode="text", textposition=where, text=[text + pad if left else pad + text],
            textfont=dict(size=FONT_SIZE - 1, color=P.TEXT), showlegend=False, hoverinfo="skip",
            legendgroup=name))
    return traces


def surface_ceiling(grid, start, z_of):
    """The surface's height: 3 x the loss at the start. A stretched valley's corners are far
    higher, and would flatten the trough the paths run in to a plane."""
    return max(SURFACE_CAP * float(z_of(np.asarray(start, float)[None, :])[0]), 10 * grid.min_loss)


def surface_figure(grid, paths, z_of, words=None, standardised=False) -> go.Figure:
    """L(w1, w2) as a 3-D surface, cut off above surface_ceiling (left out, not flattened), with
    the paths on it. z_of: (k, 2) ->
    (k,), the loss with b at its optimum (core.landscape.profiled_loss for these data), so the
    paths lie on the surface."""
    words = words or WORDS
    box = ((grid.w1[0], grid.w1[-1]), (grid.w2[0], grid.w2[-1]))
    cap = surface_ceiling(grid, paths[0].w[0], z_of)
    fig = go.Figure(go.Surface(
        x=grid.w1, y=grid.w2, z=np.where(grid.loss <= cap, grid.loss, np.nan),
        surfacecolor=np.log10(grid.loss), colorscale=LANDSCAPE_SCALE, reversescale=True, showscale=False,
        opacity=0.9, customdata=grid.loss,
        hovertemplate="w1 = %{x:.3g}<br>w2 = %{y:.3g}<br>L = %{customdata:.3g}<extra></extra>"))
    fig.add_traces(_path_traces(paths, words, box, z_of=z_of))
    fig.add_trace(go.Scatter3d(x=[grid.w_star[0]], y=[grid.w_star[1]], z=[grid.min_loss], mode="markers",
                               name=words["optimum"], showlegend=False,
                               marker=dict(size=6, symbol="diamond", color=COLORS["optimum"])))
    axis = dict(title_font=dict(size=FONT_SIZE - 2, color=AXIS_TEXT),
                tickfont=dict(size=FONT_SIZE - 5, color=AXIS_TEXT))
    fig.update_layout(
        font=dict(size=FONT_SIZE), height=HEIGHT, margin=dict(l=0, r=0, t=10, b=0), showlegend=False,
        scene=dict(xaxis=dict(title=words["w1_std" if standardised else "w1"], range=list(box[0]), **axis),
                   yaxis=dict(title=words["w2_std" if standardised else "w2"], range=list(box[1]), **axis),
                   zaxis=dict(title="L", range=[0, cap], **axis), aspectmode="manual",
                   aspectratio=dict(x=1, y=1, z=0.7), camera=dict(eye=dict(x=1.2, y=-1.5, z=1.5))),
        hoverlabel=dict(font_size=FONT_SIZE))
    return fig


# ---- the learning-rate finder ---------------------------------------------------------------

def region_spans(bounds, lo, hi):
    """[(region, lr from, lr to)] of the non-empty regions within [lo, hi], in REGIONS order."""
    edges = {"creeping": (lo, bounds.fast), "fast": (bounds.fast, bounds.one_step),
             "oscillating": (bounds.one_step, bounds.stable), "diverging": (bounds.stable, hi)}
    out = []
    for name in REGIONS:
        a, b = max(edges[name][0], lo), min(edges[name][1], hi)
        if b > a:
            out.append((name, a, b))
    return out


def text_px(text, size=FONT_SIZE - 2):
    """About how wide a text is drawn, in px: CJK characters are square, Latin ones half that."""
    return sum(size if ord(c) > 0x2E80 else 0.55 * size for c in text)


def _shade_regions(fig, spans, words, rows):
    """Shaded regions behind the rows, each named at the top of the first. The plot may be as
    narrow as NARROW_PLOT px (a phone): a name that would not fit its region there is written
    upright, and a region too narrow even for that is left unnamed (its colour still shows)."""
    total = math.log10(spans[-1][2] / spans[0][1])
    for name, a, b in spans:
        for row in rows:
            fig.add_vrect(x0=a, x1=b, fillcolor=REGION_COLORS[name], opacity=0.55, line_width=0,
                          layer="below", row=row, col=1)
        width = NARROW_PLOT * math.log10(b / a) / total
        if width < FONT_SIZE:
            continue
        upright = width < text_px(words[name]) + 12
        fig.add_annotation(x=(math.log10(a) + math.log10(b)) / 2, y=0.98, xref="x", yref="y domain",
                           text=words[name], showarrow=False, yanchor="top",
                           textangle=-90 if upright else 0, font=dict(size=FONT_SIZE - 2, color=P.TEXT_SOFT))


def finder_figure(sweep, bounds, lr=None, words=None, stable=None) -> go.Figure:
    """Final loss (log) and steps to 10x the floor against lr (log), one point per lr of the
    sweep, the regions shaded and named, 2/lambda_max and the chosen lr as vertical lines.

    Every point carries its lr as x: a click on either row picks it (the page reads
    selection.points[i]["x"]). Diverged runs sit at the top of the loss row as crosses.
    bounds None: no regions and no 2/lambda_max (they are plain SGD's); stable: (lr, its legend
    name), a stable bound drawn instead of 2/lambda_max (momentum's 2(1+beta)/lambda_max).
    """
    words = words or WORDS
    lrs = np.asarray(sweep.lrs, float)
    lo, hi = float(lrs.min()) / 1.2, float(lrs.max()) * 1.2
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.64, 0.36], vertical_spacing=0.06)
    ok = ~np.asarray(sweep.diverged)
    final = np.asarray(sweep.final_loss, float)
    # the chart's ceiling: 100 x where the smallest lr ends (about the start's loss); a run that
    # has not diverged yet may end far above it, and would squash the rest into a line
    ceiling = 100 * float(final[ok][0]) if ok.any() else 1e3
    bottom = min(float(final[ok].min()) if ok.any() else sweep.floor, sweep.floor) / 3
    # above the diverged crosses (at 3 x ceiling) a band for the regions' names, upright ones
    # included: a third of the row, whatever the data span
    crosses = math.log10(3 * ceiling)
    top = 10 ** (crosses + NAME_BAND * (crosses - math.log10(bottom)))
    if bounds is not None:
        _shade_regions(fig, region_spans(bounds, lo, hi), words, rows=(1, 2))
    fig.add_hline(y=sweep.floor, line=dict(color=COLORS["floor"], width=1, dash="dot"), row=1, col=1)
    shown = ok & (final <= ceiling)
    fig.add_trace(go.Scatter(
        x=lrs[shown], y=final[shown], mode="lines+markers",
        name=words["sweep"].format(steps=sweep.steps, batch=sweep.batch_size),
        line=dict(color=COLORS["sweep"], width=2), marker=dict(size=9, color=COLORS["sweep"]),
        hovertemplate="lr = %{x:.3g}<br>L = %{y:.3g}<extra></extra>"), row=1, col=1)
    high = ok & (final > ceiling)
    if high.any():
        fig.add_trace(go.Scatter(
            x=lrs[high], y=np.full(int(high.sum()), ceiling), mode="markers", showlegend=False,
            marker=dict(size=11, symbol="triangle-up", color=COLORS["sweep"]),
            customdata=[words["off_chart"].format(loss=fmt(v)) for v in final[high]],
            hovertemplate="lr = %{x:.3g}<br>%{customdata}<extra></extra>"), row=1, col=1)
    if (~ok).any():
        at = np.asarray(sweep.diverged_at)[~ok]
        fig.add_trace(go.Scatter(
            x=lrs[~ok], y=np.full(int((~ok).sum()), 3 * ceiling), mode="markers", name=words["diverged"],
            marker=dict(size=11, symbol="x", color=COLORS["diverged"]),
            customdata=[words["diverged_hover"].format(step=int(s)) for s in at],
            hovertemplate="lr = %{x:.3g}<br>%{customdata}<extra></extra>"), row=1, col=1)
    reached = np.asarray(sweep.steps_to_10x_floor)
    got = reached != NEVER
    fig.add_trace(go.Scatter(
        x=lrs[got], y=reached[got], mode="lines+markers", name=words["reached"],
        line=dict(color=COLORS["reached"], width=2, dash="dash"),
        marker=dict(size=8, symbol="square", color=COLORS["reached"]),
        customdata=[words["steps_hover"].format(steps=int(r)) for r in reached[got]],
        hovertemplate="lr = %{x:.3g}<br>%{customdata}<extra></extra>"), row=2, col=1)
    if stable is not None:
        _vline(fig, stable[0], stable[1], COLORS["stable"], "solid")
    elif bounds is not None:
        _vline(fig, bounds.stable, words["stable"].format(lr=fmt(bounds.stable)), COLORS["stable"], "solid")
    if lr is not None:
        _vline(fig, lr, words["chosen"].format(lr=fmt(lr)), COLORS["lr"], "dash")
    _style(fig)
    fig.update_layout(height=HEIGHT + 60, clickmode="event+select", dragmode=False, hovermode="closest")
    fig.update_xaxes(type="log", range=[math.log10(lo), math.log10(hi)], exponentformat="power")
    fig.update_xaxes(title_text=words["lr"], row=2, col=1)
    fig.update_yaxes(type="log", title_text=words["final_loss"], range=[math.log10(bottom), math.log10(top)],
                     exponentformat="power", row=1, col=1)
    fig.update_yaxes(title_text=words["steps_10x"], rangemode="tozero", row=2, col=1)
    return fig


def _vline(fig, x, text, color, dash):
    """A vertical line through both rows at x, named in the legend (a label on the plot would
    meet the regions' names wherever the line falls)."""
    fig.add_vline(x=x, line=dict(color=color, width=2, dash=dash), row="all", col=1)
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=text, hoverinfo="skip",
                             line=dict(color=color, width=2, dash=dash)), row=1, col=1)


# ---- the lr x batch-size map ----------------------------------------------------------------

def failed(lbmap, start_loss):
    """(B, L) bool: the runs that diverged, or ended above the loss they started from (not yet
    flagged: a few steps of a too-large lr grow the loss without reaching train()'s bound)."""
    with np.errstate(invalid="ignore"):
        return np.asarray(lbmap.diverged) | ~(np.asarray(lbmap.final_loss, float) < start_loss)


def stable_edge(lbmap, start_loss):
    """Per batch size (B,), the largest lr of the map below which every run's loss went down
    (nan if even the smallest failed)."""
    lrs = np.asarray(lbmap.lrs, float)
    out = np.full(len(lbmap.batch_sizes), np.nan)
    for i, row in enumerate(failed(lbmap, start_loss)):
        good = np.cumprod(~row).astype(bool)       # up to the first failure
        if good.any():
            out[i] = lrs[good].max()
    return out


def _decade_ticks(lo, hi):
    ticks = list(range(math.floor(lo), math.ceil(hi) + 1))
    return ticks, [f"10<sup>{t}</sup>" if t not in (0, 1) else ("1" if t == 0 else "10") for t in ticks]


def map_figure(lbmap, start_loss, words=None) -> go.Figure:
    """A heat map of log10 final loss over (lr, batch size), both on log scales; cells that
    diverged or ended above start_loss (every run's loss at its common start) blank and crossed,
    the largest lr whose loss went down for each batch size joined by a line, and 2/lambda_max
    as a vertical line.

    Axes are log10 values on linear axes (a heat map's cells must be even there), ticks at decades.
    """
    words = words or WORDS
    lx = np.log10(np.asarray(lbmap.lrs, float))
    ly = np.log10(np.asarray(lbmap.batch_sizes, float))
    loss = np.asarray(lbmap.final_loss, float)
    diverged = failed(lbmap, start_loss)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(diverged | ~np.isfinite(loss), np.nan, np.log10(np.maximum(loss, 1e-300)))
    good = z[np.isfinite(z)]
    zmin = float(good.min()) if good.size else -5.0
    zmax = min(float(good.max()) if good.size else 2.0, zmin + 8)
    flagged = np.asarray(lbmap.diverged)
    hover = [[(words["map_hover_diverged"] if flagged[i, j] else words["map_hover"]).format(
        lr=fmt(lbmap.lrs[j]), batch=int(lbmap.batch_sizes[i]), loss=fmt(loss[i, j]))
        for j in range(len(lx))] for i in range(len(ly))]
    fig = go.Figure(go.Heatmap(
        x=lx, y=ly, z=z, zmin=zmin, zmax=zmax, colorscale=MAP_SCALE, text=hover,
        hovertemplate="%{text}<extra></extra>", xgap=1, ygap=1,
        colorbar=dict(title=dict(text=words["map_loss"], side="right", font=dict(color=AXIS_TEXT)),
                      thickness=14,
                      tickfont=dict(size=FONT_SIZE - 4, color=AXIS_TEXT))))
    rows, cols = np.nonzero(diverged)
    if rows.size:
        fig.add_trace(go.Scatter(x=lx[cols], y=ly[rows], mode="markers", name=words["grew"],
                                 marker=dict(symbol="x-thin", size=9,
                                             line=dict(width=2, color=COLORS["failed"])),
                                 hoverinfo="skip"))
    edge = stable_edge(lbmap, start_loss)
    has = np.isfinite(edge)
    fig.add_trace(go.Scatter(
        x=np.log10(edge[has]), y=ly[has], mode="lines+markers", name=words["edge"],
        line=dict(color=COLORS["edge"], width=3),
        marker=dict(size=8, color=COLORS["edge"], line=dict(width=1, color=P.TEXT_SOFT)),
        hovertemplate="lr = 10^%{x:.2f}<extra></extra>"))
    s = math.log10(lbmap.lr_stable)
    fig.add_trace(go.Scatter(x=[s, s], y=[ly.min() - 0.15, ly.max() + 0.15], mode="lines",
                             name=words["stable"].format(lr=fmt(lbmap.lr_stable)),
                             line=dict(color=COLORS["stable"], width=3, dash="dash"), hoverinfo="skip"))
    _style(fig)
    xt, xl = _decade_ticks(lx.min(), lx.max())
    fig.update_xaxes(title_text=words["lr"], tickvals=xt, ticktext=xl,
                     range=[lx.min() - 0.1, lx.max() + 0.1], showgrid=False, zeroline=False)
    yt = [t for t in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000)
          if ly.min() - 1e-9 <= math.log10(t) <= ly.max() + 1e-9]
    fig.update_yaxes(title_text=words["batch_size"], tickvals=[math.log10(t) for t in yt],
                     ticktext=[str(t) for t in yt], range=[ly.min() - 0.15, ly.max() + 0.15],
                     showgrid=False, zeroline=False)
    fig.update_layout(height=HEIGHT, plot_bgcolor=P.MISSING_BG)
    return fig


def _style(fig):
    """The house style at this page's HEIGHT, the legend's font a size smaller (its one to three rows)."""
    style(fig, height=HEIGHT, legend=-3)
