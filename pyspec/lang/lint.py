"""Typed spec -> warnings: likely mistakes in a spec that type-checks, found after checking.

A warning never changes a verdict; `CheckedSpec.warnings` carries them and the CLI prints them
on stderr, drawn like errors. Each kind has a PS7xx code in `pyspec.errors.ERROR_CODES`:

- PS701: a local assigned and never read, one typo from a variable's name: most likely the
  variable's next value with the prime forgotten (`tmPreparred = ...` for `tmPrepared' = ...`).
- PS702: two entry updates of one map on one path, whose keys are not provably different,
  the later one computed from the old map (`chan'[p] = ...` then `chan'[q] = chan[q] | {v}`):
  where p == q the later update replaces the earlier one. TLA+'s EXCEPT would compose them;
  here the last wins, so the first update is lost.
"""

from __future__ import annotations

from typing import Iterator

from pyspec.errors import Span, SpecWarning
from pyspec.lang import typed as T
from pyspec.lang.analysis import children, conjuncts
from pyspec.lang.ops import Op


def lint(spec: T.CheckedSpec) -> tuple[SpecWarning, ...]:
    """The warnings for `spec`, in source order of the bodies (init, then each action)."""
    names = tuple(v.name for v in spec.vars)
    out: list[SpecWarning] = []
    for body in (spec.init.body, *(a.body for a in spec.actions)):
        out.extend(_dead_locals(body, names))
    for a in spec.actions:
        out.extend(_lost_entry_updates(a.body, spec))
    return tuple(out)


# ---- PS701: a forgotten prime -----------------------------------------------------------------


def _dead_locals(body: tuple[T.Stmt, ...], names: tuple[str, ...]) -> Iterator[SpecWarning]:
    lets = [s for s in _stmts(body) if isinstance(s, T.Let)]
    if not lets:
        return
    read = {e.slot for s in _stmts(body) for e in _exprs_of(s) if isinstance(e, T.Local)}
    for s in lets:
        if s.slot in read:
            continue
        close = [v for v in names if _one_edit(s.name, v)]
        if close:
            v = close[0]
            yield SpecWarning(
                f"'{s.name}' is a local that is never read; is it the variable '{v}'?",
                Span(s.span.file, s.span.line, s.span.col, s.span.line, s.span.col + len(s.name)),
                hint=f"to give the variable its next value, write {v}' = ...",
                code="PS701",
            )


def _one_edit(a: str, b: str) -> bool:
    """Are a and b different and one insertion, deletion, substitution or swap of two adjacent
    characters apart?"""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        swapped = i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
        return a[i + 1 :] == b[i + 1 :] or swapped
    return a[i:] == b[i + 1 :]


# ---- PS702: entry updates that may overwrite each other ------------------------------------


def _lost_entry_updates(body: tuple[T.Stmt, ...], spec: T.CheckedSpec) -> Iterator[SpecWarning]:
    for earlier, later in _entry_pairs(body, (), ()):
        if not any(isinstance(e, T.Var) and e.index == later.var for e in _walk(later.value)):
            continue  # computed without the old map: the last update wins, as written
        v = later.name
        yield SpecWarning(
            f"where its key equals the key at line {earlier.span.line}, this update of {v}' replaces "
            f"that one: its value reads {v}, not {v}'",
            later.span,
            hint=f"read {v}'[...] to build on the earlier update, or require that the keys differ",
            notes=((earlier.span, "the earlier update"),),
            code="PS702",
        )


def _entry_pairs(
    body: tuple[T.Stmt, ...], facts: tuple[T.Expr, ...], before: tuple[T.Assign, ...]
) -> Iterator[tuple[T.Assign, T.Assign]]:
    """(earlier, later) entry assignments of one variable on one path whose keys are not
    provably different at any level; `facts`: conditions true on the path (requires and if
    conditions)."""
    for i, s in enumerate(body):
        if isinstance(s, T.Require):
            facts = facts + tuple(conjuncts(s.cond))
        elif isinstance(s, T.Assign) and s.path:
            for a in before:
                if a.var == s.var and not any(_distinct(x, y, facts) for x, y in zip(a.path, s.path)):
                    yield a, s
            before = before + (s,)
        elif isinstance(s, T.If):
            rest = body[i + 1 :]
            yield from _entry_pairs(s.then + rest, facts + tuple(conjuncts(s.cond)), before)
            yield from _entry_pairs(s.orelse + rest, facts, before)
            return


def _distinct(a: T.Expr, b: T.Expr, facts: tuple[T.Expr, ...]) -> bool:
    if isinstance(a, T.Const) and isinstance(b, T.Const):
        return a.value != b.value
    for f in facts:
        if isinstance(f, T.Binary) and f.op == Op.NE:
            if (f.left == a and f.right == b) or (f.left == b and f.right == a):
                return True
        if isinstance(f, T.Unary) and f.op == Op.NOT and isinstance(f.operand, T.Binary) and f.operand.op == Op.EQ:
            x = f.operand
            if (x.left == a and x.right == b) or (x.left == b and x.right == a):
                return True
    return False


# ---- walking the typed AST -------------------------------------------------------------------


def _stmts(body: tuple[T.Stmt, ...]) -> Iterator[T.Stmt]:
    for s in body:
        yield s
        if isinstance(s, T.If):
            yield from _stmts(s.then)
            yield from _stmts(s.orelse)


def _exprs_of(s: T.Stmt) -> Iterator[T.Expr]:
    if isinstance(s, T.Require):
        yield from _walk(s.cond)
    elif isinstance(s, T.Let):
        yield from _walk(s.value)
    elif isinstance(s, T.Choose):
        yield from _walk(s.domain)
    elif isinstance(s, T.Assign):
        for k in s.path:
            yield from _walk(k)
        yield from _walk(s.value)
    elif isinstance(s, T.If):
        yield from _walk(s.cond)


def _walk(e: T.Expr) -> Iterator[T.Expr]:
    """e and every sub-expression (without recursion: a chain may be long)."""
    stack = [e]
    while stack:
        x = stack.pop()
        yield x
        stack.extend(children(x))
