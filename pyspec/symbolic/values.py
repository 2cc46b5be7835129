"""Symbolic values: the Z3 representation of every pyspec type, and the type-directed
operations on it (equality, if-then-else, membership, type constraints, decoding).

The representation is chosen per type (measurements in docs/symbolic.md):

* bool: a Python bool when known, else a Z3 Bool.
* int (every range, and the unbounded `int` of intermediate arithmetic): `IntV`, a term with
  an interval [lo, hi] that is always sound. In bit-vector mode the term is a signed
  bit-vector just wide enough for its interval, so no operation can overflow: each operation
  sign-extends its operands to the width of its result's interval. In integer mode the term
  is a Z3 Int and the interval only serves folding and the sizes of finite sets.
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

import itertools
from typing import Any, Iterable, Sequence

import z3
from z3 import z3core as _api
from z3.z3types import Ast as _Ast

from pyspec.lang.types import (
    AnyT,
    BoolT,
    EnumT,
    IntT,
    MapT,
    RecordT,
    SetT,
    TupleT,
    Type,
    UnionT,
    contains,
    domain,
    sort_key,
)

Bool = Any  # bool | z3.BoolRef
UNIVERSE_LIMIT = 1 << 16  # the most elements a symbolic set may range over


class EncodingError(Exception):
    """The spec cannot be encoded within the symbolic engine's limits (a set over too many
    possible elements); raised as a UsageError by the engines."""


# ---- raw term constructors ---------------------------------------------------------------------
# z3py's And/Or/==/If re-check every argument's sort and context in Python, which dominated
# the encoding time (measured: 8.4 s of 12.8 s for Paxos); the operands here are already
# well-sorted, so the C API is called directly.


def _arr(terms: Sequence[Any]) -> Any:
    a = (_Ast * len(terms))()
    for i, t in enumerate(terms):
        a[i] = t.ast
    return a


def mk_and(terms: Sequence[Any]) -> z3.BoolRef:
    c = terms[0].ctx
    return z3.BoolRef(_api.Z3_mk_and(c.ref(), len(terms), _arr(terms)), c)


def mk_or(terms: Sequence[Any]) -> z3.BoolRef:
    c = terms[0].ctx
    return z3.BoolRef(_api.Z3_mk_or(c.ref(), len(terms), _arr(terms)), c)


def mk_not(t: Any) -> z3.BoolRef:
    c = t.ctx
    return z3.BoolRef(_api.Z3_mk_not(c.ref(), t.ast), c)


def mk_implies(a: Any, b: Any) -> z3.BoolRef:
    c = a.ctx
    return z3.BoolRef(_api.Z3_mk_implies(c.ref(), a.ast, b.ast), c)


def mk_eq(a: Any, b: Any) -> z3.BoolRef:
    c = a.ctx
    return z3.BoolRef(_api.Z3_mk_eq(c.ref(), a.ast, b.ast), c)


def mk_ite(cond: Any, a: Any, b: Any) -> Any:
    c = cond.ctx
    return a.__class__(_api.Z3_mk_ite(c.ref(), cond.ast, a.ast, b.ast), c)


def mk_bv(fn: Any, a: Any, b: Any) -> z3.BitVecRef:
    c = a.ctx
    return z3.BitVecRef(fn(c.ref(), a.ast, b.ast), c)


def mk_bvcmp(fn: Any, a: Any, b: Any) -> z3.BoolRef:
    c = a.ctx
    return z3.BoolRef(fn(c.ref(), a.ast, b.ast), c)


# ---- booleans ----------------------------------------------------------------------------------


def zb(x: Bool) -> z3.BoolRef:
    """A Z3 term for a symbolic Boolean."""
    if x is True:
        return z3.BoolVal(True)
    if x is False:
        return z3.BoolVal(False)
    return x


def and_(*xs: Bool) -> Bool:
    terms = []
    for x in xs:
        if x is False:
            return False
        if x is not True:
            terms.append(x)
    if not terms:
        return True
    if len(terms) == 1:
        return terms[0]
    return mk_and(terms)


def and_all(xs: Iterable[Bool]) -> Bool:
    return and_(*xs)


def or_(*xs: Bool) -> Bool:
    terms = []
    for x in xs:
        if x is True:
            return True
        if x is not False:
            terms.append(x)
    if not terms:
        return False
    if len(terms) == 1:
        return terms[0]
    return mk_or(terms)


def or_all(xs: Iterable[Bool]) -> Bool:
    return or_(*xs)


def not_(x: Bool) -> Bool:
    if x is True:
        return False
    if x is False:
        return True
    return mk_not(x)


def implies_(a: Bool, b: Bool) -> Bool:
    if a is False or b is True:
        return True
    if a is True:
        return b
    if b is False:
        return mk_not(a)
    return mk_implies(a, b)


def ite_b(c: Bool, a: Bool, b: Bool) -> Bool:
    if c is True or a is b:
        return a
    if c is False:
        return b
    if a is True:
        return or_(c, b)
    if a is False:
        return and_(not_(c), b)
    if b is True:
        return or_(not_(c), a)
    if b is False:
        return and_(c, a)
    return mk_ite(c, a, b)


def eq_b(a: Bool, b: Bool) -> Bool:
    if a is b:
        return True
    if isinstance(a, bool) and isinstance(b, bool):
        return a == b
    if a is True:
        return b
    if b is True:
        return a
    if a is False:
        return mk_not(b)
    if b is False:
        return mk_not(a)
    return mk_eq(a, b)


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


class _NoConst:
    def __repr__(self) -> str:
        return "NOCONST"


NOCONST = _NoConst()


def _bits(lo: int, hi: int) -> int:
    """The width of the smallest signed bit-vector holding every integer in [lo, hi]."""
    w = 1
    while not (-(1 << (w - 1)) <= lo and hi <= (1 << (w - 1)) - 1):
        w += 1
    return w


class Ctx:
    """Encoding options and the spec-wide tables every symbolic value needs."""

    def __init__(self, strings: Sequence[str], bitvectors: bool = True) -> None:
        self.bv = bitvectors
        self.strings = tuple(strings)
        self.string_index = {s: i for i, s in enumerate(self.strings)}
        self.enum_width = _bits(0, max(1, len(self.strings)))
        self._lift_cache: dict[tuple[int, Any], Any] = {}
        self._lift_types: list[Type] = []  # keeps the types keyed by id alive
        self._numerals: dict[tuple[int, int], Any] = {}
        self._domain_cache: dict[Type, tuple] = {}
        self._index_cache: dict[Type, dict] = {}

    # ---- integers ------------------------------------------------------------------------------

    def int_const(self, c: int) -> IntV:
        return IntV(None, c, c)

    def term(self, x: IntV, width: int | None = None) -> Any:
        """x's Z3 term, sign-extended to `width` in bit-vector mode."""
        if not self.bv:
            return z3.IntVal(x.lo) if x.term is None else x.term
        if width is None:
            width = _bits(x.lo, x.hi)
        if x.term is None:
            key = (x.lo, width)
            t = self._numerals.get(key)
            if t is None:
                t = self._numerals[key] = z3.BitVecVal(x.lo, width)
            return t
        have = x.term.size()
        if have == width:
            return x.term
        c = x.term.ctx
        if have < width:
            return z3.BitVecRef(_api.Z3_mk_sign_ext(c.ref(), width - have, x.term.ast), c)
        # the interval is sound: the value fits in `width` bits
        return z3.BitVecRef(_api.Z3_mk_extract(c.ref(), width - 1, 0, x.term.ast), c)

    def int_var(self, name: str, lo: int, hi: int) -> IntV:
        if self.bv:
            return IntV(z3.BitVec(name, _bits(lo, hi)), lo, hi)
        return IntV(z3.Int(name), lo, hi)

    def _width(self, *xs: IntV, lo: int = 0, hi: int = 0) -> int:
        w = _bits(lo, hi)
        for x in xs:
            w = max(w, _bits(x.lo, x.hi))
        return w

    def arith(self, op: str, a: IntV, b: IntV) -> IntV:
        """a op b for op in add sub mul; exact (no overflow) in both modes."""
        if op == "add":
            lo, hi = a.lo + b.lo, a.hi + b.hi
        elif op == "sub":
            lo, hi = a.lo - b.hi, a.hi - b.lo
        else:
            ps = (a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi)
            lo, hi = min(ps), max(ps)
        ca, cb = a.const, b.const
        if ca is not None and cb is not None:
            v = ca + cb if op == "add" else ca - cb if op == "sub" else ca * cb
            return IntV(None, v, v)
        if lo == hi:
            return IntV(None, lo, hi)
        if op == "add" and cb == 0 or op == "sub" and cb == 0:
            return a
        if op == "add" and ca == 0:
            return b
        if op == "mul" and (ca == 1 or cb == 1):
            return b if ca == 1 else a
        if self.bv:
            w = self._width(a, b, lo=lo, hi=hi)
            x, y = self.term(a, w), self.term(b, w)
            fn = _api.Z3_mk_bvadd if op == "add" else _api.Z3_mk_bvsub if op == "sub" else _api.Z3_mk_bvmul
            return IntV(mk_bv(fn, x, y), lo, hi)
        x, y = self.term(a), self.term(b)
        t = x + y if op == "add" else x - y if op == "sub" else x * y
        return IntV(t, lo, hi)

    def neg(self, a: IntV) -> IntV:
        if a.const is not None:
            return IntV(None, -a.lo, -a.lo)
        w = self._width(a, lo=-a.hi, hi=-a.lo) if self.bv else None
        return IntV(-self.term(a, w), -a.hi, -a.lo)

    def divmod_(self, op: str, a: IntV, b: IntV) -> IntV:
        """Python's floor division and modulo (the divisor's sign); garbage when b == 0,
        which the caller reports as an evaluation error."""
        ca, cb = a.const, b.const
        if ca is not None and cb is not None and cb != 0:
            v = ca // cb if op == "div" else ca % cb
            return IntV(None, v, v)
        m = max(abs(a.lo), abs(a.hi))
        bm = max(abs(b.lo), abs(b.hi), 1)
        if op == "div":
            if a.lo >= 0 and b.lo > 0:
                lo, hi = a.lo // b.hi, a.hi // b.lo
            else:
                lo, hi = -m, m
        else:
            if b.lo > 0:
                lo, hi = 0, b.hi - 1
                if a.lo >= 0 and a.hi < b.lo:
                    return a  # a % b == a
            elif b.hi < 0:
                lo, hi = b.lo + 1, 0
            else:
                lo, hi = -(bm - 1), bm - 1
        if self.bv:
            # r = bvsmod(a, b) has the sign of b, as Python's %; (a - r) is a multiple of b,
            # so the exact division bvsdiv(a - r, b) is floor division.
            w = self._width(a, b, lo=min(lo, a.lo - bm), hi=max(hi, a.hi + bm))
            x, y = self.term(a, w), self.term(b, w)
            r = z3.SRem(x, y)
            r = z3.If(z3.Or(r == 0, (r < 0) == (y < 0)), r, r + y)
            t = r if op == "mod" else (x - r) / y
            if w > _bits(lo, hi):  # the result fits its interval: keep the low bits
                t = z3.Extract(_bits(lo, hi) - 1, 0, t)
            return IntV(t, lo, hi)
        x, y = self.term(a), self.term(b)
        e = x % y  # SMT-LIB mod: 0 <= e < |y|
        r = z3.If(z3.Or(e == 0, y > 0), e, e + y)
        t = r if op == "mod" else (x - r) / y
        return IntV(t, lo, hi)

    def cmp(self, op: str, a: IntV, b: IntV) -> Bool:
        """a op b for op in eq ne lt le gt ge."""
        if op in ("gt", "ge"):
            a, b, op = b, a, ("lt" if op == "gt" else "le")
        if op == "lt":
            if a.hi < b.lo:
                return True
            if a.lo >= b.hi:
                return False
        elif op == "le":
            if a.hi <= b.lo:
                return True
            if a.lo > b.hi:
                return False
        else:
            if a.hi < b.lo or b.hi < a.lo:
                return op == "ne"
            if a.lo == a.hi == b.lo == b.hi:
                return op == "eq"
        if a.term is not None and a.term is b.term:
            return op in ("eq", "le")
        w = self._width(a, b) if self.bv else None
        x, y = self.term(a, w), self.term(b, w)
        if op == "eq":
            return mk_eq(x, y)
        if op == "ne":
            return mk_not(mk_eq(x, y))
        if self.bv:
            return mk_bvcmp(_api.Z3_mk_bvslt if op == "lt" else _api.Z3_mk_bvsle, x, y)
        if op == "lt":
            return x < y
        return x <= y

    def int_ite(self, c: Bool, a: IntV, b: IntV) -> IntV:
        if c is True or a is b:
            return a
        if c is False:
            return b
        if a.const is not None and a.const == b.const:
            return a
        lo, hi = min(a.lo, b.lo), max(a.hi, b.hi)
        w = self._width(a, b) if self.bv else None
        return IntV(mk_ite(c, self.term(a, w), self.term(b, w)), lo, hi)

    def int_eq_const(self, a: IntV, v: int) -> Bool:
        if v < a.lo or v > a.hi:
            return False
        if a.lo == a.hi:
            return True
        w = self._width(a, lo=v, hi=v) if self.bv else None
        return mk_eq(self.term(a, w), self.term(IntV(None, v, v), w))

    def int_value(self, model: z3.ModelRef, a: IntV) -> int:
        if a.term is None:
            return a.lo
        v = model.eval(a.term, model_completion=True)
        return v.as_signed_long() if self.bv else v.as_long()

    # ---- enumerations --------------------------------------------------------------------------

    def enum_term(self, x: EnumV) -> Any:
        if x.const is None:
            return x.term
        i = self.string_index[x.const]
        return z3.BitVecVal(i, self.enum_width) if self.bv else z3.IntVal(i)

    def enum_var(self, name: str, values: Iterable[str]) -> EnumV:
        t = z3.BitVec(name, self.enum_width) if self.bv else z3.Int(name)
        return EnumV(t, None, frozenset(values))

    def enum_eq_const(self, x: EnumV, s: str) -> Bool:
        if s not in x.values:
            return False
        if x.const is not None:
            return x.const == s
        return mk_eq(x.term, self.enum_term(EnumV(None, s, frozenset((s,)))))

    # ---- domains -------------------------------------------------------------------------------

    def domain(self, t: Type) -> tuple:
        d = self._domain_cache.get(t)
        if d is None:
            try:
                d = domain(t, UNIVERSE_LIMIT)
            except ValueError as e:
                raise EncodingError(str(e)) from None
            self._domain_cache[t] = d
        return d

    def key_ordinal(self, t: Type) -> dict:
        d = self._index_cache.get(t)
        if d is None:
            d = {v: i for i, v in enumerate(self.domain(t))}
            self._index_cache[t] = d
        return d


