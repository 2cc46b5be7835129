"""Typed tree -> Python closures, compiled once; the explicit engine's semantics.

An expression compiles to `fn(env)`, where `env` is a list: `env[0]` the current state (a
tuple), `env[1]` the next state being built (a list, or None before the first write), `env[2]`
the list that receives successor states, and `env[3 + slot]` the locals. Sub-expressions that
depend on no state and no free local are evaluated once, at compile time.

A statement block compiles to `run(env)` in continuation-passing style: each statement calls
the rest of the block once per outcome, so nondeterministic choice is a plain loop and the
last continuation appends the finished next state to `env[2]`.
"""

from __future__ import annotations

from typing import Any, Callable

from pyspec.errors import SpecEvalError
from pyspec.lang import typed as T
from pyspec.lang.analysis import Analysis, chain_operands, conjuncts, facts_false, facts_right, facts_true, long_chain
from pyspec.lang.ops import COMPS, FNS, OPS, Fail, Op, apply_fn, fail, int_range
from pyspec.lang.types import (
    IntT,
    MapT,
    SetT,
    Type,
    contains,
    domain,
    format_value,
    key_index,
    plainly_ordered,
    sort_key,
)

Fn = Callable[[list], Any]
Run = Callable[[list], None]

LOCALS = 3  # env[LOCALS + slot] holds local `slot`


