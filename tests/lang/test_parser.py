"""Every error the parser (pyspec/lang/parser.py) and the loader (lang/load.py) raise: snippet,
code, line:col, message fragment; and where end-of-file and indentation errors point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import pyspec
from pyspec.errors import PyspecError, SpecNameError, SpecSyntaxError
from pyspec.lang.parser import parse

# Lines 1-4; whatever is appended starts on line 5.
H = "spec S\nvar x: 0 .. 3\ninit:\n    x = 0\n"


@dataclass(frozen=True)
class Case:
    code: str
    src: str
    line: int
    col: int
    fragment: str
    hint: str | None = None


def case(id, code, src, line, col, fragment, hint=None, marks=()):
    return pytest.param(Case(code, src, line, col, fragment, hint), id=id, marks=marks)


CASES = [
    case("compare-with-assign", "PS100", H + "action A():\n    require x = 1\n", 6, 15, "unexpected '='", "use '=='"),
    case("missing-colon", "PS100", H + "action A()\n    x' = 1\n", 5, 11, "expected ':'", "a block header ends with ':'"),
    case("unexpected-token", "PS100", H + "action A():\n    x' = *1\n", 6, 10, "unexpected '*'"),
    case("operator-at-end-of-line", "PS100", H + "action A():\n    x' = x +\n", 6, 13, "unexpected end of line"),
    case("spec-without-name", "PS100", "spec\n", 1, 5, "expected a name"),
    case("end-of-file-after-header", "PS103", H + "action A():", 5, 12, "unexpected end of file; expected an indented block"),
    case("end-of-file-after-colon", "PS103", H + "invariant I:\n\n\n", 5, 13, "unexpected end of file"),
    case("unexpected-character", "PS101", H + "action A():\n    x' = x $ 1\n", 6, 12, "unexpected character '$'"),
    case("single-quoted-string", "PS101", H + "action A():\n    x' = 'a'\n", 6, 10, "unexpected character", "double quotes"),
    case("unterminated-string", "PS101", 'spec S\nvar x: 0 .. 3\ninit:\n    x = "abc\n', 4, 9, "unexpected character '\"'"),
    case("bad-dedent", "PS102", H + "action A():\n    x' = 1\n  x' = 2\n", 7, 3, "indentation matches no enclosing block", "indent it exactly"),
    case(
        "bad-dedent-else",
        "PS102",
        H + "action A():\n    if x == 1:\n        x' = 1\n      else:\n        x' = 2\n",
        8, 7, "indentation matches no enclosing block",
    ),
    case(
        "bad-dedent-after-comment",
        "PS102",
        H + "action A():\n    if x == 1:\n        x' = 1\n\n  # c\n  \n   x' = 2\n",
        11, 4, "indentation matches no enclosing block",
    ),
    case("unterminated-docstring", "PS107", 'spec S\n"""doc\nvar x: 0 .. 3\n', 2, 1, "unterminated docstring"),
    case("record-field-not-a-name", "PS104", H + "invariant I: {a: 1, 2: 2} == 1\n", 5, 21, "a record field must be a name",
         "cannot mix them"),
    # the caret is under the expression after 'or', not under 'or' itself
    case("block-starts-with-or", "PS106", H + "invariant I:\n    or x == 1\n    x == 2\n", 6, 8, "cannot start with 'or'", "joins it to the line above"),
    case(
        "union-continuation-of-non-union",
        "PS105",
        "spec S\ntype T = 0 .. 1\n    | A()\nvar x: 0 .. 3\ninit:\n    x = 0\n",
        2, 10, "only a union type continues",
    ),
    # the syntax tree's levels: spec, invariant, its block, then 198 `not`s make 201
    case("nested-too-deeply", "PS108", H + "invariant I: " + "not " * 201 + "x == 1\n", 5, 14 + 4 * 197, "nested too deeply"),
    case("integer-literal-too-long", "PS109", H + "invariant I: x < " + "9" * 5000 + "\n", 5, 18, "5,000 digits"),
]

