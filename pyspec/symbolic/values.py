"""Symbolic values: the Z3 representation of every pyspec type, and the structural operations
on it (equality, if-then-else, membership, type constraints, set algebra).

The representation is chosen per type (measurements in docs/symbolic.md):

* bool: a Python bool when known, else a Z3 Bool (`pyspec.symbolic.boolean`).
* int (every range, and the unbounded `int` of intermediate arithmetic): `IntV`, a term with
  an interval [lo, hi] that is always sound. In bit-vector mode the term is a signed
  bit-vector just wide enough for its interval, so no operation can overflow: each operation
  sign-extends its operands to the width of its result's interval. In integer mode the term
  is a Z3 Int and the interval only serves folding and the sizes of finite sets. The
  arithmetic is `pyspec.symbolic.ints.Ctx`'s.
* enumerations: `EnumV`, an index into the spec's table of string literals.
* tuples and records: `TupleV`, a tuple of component values.
* tagged unions: `UnionV`, a tag (an `IntV` over the variant's position) and, for every tag
  the value may have, that variant's fields.
* sets: `SetV`, one Boolean per possible element, keyed by the element's explicit value
  ("a set of messages is one Boolean per message"). A key that is absent is not a member.
* maps (finite keys): `MapV`, a tuple of values indexed by the key's ordinal, as the
  explicit engine stores them.

Known values stay Python values as long as possible (`True`, an `IntV` whose interval is one
point, a set whose bits are all Python bools), so that the many sub-expressions that depend
only on action arguments and comprehension variables fold before Z3 sees them.
"""

from __future__ import annotations

import functools
import itertools
from typing import TYPE_CHECKING, Any, Callable

import z3

from pyspec.errors import Span
from pyspec.lang.types import AnyT, BagT, BoolT, EnumT, IntT, MapT, RecordT, SeqT, SetT, TupleT, Type, UnionT, contains, sort_key
from pyspec.symbolic.boolean import Bool, and_, and_all, eq_b, implies_, ite_b, not_, or_, or_all
from pyspec.symbolic.z3raw import mk_eq, mk_ite

if TYPE_CHECKING:  # the structural operations only call the Ctx they are given
    from pyspec.symbolic.ints import Ctx

UNIVERSE_LIMIT = 1 << 16  # the most elements a symbolic set may range over


@functools.lru_cache(maxsize=None)
def order_key(t: Type) -> Callable[[Any], Any]:
    """`sort_key(t)`, remembering each value's key: the encoder sorts the same elements (a
    set's possible members) over and over (measured: a sixth of Paxos's encoding time)."""
    k = sort_key(t)
    if isinstance(t, (BoolT, IntT, EnumT, AnyT)):
        return k
    memo: dict = {}

    def key(v: Any) -> Any:
        r = memo.get(v)
        if r is None:
            r = memo[v] = k(v)
        return r

    return key


class EncodingError(Exception):
    """The spec cannot be encoded within the symbolic engine's limits (a set over too many
    possible elements); raised as a UsageError by the engines. `span`: the innermost
    expression or the variable declaration being encoded, set where it is caught on the way up."""

    span: Span | None = None


# ---- values ------------------------------------------------------------------------------------
#
# One class per representation, each holding its structural operations (`concrete`, `eq`,
# `eq_const`, `ite`, `universe`, `eq_leaves`); the module functions of the same names dispatch to
# them, and handle Booleans (a Python bool or a Z3 Bool), which have no class of their own here.


class IntV:
    """An integer: `term` (None when the value is the constant lo == hi) within [lo, hi]."""

    __slots__ = ("term", "lo", "hi")

    def __init__(self, term: Any, lo: int, hi: int) -> None:
        self.term = term
        self.lo = lo
        self.hi = hi

    @property
    def const(self) -> int | None:
        return self.lo if self.lo == self.hi else None

    def concrete(self) -> Any:
        return self.lo if self.lo == self.hi else NOCONST

    def eq(self, ctx: Ctx, b: Any) -> Bool:
        return ctx.cmp("eq", self, b)

    def eq_const(self, ctx: Ctx, v: Any) -> Bool:
        return ctx.int_eq_const(self, v)

    def ite(self, ctx: Ctx, c: Bool, b: Any) -> Any:
        return ctx.int_ite(c, self, b)

    def universe(self, ctx: Ctx) -> list:
        if self.hi - self.lo >= UNIVERSE_LIMIT:
            raise EncodingError(f"an integer set element ranges over {self.lo} .. {self.hi}")
        return list(range(self.lo, self.hi + 1))

    def eq_leaves(self, ctx: Ctx, b: Any, out: list) -> None:
        out.append(eq(ctx, self, b))


