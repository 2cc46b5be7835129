"""The lease-lock service and the storage of examples/systems, driven message by message by
specs/lease_lock.spec through pyspec.testing (examples/systems/lease_lock_model.py): with
write fencing they follow STORE="write"; the seeded bug (the storage accepts every write while
it claims write fencing) is found and shrunk to the shortest run that shows it, 7 steps, the
length of the explicit checker's counterexample; without fencing, the storage follows
STORE="none" and the run that breaks NoStaleWrite is 7 steps too."""

from __future__ import annotations

import os
import re
import sys

import pytest
from hypothesis import HealthCheck, settings

import pyspec
import pyspec.testing
from pyspec.testing import ModelFailure

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "examples", "systems"))

from lease_lock_model import LeaseLockAdapter, TokenIgnoringStorageAdapter, UnfencedStorageAdapter  # noqa: E402

SPEC = os.path.join(ROOT, "specs", "lease_lock.spec")
# MutexBelief is false in every STORE variant (a paused holder still believes): the storage's
# invariants are the ones the storage answers for.
STORAGE_INVARIANTS = ["NoStaleWrite", "FreshWriteAccepted"]
# Release makes a client forget its read; leaving it out makes the runs that matter likelier.
NO_RELEASE = ["Acquire", "Expire", "Read", "Write"]
RUNS = settings(max_examples=30, stateful_step_count=8, database=None, deadline=None, report_multiple_bugs=False,
                suppress_health_check=list(HealthCheck))


def _failure(adapter, store: str, tmp_path=None) -> ModelFailure:
    machine = pyspec.testing.state_machine(SPEC, adapter, {"STORE": store}, actions=NO_RELEASE,
                                           invariants=STORAGE_INVARIANTS, settings=RUNS, seed=0,
                                           html=None if tmp_path is None else tmp_path / "lease.html")
    with pytest.raises(ModelFailure) as info:
        machine.TestCase().runTest()
    return info.value


def _shortest(store: str, invariant: str) -> int:
    r = pyspec.check(pyspec.load(SPEC, {"STORE": store}), invariants=[invariant])
    assert r.verdict is pyspec.Verdict.VIOLATED
    return len(r.trace)


def test_the_fenced_storage_and_the_lock_service_follow_the_spec():
    more = settings(RUNS, max_examples=100, stateful_step_count=10)
    pyspec.testing.state_machine(SPEC, LeaseLockAdapter, {"STORE": "write"}, invariants=STORAGE_INVARIANTS,
                                 settings=more, seed=0).TestCase().runTest()


@pytest.mark.slow
def test_the_storage_that_ignores_tokens_is_caught_by_its_shortest_run(tmp_path):
    e = _failure(TokenIgnoringStorageAdapter, "write", tmp_path)
    assert e.kind == "diverges"
    assert len(e.steps) == 7 == _shortest("none", "NoStaleWrite")
    # two grants with an expiry between, both clients read, the newer token writes first
    assert sorted(e.steps[:3]) == ["Acquire(c=0)", "Acquire(c=1)", "Expire()"]
    assert e.steps[-1].startswith("Write(c=") and e.steps[-1] != e.steps[-2]
    text = str(e)
    assert f"after step 7, {e.steps[-1]}, it shows a state that is no successor the spec allows" in text
    stale = e.steps[-1][len("Write(c="):-1]
    # the spec rejects the stale write (the client learns it lost the lock); the storage took it
    assert re.search(rf"\n    the spec: .*believes' = {{[^}}]*{stale}: False.*phase' = {{[^}}]*{stale}: \"idle\"", text)
    assert re.search(rf"\n    observed: .*believes' = {{[^}}]*{stale}: True.*phase' = {{[^}}]*{stale}: \"done\"", text)
    assert e.page is not None and os.path.exists(e.page)


@pytest.mark.slow
def test_the_unfenced_storage_follows_store_none_and_breaks_no_stale_write():
    e = _failure(UnfencedStorageAdapter, "none")
    assert e.kind == "violated" and e.invariant == "NoStaleWrite"
    assert len(e.steps) == 7 == _shortest("none", "NoStaleWrite")
    assert str(e).startswith("spec LeaseLock: invariant NoStaleWrite is false after step 7, Write(c=")
