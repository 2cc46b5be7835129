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


class EnumV:
    """An enumeration value: `const` when known, else `term`, an index into the string table;
    `values` are the strings it may be."""

    __slots__ = ("term", "const", "values")

    def __init__(self, term: Any, const: str | None, values: frozenset[str]) -> None:
        self.term = term
        self.const = const
        self.values = values


class TupleV:
    __slots__ = ("elems",)

    def __init__(self, elems: tuple) -> None:
        self.elems = elems


class UnionV:
    """A union value: `tag` is an IntV over the position of the variant in `ut.variants`;
    `fields` has an entry for every tag the value may have."""

    __slots__ = ("ut", "tag", "fields")

    def __init__(self, ut: UnionT, tag: IntV, fields: dict[str, tuple]) -> None:
        self.ut = ut
        self.tag = tag
        self.fields = fields


class SetV:
    """A set: `bits[x]` says whether the explicit value x is a member; absent keys are not."""

    __slots__ = ("elem", "bits")

    def __init__(self, elem: Type, bits: dict[Any, Bool]) -> None:
        self.elem = elem
        self.bits = bits


class MapV:
    """A map over a finite key type: one value per key, in the key type's domain order."""

    __slots__ = ("key", "vals")

    def __init__(self, key: Type, vals: tuple) -> None:
        self.key = key
        self.vals = vals


class SeqV:
    """A sequence: its length `n` (an IntV) and `items`, the values at positions 0 .. cap - 1
    (cap = len(items)); the items at positions n and beyond are no part of the value."""

    __slots__ = ("elem", "n", "items")

    def __init__(self, elem: Type, n: IntV, items: tuple) -> None:
        self.elem = elem
        self.n = n
        self.items = items


class BagV:
    """A bag: `counts[x]` (an IntV) is how many times the explicit value x is in it; absent keys
    are 0 (like SetV's bits)."""

    __slots__ = ("elem", "counts")

    def __init__(self, elem: Type, counts: dict[Any, IntV]) -> None:
        self.elem = elem
        self.counts = counts


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
    if isinstance(x, bool):
        return x
    if isinstance(x, IntV):
        return x.lo if x.lo == x.hi else NOCONST
    if isinstance(x, EnumV):
        return x.const if x.const is not None else NOCONST
    if isinstance(x, TupleV):
        out = []
        for e in x.elems:
            c = concrete(e)
            if c is NOCONST:
                return NOCONST
            out.append(c)
        return tuple(out)
    if isinstance(x, UnionV):
        if x.tag.const is None:
            return NOCONST
        tag = x.ut.variants[x.tag.const][0]
        out = [tag]
        for e in x.fields[tag]:
            c = concrete(e)
            if c is NOCONST:
                return NOCONST
            out.append(c)
        return tuple(out)
    if isinstance(x, SetV):
        members = []
        for k, b in x.bits.items():
            if b is True:
                members.append(k)
            elif b is not False:
                return NOCONST
        return frozenset(members)
    if isinstance(x, MapV):
        out = []
        for e in x.vals:
            c = concrete(e)
            if c is NOCONST:
                return NOCONST
            out.append(c)
        return tuple(out)
    if isinstance(x, BagV):
        pairs = []
        for k, n in x.counts.items():
            if n.const is None:
                return NOCONST
            if n.const:
                pairs.append((k, n.const))
        return frozenset(pairs)
    if isinstance(x, SeqV):
        if x.n.const is None:
            return NOCONST
        out = []
        for e in x.items[: x.n.const]:
            c = concrete(e)
            if c is NOCONST:
                return NOCONST
            out.append(c)
        return tuple(out)
    return NOCONST  # a Z3 Bool


# ---- structural operations ---------------------------------------------------------------------


