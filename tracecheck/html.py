"""A validation as a timeline (`tracecheck validate --html FILE`): the merged log on one lane
per node, each record in its merge order; the invariant spans as bands across the lanes; the
first divergence marked with the report's explanation (the false clause and its values) and
the spec source of that clause; the size of the frontier of candidate states along the log.

It builds pyspec's neutral `Timeline` (pyspec.report.timeline) and leaves the drawing to
pyspec.report.timeline_html.
"""

from __future__ import annotations

import itertools
import json
import os
from collections import deque
from typing import Any, Iterable

from pyspec.report.timeline import Band, Event, Excerpt, Lane, Timeline, excerpt, read_source
from tracecheck.mapping import Mapping, Rule
from tracecheck.readers.record import MISSING, Record, get_path
from tracecheck.report import _reason, headline, pending_text, span_text
from tracecheck.result import Divergence, TraceResult
from tracecheck.validate import _Dispatch

_RAW = 2000  # characters of a record's raw line kept on the page
_SPANS_LISTED = 10
_MAX_EVENTS = 5000  # records drawn at most (the last ones read): a page stays small; the summary says so

__all__ = ["FrontierSeries", "log_timeline"]


class FrontierSeries:
    """Collects (record index, frontier size) from `validate(on_frontier=...)`, in bounded
    memory: past `limit` points it keeps every other one and samples half as often."""

    def __init__(self, limit: int = 20_000) -> None:
        self.points: list[tuple[int, int]] = []
        self.limit = limit
        self.every = 1

    def __call__(self, record: int, size: int) -> None:
        if record % self.every:
            return
        self.points.append((record, size))
        if len(self.points) > self.limit:
            self.every *= 2
            self.points = [p for p in self.points if p[0] % self.every == 0]


def _node_order(node: Any) -> tuple[int, Any, str]:
    if isinstance(node, int) and not isinstance(node, bool):
        return (0, node, "")
    return (1, 0, str(node))


def _node_label(node: Any) -> str:
    if isinstance(node, int) and not isinstance(node, bool):
        return f"node {node}"
    text = str(node)
    return os.path.basename(text) if os.sep in text else text


def _label(rule: Rule | None, data: dict[str, Any] | None, m: Mapping) -> str:
    if data is None:
        return "(line the pattern does not match)"
    if rule is None:
        return "(no rule)"
    if rule.action is None:
        shown = [f"{f}={_show(v)}" for f in rule.fields for v in [get_path(data, m.fields[f].path)] if v is not MISSING]
        return f"{rule.name}: " + ", ".join(shown) if shown else f"{rule.name} (observation)"
    args = []
    for a in rule.args:
        if a.field is not None:
            v = get_path(data, m.fields[a.field].path)
            args.append(f"{a.formal}={'?' if v is MISSING else _show(v)}")
        else:
            args.append(f"{a.formal}={a.text}")
    return f"{rule.action}({', '.join(args)})"


def _show(v: Any) -> str:
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, sort_keys=True)


def _explanation(r: TraceResult, d: Divergence) -> str:
    lines = [headline(r), f"spec step: {d.step}, by the rule for {d.rule}"]
    if d.observed:
        lines.append("record fields: " + ", ".join(f"{k} = {v}" for k, v in d.observed))
    lines.append(f"{d.frontier:,} spec states consistent with the log before it" if d.frontier >= 0
                 else "no behaviour of the spec explains the log up to this record (z3)")
    for i, c in enumerate(d.explained, 1):
        if len(d.explained) > 1:
            lines.append(f"state {i}:")
        lines.extend("  " + _reason(w) for w in c.reasons)
    return "\n".join(lines)


def _candidate_tables(d: Divergence) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """The spec states the report explains (those consistent with the log before the record,
    or up to the hidden steps from them), each as a table, as the text report prints them."""
    shown = [c for c in d.explained if c.state]
    out = []
    for i, c in enumerate(shown, 1):
        of = f" of {d.candidates:,}" if d.candidates > 1 else ""
        out.append((f"candidate state {i}{of} before the record (why it fails: above)", c.state))
    return tuple(out)


def _where(text: str | None) -> tuple[str, int] | None:
    if not text:
        return None
    parts = text.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    return parts[0], int(parts[1])


def _excerpts(d: Divergence, read: Any) -> tuple[Excerpt, ...]:
    out = []
    seen = set()
    for c in d.explained:
        for w in c.reasons:
            at = _where(w.where)
            if at is None or at in seen:
                continue
            seen.add(at)
            text = read(at[0])
            if text is None:
                continue
            what = f"require `{w.clause}`" if w.kind == "require" else f"{w.kind} `{w.clause or w.message}`"
            out.append(excerpt(f"{what} is false ({w.where})", at[0], text, at[1]))
    return tuple(out)


