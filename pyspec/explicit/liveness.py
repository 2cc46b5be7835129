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
from typing import Any, Callable

from pyspec.errors import SpecEvalError
from pyspec.explicit.compiled import CompiledSpec
from pyspec.explicit.graph import NO_PARENT, STUTTER, Graph, build_graph, step_of
from pyspec.lang import typed as T
from pyspec.limits import Budget, LimitReached, resident_mb
from pyspec.progress import watch
from pyspec.reference import instance_text
from pyspec.result import Result, Trace, Verdict


@dataclass(frozen=True, slots=True)
class LivenessOptions:
    temporals: tuple[str, ...] | None = None  # None: the spec's own temporal properties
    max_states: int | None = None
    time_limit: float | None = None
    max_memory: float | None = None
    started: float | None = None


@dataclass(frozen=True, slots=True)
class _Obligation:
    inst: int
    strong: bool
    unless: Callable[[tuple, tuple], Any] | None
    args: tuple


class _Fairness:
    """The fairness obligations (one per fair declaration and instance) and, per state, those
    enabled there with their `unless` condition false (memoised: a few per state)."""

    def __init__(self, compiled: CompiledSpec, g: Graph) -> None:
        self.g = g
        self.compiled = compiled
        self.obs: list[_Obligation] = []
        self.by_inst: dict[int, list[int]] = {}
        for f in compiled.spec.fairness:
            unless = compiled.predicate_fn(f.unless, f.nlocals) if f.unless is not None else None
            for inst, (ai, args) in enumerate(compiled.instances):
                if ai == f.action:
                    self.by_inst.setdefault(inst, []).append(len(self.obs))
                    self.obs.append(_Obligation(inst, f.strong, unless, args))
        self._memo: list[tuple[int, ...] | None] = [None] * len(g)
        self._shared: dict[tuple[int, ...], tuple[int, ...]] = {}

    def enabled(self, v: int) -> tuple[int, ...]:
        got = self._memo[v]
        if got is None:
            out = []
            state = self.g.states[v]
            for inst in sorted(self.g.enabled(v)):
                for ob in self.by_inst.get(inst, ()):
                    o = self.obs[ob]
                    try:
                        excused = o.unless is not None and o.unless(state, o.args)
                    except SpecEvalError as e:
                        raise e.with_step(f"while evaluating the `unless` condition of fair {instance_text(self.compiled, inst)}",
                                          self.g.trace(self.compiled, v) if self.g.complete else None) from None
                    if not excused:
                        out.append(ob)
            got = tuple(out)
            got = self._memo[v] = self._shared.setdefault(got, got)  # few distinct sets: one object each
        return got


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
    g = Graph()
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
            fair = _Fairness(compiled, g)
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
    for i, s in enumerate(g.states):
        try:
            out[i] = 1 if fn(s, ()) else 0
        except SpecEvalError as e:
            raise e.with_step(f"while checking temporal property {name}", g.trace(compiled, i)) from None
    return out


def _check_one(compiled: CompiledSpec, g: Graph, fair: _Fairness, t: T.Temporal | None):
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
    cycle = _cycle(g, fair, scc, entry, shape.must)
    loop = len(prefix) - 1
    path = [v for v, _ in prefix] + [v for v, _ in cycle]
    insts = [i for _, i in prefix] + [i for _, i in cycle]
    steps = tuple(step_of(compiled, g, v, i) for v, i in zip(path, insts))
    trace = Trace(compiled.spec.vars, steps, loop=loop)
    return trace, _explain(t, kind, on_at, loop, len(path) - 1), _why_fair(compiled, g, fair, path[loop:], insts[loop + 1:], loop)


def _steps(a: int, b: int) -> str:
    return f"step {a}" if a == b else f"steps {a}-{b}"


def _search(g: Graph, fair: _Fairness, shape: _Shape):
    on, parent, via = _product(g, shape)
    nodes = [v for v in range(len(g)) if on[v]]
    return _fair_scc(g, fair, nodes, shape.must), shape, on, parent, via


