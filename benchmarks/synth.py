"""`pyspec synth` time per verdict: is there ANY election algorithm (a table of the unknowns of
specs/election_any_algorithm.spec) that keeps AtMostOneLeader, for each failure-detector class,
N = 2 and 3 processes, memoryless and one-step-history views, at one fair round (depth N + 1).

Each time is wall-clock seconds of `api.synth` in this process (encoding, the
counterexample-guided loop, replay and the explicit re-check), loading excluded. The baseline,
in the same run, is the explicit enumeration of every table (a bounded BFS per table,
`pyspec.symbolic.synth.enumerate_tables`), on the memoryless views of N = 2 only: 16 tables,
the one class where it competes (docs/synth-bench.md).

Run: .venv/bin/python benchmarks/synth.py [--update-docs]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from benchmarks.docs_figures import Figures  # noqa: E402
from pyspec import api  # noqa: E402
from pyspec.symbolic.synth import enumerate_tables  # noqa: E402

SPEC = os.path.join(ROOT, "specs", "election_any_algorithm.spec")
CLASSES = ("P", "S", "EvP", "EvS")


def _synth(n: int, fd: str, h: int) -> tuple[str, float, int]:
    spec = api.load(SPEC, {"N": str(n), "FD": fd, "H": str(h)})
    t0 = time.perf_counter()
    sr = api.synth(spec, depth=n + 1)
    secs = time.perf_counter() - t0
    return sr.result.verdict.value, secs, int(sr.result.stats.get("rounds", 0))


def _enumerate(n: int, fd: str, h: int) -> tuple[bool | None, int, float]:
    spec = api.load(SPEC, {"N": str(n), "FD": fd, "H": str(h)})
    return enumerate_tables(spec, n + 1, compile_reference=api.compile_spec)


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--update-docs", action="store_true", help="write the figures into docs/performance.md")
    a = ap.parse_args(argv)
    fig = Figures("benchmarks/synth.py")
    emit = fig.emit
    emit("pyspec synth specs/election_any_algorithm.spec, depth N + 1; seconds (verdict, loop rounds)")
    emit((f"{'N':>2}  {'view':<16}" + "".join(f"  {fd:<24}" for fd in CLASSES)).rstrip())
    for h, view in ((0, "memoryless (H=0)"), (1, "history (H=1)")):
        for n in (2, 3):
            cells = []
            for fd in CLASSES:
                verdict, secs, rounds = _synth(n, fd, h)
                cells.append(f"{secs:6.2f} s ({verdict}, {rounds})")
            emit((f"{n:>2}  {view:<16}" + "".join(f"  {c:<24}" for c in cells)).rstrip())
    emit("baseline: every table enumerated, each checked by a bounded BFS (N=2, memoryless)")
    for fd in CLASSES:
        _, secs, _ = _synth(2, fd, 0)
        exists, tried, base = _enumerate(2, fd, 0)
        emit(f"  FD={fd:<4} table exists: {exists!s:<5}  {tried:>3} tables  {base:6.2f} s   "
             f"synth {secs:6.2f} s   ratio synth / enumeration {secs / base:5.2f}")
    if a.update_docs:
        fig.write()


if __name__ == "__main__":
    main(sys.argv[1:])
