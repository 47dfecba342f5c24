"""The class's questions: predict, vote, reveal. Each question is tied to settings the app can
run, and its right answer is computed here, by running those settings with the core, never
stored as a string. Also the class experiment's spread: the learning rates (or batch sizes)
handed to the phones, across the stable edge 2 / lambda_max of the lesson's data.

Words are data (STYLE §10): a question's text and its choices' texts are English msgids in
TEXTS and CHOICES, with named placeholders filled from Question.params; the UI translates them
with _() and formats them. A choice is an id (a key of CHOICES), which is also what a room stores
as a vote (core.rooms).

Answers are cached by what they depend on: the analysis and the settings of its runs (an lru
cache of pure results, shared by every session, like st.cache_data). Nothing here draws.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from . import landscape as ls
from .data import synthetic_data
from .model import full_loss
from .problems import N_
from .run import DIVERGED, Run, Theory
from .settings import DEFAULTS

# ---- the answers' words ------------------------------------------------------------------------
# choice id -> English msgid. One table, ids unique across the questions' sets.
CHOICES = {
    # what the loss does by the end of a run ("outcome")
    "settles": N_("It settles at the loss floor"),
    "still_falling": N_("It is still falling when the run ends"),
    "diverges": N_("It blows up: training diverges"),
    # how (w, b) travels to the optimum in full-batch descent ("path")
    "straight": N_("Straight to the optimum, never past it"),
    "zigzag": N_("It zig-zags across the optimum, and settles"),
    "away": N_("It flies away from the optimum"),
    # which loss curve is noisier ("noise")
    "same": N_("About the same"),
    "b1_x3": N_("Batch 1, about 3× noisier"),
    "b1_x10": N_("Batch 1, about 10× noisier"),
    "b1_x100": N_("Batch 1, about 100× noisier"),
    "b100": N_("Batch 100 is noisier"),
    # does w = 0 learn ("learns")
    "as_well": N_("Yes, just as well as from small random weights"),
    "slower": N_("Yes, but more slowly"),
    "stuck": N_("No: it stays stuck"),
    # does standardising remove the zig-zag ("zigzag")
    "goes": N_("Yes: the path goes straight down the valley"),
    "stays": N_("No: it still zig-zags"),
    "worse": N_("It zig-zags even more"),
    # how far down the loss gets ("how_far")
    "floor": N_("Down to the loss floor"),
    "part": N_("Part of the way down"),
    "barely": N_("It barely moves"),
}
OUTCOME = ("settles", "still_falling", "diverges")
PATH = ("straight", "zigzag", "away")
NOISE = ("same", "b1_x3", "b1_x10", "b1_x100", "b100")
LEARNS = ("as_well", "slower", "stuck")
ZIGZAG = ("goes", "stays", "worse")
HOW_FAR = ("floor", "part", "barely")

# question id -> English msgid of its text; placeholders from Question.params
TEXTS = {
    "lr_one": N_("lr = {lr}, batches of {batch_size}, {epochs} epochs on the lesson's data: what does "
                 "the loss do?"),
    "lr_past_edge": N_("Full-batch gradient descent (batch size = n = {n}) at lr = {lr} for {epochs} "
                       "steps: what does the loss do?"),
    "zigzag_path": N_("Full-batch gradient descent at lr = {lr}: how do w and b travel to the optimum?"),
    "batch_noise": N_("Batch size 1 against batch size 100 (lr = {lr}, {epochs} epochs): which loss curve "
                      "is noisier, and by about how much?"),
    "noise_floor": N_("The noise in y has σ = {noise}: at what loss does training settle?"),
    "zero_init": N_("w starts at 0 (all zeros) instead of small random numbers: does it still learn?"),
    "standardise": N_("The valley stretched by k = {k}: at lr = {lr}, full-batch descent zig-zags across "
                      "it. Standardise the features, same lr: does the zig-zag go?"),
    "w1_epoch": N_("After one epoch (lr = {lr}, batches of {batch_size}), where is w₁? The true w₁ is "
                   "{true_w1}."),
    "full_batch_budget": N_("Batch size = n = {n} (full batch), lr = {lr}, {epochs} epochs: how far down "
                            "does the loss get?"),
    "small_lr": N_("lr = {lr}, ten times smaller than the lesson's, batches of {batch_size}: after "
                   "{epochs} epochs, how far down is the loss?"),
    "next": N_("The lecturer's settings, on the projector, run to the end: what does the loss do?"),
}

# ---- thresholds of the analyses (what "settles", "zig-zag", "about 10×" mean) -------------------
SETTLED = 0.01          # settles / floor: the loss has come 99 % of the way from its start to the floor
PART = 0.25             # part of the way: at least a quarter of the way
FLIP_SCALE = 0.01       # a crossing counts while |distance along the steepest axis| > 1 % of the start's
ZIGZAG_FLIPS = 2        # zig-zag: at least two crossings of the optimum along that axis
NOISE_STOPS = {"same": 1.0, "b1_x3": 3.0, "b1_x10": 10.0, "b1_x100": 100.0}


class Answer(NamedTuple):
    """A question's right answer, computed. facts: the numbers the reveal can show (by name)."""

    choice: str | None          # a choice question's right choice id
    value: float | None         # a number question's right value ...
    tolerance: float | None     # ... and how far from it a vote still counts as right
    facts: dict

    def is_right(self, vote):
        """True when a vote (a choice id, or a number) is right."""
        if self.choice is not None:
            return vote == self.choice
        try:
            return abs(float(vote) - self.value) <= self.tolerance
        except (TypeError, ValueError):
            return False

    def share_right(self, votes):
        """The share (0..1) of votes right, from a room's {browser: vote}; None without votes."""
        votes = list(votes.values()) if isinstance(votes, dict) else list(votes)
        return sum(map(self.is_right, votes)) / len(votes) if votes else None


