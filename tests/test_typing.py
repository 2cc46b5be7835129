"""The type hints are checked by a machine: mypy over pyspec/ and tracecheck/, configured in
pyproject.toml ([tool.mypy]), reports no error. mypy is part of the `test` extra that `make test`
installs, so a missing mypy fails this test rather than skipping it."""

from __future__ import annotations

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_mypy_reports_no_error():
    run = subprocess.run(
        [sys.executable, "-m", "mypy"],  # files and options come from pyproject.toml
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, f"mypy exited {run.returncode}:\n{run.stdout}{run.stderr}"
