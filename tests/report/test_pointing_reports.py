"""Reports that point: a counterexample to induction names each false conjunct of the invariant
and the binding that falsifies a quantified one (CompiledSpec.false_conjuncts, rendered by
pyspec/report/proof.py); enumeration values print in their declared order (pyspec/lang/types.py);
the "unknown name" error for a name bound in a branch says why (pyspec/lang/check_exprs.py)."""

from __future__ import annotations

import json

import pytest

import pyspec
from pyspec.errors import PyspecError, SpecErrors
from pyspec.lang.types import enum_type, format_value, SetT, MapT
from pyspec.report.errors import render_error
from pyspec.report.proof import render_proof_json, render_proof_text
from pyspec.report.show import render_spec

CTI_SPEC = '''\
spec Grid
type Proc = 0 .. 2
var x: map[Proc, 0 .. 3]
var done: bool

init:
    x = {p: 0 for p in Proc}
    done = False

action Jump(p: Proc):
    require x[p] == 0
    x'[p] = 2
    done' = True

invariant Inv:
    all(all(x[p] + x[q] <= 2 for q in Proc if q != p) for p in Proc)
    not done
    x[0] <= 1
'''


def test_a_cti_names_every_false_conjunct_and_the_binding_that_falsifies_it(tmp_path):
    path = tmp_path / "grid.spec"
    path.write_text(CTI_SPEC)
    proof = pyspec.prove(pyspec.load(str(path)), "Inv")
    assert proof.result.verdict is pyspec.Verdict.NOT_INDUCTIVE
    (cti,) = [o.cti for o in proof.obligations if o.cti is not None]
    post = cti.trace.steps[-1].state
    parts = {p.span.line: p for p in cti.parts}
    assert 17 in parts  # not done: every step sets done'
    assert (18 in parts) == (post[0][0] > 1)
    text = render_proof_text(proof)
    assert "invariant Inv is false after the step:\n" in text
    assert "    line 17: not done    false" in text
    if 16 in parts:  # the nested quantifier: both names of the first falsifying binding
        (p, _), (q, _) = parts[16].binding
        assert (p, q) == ("p", "q")
        assert "line 16: all(all(x[p] + x[q] <= 2 for q in Proc if q != p) for p in Proc)    false for p=" in text
    cj = json.loads(render_proof_json(proof))
    listed = next(o["cti"] for o in cj["obligations"] if o["cti"])["false_conjuncts"]
    assert [c["line"] for c in listed] == sorted(parts)


def test_the_binding_is_the_first_in_declared_order():
    spec = pyspec.loads(CTI_SPEC)
    c = pyspec.compile_spec(spec)
    parts = c.false_conjuncts(((0, 2, 1), False), "Inv")
    assert [(p.span.line, p.binding) for p in parts] == [(16, (("p", "1"), ("q", "2")))]
    assert c.false_conjuncts(((0, 0, 0), False), "Inv") == []


def test_a_conjunct_that_cannot_be_evaluated_says_so():
    src = CTI_SPEC.replace("    x[0] <= 1\n", "    10 // x[1] >= 0\n")
    parts = pyspec.compile_spec(pyspec.loads(src)).false_conjuncts(((0, 0, 0), False), "Inv")
    assert [(p.span.line, p.error) for p in parts] == [(18, "division by zero")]


ENUM = '''\
spec Enum
type Phase = {"init", "wait", "done"}
var ph: Phase
var seen: set[Phase]
var by: map[Phase, bool]
init:
    ph = "init"
    seen = {}
    by = {q: False for q in Phase}
action Go(q: Phase):
    require q not in seen
    seen' = seen | {q}
    by'[q] = True
    ph' = q
invariant NotAll: len(seen) < 3
'''


def test_enumeration_values_print_in_declared_order():
    spec = pyspec.loads(ENUM)
    assert 'type Phase = {"init", "wait", "done"}' in render_spec(spec)
    r = pyspec.check(spec)
    last = r.trace.steps[-1].state
    ty = {v.name: v.ty for v in spec.vars}
    assert format_value(ty["seen"], last[1]) == '{"init", "wait", "done"}'
    assert format_value(ty["by"], last[2]) == '{"init": True, "wait": True, "done": True}'
    # the type is still the set of its strings: both spellings are one type
    assert enum_type(["b", "a"]) == enum_type(["a", "b"]) and enum_type(["b", "a"]).show() == '{"b", "a"}'
    assert format_value(SetT(enum_type(["b", "a"])), frozenset({"a", "b"})) == '{"b", "a"}'
    assert format_value(MapT(enum_type(["b", "a"]), enum_type(["b", "a"])), ("a", "b")) == '{"b": "b", "a": "a"}'


def test_an_enumeration_error_lists_the_values_as_declared():
    with pytest.raises(PyspecError) as info:
        pyspec.loads(ENUM.replace('ph = "init"', 'ph = "start"'))
    e = info.value.errors[0] if isinstance(info.value, SpecErrors) else info.value
    assert e.code == "PS313" and '{"init", "wait", "done"}' in e.message


def test_a_name_bound_in_a_branch_and_read_after_it_explains_the_rule():
    src = ("spec Scope\nvar x: 0 .. 3\ninit:\n    x = 0\naction A(k: 0 .. 1):\n    if k == 0:\n        v in {1, 2}\n"
           "    else:\n        v = 3\n    x' = v\n")
    with pytest.raises(PyspecError) as info:
        pyspec.loads(src, file="scope.spec")
    e = info.value.errors[0] if isinstance(info.value, SpecErrors) else info.value
    assert (e.code, e.span.line, e.span.col) == ("PS200", 10, 10)
    assert "bound inside an `if` branch" in e.message and "visible only in that branch" in e.message
    assert [(s.line, note) for s, note in e.notes] == [(7, "'v' is bound here, inside the branch")]
    assert "bind 'v' before the `if`" in (e.hint or "")
    assert "note: 'v' is bound here" in render_error(e, {"scope.spec": src})
