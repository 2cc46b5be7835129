"""The loop and comprehension optimiser: quantifiers and comprehensions as explicit `for` loops.

`any`/`all` over a small constant set become one expression (`unrolled`); conjuncts of the body
move into the generator's conditions (`lift_filter`); the conditions on the element alone of a
set that depends on the state alone filter a per-state cached list (`prefilter`), shared by
every loop over it; the rest are `continue` guards (`guard`). A body that may fail runs in the
declared order (see pyspec.lang.analysis).
"""

from __future__ import annotations

from typing import Callable

from pyspec.explicit.codegen.emit import ExprEmitter, _negate
from pyspec.lang import typed as T
from pyspec.lang.analysis import STATE, conjuncts as _conjuncts
from pyspec.lang.analysis import facts_true as _tag_facts
from pyspec.lang.ops import COMPS, Op
from pyspec.lang.types import SetT, sort_key

UNROLL_SET_MAX = 8  # any/all over a constant set of at most this many elements: one expression

_STATE_ONLY = frozenset({STATE})


class LoopEmitter(ExprEmitter):
    """Emits comprehensions and quantifiers as loops, filtered and cached where it is safe."""

    def _x_Comp(self, e: T.Comp) -> str:
        """A comprehension as loops, folded by its kind's row in `ops.COMPS`: all/any stop at
        the row's deciding value; a kind with an accumulator template is emitted inline; any
        other collects its values and calls the row's fold."""
        sem = COMPS[e.kind]
        r = self.tmp("_r")
        # a body that may fail runs in the declared order (see pyspec.lang.analysis)
        ordered = self.analysis.comp_may_fail(e)
        if sem.stop is not None:
            flat = self.unrolled(e, ordered)
            if flat is not None:
                return flat
            e = self.lift_filter(e)
            exists = sem.stop
            self.emit(f"{r} = {not exists}")

            def decide():
                if exists:
                    self.guard(e.elem, "continue")
                    self.emit(f"{r} = True")
                else:
                    x = self.ex(e.elem)
                    self.emit(f"if {_negate(x)}:")
                    self.emit(f"    {r} = False")
                    self.emit("    break")
                    return
                self.emit("break")

            self.loops(e.gens, decide, stop=r if exists else f"not {r}", ordered=ordered)
            return r
        key = e.key

        def value() -> str:
            if key is None:
                return self.ex(e.elem)
            k = self.simple(key)
            return f"({k}, {self.simple(e.elem)})"

        if sem.src_init is not None and sem.src_step is not None:
            self.emit(f"{r} = {sem.src_init}")
            step = sem.src_step

            def accumulate():
                self.emit(step.format(acc=r, x=value()))

            self.loops(e.gens, accumulate, ordered=ordered)
            return sem.src_done.format(acc=r)
        self.emit(f"{r} = []")

        def collect():
            self.emit(f"{r}.append({value()})")

        self.loops(e.gens, collect, ordered=ordered)
        return f"{self.const(sem.fold(e.ty, e.span), '_fold')}({r})"

    def small_constant(self, code: str) -> tuple | None:
        """The elements, in iteration order, of the constant set named by `code`, when few."""
        if not code.isidentifier() or code not in self.globals:
            return None
        v = self.globals[code]
        if isinstance(v, frozenset) and len(v) <= UNROLL_SET_MAX:
            return tuple(v)
        return None

    def unrolled(self, e: T.Comp, ordered: bool) -> str | None:
        """`any`/`all` over a small constant set as one `or`/`and` expression with each element
        in place, in the set's iteration order; None when some element's test needs
        statements (the loop form is used then)."""
        g = e.gens[0]
        with self.capture() as cap:
            it = self.ex(g.iter)
        vals = self.small_constant(it)
        if cap.lines or vals is None:
            return None
        if ordered:
            assert isinstance(g.iter.ty, SetT), "a generator ranges over a set"
            vals = tuple(sorted(vals, key=sort_key(g.iter.ty.elem)))
        rest = T.Comp(e.kind, e.elem, None, e.gens[1:], e.ty, span=e.span) if len(e.gens) > 1 else e.elem
        self._keep.append(rest)
        parts = []
        saved_tags, saved_rename = dict(self.known_tags), dict(self.rename)
        try:
            for v in vals:
                self.rename[g.slot] = self.const(v)
                self.known_tags = dict(saved_tags)
                with self.capture() as cap:
                    conds = []
                    for c in g.conds:
                        for p in _conjuncts(c):
                            conds.append(self.ex(p))
                            self.known_tags.update(_tag_facts(p))
                    body = self.ex(rest)
                if cap.lines:
                    return None
                if COMPS[e.kind].stop:  # any()
                    parts.append(" and ".join(conds + [body]))
                else:
                    parts.append(f"{_negate(' and '.join(conds))} or {body}" if conds else body)
        finally:
            self.known_tags, self.rename = saved_tags, saved_rename
        if not parts:
            return str(not COMPS[e.kind].stop)
        return "(" + (" or " if COMPS[e.kind].stop else " and ").join(f"({p})" for p in parts) + ")"

    def lift_filter(self, e: T.Comp) -> T.Comp:
        """`any(A and B for x in S)` as `any(B for x in S if A)`, and `all(not A or B ...)`
        (or `A implies B`) as `all(B for x in S if A)`: the same tests in the same order, and
        the conditions can then filter a cached list."""
        elem = e.elem
        if COMPS[e.kind].stop:  # any()
            parts = _conjuncts(elem)
            if len(parts) < 2:
                return e
            lifted, elem = parts[:-1], parts[-1]
        else:
            if isinstance(elem, T.Binary) and elem.op == Op.OR and isinstance(elem.left, T.Unary) and elem.left.op == Op.NOT:
                lifted, elem = _conjuncts(elem.left.operand), elem.right
            else:
                return e
        last = e.gens[-1]
        g = T.Gen(last.slot, last.name, last.iter, last.conds + tuple(lifted), span=last.span)
        out = T.Comp(e.kind, elem, e.key, e.gens[:-1] + (g,), e.ty, span=e.span)
        self._keep.extend((g, out))  # ids key the analysis caches: keep them unique
        return out

    def loops(self, gens: tuple[T.Gen, ...], body: Callable[[], None], stop: str | None = None, ordered: bool = False) -> None:
        """Nested `for` loops over the generators, their conditions as `continue` guards;
        `stop`: after an inner loop, break out of the outer one when it holds."""
        saved = dict(self.known_tags)
        try:
            self._loops(gens, 0, body, stop, ordered)
        finally:
            self.known_tags = saved

    def _loops(self, gens, i, body, stop, ordered) -> None:
        """`ordered`: each generator in its elements' declared order (the body may fail)."""
        g = gens[i]
        order = self.order_args(g.iter.ty.elem) if ordered else None
        pre = self.prefilter(g, sort=order)
        if pre is not None:
            it, rest = pre
        else:
            it, rest = self.ex(g.iter), [c for cond in g.conds for c in _conjuncts(cond)]
            if order is not None:
                it = f"sorted({it}{order})"
        self.emit(f"for L{g.slot} in {it}:")
        self.ind += 1
        for c in rest:
            self.guard(c, "continue")
            self.known_tags.update(_tag_facts(c))
        if i + 1 < len(gens):
            self._loops(gens, i + 1, body, stop, ordered)
            if stop is not None:
                self.emit(f"if {stop}: break")
        else:
            body()
        self.ind -= 1

    def prefilter(self, g: T.Gen, sort: str | None = None) -> tuple[str, list[T.Expr]] | None:
        """When `g` ranges over a set that depends on the state alone and its leading conditions
        read only the state and the element and cannot fail, the name of a per-state cached
        list of the elements that pass them (sorted, with `sort` the arguments after the list
        to `sorted`), and the conditions left to test. Loops over the list see the set's own
        iteration order, filtered."""
        if not self.deps(g.iter) <= _STATE_ONLY:
            return None
        conj = [c for cond in g.conds for c in _conjuncts(cond)]
        allowed = _STATE_ONLY | {g.slot}
        saved_tags, saved_rename = dict(self.known_tags), dict(self.rename)
        self.rename[g.slot] = "_x"
        codes: list[str] = []
        try:
            for c in conj:
                if not self.deps(c) <= allowed:
                    break
                with self.capture() as cap:
                    x = self.ex(c)
                if cap.lines or "_e_" in x:
                    break
                codes.append(x)
                self.known_tags.update(_tag_facts(c))
        finally:
            self.known_tags, self.rename = saved_tags, saved_rename
        if not codes and sort is None:
            return None
        for c in conj[: len(codes)]:
            self.known_tags.update(_tag_facts(c))
        with self.capture() as cap:
            it = self.ex(g.iter)
        if not codes and not cap.lines and it in self.globals:
            # a constant set: its elements, sorted if asked, are a constant too
            value = self.globals[it]
            if sort is not None:
                value = sorted(value, key=self.globals[sort.split("=", 1)[1]]) if sort else sorted(value)
            return self.const(tuple(value), "_elems"), conj
        key = (it, tuple(codes))
        name = self.caches.get(key)
        if name is None:
            name = self.caches[key] = f"_pf{len(self.caches)}"
        self.emit(f"if {name} is None:")
        cap.replay(1)
        if codes:
            self.emit(f"    {name} = []")
            self.emit(f"    for _x in {it}:")
            self.emit(f"        if {' and '.join(codes)}: {name}.append(_x)")
        else:
            self.emit(f"    {name} = list({it})")
        if sort is not None:
            skey = (name, sort)
            sname = self.caches.get(skey)
            if sname is None:
                sname = self.caches[skey] = f"_pf{len(self.caches)}"
            self.emit(f"if {sname} is None: {sname} = sorted({name}{sort})")
            name = sname
        return name, conj[len(codes):]

    def guard(self, e: T.Expr, on_false: str) -> None:
        """Continue past this point only when `e` holds; otherwise run `on_false`."""
        parts = _conjuncts(e)
        saved = dict(self.known_tags)
        try:
            pending: list[str] = []
            for p in parts:
                with self.capture() as cap:
                    x = self.ex(p)
                if cap.lines and pending:
                    self.emit(f"if not ({' and '.join(pending)}): {on_false}")
                    pending = []
                cap.replay(0)
                pending.append(x)
                self.known_tags.update(_tag_facts(p))
            self.emit(f"if {_negate(' and '.join(pending))}: {on_false}")
        finally:
            self.known_tags = saved
