"""BMC asks one question per depth when neither a violated invariant nor a failing action is
possible there (both in one query), and still tells them apart, in the order it always has,
when one is."""

import z3

from pyspec import SpecEvalError, Verdict, bmc, loads

# Inc may fail (x + 1 outside 0 .. 3) as far as the encoding knows; its guard rules that out.
GUARDED = """\
spec Guarded
var x: 0 .. 3
init:
    x = 0
action Inc():
    require x < 3
    x' = x + 1
invariant Small: x <= LIMIT
"""

# Inc fails at x == 2 (3 is outside 0 .. 2): an evaluation error of the step from depth 2.
UNGUARDED = """\
spec Unguarded
var x: 0 .. 2
init:
    x = 0
action Inc():
    x' = x + 1
invariant Small: x <= 2
"""


def _count_checks(monkeypatch) -> list[str]:
    answers: list[str] = []
    original = z3.Solver.check

    def counting(self, *a, **kw):
        r = original(self, *a, **kw)
        answers.append(str(r))
        return r

    monkeypatch.setattr(z3.Solver, "check", counting)
    return answers


def test_a_clean_depth_takes_one_query(monkeypatch):
    answers = _count_checks(monkeypatch)
    r = bmc(loads(GUARDED.replace("LIMIT", "3")), 5, reachables=())
    assert r.verdict is Verdict.NO_VIOLATION_UP_TO
    # init's error, some initial state, then one query per depth 0 .. 5 (the last asks only
    # the invariants: no step is taken from it)
    assert answers == ["unsat", "sat"] + ["unsat"] * 6


def test_a_violation_found_by_the_joint_query_is_reported_as_before():
    r = bmc(loads(GUARDED.replace("LIMIT", "1")), 5, reachables=())
    assert (r.verdict, r.violated, len(r.trace)) == (Verdict.VIOLATED, "Small", 2)


def test_a_failing_step_found_by_the_joint_query_is_reported_as_before():
    try:
        bmc(loads(UNGUARDED), 5, reachables=())
    except SpecEvalError as e:
        assert e.code == "PS401"
        assert "x' would be 3" in str(e)
    else:
        raise AssertionError("the failing step was not reported")
