"""Which members a set-valued state variable can ever hold: the set bits that are false in every
reachable state, proven before a bounded unrolling so that it carries one Boolean per element
that can occur, not per element of the type (Paxos: 54 message Booleans, not 135).

`guess` takes the members that a short breadth-first run of the explicit engine
(`sample_states`) never saw; `bmc.encode_reachable` encodes the spec with no Boolean for them in
the current state (`Encoding(never=...)`), and `confirm` proves them absent, Houdini's way
(Flanagan and Leino): start from candidate invariants, drop every candidate that some initial
state breaks, then every candidate that some step from a state satisfying all remaining
candidates breaks, until the remaining conjunction is inductive. What survives holds in every
reachable state, so it is sound whatever the guess and the candidates are; their choice only
decides how much is proven. The candidates:

* each guessed member is absent, and
* for two integer leaves of one row (the top-level scalars, or the entries of maps with one key
  type at one key), `x <= y` and `(x == min x) == (y == min y)`: the relations between an
  acceptor's ballots and its "none" sentinels that decide which messages it can build.

A non-relational reading (each field drawn from the values its source can hold) cannot exclude a
Paxos phase-1b message reporting a vote at a ballot above the promised one; these pairs can.

The steps are the encoding's own (every action instance, error paths included), from pre-states
within the variables' declared types, so the result over-approximates the reachable states of
the encoding; every counterexample is still replayed through the explicit engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import z3

from pyspec.errors import SpecEvalError
from pyspec.lang.typed import CheckedSpec
from pyspec.limits import LimitReached
from pyspec.reference import Reference
from pyspec.symbolic.boolean import eq_b, not_, or_all, zb
from pyspec.symbolic.decode import set_bits as type_bits
from pyspec.symbolic.ints import Ctx
from pyspec.symbolic.values import IntV, MapV, TupleV

if TYPE_CHECKING:
    from pyspec.symbolic.encode import Encoding

MAX_PAIRS = 400  # relational candidates beyond this are not tried (more rows than Paxos's by far)
SAMPLES = 2000  # explicit states sampled for the guess (Paxos: all 54 messages appear by 2,000)
MAX_ROUNDS = 200  # Houdini rounds: each drops at least one candidate; past this, prove nothing
MAX_ENCODINGS = 3  # guesses tried before encoding every Boolean


def _int_rows(x: Any, path: tuple, row: tuple, rows: dict[tuple, list]) -> None:
    """The integer leaves under `x` (IntV, path to its explicit value), by row."""
    if isinstance(x, IntV):
        if x.term is not None and x.lo < x.hi:
            rows.setdefault(row, []).append((x, path))
    elif isinstance(x, MapV):
        for i, e in enumerate(x.vals):
            _int_rows(e, (*path, i), (x.key.show(), i), rows)
    elif isinstance(x, TupleV):
        for i, e in enumerate(x.elems):
            _int_rows(e, (*path, i), row, rows)
    # a union's fields exist only under their tag: no candidates inside


def _read(state: tuple, path: tuple) -> Any:
    x: Any = state
    for i in path:
        x = x[i]
    return x


def set_bits(spec: CheckedSpec, ctx: Ctx) -> list[tuple[str, tuple, Any]]:
    """Every set bit of a state of `spec` outside unions: (its name without `@k`, the path to
    its set in an explicit state, its element)."""
    bits: list = []
    for i, v in enumerate(spec.vars):
        type_bits(ctx, v.ty, v.name, (i,), bits)
    return bits


def guess(bits: list[tuple[str, tuple, Any]], samples: Sequence[tuple]) -> frozenset[str]:
    """The names of the `bits` (`set_bits`) that no state of `samples` holds: a guess of
    `never`, for `confirm`."""
    seen: set = set()
    for p in {p for _, p, _ in bits}:
        for st in samples:
            seen.update((p, k) for k in _read(st, p))
    return frozenset(n for n, p, k in bits if (p, k) not in seen)


def confirm(enc: Encoding, solver: z3.Solver, samples: Sequence[tuple] = ()) -> frozenset[str] | None:
    """The largest part of `enc.never` that Houdini proves never true in a reachable state (with
    the relational candidates), or None when Z3 cannot decide a round. Equal to `enc.never`
    means `enc` is sound; a smaller result needs a new encoding (whose current state has the
    Booleans that this one lacks) and another round.

    `samples`: reachable explicit states; a relational candidate false in one of them is
    dropped before Z3 is asked (it is in no inductive subset)."""
    ctx = enc.ctx
    s0, s1 = enc.state(0), enc.state(1)
    pre: list = []
    post: list = []
    names: list[str | None] = []
    for b in s1.leaves:  # the never-bits, false by construction in state 0
        n = b.decl().name().rsplit("@", 1)[0]
        if z3.is_bool(b) and n in enc.never:
            pre.append(True)
            post.append(z3.Not(b))
            names.append(n)
    rows0: dict[tuple, list] = {}
    rows1: dict[tuple, list] = {}
    for i, (v0, v1) in enumerate(zip(s0.vals, s1.vals)):
        _int_rows(v0, (i,), ("top",), rows0)
        _int_rows(v1, (i,), ("top",), rows1)
    rel: list = []
    for row, leaves0 in rows0.items():
        leaves1 = rows1[row]
        for a in range(len(leaves0)):
            for b in range(len(leaves0)):
                if a == b:
                    continue
                (x0, px), (y0, py) = leaves0[a], leaves0[b]
                x1, y1 = leaves1[a][0], leaves1[b][0]
                rel.append((ctx.cmp("le", x0, y0), ctx.cmp("le", x1, y1),
                            lambda st, px=px, py=py: _read(st, px) <= _read(st, py)))
                if a < b:
                    lx, ly = x0.lo, y0.lo
                    rel.append((eq_b(ctx.int_eq_const(x0, lx), ctx.int_eq_const(y0, ly)),
                                eq_b(ctx.int_eq_const(x1, lx), ctx.int_eq_const(y1, ly)),
                                lambda st, px=px, py=py, lx=lx, ly=ly: (_read(st, px) == lx) == (_read(st, py) == ly)))
    if len(rel) <= MAX_PAIRS:
        for c0, c1, test in rel:
            if isinstance(c0, bool) or isinstance(c1, bool) or not all(test(st) for st in samples):
                continue
            pre.append(c0)
            post.append(c1)
            names.append(None)
    alive = list(range(len(post)))

    def prune(assume_pre: bool) -> bool:
        """Drop the candidates that some model of the solver's formula (and the remaining
        candidates in state 0) breaks in state 1; False when Z3 cannot decide."""
        nonlocal alive
        for _ in range(MAX_ROUNDS):
            solver.push()
            if assume_pre:
                solver.add(*(zb(pre[i]) for i in alive if pre[i] is not True))
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
        return False

    try:
        solver.add(zb(enc.init_in(1)), zb(enc.type_ok(1)))  # init over a state with every Boolean
        if not prune(False):
            return None
        solver.reset()
        solver.add(zb(enc.type_ok(0)), zb(or_all(p.formula for p in enc.steps)))
        if not prune(True):
            return None
    except LimitReached:  # the deadline: keep every Boolean; the unrolling stops on it too
        return None
    return frozenset(n for i in alive if (n := names[i]) is not None)


def sample_states(reference: Reference, limit: int | None = None) -> list[tuple]:
    """Up to `limit` (default SAMPLES) reachable states, breadth first, under the reference
    semantics; fewer when it raises an evaluation error (the engines report that themselves)."""
    limit = SAMPLES if limit is None else limit
    seen: dict = {}
    try:
        seen = dict.fromkeys(reference.initial_states())
        frontier = list(seen)
        step = reference.step_fn()
        work = 0  # successors computed: a spec with huge fan-out stops early, the guess is only larger
        while frontier and len(seen) < limit and work < 50 * limit:
            nxt = []
            for st in frontier:
                succ = step(st)
                work += len(succ)
                for _, t in succ:
                    if t not in seen and len(seen) < limit:
                        seen[t] = None
                        nxt.append(t)
                if work >= 50 * limit:
                    break
            frontier = nxt
    except SpecEvalError:
        pass
    return list(seen)


__all__ = ["set_bits", "guess", "confirm", "sample_states"]
