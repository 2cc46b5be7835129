"""The partitioned explicit search on a Dask cluster (`pyspec check --cluster ADDRESS`).

The same search as `workers.py` (states partitioned by `hash(code) % N`, level-synchronous, so
the same distinct-state count, verdict and counterexample length as one process), with each
partition a Dask actor on some worker of the cluster instead of a forked process:

- the coordinator (this process) enumerates and checks the initial states, then creates one
  `Partition` actor per worker of the cluster, sending it the checked spec (plain frozen
  dataclasses, pickled: a worker needs neither the spec file nor the mapping, only pyspec
  installed), which it compiles for itself (generated code does not travel);
- for each depth, every partition expands its states of that depth and returns the successors
  owned by the others, in chunks per owner; the coordinator hands each partition the chunks
  addressed to it (in partition order); each new state's invariants and reachable properties
  are checked by its owner;
- after the level, as in workers.py: a deadlock at depth d, then a violation at d+1, ends the
  search; no new state ends it with HOLDS; --max-states is checked after each level.

A state's global index is `ninit + i * N + w` for partition w's i-th state, as in workers.py,
so traces are rebuilt the same way (and, under symmetry, replayed: symmetry.real_path).

Everything a partition sends passes through the coordinator: simple, and enough for a cluster
of a few machines, but on many machines the coordinator's network link bounds the search (see
docs/performance.md for what a real multi-machine run needs).
"""

from __future__ import annotations

from typing import Any

from pyspec.errors import SpecEvalError, UsageError
from pyspec.explicit.compiled import CompiledSpec
from pyspec.explicit.packing import Layout, layout
from pyspec.explicit.results import outcome, search_stats
from pyspec.explicit.symmetry import Canon, CanonicalLayout, real_path
from pyspec.explicit.workers import PartitionJudge, _reraise, initial_codes
from pyspec.limits import Budget, LimitReached
from pyspec.result import Result, Step, Trace, Verdict


class Partition(PartitionJudge):
    """One partition of the search, living on a cluster worker as a Dask actor."""

    def __init__(self, spec: Any, names: tuple[str, ...], rnames: tuple[str, ...], symmetry: bool, me: int, n: int,
                 init_codes: list[int], deadlock: bool) -> None:
        self.compiled = CompiledSpec(spec)
        self.failing = self.compiled.invariant_fn(names)
        self.successors = self.compiled.step_fn()
        self.lay = _layout(self.compiled, symmetry)
        self.me, self.n, self.ninit, self.deadlock = me, n, len(init_codes), deadlock
        self.rnames = rnames
        self.reach_fn = self.compiled.reachable_fn(rnames) if rnames else None
        self.seen: set[int] = set(init_codes)
        self.codes: list[int] = []
        self.parent: list[int] = []
        self.via: list[int] = []
        self.start = 0
        self.frontier = [(k, g) for g, k in enumerate(init_codes) if hash(k) % n == me]

    def gid(self, local: int) -> int:
        return self.ninit + local * self.n + self.me

    def get(self, local: int) -> tuple[int, int, int]:
        return self.codes[local], self.parent[local], self.via[local]

    def expand(self, depth: int) -> dict:
        """Expand this level's states; the successors owned by others, per owner."""
        report: dict = {"out": [([], [], []) for _ in range(self.n)], "transitions": 0, "fired": set(),
                        "deadlock": None, "violation": None, "error": None, "reached": [], "new": 0}
        todo: Any = self.frontier if depth == 0 else [(self.codes[i], self.gid(i)) for i in range(self.start, len(self.codes))]
        self.start = len(self.codes)
        lay, successors, me, n = self.lay, self.successors, self.me, self.n
        for k, g in todo:
            s = lay.unpack(k)
            pack = lay.packer(s, k)
            try:
                succ = successors(s)
            except SpecEvalError:
                report["error"] = ("successors", g)
                return report
            report["transitions"] += len(succ)
            if self.deadlock and not succ and self.compiled.expands(s):
                report["deadlock"] = g
                return report
            for inst, t in succ:
                report["fired"].add(inst)
                c = pack(t)
                o = hash(c) % n
                if o != me:
                    codes, parents, insts = report["out"][o]
                    codes.append(c)
                    parents.append(g)
                    insts.append(inst)
                elif self._add(c, g, inst, t, report):
                    return report
        return report

    def receive(self, batches: list[tuple[list[int], list[int], list[int]]]) -> dict:
        """Add the states the other partitions found for this one (in partition order)."""
        report: dict = {"violation": None, "error": None, "reached": [], "new": 0}
        for codes, parents, insts in batches:
            for c, g, inst in zip(codes, parents, insts):
                if c not in self.seen and self._add(c, g, inst, None, report):
                    return report
        return report

    def count(self) -> int:
        return len(self.codes)

    def _add(self, c: int, parent: int, inst: int, t: tuple | None, report: dict) -> bool:
        """Store a state if new and check it; True when the level must stop."""
        if c in self.seen:
            return False
        self.seen.add(c)
        self.codes.append(c)
        self.parent.append(parent)
        self.via.append(inst)
        report["new"] += 1
        return self.judge(t if t is not None else self.lay.unpack(c), self.gid(len(self.codes) - 1), report)


def _layout(compiled: CompiledSpec, symmetry: bool) -> Layout:
    lay = layout(tuple(v.ty for v in compiled.spec.vars))
    sym = compiled.spec.symmetry if symmetry else None
    return CanonicalLayout(lay, Canon(sym, lay.types, lay)) if sym is not None else lay


