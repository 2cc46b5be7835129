"""Symmetric types: the static check that a spec treats a `symmetric type`'s values alike.

`symmetric type Proc = 0 .. N - 1` claims that renaming the values of Proc (any permutation of
them, applied to every value of type Proc in a state) maps reachable states to reachable states
and keeps every invariant's truth. The explicit engine then keeps one state per orbit
(pyspec.explicit.symmetry). The claim holds when the spec only stores Proc values, compares them
with `==`/`!=` to each other, uses them as map keys and set elements, and quantifies over all of
Proc; it is refused (PS640) where the spec

- compares a Proc value with a constant, a param, or a value of another type (`p == 0`,
  a variable of type `-1 .. N - 1` given a Proc value);
- orders Proc values (`<`, `<=`, `min`, `max`) or computes with them (`+`, `sum`, a range
  `p .. q`, a sequence index);
- iterates over a set of Proc values that it did not get from the type (`for p in 0 .. N - 1`
  used as a Proc: its values are plain ints, so the key or comparison they meet is refused).

Types are structural in the checker (`0 .. N - 1` is one type whoever names it), so this check
follows *shapes*: a tree mirroring a value's type, whose leaves say "a value of symmetric type X"
(`Sym`), "any other value" (`PLAIN`) or "no value at all yet" (`ANY`, the elements of `{}`). The
shapes of variables and action parameters come from their declared type expressions, where the
type's name is still written; every expression's shape is computed from its parts, and two
shapes that meet (`==`, `in`, an assignment, a map key) must agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyspec.errors import Span, SpecErrors, SpecTypeError
from pyspec.lang import ast as A
from pyspec.lang import typed as T
from pyspec.lang.ops import Fn, Kind, Op
from pyspec.lang.types import BagT, MapT, RecordT, SeqT, SetT, TupleT, Type, UnionT, domain


@dataclass(frozen=True, slots=True)
class Sym:
    name: str


@dataclass(frozen=True, slots=True)
class Leaf:
    what: str  # "plain" or "any"


PLAIN = Leaf("plain")
ANY = Leaf("any")


@dataclass(frozen=True, slots=True)
class Coll:
    kind: str  # "set", "seq", "bag"
    elem: Any


@dataclass(frozen=True, slots=True)
class MapS:
    key: Any
    value: Any


@dataclass(frozen=True, slots=True)
class TupleS:
    elems: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class UnionS:
    variants: tuple[tuple[str, tuple[Any, ...]], ...]  # tag -> field shapes, declared order

    def fields(self, tag: str) -> tuple[Any, ...]:
        return dict(self.variants)[tag]


Shape = Any  # Sym | Leaf | Coll | MapS | TupleS | UnionS


@dataclass(frozen=True, slots=True)
class Symmetry:
    """What the explicit engine needs: each symmetric type's values (in domain order) and each
    variable's shape (in declared variable order)."""

    types: tuple[tuple[str, tuple[Any, ...]], ...]
    var_shapes: tuple[Shape, ...]

    def names(self) -> tuple[str, ...]:
        return tuple(n for n, _ in self.types)


def has_sym(s: Shape) -> bool:
    if isinstance(s, Sym):
        return True
    if isinstance(s, Coll):
        return has_sym(s.elem)
    if isinstance(s, MapS):
        return has_sym(s.key) or has_sym(s.value)
    if isinstance(s, TupleS):
        return any(has_sym(e) for e in s.elems)
    if isinstance(s, UnionS):
        return any(has_sym(f) for _, fs in s.variants for f in fs)
    return False


def _syms(s: Shape) -> list[str]:
    if isinstance(s, Sym):
        return [s.name]
    if isinstance(s, Coll):
        return _syms(s.elem)
    if isinstance(s, MapS):
        return _syms(s.key) + _syms(s.value)
    if isinstance(s, TupleS):
        return [n for e in s.elems for n in _syms(e)]
    if isinstance(s, UnionS):
        return [n for _, fs in s.variants for f in fs for n in _syms(f)]
    return []


_HINT = ("a symmetric type's values may be stored, compared with == and != to each other, used as map "
         "keys and set elements, and quantified over the whole type; remove `symmetric`, or rewrite the "
         "spec so that no value of the type is singled out")


