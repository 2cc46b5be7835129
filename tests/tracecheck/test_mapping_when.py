"""A rule's `when` against the records: a key that looks like a typo of a known name is a
warning only when no record read has it (decided after reading, never at load), and a key
that is the path of a value-table field may select values the table does not list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tracecheck
from pyspec.errors import PyspecError
from pyspec.result import Verdict
from tracecheck.cli import main

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "examples" / "tracecheck" / "lock_server" / "lock_server.spec"

MAPPING = f"""\
[spec]
file = "{SPEC}"
params = {{ NC = 3 }}

[log]
format = "jsonl"
node = "node"
UNMATCHED

[values.client]
pattern = 'c(\\d+)'

[values.user]
"alice" = 1
"bob" = 2

[fields]
event = '{{"acquire", "release", "ask"}}'
who = {{ type = "Client", values = "client" }}

[[rule]]
when = {{ event = "ask", nodes = 3 }}
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

RUN = [{"node": "orch", "event": "ask", "who": "c1", "nodes": 3}, {"node": "server", "event": "acquire", "who": "c1"},
       {"node": "server", "event": "release", "who": "c1"}]


def _files(tmp_path: Path, records: list[dict], mapping: str = MAPPING, unmatched: str = "") -> tuple[str, str]:
    m = tmp_path / "m.toml"
    m.write_text(mapping.replace("UNMATCHED", unmatched))
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(m), str(log)


def test_a_when_key_the_records_have_gives_no_warning(tmp_path, capsys):
    # 'nodes' is one edit from [log] node, but every ask record has it: a real key, so nothing
    # is said, at load or after the run
    m, log = _files(tmp_path, RUN)
    assert len(tracecheck.load_mapping(m).suspect_keys) == 1
    r = tracecheck.validate(m, [log])
    assert r.verdict is Verdict.CONFORMS and r.warnings == ()
    assert main(["validate", "-m", m, log]) == 0
    assert "warning" not in capsys.readouterr().err


def test_a_when_key_no_record_has_is_a_warning_after_the_run(tmp_path, capsys):
    records = [{k: v for k, v in rec.items() if k != "nodes"} for rec in RUN]
    m, log = _files(tmp_path, records, unmatched='unmatched = "ignore"')
    r = tracecheck.validate(m, [log])
    (w,) = r.warnings
    line = Path(m).read_text().split("\n").index('when = { event = "ask", nodes = 3 }') + 1
    assert f"m.toml:{line}:25: warning: when nodes: no record read has a key 'nodes'" in w and "typo of 'node'" in w
    assert main(["validate", "-m", m, log]) == 1  # the acquire without an ask diverges
    err = capsys.readouterr().err
    assert err.count("warning: when nodes") == 1


def test_a_record_no_rule_matches_names_the_suspect_key_at_the_error(tmp_path):
    records = [{k: v for k, v in rec.items() if k != "nodes"} for rec in RUN]
    m, log = _files(tmp_path, records)
    with pytest.raises(PyspecError) as e:
        tracecheck.validate(m, [log])
    assert e.value.code == "TC206" and e.value.span.line == 1
    (note,) = e.value.notes
    assert note[0].file.endswith("m.toml") and "no record read has a key 'nodes'" in note[1]
    assert e.value.hint.startswith("did you mean")


def test_a_when_key_on_a_value_table_path_selects_values_the_table_does_not_list(tmp_path):
    # field `name` reads the records' "user" through a table of two users; records of the
    # system (user = "system") are selected by the raw value and observe the state
    mapping = MAPPING.replace("[[rule]]", 'name = { path = "user", type = "Client", values = "user", optional = true }\n\n'
                              '[[rule]]\nwhen = { user = "system" }\nobserve = ["holder == 0"]\n\n[[rule]]', 1)
    m, log = _files(tmp_path, [{"user": "system"}, *RUN, {"user": "system"}], mapping)
    r = tracecheck.validate(m, [log])
    assert r.verdict is Verdict.CONFORMS and r.matched == 5


def test_a_when_value_the_table_cannot_translate_is_TC113_when_the_rule_reads_the_field(tmp_path):
    mapping = MAPPING.replace("[[rule]]", 'name = { path = "user", type = "Client", values = "user", optional = true }\n\n'
                              '[[rule]]\nwhen = { user = "system" }\nobserve = ["holder == name"]\n\n[[rule]]', 1)
    m, _ = _files(tmp_path, [])
    Path(m).write_text(mapping.replace("UNMATCHED", ""))
    with pytest.raises(PyspecError) as e:
        tracecheck.load_mapping(m)
    assert e.value.code == "TC113" and "the rule reads field 'name'" in e.value.message
