"""pysyncobj, three real Raft nodes on 127.0.0.1 (examples/realsystems/raft/), with client
writes: their logs of log replication (appends, truncations, matches, commits) conform to
specs/raft.spec through raft_log.toml, with ElectionSafety, LogMatching, LeaderCompleteness and
StateMachineSafety true on them; the leader paused right after appending a write loses that
entry to the new leader's; and a log edited to commit that entry is rejected at the record."""

from __future__ import annotations

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import tracecheck  # noqa: E402
from pyspec import Verdict, check, load  # noqa: E402
from examples.realsystems.raft import scenario  # noqa: E402
from tracecheck.cli import main as tracecheck_main  # noqa: E402
from tracecheck.testing import assert_conforms  # noqa: E402

HERE = os.path.join(ROOT, "examples", "realsystems", "raft")
MAP = os.path.join(HERE, "raft_log.toml")
TERMS_MAP = os.path.join(HERE, "raft.toml")
SAMPLE = os.path.join(HERE, "sample-log")
INVS = ["ElectionSafety", "LogMatching", "LeaderCompleteness", "StateMachineSafety"]


def _records(logs):
    return [r for path in logs for r in scenario.read_log(path)]


def _params(logs):
    """The spec's bounds for a run: its highest term and its last index (pysyncobj's index 1 is
    its own entry, not the spec's)."""
    recs = _records(logs)
    last = max(r.get("index", r.get("last_index", 1)) for r in recs)
    return {"MaxTerm": str(max(4, max(r["term"] for r in recs))), "MaxLog": str(max(10, last - 1))}


def _sample():
    return sorted(os.path.join(SAMPLE, f) for f in os.listdir(SAMPLE) if f.endswith(".jsonl"))


def _stale_entry(logs, node):
    """The last entry `node` appended as a leader of its own (the paused leader's last write)."""
    return [r for r in scenario.read_log(logs[node]) if r["event"] == "append" and r["as"] == "leader"][-1]


def _commit_stale_entry(logs, node, out_dir):
    """Copy the logs to out_dir with one record added right after node's stale entry: the node
    commits it. Returns the new logs and the added record."""
    stale = _stale_entry(logs, node)
    bad = {"time": stale["time"] + 1e-6, "node": node, "event": "commit", "commit_index": stale["index"],
           "term": stale["term"], "state": "leader"}
    out = []
    for path in logs:
        recs = scenario.read_log(path)
        if recs and recs[0]["node"] == node:
            recs.insert(recs.index(stale) + 1, bad)
        dst = os.path.join(out_dir, os.path.basename(path))
        with open(dst, "w") as f:
            f.write("".join(json.dumps(x) + "\n" for x in recs))
        out.append(dst)
    return out, bad


def test_healthy_cluster_with_writes_conforms_to_raft_with_its_log(raft_run):
    r = raft_run(pause=False, writes=3, settle=0.3)
    recs = _records(r.logs)
    writes = [x for x in recs if x["event"] == "append" and x["kind"] == "write"]
    assert len({x["value"] for x in writes}) == 3 and len(writes) == 9   # each write in all three logs
    assert all(scenario.commit_index(path) >= max(x["index"] for x in writes) for path in r.logs)
    result = assert_conforms(MAP, r.logs, params=_params(r.logs), invariants=INVS, no_invariant_violations=True)
    assert result.records == len(recs)
    assert_conforms(TERMS_MAP, r.logs, params={"MaxTerm": _params(r.logs)["MaxTerm"]})   # the same logs, terms only


def test_paused_leader_loses_its_unreplicated_write_and_the_run_conforms(raft_run, tmp_path):
    r = raft_run(pause=True, writes=2, settle=0.3)
    assert r.new_leader != r.old_leader and r.new_term > r.old_term
    old = scenario.read_log(r.logs[r.old_leader])
    stale = _stale_entry(r.logs, r.old_leader)
    resumed = next(x for x in old if x["event"] == "resumed")
    # Stopped right after appending the write, before sending it: it wakes with the entry as its
    # last, uncommitted, in its old term ...
    assert stale["kind"] == "write" and stale["entry_term"] == r.old_term
    assert (resumed["last_index"], resumed["last_term"]) == (stale["index"], r.old_term)
    assert resumed["commit_index"] < stale["index"]
    # ... which no other node has, and the new leader's entry at that index replaces it.
    others = [x for i, path in enumerate(r.logs) if i != r.old_leader for x in scenario.read_log(path)]
    assert not [x for x in others if x["event"] == "append" and x.get("value") == stale["value"]]
    after = old[old.index(resumed):]
    cut = next(x for x in after if x["event"] == "truncate")
    assert cut["index"] == stale["index"] and cut["terms"][0] == r.old_term
    put = after[after.index(cut) + 1]
    assert put["event"] == "append" and put["index"] == stale["index"] and put["entry_term"] > r.old_term
    # Every write but the lost one is committed by every node.
    values = {x["value"] for x in _records(r.logs) if x["event"] == "client_request"}
    assert len(values) == r.written == 7
    last_write = max(x["index"] for x in _records(r.logs) if x["event"] == "append" and x["kind"] == "write")
    assert all(scenario.commit_index(path) >= last_write for path in r.logs)

    assert_conforms(MAP, r.logs, params=_params(r.logs), invariants=INVS, no_invariant_violations=True)
    # And this run, edited so that the old leader commits the entry it is about to lose, is not
    # a behaviour of Raft, at the record that commits it.
    out, bad = _commit_stale_entry(r.logs, r.old_leader, str(tmp_path))
    result = tracecheck.validate(MAP, out, params=_params(out))
    assert not result.conforms and json.loads(result.divergence.record.raw) == bad


