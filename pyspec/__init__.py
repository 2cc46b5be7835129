"""pyspec: executable specifications of distributed protocols, checked explicitly and with Z3.

The public API; tracecheck and user code use only these names.
"""

from pyspec.api import (
    Expression,
    bmc,
    check,
    check_temporal,
    compile_spec,
    describe,
    explain,
    expression,
    instance,
    load,
    loads,
    prove,
    simulate,
    successors,
    successors_of,
    synth,
    trace_solver,
)
from pyspec.errors import (
    ParamError,
    PyspecError,
    Span,
    SpecError,
    SpecErrors,
    SpecEvalError,
    SpecNameError,
    SpecSyntaxError,
    SpecTypeError,
    UsageError,
)
from pyspec.lang.typed import CheckedSpec as Spec
from pyspec.report.errors import error_json, render_error
from pyspec.result import Result, Step, Trace, Verdict

def version() -> str:
    """The installed distribution's version ("0.1.0"; tracecheck ships with pyspec)."""
    from importlib.metadata import PackageNotFoundError, version as _version

    try:
        return _version("pyspec")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


__all__ = [
    "version",
    "load",
    "loads",
    "check",
    "check_temporal",
    "simulate",
    "bmc",
    "describe",
    "compile_spec",
    "prove",
    "synth",
    "expression",
    "Expression",
    "instance",
    "successors",
    "successors_of",
    "trace_solver",
    "explain",
    "Spec",
    "Result",
    "Trace",
    "Step",
    "Verdict",
    "PyspecError",
    "SpecError",
    "SpecErrors",
    "SpecSyntaxError",
    "SpecNameError",
    "SpecTypeError",
    "SpecEvalError",
    "ParamError",
    "UsageError",
    "Span",
    "render_error",
    "error_json",
]
