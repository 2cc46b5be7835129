"""JSON lines -> records: one JSON object per line; blank lines are skipped."""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any, Callable, Iterator

from tracecheck.errors import LogError
from pyspec.errors import Span
from tracecheck.readers.record import Record
from tracecheck.readers.source import MAX_LINE, display_name, opened, too_long


def read_jsonl(path: str) -> Iterator[Record]:
    """Raises LogError (file:line) for a line that is not a JSON object, e.g. a truncated one.

    The common line, one JSON object and its newline, is decoded by msgspec when it is
    installed (`pip install pyspec[fast]`; TRACECHECK_JSON=stdlib switches it off), else by
    the json module's C scanner directly (what `json.loads` calls after two whitespace scans
    and a few Python calls). Any line either refuses (blank, indented, invalid, not an object,
    too long, a number msgspec will not read) goes through `_decode`, the `json.loads` path
    with its errors: what is read, and what is refused and why, is `json.loads`'s."""
    name = display_name(path)
    fast = fast_decoder()
    decoder: Any = json.JSONDecoder()  # its scan_once: the C scanner json.loads calls
    scan = decoder.scan_once
    limit = MAX_LINE
    with opened(path) as stream:
        readline = stream.readline
        n = 0
        while line := readline(limit + 1):
            n += 1
            if fast is not None:
                try:
                    data = fast(line)
                except (ValueError, RecursionError):  # msgspec's errors are ValueErrors
                    data = None
                if type(data) is dict and len(line) <= limit:
                    yield Record(name, n, line.rstrip("\r\n"), data)
                    continue
            else:
                try:
                    data, end = scan(line, 0)
                except (StopIteration, ValueError, RecursionError):
                    data = end = None
                if type(data) is dict and len(line) <= limit and (end == len(line) - 1 and line[end] == "\n"
                                                                  or not line[end:].strip(" \t\r\n")):
                    yield Record(name, n, line.rstrip("\r\n"), data)
                    continue
            text = line.rstrip("\r\n")
            if len(text) > limit:
                raise too_long(path, n)
            if not text or text.isspace():
                continue
            yield Record(name, n, text, _decode(text, name, n))


def fast_decoder() -> Callable[[str], Any] | None:
    """msgspec's JSON decoder, when it is installed and TRACECHECK_JSON is not "stdlib"."""
    if os.environ.get("TRACECHECK_JSON") == "stdlib":
        return None
    try:
        import msgspec
    except ImportError:
        return None
    decode: Callable[[str], Any] = msgspec.json.Decoder().decode
    return decode


def _decode(text: str, name: str, n: int) -> dict:
    """`json.loads(text)`, a JSON object, or LogError (TC202) saying what is wrong at which column."""
    try:
        data = json.loads(text)
    except RecursionError:
        depth, col = _nesting(text)
        raise LogError(f"JSON nested {depth:,} levels deep, more than the reader can decode (about "
                       f"{sys.getrecursionlimit():,})", Span(name, n, col, n, col + 1),
                       hint="a log record should be a flat JSON object; this line looks corrupted or hostile",
                       code="TC202") from None
    except ValueError as e:
        if not isinstance(e, json.JSONDecodeError):  # int() of a number past Python's digit limit
            col, end, digits = _long_number(text)
            raise LogError(f"a number of {digits:,} digits, more than the {sys.get_int_max_str_digits():,} that can "
                           "be read", Span(name, n, col, n, end), hint="no spec type holds such a number; the "
                           "line looks corrupted or hostile", code="TC202") from None
        col = getattr(e, "colno", 1)
        truncated = not text.rstrip().endswith("}")
        what = "truncated JSON line (it ends before the object does)" if truncated else "invalid JSON"
        raise LogError(f"{what}: {getattr(e, 'msg', str(e))} at column {col}", Span(name, n, col, n, col + 1),
                       hint="each line of a JSON-lines log must be one complete JSON object", code="TC202") from None
    if not isinstance(data, dict):
        raise LogError(f"expected a JSON object, found {type(data).__name__}", Span(name, n, 1, n, len(text) + 1), code="TC202")
    return data


def _long_number(text: str) -> tuple[int, int, int]:
    """The first run of digits longer than Python converts: (1-based column, end column, digits)."""
    limit = sys.get_int_max_str_digits()
    for m in re.finditer(r"\d+", text):
        if len(m.group()) > limit:
            return m.start() + 1, m.end() + 1, len(m.group())
    return 1, 2, limit + 1


def _nesting(text: str) -> tuple[int, int]:
    """The deepest nesting of arrays and objects in a JSON text, and the 1-based column where it
    is first reached (brackets inside strings do not count). Only called for a line too deep to
    decode, so its cost is off the common path."""
    depth = deepest = 0
    col = 1
    in_string = escaped = False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest, col = depth, i + 1
        elif ch in "]}":
            depth -= 1
    return deepest, col


__all__ = ["read_jsonl"]
