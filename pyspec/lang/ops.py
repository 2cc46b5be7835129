"""The operator table: what every operator of the core language means, stated once.

The type checker builds `Unary`/`Binary` nodes with an `Op`; every reader takes the operator's
meaning from its `OpSem` entry here, never from a copy of its own:

- `py`: the function on Python values (the closure engine, constant folding in the checker,
  the property test that holds the back ends to this table);
- `src`: the template the code generator emits (`{0}`, `{1}` are the operands' code);
- `sym`: the Z3 encoding, a function of the symbolic algebra (`pyspec.symbolic.encode_expr.Algebra`,
  passed in by the encoder, so that this module needs no z3) and the operand values;
- `failure`: when the operator fails (a division by zero), with the error it raises.

Surface sugar is lowered by the checker to core forms (see `lower_*`): `a not in S` is
`not (a in S)`, `A >= B` on sets is `B <= A`, `A > B` is `B < A`, and `a implies b` is
`not a or b`. Partial operations that are not operators (a map read outside the keys, a field
of another variant, ...) have their rule in `FAILURES`, read by every engine as well.

Adding an operator: one `Op` member, one `OpSem` entry below, and the parser/checker rule that
builds it (docs/architecture.md shows the files touched).
"""

from __future__ import annotations

import itertools
import operator
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any, Callable, Iterable, NoReturn

from pyspec.errors import SpecEvalError, Span
from pyspec.lang.types import BOOL, INT, BagT, IntT, MapT, SeqT, SetT, Type, domain, domain_size, format_value, key_index


class Op(StrEnum):
    """A core operator. The value is its stable name (e.g. in `--dump` output and tests)."""

    # integers
    ADD = "add"
    SUB = "sub"
    MUL = "mul"
    DIV = "div"
    MOD = "mod"
    NEG = "neg"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    # any type
    EQ = "eq"
    NE = "ne"
    # booleans (AND and OR short-circuit: the right operand is evaluated only when needed)
    AND = "and"
    OR = "or"
    NOT = "not"
    # sets
    UNION = "union"
    INTER = "inter"
    DIFF = "diff"
    SUBSET = "subset"  # <=
    SSUBSET = "ssubset"  # <
    IN = "in"


class Fail(Enum):
    """A way evaluation can fail; its code and message are in `FAILURES`."""

    DIV_ZERO = "division by zero"
    MOD_ZERO = "modulo by zero"
    NO_FIELD = "a union field read from another variant"
    KEY_OUTSIDE = "a map key outside the map's keys"
    EMPTY_EXTREME = "min()/max() of an empty set"
    NO_VALUES = "a min/max comprehension over no values"
    MAP_MISSING = "a map comprehension missing a key"
    MAP_CLASH = "a map comprehension giving a key two values"
    FIELD_TYPE = "a union field outside its type"
    OUT_OF_TYPE = "a value outside a variable's type"
    SEQ_INDEX = "a sequence index outside the sequence"
    SEQ_EMPTY = "head/tail/last of an empty sequence"
    SEQ_SLICE = "a slice outside the sequence"
    BAG_MISSING = "removing from a bag an element it does not hold"


def _show(t: Type, v: Any) -> str:
    try:
        return format_value(t, v)
    except (TypeError, IndexError, KeyError, ValueError):
        return repr(v)


@dataclass(frozen=True, slots=True)
class FailRule:
    code: str
    message: Callable[..., str]


