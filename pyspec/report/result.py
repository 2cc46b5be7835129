"""Renders a `Result` for people (text) and for machines (JSON with an ITF trace)."""

from __future__ import annotations

import json
from typing import Any

from pyspec.report.trace import render_trace, trace_to_itf
from pyspec.result import Result, Verdict

_HEADLINE = {
    Verdict.HOLDS: "HOLDS: every reachable state satisfies {props}",
    Verdict.PROVED: "PROVED: {props}",
    Verdict.NO_VIOLATION_UP_TO: "NO VIOLATION of {props} {bound}",
    Verdict.VIOLATED: "VIOLATED: {violated}",
    Verdict.DEADLOCK: "DEADLOCK: a reachable state enables no action",
    Verdict.UNKNOWN: "UNKNOWN: {reason}",
    Verdict.INCOMPLETE: "INCOMPLETE: {reason}",
    Verdict.NOT_INDUCTIVE: "NOT INDUCTIVE: {violated}",
    Verdict.CONFORMS: "CONFORMS",
    Verdict.DIVERGES: "DIVERGES",
}


def _props(r: Result) -> str:
    if not r.properties:
        return "(no invariants: only the state space is explored)"
    return ", ".join(r.properties)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def render_text(r: Result, header: str | None = None) -> str:
    out = []
    if header:
        out.append(header)
    bound = r.reason or ""
    line = _HEADLINE[r.verdict].format(props=_props(r), violated=r.violated, reason=r.reason, bound=bound)
    if r.verdict is Verdict.NO_VIOLATION_UP_TO and r.reason:
        line = f"NO VIOLATION of {_props(r)}: {r.reason}"
    out.append(line)
    s = r.stats
    if "states" in s:
        rate = f", {s['states_per_second']:,} states/s" if s.get("states_per_second") else ""
        out.append(
            f"{_count(s['states'], 'distinct state')}, depth {s['depth']}, "
            f"{_count(s.get('transitions', 0), 'transition')}, {s['seconds']:.2f} s{rate}"
        )
    elif r.engine == "bmc" and "seconds" in s:
        enc = f" (encoding {s['encode_seconds']:.2f} s)" if "encode_seconds" in s else ""
        out.append(f"depth {s.get('depth', 0)} fully checked, {s['seconds']:.2f} s{enc}")
    elif "runs" in s:
        out.append(
            f"{s['runs']:,} runs, {s['steps']:,} steps, {s['distinct_states_seen']:,} distinct states seen, "
            f"{s['seconds']:.2f} s (seed {s['seed']})"
        )
    never = s.get("never_enabled")
    if never and r.verdict in (Verdict.HOLDS,):
        out.append("warning: never enabled (check for vacuity): " + ", ".join(never))
    if r.trace is not None:
        n = len(r.trace)
        kind = "shortest counterexample" if r.engine in ("explicit", "bmc") else "counterexample"
        if r.verdict is Verdict.DEADLOCK:
            kind = "shortest path to the deadlocked state" if r.engine == "explicit" else "path to the deadlocked state"
        out.append(f"{kind}, {n} step{'s' if n != 1 else ''}:")
        out.append(render_trace(r.trace))
        if r.violated and r.verdict is Verdict.VIOLATED:
            out.append(f"invariant {r.violated} is false in the last state")
    return "\n".join(out)


def to_json(r: Result) -> dict[str, Any]:
    return {
        "verdict": r.verdict.value,
        "exit_code": r.exit_code,
        "spec": r.spec,
        "engine": r.engine,
        "properties": list(r.properties),
        "violated": r.violated,
        "reason": r.reason,
        "stats": r.stats,
        "trace": trace_to_itf(r.trace, r.spec) if r.trace is not None else None,
    }


def render_json(r: Result) -> str:
    return json.dumps(to_json(r), indent=2, sort_keys=False)
