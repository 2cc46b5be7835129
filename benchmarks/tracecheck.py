"""tracecheck throughput: fully observed logs against a bare `json.loads` loop, and names-only
logs under `--engine auto`, in one run.

1. Fully observed logs: simulated leader-election logs (specs/leader_election.spec, N=3, FD=S,
   4 files, every action logged) of 10^4, 10^5 and 10^6 records, validated with the JSON
   decoder tracecheck uses by default (msgspec when installed) and with the stdlib's alone
   (TRACECHECK_JSON=stdlib), against a bare `json.loads` loop over the same files in the same
   run (the floor: tracecheck must at least parse every line). Rates are records per CPU
   second, best of --repeat runs each, the runs alternated (CPU seconds suffer less than wall
   clock from other jobs on the machine); peak memory by tracemalloc.
2. Partially observed logs (Crash and Stabilize not logged) as the hidden-step bound H grows.
3. Names-only logs (examples/tracecheck/lock_server/: which of 12 clients acquired or released
   the lock, requests not logged) of 25, 50, 100 and 200 records under `--engine auto`, the
   default, and the same logs with the last record wrong (a divergence): wall and CPU seconds,
   where auto switched to Z3, and the Z3 engine's work (records encoded, windows rechecked).

Run: .venv/bin/python benchmarks/tracecheck.py [--quick] [--sizes 10000,100000,1000000]
     [--names 25,50,100,200] [--repeat 3] [--update-docs]
--quick: sizes 10^4 and 10^5, one run each, names-only 25 and 50. `--update-docs` writes the
printed figures into docs/performance.md (benchmarks/docs_figures.py).
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
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "examples", "tracecheck"))
sys.path.insert(0, os.path.join(ROOT, "examples", "tracecheck", "lock_server"))

import leader_logs  # noqa: E402
import lock_logs  # noqa: E402
import tracecheck  # noqa: E402
from benchmarks.docs_figures import Figures  # noqa: E402
from tracecheck.readers.jsonl import fast_decoder  # noqa: E402

MAPPING = os.path.join(ROOT, "examples", "tracecheck", "leader_election.toml")
LOCK_MAPPING = os.path.join(ROOT, "examples", "tracecheck", "lock_server", "lock_server.toml")
NAME = "benchmarks/tracecheck.py"


def _bare_parse(paths: list[str]) -> int:
    n = 0
    loads = json.loads
    for p in paths:
        with open(p, encoding="utf-8") as f:
            for line in f:
                loads(line)
                n += 1
    return n


def _cpu(fn):
    """(fn(), CPU seconds, wall seconds)."""
    gc.collect()
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.process_time() - c0, time.perf_counter() - t0


def _peak(fn) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _validate(mapping, paths, stdlib: bool, **kw):
    """tracecheck.validate with the stdlib's JSON decoder alone, or with the default one."""
    old = os.environ.pop("TRACECHECK_JSON", None)
    if stdlib:
        os.environ["TRACECHECK_JSON"] = "stdlib"
    try:
        return tracecheck.validate(mapping, paths, **kw)
    finally:
        os.environ.pop("TRACECHECK_JSON", None)
        if old is not None:
            os.environ["TRACECHECK_JSON"] = old


