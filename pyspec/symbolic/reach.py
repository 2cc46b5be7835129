"""Which members a set-valued state variable can ever hold: the set bits that are false in every
reachable state, proven before a bounded unrolling so that it carries one Boolean per element
that can occur, not per element of the type (Paxos: 54 message Booleans, not 135).

The proof is Houdini's (Flanagan and Leino): start from candidate invariants over one state,
drop every candidate that fails in some initial state, then every candidate that some transition
from a state satisfying all remaining candidates breaks, until the remaining conjunction is
inductive. What survives holds in every reachable state, so it is sound whatever the candidates
are; their choice only decides how much is proven. The candidates:

* every set bit is false ("this element is never a member"), and
* for two integer leaves of one row (the top-level scalars, or the entries of maps with one key
  type at one key), `x <= y` and `(x == min x) == (y == min y)`: the relations between an
  acceptor's ballots and its "none" sentinels that decide which messages it can build.

A non-relational reading (each field drawn from the values its source can hold) cannot exclude a
Paxos phase-1b message reporting a vote at a ballot above the promised one; these pairs can.

The transition relation is the encoding's own (every action instance, error paths included),
over pre-states within the variables' declared types, so the result over-approximates the
reachable states of the encoding, which the explicit engine replays.
"""

from __future__ import annotations

from typing import Any, Iterable

import z3

from pyspec.errors import SpecEvalError
from pyspec.reference import Reference
from pyspec.symbolic.boolean import eq_b, not_, or_all, zb
from pyspec.symbolic.z3raw import Renaming
from pyspec.symbolic.values import IntV, MapV, SetV, TupleV, UnionV

MAX_PAIRS = 400  # relational candidates beyond this are not tried (more rows than Paxos's by far)
SAMPLES = 2000  # explicit states sampled to drop candidates before Z3 is asked
MAX_ROUNDS = 200  # Houdini rounds: each drops at least one candidate; past this, prove nothing


def _collect(x: Any, path: tuple, row: tuple, bits: list, rows: dict[tuple, list]) -> None:
    """The set bits (Z3 constant, path to the set, element) and the integer leaves (IntV, path)
    by row, under `x`; `path` reads the explicit value: ints index tuples and maps."""
    if isinstance(x, SetV):
        bits.extend((b, path, k) for k, b in x.bits.items() if z3.is_const(b))
    elif isinstance(x, IntV):
        if x.term is not None and x.lo < x.hi:
            rows.setdefault(row, []).append((x, path))
    elif isinstance(x, MapV):
        for i, e in enumerate(x.vals):
            _collect(e, (*path, i), (x.key.show(), i), bits, rows)
    elif isinstance(x, TupleV):
        for i, e in enumerate(x.elems):
            _collect(e, (*path, i), row, bits, rows)
    # a union's fields exist only under their tag: no candidates inside


def _read(state: tuple, path: tuple) -> Any:
    x: Any = state
    for i in path:
        x = x[i]
    return x


def _candidates(enc: Any) -> tuple[list, list, int]:
    """The candidates over state 0, each with a test of it on an explicit state, and how many of
    them (the first) are set bits, with the bits' constants."""
    ctx = enc.ctx
    bits: list = []
    rows: dict[tuple, list] = {}
    for i, v in enumerate(enc.state(0).vals):
        _collect(v, (i,), ("top",), bits, rows)
    cands: list = [(z3.Not(b), None) for b, _, _ in bits]
    pairs: list = []
    for leaves in rows.values():
        for x, px in leaves:
            for y, py in leaves:
                if x is y:
                    continue
                pairs.append((ctx.cmp("le", x, y), lambda st, px=px, py=py: _read(st, px) <= _read(st, py)))
                if x.term.get_id() < y.term.get_id():
                    f = eq_b(ctx.int_eq_const(x, x.lo), ctx.int_eq_const(y, y.lo))
                    pairs.append((f, lambda st, px=px, py=py, lx=x.lo, ly=y.lo: (_read(st, px) == lx) == (_read(st, py) == ly)))
    if len(pairs) <= MAX_PAIRS:
        cands.extend(p for p in pairs if not isinstance(p[0], bool))
    return cands, bits, len(bits)


def never_members(enc: Any, solver: z3.Solver, samples: Iterable[tuple] = ()) -> frozenset[str]:
    """The names (without the step suffix `@0`) of the set bits of `enc`'s state that are false in
    every reachable state, proven with the empty `solver` (its time limits apply). Empty when
    nothing is proven, or Z3 cannot decide a round (then the full domain is kept: sound, only
    slower).

    `samples`: explicit states known to be reachable (a short BFS of the explicit engine); every
    candidate false in one of them is dropped before Z3 is asked, which saves most rounds (each
    round drops the candidates one model breaks, often a single one). The result does not depend
    on them: Houdini finds the largest inductive subset of the candidates, and a candidate false
    in a reachable state is in none."""
    cands, bits, nbits = _candidates(enc)
    if not bits:
        return frozenset()
    seen: set = set()  # (path to a set, element) of the samples, for the bit candidates at once
    paths = {p for _, p, _ in bits}
    rest = list(range(nbits, len(cands)))
    for st in samples:
        for p in paths:
            seen.update((p, k) for k in _read(st, p))
        rest = [i for i in rest if cands[i][1](st)]
    alive = [i for i, (_, p, k) in enumerate(bits) if (p, k) not in seen] + rest
    s0, s1 = enc.state(0), enc.state(1)
    pre = [c for c, _ in cands]
    rename = Renaming(s0.leaves, s1.leaves)
    nxt: list = [None] * len(pre)
    for i in alive:
        nxt[i] = rename(pre[i])

    def prune(pre: list[Any] | None, post: list[Any]) -> bool:
        """Drop the candidates that some model of the solver's formula and `pre` breaks in `post`;
        False when Z3 cannot decide (or the rounds run out)."""
        nonlocal alive
        for _ in range(MAX_ROUNDS):
            solver.push()
            if pre is not None:
                solver.add(*(zb(pre[i]) for i in alive))
            solver.add(zb(or_all(not_(post[i]) for i in alive)))
            r = solver.check()
            model = solver.model() if r == z3.sat else None
            solver.pop()
            if r == z3.unsat:
                return True
            if model is None:
                return False
            kept = [i for i in alive if z3.is_true(model.eval(post[i], model_completion=True))]
            if len(kept) == len(alive):
                return False  # cannot happen for a model of the query; be safe
            alive = kept
            if not alive:
                return True
        return False

    solver.add(zb(enc.init.formula), zb(enc.type_ok(0)))
    if not prune(None, pre):
        return frozenset()
    solver.reset()
    solver.add(zb(enc.type_ok(0)), zb(or_all(p.formula for p in enc.steps)))
    if not prune(pre, nxt):
        return frozenset()
    return frozenset(bits[i][0].decl().name().rsplit("@", 1)[0] for i in alive if i < nbits)


def sample_states(reference: Reference, limit: int = SAMPLES) -> list[tuple]:
    """Up to `limit` reachable states, breadth first, under the reference semantics; fewer when
    it raises an evaluation error (the engines report that themselves)."""
    try:
        seen = dict.fromkeys(reference.initial_states())
        frontier = list(seen)
        step = reference.step_fn()
        while frontier and len(seen) < limit:
            nxt = []
            for st in frontier:
                for _, t in step(st):
                    if t not in seen and len(seen) < limit:
                        seen[t] = None
                        nxt.append(t)
            frontier = nxt
    except SpecEvalError:
        pass
    return list(seen)


__all__ = ["never_members", "sample_states"]
