"""The project's user-error hierarchy: every mistake a user can make is one of these, with a place.

Raisers never format; `pyspec.report.errors.render_error` draws every error the same way.

Every code has one entry in `ERROR_CODES` (code -> class, title, default hint); constructing an
error with a code that is not registered, or under another class than its entry names, is a bug
and raises ValueError. tracecheck registers its TCxxx codes with `register_codes`
(tracecheck/errors.py); pyspec never imports tracecheck. docs/language.md's table of codes is
tested against this registry (tests/test_error_codes.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Mapping

if TYPE_CHECKING:  # only for annotations: result imports this module
    from pyspec.result import Trace


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
    """Base of every error caused by user input; the CLIs render it and exit with code 2.
    `code` must be registered in `ERROR_CODES` for this class (ValueError otherwise: a bug);
    without a `hint`, the code's default hint (if any) is used."""

    code: str

    def __init__(
        self,
        message: str,
        span: Span | None = None,
        *,
        hint: str | None = None,
        notes: tuple[tuple[Span, str], ...] = (),
        code: str,
    ) -> None:
        super().__init__(message)
        entry = _registered(type(self), code)
        self.message = message
        self.span = span
        self.hint = hint if hint is not None else entry.hint
        self.notes = notes
        self.code = entry.code

    def __str__(self) -> str:
        where = f"{self.span}: " if self.span else ""
        return f"{where}{self.message}"


class SpecError(PyspecError):
    """A problem in a specification's source."""


class SpecSyntaxError(SpecError):
    """Raised by the parser at the first token that does not fit the grammar."""


class SpecNameError(SpecError):
    """Raised by the type checker for an unknown, duplicate or misused name."""


class SpecTypeError(SpecError):
    """Raised by the type checker for an expression or statement of the wrong type."""


class SpecEvalError(SpecError):
    """Raised while evaluating a spec: a value outside its declared type, a key outside a map's
    domain, min of an empty set. Carries the step (action and arguments) when known, and the
    trace that reached it (`trace`) when an engine found it."""

    trace: Trace | None = None

    def with_step(self, what: str, trace: Trace | None) -> SpecEvalError:
        """This error with the step named in its message (`... (in Go())`) and its trace."""
        err = SpecEvalError(f"{self.message} ({what})", self.span, hint=self.hint, notes=self.notes, code=self.code)
        err.trace = trace
        return err


class SpecWarning(SpecError):
    """Never raised: a likely mistake in a spec that checks (pyspec.lang.lint), carried in
    `CheckedSpec.warnings` and printed by the CLI like an error, as `warning[PS7nn]`."""


class ParamError(PyspecError):
    """A `-D NAME=VALUE` override that names no param or does not fit its type."""


class UsageError(PyspecError):
    """A command-line request that cannot be carried out (unknown invariant, bad bound)."""


class SpecErrors(SpecError):
    """Several spec errors found in one pass (the type checker collects them before raising)."""

    def __init__(self, errors: tuple[PyspecError, ...]) -> None:
        """An empty group stands for errors already reported (a use of a broken declaration);
        it never reaches the user. The group takes its first member's code, already checked."""
        message = errors[0].message if errors else "(reported above)"
        Exception.__init__(self, message)
        self.message = message
        self.span = errors[0].span if errors else None
        self.hint = errors[0].hint if errors else None
        self.notes = errors[0].notes if errors else ()
        self.code = errors[0].code if errors else ""
        self.errors = errors

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


# ---- the registry ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ErrorCode:
    """One error code: the class its errors are raised as, a short title (docs/language.md's
    table of codes shows it), and the hint used when the raiser gives none."""

    code: str
    kind: type[PyspecError]
    title: str
    hint: str | None = None


ERROR_CODES: dict[str, ErrorCode] = {}
"""Every error code of pyspec (PSxxx) and, once tracecheck is imported, of tracecheck (TCxxx)."""


def register_codes(entries: Iterable[ErrorCode]) -> None:
    """Add codes to `ERROR_CODES`; a code registered twice with another meaning is a bug."""
    for e in entries:
        old = ERROR_CODES.setdefault(e.code, e)
        if old != e:
            raise ValueError(f"error code {e.code} registered twice: {old.title!r} and {e.title!r}")


def error(code: str, message: str, span: Span | None = None, **kw) -> PyspecError:
    """An error of the class registered for `code` (hint= and notes= as for PyspecError)."""
    entry = ERROR_CODES.get(code)
    if entry is None:
        raise ValueError(f"error code {code!r} is not registered in pyspec.errors.ERROR_CODES")
    return entry.kind(message, span, code=code, **kw)


def _registered(cls: type, code: str) -> ErrorCode:
    entry = ERROR_CODES.get(code)
    if entry is None:
        raise ValueError(f"error code {code!r} is not registered (pyspec.errors.ERROR_CODES)")
    if not issubclass(cls, entry.kind):
        raise ValueError(f"error code {code} is a {entry.kind.__name__}, raised as a {cls.__name__}")
    return entry


def _codes(kind: type[PyspecError], table: Mapping[str, str]) -> list[ErrorCode]:
    return [ErrorCode(code, kind, title) for code, title in table.items()]


