"""The Z3 representation of every type, in one home per type constructor (`Z3SEMS`): a value made
of fresh Z3 constants (a state variable), the symbolic form of an explicit value (`lift`), some
value (`default`), the constraint that a symbolic value is within a type (`in_type`), and the
explicit value read back from a Z3 model (`decode`)."""

from __future__ import annotations

from typing import Any

import z3

from pyspec.lang.types import (AnyT, BagT, BoolT, EnumT, IntT, MapT, RecordT, SeqT, SetT, TupleT, Type, UnionT, contains,
                               format_value, sort_key)
from pyspec.symbolic.boolean import Bool, and_, and_all, implies_, not_, or_, or_all
from pyspec.symbolic.ints import Ctx
from pyspec.symbolic.values import BagV, EnumV, IntV, MapV, SeqV, SetV, TupleV, UnionV, eq_const, seq_has, tag_index


# ---- the public functions: each looks up its type's (or its value's) entry --------------------


def lift(ctx: Ctx, t: Type, v: Any) -> Any:
    """The symbolic form of the explicit value `v` of type `t` (shared: never mutated)."""
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return IntV(None, v, v)
    key = (id(t), v)
    out = ctx.lift_cache.get(key)
    if out is None:
        ctx.lift_types.append(t)
        out = ctx.lift_cache[key] = _lift(ctx, t, v)
    return out


def _lift(ctx: Ctx, t: Type, v: Any) -> Any:
    # a scalar's form follows its Python value (`{}`'s AnyT elements included)
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return IntV(None, v, v)
    if isinstance(v, str):
        return EnumV(None, v, frozenset((v,)))
    return Z3SEMS[type(t)].lift(ctx, t, v)


def fresh(
    ctx: Ctx, t: Type, name: str, suffix: str, leaves: list, cons: list, never: frozenset[str] = frozenset()
) -> Any:
    """A value of type `t` made of new Z3 constants named `name...suffix`; appends them to
    `leaves` in a fixed order (so two fresh copies of one type align for substitution), and
    to `cons` the constraints that keep them within `t`. The value's intervals assume `cons`:
    every formula over it is meaningful only where they are asserted. A set bit whose name
    (without `suffix`) is in `never` is the constant False, with no leaf: an element proven never
    to be a member (`pyspec.symbolic.reach`)."""
    return Z3SEMS[type(t)].fresh(ctx, t, name, suffix, leaves, cons, never)


def default(ctx: Ctx, t: Type) -> Any:
    """Some value of type t, for a result that only matters on a path that raises an error."""
    return Z3SEMS[type(t)].default(ctx, t)


def in_type(ctx: Ctx, t: Type, x: Any) -> Bool:
    """x is a value of type t (the explicit `contains`)."""
    return Z3SEMS[type(t)].in_type(ctx, t, x)


def set_bits(ctx: Ctx, t: Type, name: str, path: tuple, out: list) -> None:
    """The set bits of a value of type `t` named `name` (as `fresh` names them), each with the
    path to its set in an explicit state and its element; none inside unions or sequences."""
    Z3SEMS[type(t)].set_bits(ctx, t, name, path, out)


def decode(ctx: Ctx, model: z3.ModelRef, x: Any) -> Any:
    """The explicit value of x in `model`."""
    s = _BY_VALUE.get(type(x))
    return s.decode(ctx, model, x) if s is not None else is_true_in(model, x)


# ---- one entry per type constructor -----------------------------------------------------------


class Z3Sem:
    """How the values of one type constructor are represented in Z3. `value_class`: the class of
    its symbolic values (read back by `decode`); None for bool (a Python bool or a Z3 Bool)."""

    value_class: type | None = None

    def lift(self, ctx: Ctx, t: Any, v: Any) -> Any:
        raise AssertionError(f"cannot lift {v!r} of type {t.show()}")

    def fresh(self, ctx: Ctx, t: Any, name: str, suffix: str, leaves: list, cons: list, never: frozenset[str]) -> Any:
        raise AssertionError(f"a state variable of type {t.show()}")

    def default(self, ctx: Ctx, t: Any) -> Any:
        return False

    def in_type(self, ctx: Ctx, t: Any, x: Any) -> Bool:
        return True

    def set_bits(self, ctx: Ctx, t: Any, name: str, path: tuple, out: list) -> None:
        """See `set_bits`: a type with no sets inside (that `pyspec.symbolic.reach` follows) has none."""

    def decode(self, ctx: Ctx, model: z3.ModelRef, x: Any) -> Any:
        return is_true_in(model, x)


