"""File -> checked spec: read the source, resolve `include`s, parse, type-check.

The one place that reads spec files; everything downstream gets a `CheckedSpec`.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import replace
from typing import Sequence

from pyspec.errors import Span, SpecNameError, UsageError
from pyspec.lang import ast as A
from pyspec.lang.check import check_spec
from pyspec.lang.parser import parse
from pyspec.lang.scope import did_you_mean
from pyspec.lang.typed import CheckedSpec


MAX_SOURCE = 16 << 20
"""The largest spec file read, in bytes (16 MiB): a spec is source code, and `include
"/dev/zero"` must stop at a bound rather than fill memory."""

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
)


def read_source(path: str, span: Span | None = None) -> str:
    """The text of the spec file at `path` (`span`: the `include` that names it, where errors
    point). A missing or unreadable file, one that is not a regular file, one over MAX_SOURCE
    bytes and one that is not spec source are user errors (PS001, PS002, PS003), not crashes;
    none of them quotes the file's content, which may not be ours to show."""
    try:
        mode = os.stat(path).st_mode  # before open(): opening a named pipe would wait for a writer
        kind = next((what for test, what in _KINDS if test(mode)), None if stat.S_ISREG(mode) else "not a regular file")
        if kind is not None:
            raise UsageError(f"{path} is {kind}, not a spec file; only regular files are read", span, code="PS002")
        with open(path, "rb") as f:
            data = f.read(MAX_SOURCE + 1)
    except FileNotFoundError:
        raise UsageError(f"no such spec file: {path}", span, code="PS001") from None
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror or e}", span, code="PS001") from None
    if len(data) > MAX_SOURCE:
        raise UsageError(f"{path} is larger than {MAX_SOURCE >> 20} MiB, the limit for a spec file", span, code="PS002")
    if b"\0" in data:
        raise UsageError(f"{path} is binary data (it contains NUL bytes), not a spec file", span, code="PS003")
    try:
        text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")  # as open()'s text mode reads
    except UnicodeDecodeError as e:
        raise UsageError(f"cannot read {path}: {e}", span, code="PS001") from None
    _require_header(text, path, span)
    return text


