"""Bad input that once crashed pyspec (exit 70) is a located user error (exit 2).

Each test runs the installed console script, as a user would, and checks the exit code, the
error code, a message fragment, and that no traceback escaped.
"""

import os
import subprocess

import pytest

from tests.cli_helpers import assert_user_error, run_cli

SECRET = "root:x:0:0:do-not-echo-me:/root:/bin/bash"


def run(*args) -> subprocess.CompletedProcess:
    return run_cli("pyspec", *args)


SMALL = """\
spec Small
var x: 0 .. 3
init:
    x = 0
action A(a: 0 .. 1):
    require x < 3
    x' = x + 1
invariant I: x <= 3
"""

BIG_PARAM = """\
spec Big
var x: 0 .. 3
init:
    x = 0
action A(a: 0 .. 2000000):
    require a == 0
    x' = 1
invariant I: x <= 3
"""


@pytest.fixture
def small(tmp_path):
    (tmp_path / "small.spec").write_text(SMALL)
    return tmp_path / "small.spec"


# ---- an action parameter, or map keys, of a type too large to enumerate (ValueError before) ----


@pytest.mark.parametrize("argv", [["check"], ["simulate"], ["check", "--engine", "bmc", "--depth", "1"],
                                  ["prove", "--invariant", "I"]])
def test_action_parameter_over_2_20_values_is_PS333(tmp_path, argv):
    (tmp_path / "big.spec").write_text(BIG_PARAM)
    p = run(argv[0], tmp_path / "big.spec", *argv[1:])
    assert_user_error(p, "PS333", "big.spec:5:13: ", "action parameter 'a' has type 0 .. 2000000, with 2,000,001 values",
                      "the limit is 1,048,576 (2^20)")


def test_action_parameter_of_an_astronomical_type_is_PS333(tmp_path):
    (tmp_path / "m.spec").write_text(BIG_PARAM.replace("a: 0 .. 2000000", "a: map[set[0 .. 13], bool]"))
    assert_user_error(run("check", tmp_path / "m.spec"), "PS333", "with 2^16384 values")
    (tmp_path / "s.spec").write_text(BIG_PARAM.replace("a: 0 .. 2000000", "a: set[0 .. 99]"))
    assert_user_error(run("check", tmp_path / "s.spec"), "PS333", "with more than 2^64 values")


def test_map_keys_over_2_20_values_is_PS333(tmp_path):
    (tmp_path / "m.spec").write_text("spec M\nvar m: map[0 .. 2000000, bool]\ninit:\n    m = {k: False for k in 0 .. 2000000}\n")
    assert_user_error(run("check", tmp_path / "m.spec"), "PS333", "m.spec:2:12: ",
                      "map keys of type 0 .. 2000000 have 2,000,001 values")


# ---- `pyspec show` of a type whose size has more than 4,300 digits (ValueError before) ----------


def test_show_prints_a_huge_state_space_bound_as_a_power_of_two(tmp_path):
    (tmp_path / "s.spec").write_text("spec S\ntype K = set[0 .. 13]\nvar x: 0 .. 3\nvar m: map[K, bool]\n"
                                     "init:\n    x = 0\n    m = {k: False for k in K}\n")
    p = run("show", tmp_path / "s.spec")
    assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr
    assert "# state space bound: 2^16386 combinations of variable values" in p.stdout


def test_show_of_a_doubly_exponential_type_finishes_without_a_bound(tmp_path):
    """map[map[set[0 .. 13], bool], bool] has 2^(2^16384) values: counting them never finished."""
    (tmp_path / "s.spec").write_text("spec S\ntype K = map[set[0 .. 13], bool]\nvar x: 0 .. 3\n"
                                     "unknown m: map[K, bool]\ninit:\n    x = 0\n")
    p = run("show", tmp_path / "s.spec")
    assert "Traceback" not in p.stderr, p.stderr
    assert "state space bound" not in p.stdout


# ---- non-finite or non-positive time bounds (OverflowError / ValueError before) ---------------


@pytest.mark.parametrize("argv, flag, value", [
    (["check", "--engine", "bmc", "--depth", "1", "--timeout", "inf"], "--timeout", "inf"),
    (["check", "--engine", "bmc", "--depth", "1", "--timeout", "nan"], "--timeout", "nan"),
    (["prove", "--invariant", "I", "--timeout", "inf"], "--timeout", "inf"),
    (["prove", "--invariant", "I", "--timeout", "nan"], "--timeout", "nan"),
    (["prove", "--invariant", "I", "--timeout", "-1"], "--timeout", "-1"),
    (["synth", "--depth", "1", "--timeout", "inf"], "--timeout", "inf"),
    (["check", "--engine", "bmc", "--depth", "1", "--timeout", "0"], "--timeout", "0"),  # Z3: 0 is no timeout
])
def test_non_finite_or_non_positive_timeout_is_PS602(small, argv, flag, value):
    p = run(argv[0], small, *argv[1:])
    assert_user_error(p, "PS602", f"{flag} must be a finite number of seconds, above 0, not {value}")


