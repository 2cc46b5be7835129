"""Renders a `Result` for people (text) and for machines (JSON with an ITF trace)."""

from __future__ import annotations

import json
from typing import Any

from pyspec.report.trace import render_trace, trace_to_itf
from pyspec.result import Reach, Reachability, Result, Verdict

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


def under_constraints(line: str, r: Result) -> str:
    """The verdict line with "under constraint X" after its verdict word when the spec's
    constraints stopped exploration: such a verdict covers only the constrained states."""
    if not r.constraints or r.verdict not in (Verdict.HOLDS, Verdict.PROVED, Verdict.NO_VIOLATION_UP_TO):
        return line
    word = "constraints" if len(r.constraints) > 1 else "constraint"
    head, sep, rest = line.partition(":")
    return f"{head} under {word} {', '.join(r.constraints)}{sep}{rest}"


def _props(r: Result) -> str:
    if not r.properties:
        return "(no invariants: only the state space is explored)"
    return ", ".join(r.properties)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def render_text(r: Result, header: str | None = None, witness: tuple[str, ...] = ()) -> str:
    """`witness`: the reachable properties whose witness trace is printed (the others: depth)."""
    out = []
    if header:
        out.append(header)
    bound = r.reason or ""
    line = _HEADLINE[r.verdict].format(props=_props(r), violated=r.violated, reason=r.reason, bound=bound)
    if _temporal(r) and r.verdict is Verdict.HOLDS:
        line = f"HOLDS: every fair behaviour satisfies {_props(r)}"
    if r.verdict is Verdict.NO_VIOLATION_UP_TO and r.reason:
        line = f"NO VIOLATION of {_props(r)}: {r.reason}"
    out.append(under_constraints(line, r))
    out.extend(f"warning: {w}" for w in r.warnings)
    s = r.stats
    if "states" in s:
        rate = f", {s['states_per_second']:,} states/s" if s.get("states_per_second") else ""
        out.append(
            f"{_count(s['states'], 'distinct state')}, depth {s['depth']}, "
            f"{_count(s.get('transitions', 0), 'transition')}, {s['seconds']:.2f} s{rate}"
        )
        if s.get("symmetry"):
            out.append(f"symmetry: states counted up to permutations of {', '.join(s['symmetry'])} "
                       f"(one per orbit, {s['symmetry_permutations']:,} permutations); the full count is not claimed")
    elif r.engine == "bmc" and "seconds" in s and s.get("depth", -1) < 0:
        out.append(f"no depth checked, {s['seconds']:.2f} s")
    elif r.engine == "bmc" and "seconds" in s:
        enc = f" (encoding {s['encode_seconds']:.2f} s)" if "encode_seconds" in s else ""
        out.append(f"depth {s.get('depth', 0)} fully checked, {s['seconds']:.2f} s{enc}")
    elif "runs" in s:
        out.append(
            f"{s['runs']:,} runs, {s['steps']:,} steps, {s['distinct_states_seen']:,} distinct states seen, "
            f"{s['seconds']:.2f} s (seed {s['seed']})"
        )
    never = s.get("never_enabled")
    unreachable = any(x.status is Reach.UNREACHABLE for x in r.reachable)
    if never and (r.verdict is Verdict.HOLDS or unreachable):
        out.append("warning: never enabled (check for vacuity): " + ", ".join(never))
    if r.trace is not None and r.trace.loop is not None:
        out.extend(_lasso(r))
    elif r.trace is not None:
        n = len(r.trace)
        kind = "shortest counterexample" if r.engine in ("explicit", "bmc") else "counterexample"
        if r.verdict is Verdict.DEADLOCK:
            kind = "shortest path to the deadlocked state" if r.engine in ("explicit", "bmc") else "path to the deadlocked state"
        out.append(f"{kind}, {n} step{'s' if n != 1 else ''}:")
        out.append(render_trace(r.trace))
        if r.violated and r.verdict is Verdict.VIOLATED:
            out.append(f"invariant {r.violated} is false in the last state")
    for x in r.reachable:
        out.extend(_reachability(r, x, witness))
    return "\n".join(out)


def _temporal(r: Result) -> bool:
    """A result of the liveness checker (temporal properties, pyspec.explicit.liveness)."""
    return bool(r.stats.get("temporal"))


def _lasso(r: Result) -> list[str]:
    """A violated temporal property: the prefix, the loop marked where it starts and where it
    goes back, the property's reading of it, and why the loop is fair to each fair instance."""
    assert r.trace is not None and r.trace.loop is not None
    loop, last = r.trace.loop, len(r.trace)
    out = [f"counterexample lasso: a prefix of {loop} step{'s' if loop != 1 else ''}, then a loop of "
           f"{last - loop} step{'s' if last - loop != 1 else ''} ({'step' if last == loop + 1 else 'steps'} "
           f"{loop + 1 if last == loop + 1 else f'{loop + 1}-{last}'}) repeated for ever:"]
    lines = render_trace(r.trace).split("\n")
    for k, text in enumerate(lines):
        if text.startswith(f"{loop}: "):
            lines[k] = f"{text}    <- the loop starts here"
        elif text.startswith(f"{last}: "):
            lines[k] = f"{text}    -> back to state {loop}"
    out.extend(lines)
    if r.stats.get("lasso"):
        out.append(r.stats["lasso"])
    fairness = r.stats.get("fairness") or []
    if fairness:
        out.append("the loop is fair to each fair instance:")
        out.extend(f"    {x}" for x in fairness)
    else:
        out.append("(no fairness is declared: every loop counts)")
    return out


def _reachability(r: Result, x: Reachability, witness: tuple[str, ...]) -> list[str]:
    if x.status is Reach.UNREACHABLE:
        return [f"UNREACHABLE: {x.name}: no reachable state satisfies it; the invariants may hold vacuously"]
    if x.status is Reach.NOT_REACHED:
        if r.engine == "bmc":
            depth = r.stats.get("depth", 0)
            if depth < 0:
                return [f"reachable {x.name}: not reached (no depth was fully checked)"]
            return [f"reachable {x.name}: not reached up to depth {depth}"]
        return [f"reachable {x.name}: not reached before the search stopped"]
    assert x.trace is not None and x.depth is not None, "a reached property carries its witness"
    if x.name not in witness:
        return [f"reachable {x.name}: first reached at depth {x.depth} (--witness {x.name} prints the trace)"]
    return [
        f"shortest witness for {x.name}, {x.depth} step{'s' if x.depth != 1 else ''}:",
        render_trace(x.trace),
        f"reachable {x.name} is true in the last state",
    ]


def to_json(r: Result, witness: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {
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
    if r.constraints:
        out["constraints"] = list(r.constraints)
    if r.warnings:
        out["warnings"] = list(r.warnings)
    if r.reachable:
        out["reachable"] = [
            {
                "name": x.name,
                "status": x.status.value,
                "depth": x.depth,
                "trace": trace_to_itf(x.trace, r.spec) if x.trace is not None and x.name in witness else None,
            }
            for x in r.reachable
        ]
    return out


def render_json(r: Result, witness: tuple[str, ...] = ()) -> str:
    return json.dumps(to_json(r, witness), indent=2, sort_keys=False)
