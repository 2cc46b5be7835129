"""Renders a `TraceResult`: text for people, JSON for machines, JUnit XML for CI pipelines."""

from __future__ import annotations

import json
import os
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from pyspec.result import Verdict
from tracecheck.result import Divergence, InvariantSpan, Pending, RecordRef, TraceResult

_RAW_WIDTH = 160
_SPANS_SHOWN = 10


def _count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


def _short(path: str) -> str:
    return os.path.basename(path)


def _ref(r: RecordRef) -> str:
    return f"record {r.index} ({_short(r.file)}:{r.line})"


def _raw(raw: str) -> str:
    return raw if len(raw) <= _RAW_WIDTH else raw[: _RAW_WIDTH - 3] + "..."


def headline(r: TraceResult) -> str:
    """One line: the verdict and the record it is about."""
    if r.verdict is Verdict.CONFORMS:
        ignored = f", {r.ignored:,} ignored (no rule)" if r.ignored else ""
        return f"CONFORMS: all {_count(r.matched, 'record')} explained by {r.spec}{ignored}"
    if r.verdict is Verdict.DIVERGES and r.divergence is not None:
        d = r.divergence
        return f"DIVERGES at {_ref(d.record)}: no behaviour of {r.spec} explains it"
    if r.verdict is Verdict.VIOLATED:  # --strict-liveness: obligations left open
        return f"VIOLATED: {r.reason}"
    return f"INCOMPLETE: {r.reason}"


def render_text(r: TraceResult) -> str:
    logs = ", ".join(_short(p) for p in r.logs) or "(records)"
    out = [f"tracecheck: {logs} against {r.spec} ({r.mapping}), at most {_count(r.hidden, 'hidden step')} before each record",
           headline(r)]
    s = r.stats
    if s.get("switched"):
        out.append(f"engine auto: {s['switched']}")
    if r.verdict is Verdict.CONFORMS:
        if r.frontier < 0:
            out.append(f"the states consistent with the log were kept symbolically (z3, {s.get('states', 0):,} states in the path); "
                       f"{s.get('seconds', 0):.2f} s, {s.get('records_per_second', 0):,} records/s")
        else:
            opened = (f" (open arguments: up to {s['open_instances']:,} action instances per record)"
                      if s.get("open_instances") else "")
            out.append(f"{_count(r.frontier, 'spec state')} consistent with the whole log; peak frontier {s.get('peak_frontier', 0):,}"
                       f"{opened}; {s.get('seconds', 0):.2f} s, {s.get('records_per_second', 0):,} records/s")
    elif r.verdict is Verdict.INCOMPLETE and s.get("before_records"):
        out.append(f"stopped before the first record after {s.get('seconds', 0):.2f} s; no record was read")
    elif r.verdict is Verdict.INCOMPLETE and r.stopped_at is None and r.divergence is None and r.matched == 0:
        out.append(f"read the whole log: {_count(r.records, 'record')}, {r.ignored:,} ignored (no rule), none explained")
    elif r.verdict is Verdict.INCOMPLETE:
        out.append(f"{r.matched:,} records explained before it stopped; the log is neither conforming nor diverging as far as this run knows")
    if r.divergence is not None:
        out.extend(_divergence(r.divergence))
    if r.invariants:
        out.extend(_invariants(r))
    out.extend(pending_text(p) for p in r.pending)
    if r.stats.get("obligations"):
        out.append(f"note: leadsto obligations {r.stats['obligations']}")
    return "\n".join(out)


def pending_text(p: Pending) -> str:
    """The warning for one obligation open at the end of the log."""
    how = "" if p.definite else " (in some of the states consistent with the log)"
    return (f"warning: {p.property} pending at the end of the log: `{p.p_text}` held after {_ref(p.opened)}{how}, "
            f"and `{p.q_text}` after no later record\n  {_raw(p.opened.raw)}")


