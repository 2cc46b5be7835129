"""A lock client on a real etcd (v3.4) through etcd3gw, the Python client of etcd's JSON gateway:
it takes the lock once (etcd3gw's Lock: a lease of --ttl seconds, and a transaction that creates
the lock key with that lease if the key is absent), keeps the lease alive from a thread, reads a
register in PostgreSQL, thinks for --think seconds (a pause here is the long GC pause of the
lease story), writes what it read plus one with its fencing token, and releases the lock if the
write was accepted.

    python examples/realsystems/etcd/lockclient.py --id 0 --etcd http://127.0.0.1:2379 \
        --dsn "host=127.0.0.1 port=5432 dbname=postgres user=postgres" --fencing write --log client-0.jsonl

The fencing token is the lock key's create_revision: etcd's revision when the key was created,
larger for every later grant. The storage is the table `register(id, value, token)`:
`--fencing none` writes unconditionally; `--fencing write` writes only if the token is at least
the one stored with the last accepted write (`UPDATE ... WHERE token <= %s`), in one statement,
so PostgreSQL does the check atomically.

Events (JSON lines, `time` wall-clock seconds, `node` the client id): granted {token, lease,
ttl, ttl_left (what etcd says is left of it)}, read {token, value}, write {token, value, ok},
release (written before the request), released {ok} (etcd's answer: was the key still ours?),
done, gave_up. Every record but `release` is written after PostgreSQL or etcd answered.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from urllib.parse import urlparse

import psycopg
from etcd3gw.client import Etcd3Client
from etcd3gw.lease import Lease


class JsonLog:
    def __init__(self, path: str, node: int) -> None:
        self.f = open(path, "a", buffering=1)
        self.node = node
        self.lock = threading.Lock()

    def event(self, event: str, **fields) -> None:
        with self.lock:
            rec = {"time": round(time.time(), 6), "node": self.node, "event": event, **fields}
            self.f.write(json.dumps(rec) + "\n")


def keep_alive(url, lease_id: int, ttl: float, stop: threading.Event) -> None:
    """Refresh the lease every ttl/4 s until stopped or until etcd says it has expired. A
    paused process refreshes nothing: that is how the lease runs out."""
    lease = Lease(lease_id, Etcd3Client(host=url.hostname, port=url.port, api_path="/v3/", timeout=2))
    while not stop.wait(ttl / 4):
        try:
            if lease.refresh() <= 0:
                return
        except Exception:   # etcd gone at the end of a run: nothing left to keep alive
            return


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--id", type=int, required=True)
    p.add_argument("--etcd", required=True, help="etcd's client URL, e.g. http://127.0.0.1:2379")
    p.add_argument("--dsn", required=True, help="the PostgreSQL connection string of the storage")
    p.add_argument("--fencing", choices=("none", "write"), default="none")
    p.add_argument("--ttl", type=int, default=2, help="lease TTL in seconds")
    p.add_argument("--think", type=float, default=0.3)
    p.add_argument("--lock-name", default="register-lock")
    p.add_argument("--acquire-timeout", type=float, default=30.0)
    p.add_argument("--log", required=True)
    a = p.parse_args(argv)

    log = JsonLog(a.log, a.id)
    url = urlparse(a.etcd)
    etcd = Etcd3Client(host=url.hostname, port=url.port, api_path="/v3/", timeout=5)
    lock = etcd.lock(a.lock_name, ttl=a.ttl)
    deadline = time.monotonic() + a.acquire_timeout
    while not lock.acquire():   # one attempt each (a new lease each; unused ones expire)
        if time.monotonic() > deadline:
            log.event("gave_up")
            return 1
        time.sleep(0.05)
    assert lock.lease is not None
    (value, meta), = etcd.get(lock.key, metadata=True)
    assert value == lock.uuid.encode(), "the lock key is not ours right after taking it"
    token = int(meta["create_revision"])
    log.event("granted", token=token, lease=lock.lease.id, ttl=a.ttl, ttl_left=lock.lease.ttl())
    stop = threading.Event()
    alive = threading.Thread(target=keep_alive, args=(url, lock.lease.id, a.ttl, stop), daemon=True)
    alive.start()

    with psycopg.connect(a.dsn, autocommit=True) as db:
        v, = db.execute("SELECT value FROM register WHERE id = 1").fetchone()
        log.event("read", token=token, value=v)
        time.sleep(a.think)
        if a.fencing == "write":
            cur = db.execute("UPDATE register SET value = %s, token = %s WHERE id = 1 AND token <= %s",
                             (v + 1, token, token))
        else:
            cur = db.execute("UPDATE register SET value = %s, token = %s WHERE id = 1", (v + 1, token))
        ok = cur.rowcount == 1
        log.event("write", token=token, value=v + 1, ok=ok)
    if ok:
        # Logged before the request: the client stops believing it holds the lock before etcd
        # frees it, so the next holder's grant is always later in the merged log.
        log.event("release")
        log.event("released", ok=lock.release())
    stop.set()
    log.event("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
