"""tracecheck.validate: conformance of simulated logs, and divergences at the right record."""

from __future__ import annotations

import pytest

import tracecheck
from pyspec.errors import UsageError
from pyspec.result import Verdict
from conftest import MAPPING, leader_logs, merged, read_records, write_records

M = str(MAPPING)
P = {"FD": "P"}


def test_simulated_logs_conform(logs_s):
    r = tracecheck.validate(M, logs_s)
    assert r.verdict is Verdict.CONFORMS and r.exit_code == 0
    assert r.records == r.matched == 300 and r.ignored == 0
    assert r.divergence is None


def test_simulated_logs_with_crashes_conform(logs_p):
    r = tracecheck.validate(M, logs_p, params=P)
    assert r.conforms and r.matched == 200


def _flip(paths, pick):
    """Apply `pick(merged_records)` -> (file, line, new record); returns the merged index."""
    recs = merged(paths)
    i, new = pick(recs)
    path, line, _ = recs[i]
    rows = read_records(path)
    rows[line - 1] = new
    write_records(path, rows)
    return i + 1, path, line


def test_altered_observation_diverges_at_that_record(logs_s, copy_logs):
    paths = copy_logs(logs_s)

    def pick(recs):
        i = next(k for k, (_, _, r) in enumerate(recs) if k >= 40 and r["event"] == "step")
        r = dict(recs[i][2], leader=not recs[i][2]["leader"])
        return i, r

    index, path, line = _flip(paths, pick)
    r = tracecheck.validate(M, paths)
    assert r.verdict is Verdict.DIVERGES and r.exit_code == 1
    d = r.divergence
    assert (d.record.index, d.record.file, d.record.line) == (index, path, line)
    reasons = [w for c in d.explained for w in c.reasons]
    assert reasons and all(w.kind == "observation" and w.clause == "leader[node] == is_leader" for w in reasons)
    assert "the record says is_leader = " in reasons[0].message
    assert len(d.recent) == 5 and d.recent[-1].index == index - 1
    assert r.matched == index - 1


def test_altered_node_names_the_false_require(logs_p, copy_logs):
    paths = copy_logs(logs_p)

    def pick(recs):  # node 0 crashed at clock 1: make a later step claim to be node 0's
        i = next(k for k, (_, _, r) in enumerate(recs) if r["event"] == "step" and r["node"] == 2)
        return i, dict(recs[i][2], node=0)

    index, path, line = _flip(paths, pick)
    r = tracecheck.validate(M, paths, params=P)
    d = r.divergence
    assert r.verdict is Verdict.DIVERGES and (d.record.index, d.record.line) == (index, line)
    assert d.step == "Step(p=0)"
    why = d.explained[0].reasons[0]
    assert why.kind == "require" and why.clause == "p not in crashed"
    assert ("crashed", "{0, 1}") in why.values or ("crashed", "{0}") in why.values
    assert why.where.split(":")[0].endswith("leader_election.spec")


def test_removed_crash_diverges_at_first_record_that_needs_it(logs_p, copy_logs):
    paths = copy_logs(logs_p)
    recs = merged(paths)
    ci = next(k for k, (_, _, r) in enumerate(recs) if r["event"] == "crash" and r["node"] == 1)
    need = next(k for k, (_, _, r) in enumerate(recs) if k > ci and r["event"] == "step" and 1 in r["suspects"])
    path, line, _ = recs[ci]
    rows = read_records(path)
    del rows[line - 1]
    write_records(path, rows)
    r = tracecheck.validate(M, paths, params=P)
    d = r.divergence
    assert r.verdict is Verdict.DIVERGES
    assert (d.record.index, d.record.file, d.record.line) == (need, recs[need][0], recs[need][1])  # one record fewer before it
    clauses = {w.clause for c in d.explained for w in c.reasons}
    assert "suspects[node] == out" in clauses
    assert "the spec allows suspects[node] = " in d.explained[0].reasons[0].message


def test_reordered_records_diverge_at_the_moved_record(logs_p, copy_logs):
    paths = copy_logs(logs_p)
    recs = merged(paths)
    ci = next(k for k, (_, _, r) in enumerate(recs) if r["event"] == "crash" and r["node"] == 1)
    si = next(k for k, (_, _, r) in enumerate(recs) if k > ci and r["event"] == "step" and 1 in r["suspects"])
    assert si == ci + 1, "the fixture's seed has the crash right before the step that suspects it"
    (cp, cl, cr), (sp, sl, sr) = recs[ci], recs[si]
    for path, line, rec, clock in ((cp, cl, cr, sr["clock"]), (sp, sl, sr, cr["clock"])):
        rows = read_records(path)
        rows[line - 1] = dict(rec, clock=clock)
        write_records(path, rows)
    r = tracecheck.validate(M, paths, params=P)
    d = r.divergence
    assert r.verdict is Verdict.DIVERGES
    assert (d.record.index, d.record.file, d.record.line) == (ci + 1, sp, sl)
    assert any(w.clause == "suspects[node] == out" for c in d.explained for w in c.reasons)


