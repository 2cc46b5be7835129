"""Every spec shown in the language reference and the tutorial loads and checks as the text says.

Blocks are fenced code blocks in docs/language.md and docs/tutorial.md:

- ```pyspec         a complete spec: it must load and check (explicit BFS, at most 20,000
                    states) to a normal verdict. An optional first line `# verdict: holds`
                    (or violated, incomplete, deadlock) pins the verdict the text claims.
- ```pyspec-error   a spec that must be rejected; its first line is `# error: PS2xx`, the code
                    of the error it must raise (at load time or while checking).
- ```pyspec-file    a file that other blocks `include`; its first line is `# file: NAME.spec`.
                    It is not checked on its own; a block that includes it is loaded from disk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import pyspec

ROOT = Path(__file__).resolve().parents[2]
DOCS = ("docs/language.md", "docs/tutorial.md")
NORMAL = {
    pyspec.Verdict.HOLDS,
    pyspec.Verdict.VIOLATED,
    pyspec.Verdict.INCOMPLETE,
    pyspec.Verdict.DEADLOCK,
}

_FENCE = re.compile(r"^```([A-Za-z0-9_-]*)\s*$")


@dataclass(frozen=True)
class Block:
    doc: str
    line: int  # 1-based line of the first line inside the fence
    kind: str  # "pyspec", "pyspec-error" or "pyspec-file"
    source: str

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}"

    def directive(self, name: str) -> str | None:
        """The value of a first-line comment `# name: value`, if there is one."""
        first = self.source.split("\n", 1)[0].strip()
        m = re.fullmatch(r"#\s*" + re.escape(name) + r":\s*(\S+)\s*", first)
        return m.group(1) if m else None


def _blocks(doc: str) -> list[Block]:
    path = ROOT / doc
    if not path.exists():
        return []
    out: list[Block] = []
    kind, start, body = None, 0, []
    for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
        m = _FENCE.match(line)
        if kind is None:
            if m:  # an opening fence; other languages are skipped but still need closing
                known = m.group(1) in ("pyspec", "pyspec-error", "pyspec-file")
                kind, start, body = (m.group(1) if known else "other"), n + 1, []
            continue
        if m and m.group(1) == "":
            if kind != "other":
                out.append(Block(doc, start, kind, "\n".join(body) + "\n"))
            kind = None
            continue
        body.append(line)
    assert kind is None, f"{doc}: a fenced block opened at line {start - 1} is never closed"
    return out


ALL = [b for d in DOCS for b in _blocks(d)]
SPECS = [b for b in ALL if b.kind == "pyspec"]
ERRORS = [b for b in ALL if b.kind == "pyspec-error"]
FILES = [b for b in ALL if b.kind == "pyspec-file"]


def _includes(source: str) -> bool:
    return any(line.startswith("include ") for line in source.split("\n"))


def _load(block: Block, tmp_path: Path) -> pyspec.Spec:
    if not _includes(block.source):
        return pyspec.loads(block.source, file=block.id)
    for f in FILES:
        if f.doc == block.doc:
            name = f.directive("file")
            assert name, f"{f.id}: a pyspec-file block starts with '# file: NAME.spec'"
            (tmp_path / name).write_text(f.source, encoding="utf-8")
    main = tmp_path / "main.spec"
    main.write_text(block.source, encoding="utf-8")
    return pyspec.load(str(main))


def test_blocks_were_found():
    assert SPECS, "no ```pyspec blocks found in " + ", ".join(DOCS)
    assert ERRORS, "no ```pyspec-error blocks found in " + ", ".join(DOCS)
    for doc in DOCS:
        assert any(b.doc == doc for b in SPECS), f"no ```pyspec blocks in {doc}"


@pytest.mark.parametrize("block", SPECS, ids=[b.id for b in SPECS])
def test_example_checks(block: Block, tmp_path: Path):
    spec = _load(block, tmp_path)
    result = pyspec.check(spec, max_states=20000)
    if spec.default_temporals() and result.verdict is pyspec.Verdict.HOLDS:  # as `pyspec check` does
        result = pyspec.check_temporal(spec, max_states=20000)
    assert result.verdict in NORMAL, f"{block.id}: verdict {result.verdict}: {result.reason}"
    want = block.directive("verdict")
    if want is not None:
        assert result.verdict.name.lower() == want.lower(), (
            f"{block.id}: the text says {want}, the checker says {result.verdict.name.lower()}"
        )


@pytest.mark.parametrize("block", ERRORS, ids=[b.id for b in ERRORS])
def test_error_example_is_rejected(block: Block, tmp_path: Path):
    want = block.directive("error")
    assert want and re.fullmatch(r"PS\d{3}", want), f"{block.id}: first line must be '# error: PSnnn'"
    with pytest.raises(pyspec.PyspecError) as info:
        spec = _load(block, tmp_path)
        pyspec.check(spec, max_states=20000)
    err = info.value
    codes = [e.code for e in err.errors] if isinstance(err, pyspec.SpecErrors) else [err.code]
    assert want in codes, f"{block.id}: expected {want}, got {codes}: {err}"


@pytest.mark.parametrize("block", FILES, ids=[b.id for b in FILES])
def test_included_file_is_used(block: Block):
    name = block.directive("file")
    assert name, f"{block.id}: a pyspec-file block starts with '# file: NAME.spec'"
    assert any(
        f'include "{name}"' in b.source for b in SPECS + ERRORS if b.doc == block.doc
    ), f"{block.id}: no block includes {name}"
