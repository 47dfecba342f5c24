"""Shared test set-up: the project's packages (core, ui) import from the repo root however pytest is run."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
