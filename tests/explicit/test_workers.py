"""`pyspec check --workers N`: the limits, deadlock, evaluation errors and Ctrl-C behave as with
one worker, and the options the parallel search does not support are refused."""

from __future__ import annotations

import os
import pathlib
import queue
import signal
import subprocess
import threading

import pytest

from pyspec import Verdict, check, load, loads
from pyspec.errors import SpecEvalError
from pyspec.limits import resident_mb
from tests.cli_helpers import assert_user_error, run_cli, script

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAXOS = str(ROOT / "specs" / "paxos.spec")

OVERFLOW = '''
spec Overflow
var x: 0 .. 3
var y: 0 .. 3
init:
    x = 0
    y = 0
action IncX():
    x' = x + 1
action IncY():
    require y < 2
    y' = y + 1
invariant Fine: True
'''

STUCK = '''
spec Stuck
var x: 0 .. 3
var y: bool
init:
    x = 0
    y = False
action Inc():
    require x < 3
    x' = x + 1
action Flip():
    require x < 2
    y' = not y
invariant Fine: True
'''


def _paxos():
    return load(PAXOS, {"NA": "2", "MaxBallot": "1"})


def test_max_states_above_the_count_holds_and_below_it_is_incomplete():
    n = check(_paxos(), invariants=("Agreement",)).stats["states"]
    assert check(_paxos(), invariants=("Agreement",), max_states=n, workers=2).verdict is Verdict.HOLDS
    r = check(_paxos(), invariants=("Agreement",), max_states=n - 1, workers=2)
    assert r.verdict is Verdict.INCOMPLETE
    assert f"explored more than {n - 1:,} states (the limit)" in r.reason


def test_time_limit_stops_the_workers_with_incomplete():
    r = check(_paxos(), invariants=("Agreement",), time_limit=0, workers=2)
    assert r.verdict is Verdict.INCOMPLETE
    assert "time limit of 0 s reached" in r.reason


def test_memory_limit_counts_every_process():
    # Above this process's resident set, below the three processes' (the workers are forks of it).
    bound = resident_mb() + 20
    r = check(_paxos(), invariants=("Agreement",), max_memory=bound, workers=2)
    assert r.verdict is Verdict.INCOMPLETE
    assert f"memory limit of {bound:,.0f} MB reached (" in r.reason and " MB resident in 3 processes); " in r.reason


def test_deadlock_has_the_single_workers_length():
    one = check(loads(STUCK), deadlock=True)
    two = check(loads(STUCK), deadlock=True, workers=2)
    assert one.verdict is two.verdict is Verdict.DEADLOCK
    assert two.trace == one.trace  # here the only shortest one


def test_an_evaluation_error_in_a_worker_reads_as_the_single_workers():
    with pytest.raises(SpecEvalError) as one:
        check(loads(OVERFLOW))
    with pytest.raises(SpecEvalError) as two:
        check(loads(OVERFLOW), workers=2)
    assert str(two.value) == str(one.value)
    assert two.value.code == one.value.code
    assert len(two.value.trace) == len(one.value.trace)


def test_workers_below_one_are_refused():
    assert_user_error(run_cli("pyspec", "check", PAXOS, "--workers", "0"), "PS602", "--workers must be at least 1")


def test_fingerprint_with_workers_is_refused():
    assert_user_error(run_cli("pyspec", "check", PAXOS, "--workers", "2", "--fingerprint"), "PS602",
                      "--fingerprint is not supported with --workers above 1")


def test_workers_with_bmc_are_refused():
    assert_user_error(run_cli("pyspec", "check", PAXOS, "--engine", "bmc", "--depth", "2", "--workers", "2"),
                      "PS630", "--workers is an option of the explicit engine")


def test_workers_with_a_liveness_check_are_refused_with_the_reason(tmp_path):
    spec = tmp_path / "live.spec"
    spec.write_text("spec Live\nvar x: 0 .. 2\ninit:\n    x = 0\naction Inc():\n    require x < 2\n"
                    "    x' = x + 1\ntemporal Two: eventually x == 2\nfair weak Inc\n")
    assert_user_error(run_cli("pyspec", "check", spec, "--workers", "2"), "PS630",
                      "not supported by the liveness check", "every edge of the graph", "in one process",
                      "docs/performance.md")
    assert_user_error(run_cli("pyspec", "check", spec, "--fingerprint"), "PS630",
                      "not supported by the liveness check", "collide in a fingerprint")


def test_fingerprint_run_prints_the_probability_and_exits_3():
    p = run_cli("pyspec", "check", PAXOS, "-D", "NA=2", "-D", "MaxBallot=1", "--invariant", "Agreement", "--fingerprint")
    assert p.returncode == 3, p.stdout + p.stderr
    assert "INCOMPLETE: no violation found in " in p.stdout
    assert "probability of a fingerprint collision at most " in p.stdout


def test_ctrl_c_stops_the_workers_with_incomplete():
    proc = subprocess.Popen([script("pyspec"), "check", PAXOS, "--workers", "2", "--progress"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYSPEC_PROGRESS_INTERVAL": "0.2"},
                            cwd=ROOT)
    lines: queue.Queue = queue.Queue()

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    try:
        while True:
            line = lines.get(timeout=120)
            assert line is not None, "the check ended before its first progress line"
            if line.startswith("progress: ") and " states, depth " in line:
                break
        proc.send_signal(signal.SIGINT)
        assert proc.stdout is not None
        out = proc.stdout.read()
        code = proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == 3, out
    assert "INCOMPLETE: stopped: interrupted by the user (Ctrl-C) at depth " in out, out
