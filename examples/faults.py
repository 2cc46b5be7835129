"""Fault injection for the example systems: start nodes as OS processes, pause them (SIGSTOP,
then SIGCONT after a given time), kill them, restart them; every process is stopped at the end.
Message faults (drop, delay, duplicate, with a seeded generator) live in the nodes' transport
(examples/systems/node.py) and are switched on with `--drop/--dup/--delay/--seed`.

From Python (what tests/systems/ does):

    with Cluster(log_dir) as c:
        c.start("node-0", [sys.executable, "examples/systems/election.py", ...])
        c.pause("node-0", 1.5)      # SIGSTOP now, SIGCONT in 1.5 s (returns immediately)
        c.kill("node-1"); c.restart("node-1")
    # leaving the block stops every process group it started (SIGTERM, then SIGKILL)

From the command line, on any process:

    python examples/faults.py pause PID SECONDS     # SIGSTOP, sleep, SIGCONT
    python examples/faults.py kill PID
    python examples/faults.py free-ports N          # N free UDP ports on 127.0.0.1

Sockets: the launcher binds each node's UDP socket on 127.0.0.1 (port 0: the OS picks) and
hands it to the process (`--fd`), so ports are known before any node starts and never race;
the socket survives a restart.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time

HOST = "127.0.0.1"


def udp_socket() -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((HOST, 0))
    return s


class Cluster:
    """Processes started in their own process group each, by name."""

    def __init__(self, log_dir: str) -> None:
        self.log_dir = str(log_dir)
        os.makedirs(self.log_dir, exist_ok=True)
        self.procs: dict[str, subprocess.Popen] = {}
        self.argv: dict[str, list[str]] = {}
        self.socks: dict[str, socket.socket] = {}
        self.timers: list[threading.Timer] = []

    def socket_for(self, name: str) -> int:
        """Bind (once) the UDP socket of node `name`; returns its port."""
        if name not in self.socks:
            self.socks[name] = udp_socket()
        return self.socks[name].getsockname()[1]

    def log_path(self, name: str) -> str:
        return os.path.join(self.log_dir, name + ".jsonl")

    def start(self, name: str, argv: list[str]) -> subprocess.Popen:
        """Start `argv` plus `--fd N --log DIR/name.jsonl`."""
        self.socket_for(name)
        fd = self.socks[name].fileno()
        full = list(argv) + ["--fd", str(fd), "--log", self.log_path(name)]
        err = open(os.path.join(self.log_dir, name + ".stderr"), "a")
        p = subprocess.Popen(full, pass_fds=(fd,), start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=err)
        err.close()
        self.procs[name], self.argv[name] = p, list(argv)
        return p

    def pid(self, name: str) -> int:
        return self.procs[name].pid

    def pause(self, name: str, seconds: float) -> None:
        """SIGSTOP the node's process group now and SIGCONT it after `seconds` (in a timer
        thread: this returns at once)."""
        pgid = self.procs[name].pid
        os.killpg(pgid, signal.SIGSTOP)
        t = threading.Timer(seconds, _signal_group, (pgid, signal.SIGCONT))
        t.daemon = True
        t.start()
        self.timers.append(t)

    def kill(self, name: str) -> None:
        p = self.procs[name]
        _signal_group(p.pid, signal.SIGKILL)
        p.wait(timeout=5)

    def restart(self, name: str) -> subprocess.Popen:
        if self.procs[name].poll() is None:
            self.kill(name)
        return self.start(name, self.argv[name])

    def wait_for(self, name: str, event: str, timeout: float = 10.0) -> dict:
        """Poll node `name`'s log until a record with this event appears; returns it."""
        import json
        deadline = time.monotonic() + timeout
        path = self.log_path(name)
        while time.monotonic() < deadline:
            if os.path.exists(path):
                with open(path) as f:
                    for line in f:
                        if line.endswith("\n"):
                            r = json.loads(line)
                            if r.get("event") == event:
                                return r
            time.sleep(0.01)
        raise TimeoutError(f"{name} logged no '{event}' within {timeout} s (see {self.log_dir})")

    def stop_all(self) -> None:
        """SIGCONT (a stopped process cannot act on SIGTERM), SIGTERM, wait, then SIGKILL."""
        for t in self.timers:
            t.cancel()
        for p in self.procs.values():
            if p.poll() is None:
                _signal_group(p.pid, signal.SIGCONT)
                _signal_group(p.pid, signal.SIGTERM)
        deadline = time.monotonic() + 3
        for p in self.procs.values():
            try:
                p.wait(timeout=max(0.05, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for p in self.procs.values():
            _signal_group(p.pid, signal.SIGKILL)
            if p.poll() is None:
                p.wait(timeout=5)
        for s in self.socks.values():
            s.close()
        self.socks.clear()

    def __enter__(self) -> "Cluster":
        return self

    def __exit__(self, *exc) -> None:
        self.stop_all()


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="pause, kill, or find free ports")
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("pause", help="SIGSTOP PID, sleep SECONDS, SIGCONT PID")
    a.add_argument("pid", type=int)
    a.add_argument("seconds", type=float)
    a = sub.add_parser("kill", help="SIGKILL PID")
    a.add_argument("pid", type=int)
    a = sub.add_parser("free-ports", help="print N free UDP ports on 127.0.0.1")
    a.add_argument("n", type=int)
    args = p.parse_args(argv)
    if args.cmd == "pause":
        os.kill(args.pid, signal.SIGSTOP)
        try:
            time.sleep(args.seconds)
        finally:
            os.kill(args.pid, signal.SIGCONT)
    elif args.cmd == "kill":
        os.kill(args.pid, signal.SIGKILL)
    else:
        socks = [udp_socket() for _ in range(args.n)]
        print(",".join(str(s.getsockname()[1]) for s in socks))
        for s in socks:
            s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
