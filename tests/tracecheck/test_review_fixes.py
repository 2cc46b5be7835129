"""Regression tests for the code review of tracecheck's last changes (one section per finding)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tracecheck
from pyspec.result import Verdict

ROOT = Path(__file__).resolve().parents[2]

from test_skew_reordering import MAPPING as SKEW_MAPPING  # noqa: E402


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


# ---- 2.-4. tracecheck --html: the page after the verdict --------------------------------------

from tracecheck.cli import main  # noqa: E402
from pyspec.limits import LimitReached, memory_left, time_left  # noqa: E402


def _diverging_log(tmp_path: Path, tail: str = "") -> tuple[str, str]:
    """The lock server's log: record 1 acquires a lock never asked for (DIVERGES at record 1)."""
    m = tmp_path / "m.toml"
    m.write_text(SKEW_MAPPING.replace("SKEW", ""))
    log = tmp_path / "server.jsonl"
    log.write_text(json.dumps({"ts": 1.0, "node": "server", "event": "acquire", "who": "c1"}) + "\n" + tail)
    return str(m), str(log)


def test_html_reads_no_record_past_the_divergence(tmp_path, capsys):
    m, log = _diverging_log(tmp_path, tail="{this is no json\n")
    page = tmp_path / "page.html"
    code = main(["validate", "-m", m, log, "--json", "--html", str(page)])
    out = capsys.readouterr()
    assert code == 1
    assert json.loads(out.out)["verdict"] == "diverges"  # one JSON document
    assert page.exists() and "divergence" in page.read_text()


def test_html_page_is_built_under_the_limits_and_a_limit_keeps_the_verdict(tmp_path, capsys, monkeypatch):
    import tracecheck.html

    seen = []

    def stopped(*args, **kw):
        seen.append((time_left(), memory_left()))
        raise LimitReached("the time limit of 30 s was reached")

    monkeypatch.setattr(tracecheck.html, "log_timeline", stopped)
    m, log = _diverging_log(tmp_path)
    page = tmp_path / "page.html"
    code = main(["validate", "-m", m, log, "--json", "--html", str(page), "--time-limit", "30", "--max-memory", "5000"])
    out = capsys.readouterr()
    assert seen and seen[0][0] is not None and seen[0][1] is not None
    assert code == 1 and json.loads(out.out)["verdict"] == "diverges"
    assert "HTML page" in out.err and "time limit" in out.err and not page.exists()


def test_html_page_draws_at_most_a_cap_of_records_and_says_so(tmp_path, monkeypatch):
    import tracecheck.html
    from tracecheck import load_mapping, read_logs

    monkeypatch.setattr(tracecheck.html, "_MAX_EVENTS", 3)
    m = tmp_path / "m.toml"
    m.write_text(SKEW_MAPPING.replace("SKEW", ""))
    log = tmp_path / "log.jsonl"
    cycle = [("orch", "ask"), ("server", "acquire"), ("server", "release")]
    recs = [{"ts": k, "node": cycle[k % 3][0], "event": cycle[k % 3][1], "who": "c1"} for k in range(9)]
    recs.append({"ts": 9, "node": "server", "event": "release", "who": "c1"})  # record 10 diverges
    log.write_text("".join(json.dumps(r) + "\n" for r in recs))
    r = tracecheck.validate(m, [log])
    assert r.verdict is Verdict.DIVERGES and r.divergence.record.index == 10
    mapping = load_mapping(m)
    tl = tracecheck.html.log_timeline(r, mapping, read_logs([str(log)], mapping.log))
    assert len(tl.events) == 3 and tl.number_from == 8 and tl.selected == 2
    assert any("records 1-7 not drawn" in line for line in tl.summary)


def test_an_unwritable_html_path_is_TC311_before_the_run(tmp_path, capsys, monkeypatch):
    import tracecheck as tc

    ran = []
    monkeypatch.setattr(tc, "validate", lambda *a, **k: ran.append(1))
    m, log = _diverging_log(tmp_path)
    for bad in (tmp_path, tmp_path / "no" / "such" / "page.html"):
        code = main(["validate", "-m", m, log, "--html", str(bad)])
        err = capsys.readouterr().err
        assert code == 2 and "TC311" in err and "Traceback" not in err
    assert ran == []


def test_a_page_that_cannot_be_written_at_the_end_keeps_the_verdict(tmp_path, capsys, monkeypatch):
    import builtins

    m, log = _diverging_log(tmp_path)
    page = tmp_path / "page.html"
    real_open = builtins.open

    def failing_open(file, mode="r", *a, **k):
        if str(file) == str(page) and "w" in mode:
            raise PermissionError(13, "Permission denied")
        return real_open(file, mode, *a, **k)

    monkeypatch.setattr(builtins, "open", failing_open)
    code = main(["validate", "-m", m, log, "--json", "--html", str(page)])
    out = capsys.readouterr()
    assert code == 1 and json.loads(out.out)["verdict"] == "diverges"
    assert "TC311" in out.err and "cannot write" in out.err


# ---- 5. a `when` value a declared field cannot hold (typo keys: test_mapping_when.py) ------------

def test_a_when_value_a_declared_field_cannot_hold_is_still_an_error(tmp_path):
    from pyspec.errors import PyspecError

    m = tmp_path / "m.toml"
    m.write_text(SKEW_MAPPING.replace("SKEW", "").replace('when = { event = "ask" }', 'when = { event = "asks" }'))
    with pytest.raises(PyspecError) as e:
        tracecheck.load_mapping(m)
    assert e.value.code == "TC113"
