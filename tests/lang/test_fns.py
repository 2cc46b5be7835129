"""The builtin table is the meaning: every builtin row of `ops.FNS` (the set, sequence and bag builtins), over every
small value, gives the row's result (or the row's failure) in the closure engine, the generated
code and Z3, as tests/lang/test_ops.py does for the operators; so does every comprehension kind
of `ops.COMPS`, against its row's fold."""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

from pyspec import SpecEvalError, loads
from pyspec.explicit.compiled import CompiledSpec
from pyspec.errors import Span
from pyspec.lang.ops import CALLED_COMPS, COMPS, FAILURES, FNS, Fail, Fn, Kind, fn_fails
from pyspec.lang.types import SeqT, Type
from pyspec.symbolic.encode import Encoding
from tests.symbolic.diff_helpers import check_init, check_state

S = "seq[0 .. 1, 2]"
B = "bag[0 .. 1, 2]"
POS = "-1 .. 2"
# builtin -> (types of the operand variables x, y, z; the result's type; the expression; the
# operands of the row, as names of variables). `r` is the result; UPDATE assigns an entry of r.
SETS = "set[0 .. 2]"
BOOLS = "set[bool]"
SHAPES: dict[Fn, tuple[tuple[str, str, str], str, str, tuple[str, ...]]] = {
    Fn.LEN: ((SETS, "bool", "bool"), "0 .. 3", "r' = len(x)", ("x",)),
    Fn.MIN: ((SETS, "bool", "bool"), "0 .. 2", "r' = min(x)", ("x",)),
    Fn.MAX: ((SETS, "bool", "bool"), "0 .. 2", "r' = max(x)", ("x",)),
    Fn.SUM: ((SETS, "bool", "bool"), "0 .. 3", "r' = sum(x)", ("x",)),
    Fn.ALL: ((BOOLS, "bool", "bool"), "bool", "r' = all(x)", ("x",)),
    Fn.ANY: ((BOOLS, "bool", "bool"), "bool", "r' = any(x)", ("x",)),
    Fn.SUBSETS: ((SETS, "bool", "bool"), "set[set[0 .. 2]]", "r' = subsets(x)", ("x",)),
    Fn.SEQ: (("0 .. 1", "0 .. 1", "bool"), S, "r' = [x, y]", ("x", "y")),
    Fn.SEQ_LEN: ((S, "bool", "bool"), "0 .. 2", "r' = len(x)", ("x",)),
    Fn.INDEX: ((S, POS, "bool"), "0 .. 1", "r' = x[y]", ("x", "y")),
    Fn.HEAD: ((S, "bool", "bool"), "0 .. 1", "r' = head(x)", ("x",)),
    Fn.TAIL: ((S, "bool", "bool"), S, "r' = tail(x)", ("x",)),
    Fn.LAST: ((S, "bool", "bool"), "0 .. 1", "r' = last(x)", ("x",)),
    Fn.APPEND: ((S, "0 .. 1", "bool"), "seq[0 .. 1, 3]", "r' = append(x, y)", ("x", "y")),
    Fn.CONCAT: ((S, S, "bool"), "seq[0 .. 1, 4]", "r' = x + y", ("x", "y")),
    Fn.SLICE: ((S, POS, POS), S, "r' = x[y:z]", ("x", "y", "z")),
    Fn.SEQ_IN: (("0 .. 1", S, "bool"), "bool", "r' = x in y", ("x", "y")),
    Fn.UPDATE: (("bool", POS, "0 .. 1"), S, "r'[y] = z", ("r", "y", "z")),
    Fn.BAG: (("bool", "bool", "bool"), B, "r' = bag()", ()),
    Fn.BAG_ADD: ((B, "0 .. 1", "bool"), "bag[0 .. 1, 3]", "r' = add(x, y)", ("x", "y")),
    Fn.BAG_REMOVE: ((B, "0 .. 1", "bool"), B, "r' = remove(x, y)", ("x", "y")),
    Fn.BAG_COUNT: ((B, "0 .. 1", "bool"), "0 .. 2", "r' = count(x, y)", ("x", "y")),
    Fn.BAG_IN: (("0 .. 1", B, "bool"), "bool", "r' = x in y", ("x", "y")),
    Fn.BAG_SUM: ((B, B, "bool"), "bag[0 .. 1, 4]", "r' = x + y", ("x", "y")),
    Fn.BAG_SET: ((B, "bool", "bool"), "set[0 .. 1]", "r' = {m for m in x}", ("x",)),
}


