"""Bounded exists-forall synthesis: is there a table for a spec's `unknown` functions such that
no run of at most K steps breaks the properties? Answered by a counterexample-guided loop.

The checker turns `unknown f: T` into a variable that init chooses entry by entry and that no
action assigns. Here that choice is taken out of init (it would fork one path per table), and
the table is left free in state 0, which every step copies unchanged. Then:

- the *verifier* is BMC with the candidate table fixed (one incremental solver, the candidate
  and each depth given as assumptions); a violating run is decoded as the initial choice and,
  per step, the action instance and the path through its body (which fixes every `x in S`
  choice the adversary made), and replayed through the explicit engine;
- the *synthesiser* keeps one fresh unrolling per run found, with those adversary choices fixed
  and the table shared: "if the run is still enabled under this table, every state of it keeps
  the properties". Each run is tracked by a literal, so when no table is left the unsat core
  names runs that together rule out every table; it is minimised by deletion.

A witness table is re-checked by a depth-bounded BFS of the explicit engine with the table
fixed. A property that no table and no run can break within K (its premise unreachable) makes
the answer vacuous, reported as INCOMPLETE rather than as a working algorithm. Evaluation
errors are not searched for here (`pyspec check --engine bmc` does that for a fixed table).
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import z3

from pyspec.errors import UsageError
from pyspec.lang import typed as T
from pyspec.lang.typed import CheckedSpec
from pyspec.progress import watch
from pyspec.reference import CompileReference, Reference, no_initial_state
from pyspec.result import Result, SynthResult, Verdict
from pyspec.symbolic.bmc import encode
from pyspec.symbolic.boolean import and_, and_all, implies_, not_, or_all, zb
from pyspec.symbolic.decode import decode, lift as _lift
from pyspec.symbolic.encode import Encoding
from pyspec.symbolic.replay import EncodingMismatch, Oracle
from pyspec.symbolic.solver import frame, new_solver
from pyspec.symbolic.values import eq, eq_const, eq_leaves


def synth(
    spec: CheckedSpec,
    depth: int,
    invariants: tuple[str, ...] | None = None,
    timeout: float | None = None,
    *,
    compile_reference: CompileReference,
) -> SynthResult:
    """Search a table of the unknown functions keeping `invariants` (default: the spec's own)
    on every run of at most `depth` steps. `compile_reference` builds the reference semantics
    of the spec with a table fixed (pyspec.api passes the explicit engine's `compile_spec`),
    through which every run and the witness table are re-checked. Raises UsageError when the
    spec has no unknown, EncodingMismatch (internal) when a re-check disagrees."""
    t0 = time.perf_counter()
    names = tuple(invariants) if invariants is not None else spec.default_invariants()
    unknowns = tuple(i for i, v in enumerate(spec.vars) if v.unknown)
    if not unknowns:
        raise UsageError(
            f"spec {spec.name} declares no unknown function; nothing to synthesise",
            hint="declare one with `unknown f: map[K, V]`",
            code="PS606",
        )
    base = _without_table_choice(spec, unknowns)
    with watch(lambda: (None, "encoding the spec for Z3")):
        enc = encode(base)
        q = _Query(enc, unknowns, names, depth, timeout)
    stats: dict[str, Any] = {"depth": depth, "encode_seconds": round(time.perf_counter() - t0, 3)}

    def done(verdict: Verdict, **kw) -> Result:
        stats["seconds"] = round(time.perf_counter() - t0, 3)
        return Result(verdict, spec.name, "synth", properties=names, stats=stats, **kw)

    try:
        if not q.some_initial_state():
            if compile_reference(spec).initial_states():  # the table's placeholder blocks init
                raise UsageError(
                    f"the Z3 engines cannot encode this spec: init reads {_unknown_names(spec, unknowns)}, "
                    "whose table synthesis leaves free, so no initial state is found",
                    spec.init.span,
                    hint="move the requirement on the table into the actions or the invariants",
                    code="PS607",
                )
            raise no_initial_state(spec)
        with watch(q.probe):
            vacuous = q.vacuous()
            table, runs = q.cegis(stats)
    except _Undecided as u:
        return SynthResult(done(Verdict.UNKNOWN, reason=str(u)), stats=stats)
    oracle = None
    if table is None:  # runs: (init path, steps, violated name, candidate table)
        traces = []
        for states, insts, bad, cand, *_ in runs:
            oracle = Oracle(compile_reference(_with_table(base, unknowns, cand)), enc.instances)
            trace = oracle.trace(states, insts)
            if oracle.first_failing(trace.steps[-1].state, (bad,)) is None:
                raise EncodingMismatch(f"the run ruling out a table does not break {bad} in the explicit engine")
            traces.append((trace, bad))
        stats["core_runs"] = len(traces)
        shown = ", ".join(sorted({b for _, b in traces}))
        return SynthResult(
            done(
                Verdict.VIOLATED,
                violated=traces[0][1] if traces else None,
                reason=f"no table of {_unknown_names(spec, unknowns)} keeps {', '.join(names)} on every run "
                f"of at most {depth} steps; the {len(traces)} run(s) below rule out every table ({shown})",
            ),
            runs=tuple(traces),
            vacuous=vacuous,
            stats=stats,
        )
    fixed = _with_table(base, unknowns, table)
    visited, bad = _bounded_bfs(compile_reference(fixed), names, depth)
    if bad is not None:
        raise EncodingMismatch(f"the explicit engine finds {bad} broken with the synthesised table")
    rows = tuple((spec.vars[i].name, spec.vars[i].ty, v) for i, v in zip(unknowns, table))
    if vacuous:
        return SynthResult(
            done(
                Verdict.INCOMPLETE,
                reason=f"vacuous at depth {depth}: no run of at most {depth} steps can break "
                f"{', '.join(vacuous)} whatever the table (its premise is unreachable); raise --depth",
            ),
            table=rows,
            vacuous=vacuous,
            recheck_states=visited,
            stats=stats,
        )
    return SynthResult(
        done(Verdict.HOLDS, reason=f"a table keeps {', '.join(names)} on every run of at most {depth} steps"),
        table=rows,
        recheck_states=visited,
        stats=stats,
    )


class _Undecided(Exception):
    pass


def _unknown_names(spec: CheckedSpec, unknowns: tuple[int, ...]) -> str:
    return ", ".join(spec.vars[i].name for i in unknowns)


def _is_table_choice(spec: CheckedSpec, unknowns: tuple[int, ...], s: T.Stmt) -> bool:
    """The checker's entry-by-entry choice of an unknown's table (see lang.desugar.Desugar._choose_unknowns)."""
    labels = tuple(spec.vars[i].name for i in unknowns)
    if isinstance(s, T.Choose) and s.slot is not None:
        return any(s.name == n or s.name.startswith(n + "[") for n in labels)
    if isinstance(s, T.Assign) and s.var in unknowns and isinstance(s.value, T.Local):
        return _is_table_choice(spec, unknowns, T.Choose(0, None, s.value.name, s.value, None))
    return False


def _without_table_choice(spec: CheckedSpec, unknowns: tuple[int, ...]) -> CheckedSpec:
    body = tuple(s for s in spec.init.body if not _is_table_choice(spec, unknowns, s))
    return replace(spec, init=replace(spec.init, body=body))


def _with_table(base: CheckedSpec, unknowns: tuple[int, ...], table: tuple) -> CheckedSpec:
    """`base` with each unknown's initial value (the checker's first whole assignment) set to the table."""
    values = dict(zip(unknowns, table))
    body = []
    for s in base.init.body:
        if isinstance(s, T.Assign) and s.var in values and not s.path:
            s = replace(s, value=T.Const(values[s.var], s.value.ty))
        body.append(s)
    return replace(base, init=replace(base.init, body=tuple(body)))


def _bounded_bfs(c: Reference, names: tuple[str, ...], depth: int) -> tuple[int, str | None]:
    """The reference semantics, breadth-first to `depth` steps: (states visited, first broken name)."""
    check = c.invariant_fn(names)
    frontier = list(dict.fromkeys(c.initial_states()))
    seen = set(frontier)
    for k in range(depth + 1):
        for s in frontier:
            bad = check(s)
            if bad is not None:
                return len(seen), bad
        if k == depth:
            break
        nxt = []
        for s in frontier:
            for inst in range(len(c.instances)):
                for t in c.run_instance(s, inst):
                    if t not in seen:
                        seen.add(t)
                        nxt.append(t)
        frontier = nxt
    return len(seen), None


class _Query:
    """One synthesis query over an encoding: per-path transitions, the verifier, the synthesiser."""

    def __init__(self, enc: Encoding, unknowns: tuple[int, ...], names: tuple[str, ...], depth: int, timeout) -> None:
        self.enc, self.unknowns, self.names, self.depth = enc, unknowns, names, depth
        self.timeout = timeout
        self.at = [0, 0, 0]  # candidate round, runs found, depth being verified: for the progress reporter
        ctx = enc.ctx
        s0, s1 = enc.state(0), enc.state(1)
        nvars = len(s0.vals)
        # init paths: every variable but the table takes the path's value
        self.init_paths = []
        paths, _ = enc.run(enc.spec.init.body, None, {})
        for p in paths:
            eqs = [eq(ctx, s0.vals[i], p.nxt[i]) for i in range(nvars) if i not in unknowns]
            self.init_paths.append((p.guard, and_all(eqs)))
        # step paths: (instance, guard, next-state equalities), in instance order
        self.steps: list[tuple[int, Any, Any]] = []
        for inst, (ai, args) in enumerate(enc.instances):
            a = enc.spec.actions[ai]
            bound = {f.slot: (_lift(ctx, f.ty, v), v) for f, v in zip(a.formals, args)}
            paths, _ = enc.run(a.body, s0.vals, bound)
            for p in paths:
                eqs = []
                for i in range(nvars):
                    v = p.nxt[i] if i in a.assigned else None
                    eq_leaves(ctx, s1.vals[i], v if v is not None else s0.vals[i], eqs)
                self.steps.append((inst, and_(enc.constraint.formula, p.guard), and_all(eqs)))  # constrained states only
        self.inv_ok = {n: enc.invariants[n].formula for n in names}
        self.init_any = or_all(and_(g, e) for g, e in self.init_paths)
        self.next_any = or_all(and_(g, e) for _, g, e in self.steps)
        self.bad = or_all(not_(f) for f in self.inv_ok.values())

    def _solver(self) -> z3.Solver:
        return new_solver(self.timeout)

    def probe(self) -> tuple[None, str]:
        """What the search is doing, for the progress reporter (pyspec.progress)."""
        rounds, runs, k = self.at
        if not rounds:
            return None, "looking for properties no run can break"
        return None, f"candidate table {rounds}, {runs} run(s) found, verifying depth {k} of {self.depth}"

    def _check(self, s: z3.Solver, what: str, *assumptions) -> bool:
        r = s.check(*assumptions)
        if r == z3.unknown:
            raise _Undecided(f"Z3 could not decide {what} ({s.reason_unknown() or 'unknown'})")
        return r == z3.sat

    def _table(self, k: int) -> list:
        st = self.enc.state(k)
        return [st.vals[i] for i in self.unknowns]

    # ---- vacuity ---------------------------------------------------------------------------------

    def some_initial_state(self) -> bool:
        """Whether some table admits an initial state (with none, every table is vacuous)."""
        s = self._solver()
        s.add(zb(self.init_any), zb(self.enc.type_ok(0)))
        return self._check(s, "whether there is an initial state")

    def vacuous(self) -> tuple[str, ...]:
        """The properties that no table and no run of at most `depth` steps can break."""
        enc = self.enc
        s = self._solver()
        s.add(zb(self.init_any), zb(enc.type_ok(0)))
        acts = []
        for k in range(self.depth):
            a = z3.Bool(f"reach@{k}")
            s.add(z3.Implies(a, zb(enc.at(self.next_any, k))))
            acts.append(a)
        out = []
        for n, f in self.inv_ok.items():
            breakable = False
            for k in range(self.depth + 1):
                with frame(s):
                    s.add(zb(not_(enc.at(f, k))))
                    if self._check(s, f"whether any table can break {n} at depth {k}", *acts[:k]):
                        breakable = True
                        break
            if not breakable:
                out.append(n)
        return tuple(out)

    # ---- the loop ----------------------------------------------------------------------------------

    def cegis(self, stats: dict) -> tuple[tuple | None, list]:
        enc, ctx = self.enc, self.enc.ctx
        verifier = self._solver()
        verifier.add(zb(self.init_any), zb(enc.type_ok(0)))
        acts = []
        for k in range(self.depth):
            a = z3.Bool(f"step@{k}")
            verifier.add(z3.Implies(a, zb(enc.at(self.next_any, k))))
            acts.append(a)
        synthesiser = self._solver()
        # state 0 of the synthesiser is an initial state under the candidate table: a table
        # that leaves no initial state would keep every property vacuously
        synthesiser.add(zb(enc.type_ok(0)), zb(self.init_any))
        runs: list = []
        lits: list = []
        t_syn = t_ver = 0.0
        rounds = 0
        while True:
            rounds += 1
            self.at[0] = rounds
            t = time.perf_counter()
            if not self._check(synthesiser, "a candidate table", *lits):
                t_syn += time.perf_counter() - t
                core = self._minimise(synthesiser, lits)
                stats.update(rounds=rounds, runs_found=len(runs), synth_seconds=round(t_syn, 3), verify_seconds=round(t_ver, 3))
                return None, [runs[lits.index(c)] for c in core]
            m = synthesiser.model()
            cand = tuple(decode(ctx, m, x) for x in self._table(0))
            t_syn += time.perf_counter() - t
            t = time.perf_counter()
            fix = z3.Bool(f"candidate{rounds}")
            verifier.add(z3.Implies(fix, zb(and_all(eq_const(ctx, x, v) for x, v in zip(self._table(0), cand)))))
            run = None
            for k in range(self.depth + 1):
                self.at[2] = k
                with frame(verifier):
                    verifier.add(zb(enc.at(self.bad, k)))
                    if self._check(verifier, f"the candidate table at depth {k}", fix, *acts[:k]):
                        run = self._decode_run(verifier.model(), k, cand)
                        break
            t_ver += time.perf_counter() - t
            if run is None:
                stats.update(rounds=rounds, runs_found=len(runs), synth_seconds=round(t_syn, 3), verify_seconds=round(t_ver, 3))
                return cand, []
            lit = z3.Bool(f"run{len(runs)}")
            synthesiser.add(z3.Implies(lit, zb(self._run_constraint(run, len(runs) + 1))))
            runs.append(run)
            lits.append(lit)
            self.at[1] = len(runs)

    def _decode_run(self, m: z3.ModelRef, k: int, cand: tuple) -> tuple:
        enc = self.enc
        states = [enc.decode(m, i) for i in range(k + 1)]
        init = next(j for j, (g, e) in enumerate(self.init_paths) if enc.holds(m, and_(g, e)))
        path = []
        for i in range(k):
            path.append(next(j for j, (_, g, e) in enumerate(self.steps) if enc.holds(m, enc.at(and_(g, e), i))))
        bad = next(n for n, f in self.inv_ok.items() if not enc.holds(m, enc.at(f, k)))
        insts = [self.steps[j][0] for j in path]
        return states, insts, bad, cand, init, path

    def _run_constraint(self, run: tuple, r: int) -> Any:
        """Under the shared table (state 0's), the run's adversary choices on a fresh copy of the
        states: while the run stays enabled, every state of it keeps the properties."""
        enc, ctx = self.enc, self.enc.ctx
        _states, _insts, _bad, _cand, init, path = run
        b = r * (self.depth + 2)
        g0, e0 = self.init_paths[init]
        parts = [eq(ctx, x, y) for x, y in zip(self._table(b), self._table(0))]
        # each state is defined only while the run is enabled: a disabled step constrains nothing
        enabled = [enc.at(g0, b)]
        parts.append(implies_(and_all(enabled), and_(enc.at(e0, b), and_all(enc.at(f, b) for f in self.inv_ok.values()))))
        for i, j in enumerate(path):
            _, g, e = self.steps[j]
            enabled.append(enc.at(g, b + i))
            ok = and_all(enc.at(f, b + i + 1) for f in self.inv_ok.values())
            parts.append(implies_(and_all(enabled), and_(enc.at(e, b + i), ok)))
        return and_all(parts)

    def _minimise(self, s: z3.Solver, core_lits: list) -> list:
        core = [c for c in core_lits if any(c.eq(x) for x in s.unsat_core())]
        i = 0
        while i < len(core):
            trial = core[:i] + core[i + 1 :]
            if not self._check(s, "a smaller set of runs", *trial):
                core = trial
            else:
                i += 1
        return core


__all__ = ["synth"]


# ---- baselines, for docs/synth-bench.md ---------------------------------------------------------


def expand_all_runs(spec: CheckedSpec, depth: int, limit: int = 5_000) -> tuple[bool | None, int, float]:
    """The universal quantifier expanded: every adversary run of exactly `depth` steps (initial
    choice, then per step an action instance and a path through it) as one constraint over the
    shared table, in one solver. Returns (a table exists, runs encoded, seconds); None when the
    runs exceed `limit`. Measured against the loop in docs/synth-bench.md."""
    import itertools

    t0 = time.perf_counter()
    unknowns = tuple(i for i, v in enumerate(spec.vars) if v.unknown)
    q = _Query(encode(_without_table_choice(spec, unknowns)), unknowns, spec.default_invariants(), depth, None)
    count = len(q.init_paths) * len(q.steps) ** depth
    if count > limit:
        return None, count, time.perf_counter() - t0
    s = new_solver(None)
    s.add(zb(q.enc.type_ok(0)))
    r = 0
    for init in range(len(q.init_paths)):
        for path in itertools.product(range(len(q.steps)), repeat=depth):
            r += 1
            s.add(zb(q._run_constraint((None, None, None, None, init, list(path)), r)))
    return s.check() == z3.sat, count, time.perf_counter() - t0


def _lazy_product(makers: list) -> Any:
    if not makers:
        yield ()
        return
    for v in makers[0]():
        for rest in _lazy_product(makers[1:]):
            yield (v, *rest)


def enumerate_tables(
    spec: CheckedSpec, depth: int, limit: int | None = None, *, compile_reference: CompileReference
) -> tuple[bool | None, int, float]:
    """The explicit baseline: every table of the unknowns in domain order, each checked by a
    depth-bounded BFS of `compile_reference` (the explicit engine's `pyspec.compile_spec`);
    stops at the first table that passes. Returns (a table exists or None
    when `limit` tables were tried without an answer, tables tried, seconds)."""
    import itertools

    from pyspec.lang.types import MapT, domain, domain_size

    t0 = time.perf_counter()
    unknowns = tuple(i for i, v in enumerate(spec.vars) if v.unknown)
    base = _without_table_choice(spec, unknowns)
    names = spec.default_invariants()
    tried = 0
    def values(ty):  # lazily, in domain order: a map's table space is too large to build
        if isinstance(ty, MapT):
            size = domain_size(ty.value)  # None when too large to count (a set of over 64 values)
            inner = list(values(ty.value)) if size is not None and size <= 1 << 20 else None
            keys = domain(ty.key)
            if inner is not None:
                return itertools.product(inner, repeat=len(keys))
            return _lazy_product([lambda: values(ty.value)] * len(keys))
        return iter(domain(ty))

    def tables(i: int):  # nested loops: itertools.product would build each factor in full first
        if i == len(unknowns):
            yield ()
            return
        for v in values(spec.vars[unknowns[i]].ty):
            for rest in tables(i + 1):
                yield (v, *rest)

    for table in tables(0):
        if limit is not None and tried >= limit:
            return None, tried, time.perf_counter() - t0
        tried += 1
        if _bounded_bfs(compile_reference(_with_table(base, unknowns, table)), names, depth)[1] is None:
            return True, tried, time.perf_counter() - t0
    return False, tried, time.perf_counter() - t0
