"""Proofs by induction with Z3: an inductive invariant (k = 1) or k-induction, as a list of
proof obligations, each discharged (unsat), refuted (with a counterexample) or unknown.

The inductive invariant Inv is the conjunction of the invariant to prove and the auxiliary
invariants; "Inv holds" also means "evaluates without error". With k = 1 the obligations are
initiation (Init => Inv) and, per action A, consecution (Inv and A => Inv', and A can be
evaluated in every Inv state). With k > 1 initiation becomes the base case (bounded model
checking of the first k - 1 steps) and consecution starts from k consecutive Inv states.
Pre-states range over all values of the variables' declared types, not only reachable ones,
so a refuted consecution is a counterexample to induction (CTI) that may be unreachable:
NOT_INDUCTIVE, never VIOLATED. A refuted initiation or base case is a real run: VIOLATED.
PROVED needs every obligation unsat; any unknown (a timeout) makes the verdict UNKNOWN.
"""

from __future__ import annotations

import time

import z3

from pyspec.errors import UsageError
from pyspec.lang.typed import CheckedSpec
from pyspec.limits import LimitReached
from pyspec.progress import watch
from pyspec.reference import Reference
from pyspec.result import CTI, Obligation, ProofResult, Result, Status, Verdict
from pyspec.symbolic import bmc as _bmc
from pyspec.symbolic.encode import Encoding
from pyspec.symbolic.replay import EncodingMismatch, Oracle
from pyspec.symbolic.solver import frame, new_solver
from pyspec.symbolic.boolean import and_, and_all, not_, or_, or_all, zb


def prove(
    spec: CheckedSpec,
    invariant: str,
    aux: tuple[str, ...] = (),
    k: int = 1,
    timeout: float | None = None,
    bitvectors: bool = True,
    *,
    reference: Reference,
) -> ProofResult:
    """Prove `invariant` (strengthened by the `aux` invariants) by k-induction; `reference` is
    the spec's reference semantics, through which every model is replayed (pyspec.api passes
    the explicit engine's).

    Returns PROVED, VIOLATED (initiation or the base case fails: a real trace), NOT_INDUCTIVE
    (a CTI), or UNKNOWN (`timeout`: seconds per obligation). Raises UsageError for an unknown
    invariant name or k < 1, SpecEvalError (with `.trace`) when a reachable state cannot be
    evaluated, EncodingMismatch (internal) when a decoded model does not replay."""
    names = tuple(dict.fromkeys((invariant, *aux)))
    known = {i.name for i in spec.invariants}
    for n in names:
        if n not in known:
            raise UsageError(
                f"spec {spec.name} has no invariant '{n}'",
                hint="invariants: " + (", ".join(i.name for i in spec.invariants) or "none"),
                code="PS601",
            )
    if k < 1:
        raise UsageError("--k must be at least 1", code="PS602")
    t0 = time.perf_counter()
    with watch(lambda: (None, "encoding the spec for Z3")):
        enc = _bmc.encode(spec, bitvectors)
    oracle = Oracle(reference, enc.instances)
    p = _Prover(enc, oracle, names, k, timeout)
    obligations: list[Obligation] = []
    total = len(spec.actions) + 1

    def probe() -> tuple[None, str]:  # read by the progress reporter (pyspec.progress)
        return None, f"obligation {min(len(obligations) + 1, total)} of {total}"

    try:
        with watch(probe):
            obligations.append(p.initiation() if k == 1 else p.base_case())
            for ai, a in enumerate(spec.actions):
                obligations.append(p.consecution(ai))
    except LimitReached as stop:  # the deadline or memory bound: UNKNOWN, with the obligations done
        done = f" after {len(obligations)} of {len(spec.actions) + 1} obligations"
        verdict, violated, trace, reason = Verdict.UNKNOWN, None, None, f"stopped: {stop.reason}{done}; {stop.hint}"
    else:
        verdict, violated, trace, reason = _verdict(obligations, names, k)
    stats = {
        "seconds": round(time.perf_counter() - t0, 3),
        "solver_seconds": round(sum(o.seconds for o in obligations), 3),
        "k": k,
    }
    result = Result(verdict, spec.name, "prove", properties=names, violated=violated, trace=trace, stats=stats, reason=reason)
    return ProofResult(result, tuple(obligations), invariant, tuple(aux), k, stats)


def _verdict(obligations: list[Obligation], names: tuple[str, ...], k: int):
    first = obligations[0]
    if first.status is Status.REFUTED:
        return Verdict.VIOLATED, first.violated, first.trace, None
    refuted = [o for o in obligations[1:] if o.status is Status.REFUTED]
    if refuted:
        o = refuted[0]
        cti = o.cti
        assert cti is not None, "a refuted consecution obligation carries its counterexample to induction"
        what = cti.error and f"{cti.action} cannot be evaluated" or ", ".join(cti.broken)
        reason = (
            f"{o.name} fails ({what}); the counterexample to induction may be unreachable: "
            "if it is, strengthen the invariant with an auxiliary invariant that excludes it "
            "(--with NAME)" + ("" if k > 1 else ", or try k-induction (--k 2)")
        )
        return Verdict.NOT_INDUCTIVE, (cti.broken[0] if cti.broken else names[0]), None, reason
    unknown = [o for o in obligations if o.status is Status.UNKNOWN]
    if unknown:
        return Verdict.UNKNOWN, None, None, "; ".join(f"{o.name}: {o.reason}" for o in unknown)
    return Verdict.PROVED, None, None, None


