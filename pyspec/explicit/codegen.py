"""Typed tree -> Python source, compiled once with `compile()`: the explicit engine's fast path.

The closure compiler in `evaluator.py` is the reference semantics; this module emits straight-line
Python that computes the same successors, in the same order, and raises the same evaluation
errors. One generated function gives every successor of a state: it unpacks the state tuple into
locals once, loops over each action's parameter instances, and appends `(instance, next state)`
pairs. Next-state values get fresh (SSA) names, so the emitted tuple names the latest value on the
path; `require` is an early `continue` of the innermost loop, which is the path's own loop (an
instance or a choice); a choice is a `for` loop over the sorted domain with the rest of the block
inside it. Quantifiers and comprehensions become explicit loops. Closed sub-expressions are
folded to constants (by the closure compiler, so their values are the reference's), and bound as
globals of the generated module. Errors go through small helpers so the hot path stays inline.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable

from pyspec.errors import SpecEvalError
from pyspec.explicit.evaluator import _MISSING, Compiler, _out_of_type
from pyspec.lang import typed as T
from pyspec.lang.analysis import STATE, conjuncts as _conjuncts
from pyspec.lang.analysis import facts_right, facts_true as _tag_facts
from pyspec.lang.ops import OPS, Fail, Op, fail
from pyspec.lang.types import (
    BoolT,
    IntT,
    MapT,
    SetT,
    Type,
    UnionT,
    contains,
    domain,
    key_index,
    plainly_ordered,
    sort_key,
    subtype,
)

PRIME = "'"  # how error messages spell a variable written by an action (the reference's too)
UNROLL_MAX = 16  # an action with at most this many instances gets one body per instance
UNROLL_SET_MAX = 8  # any/all over a constant set of at most this many elements: one expression
UNROLLED_LINES = 4_000  # an unrolled action past this size is generated as loops instead
MAX_ACTION_LINES = 20_000  # past this, an action keeps its closures (continuations duplicated too often)


class _Unsupported(Exception):
    """This action cannot be generated within bounds; it falls back to the closure engine."""


# ---- error helpers, called only off the hot path ---------------------------------------------


def _e_field(span, name: str, v):
    fail(Fail.NO_FIELD, span, v[0], name)


def _e_key(span, kt: Type, key):
    fail(Fail.KEY_OUTSIDE, span, kt, key)


def _e_op(span, failure: Fail):
    fail(failure, span)


def _e_empty(span, name: str):
    fail(Fail.EMPTY_EXTREME, span, name)


def _e_novalues(span, kind: str):
    fail(Fail.NO_VALUES, span, kind)


def _e_mapcomp(span, kt: Type, keys, out):
    fail(Fail.MAP_MISSING, span, kt, keys[out.index(_MISSING)])


def _e_field_type(span, tag: str, name: str, ty: Type, v):
    fail(Fail.FIELD_TYPE, span, tag, name, ty, v)


def _e_mapdup(span, kt: Type, k):
    fail(Fail.MAP_CLASH, span, kt, k)


def _e_type(span, name: str, ty: Type, v):
    _out_of_type(span, name, ty, v)


def _subsets(s):
    s = tuple(s)
    return frozenset(frozenset(c) for r in range(len(s) + 1) for c in itertools.combinations(s, r))


_HELPERS = {
    "_e_field": _e_field,
    "_e_key": _e_key,
    "_e_op": _e_op,
    "_e_empty": _e_empty,
    "_e_novalues": _e_novalues,
    "_e_mapcomp": _e_mapcomp,
    "_e_type": _e_type,
    "_e_field_type": _e_field_type,
    "_e_mapdup": _e_mapdup,
    "_subsets": _subsets,
    "_contains": contains,
    "_MISSING": _MISSING,
    "frozenset": frozenset,
    "sorted": sorted,
    "len": len,
    "min": min,
    "max": max,
    "sum": sum,
    "all": all,
    "any": any,
    "range": range,
    "tuple": tuple,
}

_STATE_ONLY = frozenset({STATE})


class _Gen:
    """Emits the Python source of one module: the successors function and invariant checks."""

    def __init__(self, spec: T.CheckedSpec) -> None:
        self.spec = spec
        self.globals: dict[str, Any] = dict(_HELPERS)
        self._const_ids: dict[int, str] = {}
        self._keep: list[Any] = []  # keeps folded constants alive so their ids stay unique
        self._deps: dict[int, frozenset] = {}
        self._folded: dict[int, tuple[bool, Any]] = {}
        self._folder = Compiler(spec)
        self.analysis = self._folder.analysis
        self.lines: list[str] = []
        self.ind = 0
        self.ntmp = 0
        self.known_tags: dict[int, str] = {}
        self.nxt: dict[int, str] = {}  # var index -> name of its next-state value on this path
        self.limit = 1 << 60  # line count past which the current action falls back
        self.rename: dict[int, str] = {}  # local slot -> its Python name, when not L<slot>
        # Per-state caches (one per generated function call): the elements of a state-valued
        # set that pass conditions on the element alone, shared by every loop that needs them.
        self.caches: dict[tuple, str] = {}

    # ---- output -------------------------------------------------------------------------------

    def emit(self, s: str, dedent: int = 0) -> None:
        self.lines.append("    " * (self.ind + dedent) + s)

    def tmp(self, base: str = "_t") -> str:
        self.ntmp += 1
        return f"{base}{self.ntmp}"

    def const(self, value: Any, hint: str = "_c") -> str:
        if value is None or isinstance(value, bool) or (isinstance(value, int) and -(2**62) < value < 2**62):
            return repr(value)
        if isinstance(value, str) and value.isidentifier() and len(value) < 40:
            return repr(value)
        name = self._const_ids.get(id(value))
        if name is None:
            name = f"{hint}{len(self._const_ids)}"
            self._const_ids[id(value)] = name
            self._keep.append(value)
            self.globals[name] = value
        return name

    def capture(self):
        return _Capture(self)

    # ---- analysis -----------------------------------------------------------------------------

    def deps(self, e: T.Expr) -> frozenset:
        """What `e` depends on: "state", "next", and the local slots free in it."""
        return self.analysis.deps(e)

    def folded(self, e: T.Expr) -> tuple[bool, Any]:
        """(True, value) when `e` is closed and evaluates without error, as the closure
        compiler folds it; (False, None) otherwise."""
        r = self._folded.get(id(e))
        if r is None:
            r = (False, None)
            if not isinstance(e, T.Const) and not self.deps(e):
                fn = self._folder.expr(e)
                try:
                    r = (True, fn([None, None, None] + [None] * (self._folder.nlocals + 64)))
                except SpecEvalError:
                    pass
            self._folded[id(e)] = r
        return r

    # ---- expressions --------------------------------------------------------------------------

    def ex(self, e: T.Expr) -> str:
        """A Python expression for `e`; statements it needs first are emitted at the current
        point (only where `e` would be evaluated unconditionally)."""
        ok, value = self.folded(e)
        if ok:
            return self.const(value)
        return getattr(self, "_x_" + type(e).__name__)(e)

    def simple(self, e: T.Expr) -> str:
        """Like `ex`, but the result is a name or literal, safe to repeat."""
        s = self.ex(e)
        if s.isidentifier() or _is_literal(s):
            return s
        t = self.tmp()
        self.emit(f"{t} = {s}")
        return t

    def _x_Const(self, e: T.Const) -> str:
        return self.const(e.value)

    def _x_Var(self, e: T.Var) -> str:
        return f"s{e.index}"

    def _x_Primed(self, e: T.Primed) -> str:
        return self.nxt.get(e.index, f"s{e.index}")

    def _x_Local(self, e: T.Local) -> str:
        return self.rename.get(e.slot) or f"L{e.slot}"

    def _x_Unary(self, e: T.Unary) -> str:
        x = self.ex(e.operand)
        if e.op == Op.NOT and x in ("True", "False"):
            return "False" if x == "True" else "True"
        return OPS[e.op].src.format(x)

    def _x_Binary(self, e: T.Binary) -> str:
        op = e.op
        sem = OPS[op]
        if sem.lazy:
            a = self.ex(e.left)
            if a in ("True", "False"):  # a folded left side decides, or leaves the right side
                if a == ("False" if op == Op.AND else "True"):
                    return a
                return self.ex(e.right)
            with self.capture() as cap:
                # the right side runs only when the left holds (fails, for `or`)
                with _Facts(self, facts_right(e)):
                    b = self.ex(e.right)
            if not cap.lines:
                return sem.src.format(a, b)
            t = self.tmp()
            self.emit(f"{t} = {a}")
            self.emit(f"if {'' if op == Op.AND else 'not '}{t}:")
            cap.replay(1)
            self.emit(f"    {t} = {b}")
            return t
        if sem.failure is not None:
            # the reference evaluates the divisor first
            y = self.tmp()
            self.emit(f"{y} = {self.ex(e.right)}")
            self.emit(f"if {y} == 0: _e_op({self.const(e.span, '_span')}, {self.const(sem.failure, '_fail')})")
            return sem.src.format(self.ex(e.left), y)
        a = self.ex(e.left)
        if op in (Op.UNION, Op.INTER, Op.DIFF, Op.IN) and isinstance(e.right, T.SetLit) and e.right.elems:
            # a set display is cheaper than frozenset([...]); frozenset | set is a frozenset
            # (every set this module builds on the left is a frozenset, so the result is one)
            b = "{" + ", ".join(self.ex(x) for x in e.right.elems) + "}"
        else:
            b = self.ex(e.right)
        return sem.src.format(a, b)

    def _x_IfExp(self, e: T.IfExp) -> str:
        c = self.ex(e.cond)
        with self.capture() as ca:
            a = self.ex(e.then)
        with self.capture() as cb:
            b = self.ex(e.orelse)
        if not ca.lines and not cb.lines:
            return f"({a} if {c} else {b})"
        t = self.tmp()
        self.emit(f"if {c}:")
        ca.replay(1)
        self.emit(f"    {t} = {a}")
        self.emit("else:")
        cb.replay(1)
        self.emit(f"    {t} = {b}")
        return t

    def _x_RangeSet(self, e: T.RangeSet) -> str:
        return f"frozenset(range({self.ex(e.lo)}, {self.ex(e.hi)} + 1))"

    def _x_SetLit(self, e: T.SetLit) -> str:
        if not e.elems:
            return self.const(frozenset())
        return "frozenset((" + "".join(self.ex(x) + ", " for x in e.elems) + "))"

    def _x_TupleLit(self, e: T.TupleLit) -> str:
        return "(" + "".join(self.ex(x) + ", " for x in e.elems) + ")"

    def _x_Construct(self, e: T.Construct) -> str:
        checks = getattr(e, "checks", ())
        if not any(c is not None for c in checks):
            return "(" + repr(e.tag) + "".join(", " + self.ex(x) for x in e.fields) + ",)"
        vals = [self.simple(x) for x in e.fields]  # every field first, then the checks
        fields = e.ty.variant(e.tag)
        assert fields is not None, "the checker resolved the tag"
        span = self.const(e.span, "_span")
        for i, ty in enumerate(checks):
            if ty is not None:
                self.emit(
                    f"if not {self.contains(ty, vals[i])}: _e_field_type({span}, {e.tag!r}, "
                    f"{fields[i][0]!r}, {self.const(ty, '_ty')}, {vals[i]})"
                )
        return "(" + repr(e.tag) + "".join(", " + v for v in vals) + ",)"

    def _x_IsTag(self, e: T.IsTag) -> str:
        return f"({self.ex(e.obj)}[0] == {e.tag!r})"

    def _x_TupleGet(self, e: T.TupleGet) -> str:
        return f"{self.ex(e.obj)}[{e.index}]"

    def _x_VariantGet(self, e: T.VariantGet) -> str:
        positions = dict(e.positions)
        if isinstance(e.obj, T.Local) and self.known_tags.get(e.obj.slot) in positions:
            return f"{self._x_Local(e.obj)}[{positions[self.known_tags[e.obj.slot]]}]"
        ut = e.obj.ty
        idx = set(positions.values())
        if isinstance(ut, UnionT) and len(idx) == 1 and {t for t, _ in ut.variants} <= positions.keys():
            # every variant has the field, at the same place: no check can fail
            return f"{self.ex(e.obj)}[{idx.pop()}]"
        v = self.simple(e.obj)
        span = self.const(e.span, "_span")
        if len(positions) == 1:
            ((tag, i),) = positions.items()
            return f"({v}[{i}] if {v}[0] == {tag!r} else _e_field({span}, {e.name!r}, {v}))"
        table = self.const(positions, "_pos")
        t = self.tmp()
        self.emit(f"{t} = {table}.get({v}[0])")
        self.emit(f"if {t} is None: _e_field({span}, {e.name!r}, {v})")
        return f"{v}[{t}]"

    def _x_MapGet(self, e: T.MapGet) -> str:
        mt = e.obj.ty
        assert isinstance(mt, MapT)
        kt = mt.key
        if not e.checked:
            m = self.ex(e.obj)
            k = self.ex(e.key)
            return f"{m}[{self.index_expr(kt, k)}]"
        # the reference evaluates the key, then the map, then looks the key up
        k = self.simple(e.key)
        m = self.ex(e.obj)
        if not (m.isidentifier() or _is_literal(m)):
            mt_ = self.tmp()
            self.emit(f"{mt_} = {m}")
            m = mt_
        span = self.const(e.span, "_span")
        if isinstance(kt, IntT):
            self.emit(f"if not {kt.lo} <= {k} <= {kt.hi}: _e_key({span}, {self.const(kt, '_ty')}, {k})")
            return f"{m}[{self.index_expr(kt, k)}]"
        table = self.const({v: i for i, v in enumerate(domain(kt))}, "_keys")
        t = self.tmp()
        self.emit(f"{t} = {table}.get({k})")
        self.emit(f"if {t} is None: _e_key({span}, {self.const(kt, '_ty')}, {k})")
        return f"{m}[{t}]"

    def index_expr(self, kt: Type, k: str) -> str:
        """The position of key `k` (known to be of type `kt`) in a map's tuple."""
        lit = _int_literal(k)
        if isinstance(kt, IntT):
            lo = kt.lo
            assert lo is not None, "a map's key type is finite"
            if lit is not None:
                return str(lit - lo)
            return k if lo == 0 else f"{k} - {lo}" if lo > 0 else f"{k} + {-lo}"
        if lit is not None and isinstance(kt, BoolT):
            return str(lit)
        if isinstance(kt, BoolT):
            return k  # False, True index 0, 1
        table = self.const({v: i for i, v in enumerate(domain(kt))}, "_keys")
        return f"{table}[{k}]"

    def _x_Builtin(self, e: T.Builtin) -> str:
        f = e.func
        if f in ("min", "max"):
            s = self.simple(e.arg)
            self.emit(f"if not {s}: _e_empty({self.const(e.span, '_span')}, {f!r})")
            return f"{f}({s})"
        if f == "subsets":
            return f"_subsets({self.ex(e.arg)})"
        if f in ("len", "sum", "all", "any"):
            return f"{f}({self.ex(e.arg)})"
        raise AssertionError(f)

    def _x_Comp(self, e: T.Comp) -> str:
        kind = e.kind
        r = self.tmp("_r")
        # a body that may fail runs in the declared order (see pyspec.lang.analysis)
        ordered = self.analysis.comp_may_fail(e)
        if kind in ("any", "all"):
            flat = self.unrolled(e, ordered)
            if flat is not None:
                return flat
            e = self.lift_filter(e)
            exists = kind == "any"
            self.emit(f"{r} = {not exists}")

            def body():
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

            self.loops(e.gens, body, stop=r if exists else f"not {r}", ordered=ordered)
            return r
        if kind == "set":
            out = self.tmp("_o")
            self.emit(f"{out} = []")

            def body():
                self.emit(f"{out}.append({self.ex(e.elem)})")

            self.loops(e.gens, body, ordered=ordered)
            return f"frozenset({out})"
        if kind == "sum":
            self.emit(f"{r} = 0")

            def body():
                self.emit(f"{r} += {self.ex(e.elem)}")

            self.loops(e.gens, body, ordered=ordered)
            return r
        if kind in ("min", "max"):
            out = self.tmp("_o")
            self.emit(f"{out} = []")

            def body():
                self.emit(f"{out}.append({self.ex(e.elem)})")

            self.loops(e.gens, body, ordered=ordered)
            self.emit(f"if not {out}: _e_novalues({self.const(e.span, '_span')}, {kind!r})")
            return f"{kind}({out})"
        if kind == "map":
            mt = e.ty
            assert isinstance(mt, MapT)
            key = e.key
            assert key is not None, "a map comprehension has a key expression"
            keys = domain(mt.key)
            out = self.tmp("_o")
            self.emit(f"{out} = [_MISSING] * {len(keys)}")

            span = self.const(e.span, "_span")

            def body():
                k = self.simple(key)
                v = self.simple(e.elem)
                if isinstance(mt.key, IntT):
                    # keys of a map comprehension have the key type by construction
                    ix = self.index_expr(mt.key, k)
                else:
                    ix = f"{self.const(key_index(mt.key), '_kix')}({k})"
                j = self.tmp("_j")
                self.emit(f"{j} = {ix}")
                self.emit(
                    f"if {out}[{j}] is not _MISSING and {out}[{j}] != {v}: "
                    f"_e_mapdup({span}, {self.const(mt.key, '_ty')}, {k})"
                )
                self.emit(f"{out}[{j}] = {v}")

            self.loops(e.gens, body, ordered=ordered)
            self.emit(
                f"if _MISSING in {out}: _e_mapcomp({span}, "
                f"{self.const(mt.key, '_ty')}, {self.const(keys, '_dom')}, {out})"
            )
            return f"tuple({out})"
        raise AssertionError(kind)

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
                if e.kind == "any":
                    parts.append(" and ".join(conds + [body]))
                else:
                    parts.append(f"{_negate(' and '.join(conds))} or {body}" if conds else body)
        finally:
            self.known_tags, self.rename = saved_tags, saved_rename
        if not parts:
            return "False" if e.kind == "any" else "True"
        return "(" + (" or " if e.kind == "any" else " and ").join(f"({p})" for p in parts) + ")"

    def lift_filter(self, e: T.Comp) -> T.Comp:
        """`any(A and B for x in S)` as `any(B for x in S if A)`, and `all(not A or B ...)`
        (or `A implies B`) as `all(B for x in S if A)`: the same tests in the same order, and
        the conditions can then filter a cached list."""
        elem = e.elem
        if e.kind == "any":
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

    # ---- statements ---------------------------------------------------------------------------

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

    def contains(self, ty: Type, v: str) -> str:
        if isinstance(ty, IntT):
            if ty.bounded:
                return f"({ty.lo} <= {v} <= {ty.hi})"
            return "True"
        return f"_contains({self.const(ty, '_ty')}, {v})"

    def order_args(self, elem_ty: Type) -> str:
        """The arguments after the list to `sorted` that give the declared order of `elem_ty`."""
        return "" if plainly_ordered(elem_ty) else f", key={self.const(sort_key(elem_ty), '_key')}"

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
            and dom.kind == "set"
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
            and dom.kind == "set"
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


