"""The lesson "linear neural network", from scratch: data, model, hand-derived gradients, SGD.

Plain Python + numpy; MindSpore is imported only when its backend is chosen. Never imports
streamlit or plotly.
"""

from .backends import BACKENDS, BackendUnavailableError, available_backends, backend_installed
from .data import NOISE_STD, NUM_EXAMPLES, TRUE_B, TRUE_W, check_data, synthetic_data
from .model import full_loss, gradients, linreg, sgd, squared_loss
from .parabola import REGIMES, ParabolaStep, parabola_descent, regime
from .theory import hessian_eigenvalues, loss_floor, lstsq_optimum, max_stable_lr
from .trainer import Step, steps_per_epoch, train

__all__ = [
    "BACKENDS", "BackendUnavailableError", "available_backends", "backend_installed",
    "NOISE_STD", "NUM_EXAMPLES", "TRUE_B", "TRUE_W", "check_data", "synthetic_data",
    "full_loss", "gradients", "linreg", "sgd", "squared_loss",
    "REGIMES", "ParabolaStep", "parabola_descent", "regime",
    "hessian_eigenvalues", "loss_floor", "lstsq_optimum", "max_stable_lr",
    "Step", "steps_per_epoch", "train",
]
