"""Declarations -> the spec's scope: type expressions, params and their `-D` overrides, variables.

Also the constant evaluator that fixes params' values and ranges' bounds (`_const_value`, on
the operator table).
"""

from __future__ import annotations

import re
from typing import Any

from pyspec.errors import ParamError, PyspecError, SpecErrors, SpecEvalError, SpecNameError, SpecTypeError
from pyspec.lang import ast as A
from pyspec.lang import typed as T
from pyspec.lang.ops import COMPS, FAILURES, FNS, OPS, Fail, Op, fails, int_range
from pyspec.lang.scope import CheckerState, Frame, did_you_mean, name_error
from pyspec.lang.types import (
    BOOL,
    DOMAIN_LIMIT,
    BagT,
    INT,
    EnumT,
    IntT,
    MapT,
    RecordT,
    SeqT,
    SetT,
    TupleT,
    Type,
    UnionT,
    contains,
    enum_type,
    is_finite,
    sort_key,
    too_large_to_enumerate,
)


class Resolver(CheckerState):
    """The checker's rules for params, type aliases, variable declarations and type expressions."""

    def _param(self, p: A.Param) -> None:
        ty = self._type(p.type)
        if p.name in self.overrides:
            text = self.overrides.pop(p.name)
            if isinstance(ty, EnumT) and text.isidentifier():
                if text not in ty.values:
                    raise ParamError(f"-D {p.name}={text}: not a value of {ty.show()}", code="PS504")
                text = f'"{text}"'  # -D FD=S for an enumeration param: the quotes are optional
            _readable_digits(p.name, text)
            try:
                te = self._expr(_parse_value(text), Frame())
                self._expect(te, ty, te.span, f"param '{p.name}'")
                value = self._const(te)
            except PyspecError as e:
                raise ParamError(f"-D {p.name}={_cut(text)}: {e.message}", hint=e.hint, code="PS502") from None
            try:
                repr(value)  # every report prints it: Python writes at most 4,300 digits of an int
            except ValueError:
                raise ParamError(f"-D {p.name}={_cut(text)}: the value is an integer of more than "
                                 f"{_MAX_DIGITS:,} digits, which no report can print",
                                 hint="give a smaller value", code="PS502") from None
            if not contains(ty, value):
                raise ParamError(f"-D {p.name}={text}: not a value of {ty.show()}", code="PS504")
        elif p.default is None:
            raise ParamError(
                f"param '{p.name}' has no default; give it with -D {p.name}=VALUE", p.span, code="PS503"
            )
        else:
            te = self._expr(p.default, Frame())
            self._expect(te, ty, p.default.span, f"the default of param '{p.name}'")
            value = self._const(te)
            if not contains(ty, value):
                raise SpecTypeError(f"{_show_raw(value)} is not a value of {ty.show()}", p.default.span, code="PS301")
        self.params[p.name] = (value, ty)

    def _typedef(self, d: A.TypeDef) -> bool:
        t = d.type
        if isinstance(t, A.NamedType) and t.name not in self.types and t.name not in self.broken:
            raise SpecNameError(
                f"unknown type '{t.name}'",
                t.span,
                hint=did_you_mean(t.name, self.types) or f"a union variant without fields is written {t.name}()",
                code="PS202",
            )
        if d.name not in self.types:
            self.types[d.name] = self._type(d.type, name=d.name)
        return True

    def _vardecl(self, d: A.VarDecl) -> None:
        ty = self._type(d.type)
        if not is_finite(ty):
            raise SpecTypeError(
                f"variable '{d.name}' has type {ty.show()}, which is not finite",
                d.type.span,
                hint="use a range such as 0 .. 3 instead of int",
                code="PS302",
            )
        self.vars[d.name] = (len(self.var_infos), ty)
        self.var_infos.append(T.VarInfo(d.name, ty, d.unknown, span=d.span))
        if d.unknown:
            self.unknowns.add(d.name)

    def _type(self, t: A.TypeExpr, name: str | None = None) -> Type:
        if isinstance(t, A.BoolType):
            return BOOL
        if isinstance(t, A.IntType):
            return INT
        if isinstance(t, A.NamedType):
            if t.name in self.types:
                return self.types[t.name]
            if t.name in self.broken:
                raise SpecErrors(())
            raise name_error(f"unknown type '{t.name}'", t.span, t.name, self.types, "PS202")
        if isinstance(t, A.RangeType):
            lo = self._const(self._expr(t.lo, Frame()))
            hi = self._const(self._expr(t.hi, Frame()))
            if not isinstance(lo, int) or not isinstance(hi, int) or isinstance(lo, bool) or isinstance(hi, bool):
                raise SpecTypeError("range bounds must be integers", t.span, code="PS303")
            if hi < lo:
                given = ", ".join(f"-D {n}={v}" for n, v in self.given.items())
                raise SpecTypeError(
                    f"empty range {lo} .. {hi}",
                    t.span,
                    hint=f"the params were set on the command line: {given}" if given else None,
                    code="PS304",
                )
            return IntT(lo, hi)
        if isinstance(t, A.EnumType):
            if len(set(t.values)) != len(t.values):
                raise SpecTypeError("an enumeration lists a value twice", t.span, code="PS305")
            return enum_type(t.values)
        if isinstance(t, A.SetType):
            return SetT(self._type(t.elem))
        if isinstance(t, A.MapType):
            key = self._type(t.key)
            if not is_finite(key):
                raise SpecTypeError(
                    f"map keys must have a finite type, not {key.show()}", t.key.span, code="PS306"
                )
            size = too_large_to_enumerate(key)
            if size is not None:
                raise SpecTypeError(
                    f"map keys of type {key.show()} have {size} values; the limit is {DOMAIN_LIMIT:,} (2^20), "
                    "because a map holds one entry per key",
                    t.key.span,
                    code="PS333",
                )
            return MapT(key, self._type(t.value))
        if isinstance(t, A.BoundedType):
            return self._bounded_type(t)
        if isinstance(t, A.TupleType):
            return TupleT(tuple(self._type(e) for e in t.elems))
        if isinstance(t, A.RecordType):
            names = [f.name for f in t.fields]
            if len(set(names)) != len(names):
                raise SpecTypeError("a record type lists a field twice", t.span, code="PS307")
            return RecordT(tuple(sorted((f.name, self._type(f.type)) for f in t.fields)))
        if isinstance(t, A.UnionType):
            variants = []
            for v in t.variants:
                if v.name in self.variants or v.name in self.types:
                    raise SpecNameError(f"variant name '{v.name}' is already used", v.span, code="PS203")
                fields = tuple((f.name, self._type(f.type)) for f in v.fields)
                if len({n for n, _ in fields}) != len(fields):
                    raise SpecTypeError(f"variant '{v.name}' lists a field twice", v.span, code="PS307")
                variants.append((v.name, fields))
            ut = UnionT(name or "union", tuple(variants))
            for tag, fields in variants:
                self.variants[tag] = (ut, fields)
            return ut
        raise AssertionError(t)

    def _const(self, e: T.Expr) -> Any:
        return _const_value(e)

    def _bounded_type(self, t: A.BoundedType) -> Type:
        """`seq[T, N]` (at most N elements), `bag[T, K]` (each element at most K times): the bound a
        constant of at least 1."""
        if t.kind not in ("seq", "bag"):
            raise SpecTypeError(f"unknown type '{t.kind}[...]'", t.span,
                                hint="the bounded types are seq[T, N] and bag[T, K]", code="PS335")
        elem = self._type(t.elem)
        n = self._const(self._expr(t.bound, Frame()))
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise SpecTypeError(f"the capacity of {t.kind}[...] must be an integer constant of at least 1, "
                                f"found {n!r}", t.bound.span, code="PS335")
        if t.kind == "bag" and not is_finite(elem):
            raise SpecTypeError(f"a bag's elements must have a finite type, not {elem.show()}", t.elem.span,
                                code="PS335")
        return SeqT(elem, n) if t.kind == "seq" else BagT(elem, n)


