"""Breadth-first exploration of a compiled spec's reachable states: the explicit checker.

Counterexamples are shortest because BFS visits states in depth order. The verdict is HOLDS
only when the queue is exhausted; a state limit or a deadline gives INCOMPLETE.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass

from pyspec.errors import SpecEvalError
from pyspec.explicit.compiled import CompiledSpec
from pyspec.explicit.packing import Unpackable, layout
from pyspec.explicit.store import FingerprintStore, PackedStore, Store, StoreFull, TupleStore
from pyspec.limits import Budget, LimitReached, resident_mb
from pyspec.progress import watch
from pyspec.reference import instance_text, no_initial_state
from pyspec.result import Reach, Reachability, Result, Step, Trace, Verdict


@dataclass(frozen=True, slots=True)
class ExploreOptions:
    invariants: tuple[str, ...] | None = None  # None: every invariant of the spec
    max_states: int | None = None
    deadlock: bool = False
    time_limit: float | None = None  # seconds
    reachables: tuple[str, ...] | None = None  # None: the spec's own reachable properties
    max_memory: float | None = None  # MB of resident set
    fingerprint: bool = False  # keep 64-bit hashes of states, not the states (see store.FingerprintStore)
    started: float | None = None  # time.perf_counter() when the time limit's clock started (None: now)


_POLL = 256  # expansions between checks of the limits when no timer is armed (see pyspec.limits)


def explore(compiled: CompiledSpec, opts: ExploreOptions = ExploreOptions()) -> Result:
    """Explore every reachable state; return HOLDS, VIOLATED (with the shortest trace),
    DEADLOCK, or INCOMPLETE. Raises SpecEvalError (with the step) when the spec cannot be
    evaluated in some reachable state.

    Each `reachable` property gets the shortest trace to a state satisfying it; after a
    complete search, one that no reachable state satisfies makes the verdict VIOLATED (it is
    UNREACHABLE, and the invariants may hold vacuously)."""
    names = opts.invariants if opts.invariants is not None else compiled.spec.default_invariants()
    failing = compiled.invariant_fn(names)
    successors = compiled.step_fn()
    t0 = time.perf_counter()
    c0 = time.process_time()

    # What the progress reporter reads from another thread (pyspec.progress): the state list,
    # the queue's head and the depth, written at the loop's checkpoints; the phase before it.
    track: list = [(), 0, 0, "enumerating the initial states"]

    def probe() -> tuple[int, str]:
        n = len(track[0])
        if track[3]:
            return n, f"{track[3]}, {n:,} states"
        return n, f"{n:,} states, depth {track[2]}, queue {n - track[1]:,}"

    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of tuples and no cycles: the cyclic collector only costs time here
    try:
        # The limits hold in every phase: a timer interrupts init enumeration and one long
        # expansion alike (pyspec.limits); the loop below polls only when no timer is armed.
        with watch(probe), Budget(opts.time_limit, opts.max_memory, opts.started) as budget:
            return _bfs(compiled, opts, names, failing, successors, t0, c0, budget, track)
    finally:
        if gc_was_enabled:
            gc.enable()


def make_store(compiled: CompiledSpec, opts: ExploreOptions) -> Store:
    """The store for this search: packed states (exact) unless --fingerprint, tuples when the
    spec's types have no packed layout (see `store`)."""
    capacity = opts.max_states
    try:
        lay = layout(tuple(v.ty for v in compiled.spec.vars))
    except Unpackable:
        if opts.fingerprint:
            raise
        return TupleStore(len(compiled.spec.vars), capacity)
    if opts.fingerprint:
        return FingerprintStore(lay, compiled.run_instance, capacity)
    return PackedStore(lay, capacity)


