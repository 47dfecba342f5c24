"""Text panels of the main page: the current step as the lesson's equations, the results.

Words go through ui.i18n; the LaTeX itself (symbols, numbers) is the same in both languages.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import streamlit as st

from core import optimizers
from core.model import linreg
from core.run import DIVERGED, DONE, FAILED
from ui.controls import optimizer_words
from ui.i18n import _, plain, word
from ui.live import number


def _num(v, digits=4):
    """A number for LaTeX: 4.665\times10^{-5} rather than 4.665e-05."""
    text = f"{v:.{digits}g}"
    if "e" in text:
        mant, exp = text.split("e")
        return rf"{mant}\times10^{{{int(exp)}}}"
    return text


def _vec(a, digits=4):
    a = np.atleast_1d(np.asarray(a, dtype=float))
    body = r",\ ".join(_num(v, digits) for v in a)
    return rf"\begin{{bmatrix}}{body}\end{{bmatrix}}" if a.size > 1 else body


def step_heading(run):
    """The newest step in words: which step, which epoch, how many examples in its batch."""
    rec = run.last
    text = _("**Step {step}, epoch {epoch}:** a minibatch $\\mathcal{{B}}$ of {size} examples, "
             "$\\hat y = Xw + b$").format(
        step=rec.step, epoch=rec.epoch, size=len(rec.batch))
    if len(rec.batch) < run.settings["batch_size"]:
        text += " " + _("— the last, smaller batch of the epoch: {n} examples are not a multiple of "
                        "batch_size = {batch}, so {size} are left.").format(
            n=run.X.shape[0], batch=run.settings["batch_size"], size=len(rec.batch))
    return text


def before(run):
    """(w, b, optimizer state) before the newest step: what its gradient saw."""
    rec = run.last
    if getattr(run, "optimizer", "sgd") == "sgd":   # the update undone, as the lesson writes it
        lr = run.settings["lr"]
        return rec.w + lr * rec.grad_w, rec.b + lr * rec.grad_b, rec.state
    if rec.step <= 1:
        return run.w0, run.b0, optimizers.init_state(run.optimizer, (run.X.shape[1] + 1,))
    prev = run.record(rec.step - 1)
    return prev.w, prev.b, prev.state


def optimizer_equations(run):
    """LaTeX lines of the newest step's update by the run's optimizer (not SGD), with θ = (w, b)
    as one vector: its state before and after, and θ before and after, in numbers."""
    rec, hp, name = run.last, run.hyperparams, run.optimizer
    w0, b0, s0 = before(run)
    g, th0, th = np.append(rec.grad_w, rec.grad_b), np.append(w0, b0), np.append(rec.w, rec.b)
    s1, lr = rec.state, hp["lr"]
    G = r"\frac{\partial L}{\partial \theta}"
    theta = rf"\theta = (w, b) = {_vec(th0, 6)}"
    lines = [theta, rf"g = {G} = {_vec(g)}"]
    step = r"\theta \leftarrow \theta - \text{lr}"

    def update(term, value):
        return rf"{step}\,{term} = {_vec(th0, 6)} - {lr:g}\cdot{_vec(value)} = {_vec(th, 6)}"

    if name == "momentum":
        beta = hp["momentum"]
        lines += [rf"v \leftarrow \beta v + g = {beta:g}\cdot{_vec(s0.v)} + {_vec(g)} = {_vec(s1.v)}",
                  update("v", s1.v)]
    elif name in ("adagrad", "rmsprop"):
        if name == "adagrad":
            lines.append(rf"s \leftarrow s + g^2 = {_vec(s0.s)} + {_vec(g ** 2)} = {_vec(s1.s)}")
        else:
            gamma = hp["gamma"]
            lines.append(rf"s \leftarrow \gamma s + (1-\gamma) g^2 = {gamma:g}\cdot{_vec(s0.s)} + "
                         rf"{1 - gamma:.4g}\cdot{_vec(g ** 2)} = {_vec(s1.s)}")
        eps = hp["eps"]
        lines.append(update(rf"\frac{{g}}{{\sqrt{{s + \epsilon}}}},\ \epsilon = {_num(eps)}",
                            g / np.sqrt(s1.s + eps)))
    elif name == "adadelta":
        rho, eps = hp["rho"], hp["eps"]
        g2 = np.sqrt((s0.delta + eps) / (s1.s + eps)) * g
        lines += [rf"s \leftarrow \rho s + (1-\rho) g^2 = {rho:g}\cdot{_vec(s0.s)} + "
                  rf"{1 - rho:.4g}\cdot{_vec(g ** 2)} = {_vec(s1.s)}",
                  rf"g' = \sqrt{{\frac{{\Delta + \epsilon}}{{s + \epsilon}}}}\, g = {_vec(g2)},\ "
                  rf"\epsilon = {_num(eps)},\ \Delta = {_vec(s0.delta)}",
                  update("g'", g2),
                  rf"\Delta \leftarrow \rho \Delta + (1-\rho) g'^2 = {_vec(s1.delta)}"]
    elif name == "adam":
        b1, b2, eps, t = hp["beta1"], hp["beta2"], hp["eps"], s1.t
        v_hat, s_hat = s1.v / (1 - b1 ** t), s1.s / (1 - b2 ** t)
        lines += [rf"t = {t}",
                  rf"v \leftarrow \beta_1 v + (1-\beta_1) g = {b1:g}\cdot{_vec(s0.v)} + "
                  rf"{1 - b1:.4g}\cdot{_vec(g)} = {_vec(s1.v)}",
                  rf"s \leftarrow \beta_2 s + (1-\beta_2) g^2 = {b2:g}\cdot{_vec(s0.s)} + "
                  rf"{1 - b2:.4g}\cdot{_vec(g ** 2)} = {_vec(s1.s)}",
                  rf"\hat v = \frac{{v}}{{1-\beta_1^{{t}}}} = {_vec(v_hat)},\quad "
                  rf"\hat s = \frac{{s}}{{1-\beta_2^{{t}}}} = {_vec(s_hat)}",
                  update(rf"\frac{{\hat v}}{{\sqrt{{\hat s}} + \epsilon}},\ \epsilon = {_num(eps)}",
                         v_hat / (np.sqrt(s_hat) + eps))]
    return lines


def step_equations(run):
    """LaTeX lines for the newest step: batch loss, both gradients and the update, in numbers.
    No words: they are in step_heading, in the user's language."""
    rec, lr = run.last, run.settings["lr"]
    w_before, b_before, _state = before(run)
    mean = r"\frac{1}{|\mathcal{B}|}\sum_{i\in\mathcal{B}}"
    grads = [
        rf"L = {mean} \tfrac12(\hat y_i - y_i)^2 = {_num(rec.batch_loss)}",
        rf"\frac{{\partial L}}{{\partial w}} = {mean} (\hat y_i - y_i)\,x_i = {_vec(rec.grad_w)}",
        rf"\frac{{\partial L}}{{\partial b}} = {mean} (\hat y_i - y_i) = {_num(rec.grad_b)}",
    ]
    if getattr(run, "optimizer", "sgd") != "sgd":
        return grads + optimizer_equations(run)
    return grads + [
        rf"w \leftarrow w - \text{{lr}}\,\frac{{\partial L}}{{\partial w}} = {_vec(w_before, 6)}"
        rf" - {lr:g}\cdot{_vec(rec.grad_w)} = {_vec(rec.w, 6)}",
        rf"b \leftarrow b - \text{{lr}}\,\frac{{\partial L}}{{\partial b}} = {_num(b_before, 6)}"
        rf" - {lr:g}\cdot({_num(rec.grad_b)}) = {_num(rec.b, 6)}",
    ]