FAILURES: dict[Fail, FailRule] = {
    Fail.DIV_ZERO: FailRule("PS401", lambda: "division by zero"),
    Fail.MOD_ZERO: FailRule("PS401", lambda: "modulo by zero"),
    Fail.NO_FIELD: FailRule("PS401", lambda tag, name: f"{tag}(...) has no field '{name}'"),
    Fail.KEY_OUTSIDE: FailRule(
        "PS401", lambda kt, key: f"key {_show(kt, key)} is outside the map's keys {kt.show()}"
    ),
    Fail.EMPTY_EXTREME: FailRule("PS401", lambda name: f"{name}() of an empty set"),
    Fail.NO_VALUES: FailRule("PS401", lambda kind: f"{kind}() over no values"),
    Fail.MAP_MISSING: FailRule(
        "PS401", lambda kt, key: f"the map comprehension gives no value for key {_show(kt, key)}"
    ),
    Fail.MAP_CLASH: FailRule(
        "PS401", lambda kt, key: f"the map comprehension gives key {_show(kt, key)} two different values"
    ),
    Fail.FIELD_TYPE: FailRule(
        "PS401",
        lambda tag, name, ty, v: f"field {name} of {tag}(...) would be {_show(ty, v)}, outside its type {ty.show()}",
    ),
    Fail.OUT_OF_TYPE: FailRule(
        "PS401", lambda name, ty, v: f"{name} would be {_show(ty, v)}, outside its type {ty.show()}"
    ),
    Fail.SEQ_INDEX: FailRule(
        "PS401", lambda st, s, i: f"index {i} is outside the sequence {_show(st, s)} (length {len(s)})"
    ),
    Fail.SEQ_EMPTY: FailRule("PS401", lambda name: f"{name}() of an empty sequence"),
    Fail.BAG_MISSING: FailRule(
        "PS401", lambda bt, b, x: f"remove(): {_show(bt.elem, x)} is not in the bag {_show(bt, b)}"
    ),
    Fail.SEQ_SLICE: FailRule(
        "PS401", lambda st, s, i, j: f"slice [{i}:{j}] is outside the sequence {_show(st, s)} (length {len(s)}): "
        f"it needs 0 <= {i} <= {j} <= {len(s)}"
    ),
}


_RANGE_CHUNK = 1 << 16


def int_range(lo: int, hi: int) -> frozenset:
    """The value of `lo .. hi`: the integers from lo to hi. A large range is built a chunk at a
    time, so that the time and memory limits (pyspec.limits, a timer that runs between
    bytecodes) can stop it: `frozenset(range(1, 10**20))` is one call into C that never returns
    to them."""
    if hi - lo < _RANGE_CHUNK:
        return frozenset(range(lo, hi + 1))
    out: set[int] = set()
    for a in range(lo, hi + 1, _RANGE_CHUNK):
        out.update(range(a, min(a + _RANGE_CHUNK, hi + 1)))
    return frozenset(out)


def fail(kind: Fail, span: Span, *args: Any) -> NoReturn:
    """Raise the evaluation error `kind` at `span`; `args` are what its message shows."""
    rule = FAILURES[kind]
    raise SpecEvalError(rule.message(*args), span, code=rule.code)


@dataclass(frozen=True, slots=True)
class OpSem:
    op: Op
    spelling: str  # how a spec writes it
    arity: int
    py: Callable[..., Any]
    src: str
    sym: Callable[..., Any]  # (algebra, operands..., result type) -> symbolic value
    failure: Fail | None = None  # raised where `ok` is false
    lazy: bool = False  # the right operand is evaluated only when the left does not decide
    # The failure predicate of a partial operator, on its right operand, which is evaluated
    # first (then the predicate, then the left operand): `ok` on Python values, `src_ok` the
    # code template ({1}: the right operand's code), `sym_ok` in the algebra (z, right operand).
    ok: Callable[[Any], bool] | None = None
    src_ok: str | None = None
    sym_ok: Callable[..., Any] | None = None
    # The C template of the native back end (pyspec/explicit/native), on its representation:
    # ints and bools as int64_t, sets as `pset` bitmasks over the element type's ordinals; for
    # `in`, {0} is the element's ordinal. C_OK/C_EQ/... are macros of native/runtime_c.py.
    c: str | None = None


