"""Questions about a place in a document, answered from its `Model`: which name is there, where
it is declared, where it is used, and the document's outline.

Places are (file, line, column), 1-based as spans are; the server converts from the protocol's
0-based positions."""

from __future__ import annotations

import os

from pyspec.errors import Span
from pyspec.lsp.model import LOCAL, VARIANT, Decl, Model, Use


def _same(a: str, b: str) -> bool:
    return a == b or os.path.realpath(a) == os.path.realpath(b)


def _inside(span: Span, file: str, line: int, col: int) -> bool:
    return _same(span.file, file) and span.line == line and span.col <= col <= span.end_col


def at(model: Model, file: str, line: int, col: int) -> tuple[str, Decl | None] | None:
    """The name at a place (a use or a declaration) and what it means, or None."""
    for d in model.decls:
        if _inside(d.span, file, line, col):
            return d.name, d
    for u in model.uses:
        if _inside(u.span, file, line, col):
            return u.name, u.decl
    return None


def definition(model: Model, file: str, line: int, col: int) -> Span | None:
    """Where the name at a place is declared (in this file or an included one); on an
    `include` line, the start of the file it includes."""
    found = at(model, file, line, col)
    if found and found[1] is not None:
        return found[1].span
    target = included_at(model, file, line)
    return Span(target, 1, 1, 1, 1) if target else None


def included_at(model: Model, file: str, line: int) -> str | None:
    """The file that the `include` on `line` of the document names, if there is one there."""
    if not _same(file, model.path):
        return None
    for d, target in model.includes:
        if d.span.line == line and target:
            return target
    return None


def references(model: Model, file: str, line: int, col: int, include_declaration: bool = True) -> list[Span]:
    """Every use of the declaration that the name at a place means, across includes, in
    source order (the declaration first when asked for)."""
    found = at(model, file, line, col)
    if not found or found[1] is None:
        return []
    decl = found[1]
    spans = [u.span for u in model.uses if u.decl is not None and u.decl.span == decl.span and u.span != decl.span]
    if include_declaration:
        spans.insert(0, decl.span)
    return spans


def symbols(model: Model) -> list[Decl]:
    """The outline of the document itself: its own declarations in order (not included ones,
    nor locals); a union's variants follow their type."""
    return [d for d in model.decls if _same(d.span.file, model.path) and d.kind != LOCAL]


def enclosing(model: Model, line: int) -> Decl | None:
    """The top-level declaration of the document that `line` is in (its last one that starts
    at or before it)."""
    best = None
    for d in symbols(model):
        if d.kind != VARIANT and d.span.line <= line:
            best = d
    return best


def locals_at(model: Model, line: int) -> dict[str, Decl]:
    """The formals and comprehension variables declared in the declaration at `line`."""
    here = enclosing(model, line)
    if here is None:
        return {}
    own = [d for d in symbols(model) if d.kind != VARIANT]
    after = [d.span.line for d in own if d.span.line > here.span.line]
    end = min(after) if after else 1 << 30
    out: dict[str, Decl] = {}
    for u in model.uses:
        d = u.decl
        if d is not None and d.kind == LOCAL and _same(d.span.file, model.path) and here.span.line <= d.span.line < end:
            out.setdefault(d.name, d)
    return out


def word_at(text: str, line: int, col: int) -> tuple[str, int] | None:
    """The identifier or operator under a place of `text` (1-based; a place past the end of its
    line is at the end), with its first column."""
    lines = text.split("\n")
    if not 0 < line <= len(lines):
        return None
    s = lines[line - 1]
    i = max(0, min(col - 1, len(s)))
    for chars in (_word_char, _operator_char):
        j = i if i < len(s) and chars(s[i]) else i - 1 if i > 0 and chars(s[i - 1]) else None
        if j is None:
            continue
        a, b = j, j + 1
        while a > 0 and chars(s[a - 1]):
            a -= 1
        while b < len(s) and chars(s[b]):
            b += 1
        return s[a:b], a + 1
    return None


def _word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def _operator_char(c: str) -> bool:
    return c in "+-*/%<>=!|&"


__all__ = ["Use", "at", "definition", "enclosing", "included_at", "locals_at", "references", "symbols", "word_at"]
