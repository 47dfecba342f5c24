#!/usr/bin/env bash
# Retakes the README's pictures (docs/*.png) on purpose: the browser tests that take them run with
# LRVIZ_README_SHOTS=1 and write to docs/; an ordinary test run writes them to artifacts/ and
# leaves the tracked files alone. Run by hand after a visible change, then look at the diff.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
files=$(grep -l "screenshot(page" tests/test_browser*.py)
# shellcheck disable=SC2086
LRVIZ_README_SHOTS=1 .venv/bin/pytest -q $files "$@"
git status --short docs/