class _Capture:
    """Collects the lines emitted inside a `with` block, to be placed elsewhere."""

    def __init__(self, gen: _Gen) -> None:
        self.gen = gen
        self.lines: list[str] = []

    def __enter__(self):
        self.saved = self.gen.lines
        self.saved_ind = self.gen.ind
        self.gen.lines = []
        self.gen.ind = 0
        return self

    def __exit__(self, *exc):
        self.lines = self.gen.lines
        self.gen.lines = self.saved
        self.gen.ind = self.saved_ind
        return False

    def replay(self, extra: int) -> None:
        pad = "    " * (self.gen.ind + extra)
        for ln in self.lines:
            self.gen.lines.append(pad + ln)


class _Facts:
    def __init__(self, gen: _Gen, facts: dict[int, str]) -> None:
        self.gen, self.facts = gen, facts

    def __enter__(self):
        self.saved = dict(self.gen.known_tags)
        self.gen.known_tags.update(self.facts)
        return self

    def __exit__(self, *exc):
        self.gen.known_tags = self.saved
        return False


def _ends_paths(stmts) -> bool:
    """Can `stmts` end a path early or fork it (a require or a choice)?"""
    for s in stmts:
        if isinstance(s, (T.Choose, T.Require)):
            return True
        if isinstance(s, T.If) and (_ends_paths(s.then) or _ends_paths(s.orelse)):
            return True
    return False