# ---- lifting explicit values -------------------------------------------------------------------


def lift(ctx: Ctx, t: Type, v: Any) -> Any:
    """The symbolic form of the explicit value `v` of type `t` (shared: never mutated)."""
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return IntV(None, v, v)
    key = (id(t), v)
    out = ctx._lift_cache.get(key)
    if out is None:
        ctx._lift_types.append(t)
        out = ctx._lift_cache[key] = _lift(ctx, t, v)
    return out


def _lift(ctx: Ctx, t: Type, v: Any) -> Any:
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return IntV(None, v, v)
    if isinstance(v, str):
        return EnumV(None, v, frozenset((v,)))
    if isinstance(v, frozenset):
        et = t.elem if isinstance(t, SetT) else AnyT()
        return SetV(et, {x: True for x in sorted(v, key=sort_key(et))})
    if isinstance(t, UnionT):
        fs = t.variant(v[0]) or ()
        pos = _tag_index(t, v[0])
        return UnionV(t, IntV(None, pos, pos), {v[0]: tuple(lift(ctx, ft, x) for (_, ft), x in zip(fs, v[1:]))})
    if isinstance(t, MapT):
        return MapV(t.key, tuple(lift(ctx, t.value, x) for x in v))
    if isinstance(t, TupleT):
        return TupleV(tuple(lift(ctx, et, x) for et, x in zip(t.elems, v)))
    if isinstance(t, RecordT):
        return TupleV(tuple(lift(ctx, ft, x) for (_, ft), x in zip(t.fields, v)))
    raise AssertionError(f"cannot lift {v!r} of type {t.show()}")


