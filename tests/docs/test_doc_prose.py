"""What the docs' prose says about the tools is what the tools are: the README's synopsis names
every option of every command, the README links every page of docs/, and every list of exit
codes names them all."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from pyspec.cli import _build_parser as pyspec_parser
from pyspec.result import EXIT_BAD_INPUT, EXIT_INTERNAL, Verdict
from tracecheck.cli import _build_parser as tracecheck_parser

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _subcommands() -> list[tuple[str, str, argparse.ArgumentParser]]:
    out = []
    for tool, build in (("pyspec", pyspec_parser), ("tracecheck", tracecheck_parser)):
        for action in build()._actions:
            if isinstance(action, argparse._SubParsersAction):
                out.extend((tool, name, sub) for name, sub in action.choices.items())
    return out


def _synopsis() -> str:
    m = re.search(r"\nOther commands[^\n]*\n(?:[^\n]+\n)*\n```text\n(.*?)```", README, re.S)
    assert m, "README.md: no synopsis block (```text) after 'Other commands'"
    return m.group(1)


def _synopsis_of(tool: str, name: str) -> str:
    """The synopsis lines of `tool name` (with their indented continuation lines), each
    `[LIMITS]` replaced by what the block's `LIMITS:` line says it stands for."""
    text = _synopsis()
    limits = re.search(r"^LIMITS: (.*)$", text, re.M)
    out, keep = [], False
    for line in text.split("\n"):
        if line.startswith(f"{tool} {name} "):
            keep = True
        elif not line.startswith(" "):
            keep = False
        if keep:
            out.append(line.replace("[LIMITS]", limits.group(1) if limits else "[LIMITS]"))
    return "\n".join(out)


SUBCOMMANDS = _subcommands()


@pytest.mark.parametrize("tool,name,parser", SUBCOMMANDS, ids=[f"{t} {n}" for t, n, _ in SUBCOMMANDS])
def test_readme_synopsis_names_every_option_and_choice(tool: str, name: str, parser: argparse.ArgumentParser):
    lines = _synopsis_of(tool, name)
    assert lines, f"README.md's synopsis has no line for `{tool} {name}`"
    missing = []
    for action in parser._actions:
        if action.help == argparse.SUPPRESS or isinstance(action, argparse._HelpAction):
            continue
        for option in action.option_strings:
            if option.startswith("--") and not re.search(rf"{re.escape(option)}(?![\w-])", lines):
                missing.append(option)
        for choice in action.choices or ():
            if not re.search(rf"(?<![\w-]){re.escape(str(choice))}(?![\w-])", lines):
                missing.append(f"{action.option_strings[0]} {choice}")
    assert not missing, f"README.md's synopsis of `{tool} {name}` lacks: {', '.join(missing)}"


def test_readme_links_every_docs_page():
    pages = sorted(p.name for p in (ROOT / "docs").glob("*.md"))
    missing = [p for p in pages if f"](docs/{p})" not in README]
    assert not missing, f"README.md's Documentation list lacks: {', '.join(missing)}"


EXIT_CODES = sorted({v.exit_code for v in Verdict} | {EXIT_BAD_INPUT, EXIT_INTERNAL})


@pytest.mark.parametrize("doc", ["README.md", "docs/language.md"])
def test_every_exit_code_list_names_every_code(doc: str):
    """A sentence that starts to list exit codes ("Exit codes ...: 0 holds, 1 ...") lists all."""
    text = re.sub(r"\s+", " ", (ROOT / doc).read_text(encoding="utf-8"))
    lists = re.findall(r"[Ee]xit codes[^:]*: (0 [^.]*(?:\.[^ ][^.]*)*)\.", text)
    assert lists, f"{doc}: no list of exit codes"
    for found in lists:
        named = {int(n) for n in re.findall(r"(?:^|, |\) )(\d+) [a-z(]", found)}
        assert named >= set(EXIT_CODES), f"{doc}: the exit codes {found!r} lack {sorted(set(EXIT_CODES) - named)}"


def test_exit_codes_are_the_documented_ones():
    assert EXIT_CODES == [0, 1, 2, 3, 4, 70]


def test_realsystems_page_says_to_activate_the_venv_and_how_to_merge_skewed_clocks():
    """Its commands need the venv's client libraries; its logs share one clock, and the page
    says what logs of several machines would need (`[log] skew`, which tracecheck has)."""
    page = (ROOT / "docs/realsystems.md").read_text(encoding="utf-8")
    assert ". .venv/bin/activate" in page
    assert "`[log] skew" in page
    tracecheck_page = (ROOT / "docs/tracecheck.md").read_text(encoding="utf-8")
    assert "`[log] skew = S`" in tracecheck_page  # the option the page points to exists
