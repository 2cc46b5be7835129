"""Breadth-first exploration of a compiled spec's reachable states: the explicit checker.

Counterexamples are shortest because BFS visits states in depth order. The verdict is HOLDS
only when the queue is exhausted; a state limit or a deadline gives INCOMPLETE.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass

from pyspec.errors import SpecEvalError, UsageError
from pyspec.explicit.compiled import CompiledSpec
from pyspec.explicit.native.search import explore_native
from pyspec.explicit.packing import Layout, Unpackable, layout
from pyspec.explicit.results import check_initial, failing_instance, outcome, reached, search_stats, store_trace
from pyspec.explicit.symmetry import Canon, CanonicalLayout, SymmetricStore
from pyspec.explicit.store import FingerprintStore, PackedStore, Store, StoreFull, TupleStore
from pyspec.explicit.workers import explore_parallel
from pyspec.limits import Budget, LimitReached, resident_mb
from pyspec.progress import keep, store_done, watch
from pyspec.reference import no_initial_state
from pyspec.result import Result, Verdict


@dataclass(frozen=True, slots=True)
class ExploreOptions:
    invariants: tuple[str, ...] | None = None  # None: every invariant of the spec
    max_states: int | None = None
    deadlock: bool = False
    time_limit: float | None = None  # seconds
    reachables: tuple[str, ...] | None = None  # None: the spec's own reachable properties
    max_memory: float | None = None  # MB of resident set
    fingerprint: bool = False  # keep 64-bit hashes of states, not the states (see store.FingerprintStore)
    workers: int = 1  # processes; above 1, see workers.py (needs a packed layout, no fingerprints)
    packed: bool = True  # False: keep states as tuples (the store before packing; for comparisons)
    cluster: str | None = None  # the address of a Dask scheduler: search there (see cluster.py)
    symmetry: bool = True  # one state per orbit of the spec's symmetric types (see symmetry.py); False: all
    started: float | None = None  # time.perf_counter() when the time limit's clock started (None: now)
    backend: str = "python"  # "c": the native search (explicit/native), one worker, exact


_POLL = 256  # expansions between checks of the limits when no timer is armed (see pyspec.limits)


def explore(compiled: CompiledSpec, opts: ExploreOptions = ExploreOptions()) -> Result:
    """Explore every reachable state; return HOLDS, VIOLATED (with the shortest trace),
    DEADLOCK, or INCOMPLETE. Raises SpecEvalError (with the step) when the spec cannot be
    evaluated in some reachable state.

    Each `reachable` property gets the shortest trace to a state satisfying it; after a
    complete search, one that no reachable state satisfies makes the verdict VIOLATED (it is
    UNREACHABLE, and the invariants may hold vacuously)."""
    names = opts.invariants if opts.invariants is not None else compiled.spec.default_invariants()
    if opts.backend == "c":
        _native_options(compiled, opts)
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
            if opts.backend == "c":
                return explore_native(compiled, opts, names, t0, c0, budget, track)
            if opts.cluster is not None:
                if opts.workers > 1 or opts.fingerprint:
                    raise UsageError(f"--cluster searches on the cluster's workers, without "
                                     f"{'--fingerprint' if opts.fingerprint else '--workers'}",
                                     hint="leave it out with --cluster", code="PS630")
                from pyspec.explicit.cluster import explore_cluster

                return explore_cluster(compiled, opts, names, failing, t0, c0, budget, track)
            if opts.workers > 1:
                lay = _packed_layout(compiled, opts)
                sym = compiled.spec.symmetry if opts.symmetry else None
                if sym is not None:
                    lay = CanonicalLayout(lay, Canon(sym, lay.types, lay))
                return explore_parallel(compiled, opts, names, failing, successors, t0, c0, budget, track, lay)
            return _bfs(compiled, opts, names, failing, successors, t0, c0, budget, track)
    finally:
        store_done()
        if gc_was_enabled:
            gc.enable()


def _native_options(compiled: CompiledSpec, opts: ExploreOptions) -> None:
    """Refuse what the native search does not do (PS652), rather than ignore it."""
    symmetric = opts.symmetry and bool(compiled.spec.symmetry)
    for given, flag in ((opts.workers > 1, f"--workers {opts.workers}"), (opts.fingerprint, "--fingerprint"),
                        (not opts.packed, "states kept as tuples"), (opts.cluster is not None, "--cluster"),
                        (symmetric, "symmetry reduction (the spec's symmetric types; --no-symmetry searches every state)")):
        if given:
            raise UsageError(f"--backend c does not support {flag}: the native search runs on one core and keeps "
                             "every state exactly", hint=f"leave {flag} or --backend c out", code="PS652")


def _packed_layout(compiled: CompiledSpec, opts: ExploreOptions) -> Layout:
    """The spec's packed layout, which --workers and --fingerprint need (UsageError without one)."""
    if opts.workers > 1 and opts.fingerprint:
        raise UsageError("--fingerprint is not supported with --workers above 1 yet",
                         hint="use one of them: --workers for speed, --fingerprint for memory", code="PS602")
    try:
        return layout(tuple(v.ty for v in compiled.spec.vars))
    except Unpackable as e:
        flag = "--fingerprint" if opts.fingerprint else "--workers"
        raise UsageError(f"{flag} needs states packed into ints, and this spec's variables have none: {e}",
                         hint=f"leave {flag} out", code="PS602") from None


