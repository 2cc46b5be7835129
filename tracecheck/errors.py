"""tracecheck's user errors: a mistake in a mapping file, or a log record that cannot be read.

Both are `PyspecError`s with a span, so `pyspec.render_error` draws them and the
CLI exits 2, like every other bad input in the project.
"""

from __future__ import annotations

from pyspec.errors import PyspecError, Span


class MappingError(PyspecError):
    """A mapping file that cannot be used: bad TOML, an unknown key, action, argument, variable
    or type, an expression that does not type-check. The span points into the mapping file."""

    code = "TC100"


class LogError(PyspecError):
    """A log record that cannot be read or placed: truncated JSON, a line the pattern does not
    match, a missing field, a value outside its declared type, a record out of its node's
    order. The span is the record's file and line."""

    code = "TC200"


def record_span(file: str, line: int, width: int = 0) -> Span:
    """The span of a whole log line (column 1, `width` characters)."""
    return Span(file, line, 1, line, 1 + max(width, 1))


__all__ = ["MappingError", "LogError", "record_span"]
