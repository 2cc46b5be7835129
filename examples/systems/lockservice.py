"""The lease lock service: grants one lock, with a new, larger fencing token each time, for a
lease of `--lease` seconds; the lease expires whether or not its holder knows.

    python examples/systems/lockservice.py --lease 0.8 --log /tmp/run/lock.jsonl --port 4300

Messages and the events logged (node is "lock"):
  acquire {client}          -> grant   {client, token}     when the lock is free (else "busy", not logged)
  (the lease runs out)      -> expire  {client}
  release {client, token}   -> release {client, holder}    holder: the holder after the release (-1: free)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from node import Log, common_args, run, serve  # noqa: E402


class LockService:
    def __init__(self, args, clock=time.monotonic) -> None:
        """`clock`: seconds, for the leases (a test passes a clock it moves by hand)."""
        self.args = args
        self.clock = clock
        self.log = Log(args.log, "lock", 14)
        self.holder, self.issued, self.expiry = -1, 0, 0.0

    def expire(self) -> None:
        if self.holder != -1 and self.clock() >= self.expiry:
            self.log.event("expire", client=self.holder)
            self.holder = -1

    def on_message(self, msg: dict, addr, proto) -> None:
        self.expire()
        kind = msg.get("type")
        c = int(msg["client"])
        if kind == "acquire":
            if self.holder == -1:
                self.issued += 1
                self.holder, self.expiry = c, self.clock() + self.args.lease
                self.log.event("grant", client=c, token=self.issued)
                proto.send(addr[1], {"type": "granted", "token": self.issued})
            else:
                proto.send(addr[1], {"type": "busy"})
        elif kind == "release":
            if self.holder == c:
                self.holder = -1
            self.log.event("release", client=c, holder=self.holder)

    async def main(self, proto) -> None:
        while True:
            self.expire()
            await asyncio.sleep(0.01)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lease", type=float, default=0.8, help="lease length, seconds")
    common_args(p)
    args = p.parse_args(argv)
    s = LockService(args)
    run(serve(args, s.log, s.on_message, s.main))


if __name__ == "__main__":
    main()
