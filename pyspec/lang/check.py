"""Surface AST -> typed tree: the checker's driver, which checks declarations in order.

`check_spec(spec, overrides)` returns a `CheckedSpec` or raises `SpecErrors` with every name
and type error it found (one per declaration at most: a broken declaration stops at its first
error, the others are still checked). `check_expression` checks one expression in a checked
spec's frozen scope (`CheckedSpec.scope`; tracecheck's observations) without checking the spec
again.

The rules live in the parts the checker is made of: names in scope (`scope.py`), declarations
and types (`resolve.py`), statements (`check_stmts.py`), expressions (`check_exprs.py`) and
the rewrites (`desugar.py`). A spec that checks carries the warnings of `lint.py`.
"""

from __future__ import annotations

import dataclasses

from pyspec.errors import ParamError, PyspecError, Span, SpecErrors, SpecNameError
from pyspec.lang import ast as A
from pyspec.lang import typed as T
from pyspec.lang.check_exprs import ExprRules
from pyspec.lang.check_stmts import StmtRules
from pyspec.lang.desugar import Desugar
from pyspec.lang.lint import lint
from pyspec.lang.resolve import Resolver
from pyspec.lang.symmetry import check_symmetry
from pyspec.lang.scope import NOSPAN, Frame, did_you_mean
from pyspec.lang.temporal import TemporalRules, temporal_warnings
from pyspec.lang.types import Type, format_value


class _Checker(TemporalRules, StmtRules, ExprRules, Desugar, Resolver):
    """One check of one spec: its parts' rules, run over the declarations in order."""

    def __init__(self, spec: A.Spec, overrides: dict[str, str]) -> None:
        super().__init__(overrides)
        self.spec = spec

    def run(self) -> T.CheckedSpec:
        d = self._extended(self.spec.decls)
        seen: dict[str, Span] = {}
        for decl in d:
            name = getattr(decl, "name", None)
            if name is None or isinstance(decl, A.Init):
                continue
            if name in seen:
                self.errors.append(
                    SpecNameError(
                        f"'{name}' is declared twice",
                        decl.span,
                        notes=((seen[name], "first declared here"),),
                        code="PS201",
                    )
                )
            else:
                seen[name] = decl.span
        for decl in d:
            if isinstance(decl, A.Def):
                self.defs[decl.name] = decl
            elif isinstance(decl, A.Proc):
                self.procs.setdefault(decl.name, decl)
        for decl in d:  # an invariant's name, in an expression, stands for its formula
            if isinstance(decl, A.Invariant) and decl.name not in self.defs:
                self.defs[decl.name] = A.Def(decl.name, None, None, decl.expr, span=decl.span)
        # params and type aliases in declaration order: each may use the ones above it
        for decl in d:
            if isinstance(decl, A.Param):
                if self._guard(self._param, decl) is None and decl.name not in self.params:
                    self.broken.add(decl.name)
            elif isinstance(decl, A.TypeDef):
                if self._guard(self._typedef, decl) is None and decl.name not in self.types:
                    self.broken.add(decl.name)
        for name in self.overrides:
            if name not in self.params:
                self.errors.append(
                    ParamError(
                        f"-D {name}=...: the spec has no param '{name}'",
                        hint=did_you_mean(name, self.params),
                        code="PS501",
                    )
                )
        if self.errors:  # everything below reads the params and types: stop before a cascade
            raise SpecErrors(self._distinct(self.errors))
        for decl in d:
            if isinstance(decl, A.VarDecl):
                if self._guard(self._vardecl, decl) is None and decl.name not in self.vars:
                    self.broken.add(decl.name)
        inits = [x for x in d if isinstance(x, A.Init)]
        init = None
        by_file: dict[str, A.Init] = {}
        for x in inits:
            if x.span.file in by_file:
                self.errors.append(
                    SpecNameError(
                        "the spec has more than one init block",
                        x.span,
                        notes=((by_file[x.span.file].span, "first init here"),),
                        code="PS211",
                    )
                )
            by_file[x.span.file] = x
        if not inits:
            self.errors.append(SpecNameError("the spec has no init block", self.spec.span, code="PS210"))
        elif len(by_file) == len(inits):
            # included files' init blocks run first, in include order, then the spec's own
            merged = A.Init(tuple(st for x in inits for st in x.body), span=inits[-1].span)
            init = self._guard(self._init, merged)
        actions = tuple(a for a in (self._guard(self._action, x) for x in d if isinstance(x, A.Action)) if a)
        invariants = tuple(
            i for i in (self._guard(self._invariant, x) for x in d if isinstance(x, A.Invariant)) if i
        )
        reachables = tuple(
            r for r in (self._guard(self._reachable, x) for x in d if isinstance(x, A.Reachable)) if r
        )
        constraints = tuple(
            c for c in (self._guard(self._constraint, x) for x in d if isinstance(x, A.Constraint)) if c
        )
        for y in d:
            if isinstance(y, A.Def) and self.defs.get(y.name) is y:
                self._guard(self._check_def_alone, y)
            elif isinstance(y, A.Proc) and self.procs.get(y.name) is y and y.name not in self.called:
                self._guard(self._proc_alone, y)
        temporals, fairness = self._temporal_decls(d, actions)
        if self.errors:
            raise SpecErrors(self._distinct(self.errors))
        assert init is not None
        checked = T.CheckedSpec(
            name=self.spec.name,
            doc=self.spec.doc,
            file=self.spec.file,
            params=tuple((n, v, t) for n, (v, t) in self.params.items()),
            types=tuple(self.types.items()),
            vars=tuple(self.var_infos),
            init=init,
            actions=actions,
            invariants=invariants,
            defs=tuple((x.name, _def_signature(x)) for x in d if isinstance(x, A.Def)),
            reachables=reachables,
            constraints=constraints,
            scope=self.frozen_scope(),
            temporals=temporals,
            fairness=fairness,
        )
        return dataclasses.replace(checked, warnings=lint(checked) + temporal_warnings(checked),
                                   symmetry=check_symmetry(d, checked))

    def _temporal_decls(self, d, actions) -> tuple[tuple[T.Temporal, ...], tuple[T.Fairness, ...]]:
        """The `temporal` and `fair` declarations (pyspec.lang.temporal), errors collected."""
        temporals = tuple(t for t in (self._guard(self._temporal, x) for x in d if isinstance(x, A.Temporal)) if t)
        fairness = tuple(
            f for f in (self._guard(self._fairness, x, actions) for x in d if isinstance(x, A.Fairness)) if f
        )
        return temporals, fairness

    def _extended(self, decls: tuple[A.Decl, ...]) -> tuple[A.Decl, ...]:
        """The declarations with each `extend action` merged into its action: its `require`
        lines run right after the action's own leading `require` lines (so they may read what
        those guard), before anything else. Every engine then sees one action."""
        actions = {x.name: x for x in decls if isinstance(x, A.Action)}
        extra: dict[str, list[A.Stmt]] = {}
        for x in decls:
            if not isinstance(x, A.Extend):
                continue
            act = actions.get(x.name)
            if act is None:
                close = did_you_mean(x.name, actions)
                self.errors.append(SpecNameError(f"'extend action {x.name}': the spec has no action '{x.name}'", x.span,
                                                 hint=close or "actions: " + (", ".join(actions) or "none"),
                                                 code="PS223"))
                continue
            names = tuple(f.name for f in act.formals)
            if x.formals != names:
                self.errors.append(SpecNameError(
                    f"'extend action {x.name}({', '.join(x.formals)})' must name the action's parameters as it does: "
                    f"{x.name}({', '.join(names)})", x.span, notes=((act.span, "the action"),), code="PS223"))
                continue
            for st in x.body:
                if not isinstance(st, A.Require):
                    self.errors.append(SpecNameError(
                        "an 'extend action' block only adds guards: each line is a `require`", getattr(st, "span"),
                        hint="to change what an action does, write a new action", code="PS224"))
            extra.setdefault(x.name, []).extend(st for st in x.body if isinstance(st, A.Require))
        out: list[A.Decl] = []
        for x in decls:
            if isinstance(x, A.Extend):
                continue
            if isinstance(x, A.Action) and x.name in extra:
                lead = next((i for i, st in enumerate(x.body) if not isinstance(st, A.Require)), len(x.body))
                x = dataclasses.replace(x, body=(*x.body[:lead], *extra[x.name], *x.body[lead:]))
            out.append(x)
        return tuple(out)

    @staticmethod
    def _distinct(errors: list[PyspecError]) -> tuple[PyspecError, ...]:
        """Each error once (a def's body is checked at every use and on its own)."""
        out, seen = [], set()
        for e in errors:
            key = (e.code, e.span, e.message)
            if key not in seen:
                seen.add(key)
                out.append(e)
        return tuple(out)

    def _guard(self, fn, decl, *more):
        try:
            return fn(decl, *more)
        except SpecErrors as e:
            self.errors.extend(e.errors)
        except PyspecError as e:
            self.errors.append(e)
        return None


