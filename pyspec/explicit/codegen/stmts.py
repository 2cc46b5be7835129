"""The statement emitter: action bodies as straight-line code with SSA names and phi merging.

Next-state values get fresh (SSA) names, so the emitted tuple names the latest value on the
path; after an `if`, a value assigned on either branch gets one name (a phi, assigned at the end
of each branch). A failed `require` ends the path: it opens an `if` and the rest of the path is
nested inside it. A choice is a `for` loop over the sorted domain with the rest of the block
inside it.
"""

from __future__ import annotations

from typing import Callable

from pyspec.explicit.codegen.emit import _is_literal, _replace_item
from pyspec.explicit.codegen.loops import LoopEmitter
from pyspec.lang import typed as T
from pyspec.lang.analysis import conjuncts as _conjuncts
from pyspec.lang.analysis import facts_true as _tag_facts
from pyspec.lang.ops import Kind
from pyspec.lang.types import IntT, SetT, domain, subtype

PRIME = "'"  # how error messages spell a variable written by an action (the reference's too)


class _Unsupported(Exception):
    """This action cannot be generated within bounds; it falls back to the closure engine."""


class StmtEmitter(LoopEmitter):
    """Emits statements: requires as nested guards, assignments, choices and `if` with phis."""

    def guard_nest(self, e: T.Expr) -> None:
        """Open `if` blocks so that what is emitted next runs only when `e` holds (a failed
        `require` on a path: the path simply ends, nothing else follows it)."""
        saved = dict(self.known_tags)
        pending: list[str] = []
        for p in _conjuncts(e):
            with self.capture() as cap:
                x = self.ex(p)
            if cap.lines and pending:
                self.emit(f"if {' and '.join(pending)}:")
                self.ind += 1
                pending = []
            cap.replay(0)
            pending.append(x)
            self.known_tags.update(_tag_facts(p))
        self.emit(f"if {' and '.join(pending)}:")
        self.ind += 1
        self.known_tags = saved

    def block(self, stmts: tuple[T.Stmt, ...], i: int, finish: Callable[[], None]) -> None:
        """Emit `stmts[i:]`, then `finish()` (which appends the next state). A failed require
        or an empty choice ends the path: whatever follows on the path is nested inside."""
        base_ind = self.ind
        saved = dict(self.known_tags), dict(self.nxt), dict(self.rename)
        try:
            self._block(stmts, i, finish)
        finally:
            self.ind = base_ind
            self.known_tags, self.nxt, self.rename = saved
        if len(self.lines) > self.limit:
            raise _Unsupported("generated code too large")

    def _block(self, stmts, i, finish) -> None:
        while i < len(stmts):
            s = stmts[i]
            i += 1
            if isinstance(s, T.Require):
                self.guard_nest(s.cond)
                self.known_tags.update(_tag_facts(s.cond))  # slots are never reused in a frame
            elif isinstance(s, T.Let):
                self.emit(f"L{s.slot} = {self.ex(s.value)}")
            elif isinstance(s, T.Assign):
                self.assign(s)
            elif isinstance(s, T.Choose):
                self.choose(s)
                self.ind += 1
            elif isinstance(s, T.If):
                c = self.ex(s.cond)
                rest = stmts[i:]
                if _ends_paths(s.then) or _ends_paths(s.orelse):
                    # the rest of the block goes inside each branch, after its choices and guards
                    self.emit(f"if {c}:")
                    self.ind += 1
                    self.emit("pass")
                    self.block(s.then + rest, 0, finish)
                    self.ind -= 1
                    self.emit("else:")
                    self.ind += 1
                    self.emit("pass")
                    self.block(s.orelse + rest, 0, finish)
                    return
                before = dict(self.nxt)
                self.emit(f"if {c}:")
                self.ind += 1
                self.emit("pass")
                self.block(s.then, 0, lambda: None)
                after_then = self._last_nxt
                then_at = len(self.lines)
                self.emit("else:", -1)
                self.emit("pass")
                self.block(s.orelse, 0, lambda: None)
                after_else = self._last_nxt
                # a value assigned on either branch gets one name after the `if`
                merged = dict(before)
                phis_then, phis_else = [], []
                for v in sorted(set(after_then) | set(after_else)):
                    a = after_then.get(v, before.get(v, f"s{v}"))
                    b = after_else.get(v, before.get(v, f"s{v}"))
                    if a == b:
                        merged[v] = a
                        continue
                    name = self.tmp(f"n{v}_")
                    phis_then.append(f"{name} = {a}")
                    phis_else.append(f"{name} = {b}")
                    merged[v] = name
                pad = "    " * self.ind
                self.lines[then_at:then_at] = [pad + p for p in phis_then]
                for p in phis_else:
                    self.emit(p)
                self.ind -= 1
                self.nxt = merged
            else:
                raise AssertionError(s)
        self._last_nxt: dict[int, str] = dict(self.nxt)
        finish()

    def assign(self, s: T.Assign) -> None:
        v = s.var
        old = self.nxt.get(v, f"s{v}")
        name = self.tmp(f"n{v}_")
        span = self.const(s.span, "_span")
        if not s.path:
            self.emit(f"{name} = {self.ex(s.value)}")
            if s.check is not None:
                self.emit(f"if not {self.contains(s.check, name)}: _e_type({span}, {(s.name + PRIME)!r}, {self.const(s.check, '_ty')}, {name})")
            self.nxt[v] = name
            return
        val = self.simple(s.value)
        if s.check is not None:
            self.emit(
                f"if not {self.contains(s.check, val)}: "
                f"_e_type({span}, {(s.name + PRIME + '[...]')!r}, {self.const(s.check, '_ty')}, {val})"
            )
        # descend: compute each key's position, in order, then rebuild from the inside out
        maps = [old]
        idxs = []
        for depth, (ke, mt) in enumerate(zip(s.path, s.path_types)):
            k = self.simple(ke)
            kt = mt.key
            static = subtype(ke.ty, kt)
            if not static:
                if isinstance(kt, IntT):
                    self.emit(f"if not {kt.lo} <= {k} <= {kt.hi}: _e_key({span}, {self.const(kt, '_ty')}, {k})")
                else:
                    table = self.const({x: i for i, x in enumerate(domain(kt))}, "_keys")
                    self.emit(f"if {k} not in {table}: _e_key({span}, {self.const(kt, '_ty')}, {k})")
            ix = self.index_expr(kt, k)
            if not (ix.isidentifier() or _is_literal(ix)):
                j = self.tmp("_j")
                self.emit(f"{j} = {ix}")
                ix = j
            idxs.append(ix)
            if depth < len(s.path) - 1:
                inner = self.tmp("_m")
                self.emit(f"{inner} = {maps[-1]}[{ix}]")
                maps.append(inner)
        new = val
        for depth in range(len(s.path) - 1, -1, -1):
            m, ix = maps[depth], idxs[depth]
            n = len(domain(s.path_types[depth].key))
            target = name if depth == 0 else self.tmp("_m")
            self.emit(f"{target} = {_replace_item(m, ix, new, n)}")
            new = target
        self.nxt[v] = name

    def choose(self, s: T.Choose) -> None:
        """Open the loop of a choice; the caller emits the rest of the block inside it."""
        assert isinstance(s.domain.ty, SetT)
        elem_ty = s.domain.ty.elem
        target = f"L{s.slot}" if s.var is None else self.tmp(f"n{s.var}_")
        order = self.order_args(elem_ty)
        if s.var is None and self.sorted_choice(s, target, order):
            return
        dom = self.choice_domain(s.domain, s.slot if s.var is None else None)
        self.emit(f"for {target} in sorted({dom}{order}):")
        if s.var is not None:
            if s.check is not None:
                span = self.const(s.span, "_span")
                self.emit(f"    if not {self.contains(s.check, target)}: _e_type({span}, {(s.name + PRIME)!r}, {self.const(s.check, '_ty')}, {target})")
            self.nxt[s.var] = target

    def sorted_choice(self, s: T.Choose, target: str, order: str) -> bool:
        """`x in {x for x in S if c}` with S a state-valued set: loop over S sorted once per
        state (a cached list), testing `c` in the loop when it cannot fail (else filter first).
        Sorting then filtering gives the order of filtering then sorting."""
        assert s.slot is not None, "called only for a choice into a local"
        dom = s.domain
        if not (
            isinstance(dom, T.Comp)
            and dom.kind is Kind.SET
            and len(dom.gens) == 1
            and isinstance(dom.elem, T.Local)
            and dom.elem.slot == dom.gens[0].slot
            and not self.folded(dom)[0]
        ):
            return False
        g = dom.gens[0]
        saved = dict(self.known_tags)
        pre = self.prefilter(g, sort=order)
        if pre is None:
            return False
        it, rest = pre
        facts = {}
        self.rename[g.slot] = target
        try:
            with self.capture() as cap:
                for c in rest:
                    self.guard(c, "continue")
                    self.known_tags.update(_tag_facts(c))
                    facts.update(_tag_facts(c))
            safe = not any("_e_" in ln for ln in cap.lines)
            if safe:
                self.emit(f"for {target} in {it}:")
                cap.replay(1)
            else:
                out = self.tmp("_o")
                self.emit(f"{out} = []")
                self.emit(f"for {target} in {it}:")
                cap.replay(1)
                self.emit(f"    {out}.append({target})")
                self.emit(f"for {target} in {out}:")
        finally:
            del self.rename[g.slot]
        for k, v in self.known_tags.items():
            if k == g.slot:
                facts[k] = v
        self.known_tags = saved
        if g.slot in facts:
            self.known_tags[s.slot] = facts[g.slot]  # the chosen value passed these tag tests
        return True

    def choice_domain(self, dom: T.Expr, slot: int | None) -> str:
        """The values to sort for a choice. `{x for x in S if c}` over a set S needs no set of
        its own: its elements are distinct already, so a filtered list sorts the same."""
        if (
            isinstance(dom, T.Comp)
            and dom.kind is Kind.SET
            and len(dom.gens) == 1
            and isinstance(dom.elem, T.Local)
            and dom.elem.slot == dom.gens[0].slot
            and not self.folded(dom)[0]
        ):
            out = self.tmp("_o")
            self.emit(f"{out} = []")
            g = dom.gens[0]
            facts: dict[int, str] = {}

            def body():
                facts.update(self.known_tags)
                self.emit(f"{out}.append(L{g.slot})")

            self.loops(dom.gens, body, ordered=self.analysis.comp_may_fail(dom))
            if slot is not None and g.slot in facts:
                # the chosen value passed the comprehension's tag tests
                self.known_tags[slot] = facts[g.slot]
            return out
        return self.ex(dom)


def _ends_paths(stmts) -> bool:
    """Can `stmts` end a path early or fork it (a require or a choice)?"""
    for s in stmts:
        if isinstance(s, (T.Choose, T.Require)):
            return True
        if isinstance(s, T.If) and (_ends_paths(s.then) or _ends_paths(s.orelse)):
            return True
    return False

