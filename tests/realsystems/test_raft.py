"""pysyncobj, three real Raft nodes on 127.0.0.1 (examples/realsystems/raft/): the leader is
paused until another node leads in a higher term, then continued. The logs conform to
specs/raft_terms.spec; AtMostOneLeader is false while both believe they lead, ElectionSafety
(one leader per term) holds."""

from __future__ import annotations

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import tracecheck  # noqa: E402
from examples.realsystems.raft import scenario  # noqa: E402
from tracecheck.testing import assert_conforms  # noqa: E402

MAP = os.path.join(ROOT, "examples", "realsystems", "raft", "raft.toml")
SAMPLE = os.path.join(ROOT, "examples", "realsystems", "raft", "sample")
INVS = ["AtMostOneLeader", "ElectionSafety", "OneLeaderPerTerm"]
TERM_EVENTS = ("candidate", "new_term", "vote", "state")


def _records(logs):
    return [r for path in logs for r in scenario.read_log(path)]


def _params(logs):
    return {"MaxTerm": str(max(8, max(r["term"] for r in _records(logs))))}


def test_healthy_cluster_conforms_with_one_leader(raft_run):
    r = raft_run(pause=False)
    assert len(r.pids) == 3
    result = assert_conforms(MAP, r.logs, params=_params(r.logs), invariants=INVS)
    leaders = [x for x in _records(r.logs) if x["event"] == "state" and x["state"] == "leader"]
    assert leaders   # somebody led, so the invariants were checked on a leader
    # Without a pause, two leaders at once could only come from a spurious election on a busy
    # machine, and then only in different terms.
    assert not [v for v in result.violations if v.invariant != "AtMostOneLeader"]


def test_paused_leader_resumes_believing_it_leads_in_an_old_term(raft_run):
    r = raft_run(pause=True)
    assert r.new_leader != r.old_leader and r.new_term > r.old_term
    recs = _records(r.logs)
    elected = next(x for x in recs if x["node"] == r.new_leader and x["event"] == "state"
                   and x["state"] == "leader" and x["term"] == r.new_term)
    resumed = next(x for x in recs if x["node"] == r.old_leader and x["event"] == "resumed")
    # The old leader, continued after the new one was elected, still believes it leads, in its
    # old term; it steps down only after that, on hearing of the new term.
    assert resumed["state"] == "leader" and resumed["term"] == r.old_term and resumed["time"] > elected["time"]
    old = scenario.read_log(r.logs[r.old_leader])
    after = [x for x in old[old.index(resumed) + 1:] if x["event"] in TERM_EVENTS]
    # A vote request of an election lost during the pause may be the first news it reads: a
    # higher term, in any case, before any other change of term, vote or state.
    assert after[0]["event"] == "new_term" and after[0]["term"] > r.old_term

    result = assert_conforms(MAP, r.logs, params=_params(r.logs), invariants=INVS)
    spans = [v for v in result.violations if v.invariant == "AtMostOneLeader"]
    assert spans and all(v.definite == v.records for v in spans)
    # The span around the resumption starts where another node is elected in a higher term
    # (the new leader's election, or an earlier one of the pause) and lasts past the resumption:
    # both believed they led, in different terms.
    span = next(v for v in spans if json.loads(v.first.raw)["time"] <= resumed["time"] <= json.loads(v.last.raw)["time"])
    first = json.loads(span.first.raw)
    assert first["event"] == "state" and first["state"] == "leader"
    assert first["node"] != r.old_leader and first["term"] > r.old_term
    assert first["time"] > old[old.index(resumed) - 1]["time"]   # after the old leader's last act before the pause
    assert not [v for v in result.violations if v.invariant in ("ElectionSafety", "OneLeaderPerTerm")]


def test_a_leader_without_a_majority_diverges(tmp_path):
    """The spec is not a rubber stamp: drop from the committed sample run the vote that gave
    the last leader its majority, and its election is no behaviour of RaftTerms."""
    logs = sorted(os.path.join(SAMPLE, f) for f in os.listdir(SAMPLE) if f.endswith(".jsonl"))
    assert_conforms(MAP, logs)
    recs = _records(logs)
    last = [x for x in recs if x["event"] == "state" and x["state"] == "leader"][-1]
    votes = [x for x in recs if x["event"] == "vote" and x["term"] == last["term"] and x["voted_for"] == last["node"]
             and x["time"] < last["time"]]
    assert len(votes) == 1   # three nodes: the candidate's own vote and one more make a majority
    out = []
    for path in logs:
        dst = tmp_path / os.path.basename(path)
        dst.write_text("".join(json.dumps(x) + "\n" for x in scenario.read_log(path) if x != votes[0]))
        out.append(str(dst))
    result = tracecheck.validate(MAP, out)
    assert not result.conforms
    d = result.divergence
    assert json.loads(d.record.raw) == last and d.step == f"BecomeLeader(p={last['node']})"
    reasons = [x for c in d.explained for x in c.reasons]
    assert reasons and all(x.kind == "require" and "2 * len" in x.clause for x in reasons)
