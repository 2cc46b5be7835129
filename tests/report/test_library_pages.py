"""The counterexample page of every library spec: its lanes come from the spec's own types (the
first parameter of a named type says who acts), each step's choices are the engine's, and a
message picked by a choice is an arrow from the step that added it to the step that picked it."""

from __future__ import annotations

from pathlib import Path

import pytest

import pyspec
from pyspec.explicit.explain import TraceExplainer
from pyspec.report.pages import proof_timeline, result_timeline

ROOT = Path(__file__).resolve().parents[2]
PROC3 = ["Proc 0", "Proc 1", "Proc 2", "env"]
CLIENT2 = ["Client 0", "Client 1", "env"]
LEASE = [("initial state", "env"), ("Acquire(c=0)", "Client 0"), ("Expire()", "env"), ("Acquire(c=1)", "Client 1"),
         ("Read(c=0)", "Client 0"), ("Read(c=1)", "Client 1"), ("Write(c=1)", "Client 1"), ("Write(c=0)", "Client 0")]

# (spec, params, invariant, lanes, events as (label, lane), arrows as (from, to, label))
CASES = [
    ("specs/leader_election.spec", {"FD": '"S"'}, "AtMostOneLeader", PROC3,
     [("initial state", "env"), ("Step(p=0) with out = {}", "Proc 0"), ("Step(p=1) with out = {0}", "Proc 1")], []),
    ("specs/eventual_leader_election.spec", {"FD": '"EvS"', "N": "3"}, "AgreementAfterRound", PROC3,
     [("initial state", "env"), ("Crash(p=2)", "Proc 2"), ("Stabilize()", "env"), ("Step(p=0) with out = {2}", "Proc 0"),
      ("Step(p=1) with out = {0, 2}", "Proc 1")], []),
    ("specs/election_any_algorithm.spec", {"FD": '"S"'}, "AtMostOneLeader", PROC3,
     [("initial state", "env"), ("Step(p=1) with out = {0, 2}", "Proc 1"), ("Step(p=2) with out = {0}", "Proc 2")], []),
    ("specs/paxos_oracle.spec", {"ORACLE": '"duel"', "Chaos": "false", "MaxBallot": "3"}, "ChosenSoonAfterGST",
     ["Acceptor 0", "Acceptor 1", "Acceptor 2", "Ballot 0", "Ballot 1", "Ballot 2", "Ballot 3", "env"],
     [("initial state", "env"), ("Stabilize(L={0, 1})", "env"), ("Phase1a(b=0)", "Ballot 0"), ("Phase1a(b=1)", "Ballot 1"),
      ("Phase1a(b=2)", "Ballot 2"), ("Phase1a(b=3)", "Ballot 3"),
      ("Phase1b(a=0) with m = Phase1a(bal=3)", "Acceptor 0"), ("Phase1b(a=1) with m = Phase1a(bal=3)", "Acceptor 1"),
      ("Phase1b(a=2) with m = Phase1a(bal=3)", "Acceptor 2")],
     [(5, 6, "msgs: Phase1a(bal=3)"), (5, 7, "msgs: Phase1a(bal=3)"), (5, 8, "msgs: Phase1a(bal=3)")]),
    ("specs/lease_lock.spec", {"STORE": '"none"'}, "NoStaleWrite", CLIENT2, LEASE, []),
    ("specs/lease_lock_revision.spec", {"STORE": '"none"', "MaxToken": "3"}, "NoStaleWrite", CLIENT2, LEASE, []),
    ("specs/raft_terms.spec", {"MaxTerm": "2"}, "AtMostOneLeader", PROC3,
     [("initial state", "env"), ("Timeout(p=0)", "Proc 0"), ("NewTerm(p=1, t=1)", "Proc 1"), ("GrantVote(q=1, c=0)", "Proc 1"),
      ("Timeout(p=1)", "Proc 1"), ("NewTerm(p=2, t=2)", "Proc 2"), ("GrantVote(q=2, c=1)", "Proc 2"),
      ("BecomeLeader(p=0)", "Proc 0"), ("BecomeLeader(p=1)", "Proc 1")], []),
    ("examples/realsystems/zookeeper/zk_lock_election.spec", {}, "AtMostOneLeader", CLIENT2,
     [("initial state", "env"), ("Connected(c=0)", "Client 0"), ("Connected(c=1)", "Client 1"), ("Elect(c=0, t=1)", "Client 0"),
      ("Expire(c=0)", "Client 0"), ("Elect(c=1, t=2)", "Client 1")], []),
]