class Question(NamedTuple):
    """One question of the bank. settings: the runs the reveal plays, as settings dicts of its
    page ("lesson": core.settings' table, the main page; "landscape": the loss-landscape page's
    k, rho, std, lr, batch_size, steps), one run or two compared."""

    id: str                     # a key of TEXTS (the room stores it)
    kind: str                   # "choice" or "number"
    analysis: str               # a key of ANALYSES: how the answer is computed from the runs
    page: str                   # "lesson" or "landscape"
    settings: tuple             # of settings dicts
    params: dict                # the text's placeholders
    choices: tuple = ()         # choice ids (keys of CHOICES), for a choice question
    bounds: tuple | None = None  # (lo, hi) of a number question's slider ...
    step: float | None = None    # ... its step ...
    tolerance: float | None = None  # ... and how near the answer a vote must be

    @property
    def text(self):
        """The English msgid of the question (format it with params after translating)."""
        return TEXTS[self.id]

    def answer(self) -> Answer:
        """The right answer, computed by running the settings (cached on them)."""
        return _answer(self.analysis, self.page, _freeze(self.settings), self.tolerance)


def _lesson(**changes):
    return {**DEFAULTS, **changes}


# the loss-landscape page's settings (its own table, views/loss_landscape.py: a page's, not core's)
LANDSCAPE_DEFAULTS = {"k": 1.0, "rho": 0.0, "std": 0, "lr": 0.03, "batch_size": 10, "steps": 300,
                      "opt_lrs": "book", "optimizer": "sgd"}


def _landscape(**changes):
    return {**LANDSCAPE_DEFAULTS, **changes}


def _choice(qid, analysis, runs, params, choices, page="lesson"):
    return Question(qid, "choice", analysis, page, tuple(runs), params, choices)


def _number(qid, analysis, runs, params, bounds, step, tolerance):
    return Question(qid, "number", analysis, "lesson", tuple(runs), params, (), bounds, step, tolerance)


