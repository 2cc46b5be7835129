"""Why an action instance does not step from a state: an observer of the closure engine.

The instance is run by the reference engine itself, compiled with an observer that records
every path that ends at a false `require` (with the first false conjunct and the values it
reads, next-state values included as the engine holds them at that point) or at a choice
with nothing to choose from. So explain can never disagree with `successors`: when the engine
steps, there is no reason; when it does not, the reason is the one the engine met on the last
path it tried. tracecheck uses it for its divergence reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyspec.errors import Span, SpecEvalError
from pyspec.explicit.compiled import CompiledSpec
from pyspec.explicit.evaluator import LOCALS, Compiler
from pyspec.lang import typed as T
from pyspec.lang.analysis import children
from pyspec.lang.types import domain, format_value


@dataclass(frozen=True, slots=True)
class Blocked:
    """A reason the step is not possible: `kind` is "require", "empty choice" or "error"."""

    kind: str
    span: Span
    message: str
    values: tuple[tuple[str, str], ...]  # (name, formatted value) of what the clause reads


class _Explainer:
    """One observing compilation of a spec's actions, reused for every explained step."""

    def __init__(self, spec: T.CheckedSpec) -> None:
        self.last: Blocked | None = None
        compiler = Compiler(spec, observer=self._observe)
        self.runs = [compiler.block(a.body, _emit) for a in spec.actions]
        self.keys = _Keys(Compiler(spec))

    def _observe(self, s: T.Stmt, clauses: tuple, env: list) -> None:
        if isinstance(s, T.Require):
            clause = next((x for x, f in clauses if not f(env)), s.cond)
            reads = _reads(clause, env, self.keys)
            if _within(clause.span, s.span):
                self.last = Blocked("require", clause.span, "require is false", reads)
            else:  # the clause comes from a def expanded here: report it at the caller's require
                at = s.span
                words = len("require ")
                caller = Span(at.file, at.line, at.col + words, at.end_line, at.end_col) if at.end_line > at.line or \
                    at.end_col > at.col + words else at
                self.last = Blocked("require", caller, f"false in the def's body at {clause.span}", reads)
        else:
            assert isinstance(s, T.Choose)
            self.last = Blocked(
                "empty choice", s.span, f"'{s.name} in ...' has nothing to choose from", _reads(s.domain, env, self.keys)
            )


def explain_step(compiled: CompiledSpec, state: tuple, inst: int) -> Blocked | None:
    """None when the instance is enabled in `state`; else the reason the engine met on the
    last path it tried (for a nondeterministic choice: the last alternative)."""
    explainer = getattr(compiled, "_explainer", None)
    if explainer is None:
        explainer = compiled._explainer = _Explainer(compiled.spec)  # type: ignore[attr-defined]
    ai, args = compiled.instances[inst]
    action = compiled.spec.actions[ai]
    env: list[Any] = [state, None, []] + [None] * (action.nlocals + 1)
    for f, v in zip(action.formals, args):
        env[LOCALS + f.slot] = v
    explainer.last = None
    try:
        explainer.runs[ai](env)
    except SpecEvalError as e:
        assert e.span is not None, "evaluation errors are raised by ops.fail, with a span"
        return Blocked("error", e.span, e.message, ())
    if env[2]:
        return None
    assert explainer.last is not None, "a path ended without a require or an empty choice"
    return explainer.last


def _emit(env: list) -> None:
    env[2].append(True)


class _Keys:
    """Map keys evaluated in a blocked step's environment, each key expression compiled once."""

    def __init__(self, compiler: Compiler) -> None:
        self.compiler = compiler
        self.fns: dict[int, Any] = {}
        self.kept: list = []  # the nodes, so that their ids stay theirs

    def value(self, key: T.Expr, env: list) -> Any:
        fn = self.fns.get(id(key))
        if fn is None:
            fn = self.fns[id(key)] = self.compiler.expr(key)
            self.kept.append(key)
        return fn(env)


def _within(inner: Span, outer: Span) -> bool:
    """Whether `inner` starts inside `outer` (the same file, between its first and last line)."""
    return inner.file == outer.file and outer.line <= inner.line <= max(outer.end_line, outer.line)


def _reads(e: T.Expr, env: list, keys: _Keys | None = None) -> tuple[tuple[str, str], ...]:
    """The state variables and locals an expression reads, with their values (free locals
    only: a comprehension's own variables have no single value). A map variable read only at
    keys that do not depend on a comprehension's variables is shown by those entries
    (`role[3] = "f"`), not whole."""
    out: dict[str, str] = {}

    def entry(x: T.MapGet, bound: frozenset) -> bool:
        obj = x.obj
        if keys is None or not isinstance(obj, (T.Var, T.Primed)) or _mentions(x.key, bound):
            return False
        try:
            k = keys.value(x.key, env)
        except SpecEvalError:
            return False
        if isinstance(obj, T.Var):
            state, name = env[0], obj.name
        else:
            state, name = (env[1] if env[1] is not None else env[0]), obj.name + "'"
        m = state[obj.index]
        mt = obj.ty
        try:
            i = list(domain(mt.key)).index(k)  # type: ignore[attr-defined]
            shown = format_value(mt.value, m[i])  # type: ignore[attr-defined]
        except (ValueError, IndexError, TypeError, AttributeError):
            return False
        out.setdefault(f"{name}[{format_value(x.key.ty, k)}]", shown)
        return True

    def visit(x: Any, bound: frozenset) -> None:
        if isinstance(x, T.MapGet) and entry(x, bound):
            visit(x.key, bound)
            return
        if isinstance(x, T.Var):
            out.setdefault(x.name, format_value(x.ty, env[0][x.index]))
        elif isinstance(x, T.Primed):
            nxt = env[1] if env[1] is not None else env[0]
            out.setdefault(x.name + "'", format_value(x.ty, nxt[x.index]))
        elif isinstance(x, T.Local):
            if x.slot not in bound and env[LOCALS + x.slot] is not None:
                out.setdefault(x.name, format_value(x.ty, env[LOCALS + x.slot]))
        if isinstance(x, T.Comp):
            bound = bound | frozenset(g.slot for g in x.gens)
        for c in children(x):
            visit(c, bound)

    visit(e, frozenset())
    return tuple(out.items())


def _mentions(e: T.Expr, slots: frozenset) -> bool:
    """Whether `e` reads one of the local `slots` (a comprehension's own variables)."""
    if isinstance(e, T.Local) and e.slot in slots:
        return True
    return any(_mentions(c, slots) for c in children(e))
