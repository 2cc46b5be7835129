"""Suites: a TOML file of checks with their expected verdicts, run as one table (`pyspec suite`).

Each `[[check]]` names a spec (relative to the suite file), params, a property, an engine and a
bound, and the verdict the literature predicts. A row with `temporal = "NAME"` (or a list)
checks temporal properties under the spec's fairness instead of invariants (explicit engine). A row passes when the actual verdict equals the
expected one (and the counterexample length or state count, when the row pins one).
"""

from __future__ import annotations

import os
import time
import tomllib
from typing import Any

from pyspec import api
from pyspec.errors import PyspecError, UsageError
from pyspec.progress import stop_if_interrupted, watch
from pyspec.result import Result, Row, RowResult, SuiteResult, Verdict

ENGINES = ("explicit", "bmc", "prove", "simulate", "synth")
_VERDICTS = {v.value: v for v in Verdict} | {
    "holds": Verdict.HOLDS,
    "violated": Verdict.VIOLATED,
    "proved": Verdict.PROVED,
    "no violation": Verdict.NO_VIOLATION_UP_TO,
    "not inductive": Verdict.NOT_INDUCTIVE,
    "unknown": Verdict.UNKNOWN,
    "incomplete": Verdict.INCOMPLETE,
    "deadlock": Verdict.DEADLOCK,
}
_KEYS = {"name", "spec", "params", "property", "properties", "engine", "bound", "expect", "length",
         "states", "with", "k", "timeout", "runs", "steps", "seed", "deadlock", "note", "temporal"}

_ENGINE_KEYS = {  # the keys only some engines read
    "bound": ("explicit", "bmc", "synth"),
    "deadlock": ("explicit", "simulate", "bmc"),
    "timeout": ("bmc", "prove", "synth"),
    "runs": ("simulate",), "steps": ("simulate",), "seed": ("simulate",),
    "with": ("prove",), "k": ("prove",),
}


def load_suite(path: str) -> list[Row]:
    """Read a suite file. Raises UsageError naming the file (and row) for a malformed file."""
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise UsageError(f"no such suite file: {path}", code="PS610") from None
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"{path}: not valid TOML: {e}", code="PS611") from None
    checks = data.get("check")
    if not isinstance(checks, list) or not checks:
        raise UsageError(f"{path}: no [[check]] rows", code="PS612")
    base = os.path.dirname(path)
    return [_row(path, base, i + 1, c) for i, c in enumerate(checks)]


def _row(path: str, base: str, n: int, c: dict[str, Any]) -> Row:
    where = f"{path}: check #{n}" + (f" ({c['name']})" if isinstance(c.get("name"), str) else "")
    unknown = set(c) - _KEYS
    if unknown:
        raise UsageError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}", code="PS613")
    for key in ("spec", "expect"):
        if key not in c:
            raise UsageError(f"{where}: missing '{key}'", code="PS613")
    engine = c.get("engine", "explicit")
    if engine not in ENGINES:
        raise UsageError(f"{where}: engine must be one of {', '.join(ENGINES)}", code="PS613")
    unused = sorted(k for k in c if k in _ENGINE_KEYS and engine not in _ENGINE_KEYS[k])
    if unused:  # never silently dropped
        raise UsageError(f"{where}: engine {engine} does not use {', '.join(unused)}",
                         hint=" ".join(f"'{k}' is for {', '.join(_ENGINE_KEYS[k])};" for k in unused)[:-1], code="PS613")
    expect = _VERDICTS.get(str(c["expect"]).lower())
    if expect is None:
        raise UsageError(f"{where}: unknown expected verdict {c['expect']!r}", code="PS613")
    props = c.get("properties", [c["property"]] if "property" in c else None)
    temporal = c.get("temporal")
    if isinstance(temporal, str):
        temporal = [temporal]
    if temporal is not None and (props is not None or engine != "explicit"):
        raise UsageError(f"{where}: a 'temporal' row names no invariant and runs on the explicit engine",
                         code="PS613")
    params = {str(k): _param_text(v) for k, v in (c.get("params") or {}).items()}
    return Row(
        name=c.get("name") or f"{c['spec']} {' '.join(props or temporal or [])}",
        spec=os.path.join(base, c["spec"]),
        params=params,
        properties=tuple(props) if props is not None else None,
        engine=engine,
        bound=c.get("bound"),
        expect=expect,
        length=c.get("length"),
        states=c.get("states"),
        aux=tuple(c.get("with", ())),
        k=int(c.get("k", 1)),
        timeout=c.get("timeout"),
        runs=int(c.get("runs", 100)),
        steps=int(c.get("steps", 50)),
        seed=int(c.get("seed", 0)),
        deadlock=bool(c.get("deadlock", False)),
        note=c.get("note"),
        temporal=tuple(temporal) if temporal is not None else None,
    )