N = DEFAULTS["n"]           # the lesson's number of examples: a batch this big is the full batch
QUESTIONS = (
    _choice("lr_one", "outcome", [_lesson(lr=1.0)], {"lr": 1.0, "batch_size": 10, "epochs": 3}, OUTCOME),
    _choice("lr_past_edge", "outcome", [_lesson(lr=2.2, batch_size=N, epochs=30)],
            {"lr": 2.2, "n": N, "epochs": 30}, OUTCOME),
    _choice("zigzag_path", "path", [_lesson(lr=1.5, batch_size=N, epochs=30)], {"lr": 1.5}, PATH),
    _choice("batch_noise", "noise", [_lesson(batch_size=1), _lesson(batch_size=100)],
            {"lr": 0.03, "epochs": 3}, NOISE),
    _number("noise_floor", "floor", [_lesson(noise=1.0)], {"noise": 1.0}, (0.0, 2.0), 0.05, 0.1),
    _choice("zero_init", "learns", [_lesson(init="zeros"), _lesson()], {}, LEARNS),
    _choice("standardise", "zigzag", [_landscape(k=10.0, lr=0.015), _landscape(k=10.0, lr=0.015, std=1)],
            {"k": 10, "lr": 0.015}, ZIGZAG, page="landscape"),
    _number("w1_epoch", "w1", [_lesson(epochs=1)], {"lr": 0.03, "batch_size": 10, "true_w1": 2.0},
            (0.0, 3.0), 0.05, 0.1),
    _choice("full_batch_budget", "how_far", [_lesson(batch_size=N)], {"n": N, "lr": 0.03, "epochs": 3},
            HOW_FAR),
    _choice("small_lr", "how_far", [_lesson(lr=0.003)], {"lr": 0.003, "batch_size": 10, "epochs": 3},
            HOW_FAR),
)
BY_ID = {q.id: q for q in QUESTIONS}


def next_question(settings):
    """The lecturer's "what happens next?": a question about their own main-page settings (a
    settings dict as core.settings.parse_settings returns), answered by running them."""
    return _choice("next", "outcome", [dict(settings)], {}, OUTCOME)


# ---- running settings ------------------------------------------------------------------------------

class Trace(NamedTuple):
    """What the analyses read from one run (pure numbers, cached)."""

    start_loss: float       # full-data loss at the start
    final_loss: float       # ... after the last update (inf if it overflowed)
    min_loss: float         # the least-squares minimum of these data
    diverged_at: int        # the step it blew up at (0: it did not), see _diverged_at
    steps: int              # updates done
    flips: int              # crossings of the optimum along the steepest axis (see _flips)
    noise: float            # loss_noise: the batch loss's relative fluctuation
    w: tuple                # final w
    lr_stable: float        # 2 / lambda_max of these data (full-batch descent's edge)
    lambda_max: float


def _freeze(value):
    """A hashable form of settings (dicts, lists, tuples of them) for the cache's key."""
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(frozen):
    return {k: (v if not isinstance(v, tuple) else tuple(v)) for k, v in frozen}


def _losses(theta, theta_star, H, min_loss):
    """Full-data loss (k,) of each row of theta (k, d+1): exact for this quadratic, never an
    overflow warning (inf where the parameters are huge)."""
    with np.errstate(over="ignore", invalid="ignore"):
        D = theta - theta_star
        loss = min_loss + np.einsum("kp,pq,kq->k", D, H, D) / 2
    return np.where(np.isfinite(loss), loss, np.inf)


def _diverged_at(flagged, losses):
    """The step a run blew up at: the trainer's flag, or else, for a run that ended above where it
    started (too few steps to pass the trainer's bounds), the first step whose loss passed the
    start's. 0 when it did not blow up. losses (k+1,): the start, then after each update."""
    if flagged:
        return flagged
    if losses[-1] > losses[0]:
        return int(np.argmax(losses[1:] > losses[0])) + 1
    return 0


def _flips(theta, theta_star, H):
    """How often the path crosses the optimum along the Hessian's steepest axis: sign changes of
    that coordinate while it is still over FLIP_SCALE of its start. theta (k+1, d+1)."""
    v = np.linalg.eigh(H)[1][:, -1]
    with np.errstate(over="ignore", invalid="ignore"):
        p = (theta - theta_star) @ v
    big = np.abs(p) > FLIP_SCALE * abs(p[0])
    return int(np.sum((np.sign(p[1:]) != np.sign(p[:-1])) & big[1:] & big[:-1]))


def expected_noise(batch_size, n):
    """loss_noise's value for normal residuals, sampling a batch without replacement:
    sqrt(2 (n - B) / (B (n - 1))) (0 for the full batch)."""
    return math.sqrt(2 * (n - batch_size) / (batch_size * (n - 1))) if n > 1 else 0.0


def loss_noise(batch_loss, full_before):
    """How noisy a loss curve is: the standard deviation of batch loss / full-data loss at the same
    parameters (before each update), so the curve's fall does not count, only its jitter.
    For normal residuals it is about sqrt(2 (n - B) / (B (n - 1))): 0 for full batches."""
    r = np.asarray(batch_loss) / np.asarray(full_before)
    r = r[np.isfinite(r)]
    return float(r.std()) if r.size else math.nan


