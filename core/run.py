"""One run of the lesson, held between a UI's frames: settings, data, trainer, what it did.

A UI pulls steps with advance() and reads `history`, `last` and `status`; nothing here knows
how they are drawn. advance() never stops half-way through a step, so a UI interrupted between
two calls loses nothing.
"""

from __future__ import annotations

import time

import numpy as np

from .data import synthetic_data
from .history import History
from .theory import hessian_eigenvalues, loss_floor, lstsq_optimum
from .trainer import initial_params, steps_per_epoch, train

READY, RUNNING, PAUSED, DONE, DIVERGED, FAILED = "ready", "running", "paused", "done", "diverged", "failed"


class Theory:
    """What the data say before training: optimum, Hessian, stable lr, loss floor."""

    def __init__(self, X, y, noise_std):
        self.w_star, self.b_star = lstsq_optimum(X, y)
        A = np.hstack([X, np.ones((X.shape[0], 1))])
        self.hessian = A.T @ A / X.shape[0]          # (d+1, d+1): the loss's curvature
        self.lambda_max = float(hessian_eigenvalues(X)[-1])
        self.max_stable_lr = 2.0 / self.lambda_max   # full-batch gradient descent
        err = A @ np.append(self.w_star, self.b_star) - y
        self.min_loss = float(err @ err) / (2 * X.shape[0])
        self.loss_floor = loss_floor(noise_std)


class Run:
    """settings: a dict as core.settings.parse_settings returns (lr, batch_size, epochs, noise,
    n, w, b, seed, backend). Builds the data and the trainer; the backend is made lazily on
    the first step, so creating a Run is cheap even for MindSpore."""

    def __init__(self, settings, data=None, theory=None):
        self.settings = dict(settings)
        s = self.settings
        self.true_w, self.true_b = np.asarray(s["w"], dtype=float), float(s["b"])
        self.X, self.y = data if data is not None else synthetic_data(
            self.true_w, self.true_b, s["n"], s["noise"], seed=s["seed"])
        self.theory = theory or Theory(self.X, self.y, s["noise"])
        self.steps_per_epoch = steps_per_epoch(self.X.shape[0], s["batch_size"])
        self.total_steps = s["epochs"] * self.steps_per_epoch
        self.w0, self.b0 = initial_params(s["seed"], self.X.shape[1])
        self.history = History(self.X.shape[1])
        self.last = None            # the newest Step record
        self.status = READY
        self.error = None           # a message when the backend could not run
        self.compute_seconds = 0.0  # time spent inside the trainer
        self._steps = None

    def _trainer(self):
        if self._steps is None:
            s = self.settings
            self._steps = train(self.X, self.y, lr=s["lr"], batch_size=s["batch_size"],
                                num_epochs=s["epochs"], w0=self.w0, b0=self.b0, seed=s["seed"],
                                backend=s["backend"])
        return self._steps

    @property
    def finished(self):
        return self.status in (DONE, DIVERGED, FAILED)

    def advance(self, max_steps=1, max_seconds=None):
        """Do up to max_steps updates (stopping early after max_seconds); returns how many.

        Sets status to DONE or DIVERGED when the run ends. Backend errors (MindSpore missing,
        say) are caught into self.error and stop the run.
        """
        if self.finished or max_steps <= 0:
            return 0
        t0 = time.perf_counter()
        done = 0
        try:
            steps = self._trainer()
            while done < max_steps:
                rec = next(steps, None)
                if rec is None:
                    self.status = DONE
                    break
                self.history.append(rec)
                self.last = rec
                done += 1
                if rec.diverged:
                    self.status = DIVERGED
                    break
                if rec.step == self.total_steps:
                    self.status = DONE
                    break
                if max_seconds is not None and (done & 15) == 0 \
                        and time.perf_counter() - t0 > max_seconds:
                    break
        except Exception as exc:  # a backend failure must not take the page down
            self.error = f"{type(exc).__name__}: {exc}"
            self.status = FAILED
        self.compute_seconds += time.perf_counter() - t0
        return done