def _tag_index(ut: UnionT, tag: str) -> int:
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
    return NOCONST  # a Z3 Bool


# ---- fresh state variables ---------------------------------------------------------------------


def fresh(ctx: Ctx, t: Type, name: str, suffix: str, leaves: list, cons: list) -> Any:
    """A value of type `t` made of new Z3 constants named `name...suffix`; appends them to
    `leaves` in a fixed order (so two fresh copies of one type align for substitution), and
    to `cons` the constraints that keep them within `t`. The value's intervals assume `cons`:
    every formula over it is meaningful only where they are asserted."""
    if isinstance(t, BoolT):
        b = z3.Bool(name + suffix)
        leaves.append(b)
        return b
    if isinstance(t, IntT):
        assert t.lo is not None and t.hi is not None, "fresh values are of finite types"
        x = ctx.int_var(name + suffix, t.lo, t.hi)
        leaves.append(x.term)
        cons.append(_range(ctx, x.term, t.lo, t.hi))
        return x
    if isinstance(t, EnumT):
        ev = ctx.enum_var(name + suffix, t.values)
        leaves.append(ev.term)
        cons.append(z3.Or([ev.term == ctx.enum_term(EnumV(None, v, frozenset((v,)))) for v in t.values]))
        return ev
    if isinstance(t, SetT):
        bits = {}
        for v in ctx.domain(t.elem):
            b = z3.Bool(f"{name}{{{_show_key(t.elem, v)}}}{suffix}")
            leaves.append(b)
            bits[v] = b
        return SetV(t.elem, bits)
    if isinstance(t, MapT):
        return MapV(
            t.key,
            tuple(
                fresh(ctx, t.value, f"{name}[{_show_key(t.key, k)}]", suffix, leaves, cons) for k in ctx.domain(t.key)
            ),
        )
    if isinstance(t, TupleT):
        return TupleV(tuple(fresh(ctx, e, f"{name}[{i}]", suffix, leaves, cons) for i, e in enumerate(t.elems)))
    if isinstance(t, RecordT):
        return TupleV(tuple(fresh(ctx, f, f"{name}.{n}", suffix, leaves, cons) for n, f in t.fields))
    if isinstance(t, UnionT):
        n = len(t.variants)
        if n == 1:
            tag = IntV(None, 0, 0)
        else:
            tag = ctx.int_var(f"{name}.tag{suffix}", 0, n - 1)
            leaves.append(tag.term)
            cons.append(_range(ctx, tag.term, 0, n - 1))
        fields = {
            vt: tuple(fresh(ctx, ft, f"{name}.{vt}.{fn}", suffix, leaves, cons) for fn, ft in fs)
            for vt, fs in t.variants
        }
        return UnionV(t, tag, fields)
    raise AssertionError(f"a state variable of type {t.show()}")


