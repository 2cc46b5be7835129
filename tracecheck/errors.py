"""tracecheck's user errors: a mistake in a mapping file, or a log record that cannot be read.

Both are `PyspecError`s with a span, so `pyspec.render_error` draws them and the
CLI exits 2, like every other bad input in the project. Every TCxxx code is registered here, in
pyspec's registry (`pyspec.errors.ERROR_CODES`): TC1xx mapping, TC2xx log, TC3xx usage.
"""

from __future__ import annotations

from pyspec.errors import ErrorCode, PyspecError, Span, UsageError, register_codes


class MappingError(PyspecError):
    """A mapping file that cannot be used: bad TOML, an unknown key, action, argument, variable
    or type, an expression that does not type-check. The span points into the mapping file."""


class LogError(PyspecError):
    """A log record that cannot be read or placed: truncated JSON, a line the pattern does not
    match, a missing field, a value outside its declared type, a record out of its node's
    order. The span is the record's file and line."""


def record_span(file: str, line: int, width: int = 0) -> Span:
    """The span of a whole log line (column 1, `width` characters)."""
    return Span(file, line, 1, line, 1 + max(width, 1))


CODES: tuple[ErrorCode, ...] = (
    ErrorCode("TC101", MappingError, "mapping file missing or unreadable"),
    ErrorCode("TC102", MappingError, "mapping file that is not valid TOML"),
    ErrorCode("TC103", MappingError, "a mapping key or value of the wrong shape (unknown key, not a table, ...)"),
    ErrorCode("TC104", MappingError, "a required table or key missing (`[spec]`, `file`, `[[rule]]`)"),
    ErrorCode("TC105", MappingError, "the mapping's spec does not load (or its params do not fit)"),
    ErrorCode("TC106", MappingError, "a bad `[log]` table (format, pattern, grammar, order, unmatched)"),
    ErrorCode("TC107", MappingError, "a bad `[fields]` entry (name, type, path)"),
    ErrorCode("TC108", MappingError, "a rule or `[hidden]` names no action of the spec"),
    ErrorCode("TC109", MappingError, "rule `args` that do not match the action's parameters"),
    ErrorCode("TC110", MappingError, "an expression in the mapping that does not type-check"),
    ErrorCode("TC111", MappingError, "a rule argument that reads spec variables or has the wrong type"),
    ErrorCode("TC112", MappingError, "an observation that is not a boolean"),
    ErrorCode("TC113", MappingError, "a `when` key or value no record can match (a key the log's fields do not have, "
                                     "a value outside the field's type, a table)"),
    ErrorCode("TC114", MappingError, "a bad value table (`[values.NAME]`, a field's `values`)"),
    ErrorCode("TC201", LogError, "log file missing or unreadable"),
    ErrorCode("TC202", LogError, "a JSON-lines record that is not one complete JSON object"),
    ErrorCode("TC203", LogError, "log files that cannot be read together (none, `-` twice, several without an order)"),
    ErrorCode("TC204", LogError, "a record whose clock or timestamp is missing or unreadable"),
    ErrorCode("TC205", LogError, "a record out of its node's order"),
    ErrorCode("TC206", LogError, "a record no rule matches (with `unmatched = \"reject\"`)"),
    ErrorCode("TC207", LogError, "a rule that fails to evaluate on a record"),
    ErrorCode("TC208", LogError, "a record without a field a rule reads"),
    ErrorCode("TC209", LogError, "a record field outside its declared type"),
    ErrorCode("TC210", LogError, "a log line longer than 1 MiB (1,048,576 characters)"),
    ErrorCode("TC211", LogError, "an action argument outside its parameter's type (often a wrong `-D`)"),
    ErrorCode("TC301", UsageError, "a bad bound (`--hidden -1`, `--max-frontier 0`)"),
    ErrorCode("TC302", UsageError, "`--hidden` given, but the mapping declares no hidden actions"),
    ErrorCode("TC303", UsageError, "`--invariant` names no invariant of the spec"),
    ErrorCode("TC304", UsageError, "an unknown engine (`engine=` in Python)"),
    ErrorCode("TC305", UsageError, "`--invariants` with `--engine z3`"),
    ErrorCode("TC306", UsageError, "`--invariants` (or `assert_conforms(no_invariant_violations=True)`) with no invariant to check: the spec has none of its own"),
    ErrorCode("TC307", UsageError, "`--engine z3` with a mapping only the explicit engine checks (`old(...)`, a clock skew)"),
    ErrorCode("TC308", UsageError, "`--strict-liveness` with `--engine z3`, which tracks no leadsto obligation"),
    ErrorCode("TC310", UsageError, "`--html` with standard input as a log (the page reads the logs again)"),
    ErrorCode("TC311", UsageError, "`--html FILE` that cannot be written"),
    # tracecheck corpus (tracecheck/corpus.py)
    ErrorCode("TC410", UsageError, "`tracecheck corpus`: a corpus that is not a directory of run directories, "
              "or a run directory without a log file"),
    ErrorCode("TC411", UsageError, "`tracecheck corpus`: `--jobs` below 1, or with `--cluster`"),
    ErrorCode("TC412", UsageError, "`--cluster` without the optional extra pyspec[cluster] (Dask) installed"),
    ErrorCode("TC413", UsageError, "`--cluster ADDRESS` where no Dask scheduler answers"),
    # model-based testing judged by the logs (tracecheck/model.py)
    ErrorCode("TC415", UsageError, "a `tracecheck.model` adapter without `logs()`"),
    ErrorCode("TC416", UsageError, "`tracecheck.model.state_machine(params=...)` with a mapping already loaded"),
)
register_codes(CODES)


__all__ = ["MappingError", "LogError", "record_span", "CODES"]
