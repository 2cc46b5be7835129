"""The public API: load a spec, check it, simulate it, step it, evaluate expressions in a state.

tracecheck and user code use only what `pyspec/__init__.py` re-exports from here.
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any

from pyspec.errors import PyspecError, UsageError
from pyspec.explicit.compiled import CompiledSpec
from pyspec.explicit.evaluator import LOCALS
from pyspec.explicit.explore import ExploreOptions, explore, stopped_before_search
from pyspec.explicit.simulate import SimulateOptions, simulate as _simulate
from pyspec.lang.load import load, loads
from pyspec.lang.scope import did_you_mean
from pyspec.lang.typed import CheckedSpec
from pyspec.lang.types import format_value
from pyspec.limits import Budget, LimitReached, check_bounds
from pyspec.progress import watch
from pyspec.result import ProofResult, Result, SynthResult, Verdict


def _names(spec: CheckedSpec, invariants) -> tuple[str, ...] | None:
    return _known(spec, invariants, [i.name for i in spec.invariants], "invariant", "invariants", "PS601")


def _known(spec: CheckedSpec, names, known: list[str], what: str, listing: str, code: str) -> tuple[str, ...] | None:
    """`names` as a tuple (None stays None), each checked to be one of `known`."""
    if names is None:
        return None
    for name in names:
        if name not in known:
            close = did_you_mean(name, known)
            raise UsageError(
                f"spec {spec.name} has no {what} '{name}'",
                hint=(f"{close} " if close else "") + f"{listing}: " + (", ".join(known) or "none"),
                code=code,
            )
    return tuple(names)


def _seconds(flag: str, value: float | None, zero: bool = False) -> float | None:
    """A time bound as given (None: no bound); inf, nan or a negative number is a user error
    here, before Z3 turns it into milliseconds (OverflowError) or a deadline never compares true.
    0 is one too for a Z3 timeout (Z3 reads 0 as "no timeout"), but a `--time-limit` of 0 (`zero`)
    stops at the first check, INCOMPLETE."""
    if value is not None and not (math.isfinite(value) and (value > 0 or zero and value == 0)):
        least = "0 or more" if zero else "above 0"
        raise UsageError(f"{flag} must be a finite number of seconds, {least}, not {value:g}",
                         hint=f"leave {flag} out for no limit", code="PS602")
    return value


def _reachables(spec: CheckedSpec, names) -> tuple[str, ...] | None:
    return _known(spec, names, [r.name for r in spec.reachables], "reachable property", "reachable", "PS609")


def compile_spec(spec: CheckedSpec) -> CompiledSpec:
    """The explicit engine's compiled form: successors, invariants, evaluation."""
    return CompiledSpec(spec)


def check(
    spec: CheckedSpec,
    invariants=None,
    max_states: int | None = None,
    deadlock: bool = False,
    time_limit: float | None = None,
    reachables=None,
    max_memory: float | None = None,
    started: float | None = None,
    workers: int = 1,
    fingerprint: bool = False,
    symmetry: bool = True,
    cluster: str | None = None,
    backend: str = "python",
) -> Result:
    """Explicit-state BFS. HOLDS only when every reachable state was visited and each of
    `reachables` (default: the spec's own `reachable` properties) is true in one of them.

    `time_limit` (seconds since `started`, a time.perf_counter() value, default now) and
    `max_memory` (MB resident) hold in every phase, compilation (constant folding, parameter
    domains) and init enumeration included: INCOMPLETE when one is passed.

    `workers` above 1 searches on that many processes (the same counts and verdicts);
    `fingerprint` keeps 64-bit hashes of states instead of the states, so that a search that
    finds nothing is INCOMPLETE, with the probability that a state was missed. `symmetry`:
    keep one state per orbit of the spec's symmetric types (False: every state). `cluster`: the
    address of a Dask scheduler (tcp://host:8786): the search runs partitioned over its workers
    (the optional extra pyspec[cluster]), with the same counts and verdicts.

    `backend="c"` runs the search in C generated from the spec (pyspec.explicit.native): the same
    counts, verdicts and traces; UsageError PS650 without a C compiler, PS651 for a spec outside
    its fragment, PS652 with workers or fingerprints."""
    if backend not in ("python", "c"):
        raise UsageError(f"unknown backend {backend!r}: 'python' or 'c'", code="PS652")
    if max_states is not None and max_states < 1:
        raise UsageError("--max-states must be at least 1", code="PS602")
    if workers < 1:
        raise UsageError(f"--workers must be at least 1, not {workers}", code="PS602")
    check_limits(time_limit, max_memory)
    names = _names(spec, invariants)
    opts = ExploreOptions(names, max_states, deadlock, time_limit,
                          reachables=_reachables(spec, reachables), max_memory=max_memory,
                          started=time.perf_counter() if started is None else started,
                          workers=workers, fingerprint=fingerprint, symmetry=symmetry, cluster=cluster,
                          backend=backend)
    compiled = _compile_within(spec, names, time_limit, max_memory, opts.started)
    if isinstance(compiled, Result):
        return compiled
    return _constrained(spec, explore(compiled, opts), compiled)


