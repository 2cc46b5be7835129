"""A lock client: takes the lock once, reads the storage's register, thinks for `--think`
seconds (a pause here is the long GC pause of the lease story), writes what it read plus one
with its fencing token, and releases the lock if the write was accepted.

    python examples/systems/lockclient.py --id 0 --lock 4300 --storage 4200 --log /tmp/run/client-0.jsonl

Events logged (node is the client id): granted {token}, got_read {value}, wrote {ok}, done {}.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from node import Log, common_args, run, serve  # noqa: E402


class Client:
    def __init__(self, args) -> None:
        self.args = args
        self.me = args.id
        self.log = Log(args.log, self.me, self.me)
        self.inbox: asyncio.Queue = asyncio.Queue()

    def on_message(self, msg: dict, addr, proto) -> None:
        self.inbox.put_nowait(msg)

    async def call(self, proto, port: int, msg: dict, expect: tuple[str, ...], retry: float = 1.0) -> dict:
        """Send until a reply of a type in `expect` comes (UDP may lose either); other replies
        (late answers to earlier requests) are dropped."""
        loop = asyncio.get_running_loop()
        while True:
            proto.send(port, msg)
            deadline = loop.time() + retry
            while (left := deadline - loop.time()) > 0:
                try:
                    r = await asyncio.wait_for(self.inbox.get(), left)
                except asyncio.TimeoutError:
                    break
                if r.get("type") in expect:
                    return r

    async def main(self, proto) -> None:
        a = self.args
        await asyncio.sleep(a.start_delay)
        while True:
            r = await self.call(proto, a.lock, {"type": "acquire", "client": self.me},
                                ("granted", "busy"))
            if r["type"] == "granted":
                break
            await asyncio.sleep(0.05)
        token = r["token"]
        self.log.event("granted", token=token)
        r = await self.call(proto, a.storage, {"type": "read", "client": self.me, "token": token},
                            ("read_ok",))
        self.log.event("got_read", value=r["value"])
        await asyncio.sleep(a.think)
        r = await self.call(proto, a.storage, {"type": "write", "client": self.me, "token": token,
                                               "value": r["value"] + 1},
                            ("write_ok", "write_rejected"))
        ok = r["type"] == "write_ok"
        self.log.event("wrote", ok=ok)
        if ok:
            proto.send(a.lock, {"type": "release", "client": self.me, "token": token})
        self.log.event("done")
        await asyncio.sleep(3600)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--id", type=int, required=True)
    p.add_argument("--lock", type=int, required=True, help="the lock service's UDP port")
    p.add_argument("--storage", type=int, required=True, help="the storage's UDP port")
    p.add_argument("--think", type=float, default=0.3)
    p.add_argument("--start-delay", type=float, default=0.0)
    common_args(p)
    args = p.parse_args(argv)
    c = Client(args)
    run(serve(args, c.log, c.on_message, c.main))


if __name__ == "__main__":
    main()
