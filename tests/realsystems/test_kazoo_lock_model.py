"""kazoo's `Lock` recipe against a real ZooKeeper (started by pid for this module), driven by
specs/try_lock.spec through pyspec.testing: two clients, each with its own session, try to take
the lock without waiting and release it. It follows the spec; an adapter that gives each client
a lock of its own (a deliberate mistake) shows what a failure looks like.

With sessions that expire (specs/try_lock_session.spec, `Expire(c)` ends client c's session on
the server): kazoo follows that spec too, and so its `Lock` still says `is_acquired` after its
session, and with it the lock node, is gone; the run that breaks Mutex (two clients that both
believe they hold the lock) is found, 3 steps."""

from __future__ import annotations

import itertools
import os
import sys
import threading

import pytest
from hypothesis import HealthCheck, Phase, settings

import pyspec.testing
from pyspec.testing import ModelFailure

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

SPEC = os.path.join(ROOT, "specs", "try_lock.spec")
SESSION_SPEC = os.path.join(ROOT, "specs", "try_lock_session.spec")
RUNS = settings(max_examples=12, stateful_step_count=6, database=None, deadline=None, report_multiple_bugs=False,
                suppress_health_check=list(HealthCheck))
# Every test here shares the module's ZooKeeper: one xdist worker runs them all.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("zookeeper_model")]


@pytest.fixture(scope="module")
def sessions(zookeeper_server):
    """Two kazoo clients (two sessions), connected for the whole module."""
    from kazoo.client import KazooClient
    clients = [KazooClient(hosts=zookeeper_server.hosts, timeout=10) for _ in range(2)]
    try:
        for k in clients:
            k.start(timeout=20)
        yield clients
    finally:
        for k in clients:
            k.stop()
            k.close()


class KazooLockAdapter:
    """Client c's lock is kazoo's `Lock(session c, path)`; every test case gets a new path.
    `holds[c]` is what client c's Lock says (`is_acquired`); `owner` is the server's view: the
    identifier in the first contender's lock node (asked through each client's Lock), -1 when
    there is none."""

    def __init__(self, clients, path: str) -> None:
        from kazoo.recipe.lock import Lock
        self.path = path
        self.locks = [Lock(k, self.lock_path(c), identifier=str(c)) for c, k in enumerate(clients)]

    def lock_path(self, c: int) -> str:
        return self.path

    def TryAcquire(self, c: int) -> None:
        self.locks[c].acquire(blocking=False)

    def Release(self, c: int) -> None:
        self.locks[c].release()

    def observe(self) -> dict:
        firsts = [int(cs[0]) for cs in (lock.contenders() for lock in self.locks) if cs]
        return {"holds": {c: lock.is_acquired for c, lock in enumerate(self.locks)},
                "owner": firsts[0] if firsts else -1}

    def close(self) -> None:
        for lock in self.locks:
            if lock.is_acquired:
                lock.release()


class OneLockPerClient(KazooLockAdapter):
    """The mistake: each client locks a path of its own, so each one gets "the" lock."""

    def lock_path(self, c: int) -> str:
        return f"{self.path}/{c}"


class ExpiringSessionAdapter(KazooLockAdapter):
    """`Expire(c)`: client c's session ends on the server, as when ZooKeeper expires it (a
    second connection to the same session, closed: the server deletes the session's ephemeral
    nodes); kazoo sees the session lost and opens a new one, and the step waits for that."""

    hosts = ""
    expired: list[int] = []  # the clients whose session the runs expired (a list per test)

    def __init__(self, clients, path: str) -> None:
        super().__init__(clients, path)
        self.clients = clients

    def Expire(self, c: int) -> None:
        from kazoo.client import KazooClient, KazooState

        client = self.clients[c]
        lost, back = threading.Event(), threading.Event()

        def listen(state) -> bool:
            if state == KazooState.LOST:
                lost.set()
            elif state == KazooState.CONNECTED and lost.is_set():
                back.set()
                return True  # done: kazoo removes the listener
            return False

        client.add_listener(listen)
        clone = KazooClient(hosts=self.hosts, client_id=client.client_id, timeout=10)
        clone.start(timeout=20)
        clone.stop()
        clone.close()
        assert back.wait(20), f"client {c}'s session was not replaced within 20 s"
        self.expired.append(c)