def _constrained(spec: CheckedSpec, r: Result, compiled: CompiledSpec | None = None) -> Result:
    """`r` marked with the spec's constraints, and warned when they may make it vacuous: a
    verdict that found nothing wrong covers only the states reachable through constrained
    states, and when every initial state violates a constraint nothing was expanded at all."""
    if not spec.constraints:
        return r
    names = tuple(c.name for c in spec.constraints)
    warnings = list(r.warnings)
    if r.verdict in (Verdict.HOLDS, Verdict.PROVED, Verdict.NO_VIOLATION_UP_TO):
        which = f"constraint{'s' if len(names) > 1 else ''} {', '.join(names)}"
        warnings.append(f"{which}: states that violate it were not expanded, so the verdict covers only the "
                        "states reachable through states that satisfy it")
        try:
            c = compiled or compile_spec(spec)
            inits = c.initial_states(_VACUITY_INITS)
            if inits and not any(c.expands(s) for s in inits):
                warnings.append(f"every initial state violates {which}: no state was expanded, "
                                "so the verdict is vacuous")
        except (LimitReached, PyspecError):  # too many initial states to look at, or init fails: no warning
            pass
    return dataclasses.replace(r, constraints=names, warnings=tuple(warnings))


_VACUITY_INITS = 100_000
"""At most this many initial states are enumerated again to warn that none satisfies the constraints."""


def check_temporal(
    spec: CheckedSpec,
    temporals=None,
    max_states: int | None = None,
    time_limit: float | None = None,
    max_memory: float | None = None,
    started: float | None = None,
) -> Result:
    """The temporal properties `temporals` (default: the spec's own) on every fair behaviour,
    by the explicit engine (pyspec.explicit.liveness): HOLDS only when the whole state graph was
    built and searched; VIOLATED with a lasso (`Result.trace.loop`); INCOMPLETE at a limit."""
    if max_states is not None and max_states < 1:
        raise UsageError("--max-states must be at least 1", code="PS602")
    check_limits(time_limit, max_memory)
    names = _known(spec, temporals, [t.name for t in spec.temporals], "temporal property", "temporal properties",
                   "PS745")
    started = time.perf_counter() if started is None else started
    compiled = _compile_within(spec, names, time_limit, max_memory, started)
    if isinstance(compiled, Result):
        return compiled
    from pyspec.explicit.liveness import LivenessOptions, check_temporal as _check_temporal

    return _check_temporal(compiled, LivenessOptions(names, max_states, time_limit, max_memory, started))


def _compile_within(spec: CheckedSpec, names, time_limit, max_memory, started) -> CompiledSpec | Result:
    """The compiled spec, or INCOMPLETE when a limit is passed while compiling."""
    try:
        with watch(lambda: (None, "compiling the spec")), Budget(time_limit, max_memory, started):
            return compile_spec(spec)
    except LimitReached as stop:
        return stopped_before_search(spec, names, stop, "compiling the spec (folding constants, enumerating "
                                     "parameter domains)", started)


