"""The explicit engine's hot path (one state consistent with the log, no hidden steps): a rule's
compiled binder, the automaton of steps from one state, and the general path for any record the
binder does not take give the same verdicts, at the same records, as each other."""

from __future__ import annotations

import importlib

import tracecheck
from pyspec.result import Verdict
from tests.tracecheck.conftest import MAPPING, merged, read_records, write_records

M = str(MAPPING)
P = {"N": "3", "FD": "P"}
validate_module = importlib.import_module("tracecheck.validate")


def _alter(paths: list[str], at: int) -> int:
    """Flips `leader` in the first Step record from the at-th on; returns its index in log order."""
    recs = merged(paths)
    i = next(k for k, (_, _, r) in enumerate(recs) if k >= at and r["event"] == "step")
    path, line, rec = recs[i]
    rows = read_records(path)
    rows[line - 1] = dict(rec, leader=not rec["leader"])
    write_records(path, rows)
    return i + 1


def test_automaton_started_again_when_full_gives_the_same_results(logs_p, copy_logs, monkeypatch):
    paths = copy_logs(logs_p)
    full = tracecheck.validate(M, paths, params=P, engine="explicit")
    at = _alter(paths, 150)
    diverging = tracecheck.validate(M, paths, params=P, engine="explicit")
    monkeypatch.setattr(validate_module, "_MEMO_LIMIT", 3)  # every table cleared after 3 entries
    small = tracecheck.validate(M, logs_p, params=P, engine="explicit")
    assert full.verdict is small.verdict is Verdict.CONFORMS
    assert (small.matched, small.frontier, small.stats["peak_frontier"]) == (
        full.matched, full.frontier, full.stats["peak_frontier"])
    again = tracecheck.validate(M, paths, params=P, engine="explicit")
    assert diverging.verdict is again.verdict is Verdict.DIVERGES
    assert diverging.divergence.record == again.divergence.record and again.divergence.record.index == at


def _both(paths, monkeypatch):
    """The result with the compiled binders, and with every record bound by the general path."""
    fast = tracecheck.validate(M, paths, params=P, engine="explicit")
    with monkeypatch.context() as mp:
        mp.setattr(validate_module, "_binder", lambda index, plan: lambda data: None)
        slow = tracecheck.validate(M, paths, params=P, engine="explicit")
    return fast, slow


def test_records_the_binder_leaves_to_the_general_path_are_checked_alike(logs_p, copy_logs, monkeypatch):
    """An absent or null optional field, and a value given as text, are bound by `bind`; the
    records around them by the compiled binder: the results are those of `bind` alone."""
    paths = copy_logs(logs_p)
    for p in paths:
        rows = read_records(p)
        for k, r in enumerate(rows):
            if r["event"] == "step" and k % 3 == 0:
                del r["leader"]
            elif r["event"] == "step" and k % 3 == 1:
                r["leader"] = None
            elif r["event"] == "step" and k % 5 == 2:
                r["node"] = str(r["node"])
        write_records(p, rows)
    fast, slow = _both(paths, monkeypatch)
    assert fast.verdict is slow.verdict is Verdict.CONFORMS and fast.matched == slow.matched == 200
    assert fast.stats["peak_frontier"] == slow.stats["peak_frontier"] and fast.frontier == slow.frontier
    recs = merged(paths)
    i = next(k for k, (_, _, r) in enumerate(recs) if k >= 120 and r["event"] == "step" and r.get("leader") is not None)
    path, line, rec = recs[i]
    rows = read_records(path)
    rows[line - 1] = dict(rec, suspects=[0, 1, 2])  # every process suspected: no detector output of the spec
    write_records(path, rows)
    fast, slow = _both(paths, monkeypatch)
    assert fast.verdict is slow.verdict is Verdict.DIVERGES
    assert fast.divergence.record == slow.divergence.record and fast.divergence.record.index == i + 1
