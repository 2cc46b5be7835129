"""Bounded fair lassos with Z3 (pyspec/symbolic/lasso.py) against the explicit liveness checker:
on small specs, for each temporal shape under weak, strong and conditional fairness, and on
random specs: whenever Z3 finds a fair lasso up to K, the explicit engine reports a violation;
whenever the explicit engine says a property holds, Z3 finds no lasso up to K."""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import HealthCheck, assume, event, given, note, settings
from hypothesis import strategies as st

from pyspec import SpecError, SpecEvalError, Verdict, check_temporal, loads
from pyspec.api import bmc_temporal
from tests.explicit.test_liveness import COUNTER, LOCK
from tests.symbolic.specgen import _Gen, specs

# the explicit liveness tests' specs: Z3 must find the lassos the explicit engine reports there

CASES = [
    (COUNTER, "Done"), (COUNTER, "Flips"), (COUNTER, "Settles"), (COUNTER, "Next"), (COUNTER, "Low"),
    (COUNTER + "fair weak Inc\n", "Done"), (COUNTER + "fair weak Inc\n", "Next"),
    (COUNTER + "fair strong Flip\n", "Settles"),
    (LOCK + "fair weak Acquire\n", "BothServed"), (LOCK + "fair strong Acquire\n", "BothServed"),
    (LOCK + "fair strong Acquire(p) unless p == 1\n", "BothServed"),
    ("spec D\nvar x: 0 .. 2\ninit:\n    x = 0\naction Go():\n    require x < 1\n    x' = x + 1\n"
     "temporal Two: eventually x == 2\nfair weak Go\n", "Two"),
]
K = 6  # every explicit lasso of these specs fits in 6 steps


@pytest.mark.parametrize("src, name", CASES, ids=[f"{i}-{n}" for i, (_, n) in enumerate(CASES)])
def test_z3_lassos_agree_with_the_explicit_engine(src, name):
    spec = loads(src)
    explicit = check_temporal(spec, [name])
    bounded = bmc_temporal(spec, K, [name])
    if explicit.verdict is Verdict.HOLDS:
        assert bounded.verdict is Verdict.NO_VIOLATION_UP_TO and bounded.reason == f"no fair lasso up to depth {K}"
    else:
        assert explicit.verdict is Verdict.VIOLATED and len(explicit.trace) <= K
        assert bounded.verdict is Verdict.VIOLATED, bounded.reason
        # the bounded search is shortest in total length; the replayed lasso comes back as a Trace
        assert len(bounded.trace) <= len(explicit.trace) and bounded.trace.loop is not None
        assert bounded.stats["fairness"] is not None and bounded.stats["lasso"].startswith(f"temporal {name}")


def test_a_lasso_longer_than_the_bound_is_not_found_and_not_called_holding():
    spec = loads(LOCK + "fair weak Acquire\n")
    r = bmc_temporal(spec, 1)
    assert r.verdict is Verdict.NO_VIOLATION_UP_TO and r.reason == "no fair lasso up to depth 1"
    assert bmc_temporal(spec, 3).verdict is Verdict.VIOLATED


def test_z3_finds_the_raft_split_vote_livelock_and_none_with_randomized_timers():
    import pyspec

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "specs", "raft_split.spec")
    fixed, randomized = pyspec.load(path, {"TIMERS": "fixed"}), pyspec.load(path, {"TIMERS": "randomized"})
    explicit = check_temporal(fixed)
    bounded = bmc_temporal(fixed, K)
    assert explicit.verdict is bounded.verdict is Verdict.VIOLATED
    assert len(bounded.trace) <= len(explicit.trace) and bounded.trace.loop is not None
    assert check_temporal(randomized).verdict is Verdict.HOLDS
    assert bmc_temporal(randomized, K).verdict is Verdict.NO_VIOLATION_UP_TO


SHAPES = ("always {p}", "eventually {p}", "always eventually {p}", "eventually always {p}", "{p} leadsto {q}")


@st.composite
def temporal_specs(draw) -> str:
    """A random spec (tests/symbolic/specgen.py) with a random temporal property and fairness."""
    src = draw(specs())
    g = _Gen(draw)
    shape = draw(st.sampled_from(SHAPES))
    out = [src, f"temporal T: {shape.format(p=g.expr('bool', {}, 2), q=g.expr('bool', {}, 2))}"]
    for action in re.findall(r"^action (Act\d+)\(", src, re.M):
        kind = draw(st.sampled_from(["", "weak", "strong"]))
        if kind:
            unless = f" unless {g.expr('bool', {}, 1)}" if draw(st.booleans()) else ""
            out.append(f"fair {kind} {action}{unless}")
    return "\n".join(out) + "\n"


EXAMPLES = int(os.environ.get("PYSPEC_DIFF_EXAMPLES", "0")) or 12
DEPTH = 3


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(src=temporal_specs())
def test_random_specs_z3_lasso_implies_explicit_violation_and_explicit_holds_implies_no_lasso(src):
    note(src)
    try:
        spec = loads(src)
        explicit = check_temporal(spec, ["T"], max_states=3000)
    except (SpecError, SpecEvalError):
        assume(False)
        return
    assume(explicit.verdict is not Verdict.INCOMPLETE)
    bounded = bmc_temporal(spec, DEPTH, ["T"], timeout=20)
    assume(bounded.verdict is not Verdict.UNKNOWN)
    event(f"explicit {explicit.verdict.value}, z3 {bounded.verdict.value}")
    if bounded.verdict is Verdict.VIOLATED:
        assert explicit.verdict is Verdict.VIOLATED
    if explicit.verdict is Verdict.HOLDS:
        assert bounded.verdict is Verdict.NO_VIOLATION_UP_TO
