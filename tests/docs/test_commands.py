"""Every `$ pyspec ...` and `$ tracecheck ...` line in README.md and docs/*.md prints what the doc shows.

A command block is a fenced code block with at least one line starting with `$ `. Each `$` line
is a command; the lines after it, up to the next `$` line or the end of the fence, are its
expected output as a terminal shows it. The command runs with the repository root as working
directory and .venv's console scripts first on PATH; its output is stdout followed by stderr
(a terminal interleaves them in time; no documented command writes both, except an error
report after a partial result).

What a command line may contain, all of it runnable as shown in a POSIX shell:

- `cd DIR && CMD`: CMD runs in DIR (relative to the repository root);
- words are split with shlex; a word with `*`, `?` or `[` is a glob, expanded and sorted as a
  shell does (no match is a test failure, not a literal);
- `CMD | head -N` or `CMD | tail -N` keep the first or last N lines of stdout (stderr is not
  piped, so it still follows in full);
- `CMD; echo "exit $?"` appends the line `exit N`, pinning the exit code where a doc wants to
  show it. Elsewhere only the output is compared.

In the expected output, a line that is exactly `...` stands for any number of lines (zero or
more) that the doc leaves out.

Volatile parts are masked on both sides before comparing, and nothing else: durations
(`0.01 s`, with the padding before them, so a proof report's timing column may widen), rates
(`32,616 states/s`, `7,474 records/s`), the JSON fields whose names end in `seconds` or
`per_second`, and the absolute path of the repository. State counts, depths, transitions,
record numbers and traces are compared as they are.

Commands run: `pyspec`, `tracecheck` (also as `python -m pyspec`, `python -m tracecheck`), the file viewers `cat`, `head`, `tail`, `sed -n`, `grep`
(on files in the repository), and the read-only scripts in `PURE_SCRIPTS`. Anything else is
collected and skipped with its kind (`python` scripts that start processes or write files, shell
assignments, ...); `test_no_checker_command_is_skipped` fails if a skipped line runs pyspec or
tracecheck, and `test_commands_were_found` fails if a doc has none. Python examples and blocks
that show output without a `$` command are test_python_blocks.py's.

`pyspec suite specs/suite.toml` (the whole table, every row of which tests/specs/test_suite.py
also runs) is not run a second time: its output is rendered with `pyspec suite`'s own renderer
from the session's row results (the `suite_runs` fixture of tests/conftest.py), and
`test_suite_command_prints_its_rows_as_rendered` pins that the command prints exactly that
rendering (on the rows of one `--only` filter, run both ways).
"""

from __future__ import annotations

import difflib
import glob
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ("README.md",) + tuple(
    sorted(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md") if p.name != "architecture.md")
)
BIN = Path(sys.executable).parent
CHECKERS = ("pyspec", "tracecheck")
VIEWERS = ("cat", "head", "tail", "sed", "grep")
# Python scripts that only read files and print: deterministic, so their output is checked.
PURE_SCRIPTS = ("examples/systems/timeline.py",)
TIMEOUT = 120

_FENCE = re.compile(r"^\s*```")
_EXIT = re.compile(r';\s*echo\s+"exit \$\?"\s*$')
_CD = re.compile(r"^cd\s+(\S+)\s*&&\s*")
_PIPE = re.compile(r"\|\s*(head|tail)\s+-(?:n\s*)?(\d+)\s*$")


@dataclass(frozen=True)
class Command:
    doc: str
    line: int  # 1-based line of the `$` line
    text: str  # the command, without "$ "
    expected: str  # the lines after it, joined with newlines

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}"

    @property
    def kind(self) -> str:
        """What the command runs: a checker, a viewer, a pure script, or why it is skipped."""
        text = _CD.sub("", self.text)
        words = text.split()
        first = words[0] if words else ""
        if first in CHECKERS:
            return first
        if first == "python" and len(words) > 2 and words[1] == "-m" and words[2] in CHECKERS:
            return words[2]  # `python -m pyspec`: the same command
        if first in VIEWERS:
            return "viewer"
        if first == "python" and len(words) > 1 and words[1] in PURE_SCRIPTS:
            return "pure script"
        if first == "python":
            return "skipped: python (starts processes or writes files)"
        if "=" in first.split("$")[0]:
            return "skipped: shell assignment"
        return f"skipped: {first or 'empty'}"

    @property
    def runs(self) -> bool:
        return not self.kind.startswith("skipped")


def _commands(doc: str) -> list[Command]:
    lines = (ROOT / doc).read_text(encoding="utf-8").split("\n")
    out: list[Command] = []
    inside, start = False, 0
    current: tuple[int, str] | None = None
    expected: list[str] = []

    def flush() -> None:
        nonlocal current
        if current is not None:
            out.append(Command(doc, current[0], current[1], "\n".join(expected)))
        current = None

    for n, line in enumerate(lines, 1):
        if _FENCE.match(line):
            if inside:
                flush()
            inside, start = not inside, n
            continue
        if not inside:
            continue
        if line.startswith("$ "):
            flush()
            current, expected = (n, line[2:].strip()), []
        elif current is not None:
            expected.append(line)
    assert not inside, f"{doc}: the fenced block opened at line {start} is never closed"
    return out


ALL = [c for d in DOCS for c in _commands(d)]
RUN = [c for c in ALL if c.runs]
SUITE_TABLE = "pyspec suite specs/suite.toml"


def _is_suite_table(command: Command) -> bool:
    return re.sub(r"\s+#.*$", "", command.text).split() == SUITE_TABLE.split()


