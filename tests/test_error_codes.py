"""The error registry (pyspec.errors.ERROR_CODES, tracecheck's TCxxx codes included) against the
sources, the tests and the docs: every code raised is registered and every registered code is
raised somewhere; every code has a test that triggers it (below, or in another test file); the
error-code tables in docs/language.md and docs/tracecheck.md list exactly the registered codes
with the registry's titles."""

from __future__ import annotations

import io
import re
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

import pyspec
import tracecheck
from pyspec.errors import ERROR_CODES, ErrorCode, PyspecError, SpecEvalError, SpecNameError, UsageError, error
from tracecheck.errors import CODES as TC_CODES
from tracecheck.testing import assert_conforms

ROOT = Path(__file__).resolve().parents[1]
CODE = re.compile(r'"((?:PS|TC)\d{3})"')
REGISTRIES = {ROOT / "pyspec" / "errors.py", ROOT / "tracecheck" / "errors.py"}


def source_codes() -> dict[str, list[str]]:
    """Every code literal at a raise site (the registries themselves excluded) -> its files."""
    out: dict[str, list[str]] = {}
    for pkg in ("pyspec", "tracecheck"):
        for p in sorted((ROOT / pkg).rglob("*.py")):
            if p in REGISTRIES:
                continue
            for c in CODE.findall(p.read_text()):
                out.setdefault(c, []).append(str(p.relative_to(ROOT)))
    return out


# ---- (a) the registry and the sources --------------------------------------------------------


def test_every_code_raised_is_registered():
    assert set(source_codes()) - set(ERROR_CODES) == set()


def test_every_registered_code_is_raised_somewhere():
    assert set(ERROR_CODES) - set(source_codes()) == set()


def test_registry_shape():
    assert {e.code for e in TC_CODES} <= set(ERROR_CODES)
    for code, e in ERROR_CODES.items():
        assert e.code == code and re.fullmatch(r"(PS|TC)\d{3}", code)
        assert issubclass(e.kind, PyspecError) and e.title and not e.title.endswith(".")
    # PS codes are pyspec's, TC codes tracecheck's; pyspec never imports tracecheck
    assert all(e.kind.__module__ == "pyspec.errors" for c, e in ERROR_CODES.items() if c.startswith("PS"))
    assert not re.search(r"^\s*(import|from) tracecheck", (ROOT / "pyspec" / "errors.py").read_text(), re.M)


def test_every_raise_site_uses_its_code_s_class():
    """Statically, also for raise sites no test reaches: `Cls(..., code="X")` (and tracecheck's
    `self.err(..., code="X")`, a MappingError) names the class registered for X. Issue 10,
    problem 6: one code, one meaning (PS604 was both 'no such action' and 'cannot encode')."""
    import ast

    wrong = []
    for pkg in ("pyspec", "tracecheck"):
        for p in sorted((ROOT / pkg).rglob("*.py")):
            for node in ast.walk(ast.parse(p.read_text())):
                if not isinstance(node, ast.Call):
                    continue
                code = next((k.value.value for k in node.keywords if k.arg == "code" and isinstance(k.value, ast.Constant)), None)
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
                if code is None or name is None:
                    continue
                name = "MappingError" if name == "err" else name
                if name.endswith("Error") and ERROR_CODES[code].kind.__name__ != name:
                    wrong.append(f"{p.relative_to(ROOT)}:{node.lineno}: {name} with {code}")
    assert wrong == []


def test_an_unregistered_code_is_a_bug():
    with pytest.raises(ValueError, match="PS999"):
        SpecEvalError("boom", code="PS999")
    with pytest.raises(ValueError, match="PS401 is a SpecEvalError"):
        SpecNameError("boom", code="PS401")  # a registered code under another class
    with pytest.raises(TypeError):
        UsageError("no code")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="registered twice"):
        pyspec.errors.register_codes([ErrorCode("PS401", UsageError, "something else")])


def test_error_builds_the_registered_class():
    e = error("PS604", "spec S has no action 'X'", hint="actions: A")
    assert type(e) is UsageError and (e.code, e.hint) == ("PS604", "actions: A")
    assert type(error("TC208", "record has no field 'x'")) is tracecheck.LogError
    with pytest.raises(ValueError):
        error("PS999", "x")


# ---- (b) every code has a test that triggers it ---------------------------------------------

