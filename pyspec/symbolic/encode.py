"""Typed tree -> Z3: init, one transition formula per action instance, and every invariant,
each with the condition under which the explicit engine would raise an evaluation error.

The encoding is done once, over two template copies of the state (`var@0`, `var@1`);
`Encoding.at` renames a template to the copies of steps k and k+1 by substitution, so a
deeper unrolling costs no re-encoding.

Statements are executed symbolically along paths, as the explicit engine runs them: a path
carries its path condition (the `if` conditions, `require`s and choices taken so far), the
next-state values assigned so far and the locals. An `if` whose branches each end in one
path merges them again with if-then-else; a choice `x in S` (local or `x' in S`) forks one
path per possible element of S, which keeps every later expression over known values. A
path's transition is its condition and, for every variable, `var@1 == ` the value it assigned,
or the current value when it assigned none (the explicit "unchanged unless assigned on this
path" rule). The instance's formula is the disjunction of its paths.

Evaluation errors: each partial operation (map key outside the map's keys, min/max of no
values, a union field of another variant, division by zero, a value outside the declared
type, a map comprehension missing a key) records `guard and bad`, where `guard` says that
the explicit engine evaluates the operation at all: the path condition plus the
short-circuits of `and`, `or`, `if-else` and, for all()/any(), "every earlier element left
the result undecided". "Earlier" is the declared order of the elements (`sort_key`), which is
the order the explicit engine iterates in wherever a body may fail (`pyspec.lang.analysis`);
where it cannot fail, the order is unobservable. An instance's error formula is the
disjunction of these: it is satisfiable in a state exactly when the explicit engine raises
SpecEvalError running the instance there.

Operators take their encoding from the operator table (`pyspec.lang.ops.OPS[op].sym`),
applied to the `Algebra` below.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Callable

import z3

from pyspec.errors import Span
from pyspec.lang import typed as T
from pyspec.lang.analysis import NEXT, STATE, Analysis
from pyspec.lang.ops import OPS, Fail, Op
from pyspec.lang.types import (
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
from pyspec.symbolic.values import (
    NOCONST,
    Bool,
    Ctx,
    EncodingError,
    EnumV,
    IntV,
    MapV,
    SetV,
    TupleV,
    UnionV,
    _tag_index,
    and_,
    and_all,
    concrete,
    decode,
    eq,
    eq_b,
    eq_const,
    fresh,
    implies_,
    in_type,
    is_true_in,
    ite,
    lift,
    member,
    not_,
    or_,
    or_all,
    universe,
    zb,
)


@dataclass(frozen=True, slots=True)
class EvalErr:
    """One place where evaluation may fail: `cond` says it does."""

    cond: Any
    span: Span
    kind: Fail  # its words are the explicit engine's, with the values the replay finds


@dataclass(frozen=True, slots=True)
class SymState:
    """The symbolic values of every state variable, and their Z3 constants in a fixed order."""

    vals: tuple
    leaves: tuple
    type_ok: Any  # every variable holds a value of its declared type


@dataclass(frozen=True, slots=True)
class Part:
    """A formula with the condition under which computing it raises an evaluation error."""

    formula: Any
    error: Any
    errors: tuple[EvalErr, ...] = ()


class _Path:
    __slots__ = ("guard", "rel", "nxt", "locals", "known")

    def __init__(self, guard: Bool, rel: list, nxt: list, locals_: dict, known: dict | None = None) -> None:
        self.guard = guard
        self.rel = rel  # conditions added since the innermost enclosing `if` began
        self.nxt = nxt
        self.locals = locals_
        self.known = known if known is not None else {}  # slot -> explicit value, when known

    def bind(self, slot: int, value: Any, explicit: Any = NOCONST) -> None:
        self.locals[slot] = value
        if explicit is NOCONST:
            explicit = concrete(value)
        if explicit is NOCONST:
            self.known.pop(slot, None)
        else:
            self.known[slot] = explicit



# The condition under which an expression is evaluated, as a tuple of conjuncts that is only
# turned into a Z3 term when an evaluation error is recorded under it; None: never evaluated.
Guard = tuple | None


def _g(g: Guard, *conds: Bool) -> Guard:
    if g is None:
        return None
    out = g
    for c in conds:
        if c is False:
            return None
        if c is not True:
            out = out + (c,)
    return out


class _Encoder:
    """Encodes expressions and statement blocks of one spec against a current state."""

    def __init__(self, ctx: Ctx, analysis: Analysis, cache: dict) -> None:
        self.ctx = ctx
        self.cur: tuple | None = None
        self.errors: list[EvalErr] = []
        self.partial = 0  # operations met whose error condition is not known to be false
        self.algebra = Algebra(ctx)
        self.analysis = analysis  # dependencies, computed once per spec
        self.cache = cache  # (id(expr), known locals) -> value, for state-free expressions

    def _err(self, guard: Guard, bad: Bool, span: Span, kind: Fail) -> None:
        if bad is not False:
            self.partial += 1
        if guard is None:
            return
        c = and_(*guard, bad)
        if c is not False:
            self.errors.append(EvalErr(c, span, kind))

    # ---- expressions -------------------------------------------------------------------------

    def expr(self, e: T.Expr, p: _Path, g: Bool) -> Any:
        """The value of e on path p; g: the condition under which e is evaluated at all.

        An expression that reads no state and only locals whose values are known has one
        value per binding of those locals; it is computed once (measured: Paxos's nested
        quantifiers over message constants went from 460,000 evaluations to a few thousand)."""
        deps = self.analysis.deps(e)
        if STATE not in deps and NEXT not in deps and not isinstance(e, (T.Const, T.Local)):
            known = p.known
            try:
                key = (id(e), tuple([known[d] for d in deps]) if deps else ())
            except KeyError:
                key = None
            if key is not None:
                hit = self.cache.get(key)
                if hit is not None:
                    return hit
                n = self.partial
                v = getattr(self, "_x_" + type(e).__name__)(e, p, g)
                if self.partial == n:  # where evaluation may fail, the guard matters: not shared
                    self.cache[key] = v
                return v
        return getattr(self, "_x_" + type(e).__name__)(e, p, g)

    def _x_Const(self, e: T.Const, p, g):
        return lift(self.ctx, e.ty, e.value)

    def _x_Var(self, e: T.Var, p, g):
        assert self.cur is not None, "init (no current state) reads no variable: the checker rejects it"
        return self.cur[e.index]

    def _x_Primed(self, e: T.Primed, p, g):
        v = p.nxt[e.index]
        if v is not None:
            return v
        assert self.cur is not None, "init reads a primed variable only after assigning it"
        return self.cur[e.index]

    def _x_Local(self, e: T.Local, p, g):
        return p.locals[e.slot]

    def _x_Unary(self, e: T.Unary, p, g):
        return OPS[e.op].sym(self.algebra, self.expr(e.operand, p, g), e.ty)

    def _x_Binary(self, e: T.Binary, p, g):
        op = e.op
        sem = OPS[op]
        a = self.expr(e.left, p, g)
        if op == Op.AND:
            if a is False:
                return False
            return and_(a, self.expr(e.right, p, _g(g, a)))
        if op == Op.OR:
            if a is True:
                return True
            return or_(a, self.expr(e.right, p, _g(g, not_(a))))
        b = self.expr(e.right, p, g)
        if sem.failure is not None:
            self._err(g, self.ctx.int_eq_const(b, 0), e.span, sem.failure)
        return sem.sym(self.algebra, a, b, e.ty)

    def _x_IfExp(self, e: T.IfExp, p, g):
        c = self.expr(e.cond, p, g)
        if c is True:
            return self.expr(e.then, p, g)
        if c is False:
            return self.expr(e.orelse, p, g)
        a = self.expr(e.then, p, _g(g, c))
        b = self.expr(e.orelse, p, _g(g, not_(c)))
        return ite(self.ctx, c, a, b)

    def _x_RangeSet(self, e: T.RangeSet, p, g):
        ctx = self.ctx
        lo = self.expr(e.lo, p, g)
        hi = self.expr(e.hi, p, g)
        bits = {}
        if hi.hi - lo.lo > 1 << 16:
            raise EncodingError(f"the range {lo.lo} .. {hi.hi} is too large to encode")
        for u in range(lo.lo, hi.hi + 1):
            c = IntV(None, u, u)
            b = and_(ctx.cmp("le", lo, c), ctx.cmp("le", c, hi))
            if b is not False:
                bits[u] = b
        return SetV(e.ty.elem, bits)

    def _x_SetLit(self, e: T.SetLit, p, g):
        ctx = self.ctx
        bits: dict = {}
        for x in e.elems:
            v = self.expr(x, p, g)
            _add_member(ctx, bits, v, True)
        return SetV(e.ty.elem, _sorted_bits(bits, e.ty.elem))

    def _x_TupleLit(self, e: T.TupleLit, p, g):
        return TupleV(tuple(self.expr(x, p, g) for x in e.elems))

    def _x_Construct(self, e: T.Construct, p, g):
        i = _tag_index(e.ty, e.tag)
        vals = tuple(self.expr(x, p, g) for x in e.fields)
        for j, ty in enumerate(e.checks):
            if ty is not None:
                self._err(g, not_(in_type(self.ctx, ty, vals[j])), e.span, Fail.FIELD_TYPE)
        return UnionV(e.ty, IntV(None, i, i), {e.tag: vals})

    def _x_IsTag(self, e: T.IsTag, p, g):
        x = self.expr(e.obj, p, g)
        if e.tag not in x.fields:
            return False
        return self.ctx.int_eq_const(x.tag, _tag_index(x.ut, e.tag))

    def _x_TupleGet(self, e: T.TupleGet, p, g):
        return self.expr(e.obj, p, g).elems[e.index]

    def _x_VariantGet(self, e: T.VariantGet, p, g):
        ctx = self.ctx
        x = self.expr(e.obj, p, g)
        have = [(tag, i) for tag, i in e.positions if tag in x.fields]
        is_tag = {tag: ctx.int_eq_const(x.tag, _tag_index(x.ut, tag)) for tag, _ in have}
        ok = or_all(is_tag.values())
        if ok is not True:
            self._err(g, not_(ok), e.span, Fail.NO_FIELD)
        out = None
        for tag, i in have:
            if is_tag[tag] is False:
                continue
            v = x.fields[tag][i - 1]
            out = v if out is None else ite(ctx, is_tag[tag], v, out)
        if out is None:  # no variant can have the field: an error on every path that gets here
            return _default(ctx, e.ty)
        return out

    def _x_MapGet(self, e: T.MapGet, p, g):
        ctx = self.ctx
        m = self.expr(e.obj, p, g)
        k = self.expr(e.key, p, g)
        keys = ctx.domain(m.key)
        kc = concrete(k)
        if kc is not NOCONST:
            j = ctx.key_ordinal(m.key).get(kc)
            if j is None:
                self._err(g, True, e.span, Fail.KEY_OUTSIDE)
                return m.vals[0]
            return m.vals[j]
        hits = [(eq_const(ctx, k, u), v) for u, v in zip(keys, m.vals)]
        hits = [(h, v) for h, v in hits if h is not False]
        if e.checked:
            self._err(g, not_(or_all(h for h, _ in hits)), e.span, Fail.KEY_OUTSIDE)
        if not hits:
            return m.vals[0]
        out = hits[-1][1]
        for h, v in reversed(hits[:-1]):
            out = ite(ctx, h, v, out)
        return out

    def _x_Builtin(self, e: T.Builtin, p, g):
        ctx = self.ctx
        s = self.expr(e.arg, p, g)
        f = e.func
        if f == "len":
            n = IntV(None, 0, 0)
            for b in s.bits.values():
                n = ctx.arith("add", n, _count(ctx, b))
            return n
        if f == "sum":
            n = IntV(None, 0, 0)
            for k, b in s.bits.items():
                n = ctx.arith("add", n, ctx.int_ite(b, IntV(None, k, k), IntV(None, 0, 0)))
            return n
        if f in ("min", "max"):
            items = [(b, IntV(None, k, k)) for k, b in s.bits.items() if b is not False]
            self._err(g, not_(or_all(b for b, _ in items)), e.span, Fail.EMPTY_EXTREME)
            return _extreme(ctx, f, items)
        if f == "all":
            return not_(s.bits.get(False, False))
        if f == "any":
            return s.bits.get(True, False)
        if f == "subsets":
            cands = [(k, b) for k, b in s.bits.items() if b is not False]
            if len(cands) > 16:
                raise EncodingError(f"subsets() of a set of up to {len(cands)} elements")
            assert isinstance(e.ty, SetT)
            bits = {}
            for r in range(len(cands) + 1):
                for c in itertools.combinations(cands, r):
                    bits[frozenset(k for k, _ in c)] = and_all(b for _, b in c)
            return SetV(e.ty.elem, _sorted_bits(bits, e.ty.elem))
        raise AssertionError(f)

    def _x_Comp(self, e: T.Comp, p, g):
        ctx = self.ctx
        kind = e.kind
        alive = [True]  # all/any: no element so far decided the result
        out: list = []

        if kind == "set":
            assert isinstance(e.ty, SetT)
            bits: dict = {}

            def on_set(cond):
                v = self.expr(e.elem, p, _g(g, cond))
                _add_member(ctx, bits, v, cond)

            self._bind(e.gens, 0, p, g, True, alive, on_set)
            return SetV(e.ty.elem, _sorted_bits(bits, e.ty.elem))
        if kind == "map":
            mt = e.ty
            assert isinstance(mt, MapT)
            key = e.key
            assert key is not None, "a map comprehension has a key expression"
            keys = ctx.domain(mt.key)
            hits: list[list] = [[] for _ in keys]  # per key: (binding gives it, value), in order

            def on_map(cond):
                k = self.expr(key, p, _g(g, cond))
                v = self.expr(e.elem, p, _g(g, cond))
                kc = concrete(k)
                for j, u in enumerate(keys):
                    if kc is not NOCONST:
                        hit = cond if kc == u else False
                    else:
                        hit = and_(cond, eq_const(ctx, k, u))
                    if hit is not False:
                        hits[j].append((hit, v))

            self._bind(e.gens, 0, p, g, True, alive, on_map)
            vals = []
            for hs in hits:
                # two bindings giving one key different values is an evaluation error, so
                # where there is none every binding that gives the key gives the same value
                for a in range(len(hs)):
                    for b in range(a + 1, len(hs)):
                        clash = and_(hs[a][0], hs[b][0], not_(eq(ctx, hs[a][1], hs[b][1])))
                        self._err(g, clash, e.span, Fail.MAP_CLASH)
                v = None
                for hit, x in reversed(hs):
                    v = x if v is None else ite(ctx, hit, x, v)
                vals.append(v)
            covered = [or_all(h for h, _ in hs) for hs in hits]
            self._err(g, not_(and_all(covered)), e.span, Fail.MAP_MISSING)
            return MapV(mt.key, tuple(v if v is not None else _default(ctx, mt.value) for v in vals))
        if kind in ("all", "any"):

            def on_quant(cond):
                v = self.expr(e.elem, p, _g(g, alive[0], cond))
                decided = and_(cond, not_(v) if kind == "all" else v)
                alive[0] = and_(alive[0], not_(decided))

            self._bind(e.gens, 0, p, g, True, alive, on_quant, quantifier=True)
            return alive[0] if kind == "all" else not_(alive[0])

        def on_value(cond):
            out.append((cond, self.expr(e.elem, p, _g(g, cond))))

        self._bind(e.gens, 0, p, g, True, alive, on_value)
        if kind == "sum":
            n = IntV(None, 0, 0)
            for cond, v in out:
                n = ctx.arith("add", n, ctx.int_ite(cond, v, IntV(None, 0, 0)))
            return n
        self._err(g, not_(or_all(c for c, _ in out)), e.span, Fail.NO_VALUES)
        return _extreme(ctx, kind, out)

    def _bind(self, gens, i, p, g, cond, alive, on_bind: Callable, quantifier: bool = False) -> None:
        """Call on_bind(cond) once per binding of the generators (each set in its declared
        order, the first generator outermost); cond says the binding is produced.

        all()/any() (`quantifier`) stop at the first element that decides them, in that
        order: what they evaluate for a binding is guarded by `alive[0]` (no earlier binding
        decided), exactly as the explicit engine iterates a body that may fail.
        """
        gen = gens[i]
        s = self.expr(gen.iter, p, _g(g, alive[0], cond) if quantifier else _g(g, cond))
        et = gen.iter.ty.elem
        for key in sorted(s.bits, key=sort_key(et)):
            b = s.bits[key]
            if b is False:
                continue
            p.bind(gen.slot, lift(self.ctx, et, key), key)
            c = and_(cond, b)
            for ce in gen.conds:
                c = and_(c, self.expr(ce, p, _g(g, alive[0], c) if quantifier else _g(g, c)))
                if c is False:
                    break
            if c is False:
                continue
            if i + 1 < len(gens):
                self._bind(gens, i + 1, p, g, c, alive, on_bind, quantifier)
            else:
                on_bind(c)

    # ---- statements --------------------------------------------------------------------------

    def block(self, stmts: tuple[T.Stmt, ...], paths: list[_Path]) -> list[_Path]:
        for s in stmts:
            nxt = []
            for p in paths:
                nxt.extend(self._stmt(s, p))
            paths = [p for p in nxt if p.guard is not False]
        return paths

    def _stmt(self, s: T.Stmt, p: _Path) -> list[_Path]:
        if isinstance(s, T.Require):
            c = self.expr(s.cond, p, (p.guard,))
            p.guard = and_(p.guard, c)
            p.rel.append(c)
            return [p]
        if isinstance(s, T.Let):
            p.bind(s.slot, self.expr(s.value, p, (p.guard,)))
            return [p]
        if isinstance(s, T.If):
            return self._if(s, p)
        if isinstance(s, T.Choose):
            return self._choose(s, p)
        if isinstance(s, T.Assign):
            self._assign(s, p)
            return [p]
        raise AssertionError(s)

    def _if(self, s: T.If, p: _Path) -> list[_Path]:
        ctx = self.ctx
        c = self.expr(s.cond, p, (p.guard,))
        if c is True or c is False:
            return self.block(s.then if c else s.orelse, [p])
        t_paths = self.block(s.then, [_Path(and_(p.guard, c), [], list(p.nxt), p.locals, p.known)])
        e_paths = self.block(s.orelse, [_Path(and_(p.guard, not_(c)), [], list(p.nxt), p.locals, p.known)])
        if len(t_paths) == 1 and len(e_paths) == 1:
            (t,), (f,) = t_paths, e_paths
            cond = ite(ctx, c, and_all(t.rel), and_all(f.rel))
            nxt = [a if a is b else self._merge(c, a, b, i) for i, (a, b) in enumerate(zip(t.nxt, f.nxt))]
            return [_Path(and_(p.guard, cond), p.rel + [cond], nxt, p.locals, p.known)]
        out = []
        for q, branch in [(q, c) for q in t_paths] + [(q, not_(c)) for q in e_paths]:
            q.rel = p.rel + [branch] + q.rel
            out.append(q)
        return out

    def _merge(self, c: Bool, a: Any, b: Any, i: int) -> Any:
        if a is None or b is None:
            if self.cur is None:  # init: the checker rejects a variable assigned on one branch only
                return a if a is not None else b
            a = self.cur[i] if a is None else a
            b = self.cur[i] if b is None else b
        return ite(self.ctx, c, a, b)

    def _choose(self, s: T.Choose, p: _Path) -> list[_Path]:
        ctx = self.ctx
        dom = self.expr(s.domain, p, (p.guard,))
        assert isinstance(s.domain.ty, SetT)
        et = s.domain.ty.elem
        out = []
        for key, b in dom.bits.items():
            if b is False:
                continue
            if s.var is not None and s.check is not None and not contains(s.check, key):
                self._err((p.guard, b), True, s.span, Fail.OUT_OF_TYPE)
            q = _Path(and_(p.guard, b), p.rel + [b], list(p.nxt), dict(p.locals), dict(p.known))
            v = lift(ctx, et, key)
            if s.var is None:
                assert s.slot is not None, "a choice into a local has a slot"
                q.bind(s.slot, v, key)
            else:
                q.nxt[s.var] = v
            out.append(q)
        return out

    def _assign(self, s: T.Assign, p: _Path) -> None:
        ctx = self.ctx
        v = self.expr(s.value, p, (p.guard,))
        if s.check is not None:
            self._err((p.guard,), not_(in_type(ctx, s.check, v)), s.span, Fail.OUT_OF_TYPE)
        if not s.path:
            p.nxt[s.var] = v
            return
        old = p.nxt[s.var]
        if old is None:
            assert self.cur is not None, "init assigns a variable whole before any of its keys"
            old = self.cur[s.var]
        p.nxt[s.var] = self._update(old, s, 0, v, p)

    def _update(self, m: MapV, s: T.Assign, depth: int, v: Any, p: _Path) -> MapV:
        ctx = self.ctx
        k = self.expr(s.path[depth], p, (p.guard,))
        keys = ctx.domain(m.key)
        last = depth == len(s.path) - 1
        kc = concrete(k)
        if kc is not NOCONST:
            j = ctx.key_ordinal(m.key).get(kc)
            if j is None:
                self._err((p.guard,), True, s.span, Fail.KEY_OUTSIDE)
                return m
            inner = v if last else self._update(m.vals[j], s, depth + 1, v, p)
            return MapV(m.key, m.vals[:j] + (inner,) + m.vals[j + 1 :])
        hits = [eq_const(ctx, k, u) for u in keys]
        self._err((p.guard,), not_(or_all(hits)), s.span, Fail.KEY_OUTSIDE)
        vals = []
        for h, old in zip(hits, m.vals):
            if h is False:
                vals.append(old)
                continue
            inner = v if last else self._update(old, s, depth + 1, v, p)
            vals.append(ite(ctx, h, inner, old))
        return MapV(m.key, tuple(vals))


# ---- helpers -------------------------------------------------------------------------------------


def _ast_id(x: Any) -> Any:
    return x if isinstance(x, bool) else x.get_id()


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


def _count(ctx: Ctx, b: Bool) -> IntV:
    if b is True:
        return IntV(None, 1, 1)
    if b is False:
        return IntV(None, 0, 0)
    return ctx.int_ite(b, IntV(None, 1, 1), IntV(None, 0, 0))


def _extreme(ctx: Ctx, kind: str, items: list) -> IntV:
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


def _add_member(ctx: Ctx, bits: dict, v: Any, cond: Bool) -> None:
    c = concrete(v)
    if c is not NOCONST:
        bits[c] = or_(bits.get(c, False), cond)
        return
    for u in universe(ctx, v):
        hit = and_(cond, eq_const(ctx, v, u))
        if hit is not False:
            bits[u] = or_(bits.get(u, False), hit)


def _sorted_bits(bits: dict, elem: Type) -> dict:
    try:
        keys = sorted(bits, key=sort_key(elem))
    except TypeError:  # elements of an AnyT set literal of mixed spelling: keep insertion order
        return bits
    return {k: bits[k] for k in keys}


def _set_op(op: str, a: SetV, b: SetV, ty: Type) -> SetV:
    elem = ty.elem if isinstance(ty, SetT) else a.elem
    if op == "union":
        bits = dict(a.bits)
        for k, x in b.bits.items():
            bits[k] = or_(bits.get(k, False), x)
        return SetV(elem, _sorted_bits(bits, elem) if len(bits) != len(a.bits) else bits)
    if op == "inter":
        return SetV(elem, {k: and_(x, b.bits.get(k, False)) for k, x in a.bits.items()})
    return SetV(elem, {k: and_(x, not_(b.bits.get(k, False))) for k, x in a.bits.items()})


def _subset(a: SetV, b: SetV) -> Bool:
    return and_all(implies_(x, b.bits.get(k, False)) for k, x in a.bits.items())


class Algebra:
    """The symbolic operations the operator table's `sym` entries are written against."""

    __slots__ = ("ctx",)

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx

    def arith(self, op: str, a: IntV, b: IntV) -> IntV:
        return self.ctx.arith(op, a, b)

    def divmod_(self, op: str, a: IntV, b: IntV) -> IntV:
        return self.ctx.divmod_(op, a, b)

    def neg(self, a: IntV) -> IntV:
        return self.ctx.neg(a)

    def cmp(self, op: str, a: IntV, b: IntV) -> Bool:
        return self.ctx.cmp(op, a, b)

    def eq(self, a: Any, b: Any) -> Bool:
        return eq(self.ctx, a, b)

    def member(self, a: Any, s: SetV) -> Bool:
        return member(self.ctx, a, s)

    def set_op(self, op: str, a: SetV, b: SetV, ty: Type) -> SetV:
        return _set_op(op, a, b, ty)

    def subset(self, a: SetV, b: SetV) -> Bool:
        return _subset(a, b)

    @staticmethod
    def not_(x: Bool) -> Bool:
        return not_(x)

    @staticmethod
    def and_(*xs: Bool) -> Bool:
        return and_(*xs)

    @staticmethod
    def or_(*xs: Bool) -> Bool:
        return or_(*xs)


