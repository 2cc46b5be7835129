"""Integer and enumeration arithmetic on symbolic values: `Ctx`, the encoding options and the
spec-wide tables (string table, domains) every symbolic value needs.

In bit-vector mode an `IntV`'s term is a signed bit-vector just wide enough for its interval;
each operation sign-extends its operands to the width of its result's interval, so none can
overflow. In integer mode the term is a Z3 Int. Known operands fold to Python ints.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

import z3

from pyspec.lang.types import Type, domain
from pyspec.symbolic.boolean import Bool, and_, not_, or_
from pyspec.symbolic.values import UNIVERSE_LIMIT, EncodingError, EnumV, IntV
from pyspec.symbolic.z3raw import mk_bv, mk_bvcmp, mk_eq, mk_extract, mk_ite, mk_not, mk_sign_ext


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
        self.lift_cache: dict[tuple[int, Any], Any] = {}  # lift()'s, by (id(type), value)
        self.lift_types: list[Type] = []  # keeps the types keyed by id alive
        self._numerals: dict[tuple[int, int], Any] = {}
        self._domain_cache: dict[Type, tuple] = {}
        self.bit_names: dict[tuple[str, Type], list] = {}  # fresh()'s set bits: (element, name) per (name, type)
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
        if have < width:
            return mk_sign_ext(x.term, width - have)
        # the interval is sound: the value fits in `width` bits
        return mk_extract(x.term, width - 1, 0)

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
            return IntV(mk_bv(op, x, y), lo, hi)
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
            return mk_bvcmp(op, x, y)
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



# ---- aggregates ----------------------------------------------------------------------------------


def count(ctx: Ctx, b: Bool) -> IntV:
    """1 if b else 0."""
    if b is True:
        return IntV(None, 1, 1)
    if b is False:
        return IntV(None, 0, 0)
    return ctx.int_ite(b, IntV(None, 1, 1), IntV(None, 0, 0))


def extreme(ctx: Ctx, kind: str, items: list) -> IntV:
    """min or max of the values whose condition holds (garbage when none does)."""
    best = None
    seen: Bool = False
    for cond, v in items:
        if cond is False:
            continue
        if best is None:
            best = v
        else:
            better = ctx.cmp("lt" if kind == "min" else "gt", v, best)
            best = ctx.int_ite(and_(cond, or_(not_(seen), better)), v, best)
        seen = or_(seen, cond)
    return best if best is not None else IntV(None, 0, 0)
