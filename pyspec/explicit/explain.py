"""Why an action instance does not step from a state: an observer of the closure engine.

The instance is run by the reference engine itself, compiled with an observer that records
every path that ends at a false `require` (with the first false conjunct and the values it
reads, next-state values included as the engine holds them at that point) or at a choice
with nothing to choose from. So explain can never disagree with `successors`: when the engine
steps, there is no reason; when it does not, the reason is the one the engine met on the last
path it tried. tracecheck uses it for its divergence reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pyspec.errors import Span, SpecEvalError
from pyspec.explicit.compiled import CompiledSpec
from pyspec.explicit.evaluator import LOCALS, Compiler
from pyspec.lang import typed as T
from pyspec.lang.analysis import children, conjuncts
from pyspec.lang.types import SetT, domain, format_value

_DEF = re.compile(r"^\s*def\s+([A-Za-z_][A-Za-z0-9_]*)\s*(\(?)")


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


# ---- what a trace's steps chose, and what a false invariant reads ----------------------------


class _Found(Exception):
    """Ends a replay at the first path that reaches the wanted state."""


def _choices(stmts: tuple[T.Stmt, ...]) -> list[T.Choose]:
    """The choices into locals (`m in S`) of a body, branches included, in source order."""
    out: list[T.Choose] = []
    for s in stmts:
        if isinstance(s, T.Choose) and s.slot is not None:
            out.append(s)
        elif isinstance(s, T.If):
            out.extend(_choices(s.then))
            out.extend(_choices(s.orelse))
    return out


Pick = tuple[str, Any, Any]  # (name, value, type) of one choice, as a trace step's arguments


class TraceExplainer:
    """Replays the steps of a trace through the reference engine (the closures `successors`
    runs) to report what the trace does not carry: which value each choice (`m in {...}`) of
    a step took on the engine's path to the next state, and what a false invariant reads.
    Read by the HTML pages; nothing here guesses: a step no path reproduces has no picks."""

    def __init__(self, spec: T.CheckedSpec) -> None:
        self.spec = spec
        self.compiler = Compiler(spec)
        self.runs: dict[int, Any] = {}
        self.keys = _Keys(Compiler(spec))

    def _run(self, ai: int) -> Any:
        run = self.runs.get(ai)
        if run is None:
            action = self.spec.actions[ai]
            picks = [(c.name, LOCALS + c.slot, c.domain.ty.elem) for c in _choices(action.body)  # type: ignore[attr-defined, operator]
                     if isinstance(c.domain.ty, SetT)]

            def reached(env: list) -> None:
                nxt = tuple(env[1]) if env[1] is not None else env[0]
                if nxt == env[2][0]:
                    env[2].append(tuple((n, env[slot], t) for n, slot, t in picks if env[slot] is not None))
                    raise _Found

            run = self.runs[ai] = self.compiler.block(action.body, reached)
        return run

    def picks(self, before: tuple, action: str, args: tuple, after: tuple) -> tuple[Pick, ...]:
        """The choices of `action(args)` on the engine's first path from `before` to `after`
        (in the order the engine tries them); () when it has none or no path reaches `after`."""
        ai = next((i for i, a in enumerate(self.spec.actions) if a.name == action), None)
        if ai is None:
            return ()
        a = self.spec.actions[ai]
        env: list[Any] = [before, None, [after]] + [None] * (a.nlocals + 1)
        for f, (_, v, _t) in zip(a.formals, args):
            env[LOCALS + f.slot] = v
        try:
            self._run(ai)(env)
        except _Found:
            return env[2][1]  # type: ignore[no-any-return]
        except SpecEvalError:
            return ()
        return ()

    def trace_picks(self, trace: Any) -> tuple[tuple[Pick, ...], ...]:
        """`picks` of every step of a `Trace` (the initial state: none)."""
        out: list[tuple[Pick, ...]] = [()]
        for prev, step in zip(trace.steps, trace.steps[1:]):
            out.append(self.picks(prev.state, step.action, step.args, step.state) if step.action else ())
        return tuple(out)

    def false_conjunct(self, name: str, state: tuple, read: Any = None) -> tuple[Span, tuple[tuple[str, str], ...]] | None:
        """The first conjunct of invariant `name` that is false in `state`, with the value of
        each name and sub-expression it reads (a def used in it by the def's name, when
        `read(path) -> str | None` gives the source); None when the invariant holds."""
        inv = self.spec.invariant(name)
        if inv is None:
            return None
        env: list[Any] = [state, None, []] + [None] * (inv.nlocals + 1)
        try:
            clause = next((c for c in conjuncts(inv.expr) if not self.compiler.expr(c)(env)), None)
        except SpecEvalError:
            return None
        if clause is None:
            return None
        shown = dict(_subexpressions(clause, env, self.compiler, read))
        for k, v in _reads(clause, env, self.keys):
            shown.setdefault(k, v)
        return clause.span, tuple(shown.items())


_MAX_SUBEXPRESSIONS = 12


def _subexpressions(clause: T.Expr, env: list, compiler: Compiler, read: Any) -> list[tuple[str, str]]:
    """(source text, value) of the sub-expressions of `clause` that have one value in `env`
    (none inside a comprehension, no constant, no plain variable: `_reads` shows those), in
    source order. An inlined def is named by its name (`Chosen`), found in its source."""
    out: list[tuple[str, str]] = []
    lines_of: dict[str, list[str] | None] = {}

    def lines(file: str) -> list[str] | None:
        if file not in lines_of:
            text = read(file) if read is not None else None
            lines_of[file] = text.split("\n") if text is not None else None
        return lines_of[file]

    def text_of(span: Span) -> str | None:
        ls = lines(span.file)
        if ls is None or not (1 <= span.line <= span.end_line <= len(ls)):
            return None
        if span.line == span.end_line:
            return ls[span.line - 1][span.col - 1 : span.end_col - 1]
        parts = [ls[span.line - 1][span.col - 1 :], *ls[span.line : span.end_line - 1], ls[span.end_line - 1][: span.end_col - 1]]
        return " ".join(p.strip() for p in parts)

    def def_name(span: Span) -> str | None:
        ls = lines(span.file)
        if ls is None or not (1 <= span.line <= len(ls)):
            return None
        for n in range(span.line - 1, max(-1, span.line - 8), -1):
            m = _DEF.match(ls[n])
            if m:
                return m.group(1) + ("(...)" if m.group(2) == "(" else "")
        return None

    def visit(x: T.Expr, inside: bool) -> None:
        if len(out) >= _MAX_SUBEXPRESSIONS or isinstance(x, (T.Const, T.Var, T.Primed, T.Local)):
            return
        within = _within(x.span, clause.span) and (x.span.line, x.span.col) >= (clause.span.line, clause.span.col)
        label = text_of(x.span) if within else def_name(x.span)
        if x is not clause and label:
            try:
                value = format_value(x.ty, compiler.expr(x)(env))
            except (SpecEvalError, TypeError, IndexError, KeyError):
                value = None
            if value is not None and all(label != k for k, _ in out):
                out.append((label, value))
        if within and not isinstance(x, T.Comp):  # a def's body is shown by its name only; a
            # comprehension's parts have no single value
            for c in children(x):
                if isinstance(c, T.Expr):
                    visit(c, inside)

    visit(clause, False)
    return out