def _negate(x: str) -> str:
    if x.startswith("(not ") and x.endswith(")") and _balanced(x[5:-1]):
        return x[5:-1]
    return f"not {x}" if x.isidentifier() else f"not ({x})"


def _balanced(s: str) -> bool:
    depth = 0
    for ch in s:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _int_literal(s: str) -> int | None:
    if s == "True" or s == "False":
        return int(s == "True")
    try:
        return int(s)
    except ValueError:
        return None


def _replace_item(m: str, ix: str, v: str, n: int) -> str:
    """The tuple `m` (of length `n`) with item `ix` replaced by `v`, as one expression: a
    display when the position is known, a choice among displays for short tuples, else
    slice-and-concatenate."""
    k = _int_literal(ix)
    if k is not None and n <= 32:
        return "(" + "".join((v if j == k else f"{m}[{j}]") + ", " for j in range(n)) + ")"
    if k is not None:
        return f"{m}[:{k}] + ({v},) + {m}[{k + 1}:]"
    if n <= 4:
        alts = [
            "(" + "".join((v if j == k else f"{m}[{j}]") + ", " for j in range(n)) + ")" for k in range(n)
        ]
        out = alts[-1]
        for k in range(n - 2, -1, -1):
            out = f"{alts[k]} if {ix} == {k} else ({out})"
        return f"({out})"
    return f"{m}[:{ix}] + ({v},) + {m}[{ix} + 1:]"