class EnumV:
    """An enumeration value: `const` when known, else `term`, an index into the string table;
    `values` are the strings it may be."""

    __slots__ = ("term", "const", "values")

    def __init__(self, term: Any, const: str | None, values: frozenset[str]) -> None:
        self.term = term
        self.const = const
        self.values = values

    def concrete(self) -> Any:
        return self.const if self.const is not None else NOCONST

    def eq(self, ctx: Ctx, b: Any) -> Bool:
        if self.const is not None and b.const is not None:
            return self.const == b.const
        if self.const is not None:
            return ctx.enum_eq_const(b, self.const)
        if b.const is not None:
            return ctx.enum_eq_const(self, b.const)
        if not self.values & b.values:
            return False
        return mk_eq(self.term, b.term)

    def eq_const(self, ctx: Ctx, v: Any) -> Bool:
        return ctx.enum_eq_const(self, v)

    def ite(self, ctx: Ctx, c: Bool, b: Any) -> Any:
        if self.const is not None and self.const == b.const:
            return self
        return EnumV(mk_ite(c, ctx.enum_term(self), ctx.enum_term(b)), None, self.values | b.values)

    def universe(self, ctx: Ctx) -> list:
        return sorted(self.values)

    def eq_leaves(self, ctx: Ctx, b: Any, out: list) -> None:
        out.append(eq(ctx, self, b))


class TupleV:
    """A tuple or a record: its components (a record's in field-name order)."""

    __slots__ = ("elems",)

    def __init__(self, elems: tuple) -> None:
        self.elems = elems

    def concrete(self) -> Any:
        return _all_concrete(self.elems)

    def eq(self, ctx: Ctx, b: Any) -> Bool:
        return and_all(eq(ctx, x, y) for x, y in zip(self.elems, b.elems))

    def eq_const(self, ctx: Ctx, v: Any) -> Bool:
        return and_all(eq_const(ctx, x, y) for x, y in zip(self.elems, v))

    def ite(self, ctx: Ctx, c: Bool, b: Any) -> Any:
        return TupleV(tuple(ite(ctx, c, x, y) for x, y in zip(self.elems, b.elems)))

    def universe(self, ctx: Ctx) -> list:
        return _product([universe(ctx, e) for e in self.elems])

    def eq_leaves(self, ctx: Ctx, b: Any, out: list) -> None:
        for x, y in zip(self.elems, b.elems):
            eq_leaves(ctx, x, y, out)


class UnionV:
    """A union value: `tag` is an IntV over the position of the variant in `ut.variants`;
    `fields` has an entry for every tag the value may have."""

    __slots__ = ("ut", "tag", "fields")

    def __init__(self, ut: UnionT, tag: IntV, fields: dict[str, tuple]) -> None:
        self.ut = ut
        self.tag = tag
        self.fields = fields

    def concrete(self) -> Any:
        if self.tag.const is None:
            return NOCONST
        tag = self.ut.variants[self.tag.const][0]
        rest = _all_concrete(self.fields[tag])
        return NOCONST if rest is NOCONST else (tag, *rest)

    def eq(self, ctx: Ctx, b: Any) -> Bool:
        same = ctx.cmp("eq", self.tag, b.tag)
        if same is False:
            return False
        parts = [same]
        for tag, fa in self.fields.items():
            fb = b.fields.get(tag)
            if fb is None:
                continue
            fe = and_all(eq(ctx, x, y) for x, y in zip(fa, fb))
            if fe is True:
                continue
            if len(self.fields) == 1 or len(b.fields) == 1:
                parts.append(fe)
            else:
                parts.append(implies_(ctx.int_eq_const(self.tag, tag_index(self.ut, tag)), fe))
        return and_(*parts)

    def eq_const(self, ctx: Ctx, v: Any) -> Bool:
        fa = self.fields.get(v[0])
        if fa is None:
            return False
        return and_(
            ctx.int_eq_const(self.tag, tag_index(self.ut, v[0])), *(eq_const(ctx, x, y) for x, y in zip(fa, v[1:]))
        )

    def ite(self, ctx: Ctx, c: Bool, b: Any) -> Any:
        fields = {}
        for tag in dict.fromkeys(itertools.chain(self.fields, b.fields)):
            fa, fb = self.fields.get(tag), b.fields.get(tag)
            if fa is None:
                fields[tag] = fb
            elif fb is None:
                fields[tag] = fa
            else:
                fields[tag] = tuple(ite(ctx, c, x, y) for x, y in zip(fa, fb))
        return UnionV(self.ut, ctx.int_ite(c, self.tag, b.tag), fields)

    def universe(self, ctx: Ctx) -> list:
        out: list[Any] = []
        for tag, _ in self.ut.variants:
            if tag in self.fields and ctx.int_eq_const(self.tag, tag_index(self.ut, tag)) is not False:
                out.extend((tag, *vals) for vals in _product([universe(ctx, e) for e in self.fields[tag]]))
        return out

    def eq_leaves(self, ctx: Ctx, b: Any, out: list) -> None:
        out.append(eq(ctx, self, b))


