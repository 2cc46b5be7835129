"""What a validation returns: the verdict, the first divergence with its explanation, the
invariant spans, and statistics. Reports render these; nothing here formats for output."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pyspec.result import Verdict


@dataclass(frozen=True, slots=True)
class RecordRef:
    """A record by its position in the merged log (1-based) and in its file."""

    index: int
    file: str
    line: int
    raw: str

    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class Reason:
    """Why one candidate state cannot take the record's step.

    kind: "require" (a false clause of the action), "empty choice", "error" (an evaluation
    error in the action), "observation" (a logged value no successor has; when each
    observation holds in some successor but never all at once, the first one that fails in
    the successors where the earlier ones hold), "args" (the arguments are outside the
    action's parameter types)."""

    kind: str
    message: str
    where: str | None = None  # file:line:col of the spec clause
    clause: str | None = None  # its text
    values: tuple[tuple[str, str], ...] = ()  # what the clause reads, formatted
    # the same values as JSON values (ITF: {"#set": [...]}, {"#map": [...]}, {"#bigint": "..."}),
    # for those whose value is known (not a value the step was still building, e.g. `x'`)
    itf: tuple[tuple[str, Any], ...] = ()
    # an observation's spec side: every value the successors allow (as ITF), in the message's order
    allowed: tuple[tuple[str, tuple[Any, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class Candidate:
    """A frontier state (variable name -> value, formatted and as ITF) and why it fails."""

    state: tuple[tuple[str, str], ...]
    itf: dict[str, Any]
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class Divergence:
    record: RecordRef
    rule: str
    step: str  # the spec step the record stands for, e.g. Step(p=1), or "(observation)"
    observed: tuple[tuple[str, str], ...]  # the fields the rule reads, formatted
    recent: tuple[RecordRef, ...]  # the last records that matched, oldest first
    frontier: int  # states consistent with the log just before the record
    candidates: int  # states tried (the frontier after up to H hidden steps)
    hidden: int
    explained: tuple[Candidate, ...]  # the first few candidates, each with its reasons
    observed_itf: tuple[tuple[str, Any], ...] = ()  # the fields the rule reads, as ITF (None: absent)


@dataclass(frozen=True, slots=True)
class InvariantSpan:
    """A run of consecutive records after which `invariant` is false in some state consistent
    with the log ("possibly"); `definite` counts the records where it is false in every one."""

    invariant: str
    first: RecordRef
    last: RecordRef
    records: int
    definite: int

    @property
    def certainty(self) -> str:
        if self.definite == self.records:
            return "definitely"
        return "possibly" if self.definite == 0 else "partly definitely"


@dataclass(frozen=True, slots=True)
class Pending:
    """A `P leadsto Q` obligation open at the end of the log: P held (and Q did not) after
    record `opened`, and Q held after no later record (tracecheck.obligations)."""

    property: str
    opened: RecordRef
    definite: bool  # P and not Q in every state consistent with the log there, not only some
    p_text: str = "P"  # the predicates as the spec writes them
    q_text: str = "Q"


@dataclass(frozen=True, slots=True)
class TraceResult:
    verdict: Verdict
    spec: str
    mapping: str
    logs: tuple[str, ...]
    engine: str
    hidden: int
    records: int  # records read
    matched: int  # records that matched a rule and were explained
    ignored: int  # records that matched no rule (with unmatched = "ignore")
    frontier: int  # states consistent with the whole log (0 on divergence)
    divergence: Divergence | None = None
    invariants: tuple[str, ...] = ()  # the invariants evaluated (--invariants)
    violations: tuple[InvariantSpan, ...] = ()
    more_violations: int = 0  # spans beyond those kept
    reason: str | None = None  # why INCOMPLETE
    stopped_at: RecordRef | None = None  # the record where a bound stopped the run
    stats: dict[str, Any] = field(default_factory=dict)
    # what may be wrong in the mapping, decided on the records read (a `when` key none of them has)
    warnings: tuple[str, ...] = ()
    pending: tuple[Pending, ...] = ()  # leadsto obligations open at the end of the log (a warning)

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code

    @property
    def conforms(self) -> bool:
        return self.verdict is Verdict.CONFORMS


def end_of_log(records: int, matched: int, log_format: str) -> tuple[Verdict, str | None]:
    """The verdict of a log read to its end with every matched record explained: CONFORMS, or
    INCOMPLETE (with the reason) when no record matched a rule, since a log of which nothing
    was checked conforms to any spec. Both engines end here."""
    if matched:
        return Verdict.CONFORMS, None
    if records == 0:
        return Verdict.INCOMPLETE, "the logs hold no records, so nothing was checked; check the log paths"
    where = ("the [log] pattern (a line it does not match is skipped) and the rules' `when` conditions"
             if log_format == "text" else "the rules' `when` conditions against the records' fields")
    return Verdict.INCOMPLETE, (f"no record matched a rule of the mapping ({records:,} read, all ignored), so nothing "
                                f"was checked; check {where}")


__all__ = ["end_of_log", "TraceResult", "Divergence", "Candidate", "Reason", "RecordRef", "InvariantSpan", "Pending"]