def batch_table(run, rows=5):
    """The first rows of the newest batch: x, y and y_hat before the update."""
    rec = run.last
    idx = rec.batch[:rows]
    Xb, yb = run.X[idx], run.y[idx]
    w_before, b_before, _state = before(run)
    y_hat = linreg(Xb, w_before, b_before)
    table = {_("example"): idx}
    for j in range(Xb.shape[1]):
        table[f"x{j + 1}"] = Xb[:, j]
    table.update({"y": yb, "ŷ": y_hat, "(ŷ − y)²/2": (y_hat - yb) ** 2 / 2})
    return table


def table_markdown(table):
    """A small table as Markdown (a plain HTML table in the page: redrawn on every Step, it costs
    a fraction of an interactive st.dataframe)."""
    cols = list(table)
    rows = zip(*(np.asarray(table[c]).tolist() for c in cols))

    def fmt(v):
        return f"{v:.4g}" if isinstance(v, float) else str(v)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---:|" * len(cols)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def show_step(run):
    """The current-step panel, or a hint before the first step."""
    if run.last is None:
        st.caption(_("Press **Step** to see one minibatch update written out with its numbers, "
                     "or **Train** to watch the whole run."))
        return
    if not np.all(np.isfinite(run.last.w)) or not np.isfinite(run.last.batch_loss):
        st.caption(_("Step {step}: the numbers have left the range of floating point.")
                   .format(step=run.last.step))
        return
    st.markdown(step_heading(run))
    lines = step_equations(run)
    if getattr(run, "optimizer", "sgd") != "sgd":
        for line in lines[:3]:
            st.latex(line)
        st.markdown(_("**The update by {optimizer}** (d2l-zh chapter 11), on θ = (w, b) as one vector; "
                      "squares, roots and divisions are taken elementwise, and the state starts at "
                      "zero:").format(optimizer=optimizer_words(run.optimizer)))
        lines = lines[3:]
    for line in lines:                      # full width: the update lines are long
        st.latex(line)
    st.caption(_("The batch (first {shown} of {size} examples), ŷ with the parameters before the update")
               .format(shown=min(5, len(run.last.batch)), size=len(run.last.batch)))
    st.markdown(table_markdown(batch_table(run)))


