"""The project's user-error hierarchy: every mistake a user can make is one of these, with a place.

Raisers never format; `pyspec.report.errors.render_error` draws every error the same way.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """A source region, 1-based and end-exclusive in columns, as lark reports it."""

    file: str
    line: int
    col: int
    end_line: int
    end_col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class PyspecError(Exception):
    """Base of every error caused by user input; the CLIs render it and exit with code 2."""

    code = "PS000"

    def __init__(
        self,
        message: str,
        span: Span | None = None,
        *,
        hint: str | None = None,
        notes: tuple[tuple[Span, str], ...] = (),
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint
        self.notes = notes
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        where = f"{self.span}: " if self.span else ""
        return f"{where}{self.message}"


class SpecError(PyspecError):
    """A problem in a specification's source."""


class SpecSyntaxError(SpecError):
    """Raised by the parser at the first token that does not fit the grammar."""

    code = "PS100"


class SpecNameError(SpecError):
    """Raised by the type checker for an unknown, duplicate or misused name."""

    code = "PS200"


class SpecTypeError(SpecError):
    """Raised by the type checker for an expression or statement of the wrong type."""

    code = "PS300"


class SpecEvalError(SpecError):
    """Raised while evaluating a spec: a value outside its declared type, a key outside a map's
    domain, min of an empty set. Carries the step (action and arguments) when known."""

    code = "PS400"


class ParamError(PyspecError):
    """A `-D NAME=VALUE` override that names no param or does not fit its type."""

    code = "PS500"


class UsageError(PyspecError):
    """A command-line request that cannot be carried out (unknown invariant, bad bound)."""

    code = "PS600"


class SpecErrors(SpecError):
    """Several spec errors found in one pass (the type checker collects them before raising)."""

    def __init__(self, errors: tuple[PyspecError, ...]) -> None:
        """An empty group stands for errors already reported (a use of a broken declaration)."""
        first = errors[0] if errors else SpecError("(reported above)")
        super().__init__(first.message, first.span, hint=first.hint, notes=first.notes, code=first.code)
        self.errors = errors

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)
