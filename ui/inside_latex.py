"""The equations beside the inside page's graph, in LaTeX with this step's numbers: what each
stage of the forward and the backward pass computes. No streamlit here; the numbers are
ui.inside_figures.fmt's, their minus signs written as LaTeX wants them ("-")."""

from __future__ import annotations

import re

import numpy as np

from ui.inside_figures import fmt, fmt_vec


def aligned(lhs, *rhs):
    """lhs = rhs[0] = rhs[1] ..., one "=" a line: it fits a phone's column however long."""
    body = r" \\ &= ".join(rhs)
    return (r"\begin{aligned}" + lhs + " &= " + body + r"\end{aligned}").replace("−", "-")


def stage_latex(phase, node, g, batch):
    """The equation of a stage (phase, node) with its numbers, the same in both languages: one
    LaTeX string, or two for the mean over the batch. g: the example's core.inside.Graph, batch:
    its core.inside.BatchGraph (L, its size and the mean gradients)."""
    m, mean_w, mean_b = len(batch.batch), batch.dL_dw, batch.dL_db
    nd = {n: g.node(n) for n in ("x", "w", "Xw", "b", "y_hat", "y", "err", "l")}
    e = fmt(nd["err"].value)
    v = fmt_vec
    d_err = r"\frac{\partial l}{\partial(\hat y - y)}"
    if phase == "forward":
        x, w = nd["x"].value, nd["w"].value
        terms = " + ".join(f"({fmt(a)})({fmt(c)})" for a, c in zip(x[:3], w[:3]))
        terms += r" + \dots" if len(x) > 3 else ""
        Xw, b, y_hat, y = (fmt(nd[k].value) for k in ("Xw", "b", "y_hat", "y"))
        return {
            "x": aligned("x", v(x)),
            "w": aligned("w", v(w)),
            "Xw": aligned("Xw", r"x \cdot w", terms, Xw),
            "b": aligned("b", b),
            "y_hat": aligned(r"\hat y", "Xw + b", f"{Xw} + ({b})", y_hat),
            "y": aligned("y", y),
            "err": aligned(r"\hat y - y", f"{y_hat} - ({y})", e),
            "l": aligned("l", r"\tfrac12(\hat y - y)^2", rf"\tfrac12({e})^2", fmt(nd["l"].value)),
            "L": aligned("L", r"\frac{1}{|\mathcal B|}\sum_{i\in\mathcal B} l_i",
                         rf"\frac{{1}}{{{m}}}\sum_i l_i", fmt(batch.L)),
        }[node]
    if phase == "backward":
        return {
            "l": aligned(r"\frac{\partial l}{\partial l}", "1"),
            "err": aligned(d_err, r"\hat y - y", e),
            "y": aligned(r"\frac{\partial l}{\partial y}", d_err + r"\cdot(-1)", fmt(nd["y"].grad)),
            "y_hat": aligned(r"\frac{\partial l}{\partial \hat y}", d_err + r"\cdot 1",
                             fmt(nd["y_hat"].grad)),
            "b": aligned(r"\frac{\partial l}{\partial b}",
                         r"\frac{\partial l}{\partial \hat y}\cdot\frac{\partial \hat y}{\partial b}",
                         r"(\hat y - y)\cdot 1", fmt(nd["b"].grad)),
            "Xw": aligned(r"\frac{\partial l}{\partial Xw}", r"\frac{\partial l}{\partial \hat y}\cdot 1",
                          fmt(nd["Xw"].grad)),
            "w": aligned(r"\frac{\partial l}{\partial w}",
                         d_err + r"\cdot\frac{\partial(\hat y - y)}{\partial \hat y}\cdot"
                         r"\frac{\partial \hat y}{\partial Xw}\cdot\frac{\partial Xw}{\partial w}",
                         r"(\hat y - y)\cdot x", rf"{e}\cdot{v(nd['x'].value)}", v(nd["w"].grad)),
            "x": aligned(r"\frac{\partial l}{\partial x}", r"(\hat y - y)\cdot w", v(nd["x"].grad)),
        }[node]
    mean = rf"\frac{{1}}{{{m}}}\sum_{{i\in\mathcal B}}(\hat y_i - y_i)"
    return [aligned(r"\frac{\partial L}{\partial w}", mean + r"\,x_i", v(mean_w)),
            aligned(r"\frac{\partial L}{\partial b}", mean, fmt(mean_b))]


# ---- an optimizer's update, written out with its numbers -------------------------------------

SCI = re.compile(r"(\d(?:\.\d+)?)e([−+-]?)0*(\d+)")


def _tex(x):
    return fmt(x).replace("−", "-")


def sci(latex):
    """1e−06 as 1\times10^{-6}: a number in the e-notation of fmt, written as LaTeX writes it."""
    return SCI.sub(lambda m: rf"{m[1]}\times 10^{{{'-' if m[2] in '−-' else ''}{m[3]}}}", latex)


