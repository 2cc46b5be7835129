"""Typed expressions -> symbolic values: the expression encoder, with the condition under which
each partial operation raises an evaluation error.

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
from typing import TYPE_CHECKING, Any, Callable

from pyspec.errors import Span
from pyspec.lang import typed as T
from pyspec.lang.analysis import NEXT, STATE, Analysis, chain_operands, long_chain
from pyspec.lang.ops import COMPS, FNS, OPS, Fail, Op
from pyspec.lang.types import AnyT, BagT, MapT, SeqT, SetT, Type, sort_key
from pyspec.symbolic.boolean import Bool, and_, and_all, not_, or_, or_all
from pyspec.symbolic.decode import default, in_type, lift
from pyspec.symbolic.ints import Ctx, count, extreme
from pyspec.symbolic.values import (
    NOCONST,
    BagV,
    EncodingError,
    IntV,
    MapV,
    SeqV,
    SetV,
    TupleV,
    UnionV,
    add_member,
    bag_keys,
    concrete,
    eq,
    eq_const,
    ite,
    member,
    order_key,
    seq_has,
    set_op,
    sorted_bits,
    subset,
    tag_index,
    universe,
)

if TYPE_CHECKING:  # a path is what expressions are evaluated on; paths.py executes statements
    from pyspec.symbolic.paths import Path


@dataclass(frozen=True, slots=True)
class EvalErr:
    """One place where evaluation may fail: `cond` says it does."""

    cond: Any
    span: Span
    kind: Fail  # its words are the explicit engine's, with the values the replay finds


# The condition under which an expression is evaluated, as a tuple of conjuncts that is only
# turned into a Z3 term when an evaluation error is recorded under it; None: never evaluated.
Guard = tuple | None


def _g(g: Guard, *conds: Bool) -> Guard:
    """g with the conditions added; None where one of them is False."""
    if g is None:
        return None
    out = g
    for c in conds:
        if c is False:
            return None
        if c is not True:
            out = out + (c,)
    return out


class ExprEncoder:
    """Encodes the expressions of one spec against a current state (None in init), recording
    evaluation errors in `errors`; `paths.Encoder` adds statements."""

    def __init__(self, ctx: Ctx, analysis: Analysis, cache: dict) -> None:
        self.ctx = ctx
        self.cur: tuple | None = None
        self.errors: list[EvalErr] = []
        self.partial = 0  # operations met whose error condition is not known to be false
        self.algebra = Algebra(ctx)
        self.analysis = analysis  # dependencies, computed once per spec
        self.cache = cache  # (id(expr), known locals) -> value, for state-free expressions

    def record_error(self, guard: Guard, bad: Bool, span: Span, kind: Fail) -> None:
        """Record that evaluation fails with `kind` where `guard` (evaluated at all) and `bad` hold."""
        if bad is not False:
            self.partial += 1
        if guard is None:
            return
        c = and_(*guard, bad)
        if c is not False:
            self.errors.append(EvalErr(c, span, kind))

    def expr(self, e: T.Expr, p: Path, g: Bool) -> Any:
        """The value of e on path p; g: the condition under which e is evaluated at all. An
        EncodingError leaves with the span of the innermost expression it arose in.

        An expression that reads no state and only locals whose values are known has one
        value per binding of those locals; it is computed once (measured: Paxos's nested
        quantifiers over message constants went from 460,000 evaluations to a few thousand)."""
        try:
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
        except EncodingError as err:
            err.span = err.span or e.span
            raise

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
        if long_chain(e):
            return self._lazy_chain(e, p, g) if sem.lazy else self._chain(e, p, g)
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
        if sem.failure is not None and sem.sym_ok is not None:
            self.record_error(g, not_(sem.sym_ok(self.algebra, b)), e.span, sem.failure)
        return sem.sym(self.algebra, a, b, e.ty)

    def _chain(self, e: T.Binary, p, g):
        """`a + b + c ...` (a left-nested chain of one strict operator) node by node from the
        innermost, in a loop: the same terms and errors as the recursion, without its depth."""
        sem = OPS[e.op]
        nodes = [e]
        while isinstance(nodes[-1].left, T.Binary) and nodes[-1].left.op == e.op:
            nodes.append(nodes[-1].left)
        a = self.expr(nodes[-1].left, p, g)
        for n in reversed(nodes):
            b = self.expr(n.right, p, g)
            if sem.failure is not None and sem.sym_ok is not None:
                self.record_error(g, not_(sem.sym_ok(self.algebra, b)), n.span, sem.failure)
            a = sem.sym(self.algebra, a, b, n.ty)
        return a

    def _lazy_chain(self, e: T.Binary, p, g):
        """`a and b and c ...` (or `or`) over its operands in one loop, each encoded under the
        operands before it (as nested `and`s would be), without recursing once per operator."""
        and_op = e.op == Op.AND
        terms: list = []
        guard = g
        for x in chain_operands(e):
            v = self.expr(x, p, guard)
            if v is (not and_op):  # False decides an `and`, True an `or`: the rest is never evaluated
                return v
            if v is not and_op:
                terms.append(v)
                guard = _g(guard, v if and_op else not_(v))
        return and_(*terms) if and_op else or_(*terms)

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
            add_member(ctx, bits, v, True)
        return SetV(e.ty.elem, sorted_bits(bits, e.ty.elem))

    def _x_TupleLit(self, e: T.TupleLit, p, g):
        return TupleV(tuple(self.expr(x, p, g) for x in e.elems))

    def _x_Construct(self, e: T.Construct, p, g):
        i = tag_index(e.ty, e.tag)
        vals = tuple(self.expr(x, p, g) for x in e.fields)
        for j, ty in enumerate(e.checks):
            if ty is not None:
                self.record_error(g, not_(in_type(self.ctx, ty, vals[j])), e.span, Fail.FIELD_TYPE)
        return UnionV(e.ty, IntV(None, i, i), {e.tag: vals})

    def _x_IsTag(self, e: T.IsTag, p, g):
        x = self.expr(e.obj, p, g)
        if e.tag not in x.fields:
            return False
        return self.ctx.int_eq_const(x.tag, tag_index(x.ut, e.tag))

    def _x_TupleGet(self, e: T.TupleGet, p, g):
        return self.expr(e.obj, p, g).elems[e.index]

    def _x_VariantGet(self, e: T.VariantGet, p, g):
        ctx = self.ctx
        x = self.expr(e.obj, p, g)
        have = [(tag, i) for tag, i in e.positions if tag in x.fields]
        is_tag = {tag: ctx.int_eq_const(x.tag, tag_index(x.ut, tag)) for tag, _ in have}
        ok = or_all(is_tag.values())
        if ok is not True:
            self.record_error(g, not_(ok), e.span, Fail.NO_FIELD)
        out = None
        for tag, i in have:
            if is_tag[tag] is False:
                continue
            v = x.fields[tag][i - 1]
            out = v if out is None else ite(ctx, is_tag[tag], v, out)
        if out is None:  # no variant can have the field: an error on every path that gets here
            return default(ctx, e.ty)
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
                self.record_error(g, True, e.span, Fail.KEY_OUTSIDE)
                return m.vals[0]
            return m.vals[j]
        hits = [(eq_const(ctx, k, u), v) for u, v in zip(keys, m.vals)]
        hits = [(h, v) for h, v in hits if h is not False]
        if e.checked:
            self.record_error(g, not_(or_all(h for h, _ in hits)), e.span, Fail.KEY_OUTSIDE)
        if not hits:
            return m.vals[0]
        out = hits[-1][1]
        for h, v in reversed(hits[:-1]):
            out = ite(ctx, h, v, out)
        return out

    def _x_Apply(self, e: T.Apply, p, g):
        """A builtin of the core: its row in `ops.FNS` applied to the algebra, its failure
        predicate recorded as an evaluation error."""
        args = [self.expr(x, p, g) for x in e.args]
        sem = FNS[e.fn]
        if sem.sym_ok is not None:
            assert sem.failure is not None
            self.record_error(g, not_(sem.sym_ok(self.algebra, *args)), e.span, sem.failure)
        return sem.sym(self.algebra, *args, e.ty)

    def _x_Comp(self, e: T.Comp, p, g):
        """A comprehension: the (condition, value) pairs its generators produce, in iteration
        order, folded by its kind's row in `ops.COMPS`, whose failures are recorded here."""
        sem = COMPS[e.kind]
        alive = [True]  # all/any: no earlier value decided the result
        out: list = []
        key = e.key
        stop = sem.stop

        def on_value(cond):
            v: Any
            if stop is not None:  # all/any: evaluated only while no earlier value decided
                v = self.expr(e.elem, p, _g(g, alive[0], cond))
                decided = and_(cond, v if stop else not_(v))
                alive[0] = and_(alive[0], not_(decided))
            elif key is not None:
                v = (self.expr(key, p, _g(g, cond)), self.expr(e.elem, p, _g(g, cond)))
            else:
                v = self.expr(e.elem, p, _g(g, cond))
            out.append((cond, v))

        self._bind(e.gens, 0, p, g, True, alive, on_value, quantifier=stop is not None)
        return sem.sym(self.algebra, out, e.ty, lambda bad, kind: self.record_error(g, bad, e.span, kind))

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
        for key in sorted(s.bits, key=order_key(et)):
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
        return set_op(op, a, b, ty)

    def subset(self, a: SetV, b: SetV) -> Bool:
        return subset(a, b)

    # ---- sets (the rows of ops.FNS) ----

    def set_len(self, s: SetV) -> IntV:
        ctx = self.ctx
        n = IntV(None, 0, 0)
        for b in s.bits.values():
            n = ctx.arith("add", n, count(ctx, b))
        return n

    def set_sum(self, s: SetV) -> IntV:
        ctx = self.ctx
        n = IntV(None, 0, 0)
        for k, b in s.bits.items():
            n = ctx.arith("add", n, ctx.int_ite(b, IntV(None, k, k), IntV(None, 0, 0)))
        return n

    @staticmethod
    def nonempty(s: SetV) -> Bool:
        return or_all(b for b in s.bits.values() if b is not False)

    def fold_sum(self, items: list) -> IntV:
        """The sum of the values whose condition holds."""
        ctx = self.ctx
        n = IntV(None, 0, 0)
        for cond, v in items:
            n = ctx.arith("add", n, ctx.int_ite(cond, v, IntV(None, 0, 0)))
        return n

    def fold_extreme(self, kind: str, items: list, on_fail: Callable) -> IntV:
        """min/max of the values whose condition holds; fails where none holds."""
        on_fail(not_(or_all(c for c, _ in items)), Fail.NO_VALUES)
        return extreme(self.ctx, kind, items)

    def fold_set(self, items: list, t: Type) -> SetV:
        """The set of the values whose condition holds."""
        assert isinstance(t, SetT)
        bits: dict = {}
        for cond, v in items:
            add_member(self.ctx, bits, v, cond)
        return SetV(t.elem, sorted_bits(bits, t.elem))

    def fold_map(self, items: list, t: Type, on_fail: Callable) -> MapV:
        """The map of the (key, value) pairs whose condition holds; fails where a key gets no
        value or two different values."""
        ctx = self.ctx
        assert isinstance(t, MapT)
        keys = ctx.domain(t.key)
        hits: list[list] = [[] for _ in keys]  # per key: (a pair gives it, value), in order
        for cond, (k, v) in items:
            kc = concrete(k)
            for j, u in enumerate(keys):
                hit = (cond if kc == u else False) if kc is not NOCONST else and_(cond, eq_const(ctx, k, u))
                if hit is not False:
                    hits[j].append((hit, v))
        vals = []
        for hs in hits:
            # two pairs giving one key different values is an evaluation error, so where there
            # is none every pair that gives the key gives the same value
            for a in range(len(hs)):
                for b in range(a + 1, len(hs)):
                    on_fail(and_(hs[a][0], hs[b][0], not_(eq(ctx, hs[a][1], hs[b][1]))), Fail.MAP_CLASH)
            v = None
            for hit, x in reversed(hs):
                v = x if v is None else ite(ctx, hit, x, v)
            vals.append(v)
        on_fail(not_(and_all(or_all(h for h, _ in hs) for hs in hits)), Fail.MAP_MISSING)
        return MapV(t.key, tuple(v if v is not None else default(ctx, t.value) for v in vals))

    def extreme(self, kind: str, s: SetV) -> IntV:
        return extreme(self.ctx, kind, [(b, IntV(None, k, k)) for k, b in s.bits.items() if b is not False])

    @staticmethod
    def subsets(s: SetV, t: Type) -> SetV:
        cands = [(k, b) for k, b in s.bits.items() if b is not False]
        if len(cands) > 16:
            raise EncodingError(f"subsets() of a set of up to {len(cands)} elements")
        assert isinstance(t, SetT)
        bits = {}
        for r in range(len(cands) + 1):
            for c in itertools.combinations(cands, r):
                bits[frozenset(k for k, _ in c)] = and_all(b for _, b in c)
        return SetV(t.elem, sorted_bits(bits, t.elem))

    # ---- sequences (the rows of ops.FNS) ----

    @staticmethod
    def const(k: int) -> IntV:
        return IntV(None, k, k)

    def _select(self, items: tuple, i: IntV, t: Type) -> Any:
        """items[i] for a symbolic position i; some value where i is outside."""
        ctx = self.ctx
        if not items:
            return default(ctx, t)
        out = items[0]
        for k in range(1, len(items)):
            out = ite(ctx, ctx.int_eq_const(i, k), items[k], out)
        return out

    def seq_lit(self, items: tuple, ty: Type | None) -> SeqV:
        elem = ty.elem if isinstance(ty, SeqT) else AnyT()
        return SeqV(elem, IntV(None, len(items), len(items)), tuple(items))

    def seq_len(self, s: SeqV) -> IntV:
        return s.n

    def seq_has(self, s: SeqV, i: IntV) -> Bool:
        ctx = self.ctx
        return and_(ctx.cmp("le", self.const(0), i), ctx.cmp("lt", i, s.n))

    def seq_index(self, s: SeqV, i: IntV, t: Type) -> Any:
        return self._select(s.items, i, t)

    def seq_last(self, s: SeqV, t: Type) -> Any:
        return self._select(s.items, self.ctx.arith("sub", s.n, self.const(1)), t)

    def seq_drop(self, s: SeqV, k: IntV, t: Type) -> SeqV:
        assert k.const is not None
        ctx = self.ctx
        n = ctx.arith("sub", s.n, k)
        n = ctx.int_ite(ctx.cmp("lt", n, self.const(0)), self.const(0), n)
        return SeqV(s.elem, n, s.items[k.const:])

    def seq_concat(self, s: SeqV, u: SeqV, t: Type) -> SeqV:
        ctx = self.ctx
        elem = t.elem if isinstance(t, SeqT) else s.elem
        items = []
        for k in range(len(s.items) + len(u.items)):
            rest = self._select(u.items, ctx.arith("sub", self.const(k), s.n), elem)
            items.append(ite(ctx, seq_has(ctx, s, k), s.items[k], rest) if k < len(s.items) else rest)
        return SeqV(elem, ctx.arith("add", s.n, u.n), tuple(items))

    def seq_slice_ok(self, s: SeqV, i: IntV, j: IntV) -> Bool:
        ctx = self.ctx
        return and_(ctx.cmp("le", self.const(0), i), ctx.cmp("le", i, j), ctx.cmp("le", j, s.n))

    def seq_slice(self, s: SeqV, i: IntV, j: IntV, t: Type) -> SeqV:
        ctx = self.ctx
        elem = t.elem if isinstance(t, SeqT) else s.elem
        items = tuple(self._select(s.items, ctx.arith("add", i, self.const(k)), elem) for k in range(len(s.items)))
        n = ctx.arith("sub", j, i)
        n = ctx.int_ite(ctx.cmp("lt", n, self.const(0)), self.const(0), n)
        return SeqV(elem, n, items)

    def seq_member(self, x: Any, s: SeqV) -> Bool:
        ctx = self.ctx
        return or_all(and_(seq_has(ctx, s, k), eq(ctx, x, y)) for k, y in enumerate(s.items))

    # ---- bags ----

    def bag_empty(self, t: Type) -> BagV:
        return BagV(t.elem if isinstance(t, BagT) else AnyT(), {})

    def _hits(self, b: BagV, x: Any) -> list[tuple[Any, Bool]]:
        """The keys x may equal, each with the condition that it does (x's universe included)."""
        ctx = self.ctx
        c = concrete(x)
        if c is not NOCONST:
            return [(c, True)]
        return [(u, h) for u in universe(ctx, x) if (h := eq_const(ctx, x, u)) is not False]

    def bag_count(self, b: BagV, x: Any) -> IntV:
        ctx = self.ctx
        out = IntV(None, 0, 0)
        for u, h in self._hits(b, x):
            if u in b.counts:
                out = ctx.int_ite(h, b.counts[u], out)
        return out

    def bag_in(self, x: Any, b: BagV) -> Bool:
        return self.ctx.cmp("lt", IntV(None, 0, 0), self.bag_count(b, x))

    def bag_add(self, b: BagV, x: Any, delta: int, t: Type) -> BagV:
        ctx = self.ctx
        counts = dict(b.counts)
        for u, h in self._hits(b, x):
            n = counts.get(u, IntV(None, 0, 0))
            counts[u] = ctx.int_ite(h, ctx.arith("add", n, IntV(None, delta, delta)), n)
        elem = t.elem if isinstance(t, BagT) else b.elem
        return BagV(elem, {k: counts[k] for k in sorted(counts, key=sort_key(elem))})

    def bag_sum(self, b: BagV, c: BagV, t: Type) -> BagV:
        ctx = self.ctx
        zero = IntV(None, 0, 0)
        elem = t.elem if isinstance(t, BagT) else b.elem
        return BagV(elem, {k: ctx.arith("add", b.counts.get(k, zero), c.counts.get(k, zero)) for k in bag_keys(b, c)})

    def bag_set(self, b: BagV, t: Type) -> SetV:
        ctx = self.ctx
        elem = t.elem if isinstance(t, SetT) else b.elem
        return SetV(elem, {k: ctx.cmp("lt", IntV(None, 0, 0), n) for k, n in b.counts.items()})

    def seq_update(self, s: SeqV, i: IntV, v: Any, t: Type) -> SeqV:
        ctx = self.ctx
        items = tuple(ite(ctx, ctx.int_eq_const(i, k), v, y) for k, y in enumerate(s.items))
        return SeqV(s.elem, s.n, items)

    @staticmethod
    def not_(x: Bool) -> Bool:
        return not_(x)

    @staticmethod
    def and_(*xs: Bool) -> Bool:
        return and_(*xs)

    @staticmethod
    def or_(*xs: Bool) -> Bool:
        return or_(*xs)

    @staticmethod
    def undecided(items: list, stop: bool) -> Bool:
        """No value whose condition holds equals `stop` (all: no false value; any: no true
        one), built value by value as the encoder guards each body (`_x_Comp`)."""
        alive: Bool = True
        for cond, v in items:
            alive = and_(alive, not_(and_(cond, v if stop else not_(v))))
        return alive
