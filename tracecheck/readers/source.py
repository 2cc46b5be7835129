"""Opening a log: a path (plain text, or gzip by its magic bytes) or "-" for standard input."""

from __future__ import annotations

import gzip
import io
import sys
from typing import Iterator

from tracecheck.errors import LogError


def lines(path: str) -> Iterator[tuple[int, str]]:
    """(line number, line without its newline) for every line of the log at `path`."""
    if path == "-":
        stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace") if hasattr(sys.stdin, "buffer") else sys.stdin
        yield from _numbered(stream)
        return
    try:
        raw = open(path, "rb")
    except FileNotFoundError:
        raise LogError(f"no such log file: {path}", code="TC201") from None
    except OSError as e:
        raise LogError(f"cannot read log file {path}: {e.strerror}", code="TC201") from None
    with raw:
        magic = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
        binary = gzip.GzipFile(fileobj=raw) if magic == b"\x1f\x8b" else raw
        text = io.TextIOWrapper(binary, encoding="utf-8", errors="replace")
        try:
            yield from _numbered(text)
        except (OSError, EOFError) as e:  # a damaged or truncated gzip stream
            raise LogError(f"cannot read log file {path}: {e}", code="TC201") from None


def _numbered(stream) -> Iterator[tuple[int, str]]:
    for n, line in enumerate(stream, 1):
        yield n, line.rstrip("\r\n")


def display_name(path: str) -> str:
    return "<stdin>" if path == "-" else path


__all__ = ["lines", "display_name"]
