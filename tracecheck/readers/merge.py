"""Per-file record streams -> one stream in log order.

Records are ordered by their clock (Lamport or timestamp) across files, with each file's own
order always kept (a k-way merge that only ever takes the head of a file). A record whose
clock goes backwards for its node is an error at its file and line. Memory: one record per
file plus one clock per node.
"""

from __future__ import annotations

import heapq
import os
from typing import Any, Iterable, Iterator

from pyspec.errors import Span
from tracecheck.errors import LogError
from tracecheck.readers.jsonl import read_jsonl
from tracecheck.readers.record import MISSING, Record, get_path
from tracecheck.readers.text import read_grammar, read_regex


def read_logs(paths: Iterable[str | os.PathLike], log_format: Any) -> Iterator[Record]:
    """Every record of the logs at `paths` (str or PathLike), merged in order (see the module
    docstring)."""
    names = [os.fspath(p) for p in paths]
    if not names:
        raise LogError("no log files given", code="TC203")
    if names.count("-") > 1:
        raise LogError("standard input ('-') can be read only once", code="TC203")
    if len(names) > 1 and log_format.order == "file":
        raise LogError(f"{len(names)} logs but no order to merge them by",
                       hint='set [log] order = "lamport" (or "timestamp") and clock = "the clock field" in the mapping',
                       code="TC203")
    streams = [_placed(_read(p, log_format), log_format) for p in names]
    if len(streams) == 1:
        return streams[0]
    return _merge(streams)


def _merge(streams: list[Iterator[Record]]) -> Iterator[Record]:
    """The streams' records by clock, ties in the order of `streams` (heapq.merge's order,
    without its key function call per record)."""
    heap = []
    for order, stream in enumerate(streams):
        take = stream.__next__
        try:
            r = take()
        except StopIteration:
            continue
        heap.append([r.clock, order, r, take])
    heapq.heapify(heap)
    replace = heapq.heapreplace
    while len(heap) > 1:
        try:
            while True:
                top = heap[0]
                yield top[2]
                r = top[3]()
                top[0] = r.clock
                top[2] = r
                replace(heap, top)
        except StopIteration:
            heapq.heappop(heap)
    if heap:
        top = heap[0]
        yield top[2]
        take = top[3]
        while True:
            try:
                r = take()
            except StopIteration:
                return
            yield r


def _read(path: str, log_format: Any) -> Iterator[Record]:
    if log_format.format == "jsonl":
        return read_jsonl(path)
    if log_format.pattern is not None:
        return read_regex(path, log_format.pattern)
    return read_grammar(path, log_format.grammar)


def _placed(records: Iterator[Record], log_format: Any) -> Iterator[Record]:
    """Fills in node and clock, and checks each node's own order."""
    node_path, clock_path, order = log_format.node, log_format.clock, log_format.order
    node_key = node_path[0] if node_path and len(node_path) == 1 else None
    clock_key = clock_path[0] if clock_path and len(clock_path) == 1 else None
    last: dict[Any, Record] = {}  # each node's last record
    strict = order == "lamport"
    previous: Any = float("-inf") if strict else (0, float("-inf"))
    # the common record: a Lamport clock and a node, each one key, the clock an int past the
    # node's last one; anything else takes the general path below
    lamport_keys = strict and node_key is not None and clock_key is not None
    nkey, ckey = node_key or "", clock_key or ""  # read only when lamport_keys
    for r in records:
        data = r.data
        if lamport_keys and data is not None:
            node = data.get(nkey, MISSING)
            clock = data.get(ckey)
            if type(clock) is int and (type(node) is int or type(node) is str):
                prev = last.get(node)
                if prev is None or prev.clock < clock:
                    r.node = node
                    r.clock = previous = clock
                    last[node] = r
                    yield r
                    continue
        if data is None:  # an unmatched text line: it stays right after its predecessor
            r.clock = previous
            yield r
            continue
        node = (data.get(node_key, MISSING) if node_key is not None else get_path(data, node_path)) if node_path else MISSING
        r.node = node = r.file if node is MISSING or type(node) is dict or type(node) is list else node
        if clock_path is not None:
            clock = data.get(clock_key, MISSING) if clock_key is not None else get_path(data, clock_path)
            if clock is MISSING:
                raise LogError(f"record has no clock field '{'.'.join(clock_path)}'", _span(r), code="TC204")
            raw_clock = clock
            if not (strict and type(clock) is int):
                clock = _clock_value(clock, order, r, clock_path)
            r.clock = previous = clock
            prev = last.get(node)
            if prev is not None and (clock < prev.clock or (strict and clock == prev.clock)):
                assert prev.data is not None, "a record with a clock was decoded"
                raise LogError(
                    f"record out of its node's order: node {node} logs {'.'.join(clock_path)} = {raw_clock} "
                    f"after {get_path(prev.data, clock_path)} at line {prev.line}",
                    _span(r),
                    hint="each node's records must appear in the order the node wrote them"
                    + (" (a Lamport clock grows with every record)" if strict else ""),
                    code="TC205",
                )
            last[node] = r
        yield r


def _clock_value(v: Any, order: str, r: Record, path: tuple[str, ...]) -> Any:
    if isinstance(v, bool):
        v = None
    elif isinstance(v, str) and order == "lamport":
        try:
            v = int(v)
        except ValueError:
            v = None
    elif isinstance(v, str):
        try:
            v = float(v)
        except ValueError:
            return (1, v)  # an ISO-8601 timestamp: compares as text, after every number
    if order == "lamport" and not isinstance(v, int):
        raise LogError(f"the Lamport clock '{'.'.join(path)}' must be an integer", _span(r), code="TC204")
    if not isinstance(v, (int, float)):
        raise LogError(f"the timestamp '{'.'.join(path)}' must be a number or an ISO-8601 string", _span(r), code="TC204")
    return v if order == "lamport" else (0, v)


def _span(r: Record) -> Span:
    return Span(r.file, r.line, 1, r.line, len(r.raw) + 1)


__all__ = ["read_logs"]
