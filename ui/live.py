"""The live charts: a Streamlit v2 component whose Plotly charts update in place in the browser.

Streamlit's st.plotly_chart remounts the whole chart on every update (about 8 paints/s, with
flicker). Here the browser keeps the charts (static/live_charts.js) and each update sends only
the steps it has not seen; the browser reveals them at the run's speed on its own frame clock.
Bulky code goes through Streamlit's static file serving (loaded once per tab), because a
component's inline JS is resent with every update.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import streamlit as st

from core.model import full_loss
from core.optimizers import BOOK_DEFAULTS
from core.parabola import regime
from core.problems import N_
from core.run import DIVERGED, DONE, PAUSED
from core.settings import BY_KEY, format_value
from core.theory import loss_grid
from core.trainer import last_batch_size
from ui import palette
from ui.i18n import _

STATIC = Path(__file__).resolve().parent.parent / "static"
DATA_SAMPLE = 120            # points of the data drawn in the data chart
MAX_RINGS = 30               # epochs up to which the smaller last batches are ringed
GRID = 60                    # contour grid per axis
SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
PARABOLA_X0 = 3.0            # where the parabola chart's descent starts
REGIME_WORDS = {"monotone": N_("monotone convergence"), "one-step": N_("one step to the minimum"),
                "oscillating": N_("oscillating convergence"), "bouncing": N_("bouncing between ±x0"),
                "diverging": N_("divergence")}

# a small loader: Plotly (a custom bundle with only the scatter and contour traces, built by
# deploy/plotly-bundle/build.sh: a fifth of the full bundle's size) and the chart
# code (ES modules: static/live_charts.js imports static/live/*.js) come once per tab from
# /app/static. Both download at once; the chart code touches Plotly only once mounted, and
# import() settles once every module has run (a module <script>'s load event would not wait for
# their top-level awaits).
_LOADER = r"""
const url = src => new URL('app/static/' + src, document.baseURI).href;
function load(src) {
  return new Promise((ok, fail) => {
    const s = document.createElement('script');
    s.src = url(src);
    s.onload = ok; s.onerror = () => fail(new Error('could not load ' + src));
    document.head.appendChild(s);
  });
}
export default function (component) {
  const { data, parentElement } = component;
  window.__lrvizLoading = window.__lrvizLoading || Promise.all([
    window.Plotly ? Promise.resolve() : load('PLOTLY'), import(url('live_charts.js?v=VERSION'))]);
  window.__lrvizLoading.then(() => window.LRViz.mount(parentElement, data, component)).catch(err => {
    parentElement.textContent = (data.load_error || '{error}').replace('{error}', err.message);
  });
  return () => { if (window.LRViz) window.LRViz.unmount(parentElement); };
}
"""
_CSS = """
.lrviz { width: 100%; }
.lrviz-bar { display: flex; flex-wrap: wrap; gap: 4px 1.5rem; align-items: center; font-size: 15px;
             margin: 0 0 4px 4px; }
