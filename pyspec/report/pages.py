"""Results -> timelines: the page for a `Result` (check, simulate, bmc), for a `ProofResult`
(its first refuted obligation), and for an ITF file (`pyspec view`: ours, Apalache's or
Quint's), with the bad input of the last a located error (PS620, PS621).

Pure functions of their inputs; the only I/O is through the `read(path) -> str | None` the
caller passes for spec source excerpts, and `load_itf`, which reads the file it is given.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from pyspec.errors import Span, UsageError
from pyspec.report.timeline import Timeline, invariant_excerpts, read_source, timeline_from_itf, timeline_from_trace
from pyspec.result import ProofResult, Result, Status, Verdict

Reader = Callable[[str], "str | None"]

__all__ = ["result_timeline", "proof_timeline", "load_itf", "parse_itf", "itf_timeline", "read_source"]


def _lane_type(spec: Any, read: Reader) -> str | None:
    from pyspec.report.timeline import lanes_pragma

    text = read(spec.file) if getattr(spec, "file", None) else None
    return lanes_pragma(text) if text else None


def _explained(explainer: Any, trace: Any, violated: str | None, read: Reader) -> dict[str, Any]:
    """The keyword arguments of `timeline_from_trace` that the engine's `explainer` (a
    `pyspec.explicit.explain.TraceExplainer`, or None) gives: each step's choices, and what
    the violated invariant's false conjunct reads."""
    if explainer is None:
        return {}
    out: dict[str, Any] = {"picks": explainer.trace_picks(trace)}
    if violated:  # a counterexample to induction may break several: the first one's values
        found = explainer.false_conjunct(violated.split(", ")[0], trace.steps[-1].state, read)
        if found is not None:
            span, reads = found
            out["invariant_clause"] = f"`{_clause_text(span, read)}` ({span.file}:{span.line}) is false, reading:"
            out["invariant_reads"] = reads
    return out


def _clause_text(span: Any, read: Reader) -> str:
    text = read(span.file) if span.file else None
    if text is None:
        return "?"
    lines = text.split("\n")
    if not 1 <= span.line <= span.end_line <= len(lines):
        return "?"
    if span.line == span.end_line:
        return lines[span.line - 1][span.col - 1 : span.end_col - 1]
    return " ".join(x.strip() for x in [lines[span.line - 1][span.col - 1 :], *lines[span.line : span.end_line - 1],
                                         lines[span.end_line - 1][: span.end_col - 1]])


def result_timeline(r: Result, spec: Any, header: str, read: Reader = read_source, explainer: Any = None) -> Timeline:
    """The page of a check, simulation or BMC result: its trace, or, when it holds, the state
    space searched and a witness trace of each `reachable` reached. `explainer` (see
    `_explained`) adds what the engine knows and the trace does not carry."""
    summary = [header, _headline(r)]
    if r.trace is None:
        return _holding_page(r, spec, summary, read, explainer)
    violated = r.violated if r.verdict is Verdict.VIOLATED else None
    if r.trace.loop is not None:  # a lasso (a temporal property): no state is "the" violation
        summary.append(str((r.stats or {}).get("lasso", "")))
        summary.extend(f"fair to {x}" for x in (r.stats or {}).get("fairness", ()))
        violated = None
    excerpts = invariant_excerpts(spec, [violated], read) if violated else ()
    if r.verdict is Verdict.DEADLOCK:
        summary.append("the last state enables no action")
    return timeline_from_trace(r.trace, spec, title=spec.name, verdict=r.verdict.value, violated=violated,
                               summary=summary, lane_type=_lane_type(spec, read), excerpts=excerpts, read=read,
                               **_explained(explainer, r.trace, violated, read))


def _holding_page(r: Result, spec: Any, summary: list[str], read: Reader, explainer: Any) -> Timeline:
    """A result without a counterexample: what was searched, and the first witness trace of
    the spec's `reachable` properties (each reached one listed with its depth)."""
    s = r.stats or {}
    if s.get("states"):
        summary.append(f"{s['states']:,} distinct states, depth {s.get('depth', 0)}, {s.get('transitions', 0):,} transitions")
    if s.get("never_enabled"):
        summary.append("never enabled: " + ", ".join(map(str, s["never_enabled"])))
    witness = None
    for reach in r.reachable:
        if reach.trace is not None:
            summary.append(f"reachable {reach.name}: first reached at depth {reach.depth}"
                           + ("" if witness else " (its witness is drawn below)"))
            witness = witness or reach
        elif reach.depth is not None:
            summary.append(f"reachable {reach.name}: first reached at depth {reach.depth}")
        else:
            summary.append(f"reachable {reach.name}: {reach.status.value}")
    if witness is None or witness.trace is None:
        summary.append("no trace to draw: the result has no counterexample")
        return Timeline(spec.name, r.verdict.value, tuple(summary), (), ())
    tl = timeline_from_trace(witness.trace, spec, title=spec.name, verdict=r.verdict.value, summary=summary,
                             lane_type=_lane_type(spec, read), read=read, **_explained(explainer, witness.trace, None, read))
    last = len(tl.events) - 1
    events = tl.events[:last] + (_marked(tl.events[last], f"reachable {witness.name} is true in this state"),)
    return Timeline(tl.title, tl.verdict, tl.summary, tl.lanes, events, tl.arrows, excerpts=tl.excerpts, selected=last)