class _BoolZ3(Z3Sem):
    def fresh(self, ctx: Ctx, t: BoolT, name: str, suffix: str, leaves: list, cons: list, never: frozenset[str]) -> Any:
        b = z3.Bool(name + suffix)
        leaves.append(b)
        return b


class _IntZ3(Z3Sem):
    value_class = IntV

    def fresh(self, ctx: Ctx, t: IntT, name: str, suffix: str, leaves: list, cons: list, never: frozenset[str]) -> Any:
        assert t.lo is not None and t.hi is not None, "fresh values are of finite types"
        x = ctx.int_var(name + suffix, t.lo, t.hi)
        leaves.append(x.term)
        cons.append(_range(ctx, x.term, t.lo, t.hi))
        return x

    def default(self, ctx: Ctx, t: IntT) -> Any:
        return IntV(None, t.lo if t.lo is not None else 0, t.lo if t.lo is not None else 0)

    def in_type(self, ctx: Ctx, t: IntT, x: Any) -> Bool:
        if t.lo is None or t.hi is None:
            return True
        return and_(ctx.cmp("le", IntV(None, t.lo, t.lo), x), ctx.cmp("le", x, IntV(None, t.hi, t.hi)))

    def decode(self, ctx: Ctx, model: z3.ModelRef, x: Any) -> Any:
        return ctx.int_value(model, x)


class _EnumZ3(Z3Sem):
    value_class = EnumV

    def fresh(self, ctx: Ctx, t: EnumT, name: str, suffix: str, leaves: list, cons: list, never: frozenset[str]) -> Any:
        ev = ctx.enum_var(name + suffix, t.values)
        leaves.append(ev.term)
        cons.append(z3.Or([ev.term == ctx.enum_term(EnumV(None, v, frozenset((v,)))) for v in t.values]))
        return ev

    def default(self, ctx: Ctx, t: EnumT) -> Any:
        return EnumV(None, t.values[0], frozenset(t.values[:1]))

    def in_type(self, ctx: Ctx, t: EnumT, x: Any) -> Bool:
        if x.values <= set(t.values):
            return True
        return or_all(ctx.enum_eq_const(x, s) for s in t.values)

    def decode(self, ctx: Ctx, model: z3.ModelRef, x: Any) -> Any:
        if x.const is not None:
            return x.const
        v = model.eval(x.term, model_completion=True)
        return ctx.strings[v.as_long() if ctx.bv else v.as_long()]


class _AnyZ3(Z3Sem):
    """`{}` before context fixes its element type: lifted as a set of whatever it holds."""

    def lift(self, ctx: Ctx, t: AnyT, v: Any) -> Any:
        if isinstance(v, frozenset):
            return SetV(t, {x: True for x in sorted(v, key=sort_key(t))})
        return super().lift(ctx, t, v)


