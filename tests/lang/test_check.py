"""Every error the type checker (pyspec/lang/check.py) raises: snippet, code, line:col, message.

Also the `-D` param errors, and the run-time errors (PS401) that the explicit engine raises for a
checked spec. Each case is one small spec; `tests/lang/test_errors_fuzz.py` mutates them too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import pyspec
from pyspec.errors import ParamError, PyspecError, SpecErrors, SpecEvalError, SpecNameError, SpecTypeError

# Lines 1-4; whatever is appended starts on line 5.
H = "spec S\nvar x: 0 .. 3\ninit:\n    x = 0\n"
UNION = "spec S\ntype M = A(a: bool) | B()\nvar m: M\ninit:\n"  # append line 5: "    m = ..."
RECORD = "spec S\nvar r: {a: 0 .. 1, b: bool}\ninit:\n    r = {a: 0, b: True}\n"
PARAMS = 'spec S\nparam N: int = 3\nparam FD: {"P", "S"} = "P"\nvar x: 0 .. N\ninit:\n    x = 0\n'
MAP = "spec S\nvar m: map[0 .. 1, 0 .. 3]\ninit:\n    m = {k: 0 for k in 0 .. 1}\n"


@dataclass(frozen=True)
class Case:
    code: str
    src: str
    line: int  # 0: the error has no span (a -D param error)
    col: int
    fragment: str
    hint: str | None = None
    params: tuple[tuple[str, str], ...] = ()


def case(id: str, code: str, src: str, line: int, col: int, fragment: str, hint=None, params=(), marks=()):
    return pytest.param(Case(code, src, line, col, fragment, hint, tuple(dict(params).items())), id=id, marks=marks)


CASES = [
    # ---- names (PS2xx)
    case("extend-unknown-action", "PS223", H + "action Up():\n    x' = 1\nextend action Upp():\n    require x == 0\n",
         7, 15, "the spec has no action 'Upp'", "did you mean 'Up'?"),
    case("extend-other-names", "PS223", H + "action Up(p: 0 .. 1):\n    x' = p\nextend action Up(q):\n    require q == 0\n",
         7, 15, "must name the action's parameters as it does: Up(p)"),
    case("extend-not-a-guard", "PS224", H + "action Up():\n    x' = 1\nextend action Up():\n    x' = 0\n",
         8, 5, "only adds guards"),
    case("call-not-a-proc", "PS225", H + "def Low = x < 2\naction A():\n    Low()\n    x' = 1\n", 7, 5,
         "'Low' is not a proc", "is a def, an expression"),
    case("proc-calls-itself", "PS226", H + "proc p():\n    q()\nproc q():\n    p()\naction A():\n    p()\n", 8, 5,
         "proc 'p' calls itself (p -> q -> p)"),
    case("unknown-name", "PS200", H + "invariant I: xx == 1\n", 5, 14, "unknown name 'xx'", "did you mean 'x'?"),
    case("unknown-name-no-hint", "PS200", H + "invariant I: zzz == 1\n", 5, 14, "unknown name 'zzz'"),
    case("declared-twice", "PS201", H + "var x: bool\n", 5, 5, "'x' is declared twice"),
    case(
        "unknown-type",
        "PS202",
        "spec S\ntype Proc = 0 .. 1\nvar x: Prc\ninit:\n    x = 0\n",
        3, 8, "unknown type 'Prc'", "did you mean 'Proc'?",
    ),
    case(
        "variant-reused",
        "PS203",
        "spec S\ntype M = A() | B()\ntype N = A() | C()\nvar x: 0 .. 3\ninit:\n    x = 0\n",
        3, 10, "variant name 'A' is already used",
    ),
    case(
        "unknown-primed-variable",
        "PS204",
        "spec S\nvar leader: 0 .. 3\ninit:\n    leader = 0\naction A():\n    leadr' = 1\n",
        6, 5, "unknown variable 'leadr'", "did you mean 'leader'?",
    ),
    case("formal-shadows-variable", "PS220", H + "action A(x: 0 .. 1):\n    x' = x\n", 5, 10, "'x' is a state variable"),
    case("primed-in-init", "PS205", "spec S\nvar x: 0 .. 3\ninit:\n    x' = 0\n", 4, 5, "without the prime"),
    case("entry-of-unprimed", "PS206", H + "action A():\n    x[1] = 2\n", 6, 5, "cannot assign to an entry of 'x'", "x'[...]"),
    case("unprimed-var-assigned", "PS206", H + "action A():\n    x = 2\n", 6, 5, "write x' = ..."),
    case("local-bound-twice", "PS207", H + "action A():\n    y = 1\n    y = 2\n    x' = y\n", 7, 5, "'y' is already bound"),
    case("assigned-twice", "PS208", H + "action A():\n    x' = 1\n    x' = 2\n", 7, 5, "assigned twice in this action"),
    case("entry-after-whole", "PS208", MAP + "action A():\n    m' = m\n    m'[0] = 1\n", 7, 5, "assigned twice"),
    case(
        "primed-read-before-assigned",
        "PS209",
        H + "action A():\n    require x' == 1\n    x' = 2\n",
        6, 13, "x' is read before it is assigned", "assign x' earlier",
    ),
    case("read-in-init-before-value", "PS209", "spec S\nvar x: 0 .. 3\ninit:\n    x = x\n", 4, 9, "read in init before"),
    case("primed-in-invariant", "PS209", H + "invariant I: x' == 1\n", 5, 14, "cannot be read in an invariant"),
    case("no-init", "PS210", "spec S\nvar x: 0 .. 3\n", 1, 1, "no init block"),
    case("two-inits", "PS211", H + "init:\n    x = 1\n", 5, 1, "more than one init block"),
    case(
        "init-misses-variable",
        "PS212",
        "spec S\nvar x: 0 .. 3\nvar y: bool\ninit:\n    x = 0\n",
        4, 1, "init does not assign 'y'", "every variable needs an initial value",
    ),
    case(
        "init-entry-before-whole",
        "PS212",
        "spec S\nvar m: map[0 .. 1, 0 .. 1]\ninit:\n    m[0] = 1\n",
        4, 5, "needs an initial value before an entry",
    ),
    case(
        "no-such-variant",
        "PS213",
        "spec S\ntype M = A(a: int) | B()\nvar x: 0 .. 3\ninit:\n    x = 0\ninvariant I: all(m is C for m in {A(a=1)})\n",
        6, 18, "has no variant 'C'",
    ),
    case("no-such-field", "PS214", RECORD + "invariant I: r.aa == 1\n", 5, 14, "has no field 'aa'", "did you mean 'a'?"),
    case("constructor-no-such-field", "PS214", UNION + "    m = A(b=True)\n", 5, 9, "A has no field 'b'"),
    case("unknown-function", "PS215", H + "invariant I: lem({1}) == 1\n", 5, 14, "unknown function 'lem'", "did you mean 'len'?"),
    case("recursive-def", "PS216", H + "def f = f\ninvariant I: f == 1\n", 5, 9, "def 'f' is recursive (f -> f)"),
    case(
        "mutually-recursive-defs",
        "PS216",
        H + "def f(a: int) -> int = g(a)\ndef g(a: int) -> int = f(a)\ninvariant I: f(x) == 1\n",
        6, 24, "is recursive (f -> g -> f)",
    ),
    case(
        "unknown-function-assigned",
        "PS219",
        H + "unknown f: map[0 .. 1, bool]\naction A():\n    f'[0] = True\n",
        7, 5, "'f' is an unknown function",
    ),
    # ---- types (PS3xx)
    case("param-default-out-of-range", "PS301", "spec S\nparam N: 0 .. 3 = 5\nvar x: 0 .. N\ninit:\n    x = 0\n", 2, 19, "5 is not a value of 0 .. 3"),
    case("literal-never-in-range", "PS332", H + "action A():\n    x' = 7\n", 6, 10, "x' would be 7, never within its type 0 .. 3"),
    case("infinite-var", "PS302", "spec S\nvar x: 0 .. 3\nvar y: int\ninit:\n    x = 0\n", 3, 8, "not finite", "use a range"),
    case("infinite-formal", "PS302", H + "action A(p: int):\n    x' = 0\n", 5, 13, "action parameter 'p' has type int"),
    case("bool-range-bound", "PS303", "spec S\nparam N: bool = True\nvar x: 0 .. N\ninit:\n    x = 0\n", 3, 8, "range bounds must be integers"),
    case("empty-range", "PS304", "spec S\nvar x: 3 .. 1\ninit:\n    x = 0\n", 2, 8, "empty range 3 .. 1"),
    case("enum-value-twice", "PS305", 'spec S\nvar x: {"a", "a"}\ninit:\n    x = "a"\n', 2, 8, "lists a value twice"),
    case("infinite-map-key", "PS306", "spec S\nvar x: map[int, bool]\ninit:\n    x = {}\n", 2, 12, "map keys must have a finite type"),
    case("record-type-field-twice", "PS307", "spec S\nvar x: {a: bool, a: bool}\ninit:\n    x = {a: True}\n", 2, 8, "lists a field twice"),
    case("variant-field-twice", "PS307", "spec S\ntype M = A(a: bool, a: bool)\nvar x: 0 .. 1\ninit:\n    x = 0\n", 2, 10, "variant 'A' lists a field twice"),
    case("record-literal-field-twice", "PS307", "spec S\nvar r: {a: 0 .. 1, b: bool}\ninit:\n    r = {a: 0, a: 1}\n", 4, 9, "a record lists a field twice"),
    case("choose-from-non-set", "PS309", "spec S\nvar x: 0 .. 3\ninit:\n    x in 3\n", 4, 10, "chooses from a set"),
    case("choose-entry", "PS310", MAP + "action A():\n    m'[0] in {1}\n", 6, 5, "choose a whole variable"),
    case("entry-of-non-map", "PS311", H + "action A():\n    x'[0] = 1\n", 6, 8, "is not a map"),
    case("set-for-int-var-init", "PS312", "spec S\nvar x: 0 .. 3\ninit:\n    x = {1}\n", 4, 9, "'x' must be 0 .. 3, found set[1 .. 1]"),
    case("set-for-int-var-action", "PS312", H + "action A():\n    x' = {1}\n", 6, 10, "must be 0 .. 3, found set[1 .. 1]"),
    case("enum-value-outside", "PS313", 'spec S\nvar x: {"a", "b"}\ninit:\n    x = "c"\n', 4, 9, 'must be one of {"a", "b"}'),
    case("enum-compare-disjoint", "PS313", H + 'invariant I: "a" == "b"\n', 5, 14, "have no value in common"),
    case(
        "unbounded-type-as-set",
        "PS314",
        "spec S\ntype T = set[int]\nvar x: 0 .. 3\ninit:\n    x = 0\ninvariant I: len(T) == 1\n",
        6, 18, "type 'T' cannot be used as a set",
    ),
    case("int-plus-bool", "PS315", H + "invariant I: 1 + True == 2\n", 5, 18, "right side of '+' must be an integer, found bool"),
    case("min-of-bools", "PS315", H + "invariant I: min({True}) == 1\n", 5, 18, "elements of min() must be integers"),
    case("len-of-int", "PS316", H + "invariant I: len(3) == 1\n", 5, 18, "argument of len() must be a set"),
    case("in-wrong-element", "PS317", H + "invariant I: True in {1}\n", 5, 14, "bool cannot be an element of set[1 .. 1]"),
    case("compare-set-int", "PS318", H + "invariant I: {1} == 1\n", 5, 14, "'==' compares set[1 .. 1] with 1 .. 1"),
    case("subset-different-elems", "PS318", H + "invariant I: {1} < {True}\n", 5, 14, "'<' compares"),
    case("union-different-elems", "PS319", H + "invariant I: ({1} | {True}) == {}\n", 5, 15, "'|' combines"),
    case("ifexp-branches", "PS320", H + "invariant I: (1 if True else False) == 1\n", 5, 15, "branches of 'if ... else'"),
    case("is-on-int", "PS321", H + "invariant I: x is A\n", 5, 14, "'is' tests a union value"),
    case("set-mixed-elems", "PS322", H + "invariant I: len({1, True}) == 1\n", 5, 22, "a set's elements must have one type"),
    case(
        "generator-as-def-argument",
        "PS323",
        H + "def f(a) = a\ninvariant I: f(y for y in {1}) == 1\n",
        6, 16, "a generator", "{e for x in S}",
    ),
    case("tuple-index-out-of-range", "PS324", H + "invariant I: {y for y in {(1, 2)}} == {(1, 2)[2]}\n", 5, 47, "a tuple of 2 is indexed"),
    case("index-int", "PS325", H + "invariant I: x[0] == 1\n", 5, 14, "0 .. 3 cannot be indexed"),
    case(
        "variant-field-types-differ",
        "PS326",
        "spec S\ntype M = A(a: bool) | B(a: 0 .. 1)\nvar m: M\ninit:\n    m = A(a=True)\ninvariant I: m.a\n",
        6, 14, "has different types",
    ),
    case("field-of-int", "PS327", H + "invariant I: x.a == 1\n", 5, 14, "0 .. 3 has no fields ('.a')"),
    case("constructor-mixed-args", "PS328", UNION + "    m = A(True, a=True)\n", 5, 9, "by position or by name, not both"),
    case("constructor-field-twice", "PS328", UNION + "    m = A(a=True, a=False)\n", 5, 21, "field 'a' is given twice"),
    case("constructor-arity", "PS328", UNION + "    m = A(True, False)\n", 5, 9, "A has 1 field(s), 2 given"),
    case(
        "constructor-missing-field",
        "PS328",
        "spec S\ntype M = A(a: bool, b: bool) | B()\nvar m: M\ninit:\n    m = A(a=True)\n",
        5, 9, "missing field 'b'",
    ),
    case("builtin-kwarg", "PS329", H + "invariant I: len(s={1}) == 1\n", 5, 14, "len() takes no keyword arguments"),
    case("builtin-generator", "PS329", H + "invariant I: len(1 for y in {1}) == 1\n", 5, 18, "len() does not take a generator"),
    case("builtin-arity", "PS329", H + "invariant I: len({1}, {2}) == 1\n", 5, 14, "len() takes one argument, 2 given"),
    case("def-kwarg", "PS330", H + "def f(a) = a\ninvariant I: f(a=1) == 1\n", 6, 14, "takes its arguments by position"),
    case("def-constant-called", "PS330", H + "def f = 1\ninvariant I: f(1) == 1\n", 6, 14, "is a constant and takes no arguments"),
    case("def-arity", "PS330", H + "def f(a) = a\ninvariant I: f(1, 2) == 1\n", 6, 14, "'f' takes 1 argument(s), 2 given"),
    case(
        "non-constant-bound",
        "PS331",
        "spec S\nvar x: 0 .. 3\nvar y: 0 .. x\ninit:\n    x = 0\n    y = 0\n",
        3, 13, "must be a constant",
    ),
    case("constant-division-by-zero", "PS331", "spec S\nparam N: int = 3 // 0\nvar x: 0 .. 3\ninit:\n    x = 0\n", 2, 16, "division by zero"),
    # ---- params (PS5xx): -D overrides have no span, a missing default has one
    case("unknown-param", "PS501", PARAMS, 0, 0, "the spec has no param 'NN'", "did you mean 'N'?", params={"NN": "3"}),
    case("param-not-a-value", "PS502", PARAMS, 0, 0, "-D N=abc", params={"N": "abc"}),
    case("param-unreadable", "PS502", PARAMS, 0, 0, "cannot read '1 2' as a value", params={"N": "1 2"}),
    case("param-wrong-type", "PS502", PARAMS, 0, 0, "param 'N' must be int, found bool", params={"N": "True"}),
    case("enum-param-quoted-outside", "PS502", PARAMS, 0, 0, 'must be one of {"P", "S"}', params={"FD": '"Q"'}),
    case("param-no-default", "PS503", "spec S\nparam N: 0 .. 3\nvar x: 0 .. N\ninit:\n    x = 0\n", 2, 7, "param 'N' has no default"),
    case("enum-param-bare-outside", "PS504", PARAMS, 0, 0, '-D FD=Q: not a value of {"P", "S"}', params={"FD": "Q"}),
    case("param-override-out-of-range", "PS504", "spec S\nparam N: 0 .. 3 = 3\nvar x: 0 .. N\ninit:\n    x = 0\n", 0, 0, "-D N=7: not a value of 0 .. 3", params={"N": "7"}),
]

# Codes in check.py that no spec can reach, and why (see the report of this test's author).
UNREACHABLE: dict[str, str] = {}


def errors_of(src: str, params=None) -> tuple[PyspecError, ...]:
    with pytest.raises(PyspecError) as info:
        pyspec.loads(src, dict(params or ()), file="t.spec")
    e = info.value
    return e.errors if isinstance(e, SpecErrors) else (e,)


@pytest.mark.parametrize("c", CASES)
def test_error_code_position_message(c: Case):
    errs = errors_of(c.src, c.params)
    e = errs[0]
    assert e.code == c.code, e
    assert c.fragment in e.message
    if c.line == 0:
        assert isinstance(e, ParamError)
        assert e.span is None
    else:
        assert e.span is not None
        assert (e.span.file, e.span.line, e.span.col) == ("t.spec", c.line, c.col), str(e)
    if c.hint is None:
        assert e.hint is None or "did you mean" not in e.hint
    else:
        assert e.hint is not None and c.hint in e.hint
    expected_class = {"PS2": SpecNameError, "PS3": SpecTypeError, "PS5": ParamError}[c.code[:3]]
    if c.code in ("PS214",):  # a name error, raised from the type checker's field lookup
        expected_class = SpecNameError
    assert isinstance(e, expected_class)


def test_every_checker_code_has_a_case():
    source = (Path(pyspec.__file__).parent / "lang" / "check.py").read_text()
    raised = set(re.findall(r'"(PS\d{3})"', source))
    covered = {p.values[0].code for p in CASES}
    assert raised - covered - set(UNREACHABLE) == set()


def test_unknown_did_you_mean_uses_the_users_spelling():
    (e,) = errors_of(H + "invariant I: X == 1\n")
    assert e.message == "unknown name 'X'"


def test_name_and_type_errors_are_collected_together():
    src = H + "invariant I: xx == 1\ninvariant J: len(3) == 1\n"
    errs = errors_of(src)
    assert [(e.code, e.span.line) for e in errs] == [("PS200", 5), ("PS316", 6)]


def test_declared_twice_notes_the_first_declaration():
    (e,) = errors_of(H + "var x: bool\n")
    assert [(s.line, s.col, text) for s, text in e.notes] == [(2, 5, "first declared here")]


def test_def_error_notes_the_use_site():
    errs = errors_of(H + "def f(a) = a + True\ninvariant I: f(1) == 1\n")
    e = errs[0]
    assert e.code == "PS315" and (e.span.line, e.span.col) == (5, 16)
    assert any(s.line == 6 and "in this use of 'f'" in text for s, text in e.notes)


def test_recursive_def_reported_once():
    errs = errors_of(H + "def f = f\ninvariant I: f == 1\n")
    assert len([e for e in errs if e.code == "PS216"]) == 1


def test_no_init_points_at_the_header():
    (e,) = errors_of("\n# c\nspec S\nvar x: 0 .. 3\n")
    assert e.code == "PS210" and (e.span.line, e.span.col) == (3, 1)


def test_a_bad_d_value_is_the_only_error_not_a_cascade_of_unknown_names():
    src = "spec S\nparam N: int = 2\ntype P = 0 .. N - 1\nvar x: P\ninit:\n    x = N - 1\ninvariant I: x < N\n"
    (e,) = errors_of(src, {"N": "abc"})
    assert e.code == "PS502" and "unknown name 'abc'" in e.message


def test_a_variable_of_a_bad_type_is_reported_once_not_at_every_use():
    src = "spec S\nvar x: int\ninit:\n    x = 0\naction A():\n    require x < 3\n    x' = x + 1\ninvariant I: x < 5\n"
    assert [(e.code, e.span.line) for e in errors_of(src)] == [("PS302", 2)]


def test_defs_that_expand_beyond_the_nesting_limit_are_one_PS216_not_a_recursion_error():
    # each def nests 40 levels around the one before: 60 of them expand to 2,400 levels
    defs = "".join(f"def f{i} = " + "not " * 40 + (f"f{i - 1}" if i else "x == 1") + "\n" for i in range(60))
    (e,) = errors_of(H + defs + "invariant I: f59\n")
    assert e.code == "PS216" and "nests more than 200 levels" in e.message


def test_param_with_newline_is_a_param_error():
    (e,) = errors_of(PARAMS, {"N": "1\ndef y = 2"})
    assert isinstance(e, ParamError) and e.code == "PS502"


def test_pass_statement_is_accepted():
    spec = pyspec.loads(H + "action A():\n    pass\n", file="t.spec")
    assert [a.name for a in spec.actions] == ["A"]


# ---- run-time errors (PS401) --------------------------------------------------------------------

STEP_OUT_OF_RANGE = H + "action A(p: 0 .. 3):\n    require p > 1\n    x' = p + 1\n"


def run_error(src: str) -> SpecEvalError:
    spec = pyspec.loads(src, file="t.spec")
    with pytest.raises(SpecEvalError) as info:
        pyspec.check(spec)
    return info.value


def test_runtime_value_out_of_range():
    e = run_error(STEP_OUT_OF_RANGE)
    assert e.code == "PS401"
    assert "x' would be 4, outside its type 0 .. 3" in e.message
    assert (e.span.line, e.span.col) == (7, 5)
    # the trace leads to the state in which the failing step was taken (the initial state)
    assert [s.action for s in e.trace.steps] == [None]


def test_runtime_error_trace_is_shortest_path_to_the_state():
    e = run_error(H + "action A():\n    x' = x + 1\n")
    assert e.code == "PS401" and "x' would be 4" in e.message
    assert [s.action for s in e.trace.steps] == [None, "A", "A", "A"]
    assert e.trace.steps[-1].state == (3,)


def test_runtime_error_names_the_step():
    e = run_error(STEP_OUT_OF_RANGE)
    assert "A(p=3)" in e.message


def test_runtime_error_in_init():
    e = run_error("spec S\nvar x: 0 .. 3\ninit:\n    x in 0 .. 5\n")
    assert e.code == "PS401" and "would be 4" in e.message and "in init" in e.message
    assert (e.span.line, e.span.col) == (4, 5)


def test_runtime_error_in_init_uses_users_spelling():
    e = run_error("spec S\nvar x: 0 .. 3\ninit:\n    x in 0 .. 5\n")
    assert e.message.startswith("x would be")


def test_runtime_key_outside_map():
    e = run_error(
        "spec S\nvar m: map[0 .. 1, 0 .. 3]\nvar i: 0 .. 3\ninit:\n    m = {k: 0 for k in 0 .. 1}\n    i = 0\n"
        "action A():\n    require i < 3\n    i' = i + 1\ninvariant I: m[i] == 0\n"
    )
    assert e.code == "PS401" and "key 2 is outside the map's keys 0 .. 1" in e.message
    assert "while checking invariants" in e.message
    assert (e.span.line, e.span.col) == (10, 14)
    assert e.trace.steps[-1].state[1] == 2


def test_runtime_min_of_empty_set():
    e = run_error(H + "action A():\n    x' = min({y for y in 0 .. 3 if y > 5})\n")
    assert e.code == "PS401" and "min() of an empty set" in e.message
    assert (e.span.line, e.span.col) == (6, 10)
