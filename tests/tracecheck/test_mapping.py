"""Mapping files: every mistake is a MappingError at the right line of the mapping."""

from __future__ import annotations

import pytest

from tracecheck import load_mapping
from tracecheck.errors import MappingError
from conftest import MAPPING

BASE = MAPPING.read_text()


def _mapping(tmp_path, old: str, new: str):
    assert old in BASE, old
    text = BASE.replace(old, new).replace('"../../specs/', '"' + str(MAPPING.parents[2] / "specs") + "/")
    path = tmp_path / "m.toml"
    path.write_text(text)
    return str(path), text.split("\n")


def _line_of(lines, needle):
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_example_mapping_loads():
    m = load_mapping(str(MAPPING))
    assert m.spec.name == "LeaderElection" and [r.action for r in m.rules] == ["Step", "Crash", "Stabilize"]
    assert m.rules[0].fields == ("node", "out", "is_leader")
    assert m.hidden == ("Crash", "Stabilize")
    assert m.rules[0].observe[0].sides[0] == "suspects[node]"


@pytest.mark.parametrize(
    "old,new,needle,message",
    [
        ('action = "Step"', 'action = "Stepp"', 'action = "Stepp"', "has no action 'Stepp'"),
        ('actions = ["Crash", "Stabilize"]', 'actions = ["Crash", "Stabilise"]', "Stabilise", "has no action 'Stabilise'"),
        ('"leader[node] == is_leader"', '"leadr[node] == is_leader"', "leadr", "unknown name 'leadr'"),
        ('args = { p = "node" }\nobserve', 'args = { q = "node" }\nobserve', "q = ", "has no parameter 'q'"),
        ('args = { p = "node" }\nobserve', 'args = { p = "leader[node]" }\nobserve', "leader[node]\" }", "reads spec variables"),
        ('"suspects[node] == out"', '"suspects[node]"', '"suspects[node]"', "must be true or false"),
        ('out = { path = "suspects", type = "set[Proc]" }', 'out = { path = "suspects", type = "set[Prc]" }', "Prc", "bad type"),
        ('node = "Proc"', 'leader = "Proc"', 'leader = "Proc"', "name of a spec variable"),
        ('unmatched = "reject"', 'unmatched = "maybe"', "unmatched", "unmatched must be"),
        ('order = "lamport"', 'ordr = "lamport"', "ordr", "unknown key 'ordr'"),
        ('file = "../../specs/leader_election.spec"', 'file = "../../specs/nope.spec"', "file =", "no such spec file"),
        ('params = { N = 3, FD = "S" }', 'params = { N = 3, FD = "Q" }', "params", "FD"),
        ('when = { event = "gst" }\naction = "Stabilize"', 'when = { event = "gst" }\naction = "Stabilize"\nargs = { p = "node" }',
         'args = { p = "node" }', None),
    ],
)
def test_mapping_errors_point_at_the_line(tmp_path, old, new, needle, message):
    path, lines = _mapping(tmp_path, old, new)
    with pytest.raises(MappingError) as e:
        load_mapping(path)
    err = e.value
    assert err.span is not None and err.span.file == path
    if message is not None:
        assert message in err.message
    want = [i for i, line in enumerate(lines, 1) if needle in line]
    assert err.span.line in want, (err.span, want, err.message)


def test_unknown_variable_column(tmp_path):
    path, lines = _mapping(tmp_path, '"leader[node] == is_leader"', '"leadr[node] == is_leader"')
    with pytest.raises(MappingError) as e:
        load_mapping(path)
    line = lines[e.value.span.line - 1]
    assert line[e.value.span.col - 1 : e.value.span.end_col - 1] == "leadr"


def test_bad_toml_has_its_line(tmp_path):
    path, lines = _mapping(tmp_path, 'node = "node"', 'node = "node')
    with pytest.raises(MappingError, match="invalid TOML") as e:
        load_mapping(path)
    assert e.value.span.line == _line_of(lines, 'node = "node') or e.value.span.line == _line_of(lines, 'node = "node') + 1


def test_rule_missing_an_argument(tmp_path):
    path, lines = _mapping(tmp_path, 'action = "Crash"\nargs = { p = "node" }', 'action = "Crash"')
    with pytest.raises(MappingError, match="no value for Crash's parameter 'p'") as e:
        load_mapping(path)
    assert e.value.span.line == _line_of(lines, 'action = "Crash"')


def test_missing_mapping_file():
    with pytest.raises(MappingError, match="no such mapping file"):
        load_mapping("/nonexistent/m.toml")


def _observing(tmp_path, observations: list[str], extra_fields: str = "") -> str:
    """The example mapping with the Step rule observing `observations` instead."""
    listed = ", ".join('"' + o.replace('"', '\\"') + '"' for o in observations)
    path, _ = _mapping(tmp_path, 'observe = ["suspects[node] == out", "leader[node] == is_leader"]', f"observe = [{listed}]")
    if extra_fields:
        text = open(path).read().replace("[fields]\n", "[fields]\n" + extra_fields + "\n")
        open(path, "w").write(text)
    return path


def test_observation_parsed_by_grammar(tmp_path):
    # The sides of an observation are the operands of a top-level `==` of the typed tree, as
    # the grammar reads it, never a split of the text at `==`.
    path = _observing(tmp_path, [
        "not leader[node] == is_leader",  # not (leader[node] == is_leader): no top-level ==
        "leader[node] == is_leader implies is_leader",  # an implication, whole
        "is_leader == leader[node]",
        "(suspects[node]) == out",
        "out == Live",  # Live is a def that reads the variable `crashed`
    ])
    obs = load_mapping(path).rules[0].observe
    sides = [o.sides if o.sides is None else (o.sides[0], o.sides[2]) for o in obs]
    assert sides == [
        None,
        None,
        ("leader[node]", "is_leader"),
        ("suspects[node]", "out"),
        ("Live", "out"),
    ]
    assert [o.fields for o in obs] == [("node", "is_leader"), ("node", "is_leader"), ("is_leader", "node"),
                                      ("node", "out"), ("out",)]
    state_expr, logged_expr = obs[4].sides[1], obs[4].sides[3]
    assert logged_expr.evaluate(None, {"out": frozenset({1})}) == frozenset({1})
    assert state_expr.ty.show() == "set[0 .. 2]"


def test_fields_are_the_free_names_of_the_tree(tmp_path):
    # `q` is a declared field, but inside the comprehension it is the comprehension's own
    # variable: the observation does not read the record's `q`.
    path = _observing(tmp_path, ["all(q in out for q in Proc if leader[q])"], extra_fields='q = "Proc"')
    m = load_mapping(path)
    assert m.rules[0].observe[0].fields == ("out",)
    assert m.rules[0].fields == ("node", "out")


def test_argument_reading_state_through_a_def(tmp_path):
    # `Live` is a def over the variable `crashed`: an argument written with it reads the state.
    path, lines = _mapping(tmp_path, 'args = { p = "node" }\nobserve', 'args = { p = "min(Live)" }\nobserve')
    with pytest.raises(MappingError, match="reads spec variables") as e:
        load_mapping(path)
    assert e.value.code == "TC111" and e.value.span.line == _line_of(lines, "min(Live)")
