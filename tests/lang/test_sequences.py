"""Sequences `seq[T, N]`: the surface forms (literals, len, s[i], head/tail/last, append, +,
slices, `in`, iteration, enumerate, entry update) lowered to the builtin rows of `ops.FNS`, their
evaluation errors the same in every engine, their misuse refused with codes, and the sequence
specs of specs/ checked by both engines with the same verdicts."""

from __future__ import annotations

import os

import pytest

import pyspec
from pyspec.errors import SpecErrors, SpecEvalError
from pyspec.explicit.compiled import CompiledSpec
from pyspec.lang.types import IntT, SeqT, domain, format_value, from_itf, to_itf
from pyspec.result import Verdict

SPECS = os.path.join(os.path.dirname(__file__), "..", "..", "specs")


def _load(name: str, **params: str):
    return pyspec.load(os.path.join(SPECS, name), params)


@pytest.mark.parametrize("name, params, states, verdict, length", [
    ("fifo_channel.spec", {}, 12, Verdict.HOLDS, None),
    ("fifo_channel.spec", {"Lossy": "True"}, 5, Verdict.VIOLATED, 2),
    ("raft_log.spec", {}, 38, Verdict.HOLDS, None),
    ("raft_log.spec", {"Match": "False"}, 37, Verdict.VIOLATED, 5),
])
def test_the_sequence_specs_check_alike_in_both_engines(name, params, states, verdict, length):
    spec = _load(name, **params)
    explicit = pyspec.check(spec)
    assert (explicit.verdict, explicit.stats["states"]) == (verdict, states)
    bmc = pyspec.bmc(spec, 8)
    if verdict == Verdict.HOLDS:
        assert bmc.verdict == Verdict.NO_VIOLATION_UP_TO
    else:
        assert bmc.verdict == verdict and bmc.violated == explicit.violated
        assert explicit.trace is not None and bmc.trace is not None
        assert len(explicit.trace) == len(bmc.trace) == length


def test_the_raft_log_spec_on_three_servers_and_terms_pins_its_count():
    r = pyspec.check(_load("raft_log.spec", N="3", T="3"))
    assert (r.verdict, r.stats["states"]) == (Verdict.HOLDS, 1092)


FORMS = '''\
spec Forms
var q: seq[0 .. 3, 3]
var n: 0 .. 9
init:
    q = [2, 0]
    n = 0
action Go():
    BODY
invariant Forms: INV
'''

GO = "q' = q[0:1] + [3] + tail(q)\n    n' = len(q) + head(q) + last(q) + q[1] + sum(x for x in q) + len(enumerate(q))"


def _step(src: str):
    spec = pyspec.loads(src)
    out = []
    for codegen in (False, True):
        c = CompiledSpec(spec, codegen=codegen)
        (state,) = list(c.initial_states())
        try:
            out.append(sorted(c.step_fn()(state)) if codegen else [(0, t) for t in c.run_instance(state, 0)])
        except SpecEvalError as e:
            out.append((e.code, e.message))
    assert out[0] == out[1], out
    try:
        bmc = pyspec.bmc(spec, 1)
        z3_out = bmc.trace.steps[-1] if bmc.trace else None
    except SpecEvalError as e:
        z3_out = (e.code, e.message)
    return out[0], z3_out


def test_the_surface_forms_evaluate_as_python_does():
    src = FORMS.replace("BODY", GO).replace("INV", "(0 in q) and (2 in q) and 1 not in q and [2, 0] == q")
    (succ, _) = _step(src)
    # q = [2, 0]: q[0:1] + [3] + tail(q) = [2, 3, 0]; 2 + 2 + 0 + 0 + 2 + 2 = 8
    assert succ == [(0, ((2, 3, 0), 8))]


@pytest.mark.parametrize("stmt, message", [
    ("q' = tail(tail(tail(q)))", "tail() of an empty sequence"),
    ("n' = head(tail(tail(q)))", "head() of an empty sequence"),
    ("n' = last(tail(tail(q)))", "last() of an empty sequence"),
    ("n' = q[2]", "index 2 is outside the sequence [2, 0] (length 2)"),
    ("n' = q[-1]", "index -1 is outside the sequence [2, 0] (length 2)"),
    ("q' = q[1:3]", "slice [1:3] is outside the sequence [2, 0] (length 2): it needs 0 <= 1 <= 3 <= 2"),
    ("q'[2] = 1", "index 2 is outside the sequence [2, 0] (length 2)"),
    ("q' = q + q", "q' would be [2, 0, 2, 0], outside its type seq[0 .. 3, 3]"),
])
def test_a_partial_sequence_operation_fails_alike_in_every_engine(stmt, message):
    src = FORMS.replace("BODY", stmt).replace("INV", "True")
    explicit, z3_out = _step(src)
    assert explicit[0] == "PS401" and explicit[1].startswith(message), explicit
    assert z3_out[0] == explicit[0] and z3_out[1].startswith(explicit[1])  # the replay names the action