class SetV:
    """A set: `bits[x]` says whether the explicit value x is a member; absent keys are not."""

    __slots__ = ("elem", "bits")

    def __init__(self, elem: Type, bits: dict[Any, Bool]) -> None:
        self.elem = elem
        self.bits = bits

    def concrete(self) -> Any:
        members = []
        for k, b in self.bits.items():
            if b is True:
                members.append(k)
            elif b is not False:
                return NOCONST
        return frozenset(members)

    def eq(self, ctx: Ctx, b: Any) -> Bool:
        parts = [eq_b(ba, b.bits.get(k, False)) for k, ba in self.bits.items()]
        parts += [not_(bb) for k, bb in b.bits.items() if k not in self.bits]
        return and_(*parts)

    def eq_const(self, ctx: Ctx, v: Any) -> Bool:
        parts = [b if k in v else not_(b) for k, b in self.bits.items()]
        for k in v:
            if k not in self.bits:
                return False
        return and_(*parts)

    def ite(self, ctx: Ctx, c: Bool, b: Any) -> Any:
        bits = {}
        for k in _merged_keys(self, b):
            bits[k] = ite_b(c, self.bits.get(k, False), b.bits.get(k, False))
        return SetV(self.elem if not isinstance(self.elem, AnyT) else b.elem, bits)

    def universe(self, ctx: Ctx) -> list:
        sure = [k for k, b in self.bits.items() if b is True]
        maybe = [k for k, b in self.bits.items() if b is not True and b is not False]
        if len(maybe) > 16:
            raise EncodingError(f"a set of sets ranges over 2^{len(maybe)} values")
        return [
            frozenset(sure) | frozenset(c) for r in range(len(maybe) + 1) for c in itertools.combinations(maybe, r)
        ]

    def eq_leaves(self, ctx: Ctx, b: Any, out: list) -> None:
        for k, x in self.bits.items():
            out.append(eq_b(x, b.bits.get(k, False)))
        for k, y in b.bits.items():
            if k not in self.bits:
                out.append(not_(y))


class MapV:
    """A map over a finite key type: one value per key, in the key type's domain order."""

    __slots__ = ("key", "vals")

    def __init__(self, key: Type, vals: tuple) -> None:
        self.key = key
        self.vals = vals

    def concrete(self) -> Any:
        return _all_concrete(self.vals)

    def eq(self, ctx: Ctx, b: Any) -> Bool:
        return and_all(eq(ctx, x, y) for x, y in zip(self.vals, b.vals))

    def eq_const(self, ctx: Ctx, v: Any) -> Bool:
        return and_all(eq_const(ctx, x, y) for x, y in zip(self.vals, v))

    def ite(self, ctx: Ctx, c: Bool, b: Any) -> Any:
        return MapV(self.key, tuple(ite(ctx, c, x, y) for x, y in zip(self.vals, b.vals)))

    def universe(self, ctx: Ctx) -> list:
        return _product([universe(ctx, e) for e in self.vals])

    def eq_leaves(self, ctx: Ctx, b: Any, out: list) -> None:
        for x, y in zip(self.vals, b.vals):
            eq_leaves(ctx, x, y, out)