def make_store(compiled: CompiledSpec, opts: ExploreOptions) -> Store:
    """The store for this search: packed states (exact) unless --fingerprint, tuples when the
    spec's types have no packed layout (see `store`)."""
    capacity = opts.max_states
    sym = compiled.spec.symmetry if opts.symmetry else None
    if sym is not None:
        types = tuple(v.ty for v in compiled.spec.vars)
        try:
            lay = layout(types)
        except Unpackable as e:
            raise UsageError(f"symmetry reduction compares states packed into ints, and this spec's variables have "
                             f"none: {e}", hint="remove `symmetric` from the type, or check with --no-symmetry",
                             code="PS642") from None
        canon = Canon(sym, types, lay)
        if opts.fingerprint:  # fingerprints of canonical codes; traces replayed through every instance
            fp = FingerprintStore(CanonicalLayout(lay, canon), compiled.run_instance, capacity)
            fp.ninstances = len(compiled.instances)
            return fp
        return SymmetricStore(lay, canon, compiled.run_instance, len(compiled.instances), capacity)
    if opts.fingerprint:
        return FingerprintStore(_packed_layout(compiled, opts), compiled.run_instance, capacity)
    try:
        if opts.packed:
            return PackedStore(layout(tuple(v.ty for v in compiled.spec.vars)), capacity)
    except Unpackable:
        pass
    return TupleStore(len(compiled.spec.vars), capacity)


def _bfs(compiled, opts, names, failing, successors, t0, c0, budget: Budget, track: list) -> Result:
    spec = compiled.spec
    store = make_store(compiled, opts)
    track[0] = store
    keep(store)  # a command drops it after its verdict is printed (pyspec.progress)

    def stats(depth: int) -> dict:
        return search_stats(compiled, len(store), depth, t0, c0, transitions, fired, store)

    def finish(verdict: Verdict, depth: int, index: int | None = None, prop: str | None = None, reason=None):
        return outcome(compiled, names, rnames, first, lambda i: store_trace(compiled, store, i), store.exact,
                       verdict, stats(depth), index, prop, reason)

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
            bad = check_initial(failing, s, compiled, "the initial state")
            if reach_fn is not None:
                reach_fn = reached(compiled, reach_fn, rnames, first, s, index, 0, None)
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
                raise e.with_step(f"in {failing_instance(compiled, s)}", store_trace(compiled, store, head)) from None
            transitions += len(succ)
            if deadlock and not succ and compiled.expands(s):  # a state a constraint stops is no deadlock
                return finish(Verdict.DEADLOCK, depth, head, "deadlock")
            for inst, t in succ:
                fired[inst] = 1
                index = add(t, inst)
                if index < 0:
                    continue
                try:
                    bad = failing(t)
                except SpecEvalError as e:
                    raise e.with_step("while checking invariants", store_trace(compiled, store, index)) from None
                if reach_fn is not None:
                    reach_fn = reached(compiled, reach_fn, rnames, first, t, index, depth + 1, store)
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


def stopped_before_search(spec, names: tuple[str, ...] | None, stop: LimitReached, phase: str, started: float) -> Result:
    """INCOMPLETE for a limit reached before the search began (`phase`: what was running)."""
    return Result(Verdict.INCOMPLETE, spec.name, "explicit",
                  properties=names if names is not None else spec.default_invariants(),
                  stats={"states": 0, "depth": 0, "seconds": round(time.perf_counter() - started, 3), "transitions": 0},
                  reason=f"stopped: {stop.reason} while {phase}; {stop.hint}")


