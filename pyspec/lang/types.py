"""Resolved types over finite domains, and the type-directed operations on their values.

Values are plain Python data: bool, int, str (enum members), frozenset (sets), tuple (tuples;
records in field-name order; maps indexed by the key type's ordinal; union values as
`(tag, *fields)`). Everything here is deterministic: domains enumerate in declared order and
`sort_key` gives a total order that does not depend on hash seeds.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, cast


class Type:
    __slots__ = ()

    def show(self) -> str:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class BoolT(Type):
    def show(self) -> str:
        return "bool"


@dataclass(frozen=True, slots=True)
class IntT(Type):
    """An integer; `lo`/`hi` bound it when known (a range type), both None when unbounded."""

    lo: int | None = None
    hi: int | None = None

    @property
    def bounded(self) -> bool:
        return self.lo is not None and self.hi is not None

    def show(self) -> str:
        return f"{self.lo} .. {self.hi}" if self.bounded else "int"


@dataclass(frozen=True, slots=True)
class EnumT(Type):
    """A finite set of string literals. `values` are sorted: the type's identity and its
    enumeration order (choices, map layout). `declared` is the order the spec wrote them in,
    the order they are printed in; it takes no part in equality."""

    values: tuple[str, ...]
    declared: tuple[str, ...] = field(default=(), compare=False)

    def show(self) -> str:
        return "{" + ", ".join(f'"{v}"' for v in self.shown()) + "}"

    def shown(self) -> tuple[str, ...]:
        """The values in declared order (sorted when the order is not known)."""
        return self.declared if len(self.declared) == len(self.values) else self.values


@dataclass(frozen=True, slots=True)
class SetT(Type):
    elem: Type

    def show(self) -> str:
        return f"set[{self.elem.show()}]"


@dataclass(frozen=True, slots=True)
class MapT(Type):
    key: Type
    value: Type

    def show(self) -> str:
        return f"map[{self.key.show()}, {self.value.show()}]"


@dataclass(frozen=True, slots=True)
class SeqT(Type):
    """`seq[T, N]`: a sequence of at most `cap` elements of `elem`. A value is a Python tuple of
    its elements (of any length up to `cap`), so two sequences of different capacities compare
    as the user expects; the capacity is checked where a value is stored (like an int range)."""

    elem: Type
    cap: int

    def show(self) -> str:
        return f"seq[{self.elem.show()}, {self.cap}]"


@dataclass(frozen=True, slots=True)
class BagT(Type):
    """`bag[T, K]`: a multiset of values of `elem`, each at most `cap` times. A value is the
    frozenset of its (element, count) pairs with count >= 1, so that it does not depend on the
    declared bound (an empty bag is the empty frozenset)."""

    elem: Type
    cap: int

    def show(self) -> str:
        return f"bag[{self.elem.show()}, {self.cap}]"


@dataclass(frozen=True, slots=True)
class TupleT(Type):
    elems: tuple[Type, ...]

    def show(self) -> str:
        return "tuple[" + ", ".join(t.show() for t in self.elems) + "]"


@dataclass(frozen=True, slots=True)
class RecordT(Type):
    """Fields sorted by name; a record value is the tuple of its fields in this order."""

    fields: tuple[tuple[str, Type], ...]

    def index(self, name: str) -> int | None:
        for i, (n, _) in enumerate(self.fields):
            if n == name:
                return i
        return None

    def show(self) -> str:
        return "{" + ", ".join(f"{n}: {t.show()}" for n, t in self.fields) + "}"


@dataclass(frozen=True, slots=True)
class UnionT(Type):
    """A tagged union; a value is `(tag, *fields)` with fields in declared order."""

    name: str
    variants: tuple[tuple[str, tuple[tuple[str, Type], ...]], ...]

    def variant(self, tag: str) -> tuple[tuple[str, Type], ...] | None:
        for t, fields in self.variants:
            if t == tag:
                return fields
        return None

    def show(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class AnyT(Type):
    """The element type of `{}` before context fixes it; unifies with everything."""

    def show(self) -> str:
        return "?"


def enum_type(values) -> EnumT:
    """An enumeration with its values in canonical (sorted) order, so that two spellings of
    the same enumeration are the same type and enumerate the same way; the order given is kept
    for printing (`declared`)."""
    given = tuple(dict.fromkeys(values))
    return EnumT(tuple(sorted(given)), given)


def _print_key(t: Type) -> Callable[[Any], Any] | None:
    """The order values of `t` print in, where it differs from `sort_key`: an enumeration's
    declared order."""
    if isinstance(t, EnumT) and t.shown() != t.values:
        rank = {v: i for i, v in enumerate(t.shown())}
        return lambda v: rank.get(v, len(rank))
    return None


BOOL = BoolT()
INT = IntT()
ANY = AnyT()


def is_int(t: Type) -> bool:
    return isinstance(t, IntT)


def is_finite(t: Type) -> bool:
    if isinstance(t, IntT):
        return t.bounded
    if isinstance(t, (BoolT, EnumT)):
        return True
    if isinstance(t, (SetT, SeqT, BagT)):
        return is_finite(t.elem)
    if isinstance(t, MapT):
        return is_finite(t.key) and is_finite(t.value)
    if isinstance(t, TupleT):
        return all(is_finite(e) for e in t.elems)
    if isinstance(t, RecordT):
        return all(is_finite(f) for _, f in t.fields)
    if isinstance(t, UnionT):
        return all(is_finite(f) for _, fs in t.variants for _, f in fs)
    return False


def unify(a: Type, b: Type) -> Type | None:
    """The least common type of `a` and `b` (int ranges widen, enums merge), or None."""
    if isinstance(a, AnyT):
        return b
    if isinstance(b, AnyT):
        return a
    if isinstance(a, IntT) and isinstance(b, IntT):
        if a.lo is not None and a.hi is not None and b.lo is not None and b.hi is not None:
            return IntT(min(a.lo, b.lo), max(a.hi, b.hi))
        return INT
    if isinstance(a, EnumT) and isinstance(b, EnumT):
        return enum_type(a.shown() + b.shown())
    if isinstance(a, SetT) and isinstance(b, SetT):
        e = unify(a.elem, b.elem)
        return SetT(e) if e is not None else None
    if isinstance(a, SeqT) and isinstance(b, SeqT):
        e = unify(a.elem, b.elem)
        return SeqT(e, max(a.cap, b.cap)) if e is not None else None
    if isinstance(a, BagT) and isinstance(b, BagT):
        e = unify(a.elem, b.elem)
        return BagT(e, max(a.cap, b.cap)) if e is not None else None
    if isinstance(a, MapT) and isinstance(b, MapT):
        k = a.key if a.key == b.key else None
        v = unify(a.value, b.value)
        return MapT(k, v) if k is not None and v is not None else None
    if isinstance(a, TupleT) and isinstance(b, TupleT) and len(a.elems) == len(b.elems):
        es = [unify(x, y) for x, y in zip(a.elems, b.elems)]
        return TupleT(tuple(cast(list[Type], es))) if None not in es else None
    if isinstance(a, RecordT) and isinstance(b, RecordT):
        if [n for n, _ in a.fields] != [n for n, _ in b.fields]:
            return None
        fs = [unify(x, y) for (_, x), (_, y) in zip(a.fields, b.fields)]
        return RecordT(tuple(zip((n for n, _ in a.fields), cast(list[Type], fs)))) if None not in fs else None
    if isinstance(a, UnionT) and isinstance(b, UnionT):
        return a if a == b else None
    if a == b:
        return a
    return None


def subtype(a: Type, b: Type) -> bool:
    """True when every value of `a` is a value of `b`, so an assignment needs no run-time check."""
    if isinstance(a, AnyT):
        return True
    if isinstance(a, IntT) and isinstance(b, IntT):
        if b.lo is None or b.hi is None:
            return True
        return a.lo is not None and a.hi is not None and b.lo <= a.lo and a.hi <= b.hi
    if isinstance(a, EnumT) and isinstance(b, EnumT):
        return set(a.values) <= set(b.values)
    if isinstance(a, SetT) and isinstance(b, SetT):
        return subtype(a.elem, b.elem)
    if isinstance(a, (SeqT, BagT)) and type(a) is type(b):
        return a.cap <= b.cap and subtype(a.elem, b.elem)  # type: ignore[union-attr]
    if isinstance(a, MapT) and isinstance(b, MapT):
        return a.key == b.key and subtype(a.value, b.value)
    if isinstance(a, TupleT) and isinstance(b, TupleT):
        return len(a.elems) == len(b.elems) and all(subtype(x, y) for x, y in zip(a.elems, b.elems))
    if isinstance(a, RecordT) and isinstance(b, RecordT):
        return [n for n, _ in a.fields] == [n for n, _ in b.fields] and all(
            subtype(x, y) for (_, x), (_, y) in zip(a.fields, b.fields)
        )
    return a == b


DOMAIN_LIMIT = 1 << 20
"""The most values a type may have where an engine enumerates it: an action parameter's type and
a map's key type (the type checker rejects larger ones, PS333)."""

