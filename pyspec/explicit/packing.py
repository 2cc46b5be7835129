"""Packing states into single ints: a bit-field layout computed once per spec from its variables' types.

Every variable's type is finite with a known domain, so each value has a code of a fixed width:

- a type with at most `TABLE_LIMIT` values (a small map, a record, a set over a few elements)
  is coded by its ordinal in `domain(t)`, and decoded by indexing that tuple, which also hands
  every state the same object for equal values;
- `set[T]` is a bitmask over the ordinals of `T`'s values;
- maps, tuples and records concatenate their components' fields; a union is its variant's
  ordinal followed by that variant's fields.

A state is the concatenation of its variables' fields, lowest bits first. The explicit store
keeps that int (about 30 bytes for Paxos with ballots 0..3) instead of a tuple of tuples and
frozensets (over a kilobyte), and `unpack` gives back a state equal to the one packed.
`Unpackable` is raised, at layout time, for a type that has no such layout (an unbounded int, a
set over a type too large to enumerate): the store then keeps states as tuples.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from pyspec.lang.types import (DOMAIN_LIMIT, AnyT, BagT, BoolT, EnumT, IntT, MapT, RecordT, SeqT, SetT, TupleT, Type,
                               UnionT, domain, domain_size)

TABLE_LIMIT = 4096  # types with at most this many values are coded by a lookup table
SET_LIMIT = 1 << 16  # set[T] needs a bit per value of T: at most this many
_BYTE_TABLE_LIMIT = 2048  # bitmasks up to this width are decoded a byte at a time


class Unpackable(Exception):
    """A variable's type has no fixed-width layout (an internal signal: the store keeps tuples)."""


@dataclass(frozen=True, slots=True)
class Codec:
    """How the values of one type become `width`-bit codes and back. `delta(new, old, code)`,
    `delta`, for a set coded as a bitmask: element -> its bit, so that a set that changed a little
    (one message more) is coded from its parent's code and the symmetric difference."""

    width: int
    encode: Callable[[Any], int]
    decode: Callable[[int], Any]
    delta: Callable[[Any], int] | None = None
    table: dict[Any, int] | None = None  # value -> code, for a type coded by a lookup table


def codec(t: Type, table_limit: int = TABLE_LIMIT) -> Codec:
    """The codec of type `t`; raises Unpackable when `t` has no fixed-width layout.
    `table_limit`: the largest domain coded by a lookup table (0: none, for tests)."""
    n = domain_size(t)
    if n is not None and n <= table_limit:
        return _table(t, n)
    structural = LAYOUTS[type(t)]
    if structural is not None:
        return structural(t, table_limit)
    if n is not None and n <= DOMAIN_LIMIT:  # coded by its ordinal (bool, a bounded int, a small seq or bag)
        return _table(t, n)
    raise Unpackable(f"type {t.show()} is unbounded or too large to lay out")


def _size(t: Type) -> int:
    n = domain_size(t)
    if n is None:
        raise Unpackable(f"type {t.show()} is too large to lay out")
    return n


def _table(t: Type, n: int) -> Codec:
    values = domain(t)
    index = {v: i for i, v in enumerate(values)}
    return Codec(max(n - 1, 0).bit_length(), index.__getitem__, values.__getitem__, table=index)


def _bitmask(t: SetT) -> Codec:
    n = _size(t.elem)
    if n > SET_LIMIT:
        raise Unpackable(f"type {t.show()} needs a bit for each of {n:,} element values")
    elems = domain(t.elem, limit=SET_LIMIT)
    bit = {v: 1 << i for i, v in enumerate(elems)}
    get = bit.__getitem__

    def encode(s) -> int:
        return sum(map(get, s))

    if n <= _BYTE_TABLE_LIMIT:
        nbytes = (n + 7) // 8
        # chunks[j][b]: the elements whose bits are set in byte value b at byte j of the mask
        chunks = [[tuple(elems[8 * j + i] for i in range(8) if b >> i & 1 and 8 * j + i < n) for b in range(256)]
                  for j in range(nbytes)]

        def decode(code: int) -> frozenset:
            out: list = []
            ext = out.extend
            for j, b in enumerate(code.to_bytes(nbytes, "little")):
                if b:
                    ext(chunks[j][b])
            return frozenset(out)
    else:
        def decode(code: int) -> frozenset:
            out = []
            while code:
                low = code & -code
                out.append(elems[low.bit_length() - 1])
                code ^= low
            return frozenset(out)

    return Codec(n, encode, decode, get)


