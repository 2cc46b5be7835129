"""The emitter core: output lines, constants, folding and expressions, with the source-text utilities.

`ExprEmitter` turns one typed expression into a Python expression, emitting first any statements
it needs (error checks, temporaries). Closed sub-expressions are folded to constants by the
closure compiler, so their values are the reference's, and bound as globals of the generated
module. Comprehensions are the loop emitter's (`loops.py`); this module gives the parts every
emitter shares: `emit`, `tmp`, `const`, `capture`, `deps`, `folded`, `ex`, `simple`.
"""

from __future__ import annotations

from typing import Any

from pyspec.errors import SpecEvalError
from pyspec.explicit.codegen.runtime import _HELPERS
from pyspec.explicit.evaluator import Compiler
from pyspec.lang import typed as T
from pyspec.lang.analysis import chain_operands, facts_false, facts_right, facts_true
from pyspec.lang.ops import FNS, OPS, Op
from pyspec.lang.types import (
    BoolT,
    IntT,
    MapT,
    Type,
    UnionT,
    domain,
    plainly_ordered,
    sort_key,
)


class ExprEmitter:
    """Emits Python expressions for typed expressions, and the lines they need first."""

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
        if isinstance(e.left, T.Binary) and e.left.op == op:
            if sem.lazy:
                return self._lazy_chain(e)
            if op in _FLAT:
                return self._flat_chain(e)
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
            assert sem.src_ok is not None
            self.emit(f"if not ({sem.src_ok.format('', y)}): _e_op({self.const(e.span, '_span')}, {self.const(sem.failure, '_fail')})")
            return sem.src.format(self.ex(e.left), y)
        a = self.ex(e.left)
        if op in (Op.UNION, Op.INTER, Op.DIFF, Op.IN) and isinstance(e.right, T.SetLit) and e.right.elems:
            # a set display is cheaper than frozenset([...]); frozenset | set is a frozenset
            # (every set this module builds on the left is a frozenset, so the result is one)
            b = "{" + ", ".join(self.ex(x) for x in e.right.elems) + "}"
        else:
            b = self.ex(e.right)
        return sem.src.format(a, b)

    def _lazy_chain(self, e: T.Binary) -> str:
        """`a and b and c ...` (or `or`) emitted flat: one parenthesised chain of the operands
        that need no statements, and, from an operand that does, one temporary tested before
        each such operand (`if t:` at the same indentation each time). Nesting one level per
        operator would stop Python's compiler at 200 operands ("too many nested parentheses")."""
        and_ = e.op == Op.AND
        decide, neutral = ("False", "True") if and_ else ("True", "False")
        word = " and " if and_ else " or "
        test = "if {0}:" if and_ else "if not {0}:"
        facts_of = facts_true if and_ else facts_false

        def joined(parts: list[str]) -> str:
            return parts[0] if len(parts) == 1 else "(" + word.join(parts) + ")"

        parts: list[str] = []  # the value so far; empty while every operand was the neutral constant
        t = None
        facts: dict[int, str] = {}  # what the operands so far establish, as facts_right gives it
        for x in chain_operands(e):
            with _Facts(self, facts):
                if not parts:  # evaluated unconditionally, as the nested form's first operand
                    s = self.ex(x)
                    lines: list[str] = []
                else:
                    with self.capture() as cap:
                        s = self.ex(x)
                    lines = cap.lines
            facts = {**facts, **facts_of(x)}
            if not parts:
                if s == decide:
                    return s
                if s != neutral:
                    parts = [s]
                continue
            if not lines:
                parts.append(s)
                continue
            if t is None:
                t = self.tmp()
            if parts != [t]:
                self.emit(f"{t} = {joined(parts)}")
            self.emit(test.format(t))
            cap.replay(1)
            self.emit(f"    {t} = {s}")
            parts = [t]
        return joined(parts) if parts else neutral

    def _flat_chain(self, e: T.Binary) -> str:
        """`a + b + c ...` (a left-nested chain of one left-associative operator) as one
        Python chain, which Python groups the same way, instead of one parenthesis per operator."""
        sem = OPS[e.op]
        word = sem.src.format("", "")[1:-1]  # "( + )" -> " + "
        return "(" + word.join(self._operand(x, i > 0 and e.op in _SET_OPS)
                               for i, x in enumerate(chain_operands(e))) + ")"

    def _operand(self, x: T.Expr, display: bool) -> str:
        if display and isinstance(x, T.SetLit) and x.elems:
            return "{" + ", ".join(self.ex(y) for y in x.elems) + "}"
        return self.ex(x)

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
        return f"int_range({self.ex(e.lo)}, {self.ex(e.hi)})"

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

    def _x_Apply(self, e: T.Apply) -> str:
        """A builtin of the core: the row's own function (`ops.FNS`). A partial one evaluates its
        arguments in order, then checks the row's predicate as a statement there (so its error
        comes before those of the expressions that follow, as in the closures)."""
        sem = FNS[e.fn]
        if sem.ok is None:
            return f"{self.const(sem.py, '_fn')}({', '.join(self.ex(x) for x in e.args)})"
        args = ", ".join(self.simple(x) for x in e.args)
        types = tuple(x.ty for x in e.args)
        head = [repr(e.fn.value), self.const(e.span, "_span"), self.const(types, "_tys")]
        self.emit(f"if not {self.const(sem.ok, '_ok')}({args}): _apply({', '.join(head)}, {args})")
        return f"{self.const(sem.py, '_fn')}({args})"

    def contains(self, ty: Type, v: str) -> str:
        if isinstance(ty, IntT):
            if ty.bounded:
                return f"({ty.lo} <= {v} <= {ty.hi})"
            return "True"
        return f"_contains({self.const(ty, '_ty')}, {v})"

    def order_args(self, elem_ty: Type) -> str:
        """The arguments after the list to `sorted` that give the declared order of `elem_ty`."""
        return "" if plainly_ordered(elem_ty) else f", key={self.const(sort_key(elem_ty), '_key')}"


# Left-associative operators Python groups as the spec does, so a chain needs no inner parentheses
# (not comparisons, which Python chains, nor // and %, whose divisor is checked first).
_FLAT = frozenset({Op.ADD, Op.SUB, Op.MUL, Op.UNION, Op.INTER, Op.DIFF})
_SET_OPS = frozenset({Op.UNION, Op.INTER, Op.DIFF})


class _Capture:
    """Collects the lines emitted inside a `with` block, to be placed elsewhere."""

    def __init__(self, gen: ExprEmitter) -> None:
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
    """Adds tag facts (slot -> tag) for the emission inside a `with` block."""

    def __init__(self, gen: ExprEmitter, facts: dict[int, str]) -> None:
        self.gen, self.facts = gen, facts

    def __enter__(self):
        self.saved = dict(self.gen.known_tags)
        self.gen.known_tags.update(self.facts)
        return self

    def __exit__(self, *exc):
        self.gen.known_tags = self.saved
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

