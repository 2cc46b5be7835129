"""Symmetry reduction: one stored state per orbit under the permutations of the symmetric types.

A spec that declares `symmetric type Proc = ...` (checked by pyspec.lang.symmetry: no value of
Proc is singled out) has, for every permutation pi of Proc's values, pi(s) reachable exactly
when s is, and every invariant true in pi(s) exactly when it is in s. So the search may keep one
state per orbit {pi(s)}: the one whose packed code is least (`Canon`). `SymmetricStore` stores
canonical codes, so the BFS explores the quotient graph, whose depths are the full graph's:
counterexamples keep their shortest length.

A path through the store is a path of representatives, each a *permuted* successor of the one
before; `SymmetricStore.path` turns it into a real trace by replaying from the initial state
that was found, choosing at each step a successor whose canonical code is the stored one.

Permutations are enumerated (n! for a type of n values): fine for the small n explicit search
reaches; each permutation is applied variable by variable, skipping variables whose type holds
no symmetric value.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable

from pyspec.explicit.packing import Layout, _elements, codec
from pyspec.explicit.store import NO_PARENT, Add, PackedStore, StoreFull
from pyspec.lang.symmetry import Coll, MapS, Sym, Symmetry, TupleS, UnionS
from pyspec.lang.types import MapT, RecordT, TupleT, Type, UnionT, domain

Fn = Callable[[Any], Any]


def _mapper(shape: Any, ty: Type, perm: dict[str, dict]) -> Fn | None:
    """The function applying `perm` (symmetric type -> value -> value) to a value of `ty`, or
    None when it leaves every such value unchanged."""
    if isinstance(shape, Sym):
        d = perm[shape.name]
        return None if all(k == v for k, v in d.items()) else d.__getitem__
    if isinstance(shape, Coll):
        f = _mapper(shape.elem, ty.elem, perm)  # type: ignore[attr-defined]
        if f is None:
            return None
        if shape.kind == "set":
            return lambda s: frozenset(map(f, s))
        if shape.kind == "seq":
            return lambda s: tuple(map(f, s))
        return lambda b: frozenset((f(e), c) for e, c in b)
    if isinstance(shape, MapS):
        assert isinstance(ty, MapT)
        fk = _mapper(shape.key, ty.key, perm)
        fv = _mapper(shape.value, ty.value, perm)
        if fk is None and fv is None:
            return None
        keys = domain(ty.key)
        src = list(range(len(keys)))
        if fk is not None:
            where = {k: i for i, k in enumerate(keys)}
            for i, k in enumerate(keys):
                src[where[fk(k)]] = i
        order = tuple(src)
        if fv is None:
            return lambda m: tuple([m[i] for i in order])
        g = fv
        return lambda m: tuple([g(m[i]) for i in order])
    if isinstance(shape, TupleS):
        types = ty.elems if isinstance(ty, TupleT) else tuple(t for _, t in ty.fields) if isinstance(ty, RecordT) else ()
        fs = [_mapper(s, t, perm) for s, t in zip(shape.elems, types)]
        if all(f is None for f in fs):
            return None
        parts = tuple((f or (lambda x: x)) for f in fs)
        return lambda v: tuple([f(x) for f, x in zip(parts, v)])
    if isinstance(shape, UnionS):
        assert isinstance(ty, UnionT)
        by_tag: dict[str, tuple] = {}
        for (tag, fshapes), (_, fields) in zip(shape.variants, ty.variants):
            fs = [_mapper(s, t, perm) for s, (_, t) in zip(fshapes, fields)]
            if any(f is not None for f in fs):
                by_tag[tag] = tuple((f or (lambda x: x)) for f in fs)
        if not by_tag:
            return None

        def union(v):
            fs = by_tag.get(v[0])
            return v if fs is None else (v[0], *[f(x) for f, x in zip(fs, v[1:])])

        return union
    return None


class Canon:
    """`canon(code) -> int`: the least packed code over the orbit of the state packed as `code`.

    Each permutation is applied to the packed code field by field, without unpacking: a field
    coded by a lookup table maps through a list (old field -> new field), a set coded as a
    bitmask through one table per byte of the mask, any other field by decoding, permuting and
    encoding it. The straight-line function is generated once per spec (no loop per field)."""

    def __init__(self, sym: Symmetry, types: tuple[Type, ...], layout: Layout) -> None:
        per_type = [[dict(zip(values, p)) for p in itertools.permutations(values)] for _, values in sym.types]
        names = sym.names()
        ns: dict[str, Any] = {}
        lines = ["def canon(k):", "    best = k"]
        nperms = 0
        for combo in itertools.product(*per_type):
            perm = dict(zip(names, combo))
            parts = []
            keep = (1 << layout.width) - 1
            for i, (shape, t) in enumerate(zip(sym.var_shapes, types)):
                c, sh = layout.codecs[i], layout.shifts[i]
                src = _field_source(f"F{nperms}_{i}", t, shape, perm, sh, layout.table_limit, ns)
                if src is None:
                    continue
                keep &= ~(((1 << c.width) - 1) << sh)
                parts.append(src)
            if not parts:
                continue  # the identity on every variable
            nperms += 1
            lines.append(f"    c = (k & {keep}) | " + " | ".join(parts))
            lines.append("    if c < best:")
            lines.append("        best = c")
        lines.append("    return best")
        exec(compile("\n".join(lines), "<pyspec symmetry>", "exec"), ns)
        self.canon: Callable[[int], int] = ns["canon"]
        self.pack = layout.pack
        self.group_order = nperms + 1

    def __call__(self, t: tuple) -> int:
        return self.canon(self.pack(t))


def _field_source(name: str, ty: Type, shape: Any, perm: dict[str, dict], sh: int, limit: int,
                  ns: dict[str, Any]) -> str | None:
    """Source for the field of a value of type `ty` (shape `shape`) coded at shift `sh` of the
    packed state `k`, with `perm` applied, left at the same shift; None when `perm` leaves it
    unchanged. Its tables go into `ns` under names starting with `name`. `limit`: the layout's
    table limit (so that the codecs are the layout's)."""
    f = _mapper(shape, ty, perm)
    if f is None:
        return None
    c = codec(ty, limit)
    mask = (1 << c.width) - 1
    if c.table is not None:
        values = list(c.table)  # in code order
        ns[name] = [c.table[f(v)] << sh for v in values]
        return f"{name}[k >> {sh} & {mask}]"
    if c.delta is not None:
        bits = {e: c.delta(e) for e in _elements(c.delta)}
        elems = sorted(bits, key=bits.__getitem__)  # element of bit 0, 1, ...
        image = [bits[next(iter(f(frozenset((e,)))))] for e in elems]
        out = []
        for j in range((c.width + 7) // 8):
            row = []
            for b in range(256):
                v = 0
                for i in range(8):
                    if b >> i & 1 and 8 * j + i < len(elems):
                        v |= image[8 * j + i]
                row.append(v << sh)
            ns[f"{name}_{j}"] = row
            out.append(f"{name}_{j}[k >> {sh + 8 * j} & 255]")
        return "(" + " | ".join(out) + ")"
    if isinstance(ty, MapT) and isinstance(shape, MapS):
        # the entries' fields in key order, each `w` bits; a symmetric key moves its entry
        w = codec(ty.value, limit).width
        keys = domain(ty.key)
        fk = _mapper(shape.key, ty.key, perm)
        where = {k: i for i, k in enumerate(keys)}
        parts = []
        for i, key in enumerate(keys):
            j = where[fk(key)] if fk is not None else i
            at = sh + i * w
            sub = _field_source(f"{name}_{i}", ty.value, shape.value, perm, at, limit, ns)
            if sub is None:
                sub = f"(k & {((1 << w) - 1) << at})"
            if j > i:
                sub = f"({sub} << {(j - i) * w})"
            elif j < i:
                sub = f"({sub} >> {(i - j) * w})"
            parts.append(sub)
        return "(" + " | ".join(parts) + ")" if parts else "0"
    enc, dec = c.encode, c.decode
    ns[name] = lambda field: enc(f(dec(field))) << sh
    return f"{name}(k >> {sh} & {mask})"


class SymmetricStore(PackedStore):
    """A packed store of canonical codes (one per orbit). `replay(state, inst)`: the successors
    of `state` under instance `inst`; `ninstances`: how many instances there are."""

    def __init__(self, layout: Layout, canon: Canon, replay: Callable[[tuple, int], list[tuple]], ninstances: int,
                 capacity: int | None = None) -> None:
        super().__init__(layout, capacity)
        self.canon = canon
        self.replay = replay
        self.ninstances = ninstances
        self.initial: dict[int, tuple] = {}

    def add_initial(self, s: tuple) -> int:
        n = self._sym_add(NO_PARENT, self.layout.pack)(s, -1)
        if n >= 0:
            self.initial[n] = s
        return n

    def expand(self, head: int) -> tuple[tuple, Add]:
        k = self.codes[head]
        s = self.layout.unpack(k)
        return s, self._sym_add(head, self.layout.packer(s, k))

    def _sym_add(self, head: int, pack: Callable[[tuple], int]) -> Add:
        seen, codes, canon = self.seen, self.codes, self.canon.canon
        push_parent, push_via, cap = self.parent.append, self.via.append, self.capacity

        def add(t: tuple, inst: int) -> int:
            k = pack(t)
            if k in seen:  # the successor is itself a stored representative: no orbit to search
                return -1
            k = canon(k)
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

    def path(self, index: int) -> list[tuple[int, tuple]]:
        """A real trace to (a state in the orbit of) the state at `index` (see `real_path`)."""
        chain = []
        i = index
        while i != NO_PARENT:
            chain.append(i)
            i = self.parent[i]
        chain.reverse()
        return real_path(self.initial[chain[0]], [(self.via[i], self.codes[i]) for i in chain[1:]], self.canon,
                         self.replay, self.ninstances)


def real_path(initial: tuple, steps: list[tuple[int, int]], canon: Callable[[tuple], int],
              replay: Callable[[tuple, int], list[tuple]], ninstances: int) -> list[tuple[int, tuple]]:
    """The real trace behind a path of orbit representatives: from the real initial state
    `initial`, for each stored step (instance, canonical code of the next state), a successor of
    the current state whose canonical code is that one, tried under the stored instance first,
    then under every instance in order (a permuted step is another instance: Crash(p=2), not
    Crash(p=0)). Each step is then a real step of the spec, and the last state is in the orbit
    of the stored one, where every (symmetric) invariant has the same value."""
    out = [(-1, initial)]
    for via, want in steps:
        cur = out[-1][1]
        step = None
        for inst in (via, *range(ninstances)):
            step = next(((inst, t) for t in replay(cur, inst) if canon(t) == want), None)
            if step is not None:
                break
        assert step is not None, "a stored step replays to a state of its orbit"
        out.append(step)
    return out


class CanonicalLayout(Layout):
    """A layout whose codes are canonical (`pack` and the generated successor packing end with
    the canonical code of the orbit): what the parallel search (workers.py) partitions and stores
    under symmetry, with no change of its own but the trace's replay. `unpack` gives the
    representative."""

    def __init__(self, base: Layout, canon: Canon) -> None:  # noqa: super().__init__ not called: a view of `base`
        self.base, self.canon = base, canon
        self.types, self.codecs, self.shifts = base.types, base.codecs, base.shifts
        self.width, self.nbytes, self.table_limit = base.width, base.nbytes, base.table_limit
        self.pack, self.unpack = canon, base.unpack
        to_canon = canon.canon

        def packer(s: tuple, k: int) -> Callable[[tuple], int]:
            inner = base.packer(s, k)
            return lambda t: to_canon(inner(t))

        self.packer = packer

    def names(self) -> tuple[str, str]:
        return self.base.names()

    def namespace(self) -> dict[str, Any]:
        ns = self.base.namespace()
        ns["CANON"] = self.canon.canon
        return ns

    def next_source(self) -> tuple[list[str], list[str]]:
        prelude, body = self.base.next_source()
        return prelude, [*body, "c = CANON(c)"]
