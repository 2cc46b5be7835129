"""Draw a per-node ASCII timeline of an election run from its logs (wall time on the x axis),
and mark where tracecheck finds AtMostOneActingLeader false.

    python examples/systems/timeline.py DIR/*.jsonl [--step 0.1]

One column per `--step` seconds. In a node's row: `L` it logged `lead` (acted as leader; it
wrote to the storage), a digit `d` it logged `step` and now trusts node d, `.` it logged
nothing (it may be idle or paused: the log cannot tell). In the storage row, the digit of the
node whose write was stored. The last row marks with `^` the columns whose records tracecheck
places inside a span where AtMostOneActingLeader is false.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import tracecheck

HERE = os.path.dirname(os.path.abspath(__file__))


def render(logs: list[str], step: float = 0.1) -> str:
    rows: dict[str, list[dict]] = {}
    by_line: dict[tuple[str, int], float] = {}
    for path in logs:
        name = os.path.basename(path).removesuffix(".jsonl")
        with open(path) as f:
            recs = [json.loads(line) for line in f if line.strip()]
        rows[name] = recs
        for i, r in enumerate(recs, 1):
            by_line[(os.path.basename(path), i)] = r["time"]
    t0 = min(r["time"] for recs in rows.values() for r in recs)
    t1 = max(r["time"] for recs in rows.values() for r in recs)
    width = int((t1 - t0) / step) + 1
    col = lambda t: int((t - t0) / step)  # noqa: E731
    out = []
    for name, recs in rows.items():
        line = ["."] * width
        for r in recs:
            c = col(r["time"])
            if r["event"] == "lead":
                line[c] = "L"
            elif r["event"] == "step" and line[c] != "L":
                line[c] = str(r["trusted"])
            elif r["event"] == "store":
                line[c] = str(r["writer"])
        out.append(f"{name:>9} |{''.join(line)}|")
    result = tracecheck.validate(os.path.join(HERE, "election.toml"), logs, invariants=["AtMostOneActingLeader"])
    marks = [" "] * width
    for v in result.violations:
        a = by_line[(os.path.basename(v.first.file), v.first.line)]
        b = by_line[(os.path.basename(v.last.file), v.last.line)]
        for c in range(col(a), col(b) + 1):
            marks[c] = "^"
    out.append(f"{'2 leaders':>9} |{''.join(marks)}|")
    scale = "".join("|" if i % 10 == 0 else " " for i in range(width))
    out.append(f"{'seconds':>9}  {scale}")
    out.append(" " * 11 + "".join(f"{i * step * 10:<10.0f}" for i in range((width + 9) // 10)))
    out.append(f"verdict: {result.verdict.name}; " + "; ".join(
        f"{v.invariant} false from record {v.first.index} ({v.first.where()}) to record "
        f"{v.last.index} ({v.last.where()})" for v in result.violations))
    return "\n".join(out)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("logs", nargs="+")
    p.add_argument("--step", type=float, default=0.1)
    args = p.parse_args(argv)
    print(render(args.logs, args.step))
    return 0


if __name__ == "__main__":
    sys.exit(main())
