"""A divergence reason shows only the values the false clause read (the map entries,
not whole maps), and a `require` whose false clause is inside a `def` is reported at the
caller's `require`, with the def's place as a note."""

from __future__ import annotations

import json

import tracecheck
from pyspec.result import Verdict

SPEC = """\
spec Roles
type C = 0 .. 10
var role: map[C, {"follower", "leader"}]
var term: 0 .. 3
init:
    role = {c: "follower" for c in C}
    term = 0

def leads(c) = role[c] == "leader" and term > 0

action Elect(c: C):
    require term < 3
    role'[c] = "leader"
    term' = term + 1

action Lead(c: C):
    require leads(c)
    term' = term

action Step(c: C):
    require role[c] == "leader"
    term' = term
"""

MAPPING = """\
[spec]
file = "roles.spec"
[fields]
event = '{"elect", "lead", "step"}'
who = "C"
[[rule]]
when = { event = "elect" }
action = "Elect"
args = { c = "who" }
[[rule]]
when = { event = "lead" }
action = "Lead"
args = { c = "who" }
[[rule]]
when = { event = "step" }
action = "Step"
args = { c = "who" }
"""


def _run(tmp_path, records):
    (tmp_path / "roles.spec").write_text(SPEC)
    (tmp_path / "m.toml").write_text(MAPPING)
    (tmp_path / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    r = tracecheck.validate(tmp_path / "m.toml", [tmp_path / "log.jsonl"], engine="explicit")
    assert r.verdict is Verdict.DIVERGES
    return r.divergence.explained[0].reasons[0], tracecheck.render_text(r)


def test_reason_shows_the_map_entry_the_clause_read(tmp_path):
    why, text = _run(tmp_path, [{"event": "elect", "who": 1}, {"event": "step", "who": 7}])
    assert why.values == (("role[7]", '"follower"'), ("c", "7"))
    assert 'with role[7] = "follower", c = 7' in text
    reason_line = next(line for line in text.splitlines() if line.strip().startswith("require"))
    assert "role = {" not in reason_line


def test_require_in_a_def_is_reported_at_the_caller(tmp_path):
    why, text = _run(tmp_path, [{"event": "elect", "who": 1}, {"event": "lead", "who": 7}])
    assert why.where.endswith("roles.spec:17:13")  # `require leads(c)` in Lead, not the def at line 9
    assert why.clause == "leads(c)"
    assert "false in the def's body at" in why.message and "roles.spec:9:" in why.message
    assert 'require `leads(c)` is false' in text and 'role[7] = "follower"' in text
