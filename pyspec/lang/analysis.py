"""Static facts about typed expressions, computed once and read by every engine.

- `deps(e)`: what `e` depends on: "state" (the current state), "next" (a primed variable) and
  the local slots free in it.
- `may_fail(e)`: whether evaluating `e` can raise an evaluation error (a partial operation
  not proven safe). Sound, not complete: False is a promise, True only a possibility.
- `facts_true(c)` / `facts_false(c)`: the tags that local slots are known to carry wherever
  `c` is true / false (from conjuncts `x is Tag`), so a field read under them cannot fail.
- `conjuncts(e)`: the operands of a chain of `and`.
- `comp_may_fail(c)`: whether a comprehension's body (its conditions, inner generators, key
  and element) may fail: such a comprehension is iterated in the declared order of its
  generators' element types (`pyspec.lang.types.sort_key`), so that the first error, and with
  it every verdict, trace and message, is the same under every hash seed.

The results depend only on the expression (never on where it occurs), so they are cached by
node identity; an `Analysis` keeps the nodes it has seen alive so that identities stay unique.
"""

from __future__ import annotations

from typing import Any

from pyspec.lang import typed as T
from pyspec.lang.ops import COMPS, FNS, OPS, Op
from pyspec.lang.types import UnionT

STATE = "state"
NEXT = "next"
_NONE: frozenset = frozenset()


def children(e: Any) -> tuple:
    """The direct sub-expressions of `e`, generators included (as their parts)."""
    if isinstance(e, (T.Const, T.Var, T.Primed, T.Local)):
        return ()
    if isinstance(e, T.Unary):
        return (e.operand,)
    if isinstance(e, T.Binary):
        return (e.left, e.right)
    if isinstance(e, T.IfExp):
        return (e.cond, e.then, e.orelse)
    if isinstance(e, T.RangeSet):
        return (e.lo, e.hi)
    if isinstance(e, (T.SetLit, T.TupleLit)):
        return e.elems
    if isinstance(e, T.Construct):
        return e.fields
    if isinstance(e, (T.IsTag, T.TupleGet, T.VariantGet)):
        return (e.obj,)
    if isinstance(e, T.MapGet):
        return (e.obj, e.key)
    if isinstance(e, T.Apply):
        return e.args
    if isinstance(e, T.Comp):
        out: list = []
        for g in e.gens:
            out.append(g.iter)
            out.extend(g.conds)
        if e.key is not None:
            out.append(e.key)
        out.append(e.elem)
        return tuple(out)
    raise AssertionError(type(e).__name__)


def chain_operands(e: T.Binary) -> list[T.Expr]:
    """The operands of the left-nested chain of `e.op` that `e` ends (`((a op b) op c) op d`
    -> [a, b, c, d]), found without recursion: the parser folds a long chain (an invariant
    block of a thousand `and` lines) this way, and each reader walks it in a loop."""
    nodes = [e]
    while isinstance(nodes[-1].left, T.Binary) and nodes[-1].left.op == e.op:
        nodes.append(nodes[-1].left)
    return [nodes[-1].left, *(n.right for n in reversed(nodes))]


def long_chain(e: T.Binary, least: int = 8) -> bool:
    """`e` ends a left-nested chain of at least `least` operands of its operator: where the
    engines switch from one recursion per operator to one loop (shorter chains keep the
    nested form, whose closures and Z3 terms are the ones measured)."""
    n = 2
    while isinstance(e.left, T.Binary) and e.left.op == e.op and n < least:
        e, n = e.left, n + 1
    return n >= least


def conjuncts(e: T.Expr) -> list[T.Expr]:
    if isinstance(e, T.Binary) and e.op == Op.AND:
        return [c for x in chain_operands(e) for c in conjuncts(x)]
    return [e]


def facts_true(c: T.Expr) -> dict[int, str]:
    """Local slot -> tag, for each conjunct `x is Tag` of `c` (x a local)."""
    if isinstance(c, T.IsTag) and isinstance(c.obj, T.Local):
        return {c.obj.slot: c.tag}
    if isinstance(c, T.Binary) and c.op == Op.AND:
        out: dict[int, str] = {}
        for x in chain_operands(c):
            out.update(facts_true(x))
        return out
    if isinstance(c, T.Unary) and c.op == Op.NOT:
        return facts_false(c.operand)
    return {}


def facts_false(c: T.Expr) -> dict[int, str]:
    """Local slot -> tag known wherever `c` is false (`not (x is Tag)`, `not a or not b`)."""
    if isinstance(c, T.Unary) and c.op == Op.NOT:
        return facts_true(c.operand)
    if isinstance(c, T.Binary) and c.op == Op.OR:
        out: dict[int, str] = {}
        for x in chain_operands(c):
            out.update(facts_false(x))
        return out
    return {}


def facts_right(e: T.Binary) -> dict[int, str]:
    """The tag facts under which the right operand of a short-circuit `and`/`or` runs."""
    return facts_true(e.left) if e.op == Op.AND else facts_false(e.left)