def _is_literal(s: str) -> bool:
    if s in ("True", "False", "None"):
        return True
    try:
        int(s)
        return True
    except ValueError:
        return s.startswith("'") and s.endswith("'") and s.count("'") == 2


def _stmt_deps(gen: _Gen, s: T.Stmt) -> frozenset | None:
    if isinstance(s, T.Require):
        return gen.deps(s.cond)
    if isinstance(s, T.Let):
        return gen.deps(s.value)
    return None


# ---- the module -------------------------------------------------------------------------------


class Generated:
    """A generated function with its source and namespace (for inspection and tests)."""

    def __init__(self, fn: Callable, source: str, fallback: tuple[str, ...] = ()) -> None:
        self.fn = fn
        self.source = source
        self.fallback = fallback  # actions left to the closure engine


def _compile(gen: _Gen, name: str) -> tuple[Callable, str]:
    source = "\n".join(gen.lines) + "\n"
    code = compile(source, f"<pyspec codegen {gen.spec.name}>", "exec")
    ns = dict(gen.globals)
    exec(code, ns)
    return ns[name], source


def generate_successors(compiled) -> Generated:
    """`successors(state) -> [(instance, next state), ...]` for `compiled` (a CompiledSpec),
    in the closure engine's order; an action that cannot be generated runs its closures."""
    spec: T.CheckedSpec = compiled.spec
    gen = _Gen(spec)
    gen.emit("def successors(state):")
    gen.ind = 1
    nvars = len(spec.vars)
    if nvars:
        gen.emit(", ".join(f"s{i}" for i in range(nvars)) + ", = state")
    gen.emit("out = []")
    gen.emit("_app = out.append")
    prologue = len(gen.lines)
    fallback = []
    base = 0
    for ai, a in enumerate(spec.actions):
        doms = [domain(f.ty) for f in a.formals]
        count = 1
        for d in doms:
            count *= len(d)
        start = len(gen.lines)
        for unroll in (True, False) if count <= UNROLL_MAX else (False,):
            try:
                _action(gen, a, doms, base, unroll)
                # Python's own limits (nested loops, indentation) show only when compiling
                compile("def _probe(state):\n" + "\n".join(gen.lines[start:]) + "\n", "<probe>", "exec")
                break
            except (_Unsupported, RecursionError, SyntaxError):
                del gen.lines[start:]
        else:
            gen.ind = 1
            runner = _closure_runner(compiled, ai, base, count)
            gen.emit(f"{gen.const(runner, '_closure')}(state, _app)")
            fallback.append(a.name)
        base += count
    gen.ind = 1
    gen.emit("return out")
    _declare_caches(gen, prologue)
    fn, source = _compile(gen, "successors")
    return Generated(fn, source, tuple(fallback))


