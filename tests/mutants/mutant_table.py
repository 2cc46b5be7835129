"""The seeded bugs of the mutant suite (issue 11, deliverable 4): each is a textual patch of one
library spec, the configuration that should kill it, and the verdict it should get there.

A mutant is killed when its verdict in its configuration is `expect` and the unpatched library
gives a different verdict in the same configuration. An equivalent mutant names the reason and
the configurations in which it is checked to give exactly the original's verdicts.
docs/mutants.md is the table in prose; test_mutants.py runs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Config:
    """One engine run: `spec` is the library file loaded (it may include the patched one),
    `engine` is check (explicit BFS), bmc (to `depth`), prove (with `aux`) or temporal (`prop`
    is a temporal property, checked under the spec's fairness). `prop` is an
    invariant, or a `reachable` property when `reach` is set. `probe` is text appended to the
    loaded spec, in the original and the mutant alike: a property the library does not state
    (see docs/mutants.md)."""

    spec: str
    engine: str
    prop: str
    params: tuple[tuple[str, str], ...] = ()
    depth: int = 0
    aux: tuple[str, ...] = ()
    probe: str = ""
    reach: bool = False

    def describe(self) -> str:
        ps = " ".join(f"-D {k}={v}" for k, v in self.params)
        extra = {"check": "", "bmc": f" --depth {self.depth}", "prove": "".join(f" --with {a}" for a in self.aux),
                 "temporal": ""}[self.engine]
        flag = "--witness" if self.reach else "--temporal" if self.engine == "temporal" else "--invariant"
        engine = "check" if self.engine == "temporal" else self.engine
        return f"{engine} {self.spec} {ps} {flag} {self.prop}{extra}".replace("  ", " ")


@dataclass(frozen=True, slots=True)
class Mutant:
    """`old` must occur exactly once in `file`; it is replaced by `new`. Killed mutants set
    `kill` and `expect` ("violated", "holds", "no violation", "proved", "not inductive" or
    "error PSnnn"); equivalent ones set `equivalent` (the reason) and `same` (the configurations
    compared)."""

    name: str
    file: str
    old: str
    new: str
    bug: str
    kill: Config | None = None
    expect: str = ""
    equivalent: str = ""
    same: tuple[Config, ...] = field(default=())


def _p(**kw: object) -> tuple[tuple[str, str], ...]:
    return tuple((k, str(v)) for k, v in kw.items())


PAXOS_SMALL = _p(NA=3, NV=2, MaxBallot=1)
PAXOS_TINY = _p(NA=2, NV=2, MaxBallot=1)


def _paxos(prop: str = "Agreement", params=PAXOS_SMALL) -> Config:
    return Config("paxos.spec", "check", prop, params)


def _lease(store: str, prop: str, engine: str = "check", depth: int = 0) -> Config:
    return Config("lease_lock.spec", engine, prop, _p(STORE=store), depth=depth)


def _le(fd: str, prop: str, n: int = 2, engine: str = "check", depth: int = 0, aux=(), probe="", reach=False) -> Config:
    return Config("leader_election.spec", engine, prop, _p(FD=fd, N=n), depth=depth, aux=aux, probe=probe, reach=reach)


def _ct(fd: str, prop: str) -> Config:
    return Config("chandra_toueg.spec", "check", prop, _p(FD=fd, Rounds=2, Early=2))


def _ele(fd: str, prop: str, n: int = 2) -> Config:
    return Config("eventual_leader_election.spec", "check", prop, _p(FD=fd, N=n))


# Non-vacuity: a fair round after GST completes (LeaderAfterRound is about such states).
ROUND_COMPLETES = "\nreachable RoundCompletes: gst and Live <= stepped\n"
# Weak accuracy as a property of the outputs (some live process is suspected by no one), not
# of the anchor that the detector's guard uses.
SOMEONE_UNSUSPECTED = "\ninvariant SomeoneUnsuspected: any(all(q not in suspects[p] for p in Proc) for q in Live)\n"

_ALL_STORES = ("none", "write", "readwrite", "cas")
_LEASE_PROPS = ("MutexBelief", "NoStaleWrite", "NoLostUpdate", "FreshWriteAccepted")
LEASE_ALL = tuple(_lease(s, i) for s in _ALL_STORES for i in _LEASE_PROPS)


MUTANTS: tuple[Mutant, ...] = (
    # ---- Paxos ---------------------------------------------------------------------------------
    Mutant(
        "paxos-quorum-half", "paxos_core.spec",
        "2 * len(Q) > NA", "2 * len(Q) >= NA",
        "a quorum test weakened: half the acceptors are a quorum (the same as a majority when NA is odd)",
        kill=_paxos(params=PAXOS_TINY), expect="violated",
    ),
    Mutant(
        "paxos-1b-quorum-any-member", "paxos_core.spec",
        "all(any(m is Phase1b and m.acc == a and m.bal == b for m in msgs) for a in Q)",
        "any(any(m is Phase1b and m.acc == a and m.bal == b for m in msgs) for a in Q)",
        "a proposer proceeds when one member of the quorum has answered phase 1",
        kill=_paxos(), expect="violated",
    ),
    Mutant(
        "paxos-promise-not-recorded", "paxos.spec",
        "    maxBal'[a] = m.bal\n    msgs' = msgs | {Phase1b(", "    msgs' = msgs | {Phase1b(",
        "a promise ignored: phase 1b answers without raising maxBal",
        kill=_paxos(), expect="violated",
    ),
    Mutant(
        "paxos-1b-answers-lower-ballot", "paxos.spec",
        "m is Phase1a and m.bal > maxBal[a]}", "m is Phase1a}",
        "phase 1b answers a ballot below the one promised (and lowers the promise)",
        kill=_paxos(), expect="violated",
    ),
    Mutant(
        "paxos-1b-answers-same-ballot", "paxos.spec",
        "m is Phase1a and m.bal > maxBal[a]}", "m is Phase1a and m.bal >= maxBal[a]}",
        "phase 1b answers again a ballot it already promised",
        equivalent="the only new message is a 1b for b, the ballot already promised, reporting a vote "
        "at b itself (a vote below b was reported before, a vote above b raised the promise past b); "
        "a vote at b means b's one proposal was already made, so no proposer can use the message",
        same=(_paxos(), _paxos("Inv"), Config("paxos.spec", "prove", "Inv")),
    ),
    Mutant(
        "paxos-2b-ballot-check-dropped", "paxos.spec",
        "m is Phase2a and m.bal >= maxBal[a]}", "m is Phase2a}",
        "a ballot check dropped: an acceptor votes in any ballot, whatever it promised",
        kill=_paxos(), expect="violated",
    ),
    Mutant(
        "paxos-2b-only-above-promise", "paxos.spec",
        "m is Phase2a and m.bal >= maxBal[a]}", "m is Phase2a and m.bal > maxBal[a]}",
        "an acceptor votes only above its promise, so never in the ballot it promised: nothing is "
        "ever chosen and Agreement holds vacuously",
        kill=Config("paxos.spec", "check", "ValueChosen", PAXOS_SMALL, reach=True), expect="violated",
    ),
    Mutant(
        "paxos-2b-accepts-lower-ballot", "paxos.spec",
        "m is Phase2a and m.bal >= maxBal[a]}", "m is Phase2a and m.bal >= maxBal[a] - 1}",
        "an accept of a lower ballot: off by one in phase 2b's promise check",
        kill=Config("paxos.spec", "bmc", "Agreement", PAXOS_TINY, depth=12), expect="violated",
    ),
    Mutant(
        "paxos-vote-ballot-not-recorded", "paxos.spec",
        "    maxVBal'[a] = m.bal\n", "",
        "a vote's ballot is not recorded, so later 1b messages report no vote",
        kill=_paxos(), expect="violated",
    ),
    Mutant(
        "paxos-vote-value-not-recorded", "paxos.spec",
        "    maxVal'[a] = m.val\n", "",
        "a vote's value is not recorded: 1b reports a vote with no value (safe, but no longer Paxos)",
        kill=_paxos("Inv"), expect="violated",
    ),
    Mutant(
        "paxos-1b-reports-promise", "paxos.spec",
        "mbal=maxVBal[a]", "mbal=maxBal[a]",
        "phase 1b reports the ballot promised instead of the ballot of the last vote",
        kill=_paxos("Inv"), expect="violated",
    ),
    Mutant(
        "paxos-proposal-ignores-votes", "paxos_core.spec",
        "(not any(Voted1b(m, Q, b) for m in msgs)\n", "(True\n",
        "the proposer ignores the votes its quorum reports and proposes any value",
        kill=_paxos(), expect="violated",
    ),
    Mutant(
        "paxos-proposal-lowest-vote", "paxos_core.spec",
        "m.mbal >= mm.mbal", "m.mbal <= mm.mbal",
        "the proposer picks the value of the lowest reported vote, not the highest",
        kill=Config("paxos.spec", "prove", "Inv"), expect="not inductive",
    ),
    Mutant(
        "paxos-two-proposals-per-ballot", "paxos_core.spec",
        "def CanPropose(b, v) = NoProposalYet(b) and any(", "def CanPropose(b, v) = any(",
        "a ballot gets more than one proposal",
        kill=_paxos(), expect="violated",
    ),
    Mutant(
        "paxos-chosen-by-one-vote", "paxos_core.spec",
        "def ChosenAt(b, v) = any(all(VotedFor(a, b, v) for a in Q) for Q in Quorums)",
        "def ChosenAt(b, v) = any(any(VotedFor(a, b, v) for a in Q) for Q in Quorums)",
        "the judge weakened: one vote counts as chosen (a false alarm must be raised)",
        kill=_paxos(), expect="violated",
    ),
    Mutant(
        "paxos-inv-1b-gap-dropped", "paxos_core.spec",
        "    not any(VotedFor(m.acc, c, v) for c in Ballot for v in Value if m.mbal < c and c < m.bal)\n", "",
        "the inductive invariant loses 'no vote between the reported vote and the promise'",
        kill=Config("paxos.spec", "prove", "Inv"), expect="not inductive",
    ),
    Mutant(
        "paxos-inv-2a-unique-dropped", "paxos_core.spec",
        "    all(mm.val == m.val for mm in msgs if mm is Phase2a and mm.bal == m.bal)\n", "",
        "the inductive invariant loses 'one proposal per ballot'",
        kill=Config("paxos.spec", "prove", "Agreement", aux=("Inv",)), expect="not inductive",
    ),
    Mutant(
        "paxos-misspelt-variable", "paxos.spec",
        "    maxVBal'[a] = m.bal\n", "    maxVbal'[a] = m.bal\n",
        "a misspelt variable is a spec error, never a verdict",
        kill=_paxos(), expect="error PS204",
    ),
    Mutant(
        "paxos-promise-overflows", "paxos.spec",
        "    maxBal'[a] = m.bal\n    msgs' = msgs | {Phase1b(", "    maxBal'[a] = m.bal + 1\n    msgs' = msgs | {Phase1b(",
        "a promise one above the ballot leaves the variable's type at the top ballot: an error",
        kill=_paxos(), expect="error PS401",
    ),
    Mutant(
        "paxos-oracle-stabilises-to-any", "paxos_oracle.spec",
        'require len(L) == (1 if ORACLE == "unique" else 2)', "require len(L) >= 1",
        "the oracle may settle on two leaders when it promised one",
        kill=Config("paxos_oracle.spec", "check", "ChosenSoonAfterGST", _p(ORACLE="unique", Chaos="false", MaxBallot=3)),
        expect="violated",
    ),
    # ---- lease lock ----------------------------------------------------------------------------
    Mutant(
        "lease-fence-flipped", "lease_lock.spec",
        "token[c] >= highest)", "token[c] <= highest)",
        "a fence comparison flipped: the storage accepts only tokens at or below the highest, "
        "so write fencing rejects every write",
        kill=_lease("write", "FreshWriteAccepted", "bmc", 4), expect="violated",
    ),
    Mutant(
        "lease-fence-strict", "lease_lock.spec",
        "token[c] >= highest)", "token[c] > highest)",
        "the fence rejects the token it has already seen (harmless for write fencing, where each "
        "token writes once; fatal after a read raised the highest token)",
        kill=_lease("readwrite", "FreshWriteAccepted"), expect="violated",
    ),
    Mutant(
        "lease-fence-rejects-all", "lease_lock.spec",
        '(STORE in {"write", "readwrite"} and token[c] >= highest)', '(STORE in {"write", "readwrite"} and False)',
        "a fence that rejects every write: NoStaleWrite and NoLostUpdate hold vacuously",
        kill=_lease("write", "FreshWriteAccepted"), expect="violated",
    ),
    Mutant(
        "lease-version-not-bumped", "lease_lock.spec",
        "        version' = version + 1\n", "",
        "the storage stops bumping its version: compare-and-set accepts a write on a stale read",
        kill=_lease("cas", "NoLostUpdate"), expect="violated",
    ),
    Mutant(
        "lease-write-does-not-raise-fence", "lease_lock.spec",
        "        highest' = max(highest, token[c])\n", "",
        "an accepted write does not raise the storage's highest token",
        kill=_lease("write", "NoStaleWrite"), expect="violated",
    ),
    Mutant(
        "lease-read-does-not-raise-fence", "lease_lock.spec",
        '        if STORE == "readwrite":\n            highest\' = token[c]\n', "",
        "read fencing forgets to raise the highest token on a read",
        kill=_lease("readwrite", "NoLostUpdate"), expect="violated",
    ),
    Mutant(
        "lease-read-fence-flipped", "lease_lock.spec",
        'STORE == "readwrite" and token[c] < highest:', 'STORE == "readwrite" and token[c] > highest:',
        "the read fence's comparison flipped: the newest holder's read is rejected",
        kill=_lease("readwrite", "FreshWriteAccepted"), expect="violated",
    ),
    Mutant(
        "lease-cas-ignores-version", "lease_lock.spec",
        "readVersion[c] == version)", "readVersion[c] <= version)",
        "compare-and-set compares with <=: every version passes",
        kill=_lease("cas", "NoLostUpdate", "bmc", 7), expect="violated",
    ),
    Mutant(
        "lease-read-forgets-version", "lease_lock.spec",
        "        readVersion'[c] = version\n", "",
        "a read does not return the version: compare-and-set rejects every write after the first",
        kill=_lease("cas", "FreshWriteAccepted"), expect="violated",
    ),
    Mutant(
        "lease-stale-ghost-not-updated", "lease_lock.spec",
        "        stale' = stale or token[c] < lastWriteToken\n", "",
        "a ghost not updated: a stale write is never flagged",
        kill=_lease("none", "NoStaleWrite"), expect="holds",
    ),
    Mutant(
        "lease-last-token-ghost-not-updated", "lease_lock.spec",
        "        lastWriteToken' = token[c]\n", "",
        "the ghost holding the last written token is never set",
        kill=_lease("none", "NoStaleWrite"), expect="holds",
    ),
    Mutant(
        "lease-write-count-ghost-not-updated", "lease_lock.spec",
        "        writes' = writes + 1\n", "",
        "the ghost count of accepted writes is never raised: a lost update is never flagged",
        kill=_lease("none", "NoLostUpdate"), expect="holds",
    ),
    Mutant(
        "lease-lost-ghost-reads-storage", "lease_lock.spec",
        "lost' = lost or readAt[c] != writes", "lost' = lost or readVersion[c] != version",
        "the lost-update ghost judges by the storage's own version counter (the spec before issue 11)",
        equivalent="on a correct storage the version counter equals the ghost count of accepted "
        "writes, so the verdicts agree; the mutant only matters combined with a storage bug "
        "(test_old_ghost_hid_the_version_bug)",
        same=LEASE_ALL,
    ),
    Mutant(
        "lease-expiry-keeps-holder", "lease_lock.spec",
        "    require holder != -1\n    holder' = -1\n", "    require holder != -1\n    holder' = holder\n",
        "a lease that never expires: the lock service waits forever for a paused holder",
        kill=_lease("none", "MutexBelief"), expect="holds",
    ),
    Mutant(
        "lease-grant-not-locked", "lease_lock.spec",
        '    phase\'[c] = "locked"\n', '    phase\'[c] = "idle"\n',
        "a granted client never moves on to read: no write happens, the storage properties hold vacuously",
        kill=Config("lease_lock.spec", "check", "SomeWriteAccepted", _p(STORE="readwrite"), reach=True),
        expect="violated",
    ),
    Mutant(
        "lease-token-out-of-range", "lease_lock.spec",
        "token'[c] = issued + 1", "token'[c] = issued + 2",
        "a granted token outside the token type is an error, never a verdict",
        kill=_lease("none", "NoStaleWrite"), expect="error PS401",
    ),
    Mutant(
        "lease-grant-while-held", "lease_lock.spec",
        'require holder == -1 and phase[c] == "idle"', 'require phase[c] == "idle"',
        "the lock service grants the lock while it is held",
        equivalent="leases already let two clients hold the lock (MutexBelief is violated in every "
        "variant) and only the storage's check protects the data; a grant while held is the same "
        "as an expiry followed by a grant, so every verdict stays",
        same=LEASE_ALL,
    ),
    Mutant(
        "lease-storage-increments", "lease_lock.spec",
        "value' = readValue[c] + 1", "value' = value + 1",
        "the storage increments its own value instead of storing what the client computed",
        equivalent="the properties judge which writes are accepted, and with what token and read; "
        "none reads the stored value (an atomic increment is a different storage, not a lost "
        "update); tracecheck's observations of the value are where this would show",
        same=LEASE_ALL,
    ),
    # ---- failure detectors and election --------------------------------------------------------
    Mutant(
        "fd-strong-accuracy-dropped", "fd.spec",
        "    not StrongAccuracy or S <= crashed\n", "",
        "a failure detector's strong accuracy clause dropped: P may suspect a live process",
        kill=_le("P", "NoFalseSuspicion", engine="bmc", depth=2), expect="violated",
    ),
    Mutant(
        "fd-weak-accuracy-dropped", "fd.spec",
        "    not WeakAccuracy or anchor not in S\n", "",
        "the weak accuracy clause dropped: S may suspect every process",
        kill=_le("S", "SomeoneUnsuspected", probe=SOMEONE_UNSUSPECTED), expect="violated",
    ),
    Mutant(
        "fd-completeness-dropped", "fd.spec",
        "    not gst or crashed <= S\n", "",
        "completeness dropped: a crashed process may stay trusted after GST",
        kill=_le("P", "LeaderAfterRound"), expect="violated",
    ),
    Mutant(
        "fd-crash-after-gst", "fd.spec",
        "require not gst and p not in crashed and p != anchor", "require p not in crashed and p != anchor",
        "processes may crash after GST, after the round that elected the leader",
        kill=_le("P", "LeaderAfterRound"), expect="violated",
    ),
    Mutant(
        "fd-anchor-may-crash", "fd.spec",
        "require not gst and p not in crashed and p != anchor", "require not gst and p not in crashed",
        "the weak-accuracy anchor may crash, and with it every process",
        kill=_le("P", "LeaderAfterRound"), expect="violated",
    ),
    Mutant(
        "fd-never-stabilises", "fd.spec",
        "    gst' = True\n", "    gst' = gst\n",
        "Stabilize does not stabilise: after-GST properties hold vacuously",
        kill=_ele("EvS", "AgreementAfterRound"), expect="holds",
    ),
    Mutant(
        "fd-evp-accurate-before-gst", "fd.spec",
        '(Class == "EvP" and gst)', '(Class == "EvP")',
        "EvP is treated as accurate from the start (the eventual detector becomes P)",
        kill=_le("EvP", "NoFalseSuspicion", n=3), expect="holds",
    ),
    Mutant(
        "election-leader-is-max", "leader_election.spec",
        "leader'[p] = p == min(q for q in Proc if q not in out)", "leader'[p] = p == max(q for q in Proc if q not in out)",
        "a process leads when it is the highest unsuspected process",
        kill=_le("P", "AtMostOneLeader", n=3, engine="prove", aux=("NoFalseSuspicion", "LeaderSuspectsLower")),
        expect="not inductive",
    ),
    Mutant(
        "election-round-ghost-not-updated", "leader_election.spec",
        "stepped' = stepped | {p} if gst else stepped", "stepped' = stepped",
        "a ghost not updated: the fair round never completes, LeaderAfterRound holds vacuously",
        kill=_le("P", "RoundCompletes", probe=ROUND_COMPLETES, reach=True), expect="violated",
    ),
    Mutant(
        "election-leader-reads-crashes", "leader_election.spec",
        "leader'[p] = p == min(q for q in Proc if q not in out)", "leader'[p] = p == min(q for q in Proc if q not in crashed)",
        "a process decides from the true crash set, not its detector's output",
        kill=_le("S", "AtMostOneLeader"), expect="holds",
    ),
    Mutant(
        "election-suspects-not-recorded", "leader_election.spec",
        "    suspects'[p] = out\n", "",
        "the detector's output is used but not recorded",
        kill=_le("S", "NoFalseSuspicion"), expect="holds",
    ),
    Mutant(
        "election-leader-not-bool", "leader_election.spec",
        "leader'[p] = p == min(", "leader'[p] = min(",
        "a process id where a bool belongs is a spec error",
        kill=_le("P", "AtMostOneLeader"), expect="error PS312",
    ),
    Mutant(
        "omega-trusts-max", "eventual_leader_election.spec",
        "trusted'[p] = min(", "trusted'[p] = max(",
        "Omega trusts the highest unsuspected process (not a mirror image: every process starts trusting 0)",
        kill=_ele("P", "AtMostOneSelfLeader"), expect="violated",
    ),
    Mutant(
        "omega-round-counts-before-gst", "eventual_leader_election.spec",
        "stepped' = stepped | {p} if gst else stepped", "stepped' = stepped | {p}",
        "steps before GST count toward the fair round after it",
        kill=_ele("EvP", "AgreementAfterRound"), expect="violated",
    ),
    # Liveness (issue 20): bugs that stop progress, seen by a temporal property under fairness.
    Mutant(
        "paxos-no-vote-after-gst", "paxos_oracle.spec",
        "(not gst or (m.bal == Top and maxVBal[a] < m.bal))", "(not gst or (m.bal == Top and maxVBal[a] > m.bal))",
        "after GST an acceptor votes only below its last vote, so never: nothing is ever chosen (Agreement holds)",
        kill=Config("paxos_liveness.spec", "temporal", "EventuallyChosen", _p(ORACLE="unique", Chaos="False", MaxBallot=1)),
        expect="violated",
    ),
    Mutant(
        "omega-frozen-after-gst", "eventual_leader_election.spec",
        "    trusted'[p] = min(q for q in Proc if q not in out)\n",
        "    trusted'[p] = trusted[p] if gst else min(q for q in Proc if q not in out)\n",
        "a process stops updating whom it trusts at GST, so it may trust a crashed process for ever",
        kill=Config("omega_liveness.spec", "temporal", "EventuallyAgreeForever", _p(FD="EvP", N=2)),
        expect="violated",
    ),
    # ---- Raft with its log (specs/raft.spec) ----------------------------------------------------
    Mutant(
        "raft-vote-ignores-log", "raft.spec",
        "param UpToDateCheck: bool = True", "param UpToDateCheck: bool = False",
        "a vote without the up-to-date check: a server whose log lacks a committed entry is elected",
        kill=Config("raft.spec", "check", "LeaderCompleteness", _p(MaxTerm=2, MaxLog=1)), expect="violated",
    ),
    Mutant(
        "raft-commit-old-term", "raft.spec",
        "param CommitOldTerms: bool = False", "param CommitOldTerms: bool = True",
        "a leader commits an older term's entry by counting replicas (the Raft paper's Figure 8): "
        "a later leader overwrites it",
        kill=Config("raft.spec", "check", "StateMachineSafety", _p(MaxTerm=4, MaxLog=1)), expect="violated",
    ),
    Mutant(
        "raft-append-skips-consistency-check", "raft.spec",
        "    require prev <= len(log[d]) and (prev == 0 or log[d][prev - 1] == log[s][prev - 1])\n",
        "    require prev <= len(log[d])\n",
        "AppendEntries without the prevLogTerm check: a follower appends after an entry of another term",
        kill=Config("raft.spec", "check", "LogMatching", _p(MaxTerm=2, MaxLog=2)), expect="violated",
    ),
    Mutant(
        "raft-append-truncates-matching-entries", "raft.spec",
        "    nl = log[d][0:prev] + log[s][prev:last] if conflict else log[d] if len(log[d]) >= last else log[d] + log[s][len(log[d]):last]\n",
        "    nl = log[d][0:prev] + log[s][prev:last]\n",
        "a follower truncates its log after every AppendEntries, conflict or not: a late heartbeat drops an "
        "entry the leader has counted as replicated",
        kill=Config("raft.spec", "check", "LeaderCompleteness", _p(MaxTerm=2, MaxLog=1)), expect="violated",
    ),
    Mutant(
        "raft-vote-for-stale-term", "raft.spec",
        '    require s != c and role[c] == "candidate" and currentTerm[s] <= currentTerm[c]\n',
        '    require s != c and role[c] == "candidate"\n',
        "a server votes for a candidate of a lower term and goes back to it: a second leader is elected "
        "in a term whose first leader has left it (never two at once: only the paper's ElectionSafety sees it)",
        kill=Config("raft.spec", "check", "ElectionSafety", _p(MaxTerm=2, MaxLog=1)), expect="violated",
    ),
    Mutant(
        "raft-append-accepts-lower-term", "raft.spec",
        '    require s != d and role[s] == "leader" and currentTerm[d] <= currentTerm[s]\n',
        '    require s != d and role[s] == "leader"\n',
        "a follower accepts AppendEntries from the leader of a lower term (and goes back to that term): "
        "a stale leader's entry is committed that the new leader lacks",
        kill=Config("raft.spec", "check", "LeaderCompleteness", _p(MaxTerm=2, MaxLog=1)), expect="violated",
    ),
    Mutant(
        "raft-vote-twice-in-a-term", "raft.spec",
        "    require currentTerm[s] < currentTerm[c] or votedFor[s] == -1\n",
        "    require currentTerm[s] < currentTerm[c] or votedFor[s] != c\n",
        "a server that voted in its term votes again in it, for another candidate: two leaders of one term",
        kill=Config("raft.spec", "check", "ElectionSafety", _p(MaxTerm=2, MaxLog=1)), expect="violated",
    ),
    Mutant(
        "raft-msg-counts-old-term-vote", "raft_messages.spec",
        "m is VoteGranted and m.dst == c and m.term == currentTerm[c] and",
        "m is VoteGranted and m.dst == c and",
        "with messages in a network, a candidate counts a vote granted to it in an older term: two leaders "
        "in one term (the one-step model has no late votes)",
        kill=Config("raft_messages.spec", "check", "ElectionSafety", _p(MaxTerm=2, MaxLog=1, MaxMsgs=6)),
        expect="violated",
    ),
    # Chandra-Toueg and primary-backup: the rotating coordinator's quorums and
    # timestamps, and the backup's epoch fence.
    Mutant(
        "ct-propose-ignores-timestamps", "chandra_toueg.spec",
        "v in {m.val for m in E if m.ts == top}", "v in {m.val for m in E}",
        "the coordinator proposes any estimate of the majority, not the one adopted most recently",
        kill=_ct("P", "Agreement"), expect="violated",
    ),
    Mutant(
        "ct-adopt-keeps-timestamp", "chandra_toueg.spec",
        "    ts'[p] = r\n", "",
        "a process adopts the proposal but not its round: its estimate looks as old as its input",
        kill=_ct("P", "Agreement"), expect="violated",
    ),
    Mutant(
        "ct-propose-on-one-estimate", "chandra_toueg.spec",
        "m.rnd == r}) if Majority(Q)}", "m.rnd == r}) if len(Q) > 0}",
        "the coordinator proposes from the estimates of any non-empty set, not a majority",
        kill=_ct("P", "Agreement"), expect="violated",
    ),
    Mutant(
        "pb-fence-not-checked", "primary_backup.spec",
        "    require not Fence or m.ep >= epoch[q]\n", "",
        "the backup records epochs but never refuses a lower one",
        kill=Config("primary_backup.spec", "check", "NoLostWrite", _p(FD="S", Fence="True")), expect="violated",
    ),
)
