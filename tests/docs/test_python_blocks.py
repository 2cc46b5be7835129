"""Every block of the docs that shows output is run: Python examples as doctests, and no block
shows output that no test runs.

A Python example whose output the doc shows is written in the interactive form (a ```pycon
block: `>>> ` and `... ` lines, each followed by what it prints). The blocks of one page run in
order in one namespace, with the repository root as working directory, and what each line
prints must be what the doc shows, after masking the same volatile parts as the `$` commands of
test_commands.py (durations, rates, absolute paths); a line that is exactly `...` in the
expected output stands for any lines (doctest's ELLIPSIS).

Which blocks are run is decided by their info string, and this file checks that every block
says what it is:

- no info string: terminal output, so it must hold `$ ` command lines (test_commands.py runs
  them). The one exception is a block a benchmark writes between its figure markers
  (benchmarks/docs_figures.py): measured, not reproducible by a test, and dated;
- `pycon`: run here;
- `python`: code shown without output; it may hold no `>>> ` line;
- anything else (`text`, `pyspec`, `toml`, `json`, ...) is an excerpt, a synopsis or a sample,
  not the output of a command the reader is told to run.
"""

from __future__ import annotations

import doctest
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from test_commands import DOCS, ROOT, _mask

ALL_DOCS = DOCS + ("docs/architecture.md",)
_FENCE = re.compile(r"^\s*```(.*)$")
_FIGURES_BEGIN = re.compile(r"^<!-- figures of (.+): written by `.+ --update-docs`, do not edit by hand -->$")


@dataclass(frozen=True)
class Block:
    doc: str
    line: int  # 1-based line of the opening fence
    info: str
    lines: tuple[str, ...]
    generated: bool  # between a benchmark's figure markers

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}"


def _blocks(doc: str) -> list[Block]:
    out: list[Block] = []
    figures: str | None = None
    open_at: tuple[int, str] | None = None
    body: list[str] = []
    for n, line in enumerate((ROOT / doc).read_text(encoding="utf-8").split("\n"), 1):
        if open_at is None:
            begin = _FIGURES_BEGIN.match(line.strip())
            if begin:
                figures = begin.group(1)
            elif figures is not None and line.strip() == f"<!-- end of figures of {figures} -->":
                figures = None
        m = _FENCE.match(line)
        if m and open_at is None:
            open_at, body = (n, m.group(1).strip()), []
        elif m and open_at is not None:
            out.append(Block(doc, open_at[0], open_at[1], tuple(body), figures is not None))
            open_at = None
        elif open_at is not None:
            body.append(line)
    assert open_at is None, f"{doc}: the fenced block opened at line {open_at[0]} is never closed"
    return out


BLOCKS = [b for d in ALL_DOCS for b in _blocks(d)]
PAGES = sorted({b.doc for b in BLOCKS if b.info == "pycon"})


def _unrun(block: Block) -> str | None:
    """Why `block` shows output that no test runs, or None."""
    prompts = any(line.startswith(">>> ") for line in block.lines)
    if block.info == "pycon":
        return None if prompts else "a pycon block without a `>>> ` line"
    if prompts:
        return f"`>>> ` lines in a {block.info or 'plain'} block: write it as ```pycon so that it runs"
    if block.info == "" and not block.generated and not any(line.startswith("$ ") for line in block.lines):
        return ("a block without an info string shows terminal output but has no `$ ` command: "
                "show the command, or say what the block is (```text, ```pyspec, ...)")
    return None


def test_every_block_that_shows_output_is_run():
    bad = [f"{b.id}: {why}" for b in BLOCKS if (why := _unrun(b))]
    assert not bad, "\n".join(bad)


def test_the_rule_finds_an_output_block_with_no_command():
    shown = Block("x.md", 1, "", ("VIOLATED: AtMostOneLeader",), generated=False)
    assert _unrun(shown) is not None
    assert _unrun(Block("x.md", 1, "python", (">>> 1 + 1", "2"), generated=False)) is not None
    assert _unrun(Block("x.md", 1, "", ("$ pyspec --version", "pyspec 0.1.0"), generated=False)) is None
    assert _unrun(Block("x.md", 1, "", ("depth  generic s",), generated=True)) is None
    assert _unrun(Block("x.md", 1, "text", ("pyspec check SPEC",), generated=False)) is None


class _MaskedChecker(doctest.OutputChecker):
    """doctest's comparison (with ELLIPSIS) after masking durations, rates and paths on both sides."""

    def check_output(self, want: str, got: str, optionflags: int) -> bool:
        return super().check_output(_mask(want), _mask(got), optionflags)


def _doctest(doc: str) -> doctest.DocTest:
    """The page's pycon blocks as one doctest, with the doc's own line numbers."""
    parser = doctest.DocTestParser()
    examples: list[doctest.Example] = []
    for b in BLOCKS:
        if b.doc == doc and b.info == "pycon":
            for ex in parser.get_examples("\n".join(b.lines) + "\n", name=b.id):
                ex.lineno += b.line  # get_examples counts from 0 within the block
                examples.append(ex)
    return doctest.DocTest(examples, {"__name__": "__doc_example__"}, doc, str(ROOT / doc), 0, None)


def test_pycon_blocks_were_found():
    assert "docs/symbolic.md" in PAGES, "docs/symbolic.md shows its Python examples as ```pycon blocks"


@pytest.mark.parametrize("doc", PAGES)
def test_python_examples_print_what_the_doc_shows(doc: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(ROOT)
    runner = doctest.DocTestRunner(checker=_MaskedChecker(), optionflags=doctest.ELLIPSIS)
    report: list[str] = []
    runner.run(_doctest(doc), out=report.append, clear_globs=True)
    failed = runner.summarize(verbose=False).failed
    assert not failed, f"{failed} example(s) of {doc} print something else:\n" + "".join(report)
