"""Apache ZooKeeper (standalone, real and unmodified), kazoo's Election recipe in two client
processes, and PostgreSQL as the storage (examples/realsystems/zookeeper/): the leader is
paused past its session timeout until the other client leads, then continued. The logs conform
to zk_lock_election.spec; AtMostOneLeader is false while both believe they lead; the old
leader's write with its stale token is accepted without fencing and rejected by PostgreSQL
with it, and NoStaleWrite then holds."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import tracecheck  # noqa: E402
from examples.realsystems import proc  # noqa: E402
from examples.realsystems.zookeeper.scenario import read_log  # noqa: E402
from pyspec import Verdict  # noqa: E402
from tracecheck.testing import assert_conforms  # noqa: E402

HERE = os.path.join(ROOT, "examples", "realsystems", "zookeeper")
MAP = os.path.join(HERE, "zk.toml")
SPEC = os.path.join(HERE, "zk_lock_election.spec")
INVS = ["AtMostOneLeader", "NoStaleWrite", "FreshWriteAccepted"]


def _records(logs):
    return {os.path.basename(p): read_log(p) for p in logs}


def _line(records, file, pred):
    """The 1-based line of the first record of `file` that satisfies pred."""
    return next(i for i, r in enumerate(records[file], 1) if pred(r))


def _where(ref):
    return f"{os.path.basename(ref.file)}:{ref.line}"


def _spans(result, name):
    return [v for v in result.violations if v.invariant == name]


def _assert_stopped(run):
    """ZooKeeper, PostgreSQL and both clients were started by pid and are gone, ports closed."""
    assert sorted(run.pids) == ["client-0", "client-1", "postgres", "zookeeper"]
    assert not [name for name, pid in run.pids.items() if proc.alive(pid)]
    assert not [name for name, port in run.ports.items() if proc.port_open(port)]


def _check_takeover(logs):
    """What both scenarios share, read from the logs: client 0 led first, client 1 led next
    with a larger token (czxid), client 0 wrote after the resume with its old token and then
    heard LOST. Returns (records, old token, new token, line of client 0's stale write)."""
    recs = _records(logs)
    c0, c1, h = recs["client-0.jsonl"], recs["client-1.jsonl"], recs["harness.jsonl"]
    [led0] = [r for r in c0 if r["event"] == "became_leader"]
    [led1] = [r for r in c1 if r["event"] == "became_leader"]
    old, new = led0["token"], led1["token"]
    assert old < new
    [pause] = [r for r in h if r["event"] == "pause"]
    [resume] = [r for r in h if r["event"] == "resume"]
    assert pause["mono"] < led1["mono"] < resume["mono"]
    after = [r for r in c0 if r["mono"] > resume["mono"]]
    writes = [r for r in after if r["event"] == "write"]
    lost = [r for r in after if r["event"] == "state" and r["state"] == "LOST"]
    assert writes and lost and writes[0]["token"] == old
    line = _line(recs, "client-0.jsonl", lambda r: r is writes[0])
    return recs, old, new, line


def _check_two_leaders(result, recs):
    """AtMostOneLeader is definitely false from client 1's election until client 0 stops
    believing (its LOST, or a rejected write), and nowhere else."""
    [span] = _spans(result, "AtMostOneLeader")
    assert span.certainty == "definitely"
    assert _where(span.first) == f"client-1.jsonl:{_line(recs, 'client-1.jsonl', lambda r: r['event'] == 'became_leader')}"
    stepped_down = _line(recs, "client-0.jsonl", lambda r: (r["event"] == "state" and r["state"] == "LOST")
                         or (r["event"] == "write" and not r["accepted"]))
    # the span ends at the record just before client 0 steps down, in the merged order: which file
    # holds it depends on timing (client 0's own write, client 1's heartbeat, the harness's resume)
    last = recs[os.path.basename(span.last.file)][span.last.line - 1]
    down = recs["client-0.jsonl"][stepped_down - 1]
    assert last["mono"] < down["mono"]
    assert not any(last["mono"] < r["mono"] < down["mono"] for rs in recs.values() for r in rs)


@pytest.mark.slow
def test_paused_leader_unfenced_two_leaders_and_a_stale_write_accepted(zookeeper_run):
    r = zookeeper_run(fenced=False)
    _assert_stopped(r)
    recs, old, new, line = _check_takeover(r.logs)
    assert recs["client-0.jsonl"][line - 1]["accepted"] is True   # PostgreSQL took the stale token
    result = assert_conforms(MAP, r.logs, params={"STORE": "none"}, invariants=INVS)
    assert result.matched == sum(len(v) for v in recs.values())
    _check_two_leaders(result, recs)
    [stale] = _spans(result, "NoStaleWrite")
    assert stale.certainty == "definitely"
    assert _where(stale.first) == f"client-0.jsonl:{line}"             # named: the stale write
    assert not _spans(result, "FreshWriteAccepted")
    text = tracecheck.render_text(result)
    assert f"NoStaleWrite false from record {stale.first.index} (client-0.jsonl:{line})" in text
    # The same log read as if PostgreSQL had fenced: the accepted stale write has no explanation.
    against_fenced = tracecheck.validate(MAP, r.logs, params={"STORE": "fenced"})
    assert against_fenced.verdict is Verdict.DIVERGES
    assert _where(against_fenced.divergence.record) == f"client-0.jsonl:{line}"


@pytest.mark.slow
def test_paused_leader_fenced_postgres_rejects_the_stale_write(zookeeper_run):
    r = zookeeper_run(fenced=True)
    _assert_stopped(r)
    recs, old, new, line = _check_takeover(r.logs)
    assert recs["client-0.jsonl"][line - 1]["accepted"] is False   # PostgreSQL refused it
    assert r.final["token"] == new                                 # and kept the new leader's write
    assert r.final["value"].startswith("client-1/")
    result = assert_conforms(MAP, r.logs, params={"STORE": "fenced"}, invariants=INVS)
    assert result.matched == sum(len(v) for v in recs.values())
    _check_two_leaders(result, recs)                  # two leaders at once all the same ...
    assert "NoStaleWrite" in result.invariants        # ... but the storage stayed safe
    assert not _spans(result, "NoStaleWrite") and not _spans(result, "FreshWriteAccepted")
    against_unfenced = tracecheck.validate(MAP, r.logs, params={"STORE": "none"})
    assert against_unfenced.verdict is Verdict.DIVERGES
    assert _where(against_unfenced.divergence.record) == f"client-0.jsonl:{line}"


@pytest.mark.slow
def test_control_without_pause_one_leader_no_stale_write(zookeeper_run):
    """The same processes, nobody paused: client 0 leads and writes for as long as the paused
    run takes, client 1 waits; the log conforms and no invariant is false on it."""
    r = zookeeper_run(fenced=False, pause=False)
    _assert_stopped(r)
    recs = _records(r.logs)
    assert [x["client"] for f in recs.values() for x in f if x["event"] == "became_leader"] == [0]
    assert len([x for x in recs["client-0.jsonl"] if x["event"] == "write" and x["accepted"]]) >= 8
    assert r.final["value"].startswith("client-0/")
    result = assert_conforms(MAP, r.logs, params={"STORE": "none"}, invariants=INVS, no_invariant_violations=True)
    assert not result.violations and result.invariants == tuple(INVS)


@pytest.mark.parametrize("store, stale", [("none", True), ("fenced", False)])
def test_committed_samples(store, stale):
    """The sample runs shown in docs/realsystems.md (no servers needed)."""
    sample = os.path.join(HERE, "sample-unfenced" if store == "none" else "sample-fenced")
    logs = sorted(os.path.join(sample, f) for f in os.listdir(sample) if f.endswith(".jsonl"))
    result = assert_conforms(MAP, logs, params={"STORE": store}, invariants=INVS)
    recs, old, new, line = _check_takeover(logs)
    _check_two_leaders(result, recs)
    assert bool(_spans(result, "NoStaleWrite")) is stale


def _check(store, inv):
    out = subprocess.run([sys.executable, "-m", "pyspec.cli", "check", SPEC, "-D", f"STORE={store}",
                          "--invariant", inv, "--json"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)


@pytest.mark.parametrize("store", ["none", "fenced"])
def test_spec_two_leaders_whatever_the_storage(store):
    """The spec alone (NC=2, MaxToken=3) says the same: a client paused between its election
    and its LOST believes it leads beside the next leader, 5 steps from the start."""
    result = _check(store, "AtMostOneLeader")
    assert result["verdict"] == "violated" and len(result["trace"]["states"]) - 1 == 5


@pytest.mark.parametrize("store, verdict, steps, states", [("none", "violated", 9, None),
                                                            ("fenced", "holds", None, 8748)])
def test_spec_stale_write_only_without_the_fence(store, verdict, steps, states):
    result = _check(store, "NoStaleWrite")
    assert result["verdict"] == verdict
    if steps is not None:
        assert len(result["trace"]["states"]) - 1 == steps
    if states is not None:   # a changed count is a semantic change to explain
        assert result["stats"]["states"] == states
