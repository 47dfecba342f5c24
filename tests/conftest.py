"""Shared test set-up: the project's packages (core, ui) import from the repo root however pytest is run."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def lesson():
    """The lesson's data: 1000 rows, w = [2, -3.4], b = 4.2, noise std 0.01, seed 0."""
    import core
    return core.synthetic_data()
