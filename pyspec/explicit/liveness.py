"""Temporal properties under fairness on the explicit state graph: search for a fair cycle
that violates the property, and report it as a lasso (a shortest prefix, then a loop).

Semantics. A behaviour is an infinite path of the state graph (`graph.py`): a state with no
enabled action instance repeats for ever (a stutter edge to itself); no other state stutters.
Fairness is per action instance: weak (`fair weak A`): an instance that is, from some point on,
enabled in every state (and its `unless` condition false) is taken infinitely often; strong
(`fair strong A`): one enabled (and `unless` false) infinitely often is taken infinitely often.

Each property shape is violated by a fair behaviour of a fixed form, found in a product of the
graph with a one-bit monitor (`_Shape`): the bit turns on where the violation begins (a state
with not P for `always P`; a state with P and not Q for `P leadsto Q`: the obligation is then
pending), and while it is on the path must stay in a region (not P for `eventually P` and
`always eventually P`, not Q for `leadsto`). A violation is a fair cycle among the states
reachable with the bit on (containing a not-P state for `eventually always P`).

The fair-cycle search is SCC-based (an iterative Tarjan). A strongly connected set C has a fair
cycle through all of it unless: some weak obligation is enabled in every state of C and its
instance labels no edge inside C (no subset of C can help: drop C); or some strong obligation is
enabled in a state of C and never taken inside C (then no fair cycle may pass those states:
remove them and split the rest into SCCs again, Emerson-Lei style). Memory is proportional to
the graph; fairness is never expanded into a formula.
"""

from __future__ import annotations

import gc
import time
from array import array
from collections import deque
from dataclasses import dataclass
from typing import Callable, Sequence

from pyspec.errors import SpecEvalError
from pyspec.explicit.compiled import CompiledSpec
from pyspec.explicit.fairness import Fairness
from pyspec.explicit.graph import NO_PARENT, STUTTER, Graph, build_graph, graph_store, step_of
from pyspec.explicit.lasso import explain, fair_cycle, why_fair
from pyspec.lang import typed as T
from pyspec.limits import Budget, LimitReached, resident_mb
from pyspec.progress import watch
from pyspec.result import Result, Trace, Verdict


@dataclass(frozen=True, slots=True)
class LivenessOptions:
    temporals: tuple[str, ...] | None = None  # None: the spec's own temporal properties
    max_states: int | None = None
    time_limit: float | None = None
    max_memory: float | None = None
    started: float | None = None
    packed: bool = True  # states packed into ints where the spec's types allow (False: tuples)


@dataclass(frozen=True, slots=True)
class _Shape:
    """The one-bit monitor of a property shape (see the module docstring)."""

    start: Callable[[int], bool]  # may the bit turn on in this state
    region: Callable[[int], bool]  # may a state be visited with the bit on
    before: bool  # may the path move with the bit off (False: on from the initial state)
    must: Callable[[int], bool] | None  # the loop must visit such a state


def _shape(kind: T.TemporalKind, p: bytearray, q: bytearray | None) -> _Shape:
    K = T.TemporalKind
    yes: Callable[[int], bool] = lambda v: True  # noqa: E731
    notp: Callable[[int], bool] = lambda v: not p[v]  # noqa: E731
    if kind is K.ALWAYS:
        return _Shape(notp, yes, True, None)
    if kind is K.EVENTUALLY:
        return _Shape(notp, notp, False, None)
    if kind is K.ALWAYS_EVENTUALLY:
        return _Shape(notp, notp, True, None)
    if kind is K.EVENTUALLY_ALWAYS:  # the bit is on from the start: any fair loop through a not-P state
        return _Shape(yes, yes, False, notp)
    assert q is not None
    return _Shape(lambda v: bool(p[v]) and not q[v], lambda v: not q[v], True, None)