def _divergence(d: Divergence) -> list[str]:
    out = [f"  {_raw(d.record.raw)}",
           f"  spec step: {d.step}, by the rule for {d.rule}"]
    if d.observed:
        out.append("  record fields: " + ", ".join(f"{k} = {v}" for k, v in d.observed))
    if d.recent:
        out.append("last records that matched:")
        for r in d.recent:
            out.append(f"  {r.index:>6} {_short(r.file)}:{r.line}  {_raw(r.raw)}")
    else:
        out.append("it is the first record: the candidates are the initial states")
    tried = "" if d.hidden == 0 else f", {_count(d.candidates, 'state')} after up to {_count(d.hidden, 'hidden step')}"
    shown = len(d.explained)
    if d.frontier < 0:
        some = ("; one state consistent with the log before it, and why it fails:" if shown == 1 else
                f"; one state consistent with the log before it and states up to {_count(d.hidden, 'hidden step')} "
                "from it, and why each fails:")
        out.append("no behaviour of the spec explains the log up to this record (z3: unsatisfiable)" + (some if shown else ""))
    else:
        out.append(f"{_count(d.frontier, 'spec state')} consistent with the log before it{tried}; "
                   + ("why each fails:" if shown == d.candidates else f"why the first {shown} fail:"))
    for i, c in enumerate(d.explained, 1):
        if c.state:
            out.append(f"state {i}:")
            for name, value in c.state:
                out.append(f"    {name} = {value}")
        for why in c.reasons:
            out.append("  " + _reason(why))
    return out


def _reason(why) -> str:
    if why.kind == "require":
        vals = ", ".join(f"{k} = {v}" for k, v in why.values)
        inner = "" if why.message == "require is false" else f"; {why.message}"
        return f"require `{why.clause}` is false ({why.where})" + (f" with {vals}" if vals else "") + inner
    if why.kind == "observation":
        return f"observation `{why.clause}` fails ({why.where}): {why.message}"
    if why.where:
        return f"{why.kind}: {why.message} ({why.where})"
    return f"{why.kind}: {why.message}"


def _invariants(r: TraceResult) -> list[str]:
    names = ", ".join(r.invariants)
    if not r.violations:
        upto = "" if r.verdict is Verdict.CONFORMS else " (up to the last record explained)"
        return [f"invariants {names}: true in every state consistent with the log, after every record{upto}"]
    out = [f"invariants {names}, evaluated after each record on the states consistent with the log "
           f"(definitely: false in all of them; possibly: in some):"]
    for v in r.violations[:_SPANS_SHOWN]:
        out.append("  " + span_text(v))
    more = r.more_violations + max(0, len(r.violations) - _SPANS_SHOWN)
    if more:
        out.append(f"  ... and {more:,} more spans" + (" (--json lists the first 100)" if len(r.violations) > _SPANS_SHOWN else ""))
    held = [n for n in r.invariants if not any(v.invariant == n for v in r.violations)]
    if held:
        out.append("  true throughout: " + ", ".join(held))
    return out


def span_text(v: InvariantSpan) -> str:
    where = f"at {_ref(v.first)}" if v.first.index == v.last.index else f"from {_ref(v.first)} to {_ref(v.last)}"
    return f"{v.invariant} false {where}: {_count(v.records, 'record')}, {v.certainty}"


# ---- JSON ------------------------------------------------------------------------------------


