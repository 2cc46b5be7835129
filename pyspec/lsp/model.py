"""A document as the language server sees it: its errors, its declarations and every use of a
name, across the files it includes.

`analyse(text, path)` is a pure function of the text (and of the included files on disk): it
parses, splices the includes and type-checks as `pyspec check` does (`pyspec.lang.load`), and
keeps what the editor asks about. The parser stops at its first syntax error, so a document
with a syntax error has that one error; name and type errors come all at once. An error in an
included file is placed on the `include` line that brings that file in.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any, Iterator

from pyspec.errors import PyspecError, Span, SpecErrors
from pyspec.lang import ast as A
from pyspec.lang.check import check_spec
from pyspec.lang.load import find_include, read_source, search_path, splice_includes
from pyspec.lang.parser import parse
from pyspec.lang.typed import CheckedSpec

# declaration kinds, as the outline shows them
PARAM, TYPE, VAR, DEF, ACTION, PROC, INVARIANT, REACHABLE, CONSTRAINT, TEMPORAL, VARIANT, LOCAL = (
    "param", "type", "var", "def", "action", "proc", "invariant", "reachable", "constraint", "temporal", "variant",
    "local")

_DECLS: dict[type, str] = {
    A.Param: PARAM, A.TypeDef: TYPE, A.VarDecl: VAR, A.Def: DEF, A.Action: ACTION, A.Proc: PROC,
    A.Invariant: INVARIANT, A.Reachable: REACHABLE, A.Constraint: CONSTRAINT, A.Temporal: TEMPORAL,
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One diagnostic: an error (or a lint warning) placed in this document. `origin` is the
    place the error names when it is in an included file (then `span` is the include line)."""

    error: PyspecError
    span: Span
    warning: bool = False
    origin: Span | None = None


@dataclass(frozen=True, slots=True)
class Decl:
    """A declared name: its kind, where its name is written, the declaration node (None for a
    union variant's tag), and the source of its declaration's first line (for hover)."""

    name: str
    kind: str
    span: Span
    node: Any
    text: str


@dataclass(frozen=True, slots=True)
class Use:
    """One occurrence of a name: where it is written, and the declaration it means (None: a
    builtin or a name the document does not declare)."""

    name: str
    span: Span
    decl: Decl | None


@dataclass(frozen=True, slots=True)
class Model:
    """What one analysis of a document found. `decls` and `uses` are empty when the document
    does not parse; `checked` is None unless it type-checks."""

    path: str
    text: str
    problems: tuple[Problem, ...]
    decls: tuple[Decl, ...] = ()
    uses: tuple[Use, ...] = ()
    checked: CheckedSpec | None = None
    includes: tuple[tuple[A.Include, str | None], ...] = ()  # each own include and the file it names
    sources: dict[str, str] = field(default_factory=dict, compare=False)  # file -> text, for hover


def analyse(text: str, path: str, include_path: tuple[str, ...] = ()) -> Model:
    """The model of `text`, the content of the document at `path` (which need not be saved)."""
    try:
        own = parse(text, path)
    except PyspecError as e:
        return Model(path, text, _placed(e, path, ()))
    includes = tuple((d, _target(d, path, include_path)) for d in own.decls if isinstance(d, A.Include))
    closure = _closures(includes, include_path)
    try:
        spliced = splice_includes(own, path, include_path)
    except PyspecError as e:
        return Model(path, text, _placed(e, path, closure), *_index(own, path, text), includes=includes)
    sources = {path: text}
    decls, uses = _index(spliced, path, text, sources)
    try:
        checked = check_spec(spliced)
    except PyspecError as e:
        return Model(path, text, _placed(e, path, closure), decls, uses, None, includes, sources)
    warnings = tuple(Problem(w, *_where(w.span, path, closure)[:1], warning=True, origin=_where(w.span, path, closure)[1])
                     for w in checked.warnings if w.span is not None)
    return Model(path, text, warnings, decls, uses, checked, includes, sources)


# ---- errors ---------------------------------------------------------------------------------------


def _target(d: A.Include, path: str, include_path: tuple[str, ...]) -> str | None:
    try:
        return find_include(d, path, include_path)
    except PyspecError:
        return None


def _closures(includes: tuple[tuple[A.Include, str | None], ...],
              include_path: tuple[str, ...]) -> tuple[tuple[Span, frozenset[str]], ...]:
    """For each own include: its line, and every file it brings in (itself and, transitively,
    the files those include), by real path. Files that do not read or parse end the walk."""
    out = []
    for d, target in includes:
        seen: set[str] = set()
        todo = [target] if target else []
        while todo and len(seen) < 1000:
            f = todo.pop()
            real = os.path.realpath(f)
            if real in seen:
                continue
            seen.add(real)
            try:
                sub = parse(read_source(f), f)
            except PyspecError:
                continue
            for x in sub.decls:
                if isinstance(x, A.Include):
                    t = _target(x, f, include_path)
                    if t:
                        todo.append(t)
        out.append((d.span, frozenset(seen)))
    return tuple(out)


