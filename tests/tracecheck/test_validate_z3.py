"""The symbolic engine (--engine z3) gives the explicit engine's verdicts, at the same record."""

from __future__ import annotations

import json

import pytest

import tracecheck
from pyspec.errors import UsageError
from pyspec.result import Verdict
from tests.tracecheck.conftest import MAPPING, merged, read_records, write_records

M = str(MAPPING)
P = {"N": "3", "FD": "P"}


def test_simulated_log_conforms(logs_s):
    r = tracecheck.validate(M, logs_s[:], engine="z3")
    assert r.verdict is Verdict.CONFORMS and r.engine == "z3"
    assert r.matched == r.records


@pytest.mark.parametrize("hidden", [0, 1])
def test_altered_record_diverges_where_the_explicit_engine_says(logs_p, copy_logs, hidden):
    paths = copy_logs(logs_p)
    recs = merged(paths)
    i = next(k for k, (_, _, r) in enumerate(recs) if k >= 20 and r["event"] == "step")
    path, line, rec = recs[i]
    rows = read_records(path)
    rows[line - 1] = dict(rec, leader=not rec["leader"])
    write_records(path, rows)
    explicit = tracecheck.validate(M, paths, params=P, hidden=hidden)
    symbolic = tracecheck.validate(M, paths, params=P, hidden=hidden, engine="z3")
    assert explicit.verdict is symbolic.verdict is Verdict.DIVERGES
    assert symbolic.divergence.record == explicit.divergence.record
    assert symbolic.divergence.record.line == line
    if hidden == 0:
        reasons = [w for c in symbolic.divergence.explained for w in c.reasons]
        assert any(w.kind == "observation" for w in reasons)


def test_removed_record_diverges_at_the_first_record_that_needs_it(logs_p, copy_logs):
    paths = copy_logs(logs_p)
    recs = merged(paths)
    ci = next(k for k, (_, _, r) in enumerate(recs) if r["event"] == "crash" and r["node"] == 1)
    path, line, _ = recs[ci]
    rows = read_records(path)
    del rows[line - 1]
    write_records(path, rows)
    explicit = tracecheck.validate(M, paths, params=P)
    symbolic = tracecheck.validate(M, paths, params=P, engine="z3")
    assert symbolic.verdict is Verdict.DIVERGES
    assert symbolic.divergence.record == explicit.divergence.record


def test_invariants_need_the_explicit_engine(logs_s):
    with pytest.raises(UsageError):
        tracecheck.validate(M, logs_s, invariants=("AtMostOneLeader",), engine="z3")


def test_cli_z3_engine(logs_s, capsys):
    from tracecheck.cli import main

    assert main(["validate", "--mapping", M, "--engine", "z3", "--json", *logs_s]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "conforms" and out["engine"] == "z3"


def test_time_limit_is_incomplete_never_conforms(logs_s):
    r = tracecheck.validate(M, logs_s, engine="z3", time_limit=1e-9)
    assert r.verdict is Verdict.INCOMPLETE and r.exit_code == 3