def rule_latex(name, hp, g, prev, after, step):
    """The update of optimizer `name` written out with its numbers, one "=" a line: g the
    minibatch gradient, prev and after its state before and after the step, step the parameters'
    change (the record's), (p,) vectors with the bias last."""
    v = col
    lr = _tex(hp["lr"])
    g2 = np.square(g)
    if name == "momentum":
        beta = _tex(hp["momentum"])
        return [aligned("v_t", r"\beta v_{t-1} + g_t", rf"{beta}\cdot{v(prev.v)} + {v(g)}", v(after.v)),
                aligned(r"\Delta\theta", r"-\mathrm{lr}\,v_t",
                        r"-\mathrm{lr}\,g_t - \mathrm{lr}\,\beta\,v_{t-1}",
                        rf"{v(-hp['lr'] * g)} + {v(-hp['lr'] * hp['momentum'] * np.asarray(prev.v))}",
                        v(step))]
    if name in ("adagrad", "rmsprop"):
        if name == "adagrad":
            s_line = aligned("s_t", "s_{t-1} + g_t^2", rf"{v(prev.s)} + {v(g2)}", v(after.s))
        else:
            gamma = _tex(hp["gamma"])
            s_line = aligned("s_t", r"\gamma s_{t-1} + (1 - \gamma)\,g_t^2",
                             rf"{gamma}\cdot{v(prev.s)} + {_tex(1 - hp['gamma'])}\cdot{v(g2)}", v(after.s))
        return [s_line,
                aligned(r"\Delta\theta", r"-\mathrm{lr}\,\frac{g_t}{\sqrt{s_t + \epsilon}}",
                        rf"-{lr}\cdot\frac{{{v(g)}}}{{\sqrt{{{v(after.s)} + {_tex(hp['eps'])}}}}}", v(step))]
    if name == "adadelta":
        rho, eps = _tex(hp["rho"]), _tex(hp["eps"])
        gp = np.sqrt((np.asarray(prev.delta) + hp["eps"]) / (np.asarray(after.s) + hp["eps"])) * g
        return [aligned("s_t", r"\rho s_{t-1} + (1 - \rho)\,g_t^2",
                        rf"{rho}\cdot{v(prev.s)} + {_tex(1 - hp['rho'])}\cdot{v(g2)}", v(after.s)),
                aligned("g'_t", r"\sqrt{\frac{\Delta_{t-1} + \epsilon}{s_t + \epsilon}}\,g_t",
                        rf"\sqrt{{\frac{{{v(prev.delta)} + {eps}}}{{{v(after.s)} + {eps}}}}}\cdot{v(g)}",
                        v(gp)),
                aligned(r"\Delta\theta", r"-\mathrm{lr}\,g'_t", rf"-{lr}\cdot{v(gp)}", v(step)),
                aligned(r"\Delta_t", r"\rho\Delta_{t-1} + (1 - \rho)\,g'^2_t",
                        rf"{rho}\cdot{v(prev.delta)} + {_tex(1 - hp['rho'])}\cdot{v(gp * gp)}",
                        v(after.delta))]
    # adam
    b1, b2, t = hp["beta1"], hp["beta2"], after.t
    v_hat, s_hat = np.asarray(after.v) / (1 - b1 ** t), np.asarray(after.s) / (1 - b2 ** t)
    return [aligned("t", f"{prev.t} + 1", str(t)),
            aligned("v_t", r"\beta_1 v_{t-1} + (1 - \beta_1)\,g_t",
                    rf"{_tex(b1)}\cdot{v(prev.v)} + {_tex(1 - b1)}\cdot{v(g)}", v(after.v)),
            aligned("s_t", r"\beta_2 s_{t-1} + (1 - \beta_2)\,g_t^2",
                    rf"{_tex(b2)}\cdot{v(prev.s)} + {_tex(1 - b2)}\cdot{v(g2)}", v(after.s)),
            aligned(r"\hat v_t", r"\frac{v_t}{1 - \beta_1^t}",
                    rf"\frac{{{v(after.v)}}}{{1 - {_tex(b1)}^{{{t}}}}}", v(v_hat)),
            aligned(r"\hat s_t", r"\frac{s_t}{1 - \beta_2^t}",
                    rf"\frac{{{v(after.s)}}}{{1 - {_tex(b2)}^{{{t}}}}}", v(s_hat)),
            aligned(r"\Delta\theta", r"-\mathrm{lr}\,\frac{\hat v_t}{\sqrt{\hat s_t} + \epsilon}",
                    rf"-{lr}\cdot\frac{{{v(v_hat)}}}{{\sqrt{{{v(s_hat)}}} + {_tex(hp['eps'])}}}", v(step))]


def col(a):
    """A (p,) vector as a column, (w1, w2, ..., b) top to bottom (w1 to w3, ⋮ and b past four
    entries): narrow enough for a phone's column, however many the equation holds."""
    a = np.asarray(a, dtype=float)
    cells = [_tex(x) for x in a] if a.size <= 4 else [_tex(x) for x in a[:3]] + [r"\vdots", _tex(a[-1])]
    return r"\begin{bmatrix}" + r" \\ ".join(cells) + r"\end{bmatrix}"