def to_json(r: TraceResult) -> dict[str, Any]:
    def ref(x: RecordRef | None):
        return None if x is None else {"index": x.index, "file": x.file, "line": x.line, "raw": x.raw}

    out: dict[str, Any] = {
        "verdict": r.verdict.value,
        "exit_code": r.exit_code,
        "spec": r.spec,
        "mapping": r.mapping,
        "logs": list(r.logs),
        "engine": r.engine,
        "hidden": r.hidden,
        "records": r.records,
        "matched": r.matched,
        "ignored": r.ignored,
        "frontier": r.frontier,
        "stats": r.stats,
    }
    if r.reason:
        out["reason"] = r.reason
        out["stopped_at"] = ref(r.stopped_at)
    if r.divergence is not None:
        d = r.divergence
        out["divergence"] = {
            "record": ref(d.record),
            "rule": d.rule,
            "step": d.step,
            "observed": dict(d.observed_itf) if d.observed_itf else {k: None for k, _ in d.observed},
            "recent": [ref(x) for x in d.recent],
            "frontier": d.frontier,
            "candidates": d.candidates,
            "explained": [
                {"state": c.itf,
                 "reasons": [{"kind": w.kind, "message": w.message, "where": w.where, "clause": w.clause,
                              "values": dict(w.itf), "allowed": {k: list(v) for k, v in w.allowed},
                              "shown": dict(w.values)} for w in c.reasons]}
                for c in d.explained
            ],
        }
    if r.pending:
        out["pending"] = [{"property": p.property, "opened": ref(p.opened), "definite": p.definite} for p in r.pending]
    if r.invariants:
        out["invariants"] = {
            "checked": list(r.invariants),
            "violations": [{"invariant": v.invariant, "first": ref(v.first), "last": ref(v.last), "records": v.records,
                            "definite_records": v.definite, "certainty": v.certainty} for v in r.violations],
            "more_violations": r.more_violations,
        }
    return out


def render_json(r: TraceResult) -> str:
    return json.dumps(to_json(r), indent=2)


# ---- JUnit XML -------------------------------------------------------------------------------


def render_junit(r: TraceResult) -> str:
    """One test case for conformance, one per invariant evaluated: a divergence is a failure,
    a stopped run an error (never a pass), a span where an invariant is false a failure."""
    seconds = r.stats.get("seconds", 0)
    cases = []
    text = render_text(r)
    name = f"{r.spec} conformance of " + (", ".join(_short(p) for p in r.logs) or "the log")
    if r.verdict is Verdict.CONFORMS:
        body = ""
    elif r.verdict is Verdict.VIOLATED:
        body = f"<failure message={quoteattr(headline(r))} type=\"pending\">{escape(text)}</failure>"
    elif r.verdict is Verdict.DIVERGES:
        body = f"<failure message={quoteattr(headline(r))} type=\"divergence\">{escape(text)}</failure>"
    else:
        body = f"<error message={quoteattr(headline(r))} type=\"incomplete\">{escape(text)}</error>"
    cases.append((name, body))
    for p in r.pending:  # a warning: a test case that passes, its text in system-out
        cases.append((f"{r.spec} {p.property} pending at the end of the log",
                      f"<system-out>{escape(pending_text(p))}</system-out>"))
    for inv in r.invariants:
        spans = [v for v in r.violations if v.invariant == inv]
        body = ""
        if spans:
            msg = "\n".join(span_text(v) for v in spans)
            body = f"<failure message={quoteattr(span_text(spans[0]))} type=\"invariant\">{escape(msg)}</failure>"
        cases.append((f"{r.spec} invariant {inv} on the log", body))
    failures = sum(1 for _, b in cases if b.startswith("<failure"))
    errors = sum(1 for _, b in cases if b.startswith("<error"))
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             f'<testsuites><testsuite name="tracecheck" tests="{len(cases)}" failures="{failures}" errors="{errors}" time="{seconds}">']
    for n, b in cases:
        lines.append(f'<testcase classname="tracecheck.{escape(r.spec)}" name={quoteattr(n)} time="{seconds}">{b}</testcase>')
    lines.append("</testsuite></testsuites>")
    return "\n".join(lines) + "\n"


def render_junit_error(err_text: str, message: str) -> str:
    """A JUnit report for bad input (exit 2): one test case, in error, whose text is the
    rendered error, so that CI shows why no log was checked."""
    return "\n".join([
        '<?xml version="1.0" encoding="utf-8"?>',
        '<testsuites><testsuite name="tracecheck" tests="1" failures="0" errors="1" time="0">',
        f'<testcase classname="tracecheck" name="tracecheck validate" time="0"><error message={quoteattr(message)} '
        f'type="bad input">{escape(err_text)}</error></testcase>',
        "</testsuite></testsuites>",
    ]) + "\n"


__all__ = ["render_text", "render_json", "render_junit", "render_junit_error", "to_json", "headline", "span_text",
           "pending_text"]
