"""One Raft node of pysyncobj (unmodified), logging its elections as JSON lines.

    python examples/realsystems/raft/node.py --id 0 --ports 4301,4302,4303 --log /tmp/raft/node-0.jsonl

Every node listens on 127.0.0.1:ports[id] and talks TCP to the others. The node logs every change
of its Raft term, vote and state at the moment pysyncobj makes it, before anything is sent
because of it (a vote is logged before the vote response leaves), so wall-clock timestamps of
the processes on one machine order the records causally:

    {"time": 1795903524.174412, "node": 1, "event": "candidate", "term": 2, "voted_for": 1}

Events: `start` (term 0, follower), `candidate` (the election timeout fired: term + 1, vote for
itself), `new_term` (a message with a higher term: vote cleared), `vote` (granted a vote in the
current term), `state` (follower / candidate / leader, with the term), `resumed` (the process
was continued after SIGSTOP: what it believes at that moment, before it reads any message,
and how long it had not ticked), `stop`. pysyncobj has no callback for term and vote changes; the node overrides its private
`__setCurrentTerm` in a subclass (a hook that calls the original), and uses the documented
`onStateChanged` callback for states.

The node ticks pysyncobj in its main thread (autoTick off), so SIGCONT interrupts its poll and
the `resumed` record is written before the first message after the pause is handled.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import time

from pysyncobj import SyncObj, SyncObjConf

STATES = {0: "follower", 1: "candidate", 2: "leader"}


class JsonLog:
    """JSON lines with the wall-clock time, flushed per record. A signal handler that finds a
    record half-written defers its own record until the write is done (one record per line,
    in time order per node)."""

    def __init__(self, path: str, node: int) -> None:
        self.f = open(path, "a", buffering=1)
        self.node = node
        self.busy = False
        self.deferred: list[tuple[str, dict]] = []

    def event(self, event: str, **fields) -> None:
        if self.busy:
            self.deferred.append((event, fields))
            return
        self.busy = True
        try:
            self._write(event, fields)
            while self.deferred:
                self._write(*self.deferred.pop(0))
        finally:
            self.busy = False

    def _write(self, event: str, fields: dict) -> None:
        rec = {"time": round(time.time(), 6), "node": self.node, "event": event, **fields}
        self.f.write(json.dumps(rec) + "\n")


if not hasattr(SyncObj, "_SyncObj__setCurrentTerm"):   # the hook below would never run
    raise SystemExit("this pysyncobj has no SyncObj.__setCurrentTerm to hook: terms and votes cannot be logged")


class LoggedNode(SyncObj):
    """A SyncObj that logs its term and vote changes (no replicated state of its own)."""

    def __init__(self, me: int, log: JsonLog, self_addr: str, others: list[str], conf: SyncObjConf,
                 ids: dict[str, int]) -> None:
        self._me, self._log, self._ids = me, log, ids
        self._term, self._voted = 0, None
        conf.onStateChanged = self._on_state
        super().__init__(self_addr, others, conf)

    def _SyncObj__setCurrentTerm(self, term, votedForNodeId):   # noqa: N802 (pysyncobj's name)
        voted = None if votedForNodeId is None else self._ids[votedForNodeId]
        if voted is None:
            kind = "new_term"
        elif voted == self._me:
            kind = "candidate"
        else:
            kind = "vote"
        if (term, voted) != (self._term, self._voted):
            self._log.event(kind, term=term, voted_for=voted)
        self._term, self._voted = term, voted
        SyncObj._SyncObj__setCurrentTerm(self, term, votedForNodeId)

    def _on_state(self, old: int, new: int) -> None:
        # Called inside pysyncobj's __setState: for a new candidate before its term is raised,
        # for a new leader before its first append_entries is sent.
        self._log.event("state", state=STATES[new], term=self.raftCurrentTerm)

    def belief(self) -> dict:
        st = self.getStatus()
        leader = st["leader"]
        return {"state": STATES[st["state"]], "term": st["raft_term"],
                "leader": None if leader is None else self._ids[leader.id]}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--id", type=int, required=True)
    p.add_argument("--ports", required=True, help="comma-separated TCP ports of nodes 0..N-1 on 127.0.0.1")
    p.add_argument("--log", required=True)
    p.add_argument("--duration", type=float, default=60.0, help="exit after this many seconds")
    p.add_argument("--min-timeout", type=float, default=0.4, help="raftMinTimeout (s)")
    p.add_argument("--max-timeout", type=float, default=0.8, help="raftMaxTimeout (s)")
    p.add_argument("--heartbeat", type=float, default=0.05, help="appendEntriesPeriod (s)")
    a = p.parse_args(argv)

    addrs = [f"127.0.0.1:{port}" for port in a.ports.split(",")]
    ids = {addr: i for i, addr in enumerate(addrs)}
    log = JsonLog(a.log, a.id)
    conf = SyncObjConf(autoTick=False, raftMinTimeout=a.min_timeout, raftMaxTimeout=a.max_timeout,
                       appendEntriesPeriod=a.heartbeat, connectionTimeout=3.5, connectionRetryTime=0.2,
                       bindRetryTime=0.1, maxBindRetries=50)
    log.event("start", term=0, state="follower", pid=os.getpid())
    node = LoggedNode(a.id, log, addrs[a.id], [x for i, x in enumerate(addrs) if i != a.id], conf, ids)

    stop = []
    last_tick = [time.monotonic()]

    def on_continue(*_) -> None:
        # SIGCONT also comes before SIGTERM when the harness stops a node that is not paused:
        # only a node that has not ticked for a while was really stopped.
        gap = time.monotonic() - last_tick[0]
        if gap > 0.25:
            log.event("resumed", **node.belief(), silent_for=round(gap, 3))

    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGCONT, on_continue)

    deadline = time.monotonic() + a.duration
    while not stop and time.monotonic() < deadline:
        last_tick[0] = time.monotonic()
        node.doTick(0.02)
    log.event("stop", **node.belief())
    node.destroy()


if __name__ == "__main__":
    main()
