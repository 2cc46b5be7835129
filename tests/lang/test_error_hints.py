"""Mistakes a user brings from TLA+, Python or C: each error says what to write instead.

Each case: snippet (appended at line 5 of a small spec), code, line:col, and a fragment of the hint.
"""

from __future__ import annotations

import pytest

import pyspec
from pyspec.errors import PyspecError, SpecErrors

# Lines 1-4; whatever is appended starts on line 5.
H = "spec S\nvar x: 0 .. 3\ninit:\n    x = 0\n"

CASES = [
    ("nullary-variant-without-parens", "type M = A | B(p: bool)", "PS100", 5, 12, "even one without fields: A()"),
    ("last-variant-without-parens", "type M = A() | B", "PS100", 5, 17, "even one without fields"),
    ("only-variant-without-parens", "type M = A", "PS202", 5, 10, "written A()"),
    ("continued-variant-without-parens", "type M = A()\n    | B", "PS100", 6, 8, "even one without fields"),
    ("action-without-parens", "action Go:\n    x' = 1", "PS100", 5, 10, "action Go():"),
    ("forall", "invariant I: forall p in 0 .. 2: p >= 0", "PS100", 5, 21, "all(P for x in S)"),
    ("exists", "invariant I: exists p in 0 .. 2: p >= 0", "PS100", 5, 21, "any(P for x in S)"),
    ("chained-comparison", "invariant I: 0 <= x < 3", "PS100", 5, 21, "write a < b and b < c"),
    ("set-plus-element", "action A():\n    require {x} + {1} == {1}\n    x' = 1", "PS315", 6, 13, "s | {x}"),
    ("tla-forall", "invariant I: \\A p \\in 0 .. 2: p >= 0", "PS101", 5, 14, "all(P for x in S)"),
    ("tla-exists", "invariant I: \\E p \\in 0 .. 2: p >= 0", "PS101", 5, 14, "any(P for x in S)"),
    ("tla-and", "invariant I: x > 0 /\\ x < 3", "PS101", 5, 20, "write 'and'"),
    ("tla-or", "invariant I: x > 0 \\/ x < 3", "PS101", 5, 20, "write 'or'"),
    ("tla-in", "invariant I: x \\in 0 .. 2", "PS101", 5, 16, "write 'in'"),
    ("tla-tuple", "invariant I: (1, 2) == <<1, 2>>", "PS100", 5, 24, "(a, b), not <<a, b>>"),
    ("tla-function", "invariant I: [p \\in 0 .. 2 |-> 0] == [p \\in 0 .. 2 |-> 0]", "PS101", 5, 17, "{x: e for x in S}"),
    ("tla-implies", "invariant I: x > 0 => x < 3", "PS100", 5, 20, "'implies'"),
    ("c-and", "invariant I: x > 0 && x < 3", "PS100", 5, 21, "'and'"),
    ("c-or", "invariant I: x > 0 || x < 3", "PS100", 5, 21, "'or'"),
    ("c-not", "invariant I: !(x > 0)", "PS101", 5, 14, "'not'"),
]


def first_error(src: str) -> PyspecError:
    with pytest.raises(PyspecError) as info:
        pyspec.loads(src, file="t.spec")
    e = info.value
    return e.errors[0] if isinstance(e, SpecErrors) else e


@pytest.mark.parametrize("snippet, code, line, col, hint", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_error_says_what_to_write_instead(snippet, code, line, col, hint):
    e = first_error(H + snippet + "\n")
    assert (e.code, e.span.line, e.span.col) == (code, line, col), str(e)
    assert e.hint is not None and hint in e.hint, e.hint


def test_hints_do_not_fire_on_correct_neighbours():
    # each habit's correct spelling checks
    src = H + (
        "type M = A() | B(p: bool)\n"
        "action Go():\n    x' = 1\n"
        "invariant I: all(p >= 0 for p in 0 .. 2) and any(p >= 0 for p in 0 .. 2)\n"
        "invariant J: 0 <= x and x < 3 and (x > 0 implies x < 4) and not (x > 5)\n"
        "invariant K: {p: 0 for p in 0 .. 2} == {p: 0 for p in 0 .. 2} and (1, 2) == (1, 2)\n"
    )
    assert pyspec.loads(src, file="t.spec")


def test_a_comparison_with_nothing_before_it_is_not_called_a_chain():
    e = first_error(H + "invariant I: < 3\n")
    assert e.code == "PS100" and (e.hint is None or "chain" not in e.hint)
