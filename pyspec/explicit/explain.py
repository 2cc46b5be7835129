"""Why an action instance does not step from a state: the slow, explaining path.

Walks the action's statements one at a time (choices tried in order) and reports the first
`require` that is false, with the values of the variables and locals it reads, or the choice
that has nothing to choose from. tracecheck uses it for its divergence reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyspec.errors import Span, SpecEvalError
from pyspec.explicit.compiled import CompiledSpec
from pyspec.explicit.evaluator import LOCALS
from pyspec.lang import typed as T
from pyspec.lang.types import format_value


@dataclass(frozen=True, slots=True)
class Blocked:
    """A reason the step is not possible: `kind` is "require", "empty choice" or "error"."""

    kind: str
    span: Span
    message: str
    values: tuple[tuple[str, str], ...]  # (name, formatted value) of what the clause reads


def explain_step(compiled: CompiledSpec, state: tuple, inst: int) -> Blocked | None:
    """None when the instance is enabled in `state`; else the first reason it is not (for a
    nondeterministic choice: the reason of the last alternative tried)."""
    ai, args = compiled.instances[inst]
    action = compiled.spec.actions[ai]
    env: list[Any] = [state, list(state), []] + [None] * (action.nlocals + 64)
    for f, v in zip(action.formals, args):
        env[LOCALS + f.slot] = v
    names = {f.slot: f.name for f in action.formals}
    return _walk(compiled, action.body, env, names)


def _walk(compiled: CompiledSpec, stmts: tuple[T.Stmt, ...], env: list, names: dict[int, str]) -> Blocked | None:
    c = compiled._compiler
    for i, s in enumerate(stmts):
        try:
            if isinstance(s, T.Require):
                if not c.expr(s.cond)(env):
                    clause = next((x for x in _conjuncts(s.cond) if not c.expr(x)(env)), s.cond)
                    return Blocked("require", clause.span, "require is false", _reads(compiled, clause, env))
            elif isinstance(s, T.Let):
                env[LOCALS + s.slot] = c.expr(s.value)(env)
                names[s.slot] = s.name
            elif isinstance(s, T.Assign):
                v = c.expr(s.value)(env)
                if not s.path:
                    env[1][s.var] = v
            elif isinstance(s, T.If):
                branch = s.then if c.expr(s.cond)(env) else s.orelse
                why = _walk(compiled, branch + stmts[i + 1 :], env, names)
                return why
            elif isinstance(s, T.Choose):
                values = sorted(c.expr(s.domain)(env), key=repr)
                if not values:
                    return Blocked("empty choice", s.span, f"'{s.name} in ...' has nothing to choose from",
                                   _reads(compiled, s.domain, env))
                last = None
                for v in values:
                    saved = list(env)
                    if s.var is None:
                        env[LOCALS + s.slot] = v
                        names[s.slot] = s.name
                    else:
                        env[1][s.var] = v
                    last = _walk(compiled, stmts[i + 1 :], env, names)
                    if last is None:
                        return None
                    env[:] = saved
                return last
        except SpecEvalError as e:
            return Blocked("error", e.span or s.span, e.message, ())
    return None


def _conjuncts(e: T.Expr) -> list[T.Expr]:
    if isinstance(e, T.Binary) and e.op == "and":
        return _conjuncts(e.left) + _conjuncts(e.right)
    return [e]


def _reads(compiled: CompiledSpec, e: T.Expr, env: list) -> tuple[tuple[str, str], ...]:
    """The state variables and locals an expression reads, with their values (free locals
    only: a comprehension's own variables have no single value)."""
    out: dict[str, str] = {}
    bound: set[int] = set()

    def visit(x: Any) -> None:
        if isinstance(x, T.Var):
            out.setdefault(x.name, format_value(x.ty, env[0][x.index]))
        elif isinstance(x, T.Primed):
            out.setdefault(x.name + "'", format_value(x.ty, env[1][x.index]))
        elif isinstance(x, T.Local):
            if x.slot not in bound and env[LOCALS + x.slot] is not None:
                out.setdefault(x.name, format_value(x.ty, env[LOCALS + x.slot]))
        elif isinstance(x, T.Comp):
            bound.update(g.slot for g in x.gens)
        if isinstance(x, (T.Expr, T.Gen)):
            for name in getattr(x, "__slots__", ()):
                child = getattr(x, name)
                if isinstance(child, tuple):
                    for y in child:
                        visit(y)
                elif isinstance(child, (T.Expr, T.Gen)):
                    visit(child)

    visit(e)
    return tuple(out.items())
