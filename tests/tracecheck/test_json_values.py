"""tracecheck --json gives the values of a divergence (what the record observed, what a false
clause read, what the spec allows) as JSON values in pyspec's ITF encoding ({"#set": [...]},
{"#map": [...]}, {"#bigint": "..."}), not as the text report's strings ("{0}", "False"); the
text stays under "shown"."""

from __future__ import annotations

import json
from pathlib import Path

import tracecheck
from tracecheck.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "tracecheck"
LOCK = EXAMPLES / "lock_server" / "lock_server.spec"


def _divergence(capsys, *argv: str) -> dict:
    assert main(["validate", *argv, "--json"]) == 1
    return json.loads(capsys.readouterr().out)["divergence"]


def test_observed_values_and_observation_reasons_are_json_values(capsys):
    logs = sorted(str(p) for p in (EXAMPLES / "sample-diverging").glob("*.jsonl"))
    d = _divergence(capsys, "-m", str(EXAMPLES / "leader_election.toml"), *logs)
    assert d["observed"] == {"node": 1, "out": {"#set": [0]}, "is_leader": False}
    (first,), (second,) = (c["reasons"] for c in d["explained"])
    assert first["values"] == {"out": {"#set": [0]}}
    assert first["allowed"] == {"suspects[node]": [{"#set": [2]}, {"#set": []}]}
    assert first["shown"] == {"out": "{0}", "suspects[node]": "{2} or {}"}
    assert second["values"] == {"is_leader": False} and second["allowed"] == {"leader[node]": [True]}


MAPPING = f"""\
[spec]
file = "{LOCK}"
params = {{ NC = 3 }}

[log]
format = "jsonl"

[fields]
event = '{{"acquire", "release", "ask"}}'
who = "Client"
stamp = {{ type = "0 .. 100000000000000000000", optional = true }}

[[rule]]
when = {{ event = "acquire" }}
action = "Acquire"
args = {{ c = "who" }}
observe = ["stamp > 5"]

[[rule]]
when = {{ event = "release" }}
action = "Release"
args = {{ c = "who" }}
observe = ["stamp > 5"]
"""


def test_a_false_require_gives_the_values_it_reads_and_big_integers_as_bigint(tmp_path, capsys):
    m = tmp_path / "m.toml"
    m.write_text(MAPPING)
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps({"event": "acquire", "who": 2, "stamp": 2**60}) + "\n")
    d = _divergence(capsys, "-m", str(m), str(log))
    assert d["observed"] == {"who": 2, "stamp": {"#bigint": str(2**60)}}
    (reason,) = d["explained"][0]["reasons"]
    assert reason["kind"] == "require" and reason["clause"] == "pending[c] > 0"
    assert reason["values"] == {"pending[2]": 0, "c": 2} and reason["shown"] == {"pending[2]": "0", "c": "2"}


def test_an_absent_optional_field_is_null(tmp_path):
    m = tmp_path / "m.toml"
    m.write_text(MAPPING)
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps({"event": "release", "who": 1}) + "\n")
    r = tracecheck.validate(m, [log])
    assert json.loads(tracecheck.render_json(r))["divergence"]["observed"] == {"who": 1, "stamp": None}
