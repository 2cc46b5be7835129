"""tracecheck for logs nobody here designed, the mapping half: open arguments, value tables,
`when` checked at load, `old(...)` observations, `--spec` and `-D` named in errors, optional
fields as arguments, one spec check per mapping load."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import tracecheck
from pyspec.errors import PyspecError
from pyspec.result import Verdict

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cli_helpers import assert_user_error, run_cli  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "examples" / "tracecheck" / "lock_server" / "lock_server.spec"

# The lock server with 3 clients, a names-only log: "c1" .. "c3" through a value table.
MAPPING = f"""\
[spec]
file = "{SPEC}"
params = {{ NC = 3 }}

[log]
format = "jsonl"

[values.client]
"c1" = 1
"c2" = 2
"c3" = 3

[fields]
event = '{{"acquire", "release", "ask"}}'
who = {{ type = "Client", values = "client" }}

[[rule]]
when = {{ event = "ask" }}
action = "Request"
args = {{ c = "who" }}

[[rule]]
when = {{ event = "acquire" }}
action = "Acquire"
args = {{ c = "who" }}

[[rule]]
when = {{ event = "release" }}
action = "Release"
args = {{ c = "who" }}
"""


def _write(tmp_path: Path, mapping: str, records: list[dict], name: str = "m.toml") -> tuple[Path, Path]:
    m = tmp_path / name
    m.write_text(mapping)
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in records))
    return m, log


def _error(fn) -> PyspecError:
    with pytest.raises(PyspecError) as e:
        fn()
    return e.value


ASK_ACQ_REL = [{"event": "ask", "who": "c2"}, {"event": "acquire", "who": "c2"}, {"event": "release", "who": "c2"}]


# ---- value tables --------------------------------------------------------------------------


def test_value_table_translates_logged_names(tmp_path):
    m, log = _write(tmp_path, MAPPING, ASK_ACQ_REL)
    r = tracecheck.validate(m, [log])
    assert r.verdict is Verdict.CONFORMS and r.matched == 3


def test_value_table_pattern_with_a_capture(tmp_path):
    text = MAPPING.replace('"c1" = 1\n"c2" = 2\n"c3" = 3\n', "pattern = 'c(\\d+)'\n")
    m, log = _write(tmp_path, text, ASK_ACQ_REL + [{"event": "release", "who": "c3"}])
    r = tracecheck.validate(m, [log])
    assert r.verdict is Verdict.DIVERGES and r.divergence.record.index == 4
    assert r.divergence.step == "Release(c=3)"  # the translated value, not a 13-way expression
    assert ("who", "3") in r.divergence.observed


def test_value_not_in_the_table_is_TC209_naming_the_table(tmp_path):
    m, log = _write(tmp_path, MAPPING, [{"event": "ask", "who": "c9"}])
    e = _error(lambda: tracecheck.validate(m, [log]))
    assert e.code == "TC209" and "not in value table 'client'" in e.message


def test_value_table_entry_outside_the_field_type_is_TC114_at_its_line(tmp_path):
    m, _ = _write(tmp_path, MAPPING.replace('"c3" = 3', '"c3" = 7'), [])
    e = _error(lambda: tracecheck.load_mapping(m))
    assert e.code == "TC114" and '"c3" = 7' in e.message
    assert e.span.line == 11


def test_unknown_value_table_is_TC114(tmp_path):
    m, _ = _write(tmp_path, MAPPING.replace('values = "client"', 'values = "clients"'), [])
    e = _error(lambda: tracecheck.load_mapping(m))
    assert e.code == "TC114" and "no value table 'clients'" in e.message and e.span.line == 15


# ---- open arguments and optional fields ----------------------------------------------------


OPEN_ACQUIRE = MAPPING.replace('action = "Acquire"\nargs = { c = "who" }', 'action = "Acquire"\nargs = { c = "?" }')


def test_open_argument_is_chosen_by_the_search(tmp_path):
    records = [{"event": "ask", "who": "c2"}, {"event": "acquire"}, {"event": "release", "who": "c2"}]
    m, log = _write(tmp_path, OPEN_ACQUIRE, records)
    r = tracecheck.validate(m, [log], engine="explicit")
    assert r.verdict is Verdict.CONFORMS
    assert r.stats["open_instances"] == 3  # the cost: every Client tried
    assert "open arguments: up to 3 action instances per record" in tracecheck.render_text(r)


def test_open_argument_still_diverges_when_no_choice_explains(tmp_path):
    records = [{"event": "ask", "who": "c2"}, {"event": "acquire"}, {"event": "release", "who": "c3"}]
    m, log = _write(tmp_path, OPEN_ACQUIRE, records)
    for engine in ("explicit", "z3"):
        r = tracecheck.validate(m, [log], engine=engine)
        assert r.verdict is Verdict.DIVERGES and r.divergence.record.index == 3, engine


def test_open_argument_that_no_choice_enables_says_so(tmp_path):
    m, log = _write(tmp_path, OPEN_ACQUIRE, [{"event": "acquire"}])
    r = tracecheck.validate(m, [log], engine="explicit")
    assert r.divergence.step == "Acquire(c=?)"
    (reason,) = r.divergence.explained[0].reasons
    assert "for every choice of the open arguments (3 tried" in reason.message


def test_missing_argument_hint_names_the_open_form(tmp_path):
    m, _ = _write(tmp_path, MAPPING.replace('action = "Acquire"\nargs = { c = "who" }', 'action = "Acquire"'), [])
    e = _error(lambda: tracecheck.load_mapping(m))
    assert e.code == "TC109" and 'c = "?" to leave it open' in e.hint


def test_optional_field_as_argument_is_open_when_absent(tmp_path):
    text = MAPPING.replace('who = { type = "Client", values = "client" }',
                           'who = { type = "Client", values = "client", optional = true }')
    records = [{"event": "ask", "who": "c1"}, {"event": "acquire"}, {"event": "release", "who": "c1"}]
    m, log = _write(tmp_path, text, records)
    assert tracecheck.validate(m, [log]).verdict is Verdict.CONFORMS
    m, log = _write(tmp_path, text, records[:2] + [{"event": "release", "who": "c3"}])
    assert tracecheck.validate(m, [log]).verdict is Verdict.DIVERGES


# ---- `when` checked when the mapping loads -------------------------------------------------


def test_when_key_typo_is_a_suspect_at_load_with_the_mapping_line(tmp_path):
    m, _ = _write(tmp_path, MAPPING.replace('when = { event = "acquire" }', 'when = { evnet = "acquire" }'), [])
    mapping = tracecheck.load_mapping(m)
    (w,) = mapping.suspect_keys
    assert mapping.warnings == ()  # said or not once the records are read
    assert "looks like a typo of 'event'" in w.message and w.path == ("evnet",)
    assert w.span.line == 23


def test_when_value_outside_the_field_type_is_TC113(tmp_path):
    m, _ = _write(tmp_path, MAPPING.replace('when = { event = "acquire" }', 'when = { event = "acquire_" }'), [])
    e = _error(lambda: tracecheck.load_mapping(m))
    assert e.code == "TC113" and 'when event = "acquire_"' in e.message and e.span.line == 23


def test_when_table_value_is_TC113(tmp_path):
    m, _ = _write(tmp_path, MAPPING.replace('when = { event = "acquire" }', 'when = { event = { x = 1 } }'), [])
    assert _error(lambda: tracecheck.load_mapping(m)).code == "TC113"


def test_when_key_of_a_text_log_must_be_a_group(tmp_path):
    text = MAPPING.replace('format = "jsonl"', "format = \"text\"\npattern = '(?P<event>\\w+) (?P<who>\\w+)'")
    m, _ = _write(tmp_path, text.replace('when = { event = "ask" }', 'when = { kind = "ask" }'), [])
    e = _error(lambda: tracecheck.load_mapping(m))
    assert e.code == "TC113" and "gives no field 'kind'" in e.message


def test_when_list_is_any_of_its_values_and_never_passes_vacuously(tmp_path):
    text = MAPPING.replace('when = { event = "ask" }', 'when = { event = ["ask", "acquire"] }').replace(
        '[log]\nformat = "jsonl"', '[log]\nformat = "jsonl"\nunmatched = "ignore"')
    text = text.replace('event = \'{"acquire", "release", "ask"}\'', 'event = \'{"acquire", "release", "ask", "x"}\'')
    m, log = _write(tmp_path, text, [{"event": "acquire", "who": "c1"}, {"event": "acquire", "who": "c1"},
                                     {"event": "release", "who": "c2"}])
    r = tracecheck.validate(m, [log])
    # both "acquire" records go to Request (the first rule lists "acquire"); the release of a
    # client that never held the lock diverges: the list matched, nothing passed vacuously
    assert r.ignored == 0 and r.verdict is Verdict.DIVERGES and r.divergence.record.index == 3


# ---- the state before the step -------------------------------------------------------------


def test_old_reads_the_state_before_the_step(tmp_path):
    text = MAPPING.replace('action = "Release"\nargs = { c = "who" }',
                           'action = "Release"\nargs = { c = "who" }\nobserve = ["old(holder) == who and holder == 0"]')
    m, log = _write(tmp_path, text, ASK_ACQ_REL)
    assert tracecheck.validate(m, [log]).verdict is Verdict.CONFORMS
    bad = text.replace("old(holder) == who", "old(holder) != who")
    m, log = _write(tmp_path, bad, ASK_ACQ_REL)
    r = tracecheck.validate(m, [log])
    assert r.verdict is Verdict.DIVERGES and r.divergence.record.index == 3
    assert "old(holder) != who" in r.divergence.explained[0].reasons[0].message


def test_old_with_z3_is_TC307_and_auto_stays_explicit(tmp_path):
    text = MAPPING.replace('action = "Release"\nargs = { c = "who" }',
                           'action = "Release"\nargs = { c = "who" }\nobserve = ["old(pending[who]) == pending[who]"]')
    m, log = _write(tmp_path, text, ASK_ACQ_REL)
    assert _error(lambda: tracecheck.validate(m, [log], engine="z3")).code == "TC307"
    r = tracecheck.validate(m, [log], engine="auto", z3_after=1)
    assert r.verdict is Verdict.CONFORMS and r.engine == "explicit"


def test_old_of_an_unknown_name_is_TC110(tmp_path):
    text = MAPPING.replace('action = "Release"\nargs = { c = "who" }',
                           'action = "Release"\nargs = { c = "who" }\nobserve = ["old(holdr) == who"]')
    m, _ = _write(tmp_path, text, [])
    e = _error(lambda: tracecheck.load_mapping(m))
    assert e.code == "TC110" and "unknown name 'holdr'" in e.message


# ---- --spec and -D -------------------------------------------------------------------------


def test_spec_option_replaces_the_mapping_spec(tmp_path):
    variant = tmp_path / "strict.spec"
    variant.write_text(SPEC.read_text().replace("param MaxPending: int = 2", "param MaxPending: int = 0"))
    m, log = _write(tmp_path, MAPPING, ASK_ACQ_REL)
    assert tracecheck.validate(m, [log]).verdict is Verdict.CONFORMS
    assert tracecheck.validate(m, [log], spec=variant).verdict is Verdict.DIVERGES
    p = run_cli("tracecheck", "validate", "-m", m, log, "--spec", variant)
    assert p.returncode == 1 and "DIVERGES at record 1" in p.stdout


def test_spec_option_error_names_the_option(tmp_path):
    m, log = _write(tmp_path, MAPPING, ASK_ACQ_REL)
    p = run_cli("tracecheck", "validate", "-m", m, log, "--spec", tmp_path / "none.spec")
    assert_user_error(p, "TC105", "spec given by --spec", "none.spec")


def test_wrong_D_names_the_parameter_its_type_and_the_option(tmp_path):
    text = MAPPING.replace('who = { type = "Client", values = "client" }',
                           'who = { type = "1 .. 20", values = "client" }')
    m, log = _write(tmp_path, text, ASK_ACQ_REL[:1] + [{"event": "ask", "who": "c3"}])
    p = run_cli("tracecheck", "validate", "-m", m, log, "-D", "NC=2")
    assert_user_error(p, "TC211", "argument c = 3 of Request (from `who`) is outside the parameter's type 1 .. 2",
                      "-D NC=2")
    assert "DIVERGES" not in p.stdout


def test_D_with_a_bad_param_names_the_option(tmp_path):
    m, log = _write(tmp_path, MAPPING, ASK_ACQ_REL)
    p = run_cli("tracecheck", "validate", "-m", m, log, "-D", "NCC=2")
    assert_user_error(p, "TC105", "with -D NCC=2 from the command line")


# ---- the spec is checked once per mapping load ---------------------------------------------


def test_loading_a_mapping_checks_the_spec_once(tmp_path, monkeypatch):
    import pyspec.lang.check as check
    import pyspec.lang.load as load

    calls = []
    original = check.check_spec

    def counting(*a, **k):
        calls.append(1)
        return original(*a, **k)

    monkeypatch.setattr(load, "check_spec", counting)
    monkeypatch.setattr(check, "check_spec", counting)
    many = MAPPING.replace('action = "Release"\nargs = { c = "who" }', 'action = "Release"\nargs = { c = "who" }\nobserve = ['
                           + ", ".join(f'"pending[who] <= {k} or holder != who"' for k in range(40)) + "]")
    m, _ = _write(tmp_path, many, [])
    mapping = tracecheck.load_mapping(m)
    assert len(mapping.rules[2].observe) == 40
    assert len(calls) == 1


def test_argument_expression_over_an_absent_optional_field_is_open(tmp_path):
    text = MAPPING.replace('who = { type = "Client", values = "client" }',
                           'who = { type = "Client", values = "client", optional = true }').replace(
        'action = "Acquire"\nargs = { c = "who" }', 'action = "Acquire"\nargs = { c = "who if who > 0 else 1" }')
    records = [{"event": "ask", "who": "c3"}, {"event": "acquire"}, {"event": "release", "who": "c3"}]
    m, log = _write(tmp_path, text, records)
    assert tracecheck.validate(m, [log]).verdict is Verdict.CONFORMS
