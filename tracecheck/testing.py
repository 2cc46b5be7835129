"""An assertion helper for integration tests: assert that the logs a test produced conform.

    from tracecheck.testing import assert_conforms

    def test_cluster_logs(tmp_path):
        run_my_cluster(log_dir=tmp_path)
        assert_conforms("mapping.toml", sorted(tmp_path.glob("*.jsonl")))

On a divergence (or a run stopped by a bound) it raises AssertionError whose message is the
divergence report. With `no_invariant_violations=True` a span where an invariant is definitely
false fails too; the invariants are those named by `invariants=`, else the spec's default ones
(as `tracecheck validate --invariants`). pytest shows the message as the failure.
"""

from __future__ import annotations

import os
from typing import Iterable

from pyspec.errors import UsageError
from tracecheck.mapping import Mapping, load_mapping
from tracecheck.report import render_text, span_text
from tracecheck.result import TraceResult


def assert_conforms(mapping: str | os.PathLike | Mapping, logs: Iterable[str | os.PathLike], *,
                    no_invariant_violations: bool = False, **options) -> TraceResult:
    """Validate (see `tracecheck.validate` for the options) and return the result, or raise
    AssertionError with the report. Bad input (a mapping or log error) raises as usual, and so
    does `no_invariant_violations=True` with no invariant to check (UsageError): it never
    passes without checking one."""
    __tracebackhide__ = True
    import tracecheck

    if no_invariant_violations:
        if not isinstance(mapping, Mapping):
            mapping = load_mapping(mapping, options.pop("params", None))
        named = options.get("invariants")
        invariants = mapping.default_invariants() if named is None else tuple(named)
        if not invariants:
            why = "invariants=() names none" if named is not None else f"spec {mapping.spec.name} has no invariant of its own"
            raise UsageError(f"no_invariant_violations=True, but there is no invariant to check: {why}",
                             hint="name the invariants with invariants=[...], or drop no_invariant_violations", code="TC306")
        options["invariants"] = invariants
    result = tracecheck.validate(mapping, logs, **options)
    if not result.conforms:
        raise AssertionError("the logs do not conform to the spec\n" + render_text(result))
    if no_invariant_violations:
        bad = [v for v in result.violations if v.definite]
        if bad:
            raise AssertionError("the logs conform, but invariants are false on them:\n"
                                 + "\n".join(span_text(v) for v in bad) + "\n\n" + render_text(result))
    return result


__all__ = ["assert_conforms"]
