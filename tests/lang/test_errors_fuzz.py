"""Broken specs give a clean error, never a traceback.

Mutates every library spec (specs/*.spec) and every snippet of the error-code tests: delete,
duplicate or swap tokens and lines, insert a character. Loading and checking the result must
either succeed or raise a PyspecError whose spans are inside the file (a -D ParamError may have
none), and render_error must draw it. The real CLI must exit 0, 1, 2 or 3 without a traceback.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pyspec
from pyspec.cli import main
from pyspec.errors import ParamError, PyspecError, SpecErrors, UsageError
from pyspec.report.errors import render_error

ROOT = Path(__file__).resolve().parents[2]
SPEC_FILES = sorted((ROOT / "specs").glob("*.spec"))
LIBRARY = [(p.name, p.read_text()) for p in SPEC_FILES]


def _snippets() -> list[tuple[str, str]]:
    """The sources of the parametrized error-code cases, imported by path (tests/ is no package)."""
    out = []
    for name in ("test_check.py", "test_parser.py"):
        spec = importlib.util.spec_from_file_location(f"_fuzz_corpus_{name[:-3]}", Path(__file__).with_name(name))
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
        out += [(f"{name}::{p.id}", p.values[0].src) for p in module.CASES]
    return out


SNIPPETS = _snippets()

# Small values for the library's params, passed only when the (mutated) spec or a file it includes
# still declares them.
SMALL = {"N": "2", "NA": "2", "NV": "2", "MaxBallot": "1", "MaxToken": "1"}
TOKEN = re.compile(r'"""(?:.|\n)*?"""|"[^"\n]*"|[A-Za-z_][A-Za-z0-9_]*\'?|[0-9]+|\.\.|//|->|[=!<>]=|\S')
ODD_CHARS = list("'\"()[]{}:;,.|&\\#=<>+-*/%!@$?~`^ \t\n\r\x00\x0c_0N") + ["\u00a0", "\ufeff", "é", '"""', "    "]


def small_params(src: str, directory: Path | None = None) -> dict[str, str]:
    texts = [src]
    if directory is not None:
        for inc in re.findall(r'^include\s+"([^"\n]*)"', src, re.M):
            if (directory / inc).is_file():
                texts.append((directory / inc).read_text(encoding="utf-8", errors="replace"))
    text = "\n".join(texts)
    return {k: v for k, v in SMALL.items() if re.search(rf"^param\s+{k}\b", text, re.M)}


def load_and_check(src: str, path: Path | None) -> PyspecError | None:
    """None if the spec loads and checks (any verdict); the PyspecError otherwise. Anything else
    propagates and fails the test. With a path, the source is written there and loaded from the
    file, so that `include`s next to it resolve; without, it goes through pyspec.loads."""
    try:
        if path is None:
            spec = pyspec.loads(src, small_params(src), file=SNIPPET_FILE)
        else:
            path.write_text(src, encoding="utf-8")
            spec = pyspec.load(str(path), small_params(src, path.parent))
        pyspec.check(spec, max_states=2000)
    except PyspecError as e:
        return e
    return None


SNIPPET_FILE = "m.spec"


def _text_of(file: str, sources: dict[str, str]) -> str | None:
    if file in sources:
        return sources[file]
    try:
        return Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def assert_clean(e: PyspecError, sources: dict[str, str]) -> None:
    """Every error has a code and a message, a span inside an existing file on a non-blank line
    (only -D param and usage errors may lack one), and render_error draws it."""
    for err in e.errors if isinstance(e, SpecErrors) else (e,):
        assert re.fullmatch(r"PS\d{3}", err.code), err.code
        assert err.message and "Traceback" not in err.message
        if err.span is None:
            assert isinstance(err, (ParamError, UsageError)), f"{err.code} {err.message!r} has no span"
        spans = ([err.span] if err.span else []) + [s for s, _ in err.notes]
        for span in spans:
            text = _text_of(span.file, sources)
            assert text is not None, f"{err.code} {err.message!r}: span in unknown file {span.file}"
            lines = text.split("\n")
            assert 1 <= span.line <= len(lines), f"{err.code} {err.message!r}: line {span.line} of {len(lines)}"
            if not text.strip():
                continue  # an empty file: the error sits at 1:1 of an empty line
            line = lines[span.line - 1]
            assert 1 <= span.col <= len(line) + 1, f"{err.code} {err.message!r}: col {span.col} of {line!r}"
            assert line.strip(), f"{err.code} {err.message!r} points at blank line {span.line}"
    rendered = render_error(e, sources)
    assert f"error[{(e.errors[0] if isinstance(e, SpecErrors) else e).code}]" in rendered


