"""The VS Code extension's TextMate grammar (editors/vscode/syntaxes/pyspec.tmLanguage.json) in
step with the Pygments lexer (pyspec/report/lexer.py): the same word lists, rule for rule; and,
with `vscode-tmgrammar-test` (npm, installed under .npm-tools/ by `make npm-tools`), the same
scopes as the lexer's tokens on every line of every library spec."""

from __future__ import annotations

import json
import pathlib
import re
import shutil
import subprocess

import pytest
from pygments.lexer import words
from pygments.token import Comment, Keyword, Name, Number, Operator, String

from pyspec.report.lexer import PyspecLexer

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "editors" / "vscode"
GRAMMAR = EXTENSION / "syntaxes" / "pyspec.tmLanguage.json"
TOOL = ROOT / ".npm-tools" / "node_modules" / ".bin" / "vscode-tmgrammar-test"

# the lexer's token -> the grammar's scope (tokens not listed get no assertion: names, punctuation)
SCOPES = [
    (Keyword.Declaration, "storage.type.pyspec"),
    (Keyword.Type, "support.type.pyspec"),
    (Keyword.Constant, "constant.language.pyspec"),
    (Keyword, "keyword.control.pyspec"),
    (Operator.Word, "keyword.operator.word.pyspec"),
    (Operator, "keyword.operator.pyspec"),
    (Name.Builtin, "support.function.builtin.pyspec"),
    (Name.Function, "entity.name.function.pyspec"),
    (Name.Class, "entity.name.type.pyspec"),
    (Name.Variable.Instance, "variable.other.primed.pyspec"),
    (Name.Variable, "variable.other.declaration.pyspec"),
    (Comment, "comment.line.number-sign.pyspec"),
    (String.Doc, "string.quoted.docstring.pyspec"),
    (String, "string.quoted.double.pyspec"),
    (Number, "constant.numeric.integer.pyspec"),
]


def _scope(token) -> str | None:
    for kind, scope in SCOPES:
        if token in kind:
            return scope
    return None


def _word_lists_of_lexer() -> list[tuple[str, ...]]:
    out = []
    for rule in PyspecLexer.tokens["root"]:
        pattern = rule[0]
        if isinstance(pattern, words):
            out.append(tuple(pattern.words))
        else:
            m = re.match(r"\(([A-Za-z|]+)\)", pattern)
            if m:
                out.append(tuple(m.group(1).split("|")))
    return out


def _word_lists_of_grammar() -> list[tuple[str, ...]]:
    out = []
    for p in json.loads(GRAMMAR.read_text())["patterns"]:
        m = re.match(r"\\b\(([A-Za-z|]+)\)", p.get("match", ""))
        if m:
            out.append(tuple(m.group(1).split("|")))
    return out


def test_the_grammar_has_the_lexer_s_word_lists_in_the_lexer_s_order():
    assert _word_lists_of_grammar() == _word_lists_of_lexer()


def test_the_grammar_has_a_scope_for_every_kind_of_token_the_lexer_colours():
    scopes = json.dumps(json.loads(GRAMMAR.read_text()))
    for _, scope in SCOPES:
        assert scope in scopes, scope


def syntax_test(name: str, text: str) -> str:
    """A vscode-tmgrammar-test case: the spec's lines, each followed by one assertion line per
    token the lexer colours (lines inside a multi-line docstring get none)."""
    out = [f'# SYNTAX TEST "source.pyspec" "{name}"']
    tokens = list(PyspecLexer().get_tokens_unprocessed(text))
    starts = [0]
    for line in text.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    by_line: dict[int, list[tuple[int, int, str]]] = {}
    open_doc: set[int] = set()  # lines that a docstring spans past
    for index, token, value in tokens:
        line = next(i for i in range(len(starts) - 1) if starts[i] <= index < starts[i + 1])
        if "\n" in value.strip("\n"):  # a token over several lines: a docstring
            open_doc.update(range(line, line + value.count("\n")))
            continue
        scope = _scope(token)
        if scope and value.strip():
            by_line.setdefault(line, []).append((index - starts[line], len(value), scope))
    for i, line in enumerate(text.split("\n")):
        out.append(line)
        if i in open_doc or (i > 0 and i - 1 in open_doc):
            continue
        for col, n, scope in by_line.get(i, ()):
            out.append(f"# <{'-' * n} {scope}" if col == 0 else "#" + " " * (col - 1) + "^" * n + f" {scope}")
    return "\n".join(out) + "\n"


def test_a_generated_case_asserts_the_lexer_s_scopes():
    case = syntax_test("t", "action Go(p: Proc):\n    x' = len(s) + 1  # done\n")
    assert "# <------ storage.type.pyspec" in case
    assert "#   ^^ variable.other.primed.pyspec" in case
    assert "#" + " " * 17 + "^ constant.numeric.integer.pyspec" in case  # the 1, at column 18


def _tool() -> pathlib.Path:
    if TOOL.exists():
        return TOOL
    if shutil.which("npm") is None:
        pytest.skip("node/npm not on this machine: vscode-tmgrammar-test cannot run")
    subprocess.run(["npm", "install", "--prefix", str(ROOT / ".npm-tools"), "--no-audit", "--no-fund",
                    "vscode-tmgrammar-test@0.1"], check=True, capture_output=True, timeout=300)
    return TOOL


def test_every_library_spec_is_scoped_as_the_lexer_colours_it(tmp_path):
    tool = _tool()
    specs = sorted((ROOT / "specs").glob("*.spec"))
    assert len(specs) > 10
    for spec in specs:
        (tmp_path / f"{spec.stem}.spec.test").write_text(syntax_test(spec.name, spec.read_text()))
    run = subprocess.run([str(tool), "--compact", "-g", str(GRAMMAR), str(tmp_path / "*.spec.test")],
                         cwd=EXTENSION, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]


def test_the_tool_finds_a_grammar_that_disagrees(tmp_path):
    tool = _tool()
    case = syntax_test("bad", "spec S\nvar x: int\n").replace("storage.type.pyspec", "keyword.control.pyspec", 1)
    (tmp_path / "bad.spec.test").write_text(case)
    run = subprocess.run([str(tool), "--compact", "-g", str(GRAMMAR), str(tmp_path / "*.spec.test")],
                         cwd=EXTENSION, capture_output=True, text=True, timeout=120)
    assert run.returncode != 0
