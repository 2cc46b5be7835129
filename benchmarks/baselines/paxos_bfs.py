"""Hand-written plain-Python BFS of Lamport's single-decree Paxos.tla, a baseline for benchmarks/explore.py."""

from __future__ import annotations

import gc
import sys
import time
from itertools import combinations
from typing import Optional

# A state is (maxBal, maxVBal, maxVal, msgs): three per-acceptor tuples plus a
# frozenset of message tuples.  Messages are plain tuples:
#   ("1a", b)   ("1b", a, b, mbal, mval)   ("2a", b, v)   ("2b", a, b, v)
# maxVal uses None for "no value", exactly as in the spec.
Msg = tuple
State = tuple[tuple[int, ...], tuple[int, ...], tuple[Optional[int], ...], frozenset]


def majority_quorums(na: int) -> list[frozenset[int]]:
    """All subsets Q of 0..na-1 with 2*|Q| > na."""
    acc = range(na)
    return [frozenset(q) for k in range(na // 2 + 1, na + 1) for q in combinations(acc, k)]


def agreement_holds(msgs: frozenset, quorums: list[frozenset[int]], min_q: int) -> bool:
    """Agreement: at most one value v has a quorum Q and ballot b such that
    every a in Q sent 2b(a, b, v).  min_q is the size of the smallest quorum."""
    votes = [m for m in msgs if m[0] == "2b"]
    if len(votes) < 2 * min_q:      # fast path: two values cannot both be chosen
        return True
    voters: dict[tuple[int, int], set[int]] = {}
    for m in votes:
        voters.setdefault((m[2], m[3]), set()).add(m[1])
    chosen = {bv[1] for bv, accs in voters.items()
              if len(accs) >= min_q and any(q <= accs for q in quorums)}
    return len(chosen) <= 1


def successors(s: State, na: int, nv: int, max_ballot: int,
               quorums: list[frozenset[int]]) -> list[State]:
    """Next-successors of s (may repeat states or include s itself; the caller dedups)."""
    max_bal, max_vbal, max_val, msgs = s
    out: list[State] = []
    ballots = range(max_ballot + 1)

    # One pass over msgs to index what the actions look at.
    bals_1a: list[int] = []
    by_bal_1b: dict[int, list[Msg]] = {}
    bals_2a: set[int] = set()
    msgs_2a: list[Msg] = []
    for m in msgs:
        t = m[0]
        if t == "1a":
            bals_1a.append(m[1])
        elif t == "1b":
            by_bal_1b.setdefault(m[2], []).append(m)
        elif t == "2a":
            bals_2a.add(m[1])
            msgs_2a.append(m)

    # Phase1a(b): send 1a b (a no-op if already sent).
    for b in ballots:
        m = ("1a", b)
        if m not in msgs:
            out.append((max_bal, max_vbal, max_val, msgs | {m}))

    # Phase1b(a): answer a 1a with a higher ballot than promised.
    for a in range(na):
        mb = max_bal[a]
        for b in bals_1a:
            if b > mb:
                nb = max_bal[:a] + (b,) + max_bal[a + 1:]
                out.append((nb, max_vbal, max_val,
                            msgs | {("1b", a, b, max_vbal[a], max_val[a])}))

    # Phase2a(b, v): the value allowed by some quorum's 1b messages for b.
    for b, q1b_all in by_bal_1b.items():
        if b in bals_2a:
            continue
        senders = {m[1] for m in q1b_all}
        allowed: set[int] = set()
        for q in quorums:
            if not q <= senders:
                continue
            best = -1
            vals: set = set()
            for m in q1b_all:
                if m[1] in q:
                    mbal = m[3]
                    if mbal > best:
                        best, vals = mbal, {m[4]}
                    elif mbal == best and mbal >= 0:
                        vals.add(m[4])
            if best < 0:          # Q1bv = {}: any value may be proposed
                allowed.update(range(nv))
                break
            allowed |= vals
        for v in allowed:
            out.append((max_bal, max_vbal, max_val, msgs | {("2a", b, v)}))

    # Phase2b(a): accept a 2a whose ballot is at least the promised one.
    for a in range(na):
        mb = max_bal[a]
        for m in msgs_2a:
            b = m[1]
            if b >= mb:
                v = m[2]
                lo, hi = slice(None, a), slice(a + 1, None)
                out.append((max_bal[lo] + (b,) + max_bal[hi],
                            max_vbal[lo] + (b,) + max_vbal[hi],
                            max_val[lo] + (v,) + max_val[hi],
                            msgs | {("2b", a, b, v)}))
    return out


def explore(na: int = 3, nv: int = 2, max_ballot: int = 2) -> dict:
    """Exhaustive BFS; returns distinct states, depth (TLC convention: number of
    BFS levels, the initial state being level 1) and whether Agreement holds."""
    quorums = majority_quorums(na)
    min_q = min(len(q) for q in quorums)
    init: State = ((-1,) * na, (-1,) * na, (None,) * na, frozenset())
    seen: set[State] = {init}
    frontier: list[State] = [init]
    depth = 0
    agreement = True
    # The BFS allocates hundreds of thousands of long-lived tuples and no
    # cycles; the cyclic GC would only rescan them over and over.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        while frontier:
            depth += 1
            nxt: list[State] = []
            for s in frontier:
                if agreement and not agreement_holds(s[3], quorums, min_q):
                    agreement = False
                for t in successors(s, na, nv, max_ballot, quorums):
                    if t not in seen:
                        seen.add(t)
                        nxt.append(t)
            frontier = nxt
    finally:
        if gc_was_enabled:
            gc.enable()
    return {"states": len(seen), "depth": depth, "agreement_holds": agreement}


def main(argv: list[str]) -> None:
    max_ballots = [int(x) for x in argv] or [1, 2]
    for mb in max_ballots:
        t0 = time.process_time()
        r = explore(max_ballot=mb)
        cpu = time.process_time() - t0
        print(f"MaxBallot={mb}: states={r['states']} depth={r['depth']} "
              f"agreement_holds={r['agreement_holds']} cpu={cpu:.2f}s "
              f"states/s={r['states'] / cpu:,.0f}")


if __name__ == "__main__":
    main(sys.argv[1:])