@lru_cache(maxsize=128)
def _lesson_trace(frozen):
    """Run one main-page settings dict to its end, as the app runs it (core.run.Run)."""
    run = Run(_thaw(frozen))
    run.advance(run.total_steps)
    return _trace(run)


def _trace(run):
    """The Trace of a finished core.run.Run."""
    th = run.theory
    w, b = run.history.column("w"), run.history.column("b")
    theta = np.vstack([np.append(run.w0, run.b0), np.column_stack([w, b])])
    theta_star = np.append(th.w_star, th.b_star)
    losses = _losses(theta, theta_star, th.hessian, th.min_loss)
    flagged = run.last.step if run.status == DIVERGED else 0
    return Trace(float(losses[0]), float(losses[-1]), th.min_loss, _diverged_at(flagged, losses),
                 len(run.history), _flips(theta, theta_star, th.hessian),
                 loss_noise(run.history.column("batch_loss"), losses[:-1]), tuple(map(float, w[-1])),
                 th.max_stable_lr, th.lambda_max)


@lru_cache(maxsize=32)
def _landscape_trace(frozen):
    """The loss-landscape page's full-batch path for its settings (k, rho, std, lr, steps)."""
    s = _thaw(frozen)
    X, y = ls.conditioned_data(k=s["k"], rho=s["rho"])
    if s["std"]:
        X = ls.standardise(X).X
    (path,) = ls.paths(X, y, s["lr"], s["steps"], batch_sizes=(None,))
    curv = ls.curvature(X)
    w_star, b_star = ls.lstsq_optimum(X, y)
    theta = np.column_stack([path.w, path.b])
    min_loss = full_loss(X, y, w_star, b_star)
    losses = _losses(theta, np.append(w_star, b_star), curv.hessian, min_loss)
    return Trace(float(losses[0]), float(losses[-1]), min_loss, _diverged_at(0, losses), len(path.b) - 1,
                 _flips(theta, np.append(w_star, b_star), curv.hessian), math.nan,
                 tuple(map(float, path.w[-1])), curv.lr_stable, curv.lambda_max)


def _progress(t):
    """How far the loss came from its start to the floor: 1 = all the way, 0 = not at all."""
    return (t.start_loss - t.final_loss) / (t.start_loss - t.min_loss)


# ---- the analyses: runs -> Answer ----------------------------------------------------------------

def _outcome(traces):
    (t,) = traces
    choice = "diverges" if t.diverged_at else "settles" if _progress(t) >= 1 - SETTLED else "still_falling"
    return choice, {"start_loss": t.start_loss, "final_loss": t.final_loss, "min_loss": t.min_loss,
                    "diverged_at": t.diverged_at, "lr_stable": t.lr_stable}


def _path(traces):
    (t,) = traces
    choice = "away" if t.diverged_at else "zigzag" if t.flips >= ZIGZAG_FLIPS else "straight"
    return choice, {"flips": t.flips, "lr_stable": t.lr_stable, "lr_one_step": t.lr_stable / 2,
                    "diverged_at": t.diverged_at}


def _noise(traces):
    one, hundred = traces
    ratio = one.noise / hundred.noise
    if ratio < 1 / math.sqrt(NOISE_STOPS["b1_x3"]):
        choice = "b100"
    else:
        choice = min(NOISE_STOPS, key=lambda c: abs(math.log(ratio / NOISE_STOPS[c])))
    return choice, {"noise_1": one.noise, "noise_100": hundred.noise, "ratio": ratio}


def _learns(traces):
    zeros, normal = traces
    if zeros.diverged_at or _progress(zeros) < 0.5:
        choice = "stuck"
    elif (zeros.final_loss - zeros.min_loss
          <= 2 * (normal.final_loss - normal.min_loss) + 1e-9 * zeros.start_loss):
        choice = "as_well"
    else:
        choice = "slower"
    return choice, {"final_loss_zeros": zeros.final_loss, "final_loss_normal": normal.final_loss,
                    "min_loss": zeros.min_loss}


def _zigzag(traces):
    stretched, standardised = traces
    if standardised.flips > stretched.flips:
        choice = "worse"
    else:
        choice = "goes" if standardised.flips < ZIGZAG_FLIPS <= stretched.flips else "stays"
    return choice, {"flips_stretched": stretched.flips, "flips_standardised": standardised.flips,
                    "lr_stable_stretched": stretched.lr_stable,
                    "lr_stable_standardised": standardised.lr_stable}


