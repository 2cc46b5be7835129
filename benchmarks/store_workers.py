"""The packed state store and `--workers`, measured in one run against baselines run beside them.

1. Paxos (3 acceptors, 2 values) ballots 0..2, in this process: CPU of the hand-written BFS
   (benchmarks/baselines/paxos_bfs.py), of the search with states kept as tuples (the store
   before packing) and with the packed store (the default), and their peak traced memory per
   state (and that of --fingerprint).
2. `--big`: Paxos ballots 0..3 (8,220,065 states) through the `pyspec` command, once per worker
   count (default 1 and 2), each run `--repeat` times: wall time, CPU of all processes, peak
   resident memory summed over the processes (sampled every 0.2 s), states/s, and the speedup
   of each worker count against `--workers 1` in the same run.

3. `--split`: where the packed search's CPU goes (successors, invariants, unpacking, packing).

Run: .venv/bin/python benchmarks/store_workers.py [--big] [--split] [--workers 1 2] [--repeat N]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import threading
import time
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from benchmarks.baselines import paxos_bfs  # noqa: E402
from pyspec import load  # noqa: E402
from pyspec.api import compile_spec  # noqa: E402
from pyspec.explicit.explore import ExploreOptions, explore  # noqa: E402

_PAGE = os.sysconf("SC_PAGE_SIZE")


def _cpu(fn):
    if gc.isenabled():
        gc.collect()
    t0 = time.process_time()
    out = fn()
    return out, time.process_time() - t0


def _peak(fn) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def small(repeat: int) -> None:
    spec = load(os.path.join(ROOT, "specs/paxos.spec"), {"MaxBallot": "2"})
    compiled = compile_spec(spec)
    inv = ("Agreement",)  # what the baseline checks
    print("paxos NA=3 NV=2 ballots 0..2, CPU seconds in this process (best of", repeat, "runs)")
    best: dict[str, float] = {}
    n = 0
    for _ in range(repeat):
        b, bcpu = _cpu(lambda: paxos_bfs.explore(3, 2, 2))
        t, tcpu = _cpu(lambda: explore(compiled, ExploreOptions(inv, packed=False)))
        p, pcpu = _cpu(lambda: explore(compiled, ExploreOptions(inv)))
        assert b["states"] == t.stats["states"] == p.stats["states"], (b, t.stats, p.stats)
        n = p.stats["states"]
        for k, v in (("baseline", bcpu), ("tuples", tcpu), ("packed", pcpu)):
            best[k] = min(best.get(k, v), v)
    for k, label in (("baseline", "hand-written BFS"), ("tuples", "pyspec, states as tuples"),
                     ("packed", "pyspec, packed store (default)")):
        print(f"  {label:<32} {best[k]:6.2f} s  {n / best[k]:>8,.0f} states/s  ratio to baseline {best[k] / best['baseline']:.2f}x")
    mem = {
        "baseline": _peak(lambda: paxos_bfs.explore(3, 2, 2)),
        "tuples": _peak(lambda: explore(compiled, ExploreOptions(inv, packed=False))),
        "packed": _peak(lambda: explore(compiled, ExploreOptions(inv))),
        "fingerprint": _peak(lambda: explore(compiled, ExploreOptions(inv, fingerprint=True))),
    }
    print(f"  peak traced memory per state: baseline {mem['baseline'] / n:,.0f} B, tuples {mem['tuples'] / n:,.0f} B, "
          f"packed {mem['packed'] / n:,.0f} B (packed / tuples {mem['packed'] / mem['tuples']:.2f}), "
          f"fingerprints {mem['fingerprint'] / n:,.0f} B")


def split() -> None:
    """Where the packed search's CPU goes on Paxos 0..2: each piece timed alone over every state
    (successors, invariants, unpacking) and every transition (packing), beside the whole search."""
    from pyspec.explicit.explore import make_store

    spec = load(os.path.join(ROOT, "specs/paxos.spec"), {"MaxBallot": "2"})
    compiled = compile_spec(spec)
    inv = ("Agreement",)
    succ, failing = compiled.step_fn(), compiled.invariant_fn(inv)
    gc.disable()  # as the search does: millions of live tuples, no cycles
    store = make_store(compiled, ExploreOptions(inv))
    for s in compiled.initial_states():
        store.add_initial(s)
    head = 0
    while head < len(store):
        s, add = store.expand(head)
        for i, t in succ(s):
            add(t, i)
        head += 1
    lay = store.layout
    codes = list(store.codes)
    states = [lay.unpack(k) for k in codes]
    _, unpack = _cpu(lambda: [lay.unpack(k) for k in codes])
    nexts, successors = _cpu(lambda: [succ(s) for s in states])
    _, invariants = _cpu(lambda: [failing(s) for s in states])

    def pack_all() -> None:
        for s, k, ss in zip(states, codes, nexts):
            pack_next = lay.packer(s, k)
            for _, t in ss:
                pack_next(t)

    _, packing = _cpu(pack_all)
    _, whole = _cpu(lambda: explore(compiled, ExploreOptions(inv)))
    _, base = _cpu(lambda: paxos_bfs.explore(3, 2, 2))
    gc.enable()
    print(f"paxos 0..2, CPU seconds: whole search {whole:.2f} = successors {successors:.2f} + invariants "
          f"{invariants:.2f} + unpacking {unpack:.2f} + packing {packing:.2f} + the rest "
          f"{whole - successors - invariants - unpack - packing:.2f}; hand-written BFS {base:.2f}")


def _tree_rss(pid: int) -> float:
    """MB resident in process `pid` and its children (the workers)."""
    total = 0
    pids = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            pids += [int(x) for x in f.read().split()]
    except OSError:
        pass
    for p in pids:
        try:
            with open(f"/proc/{p}/statm", "rb") as f:
                total += int(f.read().split()[1]) * _PAGE
        except (OSError, ValueError, IndexError):
            pass
    return total / (1 << 20)


def _run_check(max_ballot: int, workers: int) -> dict:
    exe = os.path.join(os.path.dirname(sys.executable), "pyspec")
    cmd = [exe, "check", os.path.join(ROOT, "specs/paxos.spec"), "-D", f"MaxBallot={max_ballot}",
           "--invariant", "Agreement", "--workers", str(workers), "--json"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    w0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            peak[0] = max(peak[0], _tree_rss(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    done.set()
    sampler.join()
    wall = time.perf_counter() - w0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    r = json.loads(out)
    return {"verdict": r["verdict"], "states": r["stats"]["states"], "wall": wall, "cpu": cpu, "peak_mb": peak[0]}


def big(workers: list[int], repeat: int, max_ballot: int) -> None:
    print(f"paxos NA=3 NV=2 ballots 0..{max_ballot} through `pyspec check --workers N` "
          f"({os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the start)")
    runs: dict[int, list[dict]] = {w: [] for w in workers}
    for _ in range(repeat):  # interleaved, so that a change in the machine's load hits every count
        for w in workers:
            r = _run_check(max_ballot, w)
            runs[w].append(r)
            print(f"  --workers {w}: {r['verdict']}, {r['states']:,} states, {r['wall']:7.1f} s wall, "
                  f"{r['cpu']:7.1f} s CPU, {r['states'] / r['wall']:>8,.0f} states/s, peak {r['peak_mb']:,.0f} MB resident",
                  flush=True)
    counts = {r["states"] for rs in runs.values() for r in rs}
    assert len(counts) == 1, f"the worker counts disagree on the number of states: {counts}"
    one = min(r["wall"] for r in runs[workers[0]])
    for w in workers[1:]:
        best = min(r["wall"] for r in runs[w])
        cpu_ratio = min(r["cpu"] for r in runs[w]) / min(r["cpu"] for r in runs[workers[0]])
        print(f"  speedup of --workers {w} against --workers {workers[0]} (best wall times): {one / best:.2f}x; "
              f"CPU of all processes {cpu_ratio:.2f}x")
    print(f"  load average at the end {os.getloadavg()[0]:.1f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--big", action="store_true", help="also Paxos ballots 0..3 with each worker count")
    ap.add_argument("--max-ballot", type=int, default=3, help="the ballots of the --big runs (default 3)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--split", action="store_true", help="also time the packed search's pieces on Paxos 0..2")
    args = ap.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    small(args.repeat)
    if args.split:
        split()
    if args.big:
        big(args.workers, args.repeat, args.max_ballot)


if __name__ == "__main__":
    main()
