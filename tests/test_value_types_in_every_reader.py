"""Every value type through every reader of its values: each type constructor has exactly one
entry in each home (pyspec.lang.types.SEMS: domain, order, printing, ITF; packing.LAYOUTS;
symbolic.decode.Z3SEMS; testing.values.PLAIN; tracecheck.convert.CONVERTERS), and for sample
types of every constructor, every value survives each reader: enumeration, membership, order,
printing read back as a spec expression, ITF through JSON, an adapter's plain Python form,
packing to an int, and Z3 (lifted, and as a fresh variable pinned to it and decoded)."""

from __future__ import annotations

import json
import random

import pytest
import z3

from pyspec import SpecError, loads
from pyspec.api import compile_spec, expression
from pyspec.explicit.packing import LAYOUTS, codec
from pyspec.lang import types
from pyspec.lang.types import (
    BOOL,
    SEMS,
    AnyT,
    BagT,
    IntT,
    MapT,
    RecordT,
    SeqT,
    SetT,
    TupleT,
    Type,
    UnionT,
    contains,
    domain,
    domain_size,
    enum_type,
    format_value,
    from_itf,
    is_finite,
    plainly_ordered,
    sort_key,
    to_itf,
)
from pyspec.symbolic.boolean import and_all
from pyspec.symbolic.decode import Z3SEMS, decode, fresh, in_type, lift
from pyspec.symbolic.ints import Ctx
from pyspec.symbolic.values import concrete, eq, eq_const, ite, universe
from pyspec.testing.values import PLAIN, from_python, to_python
from tracecheck.convert import CONVERTERS

COLOR = enum_type(["red", "blue"])  # declared out of name order: printed red first
MSG = UnionT("Msg", (("Req", (("src", IntT(0, 1)),)), ("Ack", ())))  # variants out of name order
REC = RecordT((("a", BOOL), ("n", IntT(0, 1))))
SPEC = '''spec Types
type Color = {"red", "blue"}
type Msg = Req(src: 0 .. 1) | Ack()
var dummy: bool
init:
    dummy = False
'''

SAMPLES: dict[str, Type] = {
    "bool": BOOL,
    "range": IntT(-1, 2),
    "enum": COLOR,
    "set": SetT(IntT(0, 2)),
    "seq": SeqT(BOOL, 2),
    "bag": BagT(COLOR, 2),
    "map": MapT(IntT(0, 1), COLOR),
    "tuple": TupleT((BOOL, IntT(0, 1))),
    "record": REC,
    "union": MSG,
    "set of records": SetT(REC),
    "map of sets": MapT(COLOR, SetT(BOOL)),
    "seq of unions": SeqT(MSG, 2),
    "bag of tuples": BagT(TupleT((BOOL, IntT(0, 1))), 1),
    "set of bags": SetT(BagT(BOOL, 1)),
}


def _has_bag(t: Type) -> bool:
    return "bag[" in t.show()  # no sample hides a bag behind a union's name


# Known gaps, pinned so that closing one shows here:
# - a bag's `domain` order is not its `sort_key` order (it enumerates by the count of each
#   element in turn, and orders by its number of distinct elements first), nor is that of a
#   type built on bags;
# - a bag prints as `bag({x: n})`, which the language does not read (`bag()` takes no argument).


def _values(t: Type, n: int = 24) -> list:
    """At most `n` values of `t`: all of them when there are few, else a fixed sample."""
    values = list(domain(t))
    return values if len(values) <= n else random.Random(t.show()).sample(values, n)


def test_every_type_constructor_has_one_entry_in_every_home():
    # dataclass(slots=True) makes a new class: the one the module exports is the constructor
    constructors = {c for c in Type.__subclasses__() if getattr(types, c.__name__) is c}
    assert set(SEMS) == constructors
    assert set(LAYOUTS) == constructors
    assert set(Z3SEMS) == constructors
    assert set(PLAIN) == constructors
    assert set(CONVERTERS) == constructors - {AnyT}  # a logged field is never of `{}`'s type


def test_the_samples_cover_every_type_constructor_with_values():
    assert {type(t) for t in SAMPLES.values()} == set(SEMS) - {AnyT}


