"""The explicit engine's state store: the states the BFS has found, their parents and actions.

The BFS (`explore.py`) talks to a store through four calls, and never sees how states are kept:

    index = store.add_initial(state)      # -1 when already stored
    state, add = store.expand(head)       # the state at `head`, and add(t, inst) for its successors:
    index = add(t, inst)                  #   the new state's index, or -1 when already stored
    steps = store.path(index)             # [(inst or -1, state), ...] from an initial state

Indices count up from 0 in the order states were first found, so a parent's index is below its
children's and `path` walks back through `parent` (an array of ints, not a Python object per
state). `add` raises `StoreFull` for the state past the capacity (--max-states), so the hot loop
pays no test of its own.

Implementations:

- `PackedStore` (the default): each state is one int laid out by `packing.Layout`; the seen-set
  and the state list share that int, about 100 bytes a state for Paxos instead of over a kilobyte.
  Exact: two states are one only when they are equal.
- `TupleStore`: states as tuples, for specs whose types have no packed layout (`Unpackable`).
- `FingerprintStore` (`--fingerprint`): the seen-set keeps a 64-bit hash of each state and the
  full state only until it is expanded; two states with the same hash are taken for one, so a
  search may miss states, with the probability `collision_bound` gives. Traces are rebuilt by
  replaying the actions from the initial state and matching hashes, as TLC does.

Graph stores (`PackedGraphStore`, `TupleGraphStore`) keep the state graph the liveness checker
searches (`graph.py`): their `add` also records the edge (head, index, inst), including edges to
states already stored (a dict from the packed state to its index instead of a set), in CSR arrays
of 32-bit ints, and `close(head)` ends a state's edge list. States are packed as in `PackedStore`,
so the graph costs the safety store plus a dict entry per state and 8 bytes per edge.

Where later work plugs in (without changing the BFS): symmetry reduction canonicalises `t` in
`add` before it is packed, and `path` replays the real successors.
"""

from __future__ import annotations

from array import array
from hashlib import blake2b
from typing import Any, Callable

from pyspec.explicit.packing import Layout

NO_PARENT = -1
STUTTER = -1  # a graph store's label of a deadlocked state's edge to itself
INITIAL = -2  # a graph store's `via` of an initial state (distinct from STUTTER)
_INDEX_LIMIT = (1 << 31) - 1  # parents are 32-bit ints

Add = Callable[[tuple, int], int]


class StoreFull(Exception):
    """The state past the store's capacity was found (the BFS turns it into INCOMPLETE)."""


class Store:
    """What every store shares: parents and actions as arrays of ints, the capacity."""

    exact = True

    def __init__(self, capacity: int | None) -> None:
        self.parent = array("i")
        self.via = array("i")
        self.capacity = min(capacity, _INDEX_LIMIT) if capacity is not None else _INDEX_LIMIT

    def __len__(self) -> int:
        return len(self.parent)

    def path(self, index: int) -> list[tuple[int, tuple]]:
        """(action instance, state) from an initial state (instance -1) to the state at `index`."""
        chain = []
        i = index
        while i != NO_PARENT:
            chain.append(i)
            i = self.parent[i]
        chain.reverse()
        return [(self.via[i], self.state(i)) for i in chain]

    def state(self, index: int) -> tuple:
        """The state at `index`."""
        raise NotImplementedError

    def add_initial(self, s: tuple) -> int:
        """Store an initial state: its index, or -1 when it is stored already."""
        raise NotImplementedError

    def expand(self, head: int) -> tuple[tuple, Add]:
        """The state at `head`, and `add(t, inst)` storing a successor of it (see the module docstring)."""
        raise NotImplementedError

    def collision_bound(self) -> float:
        """The probability that the search missed a state (0 for an exact store)."""
        return 0.0