def eq(ctx: Ctx, a: Any, b: Any) -> Bool:
    """a == b, for two values of unifiable types."""
    if a is b:
        return True
    if isinstance(a, IntV):
        return ctx.cmp("eq", a, b)
    if isinstance(a, EnumV):
        if a.const is not None and b.const is not None:
            return a.const == b.const
        if a.const is not None:
            return ctx.enum_eq_const(b, a.const)
        if b.const is not None:
            return ctx.enum_eq_const(a, b.const)
        if not a.values & b.values:
            return False
        return mk_eq(a.term, b.term)
    if isinstance(a, TupleV):
        return and_all(eq(ctx, x, y) for x, y in zip(a.elems, b.elems))
    if isinstance(a, UnionV):
        same = ctx.cmp("eq", a.tag, b.tag)
        if same is False:
            return False
        parts = [same]
        for tag, fa in a.fields.items():
            fb = b.fields.get(tag)
            if fb is None:
                continue
            fe = and_all(eq(ctx, x, y) for x, y in zip(fa, fb))
            if fe is True:
                continue
            if len(a.fields) == 1 or len(b.fields) == 1:
                parts.append(fe)
            else:
                parts.append(implies_(ctx.int_eq_const(a.tag, tag_index(a.ut, tag)), fe))
        return and_(*parts)
    if isinstance(a, SetV):
        parts = [eq_b(ba, b.bits.get(k, False)) for k, ba in a.bits.items()]
        parts += [not_(bb) for k, bb in b.bits.items() if k not in a.bits]
        return and_(*parts)
    if isinstance(a, MapV):
        return and_all(eq(ctx, x, y) for x, y in zip(a.vals, b.vals))
    if isinstance(a, BagV):
        return and_all(ctx.cmp("eq", a.counts.get(k, _ZERO), b.counts.get(k, _ZERO)) for k in bag_keys(a, b))
    if isinstance(a, SeqV):
        same = ctx.cmp("eq", a.n, b.n)
        if same is False:
            return False
        parts = [same]
        for k, (x, y) in enumerate(zip(a.items, b.items)):
            parts.append(implies_(seq_has(ctx, a, k), eq(ctx, x, y)))
        return and_(*parts)
    return eq_b(a, b)


def eq_const(ctx: Ctx, a: Any, v: Any) -> Bool:
    """a == v for a symbolic a and an explicit value v."""
    if isinstance(a, IntV):
        return ctx.int_eq_const(a, v)
    if isinstance(a, EnumV):
        return ctx.enum_eq_const(a, v)
    if isinstance(a, TupleV):
        return and_all(eq_const(ctx, x, y) for x, y in zip(a.elems, v))
    if isinstance(a, UnionV):
        fa = a.fields.get(v[0])
        if fa is None:
            return False
        return and_(
            ctx.int_eq_const(a.tag, tag_index(a.ut, v[0])), *(eq_const(ctx, x, y) for x, y in zip(fa, v[1:]))
        )
    if isinstance(a, SetV):
        parts = [b if k in v else not_(b) for k, b in a.bits.items()]
        for k in v:
            if k not in a.bits:
                return False
        return and_(*parts)
    if isinstance(a, MapV):
        return and_all(eq_const(ctx, x, y) for x, y in zip(a.vals, v))
    if isinstance(a, BagV):
        d = dict(v)
        if any(k not in a.counts for k in d):
            return False
        return and_all(ctx.int_eq_const(n, d.get(k, 0)) for k, n in a.counts.items())
    if isinstance(a, SeqV):
        if len(v) > len(a.items):
            return False
        return and_(ctx.int_eq_const(a.n, len(v)), *(eq_const(ctx, x, y) for x, y in zip(a.items, v)))
    if isinstance(a, bool):
        return a == v
    return a if v else z3.Not(a)