_SIZE_BITS = 1 << 20  # domain_size counts up to 2^(2^20) values; beyond, "too large to count"


def domain(t: Type, limit: int = DOMAIN_LIMIT) -> tuple[Any, ...]:
    """Every value of a finite type, in a deterministic order. Raises ValueError when the type
    is unbounded or has more than `limit` values."""
    n = domain_size(t)
    if n is None:
        raise ValueError(f"type {t.show()} is unbounded" if not is_finite(t) else f"type {t.show()} has more than 2^64 values")
    if n > limit:
        raise ValueError(f"type {t.show()} has {format_count(n)} values (limit {limit:,})")
    return tuple(_values(t))


def too_large_to_enumerate(t: Type) -> str | None:
    """The number of values of the finite type `t` as text ("2,000,001", "more than 2^64") when
    it exceeds DOMAIN_LIMIT, else None: the one rule the type checker applies to action
    parameters and map keys, so that no engine meets a type it cannot enumerate."""
    n = domain_size(t)
    if n is None:
        return "more than 2^64"
    return format_count(n) if n > DOMAIN_LIMIT else None


def format_count(n: int) -> str:
    """`n` with thousands separators; past 10^30, as 2^N when a power of two, else as 1.23e+45
    (a count of 10,000 digits cannot be printed as an int, and nobody reads it)."""
    if n < 10**30:
        return f"{n:,}"
    if n & (n - 1) == 0:
        return f"2^{n.bit_length() - 1}"
    exponent = math.floor(math.log10(n))  # math.log10 takes ints of any size
    mantissa = round(10 ** (math.log10(n) - exponent), 2)
    if mantissa >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mantissa:.2f}e+{exponent}"


