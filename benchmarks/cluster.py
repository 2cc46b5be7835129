"""The cluster engine (Dask) against local processes, in one run, on this machine.

1. The partitioned explicit search on Paxos (3 acceptors, 2 values, ballots 0..MaxBallot): one
   process, `--workers 2` (forked processes, pipes), and a local Dask cluster of 2 worker
   processes (`--cluster`, actors, everything through the coordinator): wall seconds and
   states/s, the same state count asserted; the cluster's start-up is reported apart.
2. `tracecheck corpus` over R copies of the sample runs (half conforming, half diverging):
   `--jobs 1`, `--jobs 2`, and the same Dask cluster; the same verdicts asserted.

Run: .venv/bin/python benchmarks/cluster.py [--ballots 2] [--runs 16] [--update-docs]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from benchmarks.docs_figures import Figures  # noqa: E402
from pyspec import load  # noqa: E402
from pyspec.api import check  # noqa: E402
from tracecheck.corpus import RunTask, find_runs, validate_corpus  # noqa: E402


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ballots", type=int, default=2, help="Paxos ballots 0..B (default 2: 185,369 states)")
    ap.add_argument("--runs", type=int, default=16, help="runs in the tracecheck corpus")
    ap.add_argument("--update-docs", action="store_true", help="write the figures into docs/performance.md")
    args = ap.parse_args()
    from distributed import LocalCluster

    fig = Figures("benchmarks/cluster.py")
    emit = fig.emit
    spec = load(os.path.join(ROOT, "specs/paxos.spec"), {"MaxBallot": str(args.ballots)})
    (cluster, up) = _timed(lambda: LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                                dashboard_address=":0"))
    try:
        emit(f"paxos NA=3 NV=2 ballots 0..{args.ballots}, wall seconds (local Dask cluster of 2 worker processes: "
             f"started in {up:.1f} s, not counted)")
        base = None
        for label, kw in (("one process", {}), ("--workers 2", {"workers": 2}),
                          ("--cluster (Dask, 2 workers)", {"cluster": cluster.scheduler_address})):
            r, wall = _timed(lambda: check(spec, **kw))
            base = base or (r.stats["states"], wall)
            assert r.stats["states"] == base[0], (label, r.stats["states"])
            emit(f"  {label:<30} {r.verdict.value:<6} {r.stats['states']:>9,} states {wall:>8.2f} s "
                 f"{r.stats['states'] / wall:>9,.0f} states/s  ratio to one process {base[1] / wall:.2f}x")
        with tempfile.TemporaryDirectory() as tmp:
            corpus = os.path.join(tmp, "corpus")
            for i in range(args.runs):
                src = "sample" if i % 2 == 0 else "sample-diverging"
                shutil.copytree(os.path.join(ROOT, "examples/tracecheck", src), os.path.join(corpus, f"run-{i:03d}"))
            mapping = os.path.join(ROOT, "examples/tracecheck/leader_election.toml")
            tasks = [RunTask(run, logs, mapping) for run, logs in find_runs([corpus])]
            emit(f"tracecheck corpus of {args.runs} runs (leader election, 40 records each), wall seconds")
            first = None
            for label, kw in (("--jobs 1", {}), ("--jobs 2", {"jobs": 2}),
                              ("--cluster (Dask, 2 workers)", {"cluster": cluster.scheduler_address})):
                outs, wall = _timed(lambda: validate_corpus(tasks, **kw))
                verdicts = [o.verdict for o in outs]
                first = first or (verdicts, wall)
                assert verdicts == first[0], label
                emit(f"  {label:<30} {wall:>8.2f} s {args.runs / wall:>7.1f} runs/s  ratio to --jobs 1 "
                     f"{first[1] / wall:.2f}x")
    finally:
        cluster.close()
    if args.update_docs:
        fig.write()


if __name__ == "__main__":
    main()
