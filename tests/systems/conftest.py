"""Fixtures for the system scenarios: import examples/systems/scenarios.py, and check that a
scenario leaves no process behind (every node's command line names the test's directory)."""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SYSTEMS = os.path.join(ROOT, "examples", "systems")


def _load_scenarios():
    sys.path.insert(0, os.path.join(ROOT, "examples"))
    spec = importlib.util.spec_from_file_location("systems_scenarios", os.path.join(SYSTEMS, "scenarios.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="session")
def scenarios():
    return _load_scenarios()


def _processes_naming(text: str) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if text.encode() in cmd:
            found.append(int(pid))
    return found


@pytest.fixture
def run_dir(tmp_path):
    """The scenario's log directory; after the test, no process may still name it."""
    yield str(tmp_path)
    left = _processes_naming(str(tmp_path))
    for pid in left:   # ours by construction: their command line names this test's directory
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
    assert not left, f"processes left behind: {left}"
