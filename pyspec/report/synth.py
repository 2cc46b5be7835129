"""Renders a synthesis report (`pyspec synth`): the verdict, the witness table or the runs that
rule out every table, and the solver statistics, as text for people and as JSON for machines.
"""

from __future__ import annotations

import json
from typing import Any

from pyspec.lang.types import BoolT, MapT, Type, domain, format_value, to_itf
from pyspec.report.trace import render_trace, trace_to_itf
from pyspec.result import SynthResult, Verdict

_HEADLINE = {
    Verdict.HOLDS: "TABLE EXISTS: {reason}",
    Verdict.VIOLATED: "NO TABLE EXISTS: {reason}",
    Verdict.INCOMPLETE: "VACUOUS: {reason}",
    Verdict.UNKNOWN: "UNKNOWN: {reason}",
}


def _leaves(name: str, ty: Type, value: Any, out: list[tuple[str, Type, Any]]) -> None:
    """(spelling, key, value) of each innermost map of the table."""
    if isinstance(ty, MapT) and isinstance(ty.value, MapT):
        for k, v in zip(domain(ty.key), value):
            _leaves(f"{name}[{format_value(ty.key, k)}]", ty.value, v, out)
        return
    out.append((name, ty, value))


def render_table(name: str, ty: Type, value: Any) -> list[str]:
    """One line per innermost map: a bool-valued one as the keys where it is True."""
    rows: list[tuple[str, Type, Any]] = []
    _leaves(name, ty, value, rows)
    lines = []
    for spelling, t, v in rows:
        if isinstance(t, MapT) and isinstance(t.value, BoolT):
            keys = [format_value(t.key, k) for k, b in zip(domain(t.key), v) if b]
            lines.append(f"    {spelling}[k] is True for k in {{{', '.join(keys)}}}" if keys else f"    {spelling}[k] is False for every k")
        else:
            lines.append(f"    {spelling} = {format_value(t, v)}")
    return lines


def _stats_line(s: dict[str, Any]) -> str:
    parts = [f"{s.get('rounds', 0)} candidate(s)", f"{s.get('runs_found', 0)} counterexample run(s)"]
    if "synth_seconds" in s:
        parts.append(f"synthesiser {s['synth_seconds']:.2f} s, verifier {s['verify_seconds']:.2f} s")
    parts.append(f"{s.get('seconds', 0):.2f} s in all")
    return ", ".join(parts)


def render_synth_text(sr: SynthResult, header: str | None = None) -> str:
    r = sr.result
    out = [header] if header else []
    out.append(_HEADLINE[r.verdict].format(reason=r.reason))
    if r.verdict is Verdict.HOLDS and sr.table:
        out.append("witness table:")
        for name, ty, value in sr.table:
            out.extend(render_table(name, ty, value))
        out.append(
            f"re-checked by the explicit engine with the table fixed: {sr.recheck_states:,} states "
            f"to depth {r.stats['depth']}, no violation"
        )
    if r.verdict is Verdict.INCOMPLETE:
        out.append("every table passes, including one that never leads: this is no working algorithm")
    for i, (trace, bad) in enumerate(sr.runs, 1):
        out.append("")
        out.append(f"run {i} of {len(sr.runs)} (shown with the candidate table it refuted; {bad} is false at the end):")
        out.append(render_trace(trace))
    if r.verdict is Verdict.VIOLATED:
        out.append("")
        out.append(
            "every table fails at least one of these runs: each run fixes the adversary's choices "
            "(crashes, pauses, detector outputs), and no table satisfies all of them"
        )
    out.append(_stats_line(r.stats))
    return "\n".join(out)


def synth_json(sr: SynthResult) -> dict[str, Any]:
    r = sr.result
    return {
        "verdict": r.verdict.value,
        "exit_code": r.exit_code,
        "spec": r.spec,
        "engine": "synth",
        "properties": list(r.properties),
        "reason": r.reason,
        "vacuous": list(sr.vacuous),
        "table": {name: to_itf(ty, value) for name, ty, value in sr.table} if sr.table and r.verdict is Verdict.HOLDS else None,
        "recheck_states": sr.recheck_states,
        "runs": [{"violated": bad, "trace": trace_to_itf(t, r.spec)} for t, bad in sr.runs],
        "stats": r.stats,
    }


def render_synth_json(sr: SynthResult) -> str:
    return json.dumps(synth_json(sr), indent=2)