def _require_header(text: str, path: str, span: Span | None) -> None:
    """A spec's first line (after blank and comment lines) is `spec NAME`; a file whose first
    line is something else is not a spec, and the parser's error would quote that line."""
    lines = text.splitlines()
    first = next((ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")), None)
    if first is None or re.match(r"spec\b", first):
        return  # an empty spec is the parser's error (PS103); a bad header too (PS100)
    kind = "a script (#!...)" if text.startswith("#!") else f"text of {len(lines):,} line{'s' * (len(lines) != 1)}"
    raise UsageError(f"{path} is not a spec file: it is {kind} that does not begin with `spec NAME`", span,
                     hint="a spec file begins with `spec NAME`; add that line if this is one", code="PS003")


LIBRARY = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "library")
"""The spec library that ships inside the package (`pyspec/library/`, the files of `specs/`):
the last folder an `include` looks in."""

PATH_VARIABLE = "PYSPEC_PATH"


def search_path(include_path: Sequence[str] = ()) -> tuple[str, ...]:
    """The folders an `include "NAME"` looks in after the including file's own folder, in order:
    `include_path` (`-I DIR`, repeatable), the folders of the PYSPEC_PATH environment variable
    (separated by os.pathsep, as PATH), then the library inside the package."""
    env = os.environ.get(PATH_VARIABLE, "")
    return (*include_path, *(d for d in env.split(os.pathsep) if d), LIBRARY)


def parse_file(path: str, include_path: Sequence[str] = ()) -> A.Spec:
    """Parse a spec file and splice in the declarations of the files it includes (each file
    once, however many times it is included), found along `search_path(include_path)`."""
    return _Includes(search_path(include_path)).file(path, (), None)


class _Includes:
    """One load's include resolution: the folders searched, and the files already spliced
    (by real path, with the `include` that first brought each in and its settings)."""

    def __init__(self, dirs: tuple[str, ...]) -> None:
        self.dirs = dirs
        self.done: dict[str, A.Include] = {}

    def file(self, path: str, stack: tuple[str, ...], span: Span | None) -> A.Spec:
        return self.splice(parse(read_source(path, span), path), path, stack)

    def find(self, d: A.Include, path: str) -> str:
        """The file an include names: its own path if absolute, else the first folder of the
        including file's folder and the search path that has it (PS218 if none)."""
        if os.path.isabs(d.path):
            if os.path.exists(d.path):
                return os.path.normpath(d.path)
            raise SpecNameError(f"included file not found: {d.path}", d.span, code="PS218")
        folders = (os.path.dirname(path) or ".", *self.dirs)
        for folder in folders:
            target = os.path.normpath(os.path.join(folder, d.path))
            if os.path.exists(target):
                return target
        here = os.path.normpath(os.path.join(os.path.dirname(path), d.path))
        looked = ", ".join(os.path.normpath(f) for f in folders)
        raise SpecNameError(f"included file not found: {here}", d.span, code="PS218",
                            hint=f"looked in {looked}; add a folder with -I DIR or {PATH_VARIABLE}")

    def splice(self, spec: A.Spec, path: str, stack: tuple[str, ...]) -> A.Spec:
        decls: list[A.Decl] = []
        for d in spec.decls:
            if not isinstance(d, A.Include):
                decls.append(d)
                continue
            target = self.find(d, path)
            real = os.path.realpath(target)
            if real in (os.path.realpath(p) for p in (*stack, path)):
                raise SpecNameError(f"'{d.path}' includes itself (through {' -> '.join(stack + (path,))})", d.span,
                                    code="PS217")
            first = self.done.get(real)
            if first is not None:
                if d.settings and d.settings != first.settings:
                    _conflict(d, first)
                continue
            self.done[real] = d
            included = self.file(target, stack + (path,), d.span)
            decls.extend(_settled(included.decls, d))
        return replace(spec, decls=tuple(decls))


def _conflict(d: A.Include, first: A.Include) -> None:
    """A file included again, with settings other than the first include's: each file is
    spliced once, where it is first included, so these settings would be ignored."""
    raise SpecNameError(f"'{d.path}' was already included, so `with` cannot set its params here", d.span,
                        notes=((first.span, "first included here"),),
                        hint="a file is spliced once, where it is first included: set its params there "
                             "(put that include first)", code="PS222")


def _settled(decls: tuple[A.Decl, ...], inc: A.Include) -> list[A.Decl]:
    """An included file's declarations as spliced: its invariants and reachable properties
    checked only when named, and the params `inc` sets with their new default."""
    settings: dict[str, A.Setting] = {}
    params = {x.name for x in decls if isinstance(x, A.Param)}
    for s in inc.settings:
        if s.name in settings:
            raise SpecNameError(f"'{s.name}' is set twice", s.span, notes=((settings[s.name].span, "first set here"),),
                                code="PS221")
        settings[s.name] = s
        if s.name not in params:
            raise SpecNameError(f"'{inc.path}' has no param '{s.name}' to set", s.span,
                                hint=did_you_mean(s.name, sorted(params)) or
                                ("its params: " + ", ".join(sorted(params)) if params else "it declares no params"),
                                code="PS221")
    seen: set[str] = set()
    out: list[A.Decl] = []
    for x in decls:
        if isinstance(x, (A.Invariant, A.Reachable, A.Temporal)):
            x = replace(x, default=False)
        elif isinstance(x, A.Param) and x.name in settings and x.name not in seen:
            seen.add(x.name)
            x = replace(x, default=settings[x.name].value)
        if not isinstance(x, A.Include):
            out.append(x)
    return out


def load(path: str, params: dict[str, str] | None = None, include_path: Sequence[str] = (),
         symmetric: Sequence[str] = ()) -> CheckedSpec:
    """Read, parse and check the spec at `path` with `-D` overrides `params` (NAME -> text);
    `include` lines look in the including file's folder, then `include_path` (`-I`), then
    PYSPEC_PATH, then the library shipped with pyspec.

    Raises UsageError (PS001: no such file), SpecSyntaxError, SpecErrors (name and type errors,
    all of them) or ParamError. `symmetric`: type names declared symmetric as if the spec wrote
    `symmetric type` (`--symmetry NAME`; UsageError PS643 for a name that is no type of the spec)."""
    return check_spec(declare_symmetric(parse_file(path, include_path), symmetric), params or {})


def declare_symmetric(spec: A.Spec, names: Sequence[str]) -> A.Spec:
    """`spec` with the type aliases `names` declared symmetric."""
    if not names:
        return spec
    types = [d.name for d in spec.decls if isinstance(d, A.TypeDef)]
    for n in names:
        if n not in types:
            raise UsageError(f"--symmetry {n}: the spec has no type '{n}'",
                             hint="types: " + (", ".join(types) or "none"), code="PS643")
    return replace(spec, decls=tuple(replace(d, symmetric=True) if isinstance(d, A.TypeDef) and d.name in names else d
                                     for d in spec.decls))


def loads(source: str, params: dict[str, str] | None = None, file: str = "<string>",
          include_path: Sequence[str] = ()) -> CheckedSpec:
    """Like `load`, for source text; includes are resolved relative to `file`'s directory
    (the working directory for "<string>"), then along the search path as `load` does."""
    return check_spec(_Includes(search_path(include_path)).splice(parse(source, file), file, ()), params or {})


def find_include(d: A.Include, path: str, include_path: Sequence[str] = ()) -> str:
    """The file that the include `d`, written in the file at `path`, names (PS218 if none)."""
    return _Includes(search_path(include_path)).find(d, path)


def splice_includes(spec: A.Spec, path: str, include_path: Sequence[str] = ()) -> A.Spec:
    """The parsed spec of the file at `path` with the declarations of the files it includes
    spliced in, as `loads` does before checking (the language server's view of a document)."""
    return _Includes(search_path(include_path)).splice(spec, path, ())


__all__ = ["LIBRARY", "find_include", "load", "loads", "parse_file", "read_source", "search_path", "splice_includes",
           "Span"]
