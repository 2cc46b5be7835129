"""The spec library's verdicts, with distinct-state counts pinned: a changed count is a
semantic change to explain."""

import pytest

from pyspec import Verdict, check, load, loads


@pytest.mark.parametrize(
    "params, verdict, states",
    [
        ({"FD": "P"}, Verdict.HOLDS, 289),
        ({"FD": "P", "N": "2"}, Verdict.HOLDS, 33),
        ({"FD": "P", "N": "4"}, Verdict.HOLDS, 5_238),
    ],
)
def test_leader_election_perfect_detector_holds(params, verdict, states):
    r = check(load("specs/leader_election.spec", params))
    assert r.verdict is verdict
    assert r.stats["states"] == states


@pytest.mark.parametrize("n", ["2", "3"])
def test_leader_election_strong_detector_two_leaders(n):
    r = check(load("specs/leader_election.spec", {"FD": "S", "N": n}))
    assert r.verdict is Verdict.VIOLATED
    assert r.violated == "AtMostOneLeader"
    assert len(r.trace) == 2
    last = r.trace.steps[-1].state
    spec = load("specs/leader_election.spec", {"FD": "S", "N": n})
    crashed = last[spec.var_index("crashed")]
    leader = last[spec.var_index("leader")]
    live_leaders = [p for p, lead in enumerate(leader) if lead and p not in crashed]
    assert len(live_leaders) == 2


def test_paxos_agreement_ballots_0_1_matches_tlc():
    r = check(load("specs/paxos.spec", {"MaxBallot": "1"}))
    assert r.verdict is Verdict.HOLDS
    assert r.stats["states"] == 3_921


def test_paxos_with_singleton_quorums_violates_agreement(tmp_path):
    """Quorums that need not intersect: two values can be chosen."""
    core = open("specs/paxos_core.spec").read()
    assert "2 * len(Q) > NA" in core
    (tmp_path / "paxos_core.spec").write_text(core.replace("2 * len(Q) > NA", "len(Q) == 1"))
    (tmp_path / "paxos.spec").write_text(open("specs/paxos.spec").read())
    r = check(load(str(tmp_path / "paxos.spec"), {"MaxBallot": "1"}), invariants=("Agreement",))
    assert r.verdict is Verdict.VIOLATED
    assert r.violated == "Agreement"
