"""The reachable state graph with its edges labelled by action instances: what the liveness
checker (`liveness.py`) searches for fair cycles.

The graph is a graph store of the explicit engine (`store.PackedGraphStore`: states packed into
ints as the safety search keeps them, or `TupleGraphStore` for specs without a packed layout),
built breadth-first through the store interface (`add_initial`, `expand`, `add`), so the BFS
tree (`parent`, `via`) gives shortest prefixes; every edge is stored as CSR arrays of 32-bit
ints (`start[i]:start[i+1]` index `to` and `inst`). A state with no enabled instance gets one
edge to itself labelled `STUTTER`: a deadlocked system stutters for ever, which is an infinite
behaviour like any other.
"""

from __future__ import annotations

from pyspec.errors import SpecEvalError
from pyspec.explicit.compiled import CompiledSpec
from pyspec.explicit.packing import Unpackable, layout
from pyspec.explicit.store import INITIAL, NO_PARENT, STUTTER, GraphStore, PackedGraphStore, StoreFull, TupleGraphStore
from pyspec.limits import Budget
from pyspec.reference import instance_text, no_initial_state
from pyspec.result import Step, Trace

_POLL = 256


def graph_store(compiled: CompiledSpec, capacity: int | None = None, packed: bool = True) -> GraphStore:
    """The store for the graph of this spec: packed states unless its types have no layout."""
    if packed:
        try:
            return PackedGraphStore(layout(tuple(v.ty for v in compiled.spec.vars)), capacity)
        except Unpackable:
            pass
    return TupleGraphStore(len(compiled.spec.vars), capacity)


class Graph:
    """The reachable graph: states in BFS order (index 0.. are the initial states), the BFS tree
    and the edges, kept by a graph store; `depth`, `ninit` and `complete` (every state expanded)
    are set by `build_graph`."""

    __slots__ = ("store", "ninit", "depth", "complete", "edges", "enabled", "state", "find")

    def __init__(self, store: GraphStore) -> None:
        self.store = store
        self.ninit = 0
        self.depth = 0
        self.complete = False
        self.edges = store.edges  # (successor index, instance) pairs of a state
        self.enabled = store.enabled  # the instances enabled in a state (those with a successor)
        self.state = store.state  # the state at an index
        self.find = store.find  # the index of a state, or None

    def __len__(self) -> int:
        return len(self.store)

    @property
    def start(self):
        return self.store.start

    @property
    def to(self):
        return self.store.to

    @property
    def inst(self):
        return self.store.inst

    @property
    def parent(self):
        return self.store.parent

    @property
    def via(self):
        return self.store.via

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
        return Step("(stutter)", (), g.state(i))
    if inst < 0:
        return Step(None, (), g.state(i))
    name, args = compiled.describe_instance(inst)
    return Step(name, args, g.state(i))


def build_graph(compiled: CompiledSpec, g: Graph, max_states: int | None, budget: Budget, track: list) -> str | None:
    """Fill `g` with the reachable graph. Returns None when complete, else why it stopped
    (the state limit: the store's capacity); a time, memory or Ctrl-C limit raises LimitReached
    from the budget or the progress session. Raises SpecEvalError (with the step) when a state
    cannot be expanded."""
    successors = compiled.step_fn()
    inits = compiled.initial_states(max_states)
    if not inits:
        raise no_initial_state(compiled.spec)
    store = g.store
    track[0] = store
    head = 0
    try:
        for s in inits:
            store.add_initial(s)
        g.ninit = len(store)
        poll = None if budget.armed else budget.poll
        next_depth_at = len(store)
        checkpoint = _POLL
        expand, close = store.expand, store.close
        track[3] = ""
        while head < len(store):
            if head == next_depth_at:
                g.depth += 1
                track[2] = g.depth
                next_depth_at = len(store)
            s, add = expand(head)
            try:
                succ = successors(s)
            except SpecEvalError as e:
                raise e.with_step(f"in {_failing(compiled, s)}", g.trace(compiled, head)) from None
            for i, t in succ:
                add(t, i)
            close(head)
            head += 1
            if head >= checkpoint:
                checkpoint = head + _POLL
                track[1] = head
                if poll is not None:
                    poll()
    except StoreFull:
        n = len(store)
        return (f"stored {n:,} states (the --max-states limit) at depth {g.depth}, "
                f"{n - head:,} not yet expanded; raise --max-states or lower the params")
    g.complete = True
    return None


def _failing(compiled: CompiledSpec, state: tuple) -> str:
    for i in range(len(compiled.instances)):
        try:
            compiled.run_instance(state, i)
        except SpecEvalError:
            return instance_text(compiled, i)
    return "a step"


__all__ = ["INITIAL", "NO_PARENT", "STUTTER", "Graph", "build_graph", "graph_store", "path_trace"]