class _Mismatch(Exception):
    def __init__(self, a: Shape, b: Shape) -> None:
        self.a, self.b = a, b


def _unify(a: Shape, b: Shape) -> Shape:
    if a == b or b is ANY:
        return a
    if a is ANY:
        return b
    if isinstance(a, Coll) and isinstance(b, Coll) and a.kind == b.kind:
        return Coll(a.kind, _unify(a.elem, b.elem))
    if isinstance(a, MapS) and isinstance(b, MapS):
        return MapS(_unify(a.key, b.key), _unify(a.value, b.value))
    if isinstance(a, TupleS) and isinstance(b, TupleS) and len(a.elems) == len(b.elems):
        return TupleS(tuple(_unify(x, y) for x, y in zip(a.elems, b.elems)))
    if isinstance(a, UnionS) and isinstance(b, UnionS) and [t for t, _ in a.variants] == [t for t, _ in b.variants]:
        return UnionS(tuple((t, tuple(_unify(x, y) for x, y in zip(fa, fb)))
                            for (t, fa), (_, fb) in zip(a.variants, b.variants)))
    if not has_sym(a) and not has_sym(b):
        return PLAIN  # two shapes of symmetric-free values: nothing to keep apart
    raise _Mismatch(a, b)


def _elem(s: Shape) -> Shape:
    if isinstance(s, Coll):
        return s.elem
    if isinstance(s, MapS):
        return s.key
    return ANY if s is ANY else PLAIN


def _of_type(t: Type, value: Any = None) -> Shape:
    """The shape of a constant of type `t` (every leaf PLAIN; the elements of an empty collection ANY)."""
    if isinstance(t, (SetT, SeqT, BagT)):
        kind = "set" if isinstance(t, SetT) else "seq" if isinstance(t, SeqT) else "bag"
        empty = value is not None and len(value) == 0
        return Coll(kind, ANY if empty else _of_type(t.elem))
    if isinstance(t, MapT):
        return MapS(_of_type(t.key), _of_type(t.value))
    if isinstance(t, TupleT):
        return TupleS(tuple(_of_type(e) for e in t.elems))
    if isinstance(t, RecordT):
        return TupleS(tuple(_of_type(f) for _, f in t.fields))
    if isinstance(t, UnionT):
        return UnionS(tuple((tag, tuple(_of_type(f) for _, f in fs)) for tag, fs in t.variants))
    return PLAIN


class _Shapes:
    """The shapes of declared type expressions, with the spec's type aliases resolved."""

    def __init__(self, decls: tuple[A.Decl, ...], symmetric: set[str]) -> None:
        self.defs = {d.name: d for d in decls if isinstance(d, A.TypeDef)}
        self.symmetric = symmetric

    def of(self, t: A.TypeExpr | None, depth: int = 0) -> Shape:
        if t is None or depth > 50:
            return ANY
        if isinstance(t, A.NamedType):
            if t.name in self.symmetric:
                return Sym(t.name)
            d = self.defs.get(t.name)
            return self.of(d.type, depth + 1) if d is not None else PLAIN
        if isinstance(t, A.SetType):
            return Coll("set", self.of(t.elem, depth + 1))
        if isinstance(t, A.BoundedType):
            return Coll(t.kind, self.of(t.elem, depth + 1))
        if isinstance(t, A.MapType):
            return MapS(self.of(t.key, depth + 1), self.of(t.value, depth + 1))
        if isinstance(t, A.TupleType):
            return TupleS(tuple(self.of(e, depth + 1) for e in t.elems))
        if isinstance(t, A.RecordType):
            return TupleS(tuple(self.of(f.type, depth + 1) for f in sorted(t.fields, key=lambda f: f.name)))
        if isinstance(t, A.UnionType):
            return UnionS(tuple((v.name, tuple(self.of(f.type, depth + 1) for f in v.fields)) for v in t.variants))
        return PLAIN


