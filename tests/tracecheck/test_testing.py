"""The pytest assertion helper: passes on conforming logs, fails with the divergence report."""

from __future__ import annotations

import shutil

import pytest

from pyspec.errors import UsageError
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


def test_assert_conforms_takes_path_objects():
    r = assert_conforms(MAPPING, SAMPLE)  # a pathlib.Path mapping, pathlib.Path logs
    assert r.conforms and r.matched == 40
    assert r.logs == tuple(str(p) for p in SAMPLE) and r.mapping == str(MAPPING)


def test_no_invariant_violations_checks_the_default_invariants():
    # No invariants= named: the spec's own invariants are checked, as `--invariants` does.
    with pytest.raises(AssertionError, match="AtMostOneLeader false from record 7") as e:
        assert_conforms(MAPPING.as_posix(), SAMPLE, no_invariant_violations=True)
    assert "invariants AtMostOneLeader, LeaderAfterRound, LeaderSuspectsLower," in str(e.value)


def test_no_invariant_violations_never_passes_vacuously(tmp_path):
    with pytest.raises(UsageError, match=r"no invariant to check: invariants=\(\) names none") as e:
        assert_conforms(MAPPING.as_posix(), SAMPLE, invariants=[], no_invariant_violations=True)
    assert e.value.code == "TC306"
    spec = tmp_path / "counter.spec"
    spec.write_text("spec Counter\nvar n: 0 .. 3\ninit:\n    n = 0\naction Inc():\n    require n < 3\n    n' = n + 1\n")
    mapping = tmp_path / "counter.toml"
    mapping.write_text('[spec]\nfile = "counter.spec"\n[fields]\nv = "0 .. 3"\n'
                       '[[rule]]\nwhen = { event = "inc" }\naction = "Inc"\nobserve = ["n == v"]\n')
    log = tmp_path / "counter.jsonl"
    log.write_text('{"event": "inc", "v": 1}\n{"event": "inc", "v": 2}\n')
    assert assert_conforms(str(mapping), [str(log)]).matched == 2
    with pytest.raises(UsageError, match="spec Counter has no invariant of its own"):
        assert_conforms(str(mapping), [str(log)], no_invariant_violations=True)