def _range(ctx: Ctx, term: Any, lo: int, hi: int) -> Any:
    if ctx.bv:
        w = term.size()
        if lo == -(1 << (w - 1)) and hi == (1 << (w - 1)) - 1:
            return True
        return z3.And(term >= lo, term <= hi)  # z3py's >= on bit-vectors is signed
    return z3.And(term >= lo, term <= hi)


def _show_key(t: Type, v: Any) -> str:
    from pyspec.lang.types import format_value

    return format_value(t, v).replace(" ", "")


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
                parts.append(implies_(ctx.int_eq_const(a.tag, _tag_index(a.ut, tag)), fe))
        return and_(*parts)
    if isinstance(a, SetV):
        parts = [eq_b(ba, b.bits.get(k, False)) for k, ba in a.bits.items()]
        parts += [not_(bb) for k, bb in b.bits.items() if k not in a.bits]
        return and_(*parts)
    if isinstance(a, MapV):
        return and_all(eq(ctx, x, y) for x, y in zip(a.vals, b.vals))
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
            ctx.int_eq_const(a.tag, _tag_index(a.ut, v[0])), *(eq_const(ctx, x, y) for x, y in zip(fa, v[1:]))
        )
    if isinstance(a, SetV):
        parts = [b if k in v else not_(b) for k, b in a.bits.items()]
        for k in v:
            if k not in a.bits:
                return False
        return and_(*parts)
    if isinstance(a, MapV):
        return and_all(eq_const(ctx, x, y) for x, y in zip(a.vals, v))
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
    return ite_b(c, a, b)


