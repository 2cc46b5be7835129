"""The native search (`pyspec check --backend c`): the BFS of `explore._bfs`, run in the C module
of the spec, with the same counts, verdicts and shortest counterexamples.

Python enumerates and checks the initial states (the reference semantics), hands them to C
packed, and runs the C search a slice at a time (`_SLICE` expansions), so that the time and
memory limits, the progress display and Ctrl-C act between slices. Every trace it reports is
rebuilt from the C search's parent and action indices and replayed through the reference engine
(`NativeStore.path`): each step must be a successor the closures give, or it is an internal
error. An evaluation error in C stops the search at the state where it happened; the reference
engine then evaluates that state and raises the error itself (message, span and trace).
"""

from __future__ import annotations

import ctypes
from typing import Any

from pyspec.errors import SpecEvalError, UsageError
from pyspec.explicit.compiled import CompiledSpec
from pyspec.explicit.native.build import Module, build
from pyspec.explicit.native.reps import NotInFragment
from pyspec.explicit.results import check_initial, failing_instance, outcome, reached, search_stats, store_trace
from pyspec.explicit.store import Store
from pyspec.limits import Budget, LimitReached, resident_mb
from pyspec.reference import no_initial_state
from pyspec.result import Result, Verdict

_SLICE = 1 << 15  # expansions per call into C
_INDEX_LIMIT = (1 << 32) - 2  # parents are 32-bit in C
RUNNING, DONE, VIOLATED, DEADLOCK, FULL, FAIL_STEP, FAIL_INV, FAIL_REACH, NOMEM = range(9)


class NativeDisagrees(AssertionError):
    """The C search and the reference engine disagree: a bug of the native back end (exit 70)."""


def native_module(compiled: CompiledSpec, names: tuple[str, ...], rnames: tuple[str, ...]) -> Module:
    """The spec's built module; UsageError PS651 when the spec is outside the native fragment."""
    try:
        return build(compiled.spec, names, rnames)
    except NotInFragment as e:
        where = ""
        if e.span is not None:
            where = f" ({e.span.file}:{e.span.line}:{e.span.col})" if e.span.file else f" (line {e.span.line})"
        raise UsageError(f"--backend c: this spec is outside the native back end's fragment: {e.what}{where}",
                         hint="leave --backend c out (the Python engine checks every spec); docs/architecture.md "
                         "lists the fragment", code="PS651") from None


class NativeStore(Store):
    """The C search's states, read back for traces: packed keys decoded into Python states,
    each step replayed through the reference engine."""

    def __init__(self, compiled: CompiledSpec, mod: Module, ctx: int) -> None:
        super().__init__(None)
        self.compiled, self.mod, self.ctx, self.lib = compiled, mod, ctx, mod.lib
        self._buf = ctypes.create_string_buffer(max(mod.keybytes, 8))

    def __len__(self) -> int:
        return int(self.lib.ps_count(self.ctx))

    def state(self, index: int) -> tuple:
        self.lib.ps_key(self.ctx, index, self._buf)
        return self.mod.unpack(self._buf.raw[:self.mod.keybytes])

    def path(self, index: int) -> list[tuple[int, tuple]]:
        chain = []
        i = index
        while i != -1:
            chain.append(i)
            i = int(self.lib.ps_parent(self.ctx, i))
        chain.reverse()
        steps: list[tuple[int, tuple]] = []
        for i in chain:
            inst = int(self.lib.ps_via(self.ctx, i))
            s = self.state(i)
            if steps and s not in self.compiled.run_instance(steps[-1][1], inst):
                raise NativeDisagrees(f"the C search stepped to a state the reference engine does not give "
                                      f"(state {i:,} by instance {inst})")
            steps.append((inst, s))
        return steps


def explore_native(compiled: CompiledSpec, opts, names: tuple[str, ...], t0: float, c0: float, budget: Budget,
                   track: list) -> Result:
    """`explore._bfs` on the native module (see the module docstring)."""
    spec = compiled.spec
    rnames = opts.reachables if opts.reachables is not None else spec.default_reachables()
    mod = native_module(compiled, names, tuple(rnames))
    lib = mod.lib
    capacity = min(opts.max_states, _INDEX_LIMIT) if opts.max_states is not None else _INDEX_LIMIT
    ctx = lib.ps_new(capacity)
    if not ctx:
        raise MemoryError("the native search could not allocate its tables")
    try:
        return _search(compiled, opts, names, tuple(rnames), mod, ctx, t0, c0, budget, track)
    finally:
        lib.ps_free(ctx)