def cluster_client(address: str, timeout: float = 10) -> Any:
    """A dask.distributed Client for the scheduler at `address` (UsageError PS644 without the
    extra installed, PS645 when no scheduler answers)."""
    try:
        from distributed import Client
    except ImportError:
        raise UsageError(f"--cluster {address} needs Dask's distributed scheduler, which is not installed",
                         hint="pip install 'pyspec[cluster]' (or dask[distributed]), or use --workers N on this "
                              "machine", code="PS644") from None
    try:
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError) as e:
        raise UsageError(f"--cluster {address}: no Dask scheduler answers there ({e})",
                         hint="start one (dask scheduler; dask worker ADDRESS on each machine) or check the address",
                         code="PS645") from None


def explore_cluster(compiled: CompiledSpec, opts: Any, names: tuple[str, ...], failing, t0: float, c0: float,
                    budget: Budget, track: list) -> Result:
    """The search of `explore.explore` on the Dask cluster at `opts.cluster` (see the module docstring)."""
    spec = compiled.spec
    try:
        lay = _layout(compiled, opts.symmetry)
    except Exception as e:  # packing.Unpackable
        raise UsageError(f"--cluster needs states packed into ints, and this spec's variables have none: {e}",
                         hint="leave out --cluster", code="PS602") from None
    canon = lay.canon if isinstance(lay, CanonicalLayout) else None
    rnames = opts.reachables if opts.reachables is not None else spec.default_reachables()
    first: dict[str, tuple[int, int]] = {}
    transitions = 0
    fired = bytearray(len(compiled.instances))
    depth = 0
    states: dict[int, tuple[int, int, int]] = {}
    parts: list[Any] = []
    total = [0]

    class _Count:
        def __len__(self) -> int:
            return total[0]

    track[0] = _Count()

    def fetch(g: int) -> tuple[int, int, int]:
        if g not in states:
            if g < ninit:
                states[g] = (init_codes[g], -1, -1)
            else:
                states[g] = tuple(parts[(g - ninit) % n].get((g - ninit) // n).result())
        return states[g]

    def trace_of(g: int) -> Trace:
        links = []
        while g != -1:
            code, parent, inst = fetch(g)
            links.append((inst, code, g))
            g = parent
        links.reverse()
        if canon is not None:
            chain = real_path(init_states[links[0][2]], [(i, c) for i, c, _ in links[1:]], lay.pack,
                              compiled.run_instance, len(compiled.instances))
        else:
            chain = [(inst, lay.unpack(code)) for inst, code, _ in links]
        steps = [Step(None, (), s) if inst < 0 else Step(*compiled.describe_instance(inst), s) for inst, s in chain]
        return Trace(spec.vars, tuple(steps))

    def finish(verdict: Verdict, index: int | None = None, prop: str | None = None, reason=None) -> Result:
        stats = search_stats(compiled, total[0], depth, t0, c0, transitions, fired)
        stats["cluster_workers"] = n
        if canon is not None:
            stats["symmetry"] = list(spec.symmetry.names())
            stats["symmetry_permutations"] = canon.group_order
        return outcome(compiled, names, rnames, first, trace_of, True, verdict, stats, index, prop, reason)

    init_codes: list[int] = []
    init_states: list[tuple] = []
    n = 1
    ninit = 0

    def counted() -> None:
        total[0] = len(init_codes)

    bad = initial_codes(compiled, opts.max_states, lay, failing, rnames, first, init_codes, init_states, counted)
    ninit = len(init_codes)
    if bad is not None:
        return finish(Verdict.VIOLATED, ninit - 1, bad)
    track[3] = ""
    limit = opts.max_states if opts.max_states is not None else 1 << 62
    client = cluster_client(opts.cluster)
    try:
        workers = sorted(client.scheduler_info()["workers"])
        n = max(1, len(workers))
        pending = tuple(x for x in rnames if x not in first)
        futures = [client.submit(Partition, spec, names, pending, opts.symmetry, w, n, init_codes, opts.deadlock,
                                 actor=True, workers=[workers[w]] if workers else None, pure=False)
                   for w in range(n)]
        parts = [f.result() for f in futures]
        new = ninit
        while new:
            track[2] = depth
            budget.poll()
            reports = [f.result() for f in [p.expand(depth) for p in parts]]
            inbox = [[r["out"][o] for w, r in enumerate(reports) if w != o] for o in range(n)]
            received = [f.result() for f in [parts[o].receive(inbox[o]) for o in range(n)]]
            new = 0
            deadlocked = violated = erred = None
            for r, q in zip(reports, received):
                transitions += r["transitions"]
                for i in r["fired"]:
                    fired[i] = 1
                new += r["new"] + q["new"]
                for name, g in (*r["reached"], *q["reached"]):
                    if name not in first:
                        first[name] = (g, depth + 1)
                if deadlocked is None:
                    deadlocked = r["deadlock"]
                if violated is None:
                    violated = r["violation"] or q["violation"]
                if erred is None:
                    erred = r["error"] or q["error"]
            total[0] += new
            track[1] = total[0] - new
            if erred is not None:
                _reraise(compiled, failing, rnames, erred, trace_of, fetch, lay)
            if deadlocked is not None:
                return finish(Verdict.DEADLOCK, deadlocked, "deadlock")
            if violated is not None:
                depth += 1
                return finish(Verdict.VIOLATED, violated[0], violated[1])
            if total[0] > limit:
                depth += 1
                return finish(Verdict.INCOMPLETE, reason=f"explored more than {limit:,} states (the limit) at depth "
                              f"{depth}; raise --max-states or lower the params")
            if new:
                depth += 1
        return finish(Verdict.HOLDS)  # (traces are fetched by `finish`, while the actors live)
    except LimitReached as stop:
        return finish(Verdict.INCOMPLETE, reason=f"stopped: {stop.reason} at depth {depth} ({total[0]:,} states); "
                      f"{stop.hint}")
    finally:
        client.close()