def _merged_keys(a: SetV, b: SetV) -> list:
    if a.bits.keys() == b.bits.keys():
        return list(a.bits)
    elem = a.elem if not isinstance(a.elem, AnyT) else b.elem
    return sorted(set(a.bits) | set(b.bits), key=sort_key(elem))


def in_type(ctx: Ctx, t: Type, x: Any) -> Bool:
    """x is a value of type t (the explicit `contains`)."""
    if isinstance(t, IntT):
        if t.lo is None or t.hi is None:
            return True
        return and_(ctx.cmp("le", IntV(None, t.lo, t.lo), x), ctx.cmp("le", x, IntV(None, t.hi, t.hi)))
    if isinstance(t, EnumT):
        if x.values <= set(t.values):
            return True
        return or_all(ctx.enum_eq_const(x, s) for s in t.values)
    if isinstance(t, SetT):
        return and_all(not_(b) for k, b in x.bits.items() if not contains(t.elem, k))
    if isinstance(t, MapT):
        return and_all(in_type(ctx, t.value, v) for v in x.vals)
    if isinstance(t, TupleT):
        return and_all(in_type(ctx, e, v) for e, v in zip(t.elems, x.elems))
    if isinstance(t, RecordT):
        return and_all(in_type(ctx, f, v) for (_, f), v in zip(t.fields, x.elems))
    if isinstance(t, UnionT):
        parts = [ctx.cmp("le", IntV(None, 0, 0), x.tag), ctx.cmp("le", x.tag, IntV(None, len(t.variants) - 1, len(t.variants) - 1))]
        for tag, vals in x.fields.items():
            fs = t.variant(tag) or ()
            ok = and_all(in_type(ctx, ft, v) for (_, ft), v in zip(fs, vals))
            if ok is not True:
                parts.append(implies_(ctx.int_eq_const(x.tag, _tag_index(t, tag)), ok))
        return and_(*parts)
    return True


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
    if isinstance(x, bool) or not isinstance(x, (IntV, EnumV, TupleV, UnionV, SetV, MapV)):
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
            if tag in x.fields and ctx.int_eq_const(x.tag, _tag_index(x.ut, tag)) is not False:
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
    return _product([universe(ctx, e) for e in x.vals])


