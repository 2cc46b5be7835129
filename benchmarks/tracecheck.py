"""tracecheck throughput and memory: records/second validating simulated leader-election logs,
against a bare `json.loads` loop over the same files in the same run (the floor: tracecheck
must at least parse every line), peak memory (tracemalloc) as the log grows, and throughput on
partially observed logs as the hidden-step bound H grows, and the cost of the CLI's default memory
bound (a timer checks it; per record it once read /proc, which halved the rate).

Run: .venv/bin/python benchmarks/tracecheck.py [--sizes 10000,100000,1000000] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import tempfile
import time
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# This file is named tracecheck.py: keep its directory off the path so `import tracecheck`
# finds the package, not this script.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != HERE]
sys.path.insert(0, os.path.join(ROOT, "examples", "tracecheck"))

import leader_logs  # noqa: E402
import tracecheck  # noqa: E402
from pyspec.limits import default_max_memory  # noqa: E402

MAPPING = os.path.join(ROOT, "examples", "tracecheck", "leader_election.toml")


def _bare_parse(paths: list[str]) -> int:
    n = 0
    loads = json.loads
    for p in paths:
        with open(p, encoding="utf-8") as f:
            for line in f:
                loads(line)
                n += 1
    return n


def _timed(fn):
    gc.collect()
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _peak(fn) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="tracecheck throughput and memory")
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--quick", action="store_true", help="sizes 10000,100000 and a short H sweep")
    ns = ap.parse_args(argv)
    sizes = [10_000, 100_000] if ns.quick else [int(s) for s in ns.sizes.split(",")]
    mapping = tracecheck.load_mapping(MAPPING)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        print("fully observed logs (LeaderElection N=3 FD=S, 4 files, every action logged)")
        print(f"{'records':>10} {'json.loads rec/s':>17} {'tracecheck rec/s':>17} {'ratio':>7} {'peak MiB':>9}")
        for n in sizes:
            paths = leader_logs.generate(os.path.join(tmp, f"full-{n}"), n, seed=0)
            count, base_s = _timed(lambda: _bare_parse(paths))
            r, ours_s = _timed(lambda: tracecheck.validate(mapping, paths))
            assert r.conforms and r.matched == n == count, (r.verdict, r.matched, n)
            peak = _peak(lambda: tracecheck.validate(mapping, paths))
            base_rate, ours_rate = n / base_s, n / ours_s
            rows.append((n, base_rate, ours_rate, peak))
            print(f"{n:>10,} {base_rate:>17,.0f} {ours_rate:>17,.0f} {ours_rate / base_rate:>7.2f} {peak / 2**20:>9.2f}")
        if len(rows) >= 2:
            print(f"peak memory at {rows[-1][0]:,} / at {rows[-2][0]:,} records: {rows[-1][3] / rows[-2][3]:.2f}x")
        n = min(sizes[-1], 100_000)
        paths = leader_logs.generate(os.path.join(tmp, f"limits-{n}"), n, seed=0)
        print(f"\nunder the CLI's limits ({n:,} records; --max-memory 75% of RAM, a timer checks it): best of 3, alternated")
        best = {"no limits": float("inf"), "--max-memory": float("inf")}
        for _ in range(3):
            for label, kw in (("no limits", {}), ("--max-memory", {"max_memory": float(default_max_memory() or 1 << 20)})):
                r, s = _timed(lambda: tracecheck.validate(mapping, paths, engine="explicit", **kw))
                assert r.conforms, r.verdict
                best[label] = min(best[label], s)
        print(f"{'':>14} {'records/s':>11} {'ratio':>7}")
        for label, s in best.items():
            print(f"{label:>14} {n / s:>11,.0f} {best['no limits'] / s:>7.2f}")
        n = 10_000
        print(f"\npartially observed logs ({n:,} Step records; Crash and Stabilize not logged)")
        print(f"{'H':>3} {'verdict':>10} {'records/s':>11} {'peak frontier':>14}")
        hidden_paths = leader_logs.generate(os.path.join(tmp, "hidden"), n, seed=0, hide_env=True)
        for h in range(0, 2 if ns.quick else 4):
            r, s = _timed(lambda: tracecheck.validate(mapping, hidden_paths, hidden=h))
            done = r.matched if r.conforms else r.records
            print(f"{h:>3} {r.verdict.value:>10} {done / s:>11,.0f} {r.stats['peak_frontier']:>14,}"
                  + ("" if r.conforms else f"   (at record {r.records:,}: a Crash/Stabilize needs H >= 1)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