def _marked(e: Any, note: str) -> Any:
    from pyspec.report.timeline import Event

    return Event(e.lane, e.label, e.state, e.changed, e.detail, e.marks + ("witness",), note, e.picks, e.delta, e.tables)


def _headline(r: Result) -> str:
    if r.violated:
        return f"{r.verdict.value.upper()}: {r.violated}"
    return r.verdict.value.upper() + (f": {r.reason}" if r.reason else "")


def proof_timeline(p: ProofResult, spec: Any, header: str, read: Reader = read_source, explainer: Any = None) -> Timeline:
    """The page of a proof: the first refuted obligation's counterexample to induction (its
    pre-states, the action, the post-state) or the run that breaks initiation or the base case."""
    summary = [header, f"{p.verdict.value.upper()}: {p.invariant}"]
    for o in p.obligations:
        if o.status is not Status.REFUTED:
            continue
        if o.cti is not None:
            cti = o.cti
            summary.append(f"obligation {o.name} refuted: a state satisfying {p.invariant} steps by {cti.action} "
                           "to one that does not (the first state need not be reachable)")
            broken = ", ".join(cti.broken) or None
            if cti.error:
                summary.append(f"{cti.action} cannot be evaluated in the last state: {cti.error}")
            excerpts = invariant_excerpts(spec, cti.broken, read)
            return timeline_from_trace(cti.trace, spec, title=spec.name, verdict=p.verdict.value, violated=broken,
                                       summary=summary, lane_type=_lane_type(spec, read), excerpts=excerpts,
                                       first_label="pre-state (satisfies the invariant)", read=read,
                                       **_explained(explainer, cti.trace, broken, read))
        if o.trace is not None:
            summary.append(f"obligation {o.name} refuted")
            excerpts = invariant_excerpts(spec, [o.violated], read) if o.violated else ()
            return timeline_from_trace(o.trace, spec, title=spec.name, verdict=p.verdict.value, violated=o.violated,
                                       summary=summary, lane_type=_lane_type(spec, read), excerpts=excerpts, read=read,
                                       **_explained(explainer, o.trace, o.violated, read))
    summary.append("no trace to draw: no obligation was refuted")
    return Timeline(spec.name, p.verdict.value, tuple(summary), (), ())


# ---- ITF files (pyspec view) -----------------------------------------------------------------


def load_itf(path: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the ITF trace, the result around it) from the file `path`: see `parse_itf`. Raises
    UsageError PS620 when the file cannot be read."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise UsageError(f"no such trace file: {path}", code="PS620") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read trace file {path}: {getattr(e, 'strerror', None) or e}", code="PS620") from None
    return parse_itf(text, path)