def _product(parts: list[Codec]) -> Codec:
    shifts = []
    at = 0
    for c in parts:
        shifts.append(at)
        at += c.width
    rows = tuple((c.encode, c.decode, s, (1 << c.width) - 1) for c, s in zip(parts, shifts))

    def encode(v) -> int:
        code = 0
        for (enc, _, s, _), x in zip(rows, v):
            code |= enc(x) << s
        return code

    def decode(code: int) -> tuple:
        return tuple([dec(code >> s & m) for _, dec, s, m in rows])

    return Codec(at, encode, decode)


def _union(t: UnionT, table_limit: int) -> Codec:
    tags = [tag for tag, _ in t.variants]
    tag_bits = max(len(tags) - 1, 0).bit_length()
    bodies = [_product([codec(f, table_limit) for _, f in fs]) for _, fs in t.variants]
    ordinal = {tag: i for i, tag in enumerate(tags)}
    tag_mask = (1 << tag_bits) - 1

    def encode(v) -> int:
        i = ordinal[v[0]]
        return i | bodies[i].encode(v[1:]) << tag_bits

    def decode(code: int) -> tuple:
        i = code & tag_mask
        return (tags[i], *bodies[i].decode(code >> tag_bits))

    return Codec(tag_bits + max((b.width for b in bodies), default=0), encode, decode)


LAYOUTS: dict[type, Callable[[Any, int], Codec] | None] = {
    # the packing home of every type constructor: how a type too large for a lookup table is
    # laid out from its parts (`table_limit` passed on), or None: coded by its ordinal only
    BoolT: None,
    IntT: None,
    EnumT: None,
    SeqT: None,
    BagT: None,
    AnyT: None,
    SetT: lambda t, limit: _bitmask(t),
    MapT: lambda t, limit: _product([codec(t.value, limit)] * _size(t.key)),
    TupleT: lambda t, limit: _product([codec(e, limit) for e in t.elems]),
    RecordT: lambda t, limit: _product([codec(f, limit) for _, f in t.fields]),
    UnionT: lambda t, limit: _union(t, limit),
}


