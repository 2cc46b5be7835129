"""No vacuous verdicts. A spec without initial states is the same
error (PS402 at the init block) in every engine; `reachable` properties report a witness, or
UNREACHABLE (exit 1) after a complete search, or UNKNOWN (exit 3) when BMC does not reach them."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

import pyspec
from pyspec.cli import main
from pyspec.errors import SpecEvalError

MESSAGE = "no initial state: every path through init fails a require or chooses from an empty set"

# x > 100 is false in every state of x: 0 .. 3, so any verdict but PS402 would be vacuous.
EMPTY_BY_CHOICE = """spec Empty
var x: 0 .. 3
init:
    x in {v for v in {1, 2} if v > 5}
action Inc():
    require x < 3
    x' = x + 1
invariant Big: x > 100
"""

EMPTY_BY_REQUIRE = """spec Empty
var x: 0 .. 3
init:
    x = 0
    require x > 0
action Inc():
    require x < 3
    x' = x + 1
invariant Big: x > 100
"""

EMPTY_SYNTH = """spec Empty
unknown f: map[0 .. 1, bool]
var x: 0 .. 3
init:
    x = 0
    require x > 0
action Inc():
    require x < 3
    x' = x + 1
invariant Small: x < 3
"""


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


ENGINES = {
    "check": lambda s: pyspec.check(s),
    "simulate": lambda s: pyspec.simulate(s),
    "bmc": lambda s: pyspec.bmc(s, depth=3),
    "prove": lambda s: pyspec.prove(s, "Big"),
    "prove k=2": lambda s: pyspec.prove(s, "Big", k=2),
}


@pytest.mark.parametrize("source", [EMPTY_BY_CHOICE, EMPTY_BY_REQUIRE], ids=["choice", "require"])
@pytest.mark.parametrize("engine", sorted(ENGINES))
def test_no_initial_state_is_ps402_in_every_engine(engine: str, source: str) -> None:
    spec = pyspec.loads(source, file="empty.spec")
    with pytest.raises(SpecEvalError) as info:
        ENGINES[engine](spec)
    e = info.value
    assert (e.code, e.message) == ("PS402", MESSAGE)
    assert e.span is not None and (e.span.file, e.span.line, e.span.col) == ("empty.spec", 3, 1)


def test_no_initial_state_in_synth() -> None:
    spec = pyspec.loads(EMPTY_SYNTH, file="empty.spec")
    with pytest.raises(SpecEvalError) as info:
        pyspec.synth(spec, depth=2)
    assert (info.value.code, info.value.message) == ("PS402", MESSAGE)
    assert info.value.span is not None and info.value.span.line == 4


@pytest.mark.parametrize(
    "argv",
    [
        ["check"],
        ["check", "--engine", "bmc", "--depth", "3"],
        ["prove", "--invariant", "Big"],
        ["prove", "--invariant", "Big", "--k", "2"],
        ["simulate"],
    ],
    ids=" ".join,
)
def test_no_initial_state_cli_exit_2(tmp_path: Path, argv: list[str]) -> None:
    f = tmp_path / "empty.spec"
    f.write_text(EMPTY_BY_CHOICE)
    code, out, err = run([argv[0], str(f), *argv[1:]])
    assert code == 2, out
    assert f"empty.spec:3:1: error[PS402]: {MESSAGE}" in err
    assert "PROVED" not in out and "NO VIOLATION" not in out


# ---- reachable properties ------------------------------------------------------------------------

REACH = """spec R
var x: 0 .. 3
init:
    x = 0
action Inc():
    require x < 2
    x' = x + 1