def fully_observed(emit, tmp: str, sizes: list[int], repeat: int) -> None:
    fast = fast_decoder() is not None
    emit("fully observed logs (LeaderElection N=3 FD=S, 4 files, every action logged); records per CPU second, "
         f"best of {repeat}")
    emit(f"{'records':>10} {'json.loads':>11} {'tracecheck':>11} {'ratio':>6}"
         + (f" {'+msgspec':>11} {'ratio':>6}" if fast else "  (msgspec not installed)") + f" {'peak MiB':>9}")
    mapping = tracecheck.load_mapping(MAPPING)
    peaks = []
    for n in sizes:
        paths = leader_logs.generate(os.path.join(tmp, f"full-{n}"), n, seed=0)
        best = {"bare": float("inf"), "stdlib": float("inf"), "fast": float("inf")}
        for _ in range(repeat):
            count, cpu, _ = _cpu(lambda: _bare_parse(paths))
            assert count == n
            best["bare"] = min(best["bare"], cpu)
            for which in ("stdlib", "fast") if fast else ("stdlib",):
                r, cpu, _ = _cpu(lambda: _validate(mapping, paths, which == "stdlib"))
                assert r.conforms and r.matched == n, (r.verdict, r.matched, n)
                best[which] = min(best[which], cpu)
        peak = _peak(lambda: _validate(mapping, paths, False))
        peaks.append((n, peak))
        rate = {k: n / v for k, v in best.items() if v < float("inf")}
        line = f"{n:>10,} {rate['bare']:>11,.0f} {rate['stdlib']:>11,.0f} {rate['stdlib'] / rate['bare']:>6.2f}"
        if fast:
            line += f" {rate['fast']:>11,.0f} {rate['fast'] / rate['bare']:>6.2f}"
        emit(line + f" {peak / 2**20:>9.2f}")
        for p in paths:
            os.remove(p)
    if len(peaks) >= 2:
        emit(f"peak memory at {peaks[-1][0]:,} / at {peaks[-2][0]:,} records: {peaks[-1][1] / peaks[-2][1]:.2f}x")


def partially_observed(emit, tmp: str, hs: int) -> None:
    n = 10_000
    mapping = tracecheck.load_mapping(MAPPING)
    emit(f"partially observed logs ({n:,} Step records; Crash and Stabilize not logged)")
    emit(f"{'H':>3} {'verdict':>10} {'records/s':>11} {'peak frontier':>14}")
    paths = leader_logs.generate(os.path.join(tmp, "hidden"), n, seed=0, hide_env=True)
    for h in range(hs):
        r, cpu, _ = _cpu(lambda: tracecheck.validate(mapping, paths, hidden=h))
        done = r.matched if r.conforms else r.records
        emit(f"{h:>3} {r.verdict.value:>10} {done / cpu:>11,.0f} {r.stats['peak_frontier']:>14,}"
             + ("" if r.conforms else f"   (at record {r.records:,}: a Crash/Stabilize needs H >= 1)"))


def names_only(emit, tmp: str, counts: list[int]) -> None:
    emit("names-only logs (lock server, 12 clients, 1 hidden Request before each record), --engine auto")
    emit(f"{'records':>8} {'log':>10} {'verdict':>9} {'wall s':>7} {'cpu s':>6} {'switched at':>12} {'explicit s':>10}"
         f" {'encoded':>8} {'rechecks':>8}")
    for n in counts:
        for diverge in (False, True):
            log = lock_logs.generate(os.path.join(tmp, f"lock-{n}-{diverge}.jsonl"), records=n, clients=12, seed=1,
                                     diverge=diverge)
            r, cpu, wall = _cpu(lambda: tracecheck.validate(LOCK_MAPPING, [log]))
            note = r.stats.get("switched", "")
            at = note.split(" at record ")[1].split(" ")[0] if " at record " in note else "-"
            before = note.split(" after ")[1].split(" s;")[0] if " after " in note else "-"
            emit(f"{n:>8} {'diverging' if diverge else 'conforming':>10} {r.verdict.value:>9} {wall:>7.2f} {cpu:>6.2f}"
                 f" {at:>12} {before:>10} {r.stats.get('encoded_records', '-'):>8} {r.stats.get('rechecks', '-'):>8}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="tracecheck throughput")
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--names", default="25,50,100,200")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="sizes 10^4 and 10^5 once, names-only 25 and 50")
    ap.add_argument("--update-docs", action="store_true", help="write the figures into docs/performance.md")
    ns = ap.parse_args(argv)
    if ns.update_docs and ns.quick:
        ap.error("the page shows the full run: --update-docs without --quick")
    sizes = [10_000, 100_000] if ns.quick else [int(s) for s in ns.sizes.split(",")]
    counts = [25, 50] if ns.quick else [int(s) for s in ns.names.split(",")]
    repeat = 1 if ns.quick else ns.repeat
    fig = Figures(NAME)
    emit = fig.emit
    emit(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        fully_observed(emit, tmp, sizes, repeat)
        emit()
        partially_observed(emit, tmp, 2 if ns.quick else 4)
        emit()
        names_only(emit, tmp, counts)
    if ns.update_docs:
        fig.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
