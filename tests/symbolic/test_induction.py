"""Proofs (pyspec/symbolic/induction.py) and their report (pyspec/report/proof.py)."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from pyspec import SpecEvalError, UsageError, Verdict, load, loads, prove
from pyspec.report.proof import render_proof_json, render_proof_text
from pyspec.result import Status

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The auxiliary invariant that makes AtMostOneLeader inductive under a perfect detector
# (proposed for specs/leader_election.spec; added here to a copy until it is there).
AUX = """
invariant LeaderSuspectsLower:
    all(q in suspects[p] for p in Live if leader[p] for q in Proc if q < p)
"""


@pytest.fixture
def leader(tmp_path):
    src = os.path.join(ROOT, "specs", "leader_election.spec")
    text = open(src).read()
    for name in ("fd.spec",):
        shutil.copy(os.path.join(ROOT, "specs", name), tmp_path / name)
    if "invariant LeaderSuspectsLower" not in text:
        text += AUX
    (tmp_path / "leader_election.spec").write_text(text)
    return lambda fd: load(str(tmp_path / "leader_election.spec"), {"FD": fd})


def test_perfect_detector_proves_at_most_one_leader(leader):
    r = prove(leader("P"), "AtMostOneLeader", aux=("NoFalseSuspicion", "LeaderSuspectsLower"))
    assert r.verdict is Verdict.PROVED and r.exit_code == 0
    assert [o.name for o in r.obligations] == [
        "initiation",
        "consecution: Crash",
        "consecution: Stabilize",
        "consecution: Step",
    ]
    assert all(o.status is Status.DISCHARGED for o in r.obligations)
    text = render_proof_text(r)
    assert "PROVED" in text and "consecution: Step" in text and "discharged" in text


def test_without_the_auxiliary_invariant_a_cti_is_reported(leader):
    r = prove(leader("P"), "AtMostOneLeader")
    assert r.verdict is Verdict.NOT_INDUCTIVE and r.exit_code == 4
    step = r.obligations[-1]
    assert step.status is Status.REFUTED and step.cti.action == "Step"
    assert step.cti.broken == ("AtMostOneLeader",)
    assert len(step.cti.trace.steps) == 2
    text = render_proof_text(r)
    assert "counterexample to induction" in text and "may be unreachable" in text and "--with" in text
    doc = json.loads(render_proof_json(r))
    assert doc["verdict"] == "not inductive" and doc["exit_code"] == 4
    assert doc["obligations"][-1]["cti"]["broken"] == ["AtMostOneLeader"]


def test_strong_detector_is_not_inductive_and_k_induction_finds_the_violation(leader):
    spec = leader("S")
    r1 = prove(spec, "AtMostOneLeader", aux=("LeaderSuspectsLower",))
    assert r1.verdict is Verdict.NOT_INDUCTIVE
    r3 = prove(spec, "AtMostOneLeader", k=3)
    assert r3.verdict is Verdict.VIOLATED and r3.exit_code == 1
    assert r3.obligations[0].status is Status.REFUTED
    assert len(r3.result.trace) == 2
    assert "VIOLATED" in render_proof_text(r3)


_COUNTER = """spec Counter
var x: 0 .. 7
var y: 0 .. 7
init:
    x = 0
    y = 0
action Inc():
    require x < 3
    x' = x + 1
    y' = x
invariant Bound: x <= 3
invariant Lag: y <= x
invariant Far: y <= 4
"""


def test_initiation_failure_is_a_violation():
    r = prove(loads(_COUNTER.replace("x = 0", "x = 5")), "Bound")
    assert r.verdict is Verdict.VIOLATED
    assert r.obligations[0].name == "initiation" and r.obligations[0].status is Status.REFUTED
    assert len(r.result.trace) == 0


_CHAIN = """spec Chain
var x: 0 .. 5
init:
    x = 0
action Step():
    if x < 2:
        x' = x + 1
    elif x == 2:
        x' = 0
    else:
        require x < 5
        x' = x + 1
invariant NotFive: x != 5
invariant Low: x < 3
"""


def test_k_induction_proves_what_one_step_cannot():
    spec = loads(_CHAIN)
    # 3 -> 4 -> 5 is an unreachable chain: two steps long, so k = 3 rules it out
    assert prove(spec, "NotFive").verdict is Verdict.NOT_INDUCTIVE
    r2 = prove(spec, "NotFive", k=2)
    assert r2.verdict is Verdict.NOT_INDUCTIVE
    assert len(r2.obligations[-1].cti.trace.steps) == 3  # two pre-states and the post-state
    r3 = prove(spec, "NotFive", k=3)
    assert r3.verdict is Verdict.PROVED
    assert r3.obligations[0].name.startswith("base case")
    assert prove(spec, "NotFive", aux=("Low",)).verdict is Verdict.PROVED
    assert prove(loads(_COUNTER), "Far").verdict is Verdict.PROVED


def test_unknown_invariant_is_a_usage_error():
    with pytest.raises(UsageError):
        prove(loads(_COUNTER), "Nope")


def test_evaluation_error_from_an_invariant_state_is_a_cti():
    spec = loads(
        """spec E
var x: 0 .. 3
init:
    x = 1
action Div():
    x' = 3 // x
invariant Pos: x >= 0
"""
    )
    r = prove(spec, "Pos")
    assert r.verdict is Verdict.NOT_INDUCTIVE
    assert r.obligations[-1].cti.error and "division by zero" in r.obligations[-1].cti.error


def test_evaluation_error_in_init_is_raised():
    spec = loads(
        """spec E
var x: 0 .. 3
init:
    x = 3 // 0
invariant Pos: x >= 0
"""
    )
    with pytest.raises(SpecEvalError):
        prove(spec, "Pos")


def test_timeout_gives_unknown():
    spec = load(os.path.join(ROOT, "specs", "paxos.spec"))
    r = prove(spec, "Agreement", k=6, timeout=0.001)
    assert r.verdict is Verdict.UNKNOWN and r.exit_code == 3
    assert any(o.status is Status.UNKNOWN for o in r.obligations)
    assert "UNKNOWN" in render_proof_text(r)
