"""The symbolic engine checks a long log window by window from a state a model of the log before
reached (an anchor), so its work grows linearly with the log; a window the anchor cannot
explain is checked again from earlier anchors and from the initial states, so verdicts are the
explicit engine's. Work is counted (records encoded, windows checked again), never timed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import tracecheck
from pyspec.symbolic.trace import TraceSolver
from pyspec.result import Verdict

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "examples" / "tracecheck" / "lock_server"
sys.path.insert(0, str(LOCK))

import lock_logs  # noqa: E402

# x is set once to a value no record names, then only time passes, then a record observes x:
# the model at the window boundary (record 32) guesses x, and for most observed values guesses wrong.
GUESS_SPEC = """\
spec Guess
var x: 0 .. 3
var t: 0 .. 1

init:
    x = 0
    t = 0

action Set(v: 0 .. 3):
    x' = v

action Tick():
    t' = 1 - t
"""

GUESS_MAPPING = """\
[spec]
file = "guess.spec"

[log]
format = "jsonl"

[fields]
event = '{"set", "tick", "see"}'
val = "0 .. 3"

[[rule]]
when = { event = "set" }
action = "Set"
args = { v = "?" }

[[rule]]
when = { event = "tick" }
action = "Tick"

[[rule]]
when = { event = "see" }
action = "Tick"
observe = ["x == val"]
"""


def _guess(tmp_path: Path, records: list[dict]) -> tuple[str, str]:
    (tmp_path / "guess.spec").write_text(GUESS_SPEC)
    mapping = tmp_path / "guess.toml"
    mapping.write_text(GUESS_MAPPING)
    log = tmp_path / "guess.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(mapping), str(log)


TICKS = [{"event": "tick"}] * 40


@pytest.mark.parametrize("v", range(4))
def test_a_window_the_anchor_cannot_explain_is_checked_from_an_earlier_state(tmp_path, monkeypatch, v):
    m, log = _guess(tmp_path, [{"event": "set"}, *TICKS, {"event": "see", "val": v}])
    assert tracecheck.validate(m, [log], engine="explicit").verdict is Verdict.CONFORMS
    assert tracecheck.validate(m, [log], engine="z3").verdict is Verdict.CONFORMS  # whatever x the model picks
    # the model picks x = v + 1 (a state consistent with the log so far, and the wrong one)
    model_state = TraceSolver.model_state
    monkeypatch.setattr(TraceSolver, "model_state", lambda self, lit: ((v + 1) % 4, model_state(self, lit)[1]))
    r = tracecheck.validate(m, [log], engine="z3")
    assert r.verdict is Verdict.CONFORMS and r.matched == 42
    assert r.stats["rechecks"] == 1  # from the initial states: the only earlier anchor
    # the log, the window's 10 records from any state (some state explains them), then the log again
    assert r.stats["encoded_records"] == 42 + 10 + 42
    assert r.stats["states"] == 43  # the path's length is the log's, however checked


def test_a_divergence_past_an_anchor_is_claimed_only_from_the_initial_states(tmp_path):
    records = [{"event": "set"}, *TICKS, {"event": "see", "val": 1}, *TICKS, {"event": "see", "val": 2}]
    m, log = _guess(tmp_path, records)
    explicit = tracecheck.validate(m, [log], engine="explicit")
    symbolic = tracecheck.validate(m, [log], engine="z3")
    assert explicit.verdict is symbolic.verdict is Verdict.DIVERGES
    assert symbolic.divergence.record == explicit.divergence.record
    assert symbolic.divergence.record.index == 83
    assert symbolic.stats["rechecks"] >= 1


def test_a_divergence_no_state_explains_is_claimed_without_the_log_before_the_window(tmp_path):
    """x == 1 and, one step that leaves x alone later, x == 2: no state at all explains both
    (x is observed before the anchor too, so the anchor explains the records before them)."""
    records = [{"event": "set"}, {"event": "see", "val": 1}, *TICKS, {"event": "see", "val": 1},
               {"event": "see", "val": 2}]
    m, log = _guess(tmp_path, records)
    explicit = tracecheck.validate(m, [log], engine="explicit")
    symbolic = tracecheck.validate(m, [log], engine="z3")
    assert explicit.verdict is symbolic.verdict is Verdict.DIVERGES
    assert symbolic.divergence.record == explicit.divergence.record
    assert symbolic.divergence.record.index == 44 and symbolic.matched == 43
    assert symbolic.stats["rechecks"] == 0 and symbolic.stats["encoded_records"] == 44 + 12


def test_a_names_only_log_of_100_records_encodes_each_record_once(tmp_path):
    log = lock_logs.generate(str(tmp_path / "lock.jsonl"), records=100, clients=12, seed=1)
    r = tracecheck.validate(str(LOCK / "lock_server.toml"), [log], engine="z3")
    assert r.verdict is Verdict.CONFORMS and r.matched == 100
    assert r.stats["encoded_records"] == 100 and r.stats["rechecks"] == 0
    assert r.stats["states"] == 201  # one hidden Request and the record's step per record


@pytest.mark.parametrize("diverge", [False, True])
def test_a_names_only_log_of_100_records_gets_the_explicit_verdict_under_auto(tmp_path, diverge):
    """3 clients keep the explicit frontier small; a low --z3-after makes auto switch to Z3."""
    log = lock_logs.generate(str(tmp_path / "lock.jsonl"), records=100, clients=3, seed=1, diverge=diverge)
    mapping, params = str(LOCK / "lock_server.toml"), {"NC": "3"}
    explicit = tracecheck.validate(mapping, [log], engine="explicit", params=params)
    auto = tracecheck.validate(mapping, [log], params=params, z3_after=5)
    assert auto.engine == "z3" and "switched" in auto.stats
    assert auto.verdict is explicit.verdict is (Verdict.DIVERGES if diverge else Verdict.CONFORMS)
    if diverge:
        assert auto.divergence.record == explicit.divergence.record
        assert auto.divergence.record.index == 100
        assert auto.stats["rechecks"] == 0  # a release by a client not holding the lock: no state explains it
    else:
        assert auto.stats["encoded_records"] == 100 and auto.stats["rechecks"] == 0
