"""python -m core: train at the lesson's defaults and print what the lesson prints.

Flags come from the settings table (core.settings.SETTINGS). A bad flag prints one line and
exits with code 2.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from . import settings as S
from .backends import BackendUnavailableError
from .data import synthetic_data
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
        if s.cli:
            p.add_argument(s.cli, dest=s.key, type=_typed(s), default=s.default,
                           help=f"{s.help} (default {S.format_value(s, s.default)})")
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
    try:
        steps = train(X, y, lr=args["lr"], batch_size=args["batch_size"],
                      num_epochs=args["epochs"], w0=w0, b0=b0, seed=args["seed"], backend=backend)
        for rec in steps:
            if rec.diverged:
                print(f"diverged at step {rec.step} (epoch {rec.epoch}): lr {args['lr']:g} is "
                      f"too large; the largest stable lr for these data is {max_stable_lr(X):.3g}")
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
