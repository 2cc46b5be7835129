"""tracecheck: log conformance checking against pyspec specifications (docs/tracecheck.md).

    result = tracecheck.validate("mapping.toml", ["node-0.jsonl", "node-1.jsonl"])
    assert result.conforms, tracecheck.render_text(result)

It sits on pyspec's public API only; pyspec never imports it. Pipeline: mapping (TOML) ->
readers (files -> records, merged in log order) -> validate (frontier search) -> report.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Callable, Iterable, Iterator

from pyspec import Verdict
from tracecheck.errors import LogError, MappingError
from tracecheck.mapping import Mapping, MappingWarning, load_mapping, loads_mapping
from tracecheck.readers import read_logs
from tracecheck.readers.record import MISSING, Record, get_path
from tracecheck.report import render_json, render_junit, render_text
from tracecheck.result import Divergence, InvariantSpan, TraceResult
from tracecheck.validate import Options, stopped_before_records


Z3_AFTER = 10_000  # --engine auto: Z3 takes over past this many states consistent with the log


def check_limits(time_limit: float | None, max_memory: float | None) -> None:
    """Raise UsageError (TC301) for a time limit or memory bound no run can honour."""
    from pyspec.limits import check_bounds

    check_bounds(time_limit, max_memory, "TC301")


def validate(
    mapping: str | os.PathLike | Mapping,
    logs: Iterable[str | os.PathLike],
    *,
    hidden: int | None = None,
    invariants: Iterable[str] | None = None,
    max_frontier: int = 100_000,
    time_limit: float | None = None,
    params: dict[str, str] | None = None,
    engine: str = "auto",
    max_memory: float | None = None,
    started: float | None = None,
    on_frontier: Callable[[int, int], None] | None = None,
    spec: str | os.PathLike | None = None,
    z3_after: int = Z3_AFTER,
    strict_liveness: bool = False,
) -> TraceResult:
    """Validate the logs at `logs` (paths, str or PathLike; "-" is standard input) against the
    mapping (a path, str or PathLike, or a loaded `Mapping`). Returns a TraceResult whose
    verdict is CONFORMS (every record explained), DIVERGES (with the first record nothing
    explains) or INCOMPLETE (a bound stopped it). Raises MappingError, LogError or another
    PyspecError for bad input. The time limit counts from `started` (a time.perf_counter()
    value; default: now) and holds while the mapping loads too. `on_frontier(record index,
    frontier size)` is called after each explained record (explicit engine only). `spec`
    replaces the mapping's spec file (like `params` its params).

    engine: "explicit", "z3", or "auto" (the default): explicit, and when more than `z3_after`
    states are consistent with the log, Z3 from the first record again (the result's
    `stats["switched"]` says where); auto stays explicit when the run needs it (invariants,
    `old(...)`, a clock skew, standard input, `strict_liveness`).

    strict_liveness: a log that conforms but ends with a `leadsto` obligation still pending
    (TraceResult.pending) is VIOLATED; only the explicit engine tracks them (TC308 with z3)."""
    import time

    from pyspec.errors import UsageError
    from pyspec.limits import Budget, LimitReached

    if engine not in ("explicit", "z3", "auto"):
        raise UsageError(f"unknown engine '{engine}'", hint="engines: auto, explicit, z3", code="TC304")
    if strict_liveness and engine == "z3":
        raise UsageError("--strict-liveness needs the leadsto obligations that only the explicit engine tracks",
                         hint="use --engine explicit (or auto, which then stays explicit)", code="TC308")
    if z3_after < 1:
        raise UsageError(f"--z3-after must be at least 1, not {z3_after}", code="TC301")
    check_limits(time_limit, max_memory)
    started = time.perf_counter() if started is None else started
    paths = tuple(os.fspath(p) for p in logs)
    if isinstance(mapping, Mapping):
        m = mapping
    else:
        try:
            with Budget(time_limit, max_memory, started):
                m = load_mapping(mapping, params, spec)
        except LimitReached as stop:
            return stopped_before_records("the spec", os.fspath(mapping), paths, engine, stop,
                                          "loading the mapping and its spec", started)
    keys = _KeyWatch(m)
    try:
        result = _run(m, paths, keys, "explicit" if strict_liveness else engine, z3_after, Options(
            hidden=hidden, invariants=tuple(invariants) if invariants is not None else None, max_frontier=max_frontier,
            time_limit=time_limit, max_memory=max_memory, started=started, on_frontier=on_frontier))
    except LogError as e:
        unseen = keys.unseen()
        if e.code == "TC206" and unseen:  # a record that fits no rule may be the typo's doing: say so at the error
            e.notes = e.notes + tuple((w.span, w.message) for w in unseen)
            e.hint = unseen[0].hint
        raise
    if strict_liveness and result.pending:
        names = ", ".join(f"{p.property} (since record {p.opened.index})" for p in result.pending)
        result = dataclasses.replace(result, verdict=Verdict.VIOLATED,
                                     reason=f"obligations pending at the end of the log (--strict-liveness): {names}")
    unseen = keys.unseen()
    return dataclasses.replace(result, warnings=result.warnings + tuple(str(w) for w in unseen)) if unseen else result


class _KeyWatch:
    """The mapping's suspect `when` keys (Mapping.suspect_keys) not yet found in a record read:
    a key some record has is no typo."""

    def __init__(self, m: Mapping) -> None:
        self.suspects = m.suspect_keys
        self.missing = {w.path for w in m.suspect_keys if w.path is not None}

    def records(self, records: Iterable[Record]) -> Iterable[Record]:
        """`records`, watched while a suspect key is still missing."""
        return self._watch(records) if self.missing else records

    def _watch(self, records: Iterable[Record]) -> Iterator[Record]:
        missing = self.missing
        for r in records:
            if missing and r.data is not None:
                found = [p for p in missing if get_path(r.data, p) is not MISSING]
                missing.difference_update(found)
            yield r

    def unseen(self) -> list[MappingWarning]:
        return [w for w in self.suspects if w.path in self.missing]


def _run(m: Mapping, paths: tuple[str, ...], keys: _KeyWatch, engine: str, z3_after: int, opts: Options) -> TraceResult:
    """One validation by `engine` (see validate), the records read through `keys`."""
    from tracecheck.validate import validate_records

    def read() -> Iterable[Record]:
        return keys.records(read_logs(paths, m.log))

    max_frontier = opts.max_frontier
    if engine == "z3":
        from tracecheck.validate_z3 import validate_records_z3

        return _untracked(m, validate_records_z3(m, read(), opts, paths))
    from tracecheck.validate_z3 import explicit_only

    # --engine auto stays explicit for what Z3 does not check, and for standard input (read once)
    stays = engine != "auto" or "-" in paths or explicit_only(m, opts.invariants) is not None
    if stays or z3_after >= max_frontier:
        return validate_records(m, read(), opts, paths)
    first = validate_records(m, read(), dataclasses.replace(opts, switch_at=z3_after), paths)
    if not first.stats.get("switch"):
        return first
    from tracecheck.validate_z3 import validate_records_z3

    at = first.stopped_at
    note = (f"the explicit frontier passed {z3_after:,} states at record {at.index if at else first.records:,}"
            f"{f' ({at.where()})' if at else ''} after {first.stats.get('seconds', 0):.2f} s; "
            "Z3 checked the log from the first record")
    second = validate_records_z3(m, read(), opts, paths)
    return _untracked(m, dataclasses.replace(second, stats={**second.stats, "switched": note}))


def _untracked(m: Mapping, r: TraceResult) -> TraceResult:
    """A Z3 result says so when the spec's `leadsto` obligations were not tracked (the explicit
    engine reads them off its frontier; Z3 keeps none)."""
    names = [t.name for t in m.spec.temporals if t.q is not None]
    if not names:
        return r
    return dataclasses.replace(r, stats={**r.stats, "obligations": f"not tracked by the z3 engine: {', '.join(names)} "
                                         "(--engine explicit reports those pending at the end of the log)"})


__all__ = [
    "validate",
    "load_mapping",
    "loads_mapping",
    "read_logs",
    "Mapping",
    "Options",
    "TraceResult",
    "Divergence",
    "InvariantSpan",
    "MappingError",
    "LogError",
    "render_text",
    "render_json",
    "render_junit",
]
