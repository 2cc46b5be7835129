"""Bounded model checking with Z3: unroll init and the transition relation depth by depth in
one incremental solver and ask, at each depth, for a state that breaks an invariant.

The first depth with a violation gives a shortest counterexample (every shallower depth was
refuted first). A run that would make the explicit engine raise an evaluation error is found
the same way and raised as that engine's SpecEvalError, with the trace attached. The verdict
is never HOLDS: NO_VIOLATION_UP_TO says how deep the search went, and UNKNOWN carries Z3's
reason when it could not decide a depth (a timeout included).
"""

from __future__ import annotations

import time

import z3

from pyspec.errors import SpecEvalError, UsageError
from pyspec.lang.typed import CheckedSpec
from pyspec.limits import LimitReached
from pyspec.progress import watch
from pyspec.reference import Reference, instance_text, no_initial_state
from pyspec.result import Reach, Reachability, Result, Trace, Verdict
from pyspec.symbolic.encode import Encoding, collect_strings
from pyspec.symbolic.ints import Ctx
from pyspec.symbolic import reach
from pyspec.symbolic.replay import EncodingMismatch, Oracle
from pyspec.symbolic.solver import frame, new_solver
from pyspec.symbolic.boolean import not_, or_, or_all, zb
from pyspec.symbolic.values import EncodingError


def bmc(
    spec: CheckedSpec,
    depth: int,
    invariants: tuple[str, ...] | None = None,
    timeout: float | None = None,
    bitvectors: bool = True,
    *,
    reference: Reference,
    reachables: tuple[str, ...] | None = None,
    deadlock: bool = False,
) -> Result:
    """Check `invariants` (default: all) in every state reachable in at most `depth` steps;
    `reference` is the spec's reference semantics (pyspec.api passes the explicit engine's).

    Returns VIOLATED with a shortest trace (replayed through the reference semantics),
    NO_VIOLATION_UP_TO, or UNKNOWN when Z3 answers unknown (`timeout`: seconds per check).
    Raises SpecEvalError (with `.trace`) when some run within the bound makes the explicit
    engine fail, UsageError when the spec is too large to encode, and EncodingMismatch
    (an internal error) when a decoded model does not replay.

    Each of `reachables` (default: the spec's own `reachable` properties) is searched for at
    every depth too, giving a shortest witness; one not reached within `depth` makes a run
    without violation UNKNOWN, since a bound cannot show a state unreachable.

    `deadlock`: also look for a state reachable in at most `depth` steps in which no action
    instance is enabled; the shallowest gives DEADLOCK with its trace, replayed like any other
    (the explicit engine must find no successor of its last state)."""
    names = tuple(invariants) if invariants is not None else spec.default_invariants()
    rnames = tuple(reachables) if reachables is not None else spec.default_reachables()
    t0 = time.perf_counter()
    with watch(lambda: (None, "encoding the spec for Z3")):
        enc = encode_reachable(spec, bitvectors, reference, timeout)
    return run(enc, Oracle(reference, enc.instances), names, depth, timeout, t0, rnames, deadlock=deadlock)


def encode_reachable(spec: CheckedSpec, bitvectors: bool, reference: Reference, timeout: float | None) -> Encoding:
    """The spec's encoding for an unrolling from init: without a Boolean for the set members
    that Houdini proves never occur (`pyspec.symbolic.reach`), guessed from a short explicit
    BFS and proven over the encoding itself. Each failed guess shrinks (it is proven or
    narrowed in a round, re-encoding); when Z3 cannot decide, every Boolean stays."""
    try:
        bits = reach.set_bits(spec, Ctx(collect_strings(spec), bitvectors))
    except EncodingError:  # a type too large: the full encoding says where
        bits = []
    samples = reach.sample_states(reference) if bits else []
    never = reach.guess(bits, samples)
    for _ in range(reach.MAX_ENCODINGS):
        if not never:
            break
        enc = encode(spec, bitvectors, never)
        proven = reach.confirm(enc, new_solver(timeout, enc.ctx.bv), samples)
        if proven is None:
            break
        if proven == never:
            return enc
        never = proven
    return encode(spec, bitvectors)


def encode(spec: CheckedSpec, bitvectors: bool = True, never: frozenset[str] = frozenset()) -> Encoding:
    """The spec's encoding; a spec beyond the encoder's limits is a UsageError."""
    try:
        return Encoding(spec, bitvectors=bitvectors, never=never)
    except EncodingError as e:
        raise UsageError(
            f"the Z3 engines cannot encode this spec: {e}",
            e.span,
            hint="shrink the type or the set here; the explicit engine (pyspec check) does not encode it for Z3",
            code="PS607",
        ) from None


