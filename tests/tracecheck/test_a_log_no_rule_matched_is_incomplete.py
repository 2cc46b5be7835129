"""A log of which no record matched a rule is not CONFORMS (nothing was checked) but
INCOMPLETE, exit 3, with a reason naming what to check, in every engine and every report."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

import tracecheck
from pyspec.result import Verdict
from tracecheck.cli import main
from tracecheck.report import render_json, render_junit, render_text

ROOT = Path(__file__).resolve().parents[2]
TEXT_MAPPING = ROOT / "examples" / "tracecheck" / "leader_election_text.toml"
JSON_MAPPING = ROOT / "examples" / "tracecheck" / "leader_election.toml"

TEXT_REASON = ("no record matched a rule of the mapping (3 read, all ignored), so nothing was checked; check the [log] "
               "pattern (a line it does not match is skipped) and the rules' `when` conditions")


@pytest.fixture
def unmatched_text(tmp_path: Path) -> str:
    log = tmp_path / "node-0.log"
    log.write_text("hello world\nnothing here matches\n2024-01-01T00:00:00Z INFO node=0 reboot\n")
    return str(log)


@pytest.mark.parametrize("engine", ["explicit", "z3"])
def test_text_log_without_a_matching_line_is_incomplete(unmatched_text: str, engine: str) -> None:
    r = tracecheck.validate(TEXT_MAPPING, [unmatched_text], engine=engine)
    assert r.verdict is Verdict.INCOMPLETE and r.exit_code == 3
    assert (r.records, r.matched, r.ignored) == (3, 0, 3)
    assert r.reason == TEXT_REASON


def test_jsonl_log_without_a_matching_record_names_when(tmp_path: Path) -> None:
    log = tmp_path / "node-0.jsonl"
    log.write_text('{"clock": 1, "node": 0, "event": "unrelated"}\n')
    mapping = tmp_path / "ignore.toml"
    text = JSON_MAPPING.read_text().replace('unmatched = "reject"', 'unmatched = "ignore"')
    mapping.write_text(text.replace('"../../specs/', '"' + str(ROOT / "specs") + "/"))
    r = tracecheck.validate(mapping, [str(log)])
    assert r.verdict is Verdict.INCOMPLETE
    assert r.reason is not None and "no record matched a rule" in r.reason and "`when`" in r.reason


def test_empty_log_is_incomplete(tmp_path: Path) -> None:
    log = tmp_path / "node-0.log"
    log.write_text("")
    r = tracecheck.validate(TEXT_MAPPING, [str(log)])
    assert r.verdict is Verdict.INCOMPLETE
    assert r.reason == "the logs hold no records, so nothing was checked; check the log paths"


def test_reports_say_incomplete_and_why(unmatched_text: str) -> None:
    r = tracecheck.validate(TEXT_MAPPING, [unmatched_text])
    text = render_text(r)
    assert f"INCOMPLETE: {TEXT_REASON}" in text
    assert "read the whole log: 3 records, 3 ignored (no rule), none explained" in text
    assert "CONFORMS" not in text
    data = json.loads(render_json(r))
    assert (data["verdict"], data["exit_code"], data["matched"], data["reason"]) == ("incomplete", 3, 0, TEXT_REASON)
    junit = render_junit(r)
    assert 'errors="1"' in junit and 'type="incomplete"' in junit and "no record matched a rule" in junit


def test_cli_exit_3(unmatched_text: str, tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    junit = tmp_path / "report.xml"
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["validate", unmatched_text, "--mapping", str(TEXT_MAPPING), "--junit", str(junit)])
    assert code == 3, err.getvalue()
    assert "INCOMPLETE: no record matched a rule" in out.getvalue()
    assert 'type="incomplete"' in junit.read_text()