@pytest.fixture(scope="module")
def spec_dir(tmp_path_factory) -> Path:
    """A copy of specs/, so that a mutant written next to the library resolves its includes."""
    d = tmp_path_factory.mktemp("specs")
    for p in SPEC_FILES:
        (d / p.name).write_text(p.read_text())
    return d


# ---- mutations ---------------------------------------------------------------------------------


def _tokens(src: str) -> list[tuple[int, int]]:
    return [m.span() for m in TOKEN.finditer(src)]


def delete_token(src, i):
    ts = _tokens(src)
    if not ts:
        return src
    a, b = ts[i % len(ts)]
    return src[:a] + src[b:]


def duplicate_token(src, i):
    ts = _tokens(src)
    if not ts:
        return src
    a, b = ts[i % len(ts)]
    return src[:b] + " " + src[a:b] + src[b:]


def swap_tokens(src, i):
    ts = _tokens(src)
    if len(ts) < 2:
        return src
    j = i % (len(ts) - 1)
    (a, b), (c, d) = ts[j], ts[j + 1]
    return src[:a] + src[c:d] + src[b:c] + src[a:b] + src[d:]


def delete_line(src, i):
    lines = src.split("\n")
    k = i % len(lines)
    return "\n".join(lines[:k] + lines[k + 1 :])


def duplicate_line(src, i):
    lines = src.split("\n")
    k = i % len(lines)
    return "\n".join(lines[: k + 1] + lines[k:])


def swap_lines(src, i):
    lines = src.split("\n")
    if len(lines) < 2:
        return src
    k = i % (len(lines) - 1)
    lines[k], lines[k + 1] = lines[k + 1], lines[k]
    return "\n".join(lines)


MUTATIONS = [delete_token, duplicate_token, swap_tokens, delete_line, duplicate_line, swap_lines]


@st.composite
def mutants(draw):
    library = draw(st.booleans())
    name, src = draw(st.sampled_from(LIBRARY if library else SNIPPETS))
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.integers(0, len(MUTATIONS))) == len(MUTATIONS):
            pos = draw(st.integers(0, len(src)))
            ch = draw(st.one_of(st.sampled_from(ODD_CHARS), st.characters(blacklist_categories=("Cs",))))
            src = src[:pos] + ch + src[pos:]
        else:
            src = draw(st.sampled_from(MUTATIONS))(src, draw(st.integers(0, 10_000)))
    return library, name, src


def check_mutant(library: bool, src: str, spec_dir: Path) -> None:
    path = spec_dir / "_mutant.spec" if library else None
    e = load_and_check(src, path)
    if e is not None:
        # a file is read with universal newlines (a lone '\r' ends a line): compare with the file
        assert_clean(e, {} if path else {SNIPPET_FILE: src})


def test_corpus_is_not_empty():
    assert len(LIBRARY) >= 2 and len(SNIPPETS) >= 50


@pytest.mark.parametrize("name", [n for n, _ in LIBRARY])
def test_library_specs_load_and_check(name, spec_dir):
    assert load_and_check((spec_dir / name).read_text(), spec_dir / "_copy.spec") is None


