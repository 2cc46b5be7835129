"""Model-based testing judged by the implementation's logs, through a tracecheck mapping.

    import tracecheck.model

    class LoggingLock:                        # performs the spec's actions; the system logs
        def __init__(self): ...               # a fresh system, logging into files of its own
        def Acquire(self, c): ...             # one method per action, as for pyspec.testing
        def logs(self): return [self.dir / "lock.jsonl", self.dir / "storage.jsonl"]

    TestLock = tracecheck.model.state_machine("mapping.toml", adapter=LoggingLock).TestCase

`state_machine` is `pyspec.testing.state_machine` on the mapping's spec, with a judge made of
the mapping's rules instead of an `observe()`: after each step it reads the records the step
added to the logs (in the mapping's order), and keeps the spec's steps that the records
explain, as `tracecheck validate` would: the step logs one record of the action taken (when
the mapping maps that action; an action no rule maps may log none), with that instance's
arguments, and every observation of the records holds (those logged before the action's
record in the state before the step, the others in the state after). The run fails, shrunk
to a shortest one, when no step of the spec explains them or a state reached breaks an
invariant. docs/testing.md ("Judged by the logs") is the guide.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable

from pyspec.errors import UsageError
from pyspec.testing import Judgement, SpecMachine
from pyspec.testing import state_machine as _state_machine
from tracecheck.mapping import Mapping, Rule, load_mapping
from tracecheck.readers import read_logs
from tracecheck.readers.record import MISSING, Record
from tracecheck.validate import Options, _show_step, _Validator, observer


def state_machine(
    mapping: str | os.PathLike[str] | Mapping,
    adapter: Callable[[], Any],
    params: dict[str, Any] | None = None,
    **options: Any,
) -> type[SpecMachine]:
    """A hypothesis state machine that drives `adapter()` with the actions of the mapping's
    spec (the mapping a path, loaded with `params` NAME -> value over its own, or a Mapping)
    and judges each step by the records it logs. The adapter has a method per action driven
    and `logs()`, the paths of the files its system logs into (a file not written yet has no
    record); an `observe()` is optional (both must then agree). `options` are those of
    `pyspec.testing.state_machine` (actions, invariants, settings, seed, html, name).

    Raises the errors of `load_mapping` and of `pyspec.testing.state_machine`; UsageError
    TC415 for an adapter without `logs()`, TC416 for `params` with a Mapping; while running, LogError for a record the mapping
    cannot read (TC206 unmatched and rejected, TC208, TC209, TC211)."""
    if not isinstance(mapping, Mapping):
        mapping = load_mapping(mapping, {k: _param_text(v) for k, v in (params or {}).items()})
    elif params:
        raise UsageError("params= is for a mapping given as a path; this one is loaded already",
                         hint="load it with tracecheck.load_mapping(path, params) or pass the path", code="TC416")
    if isinstance(adapter, type) and not callable(getattr(adapter, "logs", None)):
        raise _no_logs(adapter.__name__, mapping)
    m: Mapping = mapping
    return _state_machine(m.spec, adapter, judge=lambda a: _LogJudge(m, a), **options)


def _no_logs(name: str, mapping: Mapping) -> UsageError:
    return UsageError(f"adapter {name} has no logs() method (judged by the logs of mapping {mapping.file})",
                      hint="define logs(), returning the paths of the files the system logs into", code="TC415")


def _param_text(v: Any) -> str:
    if isinstance(v, bool):
        return "True" if v else "False"
    return str(v)


@dataclass(frozen=True)
class _Read:
    """One record of a step, bound by its rule: where it is in the step, relative to the
    action's record (-1 before, 0 the action's, 1 after)."""

    record: Record
    rule: Rule
    values: dict[str, Any]
    inst: Any  # (action, args) for an action's record, a message when it has no instance, else None
    place: int = 0


class _LogJudge:
    """The judge of one adapter's steps: the records each step adds to its logs."""

    def __init__(self, mapping: Mapping, adapter: Any) -> None:
        if not callable(getattr(adapter, "logs", None)):
            raise _no_logs(type(adapter).__name__, mapping)
        self.m, self.adapter = mapping, adapter
        self.v = _Validator(mapping, Options(), ())
        self.seen: dict[str, int] = {}  # log file -> lines already judged
        self.logged_actions = {r.action for r in mapping.rules if r.action is not None}

    def new_records(self) -> list[Record]:
        paths = [os.fspath(p) for p in self.adapter.logs()]
        present = [p for p in paths if os.path.exists(p)]
        if not present:
            return []
        out = [r for r in read_logs(present, self.m.log) if r.line > self.seen.get(r.file, 0)]
        for r in out:
            self.seen[r.file] = max(self.seen.get(r.file, 0), r.line)
        return out

    def __call__(self, step: tuple[str, tuple] | None) -> Judgement:
        reads: list[_Read] = []
        for record in self.new_records():
            rule = self.v.rule_of(record)
            if rule is None:
                continue
            values = self.v.bind(rule, record)
            inst = self.v.instance(rule, values, record) if rule.action is not None else None
            reads.append(_Read(record, rule, values, inst))
        shown = tuple(f"{os.path.basename(r.record.file)}:{r.record.line}: {r.record.raw.strip()}" for r in reads)
        actions = [r for r in reads if r.rule.action is not None]
        refused = self.refusal(step, actions)
        if refused is not None:
            return Judgement(lambda before, after: False, shown, lambda before, after: refused)
        at = reads.index(actions[0]) if actions else -1  # no action's record: every record tells the state after
        placed = [_Read(r.record, r.rule, r.values, r.inst, (i > at) - (i < at)) for i, r in enumerate(reads)]
        checks = [(r, o, observer(o, r.values)) for r in placed for o in r.rule.observe
                  if all(r.values[f] is not MISSING for f in o.fields)]

        def pair(r: _Read, before: tuple | None, after: tuple) -> tuple[tuple, tuple]:
            if before is None or r.place > 0:
                return after, after
            return (before, before) if r.place < 0 else (before, after)

        def holds(before: tuple | None, after: tuple) -> bool:
            return all(f(*pair(r, before, after)) for r, _, f in checks)

        def why(before: tuple | None, after: tuple) -> str | None:
            for r, o, f in checks:
                s, t = pair(r, before, after)
                if not f(s, t):
                    reason = self.v.observation_reason(o, r.values, s, [t]).message
                    return f"{os.path.basename(r.record.file)}:{r.record.line} (rule '{r.rule.name}'): {reason}"
            return None

        return Judgement(holds, shown, why)

    def refusal(self, step: tuple[str, tuple] | None, actions: list[_Read]) -> str | None:
        """Why the records cannot be the step taken, whatever the states: None when they can."""
        spec = self.m.spec

        def where(r: _Read) -> str:
            return f"{os.path.basename(r.record.file)}:{r.record.line}"

        if step is None:
            if actions:
                r = actions[0]
                shown = r.rule.action if isinstance(r.inst, str) else _show_step(spec, r.inst)
                return f"{where(r)} logs {shown} (rule '{r.rule.name}'), but no action was taken"
            return None
        taken = _show_step(spec, step)
        if not actions:
            if step[0] in self.logged_actions:
                return f"the step logged no record of {step[0]} (the mapping maps {step[0]}, so it is logged)"
            return None
        if len(actions) > 1:
            return (f"the step {taken} logged {len(actions)} records of actions ("
                    + ", ".join(f"{where(r)}: {r.rule.action}" for r in actions) + "); a step is one action")
        r = actions[0]
        if isinstance(r.inst, str):
            return f"{where(r)} (rule '{r.rule.name}'): {r.inst}"
        if r.inst[0] != step[0] or not any(c == step for c in self.v.concrete(r.inst)):
            return f"{where(r)} logs {_show_step(spec, r.inst)} (rule '{r.rule.name}'); the step taken was {taken}"
        return None


__all__ = ["state_machine"]