SPEC = """\
spec Tiny
type Proc = 0 .. 1
var on: map[Proc, bool]
var n: 0 .. 3
init:
    on = {p: False for p in Proc}
    n = 0
action Up(p: Proc):
    require not on[p]
    on'[p] = True
    n' = n + 1
action Bump(k: 1 .. 3):
    n' = n + k
invariant Few: n <= 3
"""

MAPPING = """\
[spec]
file = "tiny.spec"

[log]
format = "jsonl"

[fields]
node = "Proc"
k = "1 .. 3"

[hidden]
actions = ["Bump"]

[[rule]]
when = { event = "up" }
action = "Up"
args = { p = "node" }
observe = ["on[node]"]

[[rule]]
when = { event = "bump" }
action = "Bump"
args = { k = "k" }
"""


@pytest.fixture
def tiny(tmp_path):
    (tmp_path / "tiny.spec").write_text(SPEC)
    (tmp_path / "m.toml").write_text(MAPPING)
    return tmp_path


def run_cli(main, argv) -> tuple[int, str]:
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        rc = main([str(a) for a in argv])
    return rc, err.getvalue()


def raised(fn) -> PyspecError:
    with pytest.raises(PyspecError) as info:
        fn()
    return info.value


def where(e: PyspecError) -> tuple[int, int] | None:
    return (e.span.line, e.span.col) if e.span else None


@dataclass
class Case:
    code: str
    trigger: object  # fn(tmp_path) -> PyspecError, or a CLI: ("pyspec" | "tracecheck", argv with {d})
    fragment: str
    at: tuple[int, int] | None = None


def _pyspec(src: str):
    return lambda d: raised(lambda: pyspec.loads(src))


def _api(fn):
    return lambda d: raised(lambda: fn(pyspec.load(str(d / "tiny.spec"))))


def _suite(text: str | None, only: str | None = None):
    def run(d):
        p = d / "s.toml"
        if text is not None:
            p.write_text(text)
        from pyspec.suite import run_suite

        return raised(lambda: run_suite(str(p), only))

    return run


def _mapping(old: str, new: str):
    """The tiny mapping with `old` replaced by `new`, loaded."""

    def run(d):
        assert old in MAPPING, old
        (d / "bad.toml").write_text(MAPPING.replace(old, new, 1))
        return raised(lambda: tracecheck.load_mapping(d / "bad.toml"))

    return run


def _logs(*texts: str, mapping: tuple[str, str] = ("", ""), **options):
    """Validate log files with the given text against the tiny mapping (edited)."""

    def run(d):
        (d / "v.toml").write_text(MAPPING.replace(*mapping, 1))
        paths = []
        for i, t in enumerate(texts):
            (d / f"n{i}.jsonl").write_text(t)
            paths.append(d / f"n{i}.jsonl")
        return raised(lambda: tracecheck.validate(d / "v.toml", paths, **options))

    return run


LAMPORT = ('format = "jsonl"', 'format = "jsonl"\norder = "lamport"\nclock = "c"\nnode = "node"')
UP0 = '{"event": "up", "node": 0}\n'

