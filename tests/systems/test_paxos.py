"""Paxos proposers driven by the election (examples/systems/election.py --acceptors) and three
acceptors (examples/systems/acceptor.py), validated against specs/sys_paxos.spec."""

from __future__ import annotations

import json
import os

import tracecheck
from tracecheck.testing import assert_conforms

SYSTEMS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "systems")
MAP = os.path.normpath(os.path.join(SYSTEMS, "paxos.toml"))


def _events(logs, name, event):
    path = next(p for p in logs if p.endswith(name))
    with open(path) as f:
        return [r for r in map(json.loads, f) if r["event"] == event]


def test_healthy_run_decides_and_conforms(scenarios, run_dir):
    logs = scenarios.paxos(run_dir, settle=0.3)
    assert _events(logs, "node-0.jsonl", "decided")
    assert_conforms(MAP, logs, invariants=["Agreement"], no_invariant_violations=True)


def test_two_proposers_during_a_pause_conform_and_agree(scenarios, run_dir):
    logs = scenarios.paxos(run_dir, pause=1.5, settle=0.8)
    # node 0 proposed in its old ballot after node 1 had run its own: two proposers at once.
    stale = [r for r in _events(logs, "node-0.jsonl", "propose") if r["bal"] == 0]
    assert stale and _events(logs, "node-1.jsonl", "phase1a")
    decided = {r["val"] for name in ("node-0.jsonl", "node-1.jsonl") for r in _events(logs, name, "decided")}
    assert len(decided) == 1
    assert_conforms(MAP, logs, invariants=["Agreement"], no_invariant_violations=True)


def test_two_proposers_under_message_loss_conform_and_agree(scenarios, run_dir):
    logs = scenarios.paxos(run_dir, pause=1.5, drop=0.2, dup=0.1, delay=0.02, settle=0.8)
    assert_conforms(MAP, logs, invariants=["Agreement"], no_invariant_violations=True)


def test_acceptor_that_forgets_its_promise_diverges_at_the_first_broken_promise(scenarios, run_dir):
    logs = scenarios.paxos(run_dir, pause=1.5, bug_forget_promise=True, settle=0.3)
    result = tracecheck.validate(MAP, logs, invariants=["Agreement"])
    assert not result.conforms
    d = result.divergence
    rec = json.loads(d.record.raw)
    assert rec["event"] == "accept" and rec["bal"] == 0
    # It is the first accept of a ballot below the acceptor's promise, in merged order.
    assert d.step.startswith("Phase2b(") and "b=0" in d.step
    reasons = [r for c in d.explained for r in c.reasons]
    assert reasons and all(r.kind == "require" and r.clause == "b >= maxBal[a]" for r in reasons)
