"""Readers and merge: JSON lines, text (regex, lark), gzip, stdin, log order, bad lines."""

from __future__ import annotations

import gzip
import io
import shutil
import sys

import pytest

import tracecheck
from tracecheck.errors import LogError
from conftest import EXAMPLES, MAPPING, read_records, write_records

M = str(MAPPING)
TEXT = str(EXAMPLES / "leader_election_text.toml")
LARK = str(EXAMPLES / "leader_election_lark.toml")
SAMPLE = sorted(str(p) for p in (EXAMPLES / "sample").glob("*.jsonl"))
SAMPLE_TEXT = sorted(str(p) for p in (EXAMPLES / "sample-text").glob("*.log"))


def test_sample_logs_conform_in_every_format():
    assert tracecheck.validate(M, SAMPLE).conforms
    r = tracecheck.validate(TEXT, SAMPLE_TEXT)
    assert r.conforms and r.matched == 40 and r.ignored == 2
    r = tracecheck.validate(LARK, SAMPLE_TEXT)
    assert r.conforms and r.matched == 40 and r.ignored == 2


def test_merge_orders_by_clock_and_keeps_each_file_in_order():
    m = tracecheck.load_mapping(M)
    recs = list(tracecheck.read_logs(SAMPLE, m.log))
    assert [r.clock for r in recs] == sorted(r.clock for r in recs) == list(range(1, 41))
    assert recs[0].file.endswith("node-0.jsonl") and recs[0].line == 1


def test_gzip_logs(tmp_path):
    paths = []
    for p in SAMPLE:
        dst = tmp_path / (p.rsplit("/", 1)[1] + ".gz")
        with open(p, "rb") as f, gzip.open(dst, "wb") as g:
            shutil.copyfileobj(f, g)
        paths.append(str(dst))
    assert tracecheck.validate(M, paths).matched == 40


def test_stdin(monkeypatch):
    data = "".join(open(p).read() for p in sorted(SAMPLE, key=lambda p: "env" not in p))
    merged = sorted(data.splitlines(), key=lambda line: int(line.split('"clock": ')[1].split(",")[0].rstrip("}")))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(("\n".join(merged) + "\n").encode())))
    r = tracecheck.validate(M, ["-"])
    assert r.conforms and r.matched == 40 and r.logs == ("-",)


def _damage(tmp_path, name, edit):
    paths = []
    for p in SAMPLE:
        dst = tmp_path / p.rsplit("/", 1)[1]
        shutil.copy(p, dst)
        paths.append(str(dst))
    target = next(p for p in paths if p.endswith(name))
    edit(target)
    return paths, target


def test_truncated_json_line(tmp_path):
    def cut(path):
        lines = open(path).read().splitlines()
        lines[4] = lines[4][:30]
        open(path, "w").write("\n".join(lines) + "\n")

    paths, target = _damage(tmp_path, "node-2.jsonl", cut)
    with pytest.raises(LogError) as e:
        tracecheck.validate(M, paths)
    assert e.value.span.file == target and e.value.span.line == 5
    assert "truncated JSON" in e.value.message


def test_missing_field(tmp_path):
    def drop(path):
        rows = read_records(path)
        del rows[2]["suspects"]
        write_records(path, rows)

    paths, target = _damage(tmp_path, "node-1.jsonl", drop)
    with pytest.raises(LogError) as e:
        tracecheck.validate(M, paths)
    assert (e.value.span.file, e.value.span.line) == (target, 3)
    assert "no field 'suspects'" in e.value.message


def test_missing_optional_field_skips_its_observation(tmp_path):
    def drop(path):
        rows = read_records(path)
        del rows[2]["leader"]
        write_records(path, rows)

    paths, _ = _damage(tmp_path, "node-1.jsonl", drop)
    assert tracecheck.validate(M, paths).conforms


def test_record_out_of_its_nodes_order(tmp_path):
    def swap(path):
        lines = open(path).read().splitlines()
        lines[3], lines[4] = lines[4], lines[3]
        open(path, "w").write("\n".join(lines) + "\n")

    paths, target = _damage(tmp_path, "node-2.jsonl", swap)
    with pytest.raises(LogError) as e:
        tracecheck.validate(M, paths)
    assert (e.value.span.file, e.value.span.line) == (target, 5)
    assert "out of its node's order" in e.value.message


def test_value_outside_its_type(tmp_path):
    def bad(path):
        rows = read_records(path)
        rows[0]["suspects"] = [7]
        write_records(path, rows)

    paths, target = _damage(tmp_path, "node-0.jsonl", bad)
    with pytest.raises(LogError, match="7 is outside 0 .. 2") as e:
        tracecheck.validate(M, paths)
    assert e.value.span.line == 1


def test_unmatched_record_rejected_or_ignored(tmp_path):
    def add(path):
        rows = read_records(path)
        rows.insert(1, {"clock": rows[0]["clock"], "node": 0, "event": "heartbeat"})
        rows[1]["clock"] = rows[0]["clock"] + 0  # same clock is out of order for a Lamport clock
        write_records(path, rows)

    paths, target = _damage(tmp_path, "node-0.jsonl", add)
    with pytest.raises(LogError, match="out of its node's order"):
        tracecheck.validate(M, paths)
    rows = read_records(target)
    rows[1]["clock"] = rows[0]["clock"] + 1  # free: clock+1 belongs to another node
    rows[1]["node"] = 0
    write_records(target, rows)
    with pytest.raises(LogError, match="matches no rule") as e:
        tracecheck.validate(M, paths)
    assert e.value.span.line == 2
    m = tmp_path / "ignore.toml"
    m.write_text(MAPPING.read_text().replace('unmatched = "reject"', 'unmatched = "ignore"')
                 .replace('"../../specs/', '"' + str(MAPPING.parents[2] / "specs") + "/"))
    r = tracecheck.validate(str(m), paths)
    assert r.conforms and r.ignored == 1


def test_several_logs_need_an_order(tmp_path):
    m = tmp_path / "m.toml"
    m.write_text(MAPPING.read_text().replace('order = "lamport"', 'order = "file"')
                 .replace('"../../specs/', '"' + str(MAPPING.parents[2] / "specs") + "/"))
    with pytest.raises(LogError, match="no order to merge them by"):
        tracecheck.validate(str(m), SAMPLE)


def test_missing_log_file():
    with pytest.raises(LogError, match="no such log file"):
        tracecheck.validate(M, ["/nonexistent/node-0.jsonl"])
