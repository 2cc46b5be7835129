"""A Paxos acceptor (single decree).

    python examples/systems/acceptor.py --acc 0 --log /tmp/run/acc-0.jsonl --port 4400

Messages and the events logged (node is "a0", "a1", ...; `acc` is the acceptor's number):
  1a {bal}        bal > maxBal:  promise {acc, bal, mbal, mval}, reply 1b
                  bal == maxBal: the same 1b again (a duplicate; not logged)
                  otherwise:     nack {maxbal} (not logged)
  2a {bal, val}   bal >= maxBal: accept {acc, bal, val}, reply 2b; otherwise nack

Bug flag: --bug-forget-promise accepts every 2a, whatever ballot it promised (it keeps no
promise for phase 2).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from node import Log, common_args, run, serve  # noqa: E402


class Acceptor:
    def __init__(self, args) -> None:
        self.args = args
        self.me = args.acc
        self.log = Log(args.log, f"a{self.me}", 8 + self.me)
        self.max_bal, self.max_vbal, self.max_val = -1, -1, -1

    def on_message(self, msg: dict, addr, proto) -> None:
        kind, b = msg.get("type"), int(msg.get("bal", -1))
        reply = addr[1]
        if kind == "1a":
            if b > self.max_bal:
                self.max_bal = b
                self.log.event("promise", acc=self.me, bal=b, mbal=self.max_vbal, mval=self.max_val)
            if b == self.max_bal:
                proto.send(reply, {"type": "1b", "acc": self.me, "bal": b, "mbal": self.max_vbal, "mval": self.max_val})
            else:
                proto.send(reply, {"type": "nack", "bal": b, "maxbal": self.max_bal})
        elif kind == "2a":
            v = int(msg["val"])
            floor = -1 if self.args.bug_forget_promise else self.max_bal
            if b >= floor:
                self.max_bal, self.max_vbal, self.max_val = max(b, self.max_bal), b, v
                self.log.event("accept", acc=self.me, bal=b, val=v)
                proto.send(reply, {"type": "2b", "acc": self.me, "bal": b, "val": v})
            else:
                proto.send(reply, {"type": "nack", "bal": b, "maxbal": self.max_bal})

    async def main(self, proto) -> None:
        await asyncio.Event().wait()   # serve until stopped


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--acc", type=int, required=True, help="the acceptor's number, 0 ..")
    p.add_argument("--bug-forget-promise", action="store_true")
    common_args(p)
    args = p.parse_args(argv)
    a = Acceptor(args)
    run(serve(args, a.log, a.on_message, a.main))


if __name__ == "__main__":
    main()