_TABLE = (
    OpSem(Op.ADD, "+", 2, operator.add, "({0} + {1})", lambda z, a, b, t: z.arith("add", a, b), c="({0} + {1})"),
    OpSem(Op.SUB, "-", 2, operator.sub, "({0} - {1})", lambda z, a, b, t: z.arith("sub", a, b), c="({0} - {1})"),
    OpSem(Op.MUL, "*", 2, operator.mul, "({0} * {1})", lambda z, a, b, t: z.arith("mul", a, b), c="({0} * {1})"),
    OpSem(Op.DIV, "//", 2, operator.floordiv, "({0} // {1})", lambda z, a, b, t: z.divmod_("div", a, b), Fail.DIV_ZERO,
          ok=lambda b: b != 0, src_ok="{1} != 0", sym_ok=lambda z, b: z.not_(z.eq(b, z.const(0))), c="py_div({0}, {1})"),
    OpSem(Op.MOD, "%", 2, operator.mod, "({0} % {1})", lambda z, a, b, t: z.divmod_("mod", a, b), Fail.MOD_ZERO,
          ok=lambda b: b != 0, src_ok="{1} != 0", sym_ok=lambda z, b: z.not_(z.eq(b, z.const(0))), c="py_mod({0}, {1})"),
    OpSem(Op.NEG, "-", 1, operator.neg, "(-{0})", lambda z, a, t: z.neg(a), c="(-{0})"),
    OpSem(Op.LT, "<", 2, operator.lt, "({0} < {1})", lambda z, a, b, t: z.cmp("lt", a, b), c="({0} < {1})"),
    OpSem(Op.LE, "<=", 2, operator.le, "({0} <= {1})", lambda z, a, b, t: z.cmp("le", a, b), c="({0} <= {1})"),
    OpSem(Op.GT, ">", 2, operator.gt, "({0} > {1})", lambda z, a, b, t: z.cmp("gt", a, b), c="({0} > {1})"),
    OpSem(Op.GE, ">=", 2, operator.ge, "({0} >= {1})", lambda z, a, b, t: z.cmp("ge", a, b), c="({0} >= {1})"),
    OpSem(Op.EQ, "==", 2, operator.eq, "({0} == {1})", lambda z, a, b, t: z.eq(a, b), c="C_EQ({0}, {1})"),
    OpSem(Op.NE, "!=", 2, operator.ne, "({0} != {1})", lambda z, a, b, t: z.not_(z.eq(a, b)), c="(!C_EQ({0}, {1}))"),
    OpSem(Op.AND, "and", 2, lambda a, b: a and b, "({0} and {1})", lambda z, a, b, t: z.and_(a, b), lazy=True, c="({0} && {1})"),
    OpSem(Op.OR, "or", 2, lambda a, b: a or b, "({0} or {1})", lambda z, a, b, t: z.or_(a, b), lazy=True, c="({0} || {1})"),
    OpSem(Op.NOT, "not", 1, operator.not_, "(not {0})", lambda z, a, t: z.not_(a), c="(!{0})"),
    OpSem(Op.UNION, "|", 2, operator.or_, "({0} | {1})", lambda z, a, b, t: z.set_op("union", a, b, t), c="pset_or({0}, {1})"),
    OpSem(Op.INTER, "&", 2, operator.and_, "({0} & {1})", lambda z, a, b, t: z.set_op("inter", a, b, t), c="pset_and({0}, {1})"),
    OpSem(Op.DIFF, "-", 2, operator.sub, "({0} - {1})", lambda z, a, b, t: z.set_op("diff", a, b, t), c="pset_andnot({0}, {1})"),
    OpSem(Op.SUBSET, "<=", 2, operator.le, "({0} <= {1})", lambda z, a, b, t: z.subset(a, b), c="pset_sub({0}, {1})"),
    OpSem(
        Op.SSUBSET, "<", 2, operator.lt, "({0} < {1})", lambda z, a, b, t: z.and_(z.subset(a, b), z.not_(z.eq(a, b))),
    c="(pset_sub({0}, {1}) && !pset_eq({0}, {1}))"),
    OpSem(Op.IN, "in", 2, lambda a, s: a in s, "({0} in {1})", lambda z, a, b, t: z.member(a, b), c="pset_has({1}, {0})"),
)

