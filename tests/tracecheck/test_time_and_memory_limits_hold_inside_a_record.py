"""tracecheck's limits hold per record and inside one record's frontier
expansion (explicit engine), and while a log is encoded and solved (Z3 engine).

The spec grows a frontier of up to 2^22 states through hidden steps before one record: the old
engine looked at the clock every 256 records and after each hidden layer, so it ran for minutes
and gigabytes. Run through the real console script; INCOMPLETE (exit 3), wall time near the limit."""

from __future__ import annotations

import pathlib
import subprocess
import sys
import time

TRACECHECK = str(pathlib.Path(sys.executable).with_name("tracecheck"))

SPEC = """spec Grow
var s: set[0 .. 21]
var n: 0 .. 1
init:
    s = {}
    n = 0
action Add(i: 0 .. 21):
    require i not in s
    s' = s | {i}
action Tick():
    n' = (n + 1) % 2
"""

MAPPING = """[spec]
file = "grow.spec"

[log]
format = "jsonl"
unmatched = "reject"

[hidden]
actions = ["Add"]
bound = 22

[[rule]]
when = { event = "tick" }
action = "Tick"
"""


def _run(tmp_path, *args: str, records: int = 84):
    (tmp_path / "grow.spec").write_text(SPEC)
    (tmp_path / "grow.toml").write_text(MAPPING)
    (tmp_path / "grow.jsonl").write_text('{"event": "tick"}\n' * records)
    t0 = time.perf_counter()
    p = subprocess.run([TRACECHECK, "validate", "-m", str(tmp_path / "grow.toml"), str(tmp_path / "grow.jsonl"),
                        "--max-frontier", "100000000", "--engine", "explicit", *args], capture_output=True, text=True,
                       timeout=120)
    return p, time.perf_counter() - t0


def test_time_limit_holds_inside_one_records_expansion(tmp_path):
    # 6 s, not 2: on a loaded machine loading the mapping and its spec alone took 2 s, and the
    # limit then (rightly) stopped the run before its first record
    p, wall = _run(tmp_path, "--time-limit", "6")
    assert p.returncode == 3, p.stdout + p.stderr
    assert "time limit of 6 s reached at record 1" in p.stdout
    assert wall < 6 + 10


def test_max_memory_holds_inside_one_records_expansion(tmp_path):
    p, wall = _run(tmp_path, "--max-memory", "200")
    assert p.returncode == 3, p.stdout + p.stderr
    assert "memory limit of 200 MB reached (" in p.stdout and "at record 1" in p.stdout
    assert wall < 20


def test_z3_time_limit_holds_while_encoding_and_solving(tmp_path):
    # Z3 validates in time linear in the log (about 2 s for 84 records here): ten times as many
    # records keep it encoding and solving well past the limit
    p, wall = _run(tmp_path, "--time-limit", "2", "--engine", "z3", records=840)
    assert p.returncode == 3, p.stdout + p.stderr
    assert "INCOMPLETE" in p.stdout and "before the first record" not in p.stdout
    assert wall < 2 + 10


SLOW_LOAD = """spec SlowLoad
var s: set[0 .. 21]
init:
    s in subsets(0 .. 21)
action Tick():
    s' = s
"""


def test_time_limit_holds_while_the_mapping_and_spec_load(tmp_path):
    """The clock starts before the mapping is read: a spec slow to compile stops at the limit."""
    (tmp_path / "grow.spec").write_text(SLOW_LOAD)
    (tmp_path / "grow.toml").write_text(MAPPING.replace('actions = ["Add"]\nbound = 22', 'actions = ["Tick"]\nbound = 1'))
    (tmp_path / "grow.jsonl").write_text('{"event": "tick"}\n')
    for engine in ("explicit", "z3"):
        t0 = time.perf_counter()
        p = subprocess.run([TRACECHECK, "validate", "--mapping", str(tmp_path / "grow.toml"), str(tmp_path / "grow.jsonl"),
                            "--time-limit", "1", "--engine", engine], capture_output=True, text=True, timeout=120)
        wall = time.perf_counter() - t0
        assert p.returncode == 3, p.stdout + p.stderr
        assert "INCOMPLETE: time limit of 1 s reached while" in p.stdout
        assert "stopped before the first record" in p.stdout
        assert wall < 1 + 10
