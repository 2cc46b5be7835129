"""BMC of specs/paxos.spec with the generic Z3 encoding, against the hand-written direct
encoding of the same protocol (benchmarks/baselines/paxos_z3.py), in one run.

Runs, per depth, `--repeat` pairs (generic, then hand-written, one after the other, so that
both of a pair see the same machine load) and prints the medians of the wall-clock seconds of
each (encoding included: each starts from nothing), the median of the pairs' ratios generic /
hand-written, and the same ratio in CPU seconds (less sensitive to other jobs on the machine);
the goal is a ratio of at most 1.0.

Then, in the same run, the library's BMC figures as a user runs them (`pyspec check --engine bmc`,
encoding and the search for the spec's `reachable` witnesses included): Raft (3 servers, no
up-to-date check) to the depth of its shortest seeded bug, 9, where LeaderCompleteness is
violated, and Chandra-Toueg (N = 3, 3 rounds, FD=EvS) to depth 10; the medians of
`--library-repeat` runs, wall-clock and CPU seconds (`--no-library` leaves them out).

    .venv/bin/python benchmarks/bmc.py [--depths 6 8 10] [--repeat 5] [--ints bv|int]
                                       [--library-repeat 3] [--no-library] [--update-docs]

`--update-docs` writes the printed figures into docs/performance.md (benchmarks/docs_figures.py);
only the default parameters (NA=3, NV=2, MaxBallot=2, bit-vectors) are the page's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(HERE, "baselines"))

import paxos_z3  # noqa: E402

from benchmarks.docs_figures import Figures  # noqa: E402

from pyspec import load  # noqa: E402
from pyspec.result import Verdict  # noqa: E402
from pyspec.api import compile_spec  # noqa: E402
from pyspec.symbolic.bmc import bmc  # noqa: E402


def generic(depth: int, na: int, nv: int, max_ballot: int, bitvectors: bool) -> tuple[float, float]:
    """Wall-clock and CPU seconds of pyspec's BMC (the reference semantics is compiled outside
    the clock, as the baseline has none)."""
    spec = load(os.path.join(ROOT, "specs", "paxos.spec"), {"NA": str(na), "NV": str(nv), "MaxBallot": str(max_ballot)})
    reference = compile_spec(spec)
    t0, c0 = time.perf_counter(), time.process_time()
    r = bmc(spec, depth, invariants=("Agreement",), bitvectors=bitvectors, reference=reference)  # as the baseline
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    if r.verdict is not Verdict.NO_VIOLATION_UP_TO:
        raise SystemExit(f"unexpected verdict at depth {depth}: {r.verdict} {r.reason or ''}")
    return secs, cpu


def hand_written(depth: int, na: int, nv: int, max_ballot: int) -> tuple[float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    r = paxos_z3.bmc(depth, na, nv, max_ballot)
    if r["violation_at"] is not None:
        raise SystemExit(f"the baseline finds a violation at depth {r['violation_at']}")
    return time.perf_counter() - t0, time.process_time() - c0


# The library's runs: (label, spec, params, invariants, depth, expected verdict, its depth).
LIBRARY = (
    ("Raft, terms 1..2, log 1, UpToDateCheck=False", "raft.spec",
     {"UpToDateCheck": "False", "MaxTerm": "2", "MaxLog": "1"}, ("LeaderCompleteness",), 9, Verdict.VIOLATED, 9),
    ("Raft, terms 1..2, log 2, UpToDateCheck=False", "raft.spec",
     {"UpToDateCheck": "False", "MaxTerm": "2", "MaxLog": "2"}, ("LeaderCompleteness",), 9, Verdict.VIOLATED, 9),
    ("Chandra-Toueg, N=3, FD=EvS, Rounds=3 Early=3", "chandra_toueg.spec",
     {"FD": "EvS", "Rounds": "3", "Early": "3"}, ("Agreement", "Validity"), 10, Verdict.NO_VIOLATION_UP_TO, 10),
)


def library(name: str, params: dict, invariants: tuple[str, ...], depth: int, expected: Verdict,
            at: int) -> tuple[float, float, Verdict, int]:
    """Wall-clock and CPU seconds of one BMC run of a library spec, as `pyspec check --engine bmc`
    runs it (the reference semantics compiled outside the clock), its verdict and depth."""
    spec = load(os.path.join(ROOT, "specs", name), params)
    reference = compile_spec(spec)
    t0, c0 = time.perf_counter(), time.process_time()
    r = bmc(spec, depth, invariants=invariants, reference=reference)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    if r.verdict is not expected or r.stats["depth"] != at:
        raise SystemExit(f"{name} {params}: unexpected {r.verdict} at depth {r.stats['depth']} {r.reason or ''}")
    return secs, cpu, r.verdict, r.stats["depth"]


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--depths", type=int, nargs="+", default=[6, 8, 10])
    ap.add_argument("--repeat", type=int, default=5, help="pairs per depth; medians are reported")
    ap.add_argument("--na", type=int, default=3)
    ap.add_argument("--nv", type=int, default=2)
    ap.add_argument("--max-ballot", type=int, default=2)
    ap.add_argument("--ints", choices=("bv", "int"), default="bv", help="integer encoding of the generic engine")
    ap.add_argument("--library-repeat", type=int, default=3, help="runs per library spec; medians are reported")
    ap.add_argument("--no-library", action="store_true", help="leave out the library's Raft and Chandra-Toueg runs")
    ap.add_argument("--update-docs", action="store_true", help="write the figures into docs/performance.md")
    a = ap.parse_args(argv)
    if a.update_docs and ((a.na, a.nv, a.max_ballot, a.ints) != (3, 2, 2, "bv") or a.no_library):
        ap.error("the page shows NA=3 NV=2 MaxBallot=2 with bit-vectors and the library's runs: "
                 "--update-docs needs those")
    fig = Figures("benchmarks/bmc.py")
    emit = fig.emit
    emit(f"Paxos BMC, NA={a.na} NV={a.nv} MaxBallot={a.max_ballot}, generic integers: {a.ints}, "
         f"medians of {a.repeat} same-run pair(s)")
    emit(f"{'depth':>5}  {'generic s':>10}  {'hand-written s':>14}  {'ratio':>6}  {'CPU ratio':>9}")
    for d in a.depths:
        pairs = []
        for _ in range(a.repeat):
            g = generic(d, a.na, a.nv, a.max_ballot, a.ints == "bv")
            h = hand_written(d, a.na, a.nv, a.max_ballot)
            pairs.append((g, h))
        gw = statistics.median(g[0] for g, _ in pairs)
        hw = statistics.median(h[0] for _, h in pairs)
        ratio = statistics.median(g[0] / h[0] for g, h in pairs)
        cpu = statistics.median(g[1] / h[1] for g, h in pairs)
        emit(f"{d:>5}  {gw:>10.2f}  {hw:>14.2f}  {ratio:>6.2f}  {cpu:>9.2f}")
    if not a.no_library:
        emit()
        emit(f"Library specs, pyspec check --engine bmc, medians of {a.library_repeat} run(s)")
        emit(f"{'spec':<46}  {'depth':>5}  {'verdict':<22}  {'wall s':>7}  {'CPU s':>7}")
        for label, name, params, invariants, depth, expected, at in LIBRARY:
            runs = [library(name, params, invariants, depth, expected, at) for _ in range(a.library_repeat)]
            wall = statistics.median(r[0] for r in runs)
            cpu_s = statistics.median(r[1] for r in runs)
            verdict = f"violated at {at}" if expected is Verdict.VIOLATED else f"no violation up to {at}"
            emit(f"{label:<46}  {depth:>5}  {verdict:<22}  {wall:>7.2f}  {cpu_s:>7.2f}")
    if a.update_docs:
        fig.write()


if __name__ == "__main__":
    main(sys.argv[1:])
