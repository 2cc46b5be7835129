"""`pyspec suite`: one table of expected and actual verdicts, for people and as JSON."""

from __future__ import annotations

from typing import Any, Iterable

from pyspec.report.result import to_json
from pyspec.result import RowResult, SuiteResult, Verdict


def _measure(rr: RowResult) -> str:
    r = rr.result
    if r is None:
        return ""
    s = r.stats
    parts = []
    if "states" in s:
        parts.append(f"{s['states']:,} states")
    if s.get("depth") is not None and r.engine != "explicit":
        parts.append(f"depth {s['depth']}")
    if r.trace is not None:
        parts.append(f"trace {len(r.trace)}")
    return ", ".join(parts)


def _verdict(v: Verdict) -> str:
    return {"no violation up to the bound": "no violation"}.get(v.value, v.value)


def row_line(rr: RowResult, widths: tuple[int, ...]) -> str:
    r = rr.result
    actual = "ERROR" if r is None else _verdict(r.verdict)
    if r is not None and r.trace is not None and r.verdict is not Verdict.HOLDS:
        actual += f", {len(r.trace)}"
    expected = _verdict(rr.row.expect) + (f", {rr.row.length}" if rr.row.length is not None else "")
    cells = (
        "ok" if rr.ok else "FAIL",
        rr.row.name,
        expected,
        actual,
        rr.row.engine,
        _measure(rr),
        f"{rr.seconds:.2f} s",
    )
    return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()


def widths(names: Iterable[str]) -> tuple[int, ...]:
    """Column widths for a table whose check names are `names`."""
    return (4, max([len("check")] + [len(n) for n in names]), 14, 14, 8, 28, 8)


def header(ws: tuple[int, ...]) -> str:
    cells = ("", "check", "expected", "actual", "engine", "states / depth", "time")
    return "  ".join(c.ljust(w) for c, w in zip(cells, ws)).rstrip()


def render_suite(res: SuiteResult, printed_rows: bool = False) -> str:
    ws = widths(r.row.name for r in res.rows)
    out = [] if printed_rows else [header(ws)] + [row_line(r, ws) for r in res.rows]
    for r in res.rows:
        if not r.ok:
            out.append(f"FAIL {r.row.name}: {r.mismatch if r.error is None else r.error}")
    n_ok = sum(r.ok for r in res.rows)
    total = sum(r.seconds for r in res.rows)
    out.append(f"{n_ok} of {len(res.rows)} checks gave the expected verdict ({total:.1f} s)")
    return "\n".join(out)


def suite_json(res: SuiteResult) -> dict[str, Any]:
    return {
        "suite": res.file,
        "ok": res.ok,
        "rows": [
            {
                "name": r.row.name,
                "spec": r.row.spec,
                "params": r.row.params,
                "engine": r.row.engine,
                "expected": r.row.expect.value,
                "ok": r.ok,
                "mismatch": r.mismatch,
                "error": r.error,
                "seconds": round(r.seconds, 3),
                "result": to_json(r.result) if r.result is not None else None,
            }
            for r in res.rows
        ],
    }
