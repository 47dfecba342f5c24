"""Backends by name. Each makes a stepper: stepper(batch) -> (loss, grad_w, grad_b, w, b).

Only the numpy backend is imported eagerly; MindSpore is imported when it is first chosen,
so `import core` and the app's first render never wait for it.
"""

from __future__ import annotations

import importlib
import sys
from typing import NamedTuple

from .problems import N_


class Backend(NamedTuple):
    label: str          # shown to people (an English msgid, translated by the UI)
    module: str         # imported lazily
    factory: str        # callable in that module: (X, y, w0, b0, lr, **options, optimizer=,
                        # hyperparams=, state=) -> stepper; stepper.state: the optimizer's after a step
    options: dict       # passed to the factory
    install: str        # what to run when it is missing


def mindspore_install(version_info=sys.version_info):
    """What to run for MindSpore on this Python. requirements.txt installs mindspore 2.10.0 (with
    numpy<2) on Python 3.11 and 3.12 only: it has no wheel for 3.13 and up, where the same command
    installs the app without it."""
    if tuple(version_info[:2]) < (3, 13):
        return "pip install -r requirements.txt  (pins mindspore==2.10.0 with numpy<2)"
    return ("python3.12 -m venv .venv && .venv/bin/pip install -r requirements.txt  "
            "(mindspore 2.10.0 needs Python 3.11 or 3.12)")


MINDSPORE_INSTALL = mindspore_install()

BACKENDS = {
    "numpy": Backend(N_("NumPy, gradients by hand"), "core.model", "NumpyStepper", {}, "pip install numpy"),
    "mindspore": Backend(N_("MindSpore autodiff, compiled"), "core.ms_backend", "MindSporeStepper",
                         {"mode": "graph"}, MINDSPORE_INSTALL),
    "mindspore-pynative": Backend(N_("MindSpore autodiff, PyNative"), "core.ms_backend",
                                  "MindSporeStepper", {"mode": "pynative"}, MINDSPORE_INSTALL),
}


class BackendUnavailableError(RuntimeError):
    """The backend exists but cannot run here; the message says why and how to install it."""


_probe_cache: dict = {}


def _load(name):
    spec = BACKENDS[name]
    try:
        module = importlib.import_module(spec.module)
        factory = getattr(module, spec.factory)
        probe = getattr(module, "probe", None)
        if probe is not None:
            probe()             # runs one op: catches a numpy ABI mismatch at import time
    except Exception as exc:  # any import failure means "not here", with its reason
        raise BackendUnavailableError(
            f"backend {name!r} is not available: {type(exc).__name__}: {exc}. "
            f"Install it with: {spec.install}") from exc
    return factory


def check_backend(name):
    """ValueError for an unknown name (listing the known ones)."""
    if name not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}; got {name!r}")


def make_stepper(name, X, y, w0, b0, lr, optimizer="sgd", hyperparams=None, state=None):
    """The stepper of backend `name`, doing `optimizer` (core.optimizers) with the full
    hyperparams dict (core.optimizers.hyperparams_for), from `state` (None: the book's zeros)."""
    check_backend(name)
    factory = _load(name)
    if optimizer == "sgd" and state is None:    # the lesson's stepper, as it always was made
        return factory(X, y, w0, b0, lr, **BACKENDS[name].options)
    return factory(X, y, w0, b0, lr, **BACKENDS[name].options, optimizer=optimizer,
                   hyperparams=hyperparams, state=state)


def available_backends(probe=True):
    """{name: None if usable else the reason} for every backend. Imports each one (cached)."""
    out = {}
    for name in BACKENDS:
        if not probe and BACKENDS[name].module != "core.model":
            out[name] = "not checked"
            continue
        if name not in _probe_cache:
            try:
                _load(name)
                _probe_cache[name] = None
            except BackendUnavailableError as exc:
                _probe_cache[name] = str(exc)
        out[name] = _probe_cache[name]
    return out


def backend_installed(name):
    """Cheap check without importing: is the backend's package on the path at all?"""
    import importlib.util
    top = "mindspore" if BACKENDS[name].module == "core.ms_backend" else "numpy"
    return importlib.util.find_spec(top) is not None
