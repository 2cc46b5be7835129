"""Scenarios: start a system as separate processes on 127.0.0.1, inject faults on a schedule,
stop everything, and return the log files. tests/systems/ runs them; so can a person:

    python examples/systems/scenarios.py election-healthy /tmp/run
    python examples/systems/scenarios.py election-pause /tmp/run
    python examples/systems/scenarios.py election-lossy /tmp/run
    python examples/systems/scenarios.py election-restart /tmp/run
    python examples/systems/scenarios.py election-bug-claim /tmp/run
    python examples/systems/scenarios.py paxos-healthy /tmp/run
    python examples/systems/scenarios.py paxos-pause /tmp/run
    python examples/systems/scenarios.py paxos-pause-lossy /tmp/run
    python examples/systems/scenarios.py paxos-bug-forget-promise /tmp/run
    python examples/systems/scenarios.py lease-healthy /tmp/run       [--fencing none|write]
    python examples/systems/scenarios.py lease-pause /tmp/run         [--fencing none|write]
    python examples/systems/scenarios.py lease-bug-ignore-tokens /tmp/run

Each prints the log files it wrote; validate them with the mapping next to this file.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from faults import Cluster  # noqa: E402

PY = sys.executable


def _logs(c: Cluster) -> list[str]:
    return sorted(c.log_path(n) for n in c.procs)


def election(out_dir: str, *, n: int = 3, run: float = 1.2, pause: float = 0.0, after: float = 1.0,
             drop: float = 0.0, delay: float = 0.0, dup: float = 0.0, seed: int = 1,
             bug_claim: int | None = None, timeout: float = 0.4, down: float = 0.0) -> list[str]:
    """n election nodes and a storage node. Runs `run` seconds; with `pause` > 0 then pauses
    node 0 (the leader) for `pause` seconds, longer than the detector's `timeout`, and runs
    `after` seconds more; with `down` > 0, kills node 0 (SIGKILL), restarts it `down` seconds
    later, and runs `after` seconds more. `bug_claim`: the node that claims leadership after 0.8 s."""
    with Cluster(out_dir) as c:
        names = [f"node-{i}" for i in range(n)]
        ports = {i: c.socket_for(name) for i, name in enumerate(names)}
        storage = c.socket_for("storage")
        c.start("storage", [PY, os.path.join(HERE, "storage.py")])
        peers = ",".join(f"{i}={p}" for i, p in ports.items())
        for i, name in enumerate(names):
            argv = [PY, os.path.join(HERE, "election.py"), "--id", str(i), "--n", str(n),
                    "--peers", peers, "--storage", str(storage), "--timeout", str(timeout),
                    "--drop", str(drop), "--delay", str(delay), "--dup", str(dup),
                    "--seed", str(seed * 100 + i)]
            if bug_claim == i:
                argv += ["--bug-claim-after", "0.8"]
            c.start(name, argv)
        c.wait_for("node-0", "lead")
        time.sleep(run)
        if pause > 0:
            c.pause("node-0", pause)
            time.sleep(pause + after)
        if down > 0:
            c.kill("node-0")
            time.sleep(down)
            c.restart("node-0")
            time.sleep(after)
        return _logs(c)


def lease(out_dir: str, *, fencing: str = "none", pause: float = 0.0, lease_time: float = 0.8,
          think: float = 0.3, bug_ignore_tokens: bool = False) -> list[str]:
    """A lock service, a storage, and two clients that each take the lock once, read the
    register, think, write what they read plus one (with their token) and release. Client 1
    starts 0.3 s after client 0. With `pause` > 0, client 0 is paused as soon as it has read,
    for `pause` seconds (longer than the lease), and its write arrives after client 1's."""
    with Cluster(out_dir) as c:
        lock = c.socket_for("lock")
        storage = c.socket_for("storage")
        c.start("lock", [PY, os.path.join(HERE, "lockservice.py"), "--lease", str(lease_time)])
        argv = [PY, os.path.join(HERE, "storage.py"), "--fencing", fencing]
        if bug_ignore_tokens:
            argv.append("--bug-ignore-tokens")
        c.start("storage", argv)
        for i in range(2):
            c.start(f"client-{i}", [PY, os.path.join(HERE, "lockclient.py"), "--id", str(i),
                                    "--lock", str(lock), "--storage", str(storage),
                                    "--think", str(think), "--start-delay", str(0.3 * i)])
        if pause > 0:
            c.wait_for("client-0", "got_read")
            c.pause("client-0", pause)
        c.wait_for("client-1", "done", timeout=15)
        c.wait_for("client-0", "done", timeout=15)
        time.sleep(0.1)
        return _logs(c)