def _explain(t: T.Temporal, kind: T.TemporalKind, on_at: int, loop: int, last: int) -> str:
    """What the lasso shows, in the property's terms (steps numbered as in the trace); `kind`:
    the shape of violation found (for `eventually always P`, a loop where P is always false is
    looked for first)."""
    K = T.TemporalKind
    p, q = f"`{t.p_text}`", f"`{t.q_text}`"
    name = f"temporal {t.name}"
    loop_steps = _steps(loop + 1, last)
    if kind is K.ALWAYS:
        return f"{name}: {p} is false at step {on_at}"
    if kind is K.EVENTUALLY:
        return f"{name}: {p} is false in every state, and the loop ({loop_steps}) repeats for ever"
    if kind is K.ALWAYS_EVENTUALLY:
        return f"{name}: {p} is false in every state of the loop ({loop_steps}), which repeats for ever"
    if kind is K.EVENTUALLY_ALWAYS:
        return f"{name}: the loop ({loop_steps}) passes a state where {p} is false, for ever"
    return (f"{name}: {p} holds and {q} does not at step {on_at}, and {q} is false in every later state: "
            f"the loop ({loop_steps}) repeats for ever")


def _product(g: Graph, shape: _Shape) -> tuple[array, array, array]:
    """BFS over (state, bit). Returns, per state, the BFS order (1-based) in which (state, 1)
    was reached (0: never), and the product's parent links: node = 2 * state + bit."""
    n = len(g)
    order = array("q", bytes(8 * n))
    parent = array("q", [NO_PARENT]) * (2 * n)
    via = array("l", [-2]) * (2 * n)
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

    def sccs(self, g: Graph, nodes: list[int], mark: array, stamp: int) -> list[list[int]]:
        """The SCCs of the subgraph on `nodes` (those with mark[v] == stamp)."""
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
                    comp = []
                    while True:
                        w = stack.pop()
                        on_stack[w] = 0
                        comp.append(w)
                        if w == v:
                            break
                    out.append(comp)
        return out


def _fair_scc(g: Graph, fair: _Fairness, nodes: list[int], must) -> list[int] | None:
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


def _cycle(g: Graph, fair: _Fairness, comp: list[int], entry: int, must) -> list[tuple[int, int]]:
    """A cycle from `entry` back to it inside `comp` that is fair: it takes an edge of each
    obligation's instance taken inside comp that is enabled somewhere in comp, passes a state
    where each other weak obligation is not enabled, and a `must` state. Returns (state, instance
    into it) for each step, the last state being `entry`."""
    inside = set(comp)
    taken = {inst for v in comp for w, inst in g.edges(v) if w in inside}
    need_inst: set[int] = set()
    need_off: set[int] = set()  # weak obligations to pass a state where they are not enabled
    for ob in sorted({ob for v in comp for ob in fair.enabled(v)}):
        if fair.obs[ob].inst in taken:
            need_inst.add(fair.obs[ob].inst)
        else:
            need_off.add(ob)
    need_must = must is not None
    out: list[tuple[int, int]] = []
    cur = entry

    def settle(v: int, inst: int | None) -> None:
        nonlocal need_must
        if inst is not None:
            need_inst.discard(inst)
        en = fair.enabled(v)
        for ob in [ob for ob in need_off if ob not in en]:
            need_off.discard(ob)
        if need_must and must(v):
            need_must = False

    settle(entry, None)
    while need_inst or need_off or need_must:
        def goal(v: int) -> bool:
            if need_must and must(v):
                return True
            if any(ob not in fair.enabled(v) for ob in need_off):
                return True
            return any(w in inside and inst in need_inst for w, inst in g.edges(v))

        path = _bfs_path(g, inside, cur, goal, at_least_one=False)
        for v, inst in path:
            settle(v, inst)
        out.extend(path)
        cur = path[-1][0] if path else cur
        for w, inst in sorted(g.edges(cur), key=lambda e: e[1]):
            if w in inside and inst in need_inst:
                out.append((w, inst))
                settle(w, inst)
                cur = w
                break
    back = _bfs_path(g, inside, cur, lambda v: v == entry, at_least_one=not out)
    out.extend(back)
    return _shorten(fair, entry, out, must)


