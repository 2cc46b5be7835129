"""The typed tree: what the type checker returns and every engine reads.

Names are resolved to slots (state-variable index, local slot), params are folded into
constants, `def` calls are expanded in place, and every expression carries its resolved type.
No engine re-infers a type or looks a name up.
"""

from __future__ import annotations

import enum

from dataclasses import dataclass, field
from typing import Any

from pyspec.errors import Span, SpecWarning
from pyspec.lang import ast as A
from pyspec.lang.ops import Fn, Kind, Op
from pyspec.lang.types import MapT, SetT, Type, UnionT

_NOSPAN = Span("<none>", 0, 0, 0, 0)


def _span() -> Span:
    return field(default=_NOSPAN, compare=False, kw_only=True, repr=False)


class Expr:
    __slots__ = ()
    ty: Type
    span: Span


@dataclass(frozen=True, slots=True)
class Const(Expr):
    value: Any
    ty: Type
    span: Span = _span()
    named: str | None = field(default=None, compare=False, kw_only=True, repr=False)  # a type's name used as a set


@dataclass(frozen=True, slots=True)
class Var(Expr):
    """The value of state variable `index` in the current state."""

    index: int
    name: str
    ty: Type
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Primed(Expr):
    """The value of state variable `index` in the next state (read after it was assigned)."""

    index: int
    name: str
    ty: Type
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Local(Expr):
    """A bound name: an action parameter, a local binding, a choice or a comprehension variable."""

    slot: int
    name: str
    ty: Type
    span: Span = _span()


# Operators are the core's (`pyspec.lang.ops.Op`); their meaning is the operator table's.
@dataclass(frozen=True, slots=True)
class Unary(Expr):
    op: Op
    operand: Expr
    ty: Type
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Binary(Expr):
    op: Op
    left: Expr
    right: Expr
    ty: Type
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class IfExp(Expr):
    cond: Expr
    then: Expr
    orelse: Expr
    ty: Type
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class RangeSet(Expr):
    """`lo .. hi` as a set of integers."""

    lo: Expr
    hi: Expr
    ty: SetT
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class SetLit(Expr):
    elems: tuple[Expr, ...]
    ty: SetT
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class TupleLit(Expr):
    """A tuple, or a record (its fields in name order): both are tuples of values."""

    elems: tuple[Expr, ...]
    ty: Type
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Construct(Expr):
    """A union value `Tag(f1=..., f2=...)`, fields in declared order. `checks[i]` is the
    field's declared type when the argument's static type does not prove it in range (an
    argument outside it is an evaluation error), else None; empty when nothing is checked."""

    tag: str
    fields: tuple[Expr, ...]
    ty: UnionT
    span: Span = _span()
    checks: tuple[Type | None, ...] = ()


@dataclass(frozen=True, slots=True)
class Gen:
    """`for <slot> in iter if conds...`; iter is a set-typed expression."""

    slot: int
    name: str
    iter: Expr
    conds: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Comp(Expr):
    """A comprehension. kind: set | map | all | any | min | max | sum.

    For `map`, `key` is the key expression and `elem` the value."""

    kind: Kind
    elem: Expr
    key: Expr | None
    gens: tuple[Gen, ...]
    ty: Type
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Apply(Expr):
    """A builtin function of the core applied to its arguments (all evaluated, left to right);
    its meaning, failure predicate included, is its row in `ops.FNS`."""

    fn: Fn
    args: tuple[Expr, ...]
    ty: Type
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class MapGet(Expr):
    obj: Expr
    key: Expr
    checked: bool  # the key's static type may fall outside the map's key type
    ty: Type
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class TupleGet(Expr):
    """A tuple component or a record field, by position."""

    obj: Expr
    index: int
    ty: Type
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class VariantGet(Expr):
    """A field of a union value; `positions` maps each tag that has the field to its index
    in the value tuple. Reading it from another variant is an evaluation error."""

    obj: Expr
    name: str
    positions: tuple[tuple[str, int], ...]
    ty: Type
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class IsTag(Expr):
    obj: Expr
    tag: str
    ty: Type
    span: Span = _span()


# ---- statements ------------------------------------------------------------------------------


class Stmt:
    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Require(Stmt):
    cond: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Let(Stmt):
    slot: int
    name: str
    value: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Choose(Stmt):
    """Nondeterministic choice of a value of `domain` (a set) into a local slot, or, when
    `var` is set, into the next-state value of that variable (init, or `x' in S`)."""

    slot: int | None
    var: int | None
    name: str
    domain: Expr
    check: Type | None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Assign(Stmt):
    """`x' = e` or `x'[k1][k2] = e`: set the next-state value of variable `var`.

    `check` is the declared type when the value's static type does not prove it in range;
    `path_types` gives the map type at each step of `path`."""

    var: int
    name: str
    path: tuple[Expr, ...]
    path_types: tuple[MapT, ...]
    value: Expr
    check: Type | None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class If(Stmt):
    cond: Expr
    then: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...]
    span: Span = _span()


# ---- the checked spec ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VarInfo:
    """A state variable; `unknown`: declared `unknown` (init chooses it, no action assigns it)."""

    name: str
    ty: Type
    unknown: bool = False
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Formal:
    name: str
    slot: int
    ty: Type