class _SetZ3(Z3Sem):
    """One Boolean per possible element, keyed by the element's explicit value."""

    value_class = SetV

    def lift(self, ctx: Ctx, t: SetT, v: Any) -> Any:
        return SetV(t.elem, {x: True for x in sorted(v, key=sort_key(t.elem))})

    def fresh(self, ctx: Ctx, t: SetT, name: str, suffix: str, leaves: list, cons: list, never: frozenset[str]) -> Any:
        bits: dict = {}
        key = (name, t.elem)
        names = ctx.bit_names.get(key)  # the same for the state of every depth
        if names is None:
            names = ctx.bit_names[key] = [(v, f"{name}{{{show_key(t.elem, v)}}}") for v in ctx.domain(t.elem)]
        bool_sort = z3.BoolSort()
        for v, base in names:
            if base in never:
                bits[v] = False
                continue
            b = z3.Const(base + suffix, bool_sort)
            leaves.append(b)
            bits[v] = b
        return SetV(t.elem, bits)

    def default(self, ctx: Ctx, t: SetT) -> Any:
        return SetV(t.elem, {})

    def set_bits(self, ctx: Ctx, t: SetT, name: str, path: tuple, out: list) -> None:
        out.extend((f"{name}{{{show_key(t.elem, v)}}}", path, v) for v in ctx.domain(t.elem))

    def in_type(self, ctx: Ctx, t: SetT, x: Any) -> Bool:
        return and_all(not_(b) for k, b in x.bits.items() if not contains(t.elem, k))

    def decode(self, ctx: Ctx, model: z3.ModelRef, x: Any) -> Any:
        return frozenset(k for k, b in x.bits.items() if is_true_in(model, b))


class _MapZ3(Z3Sem):
    """One value per key, in the key type's domain order."""

    value_class = MapV

    def lift(self, ctx: Ctx, t: MapT, v: Any) -> Any:
        return MapV(t.key, tuple(lift(ctx, t.value, x) for x in v))

    def fresh(self, ctx: Ctx, t: MapT, name: str, suffix: str, leaves: list, cons: list, never: frozenset[str]) -> Any:
        return MapV(
            t.key,
            tuple(
                fresh(ctx, t.value, f"{name}[{show_key(t.key, k)}]", suffix, leaves, cons, never)
                for k in ctx.domain(t.key)
            ),
        )

    def default(self, ctx: Ctx, t: MapT) -> Any:
        return MapV(t.key, tuple(default(ctx, t.value) for _ in ctx.domain(t.key)))

    def set_bits(self, ctx: Ctx, t: MapT, name: str, path: tuple, out: list) -> None:
        for i, k in enumerate(ctx.domain(t.key)):
            set_bits(ctx, t.value, f"{name}[{show_key(t.key, k)}]", (*path, i), out)

    def in_type(self, ctx: Ctx, t: MapT, x: Any) -> Bool:
        return and_all(in_type(ctx, t.value, v) for v in x.vals)

    def decode(self, ctx: Ctx, model: z3.ModelRef, x: Any) -> Any:
        return tuple(decode(ctx, model, e) for e in x.vals)


class _BagZ3(Z3Sem):
    """A count (an int in 0 .. cap) per possible element."""

    value_class = BagV

    def lift(self, ctx: Ctx, t: BagT, v: Any) -> Any:
        return BagV(t.elem, {x: IntV(None, c, c) for x, c in sorted(v, key=lambda p: sort_key(t.elem)(p[0]))})

    def fresh(self, ctx: Ctx, t: BagT, name: str, suffix: str, leaves: list, cons: list, never: frozenset[str]) -> Any:
        counts = {}
        for v in ctx.domain(t.elem):
            c = ctx.int_var(f"{name}#{show_key(t.elem, v)}{suffix}", 0, t.cap)
            leaves.append(c.term)
            cons.append(_range(ctx, c.term, 0, t.cap))
            counts[v] = c
        return BagV(t.elem, counts)

    def default(self, ctx: Ctx, t: BagT) -> Any:
        return BagV(t.elem, {})

    def in_type(self, ctx: Ctx, t: BagT, x: Any) -> Bool:
        cap = IntV(None, t.cap, t.cap)
        return and_all(ctx.cmp("le", n, cap) if contains(t.elem, k) else ctx.int_eq_const(n, 0)
                       for k, n in x.counts.items())

    def decode(self, ctx: Ctx, model: z3.ModelRef, x: Any) -> Any:
        pairs = ((k, ctx.int_value(model, n)) for k, n in x.counts.items())
        return frozenset((k, c) for k, c in pairs if c > 0)


