"""Bounded model checking (pyspec/symbolic/bmc.py): verdicts, shortest counterexamples that
replay in the explicit engine, evaluation errors, and honest UNKNOWN."""

from __future__ import annotations

import os

import pytest

from pyspec import SpecEvalError, Verdict, bmc, check, load, loads

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LEADER = os.path.join(ROOT, "specs", "leader_election.spec")
PAXOS = os.path.join(ROOT, "specs", "paxos.spec")


def test_leader_election_strong_detector_violated_with_a_shortest_trace():
    spec = load(LEADER, {"FD": "S"})
    r = bmc(spec, 8, invariants=("AtMostOneLeader",))
    assert r.verdict is Verdict.VIOLATED and r.exit_code == 1
    assert r.engine == "bmc" and r.violated == "AtMostOneLeader"
    explicit = check(spec, invariants=("AtMostOneLeader",))
    assert len(r.trace) <= len(explicit.trace) == 2
    assert r.trace.steps[0].action is None
    assert all(s.action == "Step" for s in r.trace.steps[1:])
    crashed, leader = r.trace.steps[-1].state[0], r.trace.steps[-1].state[4]
    assert len([p for p, lead in enumerate(leader) if lead and p not in crashed]) == 2


def test_leader_election_perfect_detector_no_violation_up_to_the_bound():
    r = bmc(load(LEADER, {"FD": "P"}), 8)
    assert r.verdict is Verdict.NO_VIOLATION_UP_TO and r.exit_code == 0
    assert r.reason == "no violation up to depth 8"
    assert r.stats["depth"] == 8 and len(r.stats["per_depth_seconds"]) == 9


def test_depth_zero_checks_the_initial_states():
    r = bmc(loads(_COUNTER.replace("x < 3", "x > 0")), 0)
    assert r.verdict is Verdict.VIOLATED and len(r.trace) == 0


_COUNTER = """spec Counter
var x: 0 .. 5
init:
    x = 0
action Inc():
    require x < 5
    x' = x + 1
invariant Small: x < 3
"""


def test_counter_violation_at_exactly_the_first_bad_depth():
    spec = loads(_COUNTER)
    assert bmc(spec, 2).verdict is Verdict.NO_VIOLATION_UP_TO
    r = bmc(spec, 5)
    assert r.verdict is Verdict.VIOLATED and len(r.trace) == 3
    assert [s.state for s in r.trace.steps] == [(0,), (1,), (2,), (3,)]


def test_evaluation_error_in_a_step_is_raised_with_its_trace():
    spec = loads(
        """spec Div
var x: 0 .. 3
var y: 0 .. 6
init:
    x = 2
    y = 0
action Dec():
    require x > 0
    x' = x - 1
action Div():
    y' = 6 // x
invariant Fine: True
"""
    )
    with pytest.raises(SpecEvalError) as info:
        bmc(spec, 5)
    err = info.value
    assert "division by zero" in err.message
    assert err.trace is not None and len(err.trace) == 2  # Dec, Dec, then Div fails
    with pytest.raises(SpecEvalError):
        check(spec)  # the explicit engine agrees


def test_value_outside_its_type_is_an_error_not_a_silent_wrap():
    spec = loads(
        """spec Wrap
var x: 0 .. 3
init:
    x = 3
action Inc():
    x' = x + 1
invariant Fine: x <= 3
"""
    )
    with pytest.raises(SpecEvalError) as info:
        bmc(spec, 3)
    assert "outside its type" in info.value.message


def test_error_within_the_bound_only():
    spec = loads(
        """spec Late
var x: 0 .. 3
init:
    x = 0
action Inc():
    require x < 3
    x' = x + 1
action Bad():
    require x == 3
    x' = 10 // (x - 3)
invariant Fine: True
"""
    )
    assert bmc(spec, 3).verdict is Verdict.NO_VIOLATION_UP_TO  # the failing step is the 4th
    with pytest.raises(SpecEvalError):
        bmc(spec, 4)


def test_timeout_gives_unknown_never_a_pass():
    spec = load(PAXOS)
    r = bmc(spec, 10, timeout=0.001)
    assert r.verdict is Verdict.UNKNOWN and r.exit_code == 3
    assert "could not decide" in r.reason
    assert r.stats["depth"] < 10


def test_bmc_agrees_with_explicit_on_every_library_spec_at_small_depth():
    import glob

    for path in sorted(glob.glob(os.path.join(ROOT, "specs", "*.spec"))):
        spec = load(path)
        small = {n: v for n, v in {"N": "2", "NA": "2", "MaxBallot": "1"}.items() if n in {p for p, _, _ in spec.params}}
        spec = load(path, small)
        # invariants only: a reachable property may need more than 3 steps (tests/test_no_vacuous_verdicts.py)
        explicit = check(spec, max_states=20_000, reachables=())
        r = bmc(spec, 3, reachables=())
        if explicit.verdict is Verdict.VIOLATED and len(explicit.trace) <= 3:
            assert r.verdict is Verdict.VIOLATED, path
            assert len(r.trace) == len(explicit.trace), path
        else:
            assert r.verdict is Verdict.NO_VIOLATION_UP_TO, (path, r.verdict, r.violated)