@pytest.mark.parametrize("name", list(SAMPLES))
def test_enumeration_membership_and_order_agree(name):
    t = SAMPLES[name]
    values = domain(t)
    assert is_finite(t) and domain_size(t) == len(values) == len(set(values))
    assert all(contains(t, v) for v in values)
    keys = [sort_key(t)(v) for v in values]
    assert len({repr(k) for k in keys}) == len(values), "sort_key is a total order"
    in_order = sorted(values, key=sort_key(t))
    assert (in_order == list(values)) != _has_bag(t)
    if plainly_ordered(t):
        assert sorted(values) == in_order


@pytest.mark.parametrize("name", list(SAMPLES))
def test_a_printed_value_reads_back_as_the_same_value(name):
    t = SAMPLES[name]
    compiled = compile_spec(loads(SPEC))
    shown = t.show()
    printed = [format_value(t, v) for v in domain(t)]
    assert len(set(printed)) == len(printed)
    if _has_bag(t):
        with pytest.raises(SpecError, match="bag"):
            expression(compiled, f"x == {printed[-1]}", {"x": shown})
        return
    for v in _values(t):
        e = expression(compiled, f"x == {format_value(t, v)}", {"x": shown})
        assert e.evaluate((False,), {"x": v}) is True, format_value(t, v)


@pytest.mark.parametrize("name", list(SAMPLES))
def test_itf_through_json_round_trips(name):
    t = SAMPLES[name]
    for v in domain(t):
        assert from_itf(t, json.loads(json.dumps(to_itf(t, v)))) == v


@pytest.mark.parametrize("name", list(SAMPLES))
def test_plain_python_form_round_trips(name):
    t = SAMPLES[name]
    for v in domain(t):
        assert from_python(t, to_python(t, v)) == v


@pytest.mark.parametrize("table_limit", [0, 4096], ids=["structural", "tables"])
@pytest.mark.parametrize("name", list(SAMPLES))
def test_packing_round_trips(name, table_limit):
    t = SAMPLES[name]
    c = codec(t, table_limit)
    codes = set()
    for v in domain(t):
        code = c.encode(v)
        assert 0 <= code < 1 << c.width and c.decode(code) == v
        codes.add(code)
    assert len(codes) == domain_size(t)


@pytest.mark.parametrize("name", list(SAMPLES))
def test_z3_lift_and_fresh_decode_round_trip(name):
    t = SAMPLES[name]
    ctx = Ctx(sorted(COLOR.values + ("Ack", "Req")), True)
    leaves: list = []
    cons: list = []
    x = fresh(ctx, t, "x", "@0", leaves, cons)
    empty = z3.Solver()
    assert empty.check() == z3.sat
    for v in _values(t, 12):
        lifted = lift(ctx, t, v)
        assert decode(ctx, empty.model(), lifted) == v
        assert z3.is_true(z3.simplify(z3.BoolVal(True) if in_type(ctx, t, lifted) is True else in_type(ctx, t, lifted)))
        s = z3.Solver()
        s.add(*cons)
        pinned = eq_const(ctx, x, v)
        s.add(and_all([pinned]) if pinned is not True else z3.BoolVal(True))
        assert s.check() == z3.sat
        assert decode(ctx, s.model(), x) == v


@pytest.mark.parametrize("name", list(SAMPLES))
def test_z3_structural_operations_agree_with_explicit_values(name):
    t = SAMPLES[name]
    ctx = Ctx(sorted(COLOR.values + ("Ack", "Req")), True)
    x = fresh(ctx, t, "x", "@0", [], [])
    possible = universe(ctx, x)
    c = z3.Bool("c")
    values = _values(t, 8)
    for v, w in zip(values, values[1:] + values[:1]):
        a, b = lift(ctx, t, v), lift(ctx, t, w)
        assert concrete(a) == v and v in possible
        assert eq_const(ctx, a, v) is True and eq(ctx, a, b) is (v == w)
        for pick, want in ((True, v), (False, w)):
            s = z3.Solver()
            s.add(c == pick)
            assert s.check() == z3.sat
            assert decode(ctx, s.model(), ite(ctx, c, a, b)) == want
