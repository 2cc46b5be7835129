"""Output into a closed pipe (`pyspec check ... | head`, as the docs do): the reader of stdout may
go away before the verdict is written. The verdict's exit code stands, and every file asked for
(--html, --junit, view's -o) is written all the same, for every command of both CLIs.

Each command runs as the installed console script with stdout the write end of a pipe whose read
end was closed before the command started: its first write to stdout fails with EPIPE, always."""

from __future__ import annotations

import os
import pathlib
import subprocess

import pytest

from tests.cli_helpers import script

ROOT = pathlib.Path(__file__).resolve().parents[1]
SPECS = ROOT / "specs"
ELECTION = str(SPECS / "leader_election.spec")


def _into_closed_pipe(name: str, *args) -> subprocess.CompletedProcess:
    """Run console script `name` with stdout a pipe nobody reads any more."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([script(name), *map(str, args)], stdout=write_end, stderr=subprocess.PIPE,
                              text=True, timeout=120, cwd=ROOT)
    finally:
        os.close(write_end)


def _assert_clean(p: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in p.stderr and "internal error" not in p.stderr, p.stderr
    assert "Broken pipe" not in p.stderr and "BrokenPipeError" not in p.stderr, p.stderr


ONCE = """spec Once
var n: 0 .. 1
init:
    n = 0
action Tick():
    require n == 0
    n' = 1
"""

ONCE_MAPPING = """[spec]
file = "once.spec"

[log]
format = "jsonl"

[[rule]]
when = { event = "tick" }
action = "Tick"
"""


def _diverging_log(tmp_path: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path]:
    """A mapping and a log whose second tick no behaviour explains."""
    (tmp_path / "once.spec").write_text(ONCE)
    (tmp_path / "once.toml").write_text(ONCE_MAPPING)
    (tmp_path / "once.jsonl").write_text('{"event": "tick"}\n' * 2)
    return tmp_path / "once.toml", tmp_path / "once.jsonl"


@pytest.mark.parametrize("fmt", [(), ("--json",)], ids=["text", "json"])
def test_check_keeps_exit_1_and_writes_the_page(tmp_path, fmt):
    page = tmp_path / "cex.html"
    p = _into_closed_pipe("pyspec", "check", ELECTION, "-D", 'FD="S"', *fmt, "--html", page)
    _assert_clean(p)
    assert p.returncode == 1, p.stderr  # violated, as with a reader
    assert "<html" in page.read_text()


def test_check_that_holds_keeps_exit_0():
    p = _into_closed_pipe("pyspec", "check", ELECTION, "-D", "N=2")
    _assert_clean(p)
    assert p.returncode == 0, p.stderr


def test_check_stopped_by_a_limit_keeps_exit_3():
    p = _into_closed_pipe("pyspec", "check", SPECS / "paxos.spec", "--max-states", "100", "--json")
    _assert_clean(p)
    assert p.returncode == 3, p.stderr


def test_simulate_keeps_exit_1_and_writes_the_page(tmp_path):
    page = tmp_path / "walk.html"
    p = _into_closed_pipe("pyspec", "simulate", ELECTION, "-D", 'FD="S"', "--html", page)
    _assert_clean(p)
    assert p.returncode == 1, p.stderr
    assert "<html" in page.read_text()


def test_prove_keeps_exit_0_and_writes_the_page(tmp_path):
    spec, page = tmp_path / "once.spec", tmp_path / "proof.html"
    spec.write_text(ONCE + "\ninvariant AtMostOnce:\n    n <= 1\n")
    p = _into_closed_pipe("pyspec", "prove", spec, "--invariant", "AtMostOnce", "--json", "--html", page)
    _assert_clean(p)
    assert p.returncode == 0, p.stderr
    assert "<html" in page.read_text()


def test_synth_keeps_exit_1():
    p = _into_closed_pipe("pyspec", "synth", SPECS / "election_any_algorithm.spec", "-D", "N=2", "-D", 'FD="S"',
                          "--depth", "3")
    _assert_clean(p)
    assert p.returncode == 1, p.stderr  # no table survives every run


@pytest.mark.parametrize("args", [("show", ELECTION), ("show", ELECTION, "--json"), ("--help",), ("check", "--help")],
                         ids=["show", "show-json", "help", "check-help"])
def test_show_and_help_keep_exit_0(args):
    p = _into_closed_pipe("pyspec", *args)
    _assert_clean(p)
    assert p.returncode == 0, p.stderr


def test_a_bad_input_keeps_exit_2_and_its_message_on_stderr(tmp_path):
    bad = tmp_path / "bad.spec"
    bad.write_text("spec Bad\nvar x: 0 .. 1\ninit:\n    x = y\n")
    p = _into_closed_pipe("pyspec", "check", bad, "--json")
    assert p.returncode == 2 and "error[PS" in p.stderr, p.stderr


def test_view_keeps_exit_0_and_writes_the_page(tmp_path):
    trace = tmp_path / "trace.json"
    with open(trace, "w") as f:  # a reader this time: the trace to view
        subprocess.run([script("pyspec"), "check", ELECTION, "-D", 'FD="S"', "--json"], stdout=f, timeout=120, cwd=ROOT)
    page = tmp_path / "view.html"
    p = _into_closed_pipe("pyspec", "view", trace, "-o", page)
    _assert_clean(p)
    assert p.returncode == 0, p.stderr
    assert "<html" in page.read_text()


def test_suite_keeps_its_exit_code(tmp_path):
    suite = tmp_path / "suite.toml"
    suite.write_text(f'[[check]]\nname = "two processes"\nspec = "{ELECTION}"\nparams = {{ N = 2 }}\nexpect = "holds"\n\n'
                     f'[[check]]\nname = "a wrong prediction"\nspec = "{ELECTION}"\nparams = {{ FD = "S" }}\n'
                     f'expect = "holds"\n')
    p = _into_closed_pipe("pyspec", "suite", suite)
    _assert_clean(p)
    assert p.returncode == 1, p.stderr  # the second row's prediction fails


@pytest.mark.parametrize("fmt", [(), ("--json",)], ids=["text", "json"])
def test_tracecheck_keeps_exit_1_and_writes_the_page_and_the_junit_report(tmp_path, fmt):
    mapping, log = _diverging_log(tmp_path)
    page, junit = tmp_path / "log.html", tmp_path / "report.xml"
    p = _into_closed_pipe("tracecheck", "validate", "-m", mapping, log, *fmt, "--html", page, "--junit", junit)
    _assert_clean(p)
    assert p.returncode == 1, p.stderr  # diverges, as with a reader
    assert "<html" in page.read_text()
    assert 'failures="1"' in junit.read_text()


def test_tracecheck_bad_input_keeps_exit_2_and_writes_the_junit_report(tmp_path):
    _, log = _diverging_log(tmp_path)
    junit = tmp_path / "report.xml"
    p = _into_closed_pipe("tracecheck", "validate", "-m", tmp_path / "missing.toml", log, "--json", "--junit", junit)
    assert p.returncode == 2 and "error[TC101]" in p.stderr, p.stderr
    assert 'errors="1"' in junit.read_text()