def lesson_printout(run):
    """What the lesson prints: one line per finished epoch, then the estimation errors.

    As d2l-zh prints it: the epoch lines are code output and stay as they are in both
    languages; the error lines are the book's own sentences (w的估计误差: ...)."""
    steps, losses = run.history.epoch_ends()
    lines = [f"epoch {int(e)}, loss {l:f}"
             for e, l in zip(run.history.column("epoch")[np.searchsorted(run.history.column("step"), steps)],
                             losses)]
    if run.status == DONE:
        lines.append(_("error in estimating w: {error}").format(
            error=np.array2string(run.true_w - run.last.w, precision=6)))
        lines.append(_("error in estimating b: {error}").format(error=f"{run.true_b - run.last.b:.6f}"))
    return "\n".join(lines)


def show_alert(run):
    """Divergence or failure, said where everyone looks first: above the charts."""
    th, s = run.theory, run.settings
    if run.status == FAILED and getattr(run, "problem", None) is not None:
        # a setting the backend refuses (MindSpore's Adam takes no β = 0): said in the user's words
        st.error(_("The {backend} backend cannot run these settings: {problem}. Change it in the "
                   "sidebar, or choose NumPy under **More**.").format(backend=s["backend"],
                                                                     problem=word(run.problem)))
        return
    if run.status == FAILED:
        st.error(_("The {backend} backend could not run: {error}. Choose NumPy under **More**, "
                   "or install the backend as the README says.").format(backend=s["backend"],
                                                                        error=run.error))
        return
    if run.status == DIVERGED and getattr(run, "optimizer", "sgd") == "momentum":
        rec, beta = run.last, run.hyperparams["momentum"]
        st.error(_("**Diverged at step {step} (epoch {epoch}).** With lr = {lr} and momentum β = {beta} "
                   "the steps overshoot the minimum by more than they correct, and the loss grows "
                   "without bound. With momentum, full-batch descent on these data is stable up to "
                   "lr = 2(1 + β) / λ_max = **{max_lr}**. Try a smaller lr or β.").format(
            step=rec.step, epoch=rec.epoch, lr=f"{s['lr']:g}", beta=f"{beta:g}",
            max_lr=f"{th.max_stable_lr * (1 + beta):.3g}"))
        return
    if run.status == DIVERGED:
        rec = run.last
        st.error(_("**Diverged at step {step} (epoch {epoch}).** With lr = {lr} each step overshoots "
                   "the minimum by more than it corrects, and the loss grows without bound. The "
                   "largest stable learning rate for these data is about **{max_lr}** (2 / λ_max of "
                   "the loss's curvature; for y = x²/2 it is 2). Try a smaller lr.").format(
            step=rec.step, epoch=rec.epoch, lr=f"{s['lr']:g}", max_lr=f"{th.max_stable_lr:.3g}"))


