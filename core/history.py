"""A run's full trajectory in growable arrays, plus a bounded view of it for drawing."""

from __future__ import annotations

import io

import numpy as np

from .optimizers import flatten_state

_FIELDS = ("epoch", "step", "batch_loss", "b", "grad_b", "epoch_loss")


class History:
    """Append Step records; read them back as arrays (full, for export) or thinned (for display).

    Memory is O(steps * d): 8 bytes per number, about 70 bytes a step for d = 2. The display view
    keeps every stride-th step with stride doubling as the run grows, so it never exceeds
    `display_cap` points however long the run.
    """

    def __init__(self, d, display_cap=1500, capacity=1024, state_columns=()):
        self.d, self.display_cap, self.len = d, display_cap, 0
        self._cols = {k: np.empty(capacity) for k in _FIELDS}
        self._w = np.empty((capacity, d))
        self._grad_w = np.empty((capacity, d))
        # the optimizer's state after each step, flat (core.optimizers.flatten_state), named
        # by state_columns (core.optimizers.state_columns); none for plain SGD
        self.state_columns = tuple(state_columns)
        self._state = np.empty((capacity, len(self.state_columns)))

    def _grow(self):
        cap = 2 * self._w.shape[0]
        for k, a in self._cols.items():
            self._cols[k] = np.resize(a, cap)
        self._w = np.resize(self._w, (cap, self.d))
        self._grad_w = np.resize(self._grad_w, (cap, self.d))
        self._state = np.resize(self._state, (cap, len(self.state_columns)))

    def append(self, rec):
        if self.len == self._w.shape[0]:
            self._grow()
        i, c = self.len, self._cols
        c["epoch"][i], c["step"][i], c["batch_loss"][i] = rec.epoch, rec.step, rec.batch_loss
        c["b"][i], c["grad_b"][i] = rec.b, rec.grad_b
        c["epoch_loss"][i] = np.nan if rec.epoch_loss is None else rec.epoch_loss
        self._w[i], self._grad_w[i] = rec.w, rec.grad_w
        if self.state_columns:
            self._state[i] = flatten_state(rec.state)
        self.len += 1

    def truncate(self, k):
        """Forget every step after the k-th (0 <= k <= len)."""
        if not 0 <= k <= self.len:
            raise ValueError(f"k must be in [0, {self.len}], got {k!r}")
        self.len = k

    def __len__(self):
        return self.len

    def column(self, name):
        """One field over all steps so far: (len,) or, for w and grad_w, (len, d), for state
        (len, len(state_columns)). A view."""
        if name == "state":
            return self._state[:self.len]
        if name == "w":
            return self._w[:self.len]
        if name == "grad_w":
            return self._grad_w[:self.len]
        return self._cols[name][:self.len]

    @property
    def stride(self):
        """Display keeps every stride-th step: the smallest power of two giving <= display_cap."""
        s = 1
        while self.len > s * self.display_cap:
            s *= 2
        return s

    def display_index(self, start=0):
        """Indices of the displayed steps from position `start` of the display view on."""
        s = self.stride
        idx = np.arange(start * s, self.len, s)
        if self.len and (idx.size == 0 or idx[-1] != self.len - 1) and start * s < self.len:
            idx = np.append(idx, self.len - 1)    # the newest step is always shown
        return idx

    def epoch_ends(self):
        """(steps, losses) of the full-data loss at each finished epoch."""
        el = self.column("epoch_loss")
        at = np.flatnonzero(~np.isnan(el))
        return self.column("step")[at], el[at]

    def to_csv(self):
        """Every step as CSV: step, epoch, batch_loss, w_1..w_d, b, grad_w_1..grad_w_d, grad_b,
        epoch_loss, then the optimizer's state columns (none for plain SGD)."""
        d = self.d
        head = (["step", "epoch", "batch_loss"] + [f"w_{j + 1}" for j in range(d)] + ["b"]
                + [f"grad_w_{j + 1}" for j in range(d)] + ["grad_b", "epoch_loss"]
                + list(self.state_columns))
        table = np.column_stack([self.column("step"), self.column("epoch"), self.column("batch_loss"),
                                 self.column("w"), self.column("b"), self.column("grad_w"),
                                 self.column("grad_b"), self.column("epoch_loss"), self.column("state")])
        out = io.StringIO()
        out.write(",".join(head) + "\n")
        if self.len:
            fmt = ["%d", "%d"] + ["%.10g"] * (table.shape[1] - 2)
            np.savetxt(out, table, fmt=fmt, delimiter=",")
        return out.getvalue().replace("nan", "")