OPS: dict[Op, OpSem] = {s.op: s for s in _TABLE}
assert set(OPS) == set(Op), "every operator has exactly one entry"
assert all((s.failure is None) == (s.ok is None) == (s.src_ok is None) == (s.sym_ok is None) for s in _TABLE)


def fails(op: Op, *args: Any) -> bool:
    """Whether `op` fails on these Python values (its row's predicate on the right operand)."""
    ok = OPS[op].ok
    return ok is not None and not ok(args[-1])


# ---- builtins: functions of the core, one row each -------------------------------------------------


class Fn(StrEnum):
    """A core builtin function (`typed.Apply`). The value is its stable name."""

    # sets
    LEN = "len"
    MIN = "min"
    MAX = "max"
    SUM = "sum"
    ALL = "all"  # all(S) of a set of booleans
    ANY = "any"
    SUBSETS = "subsets"
    # sequences
    SEQ = "seq"  # a sequence literal [a, b, ...]
    SEQ_LEN = "seq_len"  # len(s)
    INDEX = "index"  # s[i]
    HEAD = "head"
    TAIL = "tail"
    LAST = "last"
    APPEND = "append"
    CONCAT = "concat"  # s + t
    SLICE = "slice"  # s[i:j]
    SEQ_IN = "seq_in"  # x in s
    UPDATE = "update"  # s with s[i] = v (the lowering of s'[i] = v)
    BAG = "bag"  # bag(): the empty bag
    BAG_ADD = "bag_add"  # add(b, x): one more x
    BAG_REMOVE = "bag_remove"  # remove(b, x): one x fewer
    BAG_COUNT = "bag_count"  # count(b, x)
    BAG_IN = "bag_in"  # x in b
    BAG_SUM = "bag_sum"  # b + c: the counts added
    BAG_SET = "bag_set"  # the distinct elements (what `for x in b` iterates over)


@dataclass(frozen=True, slots=True)
class FnSem:
    """One builtin's meaning, read by every engine (`typed.Apply`):

    - `py(*args)`: its value on Python values (closures, constant folding, generated code,
      which calls the same function);
    - `ok(*args)`: the failure predicate on Python values, checked before `py`; None: total;
    - `sym(z, *args, ty)`: its value in the symbolic algebra (`encode_expr.Algebra`);
    - `sym_ok(z, *args)`: the failure predicate in the algebra (a symbolic Bool);
    - `failure`, `shown(*args, types)`: the error raised where `ok` is false and the
      arguments its message shows (the types are the arguments' types)."""

    fn: Fn
    spelling: str
    py: Callable[..., Any]
    sym: Callable[..., Any]
    ok: Callable[..., bool] | None = None
    sym_ok: Callable[..., Any] | None = None
    failure: Fail | None = None
    shown: Callable[..., tuple] | None = None
    # The C template of the native back end (see OpSem.c): {0} a pset; min and max give the
    # ordinal of the element (failing on an empty set), which the emitter decodes. None: the
    # native back end refuses the builtin (unless it folds to a constant).
    c: str | None = None


def _subsets(s: frozenset) -> frozenset:
    items = tuple(s)
    return frozenset(frozenset(c) for r in range(len(items) + 1) for c in itertools.combinations(items, r))


def _slice(s: tuple, i: int, j: int) -> tuple:
    return s[i:j]


def _update(s: tuple, i: int, v: Any) -> tuple:
    return s[:i] + (v,) + s[i + 1:]


def _bag_add(b: frozenset, x: Any, n: int = 1) -> frozenset:
    d = dict(b)
    c = d.get(x, 0) + n
    if c:
        d[x] = c
    else:
        d.pop(x, None)
    return frozenset(d.items())


def _bag_count(b: frozenset, x: Any) -> int:
    for y, c in b:
        if y == x:
            return c
    return 0


def _bag_sum(b: frozenset, c: frozenset) -> frozenset:
    d = dict(b)
    for x, n in c:
        d[x] = d.get(x, 0) + n
    return frozenset(d.items())