CASES = [
    # pyspec
    Case("PS220", _pyspec("spec S\nvar x: 0 .. 1\ninit:\n    x = 0\naction A(x: 0 .. 1):\n    require True\n"),
         "'x' is a state variable; pick another name", (5, 10)),
    Case("PS220", _pyspec("spec S\nparam P: 0 .. 1 = 0\nvar x: 0 .. 1\ninit:\n    x = 0\n"
                          "action A():\n    y = 1\n    P = 1\n    x' = y\n"), "'P' is a param", (8, 5)),
    Case("PS402", lambda d: raised(lambda: pyspec.check(pyspec.loads("spec S\nvar x: 0 .. 1\ninit:\n    x = 0\n"
                                                                     "    require x == 1\n"))),
         "no initial state: every path through init fails", (3, 1)),
    Case("PS601", _api(lambda s: pyspec.check(s, invariants=["Fwe"])), "has no invariant 'Fwe'"),
    Case("PS601", ("pyspec", ["prove", "{d}/tiny.spec", "--invariant", "Nope"]), "has no invariant 'Nope'"),
    Case("PS602", _api(lambda s: pyspec.check(s, max_states=0)), "--max-states must be at least 1"),
    Case("PS602", _api(lambda s: pyspec.simulate(s, runs=0)), "--runs must be at least 1"),
    Case("PS602", _api(lambda s: pyspec.bmc(s, depth=-1)), "--depth must be at least 0"),
    Case("PS602", _api(lambda s: pyspec.synth(s, depth=-1)), "--depth must be at least 0"),
    Case("PS602", ("pyspec", ["prove", "{d}/tiny.spec", "--invariant", "Few", "--k", "0"]), "--k must be at least 1"),
    Case("PS604", _api(lambda s: pyspec.successors(pyspec.compile_spec(s), ((False, False), 0), "Dwon", (0,))),
         "has no action 'Dwon'"),
    Case("PS605", _api(lambda s: pyspec.successors(pyspec.compile_spec(s), ((False, False), 0), "Up", (7,))),
         "outside the action's parameter types"),
    Case("PS606", ("pyspec", ["synth", "{d}/tiny.spec", "--depth", "1"]), "declares no unknown function"),
    Case("PS607", lambda d: raised(lambda: pyspec.bmc(pyspec.loads(
        "spec Big\nvar s: set[0 .. 100000]\ninit:\n    s = {}\naction A(k: 0 .. 1):\n    s' = s | {k}\n"), depth=1)),
        "the Z3 engines cannot encode this spec"),
    Case("PS608", ("pyspec", ["check", "{d}/tiny.spec", "--engine", "bmc"]), "--engine bmc needs --depth K"),
    Case("PS610", _suite(None), "no such suite file"),
    Case("PS611", _suite("[[check]\n"), "not valid TOML"),
    Case("PS612", _suite("title = 'x'\n"), "no [[check]] rows"),
    Case("PS613", _suite("[[check]]\nspec = 'tiny.spec'\nexpect = 'holds'\ncolour = 'red'\n"), "unknown key(s) colour"),
    Case("PS613", ("pyspec", ["suite", "{d}/s2.toml"]), "engine must be one of"),
    Case("PS614", _suite("[[check]]\nspec = 'tiny.spec'\nexpect = 'holds'\n", only="zzz"), "matches 'zzz'"),
    Case("PS620", ("pyspec", ["view", "{d}/none.itf.json", "-o", "{d}/t.html"]), "no such trace file"),
    Case("PS621", ("pyspec", ["view", "{d}/m.toml", "-o", "{d}/t.html"]), "not JSON"),
    Case("PS622", ("pyspec", ["check", "{d}/tiny.spec", "--max-states", "1", "--html", "{d}/no-dir/t.html"]), "cannot write"),
    Case("PS630", ("pyspec", ["check", "{d}/tiny.spec", "--timeout", "5"]), "the explicit engine does not use it"),
    Case("PS630", ("pyspec", ["check", "{d}/tiny.spec", "--engine", "bmc", "--depth", "2", "--max-states", "9"]),
         "--engine bmc does not count states"),
    Case("PS631", ("pyspec", ["prove", "{d}/tiny.spec", "--invariant", "Few", "--invariant", "Few"]),
         "prove takes one --invariant, not 2"),
    # tracecheck: the mapping
    Case("TC101", lambda d: raised(lambda: tracecheck.load_mapping(d / "none.toml")), "no such mapping file"),
    Case("TC102", _mapping("[fields]", "[fields"), "invalid TOML", (7, 8)),
    Case("TC103", _mapping("[hidden]", "[hidden]\ncolour = 1"), "unknown key 'colour' in [hidden]", (12, 1)),
    Case("TC103", _mapping('format = "jsonl"', 'format = "jsonl"\nclock = "a..b"'), "bad field path 'a..b'", (6, 1)),
    Case("TC104", _mapping('file = "tiny.spec"', 'params = { N = 1 }'), "[spec] has no 'file'", (1, 1)),
    Case("TC104", _mapping('[spec]\nfile = "tiny.spec"', ""), "the mapping has no [spec] table"),
    Case("TC105", _mapping('file = "tiny.spec"', 'file = "nope.spec"'), "spec: no such spec file", (2, 1)),
    Case("TC105", _mapping('file = "tiny.spec"', 'file = "tiny.spec"\nparams = { Q = 1 }'), "spec params:"),
    Case("TC106", _mapping('format = "jsonl"', 'format = "csv"'), "unknown log format 'csv'", (5, 1)),
    Case("TC106", _mapping('format = "jsonl"', 'format = "jsonl"\norder = "lamport"'), 'needs clock ='),
    Case("TC107", _mapping('node = "Proc"', 'node = "Prc"'), "field 'node': bad type 'Prc'", (8, 9)),
    Case("TC107", _mapping('node = "Proc"', 'n = "Proc"'), "field 'n' has the name of a spec variable", (8, 1)),
    Case("TC108", _mapping('action = "Up"', 'action = "Uq"'), "spec Tiny has no action 'Uq'", (16, 10)),
    Case("TC108", _mapping('actions = ["Bump"]', 'actions = ["Bmp"]'), "has no action 'Bmp'", (12, 12)),
    Case("TC109", _mapping('args = { p = "node" }', 'args = { q = "node" }'), "action Up has no parameter 'q'", (17, 10)),
    Case("TC109", _mapping('args = { p = "node" }', "args = {}"), "rule gives no value for Up's parameter 'p'"),
    Case("TC110", _mapping('observe = ["on[node]"]', 'observe = ["on[nod]"]'), "observation `on[nod]`: unknown name 'nod'",
         (18, 16)),
    Case("TC111", _mapping('args = { p = "node" }', 'args = { p = "n" }'), "reads spec variables"),
    Case("TC112", _mapping('observe = ["on[node]"]', 'observe = ["node"]'), "an observation must be true or false"),
    # tracecheck: the logs
    Case("TC201", lambda d: raised(lambda: tracecheck.validate(d / "m.toml", [d / "none.jsonl"])), "no such log file"),
    Case("TC202", _logs(UP0 + '{"event": "up", "node": 1\n'), "", (2, 26)),
    Case("TC203", lambda d: raised(lambda: tracecheck.validate(d / "m.toml", [])), "no log files given"),
    Case("TC203", _logs(UP0, UP0), "2 logs but no order to merge them by"),
    Case("TC204", _logs('{"event": "up", "node": 0}\n', mapping=LAMPORT), "record has no clock field 'c'", (1, 1)),
    Case("TC205", _logs('{"c": 2, "event": "up", "node": 0}\n{"c": 1, "event": "up", "node": 0}\n', mapping=LAMPORT),
         "record out of its node's order", (2, 1)),
    Case("TC206", _logs(UP0 + '{"event": "down", "node": 0}\n'), "record matches no rule of the mapping", (2, 1)),
    Case("TC207", _logs('{"event": "bump", "k": 3}\n{"event": "bump", "k": 1}\n'),
         "evaluating rule 'event = \"bump\"' on this record: n' would be 4", (2, 1)),
    Case("TC208", _logs('{"event": "up"}\n'), "record has no field 'node'", (1, 1)),
    Case("TC209", _logs('{"event": "up", "node": 5}\n'), "field 'node' (node)", (1, 1)),
    # tracecheck: usage
    Case("TC301", _logs(UP0, hidden=-1), "--hidden must be at least 0"),
    Case("TC301", _logs(UP0, max_frontier=0), "--max-frontier must be at least 1"),
    Case("TC302", _logs(UP0, mapping=('actions = ["Bump"]', "actions = []"), hidden=1), "declares no hidden actions"),
    Case("TC303", _logs(UP0, invariants=["Fwe"]), "spec Tiny has no invariant 'Fwe'"),
    Case("TC304", _logs(UP0, engine="smt"), "unknown engine 'smt'"),
    Case("TC305", _logs(UP0, engine="z3", invariants=["Few"]), "--invariants needs the explicit engine"),
    Case("TC305", ("tracecheck", ["validate", "--mapping", "{d}/m.toml", "--engine", "z3", "--invariants", "{d}/up.jsonl"]),
         "--invariants needs the explicit engine"),
    Case("TC310", ("tracecheck", ["validate", "--mapping", "{d}/m.toml", "--html", "{d}/t.html", "-"]),
         "cannot read standard input"),
    Case("TC311", ("tracecheck", ["validate", "--mapping", "{d}/m.toml", "--html", "{d}/no-dir/t.html", "{d}/up.jsonl"]),
         "cannot write"),
    Case("TC306", lambda d: raised(lambda: assert_conforms(d / "m.toml", [d / "up.jsonl"], no_invariant_violations=True,
                                                          invariants=())), "no invariant to check"),
]


