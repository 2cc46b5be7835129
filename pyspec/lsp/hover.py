"""What hovering over a place shows (Markdown): a name's declaration and type, a param's value
and default, a def's signature, an action's doc, a builtin's signature and doc, and the meaning
of an operator from the operator table."""

from __future__ import annotations

from pyspec.lang import ast as A
from pyspec.lang.types import format_value
from pyspec.lsp import lookup
from pyspec.lsp.docs import builtin_doc, operator_doc
from pyspec.lsp.model import (ACTION, DEF, LOCAL, PARAM, PROC, TYPE, VAR, VARIANT, Decl, Model)


def hover(model: Model, file: str, line: int, col: int) -> str | None:
    """Markdown for the place, or None when there is nothing to say."""
    found = lookup.at(model, file, line, col)
    if found is not None and found[1] is not None:
        return _decl(model, found[1])
    target = lookup.included_at(model, file, line)
    if target is not None:
        return f"includes `{target}`"
    word = lookup.word_at(model.text, line, col) if lookup._same(file, model.path) else None
    if word is None:
        return None
    name = word[0]
    return builtin_doc(name) or operator_doc(name)


def _code(text: str) -> str:
    return f"```pyspec\n{text}\n```"


def _decl(model: Model, d: Decl) -> str:
    parts = [_code(d.text)]
    spec = model.checked
    scope = spec.scope if spec is not None else None
    if d.kind == PARAM:
        node = d.node
        default = _source(model, node.default.span) if isinstance(node, A.Param) and node.default else None
        for name, value, ty in spec.params if spec is not None else ():
            if name == d.name:
                parts.append(f"param `{name}`: `{ty.show()}`, value `{format_value(ty, value)}`"
                             + (f" (default `{default}`)" if default is not None else " (no default)"))
                break
        else:
            if default is not None:
                parts.append(f"default `{default}`")
    elif d.kind == VAR and scope is not None:
        for name, (_, ty) in scope.vars:
            if name == d.name:
                parts.append(f"variable `{name}`: `{ty.show()}`")
    elif d.kind == TYPE and scope is not None:
        for name, ty in scope.types:
            if name == d.name:
                parts.append(f"type `{name}` = `{ty.show()}`")
    elif d.kind == VARIANT and scope is not None:
        for tag, (union, fields) in scope.variants:
            if tag == d.name:
                shown = ", ".join(f"{n}: {t.show()}" for n, t in fields)
                parts.append(f"variant `{tag}({shown})` of `{union.show()}`")
    elif d.kind == DEF and spec is not None:
        for name, sig in spec.defs:
            if name == d.name and sig != name:
                parts.append(f"def `{sig}`")
    elif d.kind in (ACTION, PROC):
        if spec is not None and d.kind == ACTION:
            a = spec.action(d.name)
            if a is not None:
                parts.append(f"action `{d.name}(" + ", ".join(f"{f.name}: {f.ty.show()}" for f in a.formals) + ")`")
        doc = getattr(d.node, "doc", None)
        if doc:
            parts.append(doc.strip())
    elif d.kind == LOCAL:
        node = d.node
        if isinstance(node, A.Formal):
            written = _source(model, node.type.span) if node.type is not None else None
            parts.append(f"parameter `{d.name}`" + (f": `{written}`" if written else ""))
        else:
            parts.append(f"`{d.name}`: bound by a comprehension")
    parts.append(f"{d.kind} `{d.name}`, {d.span.file}:{d.span.line}")
    return "\n\n".join(parts)


def _source(model: Model, span) -> str | None:
    text = model.sources.get(span.file)
    if text is None:
        return None
    lines = text.split("\n")
    if span.line != span.end_line or not 0 < span.line <= len(lines):
        return None
    return lines[span.line - 1][span.col - 1:span.end_col - 1]


__all__ = ["hover"]