class _Check:
    """One walk over the typed tree: the shape of each expression, errors collected."""

    def __init__(self, shapes: _Shapes, var_shapes: list[Shape], unions: dict[str, Shape]) -> None:
        self.shapes = shapes
        self.vars = var_shapes
        self.unions = unions
        self.locals: dict[int, Shape] = {}
        self.errors: list[SpecTypeError] = []

    def fail(self, message: str, span: Span) -> None:
        assert span.line > 0, f"a statement the checker made singles out a symmetric value: {message}"
        if not any(e.span == span for e in self.errors):
            self.errors.append(SpecTypeError(message, span, hint=_HINT, code="PS640"))

    def meet(self, a: Shape, b: Shape, span: Span, what: str) -> Shape:
        try:
            return _unify(a, b)
        except _Mismatch as m:
            names = sorted(set(_syms(m.a)) | set(_syms(m.b)))
            both = len(names) > 1
            self.fail(f"{what}: a value of symmetric type{'s' if both else ''} {' and '.join(names)} meets "
                      f"{'a value of the other' if both else 'a constant or a value of another type'}, "
                      f"which singles out some of its values", span)
            return ANY

    def plain(self, s: Shape, span: Span, what: str) -> None:
        names = sorted(set(_syms(s)))
        if names:
            self.fail(f"{what} on values of symmetric type {' and '.join(names)}: their order and arithmetic "
                      "single out some of its values", span)

    # ---- expressions

    def expr(self, e: T.Expr) -> Shape:
        m = getattr(self, "_" + type(e).__name__)
        return m(e)

    def _Const(self, e: T.Const) -> Shape:
        if e.named is not None:  # a type's name as the set of its values: their declared shape
            return Coll("set", self.shapes.of(A.NamedType(e.named)))
        if isinstance(e.value, (frozenset, tuple)):
            return _of_type(e.ty, e.value)
        return PLAIN

    def _Var(self, e: T.Var) -> Shape:
        return self.vars[e.index]

    def _Primed(self, e: T.Primed) -> Shape:
        return self.vars[e.index]

    def _Local(self, e: T.Local) -> Shape:
        # every local is bound where this walk passes (a formal, a generator, let, choose):
        # one it has not seen would make its shape unknown, and the check unsound
        assert e.slot in self.locals, f"symmetry: local '{e.name}' read before the walk bound it"
        return self.locals[e.slot]

    def _Unary(self, e: T.Unary) -> Shape:
        s = self.expr(e.operand)
        if e.op is Op.NOT:
            return PLAIN
        self.plain(s, e.span, f"'{e.op.value}'")
        return PLAIN

    def _Binary(self, e: T.Binary) -> Shape:
        a, b = self.expr(e.left), self.expr(e.right)
        op = e.op
        if op in (Op.EQ, Op.NE):
            self.meet(a, b, e.span, "a comparison")
            return PLAIN
        if op in (Op.AND, Op.OR):
            return PLAIN
        if op in (Op.UNION, Op.INTER, Op.DIFF):
            return self.meet(a, b, e.span, "a set operation")
        if op in (Op.SUBSET, Op.SSUBSET):
            self.meet(a, b, e.span, "a set comparison")
            return PLAIN
        if op is Op.IN:
            self.meet(a, _elem(b), e.span, "'in'")
            return PLAIN
        self.plain(a, e.span, f"'{op.value}'")
        self.plain(b, e.span, f"'{op.value}'")
        return PLAIN

    def _IfExp(self, e: T.IfExp) -> Shape:
        self.expr(e.cond)
        return self.meet(self.expr(e.then), self.expr(e.orelse), e.span, "an if-else expression")

    def _RangeSet(self, e: T.RangeSet) -> Shape:
        self.plain(self.expr(e.lo), e.span, "a range")
        self.plain(self.expr(e.hi), e.span, "a range")
        return Coll("set", PLAIN)

    def _SetLit(self, e: T.SetLit) -> Shape:
        s: Shape = ANY
        for x in e.elems:
            s = self.meet(s, self.expr(x), x.span, "a set literal")
        return Coll("set", s)

    def _TupleLit(self, e: T.TupleLit) -> Shape:
        return TupleS(tuple(self.expr(x) for x in e.elems))

    def _Construct(self, e: T.Construct) -> Shape:
        u = self.unions.get(e.ty.name) or _of_type(e.ty)
        declared = u.fields(e.tag) if isinstance(u, UnionS) else ()
        for x, want in zip(e.fields, declared):
            self.meet(want, self.expr(x), x.span, f"the field of {e.tag}(...)")
        return u

    def _Comp(self, e: T.Comp) -> Shape:
        for g in e.gens:
            self.locals[g.slot] = _elem(self.expr(g.iter))
            for c in g.conds:
                self.expr(c)
        v = self.expr(e.elem)
        if e.kind is Kind.SET:
            return Coll("set", v)
        if e.kind is Kind.MAP:
            assert e.key is not None
            return MapS(self.expr(e.key), v)
        if e.kind in (Kind.SUM, Kind.MIN, Kind.MAX):
            self.plain(v, e.span, f"'{e.kind.value}'")
        return PLAIN

    def _Apply(self, e: T.Apply) -> Shape:
        args = [self.expr(a) for a in e.args]
        fn = e.fn
        colls = [i for i, a in enumerate(e.args) if isinstance(a.ty, (SeqT, BagT))]
        if fn in (Fn.LEN, Fn.SEQ_LEN, Fn.ALL, Fn.ANY):
            return PLAIN
        if fn in (Fn.MIN, Fn.MAX, Fn.SUM):
            self.plain(args[0], e.span, f"'{fn.value}'")
            return PLAIN
        if fn is Fn.SUBSETS:
            return Coll("set", args[0])
        if fn is Fn.SEQ:
            s: Shape = ANY
            for a, x in zip(args, e.args):
                s = self.meet(s, a, x.span, "a sequence literal")
            return Coll("seq", s)
        if fn in (Fn.INDEX, Fn.SLICE, Fn.UPDATE):
            for a, x in zip(args[1:3], e.args[1:3]):
                if fn is not Fn.UPDATE or x is e.args[1]:
                    self.plain(a, x.span, "a sequence index")
            if fn is Fn.INDEX:
                return _elem(args[0])
            if fn is Fn.UPDATE:
                return Coll("seq", self.meet(_elem(args[0]), args[2], e.span, "a sequence update"))
            return args[0]
        if fn in (Fn.HEAD, Fn.LAST):
            return _elem(args[0])
        if fn is Fn.TAIL:
            return args[0]
        if fn in (Fn.CONCAT, Fn.BAG_SUM):
            return self.meet(args[0], args[1], e.span, f"'{fn.value}'")
        if fn is Fn.BAG:
            return Coll("bag", ANY)
        if fn is Fn.BAG_SET:
            return Coll("set", _elem(args[0]))
        if fn in (Fn.APPEND, Fn.SEQ_IN, Fn.BAG_ADD, Fn.BAG_REMOVE, Fn.BAG_COUNT, Fn.BAG_IN) and len(colls) == 1:
            ci = colls[0]
            el = self.meet(_elem(args[ci]), args[1 - ci], e.span, f"'{fn.value}'")
            if fn in (Fn.APPEND, Fn.BAG_ADD, Fn.BAG_REMOVE):
                return Coll("seq" if fn is Fn.APPEND else "bag", el)
            return PLAIN
        for a, x in zip(args, e.args):  # a builtin not listed above: refuse what it might order
            self.plain(a, x.span, f"'{fn.value}'")
        return PLAIN

    def _MapGet(self, e: T.MapGet) -> Shape:
        m, k = self.expr(e.obj), self.expr(e.key)
        if isinstance(m, MapS):
            self.meet(m.key, k, e.key.span, "a map key")
            return m.value
        if isinstance(m, TupleS):  # a tuple indexed by a literal
            return ANY
        return ANY if m is ANY else PLAIN

    def _TupleGet(self, e: T.TupleGet) -> Shape:
        t = self.expr(e.obj)
        if isinstance(t, TupleS) and 0 <= e.index < len(t.elems):
            return t.elems[e.index]
        return ANY if t is ANY else PLAIN

    def _VariantGet(self, e: T.VariantGet) -> Shape:
        u = self.expr(e.obj)
        if not isinstance(u, UnionS):
            return ANY if u is ANY else PLAIN
        s: Shape = ANY
        for tag, i in e.positions:
            fs = u.fields(tag)
            if 1 <= i <= len(fs):
                s = self.meet(s, fs[i - 1], e.span, f"field '{e.name}'")
        return s

    def _IsTag(self, e: T.IsTag) -> Shape:
        self.expr(e.obj)
        return PLAIN

    # ---- statements

    def stmts(self, body: tuple[T.Stmt, ...]) -> None:
        for st in body:
            if isinstance(st, T.Require):
                self.expr(st.cond)
            elif isinstance(st, T.Let):
                self.locals[st.slot] = self.expr(st.value)
            elif isinstance(st, T.Choose):
                el = _elem(self.expr(st.domain))
                if st.slot is not None:
                    self.locals[st.slot] = el
                if st.var is not None:
                    self.meet(self.vars[st.var], el, st.span, f"the choice of '{st.name}'")
            elif isinstance(st, T.Assign):
                s = self.vars[st.var]
                for p in st.path:
                    k = self.expr(p)
                    if isinstance(s, MapS):
                        self.meet(s.key, k, p.span, "a map key")
                        s = s.value
                    else:
                        s = ANY
                self.meet(s, self.expr(st.value), st.span, f"the assignment to '{st.name}'")
            elif isinstance(st, T.If):
                self.expr(st.cond)
                self.stmts(st.then)
                self.stmts(st.orelse)