class SeqV:
    """A sequence: its length `n` (an IntV) and `items`, the values at positions 0 .. cap - 1
    (cap = len(items)); the items at positions n and beyond are no part of the value."""

    __slots__ = ("elem", "n", "items")

    def __init__(self, elem: Type, n: IntV, items: tuple) -> None:
        self.elem = elem
        self.n = n
        self.items = items

    def concrete(self) -> Any:
        if self.n.const is None:
            return NOCONST
        return _all_concrete(self.items[: self.n.const])

    def eq(self, ctx: Ctx, b: Any) -> Bool:
        same = ctx.cmp("eq", self.n, b.n)
        if same is False:
            return False
        parts = [same]
        for k, (x, y) in enumerate(zip(self.items, b.items)):
            parts.append(implies_(seq_has(ctx, self, k), eq(ctx, x, y)))
        return and_(*parts)

    def eq_const(self, ctx: Ctx, v: Any) -> Bool:
        if len(v) > len(self.items):
            return False
        return and_(ctx.int_eq_const(self.n, len(v)), *(eq_const(ctx, x, y) for x, y in zip(self.items, v)))

    def ite(self, ctx: Ctx, c: Bool, b: Any) -> Any:  # capacities may differ: a missing item takes the other side's
        cap = max(len(self.items), len(b.items))
        items = []
        for k in range(cap):
            x = self.items[k] if k < len(self.items) else b.items[k]
            y = b.items[k] if k < len(b.items) else self.items[k]
            items.append(ite(ctx, c, x, y))
        return SeqV(self.elem if not isinstance(self.elem, AnyT) else b.elem, ctx.int_ite(c, self.n, b.n), tuple(items))

    def universe(self, ctx: Ctx) -> list:
        out = []
        for n in range(self.n.lo, min(self.n.hi, len(self.items)) + 1):
            out.extend(_product([universe(ctx, e) for e in self.items[:n]]))
        return out

    def eq_leaves(self, ctx: Ctx, b: Any, out: list) -> None:
        out.append(eq(ctx, self, b))


class BagV:
    """A bag: `counts[x]` (an IntV) is how many times the explicit value x is in it; absent keys
    are 0 (like SetV's bits)."""

    __slots__ = ("elem", "counts")

    def __init__(self, elem: Type, counts: dict[Any, IntV]) -> None:
        self.elem = elem
        self.counts = counts

    def concrete(self) -> Any:
        pairs = []
        for k, n in self.counts.items():
            if n.const is None:
                return NOCONST
            if n.const:
                pairs.append((k, n.const))
        return frozenset(pairs)

    def eq(self, ctx: Ctx, b: Any) -> Bool:
        return and_all(ctx.cmp("eq", self.counts.get(k, _ZERO), b.counts.get(k, _ZERO)) for k in bag_keys(self, b))

    def eq_const(self, ctx: Ctx, v: Any) -> Bool:
        d = dict(v)
        if any(k not in self.counts for k in d):
            return False
        return and_all(ctx.int_eq_const(n, d.get(k, 0)) for k, n in self.counts.items())

    def ite(self, ctx: Ctx, c: Bool, b: Any) -> Any:
        counts = {k: ctx.int_ite(c, self.counts.get(k, _ZERO), b.counts.get(k, _ZERO)) for k in bag_keys(self, b)}
        return BagV(self.elem if not isinstance(self.elem, AnyT) else b.elem, counts)

    def universe(self, ctx: Ctx) -> list:
        keys = list(self.counts)
        combos = _product([list(range(n.lo, n.hi + 1)) for n in self.counts.values()])
        return [frozenset((k, c) for k, c in zip(keys, combo) if c) for combo in combos]

    def eq_leaves(self, ctx: Ctx, b: Any, out: list) -> None:
        out.append(eq(ctx, self, b))


_STRUCTURED: frozenset[Any] = frozenset({IntV, EnumV, TupleV, UnionV, SetV, MapV, SeqV, BagV})
"""The value classes with structural operations of their own (every value but a Boolean)."""


def _all_concrete(xs: Any) -> Any:
    """The tuple of the explicit values of `xs`, or NOCONST when one is not fully known."""
    out = []
    for e in xs:
        c = concrete(e)
        if c is NOCONST:
            return NOCONST
        out.append(c)
    return tuple(out)


_ZERO = IntV(None, 0, 0)


def bag_keys(a: BagV, b: BagV) -> list:
    """The keys of two bags, in the declared order of their elements."""
    if a.counts.keys() == b.counts.keys():
        return list(a.counts)
    elem = a.elem if not isinstance(a.elem, AnyT) else b.elem
    return sorted(set(a.counts) | set(b.counts), key=sort_key(elem))


class _NoConst:
    def __repr__(self) -> str:
        return "NOCONST"


NOCONST = _NoConst()  # concrete(): "not fully known"


def tag_index(ut: UnionT, tag: str) -> int:
    """The position of the variant `tag` in `ut.variants` (a union value's tag)."""
    for i, (t, _) in enumerate(ut.variants):
        if t == tag:
            return i
    raise AssertionError(tag)


def concrete(x: Any) -> Any:
    """The explicit value of a fully known symbolic value, else NOCONST."""
    if x.__class__ in _STRUCTURED:
        return x.concrete()
    return x if isinstance(x, bool) else NOCONST  # a Z3 Bool is not known