_FN_TABLE = (
    FnSem(Fn.LEN, "len", len, lambda z, s, t: z.set_len(s), c="pset_len({0})"),
    FnSem(Fn.MIN, "min", min, lambda z, s, t: z.extreme("min", s),
          bool, lambda z, s: z.nonempty(s), Fail.EMPTY_EXTREME, lambda ts, s: ("min",), c="pset_min({0})"),
    FnSem(Fn.MAX, "max", max, lambda z, s, t: z.extreme("max", s),
          bool, lambda z, s: z.nonempty(s), Fail.EMPTY_EXTREME, lambda ts, s: ("max",), c="pset_max({0})"),
    FnSem(Fn.SUM, "sum", sum, lambda z, s, t: z.set_sum(s)),
    FnSem(Fn.ALL, "all", all, lambda z, s, t: z.not_(z.member(False, s)), c="(!pset_has({0}, 0))"),
    FnSem(Fn.ANY, "any", any, lambda z, s, t: z.member(True, s), c="pset_has({0}, 1)"),
    FnSem(Fn.SUBSETS, "subsets", _subsets, lambda z, s, t: z.subsets(s, t)),
    FnSem(Fn.SEQ, "[...]", lambda *xs: tuple(xs), lambda z, *a: z.seq_lit(a[:-1], a[-1])),
    FnSem(Fn.SEQ_LEN, "len", len, lambda z, s, t: z.seq_len(s)),
    FnSem(Fn.INDEX, "s[i]", lambda s, i: s[i], lambda z, s, i, t: z.seq_index(s, i, t),
          lambda s, i: 0 <= i < len(s), lambda z, s, i: z.seq_has(s, i), Fail.SEQ_INDEX,
          lambda ts, s, i: (ts[0], s, i)),
    FnSem(Fn.HEAD, "head", lambda s: s[0], lambda z, s, t: z.seq_index(s, z.const(0), t),
          lambda s: len(s) > 0, lambda z, s: z.seq_has(s, z.const(0)), Fail.SEQ_EMPTY, lambda ts, s: ("head",)),
    FnSem(Fn.TAIL, "tail", lambda s: s[1:], lambda z, s, t: z.seq_drop(s, z.const(1), t),
          lambda s: len(s) > 0, lambda z, s: z.seq_has(s, z.const(0)), Fail.SEQ_EMPTY, lambda ts, s: ("tail",)),
    FnSem(Fn.LAST, "last", lambda s: s[-1], lambda z, s, t: z.seq_last(s, t),
          lambda s: len(s) > 0, lambda z, s: z.seq_has(s, z.const(0)), Fail.SEQ_EMPTY, lambda ts, s: ("last",)),
    FnSem(Fn.APPEND, "append", lambda s, x: s + (x,), lambda z, s, x, t: z.seq_concat(s, z.seq_lit((x,), None), t)),
    FnSem(Fn.CONCAT, "+", operator.add, lambda z, s, u, t: z.seq_concat(s, u, t)),
    FnSem(Fn.SLICE, "s[i:j]", _slice, lambda z, s, i, j, t: z.seq_slice(s, i, j, t),
          lambda s, i, j: 0 <= i <= j <= len(s), lambda z, s, i, j: z.seq_slice_ok(s, i, j), Fail.SEQ_SLICE,
          lambda ts, s, i, j: (ts[0], s, i, j)),
    FnSem(Fn.SEQ_IN, "in", lambda x, s: x in s, lambda z, x, s, t: z.seq_member(x, s)),
    FnSem(Fn.UPDATE, "s[i] = v", _update, lambda z, s, i, v, t: z.seq_update(s, i, v, t),
          lambda s, i, v: 0 <= i < len(s), lambda z, s, i, v: z.seq_has(s, i), Fail.SEQ_INDEX,
          lambda ts, s, i, v: (ts[0], s, i)),
    FnSem(Fn.BAG, "bag", lambda: frozenset(), lambda z, t: z.bag_empty(t)),
    FnSem(Fn.BAG_ADD, "add", _bag_add, lambda z, b, x, t: z.bag_add(b, x, 1, t)),
    FnSem(Fn.BAG_REMOVE, "remove", lambda b, x: _bag_add(b, x, -1), lambda z, b, x, t: z.bag_add(b, x, -1, t),
          lambda b, x: _bag_count(b, x) > 0, lambda z, b, x: z.bag_in(x, b), Fail.BAG_MISSING,
          lambda ts, b, x: (ts[0], b, x)),
    FnSem(Fn.BAG_COUNT, "count", _bag_count, lambda z, b, x, t: z.bag_count(b, x)),
    FnSem(Fn.BAG_IN, "in", lambda x, b: _bag_count(b, x) > 0, lambda z, x, b, t: z.bag_in(x, b)),
    FnSem(Fn.BAG_SUM, "+", _bag_sum, lambda z, b, c, t: z.bag_sum(b, c, t)),
    FnSem(Fn.BAG_SET, "for x in b", lambda b: frozenset(x for x, _ in b), lambda z, b, t: z.bag_set(b, t)),
)