class TupleStore(Store):
    """States as tuples in a list and a dict (the layout of last resort)."""

    def __init__(self, nvars: int, capacity: int | None = None) -> None:
        super().__init__(capacity)
        self.states: list[tuple] = []
        self.seen: set[tuple] = set()
        # One object per distinct component value, per variable: most of a new state's components
        # equal some earlier state's. One table per variable: `1 == True` hash alike, so a shared
        # table would hand an int variable a bool of another variable.
        tables: list[dict] = [{} for _ in range(nvars)]
        self._share = tuple(t.setdefault for t in tables)

    def state(self, index: int) -> tuple:
        return self.states[index]

    def add_initial(self, s: tuple) -> int:
        return self._adder(NO_PARENT)(s, -1)

    def expand(self, head: int) -> tuple[tuple, Add]:
        return self.states[head], self._adder(head)

    def _adder(self, head: int) -> Add:
        seen, states, share = self.seen, self.states, self._share
        push_parent, push_via, cap = self.parent.append, self.via.append, self.capacity

        def add(t: tuple, inst: int) -> int:
            if t in seen:
                return -1
            n = len(states)
            if n >= cap:
                raise StoreFull
            t = tuple([sh(x, x) for sh, x in zip(share, t)])
            seen.add(t)
            states.append(t)
            push_parent(head)
            push_via(inst)
            return n

        return add


class PackedStore(Store):
    """States packed into ints (see `packing`); exact."""

    def __init__(self, layout: Layout, capacity: int | None = None) -> None:
        super().__init__(capacity)
        self.layout = layout
        self.codes: list[int] = []
        self.seen: set[int] = set()

    def state(self, index: int) -> tuple:
        return self.layout.unpack(self.codes[index])

    def add_initial(self, s: tuple) -> int:
        return self._add(NO_PARENT, self.layout.pack)(s, -1)

    def expand(self, head: int) -> tuple[tuple, Add]:
        k = self.codes[head]
        s = self.layout.unpack(k)
        return s, self._make(head, s, k)

    def _add(self, head: int, pack: Callable[[tuple], int]) -> Add:
        seen, codes = self.seen, self.codes
        push_parent, push_via, cap = self.parent.append, self.via.append, self.capacity

        def add(t: tuple, inst: int) -> int:
            k = pack(t)
            if k in seen:
                return -1
            n = len(codes)
            if n >= cap:
                raise StoreFull
            seen.add(k)
            codes.append(k)
            push_parent(head)
            push_via(inst)
            return n

        return add

    @property
    def _make(self) -> Callable[[int, tuple, int], Add]:
        """`make(head, s, k)`: the `add` for the successors of `s` (code `k`, index `head`), with
        the packing inlined (one call per successor, not two: this is the BFS's inner loop)."""
        make = self.__dict__.get("_make_fn")
        if make is None:
            xs, _ = self.layout.names()
            prelude, lines = self.layout.next_source()
            body = "".join(f"        {line}\n" for line in prelude)
            src = (
                "def factory(seen, codes, push_parent, push_via, cap, StoreFull):\n"
                "    seen_add, push = seen.add, codes.append\n"
                "    def make(head, s, k):\n"
                f"{body}"
                "        def add(t, inst):\n"
                f"            {xs} = t\n"
                + "".join(f"            {line}\n" for line in lines) +
                "            if c in seen:\n"
                "                return -1\n"
                "            n = len(codes)\n"
                "            if n >= cap:\n"
                "                raise StoreFull\n"
                "            seen_add(c)\n"
                "            push(c)\n"
                "            push_parent(head)\n"
                "            push_via(inst)\n"
                "            return n\n"
                "        return add\n"
                "    return make\n"
            )
            ns = self.layout.namespace()
            exec(compile(src, "<pyspec store>", "exec"), ns)
            make = ns["factory"](self.seen, self.codes, self.parent.append, self.via.append, self.capacity, StoreFull)
            self.__dict__["_make_fn"] = make
        return make