def _const_value(e: T.Expr, env: dict[int, Any] | None = None) -> Any:
    """Evaluate an expression over literals and params (types' bounds, params' defaults);
    `env`: the values of the comprehension variables bound around it (slot -> value)."""
    if isinstance(e, T.Const):
        return e.value
    if isinstance(e, T.Local) and env is not None and e.slot in env:
        return env[e.slot]
    if isinstance(e, T.Unary):
        return OPS[e.op].py(_const_value(e.operand, env))
    if isinstance(e, T.Binary):
        sem = OPS[e.op]
        if sem.lazy:  # `and`/`or`: the right side only when the left does not decide, as every engine
            a = _const_value(e.left, env)
            if (e.op == Op.AND and not a) or (e.op == Op.OR and a):
                return a
            return sem.py(a, _const_value(e.right, env))
        a, b = _const_value(e.left, env), _const_value(e.right, env)
        if fails(e.op, a, b):
            _const_fail(e, FAILURES[sem.failure].message())  # type: ignore[index]
        return sem.py(a, b)
    if isinstance(e, T.IfExp):
        return _const_value(e.then, env) if _const_value(e.cond, env) else _const_value(e.orelse, env)
    if isinstance(e, T.SetLit):
        return frozenset(_const_value(x, env) for x in e.elems)
    if isinstance(e, T.TupleLit):
        return tuple(_const_value(x, env) for x in e.elems)
    if isinstance(e, T.RangeSet):
        return int_range(_const_value(e.lo, env), _const_value(e.hi, env))
    if isinstance(e, T.Apply):  # through the builtin's row, failure predicate first
        args = [_const_value(x, env) for x in e.args]
        fsem = FNS[e.fn]
        if fsem.ok is not None and not fsem.ok(*args):
            assert fsem.failure is not None and fsem.shown is not None
            _const_fail(e, FAILURES[fsem.failure].message(*fsem.shown(tuple(x.ty for x in e.args), *args)))
        return fsem.py(*args)
    if isinstance(e, T.Comp):
        return _const_comp(e, env or {})
    _const_fail(e, "must be a constant: literals, params and arithmetic on them")


