"""An election node: a heartbeat failure detector, and Eventual Leader Election on top of it
(trust the lowest-id node you do not suspect). A node that trusts itself acts as leader: every
`--act-every` seconds it logs `lead` and sends a write to the storage node.

    python examples/systems/election.py --id 0 --n 3 --peers 0=4100,1=4101,2=4102 \
        --storage 4200 --log /tmp/run/node-0.jsonl     # --storage 0: no storage writes

Events logged (all with node, lamport, clock, time):
  step     {suspects: [ids], trusted: id}   at start, and when the detector's output or the
                                             trusted node changed
  lead     {seq: n}                          acting as leader: write n goes to the storage

With --acceptors PORT,PORT,... the node is also a Paxos proposer (single decree) driven by the
election: while it trusts itself it runs ballots b = me, me + n, me + 2n, ... (the next above
any ballot it has heard of, at most --max-ballot) and proposes its own id as the value unless a
quorum's promises report a vote. Events: phase1a {bal}, promised {bal} (a quorum promised),
propose {bal, val} (sent after --think seconds), decided {val} (a quorum accepted). With
--storage 0 the node does not write to the storage.

Bug flag: --bug-claim-after S makes the node log `lead` and write after S seconds whether or
not it trusts itself (leadership without the detector's support).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from node import Log, common_args, parse_ports, run, serve  # noqa: E402


class Elector:
    def __init__(self, args) -> None:
        self.args = args
        self.me, self.n = args.id, args.n
        self.peers = {p: port for p, port in parse_ports(args.peers).items() if p != self.me}
        self.log = Log(args.log, self.me, self.me)
        start = time.monotonic() + args.grace
        self.last_seen = {p: start for p in self.peers}
        self.suspects: frozenset[int] = frozenset()
        self.trusted = 0            # the spec's initial state: everyone trusts 0
        self.seq = 0
        self.started = time.monotonic()
        self.proposer = Proposer(self, args) if args.acceptors else None

    def on_message(self, msg: dict, addr, proto) -> None:
        if msg.get("type") == "hb":
            self.last_seen[int(msg["from"])] = time.monotonic()
        elif self.proposer is not None:
            self.proposer.on_message(msg, proto)

    def detect(self) -> None:
        now = time.monotonic()
        out = frozenset(p for p, t in self.last_seen.items() if now - t > self.args.timeout)
        trusted = min(p for p in range(self.n) if p not in out)
        if out != self.suspects or trusted != self.trusted:
            self.suspects, self.trusted = out, trusted
            self.log.event("step", suspects=sorted(out), trusted=trusted)

    async def main(self, proto) -> None:
        # The output this process starts from (also after a restart, when the spec state may
        # still hold the output of the previous incarnation).
        self.log.event("step", suspects=[], trusted=0)
        next_act = time.monotonic() + self.args.act_every
        bug_at = self.started + self.args.bug_claim_after if self.args.bug_claim_after >= 0 else None
        while True:
            for port in self.peers.values():
                proto.send(port, {"type": "hb", "from": self.me})
            self.detect()
            now = time.monotonic()
            if now >= next_act:
                next_act = now + self.args.act_every
                claim = bug_at is not None and now >= bug_at
                if self.args.storage and (self.trusted == self.me or claim):
                    self.seq += 1
                    self.log.event("lead", seq=self.seq)
                    proto.send(self.args.storage, {"type": "put", "from": self.me, "seq": self.seq})
            if self.proposer is not None:
                self.proposer.tick(proto, self.trusted == self.me)
            await asyncio.sleep(self.args.hb)


class Proposer:
    """Single-decree Paxos proposer; `tick` runs every heartbeat period."""

    def __init__(self, elector: Elector, args) -> None:
        self.e, self.args, self.log = elector, args, elector.log
        self.acceptors = [int(p) for p in args.acceptors.split(",")]
        self.quorum = len(self.acceptors) // 2 + 1
        self.highest = -1            # the highest ballot heard of
        self.bal = None              # the current ballot
        self.phase = "idle"          # idle, 1, think, 2, done
        self.promises: dict[int, tuple[int, int]] = {}
        self.accepted: set[int] = set()
        self.val = -1
        self.deadline = self.think_until = 0.0

    def on_message(self, msg: dict, proto) -> None:
        kind, b = msg.get("type"), int(msg.get("bal", -1))
        if kind == "nack":
            self.highest = max(self.highest, int(msg["maxbal"]))
        if b != self.bal:
            return
        if kind == "1b" and self.phase == "1":
            self.promises[int(msg["acc"])] = (int(msg["mbal"]), int(msg["mval"]))
            if len(self.promises) >= self.quorum:
                self.log.event("promised", bal=b)
                self.phase, self.think_until = "think", time.monotonic() + self.args.think
        elif kind == "2b" and self.phase == "2":
            self.accepted.add(int(msg["acc"]))
            if len(self.accepted) >= self.quorum:
                self.phase = "done"
                self.log.event("decided", val=self.val)

    def tick(self, proto, leading: bool) -> None:
        now = time.monotonic()
        if self.phase == "done":
            return
        if self.phase == "think" and now >= self.think_until:
            # A proposer paused while thinking still proposes when it wakes: the stale
            # proposal the acceptors must refuse.
            mbal, mval = max(self.promises.values())
            self.val = mval if mbal >= 0 else self.e.me
            self.phase, self.deadline = "2", now + self.args.ballot_timeout
            self.log.event("propose", bal=self.bal, val=self.val)
            for port in self.acceptors:
                proto.send(port, {"type": "2a", "bal": self.bal, "val": self.val})
            return
        if not leading:
            self.phase = "idle"
            return
        if self.phase == "idle" or now >= self.deadline:
            self.highest = max(self.highest, self.bal if self.bal is not None else -1)
            b = self.highest + 1
            while b % self.e.n != self.e.me:
                b += 1
            if b > self.args.max_ballot:
                return
            self.bal, self.highest, self.phase = b, b, "1"
            self.promises, self.accepted = {}, set()
            self.deadline = now + self.args.ballot_timeout
            self.log.event("phase1a", bal=b)
            for port in self.acceptors:
                proto.send(port, {"type": "1a", "bal": b})


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--id", type=int, required=True)
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--peers", required=True, help="id=port,... for every node (itself included)")
    p.add_argument("--storage", type=int, default=0, help="the storage node's UDP port (0: none)")
    p.add_argument("--hb", type=float, default=0.05, help="heartbeat period, seconds")
    p.add_argument("--timeout", type=float, default=0.4, help="suspect a node silent this long")
    p.add_argument("--grace", type=float, default=0.5, help="extra time before the first suspicion")
    p.add_argument("--act-every", type=float, default=0.15, help="a leader writes this often")
    p.add_argument("--bug-claim-after", type=float, default=-1.0)
    p.add_argument("--acceptors", default="", help="Paxos acceptors' UDP ports (empty: no Paxos)")
    p.add_argument("--max-ballot", type=int, default=20)
    p.add_argument("--think", type=float, default=0.3, help="Paxos: wait between phase 1 and 2")
    p.add_argument("--ballot-timeout", type=float, default=0.6)
    common_args(p)
    args = p.parse_args(argv)
    e = Elector(args)
    run(serve(args, e.log, e.on_message, e.main))


if __name__ == "__main__":
    main()