class FingerprintStore(Store):
    """Packed states, remembered by a 64-bit hash (see the module docstring); not exact.

    `replay(state, inst)` gives the successors of `state` under instance `inst` (to rebuild a
    path); `initial` the initial states in order."""

    exact = False

    def __init__(self, layout: Layout, replay: Callable[[tuple, int], list[tuple]], capacity: int | None = None) -> None:
        super().__init__(capacity)
        self.layout = layout
        self.replay = replay
        self.codes: list[Any] = []  # the packed state until it is expanded, then None
        self.prints = array("Q")
        self.seen: set[int] = set()
        self.initial: dict[int, tuple] = {}
        self.compared = 0  # fingerprints tested against the seen-set, for collision_bound
        self.ninstances = 0  # instances to try when the stored one does not replay (symmetry: set by the caller)

    def fingerprint(self, k: int) -> int:
        return int.from_bytes(blake2b(k.to_bytes(self.layout.nbytes, "little"), digest_size=8).digest(), "little")

    def state(self, index: int) -> tuple:
        k = self.codes[index]
        if k is not None:
            return self.layout.unpack(k)
        return self.path(index)[-1][1]

    def add_initial(self, s: tuple) -> int:
        n = self._add(NO_PARENT, self.layout.pack)(s, -1)
        if n >= 0:
            self.initial[n] = s
        return n

    def expand(self, head: int) -> tuple[tuple, Add]:
        k = self.codes[head]
        self.codes[head] = None  # the fingerprint stands for it from now on
        s = self.layout.unpack(k)
        return s, self._add(head, self.layout.packer(s, k))

    def _add(self, head: int, pack: Callable[[tuple], int]) -> Add:
        seen, codes, fp = self.seen, self.codes, self.fingerprint
        push_parent, push_via, push_print, cap = self.parent.append, self.via.append, self.prints.append, self.capacity

        def add(t: tuple, inst: int) -> int:
            k = pack(t)
            f = fp(k)
            self.compared += 1
            if f in seen:
                return -1
            n = len(codes)
            if n >= cap:
                raise StoreFull
            seen.add(f)
            codes.append(k)
            push_parent(head)
            push_via(inst)
            push_print(f)
            return n

        return add

    def path(self, index: int) -> list[tuple[int, tuple]]:
        chain = []
        i = index
        while i != NO_PARENT:
            chain.append(i)
            i = self.parent[i]
        chain.reverse()
        out = [(-1, self.initial[chain[0]])]
        pack = self.layout.pack
        for i in chain[1:]:
            inst = self.via[i]
            # The successor under `inst` whose fingerprint is the stored one; a collision among
            # the successors of one state would pick the first, an equally real step.
            nxt = [t for t in self.replay(out[-1][1], inst) if self.fingerprint(pack(t)) == self.prints[i]]
            for other in range(self.ninstances):  # under symmetry, a permuted step is another instance
                if nxt:
                    break
                inst = other
                nxt = [t for t in self.replay(out[-1][1], inst) if self.fingerprint(pack(t)) == self.prints[i]]
            assert nxt, "a stored step replays to a state with its fingerprint"
            out.append((inst, nxt[0]))
        return out

    def collision_bound(self) -> float:
        """An upper bound on the probability that a fingerprint collision made the search miss a
        state: each of the `compared` tests can meet at most len(self) stored fingerprints, each a
        collision with probability 2^-64 (a union bound, the same order as TLC's estimate)."""
        return min(1.0, self.compared * len(self) / 2.0**64)


class GraphStore(Store):
    """A store of the state graph (see the module docstring): states, the BFS tree, and every
    edge as CSR arrays (`start[i]:start[i + 1]` index `to` and `inst`)."""

    def __init__(self, capacity: int | None) -> None:
        super().__init__(capacity)
        self.start = array("q", [0])  # one offset per closed state, + 1
        self.to = array("i")
        self.inst = array("i")

    def find(self, s: tuple) -> int | None:
        """The index of state `s`, or None when it is not stored."""
        raise NotImplementedError

    def close(self, head: int) -> None:
        """End the edge list of `head` (expanded last): a state with no successor gets one edge
        to itself labelled STUTTER (a deadlocked system stutters for ever)."""
        if len(self.to) == self.start[-1]:
            self.to.append(head)
            self.inst.append(STUTTER)
        self.start.append(len(self.to))

    def edges(self, i: int) -> zip:
        """(successor index, instance) pairs of state `i`."""
        a, b = self.start[i], self.start[i + 1]
        return zip(self.to[a:b], self.inst[a:b])

    def enabled(self, i: int) -> set[int]:
        """The instances enabled in state `i` (those with a successor)."""
        a, b = self.start[i], self.start[i + 1]
        return {x for x in self.inst[a:b] if x != STUTTER}