FNS: dict[Fn, FnSem] = {s.fn: s for s in _FN_TABLE}
assert set(FNS) == set(Fn), "every builtin has exactly one entry"


# ---- each collection type's surface functions: one table per type --------------------------------


@dataclass(frozen=True, slots=True)
class TypeFn:
    """A surface name read on a value of one collection type, lowered to the builtin row `fn`:
    a call `NAME(c, x...)` with the collection first, `x in c`, or `c + d`. `arity`: the
    arguments of the call form; `elem`: True when the other argument must be an element of the
    collection (PS317 otherwise; its type is unified with the collection's element type);
    `result(t, u)`: the result's type from the collection's type `t` (for `+`, the two types'
    unified element type `u` and capacities: `result(t, d)` with `d` the right operand's type);
    `needs_elem`: reads an element (refused on a collection that is always empty, `[]`)."""

    name: str
    fn: Fn
    arity: int
    result: Callable[[Any, Any], Type]
    elem: bool = False
    needs_elem: bool = False


@dataclass(frozen=True, slots=True)
class TypeSem:
    """The surface functions of one collection type, and how its misuse is reported: `noun`
    ("a sequence") and `code` in "the argument of head() must be a sequence" (PS336)."""

    noun: str
    code: str
    fns: dict[str, TypeFn]


def _fns(*rows: TypeFn) -> dict[str, TypeFn]:
    return {r.name: r for r in rows}


def _set_len(t: Any, u: Any) -> Type:
    n = domain_size(t.elem)
    return IntT(0, n) if n is not None else INT


def _bounded(cls: Any) -> Callable[[Any, Any], Type]:
    """`append(s, x)`/`add(b, x)` (u: the unified element type) and `s + t` (u: t's type)."""
    return lambda t, u: cls(u.elem, t.cap + u.cap) if isinstance(u, cls) else cls(u, t.cap + 1)


def _count_to_cap(t: Any, u: Any) -> Type:
    return IntT(0, t.cap)


TYPES: dict[type, TypeSem] = {
    SetT: TypeSem("a set", "PS316", _fns(TypeFn("len", Fn.LEN, 1, _set_len))),
    SeqT: TypeSem("a sequence", "PS336", _fns(
        TypeFn("len", Fn.SEQ_LEN, 1, _count_to_cap),
        TypeFn("head", Fn.HEAD, 1, lambda t, u: t.elem, needs_elem=True),
        TypeFn("last", Fn.LAST, 1, lambda t, u: t.elem, needs_elem=True),
        TypeFn("tail", Fn.TAIL, 1, lambda t, u: t),
        TypeFn("append", Fn.APPEND, 2, _bounded(SeqT), elem=True),
        TypeFn("in", Fn.SEQ_IN, 2, lambda t, u: BOOL, elem=True),
        TypeFn("+", Fn.CONCAT, 2, _bounded(SeqT)),
    )),
    BagT: TypeSem("a bag", "PS337", _fns(
        TypeFn("count", Fn.BAG_COUNT, 2, _count_to_cap, elem=True),
        TypeFn("add", Fn.BAG_ADD, 2, _bounded(BagT), elem=True),
        TypeFn("remove", Fn.BAG_REMOVE, 2, lambda t, u: t, elem=True),
        TypeFn("in", Fn.BAG_IN, 2, lambda t, u: BOOL, elem=True),
        TypeFn("+", Fn.BAG_SUM, 2, _bounded(BagT)),
    )),
}