def run(
    enc: Encoding,
    oracle: Oracle,
    names: tuple[str, ...],
    depth: int,
    timeout: float | None,
    t0: float,
    reachables: tuple[str, ...] = (),
    stop_incomplete: bool = True,
    deadlock: bool = False,
) -> Result:
    """The BMC loop over an existing encoding (shared with k-induction's base case). A limit
    passed gives INCOMPLETE (`stop_incomplete`) or is raised on (LimitReached) to the caller."""
    spec = enc.spec
    none = "no violation and no deadlock" if deadlock else "no violation"  # what a depth without a finding shows
    encode_seconds = time.perf_counter() - t0
    solver = new_solver(timeout, enc.ctx.bv)
    per_depth: list[float] = []
    found: dict[str, Trace] = {}  # reachable property -> its shortest witness

    def result(verdict: Verdict, reached: int, **kw) -> Result:
        stats = {
            "depth": reached,
            "seconds": round(time.perf_counter() - t0, 3),
            "encode_seconds": round(encode_seconds, 3),
            "per_depth_seconds": [round(s, 3) for s in per_depth],
        }
        reach = tuple(
            Reachability(n, Reach.REACHED, len(found[n]), found[n]) if n in found else Reachability(n, Reach.NOT_REACHED)
            for n in reachables
        )
        return Result(verdict, spec.name, "bmc", properties=names, stats=stats, reachable=reach, **kw)

    def undecided(k: int, what: str) -> Result:
        reason = solver.reason_unknown() or "unknown"
        return result(
            Verdict.UNKNOWN,
            k - 1,
            reason=f"Z3 could not decide {what} at depth {k} ({reason}); {none} up to depth {k - 1}"
            if k > 0
            else f"Z3 could not decide {what} at depth 0 ({reason})",
        )

    at: list = [0, time.perf_counter()]  # the depth being checked, and since when (read by the progress reporter)

    def probe() -> tuple[None, str]:
        return None, f"solving depth {at[0]} of {depth} ({time.perf_counter() - at[1]:,.0f} s on it)"

    with watch(probe):
        try:
            init_err = zb(enc.at(enc.init.error, 0))
            with frame(solver):
                solver.add(init_err)
                r = solver.check()
            if r == z3.unknown:
                return undecided(0, "the initial states")
            if r == z3.sat:
                e = oracle.init_error()
                if e is None:
                    raise EncodingMismatch("Z3 found an evaluation error in init that the explicit engine does not raise")
                raise e.with_step("in init", None)
            solver.add(zb(enc.at(enc.init.formula, 0)), zb(enc.type_ok(0)))
            if not some_initial_state(solver, oracle):
                return undecided(0, "whether there is an initial state")

            inv_bad = or_all(or_(not_(p.formula), p.error) for n, p in ((n, enc.invariants[n]) for n in names))
            step_err = or_all(p.error for p in enc.steps)
            for k in range(depth + 1):
                at[0] = k
                at[1] = tk = time.perf_counter()
                if k > 0:
                    # No type constraint on state k: every variable of it equals a value the step
                    # computed, which is within its type unless the step raised an evaluation error,
                    # and depth k - 1 was just checked for those (measured on Paxos at depth 10:
                    # 15.1 s with the constraints, 10.5 s without).
                    solver.add(zb(enc.next(k - 1)))
                # One query first for both things that can go wrong at depth k, a violated
                # invariant and an action that fails its evaluation: usually neither can, and one
                # unsat answer costs less than two (Raft, 3 servers, depth 7: 2.0 CPU s against
                # 3.1). Only when it is sat are they asked apart, in the order below.
                clean = False
                if k < depth and step_err is not False:
                    with frame(solver):
                        solver.add(zb(enc.at(or_(inv_bad, step_err), k)))
                        clean = solver.check() == z3.unsat
                with frame(solver):
                    if clean:
                        r, model = z3.unsat, None
                    else:
                        solver.add(zb(enc.at(inv_bad, k)))
                        r = solver.check()
                        model = solver.model() if r == z3.sat else None
                if r == z3.unknown:
                    per_depth.append(time.perf_counter() - tk)
                    return undecided(k, "the invariants")
                if model is not None:
                    trace = _trace(enc, oracle, model, k)
                    state = trace.steps[-1].state
                    try:
                        bad = oracle.first_failing(state, names)
                    except SpecEvalError as e:  # the explicit engine agrees: the invariant cannot be evaluated
                        raise e.with_step("while checking invariants", trace) from None
                    if bad is None:
                        raise EncodingMismatch(f"Z3 found a violation in {state} that the explicit engine does not see")
                    per_depth.append(time.perf_counter() - tk)
                    return result(Verdict.VIOLATED, k, violated=bad, trace=trace)
                for n in reachables:
                    if n in found:
                        continue
                    part = enc.reachables[n]
                    with frame(solver):
                        solver.add(zb(enc.at(or_(part.formula, part.error), k)))
                        r = solver.check()
                        model = solver.model() if r == z3.sat else None
                    if r == z3.unknown:
                        per_depth.append(time.perf_counter() - tk)
                        return undecided(k, f"whether {n} is reached")
                    if model is not None:
                        trace = _trace(enc, oracle, model, k)
                        try:
                            hit = oracle.reference.reachable_fn((n,))(trace.steps[-1].state)
                        except SpecEvalError as e:
                            raise e.with_step("while checking reachable properties", trace) from None
                        if hit is None:
                            raise EncodingMismatch(f"Z3 found {n} true in {trace.steps[-1].state}, the explicit engine does not")
                        found[n] = trace
                if k < depth and step_err is not False and not clean:
                    with frame(solver):
                        solver.add(zb(enc.at(step_err, k)))
                        r = solver.check()
                        model = solver.model() if r == z3.sat else None
                    if r == z3.unknown:
                        per_depth.append(time.perf_counter() - tk)
                        return undecided(k, "whether the actions can be evaluated")
                    if model is not None:
                        trace = _trace(enc, oracle, model, k)
                        state = trace.steps[-1].state
                        for inst in range(len(enc.steps)):  # the first failing instance, as explore names it
                            err = oracle.step_error(state, [inst])
                            if err is not None:
                                raise err.with_step(f"in {instance_text(oracle.reference, inst)}", trace)
                        raise EncodingMismatch(f"Z3 found an evaluation error in {state} that the explicit engine does not raise")
                if deadlock:
                    # After the step errors of depth k, as the explicit BFS raises an error of
                    # a state's expansion before it can call the state deadlocked.
                    with frame(solver):
                        solver.add(zb(enc.deadlocked(k)))
                        r = solver.check()
                        model = solver.model() if r == z3.sat else None
                    if r == z3.unknown:
                        per_depth.append(time.perf_counter() - tk)
                        return undecided(k, "whether a state is deadlocked")
                    if model is not None:
                        trace = _trace(enc, oracle, model, k)
                        state = trace.steps[-1].state
                        err = oracle.step_error(state)
                        if err is not None:
                            raise EncodingMismatch(f"Z3 found {state} deadlocked, the explicit engine raises: {err.message}")
                        if oracle.reference.step_fn()(state):
                            raise EncodingMismatch(f"Z3 found {state} deadlocked, the explicit engine steps from it")
                        per_depth.append(time.perf_counter() - tk)
                        return result(Verdict.DEADLOCK, k, violated="deadlock", trace=trace)
                per_depth.append(time.perf_counter() - tk)
        except LimitReached as stop:  # the deadline or memory bound, between or inside Z3 checks
            if not stop_incomplete:
                raise
            k = at[0]
            done = f"; {none} up to depth {k - 1}" if k > 0 else ""
            return result(Verdict.INCOMPLETE, k - 1, reason=f"stopped: {stop.reason} at depth {k}{done}; {stop.hint}")
    missing = [n for n in reachables if n not in found]
    if missing:
        return result(
            Verdict.UNKNOWN,
            depth,
            reason=f"{none} up to depth {depth}, but {', '.join(missing)} not reached up to depth {depth}; "
            "a bound cannot show it unreachable: raise --depth, or check it with the explicit engine",
        )
    return result(Verdict.NO_VIOLATION_UP_TO, depth, reason=f"{none} up to depth {depth}")


