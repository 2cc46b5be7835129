"""The explicit and symbolic semantics agree: for random reachable states of every library spec
and of random specs, every action instance's successors (the models of its Z3 step formula,
enumerated with blocking clauses) equal the explicit successors, evaluation errors agree, and
every invariant has the same value."""

from __future__ import annotations

import glob
import os

import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

from pyspec import SpecError, load, loads
from pyspec.api import compile_spec
from pyspec.symbolic.encode import Encoding
from tests.symbolic.diff_helpers import check_init, check_state, reachable
from tests.symbolic.specgen import specs

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LIBRARY = sorted(glob.glob(os.path.join(ROOT, "specs", "*.spec")))

# Small params for the library: every spec's params with small defaults are kept; these
# shrink the big ones where a spec has them.
SMALL = {"N": "2", "NA": "2", "NV": "2", "MaxBallot": "1"}


def _small_params(path: str) -> dict[str, str]:
    spec = load(path)
    return {n: SMALL[n] for n, _, _ in spec.params if n in SMALL}


@pytest.mark.parametrize("path", LIBRARY, ids=[os.path.basename(p) for p in LIBRARY])
def test_library_spec_agrees(path):
    assert LIBRARY, "no specs found"
    spec = load(path, _small_params(path))
    compiled = compile_spec(spec)
    enc = Encoding(spec)
    check_init(enc, compiled)
    states = reachable(compiled, 400)
    step = max(1, len(states) // 12)
    for state in states[::step]:
        check_state(spec, enc, compiled, state)


# 40 random specs keep `make test` fast (about 10 s); the "thorough" profile of
# tests/conftest.py, or PYSPEC_DIFF_EXAMPLES=N, runs a longer hunt.
EXAMPLES = int(os.environ.get("PYSPEC_DIFF_EXAMPLES", "0")) or (
    settings().max_examples if settings().max_examples > 100 else 40
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], database=None)
@given(src=specs(), data=st.data())
def test_random_spec_agrees(src, data):
    note(src)
    try:
        spec = loads(src)
    except SpecError:
        assume(False)
    compiled = compile_spec(spec)
    enc = Encoding(spec)
    inits = check_init(enc, compiled)
    if not inits:
        return
    states = reachable(compiled, 60)
    picks = data.draw(st.lists(st.integers(0, len(states) - 1), min_size=1, max_size=3, unique=True))
    for i in picks:
        check_state(spec, enc, compiled, states[i])