def type_fn(name: str, ty: Type) -> TypeFn | None:
    """The surface function `name` on a value of type `ty`, if its type's table has one."""
    sem = TYPES.get(type(ty))
    return None if sem is None else sem.fns.get(name)


def owner(name: str) -> type | None:
    """The one collection type whose table defines `name` (head: sequences), or None when
    several do (len, in, +) or none."""
    owners = [t for t, sem in TYPES.items() if name in sem.fns]
    return owners[0] if len(owners) == 1 else None


# ---- comprehension kinds: one row each ----------------------------------------------------------


class Kind(StrEnum):
    """What a comprehension (`typed.Comp`) makes of the values its generators produce."""

    SET = "set"  # {e for ...}
    MAP = "map"  # {k: e for ...}
    ALL = "all"  # all(e for ...)
    ANY = "any"
    SUM = "sum"  # sum(e for ...): repeated values counted
    MIN = "min"
    MAX = "max"


@dataclass(frozen=True, slots=True)
class CompSem:
    """One comprehension kind, read by every engine (`typed.Comp`). The generators produce values
    in iteration order (for a map: (key, value) pairs); the row says what they make:

    - typing rule: `body` ("bool", "int" or None: any type) is what the produced value must be,
      and `result(value type, key type or None)` the comprehension's type; `call`: written as
      `NAME(e for ...)` (otherwise it has its own brackets, `{...}`);
    - `fold(ty, span)`: the Python meaning, given the comprehension's type and place: a function
      of an iterable of the produced values that raises the kind's failures (the closures,
      the generated code and constant folding call it; a lazy iterable lets all()/any() stop);
    - `stop`: for all()/any(), the body value that decides the result (engines that iterate
      stop at it, which is observable: a failing body after it is never evaluated);
    - `src_init`, `src_step` ({acc}, {x}), `src_done` ({acc}): an accumulator template the code
      generator may emit in place of calling `fold` (a kind without a failure);
    - `sym(z, items, ty, on_fail)`: the Z3 meaning in the algebra (`encode_expr.Algebra`), of
      the (condition, value) pairs in iteration order; `on_fail(bad, Fail)` records a failure
      where the symbolic Bool `bad` holds;
    - `may_fail`: the kind itself may fail, whatever the body (`analysis.comp_may_fail`)."""

    kind: Kind
    spelling: str
    body: str | None
    result: Callable[[Type, Type | None], Type]
    fold: Callable[[Any, Span], Callable[[Iterable], Any]]
    sym: Callable[..., Any]
    call: bool = True
    stop: bool | None = None
    may_fail: bool = False
    src_init: str | None = None
    src_step: str | None = None
    src_done: str = "{acc}"


_NO_VALUE = object()  # a key of a map comprehension not given a value yet


def _map_fold(ty: Any, span: Span) -> Callable[[Iterable], tuple]:
    """A map comprehension: every key of the key type gets exactly one value."""
    assert isinstance(ty, MapT)
    kt, keys = ty.key, domain(ty.key)
    index, n = key_index(kt), len(keys)

    def build(pairs: Iterable) -> tuple:
        out = [_NO_VALUE] * n
        for k, v in pairs:
            i = index(k)
            if out[i] is not _NO_VALUE and out[i] != v:
                fail(Fail.MAP_CLASH, span, kt, k)
            out[i] = v
        if _NO_VALUE in out:
            fail(Fail.MAP_MISSING, span, kt, keys[out.index(_NO_VALUE)])
        return tuple(out)

    return build


