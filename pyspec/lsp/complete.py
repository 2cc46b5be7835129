"""What completion offers at a place: after `x.` the fields of the spec's records and union
variants; elsewhere the names in scope (the spec's declarations, included ones too, and the
formals and comprehension variables of the declaration being written), union tags, builtins
and the keywords of the grammar."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from pyspec.lang import ast as A
from pyspec.lsp import lookup
from pyspec.lsp.docs import BUILTIN_DOCS, builtin_names
from pyspec.lsp.model import LOCAL, Model

GRAMMAR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lang", "grammar.lark")

FIELD, NAME, BUILTIN, KEYWORD = "field", "name", "builtin", "keyword"


@dataclass(frozen=True, slots=True)
class Item:
    label: str
    kind: str  # FIELD, NAME (detail: the declaration's kind), BUILTIN or KEYWORD
    detail: str


def keywords(grammar: str = GRAMMAR) -> tuple[str, ...]:
    """The grammar's keywords: its quoted literals that are words."""
    with open(grammar, encoding="utf-8") as f:
        text = f.read()
    return tuple(sorted({w for w in re.findall(r'"([A-Za-z_][A-Za-z0-9_]*)"', text)}))


def complete(model: Model, line: int, col: int, kws: tuple[str, ...]) -> list[Item]:
    """The completions at a place of the document (1-based), in a stable order."""
    lines = model.text.split("\n")
    before = lines[line - 1][: col - 1] if 0 < line <= len(lines) else ""
    dotted = re.search(r"([A-Za-z_][A-Za-z0-9_]*)?'?([\])])?\s*\.\s*[A-Za-z0-9_]*$", before)
    if dotted and (dotted.group(1) or dotted.group(2)):
        own = _fields_of_var(model, dotted.group(1)) if dotted.group(1) and not dotted.group(2) else None
        return own if own is not None else _fields(model)
    out: dict[str, Item] = {}
    for name, d in sorted(lookup.locals_at(model, line).items()):
        out.setdefault(name, Item(name, NAME, LOCAL))
    for d in model.decls:
        if d.kind != LOCAL:
            out.setdefault(d.name, Item(d.name, NAME, d.kind))
    for b in builtin_names():
        out.setdefault(b, Item(b, BUILTIN, BUILTIN_DOCS[b][0] if b in BUILTIN_DOCS else "builtin"))
    for k in kws:
        out.setdefault(k, Item(k, KEYWORD, "keyword"))
    return list(out.values())


def _fields_of_var(model: Model, name: str) -> list[Item] | None:
    """The fields of the variable or param `name` when its checked type is a record, else None
    (then every field the spec declares is offered)."""
    from pyspec.lang.types import RecordT

    scope = model.checked.scope if model.checked is not None else None
    types = {n: t for n, (_, t) in scope.vars} | {n: t for n, (_, t) in scope.params} if scope else {}
    t = types.get(name)
    if not isinstance(t, RecordT):
        return None
    return [Item(f, FIELD, ty.show()) for f, ty in t.fields]


def _fields(model: Model) -> list[Item]:
    out: dict[str, Item] = {}
    for d in model.decls:
        t = getattr(d.node, "type", None)
        for rec in _records(t):
            for f in rec:
                out.setdefault(f.name, Item(f.name, FIELD, f"field of {d.name}"))
        if isinstance(d.node, A.Variant):
            for f in d.node.fields:
                out.setdefault(f.name, Item(f.name, FIELD, f"field of {d.name}"))
    return sorted(out.values(), key=lambda i: i.label)


def _records(t) -> list[tuple[A.Field, ...]]:
    """The field lists of every record type written inside the type expression `t`."""
    if isinstance(t, A.RecordType):
        return [t.fields] + [r for f in t.fields for r in _records(f.type)]
    out = []
    for name in ("elem", "key", "value"):
        sub = getattr(t, name, None)
        if isinstance(sub, A.TypeExpr):
            out.extend(_records(sub))
    for sub in getattr(t, "elems", ()) or ():
        out.extend(_records(sub))
    return out


__all__ = ["BUILTIN", "FIELD", "Item", "KEYWORD", "NAME", "complete", "keywords"]