def stability_note(run):
    """Beside the lesson's stable-lr caption, for another optimizer than SGD: momentum's own bound,
    or that an adaptive optimizer's lr means something else. None for SGD."""
    name = getattr(run, "optimizer", "sgd")
    if name == "sgd":
        return None
    if name == "momentum":
        beta = run.hyperparams["momentum"]
        return _("With momentum β = {beta}, full-batch descent is stable up to lr < 2(1 + β)/λ_max = "
                 "{max_lr}.").format(beta=f"{beta:g}", max_lr=f"{run.theory.max_stable_lr * (1 + beta):.3g}")
    return _("These bounds are plain SGD's: {optimizer} divides each step by the root of its own "
             "squared gradients, so its lr is about the length of a step, not a multiple of the "
             "gradient.").format(optimizer=optimizer_words(name))


def show_results(run):
    """End-of-run summary: the lesson's printout, estimates beside the exact optimum."""
    th = run.theory
    if run.status != DONE:
        return
    st.subheader(_("Result"))
    st.code(lesson_printout(run), language=None)
    d = run.X.shape[1]
    names = [f"w{j + 1}" for j in range(d)] + ["b"] if d > 1 else ["w", "b"]
    est = np.append(run.last.w, run.last.b)
    true = np.append(run.true_w, run.true_b)
    lsq = np.append(th.w_star, th.b_star)
    name = getattr(run, "optimizer", "sgd")
    estimated = _("estimated (SGD)") if name == "sgd" else _("estimated ({optimizer})").format(
        optimizer=optimizer_words(name))
    st.dataframe({_("parameter"): names, _("true"): true, estimated: est,
                  _("least squares (exact optimum)"): lsq, _("error (true − estimated)"): true - est},
                 hide_index=True, width="stretch")
    st.caption(_("Final full-data loss {final}; least-squares loss {lsq}; noise floor σ²/2 = {floor}. "
                 "SGD cannot beat the least-squares loss, and the noise keeps both near the floor.")
               .format(final=f"{run.last.epoch_loss:.3g}", lsq=f"{th.min_loss:.3g}",
                       floor=f"{th.loss_floor:.3g}"))


def _plain(settings):
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in settings.items()}


def export_spec(run, settings, url_query, compared=()):
    """The settings JSON: the run's settings with its optimizer's full hyperparameters (lr
    included), the link, and the compared runs' settings."""
    return {"settings": {**_plain(settings), "hyperparams": dict(getattr(run, "hyperparams", {}))},
            "query": url_query,
            "compared": [{"run": g.number, "status": g.status, "settings": _plain(g.settings)}
                         for g in compared]}