def _error(src: str):
    with pytest.raises(SpecErrors) as info:
        pyspec.loads(src)
    (e,) = info.value.errors
    return e


BASE = "spec M\nvar q: seq[0 .. 3, 2]\nvar s: set[0 .. 3]\ninit:\n    q = []\n    s = {}\naction A():\n    BODY\n"


@pytest.mark.parametrize("decl, stmt, code, words", [
    ("seq[0 .. 3, 0]", "q' = q", "PS335", "capacity of seq[...] must be an integer constant of at least 1"),
    ("list[0 .. 3, 2]", "q' = q", "PS335", "unknown type 'list[...]'"),
    (None, "q' = head(s)", "PS336", "the argument of head() must be a sequence, found set[0 .. 3]"),
    (None, "q' = q + s", "PS336", "the right side of '+' must be a sequence"),
    (None, "q' = s[0:1]", "PS336", "a sliced value must be a sequence"),
    (None, "q' = [head([])]", "PS336", "head() of a sequence that is always empty"),
    (None, "if len(q) > 0:\n        q' = tail(q)\n    q'[0] = 1", "PS208", "q' is assigned on some paths only"),
    (None, "q'[0] = 1\n    q' = [2]", "PS208", "q' is assigned twice"),
    (None, "q' = append(q, \"a\")", "PS317", "cannot be an element of seq[0 .. 3, 2]"),
])
def test_sequence_misuse_is_refused_with_a_code(decl, stmt, code, words):
    src = BASE.replace("BODY", stmt)
    if decl is not None:
        src = src.replace("seq[0 .. 3, 2]", decl)
    e = _error(src)
    assert e.code == code and words in e.message, (e.code, e.message)


def test_a_sequence_prints_and_writes_itf_as_a_list():
    t = SeqT(IntT(0, 3), 2)
    assert format_value(t, (1, 2)) == "[1, 2]" and format_value(t, ()) == "[]"
    assert to_itf(t, (1, 2)) == [1, 2] and from_itf(t, [1, 2]) == (1, 2)
    assert domain(SeqT(IntT(0, 1), 2)) == ((), (0,), (1,), (0, 0), (0, 1), (1, 0), (1, 1))
    assert t.show() == "seq[0 .. 3, 2]"


def test_a_sequence_param_takes_a_literal_default_and_a_dash_d_value():
    src = "spec PQ\nparam P: seq[0 .. 3, 2] = [1, 2]\nvar q: seq[0 .. 3, 2]\ninit:\n    q = P\n"
    assert pyspec.loads(src).params[0][1] == (1, 2)
    assert pyspec.loads(src, {"P": "[3]"}).params[0][1] == (3,)
    with pytest.raises(pyspec.PyspecError) as info:
        pyspec.loads(src, {"P": "[3, 1, 2]"})
    assert info.value.code == "PS504" and "not a value of seq[0 .. 3, 2]" in str(info.value)


def test_for_unpacks_the_pairs_of_enumerate_in_every_engine():
    src = ("spec U\nvar q: seq[0 .. 3, 3]\ninit:\n    q = [0, 1]\naction Push(v: 0 .. 3):\n    q' = append(q, v)\n"
           "invariant Positions: all(x == i for i, x in enumerate(q))\n")
    spec = pyspec.loads(src)
    explicit, bmc = pyspec.check(spec), pyspec.bmc(spec, 2)
    assert explicit.verdict == bmc.verdict == Verdict.VIOLATED
    assert explicit.trace is not None and bmc.trace is not None and len(explicit.trace) == len(bmc.trace) == 1


def test_unpacking_what_is_not_a_tuple_of_that_many_is_ps338():
    e = _error("spec U\nvar q: seq[0 .. 3, 3]\ninit:\n    q = [0, 1]\ninvariant I: all(x == i for i, x in q)\n")
    assert e.code == "PS338" and "unpacks tuples of 2, not 0 .. 3" in e.message


SEVERAL = """spec Several
var q: seq[0 .. 3, 3]
var n: 0 .. 3
init:
    q = [0, 1]
    n = 0
action Twice(i: LO .. 2, j: 0 .. 2):
    require n < 2 and GUARD
    q'[i] = 3
    q'[j] = n
    n' = n + 1
action Grow():
    require len(q) < 3
    q' = append(q, 2)
    q'[0] = last(q')
    q'[1] = q'[0] + n
"""