class Compiler:
    """Compiles the expressions and statements of one checked spec."""

    def __init__(self, spec: T.CheckedSpec, observer: Callable[..., None] | None = None) -> None:
        """`observer`: called as `observer(stmt, clauses, env)` where a path ends at a false
        `require` (clauses: its conjuncts, compiled) or at a choice with nothing to choose
        from (clauses empty), so that `explain` reports what this engine did."""
        self.spec = spec
        self.observer = observer
        self.nlocals = 0  # the largest frame seen, for constant folding's scratch env
        # Flow typing: while compiling the right side of `m is Tag and ...` (or what follows
        # that test in a comprehension), local slot -> the tag it is known to carry, so field
        # reads on it need no tag check.
        self.known_tags: dict[int, str] = {}
        self.prime = "'"  # how messages spell a written variable: x' in actions, x in init
        self.analysis = Analysis()

    # ---- expressions -------------------------------------------------------------------------

    def expr(self, e: T.Expr) -> Fn:
        """Compile `e`; an expression that reads no state and no free local (the analysis'
        `deps`) is evaluated here, once."""
        fn = getattr(self, "_c_" + type(e).__name__)(e)
        if self.analysis.deps(e) or isinstance(e, T.Const):
            return fn
        try:
            value = fn([None, None, None] + [None] * (self.nlocals + 64))
        except SpecEvalError:  # e.g. min({}) in a branch that may never run: fail when it does
            return fn
        return lambda env: value

    def _c_Const(self, e: T.Const):
        v = e.value
        return lambda env: v

    def _c_Var(self, e: T.Var):
        i = e.index
        return lambda env: env[0][i]

    def _c_Primed(self, e: T.Primed):
        i = e.index
        return lambda env: env[1][i]

    def _c_Local(self, e: T.Local):
        k = LOCALS + e.slot
        self.nlocals = max(self.nlocals, e.slot + 1)
        return lambda env: env[k]

    def _c_Unary(self, e: T.Unary):
        f = self.expr(e.operand)
        if e.op == Op.NOT:
            return lambda env: not f(env)
        py = OPS[e.op].py
        return lambda env: py(f(env))

    def _with_facts(self, cond: T.Expr):
        """Context: the tag facts that hold wherever `cond` is true (conjuncts `x is Tag`)."""
        return _Facts(self, facts_true(cond))

    def _c_Binary(self, e: T.Binary):
        op = e.op
        sem = OPS[op]
        if long_chain(e) and (sem.lazy or sem.failure is None):
            return self._lazy_chain(e) if sem.lazy else self._chain(e)
        a = self.expr(e.left)
        if sem.lazy:
            with _Facts(self, facts_right(e)):
                b = self.expr(e.right)
        else:
            b = self.expr(e.right)
        if op == Op.AND:
            return lambda env: a(env) and b(env)
        if op == Op.OR:
            return lambda env: a(env) or b(env)
        py = sem.py
        if sem.failure is not None:
            span, failure, ok = e.span, sem.failure, sem.ok
            assert ok is not None

            def partial(env):
                y = b(env)  # the right operand and its predicate first, as the generated code does
                if not ok(y):
                    fail(failure, span)
                return py(a(env), y)

            return partial
        if isinstance(e.right, T.Const):
            c = e.right.value
            return lambda env: py(a(env), c)
        if isinstance(e.right, T.Local):
            k = LOCALS + e.right.slot
            return lambda env: py(a(env), env[k])
        return lambda env: py(a(env), b(env))

    def _chain(self, e: T.Binary):
        """`a + b + c ...` (one operator that cannot fail) as a loop over the operands: one
        closure per operator would recurse once per operand at every evaluation."""
        py = OPS[e.op].py
        fns = [self.expr(x) for x in chain_operands(e)]
        first, rest = fns[0], tuple(fns[1:])

        def chain(env):
            v = first(env)
            for f in rest:
                v = py(v, f(env))
            return v

        return chain

    def _lazy_chain(self, e: T.Binary):
        """`a and b and c ...` (or `or`) as one loop over the operands, left to right, rather
        than one closure per operator: a 1,000-line invariant block is one chain, and nested
        closures would recurse once per operand at every evaluation."""
        operands = chain_operands(e)
        facts_of = facts_true if e.op == Op.AND else facts_false
        fns = []
        facts: dict[int, str] = {}  # the tag facts the operands so far establish, as facts_right gives them
        for x in operands:
            with _Facts(self, facts):
                fns.append(self.expr(x))
            facts = {**facts, **facts_of(x)}
        first, rest = fns[0], tuple(fns[1:])
        if e.op == Op.AND:
            def conj(env):
                v = first(env)
                for f in rest:
                    if not v:
                        return v
                    v = f(env)
                return v

            return conj

        def disj(env):
            v = first(env)
            for f in rest:
                if v:
                    return v
                v = f(env)
            return v

        return disj

    def _c_IfExp(self, e: T.IfExp):
        c = self.expr(e.cond)
        a = self.expr(e.then)
        b = self.expr(e.orelse)
        return lambda env: a(env) if c(env) else b(env)

    def _c_RangeSet(self, e: T.RangeSet):
        lo = self.expr(e.lo)
        hi = self.expr(e.hi)
        return lambda env: int_range(lo(env), hi(env))

    def _c_SetLit(self, e: T.SetLit):
        fns = tuple(self.expr(x) for x in e.elems)
        return lambda env: frozenset([f(env) for f in fns])

    def _c_TupleLit(self, e: T.TupleLit):
        fns = tuple(self.expr(x) for x in e.elems)
        if len(fns) == 2:
            f0, f1 = fns
            return lambda env: (f0(env), f1(env))
        return lambda env: tuple([f(env) for f in fns])

    def _c_Construct(self, e: T.Construct):
        fns = tuple(self.expr(x) for x in e.fields)
        tag = e.tag
        if e.checks:
            fields = e.ty.variant(tag)
            assert fields is not None, "the checker resolved the tag"
            checks = tuple(
                (i, ty, fields[i][0]) for i, ty in enumerate(e.checks) if ty is not None
            )
            span = e.span

            def construct_checked(env):
                vals = [f(env) for f in fns]
                for i, ty, name in checks:
                    if not contains(ty, vals[i]):
                        fail(Fail.FIELD_TYPE, span, tag, name, ty, vals[i])
                return (tag, *vals)

            return construct_checked
        if len(fns) == 1:
            (f0,) = fns
            return lambda env: (tag, f0(env))
        if len(fns) == 2:
            f0, f1 = fns
            return lambda env: (tag, f0(env), f1(env))
        if len(fns) == 3:
            f0, f1, f2 = fns
            return lambda env: (tag, f0(env), f1(env), f2(env))
        if len(fns) == 4:
            f0, f1, f2, f3 = fns
            return lambda env: (tag, f0(env), f1(env), f2(env), f3(env))
        return lambda env: (tag, *[f(env) for f in fns])

    def _c_IsTag(self, e: T.IsTag):
        f = self.expr(e.obj)
        tag = e.tag
        if isinstance(e.obj, T.Local):
            k = LOCALS + e.obj.slot
            return lambda env: env[k][0] == tag
        return lambda env: f(env)[0] == tag

    def _c_TupleGet(self, e: T.TupleGet):
        f = self.expr(e.obj)
        i = e.index
        return lambda env: f(env)[i]

    def _c_VariantGet(self, e: T.VariantGet):
        f = self.expr(e.obj)
        positions = dict(e.positions)
        span, name = e.span, e.name
        if isinstance(e.obj, T.Local) and self.known_tags.get(e.obj.slot) in positions:
            i = positions[self.known_tags[e.obj.slot]]
            k = LOCALS + e.obj.slot
            return lambda env: env[k][i]
        if len(positions) == 1 and isinstance(e.obj, T.Local):
            ((tag, i),) = positions.items()
            k = LOCALS + e.obj.slot

            def get_local(env):
                v = env[k]
                if v[0] != tag:
                    fail(Fail.NO_FIELD, span, v[0], name)
                return v[i]

            return get_local
        if len(positions) == 1:
            ((tag, i),) = positions.items()

            def get1(env):
                v = f(env)
                if v[0] != tag:
                    fail(Fail.NO_FIELD, span, v[0], name)
                return v[i]

            return get1

        def get(env):
            v = f(env)
            i = positions.get(v[0])
            if i is None:
                fail(Fail.NO_FIELD, span, v[0], name)
            return v[i]

        return get

    def _c_MapGet(self, e: T.MapGet):
        m = self.expr(e.obj)
        k = self.expr(e.key)
        mt = e.obj.ty
        assert isinstance(mt, MapT)
        kt = mt.key
        if isinstance(kt, IntT) and not e.checked:
            lo = kt.lo
            if lo == 0 and isinstance(e.obj, T.Var) and isinstance(e.key, T.Local):
                i, kk = e.obj.index, LOCALS + e.key.slot
                return lambda env: env[0][i][env[kk]]
            if lo == 0:
                return lambda env: m(env)[k(env)]
            return lambda env: m(env)[k(env) - lo]
        index = key_index(kt)
        span, show = e.span, mt.key

        def get(env):
            key = k(env)
            try:
                return m(env)[index(key)]
            except KeyError:
                fail(Fail.KEY_OUTSIDE, span, show, key)

        return get

    def _c_Apply(self, e: T.Apply):
        """A builtin of the core: its row in `ops.FNS`, failure predicate first."""
        fns = tuple(self.expr(x) for x in e.args)
        sem = FNS[e.fn]
        py = sem.py
        if sem.ok is None:
            if len(fns) == 1:
                (f,) = fns
                return lambda env: py(f(env))
            if len(fns) == 2:
                f, g = fns
                return lambda env: py(f(env), g(env))
            return lambda env: py(*[f(env) for f in fns])
        fn, span, types = e.fn, e.span, tuple(x.ty for x in e.args)
        return lambda env: apply_fn(fn, span, types, *[f(env) for f in fns])

    def _c_Comp(self, e: T.Comp):
        gens = []
        facts = []
        # A body that may fail is iterated in the declared order, so that the first error
        # (and whether all()/any() stops before it) is the same under every hash seed.
        ordered = self.analysis.comp_may_fail(e)
        for g in e.gens:
            it = self.expr(g.iter)
            if ordered:
                it = _in_order(it, g.iter.ty)
            conds = []
            for c in g.conds:
                fc = self.expr(c)
                conds.append(fc)
                f = self._with_facts(c)
                f.__enter__()
                facts.append(f)
            self.nlocals = max(self.nlocals, g.slot + 1)
            gens.append((LOCALS + g.slot, it, tuple(conds)))
        try:
            return self._comp_body(e, gens)
        finally:
            for f in reversed(facts):
                f.__exit__(None, None, None)

    def _comp_body(self, e: T.Comp, gens):
        """The values the generators produce, folded by the kind's row in `ops.COMPS`."""
        sem = COMPS[e.kind]
        elem = self.expr(e.elem)
        if sem.stop is not None:  # all/any: plain loops that stop at the deciding value
            return _quantifier(sem.stop, gens, elem)
        if e.key is not None:
            key = self.expr(e.key)
            value = elem
            elem = lambda env: (key(env), value(env))  # noqa: E731
        fold = sem.fold(e.ty, e.span)
        if len(gens) == 1:
            collect = _collect1(gens[0], elem)
            return lambda env: fold(collect(env))
        produce = _produce(gens, elem)
        return lambda env: fold(produce(env))

    # ---- statements --------------------------------------------------------------------------

    def block(self, stmts: tuple[T.Stmt, ...], k: Run) -> Run:
        run = k
        for s in reversed(stmts):
            run = self._stmt(s, run)
        return run

    def _stmt(self, s: T.Stmt, k: Run) -> Run:
        if isinstance(s, T.Require):
            c = self.expr(s.cond)
            observer = self.observer
            if observer is not None:
                clauses = tuple((x, self.expr(x)) for x in conjuncts(s.cond))

                def require_observed(env):
                    if c(env):
                        k(env)
                    else:
                        observer(s, clauses, env)

                return require_observed

            def require(env):
                if c(env):
                    k(env)

            return require
        if isinstance(s, T.Let):
            f = self.expr(s.value)
            slot = LOCALS + s.slot
            self.nlocals = max(self.nlocals, s.slot + 1)

            def let(env):
                env[slot] = f(env)
                k(env)

            return let
        if isinstance(s, T.If):
            c = self.expr(s.cond)
            then = self.block(s.then, k)
            orelse = self.block(s.orelse, k)
            return lambda env: then(env) if c(env) else orelse(env)
        if isinstance(s, T.Choose):
            return self._choose(s, k)
        if isinstance(s, T.Assign):
            return self._assign(s, k)
        raise AssertionError(s)

    def _choose(self, s: T.Choose, k: Run) -> Run:
        dom = self.expr(s.domain)
        if self.observer is not None:
            dom = _observed_domain(dom, s, self.observer)
        assert isinstance(s.domain.ty, SetT)
        key = sort_key(s.domain.ty.elem)
        if s.var is None:
            assert s.slot is not None, "a choice into a local has a slot"
            slot = LOCALS + s.slot
            self.nlocals = max(self.nlocals, s.slot + 1)
            if plainly_ordered(s.domain.ty.elem):  # sorted() agrees with sort_key, faster

                def choose_plain(env):
                    for v in sorted(dom(env)):
                        env[slot] = v
                        k(env)

                return choose_plain

            def choose_local(env):
                for v in sorted(dom(env), key=key):
                    env[slot] = v
                    k(env)

            return choose_local
        i, check, span, name = s.var, s.check, s.span, s.name + self.prime

        def choose_var(env):
            nxt = env[1]
            if nxt is None:
                nxt = env[1] = list(env[0])
            old = nxt[i]
            for v in sorted(dom(env), key=key):
                if check is not None and not contains(check, v):
                    _out_of_type(span, name, check, v)
                nxt[i] = v
                k(env)
            nxt[i] = old

        return choose_var

    def _assign(self, s: T.Assign, k: Run) -> Run:
        f = self.expr(s.value)
        i, check, span, name = s.var, s.check, s.span, s.name + self.prime
        if not s.path:
            if check is None:

                def assign(env):
                    nxt = env[1]
                    if nxt is None:
                        nxt = env[1] = list(env[0])
                    old = nxt[i]
                    nxt[i] = f(env)
                    k(env)
                    nxt[i] = old

                return assign

            def assign_checked(env):
                nxt = env[1]
                if nxt is None:
                    nxt = env[1] = list(env[0])
                v = f(env)
                if not contains(check, v):
                    _out_of_type(span, name, check, v)
                old = nxt[i]
                nxt[i] = v
                k(env)
                nxt[i] = old

            return assign_checked
        keys = tuple(self.expr(p) for p in s.path)
        indexes = tuple(key_index(t.key) for t in s.path_types)
        key_types = tuple(t.key for t in s.path_types)

        def update(m, depth, env, v):
            try:
                j = indexes[depth](keys[depth](env))
            except KeyError:
                key = keys[depth](env)
                fail(Fail.KEY_OUTSIDE, span, key_types[depth], key)
            inner = v if depth == len(keys) - 1 else update(m[j], depth + 1, env, v)
            return m[:j] + (inner,) + m[j + 1 :]

        def assign_entry(env):
            nxt = env[1]
            if nxt is None:
                nxt = env[1] = list(env[0])
            v = f(env)
            if check is not None and not contains(check, v):
                _out_of_type(span, name + "[...]", check, v)
            old = nxt[i]
            nxt[i] = update(old, 0, env, v)
            k(env)
            nxt[i] = old

        return assign_entry


