"""Writes per-node JSON-lines logs of a simulated run of specs/leader_election.spec: the logs a
correct implementation would write. Used by the tracecheck tests, docs and benchmark.

    python examples/tracecheck/leader_logs.py OUT_DIR [--records N] [--seed S] [--hide-env]

Each process p writes node-p.jsonl: `{"clock": k, "node": p, "event": "step", "suspects": [...],
"leader": true|false}` for Step(p), and `{"clock": k, "node": p, "event": "crash"}` for
Crash(p); the test harness writes env.jsonl: `{"clock": k, "event": "gst"}` for Stabilize.
The clock is a global step counter, a valid Lamport clock. With `hide_env`, crash and gst
records are not written (the environment is invisible, as in most real logs).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys

import pyspec

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = os.path.join(HERE, "..", "..", "specs", "leader_election.spec")


def generate(out_dir: str, records: int, seed: int = 0, params: dict[str, str] | None = None,
             hide_env: bool = False) -> list[str]:
    """Simulate until `records` records are written; returns the log paths (env.jsonl first
    when written). Deterministic for a given seed."""
    spec = pyspec.load(SPEC, params or {"N": "3", "FD": "S"})
    c = pyspec.compile_spec(spec)
    from pyspec.lang.types import domain
    import itertools

    insts = [(a.name, args) for a in spec.actions for args in itertools.product(*(domain(f.ty) for f in a.formals))]
    iv = spec.var_index
    SUS, LEAD = iv("suspects"), iv("leader")
    rng = random.Random(seed)
    state = rng.choice(c.initial_states())
    cache: dict = {}
    os.makedirs(out_dir, exist_ok=True)
    n = int(spec.params[0][1])
    files = {p: open(os.path.join(out_dir, f"node-{p}.jsonl"), "w") for p in range(n)}
    env = None if hide_env else open(os.path.join(out_dir, "env.jsonl"), "w")
    written = clock = 0
    try:
        while written < records:
            moves = cache.get(state)
            if moves is None:
                moves = [(a, args, succ) for a, args in insts for succ in [pyspec.successors(c, state, a, args)] if succ]
                cache[state] = moves
            a, args, succs = moves[rng.randrange(len(moves))]
            state = succs[rng.randrange(len(succs))]
            clock += 1
            if a == "Step":
                p = args[0]
                rec = {"clock": clock, "node": p, "event": "step", "suspects": sorted(state[SUS][p]), "leader": state[LEAD][p]}
                files[p].write(json.dumps(rec) + "\n")
            elif hide_env:
                continue
            elif a == "Crash":
                files[args[0]].write(json.dumps({"clock": clock, "node": args[0], "event": "crash"}) + "\n")
            else:
                env.write(json.dumps({"clock": clock, "event": "gst"}) + "\n")
            written += 1
    finally:
        for f in files.values():
            f.close()
        if env is not None:
            env.close()
    paths = [os.path.join(out_dir, f"node-{p}.jsonl") for p in range(n)]
    return ([os.path.join(out_dir, "env.jsonl")] if env is not None else []) + paths


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir")
    ap.add_argument("--records", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--hide-env", action="store_true")
    ns = ap.parse_args(argv)
    for p in generate(ns.out_dir, ns.records, ns.seed, hide_env=ns.hide_env):
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
