"""Procedures (`proc`, inlined by the checker, pyspec/lang/check_stmts.py) and state constraints
(`constraint`, which every engine reads where steps are produced: CompiledSpec.expands and
the symbolic Encoding's steps): the same meaning in the closures, the generated code, Z3 (BMC,
induction, synthesis) and tracecheck's `successors`; the verdict says "under constraint X"."""

from __future__ import annotations

import pytest

import pyspec
from pyspec.errors import PyspecError, SpecErrors
from pyspec.explicit.codegen import generate_successors
from pyspec.explicit.compiled import CompiledSpec
from pyspec.explicit.explore import ExploreOptions, explore
from pyspec.report.proof import render_proof_text
from pyspec.report.result import render_json, render_text
from pyspec.symbolic.encode import Encoding
from tests.symbolic.diff_helpers import check_init, check_state, reachable

ROUNDS = '''\
spec Rounds
param N: int = 2
type Proc = 0 .. N - 1

var round: map[Proc, 0 .. 3]
var moves: 0 .. 9

init:
    round = {p: 0 for p in Proc}
    moves = 0

proc advance(p: Proc, by: 1 .. 2):
    """One process moves on."""
    require round[p] + by <= 3
    next = round[p] + by
    round'[p] = next

action Tick(p: Proc):
    advance(p, 1)
    moves' = moves + 1

action Both():
    require moves < 9
    advance(0, 1)
    advance(1, 2)
    moves' = moves + 1
'''

COUNTER = '''\
spec Counter
var x: 0 .. 9

init:
    x = 0

action Inc():
    require x < 9
    x' = x + 1

constraint Small: x <= 2
'''


def one_error(src: str) -> PyspecError:
    with pytest.raises(PyspecError) as info:
        pyspec.loads(src)
    e = info.value
    return e.errors[0] if isinstance(e, SpecErrors) else e


def counts(spec) -> list[tuple]:
    """(verdict, states, transitions) in the closures and in the generated code."""
    assert generate_successors(CompiledSpec(spec)).fallback == ()  # every action really is generated code
    return [(r.verdict, r.stats["states"], r.stats["transitions"])
            for r in (explore(CompiledSpec(spec, codegen=g), ExploreOptions()) for g in (False, True))]


def agree_with_z3(spec) -> None:
    compiled, enc = CompiledSpec(spec, codegen=False), Encoding(spec)
    check_init(enc, compiled)
    for state in reachable(compiled, 200):
        check_state(spec, enc, compiled, state)


# ---- procedures ------------------------------------------------------------------------------


def test_a_proc_call_is_its_statements_inlined_in_every_engine():
    spec = pyspec.loads(ROUNDS)
    inlined = pyspec.loads(ROUNDS.replace("    advance(p, 1)\n", "    require round[p] + 1 <= 3\n    round'[p] = round[p] + 1\n")
                           .replace("    advance(0, 1)\n    advance(1, 2)\n",
                                    "    require round[0] + 1 <= 3\n    round'[0] = round[0] + 1\n"
                                    "    require round[1] + 2 <= 3\n    round'[1] = round[1] + 2\n"))
    assert counts(spec) == counts(inlined)
    assert counts(spec)[0] == counts(spec)[1]  # closures and generated code
    agree_with_z3(spec)
    c = pyspec.compile_spec(spec)
    assert pyspec.successors(c, ((0, 0), 0), "Both", ()) == [((1, 2), 1)]
    assert pyspec.successors(c, ((0, 2), 0), "Both", ()) == []  # the second call's guard


def test_a_proc_s_assignments_count_with_the_caller_s():
    e = one_error(COUNTER + "proc bump():\n    x' = x + 1\naction Twice():\n    bump()\n    bump()\n")
    assert (e.code, e.span.line) == ("PS208", 13)  # x' assigned twice, in the proc's body
    assert [(n.line, note) for n, note in e.notes] == [(16, "in this call of 'bump'")]


def test_a_proc_sees_only_its_params_and_the_globals():
    src = ROUNDS.replace("    advance(p, 1)\n", "    q = p\n    advance(p, 1)\n").replace(
        "    next = round[p] + by\n", "    next = round[q] + by\n")
    e = one_error(src)
    assert e.code == "PS200" and "'q'" in e.message


def test_a_proc_nothing_calls_is_still_checked():
    e = one_error(COUNTER + "proc never():\n    x' = True\n")
    assert e.code == "PS312" and e.span.line == 13


def test_a_statement_call_of_a_def_is_ps225():
    e = one_error(COUNTER + "def Big = x > 5\naction A():\n    Big()\n")
    assert (e.code, e.span.line, e.span.col) == ("PS225", 14, 5) and "'Big' is not a proc" in e.message
    assert "is a def, an expression" in (e.hint or "")


def test_a_proc_called_with_the_wrong_arguments_is_ps330():
    e = one_error(ROUNDS.replace("advance(p, 1)", "advance(p)"))
    assert e.code == "PS330" and "takes 2 argument(s) by position, as advance(p, by)" in e.message


def test_a_proc_argument_of_the_wrong_type_is_a_type_error():
    e = one_error(ROUNDS.replace("advance(p, 1)", "advance(p, True)"))
    assert e.code == "PS312" and "argument 'by' of 'advance'" in e.message