def check_limits(time_limit: float | None, max_memory: float | None) -> None:
    """Raise UsageError (PS602) for a time limit or memory bound no run can honour."""
    check_bounds(time_limit, max_memory, "PS602")


def simulate(spec: CheckedSpec, runs=100, steps=50, seed=0, invariants=None, deadlock=False,
             max_memory: float | None = None, time_limit: float | None = None,
             started: float | None = None) -> Result:
    """Random walks; `max_memory` (MB resident) and `time_limit` give INCOMPLETE when passed."""
    if runs < 1 or steps < 0:
        raise UsageError("--runs must be at least 1 and --steps at least 0", code="PS602")
    check_limits(time_limit, max_memory)
    names = _names(spec, invariants)
    started = time.perf_counter() if started is None else started
    compiled = _compile_within(spec, names, time_limit, max_memory, started)
    if isinstance(compiled, Result):
        return compiled
    return _constrained(spec, _simulate(compiled, SimulateOptions(runs, steps, seed, names, deadlock,
                                                                  max_memory=max_memory, time_limit=time_limit,
                                                                  started=started)), compiled)


def _bounded(spec: CheckedSpec, engine: str, names, time_limit, max_memory, started, work, wrap):
    """`work()` under the time and memory bounds (compiling the reference, encoding, each Z3
    check: `new_solver` caps every check by the time left); a bound passed gives `wrap(result)`
    of an INCOMPLETE (bmc) or UNKNOWN (prove, synth) Result that says where it stopped."""
    check_limits(time_limit, max_memory)
    started = time.perf_counter() if started is None else started
    try:
        with Budget(time_limit, max_memory, started):
            return work()
    except LimitReached as stop:
        verdict = Verdict.INCOMPLETE if engine == "bmc" else Verdict.UNKNOWN
        return wrap(Result(verdict, spec.name, engine,
                           properties=names if names is not None else spec.default_invariants(),
                           stats={"seconds": round(time.perf_counter() - started, 3)},
                           reason=f"stopped: {stop.reason} {_PHASE[engine]}; {stop.hint}"))


_PHASE = {  # where `_bounded` catches a limit: what the engine's own loop has not taken over yet
    "bmc": "before depth 0 (compiling the spec for replay, encoding it for Z3)",
    "prove": "while compiling, encoding or discharging the obligations",
    "synth": "while compiling, encoding or searching for a table",
}


def bmc(spec: CheckedSpec, depth: int, invariants=None, timeout: float | None = None, reachables=None,
        time_limit: float | None = None, max_memory: float | None = None, started: float | None = None,
        deadlock: bool = False) -> Result:
    """Bounded model checking with Z3 to `depth` steps (see pyspec.symbolic.bmc); each of
    `reachables` (default: the spec's own) must be reached within the bound, else UNKNOWN.
    `deadlock`: a state within the bound where no action is enabled gives DEADLOCK.
    `time_limit`/`max_memory` give INCOMPLETE when passed, in any phase."""
    if depth < 0:
        raise UsageError("--depth must be at least 0", code="PS602")
    _seconds("--timeout", timeout)
    names = _names(spec, invariants)
    reach = _reachables(spec, reachables)
    from pyspec.symbolic.bmc import bmc as _bmc  # z3 is a dependency: a failed import is a bug

    # Every Z3 model is replayed through the explicit engine, handed to the symbolic one here.
    return _constrained(spec, _bounded(spec, "bmc", names, time_limit, max_memory, started,
                                       lambda: _bmc(spec, depth=depth, invariants=names, timeout=timeout,
                                                    reference=compile_spec(spec), reachables=reach,
                                                    deadlock=deadlock),
                                       lambda r: r))


