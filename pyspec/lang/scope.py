"""Names in scope: the spec's names while it is checked, a body's frame of locals, did-you-mean hints.

`CheckerState` is the state every part of the checker reads (params, types, variants, vars,
defs) and declares the rules the parts call across modules (`check_stmts`, `check_exprs`,
`resolve`, `desugar`); `lang/check.py` puts the parts together. `did_you_mean` is the one
did-you-mean helper in pyspec.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Iterable

from pyspec.errors import PyspecError, Span, SpecNameError
from pyspec.lang import ast as A
from pyspec.lang import typed as T
from pyspec.lang.types import Type, UnionT

NOSPAN = Span("<none>", 0, 0, 0, 0)
BUILTINS = ("len", "min", "max", "all", "any", "subsets", "sum", "permutations", "head", "tail", "last", "append",
            "enumerate", "bag", "add", "remove", "count")


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """"did you mean 'x'?" for the candidate closest to `name`, or None when none is close."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def name_error(msg: str, span: Span, name: str, candidates: Iterable[str], code: str) -> SpecNameError:
    return SpecNameError(msg, span, hint=did_you_mean(name, candidates), code=code)


@dataclass
class Frame:
    """Name resolution for one body (init, an action, an invariant): locals and their slots."""

    scopes: list[dict[str, T.Expr]] = field(default_factory=lambda: [{}])
    nlocals: int = 0
    in_init: bool = False
    in_action: bool = False
    any_prime: bool = False  # a def checked on its own: primed reads are checked at its uses
    # assignment tracking (per path): var index -> "whole" | "entries"
    assigned: dict[int, str] = field(default_factory=dict)
    maybe: dict[int, str] = field(default_factory=dict)
    ever: set[int] = field(default_factory=set)
    # names bound inside an `if` branch that has ended -> where (for the "unknown name" message)
    ended: dict[str, Span] = field(default_factory=dict)

    def bind(self, name: str, ty: Type, span: Span) -> T.Local:
        slot = self.nlocals
        self.nlocals += 1
        local = T.Local(slot, name, ty, span=span)
        self.scopes[-1][name] = local
        return local

    def lookup(self, name: str) -> T.Expr | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def names(self) -> list[str]:
        return [n for s in self.scopes for n in s]


class CheckerState:
    """The spec's names as the checker builds them, and the rules its parts call each other by."""

    def __init__(self, overrides: dict[str, str], scope: T.Scope | None = None) -> None:
        """Empty, to check a spec's declarations with params fixed by `overrides`; or the names
        of a checked spec's `scope`, to check expressions in it (the scope is copied: a union
        type written in an expression's binding adds its variants to this check only)."""
        self.overrides = dict(overrides)
        self.given = dict(overrides)  # as the user wrote them, for messages
        self.errors: list[PyspecError] = []
        self.params: dict[str, tuple[Any, Type]] = {}
        self.types: dict[str, Type] = {}
        self.variants: dict[str, tuple[UnionT, tuple[tuple[str, Type], ...]]] = {}
        self.vars: dict[str, tuple[int, Type]] = {}
        self.var_infos: list[T.VarInfo] = []
        self.defs: dict[str, A.Def] = {}
        self.procs: dict[str, A.Proc] = {}
        self.called: set[str] = set()  # the procs some body calls (the others are checked alone)
        self.def_stack: list[str] = []
        self.expr_depth = 0  # expressions being checked, one inside the other (defs expanded)
        self.too_deep = False  # an expression nesting beyond MAX_DEPTH was reported
        self.broken: set[str] = set()  # params, type aliases, variables whose declaration failed: no cascade
        self.unknowns: set[str] = set()  # variables declared `unknown`
        if scope is not None:
            self.given = dict(scope.given)
            self.params = dict(scope.params)
            self.types = dict(scope.types)
            self.variants = dict(scope.variants)
            self.vars = dict(scope.vars)
            self.defs = dict(scope.defs)
            self.unknowns = set(scope.unknowns)

    def frozen_scope(self) -> T.Scope:
        """The names in scope now, frozen (kept in the `CheckedSpec`)."""
        return T.Scope(
            params=tuple(self.params.items()),
            types=tuple(self.types.items()),
            variants=tuple(self.variants.items()),
            vars=tuple(self.vars.items()),
            defs=tuple(self.defs.items()),
            unknowns=frozenset(self.unknowns),
            given=tuple(self.given.items()),
        )

    def _no_shadow(self, name: str, span: Span) -> None:
        if name in self.vars:
            raise SpecNameError(f"'{name}' is a state variable; pick another name", span, code="PS220")
        if name in self.params:
            raise SpecNameError(f"'{name}' is a param; pick another name", span, code="PS220")

    # ---- rules defined by the parts (lang/check_exprs.py, resolve.py, desugar.py) -------------

    def _expr(self, e: A.Expr, fr: Frame) -> T.Expr:
        raise NotImplementedError

    def _expect(self, e: T.Expr, ty: Type, span: Span, what: str) -> None:
        raise NotImplementedError

    def _expect_value(self, have: Type, want: Type, span: Span, what: str) -> None:
        raise NotImplementedError

    def _type(self, t: A.TypeExpr, name: str | None = None) -> Type:
        raise NotImplementedError

    def _const(self, e: T.Expr) -> Any:
        raise NotImplementedError

    def _expand(self, d: A.Def, args, kwargs, span: Span, fr: Frame) -> T.Expr:
        raise NotImplementedError

    def _def_result(self, d: A.Def, body: T.Expr) -> None:
        raise NotImplementedError

    def _choose_unknowns(self, fr: Frame) -> tuple[T.Stmt, ...]:
        raise NotImplementedError