class _SeqZ3(Z3Sem):
    """A length and `cap` items; the items past the length are no part of the value."""

    value_class = SeqV

    def lift(self, ctx: Ctx, t: SeqT, v: Any) -> Any:
        return SeqV(t.elem, IntV(None, len(v), len(v)), tuple(lift(ctx, t.elem, x) for x in v))

    def fresh(self, ctx: Ctx, t: SeqT, name: str, suffix: str, leaves: list, cons: list, never: frozenset[str]) -> Any:
        # the length, then the items; an item past the length is held at the element type's
        # first value, so that one sequence is one assignment of the leaves
        length = ctx.int_var(f"{name}.len{suffix}", 0, t.cap)
        leaves.append(length.term)
        cons.append(_range(ctx, length.term, 0, t.cap))
        items = tuple(fresh(ctx, t.elem, f"{name}[{k}]", suffix, leaves, cons) for k in range(t.cap))
        first = ctx.domain(t.elem)[0]
        out = SeqV(t.elem, length, items)
        for k, x in enumerate(items):
            c = or_(seq_has(ctx, out, k), eq_const(ctx, x, first))
            if c is not True:
                cons.append(c)
        return out

    def default(self, ctx: Ctx, t: SeqT) -> Any:
        return SeqV(t.elem, IntV(None, 0, 0), tuple(default(ctx, t.elem) for _ in range(t.cap)))

    def in_type(self, ctx: Ctx, t: SeqT, x: Any) -> Bool:
        parts = [ctx.cmp("le", x.n, IntV(None, t.cap, t.cap))]
        parts += [implies_(seq_has(ctx, x, k), in_type(ctx, t.elem, v)) for k, v in enumerate(x.items)]
        return and_(*parts)

    def decode(self, ctx: Ctx, model: z3.ModelRef, x: Any) -> Any:
        return tuple(decode(ctx, model, e) for e in x.items[: ctx.int_value(model, x.n)])


class _TupleZ3(Z3Sem):
    value_class = TupleV

    def lift(self, ctx: Ctx, t: TupleT, v: Any) -> Any:
        return TupleV(tuple(lift(ctx, et, x) for et, x in zip(t.elems, v)))

    def fresh(self, ctx: Ctx, t: TupleT, name: str, suffix: str, leaves: list, cons: list, never: frozenset[str]) -> Any:
        return TupleV(tuple(fresh(ctx, e, f"{name}[{i}]", suffix, leaves, cons, never) for i, e in enumerate(t.elems)))

    def default(self, ctx: Ctx, t: TupleT) -> Any:
        return TupleV(tuple(default(ctx, x) for x in t.elems))

    def set_bits(self, ctx: Ctx, t: TupleT, name: str, path: tuple, out: list) -> None:
        for i, e in enumerate(t.elems):
            set_bits(ctx, e, f"{name}[{i}]", (*path, i), out)

    def in_type(self, ctx: Ctx, t: TupleT, x: Any) -> Bool:
        return and_all(in_type(ctx, e, v) for e, v in zip(t.elems, x.elems))

    def decode(self, ctx: Ctx, model: z3.ModelRef, x: Any) -> Any:
        return tuple(decode(ctx, model, e) for e in x.elems)


class _RecordZ3(_TupleZ3):
    """A record is a TupleV of its fields in field-name order."""

    def lift(self, ctx: Ctx, t: Any, v: Any) -> Any:
        return TupleV(tuple(lift(ctx, ft, x) for (_, ft), x in zip(t.fields, v)))

    def fresh(self, ctx: Ctx, t: Any, name: str, suffix: str, leaves: list, cons: list, never: frozenset[str]) -> Any:
        return TupleV(tuple(fresh(ctx, f, f"{name}.{n}", suffix, leaves, cons, never) for n, f in t.fields))

    def default(self, ctx: Ctx, t: Any) -> Any:
        return TupleV(tuple(default(ctx, x) for _, x in t.fields))

    def set_bits(self, ctx: Ctx, t: Any, name: str, path: tuple, out: list) -> None:
        for i, (n, f) in enumerate(t.fields):
            set_bits(ctx, f, f"{name}.{n}", (*path, i), out)

    def in_type(self, ctx: Ctx, t: Any, x: Any) -> Bool:
        return and_all(in_type(ctx, f, v) for (_, f), v in zip(t.fields, x.elems))


