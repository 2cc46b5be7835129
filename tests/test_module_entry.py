"""`python -m pyspec` and `python -m tracecheck` are the two commands, for an environment
without the console scripts on PATH: same output, same exit code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _module(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *argv], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_python_m_pyspec_checks_a_spec_with_the_commands_exit_code():
    r = _module("pyspec", "check", "specs/leader_election.spec", "-D", "FD=S")
    assert r.returncode == 1, r.stderr
    assert r.stdout.startswith("pyspec check specs/leader_election.spec (N=3, FD=\"S\")\nVIOLATED: AtMostOneLeader\n")


def test_python_m_pyspec_names_itself_pyspec_in_usage_errors():
    r = _module("pyspec", "chekc")
    assert r.returncode == 2
    assert r.stderr.startswith("usage: pyspec ")


def test_python_m_tracecheck_validates_a_log():
    r = _module("tracecheck", "--version")
    assert (r.returncode, r.stdout.split()[0]) == (0, "tracecheck")
    r = _module("tracecheck", "validate", "--mapping", "examples/tracecheck/leader_election.toml",
                *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "examples/tracecheck/sample").glob("*.jsonl")))
    assert r.returncode == 0, r.stderr
    assert "CONFORMS: all 40 records explained by LeaderElection" in r.stdout