@pytest.mark.parametrize("c", CASES, ids=[f"{c.code}-{i}" for i, c in enumerate(CASES)])
def test_code_is_triggered(c: Case, tiny):
    (tiny / "up.jsonl").write_text(UP0)
    (tiny / "s2.toml").write_text("[[check]]\nspec = 'tiny.spec'\nexpect = 'holds'\nengine = 'tla'\n")
    if isinstance(c.trigger, tuple):
        tool, argv = c.trigger
        if tool == "pyspec":
            from pyspec.cli import main
        else:
            from tracecheck.cli import main
        rc, err = run_cli(main, [a.replace("{d}", str(tiny)) for a in argv])
        assert rc == 2, err
        assert f"error[{c.code}]: " in err and c.fragment in err, err
        return
    e = c.trigger(tiny)
    if isinstance(e, pyspec.SpecErrors):  # the type checker's group: its first error
        e = e.errors[0]
    assert e.code == c.code, repr(e)
    assert c.fragment in e.message, e.message
    assert isinstance(e, ERROR_CODES[c.code].kind)
    if c.at is not None:
        assert where(e) == c.at, (e.span, e.message)
    assert pyspec.render_error(e).count(f"error[{c.code}]") == 1


def codes_with_tests() -> set[str]:
    """Codes a test triggers: those in CASES, and those named in other test files or in the
    docs' checked ``pyspec-error`` blocks (tests/docs/test_language_examples.py runs them)."""
    found = {c.code for c in CASES}
    for p in (ROOT / "tests").rglob("*.py"):
        if p.name != "test_error_codes.py":
            found |= set(re.findall(r"\b((?:PS|TC)\d{3})\b", p.read_text()))
    found |= set(re.findall(r"^# error: ((?:PS|TC)\d{3})$", (ROOT / "docs" / "language.md").read_text(), re.M))
    return found


