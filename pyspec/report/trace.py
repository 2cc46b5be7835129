"""Traces for people (numbered steps, only what changed) and for tools (ITF JSON)."""

from __future__ import annotations

from typing import Any, Sequence

from pyspec.lang.types import format_value, to_itf
from pyspec.result import Step, Trace


def render_step_header(i: int, step: Step) -> str:
    if step.action is None:
        return f"{i}: initial state"
    if step.action.startswith("("):  # (stutter): a deadlocked state repeats for ever
        return f"{i}: {step.action}"
    args = ", ".join(f"{n}={format_value(t, v)}" for n, v, t in step.args)
    return f"{i}: {step.action}({args})"


def render_trace(trace: Trace) -> str:
    """Step 0 shows every variable; each later step shows the action with its arguments and
    only the variables it changed (`x' = ...`)."""
    lines = []
    prev: tuple | None = None
    for i, step in enumerate(trace.steps):
        lines.append(render_step_header(i, step))
        for var, value, old in zip(trace.vars, step.state, prev or (None,) * len(step.state)):
            if prev is None:
                lines.append(f"    {var.name} = {format_value(var.ty, value)}")
            elif value != old:
                lines.append(f"    {var.name}' = {format_value(var.ty, value)}")
        if prev is not None and step.state == prev:
            lines.append("    (no variable changed)")
        prev = step.state
    return "\n".join(lines)


def trace_to_itf(trace: Trace, spec_name: str, extra_meta: dict[str, Any] | None = None,
                 picks: Sequence[Sequence[tuple[str, Any, Any]]] | None = None) -> dict[str, Any]:
    """The trace in the Informal Trace Format of Apalache and Quint: every state in full, with
    the action that reached it under `#meta` (and, given `picks`, per step the (name, value,
    type) of each choice the step made, as `#meta` `picks`)."""
    states = []
    for i, step in enumerate(trace.steps):
        st: dict[str, Any] = {"#meta": {"index": i}}
        if step.action is not None:
            st["#meta"]["action"] = step.action
            st["#meta"]["args"] = {n: to_itf(t, v) for n, v, t in step.args}
            if picks is not None and i < len(picks) and picks[i]:
                st["#meta"]["picks"] = {n: to_itf(t, v) for n, v, t in picks[i]}
        for var, value in zip(trace.vars, step.state):
            st[var.name] = to_itf(var.ty, value)
        states.append(st)
    meta = {"format": "ITF", "source": spec_name, "description": "pyspec counterexample"}
    meta.update(extra_meta or {})
    if trace.loop is not None:
        # ITF's lasso (Apalache): the state after the last one is states[loop]; the repeated
        # state is not listed, the step that goes back is in #meta
        back = states.pop()["#meta"]
        meta["loop_action"] = back.get("action")
        meta["loop_args"] = back.get("args", {})
        return {"#meta": meta, "vars": [v.name for v in trace.vars], "states": states, "loop": trace.loop}
    return {"#meta": meta, "vars": [v.name for v in trace.vars], "states": states}