register_codes(
    _codes(
        UsageError,
        {
            "PS001": "spec file missing or unreadable",
            "PS002": "a spec or included file that is not a regular file, or is over 16 MiB",
            "PS003": "a spec or included file that is not spec source (binary, or text not starting with `spec NAME`)",
        },
    )
    + _codes(
        SpecSyntaxError,
        {
            "PS100": "syntax error: unexpected token, with what was expected",
            "PS101": "unexpected character (e.g. single quotes)",
            "PS102": "indentation that matches no enclosing block, or a missing indented block",
            "PS103": "unexpected end of file (an empty file, a bracket never closed)",
            "PS104": "a `{k: v}` literal mixing name keys (a record) and other keys (a map)",
            "PS105": "`|` continuation lines after a type that is not a union",
            "PS106": "an expression block whose first line starts with `or`",
            "PS107": "a docstring that is never closed",
            "PS108": "an expression nested too deeply (more than 200 levels)",
            "PS109": "an integer literal of more than 4,300 digits",
        },
    )
    + _codes(
        SpecNameError,
        {
            "PS200": "unknown name",
            "PS201": "a name declared twice",
            "PS202": "unknown type",
            "PS203": "a variant name used twice",
            "PS204": "unknown variable",
            "PS205": "a primed variable written in init",
            "PS206": "a state variable (or its entry) written without a prime in an action",
            "PS207": "a local bound twice in one block",
            "PS208": "a variable assigned twice",
            "PS209": "a variable read too early: `x'` before assignment, `x'` in an invariant or "
            "typed def, `x` in init before it has a value",
            "PS210": "no init block",
            "PS211": "more than one init block in one file",
            "PS212": "init does not assign every variable on every path, or assigns an entry first",
            "PS213": "`is` with a variant the union does not have",
            "PS214": "unknown field",
            "PS215": "unknown function",
            "PS216": "recursive def (or defs nested too deeply)",
            "PS217": "include cycle",
            "PS218": "included file not found",
            "PS219": "an unknown function assigned",
            "PS220": "a local or parameter named like a state variable or param",
            "PS221": "`include ... with NAME = e` where the included file has no param NAME, or sets it twice",
            "PS222": "`include ... with` for a file already included (a file is spliced once)",
            "PS223": "`extend action` for an action that does not exist, or with other parameter names",
            "PS224": "`extend action` with a statement other than `require`",
            "PS225": "a statement `NAME(...)` where NAME is not a proc",
            "PS226": "a proc that calls itself, directly or through other procs",
        },
    )
    + _codes(
        SpecTypeError,
        {
            "PS301": "a param default outside its type",
            "PS302": "a variable or action parameter of a type that is not finite",
            "PS303": "range bounds that are not integers",
            "PS304": "empty range type",
            "PS305": "an enumeration lists a value twice",
            "PS306": "map keys of a type that is not finite",
            "PS307": "a field listed twice",
            "PS309": "`x in e` where `e` is not a set",
            "PS310": "choice of a map entry (`m'[k] in S`)",
            "PS311": "entry assignment to something that is not a map",
            "PS312": "a value of the wrong type",
            "PS313": "an enumeration value that is not in the enumeration",
            "PS314": "a type alias used as a set when it is unbounded or too large",
            "PS315": "an integer was needed",
            "PS316": "a set was needed",
            "PS317": "`in` with an element of the wrong type",
            "PS318": "`==`/`<`... comparing incompatible types",
            "PS319": "`|`, `&`, `-` on incompatible sets",
            "PS320": "`if ... else` branches of incompatible types",
            "PS321": "`is` on a value that is not a union",
            "PS322": "a set literal with elements of different types",
            "PS323": "a generator outside `all`/`any`/`min`/`max`/`sum`",
            "PS324": "a tuple index that is not a literal in range",
            "PS325": "indexing a value that is not a map or tuple",
            "PS326": "a union field with different types in different variants",
            "PS327": "`.field` on a value that is neither record nor union",
            "PS328": "a constructor with wrong, missing or duplicated fields",
            "PS329": "wrong arguments to a built-in",
            "PS330": "wrong arguments to a def or proc",
            "PS331": "not a constant where one is needed (range bounds, param defaults)",
            "PS332": "an assignment whose value is never within the variable's type",
            "PS333": "an action parameter or map key type with more than 1,048,576 (2^20) values",
            "PS334": "a map literal that gives a key twice, or no value for a key of its key type",
            "PS335": "a bounded type (seq[T, N], bag[T, K]) of an unknown kind, or whose bound is not a constant of at least 1",
            "PS336": "a sequence operation (head, tail, last, append, slice, +) on a value that is not a sequence, or an element read from []",
            "PS337": "a bag operation (add, remove, count, +) on a value that is not a bag",
            "PS338": "'for a, b in S' over elements that are not tuples of that many components",
        },
    )
    + _codes(
        SpecEvalError,
        {
            "PS401": "run-time evaluation error: a value outside its type, a key outside a map's keys, ... (see above)",
            "PS402": "no initial state: every path through init fails",
        },
    )
    + _codes(
        ParamError,
        {
            "PS501": "`-D NAME=...` for a name that is not a param",
            "PS502": "a `-D` value that cannot be read or has the wrong type",
            "PS503": "a param without a default and no `-D`",
            "PS504": "a `-D` value outside the param's type",
        },
    )
    + _codes(
        UsageError,
        {
            "PS601": "`--invariant` names no invariant of the spec",
            "PS602": "a bad bound (`--max-states 0`, `--runs 0`, ...)",
            "PS604": "`successors` names no action of the spec",
            "PS605": "`successors` arguments outside the action's parameter types",
            "PS606": "`pyspec synth` on a spec with no unknown function",
            "PS607": "a spec the Z3 engines cannot encode",
            "PS608": "`--engine bmc` without `--depth`",
            "PS609": "`--witness` names no reachable property of the spec",
            "PS610": "suite file missing or unreadable",
            "PS611": "suite file that is not valid TOML",
            "PS612": "suite file without `[[check]]` rows",
            "PS613": "a malformed suite row",
            "PS614": "`--only` matches no suite row",
            "PS615": "`--depth` without `--engine bmc` (the explicit engine explores every depth)",
            "PS620": "`pyspec view`: trace file missing or unreadable",
            "PS621": "`pyspec view`: a file that is not an ITF trace",
            "PS622": "`--html FILE` that cannot be written",
            "PS630": "an option the chosen engine does not use (`--max-states` with `--engine bmc`, "
            "`--timeout` without it)",
            "PS631": "`pyspec prove` with more than one `--invariant` (it proves one; `--with` adds helpers), "
            "or `--with` naming the invariant it proves",
        },
    )
    + _codes(
        SpecWarning,
        {
            "PS701": "warning: a local never read, one edit from a variable's name (a forgotten prime?)",
            "PS702": "warning: an entry update that replaces an earlier one of the same map where the keys are equal",
        },
    )
)

