"""Values between an adapter and the spec: what an adapter's `observe()` returns (plain Python:
dicts for maps and records, sets, lists or tuples) read as spec values of a variable's type,
and an action's arguments given back to the adapter in the same plain form.

A spec value is what the explicit engine stores (pyspec/lang/types.py): a map over a finite key
type is the tuple of its values in the key's order, a record the tuple of its fields sorted by
name, a union value `(tag, *fields)`, a bag the frozenset of (element, count) pairs.
"""

from __future__ import annotations

import functools
from typing import Any

from pyspec.lang.types import (
    AnyT,
    BagT,
    BoolT,
    EnumT,
    IntT,
    MapT,
    RecordT,
    SeqT,
    SetT,
    TupleT,
    Type,
    UnionT,
    domain,
    sort_key,
)


class BadValue(Exception):
    """`value` is no value of the type; `why` says what is wrong, `path` where inside it."""

    def __init__(self, why: str, path: str = "", outside: bool = False) -> None:
        super().__init__(why)
        self.why, self.path = why, path
        self.outside = outside  # of the right kind (an int, a string) but not of the type: no spec state has it


def from_python(t: Type, v: Any) -> Any:
    """The spec value of type `t` that the plain Python value `v` stands for (BadValue when
    there is none): bool, int, str for a boolean, integer or enumeration; a set (or frozenset,
    list, tuple) for a set; a list or tuple for a sequence or tuple; a dict for a map (every key
    of the key type), a record (every field) or a bag (element -> count); `(tag, *fields)` or
    a dict with a "tag" for a union."""
    return PLAIN[type(t)].from_python(t, v)


def to_python(t: Type, v: Any) -> Any:
    """The plain Python form of spec value `v` of type `t` (the inverse of `from_python`):
    what an adapter's action methods are called with."""
    return PLAIN[type(t)].to_python(t, v)


@functools.lru_cache(maxsize=256)
def _keys(t: Type) -> tuple[Any, ...]:
    return domain(t)


def _inside(t: Type, v: Any, where: str) -> Any:
    try:
        return from_python(t, v)
    except BadValue as e:
        raise BadValue(e.why, where + e.path, e.outside) from None


class PlainSem:
    """The plain Python form of the values of one type constructor (`PLAIN`): the default is a
    value that is its own plain form."""

    def from_python(self, t: Any, v: Any) -> Any:
        return v

    def to_python(self, t: Any, v: Any) -> Any:
        return v


class _BoolPlain(PlainSem):
    def from_python(self, t: BoolT, v: Any) -> Any:
        if not isinstance(v, bool):
            raise BadValue(f"expected True or False, got {v!r}")
        return v


class _IntPlain(PlainSem):
    def from_python(self, t: IntT, v: Any) -> Any:
        if isinstance(v, bool) or not isinstance(v, int):
            raise BadValue(f"expected an int, got {v!r}")
        if t.bounded and not t.lo <= v <= t.hi:  # type: ignore[operator]
            raise BadValue(f"{v} is outside {t.show()}", outside=True)
        return v


class _EnumPlain(PlainSem):
    def from_python(self, t: EnumT, v: Any) -> Any:
        if not isinstance(v, str):
            raise BadValue(f"expected one of {t.show()}, got {v!r}")
        if v not in t.values:
            raise BadValue(f"{v!r} is not one of {t.show()}", outside=True)
        return v


class _SetPlain(PlainSem):
    def from_python(self, t: SetT, v: Any) -> Any:
        if not isinstance(v, (set, frozenset, list, tuple)):
            raise BadValue(f"expected a set, got {v!r}")
        return frozenset(_inside(t.elem, x, f"element {x!r}") for x in v)

    def to_python(self, t: SetT, v: Any) -> Any:
        try:
            return frozenset(to_python(t.elem, x) for x in v)
        except TypeError:  # dicts (maps, records) inside: a tuple in the spec's order
            return tuple(to_python(t.elem, x) for x in sorted(v, key=sort_key(t.elem)))


class _SeqPlain(PlainSem):
    def from_python(self, t: SeqT, v: Any) -> Any:
        if not isinstance(v, (list, tuple)):
            raise BadValue(f"expected a list, got {v!r}")
        if len(v) > t.cap:
            raise BadValue(f"{len(v)} elements, more than {t.show()} holds")
        return tuple(_inside(t.elem, x, f"[{i}]") for i, x in enumerate(v))

    def to_python(self, t: SeqT, v: Any) -> Any:
        return tuple(to_python(t.elem, x) for x in v)