class _UnionZ3(Z3Sem):
    """A tag (an int over the variant's position) and, per variant the value may be, its fields."""

    value_class = UnionV

    def lift(self, ctx: Ctx, t: UnionT, v: Any) -> Any:
        fs = t.variant(v[0]) or ()
        pos = tag_index(t, v[0])
        return UnionV(t, IntV(None, pos, pos), {v[0]: tuple(lift(ctx, ft, x) for (_, ft), x in zip(fs, v[1:]))})

    def fresh(self, ctx: Ctx, t: UnionT, name: str, suffix: str, leaves: list, cons: list, never: frozenset[str]) -> Any:
        n = len(t.variants)
        if n == 1:
            tag = IntV(None, 0, 0)
        else:
            tag = ctx.int_var(f"{name}.tag{suffix}", 0, n - 1)
            leaves.append(tag.term)
            cons.append(_range(ctx, tag.term, 0, n - 1))
        fields = {
            vt: tuple(fresh(ctx, ft, f"{name}.{vt}.{fn}", suffix, leaves, cons, never) for fn, ft in fs)
            for vt, fs in t.variants
        }
        return UnionV(t, tag, fields)

    def default(self, ctx: Ctx, t: UnionT) -> Any:
        tag, fs = t.variants[0]
        return UnionV(t, IntV(None, 0, 0), {tag: tuple(default(ctx, x) for _, x in fs)})

    def in_type(self, ctx: Ctx, t: UnionT, x: Any) -> Bool:
        last = len(t.variants) - 1
        parts = [ctx.cmp("le", IntV(None, 0, 0), x.tag), ctx.cmp("le", x.tag, IntV(None, last, last))]
        for tag, vals in x.fields.items():
            fs = t.variant(tag) or ()
            ok = and_all(in_type(ctx, ft, v) for (_, ft), v in zip(fs, vals))
            if ok is not True:
                parts.append(implies_(ctx.int_eq_const(x.tag, tag_index(t, tag)), ok))
        return and_(*parts)

    def decode(self, ctx: Ctx, model: z3.ModelRef, x: Any) -> Any:
        tag = x.ut.variants[ctx.int_value(model, x.tag)][0]
        return (tag, *(decode(ctx, model, e) for e in x.fields[tag]))


Z3SEMS: dict[type, Z3Sem] = {
    BoolT: _BoolZ3(),
    IntT: _IntZ3(),
    EnumT: _EnumZ3(),
    SetT: _SetZ3(),
    SeqT: _SeqZ3(),
    BagT: _BagZ3(),
    MapT: _MapZ3(),
    TupleT: _TupleZ3(),
    RecordT: _RecordZ3(),
    UnionT: _UnionZ3(),
    AnyT: _AnyZ3(),
}
"""Every type constructor's Z3 representation (the symbolic engine's home of each value type)."""

_BY_VALUE: dict[type, Z3Sem] = {s.value_class: s for s in Z3SEMS.values() if s.value_class is not None}


def _range(ctx: Ctx, term: Any, lo: int, hi: int) -> Any:
    if ctx.bv:
        w = term.size()
        if lo == -(1 << (w - 1)) and hi == (1 << (w - 1)) - 1:
            return True
        return z3.And(term >= lo, term <= hi)  # z3py's >= on bit-vectors is signed
    return z3.And(term >= lo, term <= hi)


def show_key(t: Type, v: Any) -> str:
    """An element or key as the names of `fresh`'s constants spell it."""
    return format_value(t, v).replace(" ", "")


def is_true_in(model: z3.ModelRef, b: Bool) -> bool:
    """The symbolic Boolean b in `model`."""
    if isinstance(b, bool):
        return b
    return z3.is_true(model.eval(b, model_completion=True))
