"""The book's exercises for this section (d2l-zh §3.2), one click each on the main page.

A click sets the sidebar to the exercise's settings (the lesson's, with the one change the
exercise asks about), keeps the runs it compares against as finished compared runs, and trains.
While the run shown is still the exercise's, the page states the answer beside the charts, with
the numbers of these runs: nothing here is a number written in advance.
"""

from __future__ import annotations

from typing import NamedTuple

import streamlit as st

from core import settings as S
from core.backends import backend_installed
from core.data import NOISE_STD, NUM_EXAMPLES, TRUE_B, TRUE_W
from core.optimizers import BOOK_DEFAULTS
from core.run import DIVERGED, DONE, FAILED, Run
from core.trainer import last_batch_size, steps_per_epoch
from ui import controls, guard
from ui.i18n import N_, _
from ui.player import cached_data, run_settings

STATE = "exercise"          # session_state: the exercise shown, and the numbers of its compared runs
# the lesson's run: every exercise starts from it and changes one thing
LESSON = {"lr": 0.03, "batch_size": 10, "epochs": 3, "init": "normal", "w0": 0.0, "noise": NOISE_STD,
          "n": NUM_EXAMPLES, "w": TRUE_W, "b": TRUE_B, "optimizer": "sgd"}
# d2l-zh chapter 11's optimizers beside the lesson's SGD, each at the book's settings (lr included)
FIVE = ("momentum", "adagrad", "rmsprop", "adadelta", "adam")
NEAR_FLOOR = 10             # "reached the noise floor": within this factor of sigma^2 / 2


class Exercise(NamedTuple):
    button: str             # msgids
    question: str
    setup: dict             # the run shown: the lesson's settings with these changed
    compared: tuple         # the runs it is compared with (finished at once), each a dict of changes


EXERCISES = {
    "zeros": Exercise(
        N_("w = 0 at the start?"),
        N_("**Exercise 1.** Initialise the weights to zero. Does it still work?"),
        {"init": "zeros"}, ({"init": "normal"},)),
    "lrs": Exercise(
        N_("Three learning rates"),
        N_("**Exercise 2.** Try different learning rates: how fast does the loss fall?"),
        {"lr": 0.03}, ({"lr": 0.003}, {"lr": 0.3})),
    "batch7": Exercise(
        N_("n = 1000, batch 7"),
        N_("**Exercise 3.** What if the number of examples is not divisible by the batch size?"),
        {"batch_size": 7}, ()),
    "optimizers": Exercise(
        N_("The same valley, five optimizers"),
        N_("**The same valley, five optimizers.** The lesson's data and squared loss, trained by "
           "momentum, AdaGrad, RMSProp, Adadelta and Adam, each with the book's settings (d2l-zh "
           "chapter 11), beside the lesson's minibatch SGD: which gets down first?"),
        {}, tuple({"optimizer": name, **BOOK_DEFAULTS[name]} for name in FIVE)),
}


def exercise_settings(name, base):
    """The settings of exercise `name`'s run: `base` (the sidebar's) with the lesson's values and
    the exercise's change; the seed, backend and speed stay the user's."""
    return {**base, **LESSON, **EXERCISES[name].setup}


def _base():
    """The sidebar's settings now (every key of the table), a backend that cannot run as NumPy."""
    ss, values = st.session_state, dict(S.DEFAULTS)
    for s in S.SETTINGS + S.OPTIMIZER_SETTINGS:
        if controls.WIDGET + s.key in ss:
            values[s.key] = ss[controls.WIDGET + s.key]
    values["seed"], values["present"] = int(values["seed"]), int(bool(values["present"]))
    if not backend_installed(values["backend"]):
        values["backend"] = "numpy"
    return values


def summary(run):
    """What an answer quotes of a finished run: its epoch losses, final w and b, errors."""
    _steps, losses = run.history.epoch_ends()
    rec = run.last
    return {"lr": run.settings["lr"], "init": run.settings["init"], "status": run.status,
            "optimizer": run.optimizer, "hyperparams": dict(run.hyperparams),
            "losses": [float(v) for v in losses], "w": rec.w.tolist() if rec is not None else None,
            "err_w": (run.true_w - rec.w).tolist() if rec is not None else None,
            "err_b": float(run.true_b - rec.b) if rec is not None else None}


@guard.callback
def start(name, player):
    """on_click of an exercise's button: set the sidebar, keep the compared runs, train."""
    settings = exercise_settings(name, _base())
    controls.PAGE.seed(settings)
    compared = []
    for change in EXERCISES[name].compared:
        s = {**settings, **change}
        X, y, theory = cached_data(s["w"], s["b"], s["n"], s["noise"], s["seed"])
        run = Run(s, data=(X, y), theory=theory)
        run.advance(run.total_steps)
        compared.append(run)
    player.restart(compared)
    player.press("train")
    st.session_state[STATE] = {"name": name, "settings": run_settings(settings),
                               "compared": [summary(r) for r in compared]}


