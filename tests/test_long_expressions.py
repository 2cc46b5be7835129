"""A long flat expression (an invariant block of hundreds of `and` lines, a `require` of hundreds of
conjuncts, a sum or union of hundreds of terms) is checked by every engine: the generated code,
the closures and the Z3 encoder read a chain of one operator in a loop, never one nesting level
(Python parenthesis, closure call or recursion) per operator."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout

import pytest

from pyspec import Verdict, api, check, load
from pyspec.cli import main
from pyspec.explicit.codegen import generate_invariants, generate_successors


def chains(n: int, holds: bool = True) -> str:
    """A spec whose invariants and one `require` are chains of `n` operands."""
    first = "x != 9" if holds else "x == 9"
    return "\n".join([
        "spec Chains",
        "var x: 0 .. 3",
        "var s: set[0 .. 3]",
        "init:",
        "    x = 0",
        "    s = {}",
        "action Step():",
        "    require x < 3 and " + " and ".join(f"x != {10 + i % 50}" for i in range(n)),
        "    x' = x + 1",
        "    s' = s | {x}",
        "invariant Many:",
        f"    {first}",
        *(f"    and x != {10 + i % 50}" for i in range(n - 1)),
        "invariant AnyOf:",
        "    x == 9",
        *(f"    or x == {i % 4}" for i in range(n - 1)),
        "invariant Sum: " + " + ".join(["x"] * n) + f" <= 3 * {n}",
        "invariant Union: len(" + " | ".join(["s"] + ["{x}"] * n) + ") <= 4",
        "",
    ])


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = main(argv)
    return rc, out.getvalue(), err.getvalue()


COMMANDS = (
    ["check"],
    ["simulate", "--runs", "5"],
    ["check", "--engine", "bmc", "--depth", "3"],
    ["prove", "--invariant", "Many"],
    ["prove", "--invariant", "Sum"],
)


@pytest.mark.parametrize("n", [200, 400])
def test_every_command_checks_a_long_chain(tmp_path, n):
    path = tmp_path / "chains.spec"
    path.write_text(chains(n))
    for command in COMMANDS:
        rc, out, err = _run([command[0], str(path), *command[1:]])
        assert rc == 0 and "internal error" not in err, (command, out, err)
    path.write_text(chains(n, holds=False))
    for command in COMMANDS[:4]:
        rc, out, err = _run([command[0], str(path), *command[1:]])
        assert rc == 1 and "Many" in out, (command, out, err)


def test_the_generated_code_stays_flat(tmp_path):
    path = tmp_path / "chains.spec"
    path.write_text(chains(400))
    compiled = api.compile_spec(load(str(path)))
    succ = generate_successors(compiled)
    inv = generate_invariants(compiled, ("Many", "AnyOf", "Sum", "Union"))
    assert succ.fallback == () and inv.fallback == ()  # nothing left to the closures
    assert max(line.count("(") - line.count(")") for line in inv.source.splitlines()) < 10


def test_an_invariant_python_cannot_compile_falls_back_to_its_closure(monkeypatch):
    # The front end stops nesting at 200 levels (PS108) before Python's 200 parentheses, but one
    # level of the spec may be more than one of the generated code: Python refusing to compile an
    # invariant (as it would "too many nested parentheses") leaves it to its closure.
    from pyspec import loads
    from pyspec.explicit.codegen import module

    def refusing(source, filename, mode, *args, **kwargs):
        if filename == "<probe>" and "Deep" in source:
            raise SyntaxError("too many nested parentheses")
        return compile(source, filename, mode, *args, **kwargs)

    src = "spec Eq\nvar b: bool\ninit:\n    b = True\naction A():\n    b' = not b\n" \
          "invariant Deep: " + "not " * 20 + "b or True\ninvariant Flat: b or not b\n"
    spec = loads(src)
    monkeypatch.setattr(module, "compile", refusing, raising=False)
    gen = generate_invariants(api.compile_spec(spec), ("Deep", "Flat"))
    assert gen.fallback == ("Deep",)
    assert check(spec).verdict is Verdict.HOLDS


def test_every_command_checks_a_thousand_line_invariant(tmp_path):
    path = tmp_path / "chains.spec"
    path.write_text(chains(1000))
    for command in COMMANDS:
        rc, out, err = _run([command[0], str(path), *command[1:]])
        assert rc == 0 and "internal error" not in err, (command, out, err)


def test_engines_take_a_thousand_operands(tmp_path):
    path = tmp_path / "chains.spec"
    path.write_text(chains(1000))
    spec = load(str(path))
    assert check(spec).verdict is Verdict.HOLDS
    assert api.simulate(spec, runs=3).verdict is Verdict.NO_VIOLATION_UP_TO
    assert api.bmc(spec, 3).verdict is Verdict.NO_VIOLATION_UP_TO
    for name in ("Many", "AnyOf", "Sum", "Union"):
        assert api.prove(spec, name).verdict is Verdict.PROVED, name


def test_a_param_integer_past_pythons_4300_digits_is_a_user_error(tmp_path):
    path = tmp_path / "p.spec"
    path.write_text("spec P\nparam M: int = 3\nvar x: 0 .. 3\ninit:\n    x = 0\naction A():\n"
                    "    require x < 3 and M > 0\n    x' = x + 1\ninvariant Ok: x <= 3\n")
    many = "1" * 4400
    for value, says in ((many, "an integer of 4,400 digits; at most 4,300 can be read"),
                        ("9" * 3000 + " * " + "9" * 3000, "an integer of more than 4,300 digits")):
        for command in (["check"], ["simulate"], ["check", "--engine", "bmc", "--depth", "2"], ["show"]):
            rc, out, err = _run([command[0], str(path), *command[1:], "-D", f"M={value}"])
            assert rc == 2 and "error[PS502]" in err and says in err and "hint:" in err, (command, err[-300:])
            assert many not in err  # the message shows the value cut short
    rc, out, _ = _run(["check", str(path), "-D", "M=" + "1" * 4300])
    assert rc == 0, out


NOTS = ("spec D\nvar x: 0 .. 3\ninit:\n    x = 0\naction A():\n    require x < 3\n    x' = x + 1\n"
        "invariant Deep: " + "not " * 191 + "(x > 5)\n")


@pytest.mark.parametrize("engine", ["check", "simulate", "bmc", "prove"])
def test_the_deepest_nesting_the_front_end_takes_runs_through_every_engine(engine):
    # The front end refuses more than 200 levels (PS108), so no engine meets a deeper one.
    from pyspec import loads

    spec = loads(NOTS)
    result = {"check": lambda: api.check(spec), "simulate": lambda: api.simulate(spec, runs=2),
              "bmc": lambda: api.bmc(spec, 2), "prove": lambda: api.prove(spec, "Deep")}[engine]()
    assert result.verdict in (Verdict.HOLDS, Verdict.NO_VIOLATION_UP_TO, Verdict.PROVED), result
