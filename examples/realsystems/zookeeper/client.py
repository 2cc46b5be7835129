"""A leader-election client of Apache ZooKeeper through kazoo's `Election` recipe, writing to
PostgreSQL with its fencing token: one OS process per client, logging JSON lines.

    python -m examples.realsystems.zookeeper.client --id 0 --zk 127.0.0.1:PORT --dsn DSN \
        --log DIR/client-0.jsonl [--fenced] [--session-timeout 2.0] [--work 0.3]

It contends for leadership (`Election.run`); once elected its fencing token is the czxid of
its lock znode, and it loops: check that it still leads (a `heartbeat`: no LOST seen), compute
for `--work` seconds, write to PostgreSQL with its token. The check and the write are two
steps, as in any real client: a process paused between them (SIGSTOP, a long GC pause) writes
as soon as it resumes, before kazoo's connection thread has told it that its session expired.
The write is one statement; `--fenced` adds the condition `token <= $token`, so PostgreSQL
itself rejects a token lower than the highest it has accepted. When it sees LOST, or PostgreSQL
rejects its write, the client stops leading and idles until it is stopped (by pid; it never
exits by itself).

Every record: `mono` (CLOCK_MONOTONIC in ns: one clock for every process on the machine, so
the files merge by it), `time` (wall clock, ISO 8601, for people), `client`, `event`:
`state` (`state`: kazoo's CONNECTED, SUSPENDED or LOST), `became_leader` (`token`, `znode`),
`heartbeat` (`token`), `write` (`token`, `value`, `accepted`: PostgreSQL's row count was 1).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import threading
import time

import psycopg
from kazoo.client import KazooClient, KazooState

FENCED = "UPDATE protected SET value = %s, token = %s WHERE id = 1 AND token <= %s"
UNFENCED = "UPDATE protected SET value = %s, token = %s WHERE id = 1"


class Log:
    """JSON lines on one O_APPEND descriptor; one write per record, timestamped under a lock
    so the file's order is its timestamps' order (the kazoo thread logs too)."""

    def __init__(self, path: str, client: int) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.client = client
        self.lock = threading.Lock()

    def __call__(self, event: str, **fields: object) -> None:
        with self.lock:
            record = {"mono": time.monotonic_ns(),
                      "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds"),
                      "client": self.client, "event": event, **fields}
            os.write(self.fd, (json.dumps(record) + "\n").encode())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--id", type=int, required=True)
    p.add_argument("--zk", required=True, help="ZooKeeper hosts, e.g. 127.0.0.1:2181")
    p.add_argument("--dsn", required=True, help="PostgreSQL connection string")
    p.add_argument("--log", required=True)
    p.add_argument("--fenced", action="store_true", help="conditional write: reject a lower token")
    p.add_argument("--session-timeout", type=float, default=2.0, help="seconds (the server may adjust it)")
    p.add_argument("--work", type=float, default=0.3, help="seconds between a check and its write")
    p.add_argument("--path", default="/election")
    args = p.parse_args(argv)

    log = Log(args.log, args.id)
    lost = threading.Event()
    db = psycopg.connect(args.dsn, autocommit=True)   # before contending: a resumed write is immediate

    def on_state(state: str) -> None:   # kazoo's connection thread; must not block
        log("state", state=str(state))
        if state == KazooState.LOST:
            lost.set()

    zk = KazooClient(hosts=args.zk, timeout=args.session_timeout)
    zk.add_listener(on_state)
    zk.start(timeout=15)
    election = zk.Election(args.path, f"client-{args.id}")

    def lead() -> None:
        node = election.lock.node
        token = zk.exists(f"{election.lock.path}/{node}").czxid
        log("became_leader", token=token, znode=node)
        statement = FENCED if args.fenced else UNFENCED
        seq = 0
        while not lost.is_set():
            log("heartbeat", token=token)
            time.sleep(args.work)                       # a pause here falls between check and act
            seq += 1
            value = f"client-{args.id}/{seq}"
            cur = db.execute(statement, (value, token, token) if args.fenced else (value, token))
            log("write", token=token, value=value, accepted=cur.rowcount == 1)
            if cur.rowcount != 1:   # fenced off: a newer leader has written; stop leading
                return

    try:
        election.run(lead)
    except Exception as e:   # the release after LOST may fail; the process only idles from here
        print(f"client {args.id}: election ended with {type(e).__name__}: {e}", file=sys.stderr, flush=True)
    while True:              # stopped by the harness, by pid
        time.sleep(1)


if __name__ == "__main__":
    sys.exit(main())
