"""What every engine returns: a verdict, the property it is about, a trace, statistics.

The exit-code mapping lives here and nowhere else.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from pyspec.lang.typed import VarInfo


class Verdict(enum.Enum):
    HOLDS = "holds"
    PROVED = "proved"
    NO_VIOLATION_UP_TO = "no violation up to the bound"
    CONFORMS = "conforms"
    VIOLATED = "violated"
    DEADLOCK = "deadlock"
    DIVERGES = "diverges"
    UNKNOWN = "unknown"
    INCOMPLETE = "incomplete"
    NOT_INDUCTIVE = "not inductive"

    @property
    def exit_code(self) -> int:
        return _EXIT[self]


_EXIT = {
    Verdict.HOLDS: 0,
    Verdict.PROVED: 0,
    Verdict.NO_VIOLATION_UP_TO: 0,
    Verdict.CONFORMS: 0,
    Verdict.VIOLATED: 1,
    Verdict.DEADLOCK: 1,
    Verdict.DIVERGES: 1,
    Verdict.UNKNOWN: 3,
    Verdict.INCOMPLETE: 3,
    Verdict.NOT_INDUCTIVE: 4,
}

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 70


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a trace: the action taken (None for the initial state), its arguments as
    (name, value, type) triples, and the state reached."""

    action: str | None
    args: tuple[tuple[str, Any, Any], ...]
    state: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Trace:
    vars: tuple[VarInfo, ...]
    steps: tuple[Step, ...]

    def __len__(self) -> int:
        """The number of actions taken (the initial state is not an action)."""
        return len(self.steps) - 1


@dataclass(frozen=True, slots=True)
class Result:
    verdict: Verdict
    spec: str
    engine: str
    properties: tuple[str, ...] = ()
    violated: str | None = None  # the property that failed
    trace: Trace | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None  # why UNKNOWN or INCOMPLETE, in the user's terms

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code
