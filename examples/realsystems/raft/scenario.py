"""The Raft scenario: three pysyncobj nodes (examples/realsystems/raft/node.py) as separate
processes on 127.0.0.1; the leader is paused (SIGSTOP) until another node leads in a higher
term, then continued (SIGCONT). For a moment two nodes believe they lead, in different terms.

    python examples/realsystems/raft/scenario.py /tmp/raft          # writes /tmp/raft/node-*.jsonl
    tracecheck validate --mapping examples/realsystems/raft/raft.toml --invariants /tmp/raft/node-*.jsonl

Every wait is bounded; every process is stopped by its pid (SIGTERM, then SIGKILL) whatever
happens, and `run` returns the pids so that a test can check they are gone.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from dataclasses import dataclass, field

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from examples.realsystems import proc  # noqa: E402

NODE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node.py")
N = 3


@dataclass
class RaftRun:
    logs: list[str]
    pids: list[int]
    old_leader: int = -1        # the node that was paused
    old_term: int = -1
    new_leader: int = -1        # the node elected while it was paused
    new_term: int = -1
    paused_for: float = 0.0     # seconds between SIGSTOP and SIGCONT
    notes: list[str] = field(default_factory=list)


read_log = proc.read_jsonl  # the complete lines of a JSON-lines log


def current_leader(logs: list[str]) -> tuple[int, int] | None:
    """(node, term) of the node that most recently logged becoming leader and has not logged a
    state or term change since, if any."""
    best = None
    for path in logs:
        recs = [r for r in read_log(path) if r["event"] in ("state", "new_term", "candidate")]
        if recs and recs[-1]["event"] == "state" and recs[-1]["state"] == "leader":
            if best is None or recs[-1]["term"] > best[1]:
                best = (recs[-1]["node"], recs[-1]["term"])
    return best


def run(out_dir: str, *, pause: bool = True, settle: float = 0.5, timeout: float = 20.0,
        pids: list[int] | None = None, ports: list[int] | None = None) -> RaftRun:
    """Start the cluster, wait for a leader, (with `pause`) SIGSTOP it until another node leads
    in a higher term, SIGCONT it, wait until it has heard of the new term, run `settle` seconds
    more, stop every node. Raises TimeoutError if a step does not happen within `timeout` s.
    `pids` and `ports`, if given, are filled with the nodes' pids and TCP ports before they
    start (so that a caller can check they are gone and closed even when the run fails)."""
    os.makedirs(out_dir, exist_ok=True)
    ports = ports if ports is not None else []
    while len(ports) < N:
        port = proc.free_port()
        if port not in ports:
            ports.append(port)
    logs = [os.path.join(out_dir, f"node-{i}.jsonl") for i in range(N)]
    for path in logs:
        if os.path.exists(path):
            os.remove(path)
    procs = []
    result = RaftRun(logs=logs, pids=pids if pids is not None else [])
    try:
        for i in range(N):
            p = proc.start([sys.executable, NODE, "--id", str(i), "--ports", ",".join(map(str, ports)),
                            "--log", logs[i], "--duration", "60"],
                           os.path.join(out_dir, f"node-{i}.out"))
            procs.append(p)
            result.pids.append(p.pid)
        old, old_term = proc.wait_until(lambda: current_leader(logs), timeout, "a first leader")
        result.old_leader, result.old_term = old, old_term
        time.sleep(settle)
        if pause:
            if current_leader(logs) != (old, old_term):   # leadership moved meanwhile: take the new one
                old, old_term = proc.wait_until(lambda: current_leader(logs), timeout, "a leader")
                result.old_leader, result.old_term = old, old_term
            stopped = time.monotonic()
            proc.signal_group(procs[old], signal.SIGSTOP)
            try:
                new = proc.wait_until(
                    lambda: next(((i, r["term"]) for i in range(N) if i != old for r in read_log(logs[i])
                                  if r["event"] == "state" and r["state"] == "leader" and r["term"] > old_term), None),
                    timeout, "a new leader in a higher term while the old one is paused")
                result.new_leader, result.new_term = new
                time.sleep(settle)   # the new leader leads for a while; the old one still believes it does
            finally:
                proc.signal_group(procs[old], signal.SIGCONT)
                result.paused_for = time.monotonic() - stopped
            proc.wait_until(lambda: any(r["event"] == "new_term" and r["term"] >= result.new_term
                                        for r in read_log(logs[old])),
                            timeout, "the old leader to hear of the new term")
            time.sleep(settle)
    finally:
        for p in procs:
            proc.stop(p)
    return result


def main(argv=None) -> None:
    import argparse

    a = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    a.add_argument("out_dir")
    a.add_argument("--no-pause", action="store_true", help="a healthy run: nobody is paused")
    args = a.parse_args(argv)
    r = run(args.out_dir, pause=not args.no_pause)
    if not args.no_pause:
        print(f"paused node {r.old_leader} (leader of term {r.old_term}) for {r.paused_for:.2f} s; "
              f"node {r.new_leader} became leader of term {r.new_term}", file=sys.stderr)
    for path in r.logs:
        print(path)


if __name__ == "__main__":
    main()
