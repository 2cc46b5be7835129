"""Issue 11, deliverable 3: no vacuous verdicts. A spec without initial states is the same
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
