"""What every engine returns: a verdict, the property it is about, a trace, statistics; and the
richer results built around a `Result` (a proof's obligations, a synthesised table, a suite's rows).

Plain data only: engines build these, reports read them, and neither imports the other. The
exit-code mapping lives here and nowhere else.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from pyspec.errors import Span
from pyspec.lang.typed import VarInfo
from pyspec.lang.types import Type


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
    # A lasso (a violated temporal property): the last state equals steps[loop].state, and the
    # behaviour repeats steps loop+1 .. the last for ever. None: a finite trace.
    loop: int | None = None

    def __len__(self) -> int:
        """The number of actions taken (the initial state is not an action)."""
        return len(self.steps) - 1


class Reach(enum.Enum):
    """The outcome of one `reachable` property."""

    REACHED = "reached"  # a witness trace exists
    UNREACHABLE = "unreachable"  # a complete search found no state satisfying it
    NOT_REACHED = "not reached"  # not within the bound: no verdict either way


@dataclass(frozen=True, slots=True)
class Reachability:
    """A `reachable` property's outcome: for REACHED, the depth of the first state satisfying
    it and the shortest trace to that state (the engines search in depth order)."""

    name: str
    status: Reach
    depth: int | None = None
    trace: Trace | None = None


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
    reachable: tuple[Reachability, ...] = ()  # the `reachable` properties checked, in order
    # the spec's `constraint`s in force: the verdict covers only the states reachable through
    # states that satisfy them ("HOLDS under constraint X")
    constraints: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()  # what may make the verdict vacuous, for the report

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code


# ---- proofs by induction (pyspec.symbolic.induction) --------------------------------------------


class Status(enum.Enum):
    """The outcome of one proof obligation."""

    DISCHARGED = "discharged"
    REFUTED = "refuted"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class FalsePart:
    """One conjunct of an invariant that is false in a state (`span`: where it is written), with
    the binding that falsifies it when it is a quantifier `all(... for p in S)` (the first in
    declared order, as (name, formatted value) pairs, nested quantifiers' names included), or
    the evaluation error's message when it cannot be evaluated there."""

    invariant: str
    span: Span
    binding: tuple[tuple[str, str], ...] = ()
    error: str | None = None


@dataclass(frozen=True, slots=True)
class CTI:
    """A counterexample to induction: `trace` holds the k pre-states (its first step has no
    action, the others the actions between them) and, unless `error` is set, the post-state
    reached by `action`; `broken` names the conjuncts of the invariant false after the step;
    `error` is the evaluation error the action raises in the last pre-state instead."""

    trace: Trace
    action: str
    args: tuple[tuple[str, Any, Any], ...]
    broken: tuple[str, ...]
    error: str | None = None
    broken_errors: tuple[tuple[str, str], ...] = ()  # broken conjuncts that fail to evaluate
    parts: tuple[FalsePart, ...] = ()  # every conjunct of the broken invariants false after the step


@dataclass(frozen=True, slots=True)
class Obligation:
    """One proof obligation (initiation, the base case, or consecution of one action)."""

    name: str
    status: Status
    seconds: float
    cti: CTI | None = None
    trace: Trace | None = None  # a refuted initiation or base case: the run that breaks Inv
    violated: str | None = None
    reason: str | None = None  # why unknown


@dataclass(frozen=True, slots=True)
class ProofResult:
    """The verdict (a Result with engine "prove") and the obligations behind it."""

    result: Result
    obligations: tuple[Obligation, ...]
    invariant: str
    aux: tuple[str, ...] = ()
    k: int = 1
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> Verdict:
        return self.result.verdict

    @property
    def exit_code(self) -> int:
        return self.result.exit_code


# ---- synthesis (pyspec.symbolic.synth) ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SynthResult:
    """`result.verdict`: HOLDS (a table exists, `table` holds it), VIOLATED (none exists,
    `runs` rule every table out), INCOMPLETE (vacuous: `vacuous` names the properties no run
    within the depth can break) or UNKNOWN (Z3 could not decide; `result.reason` says why)."""

    result: Result
    table: tuple[tuple[str, Type, Any], ...] | None = None  # (name, type, value) per unknown
    runs: tuple[tuple[Trace, str], ...] = ()  # each run and the property it breaks
    vacuous: tuple[str, ...] = ()
    recheck_states: int | None = None  # states the explicit re-check visited
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return self.result.exit_code


# ---- suites (pyspec.suite) ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """One `[[check]]` of a suite file: the check to run and the verdict it should give."""

    name: str
    spec: str
    params: dict[str, str]
    properties: tuple[str, ...] | None
    engine: str
    bound: int | None
    expect: Verdict
    length: int | None = None
    states: int | None = None
    aux: tuple[str, ...] = ()
    k: int = 1
    timeout: float | None = None
    runs: int = 100
    steps: int = 50
    seed: int = 0
    deadlock: bool = False
    note: str | None = None
    temporal: tuple[str, ...] | None = None  # temporal properties to check instead of invariants


@dataclass(frozen=True, slots=True)
class RowResult:
    """A row's outcome: its Result (None when it raised `error`), and whether it matched."""

    row: Row
    result: Result | None
    error: str | None
    seconds: float
    ok: bool
    mismatch: str | None = None


@dataclass(frozen=True, slots=True)
class SuiteResult:
    file: str
    rows: tuple[RowResult, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)
