"""The reachable state graph with its edges labelled by action instances: what the liveness
checker (`liveness.py`) searches for fair cycles.

Built breadth-first like `explore._bfs`, so the BFS tree (`parent`, `via`) gives shortest
prefixes; the edges are stored as CSR arrays (`start[i]:start[i+1]` index `to` and `inst`), so
memory is a few machine words per edge on top of the states. A state with no enabled instance
gets one edge to itself labelled `STUTTER`: a deadlocked system stutters for ever, which is an
infinite behaviour like any other. (The lead will move this onto the explicit engine's state
store interface; it reads only `CompiledSpec.initial_states` and `step_fn`.)
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

from pyspec.errors import SpecEvalError
from pyspec.explicit.compiled import CompiledSpec
from pyspec.limits import Budget
from pyspec.reference import instance_text, no_initial_state
from pyspec.result import Step, Trace

STUTTER = -1  # the label of a deadlocked state's edge to itself
NO_PARENT = -1
_POLL = 256


@dataclass(slots=True)
class Graph:
    """States in BFS order (index 0.. are the initial states), the BFS tree, and the edges."""

    states: list[tuple] = field(default_factory=list)
    index: dict[tuple, int] = field(default_factory=dict)
    parent: array = field(default_factory=lambda: array("q"))
    via: array = field(default_factory=lambda: array("l"))
    start: array = field(default_factory=lambda: array("q", [0]))  # CSR offsets, one per expanded state + 1
    to: array = field(default_factory=lambda: array("i"))  # 4 bytes each: a graph of 2^31 states is out of reach
    inst: array = field(default_factory=lambda: array("i"))
    ninit: int = 0
    depth: int = 0
    complete: bool = False  # every state expanded

    def __len__(self) -> int:
        return len(self.states)

    def edges(self, i: int) -> zip:
        """(successor index, instance) pairs of state `i`."""
        a, b = self.start[i], self.start[i + 1]
        return zip(self.to[a:b], self.inst[a:b])

    def enabled(self, i: int) -> set[int]:
        """The instances enabled in state `i` (those with a successor)."""
        a, b = self.start[i], self.start[i + 1]
        return {x for x in self.inst[a:b] if x != STUTTER}

    def trace(self, compiled: CompiledSpec, i: int) -> Trace:
        """The BFS-tree path from an initial state to state `i` (a shortest one)."""
        chain = []
        while i != NO_PARENT:
            chain.append(i)
            i = self.parent[i]
        return path_trace(compiled, self, chain[::-1], [self.via[j] for j in chain[::-1]])


def path_trace(compiled: CompiledSpec, g: Graph, path: list[int], insts: list[int]) -> Trace:
    """A trace through states `path`, where `insts[k]` labels the step into `path[k]`
    (negative for the first state, STUTTER for a stutter step)."""
    steps = []
    for i, inst in zip(path, insts):
        steps.append(step_of(compiled, g, i, inst))
    return Trace(compiled.spec.vars, tuple(steps))


def step_of(compiled: CompiledSpec, g: Graph, i: int, inst: int) -> Step:
    if inst == STUTTER:
        return Step("(stutter)", (), g.states[i])
    if inst < 0:
        return Step(None, (), g.states[i])
    name, args = compiled.describe_instance(inst)
    return Step(name, args, g.states[i])


def build_graph(compiled: CompiledSpec, g: Graph, max_states: int | None, budget: Budget, track: list) -> str | None:
    """Fill `g` with the reachable graph. Returns None when complete, else why it stopped
    (the state limit); a time, memory or Ctrl-C limit raises LimitReached from the budget or the
    progress session. Raises SpecEvalError (with the step) when a state cannot be expanded."""
    successors = compiled.step_fn()
    inits = compiled.initial_states(max_states)
    if not inits:
        raise no_initial_state(compiled.spec)
    track[0] = g.states
    for s in inits:
        if s not in g.index:
            g.index[s] = len(g.states)
            g.states.append(s)
            g.parent.append(NO_PARENT)
            g.via.append(-2)
    g.ninit = len(g.states)
    limit = max_states if max_states is not None else 1 << 62
    poll = None if budget.armed else budget.poll
    states, index, to, inst = g.states, g.index, g.to, g.inst
    head = 0
    next_depth_at = len(states)
    checkpoint = _POLL
    # One object per distinct component value, one table per variable type, as explore._bfs does
    # (most of a new state's components equal some earlier state's)
    tables: dict = {}
    canonical = tuple(tables.setdefault(v.ty, {}).setdefault for v in compiled.spec.vars)
    track[3] = ""
    while head < len(states):
        if head == next_depth_at:
            g.depth += 1
            track[2] = g.depth
            next_depth_at = len(states)
        s = states[head]
        try:
            succ = successors(s)
        except SpecEvalError as e:
            raise e.with_step(f"in {_failing(compiled, s)}", g.trace(compiled, head)) from None
        if not succ:
            to.append(head)
            inst.append(STUTTER)
        for i, t in succ:
            j = index.get(t)
            if j is None:
                j = len(states)
                if j >= limit:
                    g.start.append(len(to))  # this state's edges so far; the rest unexpanded
                    return (f"stored {j:,} states (the --max-states limit) at depth {g.depth}, "
                            f"{j - head:,} not yet expanded; raise --max-states or lower the params")
                t = tuple([share(x, x) for share, x in zip(canonical, t)])
                index[t] = j
                states.append(t)
                g.parent.append(head)
                g.via.append(i)
            to.append(j)
            inst.append(i)
        g.start.append(len(to))
        head += 1
        if head >= checkpoint:
            checkpoint = head + _POLL
            track[1] = head
            if poll is not None:
                poll()
    g.complete = True
    return None


def _failing(compiled: CompiledSpec, state: tuple) -> str:
    for i in range(len(compiled.instances)):
        try:
            compiled.run_instance(state, i)
        except SpecEvalError:
            return instance_text(compiled, i)
    return "a step"


__all__ = ["Graph", "STUTTER", "build_graph", "path_trace"]