def _default(ctx: Ctx, t: Type) -> Any:
    """Some value of type t, for a result that only matters on a path that raises an error."""
    if isinstance(t, IntT):
        return IntV(None, t.lo if t.lo is not None else 0, t.lo if t.lo is not None else 0)
    if isinstance(t, EnumT):
        return EnumV(None, t.values[0], frozenset(t.values[:1]))
    if isinstance(t, SetT):
        return SetV(t.elem, {})
    if isinstance(t, MapT):
        return MapV(t.key, tuple(_default(ctx, t.value) for _ in ctx.domain(t.key)))
    if isinstance(t, TupleT):
        return TupleV(tuple(_default(ctx, x) for x in t.elems))
    if isinstance(t, RecordT):
        return TupleV(tuple(_default(ctx, x) for _, x in t.fields))
    if isinstance(t, UnionT):
        tag, fs = t.variants[0]
        return UnionV(t, IntV(None, 0, 0), {tag: tuple(_default(ctx, x) for _, x in fs)})
    return False


# ---- the encoded spec ------------------------------------------------------------------------------


def collect_strings(spec: T.CheckedSpec) -> list[str]:
    """Every string that an enumeration value of the spec may be, in first-seen order."""
    seen: dict[str, None] = {}
    visited: set[int] = set()

    def ty(t: Any) -> None:
        if isinstance(t, EnumT):
            for v in t.values:
                seen.setdefault(v, None)
        elif isinstance(t, Type):
            for f in getattr(t, "__slots__", ()):
                walk(getattr(t, f))

    def walk(x: Any) -> None:
        if isinstance(x, (str, int, bool, type(None))):
            return
        if id(x) in visited:
            return
        visited.add(id(x))
        if isinstance(x, Type):
            ty(x)
            return
        if isinstance(x, (tuple, list, frozenset)):
            for y in x:
                walk(y)
            return
        slots = getattr(type(x), "__slots__", None)
        if slots is None:
            return
        for f in slots:
            if f != "span" and hasattr(x, f):
                walk(getattr(x, f))

    walk(spec.params)
    walk(spec.vars)
    walk(spec.init)
    walk(spec.actions)
    walk(spec.invariants)
    return list(seen)


