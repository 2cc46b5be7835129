"""The etcd scenario: one etcd member and one PostgreSQL server, both started here on free ports
of 127.0.0.1, and two lock clients (examples/realsystems/etcd/lockclient.py), each its own
process. Client 0 takes the lock and reads the register; with `pause`, it is paused (SIGSTOP)
right then, past its lease's TTL: etcd expires the lease, client 1 takes the lock with a larger
token, reads, writes and releases; client 0 is continued (SIGCONT) and writes with its stale
token. The storage accepts that write (`--fencing none`) or rejects it (`--fencing write`).

    python examples/realsystems/etcd/scenario.py /tmp/etcd-none --fencing none
    tracecheck validate --mapping examples/realsystems/etcd/etcd_lock.toml -D STORE=none --hidden 1 \
        --invariant NoStaleWrite --invariant NoLostUpdate --invariant MutexBelief /tmp/etcd-none/client-*.jsonl

Every wait is bounded; every process (etcd, postgres, the clients) is stopped by its pid
whatever happens, and `run` returns the pids so that a test can check they are gone.
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

import psycopg  # noqa: E402

from examples.realsystems import proc  # noqa: E402
from examples.realsystems.etcd.server import Etcd  # noqa: E402
from examples.realsystems.postgres import Postgres  # noqa: E402

CLIENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lockclient.py")


@dataclass
class EtcdRun:
    logs: list[str]
    pids: dict[str, int] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    paused_for: float = 0.0
    register: tuple[int, int] | None = None   # (value, token) in the storage at the end


read_log = proc.read_jsonl  # the complete lines of a JSON-lines log


def logged(path: str, event: str) -> dict | None:
    return next((r for r in read_log(path) if r["event"] == event), None)


def run(out_dir: str, *, fencing: str = "none", pause: bool = True, ttl: int = 2,
        timeout: float = 30.0, pids: dict[str, int] | None = None,
        ports: dict[str, int] | None = None) -> EtcdRun:
    """Run the scenario; raises TimeoutError if a step does not happen within `timeout` s.
    `pids` and `ports`, if given, are filled with every process started and every port a server
    listens on, as they start (so that a caller can check they are gone and closed even when
    the run fails)."""
    os.makedirs(out_dir, exist_ok=True)
    logs = [os.path.join(out_dir, f"client-{i}.jsonl") for i in range(2)]
    for path in logs:
        if os.path.exists(path):
            os.remove(path)
    result = EtcdRun(logs=logs, pids=pids if pids is not None else {}, ports=ports if ports is not None else {})
    etcd, pg, clients = Etcd(out_dir), Postgres(log_dir=out_dir), []
    try:
        etcd.start()
        result.pids["etcd"] = etcd.pid
        result.ports.update({"etcd client": etcd.port, "etcd peer": etcd.peer_port})
        pg.start()
        result.pids["postgres"] = pg.pid
        result.ports["postgres"] = pg.port
        with psycopg.connect(pg.dsn, autocommit=True) as db:
            db.execute("CREATE TABLE register (id int PRIMARY KEY, value int NOT NULL, token bigint NOT NULL)")
            db.execute("INSERT INTO register VALUES (1, 0, 0)")

        def start(i: int, think: float):
            c = proc.start([sys.executable, CLIENT, "--id", str(i), "--etcd", etcd.url, "--dsn", pg.dsn,
                            "--fencing", fencing, "--ttl", str(ttl), "--think", str(think),
                            "--acquire-timeout", str(timeout), "--log", logs[i]],
                           os.path.join(out_dir, f"client-{i}.out"))
            clients.append(c)
            result.pids[f"client-{i}"] = c.pid
            return c

        # Client 0 thinks long enough for the harness to see its read and pause it there (the
        # think time runs on during the pause, so it costs little).
        c0 = start(0, 3.0 if pause else 0.3)
        proc.wait_until(lambda: logged(logs[0], "read"), timeout, "client 0 to take the lock and read")
        if pause:
            stopped = time.monotonic()
            proc.signal_group(c0, signal.SIGSTOP)
            try:
                start(1, 0.3)
                proc.wait_until(lambda: logged(logs[1], "done"), timeout,
                                "client 1 to take the expired lock, write and release")
            finally:
                proc.signal_group(c0, signal.SIGCONT)
                result.paused_for = time.monotonic() - stopped
        else:
            start(1, 0.3)
        for i in (0, 1):
            proc.wait_until(lambda: logged(logs[i], "done") or logged(logs[i], "gave_up"), timeout,
                            f"client {i} to finish")
            clients[i].wait(timeout)
        with psycopg.connect(pg.dsn, autocommit=True) as db:
            result.register = db.execute("SELECT value, token FROM register WHERE id = 1").fetchone()
    finally:
        for c in clients:
            proc.stop(c)
        pg.stop()
        etcd.stop()
    return result


def main(argv=None) -> None:
    import argparse

    a = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    a.add_argument("out_dir")
    a.add_argument("--fencing", choices=("none", "write"), default="none")
    a.add_argument("--no-pause", action="store_true", help="a healthy run: nobody is paused")
    args = a.parse_args(argv)
    r = run(args.out_dir, fencing=args.fencing, pause=not args.no_pause)
    if not args.no_pause:
        print(f"paused client 0 for {r.paused_for:.2f} s; register (value, token) at the end: {r.register}",
              file=sys.stderr)
    for path in r.logs:
        print(path)


if __name__ == "__main__":
    main()