# ---- structural operations ---------------------------------------------------------------------


def eq(ctx: Ctx, a: Any, b: Any) -> Bool:
    """a == b, for two values of unifiable types."""
    if a is b:
        return True
    if a.__class__ in _STRUCTURED:
        return a.eq(ctx, b)
    return eq_b(a, b)


def eq_const(ctx: Ctx, a: Any, v: Any) -> Bool:
    """a == v for a symbolic a and an explicit value v."""
    if a.__class__ in _STRUCTURED:
        return a.eq_const(ctx, v)
    if isinstance(a, bool):
        return a == v
    return a if v else z3.Not(a)


def ite(ctx: Ctx, c: Bool, a: Any, b: Any) -> Any:
    """If c then a else b, structurally."""
    if c is True or a is b:
        return a
    if c is False:
        return b
    if a.__class__ in _STRUCTURED:
        return a.ite(ctx, c, b)
    return ite_b(c, a, b)


def _merged_keys(a: SetV, b: SetV) -> list:
    if a.bits.keys() == b.bits.keys():
        return list(a.bits)
    elem = a.elem if not isinstance(a.elem, AnyT) else b.elem
    return sorted(set(a.bits) | set(b.bits), key=order_key(elem))


def member(ctx: Ctx, x: Any, s: SetV) -> Bool:
    """x in s."""
    c = concrete(x)
    if c is not NOCONST:
        return s.bits.get(c, False)
    return or_all(and_(b, eq_const(ctx, x, k)) for k, b in s.bits.items() if b is not False)


def universe(ctx: Ctx, x: Any) -> list:
    """Every explicit value x may take (a superset), deterministically ordered."""
    c = concrete(x)
    if c is not NOCONST:
        return [c]
    if x.__class__ in _STRUCTURED:
        return x.universe(ctx)
    return [False, True]


def seq_has(ctx: Ctx, s: SeqV, k: int) -> Bool:
    """Position k (a constant) is inside the sequence s: k < len(s)."""
    return ctx.cmp("lt", IntV(None, k, k), s.n)


def _product(parts: list[list]) -> list:
    n = 1
    for p in parts:
        n *= len(p)
    if n > UNIVERSE_LIMIT:
        raise EncodingError(f"a set element ranges over {n:,} values (limit {UNIVERSE_LIMIT:,})")
    return [tuple(p) for p in itertools.product(*parts)]


def eq_leaves(ctx: Ctx, a: Any, b: Any, out: list) -> None:
    """Append to `out` the conjuncts of a == b, one per leaf where the structure allows."""
    if a.__class__ in _STRUCTURED:
        a.eq_leaves(ctx, b, out)
    else:
        out.append(eq(ctx, a, b))


# ---- sets ----------------------------------------------------------------------------------------


def add_member(ctx: Ctx, bits: dict, v: Any, cond: Bool) -> None:
    """Add the symbolic value v, under `cond`, to the bits of a set being built."""
    c = concrete(v)
    if c is not NOCONST:
        bits[c] = or_(bits.get(c, False), cond)
        return
    for u in universe(ctx, v):
        hit = and_(cond, eq_const(ctx, v, u))
        if hit is not False:
            bits[u] = or_(bits.get(u, False), hit)


def sorted_bits(bits: dict, elem: Type) -> dict:
    """`bits` with its keys in the declared order of `elem` (sets are enumerated in order)."""
    try:
        keys = sorted(bits, key=order_key(elem))
    except TypeError:  # elements of an AnyT set literal of mixed spelling: keep insertion order
        return bits
    return {k: bits[k] for k in keys}


def set_op(op: str, a: SetV, b: SetV, ty: Type) -> SetV:
    """a | b (op union), a & b (inter) or a - b, a set of type ty."""
    elem = ty.elem if isinstance(ty, SetT) else a.elem
    if op == "union":
        bits = dict(a.bits)
        for k, x in b.bits.items():
            bits[k] = or_(bits.get(k, False), x)
        return SetV(elem, sorted_bits(bits, elem) if len(bits) != len(a.bits) else bits)
    if op == "inter":
        return SetV(elem, {k: and_(x, b.bits.get(k, False)) for k, x in a.bits.items()})
    return SetV(elem, {k: and_(x, not_(b.bits.get(k, False))) for k, x in a.bits.items()})


def subset(a: SetV, b: SetV) -> Bool:
    """a <= b."""
    return and_all(implies_(x, b.bits.get(k, False)) for k, x in a.bits.items())
