"""Map literals `{0: 3, 1: 1}` and `permutations(S)` (pyspec/lang/check_exprs.py), both lowered
to comprehensions every engine already reads; map-valued params, their defaults folded by the
constant evaluator (pyspec/lang/resolve.py) and set with `-D`."""

from __future__ import annotations

import pytest

import pyspec
from pyspec.cli import main
from pyspec.errors import PyspecError, SpecErrors
from pyspec.explicit.codegen import generate_successors
from pyspec.explicit.compiled import CompiledSpec
from pyspec.explicit.explore import ExploreOptions, explore
from pyspec.symbolic.encode import Encoding
from tests.symbolic.diff_helpers import check_init, check_state, reachable

RING = '''\
spec Ring
param N: int = 3
type Proc = 0 .. N - 1
param Ids: map[Proc, 0 .. 7] = {0: 3, 1: 1, 2: 2}

var best: map[Proc, 0 .. 7]
var names: map[{"a", "b"}, 0 .. 3]

init:
    best = Ids
    names = {"a": 1, "b": 2}

action Pass(p: Proc):
    require best[(p + 1) % N] < best[p]
    best'[(p + 1) % N] = best[p]

action Rename(k: 0 .. 1):
    names' = {"a": k, "b": {0: 2, 1: 3}[k]}

invariant Bounded: all(best[p] <= 3 for p in Proc)
'''

ORDERS = '''\
spec Orders
param N: int = 3
type Proc = 0 .. N - 1

var ids: map[Proc, Proc]

init:
    ids in permutations(Proc)

action Swap(p: Proc, q: Proc):
    require p < q and ids[p] < ids[q]
    ids' = {r: ids[q] if r == p else (ids[p] if r == q else ids[r]) for r in Proc}

invariant Bijective: all(any(ids[p] == v for p in Proc) for v in Proc)
'''


def one_error(src: str, params=None) -> PyspecError:
    with pytest.raises(PyspecError) as info:
        pyspec.loads(src, params)
    e = info.value
    return e.errors[0] if isinstance(e, SpecErrors) else e


def every_engine_agrees(spec) -> int:
    """Closures and generated code give the same state count; Z3 the same successors."""
    assert generate_successors(CompiledSpec(spec)).fallback == ()  # every action really is generated code
    a, b = (explore(CompiledSpec(spec, codegen=g), ExploreOptions()) for g in (False, True))
    assert (a.verdict, a.stats["states"], a.stats["transitions"]) == (b.verdict, b.stats["states"], b.stats["transitions"])
    compiled, enc = CompiledSpec(spec, codegen=False), Encoding(spec)
    check_init(enc, compiled)
    for state in reachable(compiled, 100):
        check_state(spec, enc, compiled, state)
    return a.stats["states"]


def test_a_map_literal_means_the_same_in_every_engine():
    spec = pyspec.loads(RING)
    assert every_engine_agrees(spec) == 9
    assert pyspec.check(spec).verdict is pyspec.Verdict.HOLDS
    assert pyspec.bmc(spec, depth=3).verdict is pyspec.Verdict.NO_VIOLATION_UP_TO


def test_a_map_param_has_a_literal_default_and_is_set_with_minus_d(capsys):
    spec = pyspec.loads(RING)
    assert dict((n, v) for n, v, _ in spec.params)["Ids"] == (3, 1, 2)
    other = pyspec.loads(RING, {"Ids": "{0: 1, 1: 5, 2: 0}"})
    assert dict((n, v) for n, v, _ in other.params)["Ids"] == (1, 5, 0)
    assert pyspec.check(other).verdict is pyspec.Verdict.VIOLATED


def test_a_map_param_on_the_command_line(tmp_path, capsys):
    (tmp_path / "ring.spec").write_text(RING)
    assert main(["check", str(tmp_path / "ring.spec"), "-D", "Ids={0: 2, 1: 3, 2: 1}"]) == 0
    assert "(N=3, Ids={0: 2, 1: 3, 2: 1})" in capsys.readouterr().out
    assert main(["check", str(tmp_path / "ring.spec"), "-D", "Ids={0: 2, 1: 3}"]) == 2
    assert "error[PS502]: -D Ids={0: 2, 1: 3}: param 'Ids' must be map[0 .. 2, 0 .. 7]" in capsys.readouterr().err


def test_a_map_literal_that_repeats_a_key_is_ps334():
    e = one_error(RING.replace("{0: 3, 1: 1, 2: 2}", "{0: 3, 1: 1, 0: 2}"))
    assert (e.code, e.span.line, e.span.col) == ("PS334", 4, 45) and "gives key 0 twice" in e.message


def test_a_map_literal_that_misses_a_key_is_ps334():
    e = one_error(RING.replace("{0: 3, 1: 1, 2: 2}", "{0: 3, 2: 2}"))
    assert (e.code, e.span.line) == ("PS334", 4) and "no value for key 1 of its key type 0 .. 2" in e.message


def test_a_literal_mixing_record_fields_and_map_keys_is_ps104():
    e = one_error(RING.replace('{"a": 1, "b": 2}', '{a: 1, "b": 2}'))
    assert (e.code, e.span.line) == ("PS104", 11) and "cannot mix them" in (e.hint or "")


def test_a_map_literal_with_keys_known_only_when_evaluated():
    """Keys that are not constants are checked when evaluated, as a map comprehension's."""
    src = RING.replace("invariant Bounded", "invariant Keys: {best[0] % 2: 1, 1 - best[0] % 2: 0}[0] >= 0\ninvariant Bounded")
    assert pyspec.check(pyspec.loads(src)).verdict is pyspec.Verdict.HOLDS
    clash = RING.replace("invariant Bounded", "invariant Keys: {best[0] % 2: 1, best[1] % 2: 0}[0] >= 0\ninvariant Bounded")
    with pytest.raises(pyspec.SpecEvalError, match="gives no value for key"):
        pyspec.check(pyspec.loads(clash))


def test_permutations_are_the_bijections_in_every_engine():
    spec = pyspec.loads(ORDERS)
    assert every_engine_agrees(spec) == 6
    assert pyspec.prove(spec, "Bijective").result.verdict is pyspec.Verdict.PROVED
    c = pyspec.compile_spec(spec)
    assert c.initial_states() == [((0, 1, 2),), ((0, 2, 1),), ((1, 0, 2),), ((1, 2, 0),), ((2, 0, 1),), ((2, 1, 0),)]


def test_permutations_never_enumerate_every_map_of_the_type():
    """N = 7: 5,040 orderings; the 823,543 maps of map[Proc, Proc] are never built."""
    r = pyspec.check(pyspec.loads(ORDERS.replace("invariant Bijective", "invariant B2: True\ninvariant Bijective"),
                                  {"N": "7"}), max_states=6000, invariants=["B2"])
    assert (r.verdict, r.stats["states"]) == (pyspec.Verdict.HOLDS, 5040)


def test_permutations_of_part_of_a_type_fix_the_rest():
    src = ORDERS + "invariant Part: permutations({p for p in Proc if p < 2}) == {{0: 0, 1: 1, 2: 2}, {0: 1, 1: 0, 2: 2}}\n"
    assert pyspec.check(pyspec.loads(src)).verdict is pyspec.Verdict.HOLDS


def test_permutations_of_a_large_type_is_ps329():
    e = one_error("spec S\nvar x: 0 .. 1\ninit:\n    x = 0\ninvariant I: len(permutations(0 .. 20)) > 0\n")
    assert (e.code, e.span.line) == ("PS329", 5) and "at most 10 values" in e.message