def bmc_temporal(spec: CheckedSpec, depth: int, temporals=None, timeout: float | None = None,
                 time_limit: float | None = None, max_memory: float | None = None,
                 started: float | None = None) -> Result:
    """Bounded lassos with Z3 (pyspec.symbolic.lasso): VIOLATED with a fair lasso of at most
    `depth` steps violating one of `temporals` (default: the spec's own), replayed through the
    explicit engine; else NO_VIOLATION_UP_TO ("no fair lasso up to depth K"), never HOLDS."""
    if depth < 1:
        raise UsageError("--depth must be at least 1 for temporal properties (a lasso has a step)", code="PS602")
    _seconds("--timeout", timeout)
    names = _known(spec, temporals, [t.name for t in spec.temporals], "temporal property", "temporal properties",
                   "PS745")
    names = names if names is not None else spec.default_temporals()
    from pyspec.explicit.lasso import replay_lasso
    from pyspec.symbolic.lasso import bmc_lasso

    def work() -> Result:
        compiled = compile_spec(spec)
        return bmc_lasso(spec, names, depth, timeout, reference=compiled,
                         verify=lambda n, states, insts, loop: replay_lasso(compiled, n, states, insts, loop))

    return _bounded(spec, "bmc", names, time_limit, max_memory, started, work, lambda r: r)


def prove(spec: CheckedSpec, invariant: str, aux=(), k: int = 1, timeout: float | None = None,
          time_limit: float | None = None, max_memory: float | None = None,
          started: float | None = None) -> ProofResult:
    """Inductive (k > 1: k-inductive) proof of `invariant`, strengthened by the `aux`
    invariants; returns a ProofResult whose `.result` is a Result (see pyspec.symbolic.induction).
    `time_limit`/`max_memory` give UNKNOWN when passed, in any phase."""
    if k < 1:
        raise UsageError("--k must be at least 1", code="PS602")
    _seconds("--timeout", timeout)
    _names(spec, (invariant, *aux))
    from pyspec.symbolic.induction import prove as _prove

    proof = _bounded(spec, "prove", (invariant,), time_limit, max_memory, started,
                     lambda: _prove(spec, invariant, aux=tuple(aux), k=k, timeout=timeout, reference=compile_spec(spec)),
                     lambda r: ProofResult(r, (), invariant, tuple(aux), k, {**r.stats, "solver_seconds": 0.0}))
    return dataclasses.replace(proof, result=_constrained(spec, proof.result))


def synth(spec: CheckedSpec, depth: int, invariants=None, timeout: float | None = None,
          time_limit: float | None = None, max_memory: float | None = None,
          started: float | None = None) -> SynthResult:
    """Bounded exists-forall synthesis of a spec's unknown functions: a table that keeps the
    invariants on every run of at most `depth` steps, or the runs that rule out every table.
    Returns a SynthResult whose `.result` is a Result (see pyspec.symbolic.synth).
    `time_limit`/`max_memory` give UNKNOWN when passed, in any phase."""
    if depth < 0:
        raise UsageError("--depth must be at least 0", code="PS602")
    _seconds("--timeout", timeout)
    names = _names(spec, invariants)
    from pyspec.symbolic.synth import synth as _synth
    sr = _bounded(spec, "synth", names, time_limit, max_memory, started,
                  lambda: _synth(spec, depth=depth, invariants=names, timeout=timeout, compile_reference=compile_spec),
                  lambda r: SynthResult(r))
    return dataclasses.replace(sr, result=_constrained(spec, sr.result))


class Expression:
    """An expression checked in a spec's scope plus named bindings (see `expression`)."""

    def __init__(self, compiled: CompiledSpec, expr, bound, nlocals: int) -> None:
        self.expr = expr
        self.ty = expr.ty
        self.bindings = {name: (slot, ty) for name, slot, ty in bound}
        self._fn = compiled._compiler.expr(expr)  # compiled once
        self._size = 4 + max(nlocals, compiled._compiler.nlocals)
        self._compiled, self._bound, self._nlocals = compiled, tuple(bound), nlocals

    def part(self, node) -> "Expression":
        """The subexpression `node` (a node of `self.expr`) as an Expression with the same
        bindings, without checking any text again (tracecheck reports each side of `a == b`)."""
        return Expression(self._compiled, node, self._bound, self._nlocals)

    def evaluate(self, state: tuple, values: dict[str, Any] | None = None) -> Any:
        """The value in `state` with the bindings set to `values` (raises SpecEvalError)."""
        env = [state, None, None] + [None] * self._size
        for n, v in (values or {}).items():
            env[LOCALS + self.bindings[n][0]] = v
        return self._fn(env)