.lrviz-status { color: #31333f; font-variant-numeric: tabular-nums; min-width: min(17em, 100%); }
.lrviz-progress { flex: 1 1 8em; height: 8px; background: #e6e9ef; border-radius: 4px; margin-right: 8px; }
.lrviz-log { white-space: nowrap; }
.lrviz-progress-fill { height: 100%; width: 0; background: #ff4b4b; border-radius: 4px; }
.lrviz-grid { display: grid; gap: 8px;
              grid-template-columns: repeat(auto-fit, minmax(min(420px, 100%), 1fr)); }
.lrviz-cell { min-width: 0; }
.lrviz-title { text-align: center; font: 17px "Open Sans", verdana, arial, sans-serif; color: #2a3f5f;
               line-height: 1.35; padding: 2px 4px 0; }
.lrviz-stack { position: relative; min-height: var(--lrviz-cell, 340px); }
.lrviz.present .lrviz-title { font-size: 22px; }
.lrviz.present .lrviz-grid { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 4px 12px; }
/* presenter view on a phone: where two charts of 340 px do not fit side by side, one a row */
.lrviz.present { container-type: inline-size; }
@container (max-width: 700px) { .lrviz.present .lrviz-grid { grid-template-columns: minmax(0, 1fr); } }
.lrviz.present .lrviz-parabola { display: none; }
.lrviz.present .lrviz-bar { font-size: 18px; }
body.lrviz-present [data-testid="stMainBlockContainer"] { padding-top: 3.4rem; padding-bottom: 1rem; }
body.lrviz-present [data-testid="stHeading"] { display: none; }
body.lrviz-present .st-key-intro { display: none; }
.lrviz-overlay { position: absolute; inset: 0; }
.lrviz-sr { position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px;
            overflow: hidden; clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; border: 0; }
"""


PLOTLY_JS = "plotly-custom.min.js"
# the live charts' modules: the entry, then what it imports (static/live/)
LIVE_JS = ("live_charts.js", *(f"live/{name}.js" for name in (
    "instance", "state", "layout", "draw", "loss", "params", "path", "data", "parabola", "speech", "keys")))


def check_static_assets():
    """An error message when the chart code or plotly.js is missing from static/, else None."""
    missing = [name for name in (PLOTLY_JS, *LIVE_JS) if not (STATIC / name).is_file()]
    if missing:
        return _("The live charts need {files} in {folder}; reinstall the app from its repository.") \
            .format(files=", ".join(missing), folder=STATIC)
    return None


def words():
    """Every text inside the live charts, in the session's language. Sent once per run (in the
    meta), never per frame; the browser code holds no words of its own. {name} placeholders are
    filled in by the browser."""
    return {
        "log_scale": _("log-scale loss"),
        "step": _("step"), "loss": _("loss"), "loss_log": _("loss (log scale)"),
        "loss_title": _("Loss"), "floor": _("noise floor σ²/2"), "batch_loss": _("batch loss"),
        "epoch_loss": _("full-data loss (epoch end)"),
        "params_title": _("Parameters (dashed: true values)"), "value": _("value"),
        "path_title": _("Path over loss contours"), "least_squares": _("least squares"),
        "true": _("true"), "sgd_path": _("SGD path"), "now": _("now"),
        "data": _("data"), "model": _("model ŷ = wx + b"), "data_title": _("Data and the current model"),
        "perfect": _("ŷ = y (perfect fit)"), "examples": _("examples"),
        "pred_title": _("Predicted ŷ against true y"), "true_y": _("true y"), "pred_y": _("predicted ŷ"),
        "parabola_title": _("y = x²/2 with the same lr = {lr}: {regime}"),
        "out_of_view": _("|x| = {x}: out of view, diverging"), "last_steps": _("last steps"),
        "to_go": _("{total} steps to go ({epochs} epochs × {per_epoch} batches)"),
        "progress": _("epoch {epoch} of {epochs} · step {step} of {total}"),
        "paused": _("{progress} · paused"), "diverged": _("{progress} · diverged"),
        "load_error": _("The live charts could not load ({error}). Reload the page."),
        # a diverging run: what leaves a chart's scale is marked at its edge, with its value
        "off_scale": _("{name} = {value}, off the scale"),
        "path_off": _("now at ({x}, {y}), off the chart"),
        "pred_off": _("the predictions have left the plot: ŷ up to {value}"),
        # said once by the page's live region (screen readers): the browser sees the run start
        "announce_train": _("Training: {total} steps."),
        "announce_resume": _("Training resumed at step {step}."),
    }


def _version():
    """The chart code's version for its URL (?v=): the newest mtime of its modules, which import
    each other with the same ?v=, so a new version never meets an old module cached by a browser."""
    try:
        return str(max(int((STATIC / name).stat().st_mtime) for name in LIVE_JS))
    except OSError:
        return "0"


_component = st.components.v2.component(
    "lrviz_live", html="", css=_CSS, isolate_styles=False,
    js=_LOADER.replace("VERSION", _version()).replace("PLOTLY", PLOTLY_JS))


def _nums(a, digits=5):
    """Floats for JSON with `digits` significant digits; NaN and inf become null (JSON has none)."""
    a = np.asarray(a, dtype=float).ravel()
    out = [float(f"{v:.{digits}g}") for v in a.tolist()]
    bad = ~np.isfinite(a)
    if bad.any():
        for i in np.flatnonzero(bad):
            out[i] = None
    return out


def _range(values, pad=0.15):
    lo, hi = float(np.min(values)), float(np.max(values))
    span = max(hi - lo, 1e-3)
    return [lo - pad * span, hi + pad * span]


# what a compared run's label names when it differs from the current run: (key, msgid)
GHOST_LABELS = (("lr", N_("lr {value}")), ("batch_size", N_("batch {value}")),
                ("epochs", N_("epochs {value}")), ("noise", N_("σ {value}")), ("n", N_("n {value}")),
                ("w", N_("w {value}")), ("b", N_("b {value}")), ("seed", N_("seed {value}")),
                ("backend", N_("{value}")))


class Ghost(NamedTuple):
    """A run kept to compare with later ones (ghost()): its settings and a sample of its steps,
    as JSON-ready lists (the charts' meta sends them as they are)."""

    number: int             # its place in the session: "run 3"
    settings: dict          # the run's settings (core.run.Run.settings)
    status: str = DONE      # core.run's status when it was kept
    x: list = []            # the sampled steps
    loss: list = []         # their batch losses
    w: list = []            # per weight, its values at those steps
    b: list = []            # the bias at those steps
    bounds: list = [0.0, 0.0]   # [min, max] over every parameter: the parameter chart makes room


def ghost(run, number, points=400) -> Ghost:
    """A finished or paused run kept to compare with later ones: its settings, and its batch
    loss and parameters at about `points` evenly spaced steps. number: its place in the session."""
    h = run.history
    idx = np.unique(np.linspace(0, len(h) - 1, min(points, len(h))).round().astype(int))
    params = np.column_stack([h.column("w")[idx], h.column("b")[idx]])
    finite = params[np.isfinite(params)]
    return Ghost(number, dict(run.settings), run.status, _nums(h.column("step")[idx]),
                 _nums(h.column("batch_loss")[idx]), [_nums(col) for col in h.column("w")[idx].T],
                 _nums(h.column("b")[idx]),
                 _nums([finite.min(), finite.max()]) if finite.size else [0.0, 0.0])


def start_words(settings):
    """How a run's weights start, in the user's words: 'w0 ~ N(0, 0.01²)', 'w0 = 0', 'w0 = 0.5'."""
    init = settings.get("init", "normal")
    if init == "normal":
        return _("w0 ~ N(0, 0.01²)")
    value = settings.get("w0", 0.0) if init == "value" else 0.0
    return _("w0 = {value}").format(value=f"{value:g}")


# a compared run's optimizer in its label: short names; momentum always with its β ("momentum 0.9")
OPTIMIZER_LABELS = {"sgd": N_("SGD"), "momentum": N_("momentum {value}"), "adagrad": N_("AdaGrad"),
                    "rmsprop": N_("RMSProp"), "adadelta": N_("Adadelta"), "adam": N_("Adam")}
HYPERPARAM_LABELS = {"gamma": "γ {value}", "rho": "ρ {value}", "beta1": "β1 {value}",
                     "beta2": "β2 {value}", "eps": "ε {value}"}


def _book_lr(settings):
    return BOOK_DEFAULTS[settings.get("optimizer", "sgd")]["lr"]


def optimizer_label(gs, settings):
    """The parts of a compared run's label (settings gs) about its optimizer, against a run with
    `settings`: [] when both use the same one the same way; else its name ("Adam",
    "momentum 0.9") when it differs, and each of its hyperparameters that differs (from the
    other run's when the optimizer is the same, from the book's when not; lr is the caller's)."""
    name, other = gs.get("optimizer", "sgd"), settings.get("optimizer", "sgd")
    ref = settings if name == other else BOOK_DEFAULTS[name]
    book = BOOK_DEFAULTS[name]
    hp = {k: gs.get(k, v) for k, v in book.items() if k not in ("lr", "momentum")}
    parts = [HYPERPARAM_LABELS[k].format(value=f"{v:g}") for k, v in hp.items()
             if v != ref.get(k, book[k])]
    beta = gs.get("momentum", book.get("momentum"))
    if name != other or (name == "momentum" and beta != ref.get("momentum", beta)):
        parts.insert(0, _(OPTIMIZER_LABELS[name]).format(value=f"{beta:g}" if beta is not None else ""))
    return parts


def path_words(settings):
    """The path's legend names the run's optimizer when it is not the lesson's SGD ("Adam path")."""
    name = settings.get("optimizer", "sgd")
    if name == "sgd":
        return {}
    label = _(OPTIMIZER_LABELS[name]).format(value=f"{settings.get('momentum', 0):g}")
    return {"sgd_path": _("{optimizer} path").format(optimizer=label)}


def parabola_words(settings):
    """The parabola chart runs plain gradient descent with the run's lr whatever the optimizer: its
    title says so when the run's optimizer is not the lesson's SGD."""
    if settings.get("optimizer", "sgd") == "sgd":
        return {}
    return {"parabola_title": _("Plain gradient descent on y = x²/2 with the same lr = {lr}: {regime}")}


def ghost_label(g, settings):
    """What the kept run `g` (a Ghost) did differently from a run with `settings`, in the user's
    words: 'lr 0.1 · batch 100'; the run's number when nothing differs."""
    gs = g.settings
    optimizer = optimizer_label(gs, settings)
    parts = [_(msgid).format(value=format_value(BY_KEY[key], gs[key]))
             for key, msgid in GHOST_LABELS if gs[key] != settings[key]
             and not (key == "lr" and optimizer and gs[key] == _book_lr(gs))]
    parts += optimizer
    if start_words(gs) != start_words(settings):
        parts.append(start_words(gs))
    return " · ".join(parts) if parts else _("run {number}, same settings").format(number=g.number)


def meta(run, ghosts=()):
    """What does not change during a run: data sample, contour grid, true and optimal values,
    and the earlier runs kept to compare (Ghosts), labelled against this one."""
    th, d = run.theory, run.X.shape[1]
    opt = list(th.w_star) + [th.b_star]
    # real data have no true values (settings "truth": False): the dashed lines are the
    # least-squares optimum, the path chart has no "true" cross, the floor is the optimum's loss
    known = run.settings.get("truth", True)
    truth = list(run.true_w) + [run.true_b] if known else opt
    w0, b0 = run.w0, run.b0
    start = list(w0) + [b0]
    # the path chart: (w1, w2) for d >= 2, (w, b) for d = 1; other parameters at the optimum
    ix, iy = 0, 1
    names = [f"w{j + 1}" if d > 1 else "w" for j in range(d)] + ["b"]
    xr = _range([start[ix], opt[ix], truth[ix]], 0.25)
    yr = _range([start[iy], opt[iy], truth[iy]], 0.25)
    gx, gy = np.linspace(*xr, GRID), np.linspace(*yr, GRID)
    gz = loss_grid(th.min_loss, th.hessian, opt, (ix, iy), gx, gy)
    rng = np.random.default_rng(0)
    pick = rng.choice(run.X.shape[0], min(DATA_SAMPLE, run.X.shape[0]), replace=False)
    Xs, ys = run.X[pick], run.y[pick]
    lr = run.settings["lr"]
    # the last, smaller batch of each epoch when batch_size does not divide n, ringed on the loss
    # chart (the book's third exercise); not where there would be too many rings to read
    B, n = run.settings["batch_size"], run.X.shape[0]
    last = last_batch_size(n, B)
    short = ({"steps": (np.arange(1, run.settings["epochs"] + 1) * run.steps_per_epoch).tolist(),
              "name": _("last batch of each epoch: {size} examples").format(size=last)}
             if last < B and run.settings["epochs"] <= MAX_RINGS else None)
    return {
        "d": d, "names": names, "truth": _nums(truth), "total": run.total_steps,
        # the chart's colours (ui/palette.py), and each parameter's name at its line's end
        "colors": palette.live(), "labels": [nm.translate(SUBSCRIPTS) for nm in names],
        "epochs": run.settings["epochs"], "per_epoch": run.steps_per_epoch,
        "lr": lr, "floor": run.theory.loss_floor, "short": short, "w0": _nums(w0), "b0": float(b0),
        "start_loss": full_loss(run.X, run.y, w0, b0),
        "path": {"ix": ix, "iy": iy, "xname": names[ix], "yname": names[iy], "xr": xr, "yr": yr,
                 "gx": _nums(gx, 4), "gy": _nums(gy, 4), "gz": [_nums(r, 4) for r in np.log10(gz)],
                 "opt": _nums([opt[ix], opt[iy]]),
                 "truth": _nums([truth[ix], truth[iy]]) if known else None,
                 "start": _nums([start[ix], start[iy]])},
        "data": ({"x": _nums(Xs[:, 0], 4), "y": _nums(ys, 4), "xr": _range(Xs[:, 0], 0.05),
                  "yr": _range(ys, 0.1)} if d == 1 else
                 {"X": [_nums(r, 4) for r in Xs], "y": _nums(ys, 4), "yr": _range(ys, 0.1)}),
        "parabola": {"x0": PARABOLA_X0, "lim": PARABOLA_X0 * 1.25,
                     "regime": _(REGIME_WORDS[regime(lr)])},
        "words": {**words(), **path_words(run.settings), **parabola_words(run.settings),
                  **({} if known else {"params_title": _("Parameters (dashed: least squares)"),
                                       "floor": _("least-squares loss")})},
        "ghosts": [{"id": g.number, "label": ghost_label(g, run.settings), "x": g.x,
                    "loss": g.loss, "w": g.w, "b": g.b, "range": g.bounds, "same_d": len(g.w) == d}
                   for g in ghosts],
    }


def payload(run, key, view, full, start=0, meta=None):
    """The update for the browser: the display view of run.history from position `start`.

    key: identifies the run (a new key resets the charts); view: what the caller keeps per
    session (ui.player.View) with the meta it computed (so the contour grid is built once per
    run); meta: send it (default: with every full update).
    """
    h = run.history
    idx = h.display_index(start)
    steps, losses = h.epoch_ends()
    p = {
        "run": key, "ver": h.stride, "full": full, "start": start,
        "x": _nums(h.column("step")[idx]), "loss": _nums(h.column("batch_loss")[idx]),
        "w": [_nums(col) for col in h.column("w")[idx].T] if idx.size else [[] for _ in range(h.d)],
        "b": _nums(h.column("b")[idx]), "epochs": {"x": _nums(steps), "loss": _nums(losses)},
        "status": run.status, "speed": run.settings.get("speed", 0) or 0, "stride": h.stride,
    }
    p["load_error"] = view.meta["words"]["load_error"]
    with_meta = full if meta is None else meta
    if with_meta:
        p["meta"] = view.meta
    return p


def display_len(run):
    """How many points the display view has now (a full payload's length)."""
    h = run.history
    return len(h.display_index(0))


def live_charts(data, key=None, on_transport_change=None, on_meta_change=None):
    """Mount (or update) the live charts with a payload from payload(). With a key the browser
    keeps one element for the session; on_transport_change gets the browser's Pause/Step,
    on_meta_change its request for a meta it missed."""
    return _component(data=data, key=key, on_transport_change=on_transport_change,
                      on_meta_change=on_meta_change)


# ---- the charts in words: for screen readers (each chart's description, the live region) and
# for the page's text view (ui.panels.show_numbers). Built when a run pauses or ends, never per frame.

SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def number(v, digits=3, zeros=False):
    """A number as a sentence prints it: `digits` significant digits (zeros: keep trailing
    zeros, 2.000), a minus sign that is one, a power of ten written as such (4.9·10⁻⁵);
    ∞ or NaN for what has left floating point."""
    v = float(v)
    if v != v:
        return "NaN"
    if v in (np.inf, -np.inf):
        return "∞" if v > 0 else "−∞"
    text = f"{v:#.{digits}g}" if zeros else f"{v:.{digits}g}"
    if "e" in text:
        mant, exp = text.split("e")
        text = f"{mant.rstrip('.')}·10{str(int(exp)).translate(SUPERSCRIPT)}"
    return text.rstrip(".").replace("-", "−")


def vector(a, digits=4, zeros=True, most=6):
    """[2.000, −3.400] for a vector (the first `most` entries, then …), a plain number for one entry."""
    a = np.atleast_1d(np.asarray(a, dtype=float))
    if a.size == 1:
        return number(a[0], digits, zeros)
    body = ", ".join(number(v, digits, zeros) for v in a[:most])
    return f"[{body}{', …' if a.size > most else ''}]"


def _point(x, y):
    return f"({number(x, 4, True)}, {number(y, 4, True)})"


def _state(run):
    """The run's newest step: (step, w (d,), b, batch loss); step 0 and the start before any."""
    h = run.history
    if not len(h):
        return 0, np.asarray(run.w0, dtype=float), float(run.b0), None
    return (int(h.column("step")[-1]), h.column("w")[-1], float(h.column("b")[-1]),
            float(h.column("batch_loss")[-1]))


def summaries(run):
    """What each live chart shows at the run's newest step, in words, and what the page's live
    region says of the run's state:

    {"step": int, "event": "paused:120" | "done:300" | "diverged:12" | None, "announce": str | None,
     "loss", "params", "path", "data", "parabola": one sentence each}.

    The event names what the live region announces (the browser says each event once: not again
    when a rerun sends it again); None for a run not started or failed."""
    th, d = run.theory, run.X.shape[1]
    step, w, b, batch = _state(run)
    known = run.settings.get("truth", True)
    with np.errstate(all="ignore"):
        start = full_loss(run.X, run.y, run.w0, run.b0)
        end = full_loss(run.X, run.y, w, b) if step else start
    diverged = run.status == DIVERGED
    if not step:
        loss = _("No steps yet: the full-data loss at the start is {start}.").format(start=number(start))
    elif diverged:
        loss = _("The loss grew from {start} to {end}: the run diverged at step {step}.").format(
            start=number(start), end=number(batch), step=step)
    else:
        words = (_("The full-data loss fell from {start} to {end} in {steps} steps.") if end <= start
                 else _("The full-data loss rose from {start} to {end} in {steps} steps."))
        loss = words.format(start=number(start), end=number(end), steps=step)

    if known:
        params = _("At step {step}: w = {w}, b = {b}; the true values are w = {true_w}, b = {true_b}.")
        ref_w, ref_b = run.true_w, run.true_b
    else:
        params = _("At step {step}: w = {w}, b = {b}; the least-squares optimum is w = {true_w}, "
                   "b = {true_b}.")
        ref_w, ref_b = th.w_star, th.b_star
    params = params.format(step=step, w=vector(w), b=number(b, 4, True),
                           true_w=vector(ref_w, 4, False), true_b=number(ref_b, 4))

    # the path chart's two parameters: (w1, w2), or (w, b) for one feature (as meta() draws it)
    now, first = np.append(w, b), np.append(run.w0, run.b0)
    opt = np.append(th.w_star, th.b_star)
    names = ("w1", "w2") if d > 1 else ("w", "b")
    path = (_("Path over the loss contours of {x} and {y}: from {start} to {now} at step {step}; "
              "the least-squares minimum is at {opt}.") if step else
            _("Path over the loss contours of {x} and {y}: no steps yet, the start is {start}; "
              "the least-squares minimum is at {opt}.")).format(
        x=names[0], y=names[1], start=_point(*first[:2]), now=_point(*now[:2]), step=step,
        opt=_point(*opt[:2]))

    rmse = np.sqrt(2 * end) if np.isfinite(end) else end
    if d == 1:
        model = f"ŷ = {number(w[0], 4, True)}x {'−' if b < 0 else '+'} {number(abs(b), 4, True)}"
        data = _("The model line {model} over the data: root-mean-square error {rmse}.").format(
            model=model, rmse=number(rmse))
    else:
        data = _("Predicted ŷ against true y for {n} examples: root-mean-square error {rmse}.").format(
            n=run.X.shape[0], rmse=number(rmse))

    lr, x0 = run.settings["lr"], PARABOLA_X0
    with np.errstate(all="ignore"):
        xk = x0 * np.power(1.0 - lr, float(step))
    parabola = (_("On y = x²/2 with the same lr = {lr}, x went from {x0} to {x} in {steps} steps: "
                  "{regime}.") if step else
                _("On y = x²/2 the same lr = {lr} means {regime}; x starts at {x0}.")).format(
        lr=number(lr, 4), x0=number(x0), x=number(xk), steps=step, regime=_(REGIME_WORDS[regime(lr)]))

    event = announce = None
    if step and run.status == DONE:
        event, announce = f"done:{step}", _("Training finished. {loss}").format(loss=loss)
    elif step and diverged:
        event = f"diverged:{step}"
        announce = _("The run diverged at step {step}: the loss reached {loss}. Try a smaller lr.").format(
            step=step, loss=number(batch))
    elif step and run.status == PAUSED:
        event = f"paused:{step}"
        announce = _("Paused at step {step} of {total}. {loss}").format(
            step=step, total=run.total_steps, loss=loss)
    return {"step": step, "event": event, "announce": announce, "loss": loss, "params": params,
            "path": path, "data": data, "parabola": parabola}
