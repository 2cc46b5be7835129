"""Random walks through a compiled spec, for parameters too large to explore: seeded and
reproducible; a walk that breaks an invariant is returned as the trace."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from pyspec.errors import SpecEvalError
from pyspec.explicit.compiled import CompiledSpec
from pyspec.limits import Budget, LimitReached, resident_mb
from pyspec.progress import keep, watch
from pyspec.reference import no_initial_state
from pyspec.result import Result, Step, Trace, Verdict


@dataclass(frozen=True, slots=True)
class SimulateOptions:
    runs: int = 100
    steps: int = 50
    seed: int = 0
    invariants: tuple[str, ...] | None = None
    deadlock: bool = False
    max_memory: float | None = None  # MB resident
    time_limit: float | None = None  # seconds since `started`
    started: float | None = None  # time.perf_counter() when the clock started (None: now)


def simulate(compiled: CompiledSpec, opts: SimulateOptions = SimulateOptions()) -> Result:
    """Run `opts.runs` random walks of at most `opts.steps` steps. VIOLATED (or DEADLOCK) with
    the walk when one breaks an invariant; otherwise NO_VIOLATION_UP_TO, which is no proof."""
    names = opts.invariants if opts.invariants is not None else compiled.spec.default_invariants()
    t0 = time.perf_counter()
    progress = [0, 0, 0]  # runs, steps, distinct states: for the summary when a limit stops the walks

    def probe() -> tuple[int, str]:  # read by the progress reporter (pyspec.progress)
        return progress[1], f"run {progress[0] + 1:,} of {opts.runs:,}, {progress[1]:,} steps, {progress[2]:,} distinct states"

    try:
        with watch(probe, "steps"), Budget(opts.time_limit, opts.max_memory, opts.started) as budget:
            return _walk(compiled, opts, names, t0, progress, None if budget.armed else budget.poll)
    except LimitReached as stop:
        rss = resident_mb()
        mem = f", {rss:,.0f} MB resident" if rss is not None else ""
        stats = {"runs": progress[0], "steps": progress[1], "distinct_states_seen": progress[2], "seed": opts.seed,
                 "seconds": round(time.perf_counter() - t0, 3)}
        return Result(Verdict.INCOMPLETE, compiled.spec.name, "simulate", names, None, None, stats,
                      f"stopped: {stop.reason} in run {progress[0] + 1} ({progress[1]:,} steps{mem}); {stop.hint}")


def _walk(compiled: CompiledSpec, opts: SimulateOptions, names, t0: float, progress: list, poll) -> Result:
    rng = random.Random(opts.seed)
    failing = compiled.invariant_fn(names)
    successors = compiled.step_fn()
    inits = compiled.initial_states()
    if not inits:
        raise no_initial_state(compiled.spec)
    total_steps = 0
    distinct: set = set()
    keep(distinct)  # a command drops it after its verdict is printed (pyspec.progress)
    for run in range(opts.runs):
        progress[:] = run, total_steps, len(distinct)
        if poll is not None:
            poll()
        state = rng.choice(inits)
        walk = [Step(None, (), state)]
        bad = failing(state)
        for _ in range(opts.steps):
            if bad is not None:
                break
            succ = _successors(successors, state, compiled, walk)
            if not succ:
                if opts.deadlock and compiled.expands(state):  # a state a constraint stops is no deadlock
                    return _result(compiled, Verdict.DEADLOCK, names, "deadlock", walk, run, total_steps, t0, distinct, opts)
                break
            inst, state = rng.choice(succ)
            name, args = compiled.describe_instance(inst)
            walk.append(Step(name, args, state))
            distinct.add(state)
            total_steps += 1
            bad = failing(state)
        else:  # the walk used all its steps: its last state may be deadlocked too (with --steps 0, its first)
            if opts.deadlock and bad is None and not _successors(successors, state, compiled, walk):
                return _result(compiled, Verdict.DEADLOCK, names, "deadlock", walk, run, total_steps, t0, distinct, opts)
        if bad is not None:
            return _result(compiled, Verdict.VIOLATED, names, bad, walk, run, total_steps, t0, distinct, opts)
    return _result(compiled, Verdict.NO_VIOLATION_UP_TO, names, None, None, opts.runs, total_steps, t0, distinct, opts)


def _successors(successors, state: tuple, compiled: CompiledSpec, walk: list) -> list:
    try:
        return successors(state)
    except SpecEvalError as e:
        e.trace = Trace(compiled.spec.vars, tuple(walk))
        raise


def _result(compiled, verdict, names, prop, walk, runs, steps, t0, distinct, opts) -> Result:
    trace = Trace(compiled.spec.vars, tuple(walk)) if walk is not None else None
    stats = {
        "runs": runs + (1 if walk is not None else 0),
        "steps": steps,
        "distinct_states_seen": len(distinct),
        "seed": opts.seed,
        "seconds": round(time.perf_counter() - t0, 3),
    }
    reason = None
    if verdict is Verdict.NO_VIOLATION_UP_TO:
        reason = f"no violation in {opts.runs} random runs of up to {opts.steps} steps (seed {opts.seed}); not a proof"
    return Result(verdict, compiled.spec.name, "simulate", names, prop, trace, stats, reason)
