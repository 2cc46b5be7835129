"""The operator table is the meaning: every operator, over every small value, gives the table's
result (or the table's failure) in the closure engine, the generated code and Z3."""

from __future__ import annotations

import itertools

import pytest

from pyspec import SpecEvalError, loads
from pyspec.explicit.compiled import CompiledSpec
from pyspec.lang.ops import FAILURES, OPS, Op, fails
from pyspec.symbolic.encode import Encoding
from tests.symbolic.diff_helpers import check_init, check_state

INTS = "-3 .. 3"
SETS = "set[0 .. 2]"
# operator -> (type of x, type of y or None for a unary operator, type of the result)
SHAPES: dict[Op, tuple[str, str | None, str]] = {
    **{op: (INTS, INTS, "-9 .. 9") for op in (Op.ADD, Op.SUB, Op.MUL, Op.DIV, Op.MOD)},
    **{op: (INTS, INTS, "bool") for op in (Op.LT, Op.LE, Op.GT, Op.GE, Op.EQ, Op.NE)},
    **{op: ("bool", "bool", "bool") for op in (Op.AND, Op.OR)},
    Op.NOT: ("bool", None, "bool"),
    Op.NEG: (INTS, None, INTS),
    **{op: (SETS, SETS, SETS) for op in (Op.UNION, Op.INTER, Op.DIFF)},
    **{op: (SETS, SETS, "bool") for op in (Op.SUBSET, Op.SSUBSET)},
    Op.IN: ("0 .. 2", SETS, "bool"),
}


def test_every_operator_has_a_shape():
    assert set(SHAPES) == set(Op) == set(OPS)


def _spec(op: Op) -> str:
    tx, ty, tr = SHAPES[op]
    sem = OPS[op]
    expr = f"{sem.spelling} x" if ty is None else f"x {sem.spelling} y"
    lines = [
        "spec Ops",
        f"var x: {tx}",
        f"var y: {ty or 'bool'}",
        f"var r: {tr}",
        "init:",
        f"    x in {_universe(tx)}",
        f"    y in {_universe(ty or 'bool')}",
        f"    r in {_universe(tr)}",
        "action Go():",
        f"    r' = {expr}",
    ]
    return "\n".join(lines) + "\n"


def _universe(t: str) -> str:
    if t == "bool":
        return "{False, True}"
    if t == SETS:
        return "subsets(0 .. 2)"
    return t


def _expected(op: Op, state: tuple):
    """The table's own answer for the operands in `state`: ("ok", value) or ("fail", message)."""
    x, y = state[0], state[1]
    args = (x,) if SHAPES[op][1] is None else (x, y)
    if fails(op, *args):
        failure = OPS[op].failure
        assert failure is not None
        return ("fail", FAILURES[failure].message())
    return ("ok", OPS[op].py(*args))


def _run(compiled: CompiledSpec, state: tuple):
    try:
        succ = compiled.run_instance(state, 0)
    except SpecEvalError as e:
        return ("fail", e.message)
    ((nxt),) = succ
    return ("ok", nxt[2])


@pytest.mark.parametrize("op", list(Op), ids=str)
def test_operator_agrees_with_its_table_entry_in_every_engine(op):
    spec = loads(_spec(op), file=f"<{op}>")
    closures = CompiledSpec(spec, codegen=False)
    generated = CompiledSpec(spec, codegen=True)
    enc = Encoding(spec)
    states = check_init(enc, closures)  # Z3's initial states are the explicit engine's
    seen_operands = set()
    step = generated.step_fn()
    for state in states:
        if state[:2] in seen_operands:
            continue
        seen_operands.add(state[:2])
        want = _expected(op, state)
        assert _run(closures, state) == want, (op, state)
        try:
            got = [t[2] for _, t in step(state)]
            assert ("ok", got[0]) == want and len(got) == 1, (op, state)
        except SpecEvalError as e:
            assert ("fail", e.message) == want, (op, state)
        check_state(spec, enc, closures, state)  # Z3: the same successor, or the same failure
    assert len(seen_operands) == len(set(itertools.product(*_operand_values(states))))


def _operand_values(states):
    return ({s[0] for s in states}, {s[1] for s in states})


def test_failures_name_their_code_and_message():
    for kind, rule in FAILURES.items():
        assert rule.code.startswith("PS"), kind
    assert FAILURES[OPS[Op.DIV].failure].message() == "division by zero"  # type: ignore[index]
    assert FAILURES[OPS[Op.MOD].failure].message() == "modulo by zero"  # type: ignore[index]