def check_symmetry(decls: tuple[A.Decl, ...], spec: T.CheckedSpec) -> Symmetry | None:
    """The spec's Symmetry, None when it declares no symmetric type; raises SpecErrors (PS640,
    PS641) where the spec breaks a declared symmetry."""
    sym = [d for d in decls if isinstance(d, A.TypeDef) and d.symmetric]
    if not sym:
        return None
    errors: list[SpecTypeError] = []
    for d in sym:
        if not isinstance(d.type, (A.RangeType, A.EnumType)):
            errors.append(SpecTypeError(f"symmetric type '{d.name}' must be a range (lo .. hi) or an enumeration",
                                        d.span, hint="declare the type whose values are interchangeable itself "
                                        "symmetric, and build the others from it", code="PS641"))
    if errors:
        raise SpecErrors(tuple(errors))
    shapes = _Shapes(decls, {d.name for d in sym})
    var_decls = {d.name: d for d in decls if isinstance(d, A.VarDecl)}
    var_shapes = [shapes.of(var_decls[v.name].type) if v.name in var_decls else PLAIN for v in spec.vars]
    unions = {d.name: shapes.of(d.type) for d in decls if isinstance(d, A.TypeDef) and isinstance(d.type, A.UnionType)}
    check = _Check(shapes, var_shapes, unions)
    unknown = {v.name for v in spec.vars if v.unknown}
    # init's choice of every table of an `unknown` function (desugar._choose_unknowns) ranges
    # over all the type's tables, a set every renaming maps onto itself
    check.stmts(tuple(st for st in spec.init.body
                      if not (getattr(st, "span").line == 0 and getattr(st, "name", "").split("[")[0] in unknown)))
    ast_actions = {d.name: d for d in decls if isinstance(d, A.Action)}

    def formals(act: T.Action) -> dict[int, Shape]:
        src = ast_actions.get(act.name)
        return {f.slot: shapes.of(tf.type) for f, tf in zip(act.formals, src.formals if src is not None else ())}

    for act in spec.actions:
        check.locals = formals(act)
        check.stmts(act.body)
    for item in (*spec.invariants, *spec.reachables, *spec.constraints):
        check.locals = {}
        check.expr(item.expr)  # type: ignore[attr-defined]
    for tp in spec.temporals:
        check.locals = {}
        check.expr(tp.p)
        if tp.q is not None:
            check.expr(tp.q)
    for fa in spec.fairness:
        check.locals = formals(spec.actions[fa.action])  # `unless` reads the instance's arguments
        if fa.unless is not None:
            check.expr(fa.unless)
    if check.errors:
        raise SpecErrors(tuple(check.errors))
    types = dict(spec.types)
    return Symmetry(tuple((d.name, tuple(domain(types[d.name]))) for d in sym), tuple(var_shapes))
