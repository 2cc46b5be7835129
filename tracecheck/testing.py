"""An assertion helper for integration tests: assert that the logs a test produced conform.

    from tracecheck.testing import assert_conforms

    def test_cluster_logs(tmp_path):
        run_my_cluster(log_dir=tmp_path)
        assert_conforms("mapping.toml", sorted(tmp_path.glob("*.jsonl")))

On a divergence (or a run stopped by a bound) it raises AssertionError whose message is the
divergence report; with `no_invariant_violations=True` a span where an invariant is
definitely false fails too. pytest shows the message as the failure.
"""

from __future__ import annotations

import os
from typing import Iterable

from tracecheck.report import render_text, span_text
from tracecheck.result import TraceResult


def assert_conforms(mapping, logs: Iterable, *, no_invariant_violations: bool = False, **options) -> TraceResult:
    """Validate (see `tracecheck.validate` for the options) and return the result, or raise
    AssertionError with the report. Bad input (a mapping or log error) raises as usual."""
    __tracebackhide__ = True
    import tracecheck

    result = tracecheck.validate(mapping, [os.fspath(p) for p in logs], **options)
    if not result.conforms:
        raise AssertionError("the logs do not conform to the spec\n" + render_text(result))
    if no_invariant_violations:
        bad = [v for v in result.violations if v.definite]
        if bad:
            raise AssertionError("the logs conform, but invariants are false on them:\n"
                                 + "\n".join(span_text(v) for v in bad) + "\n\n" + render_text(result))
    return result


__all__ = ["assert_conforms"]