def export_buttons(run, settings, url_query, compared=()):
    """Downloads: every step as CSV (built on click), and the settings as JSON, with those of
    the earlier runs kept to compare (ui.live.Ghost records, oldest first)."""
    cols = st.columns(2)
    cols[0].download_button(_("Download trajectory (CSV)"), data=run.history.to_csv,
                            file_name="trajectory.csv", mime="text/csv", on_click="ignore",
                            disabled=len(run.history) == 0, width="stretch")
    spec = export_spec(run, settings, url_query, compared)
    cols[1].download_button(_("Download settings (JSON)"), data=json.dumps(spec, indent=2),
                            file_name="settings.json", mime="application/json", on_click="ignore",
                            width="stretch")


# ---- the charts in words and the run's numbers as a table (below the live charts, ui.player)

CHARTS = ("loss", "params", "path", "data", "parabola")    # ui.live.summaries' sentences, in page order
MAX_ROWS = 500             # a longer run's table keeps every k-th step, the epochs' ends and the last


def _nice(x):
    """The smallest of 1, 2, 5, 10, 20, 50, ... that is >= x."""
    scale = 10 ** int(np.floor(np.log10(max(x, 1))))
    return next(m * scale for m in (1, 2, 5, 10) if m * scale >= x)


def numbers_table(run, max_rows=MAX_ROWS):
    """The run's steps as rows of text, numbers printed as the page prints them (a real minus,
    10⁻⁵): step, epoch, batch loss, the full-data loss at an epoch's end (empty elsewhere), then
    each parameter. Every step when there are at most max_rows; else every `every`-th step, each
    epoch's end and the last step. Returns (dict column -> list of str, every)."""
    h, d = run.history, run.X.shape[1]
    k = len(h)
    every = 1 if k <= max_rows else _nice(k / max_rows)
    epoch_loss = h.column("epoch_loss")
    rows = np.union1d(np.arange(every - 1, k, every), np.flatnonzero(~np.isnan(epoch_loss)))
    rows = np.union1d(rows, [k - 1]).astype(int) if k else rows.astype(int)
    names = [f"w{j + 1}" for j in range(d)] if d > 1 else ["w"]
    table = {_("step"): [str(int(v)) for v in h.column("step")[rows]],
             _("epoch"): [str(int(v)) for v in h.column("epoch")[rows]],
             _("batch loss"): [number(v, 4, True) for v in h.column("batch_loss")[rows]],
             _("full-data loss (epoch end)"): ["" if v != v else number(v, 4, True) for v in epoch_loss[rows]]}
    w = h.column("w")[rows]
    for j, name in enumerate(names):
        table[name] = [_fixed(v) for v in w[:, j]]
    table["b"] = [_fixed(v) for v in h.column("b")[rows]]
    state = h.column("state")[rows]           # the optimizer's state after each step (none for SGD)
    for j, name in enumerate(h.state_columns):
        table[name] = [str(int(v)) if name == "t" else number(v, 4, True) for v in state[:, j]]
    return table, every


def _fixed(v):
    """A parameter in a column: four decimals (the points line up), a power of ten when far off."""
    return f"{v:.4f}".replace("-", "−") if v == 0 or 1e-3 <= abs(v) < 1e4 else number(v, 4, True)


def show_numbers(run, summary):
    """Below the live charts, folded: the charts in words (ui.live.summaries: the same sentences
    are the charts' descriptions for screen readers) and the run's numbers as a real table. For a
    run that has taken a step and is not running: it is drawn when the run pauses or ends."""
    if not len(run.history):
        return
    with st.expander(_("The charts in words, and the run's numbers as a table")):
        st.markdown("\n".join(f"- {plain(summary[name])}" for name in CHARTS))
        table, every = numbers_table(run)
        rows = len(next(iter(table.values())))
        if every == 1:
            st.caption(_("Every step: {rows} rows. **Export** downloads them with the gradients as CSV.")
                       .format(rows=rows))
        else:
            st.caption(_("Every {every}th step, each epoch's end and the last step: {rows} rows. "
                         "**Export** downloads every step as CSV.").format(every=every, rows=rows))
        st.table(pd.DataFrame(table), hide_index=True, height=400 if rows > 10 else "content")
