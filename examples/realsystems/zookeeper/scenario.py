"""The paused leader, with Apache ZooKeeper, kazoo's Election recipe and PostgreSQL, all real
and unmodified, as separate processes on 127.0.0.1:

    python -m examples.realsystems.zookeeper.scenario --out DIR --unfenced   # or --fenced
    python -m examples.realsystems.zookeeper.scenario --out DIR --unfenced --no-pause   # the control

1. start a standalone ZooKeeper (tick 200 ms) and a PostgreSQL server, each by pid, each with a
   fresh data directory; create the protected row;
2. start client 0, wait until it leads; start client 1 (it queues behind client 0);
3. SIGSTOP client 0 right after a `heartbeat` (it checked that it leads, and sleeps `--work`
   seconds before its write): the stop is kept if the heartbeat is still client 0's last record
   and less than half of `--work` old, else undone and retried at the next heartbeat (5 times);
4. wait until client 1 leads (client 0's session expired: the server deleted its znode) and
   until PostgreSQL has accepted a write of client 1;
5. SIGCONT client 0: it writes with its old token; wait until it has logged that write and
   kazoo's LOST; stop the clients, read the protected row, stop the servers (all by pid).

Every wait is bounded. Logs in DIR: client-0.jsonl, client-1.jsonl, harness.jsonl (pause,
resume, and the final row), and the servers' and clients' output (*.out). Check them with

    tracecheck validate -m examples/realsystems/zookeeper/zk.toml -D STORE=none --invariants DIR/*.jsonl

(`STORE=fenced` for a `--fenced` run). Prints the log files.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

import psycopg

from examples.realsystems import proc
from examples.realsystems.postgres import Postgres
from examples.realsystems.zookeeper.server import ZooKeeper

SESSION_TIMEOUT = 2.0   # seconds, asked by the clients; the server's tick is 200 ms
WORK = 0.3              # a leader's time between its check (heartbeat) and its write


@dataclass
class Run:
    """What a scenario left behind: the logs to check, every pid it started and the servers'
    ports (all gone once run() returns), and PostgreSQL's final row."""
    out_dir: str
    logs: list[str] = field(default_factory=list)
    pids: dict[str, int] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    final: dict = field(default_factory=dict)


read_log = proc.read_jsonl  # the complete lines of a JSON-lines log


