"""Inputs a user can write that once ended in an internal error (exit 70) or in an error about
a flag the user did not give: integers longer than Python converts (4,300 digits) in a mapping
or a record, timestamps too large for a float under a clock skew, and `--engine z3
--time-limit 0`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tracecheck
from pyspec.errors import PyspecError
from pyspec.result import Verdict
from tracecheck.cli import main
from tracecheck.validate import Options
from tracecheck.validate_z3 import _Z3Validator

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "examples" / "tracecheck" / "lock_server" / "lock_server.spec"
BIG = "9" * 4400

MAPPING = f"""\
[spec]
file = "{LOCK}"
params = {{ NC = 3 }}

[log]
format = "jsonl"
order = "timestamp"
clock = "ts"
node = "node"
SKEW

[fields]
event = '{{"acquire", "release", "ask"}}'
who = "Client"

[[rule]]
when = {{ event = "ask" }}
action = "Request"
args = {{ c = "who" }}
"""


def _files(tmp_path: Path, lines: list[str], skew: str = "skew = 0.001", mapping: str = MAPPING) -> tuple[str, str]:
    m = tmp_path / "m.toml"
    m.write_text(mapping.replace("SKEW", skew))
    log = tmp_path / "log.jsonl"
    log.write_text("".join(x + "\n" for x in lines))
    return str(m), str(log)


def _error(fn) -> PyspecError:
    with pytest.raises(PyspecError) as e:
        fn()
    return e.value


def test_an_integer_past_the_digit_limit_in_a_mapping_is_TC102_at_its_place(tmp_path, capsys):
    m, log = _files(tmp_path, [], mapping=MAPPING.replace("NC = 3", f"NC = {BIG}"))
    e = _error(lambda: tracecheck.load_mapping(m))
    assert e.code == "TC102" and "an integer of 4,400 digits" in e.message
    assert (e.span.line, e.span.col) == (3, 17)
    assert main(["validate", "-m", m, log]) == 2
    assert "internal error" not in capsys.readouterr().err


def test_a_number_past_the_digit_limit_in_a_record_is_TC202_at_its_column(tmp_path):
    m, log = _files(tmp_path, ['{"ts": 1, "node": "a", "event": "ask", "who": 1, "x": ' + BIG + "}"])
    e = _error(lambda: tracecheck.validate(m, [log]))
    assert e.code == "TC202" and "a number of 4,400 digits" in e.message and e.span.col == 55


def test_a_field_of_a_text_value_past_the_digit_limit_is_TC209_without_the_digits(tmp_path):
    m, log = _files(tmp_path, [json.dumps({"ts": 1, "node": "a", "event": "ask", "who": BIG})])
    e = _error(lambda: tracecheck.validate(m, [log]))
    assert e.code == "TC209" and "an integer of 4,400 digits" in e.message and BIG not in e.message


def test_timestamps_too_large_for_a_float_under_a_skew(tmp_path):
    huge = "9" * 400  # within the digit limit, beyond a float's range
    lines = [json.dumps({"ts": int(huge), "node": n, "event": "ask", "who": c}) for n, c in (("a", 1), ("b", 2))]
    m, log = _files(tmp_path, lines)
    assert tracecheck.validate(m, [log]).verdict is Verdict.CONFORMS
    m, log = _files(tmp_path, lines, skew=f"skew = {huge}")
    e = _error(lambda: tracecheck.load_mapping(m))
    assert e.code == "TC106" and "skew must be a finite number" in e.message


def test_engine_z3_with_a_time_limit_of_0_is_incomplete_never_an_error_about_a_timeout(tmp_path):
    m, log = _files(tmp_path, [json.dumps({"ts": 1, "node": "a", "event": "ask", "who": 1})], skew="")
    mapping = tracecheck.load_mapping(m)
    _Z3Validator(mapping, Options(time_limit=0.0), (log,), 4)  # raised PS602 about "timeout"
    r = tracecheck.validate(mapping, [log], engine="z3", time_limit=0.0)
    assert r.verdict is Verdict.INCOMPLETE and "time limit" in r.reason


def _parser_refuses_long_literals() -> bool:
    from pyspec.errors import ERROR_CODES

    return "PS109" in ERROR_CODES  # pyspec's parser: an integer literal past the digit limit is PS109


@pytest.mark.skipif(not _parser_refuses_long_literals(), reason="needs pyspec's PS109 (long integer literals)")
@pytest.mark.parametrize("edit, code", [
    (("NC = 3", f'NC = "{BIG}"'), "TC105"),  # a param given as text, read by pyspec as -D is
    (('who = "Client"', f'who = "0 .. {BIG}"'), "TC107"),  # a field's type
    (('args = { c = "who" }', f'args = {{ c = "who" }}\nobserve = ["holder < {BIG}"]'), "TC110"),  # an observation
])
def test_an_integer_past_the_digit_limit_in_a_mapping_expression_is_a_user_error(tmp_path, capsys, edit, code):
    m, log = _files(tmp_path, [json.dumps({"ts": 1, "node": "a", "event": "ask", "who": 1})], skew="",
                    mapping=MAPPING.replace(*edit))
    assert main(["validate", "-m", m, log]) == 2
    err = capsys.readouterr().err
    assert f"error[{code}]" in err and "4,400 digits" in err and BIG not in err.split("\n")[0], err[:300]
