"""Regression tests for the code review of tracecheck's last changes (one section per finding)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tracecheck
from pyspec.result import Verdict

ROOT = Path(__file__).resolve().parents[2]

from test_issue12_skew import MAPPING as SKEW_MAPPING  # noqa: E402


# ---- 1. [log] skew: more than 6 records within the skew ---------------------------------------

def _skew_logs(tmp_path: Path, shift_first: float = 0.0) -> tuple[Path, list[Path]]:
    """7 records 0.1 ms apart; the server's `acquire c3` (record 6) is stamped before the
    orchestrator's `ask c3` (record 7) that caused it."""
    m = tmp_path / "m.toml"
    m.write_text(SKEW_MAPPING.replace("SKEW", "skew = 0.001"))
    t = [1.0 + k * 0.0001 for k in range(7)]
    t[:5] = [x - shift_first for x in t[:5]]
    orch = [{"ts": t[0], "node": "orch", "event": "ask", "who": "c1"},
            {"ts": t[1], "node": "orch", "event": "ask", "who": "c2"},
            {"ts": t[4], "node": "orch", "event": "ask", "who": "c1"},
            {"ts": t[6], "node": "orch", "event": "ask", "who": "c3"}]
    server = [{"ts": t[2], "node": "server", "event": "acquire", "who": "c1"},
              {"ts": t[3], "node": "server", "event": "release", "who": "c1"},
              {"ts": t[5], "node": "server", "event": "acquire", "who": "c3"}]
    logs = []
    for name, recs in (("orch.jsonl", orch), ("server.jsonl", server)):
        (tmp_path / name).write_text("".join(json.dumps(r) + "\n" for r in recs))
        logs.append(tmp_path / name)
    return m, logs


def test_skew_the_same_log_conforms_when_its_dense_run_is_short(tmp_path):
    m, logs = _skew_logs(tmp_path, shift_first=1.0)
    assert tracecheck.validate(m, logs).verdict is Verdict.CONFORMS


def test_skew_a_run_longer_than_the_batch_is_never_a_firm_divergence(tmp_path):
    m, logs = _skew_logs(tmp_path)
    r = tracecheck.validate(m, logs)
    assert r.verdict is Verdict.INCOMPLETE and r.exit_code == 3
    assert "more than 6 records are within the skew of each other" in r.reason and r.stopped_at.index == 6