def test_a_proc_that_calls_itself_is_ps226():
    e = one_error(COUNTER + "proc again():\n    again()\naction A():\n    again()\n")
    assert (e.code, e.span.line) == ("PS226", 13) and "calls itself (again -> again)" in e.message


# ---- constraints -----------------------------------------------------------------------------


def test_a_state_that_violates_a_constraint_is_checked_but_not_expanded():
    spec = pyspec.loads(COUNTER + "invariant Low: x <= 3\n")
    assert counts(spec) == [(pyspec.Verdict.HOLDS, 4, 3)] * 2  # x = 0 .. 3; x = 3 is not expanded
    bad = pyspec.check(pyspec.loads(COUNTER + "invariant Low: x <= 2\n"))
    assert bad.verdict is pyspec.Verdict.VIOLATED and len(bad.trace) == 3  # x = 3 is checked
    c = pyspec.compile_spec(spec)
    assert pyspec.successors(c, (2,), "Inc") == [(3,)] and pyspec.successors(c, (3,), "Inc") == []
    agree_with_z3(spec)


def test_bmc_reads_a_constraint_as_the_explicit_engine_does():
    """BMC's paths are those whose states, all but the last, satisfy the constraints."""
    assert pyspec.bmc(pyspec.loads(COUNTER + "invariant Low: x <= 3\n"), depth=6).verdict is pyspec.Verdict.NO_VIOLATION_UP_TO
    bad = pyspec.bmc(pyspec.loads(COUNTER + "invariant Low: x <= 2\n"), depth=6)
    assert bad.verdict is pyspec.Verdict.VIOLATED and [s.state for s in bad.trace.steps] == [(0,), (1,), (2,), (3,)]


def test_induction_assumes_the_constraint_in_the_pre_state_and_says_so():
    """x <= 3 is inductive only under the constraint: the step from x = 3 is never taken."""
    spec = pyspec.loads(COUNTER + "invariant Low: x <= 3\n")
    proof = pyspec.prove(spec, "Low")
    assert proof.result.verdict is pyspec.Verdict.PROVED and proof.result.constraints == ("Small",)
    text = render_proof_text(proof)
    assert "PROVED under constraint Small: Low holds" in text
    assert "covers only the states reachable through states that satisfy it" in text
    free = pyspec.prove(pyspec.loads(COUNTER.replace("constraint Small: x <= 2\n", "") + "invariant Low: x <= 3\n"), "Low")
    assert free.result.verdict is pyspec.Verdict.NOT_INDUCTIVE


def test_a_verdict_under_a_constraint_says_so():
    r = pyspec.check(pyspec.loads(COUNTER + "invariant Low: x <= 3\n"))
    lines = render_text(r).splitlines()
    assert lines[0] == "HOLDS under constraint Small: every reachable state satisfies Low"
    assert lines[1].startswith("warning: constraint Small: states that violate it were not expanded")
    assert '"constraints": [\n    "Small"\n  ]' in render_json(r)
    sim = pyspec.simulate(pyspec.loads(COUNTER + "invariant Low: x <= 3\n"), runs=2)
    assert render_text(sim).startswith("NO VIOLATION of Low under constraint Small: ")
    violated = pyspec.check(pyspec.loads(COUNTER + "invariant Low: x <= 2\n"))
    assert render_text(violated).startswith("VIOLATED: Low\n")  # a violation is real: no caveat


def test_every_initial_state_outside_the_constraint_is_a_vacuity_warning():
    spec = pyspec.loads(COUNTER.replace("x <= 2", "x > 5") + "invariant Low: x <= 3\n")
    r = pyspec.check(spec)
    assert r.verdict is pyspec.Verdict.HOLDS and r.stats["states"] == 1
    assert any(w.startswith("every initial state violates constraint Small: no state was expanded") for w in r.warnings)
    assert any("vacuous" in w for w in pyspec.prove(spec, "Low").result.warnings)


def test_a_constrained_state_is_no_deadlock():
    spec = pyspec.loads(COUNTER.replace("require x < 9", "require x < 5"))
    assert pyspec.check(spec, deadlock=True).verdict is pyspec.Verdict.HOLDS
    assert pyspec.simulate(spec, runs=3, deadlock=True).verdict is pyspec.Verdict.NO_VIOLATION_UP_TO
    free = pyspec.loads(COUNTER.replace("require x < 9", "require x < 2"))  # stuck at x = 2, inside the constraint
    assert pyspec.check(free, deadlock=True).verdict is pyspec.Verdict.DEADLOCK


def test_synth_explores_constrained_states_only():
    src = ('spec Pick\nunknown f: map[0 .. 3, 0 .. 1]\nvar x: 0 .. 3\ninit:\n    x = 0\n'
           'action Step():\n    require x < 3\n    x\' = x + 1\nconstraint Early: x <= 1\ninvariant Zero: f[x] == 0\n')
    r = pyspec.synth(pyspec.loads(src), depth=3)
    assert r.result.verdict is pyspec.Verdict.HOLDS and r.result.constraints == ("Early",)


def test_a_constraint_is_a_boolean_over_the_state():
    e = one_error(COUNTER + "constraint Odd: x + 1\n")
    assert e.code == "PS312" and "constraint 'Odd'" in e.message
    e = one_error(COUNTER + "constraint Next: x' <= 2\n")
    assert e.code == "PS209"
