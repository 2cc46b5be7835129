"""etcd 3.4 (the Debian package's binary), a lease lock through etcd3gw, a register in
PostgreSQL (examples/realsystems/etcd/): a lock holder paused past its lease writes with its
stale token after the next holder. Unfenced storage accepts the write (NoStaleWrite is false on
the log), fenced storage rejects it; both logs conform to specs/lease_lock_revision.spec."""

from __future__ import annotations

import json
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import tracecheck  # noqa: E402
from examples.realsystems import proc  # noqa: E402
from examples.realsystems.etcd import scenario  # noqa: E402
from tracecheck.testing import assert_conforms  # noqa: E402

MAP = os.path.join(ROOT, "examples", "realsystems", "etcd", "etcd_lock.toml")
INVS = ["MutexBelief", "NoStaleWrite", "NoLostUpdate", "FreshWriteAccepted"]

def _postgres_installed() -> bool:
    from examples.realsystems.postgres import pg_bin
    try:
        return bool(pg_bin())
    except FileNotFoundError:
        return False


pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/etcd") or not _postgres_installed(),
                                reason="needs the Debian packages etcd-server and postgresql (make test installs them)")


@pytest.fixture
def etcd_run(tmp_path):
    """Run a scenario (the test calls it); afterwards every pid it started, etcd's, PostgreSQL's
    and the clients', must be gone and every server port closed, whether the run passed or
    failed."""
    pids: dict[str, int] = {}
    ports: dict[str, int] = {}
    yield lambda **kw: scenario.run(str(tmp_path), pids=pids, ports=ports, **kw)
    assert pids, "the scenario started nothing"
    left = {name: pid for name, pid in pids.items() if proc.alive(pid)}
    listening = {name: port for name, port in ports.items() if proc.port_open(port)}
    assert not left, f"processes left running: {left}"
    assert not listening, f"ports still listening: {listening}"


def _records(logs):
    return [r for path in logs for r in scenario.read_log(path)]


def _spans(result, name):
    return [v for v in result.violations if v.invariant == name]


def _writes(logs):
    return sorted((r for r in _records(logs) if r["event"] == "write"), key=lambda r: r["time"])


def test_healthy_run_conforms_and_is_safe(etcd_run):
    r = etcd_run(fencing="write", pause=False)
    assert set(r.pids) == {"etcd", "postgres", "client-0", "client-1"}
    writes = _writes(r.logs)
    assert [(w["node"], w["ok"]) for w in writes] == [(0, True), (1, True)]
    assert writes[0]["token"] < writes[1]["token"] and r.register == (2, writes[1]["token"])
    assert_conforms(MAP, r.logs, params={"STORE": "write"}, invariants=INVS, no_invariant_violations=True)


def test_paused_holder_unfenced_storage_accepts_the_stale_write(etcd_run):
    r = etcd_run(fencing="none", pause=True)
    writes = _writes(r.logs)
    # Client 1 took the lock after client 0's lease expired, with a larger revision; client 0,
    # continued, wrote after it with its old token, and the storage took it.
    assert [(w["node"], w["ok"]) for w in writes] == [(1, True), (0, True)]
    assert writes[1]["token"] < writes[0]["token"]
    assert r.register == (1, writes[1]["token"])   # an increment lost, the stale token stored
    result = assert_conforms(MAP, r.logs, params={"STORE": "none"}, invariants=INVS)
    stale = _spans(result, "NoStaleWrite")
    assert stale and all(v.definite == v.records for v in stale)
    assert json.loads(stale[0].first.raw) == writes[1]
    assert _spans(result, "NoLostUpdate") and _spans(result, "MutexBelief")
    # The same log is no behaviour of a fenced storage: it diverges at the stale write.
    fenced = tracecheck.validate(MAP, r.logs, params={"STORE": "write"})
    assert not fenced.conforms and json.loads(fenced.divergence.record.raw) == writes[1]
    assert fenced.divergence.step == "Write(c=0)"


def test_paused_holder_fenced_storage_rejects_the_stale_write(etcd_run):
    r = etcd_run(fencing="write", pause=True)
    writes = _writes(r.logs)
    assert [(w["node"], w["ok"]) for w in writes] == [(1, True), (0, False)]
    assert r.register == (1, writes[0]["token"])
    result = assert_conforms(MAP, r.logs, params={"STORE": "write"}, invariants=INVS)
    assert not _spans(result, "NoStaleWrite") and not _spans(result, "NoLostUpdate")
    assert not _spans(result, "FreshWriteAccepted")
    mutex = _spans(result, "MutexBelief")   # both clients believed they held the lock
    assert mutex and json.loads(mutex[0].first.raw)["event"] == "granted" and json.loads(mutex[0].first.raw)["node"] == 1
