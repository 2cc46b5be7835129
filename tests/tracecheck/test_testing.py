"""The pytest assertion helper: passes on conforming logs, fails with the divergence report."""

from __future__ import annotations

import shutil

import pytest

from tracecheck.testing import assert_conforms
from conftest import EXAMPLES, MAPPING, read_records, write_records

SAMPLE = sorted((EXAMPLES / "sample").glob("*.jsonl"))


def test_assert_conforms_passes():
    r = assert_conforms(MAPPING.as_posix(), SAMPLE)
    assert r.matched == 40


def test_assert_conforms_fails_with_the_report(tmp_path):
    paths = []
    for p in SAMPLE:
        shutil.copy(p, tmp_path / p.name)
        paths.append(tmp_path / p.name)
    rows = read_records(str(paths[2]))
    rows[0]["leader"] = not rows[0]["leader"]
    write_records(str(paths[2]), rows)
    with pytest.raises(AssertionError) as e:
        assert_conforms(MAPPING.as_posix(), paths)
    assert "DIVERGES at record" in str(e.value) and "leader[node] == is_leader" in str(e.value)


def test_assert_no_invariant_violations():
    with pytest.raises(AssertionError, match="AtMostOneLeader false from record 7"):
        assert_conforms(MAPPING.as_posix(), SAMPLE, invariants=["AtMostOneLeader"], no_invariant_violations=True)
