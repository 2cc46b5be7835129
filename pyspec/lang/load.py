"""File -> checked spec: read the source, resolve `include`s, parse, type-check.

The one place that reads spec files; everything downstream gets a `CheckedSpec`.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import replace

from pyspec.errors import Span, SpecNameError, UsageError
from pyspec.lang import ast as A
from pyspec.lang.check import check_spec
from pyspec.lang.parser import parse
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


def parse_file(path: str, _stack: tuple[str, ...] = (), _done: set[str] | None = None, _span: Span | None = None) -> A.Spec:
    """Parse a spec file and splice in the declarations of the files it includes (each file
    once, however many times it is included)."""
    return _with_includes(parse(read_source(path, _span), path), path, _stack, _done if _done is not None else set())


def _with_includes(spec: A.Spec, path: str, _stack: tuple[str, ...], _done: set[str]) -> A.Spec:
    decls: list[A.Decl] = []
    for d in spec.decls:
        if not isinstance(d, A.Include):
            decls.append(d)
            continue
        target = os.path.normpath(os.path.join(os.path.dirname(path), d.path))
        if target in _stack or os.path.abspath(target) == os.path.abspath(path):
            raise SpecNameError(f"'{d.path}' includes itself (through {' -> '.join(_stack + (path,))})", d.span, code="PS217")
        if not os.path.exists(target):
            raise SpecNameError(f"included file not found: {target}", d.span, code="PS218")
        if os.path.abspath(target) in _done:
            continue
        _done.add(os.path.abspath(target))
        included = parse_file(target, _stack + (path,), _done, d.span)
        decls.extend(
            replace(x, default=False) if isinstance(x, (A.Invariant, A.Reachable, A.Temporal)) else x
            for x in included.decls
            if not isinstance(x, A.Include)
        )
    return replace(spec, decls=tuple(decls))


def load(path: str, params: dict[str, str] | None = None) -> CheckedSpec:
    """Read, parse and check the spec at `path` with `-D` overrides `params` (NAME -> text).

    Raises UsageError (PS001: no such file), SpecSyntaxError, SpecErrors (name and type errors,
    all of them) or ParamError."""
    return check_spec(parse_file(path), params or {})


def loads(source: str, params: dict[str, str] | None = None, file: str = "<string>") -> CheckedSpec:
    """Like `load`, for source text; includes are resolved relative to `file`'s directory
    (the working directory for "<string>")."""
    return check_spec(_with_includes(parse(source, file), file, (), set()), params or {})


__all__ = ["load", "loads", "parse_file", "read_source", "Span"]