def _extreme_fold(f: Callable, kind: str) -> Callable[[Any, Span], Callable[[Iterable], Any]]:
    def make(ty: Any, span: Span) -> Callable[[Iterable], Any]:
        def fold(values: Iterable) -> Any:
            vals = list(values)
            if not vals:
                fail(Fail.NO_VALUES, span, kind)
            return f(vals)

        return fold

    return make


def _set_type(elem: Type, key: Type | None) -> Type:
    return SetT(elem)


def _map_type(elem: Type, key: Type | None) -> Type:
    assert key is not None, "a map comprehension has a key"
    return MapT(key, elem)


def _bool_type(elem: Type, key: Type | None) -> Type:
    return BOOL


def _int_type(elem: Type, key: Type | None) -> Type:
    return INT


_COMP_TABLE = (
    CompSem(Kind.SET, "{e for ...}", None, _set_type, lambda t, sp: frozenset,
            lambda z, items, t, on_fail: z.fold_set(items, t), call=False,
            src_init="[]", src_step="{acc}.append({x})", src_done="frozenset({acc})"),
    CompSem(Kind.MAP, "{k: e for ...}", None, _map_type, _map_fold,
            lambda z, items, t, on_fail: z.fold_map(items, t, on_fail), call=False, may_fail=True),
    CompSem(Kind.ALL, "all", "bool", _bool_type, lambda t, sp: all,
            lambda z, items, t, on_fail: z.undecided(items, False), stop=False),
    CompSem(Kind.ANY, "any", "bool", _bool_type, lambda t, sp: any,
            lambda z, items, t, on_fail: z.not_(z.undecided(items, True)), stop=True),
    CompSem(Kind.SUM, "sum", "int", _int_type, lambda t, sp: sum,
            lambda z, items, t, on_fail: z.fold_sum(items), src_init="0", src_step="{acc} += {x}"),
    CompSem(Kind.MIN, "min", "int", lambda elem, key: elem, _extreme_fold(min, "min"),
            lambda z, items, t, on_fail: z.fold_extreme("min", items, on_fail), may_fail=True),
    CompSem(Kind.MAX, "max", "int", lambda elem, key: elem, _extreme_fold(max, "max"),
            lambda z, items, t, on_fail: z.fold_extreme("max", items, on_fail), may_fail=True),
)

COMPS: dict[Kind, CompSem] = {c.kind: c for c in _COMP_TABLE}
assert set(COMPS) == set(Kind), "every comprehension kind has exactly one entry"
assert all((c.stop is None) == (c.kind not in (Kind.ALL, Kind.ANY)) for c in _COMP_TABLE)
assert all(c.src_init is None or not c.may_fail for c in _COMP_TABLE), "a template cannot fail"
CALLED_COMPS: dict[str, Kind] = {c.spelling: c.kind for c in _COMP_TABLE if c.call}


def apply_fn(fn: Fn, span: Span, types: tuple, *args: Any) -> Any:
    """`fn` applied to Python values, raising its failure where its predicate is false: what the
    closures run and what the generated code calls."""
    sem = FNS[fn]
    if sem.ok is not None and not sem.ok(*args):
        assert sem.failure is not None and sem.shown is not None
        fail(sem.failure, span, *sem.shown(types, *args))
    return sem.py(*args)


def fn_fails(fn: Fn, *args: Any) -> bool:
    """Whether `fn` fails on these Python values."""
    sem = FNS[fn]
    return sem.ok is not None and not sem.ok(*args)


__all__ = ["CALLED_COMPS", "COMPS", "FAILURES", "FNS", "OPS", "CompSem", "Fail", "FailRule", "Fn", "FnSem", "Kind", "Op", "OpSem", "TYPES", "TypeFn", "TypeSem", "owner", "type_fn",
           "apply_fn", "fail", "fails", "fn_fails"]
