"""`--invariants` with a `[log] skew`: records within the skew are explained as a batch by some
order of them, and an invariant must hold after every record of each order that explains the
log, not only at the end of the batch. A violation names the record whose step made it."""

from __future__ import annotations

import json
from pathlib import Path

import tracecheck
from pyspec.result import Verdict

SPEC = '''\
spec Register
"""Nodes write versions of one register and read it back; a write may be stale."""

type Node = 0 .. 1
type Version = 0 .. 3

var value: Version
var newest: Version

init:
    value = 0
    newest = 0

action Write(n: Node, v: Version):
    value' = v
    newest' = max(newest, v)

action Read(n: Node):
    pass

invariant NoStaleValue:
    value == newest
'''

MAPPING = '''\
[spec]
file = "reg.spec"

[log]
format = "jsonl"
order = "timestamp"
clock = "ts"
node = "node"
SKEW

[values.node]
pattern = 'n(\\d+)'

[fields]
event = '{"write", "read"}'
who = { type = "Node", values = "node" }
v = "Version"
seen = { path = "newest", type = "Version", optional = true }

[[rule]]
when = { event = "write" }
action = "Write"
args = { n = "who", v = "v" }
observe = ["newest == seen"]

[[rule]]
when = { event = "read" }
action = "Read"
args = { n = "who" }
observe = ["value == v"]
'''


def _w(ts: float, node: str, v: int, newest: int) -> dict:
    return {"ts": ts, "node": node, "who": node, "event": "write", "v": v, "newest": newest}


def _r(ts: float, node: str, v: int) -> dict:
    return {"ts": ts, "node": node, "who": node, "event": "read", "v": v}


def _run(tmp_path: Path, records: list[dict], skew: str = "skew = 0.001"):
    (tmp_path / "reg.spec").write_text(SPEC)
    (tmp_path / "m.toml").write_text(MAPPING.replace("SKEW", skew))
    logs = []
    for node in ("n0", "n1"):
        path = tmp_path / f"{node}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records if r["node"] == node))
        logs.append(path)
    return tracecheck.validate(tmp_path / "m.toml", logs, invariants=["NoStaleValue"])


def _spans(r) -> list[tuple[int, str, int, str, int, int]]:
    return [(s.first.index, Path(s.first.where()).name, s.last.index, Path(s.last.where()).name, s.records, s.definite)
            for s in r.violations]


# n0 writes 2, n1 writes 1 knowing version 2 is out (a stale write: record 2, n1.jsonl:1), n0
# writes 3: all three within 0.2 ms, one batch; only the logged order explains the versions seen.
UNDONE = [_w(1.0, "n0", 2, 2), _w(1.0001, "n1", 1, 2), _w(1.0002, "n0", 3, 3)]


def test_violation_inside_a_batch_names_its_record(tmp_path):
    r = _run(tmp_path, UNDONE)
    assert r.verdict is Verdict.CONFORMS
    assert _spans(r) == [(2, "n1.jsonl:1", 2, "n1.jsonl:1", 1, 1)]


def test_violation_lasting_past_a_batch_starts_at_the_stale_write(tmp_path):
    # n0 reads the stale value back (record 3) in the same batch; n0 writes 3 in the next one
    r = _run(tmp_path, [_w(1.0, "n0", 2, 2), _w(1.0001, "n1", 1, 2), _r(1.0002, "n0", 1), _w(2.0, "n0", 3, 3)])
    assert r.verdict is Verdict.CONFORMS
    assert _spans(r) == [(2, "n1.jsonl:1", 3, "n0.jsonl:2", 2, 2)]


def test_batched_spans_equal_the_spans_of_the_same_log_unbatched(tmp_path):
    records = [_w(1.0, "n0", 2, 2), _w(1.0001, "n1", 1, 2), _r(1.0002, "n0", 1), _w(1.0003, "n1", 3, 3),
               _r(1.0004, "n0", 3), _w(1.0005, "n1", 0, 3)]
    batched = _run(tmp_path, records)
    unbatched = _run(tmp_path, records, skew="")
    assert batched.verdict is unbatched.verdict is Verdict.CONFORMS
    assert _spans(batched) == _spans(unbatched) == [(2, "n1.jsonl:1", 3, "n0.jsonl:2", 2, 2),
                                                     (6, "n1.jsonl:3", 6, "n1.jsonl:3", 1, 1)]


def test_the_order_that_explains_the_log_decides_which_record_violates(tmp_path):
    # n1's stale write is stamped first, but the version it saw (2) says n0's write came before
    # it: the violation is after n1's record (record 1), not after the batch's last record
    r = _run(tmp_path, [_w(1.0, "n1", 1, 2), _w(1.0001, "n0", 2, 2), _w(2.0, "n0", 3, 3)])
    assert r.verdict is Verdict.CONFORMS
    assert _spans(r) == [(1, "n1.jsonl:1", 1, "n1.jsonl:1", 1, 1)]


def test_records_explained_before_a_divergence_in_a_batch_are_checked(tmp_path):
    # record 3 (n0 reads 3 while the register holds 1) diverges; the stale write before it counts
    r = _run(tmp_path, [_w(1.0, "n0", 2, 2), _w(1.0001, "n1", 1, 2), _r(1.0002, "n0", 3)])
    assert r.verdict is Verdict.DIVERGES and r.divergence.record.index == 3
    assert _spans(r) == [(2, "n1.jsonl:1", 2, "n1.jsonl:1", 1, 1)]