def test_every_builtin_has_a_row_and_a_shape():
    """A builtin without a table entry is refused (ops.py asserts it at import); this holds the
    test to the table."""
    assert set(SHAPES) == set(Fn) == set(FNS)
    for fn, sem in FNS.items():
        assert (sem.ok is None) == (sem.sym_ok is None) == (sem.failure is None) == (sem.shown is None), fn


def _spec(fn: Fn) -> str:
    (tx, ty, tz), tr, stmt, _ = SHAPES[fn]
    lines = ["spec Fns", f"type S = {S}", f"type B = {B}", f"var x: {tx}", f"var y: {ty}", f"var z: {tz}",
             f"var r: {tr}", "init:"]
    for v, t in (("x", tx), ("y", ty), ("z", tz)):
        lines.append(f"    {v} in {_universe(t)}")
    lines.append(f"    r in {_universe(tr) if fn == Fn.UPDATE else '{' + _some(tr) + '}'}")
    lines += ["action Go():", f"    {stmt}"]
    return "\n".join(lines) + "\n"


def _universe(t: str) -> str:
    if t in (SETS, BOOLS):
        return f"subsets({'0 .. 2' if t == SETS else '{False, True}'})"
    return "{False, True}" if t == "bool" else "S" if t == S else "B" if t == B else t


def _some(t: str) -> str:
    empty = {"seq": "[]", "bag": "bag()", "set": "{}", "map": "{k: False for k in 0 .. 2}"}.get(t[:3])
    if empty is not None:
        return empty
    return "False" if t == "bool" else t.split(" ")[0]


NAMES = ("x", "y", "z", "r")


def _expected(spec, fn: Fn, state: tuple):
    """The row's own answer for the operands in `state`: ("ok", value) or ("fail", message)."""
    args = tuple(state[NAMES.index(n)] for n in SHAPES[fn][3])
    sem = FNS[fn]
    if fn_fails(fn, *args):
        assert sem.failure is not None and sem.shown is not None
        types = tuple(spec.vars[NAMES.index(n)].ty for n in SHAPES[fn][3])
        return ("fail", FAILURES[sem.failure].message(*sem.shown(types, *args)))
    return ("ok", sem.py(*args))


def _run(compiled: CompiledSpec, state: tuple):
    try:
        succ = compiled.run_instance(state, 0)
    except SpecEvalError as e:
        return ("fail", e.message)
    ((nxt),) = succ
    return ("ok", nxt[3])


@pytest.mark.parametrize("fn", list(Fn), ids=str)
def test_builtin_agrees_with_its_table_entry_in_every_engine(fn):
    spec = loads(_spec(fn), file=f"<{fn}>")
    closures = CompiledSpec(spec, codegen=False)
    generated = CompiledSpec(spec, codegen=True)
    enc = Encoding(spec)
    states = check_init(enc, closures)  # Z3's initial states are the explicit engine's
    assert states
    step = generated.step_fn()
    seen = set()
    for state in states:
        key = tuple(state[NAMES.index(n)] for n in SHAPES[fn][3])
        if key in seen:
            continue
        seen.add(key)
        want = _expected(spec, fn, state)
        assert _run(closures, state) == want, (fn, state)
        try:
            got = [t[3] for _, t in step(state)]
            assert ("ok", got[0]) == want and len(got) == 1, (fn, state)
        except SpecEvalError as e:
            assert ("fail", e.message) == want, (fn, state)
        check_state(spec, enc, closures, state)  # Z3: the same successor, or the same failure


