"""Writes a names-only log of a lock server (lock_server.spec): `{"event": "acquire", "who": "c3"}`
and `{"event": "release", ...}`, one record per line, requests not logged.

    python examples/tracecheck/lock_server/lock_logs.py OUT.jsonl [--records N] [--clients NC] [--seed S] [--diverge]

Each round a random client asks (unlogged), acquires and releases; `--diverge` makes the last
release come from a client that does not hold the lock.
"""

from __future__ import annotations

import argparse
import json
import random


def generate(path: str, records: int = 200, clients: int = 12, seed: int = 0, diverge: bool = False) -> str:
    rng = random.Random(seed)
    lines = []
    for _ in range(max(1, records // 2)):
        c = rng.randint(1, clients)
        lines.append({"event": "acquire", "who": f"c{c}"})
        lines.append({"event": "release", "who": f"c{c}"})
    if diverge:
        holder = int(lines[-1]["who"][1:])
        lines[-1]["who"] = f"c{holder % clients + 1}"
    with open(path, "w", encoding="utf-8") as f:
        for r in lines:
            f.write(json.dumps(r) + "\n")
    return path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--records", type=int, default=200)
    p.add_argument("--clients", type=int, default=12)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--diverge", action="store_true")
    a = p.parse_args()
    print(generate(a.out, a.records, a.clients, a.seed, a.diverge))


if __name__ == "__main__":
    main()
