"""Every state store and worker count gives the same search: on every explicit row of
specs/suite.toml (with small params), the packed store, the tuple store, two workers and
fingerprints agree on the verdict, the distinct-state count of a complete search and the
length of the shortest counterexample; a fingerprint search that finds nothing is INCOMPLETE
and says the probability that it missed a state."""

from __future__ import annotations

import dataclasses

import pytest

from pyspec import Verdict, load
from pyspec.api import compile_spec
from pyspec.explicit.explore import ExploreOptions, explore
from pyspec.explicit.store import FingerprintStore
from pyspec.suite import load_suite

ROWS = [r for r in load_suite("specs/suite.toml") if r.engine == "explicit"]
# the rows shrunk (Paxos to 2 acceptors and ballots 0..1, Raft to terms 1..2 and logs of 1 and
# 5 messages,
# Chandra-Toueg to one round): every row stays around a second; the modes are compared with
# each other, not with the row's expected verdict
SMALL = {"NA": 2, "MaxBallot": 1, "MaxTerm": 2, "MaxLog": 1, "Rounds": 1, "Early": 1, "MaxMsgs": 5}


def _search(row, **mode):
    declared = {n for n, _, _ in load(row.spec, row.params).params}
    params = {**row.params, **{k: str(v) for k, v in SMALL.items() if k in declared}}
    params = {k: str(min(int(v), SMALL[k])) if k in SMALL else v for k, v in params.items()}
    spec = load(row.spec, params)
    return explore(compile_spec(spec), ExploreOptions(row.properties, row.bound, row.deadlock, **mode))


def _shape(r):
    """What every mode must agree on. A search cut short by a violation stops wherever it meets
    one, and the workers meet states in another order: its reachable properties may differ."""
    complete = r.verdict is Verdict.HOLDS
    return (r.verdict, r.violated, len(r.trace) if r.trace is not None else None,
            r.stats["states"] if complete else None,
            tuple((x.name, x.status, x.depth) for x in r.reachable) if complete else None)


def test_there_are_explicit_rows():
    assert len(ROWS) >= 30


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_stores_and_workers_agree_on_every_suite_row(row):
    packed = _search(row)
    assert _shape(_search(row, packed=False)) == _shape(packed)
    assert _shape(_search(row, workers=2)) == _shape(packed)
    fp = _search(row, fingerprint=True)
    if packed.verdict is Verdict.HOLDS:
        assert fp.verdict is Verdict.INCOMPLETE  # no verdict from a search that may have missed a state
        assert fp.stats["states"] == packed.stats["states"]
        assert "probability of a fingerprint collision at most" in fp.reason
    else:
        assert _shape(fp)[:3] == _shape(packed)[:3]


def test_fingerprint_bound_is_comparisons_times_states_over_2_to_the_64():
    row = next(r for r in ROWS if r.name.startswith("paxos Agreement"))
    r = _search(row, fingerprint=True)
    n, t = r.stats["states"], r.stats["transitions"]
    p = r.stats["fingerprint_collision_probability"]
    assert p == pytest.approx((t + 1) * n / 2.0**64, rel=0.01)  # every transition and the initial state compared
    assert f"at most {p:.1e}" in r.reason


def test_fingerprint_store_rebuilds_a_trace_by_replaying_the_actions():
    row = next(r for r in ROWS if r.name.startswith("raft_terms AtMostOneLeader"))
    exact, fp = _search(row), _search(row, fingerprint=True)
    assert fp.verdict is Verdict.VIOLATED
    assert fp.trace == exact.trace


def test_fingerprint_store_releases_expanded_states():
    spec = load("specs/paxos.spec", {"NA": "2", "MaxBallot": "1"})
    compiled = compile_spec(spec)
    from pyspec.explicit.packing import layout

    store = FingerprintStore(layout(tuple(v.ty for v in spec.vars)), compiled.run_instance)
    store.add_initial(compiled.initial_states()[0])
    s, add = store.expand(0)
    assert store.codes[0] is None  # only the fingerprint is kept
    assert store.state(0) == s  # and the state comes back by replay
    assert dataclasses.is_dataclass(ExploreOptions)