def shape(tl):
    return ([ln.label for ln in tl.lanes], [(e.label, tl.lanes[e.lane].label) for e in tl.events],
            [(a.source, a.target, a.label) for a in tl.arrows])


@pytest.mark.parametrize("path, params, invariant, lanes, events, arrows", CASES, ids=[Path(c[0]).stem for c in CASES])
def test_counterexample_page_lanes_and_arrows(path, params, invariant, lanes, events, arrows):
    spec = pyspec.load(str(ROOT / path), params)
    r = pyspec.check(spec, invariants=[invariant])
    assert r.violated == invariant
    tl = result_timeline(r, spec, "h", explainer=TraceExplainer(spec))
    assert shape(tl) == (lanes, events, arrows)
    assert "violation" in tl.events[-1].marks


def test_paxos_counterexample_to_induction_draws_the_vote_from_the_proposal_in_the_pre_state():
    spec = pyspec.load(str(ROOT / "specs" / "paxos.spec"))
    tl = proof_timeline(pyspec.prove(spec, "Agreement"), spec, "h", explainer=TraceExplainer(spec))
    lanes, events, arrows = shape(tl)
    assert lanes == ["Acceptor 0", "Acceptor 1", "Acceptor 2", "Ballot 0", "Ballot 1", "Ballot 2", "env"]
    (first, _), (label, lane) = events  # which acceptor and which proposal are Z3's choice
    assert first == "pre-state (satisfies the invariant)" and label.startswith("Phase2b(a=") and lane.startswith("Acceptor")
    (name, picked), = tl.events[1].picks
    assert name == "m" and picked.startswith("Phase2a(") and label.endswith(f" with m = {picked}")
    assert arrows == [(0, 1, f"msgs: {picked}")]  # the proposal was in the pre-state: from it


def test_paxos_holding_page_draws_the_witness_with_its_messages():
    spec = pyspec.load(str(ROOT / "specs" / "paxos.spec"), {"MaxBallot": "1"})
    tl = result_timeline(pyspec.check(spec), spec, "h", explainer=TraceExplainer(spec))
    assert shape(tl) == (
        ["Acceptor 0", "Acceptor 1", "Acceptor 2", "Ballot 0", "Ballot 1", "env"],
        [("initial state", "env"), ("Phase1a(b=0)", "Ballot 0"), ("Phase1b(a=0) with m = Phase1a(bal=0)", "Acceptor 0"),
         ("Phase1b(a=1) with m = Phase1a(bal=0)", "Acceptor 1"), ("Phase2a(b=0, v=0)", "Ballot 0"),
         ("Phase2b(a=0) with m = Phase2a(bal=0, val=0)", "Acceptor 0"),
         ("Phase2b(a=1) with m = Phase2a(bal=0, val=0)", "Acceptor 1")],
        [(1, 2, "msgs: Phase1a(bal=0)"), (1, 3, "msgs: Phase1a(bal=0)"), (4, 5, "msgs: Phase2a(bal=0, val=0)"),
         (4, 6, "msgs: Phase2a(bal=0, val=0)")])
    assert "witness" in tl.events[-1].marks and "ValueChosen" in tl.events[-1].note


def test_lanes_of_types_equal_in_structure_are_told_apart_by_name():
    """Acceptor and Ballot are both 0 .. 2 by default: the declared names decide the lane."""
    spec = pyspec.load(str(ROOT / "specs" / "paxos.spec"))
    from pyspec.report.timeline import lane_plan, read_source

    types, chosen = lane_plan(spec, read_source)
    assert [n for n, _ in types] == ["Acceptor", "Ballot"]
    assert chosen == {"Phase1a": ("b", "Ballot"), "Phase1b": ("a", "Acceptor"), "Phase2a": ("b", "Ballot"),
                      "Phase2b": ("a", "Acceptor")}
