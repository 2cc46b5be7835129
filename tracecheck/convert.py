"""Logged field values -> spec values: one converter per declared field type, built once.

JSON values convert structurally (a list is a set, a sequence or a tuple, an object or a list of
pairs is a map or a bag (element -> count), an object is a record); text values (regex groups) are first read as JSON when they look
like it, else as a bare scalar or a comma-separated collection. A value that does not fit its
type raises ValueError with a message in the spec's notation; the caller adds the place.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from pyspec.types import BagT, BoolT, EnumT, IntT, MapT, RecordT, SeqT, SetT, TupleT, Type, UnionT, domain

Converter = Callable[[Any], Any]

_EMPTY: frozenset = frozenset()
_INT_ONLY = {int}
_TRUE = {"true", "True", "TRUE", "1", "yes", "on"}
_FALSE = {"false", "False", "FALSE", "0", "no", "off"}


def converter(ty: Type) -> Converter:
    """A function from a logged value (JSON-decoded, or a string from a text log) to a value of
    `ty`; raises ValueError when it does not fit."""
    build = CONVERTERS.get(type(ty))
    if build is None:
        raise ValueError(f"a logged field cannot have type {ty.show()}")
    return build(ty)


def _bool(ty: BoolT) -> Converter:
    return _to_bool


def _int(ty: IntT) -> Converter:
    lo, hi = ty.lo, ty.hi

    def to_int(v: Any) -> int:
        if isinstance(v, str):
            try:
                v = int(v.strip())
            except ValueError:
                if len(v) > 40 and v.strip().lstrip("+-").isdigit():  # past Python's digit limit
                    raise ValueError(f"an integer of {len(v.strip().lstrip('+-')):,} digits") from None
                raise ValueError(f"{repr(v) if len(v) <= 40 else repr(v[:40]) + '...'} is not an integer") from None
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError(f"{_show(v)} is not an integer")
        if lo is not None and hi is not None and not lo <= v <= hi:
            raise ValueError(f"{v} is outside {lo} .. {hi}")
        return v

    if lo is not None and hi is not None:
        low, high = lo, hi

        def to_bounded_int(v: Any) -> int:
            if type(v) is int and low <= v <= high:  # the common case, without a further test
                return v
            return to_int(v)

        return to_bounded_int
    return to_int


def _enum(ty: EnumT) -> Converter:
    values = frozenset(ty.values)

    def to_enum(v: Any) -> str:
        if v not in values:
            raise ValueError(f"{_show(v)} is not one of {ty.show()}")
        return v

    return to_enum


def _set(ty: SetT) -> Converter:
    elem = converter(ty.elem)
    et = ty.elem
    if isinstance(et, IntT) and et.lo is not None:
        lo, hi = et.lo, et.hi

        def to_int_set(v: Any) -> frozenset:
            # the common case, a JSON list of in-range ints, without a Python call per element
            if type(v) is list:
                if not v:
                    return _EMPTY
                if set(map(type, v)) == _INT_ONLY:
                    s = frozenset(v)
                    if lo <= min(s) and max(s) <= hi:
                        return s
            return to_set(v)

    def to_set(v: Any) -> frozenset:
        v = _collection(v)
        if not isinstance(v, list):
            raise ValueError(f"{_show(v)} is not a list (a set is logged as a JSON list)")
        return frozenset(elem(x) for x in v)

    if isinstance(et, IntT) and et.lo is not None:
        return to_int_set
    return to_set


def _seq(ty: SeqT) -> Converter:
    item = converter(ty.elem)
    cap = ty.cap

    def to_seq(v: Any) -> tuple:
        v = _collection(v)
        if not isinstance(v, list):
            raise ValueError(f"{_show(v)} is not a list (a sequence is logged as a JSON list)")
        if len(v) > cap:
            raise ValueError(f"a sequence of {len(v)} values is longer than its capacity {cap}")
        return tuple(item(x) for x in v)

    return to_seq


def _bag(ty: BagT) -> Converter:
    member = converter(ty.elem)
    bound = ty.cap

    def to_bag(v: Any) -> frozenset:
        pairs = _pairs(v, "[element, count] pairs (a bag is logged as a map to counts)")
        counts: dict[Any, int] = {}
        for x, n in pairs:
            if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= bound:
                raise ValueError(f"the count {_show(n)} of {_show(x)} is not within 0 .. {bound}")
            x = member(x)
            counts[x] = counts.get(x, 0) + n
        if any(n > bound for n in counts.values()):
            raise ValueError(f"an element is counted more than {bound} times")
        return frozenset((x, n) for x, n in counts.items() if n)

    return to_bag


def _tuple(ty: TupleT) -> Converter:
    elems = [converter(e) for e in ty.elems]

    def to_tuple(v: Any) -> tuple:
        v = _collection(v)
        if not isinstance(v, list) or len(v) != len(elems):
            raise ValueError(f"{_show(v)} is not a list of {len(elems)} values")
        return tuple(c(x) for c, x in zip(elems, v))

    return to_tuple


def _map(ty: MapT) -> Converter:
    keys = domain(ty.key)
    key_of = converter(ty.key)
    value_of = converter(ty.value)

    def to_map(v: Any) -> tuple:
        pairs = _pairs(v, "[key, value] pairs")
        got = {key_of(k): value_of(x) for k, x in pairs}
        missing = [k for k in keys if k not in got]
        if missing:
            raise ValueError(f"map has no value for key {missing[0]!r}")
        return tuple(got[k] for k in keys)

    return to_map


def _record(ty: RecordT) -> Converter:
    fields = [(n, converter(t)) for n, t in ty.fields]

    def to_record(v: Any) -> tuple:
        v = _collection(v)
        if not isinstance(v, dict):
            raise ValueError(f"{_show(v)} is not an object")
        out = []
        for n, c in fields:
            if n not in v:
                raise ValueError(f"record has no field {n!r}")
            out.append(c(v[n]))
        return tuple(out)

    return to_record


CONVERTERS: dict[type, Callable[[Any], Converter] | None] = {
    # the converter builder of every type constructor a logged field can have; None: refused
    BoolT: _bool,
    IntT: _int,
    EnumT: _enum,
    SetT: _set,
    SeqT: _seq,
    BagT: _bag,
    TupleT: _tuple,
    MapT: _map,
    RecordT: _record,
    UnionT: None,
}


def _to_bool(v: Any) -> bool:
    if v is True or v is False:
        return v
    if isinstance(v, str):
        s = v.strip()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
    raise ValueError(f"{_show(v)} is not a boolean")


def _pairs(v: Any, what: str) -> list:
    """The pairs of a logged map or bag: a JSON object, or a list of two-element lists."""
    v = _collection(v)
    if isinstance(v, dict):
        return list(v.items())
    if isinstance(v, list) and all(isinstance(p, list) and len(p) == 2 for p in v):
        return v
    raise ValueError(f"{_show(v)} is not an object or a list of {what}")


def _collection(v: Any) -> Any:
    """A text value of a collection type: JSON if it parses, else `a, b` / `{a, b}` / `[a, b]`."""
    if not isinstance(v, str):
        return v
    s = v.strip()
    if s[:1] in "[{":
        try:
            return json.loads(s)
        except RecursionError:
            raise ValueError("a JSON value nested too deeply to decode") from None
        except ValueError:
            pass
    if s[:1] in "{[(" and s[-1:] in "}])":
        s = s[1:-1]
    return [x.strip() for x in s.split(",") if x.strip()]


def _show(v: Any) -> str:
    return json.dumps(v) if isinstance(v, (str, bool, type(None))) else repr(v)


__all__ = ["converter"]
