"""Shared fixtures: logs of simulated leader-election runs, and helpers to damage them."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "tracecheck"
MAPPING = EXAMPLES / "leader_election.toml"
sys.path.insert(0, str(EXAMPLES))

import leader_logs  # noqa: E402


@pytest.fixture(scope="session")
def logs_s(tmp_path_factory) -> list[str]:
    """300 records of LeaderElection with FD=S (two leaders happen), all actions logged."""
    return leader_logs.generate(str(tmp_path_factory.mktemp("logs_s")), 300, seed=0, params={"N": "3", "FD": "S"})


@pytest.fixture(scope="session")
def logs_p(tmp_path_factory) -> list[str]:
    """200 records with FD=P; seed 6 crashes node 0 (record 1) and node 1 (clock 3)."""
    paths = leader_logs.generate(str(tmp_path_factory.mktemp("logs_p")), 200, seed=6, params={"N": "3", "FD": "P"})
    assert any('"crash"' in open(p).read() for p in paths)
    return paths


@pytest.fixture
def copy_logs(tmp_path):
    """copy_logs(paths) -> the same files in a fresh directory, to damage."""

    def copy(paths: list[str]) -> list[str]:
        out = []
        for p in paths:
            dst = tmp_path / os.path.basename(p)
            shutil.copy(p, dst)
            out.append(str(dst))
        return out

    return copy


def read_records(path: str) -> list[dict]:
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def write_records(path: str, records: list[dict]) -> None:
    with open(path, "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")


def merged(paths: list[str]) -> list[tuple[str, int, dict]]:
    """(file, line, record) of every record, in clock order."""
    out = []
    for p in paths:
        for i, r in enumerate(read_records(p), 1):
            out.append((p, i, r))
    return sorted(out, key=lambda x: x[2]["clock"])
