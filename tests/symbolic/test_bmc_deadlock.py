"""BMC's deadlock search (`pyspec check --engine bmc --deadlock`): a reachable state in which no
action instance is enabled, at the same depth as the explicit engine finds it, replayed and
reported as the explicit engine reports it."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout

from hypothesis import HealthCheck, assume, event, given, note, settings

from pyspec import SpecError, Verdict, bmc, check, loads
from pyspec.cli import main
from tests.symbolic.specgen import specs

# Two-phase commit whose coordinator may give up before deciding: once every resource manager
# has prepared and the coordinator is gone, nothing can move.
TWO_PHASE = '''spec TwoPhase
param N: int = 2
type RM = 0 .. N - 1

var rm: map[RM, {"working", "prepared", "committed"}]
var tm: {"init", "committed", "gone"}
var prepared: set[RM]

init:
    rm = {r: "working" for r in RM}
    tm = "init"
    prepared = {}

action Prepare(r: RM):
    require rm[r] == "working"
    rm'[r] = "prepared"
    prepared' = prepared | {r}

action Decide():
    require tm == "init" and all(r in prepared for r in RM)
    tm' = "committed"

action GiveUp():
    require tm == "init"
    tm' = "gone"

action Commit(r: RM):
    require tm == "committed" and rm[r] == "prepared"
    rm'[r] = "committed"

invariant Consistent: tm != "gone" or all(rm[r] != "committed" for r in RM)
'''


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = main(argv)
    return rc, out.getvalue(), err.getvalue()


def test_bmc_finds_the_deadlock_at_the_explicit_engines_depth():
    for n in ("1", "2", "3"):
        spec = loads(TWO_PHASE, {"N": n})
        explicit = check(spec, deadlock=True)
        assert explicit.verdict is Verdict.DEADLOCK
        r = bmc(spec, 10, deadlock=True)
        assert r.verdict is Verdict.DEADLOCK and r.violated == "deadlock" and r.exit_code == 1
        assert len(r.trace) == len(explicit.trace) == int(n) + 1
        last = r.trace.steps[-1].state
        assert last[1] == "gone" and all(v == "prepared" for v in last[0])


def test_bmc_below_the_deadlock_depth_says_it_looked_for_deadlocks():
    r = bmc(loads(TWO_PHASE), 2, deadlock=True)
    assert r.verdict is Verdict.NO_VIOLATION_UP_TO
    assert r.reason == "no violation and no deadlock up to depth 2"
    assert bmc(loads(TWO_PHASE), 10).reason == "no violation up to depth 10"  # without --deadlock: not looked for


def test_cli_bmc_deadlock_is_reported_like_the_explicit_one(tmp_path):
    path = tmp_path / "two_phase.spec"
    path.write_text(TWO_PHASE)
    rc, out, err = _run(["check", str(path), "--engine", "bmc", "--depth", "10", "--deadlock"])
    assert rc == 1, (out, err)
    rc_x, out_x, _ = _run(["check", str(path), "--deadlock"])
    assert rc_x == 1
    for text in (out, out_x):
        assert "DEADLOCK: a reachable state enables no action" in text
        assert "shortest path to the deadlocked state, 3 steps:" in text
    rc, out, err = _run(["check", str(path), "--engine", "bmc", "--depth", "10", "--deadlock", "--json"])
    assert rc == 1 and '"verdict": "deadlock"' in out, out


def test_bmc_deadlock_in_an_initial_state():
    spec = loads("spec S\nvar x: 0 .. 2\ninit:\n    x in {0, 1}\naction A():\n    require x == 1\n    x' = 2\n")
    r = bmc(spec, 3, deadlock=True)
    assert r.verdict is Verdict.DEADLOCK and len(r.trace) == 0 and r.trace.steps[0].state == (0,)


def test_bmc_deadlock_comes_after_an_evaluation_error_of_the_same_state():
    # the explicit engine raises while expanding the state; BMC must raise too, not call it deadlocked
    spec = loads("spec S\nvar x: 0 .. 2\nvar m: map[0 .. 1, bool]\ninit:\n    x = 0\n    m = {k: False for k in 0 .. 1}\n"
                 "action A():\n    require x < 2\n    x' = x + 1\naction B():\n    require x == 2 and m[x]\n    x' = 0\n")
    try:
        check(spec, deadlock=True)
        raise AssertionError("the explicit engine should raise")
    except SpecError as e:
        explicit = e
    try:
        bmc(spec, 4, deadlock=True)
        raise AssertionError("BMC should raise")
    except SpecError as e:
        assert e.code == explicit.code and len(e.trace) == len(explicit.trace)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
          database=None)
@given(src=specs())
def test_random_specs_deadlock_at_the_same_depth_in_both_engines(src):
    note(src)
    try:
        spec = loads(src)
        explicit = check(spec, invariants=(), reachables=(), deadlock=True, max_states=400)
    except SpecError:
        assume(False)
        return
    event(explicit.verdict.value)
    if explicit.verdict is Verdict.DEADLOCK:
        depth = len(explicit.trace)
        r = bmc(spec, depth, invariants=(), reachables=(), deadlock=True)
        assert r.verdict is Verdict.DEADLOCK and len(r.trace) == depth, (r.verdict, r.reason)
    elif explicit.verdict is Verdict.HOLDS:  # every reachable state expanded: no deadlock anywhere
        r = bmc(spec, min(explicit.stats["depth"], 3), invariants=(), reachables=(), deadlock=True)
        assert r.verdict is Verdict.NO_VIOLATION_UP_TO, (r.verdict, r.reason)


def test_a_state_outside_the_constraint_is_no_deadlock_in_either_engine():
    # x stops growing only at 5, but the constraint stops expansion at 3: no state is deadlocked
    src = ("spec CDL\nvar x: 0 .. 5\ninit:\n    x = 0\naction Up():\n    require x < 5\n    x' = x + 1\n"
           "constraint Small: x <= 2\ninvariant Ok: x <= 5\n")
    spec = loads(src)
    assert check(spec, deadlock=True).verdict is Verdict.HOLDS
    assert bmc(spec, 6, deadlock=True).verdict is Verdict.NO_VIOLATION_UP_TO
    spec = loads(src.replace("x <= 2", "x <= 5"))  # now x = 5 is expanded, and deadlocked
    assert check(spec, deadlock=True).verdict is Verdict.DEADLOCK
    assert bmc(spec, 6, deadlock=True).verdict is Verdict.DEADLOCK
