"""The symbolic path executor: statement blocks run along paths, as the explicit engine runs them.

A path carries its path condition (the `if` conditions, `require`s and choices taken so
far), the next-state values assigned so far and the locals. An `if` whose branches each end
in one path merges them again with if-then-else; a choice `x in S` (local or `x' in S`) forks
one path per possible element of S, which keeps every later expression over known values. A
path's transition is its condition and, for every variable, `var@1 == ` the value it
assigned, or the current value when it assigned none (the explicit "unchanged unless
assigned on this path" rule); `encode.Encoding` builds it. An evaluation error in a
statement is recorded under the path's condition.
"""

from __future__ import annotations

from typing import Any

from pyspec.lang import typed as T
from pyspec.lang.ops import Fail
from pyspec.lang.types import SetT, contains
from pyspec.symbolic.boolean import Bool, and_, and_all, not_, or_all
from pyspec.symbolic.decode import in_type, lift
from pyspec.symbolic.encode_expr import ExprEncoder
from pyspec.symbolic.values import NOCONST, MapV, concrete, eq_const, ite


class Path:
    """One path through a statement block: its condition (`guard`), the next-state values
    assigned on it (`nxt`, None where unassigned), its locals and those of known value."""

    __slots__ = ("guard", "rel", "nxt", "locals", "known")

    def __init__(self, guard: Bool, rel: list, nxt: list, locals_: dict, known: dict | None = None) -> None:
        self.guard = guard
        self.rel = rel  # conditions added since the innermost enclosing `if` began
        self.nxt = nxt
        self.locals = locals_
        self.known = known if known is not None else {}  # slot -> explicit value, when known

    def bind(self, slot: int, value: Any, explicit: Any = NOCONST) -> None:
        """Bind local `slot` to `value` (whose explicit value is `explicit`, when known)."""
        self.locals[slot] = value
        if explicit is NOCONST:
            explicit = concrete(value)
        if explicit is NOCONST:
            self.known.pop(slot, None)
        else:
            self.known[slot] = explicit


class Encoder(ExprEncoder):
    """Encodes statement blocks (and their expressions) of one spec against a current state."""

    def block(self, stmts: tuple[T.Stmt, ...], paths: list[Path]) -> list[Path]:
        """The paths that running `stmts` from each of `paths` ends in (unsatisfiable ones dropped)."""
        for s in stmts:
            nxt = []
            for p in paths:
                nxt.extend(self._stmt(s, p))
            paths = [p for p in nxt if p.guard is not False]
        return paths

    def _stmt(self, s: T.Stmt, p: Path) -> list[Path]:
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

    def _if(self, s: T.If, p: Path) -> list[Path]:
        ctx = self.ctx
        c = self.expr(s.cond, p, (p.guard,))
        if c is True or c is False:
            return self.block(s.then if c else s.orelse, [p])
        t_paths = self.block(s.then, [Path(and_(p.guard, c), [], list(p.nxt), p.locals, p.known)])
        e_paths = self.block(s.orelse, [Path(and_(p.guard, not_(c)), [], list(p.nxt), p.locals, p.known)])
        if len(t_paths) == 1 and len(e_paths) == 1:
            (t,), (f,) = t_paths, e_paths
            cond = ite(ctx, c, and_all(t.rel), and_all(f.rel))
            nxt = [a if a is b else self._merge(c, a, b, i) for i, (a, b) in enumerate(zip(t.nxt, f.nxt))]
            return [Path(and_(p.guard, cond), p.rel + [cond], nxt, p.locals, p.known)]
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

    def _choose(self, s: T.Choose, p: Path) -> list[Path]:
        ctx = self.ctx
        dom = self.expr(s.domain, p, (p.guard,))
        assert isinstance(s.domain.ty, SetT)
        et = s.domain.ty.elem
        out = []
        for key, b in dom.bits.items():
            if b is False:
                continue
            if s.var is not None and s.check is not None and not contains(s.check, key):
                self.record_error((p.guard, b), True, s.span, Fail.OUT_OF_TYPE)
            q = Path(and_(p.guard, b), p.rel + [b], list(p.nxt), dict(p.locals), dict(p.known))
            v = lift(ctx, et, key)
            if s.var is None:
                assert s.slot is not None, "a choice into a local has a slot"
                q.bind(s.slot, v, key)
            else:
                q.nxt[s.var] = v
            out.append(q)
        return out

    def _assign(self, s: T.Assign, p: Path) -> None:
        ctx = self.ctx
        v = self.expr(s.value, p, (p.guard,))
        if s.check is not None:
            self.record_error((p.guard,), not_(in_type(ctx, s.check, v)), s.span, Fail.OUT_OF_TYPE)
        if not s.path:
            p.nxt[s.var] = v
            return
        old = p.nxt[s.var]
        if old is None:
            assert self.cur is not None, "init assigns a variable whole before any of its keys"
            old = self.cur[s.var]
        p.nxt[s.var] = self._update(old, s, 0, v, p)

    def _update(self, m: MapV, s: T.Assign, depth: int, v: Any, p: Path) -> MapV:
        ctx = self.ctx
        k = self.expr(s.path[depth], p, (p.guard,))
        keys = ctx.domain(m.key)
        last = depth == len(s.path) - 1
        kc = concrete(k)
        if kc is not NOCONST:
            j = ctx.key_ordinal(m.key).get(kc)
            if j is None:
                self.record_error((p.guard,), True, s.span, Fail.KEY_OUTSIDE)
                return m
            inner = v if last else self._update(m.vals[j], s, depth + 1, v, p)
            return MapV(m.key, m.vals[:j] + (inner,) + m.vals[j + 1 :])
        hits = [eq_const(ctx, k, u) for u in keys]
        self.record_error((p.guard,), not_(or_all(hits)), s.span, Fail.KEY_OUTSIDE)
        vals = []
        for h, old in zip(hits, m.vals):
            if h is False:
                vals.append(old)
                continue
            inner = v if last else self._update(old, s, depth + 1, v, p)
            vals.append(ite(ctx, h, inner, old))
        return MapV(m.key, tuple(vals))