def _param_text(v: Any) -> str:
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, str):
        return v if v.isidentifier() else f'"{v}"'
    return str(v)


def run_row(row: Row) -> RowResult:
    """Run one check; a spec or usage error is a failed row, not an exception."""
    t0 = time.perf_counter()
    try:
        result = _run(row)
    except PyspecError as e:
        return RowResult(row, None, f"{e.code}: {e}", time.perf_counter() - t0, False, "error")
    seconds = time.perf_counter() - t0
    mismatch = None
    if result.verdict is not row.expect:
        mismatch = f"expected {row.expect.value}, got {result.verdict.value}"
    elif row.length is not None and (result.trace is None or len(result.trace) != row.length):
        got = len(result.trace) if result.trace is not None else None
        mismatch = f"expected a counterexample of {row.length} steps, got {got}"
    elif row.states is not None and result.stats.get("states") != row.states:
        mismatch = f"expected {row.states:,} states, got {result.stats.get('states')}"
    return RowResult(row, result, None, seconds, mismatch is None, mismatch)


def _run(row: Row) -> Result:
    spec = api.load(row.spec, row.params)
    if row.engine == "explicit" and row.temporal is not None:
        return api.check_temporal(spec, row.temporal, max_states=row.bound)
    if row.engine == "explicit":
        return api.check(spec, invariants=row.properties, max_states=row.bound, deadlock=row.deadlock)
    if row.engine == "simulate":
        return api.simulate(spec, runs=row.runs, steps=row.steps, seed=row.seed, invariants=row.properties,
                            deadlock=row.deadlock)
    if row.engine == "bmc":
        if row.bound is None:
            raise UsageError("a bmc row needs 'bound' (the depth)", code="PS613")
        return api.bmc(spec, depth=row.bound, invariants=row.properties, timeout=row.timeout, deadlock=row.deadlock)
    if row.engine == "prove":
        if not row.properties or len(row.properties) != 1:
            raise UsageError("a prove row needs exactly one 'property'", code="PS613")
        return api.prove(spec, row.properties[0], aux=row.aux, k=row.k, timeout=row.timeout).result
    if row.engine == "synth":
        if row.bound is None:
            raise UsageError("a synth row needs 'bound' (the depth)", code="PS613")
        return api.synth(spec, depth=row.bound, invariants=row.properties, timeout=row.timeout).result
    raise AssertionError(row.engine)


def run_suite(path: str, only: str | None = None, progress=None) -> SuiteResult:
    """Run the rows (those whose name contains `only`), calling `progress(row_result)` after
    each. Raises pyspec.progress.Interrupted when Ctrl-C stops a row."""
    rows = load_suite(path)
    if only:
        rows = [r for r in rows if only.lower() in r.name.lower()]
        if not rows:
            raise UsageError(f"no row of {path} matches {only!r}", code="PS614")
    out = []
    for i, row in enumerate(rows, 1):
        with watch(lambda: (None, f"row {i} of {len(rows)}, {row.name}")):
            rr = run_row(row)
        stop_if_interrupted()  # Ctrl-C in a row: its engine returned INCOMPLETE, the suite stops (Interrupted)
        out.append(rr)
        if progress is not None:
            progress(rr)
    return SuiteResult(path, tuple(out))
