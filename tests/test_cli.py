"""The pyspec command, through the installed console script for the main paths and
`main(argv)` for the rest: exit codes, stdout, stderr, never a traceback."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from pyspec.cli import main

LE = "specs/leader_election.spec"


def _script() -> str:
    exe = shutil.which("pyspec", path=os.path.dirname(sys.executable))
    assert exe, "the pyspec console script is not installed next to this python"
    return exe


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([_script(), *args], capture_output=True, text=True, timeout=120)


def test_check_holds_exit_0_prints_state_count():
    p = run("check", LE, "-D", "FD=P")
    assert p.returncode == 0, p.stderr
    assert "HOLDS" in p.stdout
    assert "289 distinct states" in p.stdout
    assert "states/s" in p.stdout


def test_check_violated_exit_1_prints_trace_ending_with_two_leaders():
    p = run("check", LE, "-D", "FD=S")
    assert p.returncode == 1, p.stderr
    out = p.stdout
    assert "VIOLATED: AtMostOneLeader" in out
    assert "shortest counterexample, 2 steps:" in out
    assert "1: Step(p=0)" in out
    assert "2: Step(p=1)" in out
    assert "suspects' = {0: {}, 1: {0}, 2: {}}" in out
    assert "leader' = {0: True, 1: True, 2: False}" in out


def test_check_json_is_itf():
    p = run("check", LE, "-D", "FD=S", "--json")
    assert p.returncode == 1
    j = json.loads(p.stdout)
    assert j["verdict"] == "violated" and j["exit_code"] == 1
    itf = j["trace"]
    assert itf["vars"] == ["crashed", "anchor", "gst", "suspects", "leader", "stepped"]
    assert len(itf["states"]) == 3
    last = itf["states"][-1]
    assert last["#meta"]["action"] == "Step"
    assert last["leader"] == {"#map": [[0, True], [1, True], [2, False]]}
    assert last["crashed"] == {"#set": []}


def test_incomplete_exit_3():
    p = run("check", "specs/paxos.spec", "--max-states", "100")
    assert p.returncode == 3
    assert "INCOMPLETE" in p.stdout
    assert "HOLDS" not in p.stdout


def test_syntax_error_exit_2_with_caret(tmp_path):
    f = tmp_path / "bad.spec"
    f.write_text("spec Bad\nvar x: bool\ninit:\n    x = = True\n")
    p = run("check", str(f))
    assert p.returncode == 2
    assert f"{f}:4:9: error[PS100]" in p.stderr
    assert "    x = = True" in p.stderr
    assert "Traceback" not in p.stderr
    lines = p.stderr.splitlines()
    caret = next(l for l in lines if l.strip().startswith("|") and "^" in l)
    src = next(l for l in lines if "x = = True" in l)
    assert caret.index("^") == src.index("= True")


def test_unknown_name_exit_2(tmp_path):
    f = tmp_path / "name.spec"
    f.write_text("spec Name\nvar leader: bool\ninit:\n    leader = False\ninvariant I: leadr\n")
    p = run("check", str(f))
    assert p.returncode == 2
    assert f"{f}:5:14: error[PS200]: unknown name 'leadr'" in p.stderr
    assert "hint: did you mean 'leader'?" in p.stderr


def test_type_error_exit_2(tmp_path):
    f = tmp_path / "type.spec"
    f.write_text("spec Ty\nvar x: 0 .. 3\ninit:\n    x = 0\ninvariant I: x + True > 0\n")
    p = run("check", str(f))
    assert p.returncode == 2
    assert f"{f}:5:18: error[PS315]" in p.stderr
    assert "must be an integer, found bool" in p.stderr


def test_missing_file_exit_2():
    p = run("check", "no/such.spec")
    assert p.returncode == 2
    assert "no such spec file" in p.stderr


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["check", LE, "-D", "FD=Q"], "not a value of"),
        (["check", LE, "-D", "M=3"], "no param 'M'"),
        (["check", LE, "-D", "N"], "expected NAME=VALUE"),
        (["check", LE, "--invariant", "AtMostOne"], "no invariant 'AtMostOne'"),
        (["check", LE, "--engine", "bmc"], "needs --depth"),
        (["frobnicate", LE], "invalid choice"),
    ],
)
def test_usage_errors_exit_2(argv, fragment, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err
    assert "Traceback" not in err


def test_simulate_is_seeded(capsys):
    assert main(["simulate", LE, "-D", "FD=S", "--seed", "7", "--runs", "50", "--json"]) == 1
    first = json.loads(capsys.readouterr().out)
    assert main(["simulate", LE, "-D", "FD=S", "--seed", "7", "--runs", "50", "--json"]) == 1
    second = json.loads(capsys.readouterr().out)
    first["stats"].pop("seconds"), second["stats"].pop("seconds")
    assert first == second
    assert first["violated"] == "AtMostOneLeader"


def test_simulate_no_violation_is_not_called_holds(capsys):
    assert main(["simulate", LE, "-D", "FD=P", "--runs", "5", "--steps", "10"]) == 0
    out = capsys.readouterr().out
    assert "not a proof" in out and "HOLDS" not in out


def test_show_prints_resolved_types_and_params(capsys):
    assert main(["show", LE, "-D", "N=4"]) == 0
    out = capsys.readouterr().out
    assert "param N: int = 4" in out
    assert "type Proc = 0 .. 3" in out
    assert "var suspects: map[0 .. 3, set[0 .. 3]]" in out
    assert "action Step(p: 0 .. 3)" in out
    assert "invariant NoFalseSuspicion    # included: checked only when named" in out


def test_internal_error_exits_70(monkeypatch, capsys):
    import pyspec.cli as cli

    def boom(o):
        raise RuntimeError("bug")

    monkeypatch.setattr(cli, "run", boom)
    assert main(["check", LE]) == 70
    assert "internal error" in capsys.readouterr().err


def test_a_stop_signal_outside_an_engine_names_the_spec_and_the_signal(monkeypatch, capsys):
    import signal

    from pyspec import api
    from pyspec.progress import Interrupted

    def stopped(path, params, **options):  # SIGTERM while the spec loads: no engine turned it into a result
        raise Interrupted(signal.SIGTERM)

    monkeypatch.setattr(api, "load", stopped)
    assert main(["check", LE]) == 3
    out = capsys.readouterr().out
    assert out.startswith(f"pyspec check {LE}\nINCOMPLETE: stopped: terminated by SIGTERM"), out