def log_timeline(r: TraceResult, m: Mapping | None, records: Iterable[Record],
                 frontier: Iterable[tuple[int, int]] = (), read: Any = read_source) -> Timeline:
    """The timeline of a validation: `records` are the merged log again (read_logs), of which
    the first `r.records` are read (those the validation read; never one more, and a generator
    is closed after them) and the last _MAX_EVENTS of those drawn (the divergence or the stop
    is the last record read); `frontier` holds (record index, frontier size) pairs;
    `read(path) -> str | None` reads spec source."""
    kept: deque[Record] = deque(maxlen=_MAX_EVENTS)
    count = 0
    try:
        for rec in itertools.islice(records, r.records):
            count += 1
            kept.append(rec)
    finally:
        close = getattr(records, "close", None)
        if close is not None:
            close()
    first = count - len(kept) + 1  # the index of the first record drawn
    nodes: dict[str, Any] = {}
    for rec in kept:
        node = rec.node if rec.node is not None else rec.file
        nodes.setdefault(f"{type(node).__name__}:{node}", node)
    ordered = sorted(nodes.values(), key=_node_order)
    lane_of = {f"{type(n).__name__}:{n}": i for i, n in enumerate(ordered)}
    lanes = tuple(Lane(_show(n), _node_label(n)) for n in ordered)
    find = _Dispatch(m.rules).find if m is not None else (lambda data: None)
    d = r.divergence
    events = []
    for n, rec in enumerate(kept, first):
        node = rec.node if rec.node is not None else rec.file
        rule = find(rec.data) if (rec.data is not None and m is not None) else None
        marks: tuple[str, ...] = ()
        note = ""
        tables: tuple = ()
        if d is not None and d.record.index == n:
            marks, note = ("divergence",), _explanation(r, d)
            tables = _candidate_tables(d)
        elif r.stopped_at is not None and r.stopped_at.index == n:
            marks, note = ("stopped",), f"INCOMPLETE: {r.reason}"
        state = tuple((k, _show(v)) for k, v in (rec.data or {}).items())
        raw = rec.raw if len(rec.raw) <= _RAW else rec.raw[: _RAW - 3] + "..."
        events.append(Event(lane_of[f"{type(node).__name__}:{node}"], _label(rule, rec.data, m) if m else "(record)",
                            state, (), f"{os.path.basename(rec.file)}:{rec.line}\n{raw}", marks, note, tables=tables))
    last = first + len(events) - 1  # the index of the last record drawn
    bands = tuple(Band(max(v.first.index, first) - first, v.last.index - first, f"{v.invariant} false ({v.certainty})",
                       v.definite == v.records)
                  for v in r.violations if first <= v.last.index <= last)
    series = tuple((i - first, size) for i, size in frontier if first <= i <= last)
    logs = ", ".join(os.path.basename(p) for p in r.logs) or "(records)"
    summary = [f"tracecheck validate: {logs} against {r.spec} ({r.mapping})", headline(r)]
    summary.extend(span_text(v) for v in r.violations[:_SPANS_LISTED])
    summary.extend(pending_text(p).split("\n")[0] for p in r.pending)
    if len(r.violations) > _SPANS_LISTED or r.more_violations:
        summary.append(f"... and {len(r.violations) - _SPANS_LISTED + r.more_violations:,} more invariant spans")
    if r.invariants and not r.violations:
        upto = "" if r.conforms else " explained (up to the divergence or the stop)"
        summary.append(f"invariants {', '.join(r.invariants)}: true after every record{upto}")
    if first > 1:
        summary.append(f"records 1-{first - 1:,} not drawn: a page draws the last {_MAX_EVENTS:,} records read "
                       f"(records {first:,}-{last:,})")
    selected = None
    if d is not None and first <= d.record.index <= last:
        selected = d.record.index - first
    elif r.stopped_at is not None and first <= r.stopped_at.index <= last:
        selected = r.stopped_at.index - first
    elif bands:
        selected = bands[0].first
    excerpts = _excerpts(d, read) if d is not None else ()
    return Timeline(f"{r.spec}: {logs}", r.verdict.value, tuple(summary), lanes, tuple(events), (), bands, series,
                    "frontier (candidate states)" if series else "", excerpts, None, selected, number_from=first)
