"""`P leadsto Q` obligations left open at the end of a log (tracecheck/obligations.py): a
warning in text, JSON, JUnit and on the page, and a failure under --strict-liveness."""

from __future__ import annotations

import json
import os

import tracecheck
from tests.cli_helpers import run_cli

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
MAP = os.path.normpath(os.path.join(ROOT, "examples", "systems", "lease_lock.toml"))
SPEC = os.path.normpath(os.path.join(ROOT, "specs", "lease_lock_liveness.spec"))
LOG = os.path.normpath(os.path.join(ROOT, "examples", "tracecheck", "lease_pending", "lock.jsonl"))


def test_a_grant_never_followed_by_a_free_lock_is_pending_at_its_record():
    r = tracecheck.validate(MAP, [LOG], spec=SPEC)
    assert r.conforms
    (p,) = r.pending  # the first grant was released (record 2): only the second is open
    assert (p.property, p.opened.index, p.opened.line, p.definite) == ("LockFreedAgain", 3, 3, True)
    assert '"event": "grant", "client": 1' in p.opened.raw


def test_a_log_that_frees_the_lock_leaves_nothing_pending(tmp_path):
    log = tmp_path / "lock.jsonl"
    log.write_text("".join(open(LOG).readlines()[:2]))
    assert tracecheck.validate(MAP, [str(log)], spec=SPEC).pending == ()


def test_the_warning_is_in_text_json_junit_and_strict_liveness_fails(tmp_path):
    junit = tmp_path / "r.xml"
    p = run_cli("tracecheck", "validate", "--mapping", MAP, "--spec", SPEC, LOG, "--junit", junit)
    assert p.returncode == 0 and "warning: LockFreedAgain pending at the end of the log" in p.stdout
    assert "LockFreedAgain pending at the end of the log" in junit.read_text()
    p = run_cli("tracecheck", "validate", "--mapping", MAP, "--spec", SPEC, LOG, "--json")
    assert json.loads(p.stdout)["pending"][0]["opened"]["index"] == 3
    p = run_cli("tracecheck", "validate", "--mapping", MAP, "--spec", SPEC, LOG, "--strict-liveness")
    assert p.returncode == 1 and "VIOLATED: obligations pending at the end of the log" in p.stdout


def test_the_page_lists_the_pending_obligation(tmp_path):
    page = tmp_path / "p.html"
    p = run_cli("tracecheck", "validate", "--mapping", MAP, "--spec", SPEC, LOG, "--html", page)
    assert p.returncode == 0 and "LockFreedAgain pending at the end of the log" in page.read_text()


def test_the_z3_engine_says_it_does_not_track_obligations():
    r = tracecheck.validate(MAP, [LOG], spec=SPEC, engine="z3")
    assert r.conforms and r.pending == ()
    assert "not tracked by the z3 engine: LockFreedAgain" in r.stats["obligations"]
    assert "note: leadsto obligations not tracked" in tracecheck.render_text(r)


def test_strict_liveness_is_a_verdict_of_the_library_and_refused_with_z3():
    strict = tracecheck.validate(MAP, [LOG], spec=SPEC, strict_liveness=True)
    assert strict.verdict.exit_code == 1 and "LockFreedAgain (since record 3)" in strict.reason
    p = run_cli("tracecheck", "validate", "--mapping", MAP, "--spec", SPEC, LOG, "--strict-liveness", "--engine", "z3")
    assert p.returncode == 2 and "error[TC308]" in p.stderr and "Traceback" not in p.stderr


REQ_MAP = os.path.normpath(os.path.join(ROOT, "examples", "tracecheck", "lease_request", "lease_request.toml"))
REQ_LOG = os.path.normpath(os.path.join(ROOT, "examples", "tracecheck", "lease_request", "lock.jsonl"))


def test_a_request_never_granted_is_pending_at_its_record_and_fails_under_strict_liveness():
    r = tracecheck.validate(REQ_MAP, [REQ_LOG])
    assert r.conforms
    (p,) = r.pending  # client 0's two requests were granted; client 1's (record 3) never was
    assert (p.property, p.opened.index, p.opened.line, p.definite) == ("Client1Granted", 3, 3, True)
    assert '"event": "request", "client": 1' in p.opened.raw
    p = run_cli("tracecheck", "validate", "--mapping", REQ_MAP, REQ_LOG, "--strict-liveness")
    assert p.returncode == 1, p.stdout + p.stderr
    assert "VIOLATED: obligations pending at the end of the log (--strict-liveness): Client1Granted (since record 3)" \
        in p.stdout
