"""Obligations left open at the end of a log: for every `P leadsto Q` property of the spec, the
record after which P held and Q did not, with no later record after which Q held.

A finite log cannot violate "eventually", but it can end with an obligation open: a lock
requested and never granted, a write never acknowledged. After each explained record the
frontier (the spec states consistent with the log so far) is read: an obligation opens when
P and not Q hold in some state of it ("definitely" when in every one), and it is discharged
when Q holds in every state of a later frontier. States passed by hidden steps between
records are not seen, so a Q that held only there goes unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracecheck.result import Pending, RecordRef


@dataclass(slots=True)
class _Open:
    opened: RecordRef
    definite: bool


class Obligations:
    """The open obligations of the spec's `leadsto` properties, updated record by record."""

    def __init__(self, compiled: Any) -> None:
        spec = compiled.spec
        self.props = [(t.name, compiled.predicate_fn(t.p, t.nlocals), compiled.predicate_fn(t.q, t.nlocals))
                      for t in spec.temporals if t.q is not None]
        self.texts = {t.name: (t.p_text, t.q_text) for t in spec.temporals}
        self.open: dict[str, _Open] = {}

    def __bool__(self) -> bool:
        return bool(self.props)

    def observe(self, frontier: list, ref: RecordRef) -> None:
        for name, p, q in self.props:
            qs = [bool(q(s, ())) for s in frontier]
            if name in self.open:
                if all(qs):
                    del self.open[name]
                continue
            trig = [bool(p(s, ())) and not qv for s, qv in zip(frontier, qs)]
            if any(trig):
                self.open[name] = _Open(ref, all(trig))

    def pending(self) -> tuple[Pending, ...]:
        return tuple(Pending(n, o.opened, o.definite, *self.texts[n])
                     for n, o in sorted(self.open.items(), key=lambda x: x[1].opened.index))


__all__ = ["Obligations"]