class Analysis:
    """Caches `deps` and `may_fail` per node for one spec's engines."""

    def __init__(self) -> None:
        self._deps: dict[int, frozenset] = {}
        self._fail: dict[tuple[int, tuple], bool] = {}
        self._keep: list[Any] = []

    def deps(self, e: Any) -> frozenset:
        d = self._deps.get(id(e))
        if d is not None:
            return d
        if isinstance(e, T.Const):
            d = _NONE
        elif isinstance(e, T.Var):
            d = frozenset({STATE})
        elif isinstance(e, T.Primed):
            d = frozenset({NEXT})
        elif isinstance(e, T.Local):
            d = frozenset({e.slot})
        elif isinstance(e, T.Binary) and isinstance(e.left, T.Binary) and e.left.op == e.op:
            # a long chain: each node's deps from the one inside it, in a loop
            nodes = [e]
            while isinstance(nodes[-1].left, T.Binary) and nodes[-1].left.op == e.op:
                nodes.append(nodes[-1].left)
            d = self.deps(nodes[-1].left)
            for n in reversed(nodes):
                d = d | self.deps(n.right)
                if n is not e:
                    self._deps[id(n)] = d
                    self._keep.append(n)
        else:
            d = _NONE
            for c in children(e):
                d = d | self.deps(c)
            if isinstance(e, T.Comp):
                d = d - frozenset(g.slot for g in e.gens)
        self._deps[id(e)] = d
        self._keep.append(e)
        return d

    def may_fail(self, e: T.Expr, facts: dict[int, str] | None = None) -> bool:
        """Whether evaluating `e` may raise, given tag facts about locals."""
        facts = facts or {}
        key = (id(e), tuple(sorted(facts.items())))
        r = self._fail.get(key)
        if r is None:
            r = self._may_fail(e, facts)
            self._fail[key] = r
            self._keep.append(e)
        return r

    def comp_may_fail(self, e: T.Comp, facts: dict[int, str] | None = None) -> bool:
        """Whether anything a comprehension evaluates per binding, or its kind, may fail."""
        if COMPS[e.kind].may_fail:  # the kind's row: min/max of no values, a map missing a key
            return True
        return self._body_may_fail(e, dict(facts or {}))

    def _body_may_fail(self, e: T.Comp, facts: dict[int, str]) -> bool:
        for i, g in enumerate(e.gens):
            if i > 0 and self.may_fail(g.iter, facts):
                return True
            for c in g.conds:
                if self.may_fail(c, facts):
                    return True
                facts = {**facts, **facts_true(c)}
        if e.key is not None and self.may_fail(e.key, facts):
            return True
        return self.may_fail(e.elem, facts)

    def _may_fail(self, e: T.Expr, facts: dict[int, str]) -> bool:
        if isinstance(e, (T.Const, T.Var, T.Primed, T.Local)):
            return False
        if isinstance(e, T.Binary):
            if isinstance(e.left, T.Binary) and e.left.op == e.op and (OPS[e.op].lazy or OPS[e.op].failure is None):
                # a long chain, in a loop; each operand under the facts the ones before establish
                operands = chain_operands(e)
                if not OPS[e.op].lazy:
                    return any(self.may_fail(x, facts) for x in operands)
                facts_of = facts_true if e.op == Op.AND else facts_false
                for x in operands:
                    if self.may_fail(x, facts):
                        return True
                    facts = {**facts, **facts_of(x)}
                return False
            if OPS[e.op].lazy:
                return self.may_fail(e.left, facts) or self.may_fail(e.right, {**facts, **facts_right(e)})
            ok = OPS[e.op].ok  # a constant right operand that satisfies the predicate: no failure
            if ok is not None and not (isinstance(e.right, T.Const) and ok(e.right.value)):
                return True
        elif isinstance(e, T.IfExp):
            return (
                self.may_fail(e.cond, facts)
                or self.may_fail(e.then, {**facts, **facts_true(e.cond)})
                or self.may_fail(e.orelse, {**facts, **facts_false(e.cond)})
            )
        elif isinstance(e, T.Construct):
            if any(c is not None for c in e.checks):
                return True
        elif isinstance(e, T.VariantGet):
            ut = e.obj.ty
            tags = {t for t, _ in e.positions}
            every = isinstance(ut, UnionT) and all(t in tags for t, _ in ut.variants)
            known = isinstance(e.obj, T.Local) and facts.get(e.obj.slot) in tags
            if not (every or known):
                return True
        elif isinstance(e, T.MapGet):
            if e.checked:
                return True
        elif isinstance(e, T.Apply):
            if FNS[e.fn].ok is not None:  # the row's failure predicate may be false
                return True
        elif isinstance(e, T.Comp):
            if self.may_fail(e.gens[0].iter, facts):
                return True
            return self.comp_may_fail(e, facts)
        return any(self.may_fail(c, facts) for c in children(e))


__all__ = [
    "NEXT",
    "STATE",
    "Analysis",
    "chain_operands",
    "children",
    "long_chain",
    "conjuncts",
    "facts_false",
    "facts_right",
    "facts_true",
]