def check_temporal(compiled: CompiledSpec, opts: LivenessOptions = LivenessOptions()) -> Result:
    """Check the temporal properties `opts.temporals` on every fair behaviour: HOLDS, VIOLATED
    with a lasso (the first property violated, in the order given), or INCOMPLETE when a limit
    stops the graph's construction or the search."""
    spec = compiled.spec
    names = opts.temporals if opts.temporals is not None else spec.default_temporals()
    t0 = time.perf_counter()
    c0 = time.process_time()
    g = Graph(graph_store(compiled, opts.max_states, opts.packed))
    track: list = [(), 0, 0, "enumerating the initial states"]
    phase = ["building the state graph"]

    def probe() -> tuple[int, str]:
        n = len(track[0])
        if phase[0] != "building the state graph":
            return n, f"{n:,} states, {phase[0]}"
        return n, f"{n:,} states, depth {track[2]}, queue {n - track[1]:,} (building the state graph)"

    def stats() -> dict:
        wall = time.perf_counter() - t0
        return {"states": len(g), "depth": g.depth, "seconds": round(wall, 3),
                "cpu_seconds": round(time.process_time() - c0, 3),
                "states_per_second": int(len(g) / wall) if wall > 0 else None,
                "transitions": len(g.to), "temporal": True}

    def result(verdict: Verdict, **kw) -> Result:
        return Result(verdict, spec.name, "explicit", properties=names, stats={**stats(), **kw.pop("extra", {})}, **kw)

    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of tuples and arrays and no cycles: the cyclic collector only costs time
    try:
        with watch(probe), Budget(opts.time_limit, opts.max_memory, opts.started) as budget:
            stopped = build_graph(compiled, g, opts.max_states, budget, track)
            if stopped is not None:
                return result(Verdict.INCOMPLETE, reason=stopped)
            fair = Fairness(compiled, g)
            phase[0] = "evaluating the fairness conditions"
            for v in range(len(g) if fair.obs else 0):  # every state, so that an error is never missed
                fair.enabled(v)
            for name in names:
                phase[0] = f"searching for a fair cycle violating {name}"
                budget.poll()  # a check between phases too (the timer may not have ticked yet)
                found = _check_one(compiled, g, fair, spec.temporal(name))
                if found is not None:
                    trace, says, lines = found
                    return result(Verdict.VIOLATED, violated=name, trace=trace,
                                  extra={"lasso": says, "fairness": lines})
            return result(Verdict.HOLDS)
    except LimitReached as stop:
        rss = resident_mb()
        mem = f", {rss:,.0f} MB resident" if rss is not None else ""
        return result(Verdict.INCOMPLETE,
                      reason=f"stopped: {stop.reason} while {phase[0]} ({len(g):,} states{mem}); {stop.hint}")
    finally:
        if gc_was_enabled:
            gc.enable()


def _predicate(compiled: CompiledSpec, g: Graph, expr: T.Expr, nlocals: int, name: str) -> bytearray:
    fn = compiled.predicate_fn(expr, nlocals)
    out = bytearray(len(g))
    state = g.state
    for i in range(len(g)):
        s = state(i)
        try:
            out[i] = 1 if fn(s, ()) else 0
        except SpecEvalError as e:
            raise e.with_step(f"while checking temporal property {name}", g.trace(compiled, i)) from None
    return out


def _check_one(compiled: CompiledSpec, g: Graph, fair: Fairness, t: T.Temporal | None):
    assert t is not None, "the names were checked against the spec"
    p = _predicate(compiled, g, t.p, t.nlocals, t.name)
    q = _predicate(compiled, g, t.q, t.nlocals, t.name) if t.q is not None else None
    kind = t.kind
    scc, shape, on, parent, via = _search(g, fair, _shape(kind, p, q))
    if scc is None:
        return None
    if kind is T.TemporalKind.EVENTUALLY_ALWAYS:  # violated: a loop where P is false throughout reads best
        better = _search(g, fair, _shape(T.TemporalKind.ALWAYS_EVENTUALLY, p, q))
        if better[0] is not None:
            kind = T.TemporalKind.ALWAYS_EVENTUALLY
            scc, shape, on, parent, via = better
    entry = min(scc, key=lambda v: on[v])  # the first reached in the product's BFS
    prefix, on_at = _prefix(parent, via, entry)
    cycle = fair_cycle(g, fair, scc, entry, shape.must)
    loop = len(prefix) - 1
    path = [v for v, _ in prefix] + [v for v, _ in cycle]
    insts = [i for _, i in prefix] + [i for _, i in cycle]
    steps = tuple(step_of(compiled, g, v, i) for v, i in zip(path, insts))
    trace = Trace(compiled.spec.vars, steps, loop=loop)
    return trace, explain(t, kind, on_at, loop, len(path) - 1), why_fair(compiled, g, fair, path[loop:], insts[loop + 1:], loop)


def _search(g: Graph, fair: Fairness, shape: _Shape):
    on, parent, via = _product(g, shape)
    nodes = array("i", (v for v in range(len(g)) if on[v]))  # 4 bytes a state, not an int object each
    return _fair_scc(g, fair, nodes, shape.must), shape, on, parent, via


def _product(g: Graph, shape: _Shape) -> tuple[array, array, array]:
    """BFS over (state, bit). Returns, per state, the BFS order (1-based) in which (state, 1)
    was reached (0: never), and the product's parent links: node = 2 * state + bit."""
    n = len(g)
    order = array("q", bytes(8 * n))
    parent = array("q", [NO_PARENT]) * (2 * n)
    via = array("i", [-2]) * (2 * n)  # an action instance
    seen = bytearray(2 * n)
    queue: deque[int] = deque()
    count = 0

    def visit(v: int, bit: int, frm: int, inst: int) -> None:
        nonlocal count
        node = 2 * v + bit
        if seen[node]:
            return
        seen[node] = 1
        parent[node], via[node] = frm, inst
        queue.append(node)
        if bit:
            count += 1
            order[v] = count
        elif shape.start(v) and shape.region(v):  # the bit may turn on here (no step taken)
            visit(v, 1, frm, inst)

    for v in range(g.ninit):
        if shape.before:
            visit(v, 0, NO_PARENT, -2)
        elif shape.start(v) and shape.region(v):
            visit(v, 1, NO_PARENT, -2)
    while queue:
        node = queue.popleft()
        v, bit = divmod(node, 2)
        for w, inst in g.edges(v):
            if bit:
                if shape.region(w):
                    visit(w, 1, node, inst)
            else:
                visit(w, 0, node, inst)
    return order, parent, via