class Harness:
    """The harness's own log, timestamped on the clients' clock (CLOCK_MONOTONIC)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __call__(self, event: str, **fields: object) -> None:
        record = {"mono": time.monotonic_ns(),
                  "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds"),
                  "event": event, **fields}
        with open(self.path, "a") as f:
            f.write(json.dumps(record) + "\n")


def _events(path: str, event: str, **match: object) -> list[dict]:
    return [r for r in read_log(path) if r.get("event") == event and all(r.get(k) == v for k, v in match.items())]


def _pause_between_check_and_write(client: subprocess.Popen, path: str, work: float, attempts: int = 5) -> None:
    """SIGSTOP the client just after a heartbeat record, so that its next act is a write.
    The stop landed there if the heartbeat is still its last record and the stop came less
    than work/2 seconds after it (the client sleeps `work` seconds after logging a heartbeat,
    so it was still asleep); otherwise SIGCONT and retry at the next heartbeat."""
    for _ in range(attempts):
        seen = len(_events(path, "heartbeat"))
        proc.wait_until(lambda: len(_events(path, "heartbeat")) > seen, 10, "client 0's next heartbeat",
                        interval=0.005)
        os.kill(client.pid, signal.SIGSTOP)
        stopped_by = time.monotonic_ns()
        records = read_log(path)
        if records[-1]["event"] == "heartbeat" and stopped_by - records[-1]["mono"] < work * 0.5e9:
            return
        os.kill(client.pid, signal.SIGCONT)
    raise RuntimeError(f"could not stop client 0 between a heartbeat and its write in {attempts} attempts")


def run(out_dir: str, fenced: bool, session_timeout: float = SESSION_TIMEOUT, work: float = WORK,
        result: Run | None = None, pause: bool = True) -> Run:
    """Run the scenario, writing into out_dir; every process is stopped by pid before it
    returns or raises. Raises TimeoutError when a bounded wait runs out. Fills and returns
    `result` (a new Run by default): its pids and ports are known even when it raises.
    pause=False is the control: no SIGSTOP; client 0 leads and writes for about as long as
    the paused run takes (session timeout + 1 s), and client 1 waits."""
    os.makedirs(out_dir, exist_ok=True)
    for name in os.listdir(out_dir):
        if name.endswith((".jsonl", ".out")):
            os.remove(os.path.join(out_dir, name))
    result = result if result is not None else Run(out_dir)
    harness = Harness(os.path.join(out_dir, "harness.jsonl"))
    zk = ZooKeeper(out_dir)
    pg = Postgres(log_dir=out_dir)
    clients: list[subprocess.Popen] = []
    logs = [os.path.join(out_dir, f"client-{i}.jsonl") for i in range(2)]
    try:
        zk.start()
        result.pids["zookeeper"], result.ports["zookeeper"] = zk.pid, zk.port
        pg.start()
        result.pids["postgres"], result.ports["postgres"] = pg.pid, pg.port
        with psycopg.connect(pg.dsn, autocommit=True) as db:
            db.execute("CREATE TABLE protected (id int PRIMARY KEY, value text NOT NULL, token bigint NOT NULL)")
            db.execute("INSERT INTO protected VALUES (1, '', 0)")

        def start_client(i: int) -> subprocess.Popen:
            argv = [sys.executable, "-m", "examples.realsystems.zookeeper.client", "--id", str(i),
                    "--zk", zk.hosts, "--dsn", pg.dsn, "--log", logs[i],
                    "--session-timeout", str(session_timeout), "--work", str(work)]
            if fenced:
                argv.append("--fenced")
            c = proc.start(argv, os.path.join(out_dir, f"client-{i}.out"), cwd=_root())
            clients.append(c)
            result.pids[f"client-{i}"] = c.pid
            return c

        old = start_client(0)
        proc.wait_until(lambda: _events(logs[0], "became_leader"), 30, "client 0 to lead")
        start_client(1)
        proc.wait_until(lambda: _events(logs[1], "state", state="CONNECTED"), 30, "client 1 to connect")
        if pause:
            _pause_between_check_and_write(old, logs[0], work)
            harness("pause", target=0, signal="SIGSTOP")
            proc.wait_until(lambda: _events(logs[1], "became_leader"), 8 * session_timeout + 10,
                            "client 1 to lead while client 0 is paused")
            proc.wait_until(lambda: _events(logs[1], "write", accepted=True), 10,
                            "PostgreSQL to accept client 1's write")
            before = len(_events(logs[0], "write"))
            harness("resume", target=0, signal="SIGCONT")
            os.kill(old.pid, signal.SIGCONT)
            proc.wait_until(lambda: len(_events(logs[0], "write")) > before and _events(logs[0], "state", state="LOST"),
                            8 * session_timeout + 10, "client 0's write after resuming, and kazoo's LOST")
        else:
            before = len(_events(logs[0], "write"))
            more = int((session_timeout + 1) / work) + 1
            proc.wait_until(lambda: len(_events(logs[0], "write")) >= before + more, 8 * (session_timeout + 1) + 10,
                            f"{more} more writes of client 0")
        for c in clients:
            proc.stop(c)
        with psycopg.connect(pg.dsn, autocommit=True) as db:
            value, token = db.execute("SELECT value, token FROM protected WHERE id = 1").fetchone()
        result.final = {"value": value, "token": token}
        harness("final", value=value, token=token)
    finally:
        for c in clients:
            proc.stop(c)
        zk.stop()
        pg.stop()
    result.logs = sorted(logs + [harness.path])
    return result


def _root() -> str:
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="ZooKeeper's paused leader, with PostgreSQL storage")
    p.add_argument("--out", required=True, help="directory for the logs")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--fenced", action="store_true", help="PostgreSQL rejects a lower token")
    g.add_argument("--unfenced", action="store_true", help="PostgreSQL writes whatever it is sent")
    p.add_argument("--no-pause", action="store_true", help="the control: nobody is paused")
    p.add_argument("--session-timeout", type=float, default=SESSION_TIMEOUT)
    p.add_argument("--work", type=float, default=WORK)
    args = p.parse_args(argv)
    result = run(args.out, args.fenced, args.session_timeout, args.work, pause=not args.no_pause)
    for path in result.logs:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