class _Prover:
    def __init__(self, enc: Encoding, oracle: Oracle, names: tuple[str, ...], k: int, timeout: float | None) -> None:
        self.enc, self.oracle, self.names, self.k, self.timeout = enc, oracle, names, k, timeout
        self.inv_ok = and_all(and_(enc.invariants[n].formula, not_(enc.invariants[n].error)) for n in names)

    def _solver(self) -> z3.Solver:
        return new_solver(self.timeout)

    def initiation(self) -> Obligation:
        enc = self.enc
        s = self._solver()
        t = time.perf_counter()
        with frame(s):  # an init without initial states would make every invariant initiate
            s.add(zb(enc.init.formula), zb(enc.type_ok(0)))
            if not _bmc.some_initial_state(s, self.oracle):
                secs = time.perf_counter() - t
                return Obligation("initiation", Status.UNKNOWN, secs, reason=s.reason_unknown())
        s.add(zb(or_(enc.init.error, and_(enc.init.formula, enc.type_ok(0), not_(self.inv_ok)))))
        r = s.check()
        secs = time.perf_counter() - t
        if r == z3.unknown:
            return Obligation("initiation", Status.UNKNOWN, secs, reason=s.reason_unknown())
        if r == z3.unsat:
            return Obligation("initiation", Status.DISCHARGED, secs)
        e = self.oracle.init_error()
        if e is not None:
            raise e.with_step("in init", None)
        state = enc.decode(s.model(), 0)
        trace = self.oracle.trace([state], [])
        bad = self.oracle.first_failing(state, self.names)
        if bad is None:
            raise EncodingMismatch(f"decoded initial state {state} satisfies {', '.join(self.names)} in the explicit engine")
        return Obligation("initiation", Status.REFUTED, secs, trace=trace, violated=bad)

    def base_case(self) -> Obligation:
        name = f"base case: no violation in steps 0 .. {self.k - 1}"
        t = time.perf_counter()
        r = _bmc.run(self.enc, self.oracle, self.names, self.k - 1, self.timeout, t, stop_incomplete=False)
        secs = time.perf_counter() - t
        if r.verdict is Verdict.VIOLATED:
            return Obligation(name, Status.REFUTED, secs, trace=r.trace, violated=r.violated)
        if r.verdict is Verdict.UNKNOWN:
            return Obligation(name, Status.UNKNOWN, secs, reason=r.reason)
        assert r.verdict is Verdict.NO_VIOLATION_UP_TO, r.verdict  # never discharged on a verdict that is not one
        return Obligation(name, Status.DISCHARGED, secs)

    def consecution(self, ai: int) -> Obligation:
        enc, k = self.enc, self.k
        action = enc.spec.actions[ai]
        name = f"consecution: {action.name}" + (f" ({k}-induction)" if k > 1 else "")
        insts = [i for i, (a, _) in enumerate(enc.instances) if a == ai]
        last = k - 1  # the last pre-state
        s = self._solver()
        for j in range(k):
            s.add(zb(enc.type_ok(j)), zb(enc.at(self.inv_ok, j)))
        for j in range(k - 1):
            s.add(zb(enc.next(j)))
        s.add(zb(enc.type_ok(k)))
        bad_post = enc.at(not_(self.inv_ok), k)
        goal = or_all(
            or_(enc.at(enc.steps[i].error, last), and_(enc.at(enc.steps[i].formula, last), bad_post)) for i in insts
        )
        t = time.perf_counter()
        with frame(s):
            s.add(zb(goal))
            r = s.check()
            model = s.model() if r == z3.sat else None
        secs = time.perf_counter() - t
        if r == z3.unknown:
            return Obligation(name, Status.UNKNOWN, secs, reason=s.reason_unknown())
        if model is None:
            return Obligation(name, Status.DISCHARGED, secs)
        return Obligation(name, Status.REFUTED, secs, cti=self._cti(model, insts))

    def _cti(self, model: z3.ModelRef, insts: list[int]) -> CTI:
        enc, oracle, k = self.enc, self.oracle, self.k
        last = k - 1
        pre = [enc.decode(model, j) for j in range(k)]
        between = []
        for j in range(k - 1):
            for i, part in enumerate(enc.steps):
                if enc.holds(model, enc.at(part.formula, j)):
                    between.append(i)
                    break
            else:
                raise EncodingMismatch(f"no action instance explains step {j + 1} of the counterexample to induction")
        for j, st in enumerate(pre):
            if oracle.failing(st, self.names):
                raise EncodingMismatch(f"pre-state {j} of the CTI, {st}, breaks the invariant in the explicit engine")
        for i in insts:
            if enc.holds(model, enc.at(enc.steps[i].error, last)):
                err = oracle.step_error(pre[last], [i])
                if err is None:
                    raise EncodingMismatch(f"Z3 found an evaluation error stepping {pre[last]} that the explicit engine does not raise")
                trace = oracle.trace(pre, between, initial=False)
                name, args = oracle.reference.describe_instance(i)
                return CTI(trace, name, args, (), error=err.message)
        post = enc.decode(model, k)
        for i in insts:
            if enc.holds(model, enc.at(enc.steps[i].formula, last)):
                trace = oracle.trace(pre + [post], between + [i], initial=False)
                failing = oracle.failing(post, self.names)
                if not failing:
                    raise EncodingMismatch(f"the CTI's post-state {post} satisfies the invariant in the explicit engine")
                name, args = oracle.reference.describe_instance(i)
                errors = tuple((n, m) for n, m in failing if m is not None)
                parts = tuple(p for n, _ in failing for p in oracle.reference.false_conjuncts(post, n))
                return CTI(trace, name, args, tuple(n for n, _ in failing), broken_errors=errors, parts=parts)
        raise EncodingMismatch("no action instance explains the step of the counterexample to induction")


__all__ = ["prove"]