def buttons(player):
    """The row of the book's three exercises, and the five optimizers."""
    row = st.container(horizontal=True, vertical_alignment="center", gap="small", key="exercises")
    row.caption(_("The book's exercises:"))
    for name, ex in EXERCISES.items():
        row.button(_(ex.button), key=f"exercise_{name}", icon=":material/school:", wrap=False,
                   on_click=start, args=(name, player))


def _fmt_vec(v):
    return "[" + ", ".join(f"{x:.2g}" for x in v) + "]"


def _losses_table(rows, epochs):
    """Markdown: one row per run, the full-data loss after each epoch."""
    head = "| lr | " + " | ".join(_("epoch {epoch}").format(epoch=e + 1) for e in range(epochs)) + " |"
    lines = [head, "|---:|" + "---:|" * epochs]
    for r in rows:
        cells = [f"{v:.3g}" for v in r["losses"]] + ["—"] * (epochs - len(r["losses"]))
        lines.append(f"| {r['lr']:g} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _reached(losses, floor):
    """The first epoch (1-based) whose loss is within NEAR_FLOOR of the noise floor, or None."""
    return next((i + 1 for i, v in enumerate(losses) if v <= NEAR_FLOOR * floor), None)


def answer_zeros(run, ref):
    mine = summary(run)
    return _("**Yes, it still works.** From w = 0 the full-data loss after {epochs} epochs is "
             "**{zero}**; from the lesson's random start N(0, 0.01²) (the faded curves) it is "
             "**{normal}**. The errors in w: {err_zero} against {err_normal}. The squared loss of a "
             "linear model is one convex bowl, so every start rolls down to the same minimum. And "
             "each weight gets its own gradient (ŷ − y)·xⱼ, different for each weight because the "
             "features differ, so weights that start equal do not stay equal. In a network with "
             "hidden layers they would: equal weights get equal gradients and stay equal "
             "(symmetry), which is why the book draws the weights at random.").format(
        epochs=run.settings["epochs"], zero=f"{mine['losses'][-1]:.3g}", normal=f"{ref['losses'][-1]:.3g}",
        err_zero=_fmt_vec(mine["err_w"]), err_normal=_fmt_vec(ref["err_w"]))


def answer_lrs(run, refs):
    rows = sorted(refs + [summary(run)], key=lambda r: r["lr"])
    floor = run.theory.loss_floor
    said = []
    for r in rows:
        k = _reached(r["losses"], floor) if r["status"] == DONE else None
        said.append(_("lr {lr}: within {factor}× of the noise floor after epoch {epoch}").format(
            lr=f"{r['lr']:g}", factor=NEAR_FLOOR, epoch=k) if k else
            _("lr {lr}: not within {factor}× of the noise floor after {epochs} epochs").format(
                lr=f"{r['lr']:g}", factor=NEAR_FLOOR, epochs=run.settings["epochs"]))
    text = _("**The larger the learning rate, the faster the loss falls** — {said}. The full-data "
             "loss after each epoch:").format(said=_("; ").join(said))
    tail = _("That holds only below the stability limit: for these data lr < {max_lr} (2 / λ_max "
             "of the loss's curvature). Past it each step overshoots the minimum by more than it "
             "corrects and the loss grows: set lr = 3 and press **Train**.").format(
        max_lr=f"{run.theory.max_stable_lr:.3g}")
    return text, _losses_table(rows, run.settings["epochs"]), tail


def answer_batch7(run):
    n, B = run.X.shape[0], run.settings["batch_size"]
    per_epoch, last = steps_per_epoch(n, B), last_batch_size(n, B)
    steps = _(", ").join(str(per_epoch * (e + 1)) for e in range(run.settings["epochs"]))
    rec = run.record(per_epoch)
    return _("**{n} = {full} × {batch} + {last}.** Each epoch makes {per_epoch} updates; the last "
             "one of each (steps {steps}, ringed on the loss chart) uses only the {last} examples "
             "that are left, so every example is still used once per epoch. Here the loss is the "
             "mean over the batch that was drawn (at step {per_epoch}: {size} examples, "
             "∂L/∂w = {grad}), so that update is as long as any other. The book's sgd divides the "
             "summed gradient by batch_size = {batch}, so there the last update of each epoch is "
             "{last}/{batch} = {ratio} as long. Dropping the remainder instead "
             "(drop_remainder=True in MindSpore's dataset.batch) would leave {last} examples out of "
             "each epoch.").format(
        n=n, full=per_epoch - 1, batch=B, last=last, per_epoch=per_epoch, steps=steps,
        size=len(rec.batch), grad=_fmt_vec(rec.grad_w), ratio=f"{last / B:.3g}")


def _optimizer_table(rows, epochs):
    """Markdown: one row per optimizer (its name, lr), the full-data loss after each epoch."""
    head = ("| " + _("optimizer") + " | lr | "
            + " | ".join(_("epoch {epoch}").format(epoch=e + 1) for e in range(epochs)) + " |")
    lines = [head, "|---|---:|" + "---:|" * epochs]
    for r in rows:
        cells = [f"{v:.3g}" for v in r["losses"]] + ["—"] * (epochs - len(r["losses"]))
        name = controls.optimizer_words(r["optimizer"])
        lines.append(f"| {name} | {r['lr']:g} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def answer_optimizers(run, refs):
    """Which optimizer got within NEAR_FLOOR of the noise floor first (by epoch: the full-data
    loss is measured at each epoch's end), and every run's losses, from these runs' numbers."""
    rows = [summary(run)] + list(refs)
    floor, epochs = run.theory.loss_floor, run.settings["epochs"]
    reached = {}
    for r in rows:
        k = _reached(r["losses"], floor) if r["status"] == DONE else None
        reached.setdefault(k, []).append(r)
    for k, group in reached.items():        # the lower loss at that epoch first
        group.sort(key=lambda r: r["losses"][(k or epochs) - 1] if len(r["losses"]) >= (k or epochs)
                   else float("inf"))
        reached[k] = [controls.optimizer_words(r["optimizer"]) for r in group]
    said = [_("after epoch {epoch}: {names} (the lower loss first)").format(
                epoch=k, names=_(", ").join(reached[k]))
            for k in sorted(k for k in reached if k is not None)]
    if None in reached:
        said.append(_("not within {epochs} epochs: {names}").format(
            epochs=epochs, names=_(", ").join(reached[None])))
    best = min(rows, key=lambda r: r["losses"][-1] if r["losses"] and r["status"] == DONE else float("inf"))
    text = _("**Within {factor}× of the noise floor σ²/2 = {floor}** (the full-data loss at each epoch's "
             "end) — {said}. Lowest loss after {epochs} epochs: **{best}**, {loss}. This bowl has "
             "one minimum for all of them; they differ in how fast they get there with the book's "
             "settings, which the book chose for another data set (chapter 11's airfoil data). The "
             "faded curves are the five, the bright one is SGD. The full-data loss after each "
             "epoch:").format(
        factor=NEAR_FLOOR, floor=f"{floor:.3g}", said=_("; ").join(said), epochs=epochs,
        best=controls.optimizer_words(best["optimizer"]), loss=f"{best['losses'][-1]:.3g}")
    adam = next(r for r in rows if r["optimizer"] == "adam")
    tail = _("Why the adaptive ones are slow here: AdaGrad, RMSProp, Adadelta and Adam divide each "
             "step by the root of the squared gradients, so a parameter moves by about lr per step "
             "however steep the slope. Adam's {steps} steps at lr = {lr} walk at most about {reach}, "
             "and b has to go from 0 to {b}. SGD's steps are lr times the gradient: long while the "
             "slope is steep, short near the minimum.").format(
        steps=run.total_steps, lr=f"{adam['lr']:g}", reach=f"{run.total_steps * adam['lr']:.3g}",
        b=f"{run.true_b:g}")
    return text, _optimizer_table(rows, epochs), tail


def show(player):
    """The answer box of the exercise whose run is shown; forgets the exercise once the run shown
    is no longer its (the user changed a setting and ran again)."""
    state, run = st.session_state.get(STATE), player.run
    if state is None or run is None:
        return
    if run_settings(run.settings) != state["settings"]:
        st.session_state.pop(STATE, None)
        return
    name = state["name"]
    box = st.container(border=True, key="exercise_answer")
    box.markdown(_(EXERCISES[name].question))
    if run.status in (DIVERGED, FAILED):
        box.warning(_("This run did not finish (see the message above), so it has no answer to give."))
        return
    if run.status != DONE:
        box.caption(_("The run is under way: the answer appears here when it ends (or press **Train**)."))
        return
    if name == "zeros":
        box.markdown(answer_zeros(run, state["compared"][0]))
    elif name == "lrs":
        text, table, tail = answer_lrs(run, state["compared"])
        box.markdown(text)
        box.markdown(table)
        box.markdown(tail)
    elif name == "optimizers":
        text, table, tail = answer_optimizers(run, state["compared"])
        box.markdown(text)
        box.markdown(table)
        box.markdown(tail)
    else:
        box.markdown(answer_batch7(run))