def _how_far(traces):
    (t,) = traces
    p = _progress(t)
    choice = "floor" if p >= 1 - SETTLED else "part" if p >= PART else "barely"
    return choice, {"progress": p, "start_loss": t.start_loss, "final_loss": t.final_loss,
                    "min_loss": t.min_loss}


def _floor(traces):
    (t,) = traces
    return t.final_loss, {"final_loss": t.final_loss, "min_loss": t.min_loss}


def _w1(traces):
    (t,) = traces
    return t.w[0], {"w": t.w}


# analysis -> (its function, "choice" or "number")
ANALYSES = {"outcome": (_outcome, "choice"), "path": (_path, "choice"), "noise": (_noise, "choice"),
            "learns": (_learns, "choice"), "zigzag": (_zigzag, "choice"), "how_far": (_how_far, "choice"),
            "floor": (_floor, "number"), "w1": (_w1, "number")}


@lru_cache(maxsize=128)
def _answer(analysis, page, frozen_runs, tolerance):
    fn, kind = ANALYSES[analysis]
    trace = _landscape_trace if page == "landscape" else _lesson_trace
    result, facts = fn([trace(run) for run in frozen_runs])
    if kind == "choice":
        return Answer(result, None, None, facts)
    return Answer(None, float(result), tolerance, facts)


# ---- the class experiment -------------------------------------------------------------------------

class Experiment(NamedTuple):
    """What the class experiment hands out and what it shows.

    Each phone runs `settings` with `kind` (lr or batch_size) replaced by its value; its dot's
    result is dot_result() of that run: the final loss (lr), or loss_noise (batch size)."""

    kind: str               # "lr" or "batch_size"
    values: tuple           # the spread, ascending (core.rooms hands it out in handout_order)
    settings: dict          # the main-page settings each phone starts from
    edge: float | None      # lr: 2 / lambda_max of these data, the line drawn; None for batch size
    floor: float | None = None  # lr: the least-squares loss of these data, where a good run ends
    theory: tuple = ()      # batch size: (B, expected loss_noise) along the spread, the curve drawn


BATCH_STOPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000)
LR_SPREAD = (1 / 200, 1.5)   # the lr spread, as multiples of 2 / lambda_max: creeping to past the edge


def experiment(kind, settings=None, count=16):
    """The spread for the class experiment on `settings` (default the lesson's): for "lr", count
    learning rates evenly spaced on a log scale from 1/200 to 1.5 times the stable edge 2 / lambda_max
    of these data (3 significant digits, as a phone shows them); for "batch_size", the batch sizes
    1, 2, 5, 10, ... up to n."""
    settings = dict(settings or DEFAULTS)
    return _experiment(kind, _freeze(settings), int(count))


@lru_cache(maxsize=32)
def _experiment(kind, frozen, count):
    s = _thaw(frozen)
    if kind == "lr":
        X, _y = synthetic_data(s["w"], s["b"], s["n"], s["noise"], seed=s["seed"])
        theory = Theory(X, _y, s["noise"])
        edge = theory.max_stable_lr
        lo, hi = (edge * f for f in LR_SPREAD)
        values = tuple(sorted({float(f"{v:.3g}") for v in np.geomspace(lo, hi, count) if 1e-4 <= v <= 10}))
        return Experiment("lr", values, s, edge, floor=theory.min_loss)
    if kind == "batch_size":
        values = tuple(b for b in BATCH_STOPS if b <= s["n"])
        return Experiment("batch_size", values, s, None,
                          theory=tuple((b, expected_noise(b, s["n"])) for b in values))
    raise ValueError(f"kind must be 'lr' or 'batch_size', got {kind!r}")


def dot_result(kind, run):
    """(result, diverged_at) of a phone's finished core.run.Run, for core.rooms' submit_dot:
    (final loss, None) for "lr", (loss_noise, None) for "batch_size", (None, step) if it blew up."""
    if not run.finished or not len(run.history):
        raise ValueError("dot_result needs a run that has finished")
    t = _trace(run)
    if t.diverged_at:
        return None, t.diverged_at
    return (t.final_loss if kind == "lr" else t.noise), None
