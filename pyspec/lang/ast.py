"""The surface AST: what the parser builds from source, before names and types are resolved.

Every node is a frozen dataclass with its source `span` (excluded from equality). Class names
match the grammar's rules; the type checker (`lang/check.py`) turns this tree into the typed
tree of `lang/typed.py` that the engines read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyspec.errors import Span

_NOSPAN = Span("<none>", 0, 0, 0, 0)

MAX_DEPTH = 200
"""Levels of nesting a spec's tree may have (`not not ... x`, `f(f(...))`, `a + b + ...` of 200
terms), in the source (the parser, PS108) and with defs expanded (the checker, PS216): every
later phase walks the tree recursively, and this bound keeps them within Python's stack."""


def _span() -> Span:
    return field(default=_NOSPAN, compare=False, kw_only=True, repr=False)


# ---- type expressions ------------------------------------------------------------------------


class TypeExpr:
    __slots__ = ()
    span: Span


@dataclass(frozen=True, slots=True)
class BoolType(TypeExpr):
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class IntType(TypeExpr):
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class NamedType(TypeExpr):
    name: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class RangeType(TypeExpr):
    lo: Expr
    hi: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class EnumType(TypeExpr):
    values: tuple[str, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class SetType(TypeExpr):
    elem: TypeExpr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class MapType(TypeExpr):
    key: TypeExpr
    value: TypeExpr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class BoundedType(TypeExpr):
    """`seq[T, N]` (kind "seq"): a collection type with a constant bound."""

    kind: str
    elem: TypeExpr
    bound: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class TupleType(TypeExpr):
    elems: tuple[TypeExpr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    type: TypeExpr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class RecordType(TypeExpr):
    fields: tuple[Field, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Variant:
    name: str
    fields: tuple[Field, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class UnionType(TypeExpr):
    variants: tuple[Variant, ...]
    span: Span = _span()


# ---- expressions -----------------------------------------------------------------------------


class Expr:
    __slots__ = ()
    span: Span


@dataclass(frozen=True, slots=True)
class IntLit(Expr):
    value: int
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class BoolLit(Expr):
    value: bool
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class StrLit(Expr):
    value: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Name(Expr):
    name: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Primed(Expr):
    name: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class BinOp(Expr):
    """`op` is the user's spelling: + - * // % == != < <= > >= in 'not in' | & and or implies."""

    op: str
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class UnaryOp(Expr):
    op: str  # "-" or "not"
    operand: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class IfExp(Expr):
    cond: Expr
    then: Expr
    orelse: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class RangeExp(Expr):
    lo: Expr
    hi: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class IsOp(Expr):
    operand: Expr
    variant: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class SetLit(Expr):
    elems: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class TupleLit(Expr):
    elems: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class RecordLit(Expr):
    fields: tuple[tuple[str, Expr], ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class MapLit(Expr):
    """`{k1: v1, k2: v2}` with keys that are not bare names (those make a record)."""

    pairs: tuple[tuple[Expr, Expr], ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ListLit(Expr):
    """`[a, b, ...]`: a sequence literal."""

    elems: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Slice(Expr):
    """`s[i:j]`."""

    obj: Expr
    lo: Expr
    hi: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class CompFor:
    var: str
    iter: Expr
    conds: tuple[Expr, ...]
    span: Span = _span()
    unpack: tuple[str, ...] = ()  # `for i, x in S`: the names of the tuple's components (var is hidden)


@dataclass(frozen=True, slots=True)
class SetComp(Expr):
    elem: Expr
    gens: tuple[CompFor, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class MapComp(Expr):
    key: Expr
    value: Expr
    gens: tuple[CompFor, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class GenExp(Expr):
    """A generator argument, `f(e for x in S if c)`; only valid as the sole argument of a call."""

    elem: Expr
    gens: tuple[CompFor, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Call(Expr):
    func: str
    args: tuple[Expr, ...]
    kwargs: tuple[tuple[str, Expr], ...]
    span: Span = _span()
    func_span: Span = _span()


@dataclass(frozen=True, slots=True)
class Index(Expr):
    obj: Expr
    index: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Attr(Expr):
    obj: Expr
    name: str
    span: Span = _span()


# ---- statements ------------------------------------------------------------------------------


class Stmt:
    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Target:
    """`x`, `x'` or `x'[k1][k2]`: what an assignment or a choice writes."""

    name: str
    primed: bool
    path: tuple[Expr, ...]
    span: Span = _span()

    def spelling(self) -> str:
        return self.name + ("'" if self.primed else "") + "[..]" * len(self.path)


@dataclass(frozen=True, slots=True)
class Require(Stmt):
    cond: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Assign(Stmt):
    target: Target
    value: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Choose(Stmt):
    target: Target
    domain: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class If(Stmt):
    cond: Expr
    then: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class CallStmt(Stmt):
    """`NAME(args)` as a statement: a call of the proc NAME, inlined by the checker."""

    call: Call
    span: Span = _span()


# ---- declarations ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: TypeExpr
    default: Expr | None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class TypeDef:
    """`type Name = T`; `symmetric type Name = lo .. hi` declares its values interchangeable
    (pyspec.lang.symmetry checks that the spec treats them so)."""

    name: str
    type: TypeExpr
    symmetric: bool = False
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class VarDecl:
    """`var x: T`, or `unknown f: T` (unknown=True): a function whose table is not given."""

    name: str
    type: TypeExpr
    unknown: bool = False
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Init:
    body: tuple[Stmt, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Formal:
    name: str
    type: TypeExpr | None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Action:
    name: str
    formals: tuple[Formal, ...]
    body: tuple[Stmt, ...]
    doc: str | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Proc:
    """`proc NAME(p: T, ...)`: statements run where `NAME(args)` is called, as if written there."""

    name: str
    formals: tuple[Formal, ...]
    body: tuple[Stmt, ...]
    doc: str | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Def:
    name: str
    formals: tuple[Formal, ...] | None  # None: a constant, `def Quorum = ...`
    result: TypeExpr | None
    body: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Invariant:
    name: str
    expr: Expr
    default: bool = True  # False for an included file's invariants: checked only when named
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Reachable:
    """`reachable NAME: expr`: some reachable state satisfies `expr` (a check against vacuity)."""

    name: str
    expr: Expr
    default: bool = True  # False for an included file's: checked only when named
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Constraint:
    """`constraint NAME: expr`: a state that violates it is checked but not expanded."""

    name: str
    expr: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Setting:
    """`NAME = expr` after `include "FILE" with`: the included param NAME's default."""

    name: str
    value: Expr
    span: Span = _span()


# ---- temporal properties and fairness (checked by lang/temporal.py) -----------------------------


@dataclass(frozen=True, slots=True)
class TemporalOp(Expr):
    """`always e`, `eventually e` (one operand) or `p leadsto q` (two). The parser accepts them
    in any expression; the checker refuses them outside a `temporal` declaration's top level."""

    op: str  # "always" | "eventually" | "leadsto"
    operands: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Temporal:
    """`temporal NAME: F`: a property of every infinite behaviour."""

    name: str
    expr: Expr
    default: bool = True  # False for an included file's: checked only when named
    # (span, source text) of the operators' operands, for messages that quote the predicates
    texts: tuple[tuple[Span, str], ...] = field(default=(), compare=False, repr=False)
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Include:
    path: str
    settings: tuple[Setting, ...] = ()
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Extend:
    """`extend action NAME(p, ...)`: `require` lines that strengthen the guard of the action
    NAME (declared in this file or an included one); the checker merges them into it."""

    name: str
    formals: tuple[str, ...]
    body: tuple[Stmt, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Fairness:
    """`fair weak A(x, y) unless C`: every instance of action A (one per binding of its
    parameters) is weakly (or strongly) fair, except in states where C holds."""

    strong: bool
    action: str
    binds: tuple[str, ...] | None  # None: written without parentheses
    unless: Expr | None
    span: Span = _span()


Decl = (Param | TypeDef | VarDecl | Init | Action | Extend | Proc | Def | Invariant | Reachable | Constraint | Include
        | Temporal | Fairness)


@dataclass(frozen=True, slots=True)
class Spec:
    name: str
    doc: str | None
    decls: tuple[Decl, ...]
    file: str
    span: Span = _span()
