"""One run of the lesson, held between a UI's frames: settings, data, trainer, what it did.

A UI pulls steps with advance() and reads `history`, `last` and `status`; nothing here knows
how they are drawn. advance() never stops half-way through a step, so a UI interrupted between
two calls loses nothing.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import numpy as np

from . import optimizers
from .data import synthetic_data
from .history import History
from .theory import hessian_eigenvalues, loss_floor, lstsq_optimum
from .trainer import Step, batch_of, start_params, steps_per_epoch, train

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


class Before(NamedTuple):
    """The parameters and the optimizer's state just before an update (Run.params_before)."""

    w: np.ndarray       # (d,)
    b: float
    state: tuple        # core.optimizers' state (SGDState() for sgd)


class Run:
    """settings: a dict as core.settings.parse_settings returns (lr, batch_size, epochs, noise,
    n, w, b, seed, backend; init and w0, the start, default to the lesson's N(0, 0.01^2);
    optimizer, default "sgd", and its hyperparameters by their names in
    core.settings.OPTIMIZER_SETTINGS, default the book's: the optimizer's own are used).
    Builds the data and the trainer; the backend is made lazily on
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
        self.w0, self.b0 = start_params(s["seed"], self.X.shape[1], s.get("init", "normal"),
                                        s.get("w0", 0.0))
        self.optimizer = s.get("optimizer", "sgd")
        takes = optimizers.BOOK_DEFAULTS[optimizers.check_optimizer(self.optimizer)]
        self.hyperparams = optimizers.hyperparams_for(
            self.optimizer, {k: s[k] for k in takes if k != "lr" and k in s}, s["lr"])
        self.history = History(self.X.shape[1],
                               state_columns=optimizers.state_columns(self.optimizer, self.X.shape[1]))
        self.last = None            # the newest Step record
        self.status = READY
        self.error = None           # a message when the backend could not run
        self.problem = None         # its core.problems.Problem when it was a SettingError (the UI words it)
        self.compute_seconds = 0.0  # time spent inside the trainer
        self._steps = None

    def _trainer(self):
        if self._steps is None:
            s, k = self.settings, len(self.history)
            w0, b0 = (self.w0, self.b0) if k == 0 else (self.history.column("w")[k - 1].copy(),
                                                        float(self.history.column("b")[k - 1]))
            self._steps = train(self.X, self.y, lr=s["lr"], batch_size=s["batch_size"],
                                num_epochs=s["epochs"], w0=w0, b0=b0, seed=s["seed"],
                                backend=s["backend"], start_step=k, optimizer=self.optimizer,
                                hyperparams=self.hyperparams, state0=self._state(k))
        return self._steps

    def _state(self, step):
        """The optimizer's state after update `step` (0: None, the book's zeros), from the history."""
        if step == 0:
            return None
        return optimizers.unflatten_state(self.optimizer, self.history.column("state")[step - 1],
                                          self.X.shape[1] + 1)

    def params_before(self, step):
        """Before(w, b, state) just before update `step` (1-based): the start (w0, b0 and the
        optimizer's zeros) for step 1, else what update step - 1 left in the history (the
        start too when the history does not reach it). w is a fresh copy."""
        h, p = self.history, self.X.shape[1] + 1
        if step >= 2 and len(h) >= step - 1:
            return Before(h.column("w")[step - 2].copy(), float(h.column("b")[step - 2]),
                          self._state(step - 1))
        return Before(np.array(self.w0, dtype=float), float(self.b0),
                      optimizers.init_state(self.optimizer, p))

    def record(self, step):
        """The Step record of an update already in the history (1-based), rebuilt from it."""
        h, i, s = self.history, step - 1, self.settings
        w, gw = h.column("w")[i].copy(), h.column("grad_w")[i].copy()
        w.setflags(write=False)
        gw.setflags(write=False)
        el = float(h.column("epoch_loss")[i])
        return Step(int(h.column("epoch")[i]), step,
                    batch_of(s["seed"], self.X.shape[0], s["batch_size"], step, self.X.shape[1]),
                    float(h.column("batch_loss")[i]), w, float(h.column("b")[i]), gw,
                    float(h.column("grad_b")[i]), False, None if el != el else el, self._state(step))

    def rewind(self, step):
        """Go back to just after update `step` (0 <= step <= steps done), as if the run had paused
        there: the browser plays steps back a little behind the server, so a Pause lands on the
        step the user saw. Later updates are dropped and recomputed, identically, on resume.
        Returns True when anything was dropped."""
        if not 0 <= step < len(self.history):
            return False
        self.history.truncate(step)
        self.last = self.record(step) if step else None
        self._steps = None
        self.error = self.problem = None
        self.status = PAUSED if step else READY
        return True

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
            self.problem = getattr(exc, "problem", None)
            self.status = FAILED
        self.compute_seconds += time.perf_counter() - t0
        return done
