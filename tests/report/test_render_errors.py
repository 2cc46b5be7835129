"""render_error: `file:line:col: error[PSxxx]: message`, the source line, a caret line under the
span's columns, notes, then `hint: ...`; the same shape for every error."""

from __future__ import annotations

import re

import pytest

import pyspec
from pyspec.errors import ParamError, PyspecError, Span, SpecErrors, SpecNameError, SpecSyntaxError, SpecTypeError
from pyspec.report.errors import render_error

H = "spec S\nvar x: 0 .. 3\ninit:\n    x = 0\n"


def load_error(src: str, params=None) -> PyspecError:
    with pytest.raises(PyspecError) as info:
        pyspec.loads(src, params, file="t.spec")
    return info.value


def render(src: str, params=None) -> tuple[PyspecError, list[str]]:
    e = load_error(src, params)
    return e, render_error(e, {"t.spec": src}).split("\n")


def assert_excerpt(lines: list[str], i: int, span: Span, src: str) -> None:
    """lines[i] shows span's source line; lines[i+1] has carets exactly under its columns."""
    text = src.split("\n")[span.line - 1].rstrip("\r")
    n = str(span.line)
    assert lines[i] == f" {n} | {text.replace(chr(9), ' ')}"
    m = re.fullmatch(r" (\s*) \| ( *)(\^+)", lines[i + 1])
    assert m, lines[i + 1]
    assert len(m.group(1)) == len(n)
    assert len(m.group(2)) == span.col - 1
    if span.end_line == span.line and span.end_col > span.col:
        width = min(span.end_col, len(text) + 1) - span.col
        assert len(m.group(3)) == max(1, width)
    else:
        assert len(m.group(3)) == max(1, len(text) + 1 - span.col)


# ---- golden shapes ----------------------------------------------------------------------------


def test_name_error_with_hint_exact():
    src = "spec S\nvar leader: map[0 .. 1, bool]\ninit:\n    leader = {p: False for p in 0 .. 1}\naction A(p: 0 .. 1):\n    leadr'[p] = True\n"
    _, lines = render(src)
    assert lines == [
        "t.spec:6:5: error[PS204]: unknown variable 'leadr'",
        " 6 |     leadr'[p] = True",
        "   |     ^^^^^^^^^",
        "hint: did you mean 'leader'?",
    ]


def test_type_error_exact():
    _, lines = render(H + "invariant I: 1 + True == 2\n")
    assert lines == [
        "t.spec:5:18: error[PS315]: the right side of '+' must be an integer, found bool",
        " 5 | invariant I: 1 + True == 2",
        "   |                  ^^^^",
    ]


def test_syntax_error_exact():
    _, lines = render(H + "action A():\n    require x = 1\n")
    assert lines == [
        "t.spec:6:15: error[PS100]: " + lines[0].split("error[PS100]: ", 1)[1],
        " 6 |     require x = 1",
        "   |               ^",
        "hint: use '==' to compare; '=' assigns",
    ]
    assert lines[0].startswith("t.spec:6:15: error[PS100]: unexpected '='; expected ")


def test_line_numbers_of_several_digits_keep_the_gutter_aligned():
    src = H + "\n" * 7 + "invariant I: 1 + True == 2\n"  # line 12
    _, lines = render(src)
    assert lines[1] == " 12 | invariant I: 1 + True == 2"
    assert lines[2] == "    |                  ^^^^"


def test_notes_are_rendered_with_their_own_excerpt():
    src = H + "var x: bool\n"
    e, lines = render(src)
    assert lines[0] == "t.spec:5:5: error[PS201]: 'x' is declared twice"
    assert_excerpt(lines, 1, e.span, src)
    assert lines[3] == "t.spec:2:5: note: first declared here"
    assert_excerpt(lines, 4, e.notes[0][0], src)
    assert len(lines) == 6


def test_several_errors_render_one_after_another():
    src = H + "invariant I: xx == 1\ninvariant J: len(3) == 1\n"
    e, lines = render(src)
    assert isinstance(e, SpecErrors) and len(e.errors) == 2
    heads = [l for l in lines if ": error[" in l]
    assert heads == [
        "t.spec:5:14: error[PS200]: unknown name 'xx'",
        "t.spec:6:18: error[PS316]: the argument of len() must be a set, found 3 .. 3",
    ]


def test_param_error_without_span_is_one_line():
    _, lines = render(H.replace("spec S\n", "spec S\nparam N: int = 3\n"), {"NN": "1"})
    assert lines == ["error[PS501]: -D NN=...: the spec has no param 'NN'", "hint: did you mean 'N'?"]


def test_runtime_error_renders_the_trace():
    src = H + "action A():\n    x' = x + 1\n"
    spec = pyspec.loads(src, file="t.spec")
    with pytest.raises(pyspec.SpecEvalError) as info:
        pyspec.check(spec)
    lines = render_error(info.value, {"t.spec": src}).split("\n")
    assert lines[0].startswith("t.spec:6:5: error[PS401]: x' would be 4, outside its type 0 .. 3")
    assert_excerpt(lines, 1, info.value.span, src)
    assert lines[3] == "the state where it happened was reached by:"
    assert "x = 0" in lines[5] and lines[-1].strip() == "x' = 3"