# Symmetric types (pyspec/lang/symmetry.py, pyspec/explicit/symmetry.py).
register_codes(
    _codes(SpecTypeError, {
        "PS640": "a value of a symmetric type singled out: compared with a constant or another type's value, "
        "ordered, or used in arithmetic or min/max",
        "PS641": "a symmetric type that is not a range or an enumeration",
    })
    + _codes(UsageError, {
        "PS642": "symmetry reduction with a search that does not support it (the liveness check, "
        "a spec without a packed layout)",
        "PS643": "`--symmetry` names no type of the spec",
        "PS644": "`--cluster` without the optional extra pyspec[cluster] (Dask) installed",
        "PS645": "`--cluster ADDRESS` where no Dask scheduler answers",
    })
)

# Temporal properties and fairness (pyspec/lang/temporal.py, pyspec/explicit/liveness.py).
register_codes(
    _codes(SpecTypeError, {
        "PS740": "a temporal operator (`always`, `eventually`, `leadsto`) outside a `temporal` property",
        "PS742": "a temporal formula of a shape not supported (nested operators, or no operator at all)",
    })
    + _codes(SpecNameError, {
        "PS741": "a primed variable in a temporal property or a fairness condition",
        "PS743": "`fair` names no action of the spec",
        "PS744": "`fair A(x, ...)` binding a different number of names than A has parameters, or one twice",
    })
    + _codes(UsageError, {
        "PS745": "`--temporal` names no temporal property of the spec",
    })
    + _codes(SpecWarning, {
        "PS747": "warning: a temporal property in a spec with no `fair` declaration (an unfair loop violates most)",
        "PS748": "warning: a temporal property in a spec with a state constraint (behaviours stutter where it cuts them)",
    })
)

# The language server (pyspec/lsp/, `pyspec lsp`).
register_codes(
    _codes(UsageError, {
        "PS800": "`pyspec lsp` without its package pygls installed (pip install 'pyspec[lsp]')",
    })
)

# Model-based testing (pyspec/testing/): the adapter and the options of `state_machine`.
register_codes(
    _codes(UsageError, {
        "PS810": "a `pyspec.testing` adapter without a method for an action it drives, or without `observe`",
        "PS811": "an adapter's `observe()` names no variable of the spec",
        "PS812": "an adapter's `observe()` gives a value that is not of the variable's type",
        "PS813": "`state_machine(actions=...)` names no action of the spec",
        "PS814": "`state_machine(params=...)` with a spec already loaded",
    })
)

# The native back end of the explicit engine (pyspec/explicit/native, `pyspec check --backend c`).
register_codes(
    _codes(UsageError, {
        "PS650": "`--backend c` and no C compiler (`cc`, or `$CC`) on the PATH",
        "PS651": "`--backend c` on a spec outside the native back end's fragment",
        "PS652": "`--backend c` with an option or engine the native search does not support",
    })
)

# Model-based testing judged by a predicate (state_machine(judge=...), tracecheck.model).
register_codes(
    _codes(UsageError, {
        "PS815": "a `state_machine(judge=...)` judge that returns no `pyspec.testing.Judgement`",
    })
)
