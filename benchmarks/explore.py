"""Explicit-state exploration speed: distinct states per second for the spec library, and
Paxos (3 acceptors, 2 values, ballots 0..2) against a hand-written BFS in the same process.

Run: .venv/bin/python benchmarks/explore.py [--quick]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from benchmarks.baselines import paxos_bfs  # noqa: E402
from pyspec import check, load  # noqa: E402
from pyspec.explicit.compiled import CompiledSpec  # noqa: E402
from pyspec.explicit.explore import ExploreOptions, explore  # noqa: E402


def _check_closures(spec, invariants=None):
    """The same check with the closure engine (the reference semantics), for comparison."""
    return explore(CompiledSpec(spec, codegen=False), ExploreOptions(invariants))


def _cpu(fn):
    gc.collect()
    t0 = time.process_time()
    w0 = time.perf_counter()
    out = fn()
    return out, time.process_time() - t0, time.perf_counter() - w0


def _peak_bytes(fn) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def bench_spec(path: str, params: dict[str, str], label: str) -> None:
    spec = load(path, params)
    r, cpu, wall = _cpu(lambda: check(spec))
    n = r.stats["states"]
    rc, ccpu, _ = _cpu(lambda: _check_closures(spec))
    assert rc.stats["states"] == n and rc.verdict == r.verdict
    print(f"{label:<34} {r.verdict.value:<10} {n:>9,} states  depth {r.stats['depth']:>3}  "
          f"{cpu:7.2f} s CPU  {n / cpu:>9,.0f} states/s  (closures {n / ccpu:>9,.0f} states/s, "
          f"{ccpu / cpu:.1f}x slower)")


def bench_paxos(max_ballot: int, memory: bool) -> None:
    spec = load("specs/paxos.spec", {"MaxBallot": str(max_ballot)})
    inv = ("Agreement",)  # what the baseline checks (the spec's Inv is for the prover)
    r, cpu, _ = _cpu(lambda: check(spec, invariants=inv))
    b, bcpu, _ = _cpu(lambda: paxos_bfs.explore(3, 2, max_ballot))
    rc, ccpu, _ = _cpu(lambda: _check_closures(spec, inv))
    assert r.stats["states"] == b["states"] == rc.stats["states"], (r.stats["states"], b["states"])
    n = r.stats["states"]
    print(f"paxos NA=3 NV=2 ballots 0..{max_ballot}: {n:,} states (TLC: 3,921 / 185,369)")
    print(f"  pyspec generated code   {cpu:7.2f} s CPU  {n / cpu:>9,.0f} states/s")
    print(f"  pyspec closures         {ccpu:7.2f} s CPU  {n / ccpu:>9,.0f} states/s  "
          f"(ratio to baseline {ccpu / bcpu:.2f}x)")
    print(f"  hand-written BFS        {bcpu:7.2f} s CPU  {n / bcpu:>9,.0f} states/s")
    print(f"  ratio pyspec / baseline {cpu / bcpu:7.2f}x  (goal: 1.0)")
    if memory:
        ours = _peak_bytes(lambda: check(spec, invariants=inv))
        theirs = _peak_bytes(lambda: paxos_bfs.explore(3, 2, max_ballot))
        print(f"  peak memory: pyspec {ours / n:,.0f} B/state, baseline {theirs / n:,.0f} B/state "
              f"(ratio {ours / theirs:.2f})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="ballots 0..1 only, no memory measurement")
    args = ap.parse_args()
    os.chdir(os.path.dirname(HERE))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    bench_spec("specs/leader_election.spec", {"N": "3", "FD": "P"}, "leader_election N=3 FD=P")
    bench_spec("specs/leader_election.spec", {"N": "4", "FD": "P"}, "leader_election N=4 FD=P")
    bench_spec("specs/leader_election.spec", {"N": "5", "FD": "P"}, "leader_election N=5 FD=P")
    bench_paxos(1, memory=False)
    if not args.quick:
        bench_paxos(2, memory=True)


if __name__ == "__main__":
    main()
