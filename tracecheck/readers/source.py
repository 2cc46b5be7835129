"""Opening a log: a path (plain text, or gzip by its magic bytes) or "-" for standard input."""

from __future__ import annotations

import contextlib
import gzip
import io
import sys
import zlib
from typing import IO, Iterator

from tracecheck.errors import LogError


MAX_LINE = 1 << 20
"""The longest log line read, in characters: a record is one line and is held whole, so a log
without newlines (or /dev/zero) is an error at this bound instead of filling memory."""


def lines(path: str) -> Iterator[tuple[int, str]]:
    """(line number, line without its newline) for every line of the log at `path`. Raises
    LogError for a missing or unreadable file, a damaged gzip stream, or a line over MAX_LINE."""
    with opened(path) as stream:
        yield from _numbered(stream, path)


@contextlib.contextmanager
def opened(path: str) -> Iterator[IO[str]]:
    """The log at `path` as text (gzip by its magic bytes; "-": standard input). Raises
    LogError for a missing or unreadable file, and, while the stream is read inside the
    `with`, for a truncated or damaged gzip stream."""
    if path == "-":
        yield io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace") if hasattr(sys.stdin, "buffer") else sys.stdin
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
            yield text
        except (OSError, EOFError) as e:  # a truncated gzip stream
            raise LogError(f"cannot read log file {path}: {e}", code="TC201") from None
        except zlib.error as e:  # a damaged deflate stream inside a gzip file
            raise LogError(f"cannot read log file {path}: damaged gzip data ({e})", code="TC201") from None


def _numbered(stream, path: str) -> Iterator[tuple[int, str]]:
    readline = stream.readline
    n = 0
    while line := readline(MAX_LINE + 1):
        n += 1
        text = line.rstrip("\r\n")
        if len(text) > MAX_LINE:
            raise too_long(path, n)
        yield n, text


def too_long(path: str, n: int) -> LogError:
    """TC210 for line `n`, longer than MAX_LINE. No span: the renderer would read the whole
    line again to show it."""
    return LogError(f"{display_name(path)}, line {n}: a line longer than {MAX_LINE:,} characters "
                    "(a log record is one line)", hint="is this a log file? a record must end with a newline",
                    code="TC210")


def display_name(path: str) -> str:
    return "<stdin>" if path == "-" else path


__all__ = ["lines", "opened", "display_name", "too_long"]
