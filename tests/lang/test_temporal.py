"""`temporal NAME: F` and `fair weak|strong A(x) unless C` (pyspec/lang/temporal.py): the shapes
accepted, the core declarations built, and every misuse as a located error with its code."""

from __future__ import annotations

import pytest

import pyspec
from pyspec.errors import SpecErrors
from pyspec.lang import typed as T

# lines 1-6; appended declarations start on line 7
H = "spec S\nvar x: 0 .. 3\ninit:\n    x = 0\naction Step(p: 0 .. 1):\n    x' = (x + p) % 4\n"


def test_each_shape_becomes_its_core_kind():
    spec = pyspec.loads(
        H
        + "temporal A: always x < 4\n"
        + "temporal E: eventually x == 1\n"
        + "temporal AE: always eventually x == 0\n"
        + "temporal EA: eventually always x == 0 or x > 0\n"
        + "temporal L: x == 1 leadsto x == 2\n"
        + "fair weak Step\n"
    )
    kinds = {t.name: t.kind for t in spec.temporals}
    assert kinds == {
        "A": T.TemporalKind.ALWAYS,
        "E": T.TemporalKind.EVENTUALLY,
        "AE": T.TemporalKind.ALWAYS_EVENTUALLY,
        "EA": T.TemporalKind.EVENTUALLY_ALWAYS,
        "L": T.TemporalKind.LEADSTO,
    }
    assert spec.temporal("L").q is not None and spec.temporal("A").q is None
    assert spec.default_temporals() == ("A", "E", "AE", "EA", "L")


def test_fairness_is_per_action_with_its_strength_and_condition():
    spec = pyspec.loads(H + "temporal E: eventually x == 1\nfair weak Step(p) unless p == 0\nfair strong Step\n")
    weak, strong = spec.fairness
    assert (weak.action, weak.strong, weak.unless is not None, weak.nlocals) == (0, False, True, 1)
    assert (strong.action, strong.strong, strong.unless) == (0, True, None)
    assert not [w for w in spec.warnings if w.code == "PS747"]


def test_no_fairness_at_all_warns_on_the_first_temporal_property():
    spec = pyspec.loads(H + "temporal E: eventually x == 1\n")
    (w,) = [w for w in spec.warnings if w.code == "PS747"]
    assert (w.span.line, w.span.col) == (7, 10) and "no fairness" in w.message


def test_a_constraint_beside_a_temporal_property_warns_that_it_cuts_behaviours():
    spec = pyspec.loads(H + "temporal E: eventually x == 1\nfair weak Step\nconstraint Small: x <= 2\n")
    (w,) = [w for w in spec.warnings if w.code == "PS748"]
    assert (w.span.line, w.span.col) == (7, 10) and "constraint Small" in w.message
    assert not [w for w in pyspec.loads(H + "temporal E: eventually x == 1\nfair weak Step\n").warnings
                if w.code == "PS748"]


def test_a_spec_without_temporal_properties_gets_no_fairness_warning():
    assert not [w for w in pyspec.loads(H).warnings if w.code == "PS747"]


@pytest.mark.parametrize(
    "line, code, col, fragment",
    [
        ("invariant I: eventually x == 0", "PS740", 14, "'eventually' is a temporal operator"),
        ("def d = always x == 1", "PS740", 9, "'always' is a temporal operator"),
        ("action Go():\n    require x == 0 leadsto x == 1\n    x' = 1", "PS740", 13, "'leadsto' is a temporal operator"),
        ("temporal B: eventually x' == 0", "PS741", 24, "x' (a next-state value)"),
        ("fair weak Step(p) unless x' == 1", "PS741", 26, "cannot be read in the `unless` condition"),
        ("temporal B: x == 0", "PS742", 13, "needs a temporal operator"),
        ("temporal B: always (x == 0 leadsto x == 1)", "PS742", 21, "'leadsto' nested"),
        ("temporal B: eventually eventually x == 1", "PS742", 24, "'eventually' nested"),
        ("temporal B: always eventually always x == 1", "PS742", 31, "'always' nested"),
        ("fair weak Stp", "PS743", 1, "'Stp', which is not an action"),
        ("fair weak Step(p, q)", "PS744", 1, "bind each of the 1 parameter(s)"),
        ("fair strong Step(x)", "PS220", 1, "'x' is a state variable"),
        ("temporal B: eventually x", "PS312", 24, "temporal property 'B'"),
    ],
)
def test_misuse_is_a_located_error(line, code, col, fragment):
    with pytest.raises(SpecErrors) as info:
        pyspec.loads(H + line + "\n")
    e = info.value.errors[0]
    at_line = 8 if line.startswith("action") else 7
    assert (e.code, e.span.line, e.span.col) == (code, at_line, col), e
    assert fragment in e.message and (e.hint or code in ("PS220", "PS312"))


def test_an_included_files_temporal_property_is_not_a_default(tmp_path):
    (tmp_path / "lib.spec").write_text("spec Lib\ntemporal Inc: eventually x == 1\n")
    (tmp_path / "main.spec").write_text('spec Main\ninclude "lib.spec"\n' + H.split("\n", 1)[1] + "fair weak Step\n")
    spec = pyspec.load(str(tmp_path / "main.spec"))
    assert [t.name for t in spec.temporals] == ["Inc"] and spec.default_temporals() == ()
