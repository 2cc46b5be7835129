"""One log record: where it came from (file, line, raw text) and its fields."""

from __future__ import annotations

from typing import Any

MISSING = object()


class Record:
    """`data` is the decoded record (a JSON object, a regex's groups, a grammar's fields), or
    None for a text line the pattern or grammar does not match. `node` and `clock` are filled
    in by the merge."""

    __slots__ = ("file", "line", "raw", "data", "node", "clock")

    def __init__(self, file: str, line: int, raw: str, data: dict[str, Any] | None) -> None:
        self.file = file
        self.line = line
        self.raw = raw
        self.data = data
        self.node: Any = None
        self.clock: Any = None

    def where(self) -> str:
        return f"{self.file}:{self.line}"


def get_path(data: Any, path: tuple[str, ...]) -> Any:
    """The value at `path` (object keys, or list indices written as numbers), or MISSING."""
    for key in path:
        if isinstance(data, dict):
            data = data.get(key, MISSING)
        elif isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return MISSING
        if data is MISSING:
            return MISSING
    return data


__all__ = ["Record", "MISSING", "get_path"]
