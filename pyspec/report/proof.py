"""Renders a proof report (`pyspec prove`): each obligation with its status and solver time,
the verdict, and the counterexample (a trace, or a counterexample to induction), as text for
people and as JSON for machines.
"""

from __future__ import annotations

import json
from typing import Any

from pyspec.lang.types import format_value, to_itf
from pyspec.report.trace import render_step_header, render_trace, trace_to_itf
from pyspec.report.result import under_constraints
from pyspec.report.errors import span_text
from pyspec.result import CTI, FalsePart, ProofResult, Verdict

_HEADLINE = {
    Verdict.PROVED: "PROVED: {inv} holds in every reachable state",
    Verdict.VIOLATED: "VIOLATED: {violated}",
    Verdict.NOT_INDUCTIVE: "NOT INDUCTIVE: {what}",
    Verdict.UNKNOWN: "UNKNOWN: {reason}",
}


def _what(pr: ProofResult) -> str:
    names = [pr.invariant, *pr.aux]
    return names[0] + (" with " + ", ".join(names[1:]) if len(names) > 1 else "")


def render_proof_text(pr: ProofResult, header: str | None = None) -> str:
    out = []
    if header:
        out.append(header)
    kind = "inductive invariant" if pr.k == 1 else f"{pr.k}-induction"
    out.append(f"proof of {_what(pr)} ({kind})")
    width = max((len(o.name) for o in pr.obligations), default=0)
    for o in pr.obligations:
        line = f"  {o.name:<{width}}  {o.status.value:<10}  {o.seconds:6.2f} s"
        if o.reason:
            line += f"  ({o.reason})"
        out.append(line)
    r = pr.result
    out.append(under_constraints(
        _HEADLINE[r.verdict].format(inv=_what(pr), violated=r.violated, what=_what(pr), reason=r.reason), r))
    out.extend(f"warning: {w}" for w in r.warnings)
    for o in pr.obligations:
        if o.trace is not None:
            n = len(o.trace)
            out.append(f"{o.name} fails: a run of {n} step{'s' if n != 1 else ''} from an initial state:")
            out.append(render_trace(o.trace))
            out.append(f"invariant {o.violated} is false in the last state")
            break
    if r.verdict is Verdict.NOT_INDUCTIVE:
        for o in pr.obligations:
            if o.cti is not None:
                out.append(f"{o.name} fails; counterexample to induction:")
                out.append(render_cti(o.cti))
                break
        out.append(
            "The pre-state satisfies the invariant but may be unreachable. If it is unreachable, "
            "strengthen the proof with an auxiliary invariant that excludes it (--with NAME)"
            + (", or try k-induction (--k 2)." if pr.k == 1 else ".")
            + " If it is reachable, the invariant is violated: run pyspec check to find the trace."
        )
    out.append(f"{pr.stats.get('solver_seconds', 0):.2f} s in the solver, {pr.stats.get('seconds', 0):.2f} s in all")
    return "\n".join(out)


def render_cti(cti: CTI) -> str:
    """The pre-state(s) in full, then the step and what it changed, then what broke."""
    tr = cti.trace
    lines = []
    pre_count = len(tr.steps) - (0 if cti.error else 1)
    for i, step in enumerate(tr.steps):
        if i == 0:
            lines.append("0: pre-state (satisfies the invariant)" if pre_count == 1 else "0: first pre-state (satisfies the invariant)")
            for var, value in zip(tr.vars, step.state):
                lines.append(f"    {var.name} = {format_value(var.ty, value)}")
            continue
        prev = tr.steps[i - 1].state
        lines.append(render_step_header(i, step) + ("" if i < pre_count else "    (breaks the invariant)"))
        changed = False
        for var, value, old in zip(tr.vars, step.state, prev):
            if value != old:
                changed = True
                lines.append(f"    {var.name}' = {format_value(var.ty, value)}")
        if not changed:
            lines.append("    (no variable changed)")
    if cti.error:
        args = ", ".join(f"{n}={format_value(t, v)}" for n, v, t in cti.args)
        lines.append(f"{cti.action}({args}) cannot be evaluated in the last pre-state: {cti.error}")
    else:
        errs = dict(cti.broken_errors)
        for name in cti.broken:
            why = f" (cannot be evaluated: {errs[name]})" if name in errs else ""
            parts = [p for p in cti.parts if p.invariant == name]
            lines.append(f"invariant {name} is false after the step{why}" + (":" if parts else ""))
            lines.extend(f"    {_part(p)}" for p in parts)
    return "\n".join(lines)


def _part(p: FalsePart) -> str:
    """One false conjunct: where, its source text when the file can be read, and why."""
    text = span_text(p.span)
    where = f"line {p.span.line}" + (f": {text}" if text else "")
    if p.error is not None:
        return f"{where}    cannot be evaluated: {p.error}"
    if p.binding:
        return f"{where}    false for " + ", ".join(f"{n}={v}" for n, v in p.binding)
    return f"{where}    false"


def proof_to_json(pr: ProofResult) -> dict[str, Any]:
    r = pr.result
    return {
        "verdict": r.verdict.value,
        "exit_code": r.exit_code,
        "spec": r.spec,
        "engine": r.engine,
        "invariant": pr.invariant,
        "aux": list(pr.aux),
        "k": pr.k,
        "violated": r.violated,
        "reason": r.reason,
        "stats": pr.stats,
        **({"constraints": list(r.constraints)} if r.constraints else {}),
        **({"warnings": list(r.warnings)} if r.warnings else {}),
        "obligations": [
            {
                "name": o.name,
                "status": o.status.value,
                "seconds": round(o.seconds, 4),
                "reason": o.reason,
                "violated": o.violated,
                "trace": trace_to_itf(o.trace, r.spec) if o.trace is not None else None,
                "cti": _cti_json(o.cti, r.spec) if o.cti is not None else None,
            }
            for o in pr.obligations
        ],
    }


def _cti_json(cti: CTI, spec: str) -> dict[str, Any]:
    return {
        "action": cti.action,
        "args": {n: to_itf(t, v) for n, v, t in cti.args},
        "broken": list(cti.broken),
        "error": cti.error,
        "broken_errors": dict(cti.broken_errors),
        "false_conjuncts": [
            {"invariant": p.invariant, "line": p.span.line, "col": p.span.col, "text": span_text(p.span),
             "binding": dict(p.binding), "error": p.error}
            for p in cti.parts
        ],
        "states": trace_to_itf(cti.trace, spec, {"description": "pyspec counterexample to induction"}),
    }


def render_proof_json(pr: ProofResult) -> str:
    return json.dumps(proof_to_json(pr), indent=2)


__all__ = ["render_proof_text", "render_proof_json", "proof_to_json", "render_cti"]