def paxos(out_dir: str, *, pause: float = 0.0, drop: float = 0.0, dup: float = 0.0, delay: float = 0.0,
          seed: int = 1, bug_forget_promise: bool = False, settle: float = 1.5) -> list[str]:
    """Three election nodes that are also Paxos proposers, three acceptors. With `pause` > 0,
    node 0 is paused as soon as a quorum has promised its first ballot (before it proposes)
    for `pause` seconds: node 1 takes over and runs its own ballot, and node 0 proposes in its
    old ballot when it wakes. Message faults apply to every node. Runs until node 0 or node 1
    decides (at most 8 s), then `settle` seconds more."""
    n = 3
    with Cluster(out_dir) as c:
        names = [f"node-{i}" for i in range(n)]
        ports = {i: c.socket_for(name) for i, name in enumerate(names)}
        accs = [c.socket_for(f"acc-{a}") for a in range(3)]
        fault = ["--drop", str(drop), "--dup", str(dup), "--delay", str(delay)]
        for a in range(3):
            argv = [PY, os.path.join(HERE, "acceptor.py"), "--acc", str(a), "--seed", str(seed * 100 + 10 + a)] + fault
            if bug_forget_promise:
                argv.append("--bug-forget-promise")
            c.start(f"acc-{a}", argv)
        peers = ",".join(f"{i}={p}" for i, p in ports.items())
        for i, name in enumerate(names):
            c.start(name, [PY, os.path.join(HERE, "election.py"), "--id", str(i), "--n", str(n),
                           "--peers", peers, "--acceptors", ",".join(map(str, accs)),
                           "--seed", str(seed * 100 + i)] + fault)
        if pause > 0:
            c.wait_for("node-0", "promised")
            c.pause("node-0", pause)
            time.sleep(pause)
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            try:
                c.wait_for("node-0", "decided", timeout=0.1)
                break
            except TimeoutError:
                pass
            try:
                c.wait_for("node-1", "decided", timeout=0.1)
                break
            except TimeoutError:
                pass
        time.sleep(settle)
        return _logs(c)


SCENARIOS = {
    "election-healthy": lambda d, a: election(d),
    "election-pause": lambda d, a: election(d, pause=1.5),
    "election-lossy": lambda d, a: election(d, run=2.0, drop=0.5, delay=0.05, dup=0.1, timeout=0.2),
    "election-restart": lambda d, a: election(d, down=1.0),
    "election-bug-claim": lambda d, a: election(d, bug_claim=2),
    "paxos-healthy": lambda d, a: paxos(d),
    "paxos-pause": lambda d, a: paxos(d, pause=1.5),
    "paxos-pause-lossy": lambda d, a: paxos(d, pause=1.5, drop=0.2, dup=0.1, delay=0.02),
    "paxos-bug-forget-promise": lambda d, a: paxos(d, pause=1.5, bug_forget_promise=True),
    "lease-healthy": lambda d, a: lease(d, fencing=a.fencing),
    "lease-pause": lambda d, a: lease(d, fencing=a.fencing, pause=2.0),
    "lease-bug-ignore-tokens": lambda d, a: lease(d, fencing="write", pause=2.0, bug_ignore_tokens=True),
}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="run one scenario; print its log files")
    p.add_argument("scenario", choices=sorted(SCENARIOS))
    p.add_argument("out_dir")
    p.add_argument("--fencing", choices=("none", "write"), default="none")
    args = p.parse_args(argv)
    for path in SCENARIOS[args.scenario](args.out_dir, args):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