def _search(compiled, opts, names, rnames, mod: Module, ctx: int, t0, c0, budget: Budget, track: list) -> Result:
    spec = compiled.spec
    lib = mod.lib
    store = NativeStore(compiled, mod, ctx)
    track[0] = store
    failing = compiled.invariant_fn(names)
    first: dict[str, tuple[int, int]] = {}
    reach_fn = compiled.reachable_fn(rnames) if rnames else None
    fired = bytearray(len(compiled.instances))

    def stats(depth: int) -> dict:
        buf = ctypes.create_string_buffer(max(len(fired), 1))
        lib.ps_fired(ctx, buf)
        fired[:] = buf.raw[:len(fired)]
        out = search_stats(compiled, len(store), depth, t0, c0, int(lib.ps_transitions(ctx)), fired)
        out["native_compile_seconds"] = round(mod.compile_seconds, 3)  # 0 when the module was cached
        return out

    def finish(verdict: Verdict, depth: int, index: int | None = None, prop: str | None = None, reason=None):
        for k, n in enumerate(rnames):
            at = int(lib.ps_reach_index(ctx, k))
            if n not in first and at >= 0:
                first[n] = (at, int(lib.ps_reach_depth(ctx, k)))
        return outcome(compiled, names, rnames, first, lambda i: store_trace(compiled, store, i), True,
                       verdict, stats(depth), index, prop, reason)

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
            index = int(lib.ps_add_initial(ctx, mod.pack(s)))
            if index == -1:
                continue
            if index < -1:
                raise MemoryError("the native search's store is full or out of memory in init")
            bad = check_initial(failing, s, compiled, "the initial state")
            if reach_fn is not None:
                reach_fn = reached(compiled, reach_fn, rnames, first, s, index, 0, None)
            if bad is not None:
                return finish(Verdict.VIOLATED, 0, index, bad)
        for k, n in enumerate(rnames):
            if n in first:
                lib.ps_reached(ctx, k)
        phase = track[3] = ""
        poll = None if budget.armed else budget.poll
        deadlock = 1 if opts.deadlock else 0
        while True:
            status = int(lib.ps_run(ctx, _SLICE, deadlock))
            depth = int(lib.ps_depth(ctx))
            track[1], track[2] = int(lib.ps_head(ctx)), depth
            if status == RUNNING:
                if poll is not None:
                    poll()
                continue
            if status == DONE:
                return finish(Verdict.HOLDS, depth)
            index = int(lib.ps_index(ctx))
            if status == VIOLATED:
                return finish(Verdict.VIOLATED, depth + 1, index, names[int(lib.ps_prop(ctx))])
            if status == DEADLOCK:
                return finish(Verdict.DEADLOCK, depth, index, "deadlock")
            if status == FULL:
                n = len(store)
                head = int(lib.ps_head(ctx))
                return finish(Verdict.INCOMPLETE, depth,
                              reason=f"explored {n:,} states (the limit) at depth {depth}, "
                              f"{n - head:,} not yet expanded; raise --max-states or lower the params")
            if status == NOMEM:
                raise LimitReached("the native search ran out of memory", "lower the params")
            _reference_error(compiled, store, status, index, failing, rnames)
    except LimitReached as stop:
        at = f"while {phase}" if phase else f"at depth {depth}"
        rss = resident_mb()
        mem = f", {rss:,.0f} MB resident" if rss is not None else ""
        return finish(Verdict.INCOMPLETE, depth, reason=f"stopped: {stop.reason} {at} ({len(store):,} states{mem}); "
                      f"{stop.hint}")


def _reference_error(compiled: CompiledSpec, store: NativeStore, status: int, index: int, failing, rnames) -> Any:
    """Raise the evaluation error the C search stopped at, as the reference engine raises it."""
    s = store.state(index)
    try:
        if status == FAIL_STEP:
            compiled.step_fn()(s)
        elif status == FAIL_INV:
            failing(s)
        else:
            for n in rnames:
                compiled.reachable_fn((n,))(s)
    except SpecEvalError as e:
        what = {FAIL_STEP: f"in {failing_instance(compiled, s)}", FAIL_INV: "while checking invariants"}.get(
            status, "while checking reachable properties")
        raise e.with_step(what, store_trace(compiled, store, index)) from None
    raise NativeDisagrees(f"the C search failed to evaluate state {index:,} (status {status}), "
                          "which the reference engine evaluates")
