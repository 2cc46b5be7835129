"""Bounded lassos with Z3: a fair behaviour of the form s0 .. sl .. sk with sk = sl, of at most
`depth` steps, that violates a temporal property.

The unrolling is BMC's (`bmc.py`: one incremental solver, one transition per depth), with one
addition: a deadlocked state may step to itself (a stutter), as in the explicit engine. At each
depth k a selector per loop start l asks for sl = sk, the fairness conditions over the loop
(weak: the instance is not enabled, with its `unless` condition false, in every loop state, or
it is taken in the loop; strong: it is never so enabled in the loop, or it is taken), and the
property's violation (e.g. `eventually P`: not P in every state). Enabledness of an instance is
the disjunction of its paths' guards (`Encoding.run`), which read only the current state.

A bounded search cannot show a property: without a lasso the verdict is
NO_VIOLATION_UP_TO, "no fair lasso up to depth K". Every lasso found is replayed through the
explicit engine (the `verify` callback) before it is reported; a disagreement is an
EncodingMismatch (an internal error).
"""

from __future__ import annotations

import time
from typing import Any, Callable

import z3

from pyspec.lang import typed as T
from pyspec.limits import LimitReached
from pyspec.progress import watch
from pyspec.reference import Reference
from pyspec.result import Result, Trace, Verdict
from pyspec.symbolic.bmc import encode, some_initial_state
from pyspec.symbolic.boolean import and_, and_all, not_, or_, or_all, zb
from pyspec.symbolic.decode import lift
from pyspec.symbolic.encode import Encoding
from pyspec.symbolic.paths import Path
from pyspec.symbolic.replay import EncodingMismatch, Oracle
from pyspec.symbolic.solver import frame, new_solver
from pyspec.symbolic.values import eq

STUTTER = -1
Verify = Callable[[str, list, list, int], Any]  # (property, states, instances, loop) -> (trace, says, why) | message


class _Lassos:
    """The templates over state 0 the unrolling moves to each depth."""

    def __init__(self, enc: Encoding) -> None:
        self.enc = enc
        spec = enc.spec
        s0 = enc.state(0)
        self.enabled: list[Any] = []
        for ai, args in enc.instances:
            a = spec.actions[ai]
            bound = {f.slot: (lift(enc.ctx, f.ty, v), v) for f, v in zip(a.formals, args)}
            paths, _ = enc.run(a.body, s0.vals, bound)
            self.enabled.append(or_all(p.guard for p in paths))
        self.dead = not_(or_all(self.enabled))
        # fairness obligations: (instance, strong, "enabled and the unless condition false")
        self.obs: list[tuple[int, bool, Any]] = []
        for f in spec.fairness:
            a = spec.actions[f.action]
            for inst, (ai, args) in enumerate(enc.instances):
                if ai != f.action:
                    continue
                on = self.enabled[inst]
                if f.unless is not None:
                    binds = {i: (lift(enc.ctx, x.ty, v), v) for i, (x, v) in enumerate(zip(a.formals, args))}
                    on = and_(on, not_(self.predicate(f.unless, binds)))
                self.obs.append((inst, f.strong, on))

    def predicate(self, expr: T.Expr, binds: dict | None = None) -> Any:
        s0 = self.enc.state(0)
        e = self.enc.encoder(s0.vals)
        p = Path(True, [], [None] * len(s0.vals), {})
        for slot, (v, explicit) in (binds or {}).items():
            p.bind(slot, v, explicit)
        return e.expr(expr, p, ())

    def same(self, i: int, j: int) -> Any:
        a, b = self.enc.state(i), self.enc.state(j)
        return and_all(eq(self.enc.ctx, x, y) for x, y in zip(a.vals, b.vals))

    def step(self, i: int) -> Any:
        """Some instance leads from state i to i + 1, or state i is deadlocked and repeats."""
        return or_(self.enc.next(i), and_(self.enc.at(self.dead, i), self.same(i, i + 1)))

    def taken(self, inst: int, i: int) -> Any:
        return self.enc.at(self.enc.steps[inst].formula, i)

    def fair(self, l: int, k: int) -> Any:
        """The loop l .. k (states l .. k-1, steps l .. k-1) is fair to every obligation."""
        out = []
        for inst, strong, on in self.obs:
            taken = or_all(self.taken(inst, i) for i in range(l, k))
            ons = [self.enc.at(on, i) for i in range(l, k)]
            excused = not_(or_all(ons)) if strong else not_(and_all(ons))
            out.append(or_(taken, excused))
        return and_all(out)

    def violated(self, t: T.Temporal, p: Any, q: Any, l: int, k: int) -> Any:
        K = T.TemporalKind
        P = [self.enc.at(p, i) for i in range(k + 1)]
        if t.kind is K.ALWAYS:
            return or_all(not_(x) for x in P)
        if t.kind is K.EVENTUALLY:
            return and_all(not_(x) for x in P)
        if t.kind is K.ALWAYS_EVENTUALLY:
            return and_all(not_(x) for x in P[l:k])
        if t.kind is K.EVENTUALLY_ALWAYS:
            return or_all(not_(x) for x in P[l:k])
        Q = [self.enc.at(q, i) for i in range(k + 1)]
        return or_all(and_(P[i], not_(Q[i]), *(not_(x) for x in Q[min(i, l):k + 1])) for i in range(k + 1))


