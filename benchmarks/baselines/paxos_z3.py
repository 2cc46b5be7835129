"""Hand-written direct z3py bounded model checker of Lamport's single-decree Paxos.tla, a baseline for benchmarks/bmc.py."""

from __future__ import annotations

import random
import sys
import time
from itertools import combinations
from typing import Optional, Sequence

import z3

# Messages are the same plain tuples as in paxos_bfs.py:
#   ("1a", b)   ("1b", a, b, mbal, mval)   ("2a", b, v)   ("2b", a, b, v)
# In the solver "no value" (None) is the integer -1.
Msg = tuple
NONE = -1


def majority_quorums(na: int) -> list[frozenset[int]]:
    """All subsets Q of 0..na-1 with 2*|Q| > na."""
    return [frozenset(q) for k in range(na // 2 + 1, na + 1)
            for q in combinations(range(na), k)]


def message_universe(na: int, nv: int, max_ballot: int) -> list[Msg]:
    """Every message that can ever be sent.

    A 1b for ballot b carries (maxVBal[a], maxVal[a]) of a state with
    maxBal[a] < b, so by the inductive invariants maxVBal <= maxBal and
    (maxVBal = -1 <=> maxVal = None) only mbal in -1..b-1 occurs, with
    mval = None exactly when mbal = -1.  self_check() verifies that these
    invariants hold in the encoding, so the restriction loses no behaviour.
    """
    ballots = range(max_ballot + 1)
    u: list[Msg] = [("1a", b) for b in ballots]
    for a in range(na):
        for b in ballots:
            u.append(("1b", a, b, -1, None))
            u.extend(("1b", a, b, c, v) for c in range(b) for v in range(nv))
    u.extend(("2a", b, v) for b in ballots for v in range(nv))
    u.extend(("2b", a, b, v) for a in range(na) for b in ballots for v in range(nv))
    return u


class Step:
    """The solver variables of the state at one step of the unrolling.

    maxBal, maxVBal and maxVal are small signed bit-vectors (-1 is "none");
    this was about 1.5x faster than integer arithmetic at depth 10."""

    def __init__(self, k: int, na: int, universe: Sequence[Msg], width: int) -> None:
        self.max_bal = [z3.BitVec(f"maxBal_{a}@{k}", width) for a in range(na)]
        self.max_vbal = [z3.BitVec(f"maxVBal_{a}@{k}", width) for a in range(na)]
        self.max_val = [z3.BitVec(f"maxVal_{a}@{k}", width) for a in range(na)]
        self.msgs = {m: z3.Bool("_".join(map(str, m)) + f"@{k}") for m in universe}

    def vars(self) -> dict[tuple, z3.ExprRef]:
        """Every variable, keyed by ("maxBal", a) etc. or by its message."""
        d: dict[tuple, z3.ExprRef] = {}
        for a, (x, y, z) in enumerate(zip(self.max_bal, self.max_vbal, self.max_val)):
            d["maxBal", a], d["maxVBal", a], d["maxVal", a] = x, y, z
        d.update(self.msgs)
        return d


class PaxosEncoding:
    """Init, Next and Agreement of Paxos over Step variables."""

    def __init__(self, na: int = 3, nv: int = 2, max_ballot: int = 2,
                 quorums: Optional[Sequence[frozenset[int]]] = None) -> None:
        self.na, self.nv, self.max_ballot = na, nv, max_ballot
        self.quorums = list(quorums) if quorums is not None else majority_quorums(na)
        self.universe = message_universe(na, nv, max_ballot)
        # Signed width holding -1..max(max_ballot, nv - 1); z3py's < and <= on
        # bit-vectors are the signed comparisons.
        self.width = max(max_ballot, nv - 1).bit_length() + 1

    def step(self, k: int) -> Step:
        return Step(k, self.na, self.universe, self.width)

    def const(self, n: int) -> z3.BitVecRef:
        return z3.BitVecVal(n, self.width)

    def init(self, s: Step) -> z3.BoolRef:
        return z3.And([x == -1 for x in s.max_bal] + [x == -1 for x in s.max_vbal]
                      + [x == NONE for x in s.max_val]
                      + [z3.Not(m) for m in s.msgs.values()])

    @staticmethod
    def _apply(s: Step, t: Step, guard: list, updates: dict) -> z3.BoolRef:
        """guard /\\ (v' = updates[v] for updated v) /\\ (v' = v for all others)."""
        sv, tv = s.vars(), t.vars()
        eqs = [tv[key] == updates.get(key, sv[key]) for key in sv]
        return z3.And(guard + eqs)

    def next(self, s: Step, t: Step) -> z3.BoolRef:
        """The transition relation as a disjunction over action instances."""
        ballots = range(self.max_ballot + 1)
        values = range(self.nv)
        acc = range(self.na)
        msgs = s.msgs
        acts: list[z3.BoolRef] = []

        # Phase1a(b)
        for b in ballots:
            acts.append(self._apply(s, t, [], {("1a", b): z3.BoolVal(True)}))

        # Phase1b(a) with m = 1a b: promise b and report the last vote.
        for a in acc:
            for b in ballots:
                upd: dict = {("maxBal", a): self.const(b)}
                for m in self.universe:
                    if m[0] == "1b" and m[1] == a and m[2] == b:
                        mval = NONE if m[4] is None else m[4]
                        upd[m] = z3.Or(msgs[m], z3.And(s.max_vbal[a] == m[3],
                                                       s.max_val[a] == mval))
                acts.append(self._apply(s, t, [msgs["1a", b], s.max_bal[a] < b], upd))

        # Phase2a(b, v)
        for b in ballots:
            no_2a = [z3.Not(msgs["2a", b, w]) for w in values]
            for v in values:
                per_quorum = [self._quorum_allows(s, q, b, v) for q in self.quorums]
                acts.append(self._apply(s, t, no_2a + [z3.Or(per_quorum)],
                                        {("2a", b, v): z3.BoolVal(True)}))

        # Phase2b(a) with m = 2a (b, v): vote for v in ballot b.
        for a in acc:
            for b in ballots:
                for v in values:
                    upd = {("maxBal", a): self.const(b), ("maxVBal", a): self.const(b),
                           ("maxVal", a): self.const(v), ("2b", a, b, v): z3.BoolVal(True)}
                    acts.append(self._apply(s, t, [msgs["2a", b, v], s.max_bal[a] <= b], upd))
        return z3.Or(acts)

    def _quorum_allows(self, s: Step, q: frozenset[int], b: int, v: int) -> z3.BoolRef:
        """Phase2a's quorum condition for one Q: every a in Q sent a 1b for b,
        and either none of them voted or the highest-ballot vote is for v."""
        one_b = [m for m in self.universe if m[0] == "1b" and m[2] == b and m[1] in q]
        heard = [z3.Or([s.msgs[m] for m in one_b if m[1] == a]) for a in q]
        voted = [m for m in one_b if m[3] >= 0]
        none_voted = z3.And([z3.Not(s.msgs[m]) for m in voted])
        v_highest = z3.Or([z3.And([s.msgs[m]] + [z3.Not(s.msgs[mm]) for mm in voted
                                                 if mm[3] > m[3]])
                           for m in voted if m[4] == v])
        return z3.And(heard + [z3.Or(none_voted, v_highest)])

    def chosen(self, s: Step, v: int) -> z3.BoolRef:
        return z3.Or([z3.And([s.msgs["2b", a, b, v] for a in q])
                      for b in range(self.max_ballot + 1) for q in self.quorums])

    def agreement(self, s: Step) -> z3.BoolRef:
        """At most one value is chosen."""
        return z3.And([z3.Not(z3.And(self.chosen(s, v), self.chosen(s, w)))
                       for v in range(self.nv) for w in range(v + 1, self.nv)])


def bmc(depth: int, na: int = 3, nv: int = 2, max_ballot: int = 2,
        quorums: Optional[Sequence[frozenset[int]]] = None) -> dict:
    """Check Agreement at every depth 0..depth with one incremental solver;
    stop at the first depth where a violation is found."""
    t0 = time.perf_counter()
    enc = PaxosEncoding(na, nv, max_ballot, quorums)
    solver = z3.Solver()
    s = enc.step(0)
    solver.add(enc.init(s))
    violation_at: Optional[int] = None
    for k in range(depth + 1):
        if k > 0:
            t = enc.step(k)
            solver.add(enc.next(s, t))
            s = t
        solver.push()
        solver.add(z3.Not(enc.agreement(s)))
        res = solver.check()
        solver.pop()
        if res == z3.sat:
            violation_at = k
            break
        assert res == z3.unsat, res
    return {"depth": depth, "violation_at": violation_at,
            "seconds": time.perf_counter() - t0}


# --------------------------------------------------------------------------
# Sanity checks of the encoding against paxos_bfs.py.

def _bfs_levels(na: int, nv: int, max_ballot: int, quorums: Sequence[frozenset[int]],
                max_depth: int) -> list[set]:
    """levels[d] = states at BFS distance exactly d (d <= max_depth)."""
    try:
        from . import paxos_bfs
    except ImportError:  # run as a script
        import paxos_bfs  # type: ignore[no-redef]
    init = ((-1,) * na, (-1,) * na, (None,) * na, frozenset())
    seen = {init}
    levels = [{init}]
    while len(levels) <= max_depth and levels[-1]:
        nxt = set()
        for st in levels[-1]:
            for t in paxos_bfs.successors(st, na, nv, max_ballot, list(quorums)):
                if t not in seen:
                    seen.add(t)
                    nxt.add(t)
        levels.append(nxt)
    return levels


def _state_eq(s: Step, st: tuple) -> z3.BoolRef:
    max_bal, max_vbal, max_val, msgs = st
    eqs = [x == c for x, c in zip(s.max_bal, max_bal)]
    eqs += [x == c for x, c in zip(s.max_vbal, max_vbal)]
    eqs += [x == (NONE if c is None else c) for x, c in zip(s.max_val, max_val)]
    eqs += [var if m in msgs else z3.Not(var) for m, var in s.msgs.items()]
    return z3.And(eqs)


def _model_state(model: z3.ModelRef, s: Step) -> tuple:
    val = lambda x: model.eval(x, model_completion=True).as_signed_long()  # noqa: E731
    return (tuple(val(x) for x in s.max_bal), tuple(val(x) for x in s.max_vbal),
            tuple(None if val(x) == NONE else val(x) for x in s.max_val),
            frozenset(m for m, var in s.msgs.items()
                      if z3.is_true(model.eval(var, model_completion=True))))


def self_check(verbose: bool = False) -> None:
    """Raise AssertionError if the encoding disagrees with the BFS baseline."""
    log = print if verbose else (lambda *_: None)

    # 1. Non-intersecting "quorums" (singletons): Agreement must fail, first at
    #    the same depth as the shortest violating path found by BFS.
    na, nv, mb = 3, 2, 1
    singles = [frozenset([a]) for a in range(na)]
    levels = _bfs_levels(na, nv, mb, singles, 12)
    bfs_first = next(d for d, lvl in enumerate(levels)
                     if any(len({v for v in range(nv) if _chosen_bfs(st, v, singles)}) > 1
                            for st in lvl))
    r = bmc(12, na, nv, mb, singles)
    log(f"singleton quorums: BFS first violation at {bfs_first}, BMC at {r['violation_at']}")
    assert r["violation_at"] == bfs_first, (r, bfs_first)
    assert bmc(bfs_first - 1, na, nv, mb, singles)["violation_at"] is None

    # 2. Exact reachable sets at small depth.  Every non-initial state has
    #    sent a 1a, so re-sending it is a stuttering step: the states at step
    #    k >= 1 of the unrolling are exactly those at BFS distance 1..k.
    for mb in (1, 2):
        levels = _bfs_levels(3, 2, mb, majority_quorums(3), 10)
        enc = PaxosEncoding(3, 2, mb)
        solver = z3.Solver()
        steps = [enc.step(0)]
        solver.add(enc.init(steps[0]))
        for k in range(1, 5):
            steps.append(enc.step(k))
            solver.add(enc.next(steps[k - 1], steps[k]))
            expected = set().union(*levels[1:k + 1])
            got = set()
            solver.push()
            while solver.check() == z3.sat:
                st = _model_state(solver.model(), steps[k])
                got.add(st)
                solver.add(z3.Not(_state_eq(steps[k], st)))
                assert len(got) <= len(expected), "encoding reaches too many states"
            solver.pop()
            log(f"MaxBallot={mb} step {k}: {len(got)} states (BFS {len(expected)})")
            assert got == expected, (mb, k, len(got), len(expected))

    # 3. Spot-check deeper states: a random sample of BFS states at distance d
    #    is reachable at step d, and none of them is reachable at step d-1.
    #    Also check the invariants that justify message_universe().
    rng = random.Random(0)
    levels = _bfs_levels(3, 2, 2, majority_quorums(3), 8)
    enc = PaxosEncoding(3, 2, 2)
    solver = z3.Solver()
    steps = [enc.step(0)]
    solver.add(enc.init(steps[0]))
    for k in range(1, 9):
        steps.append(enc.step(k))
        solver.add(enc.next(steps[k - 1], steps[k]))
        s = steps[k]
        inv = z3.And([z3.And(s.max_vbal[a] <= s.max_bal[a],
                             (s.max_vbal[a] == -1) == (s.max_val[a] == NONE))
                      for a in range(3)])
        assert solver.check(z3.Not(inv)) == z3.unsat, k
        if k >= 5:
            for st in rng.sample(sorted(levels[k], key=repr), 5):
                assert solver.check(_state_eq(steps[k], st)) == z3.sat, (k, st)
                assert solver.check(_state_eq(steps[k - 1], st)) == z3.unsat, (k, st)
    log("spot checks at depths 5..8 and universe invariants: ok")


def _chosen_bfs(st: tuple, v: int, quorums: Sequence[frozenset[int]]) -> bool:
    msgs = st[3]
    return any(all(("2b", a, b, v) in msgs for a in q)
               for b in {m[2] for m in msgs if m[0] == "2b"} for q in quorums)


def main(argv: list[str]) -> None:
    if "--self-check" in argv:
        t0 = time.perf_counter()
        self_check(verbose=True)
        print(f"self_check passed in {time.perf_counter() - t0:.1f}s")
        return
    depths = [int(x) for x in argv] or [6, 8, 10]
    for d in depths:
        r = bmc(d)
        print(f"depth={d}: violation_at={r['violation_at']} seconds={r['seconds']:.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