def parse_itf(text: str, path: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the ITF trace, the result around it) from `text` (read from `path`, "-" for standard
    input): a bare ITF trace, pyspec's `--json` output of check or simulate (the trace under
    "trace", the verdict and violated property beside it), or of prove (the first refuted
    obligation's counterexample to induction, or its trace). Raises UsageError PS621 when it
    is not an ITF trace."""
    try:
        doc = json.loads(text)
    except RecursionError:
        raise UsageError(f"{path} is not an ITF trace: JSON nested too deeply", code="PS621") from None
    except json.JSONDecodeError as e:
        if path == "-":
            raise UsageError(f"standard input is not JSON: {e.msg} at line {e.lineno}, column {e.colno}",
                             hint="pyspec view - reads an ITF trace, or the output of pyspec ... --json, on standard input",
                             code="PS621") from None
        raise UsageError(f"not JSON: {e.msg}", Span(path, e.lineno, e.colno, e.lineno, e.colno + 1),
                         hint="pyspec view reads an ITF trace (.itf.json), or the output of pyspec ... --json",
                         code="PS621") from None
    outer: dict[str, Any] = {}
    if isinstance(doc, dict) and "states" not in doc and isinstance(doc.get("obligations"), list):
        outer, doc = _refuted_obligation(doc, path)
    elif isinstance(doc, dict) and "states" not in doc and isinstance(doc.get("trace"), dict):
        outer, doc = doc, doc["trace"]
    elif isinstance(doc, dict) and "states" not in doc and "verdict" in doc:
        raise UsageError(f"{path} holds a result without a trace (verdict {doc.get('verdict')!r})",
                         hint="only a result with a counterexample has a trace to draw", code="PS621")
    try:
        _check_itf(doc, path)
    except RecursionError:
        raise UsageError(f"{path} is not an ITF trace: values nested too deeply", code="PS621") from None
    return doc, outer


def _refuted_obligation(doc: dict[str, Any], path: str) -> tuple[dict[str, Any], Any]:
    """`prove --json`: (the result around it, the ITF trace of the first refuted obligation)."""
    for o in doc["obligations"]:
        if not isinstance(o, dict) or o.get("status") != "refuted":
            continue
        cti = o.get("cti")
        if isinstance(cti, dict) and isinstance(cti.get("states"), dict):
            broken: list[Any] = cti["broken"] if isinstance(cti.get("broken"), list) else []
            outer = {**doc, "violated": ", ".join(map(str, broken)) or doc.get("violated"),
                     "first_label": "pre-state (satisfies the invariant)",
                     "obligation": f"obligation {o.get('name')} refuted: a counterexample to induction "
                                   "(the first state need not be reachable)"}
            return outer, cti["states"]
        if isinstance(o.get("trace"), dict):
            return {**doc, "violated": o.get("violated") or doc.get("violated"),
                    "obligation": f"obligation {o.get('name')} refuted"}, o["trace"]
    raise UsageError(f"{path} holds a proof without a counterexample (verdict {doc.get('verdict')!r})",
                     hint="only a proof with a refuted obligation has a trace to draw", code="PS621")


def _check_itf(doc: Any, path: str) -> None:
    def bad(msg: str) -> UsageError:
        return UsageError(f"{path} is not an ITF trace: {msg}",
                          hint='ITF: {"vars": [...], "states": [{"#meta": {...}, "x": value, ...}, ...]}', code="PS621")

    if not isinstance(doc, dict):
        raise bad(f"the top level is a JSON {type(doc).__name__.replace('dict', 'object').replace('list', 'array')}, not an object")
    states = doc.get("states")
    if not isinstance(states, list) or not states:
        raise bad('no "states" array, or it is empty')
    names = doc.get("vars")
    if names is not None and not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
        raise bad('"vars" must be an array of names')
    for i, st in enumerate(states):
        if not isinstance(st, dict):
            raise bad(f"state {i} is not an object")
        meta = st.get("#meta", {})
        if not isinstance(meta, dict):
            raise bad(f'state {i}: "#meta" must be an object')
        if "action" in meta and not isinstance(meta["action"], str):
            raise bad(f'state {i}: "#meta" action must be a name')
        if "picks" in meta:
            if not isinstance(meta["picks"], dict):
                raise bad(f'state {i}: "#meta" picks must be an object of name: value')
            _check_value(meta["picks"], f"state {i}, choices", bad)
        if "args" in meta:
            if not isinstance(meta["args"], dict):
                raise bad(f'state {i}: "#meta" args must be an object of name: value')
            _check_value(meta["args"], f"state {i}, action arguments", bad)
        for n in names if names is not None else [k for k in st if not k.startswith("#")]:
            if n not in st:
                raise bad(f"state {i} has no value for variable '{n}'")
            _check_value(st[n], f"state {i}, variable '{n}'", bad)


_MAX_NESTING = 64  # levels of values inside values: deeper is no trace of a spec (and would overflow the stack)


def _check_value(v: Any, where: str, bad: Callable[[str], UsageError], depth: int = 0) -> None:
    if isinstance(v, (bool, int, float, str)) or v is None:
        return
    if depth >= _MAX_NESTING:
        raise bad(f"{where}: values nested more than {_MAX_NESTING} levels deep")
    depth += 1
    if isinstance(v, list):
        for x in v:
            _check_value(x, where, bad, depth)
        return
    if not isinstance(v, dict):
        raise bad(f"{where}: unexpected value {v!r}")
    if "#set" in v or "#tup" in v:
        xs = v.get("#set", v.get("#tup"))
        if not isinstance(xs, list):
            raise bad(f"{where}: #set and #tup hold arrays")
        for x in xs:
            _check_value(x, where, bad, depth)
    elif "#map" in v:
        if not isinstance(v["#map"], list) or not all(isinstance(p, list) and len(p) == 2 for p in v["#map"]):
            raise bad(f"{where}: #map holds [key, value] pairs")
        for k, x in v["#map"]:
            _check_value(k, where, bad, depth)
            _check_value(x, where, bad, depth)
    elif "#bigint" in v:
        if not (isinstance(v["#bigint"], str) and v["#bigint"].lstrip("-").isdigit()):
            raise bad(f"{where}: #bigint holds a string of digits")
    else:
        for x in v.values():
            _check_value(x, where, bad, depth)


def itf_timeline(doc: dict[str, Any], outer: dict[str, Any], name: str) -> Timeline:
    """The page of an ITF trace; `outer` is pyspec's result around it ({} for a bare trace)."""
    meta: dict[str, Any] = doc["#meta"] if isinstance(doc.get("#meta"), dict) else {}
    title = str(outer.get("spec") or meta.get("source") or name)
    verdict = str(outer.get("verdict") or "trace")
    violated = outer.get("violated") if verdict in ("violated", "not inductive") else None
    summary = [f"pyspec view {name}"]
    if meta.get("description"):
        summary.append(str(meta["description"]))
    if outer.get("obligation"):
        summary.append(str(outer["obligation"]))
    if violated:
        summary.append(f"{verdict.upper()}: {violated}")
    return timeline_from_itf(doc, title=title, verdict=verdict, violated=violated if isinstance(violated, str) else None,
                             summary=summary, first_label=str(outer.get("first_label") or "initial state"))
