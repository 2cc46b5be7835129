"""One Raft node of pysyncobj (unmodified), logging its elections and its log as JSON lines.

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
and how long it had not ticked), `stop`. pysyncobj has no callback for term and vote
changes; the node overrides its private `__setCurrentTerm` in a subclass (a hook that calls the original), and uses the documented
`onStateChanged` callback for states.

The node ticks pysyncobj in its main thread (autoTick off), so SIGCONT interrupts its poll and
the `resumed` record is written before the first message after the pause is handled.

Log replication (pysyncobj's log starts with one entry of its own, index 1, term 0, in every
node; the records give pysyncobj's indices):

    {"event": "append", "index": 4, "entry_term": 2, "kind": "write", "value": 101, "term": 2,
     "as": "follower", "from": 1, "prev_index": 3, "prev_term": 2}

Events: `append` (an entry added to the node's log: `as` "leader" for a leader's own entry,
`kind` "noop" for the entry a new leader appends, "write" for a client's; `as` "follower" for
an entry copied from leader `from`'s AppendEntries, with `prev_index`/`prev_term` the entry
before it), `truncate` (entries deleted from `index` on, `terms` theirs: a leader's
AppendEntries conflicted with them or did not have them), `ack` (a follower's answer to an
AppendEntries, before it is sent: `success`, and `next_index` as pysyncobj sends it; an answer
equal to the node's last one, a heartbeat's, is not logged again), `match` (a leader learned
that a follower holds its log up to `match_index`), `commit` (the node's commit index moved to
`commit_index`; `state` says whether the node counted the matches itself, as leader, or learned
it from a leader's AppendEntries) and `client_request` (the harness asked the node to write
`value`: SIGUSR1, or SIGUSR2 to write and then stop the process right after the leader appended
the entry, before it sends it to anyone). Every record has the node's current `term`. A record
written while the node handles a message (a term, vote, state, commit or log change) names the
sender (`from`) and the message's type (`on`: "request_vote", "append_entries", ...); `resumed`
and `stop` also give the node's last entry (`last_index`, `last_term`) and `commit_index`.

pysyncobj applies an AppendEntries by deleting every entry after `prevLogIdx` and adding the
message's entries; the node logs the net change (an entry deleted and added back identical is
neither a truncation nor an append). The hooks: a wrapper around pysyncobj's journal (its log:
`add`, `deleteEntriesFrom`, `setRaftCommitIndex`), and overrides of the private
`__onMessageReceived` and `__sendNextNodeIdx` that call the originals.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import signal
import time

from pysyncobj import SyncObj, SyncObjConf, replicated

STATES = {0: "follower", 1: "candidate", 2: "leader"}
NO_OP, REGULAR = 1, 0          # pysyncobj's _COMMAND_TYPE of an entry (its command's first byte)


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


HOOKED = ("__setCurrentTerm", "__onMessageReceived", "__sendNextNodeIdx")
_missing = [name for name in HOOKED if not hasattr(SyncObj, "_SyncObj" + name)]
if _missing:   # a hook below would never run
    raise SystemExit(f"this pysyncobj has no SyncObj.{_missing[0]} to hook: its steps cannot be logged")


def entry_fields(command: bytes) -> dict:
    """What an entry is: pysyncobj's no-op, or a client's write (the value given to `put`)."""
    if command[:1] == bytes([NO_OP]):
        return {"kind": "noop"}
    if command[:1] == bytes([REGULAR]):
        cmd = pickle.loads(command[1:])
        args = cmd[1] if isinstance(cmd, tuple) and len(cmd) > 1 else ()
        return {"kind": "write", "value": args[0] if args else None}
    return {"kind": "other"}


class LoggedJournal:
    """pysyncobj's in-memory journal (its Raft log), logging each change of the log and of the
    commit index. Entries deleted by an AppendEntries are held back until an added entry
    differs from them (then they are logged as a truncation) or the node answers the message
    (`flush`): pysyncobj deletes and re-adds entries it already has."""

    def __init__(self, inner, node: "LoggedNode") -> None:
        self._inner, self._node = inner, node
        self._removed: list[tuple[int, int]] = []    # (index, term) deleted, not yet logged or re-added
        self._commit = inner.getRaftCommitIndex()

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def __getitem__(self, item):
        return self._inner[item]

    def __len__(self) -> int:
        return len(self._inner)

    def add(self, command, idx, term) -> None:
        if self._removed and self._removed[0] == (idx, term):
            self._removed.pop(0)                      # the same entry back: no change
        else:
            self.flush()
            self._node._log_append(command, idx, term)
        self._inner.add(command, idx, term)
        self._node._after_append(command)

    def deleteEntriesFrom(self, entryFrom) -> None:   # noqa: N802 (pysyncobj's name)
        self.flush()
        self._removed = [(e[1], e[2]) for e in self._inner[entryFrom:]]
        self._inner.deleteEntriesFrom(entryFrom)

    def deleteEntriesTo(self, entryTo) -> None:       # noqa: N802 (log compaction: never in these runs)
        self._node._log.event("compact", upto=self._inner[entryTo][1] if entryTo < len(self._inner) else None,
                              term=self._node._term)
        self._inner.deleteEntriesTo(entryTo)

    def setRaftCommitIndex(self, raftCommitIndex) -> None:   # noqa: N802
        self.flush()
        if raftCommitIndex != self._commit:
            self._node._log.event("commit", commit_index=raftCommitIndex, term=self._node._term,
                                  state=STATES[self._node._SyncObj__raftState], **self._node._context())
            self._commit = raftCommitIndex
        self._inner.setRaftCommitIndex(raftCommitIndex)

    def flush(self) -> None:
        """Log the entries deleted and not added back as one truncation."""
        if self._removed:
            removed, self._removed = self._removed, []
            self._node._log.event("truncate", index=removed[0][0], terms=[t for _, t in removed],
                                  term=self._node._term)


class LoggedNode(SyncObj):
    """A SyncObj that logs its term, vote and log changes; its replicated state is the list of
    values written (`put`)."""

    def __init__(self, me: int, log: JsonLog, self_addr: str, others: list[str], conf: SyncObjConf,
                 ids: dict[str, int]) -> None:
        self._me, self._log, self._ids = me, log, ids
        self._term, self._voted = 0, None
        self._message = None          # the message pysyncobj is handling, if any
        self.pause_after_write = False
        self._last_ack: dict | None = None
        self.values: list = []
        conf.onStateChanged = self._on_state
        super().__init__(self_addr, others, conf)
        if not hasattr(self, "_SyncObj__raftLog"):
            raise SystemExit("this pysyncobj keeps no SyncObj.__raftLog: its log cannot be logged")
        self._journal = LoggedJournal(self._SyncObj__raftLog, self)
        self._SyncObj__raftLog = self._journal

    @replicated
    def put(self, value) -> None:
        self.values.append(value)

    def _log_append(self, command, idx: int, term: int) -> None:
        fields = {"index": idx, "entry_term": term, **entry_fields(command), "term": self._term}
        msg = self._message
        if msg is not None and msg[1].get("type") == "append_entries":
            node = msg[0]
            prev = self._journal[-1] if len(self._journal) else None
            fields.update({"as": "follower", "from": self._ids[node.id],
                           "prev_index": None if prev is None else prev[1],
                           "prev_term": None if prev is None else prev[2]})
        else:
            fields.update({"as": "leader", "from": self._me})
        self._log.event("append", **fields)

    def _after_append(self, command) -> None:
        if self.pause_after_write and self._message is None and command[:1] == bytes([REGULAR]):
            # Fault injection: stop right after the leader appended a write, before it is sent.
            self.pause_after_write = False
            os.kill(os.getpid(), signal.SIGSTOP)

    def _SyncObj__onMessageReceived(self, node, message):   # noqa: N802
        match = self._SyncObj__raftMatchIndex
        before = dict(match)
        self._message = (node, message)
        try:
            SyncObj._SyncObj__onMessageReceived(self, node, message)
            self._journal.flush()
        finally:
            self._message = None
        for n, idx in match.items():
            if idx > before.get(n, 0) and n.id in self._ids:
                self._log.event("match", follower=self._ids[n.id], match_index=idx, term=self._term)

    def _SyncObj__sendNextNodeIdx(self, node, reset=False, nextNodeIdx=None, success=False):   # noqa: N802
        self._journal.flush()
        nxt = nextNodeIdx if nextNodeIdx is not None else self._journal[-1][1] + 1
        ack = {"leader": self._ids[node.id], "success": success, "next_index": nxt, "reset": reset,
               "term": self._term}
        if ack != self._last_ack:   # a heartbeat's answer, the same as the last one, is not logged again
            self._log.event("ack", **ack)
            self._last_ack = ack
        SyncObj._SyncObj__sendNextNodeIdx(self, node, reset, nextNodeIdx, success)

    def write(self, value) -> None:
        """A client's write, given to this node (pysyncobj forwards it to the leader)."""
        self._log.event("client_request", value=value, state=STATES[self.getStatus()["state"]], term=self._term)
        self.put(value)

    def _SyncObj__setCurrentTerm(self, term, votedForNodeId):   # noqa: N802 (pysyncobj's name)
        voted = None if votedForNodeId is None else self._ids[votedForNodeId]
        if voted is None:
            kind = "new_term"
        elif voted == self._me:
            kind = "candidate"
        else:
            kind = "vote"
        if (term, voted) != (self._term, self._voted):
            self._log.event(kind, term=term, voted_for=voted, **self._context())
        self._term, self._voted = term, voted
        SyncObj._SyncObj__setCurrentTerm(self, term, votedForNodeId)

    def _on_state(self, old: int, new: int) -> None:
        # Called inside pysyncobj's __setState: for a new candidate before its term is raised,
        # for a new leader before its first append_entries is sent.
        self._log.event("state", state=STATES[new], term=self.raftCurrentTerm, **self._context())

    def _context(self) -> dict:
        """The message being handled, if any: its sender (`from`) and type (`on`)."""
        if self._message is None:
            return {}
        node, message = self._message
        return {"from": self._ids.get(node.id), "on": message.get("type")}

    def belief(self) -> dict:
        st = self.getStatus()
        leader = st["leader"]
        last = self._journal[-1]
        return {"state": STATES[st["state"]], "term": st["raft_term"],
                "leader": None if leader is None else self._ids[leader.id],
                "last_index": last[1], "last_term": last[2], "commit_index": st["commit_idx"]}


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
                       bindRetryTime=0.1, maxBindRetries=50,
                       logCompactionMinEntries=1 << 30, logCompactionMinTime=1 << 30)
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

    writes: list[bool] = []    # one per client write asked for: pause after it is appended?

    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGCONT, on_continue)
    signal.signal(signal.SIGUSR1, lambda *_: writes.append(False))
    signal.signal(signal.SIGUSR2, lambda *_: writes.append(True))

    deadline = time.monotonic() + a.duration
    written = 0
    while not stop and time.monotonic() < deadline:
        last_tick[0] = time.monotonic()
        while writes:
            written += 1
            node.pause_after_write = node.pause_after_write or writes.pop(0)
            node.write(100 * a.id + written)
        node.doTick(0.02)
    log.event("stop", **node.belief())
    node.destroy()


if __name__ == "__main__":
    main()
