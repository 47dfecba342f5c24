"""python -m core: train at the lesson's defaults and print what the lesson prints.

Flags come from the settings tables (core.settings.SETTINGS and OPTIMIZER_SETTINGS). A bad
flag prints one line and exits with code 2. --optimizer picks d2l-zh chapter 11's update rule;
lr and the hyperparameters it takes default to the book's values for it (sgd: the lesson's).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from . import settings as S
from .backends import BackendUnavailableError
from .data import synthetic_data
from .optimizers import BOOK_DEFAULTS, hyperparams_for
from .theory import max_stable_lr
from .trainer import start_params, train


class _Parser(argparse.ArgumentParser):
    def error(self, message):            # one line, exit 2: no usage dump
        self.exit(2, f"{self.prog}: error: {message}\n")


def _typed(setting):
    def parse(text):
        try:
            return S.parse_value(setting, text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    parse.__name__ = setting.key
    return parse


def build_parser():
    p = _Parser(prog="python -m core", description=__doc__.splitlines()[0])
    for s in S.SETTINGS:
        if s.key == "lr":                   # None: the chosen optimizer's book lr
            p.add_argument(s.cli, dest=s.key, type=_typed(s), default=None,
                           help=f"{s.help} (default {S.format_value(s, s.default)} for sgd, "
                                f"else the optimizer's book default)")
        elif s.cli:
            p.add_argument(s.cli, dest=s.key, type=_typed(s), default=s.default,
                           help=f"{s.help} (default {S.format_value(s, s.default)})")
    for s in S.OPTIMIZER_SETTINGS:
        if s.key == "optimizer":
            p.add_argument(s.cli, dest=s.key, type=_typed(s), default=s.default,
                           help=f"{s.help} One of {', '.join(s.choices)} (default {s.default})")
        else:                               # None: the book's for the chosen optimizer
            takes = ", ".join(name for name, hp in BOOK_DEFAULTS.items() if s.key in hp)
            p.add_argument(s.cli, dest=s.key, type=_typed(s), default=None,
                           help=f"{s.help} For {takes} (default the book's)")
    p.add_argument("--mode", choices=("graph", "pynative"), default="graph",
                   help="MindSpore execution mode: compiled graph or PyNative (default graph)")
    return p


def main(argv=None):
    args = vars(build_parser().parse_args(argv))
    backend = args["backend"]
    if backend == "mindspore" and args["mode"] == "pynative":
        backend = "mindspore-pynative"
    true_w, true_b = np.array(args["w"]), args["b"]
    X, y = synthetic_data(true_w, true_b, args["n"], args["noise"], seed=args["seed"])
    w0, b0 = start_params(args["seed"], X.shape[1], args["init"], args["w0"])
    optimizer = args["optimizer"]
    given = {s.key: args[s.key] for s in S.OPTIMIZER_SETTINGS
             if s.key != "optimizer" and args[s.key] is not None}
    try:
        hp = hyperparams_for(optimizer, given, args["lr"])
        steps = train(X, y, lr=hp["lr"], batch_size=args["batch_size"], num_epochs=args["epochs"],
                      w0=w0, b0=b0, seed=args["seed"], backend=backend, optimizer=optimizer,
                      hyperparams=given)
        for rec in steps:
            if rec.diverged:
                line = f"diverged at step {rec.step} (epoch {rec.epoch}): lr {hp['lr']:g} is too large"
                if optimizer == "sgd":          # the bound of full-batch gradient descent
                    line += f"; the largest stable lr for these data is {max_stable_lr(X):.3g}"
                elif optimizer == "momentum":   # the same with momentum: 2 (1 + β) / λ_max
                    line += (f"; the largest stable lr with momentum {hp['momentum']:g} for these data "
                             f"is {max_stable_lr(X) * (1 + hp['momentum']):.3g}")
                print(line)
                return 1
            if rec.epoch_loss is not None:
                print(f"epoch {rec.epoch}, loss {rec.epoch_loss:f}")
    except (ValueError, BackendUnavailableError) as exc:
        print(f"python -m core: error: {exc}", file=sys.stderr)
        return 2
    print(f"error in estimating w: {true_w - rec.w}")
    print(f"error in estimating b: {true_b - rec.b}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