UNREACHABLE: dict[str, str] = {}


def syntax_error(src: str) -> SpecSyntaxError:
    with pytest.raises(SpecSyntaxError) as info:
        pyspec.loads(src, file="t.spec")
    return info.value


@pytest.mark.parametrize("c", CASES)
def test_syntax_error_code_position_message(c: Case):
    e = syntax_error(c.src)
    assert e.code == c.code, e
    assert c.fragment in e.message
    assert (e.span.file, e.span.line, e.span.col) == ("t.spec", c.line, c.col), str(e)
    if c.hint is not None:
        assert e.hint is not None and c.hint in e.hint


def test_every_parser_and_loader_code_has_a_case():
    lang = Path(pyspec.__file__).parent / "lang"
    raised = set(re.findall(r'"(PS\d{3})"', (lang / "parser.py").read_text() + (lang / "load.py").read_text()))
    covered = {p.values[0].code for p in CASES} | {"PS001", "PS002", "PS003", "PS217", "PS218"}  # loader tests below
    covered |= {"PS221", "PS222"}  # include ... with: tests/lang/test_include.py
    covered |= {"PS643"}  # --symmetry TYPE: tests/explicit/test_symmetry.py
    assert raised - covered - set(UNREACHABLE) == set()


def test_library_specs_parse():
    for path in sorted(Path(__file__).parents[2].joinpath("specs").glob("*.spec")):
        assert parse(path.read_text(), str(path)).name


@pytest.mark.parametrize(
    "text",
    ["", "\n\n# only a comment\n", "spec", "spec S\n\t\tvar", "spec S\nvar x: 0 .. 3\x00\n", 'spec S\n"""', "(((", "spec S\n)"],
)
def test_no_lark_exception_leaves_the_parser(text):
    with pytest.raises(SpecSyntaxError) as info:
        parse(text, "t.spec")
    assert info.value.span is not None and info.value.span.line >= 1


# ---- end of file and indentation point at a real line ----------------------------------------

def _line(src: str, n: int) -> str:
    return src.split("\n")[n - 1]


@pytest.mark.parametrize(
    "src",
    [
        H + "invariant I: x ==\n# comment\n\n",
        H + "invariant I:\n\n   \n",
        H + "action A():\n    x' = x +",
    ],
    ids=["comment-after-operator", "blank-after-colon", "no-final-newline"],
)
def test_end_of_file_error_points_at_last_real_line(src):
    e = syntax_error(src)
    assert _line(src, e.span.line).strip(), f"points at blank line {e.span.line}"
    assert e.span.line in (5, 6)
    assert e.span.col == len(_line(src, e.span.line)) + 1  # just after the last character


def test_dedent_error_points_at_the_offending_line():
    src = H + "invariant I:\n    x == 1\n   x == 2\n"
    e = syntax_error(src)
    assert (e.code, e.span.line, e.span.col) == ("PS102", 7, 4)
    assert e.span.end_col == len(_line(src, 7)) + 1




@pytest.mark.parametrize(
    "src, line, col",
    [
        (H + "invariant I: x == 1\n    x == 2\n", 6, 5),
        (H + "action A():\n    x' = 1\n        x' = 2\n", 7, 9),
        pytest.param(H + "action A():\n    x' = 1\n# c\n\n        x' = 2\n", 9, 9),
        pytest.param("spec S\nvar x: 0 .. 1\n\n \"fd.spec\"\n", 4, 2),
    ],
    ids=["after-one-line-invariant", "in-action", "after-comment-and-blank", "after-blank"],
)
def test_unexpected_indent_points_at_the_indented_line(src, line, col):
    e = syntax_error(src)
    assert e.code == "PS102" and "indent" in e.message
    assert e.hint == "this line is indented more than the block it belongs to"
    assert (e.span.line, e.span.col) == (line, col)


def test_dedent_message_reads_as_english():
    e = syntax_error(H + "action A():\n    x' = (1\n")
    assert not re.search(r"unexpected an? ", e.message), e.message