# ---- carets under the right columns, for real errors ------------------------------------------

CARET_CASES = [
    H + "invariant I: xx == 1\n",
    H + "action A():\n    x' = x $ 1\n",
    H + "action A():\n    x' = 1\n  x' = 2\n",
    H + "action A():\n    x' = {1}\n",
    H + "invariant I: len({1, True}) == 1\n",
    H + "invariant I: {y for y in {(1, 2)}} == {(1, 2)[2]}\n",
    H + "def f(a) = a + True\ninvariant I: f(1) == 1\n",
    "spec S\nvar x: 0 .. 3\nvar y: bool\ninit:\n    x = 0\n",
    H + "invariant I: (1 +\n    True) == 2\n",
    H + "invariant I:\n    x == 1\n    len(3) == 1\n",
]


@pytest.mark.parametrize("src", CARET_CASES)
def test_carets_sit_under_the_span(src):
    e = load_error(src)
    lines = render_error(e, {"t.spec": src}).split("\n")
    for err in e.errors if isinstance(e, SpecErrors) else (e,):
        head = f"{err.span}: error[{err.code}]: {err.message}"
        i = lines.index(head)
        assert_excerpt(lines, i + 1, err.span, src)
        # the carets underline the text the message is about
        text = src.split("\n")[err.span.line - 1]
        assert text[err.span.col - 1 :].strip(), "caret past the end of the line"


def test_tabs_keep_carets_aligned():
    src = H + "action A():\n\tx' = x $ 1\n"
    e, lines = render(src)
    assert (e.span.line, e.span.col) == (6, 9)
    assert lines[1] == " 6 |  x' = x $ 1"
    assert lines[2] == "   |         ^"


def test_crlf_source_renders_without_carriage_returns():
    src = H.replace("\n", "\r\n") + "invariant I: xx == 1\r\n"
    _, lines = render(src)
    assert lines[1] == " 5 | invariant I: xx == 1"
    assert lines[2] == "   |              ^^"


def test_multiline_span_underlines_to_end_of_first_line():
    span = Span("t.spec", 5, 14, 6, 10)
    src = H + "invariant I: (1 +\n    True) == 2\n"
    lines = render_error(SpecTypeError("m", span, code="PS315"), {"t.spec": src}).split("\n")
    assert lines[1:] == [" 5 | invariant I: (1 +", "   |              ^^^^"]


def test_span_past_the_end_of_line_gets_one_caret():
    span = Span("t.spec", 5, 13, 5, 14)
    lines = render_error(SpecSyntaxError("m", span, code="PS100"), {"t.spec": H + "invariant I:\n"}).split("\n")
    assert lines[1:] == [" 5 | invariant I:", "   |             ^"]


# ---- end of file and dedent errors point at a real line ---------------------------------------


@pytest.mark.parametrize(
    "src",
    [
        H + "action A():\n    x' = (1 +\n\n\n# trailing\n\n",
        H + "invariant I: x ==\n# comment\n\n",
        H + "invariant I:\n\n   \n",
        H + "action A():",
        H + "action A():\n    if x == 1:\n        x' = 1\n\n  # c\n  \n   x' = 2\n",
        H + "invariant I:\n    x == 1\n   x == 2\n",
    ],
    ids=["open-paren", "trailing-comment", "blank-block", "no-newline", "dedent-after-comment", "dedent"],
)
def test_end_of_file_and_dedent_errors_show_a_real_line(src):
    e, lines = render(src)
    assert re.fullmatch(r" \d+ \| .*\S.*", lines[1]), lines
    assert not lines[1].split("|", 1)[1].strip().startswith("#")
    assert_excerpt(lines, 1, e.span, src)


# ---- sources: from the mapping, from disk, or missing ------------------------------------------


def test_reads_the_source_from_disk(tmp_path):
    p = tmp_path / "s.spec"
    p.write_text(H + "invariant I: xx == 1\n")
    with pytest.raises(PyspecError) as info:
        pyspec.load(str(p))
    lines = render_error(info.value).split("\n")
    assert lines[0] == f"{p}:5:14: error[PS200]: unknown name 'xx'"
    assert lines[1] == " 5 | invariant I: xx == 1"


def test_unreadable_source_gives_the_header_only():
    e = SpecNameError("unknown name 'q'", Span("/nonexistent/q.spec", 3, 2, 3, 3), hint="h", code="PS200")
    assert render_error(e).split("\n") == ["/nonexistent/q.spec:3:2: error[PS200]: unknown name 'q'", "hint: h"]


def test_span_beyond_the_file_gives_the_header_only():
    e = SpecNameError("m", Span("t.spec", 99, 1, 99, 2), code="PS200")
    assert render_error(e, {"t.spec": H}) == "t.spec:99:1: error[PS200]: m"


def test_an_error_without_a_code_is_a_bug():
    with pytest.raises(TypeError):
        ParamError("bad")