def test_hidden_steps(tmp_path):
    paths = leader_logs.generate(str(tmp_path), 200, seed=6, params={"N": "3", "FD": "P"}, hide_env=True)
    r0 = tracecheck.validate(M, paths, params=P, hidden=0)
    assert r0.verdict is Verdict.DIVERGES
    r1 = tracecheck.validate(M, paths, params=P, hidden=1)
    assert r1.conforms and r1.hidden == 1
    r2 = tracecheck.validate(M, paths, params=P, hidden=2)
    assert r2.conforms and r2.stats["peak_frontier"] >= r1.stats["peak_frontier"]


def test_divergence_with_hidden_steps_counts_candidates(tmp_path):
    paths = leader_logs.generate(str(tmp_path), 50, seed=6, params={"N": "3", "FD": "P"}, hide_env=True)
    rows = read_records(paths[2])
    rows[0] = dict(rows[0], leader=not rows[0]["leader"])
    write_records(paths[2], rows)
    r = tracecheck.validate(M, paths, params=P, hidden=1)
    d = r.divergence
    assert r.verdict is Verdict.DIVERGES and d.hidden == 1 and d.candidates >= d.frontier


def test_frontier_bound_gives_incomplete_never_conforms(logs_s):
    r = tracecheck.validate(M, logs_s, max_frontier=1)
    assert r.verdict is Verdict.INCOMPLETE and r.exit_code == 3
    assert "--max-frontier 1" in r.reason and r.stopped_at is not None


def test_time_bound_gives_incomplete(logs_s):
    r = tracecheck.validate(M, logs_s, time_limit=0.0)
    assert r.verdict is Verdict.INCOMPLETE and "time limit" in r.reason


def test_hidden_without_hidden_actions_is_a_usage_error(tmp_path, logs_s):
    text = MAPPING.read_text().replace('actions = ["Crash", "Stabilize"]', "actions = []")
    m = tmp_path / "m.toml"
    m.write_text(text.replace('"../../specs/', '"' + str(MAPPING.parents[2] / "specs") + "/"))
    with pytest.raises(UsageError, match="declares no hidden actions"):
        tracecheck.validate(str(m), logs_s, hidden=1)


def test_invariants_spans(logs_s, logs_p):
    r = tracecheck.validate(M, logs_s, invariants=["AtMostOneLeader", "LeaderAfterRound"])
    assert r.conforms
    spans = [v for v in r.violations if v.invariant == "AtMostOneLeader"]
    assert spans and all(v.first.index <= v.last.index for v in spans)
    assert all(v.certainty == "definitely" for v in spans)  # every candidate state has the two leaders
    first = spans[0]
    recs = merged(logs_s)
    leaders = {}
    for i, (_, _, rec) in enumerate(recs, 1):  # recompute from the log itself: two live self-leaders
        if rec["event"] == "step":
            leaders[rec["node"]] = rec["leader"]
        elif rec["event"] == "crash":
            leaders.pop(rec["node"], None)
        if sum(leaders.values()) >= 2:
            assert i == first.first.index
            break
    assert tracecheck.validate(M, logs_p, params=P, invariants=["AtMostOneLeader"]).violations == ()


def test_unknown_invariant(logs_s):
    with pytest.raises(UsageError, match="no invariant 'Nope'"):
        tracecheck.validate(M, logs_s, invariants=["Nope"])


def test_unknown_engine_is_a_usage_error(logs_s):
    with pytest.raises(UsageError, match="unknown engine"):
        tracecheck.validate(M, logs_s, engine="tlc")


def test_invariant_span_open_at_divergence_is_reported(tmp_path):
    # In the sample, AtMostOneLeader is false after records 7 to 9 (nodes 0 and 1 both lead).
    # Record 9 (node 2, which suspects nobody) is altered to claim leadership: the log
    # diverges there, while the span that began at record 7 is still open.
    from tracecheck.report import render_text
    from conftest import EXAMPLES

    paths = []
    for p in sorted((EXAMPLES / "sample").glob("*.jsonl")):
        paths.append(str(tmp_path / p.name))
        (tmp_path / p.name).write_text(p.read_text())

    def pick(recs):
        assert recs[8][2] == {"clock": 9, "node": 2, "event": "step", "suspects": [], "leader": False}
        return 8, dict(recs[8][2], leader=True)

    index, path, line = _flip(paths, pick)
    r = tracecheck.validate(M, paths, invariants=["AtMostOneLeader"])
    assert r.verdict is Verdict.DIVERGES and r.exit_code == 1 and r.divergence.record.index == index == 9
    spans = [(v.invariant, v.first.index, v.last.index, v.records, v.definite) for v in r.violations]
    assert spans == [("AtMostOneLeader", 7, 8, 2, 2)]
    first, last = r.violations[0].first, r.violations[0].last
    assert (first.file, first.line) == (paths[2], 3)  # node-1.jsonl: node 1 takes over
    assert (last.file, last.line) == (paths[1], 2)  # node-0.jsonl: node 0 still leads
    text = render_text(r)
    assert "true in every state consistent with the log" not in text
    assert "AtMostOneLeader false from record 7 (node-1.jsonl:3) to record 8 (node-0.jsonl:2): 2 records, definitely" in text