class _Facts:
    def __init__(self, compiler: Compiler, facts: dict[int, str]) -> None:
        self.compiler, self.facts = compiler, facts
        self.saved: dict[int, str] = {}  # set by __enter__

    def __enter__(self):
        self.saved = dict(self.compiler.known_tags)
        self.compiler.known_tags.update(self.facts)
        return self

    def __exit__(self, *exc):
        self.compiler.known_tags = self.saved
        return False


def _quantifier(stop: bool, gens, elem: Fn) -> Fn:
    """any(...)/all(...) as plain loops that stop at the first body value equal to `stop`
    (the row's: True for any, False for all); nested generators
    become nested quantifiers (each generator's conditions stay with it)."""
    slot, it, conds = gens[0]
    body = elem if len(gens) == 1 else _quantifier(stop, gens[1:], elem)
    cond = conds[0] if len(conds) == 1 else (_conj(conds) if conds else None)
    if stop:  # any()
        if cond is None:

            def any_(env):
                for v in it(env):
                    env[slot] = v
                    if body(env):
                        return True
                return False

            return any_

        def any_if(env):
            for v in it(env):
                env[slot] = v
                if cond(env) and body(env):
                    return True
            return False

        return any_if
    if cond is None:

        def all_(env):
            for v in it(env):
                env[slot] = v
                if not body(env):
                    return False
            return True

        return all_

    def all_if(env):
        for v in it(env):
            env[slot] = v
            if cond(env) and not body(env):
                return False
        return True

    return all_if


