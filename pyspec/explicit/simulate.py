"""Random walks through a compiled spec, for parameters too large to explore: seeded and
reproducible; a walk that breaks an invariant is returned as the trace."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from pyspec.errors import SpecEvalError
from pyspec.explicit.compiled import CompiledSpec
from pyspec.reference import no_initial_state
from pyspec.result import Result, Step, Trace, Verdict


@dataclass(frozen=True, slots=True)
class SimulateOptions:
    runs: int = 100
    steps: int = 50
    seed: int = 0
    invariants: tuple[str, ...] | None = None
    deadlock: bool = False


def simulate(compiled: CompiledSpec, opts: SimulateOptions = SimulateOptions()) -> Result:
    """Run `opts.runs` random walks of at most `opts.steps` steps. VIOLATED (or DEADLOCK) with
    the walk when one breaks an invariant; otherwise NO_VIOLATION_UP_TO, which is no proof."""
    rng = random.Random(opts.seed)
    names = opts.invariants if opts.invariants is not None else compiled.spec.default_invariants()
    failing = compiled.invariant_fn(names)
    successors = compiled.step_fn()
    inits = compiled.initial_states()
    if not inits:
        raise no_initial_state(compiled.spec)
    t0 = time.perf_counter()
    total_steps = 0
    distinct: set = set()
    for run in range(opts.runs):
        state = rng.choice(inits)
        walk = [Step(None, (), state)]
        bad = failing(state)
        for _ in range(opts.steps):
            if bad is not None:
                break
            try:
                succ = successors(state)
            except SpecEvalError as e:
                e.trace = Trace(compiled.spec.vars, tuple(walk))
                raise
            if not succ:
                if opts.deadlock:
                    return _result(compiled, Verdict.DEADLOCK, names, "deadlock", walk, run, total_steps, t0, distinct, opts)
                break
            inst, state = rng.choice(succ)
            name, args = compiled.describe_instance(inst)
            walk.append(Step(name, args, state))
            distinct.add(state)
            total_steps += 1
            bad = failing(state)
        if bad is not None:
            return _result(compiled, Verdict.VIOLATED, names, bad, walk, run, total_steps, t0, distinct, opts)
    return _result(compiled, Verdict.NO_VIOLATION_UP_TO, names, None, None, opts.runs, total_steps, t0, distinct, opts)


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
