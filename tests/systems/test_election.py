"""Heartbeat failure detector + eventual leader election (examples/systems/election.py) as
separate processes on 127.0.0.1, validated against specs/sys_heartbeat_election.spec."""

from __future__ import annotations

import json
import os

import tracecheck
from tracecheck.testing import assert_conforms

SYSTEMS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "systems")

MAP = os.path.normpath(os.path.join(SYSTEMS, "election.toml"))
INVS = ["AtMostOneActingLeader", "AtMostOneSelfLeader"]


def _name(ref) -> str:
    return os.path.basename(ref.file)


def test_healthy_run_conforms_with_one_leader(scenarios, run_dir):
    logs = scenarios.election(run_dir)
    result = assert_conforms(MAP, logs, invariants=INVS, no_invariant_violations=True)
    assert result.records > 10


def test_lossy_run_conforms(scenarios, run_dir):
    logs = scenarios.election(run_dir, run=2.0, drop=0.5, delay=0.05, dup=0.1, timeout=0.2)
    assert_conforms(MAP, logs)


def test_paused_leader_conforms_with_two_acting_leaders(scenarios, run_dir):
    logs = scenarios.election(run_dir, pause=1.5)
    result = assert_conforms(MAP, logs, invariants=INVS)
    spans = [v for v in result.violations if v.invariant == "AtMostOneActingLeader"]
    assert spans, tracecheck.render_text(result)
    first = spans[0]
    assert first.definite == first.records
    # The span opens at node 1's first act as leader, while paused node 0 still trusts itself.
    assert _name(first.first) == "node-1.jsonl"
    assert '"event": "lead"' in first.first.raw
    assert any(v.invariant == "AtMostOneSelfLeader" for v in result.violations)


def test_killed_and_restarted_leader_conforms(scenarios, run_dir):
    logs = scenarios.election(run_dir, down=1.0)
    node0 = next(p for p in logs if p.endswith("node-0.jsonl"))
    with open(node0) as f:
        clocks = [json.loads(line)["lamport"] for line in f]
    assert clocks == sorted(set(clocks))   # the restarted process resumed its Lamport clock
    with open(node0) as f:
        starts = [line for line in f if '"step", "suspects": [], "trusted": 0' in line]
    assert len(starts) >= 2                # one per incarnation
    assert_conforms(MAP, logs)


def test_claim_without_detector_support_diverges_at_the_claim(scenarios, run_dir):
    logs = scenarios.election(run_dir, bug_claim=2)
    result = tracecheck.validate(MAP, logs)
    assert not result.conforms
    d = result.divergence
    node2 = next(p for p in logs if p.endswith("node-2.jsonl"))
    with open(node2) as f:
        first_claim = next(i for i, line in enumerate(f, 1) if '"event": "lead"' in line)
    assert _name(d.record) == "node-2.jsonl" and d.record.line == first_claim
    assert d.step == "Lead(p=2)"
    reasons = [r for c in d.explained for r in c.reasons]
    assert reasons and all(r.kind == "require" and r.clause == "trusted[p] == p" for r in reasons)