class PackedGraphStore(GraphStore):
    """The state graph with states packed into ints (see `packing`); exact."""

    def __init__(self, layout: Layout, capacity: int | None = None) -> None:
        super().__init__(capacity)
        self.layout = layout
        self.codes: list[int] = []
        self.index: dict[int, int] = {}

    def state(self, index: int) -> tuple:
        return self.layout.unpack(self.codes[index])

    def find(self, s: tuple) -> int | None:
        return self.index.get(self.layout.pack(s))

    def add_initial(self, s: tuple) -> int:
        k = self.layout.pack(s)
        if k in self.index:
            return -1
        n = len(self.codes)
        if n >= self.capacity:
            raise StoreFull
        self.index[k] = n
        self.codes.append(k)
        self.parent.append(NO_PARENT)
        self.via.append(INITIAL)
        return n

    def expand(self, head: int) -> tuple[tuple, Add]:
        k = self.codes[head]
        s = self.layout.unpack(k)
        return s, self._make(head, s, k)

    @property
    def _make(self) -> Callable[[int, tuple, int], Add]:
        """`make(head, s, k)`: the `add` for the successors of `s`, the packing inlined as in
        `PackedStore._make` (the graph's inner loop)."""
        make = self.__dict__.get("_make_fn")
        if make is None:
            xs, _ = self.layout.names()
            prelude, lines = self.layout.next_source()
            body = "".join(f"        {line}\n" for line in prelude)
            src = (
                "def factory(index, codes, push_parent, push_via, push_to, push_inst, cap, StoreFull):\n"
                "    get, push = index.get, codes.append\n"
                "    def make(head, s, k):\n"
                f"{body}"
                "        def add(t, inst):\n"
                f"            {xs} = t\n"
                + "".join(f"            {line}\n" for line in lines) +
                "            j = get(c)\n"
                "            if j is not None:\n"
                "                push_to(j)\n"
                "                push_inst(inst)\n"
                "                return -1\n"
                "            n = len(codes)\n"
                "            if n >= cap:\n"
                "                raise StoreFull\n"
                "            index[c] = n\n"
                "            push(c)\n"
                "            push_parent(head)\n"
                "            push_via(inst)\n"
                "            push_to(n)\n"
                "            push_inst(inst)\n"
                "            return n\n"
                "        return add\n"
                "    return make\n"
            )
            ns = self.layout.namespace()
            exec(compile(src, "<pyspec graph store>", "exec"), ns)
            make = ns["factory"](self.index, self.codes, self.parent.append, self.via.append, self.to.append,
                                 self.inst.append, self.capacity, StoreFull)
            self.__dict__["_make_fn"] = make
        return make


class TupleGraphStore(GraphStore):
    """The state graph with states as tuples (for specs whose types have no packed layout)."""

    def __init__(self, nvars: int, capacity: int | None = None) -> None:
        super().__init__(capacity)
        self.states: list[tuple] = []
        self.index: dict[tuple, int] = {}
        tables: list[dict] = [{} for _ in range(nvars)]  # one object per component value (see TupleStore)
        self._share = tuple(t.setdefault for t in tables)

    def state(self, index: int) -> tuple:
        return self.states[index]

    def find(self, s: tuple) -> int | None:
        return self.index.get(s)

    def add_initial(self, s: tuple) -> int:
        if s in self.index:
            return -1
        return self._store(s, NO_PARENT, INITIAL)

    def _store(self, t: tuple, head: int, inst: int) -> int:
        n = len(self.states)
        if n >= self.capacity:
            raise StoreFull
        t = tuple([sh(x, x) for sh, x in zip(self._share, t)])
        self.index[t] = n
        self.states.append(t)
        self.parent.append(head)
        self.via.append(inst)
        return n

    def expand(self, head: int) -> tuple[tuple, Add]:
        get, store, push_to, push_inst = self.index.get, self._store, self.to.append, self.inst.append

        def add(t: tuple, inst: int) -> int:
            j = get(t)
            if j is not None:
                push_to(j)
                push_inst(inst)
                return -1
            n = store(t, head, inst)
            push_to(n)
            push_inst(inst)
            return n

        return self.states[head], add