def bmc_lasso(spec: T.CheckedSpec, temporals: tuple[str, ...], depth: int, timeout: float | None, *,
              reference: Reference, verify: Verify) -> Result:
    """Search a fair lasso of at most `depth` steps violating each of `temporals`, in order:
    VIOLATED with the first found (replayed by `verify`), NO_VIOLATION_UP_TO when none exists
    within the bound, UNKNOWN when Z3 cannot decide a depth."""
    t0 = time.perf_counter()
    with watch(lambda: (None, "encoding the spec for Z3")):
        enc = encode(spec)
        lassos = _Lassos(enc)
    oracle = Oracle(reference, enc.instances)
    solver = new_solver(timeout)
    at: list[Any] = [0, ""]

    def result(verdict: Verdict, reached: int, **kw) -> Result:
        return Result(verdict, spec.name, "bmc", properties=temporals,
                      stats={"depth": reached, "seconds": round(time.perf_counter() - t0, 3), "temporal": True,
                             **kw.pop("extra", {})}, **kw)

    with watch(lambda: (None, f"searching lassos of {at[0]} steps for {at[1]}")):
        try:
            solver.add(zb(enc.init.formula), zb(enc.type_ok(0)))
            if not some_initial_state(solver, oracle):
                return result(Verdict.UNKNOWN, -1, reason="Z3 could not decide whether there is an initial state")
            preds = {}
            for name in temporals:
                t = spec.temporal(name)
                assert t is not None, "the names were checked against the spec"
                preds[name] = (t, lassos.predicate(t.p), lassos.predicate(t.q) if t.q is not None else None)
            for k in range(1, depth + 1):
                at[0] = k
                solver.add(zb(lassos.step(k - 1)))
                for name in temporals:
                    at[1] = name
                    t, p, q = preds[name]
                    sel = [z3.Bool(f"loop@{l}") for l in range(k)]
                    with frame(solver):
                        solver.add(z3.Or(sel))
                        for l in range(k):
                            solver.add(z3.Implies(sel[l], zb(and_(lassos.same(l, k), lassos.fair(l, k),
                                                                    lassos.violated(t, p, q, l, k)))))
                        r = solver.check()
                        model = solver.model() if r == z3.sat else None
                    if r == z3.unknown:
                        why = solver.reason_unknown() or "unknown"
                        return result(Verdict.UNKNOWN, k - 1,
                                      reason=f"Z3 could not decide lassos of {k} steps for {name} ({why}); "
                                      f"no fair lasso up to depth {k - 1}")
                    if model is not None:
                        loop = next(l for l in range(k) if z3.is_true(model.eval(sel[l], model_completion=True)))
                        states = [enc.decode(model, i) for i in range(k + 1)]
                        insts = [_instance(lassos, model, i) for i in range(k)]
                        got = verify(name, states, insts, loop)
                        if isinstance(got, str):
                            raise EncodingMismatch(f"Z3's lasso for {name} does not replay: {got}")
                        trace, says, why = got
                        assert isinstance(trace, Trace)
                        return result(Verdict.VIOLATED, k, violated=name, trace=trace,
                                      extra={"lasso": says, "fairness": why})
        except LimitReached as stop:
            k = int(at[0])
            done = f"; no fair lasso up to depth {k - 1}" if k > 1 else ""
            return result(Verdict.INCOMPLETE, k - 1, reason=f"stopped: {stop.reason} at depth {k}{done}; {stop.hint}")
    return result(Verdict.NO_VIOLATION_UP_TO, depth, reason=f"no fair lasso up to depth {depth}")


def _instance(lassos: _Lassos, model: z3.ModelRef, i: int) -> int:
    """The first instance whose transition the model takes at step i, or STUTTER."""
    enc = lassos.enc
    for inst in range(len(enc.steps)):
        if enc.holds(model, lassos.taken(inst, i)):
            return inst
    return STUTTER


__all__ = ["bmc_lasso"]
