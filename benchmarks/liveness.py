"""The liveness check (state graph with labelled edges, fair-cycle search) against the safety
check (BFS over states, invariants only) of the same spec, measured in the same run.

Each check runs in its own child process, so that its peak resident memory is its own; the
figures are wall-clock and CPU seconds, distinct states, and the peak resident set (MB) of the
child (which includes the interpreter and the compiled spec, about 30 MB), then the ratios
liveness / safety.

    .venv/bin/python benchmarks/liveness.py [--only TEXT] [--update-docs]

`--update-docs` writes the printed figures into docs/performance.md (benchmarks/docs_figures.py).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from benchmarks.docs_figures import Figures  # noqa: E402

# (label, spec, params, the invariant the safety check checks, the temporal property)
CASES = [
    ("leader election, FD=P, N=3", "leader_election_liveness.spec", {"FD": "P", "N": "3"}, "AtMostOneLeader",
     "EventuallyOneLeaderForever"),
    ("leader election, FD=P, N=4", "leader_election_liveness.spec", {"FD": "P", "N": "4"}, "AtMostOneLeader",
     "EventuallyOneLeaderForever"),
    ("leader election, FD=P, N=5", "leader_election_liveness.spec", {"FD": "P", "N": "5"}, "AtMostOneLeader",
     "EventuallyOneLeaderForever"),
    ("paxos, one leader, ballots 0..1", "paxos_liveness.spec",
     {"ORACLE": "unique", "Chaos": "False", "MaxBallot": "1"}, "Agreement", "EventuallyChosen"),
    ("paxos, one leader, ballots 0..2", "paxos_liveness.spec",
     {"ORACLE": "unique", "Chaos": "False", "MaxBallot": "2"}, "Agreement", "EventuallyChosen"),
    ("paxos, duel, ballots 0..1", "paxos_liveness.spec",
     {"ORACLE": "duel", "Chaos": "False", "MaxBallot": "1"}, "Agreement", "EventuallyChosen"),
    ("paxos, duel, ballots 0..2", "paxos_liveness.spec",
     {"ORACLE": "duel", "Chaos": "False", "MaxBallot": "2"}, "Agreement", "EventuallyChosen"),
]

_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
import pyspec
spec = pyspec.load({path!r}, {params!r})
t0, c0 = time.perf_counter(), time.process_time()
if {kind!r} == "safety":
    r = pyspec.check(spec, invariants=[{inv!r}])
else:
    r = pyspec.check_temporal(spec, [{temporal!r}])
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"verdict": r.verdict.value, "states": r.stats.get("states"), "wall": wall, "cpu": cpu, "mb": rss}}))
"""


def measure(kind: str, spec: str, params: dict, inv: str, temporal: str) -> dict:
    code = _CHILD.format(root=ROOT, path=os.path.join(ROOT, "specs", spec), params=params, kind=kind, inv=inv,
                         temporal=temporal)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", metavar="TEXT", help="only the cases whose label contains TEXT")
    ap.add_argument("--update-docs", action="store_true", help="write the figures into docs/performance.md")
    a = ap.parse_args(argv)
    if a.update_docs and a.only:
        ap.error("--update-docs writes every case: leave out --only")
    fig = Figures("benchmarks/liveness.py")
    emit = fig.emit
    emit(f"{'spec':<32} {'check':<8} {'verdict':<9} {'states':>9} {'wall s':>8} {'cpu s':>8} {'peak MB':>8}")
    for label, spec, params, inv, temporal in CASES:
        if a.only and a.only not in label:
            continue
        s = measure("safety", spec, params, inv, temporal)
        t = measure("liveness", spec, params, inv, temporal)
        for kind, m in (("safety", s), ("liveness", t)):
            emit(f"{label if kind == 'safety' else '':<32} {kind:<8} {m['verdict']:<9} {m['states']:>9,} "
                 f"{m['wall']:>8.2f} {m['cpu']:>8.2f} {m['mb']:>8.0f}")
        emit(f"{'':<32} {'ratio':<8} {'':<9} {'':>9} {t['cpu'] / max(s['cpu'], 1e-3):>8.1f}x"
             f" {'':>8} {t['mb'] / s['mb']:>8.1f}x")
    if a.update_docs:
        fig.write()


if __name__ == "__main__":
    main(sys.argv[1:])