def domain_size(t: Type) -> int | None:
    """The number of values of `t`; None when it is unbounded or too large to count (a set of
    over 64 values, a map with over 2^(2^20) tables): computing the exact number for
    `map[map[set[0 .. 13], bool], bool]` would not finish."""
    if isinstance(t, BoolT):
        return 2
    if isinstance(t, IntT):
        return max(0, t.hi - t.lo + 1) if t.lo is not None and t.hi is not None else None
    if isinstance(t, EnumT):
        return len(t.values)
    if isinstance(t, SetT):
        n = domain_size(t.elem)
        return None if n is None or n > 64 else 2**n
    if isinstance(t, SeqT):
        n = domain_size(t.elem)
        if n is None or (n > 1 and t.cap * (n - 1).bit_length() > _SIZE_BITS):
            return None
        return sum(n**k for k in range(t.cap + 1))
    if isinstance(t, BagT):
        n = domain_size(t.elem)
        if n is None or n * t.cap.bit_length() > _SIZE_BITS:
            return None
        return (t.cap + 1) ** n
    if isinstance(t, MapT):
        k, v = domain_size(t.key), domain_size(t.value)
        if k is None or v is None or (v > 1 and k * (v - 1).bit_length() > _SIZE_BITS):
            return None
        return v**k
    if isinstance(t, TupleT):
        return _product(domain_size(e) for e in t.elems)
    if isinstance(t, RecordT):
        return _product(domain_size(f) for _, f in t.fields)
    if isinstance(t, UnionT):
        total = 0
        for _, fs in t.variants:
            n = _product(domain_size(f) for _, f in fs)
            if n is None:
                return None
            total += n
        return total
    return None


def _product(sizes) -> int | None:
    total = 1
    for s in sizes:
        if s is None:
            return None
        total *= s
    return total


def _values(t: Type) -> Iterator[Any]:
    if isinstance(t, BoolT):
        yield from (False, True)
    elif isinstance(t, IntT):
        assert t.lo is not None and t.hi is not None, "domain() checked domain_size"
        yield from range(t.lo, t.hi + 1)
    elif isinstance(t, EnumT):
        yield from t.values
    elif isinstance(t, SetT):
        elems = domain(t.elem)
        for r in range(len(elems) + 1):
            for c in itertools.combinations(elems, r):
                yield frozenset(c)
    elif isinstance(t, SeqT):
        elems = domain(t.elem)
        for n in range(t.cap + 1):
            yield from itertools.product(elems, repeat=n)
    elif isinstance(t, BagT):
        elems = domain(t.elem)
        for counts in itertools.product(range(t.cap + 1), repeat=len(elems)):
            yield frozenset((x, c) for x, c in zip(elems, counts) if c)
    elif isinstance(t, MapT):
        keys = domain(t.key)
        yield from itertools.product(domain(t.value), repeat=len(keys))
    elif isinstance(t, TupleT):
        yield from itertools.product(*(domain(e) for e in t.elems))
    elif isinstance(t, RecordT):
        yield from itertools.product(*(domain(f) for _, f in t.fields))
    elif isinstance(t, UnionT):
        for tag, fs in t.variants:
            for vals in itertools.product(*(domain(f) for _, f in fs)):
                yield (tag, *vals)


