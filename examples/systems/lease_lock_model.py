"""The lock service and the storage of this folder, driven message by message by
specs/lease_lock.spec through pyspec.testing (tests/systems/test_lease_lock_model.py).

The adapter plays the clients (examples/systems/lockclient.py's protocol: acquire, read, write
what was read plus one with the fencing token, release) and hands each message straight to the
real `LockService.on_message` and `Storage.on_message`, in this process: no sockets, no
sleeps. The lease runs out when `Expire` moves the service's clock past it. What it observes:
the service's holder and last token, the storage's register and highest token, and what each
client was told (its token, the value it read, whether its write was accepted).

    import pyspec.testing
    from lease_lock_model import LeaseLockAdapter
    Model = pyspec.testing.state_machine("specs/lease_lock.spec", adapter=LeaseLockAdapter,
                                         params={"STORE": "write"})
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lockservice import LockService  # noqa: E402
from storage import Storage  # noqa: E402

HOST = "127.0.0.1"


class Wire:
    """Stands in for the UDP transport: keeps each reply for the client it is sent to."""

    def __init__(self) -> None:
        self.replies: dict[int, list[dict]] = {}

    def send(self, port: int, msg: dict) -> None:
        self.replies.setdefault(port, []).append(msg)

    def reply(self, client: int) -> dict | None:
        got = self.replies.pop(client, [])
        return got[-1] if got else None


class Clock:
    """Seconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class ClientView:
    """What a client knows: what the service and the storage told it."""

    token: int = 0
    believes: bool = False
    phase: str = "idle"
    read: int = 0


class LeaseLockDriver:
    """Two clients, the lock service and the storage with write fencing (`fencing`, and the
    seeded bug `bug_ignore_tokens`: the storage claims write fencing and accepts every write),
    driven by the spec's actions. `LeaseLockAdapter` reads their state; `LoggedLeaseLock`
    leaves the judging to their logs."""

    CLIENTS = 2
    LEASE = 1.0
    fencing = "write"
    bug_ignore_tokens = False

    def __init__(self) -> None:
        self.wire, self.clock = Wire(), Clock()
        self.service = LockService(argparse.Namespace(lease=self.LEASE, log=self.log_file("lock")), clock=self.clock)
        self.storage = Storage(argparse.Namespace(fencing=self.fencing, bug_ignore_tokens=self.bug_ignore_tokens,
                                                  log=self.log_file("storage")))
        self.clients = {c: ClientView() for c in range(self.CLIENTS)}

    def log_file(self, node: str) -> str:
        """Where `node` ("lock", "storage") logs: nowhere."""
        return os.devnull

    def _send(self, node, c: int, msg: dict) -> dict | None:
        node.on_message(msg, (HOST, c), self.wire)
        return self.wire.reply(c)

    # ---- the spec's actions ---------------------------------------------------------------------

    def Acquire(self, c: int) -> None:
        r = self._send(self.service, c, {"type": "acquire", "client": c})
        if r is not None and r["type"] == "granted":
            self.clients[c] = ClientView(token=r["token"], believes=True, phase="locked")

    def Expire(self) -> None:
        self.clock.now += self.LEASE  # the holder is paused past its lease
        self.service.expire()

    def Read(self, c: int) -> None:
        me = self.clients[c]
        r = self._send(self.storage, c, {"type": "read", "client": c, "token": me.token})
        if r is not None and r["type"] == "read_ok":
            me.read, me.phase = r["value"], "read"

    def Write(self, c: int) -> None:
        me = self.clients[c]
        r = self._send(self.storage, c, {"type": "write", "client": c, "token": me.token, "value": me.read + 1})
        if r is not None and r["type"] == "write_ok":
            me.phase = "done"
        elif r is not None:  # rejected: the client learns it lost the lock
            me.believes, me.phase = False, "idle"

    def Release(self, c: int) -> None:
        me = self.clients[c]
        self._send(self.service, c, {"type": "release", "client": c, "token": me.token})
        me.believes, me.phase = False, "idle"

    def close(self) -> None:
        self.service.log.file.close()
        self.storage.log.file.close()


class LeaseLockAdapter(LeaseLockDriver):
    """The system's state read directly: the service's, the storage's and the clients'."""

    def observe(self) -> dict:
        cs = self.clients
        return {
            "holder": self.service.holder,
            "issued": self.service.issued,
            "value": self.storage.value,
            "highest": self.storage.highest,
            "believes": {c: v.believes for c, v in cs.items()},
            "token": {c: v.token for c, v in cs.items()},
            "phase": {c: v.phase for c, v in cs.items()},
            "readValue": {c: v.read for c, v in cs.items()},
        }


class UnfencedStorageAdapter(LeaseLockAdapter):
    """The storage started with `--fencing none`."""

    fencing = "none"


class TokenIgnoringStorageAdapter(LeaseLockAdapter):
    """The seeded bug: `--fencing write --bug-ignore-tokens`."""

    bug_ignore_tokens = True


class LoggedLeaseLock(LeaseLockDriver):
    """The same system judged by its logs alone (tracecheck.model with lease_lock.toml, the
    mapping `tracecheck validate` reads their logs with): the service and the storage log into
    lock.jsonl and storage.jsonl of a directory of their own, as when they run as processes."""

    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="lease-lock-")
        super().__init__()

    def log_file(self, node: str) -> str:
        return os.path.join(self.dir, f"{node}.jsonl")

    def logs(self) -> list[str]:
        return [self.log_file("lock"), self.log_file("storage")]

    def close(self) -> None:
        super().close()
        shutil.rmtree(self.dir, ignore_errors=True)


class LoggedTokenIgnoringStorage(LoggedLeaseLock):
    """The seeded bug, judged by the logs."""

    bug_ignore_tokens = True