def ite(ctx: Ctx, c: Bool, a: Any, b: Any) -> Any:
    """If c then a else b, structurally."""
    if c is True or a is b:
        return a
    if c is False:
        return b
    if isinstance(a, IntV):
        return ctx.int_ite(c, a, b)
    if isinstance(a, EnumV):
        if a.const is not None and a.const == b.const:
            return a
        return EnumV(mk_ite(c, ctx.enum_term(a), ctx.enum_term(b)), None, a.values | b.values)
    if isinstance(a, TupleV):
        return TupleV(tuple(ite(ctx, c, x, y) for x, y in zip(a.elems, b.elems)))
    if isinstance(a, UnionV):
        fields = {}
        for tag in dict.fromkeys(itertools.chain(a.fields, b.fields)):
            fa, fb = a.fields.get(tag), b.fields.get(tag)
            if fa is None:
                fields[tag] = fb
            elif fb is None:
                fields[tag] = fa
            else:
                fields[tag] = tuple(ite(ctx, c, x, y) for x, y in zip(fa, fb))
        return UnionV(a.ut, ctx.int_ite(c, a.tag, b.tag), fields)
    if isinstance(a, SetV):
        bits = {}
        for k in _merged_keys(a, b):
            bits[k] = ite_b(c, a.bits.get(k, False), b.bits.get(k, False))
        return SetV(a.elem if not isinstance(a.elem, AnyT) else b.elem, bits)
    if isinstance(a, MapV):
        return MapV(a.key, tuple(ite(ctx, c, x, y) for x, y in zip(a.vals, b.vals)))
    if isinstance(a, BagV):
        counts = {k: ctx.int_ite(c, a.counts.get(k, _ZERO), b.counts.get(k, _ZERO)) for k in bag_keys(a, b)}
        return BagV(a.elem if not isinstance(a.elem, AnyT) else b.elem, counts)
    if isinstance(a, SeqV):  # capacities may differ: a missing item takes the other side's
        cap = max(len(a.items), len(b.items))
        items = []
        for k in range(cap):
            x = a.items[k] if k < len(a.items) else b.items[k]
            y = b.items[k] if k < len(b.items) else a.items[k]
            items.append(ite(ctx, c, x, y))
        return SeqV(a.elem if not isinstance(a.elem, AnyT) else b.elem, ctx.int_ite(c, a.n, b.n), tuple(items))
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
    if isinstance(x, BagV):
        keys = list(x.counts)
        combos = _product([list(range(n.lo, n.hi + 1)) for n in x.counts.values()])
        return [frozenset((k, c) for k, c in zip(keys, combo) if c) for combo in combos]
    if isinstance(x, bool) or not isinstance(x, (IntV, EnumV, TupleV, UnionV, SetV, MapV, SeqV)):
        return [False, True]
    if isinstance(x, IntV):
        if x.hi - x.lo >= UNIVERSE_LIMIT:
            raise EncodingError(f"an integer set element ranges over {x.lo} .. {x.hi}")
        return list(range(x.lo, x.hi + 1))
    if isinstance(x, EnumV):
        return sorted(x.values)
    if isinstance(x, TupleV):
        return _product([universe(ctx, e) for e in x.elems])
    if isinstance(x, UnionV):
        out: list[Any] = []
        for tag, _ in x.ut.variants:
            if tag in x.fields and ctx.int_eq_const(x.tag, tag_index(x.ut, tag)) is not False:
                out.extend((tag, *vals) for vals in _product([universe(ctx, e) for e in x.fields[tag]]))
        return out
    if isinstance(x, SetV):
        sure = [k for k, b in x.bits.items() if b is True]
        maybe = [k for k, b in x.bits.items() if b is not True and b is not False]
        if len(maybe) > 16:
            raise EncodingError(f"a set of sets ranges over 2^{len(maybe)} values")
        return [
            frozenset(sure) | frozenset(c) for r in range(len(maybe) + 1) for c in itertools.combinations(maybe, r)
        ]
    if isinstance(x, SeqV):
        out = []
        for n in range(x.n.lo, min(x.n.hi, len(x.items)) + 1):
            out.extend(_product([universe(ctx, e) for e in x.items[:n]]))
        return out
    return _product([universe(ctx, e) for e in x.vals])


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
    if isinstance(a, SetV):
        for k, x in a.bits.items():
            out.append(eq_b(x, b.bits.get(k, False)))
        for k, y in b.bits.items():
            if k not in a.bits:
                out.append(not_(y))
    elif isinstance(a, MapV):
        for x, y in zip(a.vals, b.vals):
            eq_leaves(ctx, x, y, out)
    elif isinstance(a, TupleV):
        for x, y in zip(a.elems, b.elems):
            eq_leaves(ctx, x, y, out)
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