def _prefix(parent: array, via: array, entry: int) -> tuple[list[tuple[int, int]], int]:
    """(state, instance into it) from an initial state to (entry, 1), and the index of the
    first state of it where the bit is on."""
    out = []
    on_at = 0
    node = 2 * entry + 1
    while node != NO_PARENT:
        out.append((node // 2, via[node]))
        if node % 2:
            on_at = len(out) - 1
        node = parent[node]
    out.reverse()
    return out, len(out) - 1 - on_at


class _Tarjan:
    """Iterative Tarjan over subsets of the graph's states, with per-state arrays allocated once
    (an index is valid for the current run only: `run[v]` says which run set it)."""

    def __init__(self, n: int) -> None:
        self.index = array("q", bytes(8 * n))
        self.low = array("q", bytes(8 * n))
        self.run = array("q", bytes(8 * n))
        self.on_stack = bytearray(n)
        self.runs = 0

    def sccs(self, g: Graph, nodes: Sequence[int], mark: array, stamp: int) -> list[list[int]]:
        """The SCCs of the subgraph on `nodes` (those with mark[v] == stamp) that may hold a
        cycle: a single state without a step to itself is left out (most states of a graph are
        such, and a list each would cost more than the graph's own arrays)."""
        self.runs += 1
        run, cur = self.run, self.runs
        index, low, on_stack = self.index, self.low, self.on_stack
        counter = 0
        stack: list[int] = []
        out: list[list[int]] = []
        start, to = g.start, g.to
        for root in nodes:
            if run[root] == cur:
                continue
            run[root] = cur
            index[root] = low[root] = counter
            counter += 1
            stack.append(root)
            on_stack[root] = 1
            work = [(root, start[root])]
            while work:
                v, pos = work[-1]
                end = start[v + 1]
                descended = False
                while pos < end:
                    w = to[pos]
                    pos += 1
                    if mark[w] != stamp:
                        continue
                    if run[w] != cur:
                        work[-1] = (v, pos)
                        run[w] = cur
                        index[w] = low[w] = counter
                        counter += 1
                        stack.append(w)
                        on_stack[w] = 1
                        work.append((w, start[w]))
                        descended = True
                        break
                    if on_stack[w] and index[w] < low[v]:
                        low[v] = index[w]
                if descended:
                    continue
                work.pop()
                if work:
                    u = work[-1][0]
                    if low[v] < low[u]:
                        low[u] = low[v]
                if low[v] == index[v]:
                    if stack[-1] == v:  # one state: a component only with a step to itself
                        stack.pop()
                        on_stack[v] = 0
                        if any(to[p] == v for p in range(start[v], start[v + 1])):
                            out.append([v])
                        continue
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack[w] = 0
                        comp.append(w)
                        if w == v:
                            break
                    out.append(comp)
        return out


def _fair_scc(g: Graph, fair: Fairness, nodes: Sequence[int], must) -> list[int] | None:
    """A strongly connected set of states among `nodes` with a fair cycle through all of it
    (visiting a `must` state, when given), or None."""
    mark = array("q", bytes(8 * len(g)))
    tarjan = _Tarjan(len(g))
    stamp = 0
    work = [nodes]
    while work:
        subset = work.pop()
        stamp += 1
        for v in subset:
            mark[v] = stamp
        for comp in tarjan.sccs(g, subset, mark, stamp):
            stamp += 1
            for v in comp:
                mark[v] = stamp
            taken, cyclic = set(), len(comp) > 1
            for v in comp:
                for w, inst in g.edges(v):
                    if mark[w] == stamp:
                        taken.add(inst)
                        cyclic = cyclic or w == v
            if not cyclic:
                continue
            always: set[int] | None = None  # weak obligations enabled in every state
            sometimes: set[int] = set()  # strong obligations enabled in some state
            for v in comp:
                en = fair.enabled(v)
                weak = {ob for ob in en if not fair.obs[ob].strong}
                always = weak if always is None else always & weak
                sometimes.update(ob for ob in en if fair.obs[ob].strong)
            if any(fair.obs[ob].inst not in taken for ob in always or ()):
                continue  # every cycle here is unfair to that instance
            starved = {ob for ob in sometimes if fair.obs[ob].inst not in taken}
            if starved:
                rest = [v for v in comp if not starved.intersection(fair.enabled(v))]
                if rest:
                    work.append(rest)
                continue
            if must is not None and not any(must(v) for v in comp):
                continue
            return comp
    return None




__all__ = ["LivenessOptions", "STUTTER", "check_temporal"]