class Encoding:
    """A checked spec in Z3, encoded once over template states 0 (current) and 1 (next).

    `instances` are the action instances in the explicit engine's order (actions in
    declaration order, arguments from the parameters' domains in declaration order)."""

    def __init__(self, spec: T.CheckedSpec, bitvectors: bool = True) -> None:
        self.spec = spec
        self.ctx = Ctx(collect_strings(spec), bitvectors)
        self._analysis = Analysis()
        self._cache: dict = {}
        self._states: dict[int, SymState] = {}
        self.instances: list[tuple[int, tuple]] = []
        for ai, a in enumerate(spec.actions):
            for args in itertools.product(*(domain(f.ty) for f in a.formals)):
                self.instances.append((ai, args))
        s0, s1 = self.state(0), self.state(1)
        self.init = self._init(s0)
        self.steps: list[Part] = [self._instance(i, s0, s1) for i in range(len(self.instances))]
        self.invariants: dict[str, Part] = {inv.name: self._invariant(inv, s0) for inv in spec.invariants}

    # ---- states ------------------------------------------------------------------------------

    def state(self, k: int) -> SymState:
        """The state of step k: each variable `var` as Z3 constants named `var...@k`."""
        s = self._states.get(k)
        if s is None:
            leaves: list = []
            cons: list = []
            vals = tuple(fresh(self.ctx, v.ty, v.name, f"@{k}", leaves, cons) for v in self.spec.vars)
            s = self._states[k] = SymState(vals, tuple(leaves), and_all(cons))
        return s

    def at(self, f: Any, k: int) -> Any:
        """A template formula over states 0 and 1, moved to states k and k + 1."""
        if k == 0 or isinstance(f, bool):
            return f
        s0, s1, sk, sk1 = self.state(0), self.state(1), self.state(k), self.state(k + 1)
        return z3.substitute(f, *zip(s0.leaves + s1.leaves, sk.leaves + sk1.leaves))

    def type_ok(self, k: int) -> Any:
        """Every variable of state k holds a value of its declared type."""
        return self.state(k).type_ok

    def decode(self, model: z3.ModelRef, k: int) -> tuple:
        return tuple(decode(self.ctx, model, x) for x in self.state(k).vals)

    def state_eq(self, k: int, state: tuple) -> Any:
        """State k is the explicit state `state`."""
        return and_all(eq_const(self.ctx, x, v) for x, v in zip(self.state(k).vals, state))

    def next(self, k: int) -> Any:
        """Some action instance leads from state k to state k + 1."""
        return self.at(or_all(p.formula for p in self.steps), k)

    def step_error(self, k: int) -> Any:
        """Running some action instance in state k raises an evaluation error."""
        return self.at(or_all(p.error for p in self.steps), k)

    def holds(self, model: z3.ModelRef, f: Any) -> bool:
        return is_true_in(model, f)

    # ---- encoding ----------------------------------------------------------------------------

    def _encoder(self, cur: tuple | None) -> _Encoder:
        enc = _Encoder(self.ctx, self._analysis, self._cache)
        enc.cur = cur
        return enc

    def _run(self, body: tuple[T.Stmt, ...], cur: tuple | None, args: dict) -> tuple[list[_Path], list[EvalErr]]:
        enc = self._encoder(cur)
        n = len(self.spec.vars)
        p = _Path(True, [], [None] * n, {})
        for slot, (v, explicit) in args.items():
            p.bind(slot, v, explicit)
        paths = enc.block(body, [p])
        return paths, enc.errors

    def _init(self, s0: SymState) -> Part:
        paths, errors = self._run(self.spec.init.body, None, {})
        ctx = self.ctx
        formula = or_all(
            and_(p.guard, *(eq(ctx, x, v) for x, v in zip(s0.vals, p.nxt))) for p in paths
        )
        return Part(formula, or_all(e.cond for e in errors), tuple(errors))

    def _instance(self, inst: int, s0: SymState, s1: SymState) -> Part:
        ctx = self.ctx
        ai, args = self.instances[inst]
        a = self.spec.actions[ai]
        bound = {f.slot: (lift(ctx, f.ty, v), v) for f, v in zip(a.formals, args)}
        paths, errors = self._run(a.body, s0.vals, bound)
        frame = [eq(ctx, s1.vals[i], s0.vals[i]) for i in range(len(s0.vals)) if i not in a.assigned]
        # Each path's next-state equalities, one per leaf; an equality every path shares
        # (a leaf that no path changes differently) is stated once, outside the disjunction
        # (measured on Paxos: the forks of `m in msgs` then differ in a handful of leaves).
        per_path = []
        for p in paths:
            eqs: list = []
            for i in sorted(a.assigned):
                v = p.nxt[i]
                eq_leaves(ctx, s1.vals[i], v if v is not None else s0.vals[i], eqs)
            per_path.append((p.guard, eqs))
        common: dict = {}
        if len(per_path) > 1:
            ids = [{_ast_id(x) for x in eqs} for _, eqs in per_path]
            shared = set.intersection(*ids)
            for x in per_path[0][1]:
                if _ast_id(x) in shared:
                    common[_ast_id(x)] = x
        disjuncts = [and_(guard, *(x for x in eqs if _ast_id(x) not in common)) for guard, eqs in per_path]
        formula = and_(or_all(disjuncts), *common.values(), *frame)
        return Part(formula, or_all(e.cond for e in errors), tuple(errors))

    def _invariant(self, inv: T.Invariant, s0: SymState) -> Part:
        enc = self._encoder(s0.vals)
        p = _Path(True, [], [None] * len(s0.vals), {})
        v = enc.expr(inv.expr, p, ())
        return Part(v, or_all(e.cond for e in enc.errors), tuple(enc.errors))

    def instance_name(self, inst: int) -> tuple[str, tuple]:
        ai, args = self.instances[inst]
        a = self.spec.actions[ai]
        return a.name, tuple((f.name, v, f.ty) for f, v in zip(a.formals, args))


__all__ = ["Encoding", "Part", "SymState", "EvalErr", "zb", "eq_b"]