def contains(t: Type, v: Any) -> bool:
    """Is `v` (a value of a type that unifies with `t`) a value of `t`?"""
    if isinstance(t, IntT):
        return not t.bounded or t.lo <= v <= t.hi
    if isinstance(t, EnumT):
        return v in t.values
    if isinstance(t, SetT):
        return all(contains(t.elem, x) for x in v)
    if isinstance(t, SeqT):
        return len(v) <= t.cap and all(contains(t.elem, x) for x in v)
    if isinstance(t, BagT):
        return all(c <= t.cap and contains(t.elem, x) for x, c in v)
    if isinstance(t, MapT):
        return all(contains(t.value, x) for x in v)
    if isinstance(t, TupleT):
        return all(contains(e, x) for e, x in zip(t.elems, v))
    if isinstance(t, RecordT):
        return all(contains(f, x) for (_, f), x in zip(t.fields, v))
    if isinstance(t, UnionT):
        fs = t.variant(v[0])
        return fs is not None and all(contains(f, x) for (_, f), x in zip(fs, v[1:]))
    return True


def key_index(t: Type) -> Callable[[Any], int]:
    """A function from a key of type `t` to its ordinal in `domain(t)`; raises KeyError outside."""
    if isinstance(t, IntT) and t.lo is not None and t.hi is not None:
        lo, hi = t.lo, t.hi

        def by_range(k: int) -> int:
            if lo <= k <= hi:
                return k - lo
            raise KeyError(k)

        return by_range
    table = {v: i for i, v in enumerate(domain(t))}
    return table.__getitem__


@functools.lru_cache(maxsize=None)
def sort_key(t: Type) -> Callable[[Any], Any]:
    """A key function giving a total, hash-independent order on values of `t`."""
    if isinstance(t, (BoolT, IntT, EnumT, AnyT)):
        return _identity
    if isinstance(t, SetT):
        ek = sort_key(t.elem)
        if ek is _identity:
            return lambda s: (len(s), sorted(s))
        return lambda s: (len(s), sorted(ek(x) for x in s))
    if isinstance(t, SeqT):  # shorter first, then element by element (the order of domain())
        sk = sort_key(t.elem)
        return lambda q: (len(q), tuple(sk(x) for x in q))
    if isinstance(t, BagT):  # fewer distinct elements first, then (element, count) pairs in order
        bk = sort_key(t.elem)
        return lambda b: (len(b), sorted((bk(x), c) for x, c in b))
    if isinstance(t, MapT):
        vk = sort_key(t.value)
        return lambda m: tuple(vk(x) for x in m)
    if isinstance(t, (TupleT, RecordT)):
        ts = t.elems if isinstance(t, TupleT) else tuple(f for _, f in t.fields)
        ks = tuple(sort_key(e) for e in ts)
        return lambda v: tuple(k(x) for k, x in zip(ks, v))
    if isinstance(t, UnionT):
        order = {tag: i for i, (tag, _) in enumerate(t.variants)}
        keys = {tag: tuple(sort_key(f) for _, f in fs) for tag, fs in t.variants}
        return lambda v: (order[v[0]], tuple(k(x) for k, x in zip(keys[v[0]], v[1:])))
    return _identity


def plainly_ordered(t: Type) -> bool:
    """True when Python's own `<` orders values of `t` exactly as `sort_key` does (no sets
    inside, unions only with variants declared in name order): `sorted(values)` then needs no
    key, and is several times faster."""
    if isinstance(t, (BoolT, IntT, EnumT, AnyT)):
        return True
    if isinstance(t, (SetT, SeqT, BagT)):
        return False
    if isinstance(t, MapT):
        return plainly_ordered(t.value)
    if isinstance(t, TupleT):
        return all(plainly_ordered(e) for e in t.elems)
    if isinstance(t, RecordT):
        return all(plainly_ordered(f) for _, f in t.fields)
    if isinstance(t, UnionT):
        # Python orders union values by tag name, then fields; the declared order is by variant,
        # then fields: the same order exactly when the variants are declared in name order.
        tags = [tag for tag, _ in t.variants]
        return tags == sorted(tags) and all(plainly_ordered(f) for _, fs in t.variants for _, f in fs)
    return False


def _identity(x: Any) -> Any:
    return x