def _product(parts: list[list]) -> list:
    n = 1
    for p in parts:
        n *= len(p)
    if n > UNIVERSE_LIMIT:
        raise EncodingError(f"a set element ranges over {n:,} values (limit {UNIVERSE_LIMIT:,})")
    return [tuple(p) for p in itertools.product(*parts)]


def decode(ctx: Ctx, model: z3.ModelRef, x: Any) -> Any:
    """The explicit value of x in `model`."""
    if isinstance(x, IntV):
        return ctx.int_value(model, x)
    if isinstance(x, EnumV):
        if x.const is not None:
            return x.const
        v = model.eval(x.term, model_completion=True)
        return ctx.strings[v.as_long() if ctx.bv else v.as_long()]
    if isinstance(x, TupleV):
        return tuple(decode(ctx, model, e) for e in x.elems)
    if isinstance(x, UnionV):
        tag = x.ut.variants[ctx.int_value(model, x.tag)][0]
        return (tag, *(decode(ctx, model, e) for e in x.fields[tag]))
    if isinstance(x, SetV):
        return frozenset(k for k, b in x.bits.items() if is_true_in(model, b))
    if isinstance(x, MapV):
        return tuple(decode(ctx, model, e) for e in x.vals)
    return is_true_in(model, x)


def is_true_in(model: z3.ModelRef, b: Bool) -> bool:
    if isinstance(b, bool):
        return b
    return z3.is_true(model.eval(b, model_completion=True))