invariant Small: x < 3
reachable Two: x == 2
reachable Three: x == 3
"""


def test_reachable_is_a_declaration_of_the_checked_spec() -> None:
    spec = pyspec.loads(REACH)
    assert spec.default_reachables() == ("Two", "Three")


def test_reachable_must_be_bool() -> None:
    with pytest.raises(pyspec.SpecError) as info:
        pyspec.loads(REACH + "reachable Bad: x + 1\n", file="r.spec")
    errors = getattr(info.value, "errors", (info.value,))
    assert [(e.code, e.span.line) for e in errors] == [("PS312", 11)]


def test_explicit_reports_unreachable_as_violated() -> None:
    from pyspec.result import Reach

    r = pyspec.check(pyspec.loads(REACH))
    assert r.verdict is pyspec.Verdict.VIOLATED and r.exit_code == 1
    assert r.violated == "Three" and r.trace is None
    two, three = r.reachable
    assert (two.name, two.status, two.depth, len(two.trace)) == ("Two", Reach.REACHED, 2, 2)
    assert two.trace.steps[-1].state == (2,)
    assert (three.name, three.status) == ("Three", Reach.UNREACHABLE)


def test_explicit_holds_when_every_reachable_is_reached() -> None:
    r = pyspec.check(pyspec.loads(REACH), reachables=("Two",))
    assert r.verdict is pyspec.Verdict.HOLDS


def test_bmc_witness_and_not_reached_is_unknown() -> None:
    spec = pyspec.loads(REACH)
    r = pyspec.bmc(spec, depth=3)
    assert r.verdict is pyspec.Verdict.UNKNOWN and r.exit_code == 3
    assert "Three not reached up to depth 3" in (r.reason or "")
    assert r.reachable[0].depth == 2 and r.reachable[0].trace is not None
    assert pyspec.bmc(spec, depth=3, reachables=("Two",)).verdict is pyspec.Verdict.NO_VIOLATION_UP_TO
    assert pyspec.bmc(spec, depth=1, reachables=("Two",)).verdict is pyspec.Verdict.UNKNOWN


def test_cli_text_json_and_witness(tmp_path: Path) -> None:
    f = tmp_path / "r.spec"
    f.write_text(REACH)
    code, out, _ = run(["check", str(f), "--witness", "Two"])
    assert code == 1
    assert "VIOLATED: Three" in out
    assert "UNREACHABLE: Three: no reachable state satisfies it; the invariants may hold vacuously" in out
    assert "shortest witness for Two, 2 steps:" in out and "reachable Two is true in the last state" in out
    code, out, _ = run(["check", str(f)])
    assert "reachable Two: first reached at depth 2 (--witness Two prints the trace)" in out
    code, out, _ = run(["check", str(f), "--json", "--witness", "Two"])
    data = json.loads(out)
    assert [(x["name"], x["status"], x["depth"]) for x in data["reachable"]] == [("Two", "reached", 2), ("Three", "unreachable", None)]
    assert data["reachable"][0]["trace"] is not None
    code, out, _ = run(["check", str(f), "--engine", "bmc", "--depth", "3"])
    assert code == 3 and "reachable Three: not reached up to depth 3" in out
    code, _, err = run(["check", str(f), "--witness", "Nope"])
    assert code == 2 and "error[PS609]: spec R has no reachable property 'Nope'" in err


def test_included_reachables_are_not_checked_by_default(tmp_path: Path) -> None:
    (tmp_path / "env.spec").write_text("spec Env\nvar y: 0 .. 1\ninit:\n    y = 0\nreachable YOne: y == 1\n")
    (tmp_path / "main.spec").write_text('spec Main\ninclude "env.spec"\nvar x: 0 .. 1\ninit:\n    x = 0\n')
    spec = pyspec.load(str(tmp_path / "main.spec"))
    assert spec.default_reachables() == ()
    assert pyspec.check(spec).verdict is pyspec.Verdict.HOLDS
    assert pyspec.check(spec, reachables=("YOne",)).verdict is pyspec.Verdict.VIOLATED


# ---- the library's non-vacuity properties ------------------------------------------------------

SPECS = Path(__file__).resolve().parents[1] / "specs"


@pytest.mark.parametrize(
    "spec, params, name, depth",
    [
        ("lease_lock", {"STORE": "none"}, "SomeWriteAccepted", 3),
        ("lease_lock", {"STORE": "write"}, "SomeWriteAccepted", 3),
        ("lease_lock", {"STORE": "readwrite"}, "SomeWriteAccepted", 3),
        ("lease_lock", {"STORE": "cas"}, "SomeWriteAccepted", 3),
        ("leader_election", {"FD": "S"}, "LeaderElected", 1),
        ("leader_election", {"FD": "P"}, "LeaderElected", 1),
        ("eventual_leader_election", {"FD": "EvS"}, "LeaderElected", 4),
        ("eventual_leader_election", {"FD": "EvP"}, "LeaderElected", 4),
    ],
    ids=lambda x: x if isinstance(x, str) else ",".join(f"{k}={v}" for k, v in x.items()) if isinstance(x, dict) else str(x),
)
def test_library_reachable_properties_are_reached(spec: str, params: dict, name: str, depth: int) -> None:
    from pyspec.result import Reach

    r = pyspec.check(pyspec.load(str(SPECS / f"{spec}.spec"), params), invariants=())
    assert r.verdict is pyspec.Verdict.HOLDS
    assert [(x.name, x.status, x.depth) for x in r.reachable] == [(name, Reach.REACHED, depth)]


def test_paxos_chooses_a_value_by_bmc() -> None:
    r = pyspec.bmc(pyspec.load(str(SPECS / "paxos.spec"), {"MaxBallot": "0"}), depth=6, invariants=())
    assert r.verdict is pyspec.Verdict.NO_VIOLATION_UP_TO
    assert r.reachable[0].name == "ValueChosen" and r.reachable[0].depth == 6
