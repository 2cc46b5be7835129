"""The runtime every node of the example systems shares: a JSON-lines log with a Lamport clock,
and a UDP transport on 127.0.0.1 whose sends can drop, delay and duplicate messages with a
seeded random generator.

Each log record is one JSON object per line:

    {"node": 1, "lamport": 7, "clock": 113, "time": 1764146123.412, "event": "step", ...fields}

`lamport` is the node's Lamport clock (ticked on every logged event and every send, and raised
past the clock of every message received); `clock` is `lamport * 16 + rank`, the same clock
with the node's rank as a tie-breaker, so that records of different nodes are totally ordered
(tracecheck merges on it: docs/tracecheck.md, "Ties"). `time` is wall-clock seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import sys
import time

HOST = "127.0.0.1"


class Log:
    """Appends records to a JSON-lines file, one flushed line per event, creating the file's
    directory when it does not exist yet (the processes of a run started by hand all write into
    one new directory, whichever starts first). On restart it resumes the Lamport clock from the
    last record already in the file, so a node's clock never goes backwards across restarts."""

    def __init__(self, path: str, node, rank: int) -> None:
        self.node, self.rank, self.lamport = node, rank, 0
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        if os.path.exists(path):
            with open(path, "rb") as f:
                lines = f.read().splitlines()
            for line in reversed(lines):
                try:
                    self.lamport = int(json.loads(line)["lamport"])
                    break
                except (ValueError, KeyError):
                    continue
        self.file = open(path, "a", buffering=1)

    def tick(self) -> int:
        self.lamport += 1
        return self.lamport

    def receive(self, lamport: int) -> None:
        self.lamport = max(self.lamport, lamport) + 1

    def event(self, event: str, **fields) -> None:
        lc = self.tick()
        record = {"node": self.node, "lamport": lc, "clock": lc * 16 + self.rank,
                  "time": round(time.time(), 4), "event": event, **fields}
        self.file.write(json.dumps(record) + "\n")


class Faults:
    """Message faults applied at the sender: each send is dropped with probability `drop`,
    duplicated with probability `dup`, and delayed by a uniform time in [0, delay] seconds."""

    def __init__(self, drop: float = 0.0, dup: float = 0.0, delay: float = 0.0, seed: int = 0) -> None:
        self.drop, self.dup, self.delay = drop, dup, delay
        self.rng = random.Random(seed)

    def copies(self) -> list[float]:
        """The delays of the copies to deliver (empty: dropped)."""
        if self.drop and self.rng.random() < self.drop:
            return []
        n = 2 if self.dup and self.rng.random() < self.dup else 1
        return [self.rng.uniform(0, self.delay) if self.delay else 0.0 for _ in range(n)]


class Transport(asyncio.DatagramProtocol):
    """UDP endpoint: JSON messages carrying the sender's Lamport clock in `lc`."""

    def __init__(self, log: Log, faults: Faults, handler) -> None:
        self.log, self.faults, self.handler = log, faults, handler
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        msg = json.loads(data)
        self.log.receive(int(msg.get("lc", 0)))
        self.handler(msg, addr, self)

    def send(self, port: int, msg: dict) -> None:
        msg = dict(msg, lc=self.log.tick())
        data = json.dumps(msg).encode()
        loop = asyncio.get_running_loop()
        for d in self.faults.copies():
            if d:
                loop.call_later(d, self._sendto, data, port)
            else:
                self._sendto(data, port)

    def _sendto(self, data: bytes, port: int) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.sendto(data, (HOST, port))


def common_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--log", required=True, help="JSON-lines log file (appended to)")
    p.add_argument("--port", type=int, default=0, help="UDP port on 127.0.0.1 (0: any)")
    p.add_argument("--fd", type=int, default=-1, help="an already bound UDP socket inherited from the launcher")
    p.add_argument("--duration", type=float, default=3600.0, help="exit after this many seconds")
    p.add_argument("--drop", type=float, default=0.0, help="probability of dropping each sent message")
    p.add_argument("--dup", type=float, default=0.0, help="probability of duplicating each sent message")
    p.add_argument("--delay", type=float, default=0.0, help="maximum delay of each sent message, seconds")
    p.add_argument("--seed", type=int, default=0, help="seed of the message-fault generator")


def parse_ports(text: str) -> dict[int, int]:
    """"0=4100,1=4101" -> {0: 4100, 1: 4101}."""
    out = {}
    for part in filter(None, text.split(",")):
        k, v = part.split("=")
        out[int(k)] = int(v)
    return out


async def serve(args, log: Log, handler, main) -> None:
    """Open the node's socket, run `main(transport)` until it returns, the duration ends or
    SIGTERM arrives, then close."""
    loop = asyncio.get_running_loop()
    if args.fd >= 0:
        sock = socket.socket(fileno=args.fd)
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((HOST, args.port))
    faults = Faults(args.drop, args.dup, args.delay, args.seed)
    _, proto = await loop.create_datagram_endpoint(lambda: Transport(log, faults, handler), sock=sock)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    task = asyncio.ensure_future(main(proto))
    waiter = asyncio.ensure_future(stop.wait())
    await asyncio.wait([task, waiter], timeout=args.duration, return_when=asyncio.FIRST_COMPLETED)
    for t in (task, waiter):
        t.cancel()
    if task.done() and not task.cancelled() and task.exception():
        raise task.exception()
    proto.transport.close()
    log.file.close()


def run(coro) -> None:
    try:
        asyncio.run(coro)
    except KeyboardInterrupt:
        sys.exit(130)