def format_value(t: Type, v: Any) -> str:
    """A value in the spec's own notation: {0, 1}, {0: True, 1: False}, Phase1a(bal=1)."""
    if isinstance(t, BoolT):
        return "True" if v else "False"
    if isinstance(t, EnumT):
        return f'"{v}"'
    if isinstance(t, SetT):
        k = _print_key(t.elem) or sort_key(t.elem)
        return "{" + ", ".join(format_value(t.elem, x) for x in sorted(v, key=k)) + "}"
    if isinstance(t, SeqT):
        return "[" + ", ".join(format_value(t.elem, x) for x in v) + "]"
    if isinstance(t, BagT):  # bag({x: count, ...}) in the element order, as `count(b, x)` reads it
        ek = _print_key(t.elem) or sort_key(t.elem)
        inner = ", ".join(f"{format_value(t.elem, x)}: {c}" for x, c in sorted(v, key=lambda p: ek(p[0])))
        return f"bag({{{inner}}})" if v else "bag()"
    if isinstance(t, MapT):
        pairs = list(zip(domain(t.key), v))
        pk = _print_key(t.key)
        if pk is not None:
            pairs.sort(key=lambda p: pk(p[0]))
        return "{" + ", ".join(f"{format_value(t.key, k)}: {format_value(t.value, x)}" for k, x in pairs) + "}"
    if isinstance(t, TupleT):
        inner = ", ".join(format_value(e, x) for e, x in zip(t.elems, v))
        return f"({inner},)" if len(v) == 1 else f"({inner})"
    if isinstance(t, RecordT):
        return "{" + ", ".join(f"{n}: {format_value(f, x)}" for (n, f), x in zip(t.fields, v)) + "}"
    if isinstance(t, UnionT):
        fs = t.variant(v[0]) or ()
        return f"{v[0]}(" + ", ".join(f"{n}={format_value(f, x)}" for (n, f), x in zip(fs, v[1:])) + ")"
    return str(v)


def to_itf(t: Type, v: Any) -> Any:
    """A value in the Informal Trace Format (ITF) JSON encoding used by Apalache and Quint."""
    if isinstance(t, (BoolT, EnumT)):
        return v
    if isinstance(t, IntT):
        return v if -(2**53) < v < 2**53 else {"#bigint": str(v)}
    if isinstance(t, SetT):
        k = sort_key(t.elem)
        return {"#set": [to_itf(t.elem, x) for x in sorted(v, key=k)]}
    if isinstance(t, SeqT):  # ITF writes a sequence as a JSON array
        return [to_itf(t.elem, x) for x in v]
    if isinstance(t, BagT):  # ITF writes a bag as a map to counts (the elements it holds)
        k = sort_key(t.elem)
        return {"#map": [[to_itf(t.elem, x), c] for x, c in sorted(v, key=lambda p: k(p[0]))]}
    if isinstance(t, MapT):
        return {"#map": [[to_itf(t.key, k), to_itf(t.value, x)] for k, x in zip(domain(t.key), v)]}
    if isinstance(t, TupleT):
        return {"#tup": [to_itf(e, x) for e, x in zip(t.elems, v)]}
    if isinstance(t, RecordT):
        return {n: to_itf(f, x) for (n, f), x in zip(t.fields, v)}
    if isinstance(t, UnionT):
        fs = t.variant(v[0]) or ()
        return {"tag": v[0], "value": {n: to_itf(f, x) for (n, f), x in zip(fs, v[1:])}}
    return v


def from_itf(t: Type, j: Any) -> Any:
    """Inverse of `to_itf`: an ITF JSON value back to a value of `t`."""
    if isinstance(t, IntT):
        return int(j["#bigint"]) if isinstance(j, dict) else int(j)
    if isinstance(t, SetT):
        return frozenset(from_itf(t.elem, x) for x in j["#set"])
    if isinstance(t, SeqT):
        return tuple(from_itf(t.elem, x) for x in j)
    if isinstance(t, BagT):
        return frozenset((from_itf(t.elem, x), int(c)) for x, c in j["#map"] if int(c) > 0)
    if isinstance(t, MapT):
        pairs = {from_itf(t.key, k): from_itf(t.value, x) for k, x in j["#map"]}
        return tuple(pairs[k] for k in domain(t.key))
    if isinstance(t, TupleT):
        return tuple(from_itf(e, x) for e, x in zip(t.elems, j["#tup"]))
    if isinstance(t, RecordT):
        return tuple(from_itf(f, j[n]) for n, f in t.fields)
    if isinstance(t, UnionT):
        fs = t.variant(j["tag"]) or ()
        return (j["tag"], *(from_itf(f, j["value"][n]) for n, f in fs))
    return j
