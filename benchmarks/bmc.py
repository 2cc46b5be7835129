"""BMC of specs/paxos.spec with the generic Z3 encoding, against the hand-written direct
encoding of the same protocol (benchmarks/baselines/paxos_z3.py), in one run.

Prints, per depth, the absolute seconds of both (encoding included: each starts from
nothing) and the ratio generic / hand-written; the goal is a ratio of at most 1.2.

    .venv/bin/python benchmarks/bmc.py [--depths 6 8 10] [--repeat 1] [--ints bv|int] [--update-docs]

`--update-docs` writes the printed figures into docs/performance.md (benchmarks/docs_figures.py);
only the default parameters (NA=3, NV=2, MaxBallot=2, bit-vectors) are the page's.
"""

from __future__ import annotations

import argparse
import os
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


def generic(depth: int, na: int, nv: int, max_ballot: int, bitvectors: bool) -> float:
    spec = load(os.path.join(ROOT, "specs", "paxos.spec"), {"NA": str(na), "NV": str(nv), "MaxBallot": str(max_ballot)})
    t0 = time.perf_counter()
    r = bmc(spec, depth, invariants=("Agreement",), bitvectors=bitvectors, reference=compile_spec(spec))  # as the baseline
    secs = time.perf_counter() - t0
    if r.verdict is not Verdict.NO_VIOLATION_UP_TO:
        raise SystemExit(f"unexpected verdict at depth {depth}: {r.verdict} {r.reason or ''}")
    return secs


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--depths", type=int, nargs="+", default=[6, 8, 10])
    ap.add_argument("--repeat", type=int, default=1, help="runs per measurement; the minimum is reported")
    ap.add_argument("--na", type=int, default=3)
    ap.add_argument("--nv", type=int, default=2)
    ap.add_argument("--max-ballot", type=int, default=2)
    ap.add_argument("--ints", choices=("bv", "int"), default="bv", help="integer encoding of the generic engine")
    ap.add_argument("--update-docs", action="store_true", help="write the figures into docs/performance.md")
    a = ap.parse_args(argv)
    if a.update_docs and (a.na, a.nv, a.max_ballot, a.ints) != (3, 2, 2, "bv"):
        ap.error("the page shows NA=3 NV=2 MaxBallot=2 with bit-vectors: --update-docs needs those")
    fig = Figures("benchmarks/bmc.py")
    emit = fig.emit
    emit(f"Paxos BMC, NA={a.na} NV={a.nv} MaxBallot={a.max_ballot}, generic integers: {a.ints}, "
         f"minimum of {a.repeat} run(s) each")
    emit(f"{'depth':>5}  {'generic s':>10}  {'hand-written s':>14}  {'ratio':>6}")
    for d in a.depths:
        g = min(generic(d, a.na, a.nv, a.max_ballot, a.ints == "bv") for _ in range(a.repeat))
        h = min(paxos_z3.bmc(d, a.na, a.nv, a.max_ballot)["seconds"] for _ in range(a.repeat))
        emit(f"{d:>5}  {g:>10.2f}  {h:>14.2f}  {g / h:>6.2f}")
    if a.update_docs:
        fig.write()


if __name__ == "__main__":
    main(sys.argv[1:])
