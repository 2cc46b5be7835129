"""Bad mappings and hostile logs that crashed tracecheck (exit 70) are located user errors
(exit 2).

Each test runs the installed console script and checks the exit code, the error code, a
message fragment, and that no traceback escaped.
"""

import gzip
import subprocess

import pytest

from tests.cli_helpers import assert_user_error, run_cli

SPEC = """\
spec Tiny
type Proc = 0 .. 1
var on: map[Proc, bool]
var s: set[Proc]
init:
    on = {p: False for p in Proc}
    s = {}
action Up(p: Proc):
    require not on[p]
    on'[p] = True
"""

MAPPING = """\
[spec]
file = "tiny.spec"

[log]
format = "jsonl"

[fields]
node = "Proc"
ss = "set[Proc]"

[[rule]]
when = { event = "up" }
action = "Up"
args = { p = "node" }
observe = ["s == ss"]
"""

UP = '{"event": "up", "node": 0, "ss": []}\n'


def run(*args) -> subprocess.CompletedProcess:
    return run_cli("tracecheck", *args)


@pytest.fixture
def d(tmp_path):
    (tmp_path / "tiny.spec").write_text(SPEC)
    (tmp_path / "m.toml").write_text(MAPPING)
    (tmp_path / "up.jsonl").write_text(UP)
    return tmp_path


def test_the_fixture_conforms(d):
    p = run("validate", "-m", d / "m.toml", d / "up.jsonl")
    assert p.returncode == 0, p.stdout + p.stderr


def test_spec_params_not_a_table_is_TC103(d):
    (d / "bad.toml").write_text(MAPPING.replace('file = "tiny.spec"', 'file = "tiny.spec"\nparams = 3'))
    assert_user_error(run("validate", "-m", d / "bad.toml", d / "up.jsonl"), "TC103", "bad.toml:3:1: ",
                      "[spec] params must be a table of NAME = value, not an integer")


def test_deeply_nested_json_is_TC202(d):
    (d / "deep.jsonl").write_text('{"event": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    p = run("validate", "-m", d / "m.toml", d / "deep.jsonl")
    assert_user_error(p, "TC202", "deep.jsonl:1:100010: ", "JSON nested 100,001 levels deep")
    assert max(len(line) for line in p.stderr.splitlines()) < 300  # the line is shown cut around the caret


def test_damaged_gzip_is_TC201(d):
    data = bytearray(gzip.compress(UP.encode() * 1000))
    for i in range(20, 40):
        data[i] ^= 0xFF
    (d / "bad.jsonl.gz").write_bytes(bytes(data))
    assert_user_error(run("validate", "-m", d / "m.toml", d / "bad.jsonl.gz"), "TC201", "damaged gzip data")


def test_set_field_holding_a_list_of_lists_is_TC209(d):
    (d / "set.jsonl").write_text('{"event": "up", "node": 0, "ss": [[1], [0]]}\n')
    assert_user_error(run("validate", "-m", d / "m.toml", d / "set.jsonl"), "TC209", "set.jsonl:1:1: ",
                      "field 'ss' (ss): [1] is not an integer, so it is not a set[0 .. 1]")


def test_a_log_without_newlines_stops_at_the_line_bound_TC210(d):
    p = run("validate", "-m", d / "m.toml", "/dev/zero")
    assert_user_error(p, "TC210", "/dev/zero, line 1: a line longer than 1,048,576 characters")
    (d / "long.jsonl").write_text(UP + '{"event": "' + "x" * (1 << 20) + '"}\n')
    assert_user_error(run("validate", "-m", d / "m.toml", d / "long.jsonl"), "TC210", "long.jsonl, line 2: ")


@pytest.mark.parametrize("engine, value", [("z3", "inf"), ("z3", "nan"), ("explicit", "inf"), ("explicit", "-1")])
def test_non_finite_or_negative_time_limit_is_TC301(d, engine, value):
    p = run("validate", "-m", d / "m.toml", "--engine", engine, "--time-limit", value, d / "up.jsonl")
    assert_user_error(p, "TC301", f"--time-limit must be a finite number of seconds, 0 or more, not {value}")


def test_spec_file_dev_zero_is_TC105_not_memory_error(d):
    (d / "z.toml").write_text(MAPPING.replace('file = "tiny.spec"', 'file = "/dev/zero"'))
    assert_user_error(run("validate", "-m", d / "z.toml", d / "up.jsonl"), "TC105", "z.toml:2:1: ",
                      "spec: /dev/zero is a character device, not a spec file")


def test_spec_file_that_is_not_a_spec_is_never_quoted(d):
    (d / "secret").write_text("password = hunter2-do-not-echo\n")
    (d / "s.toml").write_text(MAPPING.replace('file = "tiny.spec"', 'file = "secret"'))
    p = run("validate", "-m", d / "s.toml", d / "up.jsonl")
    assert_user_error(p, "TC105", "is not a spec file: it is text of 1 line that")
    assert "hunter2" not in p.stderr + p.stdout


def test_mapping_and_grammar_files_are_regular_files_only(d):
    """A mapping or grammar file on /dev/zero was read until memory ran out (the issue's
    `include "/dev/zero"`, for tracecheck's own files)."""
    p = run("validate", "-m", "/dev/zero", d / "up.jsonl")
    assert_user_error(p, "TC101", "/dev/zero is not a regular file")
    (d / "g.toml").write_text(MAPPING.replace('format = "jsonl"', 'format = "text"\ngrammar_file = "/dev/zero"'))
    assert_user_error(run("validate", "-m", d / "g.toml", d / "up.jsonl"), "TC106", "/dev/zero is not a regular file")