@settings(max_examples=6 * settings.default.max_examples)  # cheap: most mutants fail early
@given(m=mutants())
def test_mutated_specs_fail_cleanly(spec_dir, m):
    library, _, src = m
    check_mutant(library, src, spec_dir)


# ---- the real CLI --------------------------------------------------------------------------------


def run_cli(capsys, path: Path, src: str) -> int:
    path.write_text(src, encoding="utf-8")
    argv = ["check", str(path), "--max-states", "2000"]
    for k, v in small_params(src, path.parent).items():
        argv += ["-D", f"{k}={v}"]
    code = main(argv)
    out, err = capsys.readouterr()
    assert code in (0, 1, 2, 3), (code, err)
    assert "Traceback" not in err and "Traceback" not in out
    assert "internal error" not in err
    if code == 2:
        first = err.split("\n", 1)[0]
        assert re.match(r"(\S+:\d+:\d+: )?error\[PS\d{3}\]: \S", first), err
    return code


FIXED_MUTATIONS = {
    "unchanged": lambda s: s,
    "delete-line-12": lambda s: delete_line(s, 12),
    "swap-lines-20": lambda s: swap_lines(s, 20),
    "assign-for-compare": lambda s: s.replace("==", "=", 1),
    "unclosed-paren-at-end": lambda s: s.rstrip() + " and (\n",
    "drop-a-prime": lambda s: s.replace("' =", " =", 1),
    "dollar": lambda s: s.replace(":\n", ": $\n", 1),
}


@pytest.mark.parametrize("mutation", FIXED_MUTATIONS)
@pytest.mark.parametrize("name", [n for n, _ in LIBRARY])
def test_cli_on_mutants(capsys, spec_dir, name, mutation):
    src = FIXED_MUTATIONS[mutation]((spec_dir / name).read_text())
    code = run_cli(capsys, spec_dir / "_cli_mutant.spec", src)
    if mutation == "unchanged":
        assert code in (0, 1, 3)


@settings(
    max_examples=max(5, settings.default.max_examples // 4),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(m=mutants())
def test_cli_on_random_mutants(capsys, spec_dir, m):
    _, _, src = m
    run_cli(capsys, spec_dir / "_cli_mutant.spec", src)


# ---- deep and long expressions --------------------------------------------------------------------

WRAPPERS = ["not {}", "not ({})", "- {}", "({})", "({} == True)", "({} + 1)", "{{{}}} == {{1}}", "max({}, 1)"]


@st.composite
def deep_expressions(draw):
    """An invariant nesting up to 300 wrappers (well-typed or not), or a chain of up to 1,500
    conjuncts or disjuncts, each possibly wrapped."""
    if draw(st.booleans()):
        e = "x"
        for w in draw(st.lists(st.sampled_from(WRAPPERS), max_size=300)):
            e = w.format(e)
        return e
    op = draw(st.sampled_from([" and ", " or "]))
    leaf = draw(st.sampled_from(["x <= 3", "not x == 9", "(x > 0 or x == 0)"]))
    return op.join([leaf] * draw(st.integers(1, 1500)))


@settings(max_examples=max(10, settings.default.max_examples // 2), deadline=None)
@given(e=deep_expressions())
def test_deep_or_long_expressions_load_or_fail_cleanly(e):
    """pyspec.lang (parser, checker, lint, analysis) never overflows the stack: a spec loads or
    gives a PyspecError (PS108 for the deepest)."""
    from pyspec.lang.analysis import Analysis

    try:
        spec = pyspec.loads("spec S\nvar x: 0 .. 3\ninit:\n    x = 0\ninvariant I: " + e + "\n", file=SNIPPET_FILE)
    except PyspecError as err:
        assert_clean(err, {SNIPPET_FILE: "spec S\nvar x: 0 .. 3\ninit:\n    x = 0\ninvariant I: " + e + "\n"})
        return
    a = Analysis()
    for inv in spec.invariants:
        a.deps(inv.expr)
        a.may_fail(inv.expr)