def _suite_table(suite_runs, only: str | None = None) -> str:
    """What `pyspec suite specs/suite.toml [--only TEXT]` prints, from the session's row results."""
    from pyspec.report.suite import render_suite

    return render_suite(suite_runs.all(only))


def _mask(text: str) -> str:
    text = text.replace(str(ROOT) + "/", "").replace(str(ROOT), ".")
    text = re.sub(r" *\b\d+(?:\.\d+)? s\b", " <time> s", text)
    text = re.sub(r"\b\d[\d,]*(?:\.\d+)? (states|records)/s\b", r"<rate> \1/s", text)
    text = re.sub(
        r'("\w*(?:seconds|per_second)": )(\[[^\]]*\]|-?[\d.e+-]+|null)', r"\1<masked>", text
    )
    return text


def _argv(text: str, cwd: Path) -> list[str]:
    argv: list[str] = []
    for word in shlex.split(text):
        if any(ch in word for ch in "*?["):
            found = sorted(glob.glob(word, root_dir=cwd))
            assert found, f"glob {word!r} matches nothing in {cwd}"
            argv.extend(found)
        else:
            argv.append(word)
    return argv


def _run(command: Command) -> str:
    text, cwd = command.text, ROOT
    text = re.sub(r"\s+#.*$", "", text)  # a trailing shell comment
    show_exit = bool(_EXIT.search(text))
    text = _EXIT.sub("", text)
    m = _CD.match(text)
    if m:
        cwd, text = ROOT / m.group(1), text[m.end() :]
    pipe = _PIPE.search(text)
    if pipe:
        text = text[: pipe.start()]
    argv = _argv(text, cwd)
    shell = [w for w in argv if w in ("|", "||", ";", "&", "&&", "<", ">", ">>") or "$(" in w]
    assert not shell, f"unsupported shell syntax {shell} in {command.text!r}"
    if argv[0] == "python":
        argv[0] = sys.executable
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", COLUMNS="100")
    env.pop("PYTHONHASHSEED", None)
    proc = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    stdout = proc.stdout.splitlines()
    if pipe:
        n = int(pipe.group(2))
        stdout = stdout[:n] if pipe.group(1) == "head" else stdout[-n:] if n else []
    lines = stdout + proc.stderr.splitlines()
    if show_exit:
        lines.append(f"exit {proc.returncode}")
    return "\n".join(lines)


def _matches(expected: list[str], actual: list[str]) -> bool:
    """Line by line; an expected `...` line matches any run of actual lines."""
    memo: dict[tuple[int, int], bool] = {}

    def go(i: int, j: int) -> bool:
        if (i, j) not in memo:
            if i == len(expected):
                memo[i, j] = j == len(actual)
            elif expected[i] == "...":
                memo[i, j] = any(go(i + 1, k) for k in range(j, len(actual) + 1))
            else:
                memo[i, j] = j < len(actual) and expected[i] == actual[j] and go(i + 1, j + 1)
        return memo[i, j]

    return go(0, 0)


def test_commands_were_found():
    assert RUN, "no `$ pyspec` / `$ tracecheck` command found in " + ", ".join(DOCS)
    for doc in ("README.md", "docs/tutorial.md", "docs/tracecheck.md", "docs/election-vs-consensus.md"):
        assert any(c.doc == doc and c.kind in CHECKERS for c in RUN), f"no checker command in {doc}"


def test_no_checker_command_is_skipped():
    skipped = [c for c in ALL if not c.runs]
    bad = [
        f"{c.id}: {c.text}"
        for c in skipped
        if any(re.search(rf"(^|[\s;&|(]){name}\b", c.text) for name in CHECKERS)
    ]
    assert not bad, "commands that run pyspec or tracecheck but are skipped:\n" + "\n".join(bad)


@pytest.mark.parametrize(
    "command",
    # the suite table reads the rows' results: in their xdist group, so they run once per session
    [pytest.param(c, marks=pytest.mark.xdist_group("suite_runs")) if _is_suite_table(c) else c for c in RUN],
    ids=[c.id for c in RUN],
)
def test_command_prints_what_the_doc_shows(command: Command, request):
    if _is_suite_table(command):
        output = _suite_table(request.getfixturevalue("suite_runs"))
    else:
        output = _run(command)
    actual = _mask(output).rstrip("\n").split("\n")
    expected = _mask(command.expected).rstrip("\n").split("\n")
    if not _matches(expected, actual):
        diff = "\n".join(
            difflib.unified_diff(expected, actual, f"{command.id} (doc)", "actual", lineterm="")
        )
        pytest.fail(f"$ {command.text}\n{diff}", pytrace=False)


def test_suite_command_prints_its_rows_as_rendered(suite_runs):
    """The doc test of the suite table renders the session's row results; the command prints
    exactly that rendering (header, rows, summary; times masked), shown here on the rows of one
    filter."""
    assert any(_is_suite_table(c) for c in RUN), f"no `$ {SUITE_TABLE}` in the docs any more"
    only = "detector"
    printed = _run(Command("tests/docs/test_commands.py", 0, f"{SUITE_TABLE} --only {only}", ""))
    assert _mask(printed) == _mask(_suite_table(suite_runs, only))


def test_shipped_tutorial_specs_are_the_ones_shown():
    """The tutorial's commands run its files from examples/tutorial/; the doc shows those files."""
    doc = (ROOT / "docs/tutorial.md").read_text(encoding="utf-8")
    for name in ("mutex.spec", "mutex_fixed.spec"):
        text = (ROOT / "examples/tutorial" / name).read_text(encoding="utf-8")
        assert f"```pyspec\n{text}```" in doc, f"examples/tutorial/{name} differs from its block in the tutorial"
