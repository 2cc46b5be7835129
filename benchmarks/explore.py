"""Explicit-state exploration speed: distinct states per second for the spec library, and
Paxos (3 acceptors, 2 values, ballots 0..2) against a hand-written BFS in the same process.

`--large` runs only Paxos with ballots 0..3 (8,220,065 states, about 12 GB resident): pyspec
and the hand-written BFS each in a process of its own (so each peak resident size is its own),
each under a time limit and a memory bound, and says how far each got when one stops it.
`--update-docs` writes the printed figures into docs/performance.md (benchmarks/docs_figures.py).

Run: .venv/bin/python benchmarks/explore.py [--quick | --large] [--update-docs]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from benchmarks.baselines import paxos_bfs  # noqa: E402
from benchmarks.docs_figures import Figures  # noqa: E402
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


def bench_spec(emit, path: str, params: dict[str, str], label: str) -> None:
    spec = load(path, params)
    r, cpu, wall = _cpu(lambda: check(spec))
    n = r.stats["states"]
    rc, ccpu, _ = _cpu(lambda: _check_closures(spec))
    assert rc.stats["states"] == n and rc.verdict == r.verdict
    emit(f"{label:<34} {r.verdict.value:<10} {n:>9,} states  depth {r.stats['depth']:>3}  "
          f"{cpu:7.2f} s CPU  {n / cpu:>9,.0f} states/s  (closures {n / ccpu:>9,.0f} states/s, "
          f"{ccpu / cpu:.1f}x slower)")


def bench_paxos(emit, max_ballot: int, memory: bool) -> None:
    spec = load("specs/paxos.spec", {"MaxBallot": str(max_ballot)})
    inv = ("Agreement",)  # what the baseline checks (the spec's Inv is for the prover)
    r, cpu, _ = _cpu(lambda: check(spec, invariants=inv))
    b, bcpu, _ = _cpu(lambda: paxos_bfs.explore(3, 2, max_ballot))
    rc, ccpu, _ = _cpu(lambda: _check_closures(spec, inv))
    assert r.stats["states"] == b["states"] == rc.stats["states"], (r.stats["states"], b["states"])
    n = r.stats["states"]
    emit(f"paxos NA=3 NV=2 ballots 0..{max_ballot}: {n:,} states (TLC: 3,921 / 185,369)")
    emit(f"  pyspec generated code   {cpu:7.2f} s CPU  {n / cpu:>9,.0f} states/s")
    emit(f"  pyspec closures         {ccpu:7.2f} s CPU  {n / ccpu:>9,.0f} states/s  "
          f"(ratio to baseline {ccpu / bcpu:.2f}x)")
    emit(f"  hand-written BFS        {bcpu:7.2f} s CPU  {n / bcpu:>9,.0f} states/s")
    emit(f"  ratio pyspec / baseline {cpu / bcpu:7.2f}x  (goal: 1.0)")
    if memory:
        ours = _peak_bytes(lambda: check(spec, invariants=inv))
        theirs = _peak_bytes(lambda: paxos_bfs.explore(3, 2, max_ballot))
        emit(f"  peak memory: pyspec {ours / n:,.0f} B/state, baseline {theirs / n:,.0f} B/state "
              f"(ratio {ours / theirs:.2f})")


def _child(who: str, max_ballot: int, time_limit: float, max_memory: float) -> None:
    """One engine of the large run, in this process; prints one JSON line."""
    if who == "pyspec":
        spec = load("specs/paxos.spec", {"MaxBallot": str(max_ballot)})
        (r, cpu, wall) = _cpu(lambda: check(spec, invariants=("Agreement",), time_limit=time_limit,
                                            max_memory=max_memory))
        out = {"verdict": r.verdict.value, "states": r.stats.get("states"), "depth": r.stats.get("depth"),
               "reason": r.reason}
    else:
        # The baseline has no bounds of its own: the address-space limit turns "too big" into
        # a MemoryError (the parent's timeout bounds the time).
        cap = int(max_memory * 1.25 * 2**20)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        try:
            (b, cpu, wall) = _cpu(lambda: paxos_bfs.explore(3, 2, max_ballot))
            out = {"verdict": "holds" if b["agreement_holds"] else "violated", "states": b["states"],
                   "depth": b["depth"], "reason": None}
        except MemoryError:
            out = {"verdict": "out of memory", "states": None, "depth": None,
                   "reason": f"address space above {cap / 2**20:,.0f} MB"}
            cpu, wall = time.process_time(), None
    out.update(cpu=cpu, wall=wall, peak_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(out))


def bench_paxos_large(emit, max_ballot: int, time_limit: float, max_memory: float) -> None:
    emit(f"paxos NA=3 NV=2 ballots 0..{max_ballot}, Agreement, each engine in a process of its own "
         f"(limits: {time_limit:,.0f} s, {max_memory:,.0f} MB)")
    cpus = {}
    for who, label in (("pyspec", "pyspec generated code"), ("baseline", "hand-written BFS")):
        argv = [sys.executable, os.path.abspath(__file__), "--child", who, str(max_ballot), str(time_limit),
                str(max_memory)]
        w0 = time.perf_counter()
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=time_limit + 60, check=False)
        except subprocess.TimeoutExpired:
            emit(f"  {label:<22} not finished after {time.perf_counter() - w0:,.0f} s (stopped)")
            continue
        lines = proc.stdout.strip().splitlines()
        if proc.returncode != 0 or not lines:
            emit(f"  {label:<22} failed, exit {proc.returncode}: {proc.stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(lines[-1])
        states = f"{r['states']:,} states" if r["states"] is not None else "states unknown"
        depth = f"depth {r['depth']}" if r["depth"] is not None else ""
        rate = f"{r['states'] / r['cpu']:>9,.0f} states/s" if r["states"] else ""
        emit(f"  {label:<22} {r['verdict']:<10} {states}  {depth}  {r['cpu']:7.1f} s CPU  {rate}  "
             f"peak {r['peak_mb']:,.0f} MB resident")
        if r["reason"]:
            emit(f"    {r['reason']}")
        if r["verdict"] in ("holds", "violated"):
            cpus[who] = r["cpu"]
    if len(cpus) == 2:
        emit(f"  ratio pyspec / baseline {cpus['pyspec'] / cpus['baseline']:7.2f}x  (CPU seconds)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="ballots 0..1 only, no memory measurement")
    ap.add_argument("--large", action="store_true", help="only Paxos ballots 0..3, each engine in its own process")
    ap.add_argument("--max-ballot", type=int, default=3, help="the ballots of --large: 0..MAX_BALLOT")
    ap.add_argument("--time-limit", type=float, default=1800.0, help="seconds per engine for --large")
    ap.add_argument("--max-memory", type=float, default=14000.0, help="MB per engine for --large")
    ap.add_argument("--update-docs", action="store_true", help="write the figures into docs/performance.md")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    os.chdir(os.path.dirname(HERE))
    if args.child:
        who, mb, tl, mm = args.child
        _child(who, int(mb), float(tl), float(mm))
        return
    if args.update_docs and args.large and args.max_ballot != 3:
        ap.error("the page shows --large with ballots 0..3: --update-docs needs --max-ballot 3")
    fig = Figures("benchmarks/explore.py --large" if args.large else "benchmarks/explore.py")
    emit = fig.emit
    emit(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    if args.large:
        bench_paxos_large(emit, args.max_ballot, args.time_limit, args.max_memory)
    else:
        bench_spec(emit, "specs/leader_election.spec", {"N": "3", "FD": "P"}, "leader_election N=3 FD=P")
        bench_spec(emit, "specs/leader_election.spec", {"N": "4", "FD": "P"}, "leader_election N=4 FD=P")
        bench_spec(emit, "specs/leader_election.spec", {"N": "5", "FD": "P"}, "leader_election N=5 FD=P")
        bench_paxos(emit, 1, memory=False)
        if not args.quick:
            bench_paxos(emit, 2, memory=True)
    if args.update_docs:
        fig.write()


if __name__ == "__main__":
    main()