@pytest.mark.parametrize("tail", ["", "\n\n# trailing\n\n"], ids=["at-end", "then-blank-lines"])
def test_unclosed_paren_at_end_of_file_says_so(tail):
    e = syntax_error(H + "action A():\n    x' = (1 +\n" + tail)
    assert e.code == "PS103" and e.message == "'(' is never closed"
    assert (e.span.line, e.span.col) == (6, 10)


def test_missing_indented_block_says_so():
    e = syntax_error(H + "action A():\nx' = 1\n")
    assert (e.span.line, e.span.col) == (6, 1)
    assert "indented block" in e.message


def test_unterminated_docstring_says_so():
    e = syntax_error('spec S\n"""doc\nvar x: 0 .. 3\n')
    assert (e.span.line, e.span.col) == (2, 1)
    assert "docstring" in e.message or "unterminated" in e.message or "never closed" in e.message


@pytest.mark.parametrize("src", ["", "\n", "\n\n# only a comment\n"], ids=["empty", "newline", "comment"])
def test_empty_file_error_is_at_1_1(src):
    e = syntax_error(src)
    assert (e.span.line, e.span.col) == (1, 1)
    assert "'spec NAME'" in e.message and "end of line" not in e.message


def test_tab_indented_block_parses():
    assert pyspec.loads(H + "action A():\n\tx' = 1\n", file="t.spec").actions[0].name == "A"


def test_crlf_line_endings_keep_positions():
    e = syntax_error(H.replace("\n", "\r\n") + "action A():\r\n    x' = $\r\n")
    assert (e.code, e.span.line, e.span.col) == ("PS101", 6, 10)


# ---- the loader: files and includes ------------------------------------------------------------

def load_error(path) -> PyspecError:
    with pytest.raises(PyspecError) as info:
        pyspec.load(str(path))
    return info.value


def test_missing_file(tmp_path):
    e = load_error(tmp_path / "nope.spec")
    assert (e.code, e.span) == ("PS001", None)
    assert "no such spec file" in e.message and "nope.spec" in e.message


def test_unreadable_file(tmp_path):
    p = tmp_path / "bad.spec"
    p.write_bytes(b"spec S\n\xff\n")
    e = load_error(p)
    assert (e.code, e.span) == ("PS001", None)
    assert "cannot read" in e.message


def test_only_regular_files_of_at_most_16_mib_are_read(tmp_path):
    """Issue 11: `include "/dev/zero"` read until MemoryError."""
    (tmp_path / "main.spec").write_text('spec M\ninclude "/dev/zero"\n')
    e = load_error(tmp_path / "main.spec")
    assert e.code == "PS002" and (e.span.line, e.span.col) == (2, 1)
    assert "/dev/zero is a character device" in e.message
    (tmp_path / "big.spec").write_bytes(b"spec Big\n" + b"#" * (16 << 20))
    e = load_error(tmp_path / "big.spec")
    assert (e.code, e.span) == ("PS002", None) and "larger than 16 MiB" in e.message


def test_a_file_that_is_not_a_spec_is_named_not_quoted(tmp_path):
    (tmp_path / "notes.txt").write_text("secret-first-line\nmore\n")
    (tmp_path / "main.spec").write_text('spec M\ninclude "notes.txt"\n')
    e = load_error(tmp_path / "main.spec")
    assert e.code == "PS003" and (e.span.line, e.span.col) == (2, 1)
    assert "text of 2 lines that does not begin with `spec NAME`" in e.message
    assert "secret" not in pyspec.render_error(e)


def test_include_itself(tmp_path):
    p = tmp_path / "a.spec"
    p.write_text('spec A\ninclude "a.spec"\nvar x: 0 .. 1\ninit:\n    x = 0\n')
    e = load_error(p)
    assert isinstance(e, SpecNameError) and e.code == "PS217"
    assert (e.span.file, e.span.line, e.span.col) == (str(p), 2, 1)
    assert "includes itself" in e.message


