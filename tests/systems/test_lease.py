"""Lease lock service, storage and two clients (examples/systems/lockservice.py, storage.py,
lockclient.py) as separate processes on 127.0.0.1, validated against specs/lease_lock.spec."""

from __future__ import annotations

import json
import os

import tracecheck
from tracecheck.testing import assert_conforms

SYSTEMS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "systems")

MAP = os.path.normpath(os.path.join(SYSTEMS, "lease_lock.toml"))
INVS = ["MutexBelief", "NoStaleWrite", "NoLostUpdate"]


def _spans(result, name):
    return [v for v in result.violations if v.invariant == name]


def _storage_writes(logs):
    path = next(p for p in logs if p.endswith("storage.jsonl"))
    with open(path) as f:
        return [r for r in map(json.loads, f) if r["event"] == "write"]


def test_healthy_run_conforms_and_is_safe(scenarios, run_dir):
    logs = scenarios.lease(run_dir, fencing="none")
    assert_conforms(MAP, logs, params={"STORE": "none"}, invariants=INVS, no_invariant_violations=True)


def test_paused_holder_unfenced_storage_accepts_the_stale_write(scenarios, run_dir):
    logs = scenarios.lease(run_dir, fencing="none", pause=2.0)
    writes = _storage_writes(logs)
    assert [(w["client"], w["token"], w["ok"]) for w in writes] == [(1, 2, True), (0, 1, True)]
    result = assert_conforms(MAP, logs, params={"STORE": "none"}, invariants=INVS)
    stale = _spans(result, "NoStaleWrite")
    assert stale and stale[0].definite == stale[0].records
    first = stale[0].first
    assert os.path.basename(first.file) == "storage.jsonl" and '"client": 0' in first.raw
    assert _spans(result, "NoLostUpdate")


def test_paused_holder_fenced_storage_rejects_the_stale_write(scenarios, run_dir):
    logs = scenarios.lease(run_dir, fencing="write", pause=2.0)
    writes = _storage_writes(logs)
    assert [(w["client"], w["token"], w["ok"]) for w in writes] == [(1, 2, True), (0, 1, False)]
    result = assert_conforms(MAP, logs, params={"STORE": "write"}, invariants=INVS)
    assert not _spans(result, "NoStaleWrite") and not _spans(result, "NoLostUpdate")
    assert _spans(result, "MutexBelief")   # both clients believed they held the lock


def test_storage_that_ignores_tokens_diverges_at_the_stale_write(scenarios, run_dir):
    logs = scenarios.lease(run_dir, fencing="write", pause=2.0, bug_ignore_tokens=True)
    result = tracecheck.validate(MAP, logs, params={"STORE": "write"})
    assert not result.conforms
    d = result.divergence
    assert os.path.basename(d.record.file) == "storage.jsonl"
    assert json.loads(d.record.raw)["client"] == 0 and d.step == "Write(c=0)"
    reasons = [r for c in d.explained for r in c.reasons]
    assert reasons and all(r.kind == "observation" and "ok" in r.clause for r in reasons)
