"""A small fixed fuzz campaign in every test run (`make fuzz` runs the long one): mutated and
random specs, mutated mappings and corrupted logs through both command-line tools; no internal
error (exit 70 or an escaping exception) and no run past its limits."""

from __future__ import annotations

from tests.fuzz.campaign import GRACE, TIME_LIMIT, campaign

INPUTS = 600


def test_fixed_campaign_has_no_internal_errors_or_hangs():
    counts, failures = campaign(INPUTS, seed=20261128)
    assert sum(n for (kind, _), n in counts.items() if kind != "slowest") == INPUTS
    kinds = {kind for kind, _ in counts if kind != "slowest"}
    assert kinds == {"spec", "grammar", "mapping", "log"}, kinds
    # the inputs reach the engines, not only the parser: some specs check to a verdict
    assert counts[("grammar", 0)] + counts[("grammar", 1)] + counts[("spec", 0)] + counts[("spec", 1)] > 20
    report = "\n\n".join(f"{c.argv} -> {code} in {secs:.1f} s (limit {TIME_LIMIT} + {GRACE})\n{text}"
                         for c, code, secs, text in failures[:5])
    assert not failures, f"{len(failures)} internal errors or hangs; the first:\n{report}"


def test_a_campaign_in_the_callers_process_leaves_its_limits_as_they_were():
    """jobs=1 runs the chunks in this process: its recursion limit and address-space cap are
    restored (a raised recursion limit let a later test decode a line nested 5,000 deep)."""
    import resource
    import sys

    before = sys.getrecursionlimit(), resource.getrlimit(resource.RLIMIT_AS)
    counts, failures = campaign(4, seed=1)
    assert sum(n for (kind, _), n in counts.items() if kind != "slowest") == 4 and not failures
    assert (sys.getrecursionlimit(), resource.getrlimit(resource.RLIMIT_AS)) == before