def _factory(cls, clients, **attributes):
    paths = (f"/pyspec-model/{cls.__name__}/{n}" for n in itertools.count())
    cls = type(cls.__name__, (cls,), attributes) if attributes else cls
    return lambda: cls(clients, next(paths))


def test_kazoo_s_lock_follows_the_try_lock_spec(sessions):
    pyspec.testing.state_machine(SPEC, _factory(KazooLockAdapter, sessions), settings=RUNS,
                                 seed=0).TestCase().runTest()


def test_a_broken_adapter_shows_what_a_failure_looks_like(sessions):
    machine = pyspec.testing.state_machine(SPEC, _factory(OneLockPerClient, sessions), settings=RUNS, seed=0)
    with pytest.raises(ModelFailure) as info:
        machine.TestCase().runTest()
    e = info.value
    assert e.kind == "diverges" and len(e.steps) == 2 and all(s.startswith("TryAcquire(c=") for s in e.steps)
    first, second = (s[len("TryAcquire(c="):-1] for s in e.steps)
    assert first != second
    text = str(e)
    assert text.startswith(f"spec TryLock: the implementation diverged: after step 2, TryAcquire(c={second}), "
                           "it shows a state that is no successor the spec allows")
    # the spec: the second try fails (the first client holds the lock); kazoo: it succeeds
    spec_line = [ln for ln in text.splitlines() if ln.startswith("    the spec: ")]
    seen_line = [ln for ln in text.splitlines() if ln.startswith("    observed: ")]
    assert len(spec_line) == len(seen_line) == 1
    assert f"{second}: False" in spec_line[0] and f"{second}: True" in seen_line[0]


def test_kazoo_s_lock_follows_the_spec_with_sessions_that_expire(sessions, zookeeper_server):
    expired: list[int] = []
    adapter = _factory(ExpiringSessionAdapter, sessions, hosts=zookeeper_server.hosts, expired=expired)
    pyspec.testing.state_machine(SESSION_SPEC, adapter, invariants=["OwnerHolds"], settings=RUNS,
                                 seed=0).TestCase().runTest()
    assert expired, "no run expired a session"


def test_kazoo_s_lock_still_says_it_is_acquired_after_its_session_is_lost(sessions, zookeeper_server):
    adapter = _factory(ExpiringSessionAdapter, sessions, hosts=zookeeper_server.hosts, expired=[])
    # Each expiry costs a reconnection (a quarter of a second): without Release (which only
    # delays the run that matters) and without hypothesis's shrinker; pyspec's own pass (the
    # failing run replayed without each step, until none can go) leaves the shortest run.
    quick = settings(RUNS, phases=[Phase.explicit, Phase.reuse, Phase.generate])
    machine = pyspec.testing.state_machine(SESSION_SPEC, adapter, actions=["TryAcquire", "Expire"],
                                           invariants=["Mutex"], settings=quick, seed=0)
    with pytest.raises(ModelFailure) as info:
        machine.TestCase().runTest()
    e = info.value
    # kazoo followed the spec to a state where both clients' Locks say is_acquired
    assert e.kind == "violated" and e.invariant == "Mutex" and len(e.steps) == 3, str(e)
    first, expired, second = e.steps
    assert first.startswith("TryAcquire(c=") and expired == "Expire(c=" + first[len("TryAcquire(c="):]
    assert second.startswith("TryAcquire(c=") and second != first
    assert e.trace.steps[-1].state[0] == (True, True)  # holds: both clients
