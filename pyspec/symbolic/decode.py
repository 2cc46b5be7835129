"""Symbolic values made from types and explicit values, and explicit values read back from a
Z3 model: `lift`, `fresh` (a state's Z3 constants), `default`, `decode`."""

from __future__ import annotations

from typing import Any

import z3

from pyspec.lang.types import AnyT, BagT, BoolT, EnumT, IntT, MapT, RecordT, SeqT, SetT, TupleT, Type, UnionT, sort_key
from pyspec.symbolic.boolean import Bool, or_
from pyspec.symbolic.ints import Ctx
from pyspec.symbolic.values import BagV, EnumV, IntV, MapV, SeqV, SetV, TupleV, UnionV, eq_const, seq_has, tag_index


# ---- lifting explicit values -------------------------------------------------------------------


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
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return IntV(None, v, v)
    if isinstance(v, str):
        return EnumV(None, v, frozenset((v,)))
    if isinstance(t, BagT):
        return BagV(t.elem, {x: IntV(None, c, c) for x, c in sorted(v, key=lambda p: sort_key(t.elem)(p[0]))})
    if isinstance(v, frozenset):
        et = t.elem if isinstance(t, SetT) else AnyT()
        return SetV(et, {x: True for x in sorted(v, key=sort_key(et))})
    if isinstance(t, SeqT):
        return SeqV(t.elem, IntV(None, len(v), len(v)), tuple(lift(ctx, t.elem, x) for x in v))
    if isinstance(t, UnionT):
        fs = t.variant(v[0]) or ()
        pos = tag_index(t, v[0])
        return UnionV(t, IntV(None, pos, pos), {v[0]: tuple(lift(ctx, ft, x) for (_, ft), x in zip(fs, v[1:]))})
    if isinstance(t, MapT):
        return MapV(t.key, tuple(lift(ctx, t.value, x) for x in v))
    if isinstance(t, TupleT):
        return TupleV(tuple(lift(ctx, et, x) for et, x in zip(t.elems, v)))
    if isinstance(t, RecordT):
        return TupleV(tuple(lift(ctx, ft, x) for (_, ft), x in zip(t.fields, v)))
    raise AssertionError(f"cannot lift {v!r} of type {t.show()}")


# ---- fresh state variables ---------------------------------------------------------------------


def fresh(
    ctx: Ctx, t: Type, name: str, suffix: str, leaves: list, cons: list, never: frozenset[str] = frozenset()
) -> Any:
    """A value of type `t` made of new Z3 constants named `name...suffix`; appends them to
    `leaves` in a fixed order (so two fresh copies of one type align for substitution), and
    to `cons` the constraints that keep them within `t`. The value's intervals assume `cons`:
    every formula over it is meaningful only where they are asserted. A set bit whose name
    (without `suffix`) is in `never` is the constant False, with no leaf: an element proven never
    to be a member (`pyspec.symbolic.reach`)."""
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
        bits: dict = {}
        key = (name, t.elem)
        names = ctx.bit_names.get(key)  # the same for the state of every depth
        if names is None:
            names = ctx.bit_names[key] = [(v, f"{name}{{{_show_key(t.elem, v)}}}") for v in ctx.domain(t.elem)]
        bool_sort = z3.BoolSort()
        for v, base in names:
            if base in never:
                bits[v] = False
                continue
            b = z3.Const(base + suffix, bool_sort)
            leaves.append(b)
            bits[v] = b
        return SetV(t.elem, bits)
    if isinstance(t, MapT):
        return MapV(
            t.key,
            tuple(
                fresh(ctx, t.value, f"{name}[{_show_key(t.key, k)}]", suffix, leaves, cons, never)
                for k in ctx.domain(t.key)
            ),
        )
    if isinstance(t, BagT):
        counts = {}
        for v in ctx.domain(t.elem):
            c = ctx.int_var(f"{name}#{_show_key(t.elem, v)}{suffix}", 0, t.cap)
            leaves.append(c.term)
            cons.append(_range(ctx, c.term, 0, t.cap))
            counts[v] = c
        return BagV(t.elem, counts)
    if isinstance(t, SeqT):
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
    if isinstance(t, TupleT):
        return TupleV(tuple(fresh(ctx, e, f"{name}[{i}]", suffix, leaves, cons, never) for i, e in enumerate(t.elems)))
    if isinstance(t, RecordT):
        return TupleV(tuple(fresh(ctx, f, f"{name}.{n}", suffix, leaves, cons, never) for n, f in t.fields))
    if isinstance(t, UnionT):
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


# ---- a value of a type, and values read from a model ----------------------------------------------


def default(ctx: Ctx, t: Type) -> Any:
    """Some value of type t, for a result that only matters on a path that raises an error."""
    if isinstance(t, IntT):
        return IntV(None, t.lo if t.lo is not None else 0, t.lo if t.lo is not None else 0)
    if isinstance(t, EnumT):
        return EnumV(None, t.values[0], frozenset(t.values[:1]))
    if isinstance(t, SetT):
        return SetV(t.elem, {})
    if isinstance(t, MapT):
        return MapV(t.key, tuple(default(ctx, t.value) for _ in ctx.domain(t.key)))
    if isinstance(t, BagT):
        return BagV(t.elem, {})
    if isinstance(t, SeqT):
        return SeqV(t.elem, IntV(None, 0, 0), tuple(default(ctx, t.elem) for _ in range(t.cap)))
    if isinstance(t, TupleT):
        return TupleV(tuple(default(ctx, x) for x in t.elems))
    if isinstance(t, RecordT):
        return TupleV(tuple(default(ctx, x) for _, x in t.fields))
    if isinstance(t, UnionT):
        tag, fs = t.variants[0]
        return UnionV(t, IntV(None, 0, 0), {tag: tuple(default(ctx, x) for _, x in fs)})
    return False


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
    if isinstance(x, SeqV):
        return tuple(decode(ctx, model, e) for e in x.items[: ctx.int_value(model, x.n)])
    if isinstance(x, BagV):
        pairs = ((k, ctx.int_value(model, n)) for k, n in x.counts.items())
        return frozenset((k, c) for k, c in pairs if c > 0)
    return is_true_in(model, x)


def is_true_in(model: z3.ModelRef, b: Bool) -> bool:
    """The symbolic Boolean b in `model`."""
    if isinstance(b, bool):
        return b
    return z3.is_true(model.eval(b, model_completion=True))