def _fair_on(fair: _Fairness, entry: int, cycle: list[tuple[int, int]], must, taken: set[int] | None = None) -> bool:
    """Is repeating `cycle` (from `entry`) fair to every obligation, and through a `must` state?
    `taken`: the instances the loop takes (default: its labels)."""
    states = [entry] + [v for v, _ in cycle[:-1]]
    taken = {inst for _, inst in cycle} if taken is None else taken
    if must is not None and not any(must(v) for v in states):
        return False
    for ob, o in enumerate(fair.obs):
        if o.inst in taken:
            continue
        on = [ob in fair.enabled(v) for v in states]
        if (o.strong and any(on)) or (not o.strong and all(on)):
            return False
    return True


def _shorten(fair: _Fairness, entry: int, cycle: list[tuple[int, int]], must) -> list[tuple[int, int]]:
    """`cycle` without the detours that return to a state it already passed, as long as it
    stays fair: a shorter loop is easier to read."""
    changed = True
    while changed:
        changed = False
        states = [entry] + [v for v, _ in cycle]
        for i in range(len(states)):
            for j in range(len(states) - 1, i, -1):
                if states[j] != states[i] or (i == 0 and j == len(states) - 1):
                    continue
                shorter = cycle[:i] + cycle[j:]
                if shorter and _fair_on(fair, entry, shorter, must):
                    cycle, changed = shorter, True
                    break
            if changed:
                break
    return cycle


def _bfs_path(g: Graph, inside: set[int], src: int, goal, at_least_one: bool) -> list[tuple[int, int]]:
    """The shortest path inside `inside` from `src` to a state satisfying `goal`, as (state,
    instance into it) pairs without `src`; with `at_least_one`, of at least one step."""
    if not at_least_one and goal(src):
        return []
    par: dict[int, tuple[int, int]] = {}
    queue = deque([src])
    seen = {src} if not at_least_one else set()
    while queue:
        v = queue.popleft()
        for w, inst in g.edges(v):
            if w not in inside or w in seen:
                continue
            seen.add(w)
            par[w] = (v, inst)
            if goal(w):
                path = []
                x = w
                while True:
                    pv, pi = par[x]
                    path.append((x, pi))
                    if pv == src and (not at_least_one or len(path) >= 1):
                        break
                    x = pv
                return path[::-1]
            queue.append(w)
    raise AssertionError("a strongly connected set reaches each of its states")


def _why_fair(compiled: CompiledSpec, g: Graph, fair: _Fairness, loop_states: list[int], loop_insts: list,
              loop: int) -> list[str]:
    """For each fair instance, why the loop is fair to it (steps numbered as in the trace).
    `loop_insts[k]`: the instance of loop step k, or the set of those that make that step."""
    lines = []
    first_taken: dict[int, int] = {}
    for k, insts in enumerate(loop_insts):
        for inst in (insts if isinstance(insts, set) else (insts,)):
            first_taken.setdefault(inst, loop + 1 + k)
    states = loop_states[:-1]  # the last one is the entry again
    for ob, o in enumerate(fair.obs):
        what = f"{'strong' if o.strong else 'weak'} {instance_text(compiled, o.inst)}"
        graph_on = [o.inst in g.enabled(v) for v in states]
        if o.inst in first_taken:
            lines.append(f"{what}: taken at step {first_taken[o.inst]}")
        elif not any(graph_on):
            lines.append(f"{what}: never enabled in the loop")
        elif o.strong:  # never enabled with its condition false, or it would be taken
            lines.append(f"{what}: its `unless` condition holds wherever it is enabled in the loop")
        elif not all(graph_on):
            lines.append(f"{what}: not enabled at step {loop + graph_on.index(False)}")
        else:
            off = next(loop + k for k, v in enumerate(states) if ob not in fair.enabled(v))
            lines.append(f"{what}: its `unless` condition holds at step {off}")
    return lines