@pytest.mark.parametrize("value", ["inf", "nan", "-1"])
def test_non_finite_or_negative_time_limit_is_PS602(small, value):
    p = run("check", small, "--time-limit", value)
    assert_user_error(p, "PS602", f"--time-limit must be a finite number of seconds, 0 or more, not {value}")



# ---- `include` and spec files: regular files only, bounded, never quoted ----------------------


def _including(tmp_path, target: str):
    (tmp_path / "main.spec").write_text(f'spec Main\ninclude "{target}"\nvar x: 0 .. 1\ninit:\n    x = 0\n')
    return tmp_path / "main.spec"


def test_include_dev_zero_is_PS002_not_memory_error(tmp_path):
    p = run("check", _including(tmp_path, "/dev/zero"))
    assert_user_error(p, "PS002", "main.spec:2:1: ", "/dev/zero is a character device, not a spec file")


def test_include_a_named_pipe_does_not_wait_for_a_writer(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    assert_user_error(run("check", _including(tmp_path, "pipe")), "PS002", "is a named pipe")


def test_include_a_directory_is_PS002(tmp_path):
    (tmp_path / "d").mkdir()
    assert_user_error(run("check", _including(tmp_path, "d")), "PS002", "is a directory")


def test_a_spec_over_16_mib_is_PS002(tmp_path):
    (tmp_path / "huge.spec").write_text("spec Huge\n" + "# padding\n" * (17 << 17))
    assert_user_error(run("check", _including(tmp_path, "huge.spec")), "PS002", "larger than 16 MiB")
    assert_user_error(run("check", tmp_path / "huge.spec"), "PS002", "huge.spec is larger than 16 MiB")


def test_include_of_a_text_file_says_what_it_is_and_never_quotes_it(tmp_path):
    (tmp_path / "passwd").write_text(SECRET + "\n" + "daemon:x:1:1::/:/bin/false\n")
    p = run("check", _including(tmp_path, "passwd"))
    assert_user_error(p, "PS003", "is not a spec file: it is text of 2 lines that does not begin with `spec NAME`")
    assert "do-not-echo-me" not in p.stderr + p.stdout


def test_include_of_a_binary_or_script_file_is_PS003(tmp_path):
    (tmp_path / "bin").write_bytes(b"\x7fELF\x00\x00" + SECRET.encode())
    p = run("check", _including(tmp_path, "bin"))
    assert_user_error(p, "PS003", "is binary data (it contains NUL bytes)")
    assert "do-not-echo-me" not in p.stderr
    (tmp_path / "script").write_text("#!/bin/sh\necho " + SECRET + "\n")
    p = run("check", _including(tmp_path, "script"))
    assert_user_error(p, "PS003", "it is a script (#!...)")
    assert "do-not-echo-me" not in p.stderr


def test_a_spec_with_comments_before_its_header_still_loads(tmp_path):
    (tmp_path / "lib.spec").write_text("# a library\n\n# of defs\nspec Lib\ndef One = 1\n")
    p = run("check", _including(tmp_path, "lib.spec"))
    assert p.returncode == 0, p.stderr


def _with_invariant(tmp_path, expr: str):
    path = tmp_path / "deep.spec"
    path.write_text("spec Deep\nvar x: 0 .. 3\ninit:\n    x = 0\ninvariant I: " + expr + "\n")
    return path


@pytest.mark.parametrize("expr", ["not " * 490 + "x == 1", "- " * 490 + "x <= 3"], ids=["not", "minus"])
def test_nested_unary_operators_beyond_the_limit_are_PS108(tmp_path, expr):
    p = run("show", _with_invariant(tmp_path, expr))
    assert_user_error(p, "PS108", "expression nested too deeply (more than 200 levels)")


def test_an_integer_literal_of_5000_digits_is_PS109(tmp_path):
    p = run("show", _with_invariant(tmp_path, "x < " + "9" * 5000))
    assert_user_error(p, "PS109", "an integer literal of 5,000 digits (limit 4,300)")


def test_a_5000_digit_d_value_is_a_param_error(tmp_path):
    path = tmp_path / "p.spec"
    path.write_text("spec P\nparam N: int = 2\nvar x: 0 .. N\ninit:\n    x = 0\n")
    p = run("show", "-D", "N=" + "9" * 5000, path)
    assert_user_error(p, "PS502", "5,000 digits")
    assert p.stderr.count("error[") == 1


def test_a_thousand_term_and_chain_is_shown_and_checked(tmp_path):
    path = _with_invariant(tmp_path, " and ".join(["x <= 3"] * 1000))
    for args in (("show", path), ("check", path)):
        p = run(*args)
        assert p.returncode == 0 and "Traceback" not in p.stderr, p.stderr
