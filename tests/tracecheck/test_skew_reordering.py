"""Logs written by different processes with wall clocks. A record stamped 0.3 ms before the
orchestrator's record that caused it made a real run diverge; `[log] skew` declares the bound
under which records may be in either order, and the search tries every such order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tracecheck
from pyspec.errors import PyspecError
from pyspec.result import Verdict

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "examples" / "tracecheck" / "lock_server" / "lock_server.spec"

MAPPING = f"""\
[spec]
file = "{SPEC}"
params = {{ NC = 3 }}

[log]
format = "jsonl"
order = "timestamp"
clock = "ts"
node = "node"
SKEW

[values.client]
pattern = 'c(\\d+)'

[fields]
event = '{{"acquire", "release", "ask"}}'
who = {{ type = "Client", values = "client" }}

[[rule]]
when = {{ event = "ask" }}
action = "Request"
args = {{ c = "who" }}

[[rule]]
when = {{ event = "acquire" }}
action = "Acquire"
args = {{ c = "who" }}

[[rule]]
when = {{ event = "release" }}
action = "Release"
args = {{ c = "who" }}
"""

# The orchestrator forwards c2's request at t = 1.0000 s; the lock server's clock runs 0.3 ms
# behind, so its grant is stamped before the request that caused it.
ORCHESTRATOR = [{"ts": 1.0000, "node": "orch", "event": "ask", "who": "c2"}]
SERVER = [{"ts": 0.9997, "node": "server", "event": "acquire", "who": "c2"},
          {"ts": 1.5, "node": "server", "event": "release", "who": "c2"}]


def _files(tmp_path: Path, skew: str, server=SERVER) -> tuple[Path, list[Path]]:
    m = tmp_path / "m.toml"
    m.write_text(MAPPING.replace("SKEW", skew))
    logs = []
    for name, recs in (("orch.jsonl", ORCHESTRATOR), ("server.jsonl", server)):
        (tmp_path / name).write_text("".join(json.dumps(r) + "\n" for r in recs))
        logs.append(tmp_path / name)
    return m, logs


def test_without_a_skew_the_real_run_diverges(tmp_path):
    m, logs = _files(tmp_path, "")
    r = tracecheck.validate(m, logs)
    assert r.verdict is Verdict.DIVERGES and r.divergence.record.index == 1


def test_a_declared_skew_lets_close_records_be_in_either_order(tmp_path):
    m, logs = _files(tmp_path, "skew = 0.001")
    r = tracecheck.validate(m, logs)
    assert r.verdict is Verdict.CONFORMS and r.matched == 3 and r.engine == "explicit"


def test_a_skew_smaller_than_the_gap_does_not_reorder(tmp_path):
    m, logs = _files(tmp_path, "skew = 0.0001")
    assert tracecheck.validate(m, logs).verdict is Verdict.DIVERGES


def test_with_a_skew_a_real_divergence_is_still_found_at_its_record(tmp_path):
    bad = [SERVER[0], {"ts": 1.5, "node": "server", "event": "release", "who": "c3"}]
    m, logs = _files(tmp_path, "skew = 0.001", bad)
    r = tracecheck.validate(m, logs)
    assert r.verdict is Verdict.DIVERGES and r.divergence.record.index == 3


def test_skew_needs_timestamps_and_the_explicit_engine(tmp_path):
    m, logs = _files(tmp_path, "skew = 0.001")
    with pytest.raises(PyspecError) as e:
        tracecheck.validate(m, logs, engine="z3")
    assert e.value.code == "TC307"
    m.write_text(MAPPING.replace("SKEW", "skew = 0.001").replace('order = "timestamp"', 'order = "lamport"'))
    with pytest.raises(PyspecError) as e:
        tracecheck.load_mapping(m)
    assert e.value.code == "TC106" and 'skew is for order = "timestamp"' in e.value.message