def test_a_leader_committing_an_entry_no_majority_holds_diverges_at_that_record(tmp_path, capsys):
    """The committed sample run, with the paused leader's last write (appended in term 1, never
    sent, replaced in term 2) marked committed right after it was appended."""
    logs = _sample()
    old = next(i for i, path in enumerate(logs) if any(x["event"] == "resumed" for x in scenario.read_log(path)))
    out, bad = _commit_stale_entry(logs, old, str(tmp_path))

    result = tracecheck.validate(MAP, out, params=_params(out))
    assert not result.conforms
    d = result.divergence
    assert json.loads(d.record.raw) == bad
    assert d.step == f"AdvanceCommit(s={old}, i={bad['commit_index'] - 1})"
    reasons = [x for c in d.explained for x in c.reasons]
    assert reasons and all(x.kind == "require" and "matchIndex[s][d] >= i" in x.clause for x in reasons)

    code = tracecheck_main(["validate", "--mapping", MAP, *out])
    text = capsys.readouterr().out
    assert code == 1
    assert f"DIVERGES at record {d.record.index} ({os.path.basename(d.record.file)}:{d.record.line})" in text
    assert json.dumps(bad) in text


def test_sample_run_conforms_with_the_raft_invariants():
    logs = _sample()
    result = assert_conforms(MAP, logs, params=_params(logs), invariants=INVS, no_invariant_violations=True)
    recs = _records(logs)
    assert result.records == len(recs)
    assert [x for x in recs if x["event"] == "truncate"]   # the sample shows the lost write


def test_edited_sample_is_the_sample_with_the_stale_entry_committed(tmp_path):
    """examples/realsystems/raft/sample-log-edited/ (shown in docs/realsystems.md) is what the
    edit above makes of the sample."""
    logs = _sample()
    old = next(i for i, path in enumerate(logs) if any(x["event"] == "resumed" for x in scenario.read_log(path)))
    out, _ = _commit_stale_entry(logs, old, str(tmp_path))
    edited = os.path.join(HERE, "sample-log-edited")
    for path in out:
        with open(path) as made, open(os.path.join(edited, os.path.basename(path))) as shipped:
            assert made.read() == shipped.read()


def test_a_vote_that_reaches_a_leader_keeps_raft_safe():
    """raft_late_votes.spec (raft.spec and GrantVote, a vote also for a candidate that already
    leads) keeps the four invariants at raft.spec's smallest bounds with two terms, in a few
    more states than raft.spec's 4,731."""
    spec = load(os.path.join(HERE, "raft_late_votes.spec"), {"MaxTerm": "2", "MaxLog": "1"})
    r = check(spec, invariants=tuple(INVS), reachables=())
    assert (r.verdict, r.stats["states"]) == (Verdict.HOLDS, 4_755)


def _late_term_log(tmp_path, late_term: int):
    """Three nodes: 2 leads term 1, then 0 leads term 2; node 1, which heard nothing (paused),
    then reads a vote request of 2's carrying term `late_term`."""
    t = iter(range(1000))
    recs = {0: [], 1: [], 2: []}

    def log(node, **fields):
        recs[node].append({"time": 1000 + next(t) / 1000, "node": node, **fields})

    for n in (0, 1, 2):
        log(n, event="start", term=0, state="follower", pid=1)
    log(2, event="state", state="candidate", term=0)
    log(2, event="candidate", term=1, voted_for=2)
    log(0, event="new_term", term=1, voted_for=None, **{"from": 2, "on": "request_vote"})
    log(0, event="vote", term=1, voted_for=2, **{"from": 2, "on": "request_vote"})
    log(2, event="state", state="leader", term=1)
    log(0, event="state", state="candidate", term=1)
    log(0, event="candidate", term=2, voted_for=0)
    log(2, event="new_term", term=2, voted_for=None, **{"from": 0, "on": "request_vote"})
    log(2, event="vote", term=2, voted_for=0, **{"from": 0, "on": "request_vote"})
    log(0, event="state", state="leader", term=2)
    log(1, event="new_term", term=late_term, voted_for=None, **{"from": 2, "on": "request_vote"})
    paths = []
    for n, rs in recs.items():
        p = tmp_path / f"node-{n}.jsonl"
        p.write_text("".join(json.dumps(r) + "\n" for r in rs))
        paths.append(str(p))
    return paths


def test_a_vote_request_of_an_earlier_term_read_late_conforms(tmp_path):
    # Seen in a real paused-leader run: the resumed node read a request that 2 sent in term 1
    # (here) after 2 had moved on to term 2; the node adopts the term the message carried.
    assert tracecheck.validate(MAP, _late_term_log(tmp_path, 1)).conforms
    # a term no one has reached yet cannot come from anyone
    r = tracecheck.validate(MAP, _late_term_log(tmp_path, 3))
    assert r.verdict is Verdict.DIVERGES and r.divergence is not None