@pytest.mark.parametrize("lo, guard", [(0, "i < len(q) and j < len(q)"), (-1, "True")], ids=["in-range", "failing"])
def test_several_entry_updates_of_a_sequence_apply_in_order_in_every_engine(lo, guard):
    from pyspec.symbolic.encode import Encoding
    from tests.symbolic.diff_helpers import check_init, check_state, reachable

    spec = pyspec.loads(SEVERAL.replace("LO", str(lo)).replace("GUARD", guard))
    closures, generated = CompiledSpec(spec, codegen=False), CompiledSpec(spec, codegen=True)
    names = [(spec.actions[ai].name, args) for ai, args in closures.instances]
    # the last write to a position wins; an update after append() updates the appended sequence
    assert closures.run_instance(((0, 1), 1), names.index(("Twice", (0, 0)))) == [((1, 1), 2)]
    assert closures.run_instance(((0, 1), 1), names.index(("Grow", ()))) == [((2, 3, 2), 1)]
    if lo < 0:
        with pytest.raises(SpecEvalError, match="index -1 is outside the sequence"):
            closures.run_instance(((0, 1), 1), names.index(("Twice", (-1, 0))))
    enc = Encoding(spec)
    check_init(enc, closures)
    states = reachable(closures, 200)
    assert len(states) > 10
    step = generated.step_fn()
    for state in states:
        check_state(spec, enc, closures, state)  # successors and errors: closures == Z3
        expect, failed = [], False
        for k in range(len(closures.instances)):
            try:
                expect += [(k, t) for t in closures.run_instance(state, k)]
            except SpecEvalError:
                failed = True
        if failed:
            with pytest.raises(SpecEvalError):
                step(state)
        else:
            assert sorted(step(state)) == sorted(expect), state


LOGS = """spec Logs
type S = 0 .. 1
var log: map[S, seq[0 .. 2, 3]]
var n: 0 .. 2
init:
    log = {s: [0] for s in S}
    n = 0
action Write(s: S, t: S, i: LO .. 1):
    require n < 2 and GUARD
    log'[s][i] = 2
    log'[t][0] = log'[s][0]
    n' = n + 1
action Append(s: S):
    require len(log[s]) < 3
    log'[s] = append(log[s], 1)
    log'[s][0] = last(log'[s])
"""


@pytest.mark.parametrize("lo, guard", [(0, "i < len(log[s])"), (-1, "True")], ids=["in-range", "failing"])
def test_entry_updates_of_sequences_in_a_map_apply_in_order_in_every_engine(lo, guard):
    from pyspec.symbolic.encode import Encoding
    from tests.symbolic.diff_helpers import check_init, check_state, reachable

    spec = pyspec.loads(LOGS.replace("LO", str(lo)).replace("GUARD", guard))
    closures, generated = CompiledSpec(spec, codegen=False), CompiledSpec(spec, codegen=True)
    names = [(spec.actions[ai].name, args) for ai, args in closures.instances]
    start = (((0,), (0,)), 0)
    # log'[s][i] = 2 then log'[t][0] = log'[s][0]: the second reads the first
    assert closures.run_instance(start, names.index(("Write", (0, 1, 0)))) == [(((2,), (2,)), 1)]
    assert closures.run_instance(start, names.index(("Append", (1,)))) == [(((0,), (1, 1)), 0)]
    enc = Encoding(spec)
    check_init(enc, closures)
    states = reachable(closures, 150)
    assert len(states) > 10
    step = generated.step_fn()
    for state in states:
        check_state(spec, enc, closures, state)  # successors and errors: closures == Z3
        expect, failed = [], False
        for k in range(len(closures.instances)):
            try:
                expect += [(k, t) for t in closures.run_instance(state, k)]
            except SpecEvalError:
                failed = True
        if failed:
            with pytest.raises(SpecEvalError):
                step(state)
        else:
            assert sorted(step(state)) == sorted(expect), state


def test_an_entry_update_of_a_sequence_in_a_map_after_an_update_on_some_paths_is_ps208():
    e = _error("spec M\nvar log: map[0 .. 1, seq[0 .. 2, 2]]\ninit:\n    log = {s: [0] for s in 0 .. 1}\n"
               "action A(c: bool):\n    if c:\n        log'[0][0] = 1\n    log'[1][0] = 2\n")
    assert e.code == "PS208" and "on some paths only" in e.message
