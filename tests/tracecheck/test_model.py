"""tracecheck.model: the lease-lock service and storage of examples/systems, driven by
specs/lease_lock.spec and judged only by the records they log, through the mapping
`tracecheck validate` reads their logs with (examples/systems/lease_lock.toml). With write
fencing they follow STORE="write"; the seeded bug (the storage accepts every write while it
claims write fencing) is found on its write record and shrunk to the 7 steps of the shortest
stale write; a step that logs another instance, or nothing, is a divergence."""

from __future__ import annotations

import os
import sys

import pytest
from hypothesis import HealthCheck, settings

import pyspec
import tracecheck
import tracecheck.model
from pyspec.errors import UsageError
from pyspec.testing import ModelFailure

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "examples", "systems"))

from lease_lock_model import LoggedLeaseLock, LoggedTokenIgnoringStorage  # noqa: E402

MAPPING = os.path.join(ROOT, "examples", "systems", "lease_lock.toml")
STORAGE_INVARIANTS = ["NoStaleWrite", "FreshWriteAccepted"]  # as tests/systems/test_lease_lock_model.py
NO_RELEASE = ["Acquire", "Expire", "Read", "Write"]
RUNS = settings(max_examples=30, stateful_step_count=8, database=None, deadline=None, report_multiple_bugs=False,
                suppress_health_check=list(HealthCheck))


def _failure(adapter, **options) -> ModelFailure:
    machine = tracecheck.model.state_machine(MAPPING, adapter, {"STORE": "write"}, invariants=STORAGE_INVARIANTS,
                                             settings=RUNS, seed=0, **options)
    with pytest.raises(ModelFailure) as info:
        machine.TestCase().runTest()
    return info.value


def test_the_fenced_storage_and_the_lock_service_follow_the_spec_by_their_logs():
    more = settings(RUNS, max_examples=60, stateful_step_count=10)
    tracecheck.model.state_machine(MAPPING, LoggedLeaseLock, {"STORE": "write"}, invariants=STORAGE_INVARIANTS,
                                   settings=more, seed=0).TestCase().runTest()


@pytest.mark.slow
def test_the_storage_that_ignores_tokens_is_caught_on_its_write_record_and_shrunk():
    e = _failure(LoggedTokenIgnoringStorage, actions=NO_RELEASE)
    shortest = pyspec.check(pyspec.load(os.path.join(ROOT, "specs", "lease_lock.spec"), {"STORE": "none"}),
                            invariants=["NoStaleWrite"])
    assert e.kind == "diverges" and len(e.steps) == 7 == len(shortest.trace)
    assert sorted(e.steps[:3]) == ["Acquire(c=0)", "Acquire(c=1)", "Expire()"]
    stale = e.steps[-1]
    assert stale.startswith("Write(c=") and stale != e.steps[-2]
    text = str(e)
    assert f"after step 7, {stale}, what it shows is no step the spec allows" in text
    # the storage's record of the stale write, and why the spec refuses it
    assert f'"event": "write", "client": {stale[8]}, "token": 1, "value": 1, "ok": true, "highest": 2}}' in text
    assert ("(rule 'write'): the record says ok = True; the spec allows (phase[client] == \"done\") = False"
            in text), text


class MisdirectedAcquire(LoggedLeaseLock):
    """Asks the service for the lock on behalf of the other client."""

    def Acquire(self, c: int) -> None:
        super().Acquire(1 - c)


class SilentExpire(LoggedLeaseLock):
    """Lets no time pass: the lease does not run out, and the service logs no expire."""

    def Expire(self) -> None:
        self.service.expire()


def test_a_step_that_logs_another_instance_of_its_action_diverges():
    e = _failure(MisdirectedAcquire, actions=["Acquire"])
    assert e.steps == ("Acquire(c=0)",) or e.steps == ("Acquire(c=1)",)
    other = 1 - int(e.steps[0][len("Acquire(c="):-1])
    assert f"why: lock.jsonl:1 logs Acquire(c={other}) (rule 'grant'); the step taken was {e.steps[0]}" in str(e)


def test_a_step_of_a_logged_action_that_logs_nothing_diverges():
    e = _failure(SilentExpire, actions=["Acquire", "Expire"])
    assert e.steps[-1] == "Expire()" and len(e.steps) == 2
    assert str(e).endswith("    seen: nothing\n    why: the step logged no record of Expire (the mapping maps "
                           "Expire, so it is logged)"), str(e)


class ClientsLogToo(LoggedLeaseLock):
    """The clients log as examples/systems/lockclient.py does: `granted` after the service's
    grant (its Lamport clock past the grant's), which the mapping reads as an observation."""

    def __init__(self) -> None:
        super().__init__()
        from node import Log

        self.client_logs = [Log(self.log_file(f"client-{c}"), c, c) for c in range(self.CLIENTS)]

    def Acquire(self, c: int) -> None:
        super().Acquire(c)
        me, log = self.clients[c], self.client_logs[c]
        log.receive(self.service.log.lamport)
        log.event("granted", token=me.token)

    def logs(self) -> list[str]:
        return super().logs() + [self.log_file(f"client-{c}") for c in range(self.CLIENTS)]

    def close(self) -> None:
        for log in self.client_logs:
            log.file.close()
        super().close()


def test_a_record_logged_after_the_action_s_record_is_read_in_the_state_after():
    # `granted` observes believes[me]: true after the grant, false before it
    tracecheck.model.state_machine(MAPPING, ClientsLogToo, {"STORE": "write"}, actions=["Acquire", "Release"],
                                   settings=RUNS, seed=0).TestCase().runTest()


class GrantsAtStart(LoggedLeaseLock):
    """Logs a grant before any step: the service starts with the lock taken."""

    def __init__(self) -> None:
        super().__init__()
        self.service.log.event("grant", client=0, token=1)


def test_an_action_s_record_before_any_step_is_an_initial_divergence():
    e = _failure(GrantsAtStart)
    assert e.kind == "initial" and e.steps == ()
    assert "why: lock.jsonl:1 logs Acquire(c=0) (rule 'grant'), but no action was taken" in str(e), str(e)


def test_an_adapter_without_logs_and_params_with_a_loaded_mapping_are_refused():
    class Unlogged:
        def Acquire(self, c): ...

    with pytest.raises(UsageError) as info:
        tracecheck.model.state_machine(MAPPING, Unlogged)
    assert info.value.code == "TC415" and "has no logs() method" in info.value.message
    with pytest.raises(UsageError) as info:
        tracecheck.model.state_machine(tracecheck.load_mapping(MAPPING), LoggedLeaseLock, {"STORE": "write"})
    assert info.value.code == "TC416"
