"""File -> checked spec: read the source, resolve `include`s, parse, type-check.

The one place that reads spec files; everything downstream gets a `CheckedSpec`.
"""

from __future__ import annotations

import os
from dataclasses import replace

from pyspec.errors import Span, SpecNameError, UsageError
from pyspec.lang import ast as A
from pyspec.lang.check import check_spec
from pyspec.lang.parser import parse
from pyspec.lang.typed import CheckedSpec


def read_source(path: str) -> str:
    """The text of a spec file; a missing or unreadable file is a user error, not a crash."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        raise UsageError(f"no such spec file: {path}", code="PS001") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read {path}: {e}", code="PS001") from None


def parse_file(path: str, _stack: tuple[str, ...] = (), _done: set[str] | None = None) -> A.Spec:
    """Parse a spec file and splice in the declarations of the files it includes (each file
    once, however many times it is included)."""
    return _with_includes(parse(read_source(path), path), path, _stack, _done if _done is not None else set())


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
        included = parse_file(target, _stack + (path,), _done)
        decls.extend(
            replace(x, default=False) if isinstance(x, (A.Invariant, A.Reachable)) else x
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