class _BagPlain(PlainSem):
    def from_python(self, t: BagT, v: Any) -> Any:
        if not isinstance(v, dict):
            raise BadValue(f"expected a dict of element -> count, got {v!r}")
        out = []
        for x, c in v.items():
            if isinstance(c, bool) or not isinstance(c, int) or not 0 <= c <= t.cap:
                raise BadValue(f"count {c!r} is not in 0 .. {t.cap}", f"[{x!r}]")
            if c:
                out.append((_inside(t.elem, x, f"element {x!r}"), c))
        return frozenset(out)

    def to_python(self, t: BagT, v: Any) -> Any:
        return {to_python(t.elem, x): c for x, c in v}


class _MapPlain(PlainSem):
    def from_python(self, t: MapT, v: Any) -> Any:
        if not isinstance(v, dict):
            raise BadValue(f"expected a dict with a value for every key of {t.key.show()}, got {v!r}")
        keys = _keys(t.key)
        given = {_inside(t.key, k, f"key {k!r}"): x for k, x in v.items()}
        missing = [k for k in keys if k not in given]
        if missing:
            raise BadValue(f"no value for key {missing[0]!r} (a map gives every key of {t.key.show()})")
        return tuple(_inside(t.value, given[k], f"[{k!r}]") for k in keys)

    def to_python(self, t: MapT, v: Any) -> Any:
        return {to_python(t.key, k): to_python(t.value, x) for k, x in zip(domain(t.key), v)}


class _TuplePlain(PlainSem):
    def from_python(self, t: TupleT, v: Any) -> Any:
        if not isinstance(v, (list, tuple)) or len(v) != len(t.elems):
            raise BadValue(f"expected a tuple of {len(t.elems)}, got {v!r}")
        return tuple(_inside(e, x, f"[{i}]") for i, (e, x) in enumerate(zip(t.elems, v)))

    def to_python(self, t: TupleT, v: Any) -> Any:
        return tuple(to_python(e, x) for e, x in zip(t.elems, v))


class _RecordPlain(PlainSem):
    def from_python(self, t: RecordT, v: Any) -> Any:
        if not isinstance(v, dict) or set(v) != {n for n, _ in t.fields}:
            raise BadValue(f"expected a dict with the fields {', '.join(n for n, _ in t.fields)}, got {v!r}")
        return tuple(_inside(f, v[n], f".{n}") for n, f in t.fields)

    def to_python(self, t: RecordT, v: Any) -> Any:
        return {n: to_python(f, x) for (n, f), x in zip(t.fields, v)}


class _UnionPlain(PlainSem):
    def from_python(self, t: UnionT, v: Any) -> Any:
        if isinstance(v, dict) and "tag" in v:
            tag, rest = v["tag"], v
            fields = t.variant(tag)
            if fields is None:
                raise BadValue(f"{t.name} has no variant {tag!r}")
            return (tag, *(_inside(f, rest.get(n), f".{n}") for n, f in fields))
        if isinstance(v, tuple) and v and isinstance(v[0], str):
            fields = t.variant(v[0])
            if fields is None or len(fields) != len(v) - 1:
                raise BadValue(f"{v!r} is no variant of {t.name}")
            return (v[0], *(_inside(f, x, f".{n}") for (n, f), x in zip(fields, v[1:])))
        raise BadValue(f"expected (tag, *fields) of {t.name}, got {v!r}")

    def to_python(self, t: UnionT, v: Any) -> Any:
        fields = t.variant(v[0]) or ()
        return (v[0], *(to_python(f, x) for (_, f), x in zip(fields, v[1:])))


PLAIN: dict[type, PlainSem] = {
    BoolT: _BoolPlain(),
    IntT: _IntPlain(),
    EnumT: _EnumPlain(),
    SetT: _SetPlain(),
    SeqT: _SeqPlain(),
    BagT: _BagPlain(),
    MapT: _MapPlain(),
    TupleT: _TuplePlain(),
    RecordT: _RecordPlain(),
    UnionT: _UnionPlain(),
    AnyT: PlainSem(),
}
"""Every type constructor's plain Python form (an adapter's side of a spec value)."""
