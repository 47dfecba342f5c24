"""The equations beside the inside page's graph, in LaTeX with this step's numbers: what each
stage of the forward and the backward pass computes. No streamlit here; the numbers are
ui.inside_figures.fmt's, their minus signs written as LaTeX wants them ("-")."""

from __future__ import annotations

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