class Layout:
    """The bit-field layout of a spec's states: `pack(state) -> int`, `unpack(int) -> state`, and
    `packer(state, code)`, a function packing the successors of `state` that reuses the fields
    of the variables a step left unchanged (the same objects, as the engines build successors)."""

    def __init__(self, types: tuple[Type, ...], table_limit: int = TABLE_LIMIT) -> None:
        self.types = types
        self.table_limit = table_limit
        self.codecs = tuple(codec(t, table_limit) for t in types)
        self.shifts: tuple[int, ...] = ()
        at = 0
        shifts = []
        for c in self.codecs:
            shifts.append(at)
            at += c.width
        self.shifts = tuple(shifts)
        self.width = at  # bits of a packed state
        self.nbytes = max(1, (at + 7) // 8)
        self.pack, self.unpack, self.packer = self._generate()

    def _generate(self) -> tuple[Callable, Callable, Callable]:
        """Straight-line Python for the three functions (one field per variable, no loops)."""
        n = len(self.codecs)
        xs, _ = self.names()
        src = ["def pack(t):\n    " + (f"{xs} = t\n    return " + " | ".join(
            f"E{i}(x{i}) << {sh}" for i, sh in enumerate(self.shifts)) if n else "return 0")]
        parts = [f"D{i}(k >> {sh} & {(1 << c.width) - 1})" for i, (c, sh) in enumerate(zip(self.codecs, self.shifts))]
        src.append("def unpack(k):\n    return (" + "".join(p + ", " for p in parts) + ")")
        prelude, body = self.next_source()
        src.append("def packer(s, k):\n" + "".join("    " + line + "\n" for line in prelude)
                   + f"    def pack_next(t):\n        {xs} = t\n" + "".join("        " + line + "\n" for line in body)
                   + "        return c\n    return pack_next")
        ns = self.namespace()
        exec(compile("\n\n".join(src), "<pyspec packing>", "exec"), ns)
        return ns["pack"], ns["unpack"], ns["packer"]

    def names(self) -> tuple[str, str]:
        """The unpacking targets for a successor and for its parent."""
        n = len(self.codecs)
        end = "," if n == 1 else ""
        return (", ".join(f"x{i}" for i in range(n)) + end or "_", ", ".join(f"s{i}" for i in range(n)) + end or "_")

    def namespace(self) -> dict[str, Any]:
        """The globals that `next_source` and the generated functions refer to: per variable i,
        its encoder Ei and decoder Di, and for the hot path its table Ti (value -> field, shifted
        in place) or, for a bitmask set, Bi (element -> bit, shifted in place)."""
        ns: dict[str, Any] = {}
        for i, (c, sh) in enumerate(zip(self.codecs, self.shifts)):
            ns[f"E{i}"], ns[f"D{i}"] = c.encode, c.decode
            if c.table is not None:
                ns[f"T{i}"] = {v: code << sh for v, code in c.table.items()}
            if c.delta is not None:
                ns[f"B{i}"] = {e: c.delta(e) << sh for e in _elements(c.delta)}
        return ns

    def next_source(self) -> tuple[list[str], list[str]]:
        """Python source that packs a successor `t` (unpacked into x0, x1, ...) of the state `s`
        whose code is `k`: the prelude (run once per `s`, binding s0, ... and p0, ..., the fields
        of `k` in place) and the statements (per successor) that leave the code in `c`. A variable
        the step left unchanged is the same object as the parent's, and keeps its field; a set
        that only grew is coded from its parent's field and the elements added."""
        n = len(self.codecs)
        if n == 0:
            return [], ["c = 0"]
        _, ss = self.names()
        prelude = [f"{ss} = s"]
        body = []
        for i, (c, sh) in enumerate(zip(self.codecs, self.shifts)):
            prelude.append(f"p{i} = k & {((1 << c.width) - 1) << sh}")
            to = "c = " if i == 0 else "c |= "
            if c.delta is not None:
                body += [f"if x{i} is s{i}:",
                         f"    {to}p{i}",
                         "else:",
                         f"    a = x{i} - s{i}",
                         f"    if len(a) + len(s{i}) == len(x{i}):",  # nothing removed
                         f"        f = p{i}",
                         "        for e in a:",
                         f"            f |= B{i}[e]",
                         "    else:",
                         f"        f = E{i}(x{i}) << {sh}",
                         f"    {to}f"]
            elif c.table is not None:
                body.append(f"{to}p{i} if x{i} is s{i} else T{i}[x{i}]")
            else:
                body.append(f"{to}p{i} if x{i} is s{i} else E{i}(x{i}) << {sh}")
        return prelude, body


def _elements(get: Callable[[Any], int]) -> list[Any]:
    """The elements of a bitmask codec's getter (a dict's bound __getitem__)."""
    table = getattr(get, "__self__", None)
    assert isinstance(table, dict), "a bitmask codec's delta is its dict's __getitem__"
    return list(table)


def layout(types: tuple[Type, ...], table_limit: int = TABLE_LIMIT) -> Layout:
    """The layout of states with variables of these types; raises Unpackable (see the module).
    `table_limit`: see `codec`."""
    return Layout(types, table_limit)