def _bfs(compiled, opts, names, failing, successors, t0, c0, budget: Budget, track: list) -> Result:
    spec = compiled.spec
    store = make_store(compiled, opts)
    track[0] = store

    def stats(depth: int) -> dict:
        wall = time.perf_counter() - t0
        out = {
            "states": len(store),
            "depth": depth,
            "seconds": round(wall, 3),
            "cpu_seconds": round(time.process_time() - c0, 3),
            "states_per_second": int(len(store) / wall) if wall > 0 else None,
            "transitions": transitions,
            "never_enabled": _never_enabled(compiled, fired),
        }
        if not store.exact:
            out["fingerprint_collision_probability"] = store.collision_bound()
        return out

    def finish(verdict: Verdict, depth: int, index: int | None = None, prop: str | None = None, reason=None):
        trace = _trace(compiled, store, index) if index is not None else None
        reach = []
        for n in rnames:
            if n in first:
                at, d = first[n]
                reach.append(Reachability(n, Reach.REACHED, d, _trace(compiled, store, at)))
            else:
                reach.append(Reachability(n, Reach.UNREACHABLE if verdict is Verdict.HOLDS else Reach.NOT_REACHED))
        if verdict is Verdict.HOLDS and not store.exact:
            verdict, reason = Verdict.INCOMPLETE, fingerprint_reason(len(store), store.collision_bound())
        never = [r.name for r in reach if r.status is Reach.UNREACHABLE]
        if never:
            verdict, prop = Verdict.VIOLATED, never[0]
            reason = (f"unreachable: no reachable state satisfies {', '.join(never)} (all {len(store):,} explored), "
                      "so the invariants may hold vacuously")
        return Result(
            verdict,
            spec.name,
            "explicit",
            properties=names,
            violated=prop,
            trace=trace,
            stats=stats(depth),
            reason=reason,
            reachable=tuple(reach),
        )

    transitions = 0
    fired = bytearray(len(compiled.instances))
    rnames = opts.reachables if opts.reachables is not None else spec.default_reachables()
    first: dict[str, tuple[int, int]] = {}  # reachable property -> (state index, depth) first true
    reach_fn = compiled.reachable_fn(rnames) if rnames else None
    phase = "enumerating the initial states"
    depth = 0
    try:
        try:
            inits = compiled.initial_states(opts.max_states)
        except SpecEvalError as e:
            raise e.with_step("in init", None) from None
        if not inits:
            raise no_initial_state(spec)
        for s in inits:
            index = store.add_initial(s)
            if index < 0:
                continue
            bad = _check(failing, s, compiled, "the initial state")
            if reach_fn is not None:
                reach_fn = _reached(compiled, reach_fn, rnames, first, s, index, 0, None)
            if bad is not None:
                return finish(Verdict.VIOLATED, 0, index, bad)
        phase = track[3] = ""
        poll = None if budget.armed else budget.poll  # the timer checks the limits, else poll here
        deadlock = opts.deadlock
        next_depth_at = len(store)
        head = 0
        expand = store.expand
        checkpoint = _POLL
        while head < len(store):
            if head == next_depth_at:
                depth += 1
                track[2] = depth
                next_depth_at = len(store)
            s, add = expand(head)
            try:
                succ = successors(s)
            except SpecEvalError as e:
                raise e.with_step(f"in {_failing_instance(compiled, s)}", _trace(compiled, store, head)) from None
            transitions += len(succ)
            if deadlock and not succ:
                return finish(Verdict.DEADLOCK, depth, head, "deadlock")
            for inst, t in succ:
                fired[inst] = 1
                index = add(t, inst)
                if index < 0:
                    continue
                try:
                    bad = failing(t)
                except SpecEvalError as e:
                    raise e.with_step("while checking invariants", _trace(compiled, store, index)) from None
                if reach_fn is not None:
                    reach_fn = _reached(compiled, reach_fn, rnames, first, t, index, depth + 1, store)
                if bad is not None:
                    return finish(Verdict.VIOLATED, depth + 1, index, bad)
            head += 1
            if head >= checkpoint:
                checkpoint = head + _POLL
                track[1] = head
                if poll is not None:
                    poll()
        return finish(Verdict.HOLDS, depth)
    except StoreFull:
        n = len(store)
        return finish(Verdict.INCOMPLETE, depth,
                      reason=f"explored {n:,} states (the limit) at depth {depth}, "
                      f"{n - head:,} not yet expanded; raise --max-states or lower the params")
    except LimitReached as stop:
        at = f"while {phase}" if phase else f"at depth {depth}"
        rss = resident_mb()
        mem = f", {rss:,.0f} MB resident" if rss is not None else ""
        return finish(Verdict.INCOMPLETE, depth, reason=f"stopped: {stop.reason} {at} ({len(store):,} states{mem}); "
                      f"{stop.hint}")


def fingerprint_reason(states: int, bound: float) -> str:
    """Why a fingerprint search that found no violation is INCOMPLETE, not HOLDS."""
    return (f"no violation found in {states:,} states, but with --fingerprint a state may have been missed: "
            f"probability of a fingerprint collision at most {bound:.1e}; run without --fingerprint for a verdict")


def stopped_before_search(spec, names: tuple[str, ...] | None, stop: LimitReached, phase: str, started: float) -> Result:
    """INCOMPLETE for a limit reached before the search began (`phase`: what was running)."""
    return Result(Verdict.INCOMPLETE, spec.name, "explicit",
                  properties=names if names is not None else spec.default_invariants(),
                  stats={"states": 0, "depth": 0, "seconds": round(time.perf_counter() - started, 3), "transitions": 0},
                  reason=f"stopped: {stop.reason} while {phase}; {stop.hint}")


def _reached(compiled: CompiledSpec, fn, names, first: dict, s: tuple, index: int, depth: int, tree):
    """Record the reachable properties first true in state `index`; the function that checks
    those still pending (None when none is)."""
    while fn is not None:
        try:
            hit = fn(s)
        except SpecEvalError as e:
            trace = _trace(compiled, tree, index) if tree is not None else None
            raise e.with_step("while checking reachable properties", trace) from None
        if hit is None:
            return fn
        first[hit] = (index, depth)
        pending = tuple(n for n in names if n not in first)
        fn = compiled.reachable_fn(pending) if pending else None
    return None


def _failing_instance(compiled: CompiledSpec, state: tuple) -> str:
    """Which action instance raises from `state` (the rare path: re-run them one by one)."""
    for inst in range(len(compiled.instances)):
        try:
            compiled.run_instance(state, inst)
        except SpecEvalError:
            return instance_text(compiled, inst)
    return "a step"


def _never_enabled(compiled: CompiledSpec, fired: bytearray) -> list[str]:
    enabled = {compiled.instances[i][0] for i, f in enumerate(fired) if f}
    return [a.name for i, a in enumerate(compiled.spec.actions) if i not in enabled]


def _check(failing, s, compiled, where):
    try:
        return failing(s)
    except SpecEvalError as e:
        raise e.with_step(f"while checking invariants in {where}", None) from None


def _trace(compiled: CompiledSpec, store: Store, index: int) -> Trace:
    steps = []
    for inst, state in store.path(index):
        if inst < 0:
            steps.append(Step(None, (), state))
        else:
            name, args = compiled.describe_instance(inst)
            steps.append(Step(name, args, state))
    return Trace(compiled.spec.vars, tuple(steps))