class _InScope(TemporalRules, ExprRules, Desugar, Resolver):
    """Checks expressions (and binding types) in a checked spec's frozen scope."""


def _def_signature(d: A.Def) -> str:
    if d.formals is None:
        return d.name
    return f"{d.name}({', '.join(f.name for f in d.formals)})"


def check_expression(
    spec: T.CheckedSpec,
    text: str,
    bindings: dict[str, str] | None = None,
    file: str = "<expr>",
) -> tuple[T.Expr, tuple[tuple[str, int, Type], ...], int]:
    """Type-check an expression given outside the spec (a tracecheck mapping), in the spec's
    scope plus `bindings` (name -> type, in spec syntax, e.g. {"node": "Proc"}).

    Returns the typed expression, the bindings' (name, local slot, type), and the number of
    local slots it needs. Raises SpecError with positions in `text` (file `file`)."""
    from pyspec.lang.parser import parse_expression, parse_type

    assert spec.scope is not None, "a CheckedSpec made by check_spec keeps its scope"
    c = _InScope({}, spec.scope)  # the spec is not checked again
    fr = Frame()
    bound = []
    for name, type_text in (bindings or {}).items():
        ty = c._type(parse_type(type_text, f"{file} (type of {name})"))
        loc = fr.bind(name, ty, NOSPAN)
        bound.append((name, loc.slot, ty))
    e = c._expr(parse_expression(text, file), fr)
    return e, tuple(bound), fr.nlocals


def check_spec(spec: A.Spec, overrides: dict[str, str] | None = None) -> T.CheckedSpec:
    """Resolve and type-check a parsed spec with params fixed by `overrides` (-D NAME=VALUE).

    Raises SpecErrors (every error found) or ParamError."""
    return _Checker(spec, overrides or {}).run()


__all__ = ["check_spec", "format_value"]
