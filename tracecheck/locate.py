"""Where a key or a value sits in a TOML file: tomllib gives no positions on success, so the
mapping loader finds them by scanning the text, table by table. Good enough to point a user at
the right line; the column is exact when the value is written on one line.
"""

from __future__ import annotations

import re

from pyspec.errors import Span

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\"]+)\s*\]\]?")


class Locator:
    """Finds lines in one TOML text; tables are named as in the file, arrays of tables by
    (name, index)."""

    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.lines = text.split("\n")
        self._blocks: dict[tuple[str | None, int], tuple[int, int]] = {}
        counts: dict[str, int] = {}
        current: tuple[str | None, int] = (None, 0)
        start = 0
        for i, line in enumerate(self.lines):
            m = _HEADER.match(line)
            if m:
                self._blocks[current] = (start, i)
                name = m.group(2).strip('"')
                n = counts.get(name, 0)
                counts[name] = n + 1
                current = (name, n)
                start = i
        self._blocks[current] = (start, len(self.lines))

    def has(self, table: str, index: int = 0) -> bool:
        """Whether the text has the header of table `table` (the `index`-th of an array)."""
        return (table, index) in self._blocks

    def span(self, table: str | None = None, index: int = 0, key: str | None = None, needle: str | None = None) -> Span:
        """The place of `needle` (a value's text) or else of `key` inside table `table` (the
        `index`-th of an array of tables), or else of the table's header."""
        lo, hi = self._blocks.get((table, index), (0, len(self.lines)))
        if needle:
            for i in range(lo, hi):
                c = self.lines[i].find(needle)
                if c >= 0 and not self.lines[i].lstrip().startswith("#"):
                    return Span(self.file, i + 1, c + 1, i + 1, c + 1 + len(needle))
        if key:
            pat = re.compile(r"(?:^|[{,\s])(\"?" + re.escape(key) + r"\"?)\s*=")
            for i in range(lo, hi):
                m = pat.search(self.lines[i])
                if m and not self.lines[i].lstrip().startswith("#"):
                    return Span(self.file, i + 1, m.start(1) + 1, i + 1, m.end(1) + 1)
        line = self.lines[lo] if lo < len(self.lines) else ""
        return Span(self.file, lo + 1, 1, lo + 1, max(2, len(line.rstrip()) + 1))


__all__ = ["Locator"]
