"""Baseline for bench/bench_browser.py: the naive live chart, `st.plotly_chart` in an `st.empty()`
redrawn after every step. Same data, same core.train, paced at ?speed= steps/s (default 100).

    streamlit run bench/naive_app.py        (from the repo root)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402
import plotly.graph_objects as go  # noqa: E402
import streamlit as st  # noqa: E402
from plotly.subplots import make_subplots  # noqa: E402

from core.data import NOISE_STD, NUM_EXAMPLES, TRUE_B, TRUE_W, synthetic_data  # noqa: E402
from core.trainer import train  # noqa: E402

LR, BATCH_SIZE, EPOCHS = 0.03, 10, 3


def figure(steps, losses, ws, bs):
    """Loss and parameters so far: steps (k,), losses (k,), ws (k, d), bs (k,)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Loss", "Parameters"))
    fig.add_trace(go.Scatter(x=steps, y=losses, name="batch loss", mode="lines"), 1, 1)
    for j in range(ws.shape[1]):
        fig.add_trace(go.Scatter(x=steps, y=ws[:, j], name=f"w{j + 1}", mode="lines"), 1, 2)
    fig.add_trace(go.Scatter(x=steps, y=bs, name="b", mode="lines"), 1, 2)
    fig.update_yaxes(type="log", row=1, col=1)
    fig.update_layout(height=380, margin={"t": 40, "b": 30})
    return fig


def main():
    speed = float(st.query_params.get("speed", 100))
    st.title("Naive live chart (baseline)")
    train_clicked = st.button("Train")
    slot = st.empty()
    if not train_clicked:
        slot.plotly_chart(figure([], [], np.empty((0, 2)), []), key="naive_empty")
        return
    X, y = synthetic_data(TRUE_W, TRUE_B, NUM_EXAMPLES, NOISE_STD, seed=0)
    steps, losses, ws, bs = [], [], [], []
    t0 = time.perf_counter()
    for rec in train(X, y, lr=LR, batch_size=BATCH_SIZE, num_epochs=EPOCHS, seed=0):
        steps.append(rec.step)
        losses.append(rec.batch_loss)
        ws.append(rec.w)
        bs.append(rec.b)
        slot.plotly_chart(figure(steps, losses, np.array(ws), bs))
        if speed > 0:
            time.sleep(max(0.0, t0 + rec.step / speed - time.perf_counter()))
    st.code(f"error in estimating w: {np.asarray(TRUE_W) - ws[-1]}\n"
            f"error in estimating b: {TRUE_B - bs[-1]:.6f}")


main()
