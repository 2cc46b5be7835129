"""A log as a path constraint: states 0..n, each logged step an action instance (possibly after
some unlogged "hidden" steps), each record's observations constraints on the state it reaches.

tracecheck's symbolic mode builds one `TraceSolver` per validation and asks, record by record
or window by window, whether some behaviour of the spec still explains the log. Where the
explicit frontier would hold many states (little is observed), the solver keeps them implicit.
"""

from __future__ import annotations

import z3

from pyspec.lang.typed import CheckedSpec
from pyspec.symbolic.boolean import and_, not_, or_all, zb
from pyspec.symbolic.decode import lift
from pyspec.symbolic.encode import Encoding
from pyspec.symbolic.paths import Path
from pyspec.symbolic.solver import new_solver


_MOVED_KEPT = 512  # steps moved to states 0 .. this are kept for restarted solvers


class TraceSolver:
    """Incremental path constraint for a log. States are numbered from 0 (initial, or the state
    a `restart` starts from)."""

    def __init__(self, spec: CheckedSpec, timeout: float | None = None, *, _start: tuple | str | None = None,
                 _shared: TraceSolver | None = None) -> None:
        self.spec = spec
        self.timeout = timeout
        # a restarted solver shares the encoding and the steps already moved to state k
        self.enc: Encoding = Encoding(spec) if _shared is None else _shared.enc
        self._moved: dict[tuple[int, int], object] = {} if _shared is None else _shared._moved
        self.solver = new_solver(timeout)
        self.k = 0  # the index of the last state
        if _start is None:
            self.solver.add(zb(self.enc.init.formula))
        elif isinstance(_start, tuple):  # else "any": any state of the types
            self.solver.add(zb(self.enc.state_eq(0, _start)))
        self.solver.add(zb(self.enc.type_ok(0)))
        self._records: int = 0 if _shared is None else _shared._records
        self._unknown: str | None = None
        self._state_of: dict[int, int] = {}
        self._index = {(self.enc.instances[i][0], self.enc.instances[i][1]): i for i in range(len(self.enc.instances))}

    def restart(self, state: tuple | None, anywhere: bool = False) -> TraceSolver:
        """A new, empty path constraint sharing this one's encoding, whose state 0 is the
        explicit state `state` (None: an initial state; `anywhere`: any state of the
        variables' types, reachable or not): a log checked on from a state that a model of an
        earlier part of it reached, or a part of a log that no state at all explains. Its steps
        are numbered from 0 again, so the steps already moved to those indices are reused."""
        return TraceSolver(self.spec, self.timeout, _start="any" if anywhere else state, _shared=self)

    def instance(self, action: str, args: tuple) -> int:
        for ai, a in enumerate(self.spec.actions):
            if a.name == action:
                return self._index[(ai, tuple(args))]
        raise KeyError(action)

    def _step(self, instances: tuple[int, ...], stutter: bool, out: list) -> None:
        """State k+1, reached from state k by one of `instances` (or, with `stutter`, by no
        step): its constraint goes to `out`."""
        k = self.k
        moved = self._moved
        options = []
        for i in instances:
            f = moved.get((i, k))
            if f is None:
                f = self.enc.at(self.enc.steps[i].formula, k)
                if k < _MOVED_KEPT:
                    moved[(i, k)] = f
            options.append(f)
        if stutter:
            options.append(_same(self.enc, k))
        out.append(zb(or_all(options)))
        self.k = k + 1

    def add_record(self, inst: int | tuple[int, ...] | None, hidden: tuple[int, ...], max_hidden: int,
                   observations) -> z3.BoolRef:
        """One record: up to `max_hidden` steps of the `hidden` instances, then the record's
        own step (`inst`, or one of the instances of a tuple: a record that leaves arguments
        open; None: the record only observes), then `observations`, a list of
        (pyspec.Expression, {binding: value}) that must hold in the state reached. The
        constraints hold under the returned literal: pass it to `check`, then `commit` it."""
        out: list = []
        for _ in range(max_hidden if hidden else 0):
            self._step(hidden, True, out)
        if inst is not None:
            self._step(inst if isinstance(inst, tuple) else (inst,), False, out)
        for expr, values in observations:
            out.append(zb(self._observe(expr, values, self.k)))
        self._records += 1
        lit = z3.Bool(f"record#{self._records}")
        self.solver.add(z3.Implies(lit, z3.And(out) if out else z3.BoolVal(True)))
        self._state_of[lit.get_id()] = self.k
        return lit

    def _observe(self, expr, values: dict, k: int):
        enc = self.enc
        encoder = enc.encoder(enc.state(k).vals)
        p = Path(True, [], [None] * len(self.spec.vars), {})
        for name, v in values.items():
            slot, ty = expr.bindings[name]
            p.bind(slot, lift(enc.ctx, ty, v), v)
        value = encoder.expr(expr.expr, p, ())
        errors = [e.cond for e in encoder.errors]
        return and_(value, not_(or_all(errors))) if errors else value

    def check(self, assumptions: list, seconds: float | None = None) -> str:
        """"sat" (some behaviour explains the committed records and `assumptions`), "unsat",
        or "unknown" (see `reason_unknown`). `seconds`: at most this long (the time left of a
        caller's deadline; 0 answers "unknown" at once), else the solver's own timeout."""
        if seconds is not None:
            if seconds <= 0:
                self._unknown = "time limit reached"
                return "unknown"
        self._unknown = None
        r = self.solver.check(*assumptions, seconds=seconds)
        return "sat" if r == z3.sat else "unsat" if r == z3.unsat else "unknown"

    def commit(self, literals: list) -> None:
        """The records of `literals` are explained: assert them for good."""
        self.solver.add(*literals)

    def reason_unknown(self) -> str:
        return self._unknown or self.solver.reason_unknown()

    def model_state(self, literal) -> tuple:
        """After a "sat" check: the state reached by the record of `literal`, in the model."""
        return self.enc.decode(self.solver.model(), self._state_of[literal.get_id()])


def _same(enc: Encoding, k: int):
    a, b = enc.state(k), enc.state(k + 1)
    return and_(*(x == y for x, y in zip(a.leaves, b.leaves)))
