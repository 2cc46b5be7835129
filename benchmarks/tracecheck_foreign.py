"""tracecheck on a log nobody here designed (issue 12): a names-only log of a lock server with
12 clients (examples/tracecheck/lock_server/), validated by each engine, and the time to load
mappings with many expressions (the spec is checked once per load).

Each engine's time is wall-clock in this process, with a time limit so that the explicit
engine, whose frontier grows with every unlogged request, stops instead of filling memory.
The baseline, measured in the same run, is the explicit engine on the same log with the
client count lowered to 3 (its frontier stays small).

Run: .venv/bin/python benchmarks/tracecheck_foreign.py [--records 40,100] [--time-limit 60]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != HERE]
LOCK = os.path.join(ROOT, "examples", "tracecheck", "lock_server")
sys.path.insert(0, LOCK)

import lock_logs  # noqa: E402
import tracecheck  # noqa: E402

MAPPING = os.path.join(LOCK, "lock_server.toml")


def _run(log: str, engine: str, limit: float, params=None, max_frontier: int = 1_000_000):
    t0, c0 = time.perf_counter(), time.process_time()
    r = tracecheck.validate(MAPPING, [log], engine=engine, time_limit=limit, params=params, max_frontier=max_frontier)
    return r, time.perf_counter() - t0, time.process_time() - c0


def _row(label: str, r, wall: float, cpu: float) -> str:
    extra = r.stats.get("switched", "") or (r.reason or "")
    return f"  {label:<28} {r.verdict.name:<10} wall {wall:7.2f} s  cpu {cpu:7.2f} s  {extra[:90]}"


def _mapping_load(n_obs: int, tmp: str) -> float:
    text = open(MAPPING).read().replace('file = "lock_server.spec"', f'file = "{os.path.join(LOCK, "lock_server.spec")}"')
    obs = ", ".join(f'"pending[who] <= {k % 3} or holder != who"' for k in range(n_obs))
    text = text.replace('action = "Release"\nargs = { c = "who" }', f'action = "Release"\nargs = {{ c = "who" }}\nobserve = [{obs}]')
    path = os.path.join(tmp, f"many-{n_obs}.toml")
    with open(path, "w") as f:
        f.write(text)
    t0 = time.perf_counter()
    tracecheck.load_mapping(path)
    return time.perf_counter() - t0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--records", default="40,100")
    p.add_argument("--time-limit", type=float, default=60.0)
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print("mapping load (one spec check, then each expression checked in its scope):")
        for n in (1, 100, 259):
            print(f"  {n:>4} observations: {_mapping_load(n, tmp):.3f} s")
        for n in [int(x) for x in a.records.split(",")]:
            log = lock_logs.generate(os.path.join(tmp, f"lock-{n}.jsonl"), records=n, clients=12, seed=1)
            print(f"names-only lock-server log, 12 clients, {n} records, 1 hidden request before each:")
            base = _run(log, "explicit", a.time_limit, params={"NC": "12"})
            small_log = lock_logs.generate(os.path.join(tmp, f"lock3-{n}.jsonl"), records=n, clients=3, seed=1)
            small = _run(small_log, "explicit", a.time_limit, params={"NC": "3"})
            print(_row("baseline: explicit, 3 clients", *small))
            print(_row("explicit", *base))
            print(_row("z3", *_run(log, "z3", a.time_limit)))
            auto = _run(log, "auto", a.time_limit)
            print(_row("auto (default)", *auto))
            print(f"  auto / baseline wall: {auto[1] / max(small[1], 1e-9):.1f}x")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident: {peak:,.0f} MB")


if __name__ == "__main__":
    main()
