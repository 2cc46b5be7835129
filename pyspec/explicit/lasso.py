"""Lassos of the explicit liveness checker: a fair loop through a strongly connected set of
states, shortened while it stays fair; what a lasso shows in the property's terms and why its
loop is fair to each fair instance; and the replay of a lasso found by Z3 (every step, the loop
closing, the fairness and the violation checked in the explicit engine)."""

from __future__ import annotations

from collections import deque

from pyspec.explicit.compiled import CompiledSpec
from pyspec.explicit.fairness import Fairness, fair_on
from pyspec.explicit.graph import Graph, step_of
from pyspec.explicit.store import TupleGraphStore
from pyspec.lang import typed as T
from pyspec.reference import instance_text
from pyspec.result import Trace


def steps_text(a: int, b: int) -> str:
    return f"step {a}" if a == b else f"steps {a}-{b}"


def explain(t: T.Temporal, kind: T.TemporalKind, on_at: int, loop: int, last: int) -> str:
    """What the lasso shows, in the property's terms (steps numbered as in the trace); `kind`:
    the shape of violation found (for `eventually always P`, a loop where P is always false is
    looked for first)."""
    K = T.TemporalKind
    p, q = f"`{t.p_text}`", f"`{t.q_text}`"
    name = f"temporal {t.name}"
    loopsteps_text = steps_text(loop + 1, last)
    if kind is K.ALWAYS:
        return f"{name}: {p} is false at step {on_at}"
    if kind is K.EVENTUALLY:
        return f"{name}: {p} is false in every state, and the loop ({loopsteps_text}) repeats for ever"
    if kind is K.ALWAYS_EVENTUALLY:
        return f"{name}: {p} is false in every state of the loop ({loopsteps_text}), which repeats for ever"
    if kind is K.EVENTUALLY_ALWAYS:
        return f"{name}: the loop ({loopsteps_text}) passes a state where {p} is false, for ever"
    return (f"{name}: {p} holds and {q} does not at step {on_at}, and {q} is false in every later state: "
            f"the loop ({loopsteps_text}) repeats for ever")


def fair_cycle(g: Graph, fair: Fairness, comp: list[int], entry: int, must) -> list[tuple[int, int]]:
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


def _shorten(fair: Fairness, entry: int, cycle: list[tuple[int, int]], must) -> list[tuple[int, int]]:
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
                if shorter and fair_on(fair, entry, shorter, must):
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


def why_fair(compiled: CompiledSpec, g: Graph, fair: Fairness, loop_states: list[int], loop_insts: list,
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
    # the graph of the lasso's states alone, each with its edges (-1: to a state off the lasso)
    store = TupleGraphStore(len(compiled.spec.vars))
    g = Graph(store)
    successors = compiled.step_fn()
    for s in states:
        store.add_initial(s)
    for v in range(len(store)):
        for inst, nxt in successors(store.state(v)):
            w = store.find(nxt)
            store.to.append(-1 if w is None else w)
            store.inst.append(inst)
        store.close(v)
    path = [store.index[s] for s in states]
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
    fair = Fairness(compiled, g)
    cycle = list(zip(path[loop + 1:], insts[loop:]))
    # a step two instances make alike is taken by both (the engines may name either)
    alike = [{j for w, j in g.edges(path[i]) if w == path[i + 1]} for i in range(loop, last)]
    if not fair_on(fair, path[loop], cycle, None, set().union(*alike)):
        return "the lasso's loop is not fair to every fair instance"
    trace = Trace(compiled.spec.vars, tuple(step_of(compiled, g, v, i) for v, i in zip(path, [-2] + insts)), loop=loop)
    return trace, explain(t, kind, on_at, loop, last), why_fair(compiled, g, fair, path[loop:], alike, loop)


__all__ = ["explain", "fair_cycle", "replay_lasso", "steps_text", "why_fair"]
