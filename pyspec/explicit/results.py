"""What an explicit search reports: its stats, its Result, the traces to its states; shared by the
serial search (`explore.py`) and the parallel one (`workers.py`)."""

from __future__ import annotations

import time

from pyspec.errors import SpecEvalError
from pyspec.explicit.compiled import CompiledSpec
from pyspec.explicit.store import Store
from pyspec.explicit.symmetry import SymmetricStore
from pyspec.reference import instance_text
from pyspec.result import Reach, Reachability, Result, Step, Trace, Verdict


def search_stats(compiled: CompiledSpec, states: int, depth: int, t0: float, c0: float, transitions: int,
                 fired: bytearray, store: Store | None = None) -> dict:
    """The stats of a search (`store`: for a fingerprint store's collision bound)."""
    wall = time.perf_counter() - t0
    out = {
        "states": states,
        "depth": depth,
        "seconds": round(wall, 3),
        "cpu_seconds": round(time.process_time() - c0, 3),
        "states_per_second": int(states / wall) if wall > 0 else None,
        "transitions": transitions,
        "never_enabled": never_enabled(compiled, fired),
    }
    if store is not None and not store.exact:
        out["fingerprint_collision_probability"] = store.collision_bound()
    if isinstance(store, SymmetricStore):  # states are orbits; the full count is not claimed
        out["symmetry"] = list(compiled.spec.symmetry.names())
        out["symmetry_permutations"] = store.canon.group_order
    return out


def outcome(compiled: CompiledSpec, names, rnames, first: dict, trace_of, exact: bool, verdict: Verdict, stats: dict,
            index: int | None = None, prop: str | None = None, reason=None) -> Result:
    """The Result of a search that ended with `verdict` (the state at `index` for a violation or
    deadlock; `first`: reachable property -> (index, depth) where first true; `trace_of(index)`
    the path to a state). A complete search of an inexact store (fingerprints) is INCOMPLETE: it
    may have missed a state. An unreached `reachable` property after a complete search makes
    the verdict VIOLATED (UNREACHABLE: the invariants may hold vacuously)."""
    trace = trace_of(index) if index is not None else None
    reach = []
    for n in rnames:
        if n in first:
            at, d = first[n]
            reach.append(Reachability(n, Reach.REACHED, d, trace_of(at)))
        else:
            reach.append(Reachability(n, Reach.UNREACHABLE if verdict is Verdict.HOLDS and exact else Reach.NOT_REACHED))
    if verdict is Verdict.HOLDS and not exact:
        verdict, reason = Verdict.INCOMPLETE, fingerprint_reason(stats["states"], stats["fingerprint_collision_probability"])
    never = [r.name for r in reach if r.status is Reach.UNREACHABLE]
    if never:
        verdict, prop = Verdict.VIOLATED, never[0]
        reason = (f"unreachable: no reachable state satisfies {', '.join(never)} (all {stats['states']:,} explored), "
                  "so the invariants may hold vacuously")
    return Result(verdict, compiled.spec.name, "explicit", properties=names, violated=prop, trace=trace, stats=stats,
                  reason=reason, reachable=tuple(reach))


def fingerprint_reason(states: int, bound: float) -> str:
    """Why a fingerprint search that found no violation is INCOMPLETE, not HOLDS."""
    return (f"no violation found in {states:,} states, but with --fingerprint a state may have been missed: "
            f"probability of a fingerprint collision at most {bound:.1e}; run without --fingerprint for a verdict")


def reached(compiled: CompiledSpec, fn, names, first: dict, s: tuple, index: int, depth: int, tree):
    """Record the reachable properties first true in state `index`; the function that checks
    those still pending (None when none is)."""
    while fn is not None:
        try:
            hit = fn(s)
        except SpecEvalError as e:
            trace = store_trace(compiled, tree, index) if tree is not None else None
            raise e.with_step("while checking reachable properties", trace) from None
        if hit is None:
            return fn
        first[hit] = (index, depth)
        pending = tuple(n for n in names if n not in first)
        fn = compiled.reachable_fn(pending) if pending else None
    return None


def failing_instance(compiled: CompiledSpec, state: tuple) -> str:
    """Which action instance raises from `state` (the rare path: re-run them one by one)."""
    for inst in range(len(compiled.instances)):
        try:
            compiled.run_instance(state, inst)
        except SpecEvalError:
            return instance_text(compiled, inst)
    return "a step"


def never_enabled(compiled: CompiledSpec, fired: bytearray) -> list[str]:
    enabled = {compiled.instances[i][0] for i, f in enumerate(fired) if f}
    return [a.name for i, a in enumerate(compiled.spec.actions) if i not in enabled]


def check_initial(failing, s, compiled, where):
    try:
        return failing(s)
    except SpecEvalError as e:
        raise e.with_step(f"while checking invariants in {where}", None) from None


def store_trace(compiled: CompiledSpec, store: Store, index: int) -> Trace:
    steps = []
    for inst, state in store.path(index):
        if inst < 0:
            steps.append(Step(None, (), state))
        else:
            name, args = compiled.describe_instance(inst)
            steps.append(Step(name, args, state))
    return Trace(compiled.spec.vars, tuple(steps))