def generate_invariants(compiled, names: tuple[str, ...]) -> Generated:
    """`check(state)` -> the name of the first invariant in `names` that fails, or None."""
    gen = _Gen(compiled.spec)
    gen.emit("def first_failing(state):")
    gen.ind = 1
    nvars = len(gen.spec.vars)
    if nvars:
        gen.emit(", ".join(f"s{i}" for i in range(nvars)) + ", = state")
    prologue = len(gen.lines)
    for n in names:
        inv = gen.spec.invariant(n)
        assert inv is not None, "callers pass names of the spec's invariants"
        gen.known_tags = {}
        x = gen.ex(inv.expr)
        gen.emit(f"if {_negate(x)}: return {n!r}")
    gen.emit("return None")
    _declare_caches(gen, prologue)
    fn, source = _compile(gen, "first_failing")
    return Generated(fn, source)


def _declare_caches(gen: _Gen, at: int) -> None:
    names = sorted(set(gen.caches.values()))
    if names:
        gen.lines.insert(at, "    " + " = ".join(names) + " = None")


def _action(gen: _Gen, a: T.Action, doms, base: int, unroll: bool) -> None:
    """One action's instances: nested loops over its parameters' domains, or, when `unroll`,
    one copy of the body per instance with the arguments as literals."""
    gen.ind = 1
    gen.emit(f"# action {a.name}")
    gen.nxt, gen.known_tags, gen.rename = {}, {}, {}
    gen.limit = len(gen.lines) + (UNROLLED_LINES if unroll else MAX_ACTION_LINES)
    # leading requires and lets move out to the outermost parameter loop they depend on
    nf = len(a.formals)
    slots = [f.slot for f in a.formals]
    levels: list[list[T.Stmt]] = [[] for _ in range(nf + 1)]
    body = a.body
    i = 0
    if all(doms):  # (with an empty domain the reference never evaluates them)
        level = 0
        while i < len(body):
            d = _stmt_deps(gen, body[i])
            if d is None or "next" in d or any(x not in slots and x != "state" for x in d):
                break
            level = max(level, max((slots.index(x) + 1 for x in d if x in slots), default=0))
            if level >= nf:
                break
            levels[level].append(body[i])
            i += 1
    rest = body[i:]
    strides = []
    stride = 1
    for d in reversed(doms):
        strides.append(stride)
        stride *= len(d)
    strides.reverse()
    nvars = len(gen.spec.vars)

    def finish(offset: int, names: tuple[str, ...]) -> Callable[[], None]:
        inst = " + ".join(names + ((str(offset),) if offset or not names else ()))
        return lambda: gen.emit(
            f"_app(({inst}, (" + "".join(gen.nxt.get(v, f"s{v}") + ", " for v in range(nvars)) + ")))"
        )

    def run(k: int, offset: int, names: tuple[str, ...]) -> None:
        ind, tags = gen.ind, dict(gen.known_tags)
        _leading(gen, levels[k])
        if k == nf:
            gen.block(rest, 0, finish(offset, names))
        else:
            f, d = a.formals[k], doms[k]
            if unroll:
                for j, v in enumerate(d):
                    gen.rename[f.slot] = gen.const(v)
                    run(k + 1, offset + j * strides[k], names)
                del gen.rename[f.slot]
            else:
                pairs = tuple((v, j * strides[k]) for j, v in enumerate(d))
                gen.emit(f"for L{f.slot}, _i{k} in {gen.const(pairs, '_inst')}:")
                gen.ind += 1
                run(k + 1, offset, names + (f"_i{k}",))
        gen.ind, gen.known_tags = ind, tags

    run(0, base, ())
    if len(gen.lines) > gen.limit:
        raise _Unsupported("generated code too large")


def _leading(gen: _Gen, stmts: list[T.Stmt]) -> None:
    for s in stmts:
        if isinstance(s, T.Require):
            gen.guard_nest(s.cond)
            gen.known_tags.update(_tag_facts(s.cond))
        else:
            assert isinstance(s, T.Let), "only requires and lets are hoisted"
            gen.emit(f"L{s.slot} = {gen.ex(s.value)}")


def _closure_runner(compiled, ai: int, base: int, count: int):
    """Runs one action's instances through the closure engine, appending to `app`."""
    from pyspec.explicit.evaluator import LOCALS

    a = compiled.spec.actions[ai]
    run = compiled._runs[ai]
    rows: list[tuple[int, list[Any]]] = []
    for inst in range(base, base + count):
        _, args = compiled.instances[inst]
        prefix = [None, None, None] + [None] * compiled._nlocals[ai]
        for f, v in zip(a.formals, args):
            prefix[LOCALS + f.slot] = v
        rows.append((inst, prefix))
    plan = tuple(rows)

    def runner(state, app):
        for inst, prefix in plan:
            env = prefix[:]
            env[0] = state
            res = env[2] = []
            run(env)
            for s in res:
                app((inst, s))

    return runner