def _const_comp(e: T.Comp, env: dict[int, Any]) -> Any:
    """A constant comprehension (a map literal, a map-valued param's default, ...), folded by
    its kind's row in `ops.COMPS` over the values produced in declared order, lazily (so that
    all()/any() stop where every engine does), with the engines' failures."""
    key = e.key
    if isinstance(e.ty, MapT) and too_large_to_enumerate(e.ty.key) is not None:
        _const_fail(e, "must be a constant: literals, params and arithmetic on them")

    def produce(i: int, env: dict[int, Any]):
        if i == len(e.gens):
            if key is None:
                yield _const_value(e.elem, env)
                return
            k = _const_value(key, env)
            assert isinstance(e.ty, MapT)
            if not contains(e.ty.key, k):
                _const_fail(e, FAILURES[Fail.KEY_OUTSIDE].message(e.ty.key, k))
            yield k, _const_value(e.elem, env)
            return
        g = e.gens[i]
        elem_ty = g.iter.ty.elem if isinstance(g.iter.ty, SetT) else None
        values = _const_value(g.iter, env)
        for x in sorted(values, key=sort_key(elem_ty)) if elem_ty is not None else values:
            inner = {**env, g.slot: x}
            if all(_const_value(c, inner) for c in g.conds):
                yield from produce(i + 1, inner)

    try:
        return COMPS[e.kind].fold(e.ty, e.span)(produce(0, env))
    except SpecEvalError as err:
        _const_fail(e, err.message)


def _const_fail(e: T.Expr, msg: str):
    raise SpecTypeError(msg, e.span, code="PS331")


def _show_raw(value: Any) -> str:
    """A constant in spec syntax (a param's default that is not a value of its type)."""
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, frozenset):
        return "{" + ", ".join(_show_raw(v) for v in sorted(value, key=repr)) + "}"
    return repr(value)


_MAX_DIGITS = 4300  # Python's limit on converting between int and decimal text (sys.get_int_max_str_digits)


def _readable_digits(name: str, text: str) -> None:
    """ParamError PS502 for a `-D` text with an integer literal Python cannot read (more than
    4,300 digits), before the parser meets it."""
    longest = max((len(m) for m in re.findall(r"\d+", text)), default=0)
    if longest > _MAX_DIGITS:
        raise ParamError(f"-D {name}={_cut(text)}: an integer of {longest:,} digits; at most {_MAX_DIGITS:,} can be read",
                         hint="give a smaller value", code="PS502")


def _parse_value(text: str) -> A.Expr:
    """A `-D NAME=VALUE` text as an expression, read as the body of a one-line `def`.

    Not `parser.parse_expression`: it reads some texts differently (it accepts a trailing line
    continuation or an odd number of triple quotes in a comment, and refuses leading blanks)."""
    from pyspec.lang.parser import parse

    if "\n" in text or "\r" in text:
        raise ParamError(f"cannot read {text!r} as a value: it spans several lines", code="PS502")
    try:
        spec = parse(f"spec _\ndef _v = {text}\n", "<-D>")
    except PyspecError as e:
        why = f": {e.message}" if e.code in ("PS108", "PS109") else ""  # too large, not unreadable
        raise ParamError(f"cannot read {_cut(text)!r} as a value{why}", code="PS502") from None
    if len(spec.decls) != 1 or not isinstance(spec.decls[0], A.Def):
        raise ParamError(f"cannot read {text!r} as a value", code="PS502")
    return spec.decls[0].body


def _cut(text: str, keep: int = 60) -> str:
    """A `-D` value as messages quote it: at most `keep` characters, then how many more."""
    return text if len(text) <= keep else f"{text[:keep]}... ({len(text) - keep:,} more characters)"