def _conj(fns) -> Fn:
    def conj(env):
        for f in fns:
            if not f(env):
                return False
        return True

    return conj


def _collect1(gen, elem: Fn) -> Fn:
    """The list of the values one generator produces."""
    slot, it, conds = gen
    cond = conds[0] if len(conds) == 1 else (_conj(conds) if conds else None)
    if cond is None:

        def comp(env):
            out = []
            for v in it(env):
                env[slot] = v
                out.append(elem(env))
            return out

        return comp

    def comp_if(env):
        out = []
        for v in it(env):
            env[slot] = v
            if cond(env):
                out.append(elem(env))
        return out

    return comp_if


def _produce(gens, elem: Fn) -> Callable[[list], Any]:
    """A generator function over the comprehension's bindings, innermost generator last."""
    if len(gens) == 1:
        ((slot, it, conds),) = gens
        if not conds:

            def one(env):
                for v in it(env):
                    env[slot] = v
                    yield elem(env)

            return one
        if len(conds) == 1:
            (c,) = conds

            def one_if(env):
                for v in it(env):
                    env[slot] = v
                    if c(env):
                        yield elem(env)

            return one_if

    def many(env, depth=0):
        slot, it, conds = gens[depth]
        last = depth == len(gens) - 1
        for v in it(env):
            env[slot] = v
            if all(c(env) for c in conds):
                if last:
                    yield elem(env)
                else:
                    yield from many(env, depth + 1)

    return many


def _observed_domain(dom: Fn, s: T.Choose, observer: Callable[..., None]) -> Fn:
    def observed(env):
        d = dom(env)
        if not d:
            observer(s, (), env)
        return d

    return observed


def _in_order(it: Fn, set_type: Type) -> Fn:
    """`it`, a set-valued closure, as a list in the declared order of its elements."""
    assert isinstance(set_type, SetT)
    if plainly_ordered(set_type.elem):
        return lambda env: sorted(it(env))
    key = sort_key(set_type.elem)
    return lambda env: sorted(it(env), key=key)


def _show(t: Type, v: Any) -> str:
    try:
        return format_value(t, v)
    except (TypeError, IndexError, KeyError):
        return repr(v)


def _out_of_type(span, name: str, ty: Type, v: Any):
    fail(Fail.OUT_OF_TYPE, span, name, ty, v)
