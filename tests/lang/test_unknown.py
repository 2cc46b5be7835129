"""`unknown f: T`, a function whose table is not given (issue 5): parsed as a variable declaration
marked unknown, chosen by init entry by entry (so the explicit engine explores every table at
once), never assigned by an action or by init."""

from __future__ import annotations

import pytest

import pyspec
from pyspec.errors import SpecErrors
from pyspec.lang import ast as A
from pyspec.lang.parser import parse

SRC = """spec U
unknown f: map[0 .. 1, bool]
var x: 0 .. 1
init:
    x = 0
action Flip(k: 0 .. 1):
    x' = 1 if f[k] else 0
invariant Zero: x == 0
"""


def test_parses_as_an_unknown_variable_declaration():
    decl = parse(SRC, "u.spec").decls[0]
    assert decl == A.VarDecl("f", A.MapType(A.RangeType(A.IntLit(0), A.IntLit(1)), A.BoolType()), unknown=True)
    assert decl.span.line == 2


def test_checked_as_a_variable_that_init_chooses():
    spec = pyspec.loads(SRC, file="u.spec")
    assert [(v.name, v.unknown) for v in spec.vars] == [("f", True), ("x", False)]
    r = pyspec.check(spec)
    # every table is an initial state: 4 tables, each with x = 0, then x = 1 where a key is True
    assert r.verdict is pyspec.Verdict.VIOLATED and len(r.trace) == 1
    assert r.trace.steps[0].state[0] in ((False, True), (True, False), (True, True))


def test_explicit_engine_explores_every_table():
    spec = pyspec.loads(SRC.replace("invariant Zero: x == 0\n", ""), file="u.spec")
    r = pyspec.check(spec)
    assert r.verdict is pyspec.Verdict.HOLDS
    assert r.stats["states"] == 4 + 3  # 4 tables with x = 0, and x = 1 for the 3 tables with a True entry


def test_a_non_map_unknown_is_one_choice():
    spec = pyspec.loads("spec U\nunknown c: 0 .. 2\nvar x: 0 .. 2\ninit:\n    x = c\n", file="u.spec")
    assert pyspec.check(spec).stats["states"] == 3


@pytest.mark.parametrize(
    "body,line",
    [("init:\n    f = {k: True for k in 0 .. 1}\n    x = 0\n", 5), ("init:\n    x = 0\naction A():\n    f' = f\n", 7)],
)
def test_nothing_may_assign_an_unknown(body, line):
    with pytest.raises(SpecErrors) as info:
        pyspec.loads("spec U\nunknown f: map[0 .. 1, bool]\nvar x: 0 .. 1\n" + body, file="u.spec")
    (e,) = info.value.errors
    assert e.code == "PS219" and e.span.line == line and "'f' is an unknown function" in e.message
