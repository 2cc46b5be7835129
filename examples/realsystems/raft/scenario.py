"""The Raft scenario: three pysyncobj nodes (examples/realsystems/raft/node.py) as separate
processes on 127.0.0.1; the leader is paused (SIGSTOP) until another node leads in a higher
term, then continued (SIGCONT). For a moment two nodes believe they lead, in different terms.

With `writes`, clients write through the leader: `writes` values before the pause, committed
by all three nodes; one more that the leader appends and is stopped right after, before it
sends it (the node stops itself on SIGUSR2, at that instant); `writes` to the new leader while
the old one is paused; and `writes` after it is continued, committed by all three. The old
leader's last entry, of its old term, is in no other log: the new leader's entries replace it.

    python examples/realsystems/raft/scenario.py /tmp/raft          # writes /tmp/raft/node-*.jsonl
    tracecheck validate --mapping examples/realsystems/raft/raft.toml --invariants /tmp/raft/node-*.jsonl
    python examples/realsystems/raft/scenario.py /tmp/raft-log --writes 2   # and raft_log.toml

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
    written: int = 0            # client writes asked for
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


def commit_index(path: str) -> int:
    """The commit index a node last logged (pysyncobj's own entry, index 1, is committed)."""
    return max([r["commit_index"] for r in read_log(path) if r["event"] == "commit"], default=1)


def appended(path: str, value: int) -> int | None:
    """The index at which a node last appended the entry of client write `value`."""
    return next((r["index"] for r in reversed(read_log(path)) if r["event"] == "append" and r.get("value") == value),
                None)


def stopped(pid: int) -> bool:
    """Is pid stopped (by a signal)?"""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "T"
    except (OSError, IndexError):
        return False


def write(result: RaftRun, procs, node: int, timeout: float, *, pause_after: bool = False) -> int:
    """Ask `node` for a client write (SIGUSR1; SIGUSR2: and stop once the entry is appended);
    wait until it has appended it (and, with pause_after, stopped). Returns the entry's index."""
    result.written += 1
    before = sum(1 for r in read_log(result.logs[node]) if r["event"] == "client_request")
    proc.signal_group(procs[node], signal.SIGUSR2 if pause_after else signal.SIGUSR1)
    req = proc.wait_until(lambda: [r for r in read_log(result.logs[node]) if r["event"] == "client_request"][before:],
                          timeout, f"node {node} to take a client write")[0]
    index = proc.wait_until(lambda: appended(result.logs[node], req["value"]), timeout,
                            f"node {node} to append the write of {req['value']}")
    if pause_after:
        proc.wait_until(lambda: stopped(procs[node].pid), timeout, f"node {node} to stop after appending")
    return index


def committed_by(logs: list[str], index: int, nodes, timeout: float) -> None:
    proc.wait_until(lambda: all(commit_index(logs[i]) >= index for i in nodes), timeout,
                    f"nodes {sorted(nodes)} to commit index {index}")


def run(out_dir: str, *, pause: bool = True, writes: int = 0, settle: float = 0.5, timeout: float = 20.0,
        pids: list[int] | None = None, ports: list[int] | None = None) -> RaftRun:
    """Start the cluster, wait for a leader, (with `pause`) SIGSTOP it until another node leads
    in a higher term, SIGCONT it, wait until it has heard of the new term, run `settle` seconds
    more, stop every node. With `writes`, client writes before, during and after the pause (see
    above), each waited for until committed. Raises TimeoutError if a step does not happen
    within `timeout` s.
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
        if writes:
            old, old_term = proc.wait_until(lambda: current_leader(logs), timeout, "a leader")
            for _ in range(writes):
                committed_by(logs, write(result, procs, old, timeout), range(N), timeout)
        if pause:
            if current_leader(logs) != (old, old_term):   # leadership moved meanwhile: take the new one
                old, old_term = proc.wait_until(lambda: current_leader(logs), timeout, "a leader")
                result.old_leader, result.old_term = old, old_term
            paused_at = time.monotonic()
            if writes:   # the node stops itself right after appending this write
                write(result, procs, old, timeout, pause_after=True)
            else:
                proc.signal_group(procs[old], signal.SIGSTOP)
            try:
                new = proc.wait_until(
                    lambda: next(((i, r["term"]) for i in range(N) if i != old for r in read_log(logs[i])
                                  if r["event"] == "state" and r["state"] == "leader" and r["term"] > old_term), None),
                    timeout, "a new leader in a higher term while the old one is paused")
                result.new_leader, result.new_term = new
                others = [i for i in range(N) if i != old]
                for _ in range(writes):   # committed by the two nodes that run
                    committed_by(logs, write(result, procs, new[0], timeout), others, timeout)
                time.sleep(settle)   # the new leader leads for a while; the old one still believes it does
            finally:
                proc.signal_group(procs[old], signal.SIGCONT)
                result.paused_for = time.monotonic() - paused_at
            proc.wait_until(lambda: any(r["event"] == "new_term" and r["term"] >= result.new_term
                                        for r in read_log(logs[old])),
                            timeout, "the old leader to hear of the new term")
            if writes:
                leader = proc.wait_until(lambda: current_leader(logs), timeout, "a leader")[0]
                for _ in range(writes):
                    committed_by(logs, write(result, procs, leader, timeout), range(N), timeout)
            time.sleep(settle)
        elif writes:
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
    a.add_argument("--writes", type=int, default=0, help="client writes before (and during and after) the pause")
    args = a.parse_args(argv)
    r = run(args.out_dir, pause=not args.no_pause, writes=args.writes)
    if not args.no_pause:
        print(f"paused node {r.old_leader} (leader of term {r.old_term}) for {r.paused_for:.2f} s; "
              f"node {r.new_leader} became leader of term {r.new_term}", file=sys.stderr)
    for path in r.logs:
        print(path)


if __name__ == "__main__":
    main()