def test_include_cycle(tmp_path):
    (tmp_path / "c.spec").write_text('spec C\ninclude "d.spec"\nvar x: 0 .. 1\ninit:\n    x = 0\n')
    (tmp_path / "d.spec").write_text('spec D\ninclude "c.spec"\n')
    e = load_error(tmp_path / "c.spec")
    assert e.code == "PS217" and (e.span.line, e.span.col) == (2, 1)
    assert e.span.file.endswith("d.spec")
    assert "c.spec" in e.message and "d.spec" in e.message


def test_include_missing(tmp_path):
    p = tmp_path / "b.spec"
    p.write_text('spec B\ninclude "missing.spec"\nvar x: 0 .. 1\ninit:\n    x = 0\n')
    e = load_error(p)
    assert e.code == "PS218" and (e.span.line, e.span.col) == (2, 1)
    assert "included file not found" in e.message and "missing.spec" in e.message


def test_syntax_error_in_included_file_names_that_file(tmp_path):
    (tmp_path / "lib.spec").write_text("spec L\ndef f = 1 +\n")
    p = tmp_path / "main.spec"
    p.write_text('spec M\ninclude "lib.spec"\nvar x: 0 .. 1\ninit:\n    x = 0\n')
    e = load_error(p)
    assert e.code == "PS100" and e.span.file.endswith("lib.spec") and e.span.line == 2


def test_loads_does_not_ignore_a_missing_include(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PyspecError) as info:
        pyspec.loads('spec S\ninclude "nope.spec"\nvar x: 0 .. 3\ninit:\n    x = 0\n', file="t.spec")
    assert info.value.code == "PS218"


def test_tab_and_spaces_mixed_point_at_the_inconsistent_line_and_the_tab():
    # lark counts a tab as 8 spaces: line 6 is indented 10, line 7 dedents to 4, which no block has
    src = H + "action A():\n  \trequire x < 3\n    x' = 1\n"
    e = syntax_error(src)
    assert (e.code, e.span.line, e.span.col) == ("PS102", 7, 5)
    assert e.hint is not None and "a tab counts as 8 spaces" in e.hint
    assert [(s.line, note) for s, note in e.notes] == [(6, "this line is indented with a tab")]


def test_tab_indented_line_that_matches_no_block_is_the_one_reported():
    src = H + "action A():\n    require x < 3\n\tx' = 1\n    x' = 2\n"
    e = syntax_error(src)
    assert (e.code, e.span.line, e.span.col) == ("PS102", 7, 2)
    assert e.hint is not None and "a tab counts as 8 spaces" in e.hint


@pytest.mark.parametrize(
    "body",
    [
        " and ".join(["x < 3"] * 1000),
        " or ".join(["x < 3"] * 1000),
        "\n" + "".join("    x < 3\n" for _ in range(1000)),
        "\n    x > 9\n" + "".join("    or x <= 3\n" for _ in range(1000)),
    ],
    ids=["and-chain", "or-chain", "block-of-lines", "block-of-or-lines"],
)
def test_a_chain_of_a_thousand_conjuncts_is_checked(body):
    spec = pyspec.loads(H + "invariant I: " + body.lstrip(" ") + "\n", file="t.spec")
    assert pyspec.check(spec).verdict.name == "HOLDS"


def test_long_chains_keep_their_operands_in_order():
    items = [f"x == {i % 4}" for i in range(40)]
    tree = parse(H + "invariant I: " + " or ".join(items) + "\n", "t.spec").decls[-1].expr

    def leaves(e):
        return leaves(e.left) + leaves(e.right) if getattr(e, "op", None) == "or" else [e.right.value]

    assert leaves(tree) == [i % 4 for i in range(40)]


def test_deep_nesting_within_the_limit_is_checked():
    # 195 of either: the deepest trees the limit lets through (spec, invariant, block and
    # comparison levels around them, a name's level below)
    for src in ("not " * 195 + "x == 1", "- " * 195 + "x <= 3"):
        spec = pyspec.loads(H + "invariant I: " + src + "\n", file="t.spec")
        assert pyspec.check(spec).verdict.name in ("HOLDS", "VIOLATED")