def test_a_sequence_type_keeps_its_declared_capacity():
    spec = loads(_spec(Fn.CONCAT), file="<concat>")
    assert spec.vars[3].ty == SeqT(spec.vars[0].ty.elem, 4)  # type: ignore[attr-defined]


def test_the_constant_evaluator_folds_through_the_rows_and_short_circuits():
    spec = loads("spec C\nparam B: bool = False and 1 // 0 == 0\nparam H: int = head([2, 1]) + min({3, 4}) + "
                 "count(add(bag(), 1), 1)\nparam D: bool = True or head(tail([1])) == 0\nvar x: bool\ninit:\n"
                 "    x = B\n")
    assert dict((n, v) for n, v, _ in spec.params) == {"B": False, "H": 6, "D": True}


def test_a_constant_that_fails_a_rows_predicate_is_ps331_with_the_rows_message():
    from pyspec.errors import SpecErrors

    with pytest.raises(SpecErrors) as info:
        loads("spec C\nparam H: int = head(tail([1]))\nvar x: bool\ninit:\n    x = True\n")
    (e,) = info.value.errors
    assert e.code == "PS331" and "head() of an empty sequence" in e.message


# Comprehensions over the set x (of 0 .. 2): (kind, the expression, the result's type, an initial
# value of that type, the value the generators produce for y in x: a (key, value) pair for a map).
# Each row's meaning is its `fold`; the shapes include every failure of a kind (a map key given no
# value or two) and a body that fails after the value that decides all()/any().
COMP_CASES: dict[str, tuple[Kind, str, str, str, Callable[[int], Any]]] = {
    "set": (Kind.SET, "{y + 1 for y in x}", "set[1 .. 3]", "{}", lambda y: y + 1),
    "map": (Kind.MAP, "{k: k in x for k in 0 .. 2}", "map[0 .. 2, bool]", "{k: False for k in 0 .. 2}", None),
    "map-clash-or-missing": (Kind.MAP, "{k: y for k in 0 .. 1 for y in x}", "map[0 .. 1, 0 .. 2]",
                             "{k: 0 for k in 0 .. 1}", None),
    "all": (Kind.ALL, "all(y > 0 for y in x)", "bool", "False", lambda y: y > 0),
    "all-stops-before-failing": (Kind.ALL, "all(2 // (1 - y) > 5 for y in x)", "bool", "False",
                                 lambda y: 2 // (1 - y) > 5),
    "any": (Kind.ANY, "any(y > 1 for y in x)", "bool", "False", lambda y: y > 1),
    "any-stops-before-failing": (Kind.ANY, "any(2 // (1 - y) < 5 for y in x)", "bool", "False",
                                 lambda y: 2 // (1 - y) < 5),
    "sum": (Kind.SUM, "sum(y % 2 for y in x)", "0 .. 3", "0", lambda y: y % 2),
    "min": (Kind.MIN, "min(y for y in x)", "0 .. 2", "0", lambda y: y),
    "max": (Kind.MAX, "max(y for y in x)", "0 .. 2", "0", lambda y: y),
}


def _produced(name: str, x: frozenset) -> Iterator:
    """What the generators of COMP_CASES[name] produce, lazily, in declared order."""
    if name == "map":
        yield from ((k, k in x) for k in range(3))
    elif name == "map-clash-or-missing":
        yield from ((k, y) for k in range(2) for y in sorted(x))
    else:
        body = COMP_CASES[name][4]
        yield from (body(y) for y in sorted(x))


def test_every_comprehension_kind_has_a_row_and_a_shape():
    assert {c[0] for c in COMP_CASES.values()} == set(Kind) == set(COMPS)
    for kind, sem in COMPS.items():
        assert (sem.stop is None) == (kind not in (Kind.ALL, Kind.ANY)), kind
        assert sem.call == (kind in CALLED_COMPS.values()), kind
        assert sem.src_init is None or not sem.may_fail, kind


def _kind_expected(name: str, x: frozenset, ty: Type):
    """The row's answer for the comprehension COMP_CASES[name] over the set x: its fold over the
    values produced lazily in declared order."""
    kind = COMP_CASES[name][0]
    try:
        return ("ok", COMPS[kind].fold(ty, Span("<row>", 1, 1, 1, 1))(_produced(name, x)))
    except SpecEvalError as e:
        return ("fail", e.message)
    except ZeroDivisionError:
        return ("fail", FAILURES[Fail.DIV_ZERO].message())


@pytest.mark.parametrize("name", list(COMP_CASES))
def test_comprehension_kind_agrees_with_its_row_in_every_engine(name):
    kind, expr, ty, some, _ = COMP_CASES[name]
    spec = loads(f"spec K\nvar x: set[0 .. 2]\nvar r: {ty}\ninit:\n    x in subsets(0 .. 2)\n"
                 f"    r in {{{some}}}\naction Go():\n    r' = {expr}\n", file=f"<{name}>")
    rty = spec.vars[1].ty
    closures = CompiledSpec(spec, codegen=False)
    generated = CompiledSpec(spec, codegen=True)
    enc = Encoding(spec)
    states = check_init(enc, closures)
    assert len(states) == 8
    step = generated.step_fn()
    for state in states:
        want = _kind_expected(name, state[0], rty)
        try:
            got = ("ok", closures.run_instance(state, 0)[0][1])
        except SpecEvalError as e:
            got = ("fail", e.message)
        assert got == want, (kind, state)
        try:
            assert [("ok", t[1]) for _, t in step(state)] == [want], (kind, state)
        except SpecEvalError as e:
            assert ("fail", e.message) == want, (kind, state)
        check_state(spec, enc, closures, state)


def test_a_constant_comprehension_of_every_kind_folds_through_its_row():
    spec = loads("spec C\nparam A: bool = all(y > 0 for y in 1 .. 3)\nparam S: int = sum(y for y in 1 .. 3 if y != 2)\n"
                 "param M: int = min(y * y for y in {3, 2})\nparam T: set[0 .. 9] = {y + 1 for y in 0 .. 2}\n"
                 "param E: bool = any(y == 0 or 1 // y == 1 for y in 0 .. 2)\nvar x: bool\ninit:\n    x = A\n")
    assert dict((n, v) for n, v, _ in spec.params) == {"A": True, "S": 4, "M": 4, "T": frozenset({1, 2, 3}), "E": True}


def test_a_constant_comprehension_that_fails_its_row_is_ps331_with_the_rows_message():
    from pyspec.errors import SpecErrors

    with pytest.raises(SpecErrors) as info:
        loads("spec C\nparam H: int = max(y for y in 0 .. 2 if y > 5)\nvar x: bool\ninit:\n    x = True\n")
    (e,) = info.value.errors
    assert e.code == "PS331" and "max() over no values" in e.message


def _applied(x) -> set:
    """The builtin rows applied anywhere in a typed expression."""
    import dataclasses

    if isinstance(x, tuple):
        return set().union(*(_applied(y) for y in x)) if x else set()
    if not dataclasses.is_dataclass(x):
        return set()
    out = {x.fn} if hasattr(x, "fn") and isinstance(x.fn, Fn) else set()
    for f in dataclasses.fields(x):
        out |= _applied(getattr(x, f.name))
    return out


def test_each_collection_types_surface_functions_lower_to_the_rows_of_its_table():
    from pyspec.lang.ops import TYPES
    from pyspec.lang.types import BagT, SetT

    var = {SetT: ("c", "set[0 .. 2]", "{1}"), SeqT: ("c", "seq[0 .. 2, 2]", "[1]"), BagT: ("c", "bag[0 .. 2, 2]", "add(bag(), 1)")}
    for cls, sem in TYPES.items():
        _, ty, init = var[cls]
        for name, row in sem.fns.items():
            assert row.fn in FNS, (cls, name)
            expr = {"in": "1 in c", "+": "c + c"}.get(name, f"{name}(c)" if row.arity == 1 else f"{name}(c, 1)")
            spec = loads(f"spec T\nvar c: {ty}\ninit:\n    c = {init}\ninvariant I: ({expr}) == ({expr})\n")
            assert row.fn in _applied(spec.invariants[0].expr), (cls, name, expr)