@dataclass(frozen=True, slots=True)
class Action:
    name: str
    formals: tuple[Formal, ...]
    body: tuple[Stmt, ...]
    nlocals: int
    assigned: frozenset[int]  # variables some path of the body may assign
    doc: str | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Invariant:
    name: str
    expr: Expr
    nlocals: int
    default: bool = True  # checked when no --invariant is named (an included file's are not)
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Constraint:
    """`constraint NAME: expr`: a bool over the state; every engine expands (runs the actions
    in) only the states that satisfy every constraint. A state that violates one is still
    reached and checked for invariants, as in TLC."""

    name: str
    expr: Expr
    nlocals: int
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Reachable:
    """`reachable NAME: expr`: a bool over the state that some reachable state should satisfy."""

    name: str
    expr: Expr
    nlocals: int
    default: bool = True  # checked when none is named (an included file's are not)
    span: Span = _span()


class TemporalKind(enum.Enum):
    """The shapes of temporal property the engines check (no other nesting)."""

    ALWAYS = "always"  # []P
    EVENTUALLY = "eventually"  # <>P
    ALWAYS_EVENTUALLY = "always eventually"  # []<>P
    EVENTUALLY_ALWAYS = "eventually always"  # <>[]P
    LEADSTO = "leadsto"  # [](P => <>Q)


@dataclass(frozen=True, slots=True)
class Temporal:
    """`temporal NAME: F`: F of one of the `TemporalKind` shapes over state predicates `p`
    (and `q` for leadsto), true of every fair infinite behaviour."""

    name: str
    kind: TemporalKind
    p: Expr
    q: Expr | None
    nlocals: int
    default: bool = True  # checked when none is named (an included file's are not)
    p_text: str = "P"  # the predicates as the source writes them, for messages
    q_text: str = "Q"
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Fairness:
    """`fair weak|strong A(x, ...) unless C`: each instance of action `action` (index into
    `CheckedSpec.actions`) on its own. Weak: an instance that is eventually always enabled
    (and C false) is taken infinitely often; strong: one enabled (and C false) infinitely often
    is taken infinitely often. `unless` reads the instance's arguments in the action's formal
    slots (`Action.formals[i].slot`)."""

    action: int
    strong: bool
    unless: Expr | None
    nlocals: int
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Init:
    body: tuple[Stmt, ...]
    nlocals: int
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Scope:
    """The names in scope at the end of a spec's check: params (value, type), type aliases,
    union variants (union, fields), variables (index, type), defs (invariants too: an
    invariant's name stands for its formula) with their surface bodies, expanded at each use,
    the `unknown` variables, and the -D overrides as the user wrote them (for messages)."""

    params: tuple[tuple[str, tuple[Any, Type]], ...]
    types: tuple[tuple[str, Type], ...]
    variants: tuple[tuple[str, tuple[UnionT, tuple[tuple[str, Type], ...]]], ...]
    vars: tuple[tuple[str, tuple[int, Type]], ...]
    defs: tuple[tuple[str, A.Def], ...]
    unknowns: frozenset[str]
    given: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class CheckedSpec:
    """A type-checked specification with its params fixed: the input of every engine."""

    name: str
    doc: str | None
    file: str
    params: tuple[tuple[str, Any, Type], ...]
    types: tuple[tuple[str, Type], ...]
    vars: tuple[VarInfo, ...]
    init: Init
    actions: tuple[Action, ...]
    invariants: tuple[Invariant, ...]
    defs: tuple[tuple[str, str], ...] = ()  # (name, signature) for `pyspec show`
    reachables: tuple[Reachable, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    # The names the spec's own expressions could use, so that expressions given later
    # (tracecheck mappings) are checked in the same scope without checking the spec again
    # (lang.check.check_expression).
    scope: Scope | None = field(default=None, compare=False, repr=False)
    # likely mistakes found after checking (pyspec.lang.lint); they change no verdict
    warnings: tuple[SpecWarning, ...] = field(default=(), compare=False, repr=False)
    # temporal properties and fairness (pyspec.lang.temporal), read by the liveness checkers
    temporals: tuple[Temporal, ...] = ()
    fairness: tuple[Fairness, ...] = ()
    # the declared symmetric types and each variable's shape (pyspec.lang.symmetry), or None
    symmetry: Any = field(default=None, compare=False, repr=False)

    def var_index(self, name: str) -> int | None:
        for i, v in enumerate(self.vars):
            if v.name == name:
                return i
        return None

    def action(self, name: str) -> Action | None:
        for a in self.actions:
            if a.name == name:
                return a
        return None

    def default_invariants(self) -> tuple[str, ...]:
        """The invariants checked when the user names none: the spec's own, not included ones."""
        return tuple(i.name for i in self.invariants if i.default)

    def default_reachables(self) -> tuple[str, ...]:
        """The reachable properties checked when the user names none: the spec's own."""
        return tuple(r.name for r in self.reachables if r.default)

    def reachable(self, name: str) -> Reachable | None:
        for r in self.reachables:
            if r.name == name:
                return r
        return None

    def default_temporals(self) -> tuple[str, ...]:
        """The temporal properties checked when the user names none: the spec's own."""
        return tuple(t.name for t in self.temporals if t.default)

    def temporal(self, name: str) -> Temporal | None:
        for t in self.temporals:
            if t.name == name:
                return t
        return None

    def invariant(self, name: str) -> Invariant | None:
        for inv in self.invariants:
            if inv.name == name:
                return inv
        return None
