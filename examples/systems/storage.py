"""The storage node: one integer register, for the election's leaders and for the lock
service's clients.

    python examples/systems/storage.py --fencing write --log /tmp/run/storage.jsonl --port 4200

Messages and the events logged (node is "storage"):
  put   {from, seq}               -> store  {writer, seq}          (an election leader's write)
  read  {client, token}           -> read   {client, token, value}
  write {client, token, value}    -> write  {client, token, value, ok, highest}

`--fencing none` accepts every write; `--fencing write` rejects a write whose token is lower
than the highest token written so far (a conditional write). Bug flag: `--bug-ignore-tokens`
claims write fencing but accepts every write. A write sent again (the client resends when an
answer takes over a second) is answered again and applied and logged once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from node import Log, common_args, run, serve  # noqa: E402


class Storage:
    def __init__(self, args) -> None:
        self.args = args
        self.log = Log(args.log, "storage", 15)
        self.value, self.highest = 0, 0
        self.answered: dict[tuple[int, int, int], str] = {}  # each write applied once, however often sent

    def on_message(self, msg: dict, addr, proto) -> None:
        kind = msg.get("type")
        if kind == "put":
            self.log.event("store", writer=int(msg["from"]), seq=int(msg["seq"]))
        elif kind == "read":
            c, tok = int(msg["client"]), int(msg["token"])
            self.log.event("read", client=c, token=tok, value=self.value)
            proto.send(addr[1], {"type": "read_ok", "value": self.value})
        elif kind == "write":
            c, tok, v = int(msg["client"]), int(msg["token"]), int(msg["value"])
            if (c, tok, v) in self.answered:  # sent again (the answer was late or lost): answer again, once applied
                proto.send(addr[1], {"type": self.answered[(c, tok, v)]})
                return
            fenced = self.args.fencing == "write" and not self.args.bug_ignore_tokens
            ok = not fenced or tok >= self.highest
            if ok:
                self.value, self.highest = v, max(self.highest, tok)
            self.log.event("write", client=c, token=tok, value=v, ok=ok, highest=self.highest)
            self.answered[(c, tok, v)] = "write_ok" if ok else "write_rejected"
            proto.send(addr[1], {"type": self.answered[(c, tok, v)]})

    async def main(self, proto) -> None:
        await asyncio.Event().wait()   # serve until stopped


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--fencing", choices=("none", "write"), default="none")
    p.add_argument("--bug-ignore-tokens", action="store_true")
    common_args(p)
    args = p.parse_args(argv)
    s = Storage(args)
    run(serve(args, s.log, s.on_message, s.main))


if __name__ == "__main__":
    main()
