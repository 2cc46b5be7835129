"""Symmetry reduction measured against the full search of the same spec, in the same run.

For each case: the explicit search with the spec's symmetric types (one state per orbit) and
with `symmetry=False` (every state), in this process, one after the other: verdict, states,
CPU seconds (best of --repeat); then the ratios full / reduced. The two verdicts (and
counterexample lengths) must agree (the benchmark stops otherwise). Memory follows the state
count (the packed store's bytes per state are the same with and without symmetry).

Run: .venv/bin/python benchmarks/symmetry.py [--repeat N] [--update-docs]
`--update-docs` writes the printed figures into docs/performance.md (benchmarks/docs_figures.py).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from benchmarks.docs_figures import Figures  # noqa: E402
from pyspec import load  # noqa: E402
from pyspec.api import check  # noqa: E402

# (label, spec, params, --symmetry types (beside the spec's own), invariants or None for the spec's)
CASES = [
    ("raft_votes N=3 terms 0..3", "specs/raft_votes.spec", {"MaxTerm": "3"}, (),
     ["ElectionSafety", "OneLeaderPerTerm"]),
    ("raft_votes N=4 terms 0..2", "specs/raft_votes.spec", {"N": "4", "MaxTerm": "2"}, (),
     ["ElectionSafety", "OneLeaderPerTerm"]),
    ("paxos NA=3 ballots 0..2, Acceptor", "specs/paxos.spec", {}, ("Acceptor",), None),
    ("paxos NA=4 ballots 0..1, Acceptor", "specs/paxos.spec", {"NA": "4", "MaxBallot": "1"}, ("Acceptor",), None),
]


def _run(spec, invariants, symmetry: bool, repeat: int) -> dict:
    best = None
    r = None
    for _ in range(repeat):
        gc.collect()
        c0 = time.process_time()
        r = check(spec, invariants, symmetry=symmetry)
        cpu = time.process_time() - c0
        best = cpu if best is None else min(best, cpu)
    assert r is not None and best is not None
    return {"verdict": r.verdict.value, "states": r.stats["states"], "cpu": best,
            "length": len(r.trace) if r.trace is not None else None}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=1, help="runs per mode; the best CPU time is kept")
    ap.add_argument("--update-docs", action="store_true", help="write the figures into docs/performance.md")
    args = ap.parse_args()
    fig = Figures("benchmarks/symmetry.py")
    emit = fig.emit
    emit(f"{'spec':<36} {'search':<9} {'verdict':<9} {'states':>9} {'cpu s':>7}")
    for label, path, params, sym, invariants in CASES:
        spec = load(path, params, symmetric=sym)
        reduced = _run(spec, invariants, True, args.repeat)
        full = _run(spec, invariants, False, args.repeat)
        assert (reduced["verdict"], reduced["length"]) == (full["verdict"], full["length"]), (label, reduced, full)
        for name, m in (("orbits", reduced), ("full", full)):
            emit(f"{label if name == 'orbits' else '':<36} {name:<9} {m['verdict']:<9} {m['states']:>9,} "
                 f"{m['cpu']:>7.2f}")
        emit(f"{'':<36} {'full/orb':<9} {'':<9} {full['states'] / reduced['states']:>8.2f}x "
             f"{full['cpu'] / max(reduced['cpu'], 1e-3):>6.2f}x")
    if args.update_docs:
        fig.write()


if __name__ == "__main__":
    main()