def test_every_code_has_a_triggering_test():
    assert set(ERROR_CODES) - codes_with_tests() == set()


# ---- (c) the docs' tables --------------------------------------------------------------------


def doc_table(path: Path) -> dict[str, str]:
    """The `| CODE | title |` rows of a doc's "## Error codes" section."""
    text = path.read_text()
    section = text.split("\n## Error codes\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| ((?:PS|TC)\d{3}) \| (.*) \|$", section, re.M)
    codes = [c for c, _ in rows]
    assert len(codes) == len(set(codes)), "a code listed twice"
    assert codes == sorted(codes)
    return {c: t.replace("\\|", "|") for c, t in rows}


@pytest.mark.parametrize("doc, prefix", [("language.md", "PS"), ("tracecheck.md", "TC")])
def test_doc_table_matches_the_registry(doc, prefix):
    table = doc_table(ROOT / "docs" / doc)
    registry = {c: e.title for c, e in ERROR_CODES.items() if c.startswith(prefix)}
    assert table == registry


def test_docs_name_no_stale_code():
    for p in [*(ROOT / "docs").glob("*.md"), ROOT / "README.md"]:
        stale = set(re.findall(r"\b((?:PS|TC)\d{3})\b", p.read_text())) - set(ERROR_CODES)
        assert not stale, f"{p.name}: {sorted(stale)}"


def doc_table_text(prefix: str) -> str:
    """The rows of a doc's table, from the registry (paste them when a code is added)."""
    return "\n".join(
        f"| {c} | {e.title.replace('|', chr(92) + '|')} |" for c, e in sorted(ERROR_CODES.items()) if c.startswith(prefix)
    )


if __name__ == "__main__":  # python tests/test_error_codes.py PS|TC: print the table rows
    import sys

    print(doc_table_text(sys.argv[1] if len(sys.argv) > 1 else "PS"))


@pytest.mark.parametrize(
    "src, line, col",
    [
        ("spec Big\nvar s: set[0 .. 100000]\ninit:\n    s = {}\naction A(k: 0 .. 1):\n    s' = s | {k}\n", 2, 5),
        (
            "spec Big\nvar x: 0 .. 3\ninit:\n    x = 0\naction A():\n"
            "    require len(subsets({k for k in 0 .. 40 if k >= x})) > 1\n    x' = 1\n",
            6, 17,
        ),
    ],
    ids=["variable-of-a-large-type", "subsets-of-a-large-set"],
)
def test_a_spec_z3_cannot_encode_is_refused_at_the_place_that_is_too_large(src, line, col):
    with pytest.raises(UsageError) as info:
        pyspec.bmc(pyspec.loads(src, file="big.spec"), depth=1)
    e = info.value
    assert e.code == "PS607" and e.span is not None
    assert (e.span.file, e.span.line, e.span.col) == ("big.spec", line, col)
    assert e.hint is not None and "shrink" in e.hint