def expression(compiled: CompiledSpec, text: str, bindings: dict[str, str] | None = None, file: str = "<expr>") -> Expression:
    """Check `text` as an expression over the spec's variables, params and defs, plus
    `bindings` (name -> type in spec syntax). Raises SpecError with positions in `text`."""
    from pyspec.lang.check import check_expression

    expr, bound, nlocals = check_expression(compiled.spec, text, bindings, file)
    return Expression(compiled, expr, bound, nlocals)


def instance(compiled: CompiledSpec, action: str, args: tuple) -> int:
    """The index of action instance `action(*args)` (for `successors_of`); raises UsageError
    when there is none."""
    table = compiled.instance_table()
    i = table.get((action, tuple(args)))
    if i is not None:
        return i
    known = [a.name for a in compiled.spec.actions]
    if action not in known:
        raise UsageError(f"spec {compiled.spec.name} has no action '{action}'", hint="actions: " + ", ".join(known), code="PS604")
    raise UsageError(f"{action}{tuple(args)!r} is outside the action's parameter types", code="PS605")


def successors(compiled: CompiledSpec, state: tuple, action: str, args: tuple = ()) -> list[tuple]:
    """Every next state of `state` under `action(*args)` (empty when it is not enabled)."""
    return compiled.run_instance(state, instance(compiled, action, args))


def successors_of(compiled: CompiledSpec, state: tuple, inst: int) -> list[tuple]:
    """Every next state of `state` under action instance number `inst` (see `instance`)."""
    return compiled.run_instance(state, inst)


def explain(compiled: CompiledSpec, state: tuple, action: str, args: tuple = ()):
    """None when `action(*args)` is enabled in `state`, else the first reason it is not
    (a `Blocked`: the false `require` with the values it reads, or an empty choice)."""
    from pyspec.explicit.explain import explain_step

    return explain_step(compiled, state, instance(compiled, action, args))


def trace_solver(spec: CheckedSpec, timeout: float | None = None):
    """A path constraint for a log, solved with Z3 (pyspec.symbolic.trace.TraceSolver):
    `add_record(inst, hidden, max_hidden, observations)`, `check()`, `push()`/`pop(k)`."""
    from pyspec.symbolic.trace import TraceSolver

    return TraceSolver(spec, _seconds("timeout", timeout))


def describe(spec: CheckedSpec) -> dict[str, Any]:
    """A JSON-ready summary of the checked spec (`pyspec show --json`)."""
    return {
        "spec": spec.name,
        "doc": spec.doc,
        "file": spec.file,
        "params": {n: _jsonable(v) for n, v, _ in spec.params},
        "types": {n: t.show() for n, t in spec.types},
        "vars": {v.name: v.ty.show() for v in spec.vars},
        "actions": {a.name: {f.name: f.ty.show() for f in a.formals} for a in spec.actions},
        "invariants": [i.name for i in spec.invariants],
        "reachable": [r.name for r in spec.reachables],
        **({"constraints": [c.name for c in spec.constraints]} if spec.constraints else {}),
        "defs": [sig for _, sig in spec.defs],
        "temporal": {t.name: t.kind.value for t in spec.temporals},
        "fairness": [{"action": spec.actions[f.action].name, "strength": "strong" if f.strong else "weak",
                      "conditional": f.unless is not None} for f in spec.fairness],
    }


def _jsonable(v: Any) -> Any:
    if isinstance(v, frozenset):
        return sorted(_jsonable(x) for x in v)
    if isinstance(v, tuple):
        return [_jsonable(x) for x in v]
    return v


__all__ = ["load", "loads", "check", "check_temporal", "bmc_temporal", "simulate", "bmc", "prove", "synth", "expression", "instance", "successors", "successors_of", "explain", "trace_solver", "describe", "compile_spec", "format_value"]