def replay_lasso(compiled: CompiledSpec, name: str, states: list[tuple], insts: list[int], loop: int):
    """Check a lasso found by another engine (Z3's bounded search) in the explicit engine:
    `states[0]` is initial, each `insts[i]` leads from `states[i]` to `states[i + 1]` (STUTTER:
    a deadlocked state repeats), the last state is `states[loop]`, the loop is fair to every
    fair instance, and the behaviour violates temporal property `name`.

    Returns (trace, what it shows, why the loop is fair), or a message saying what does not
    hold (a disagreement between the engines, which the caller reports as an internal error)."""
    t = compiled.spec.temporal(name)
    assert t is not None, "the names were checked against the spec"
    if not states or states[0] not in set(compiled.initial_states()):
        return f"the lasso's first state {states[:1]} is not an initial state"
    if states[-1] != states[loop] or not 0 <= loop < len(states) - 1:
        return f"the lasso's last state is not its state {loop}"
    g = Graph()
    successors = compiled.step_fn()
    for s in states:
        if s in g.index:
            continue
        g.index[s] = len(g.states)
        g.states.append(s)
    for s in g.states:
        succ = successors(s)
        for inst, nxt in succ:
            g.to.append(g.index.get(nxt, -1))
            g.inst.append(inst)
        if not succ:
            g.to.append(g.index[s])
            g.inst.append(STUTTER)
        g.start.append(len(g.to))
    path = [g.index[s] for s in states]
    for i, inst in enumerate(insts):
        if not any(w == path[i + 1] and j == inst for w, j in g.edges(path[i])):
            return f"step {i + 1} of the lasso is not a step of the explicit engine under instance {inst}"
    p = [bool(compiled.predicate_fn(t.p, t.nlocals)(s, ())) for s in states]
    q = [bool(compiled.predicate_fn(t.q, t.nlocals)(s, ())) for s in states] if t.q is not None else []
    K = T.TemporalKind
    last = len(states) - 1
    kind, on_at = t.kind, 0
    if t.kind is K.ALWAYS:
        bad = [i for i in range(last + 1) if not p[i]]
        ok, on_at = bool(bad), (bad[0] if bad else 0)
    elif t.kind is K.EVENTUALLY:
        ok = not any(p)
    elif t.kind is K.ALWAYS_EVENTUALLY:
        ok = not any(p[loop:])
    elif t.kind is K.EVENTUALLY_ALWAYS:
        ok = not all(p[loop:])
        if ok and not any(p[loop:]):
            kind = K.ALWAYS_EVENTUALLY
    else:
        opened = [i for i in range(last + 1) if p[i] and not q[i] and not any(q[min(i, loop):])]
        ok, on_at = bool(opened), (opened[0] if opened else 0)
    if not ok:
        return f"the lasso does not violate temporal property {name}"
    fair = _Fairness(compiled, g)
    cycle = list(zip(path[loop + 1:], insts[loop:]))
    # a step two instances make alike is taken by both (the engines may name either)
    alike = [{j for w, j in g.edges(path[i]) if w == path[i + 1]} for i in range(loop, last)]
    if not _fair_on(fair, path[loop], cycle, None, set().union(*alike)):
        return "the lasso's loop is not fair to every fair instance"
    trace = Trace(compiled.spec.vars, tuple(step_of(compiled, g, v, i) for v, i in zip(path, [-2] + insts)), loop=loop)
    return trace, _explain(t, kind, on_at, loop, last), _why_fair(compiled, g, fair, path[loop:], alike, loop)


__all__ = ["LivenessOptions", "STUTTER", "check_temporal", "replay_lasso"]
