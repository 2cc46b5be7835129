"""The tracecheck command: the installed console script for the main paths, main(argv) for the rest."""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

from tracecheck.cli import main
from conftest import EXAMPLES, MAPPING, read_records, write_records

SCRIPT = str(pathlib.Path(sys.executable).with_name("tracecheck"))
M = str(MAPPING)
SAMPLE = sorted(str(p) for p in (EXAMPLES / "sample").glob("*.jsonl"))


def _run(*args):
    return subprocess.run([SCRIPT, *args], capture_output=True, text=True, timeout=120)


def _copy(tmp_path):
    out = []
    for p in SAMPLE:
        dst = tmp_path / pathlib.Path(p).name
        shutil.copy(p, dst)
        out.append(str(dst))
    return out


def test_conforms_exit_0():
    p = _run("validate", "--mapping", M, *SAMPLE)
    assert p.returncode == 0, p.stderr
    assert "CONFORMS: all 40 records explained by LeaderElection" in p.stdout
    assert p.stderr == ""


def test_diverges_exit_1_names_record_and_observation(tmp_path):
    paths = _copy(tmp_path)
    node1 = next(p for p in paths if p.endswith("node-1.jsonl"))
    rows = read_records(node1)
    rows[2]["leader"] = not rows[2]["leader"]
    write_records(node1, rows)
    p = _run("validate", "--mapping", M, *paths)
    assert p.returncode == 1, p.stderr
    assert "DIVERGES at record 7 (node-1.jsonl:3)" in p.stdout
    assert "`leader[node] == is_leader`" in p.stdout
    assert "last records that matched:" in p.stdout


def test_bad_inputs_exit_2_without_traceback(tmp_path):
    paths = _copy(tmp_path)
    node2 = next(p for p in paths if p.endswith("node-2.jsonl"))
    lines = pathlib.Path(node2).read_text().splitlines()
    pathlib.Path(node2).write_text("\n".join(lines[:3] + [lines[3][:25]] + lines[4:]) + "\n")
    p = _run("validate", "--mapping", M, *paths)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert f"{node2}:4:" in p.stderr and "truncated JSON line" in p.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text(MAPPING.read_text().replace('action = "Crash"', 'action = "Krash"')
                   .replace('"../../specs/', '"' + str(MAPPING.parents[2] / "specs") + "/"))
    p = _run("validate", "--mapping", str(bad), *SAMPLE)
    line = next(i for i, x in enumerate(bad.read_text().splitlines(), 1) if "Krash" in x)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert f"{bad}:{line}:" in p.stderr and "has no action 'Krash'" in p.stderr and "did you mean 'Crash'?" in p.stderr


def test_json_and_junit(tmp_path, capsys):
    junit = tmp_path / "report.xml"
    assert main(["validate", "-m", M, "--json", "--invariants", "--junit", str(junit), *SAMPLE]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "conforms" and out["exit_code"] == 0 and out["matched"] == 40
    viol = out["invariants"]["violations"]
    assert viol[0]["invariant"] == "AtMostOneLeader" and viol[0]["first"]["index"] == 7
    suite = ET.parse(junit).getroot().find("testsuite")
    checked = out["invariants"]["checked"]
    assert "AtMostOneLeader" in checked
    assert suite.get("tests") == str(1 + len(checked)) and suite.get("failures") == "1"  # AtMostOneLeader is false on the log


def test_junit_failure_on_divergence(tmp_path, capsys):
    paths = _copy(tmp_path)
    node0 = next(p for p in paths if p.endswith("node-0.jsonl"))
    rows = read_records(node0)
    rows[0]["suspects"] = [0]  # a process never suspects itself
    write_records(node0, rows)
    junit = tmp_path / "r.xml"
    assert main(["validate", "-m", M, "--json", "--junit", str(junit), *paths]) == 1
    out = json.loads(capsys.readouterr().out)
    d = out["divergence"]
    assert d["record"]["line"] == 1 and d["step"] == "Step(p=0)"
    assert d["explained"][0]["reasons"][0]["clause"] == "suspects[node] == out"
    case = ET.parse(junit).getroot().find("testsuite/testcase")
    assert case.find("failure") is not None and "DIVERGES at record 1" in case.find("failure").get("message")


def test_incomplete_exit_3(capsys):
    assert main(["validate", "-m", M, "--max-frontier", "1", *SAMPLE]) == 3
    assert "INCOMPLETE" in capsys.readouterr().out


def test_usage_errors_exit_2(capsys):
    assert main(["validate", "-m", M, "--engine", "z3", "--invariants", *SAMPLE]) == 2
    assert "needs the explicit engine" in capsys.readouterr().err
    assert main(["validate", "-m", M, "--invariant", "Nope", *SAMPLE]) == 2
    assert "no invariant 'Nope'" in capsys.readouterr().err


def test_invariants_flag_on_a_spec_with_only_included_invariants_is_refused(tmp_path, capsys):
    # raft_late_votes.spec includes raft.spec: its own default set is empty, so `--invariants`
    # would check nothing and still say CONFORMS; it is a usage error naming what could be checked
    raft = EXAMPLES.parent / "realsystems" / "raft"
    logs = sorted(str(p) for p in (raft / "sample-log").glob("*.jsonl"))
    assert main(["validate", "--mapping", str(raft / "raft_log.toml"), "--invariants", *logs]) == 2
    err = capsys.readouterr().err
    assert "error[TC306]: --invariants, but spec RaftLateVotes has no invariant of its own" in err
    assert "ElectionSafety" in err and "--invariant NAME" in err
    assert main(["validate", "--mapping", str(raft / "raft_log.toml"), "--invariant", "ElectionSafety", *logs]) == 0