def some_initial_state(solver: z3.Solver, oracle: Oracle) -> bool:
    """`solver` holds init (and the type constraints) on state 0: raise the explicit engine's
    PS402 when it has no model, since every verdict over an empty set of runs is vacuous.
    False when Z3 cannot decide; EncodingMismatch when the reference does find an initial state."""
    r = solver.check()
    if r == z3.unknown:
        return False
    if r == z3.unsat:
        e = oracle.init_error()  # the explicit engine raises init's evaluation error first
        if e is not None:
            raise e.with_step("in init", None)
        if oracle.reference.initial_states():
            raise EncodingMismatch("Z3 finds no initial state but the explicit engine does")
        raise no_initial_state(oracle.spec)
    return True


def _trace(enc: Encoding, oracle: Oracle, model: z3.ModelRef, k: int) -> Trace:
    """The run s0 .. sk of `model`, each step's action instance read from the model, replayed."""
    states = [enc.decode(model, i) for i in range(k + 1)]
    insts = []
    for i in range(k):
        for inst, part in enumerate(enc.steps):
            if enc.holds(model, enc.at(part.formula, i)):
                insts.append(inst)
                break
        else:
            raise EncodingMismatch(f"no action instance explains step {i + 1} of the Z3 model")
    return oracle.trace(states, insts)


__all__ = ["bmc"]