def _where(span: Span, path: str, closure) -> tuple[Span, Span | None]:
    """Where an error at `span` shows in the document at `path`: there, or on the include line
    that brings its file in (then the original place too)."""
    if span.file == path or os.path.realpath(span.file) == os.path.realpath(path):
        return span, None
    real = os.path.realpath(span.file)
    for inc, files in closure:
        if real in files:
            return inc, span
    return (closure[0][0] if closure else Span(path, 1, 1, 1, 1)), span


def _placed(e: PyspecError, path: str, closure) -> tuple[Problem, ...]:
    errors = e.errors if isinstance(e, SpecErrors) else (e,)
    out = []
    for err in errors:
        span = err.span or Span(path, 1, 1, 1, 1)
        at, origin = _where(span, path, closure)
        out.append(Problem(err, at, origin=origin))
    return tuple(out)


# ---- declarations and uses ------------------------------------------------------------------------


def _line(sources: dict[str, str], file: str, line: int) -> str:
    if file not in sources:
        try:
            sources[file] = read_source(file)
        except PyspecError:
            sources[file] = ""
    lines = sources[file].split("\n")
    return lines[line - 1] if 0 < line <= len(lines) else ""


def _name_span(span: Span, name: str, sources: dict[str, str]) -> Span:
    """The span of `name` as written at or after `span`'s start on its line."""
    text = _line(sources, span.file, span.line)
    col = text.find(name, span.col - 1)
    col = span.col - 1 if col < 0 else col
    return Span(span.file, span.line, col + 1, span.line, col + 1 + len(name))


def _index(spec: A.Spec, path: str, text: str,
           sources: dict[str, str] | None = None) -> tuple[tuple[Decl, ...], tuple[Use, ...]]:
    """Every declaration of `spec` (own and included) and every use of a name in it."""
    sources = {path: text} if sources is None else sources
    decls: list[Decl] = []
    for d in spec.decls:
        kind = _DECLS.get(type(d))
        if kind is None:
            continue
        name: str = getattr(d, "name")  # every kind in _DECLS has one
        at = _name_span(d.span, name, sources)
        decls.append(Decl(name, kind, at, d, _line(sources, at.file, at.line).strip()))
        for v in _variants(d):
            vat = _name_span(v.span, v.name, sources)
            decls.append(Decl(v.name, VARIANT, vat, v, _line(sources, vat.file, vat.line).strip()))
    by_name: dict[str, Decl] = {}
    for x in decls:
        by_name.setdefault(x.name, x)
    uses: list[Use] = []
    for d in spec.decls:
        _Walk(by_name, uses, sources).node(d, {})
    return tuple(decls), tuple(uses)


def _variants(d: Any) -> Iterator[A.Variant]:
    t = getattr(d, "type", None)
    if isinstance(d, (A.TypeDef, A.VarDecl, A.Param)) and isinstance(t, A.UnionType):
        yield from t.variants


class _Walk:
    """The names a declaration uses, each resolved to a local (formal or comprehension
    variable) in scope or else to a declaration of the spec."""

    def __init__(self, decls: dict[str, Decl], out: list[Use], sources: dict[str, str]) -> None:
        self.decls = decls
        self.out = out
        self.sources = sources

    def use(self, name: str, span: Span, local: dict[str, Decl]) -> None:
        at = Span(span.file, span.line, span.col, span.line, span.col + len(name))
        self.out.append(Use(name, at, local.get(name) or self.decls.get(name)))

    def local(self, name: str, span: Span, node: Any) -> Decl:
        at = _name_span(span, name, self.sources)
        return Decl(name, LOCAL, at, node, _line(self.sources, at.file, at.line).strip())

    def node(self, n: Any, local: dict[str, Decl]) -> None:
        if isinstance(n, tuple):
            for x in n:
                self.node(x, local)
            return
        if not dataclasses.is_dataclass(n) or isinstance(n, type):
            return
        if isinstance(n, (A.Action, A.Proc, A.Def)) and n.formals:
            local = dict(local)
            for f in n.formals:
                decl = self.local(f.name, f.span, f)
                local[f.name] = decl
                self.out.append(Use(f.name, decl.span, decl))
        elif isinstance(n, (A.SetComp, A.MapComp, A.GenExp)):
            local = dict(local)
            for g in n.gens:  # each generator's domain is in the scope of the ones before it
                self.node(g.iter, local)
                for name in (g.var, *g.unpack):
                    local[name] = self.local(name, g.span, g)
                self.node(g.conds, local)
            for part in ("key", "value", "elem"):
                self.node(getattr(n, part, None), local)
            return
        if isinstance(n, (A.Name, A.Primed, A.NamedType)):
            self.use(n.name, n.span, local)
        elif isinstance(n, A.Target):
            self.use(n.name, n.span, local)
        elif isinstance(n, A.Call):
            self.use(n.func, n.func_span, local)
        for child in dataclasses.fields(n):
            if child.name in ("span", "func_span", "texts"):
                continue
            self.node(getattr(n, child.name), local)


__all__ = ["ACTION", "Decl", "Model", "Problem", "Use", "analyse"]
