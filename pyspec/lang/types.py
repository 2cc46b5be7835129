"""Resolved types over finite domains, and the type-directed operations on their values.

Values are plain Python data: bool, int, str (enum members), frozenset (sets), tuple (tuples;
records in field-name order; maps indexed by the key type's ordinal; union values as
`(tag, *fields)`). Everything here is deterministic: domains enumerate in declared order and
`sort_key` gives a total order that does not depend on hash seeds.

Each type constructor's type-directed functions (typing relations, domain, order, printing, ITF)
are one `TypeSem` in `SEMS`; the module's functions look the entry up (docs/architecture.md,
"Adding a type").
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


BOOL = BoolT()
INT = IntT()
ANY = AnyT()


def is_int(t: Type) -> bool:
    return isinstance(t, IntT)


def is_finite(t: Type) -> bool:
    return sem(t).finite(t)


def unify(a: Type, b: Type) -> Type | None:
    """The least common type of `a` and `b` (int ranges widen, enums merge), or None."""
    if isinstance(a, AnyT):
        return b
    if isinstance(b, AnyT):
        return a
    return sem(a).unify(a, b) if type(a) is type(b) else None


def subtype(a: Type, b: Type) -> bool:
    """True when every value of `a` is a value of `b`, so an assignment needs no run-time check."""
    if isinstance(a, AnyT):
        return True
    return type(a) is type(b) and sem(a).subtype(a, b)


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
    return tuple(sem(t).values(t))


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


def key_index(t: Type) -> Callable[[Any], int]:
    """A function from a key of type `t` to its ordinal in `domain(t)`; raises KeyError outside."""
    return sem(t).key_index(t)




# ---- one home per type: the type-directed functions of each type constructor --------------------
#
# Each type constructor has one `TypeSem` in `SEMS`; the functions above and below (domain,
# domain_size, contains, sort_key, format_value, to_itf, ...) only look the entry up. Adding a
# type is a Type class plus an entry here (and a codec in pyspec/explicit/packing.py and a Z3
# representation in pyspec/symbolic/decode.py, the engines' own homes); tests/lang/test_typesem.py
# runs every entry through every reader.


class TypeSem:
    """The type-directed functions on the values of one type constructor. The defaults are those
    of a scalar whose Python value is its own printed, ordered and ITF form."""

    def unify(self, a: Any, b: Any) -> Type | None:
        """The least common type of two types of this constructor, or None (see `unify`)."""
        return a if a == b else None

    def subtype(self, a: Any, b: Any) -> bool:
        """Is every value of `a` one of `b`, two types of this constructor (see `subtype`)?"""
        return bool(a == b)

    def key_index(self, t: Any) -> Callable[[Any], int]:
        """A function from a value of `t` to its ordinal in `domain(t)` (see `key_index`)."""
        table = {v: i for i, v in enumerate(domain(t))}
        return table.__getitem__

    def finite(self, t: Any) -> bool:
        """Has `t` finitely many values?"""
        return False

    def size(self, t: Any) -> int | None:
        """The number of values of `t` (see `domain_size`)."""
        return None

    def values(self, t: Any) -> Iterator[Any]:
        """Every value of `t` in its enumeration order; called only when `size` is an int."""
        raise AssertionError(f"type {t.show()} has no enumeration")

    def contains(self, t: Any, v: Any) -> bool:
        """Is `v`, a value of a type that unifies with `t`, a value of `t`?"""
        return True

    def sort_key(self, t: Any) -> Callable[[Any], Any]:
        """A key giving a total, hash-independent order on values of `t`."""
        return _identity

    def plainly_ordered(self, t: Any) -> bool:
        """Does Python's own `<` order values of `t` as `sort_key` does?"""
        return True

    def print_key(self, t: Any) -> Callable[[Any], Any] | None:
        """The order values of `t` print in, where it differs from `sort_key`."""
        return None

    def format(self, t: Any, v: Any) -> str:
        """`v` in the spec's own notation."""
        return str(v)

    def to_itf(self, t: Any, v: Any) -> Any:
        """`v` in the Informal Trace Format's JSON encoding."""
        return v

    def from_itf(self, t: Any, j: Any) -> Any:
        """The inverse of `to_itf`."""
        return j


class _BoolSem(TypeSem):
    def finite(self, t: BoolT) -> bool:
        return True

    def size(self, t: BoolT) -> int:
        return 2

    def values(self, t: BoolT) -> Iterator[Any]:
        yield from (False, True)

    def format(self, t: BoolT, v: Any) -> str:
        return "True" if v else "False"


class _IntSem(TypeSem):
    def unify(self, a: IntT, b: IntT) -> Type | None:
        if a.lo is not None and a.hi is not None and b.lo is not None and b.hi is not None:
            return IntT(min(a.lo, b.lo), max(a.hi, b.hi))
        return INT

    def subtype(self, a: IntT, b: IntT) -> bool:
        if b.lo is None or b.hi is None:
            return True
        return a.lo is not None and a.hi is not None and b.lo <= a.lo and a.hi <= b.hi

    def key_index(self, t: IntT) -> Callable[[Any], int]:
        if t.lo is None or t.hi is None:
            return super().key_index(t)
        lo, hi = t.lo, t.hi

        def by_range(k: int) -> int:
            if lo <= k <= hi:
                return k - lo
            raise KeyError(k)

        return by_range

    def finite(self, t: IntT) -> bool:
        return t.bounded

    def size(self, t: IntT) -> int | None:
        return max(0, t.hi - t.lo + 1) if t.lo is not None and t.hi is not None else None

    def values(self, t: IntT) -> Iterator[Any]:
        assert t.lo is not None and t.hi is not None, "domain() checked domain_size"
        yield from range(t.lo, t.hi + 1)

    def contains(self, t: IntT, v: Any) -> bool:
        return not t.bounded or t.lo <= v <= t.hi  # type: ignore[operator]

    def to_itf(self, t: IntT, v: Any) -> Any:
        return v if -(2**53) < v < 2**53 else {"#bigint": str(v)}

    def from_itf(self, t: IntT, j: Any) -> Any:
        return int(j["#bigint"]) if isinstance(j, dict) else int(j)


class _EnumSem(TypeSem):
    def unify(self, a: EnumT, b: EnumT) -> Type | None:
        return enum_type(a.shown() + b.shown())

    def subtype(self, a: EnumT, b: EnumT) -> bool:
        return set(a.values) <= set(b.values)

    def finite(self, t: EnumT) -> bool:
        return True

    def size(self, t: EnumT) -> int:
        return len(t.values)

    def values(self, t: EnumT) -> Iterator[Any]:
        yield from t.values

    def contains(self, t: EnumT, v: Any) -> bool:
        return v in t.values

    def print_key(self, t: EnumT) -> Callable[[Any], Any] | None:
        if t.shown() == t.values:
            return None
        rank = {v: i for i, v in enumerate(t.shown())}
        return lambda v: rank.get(v, len(rank))

    def format(self, t: EnumT, v: Any) -> str:
        return f'"{v}"'


class _AnySem(TypeSem):
    """`{}` before context fixes its element type: no values of its own."""


class _SetSem(TypeSem):
    def unify(self, a: SetT, b: SetT) -> Type | None:
        e = unify(a.elem, b.elem)
        return SetT(e) if e is not None else None

    def subtype(self, a: SetT, b: SetT) -> bool:
        return subtype(a.elem, b.elem)

    def finite(self, t: SetT) -> bool:
        return is_finite(t.elem)

    def size(self, t: SetT) -> int | None:
        n = domain_size(t.elem)
        return None if n is None or n > 64 else 2**n

    def values(self, t: SetT) -> Iterator[Any]:
        elems = domain(t.elem)
        for r in range(len(elems) + 1):
            for c in itertools.combinations(elems, r):
                yield frozenset(c)

    def contains(self, t: SetT, v: Any) -> bool:
        return all(contains(t.elem, x) for x in v)

    def sort_key(self, t: SetT) -> Callable[[Any], Any]:
        ek = sort_key(t.elem)
        if ek is _identity:
            return lambda s: (len(s), sorted(s))
        return lambda s: (len(s), sorted(ek(x) for x in s))

    def plainly_ordered(self, t: SetT) -> bool:
        return False

    def format(self, t: SetT, v: Any) -> str:
        k = print_key(t.elem)
        return "{" + ", ".join(format_value(t.elem, x) for x in sorted(v, key=k)) + "}"

    def to_itf(self, t: SetT, v: Any) -> Any:
        k = sort_key(t.elem)
        return {"#set": [to_itf(t.elem, x) for x in sorted(v, key=k)]}

    def from_itf(self, t: SetT, j: Any) -> Any:
        return frozenset(from_itf(t.elem, x) for x in j["#set"])


class _SeqSem(TypeSem):
    def unify(self, a: SeqT, b: SeqT) -> Type | None:
        e = unify(a.elem, b.elem)
        return SeqT(e, max(a.cap, b.cap)) if e is not None else None

    def subtype(self, a: SeqT, b: SeqT) -> bool:
        return a.cap <= b.cap and subtype(a.elem, b.elem)

    def finite(self, t: SeqT) -> bool:
        return is_finite(t.elem)

    def size(self, t: SeqT) -> int | None:
        n = domain_size(t.elem)
        if n is None or (n > 1 and t.cap * (n - 1).bit_length() > _SIZE_BITS):
            return None
        return sum(n**k for k in range(t.cap + 1))

    def values(self, t: SeqT) -> Iterator[Any]:
        elems = domain(t.elem)
        for n in range(t.cap + 1):
            yield from itertools.product(elems, repeat=n)

    def contains(self, t: SeqT, v: Any) -> bool:
        return len(v) <= t.cap and all(contains(t.elem, x) for x in v)

    def sort_key(self, t: SeqT) -> Callable[[Any], Any]:
        sk = sort_key(t.elem)  # shorter first, then element by element (the order of domain())
        return lambda q: (len(q), tuple(sk(x) for x in q))

    def plainly_ordered(self, t: SeqT) -> bool:
        return False

    def format(self, t: SeqT, v: Any) -> str:
        return "[" + ", ".join(format_value(t.elem, x) for x in v) + "]"

    def to_itf(self, t: SeqT, v: Any) -> Any:  # ITF writes a sequence as a JSON array
        return [to_itf(t.elem, x) for x in v]

    def from_itf(self, t: SeqT, j: Any) -> Any:
        return tuple(from_itf(t.elem, x) for x in j)


class _BagSem(TypeSem):
    def unify(self, a: BagT, b: BagT) -> Type | None:
        e = unify(a.elem, b.elem)
        return BagT(e, max(a.cap, b.cap)) if e is not None else None

    def subtype(self, a: BagT, b: BagT) -> bool:
        return a.cap <= b.cap and subtype(a.elem, b.elem)

    def finite(self, t: BagT) -> bool:
        return is_finite(t.elem)

    def size(self, t: BagT) -> int | None:
        n = domain_size(t.elem)
        if n is None or n * t.cap.bit_length() > _SIZE_BITS:
            return None
        return (t.cap + 1) ** n

    def values(self, t: BagT) -> Iterator[Any]:
        elems = domain(t.elem)
        for counts in itertools.product(range(t.cap + 1), repeat=len(elems)):
            yield frozenset((x, c) for x, c in zip(elems, counts) if c)

    def contains(self, t: BagT, v: Any) -> bool:
        return all(c <= t.cap and contains(t.elem, x) for x, c in v)

    def sort_key(self, t: BagT) -> Callable[[Any], Any]:
        bk = sort_key(t.elem)  # fewer distinct elements first, then (element, count) pairs in order
        return lambda b: (len(b), sorted((bk(x), c) for x, c in b))

    def plainly_ordered(self, t: BagT) -> bool:
        return False

    def format(self, t: BagT, v: Any) -> str:  # bag({x: count, ...}) in the element order
        ek = print_key(t.elem)
        inner = ", ".join(f"{format_value(t.elem, x)}: {c}" for x, c in sorted(v, key=lambda p: ek(p[0])))
        return f"bag({{{inner}}})" if v else "bag()"

    def to_itf(self, t: BagT, v: Any) -> Any:  # ITF writes a bag as a map to counts
        k = sort_key(t.elem)
        return {"#map": [[to_itf(t.elem, x), c] for x, c in sorted(v, key=lambda p: k(p[0]))]}

    def from_itf(self, t: BagT, j: Any) -> Any:
        return frozenset((from_itf(t.elem, x), int(c)) for x, c in j["#map"] if int(c) > 0)


class _MapSem(TypeSem):
    """A map value is the tuple of its values in the key type's domain order."""

    def unify(self, a: MapT, b: MapT) -> Type | None:
        k = a.key if a.key == b.key else None
        v = unify(a.value, b.value)
        return MapT(k, v) if k is not None and v is not None else None

    def subtype(self, a: MapT, b: MapT) -> bool:
        return a.key == b.key and subtype(a.value, b.value)

    def finite(self, t: MapT) -> bool:
        return is_finite(t.key) and is_finite(t.value)

    def size(self, t: MapT) -> int | None:
        k, v = domain_size(t.key), domain_size(t.value)
        if k is None or v is None or (v > 1 and k * (v - 1).bit_length() > _SIZE_BITS):
            return None
        return v**k

    def values(self, t: MapT) -> Iterator[Any]:
        keys = domain(t.key)
        yield from itertools.product(domain(t.value), repeat=len(keys))

    def contains(self, t: MapT, v: Any) -> bool:
        return all(contains(t.value, x) for x in v)

    def sort_key(self, t: MapT) -> Callable[[Any], Any]:
        vk = sort_key(t.value)
        return lambda m: tuple(vk(x) for x in m)

    def plainly_ordered(self, t: MapT) -> bool:
        return plainly_ordered(t.value)

    def format(self, t: MapT, v: Any) -> str:
        pairs = list(zip(domain(t.key), v))
        pk = sem(t.key).print_key(t.key)
        if pk is not None:
            pairs.sort(key=lambda p: pk(p[0]))
        return "{" + ", ".join(f"{format_value(t.key, k)}: {format_value(t.value, x)}" for k, x in pairs) + "}"

    def to_itf(self, t: MapT, v: Any) -> Any:
        return {"#map": [[to_itf(t.key, k), to_itf(t.value, x)] for k, x in zip(domain(t.key), v)]}

    def from_itf(self, t: MapT, j: Any) -> Any:
        pairs = {from_itf(t.key, k): from_itf(t.value, x) for k, x in j["#map"]}
        return tuple(pairs[k] for k in domain(t.key))


class _ProductSem(TypeSem):
    """Tuples and records: a value is the tuple of its components (a record's in field-name order)."""

    def parts(self, t: Any) -> tuple[Type, ...]:
        raise NotImplementedError

    def finite(self, t: Any) -> bool:
        return all(is_finite(e) for e in self.parts(t))

    def size(self, t: Any) -> int | None:
        return _product(domain_size(e) for e in self.parts(t))

    def values(self, t: Any) -> Iterator[Any]:
        yield from itertools.product(*(domain(e) for e in self.parts(t)))

    def contains(self, t: Any, v: Any) -> bool:
        return all(contains(e, x) for e, x in zip(self.parts(t), v))

    def sort_key(self, t: Any) -> Callable[[Any], Any]:
        ks = tuple(sort_key(e) for e in self.parts(t))
        return lambda v: tuple(k(x) for k, x in zip(ks, v))

    def plainly_ordered(self, t: Any) -> bool:
        return all(plainly_ordered(e) for e in self.parts(t))


class _TupleSem(_ProductSem):
    def unify(self, a: TupleT, b: TupleT) -> Type | None:
        if len(a.elems) != len(b.elems):
            return None
        es = [unify(x, y) for x, y in zip(a.elems, b.elems)]
        return TupleT(tuple(cast(list[Type], es))) if None not in es else None

    def subtype(self, a: TupleT, b: TupleT) -> bool:
        return len(a.elems) == len(b.elems) and all(subtype(x, y) for x, y in zip(a.elems, b.elems))

    def parts(self, t: TupleT) -> tuple[Type, ...]:
        return t.elems

    def format(self, t: TupleT, v: Any) -> str:
        inner = ", ".join(format_value(e, x) for e, x in zip(t.elems, v))
        return f"({inner},)" if len(v) == 1 else f"({inner})"

    def to_itf(self, t: TupleT, v: Any) -> Any:
        return {"#tup": [to_itf(e, x) for e, x in zip(t.elems, v)]}

    def from_itf(self, t: TupleT, j: Any) -> Any:
        return tuple(from_itf(e, x) for e, x in zip(t.elems, j["#tup"]))


class _RecordSem(_ProductSem):
    def unify(self, a: RecordT, b: RecordT) -> Type | None:
        if [n for n, _ in a.fields] != [n for n, _ in b.fields]:
            return None
        fs = [unify(x, y) for (_, x), (_, y) in zip(a.fields, b.fields)]
        return RecordT(tuple(zip((n for n, _ in a.fields), cast(list[Type], fs)))) if None not in fs else None

    def subtype(self, a: RecordT, b: RecordT) -> bool:
        return [n for n, _ in a.fields] == [n for n, _ in b.fields] and all(
            subtype(x, y) for (_, x), (_, y) in zip(a.fields, b.fields)
        )

    def parts(self, t: RecordT) -> tuple[Type, ...]:
        return tuple(f for _, f in t.fields)

    def format(self, t: RecordT, v: Any) -> str:
        return "{" + ", ".join(f"{n}: {format_value(f, x)}" for (n, f), x in zip(t.fields, v)) + "}"

    def to_itf(self, t: RecordT, v: Any) -> Any:
        return {n: to_itf(f, x) for (n, f), x in zip(t.fields, v)}

    def from_itf(self, t: RecordT, j: Any) -> Any:
        return tuple(from_itf(f, j[n]) for n, f in t.fields)


class _UnionSem(TypeSem):
    """A value is `(tag, *fields)`; variants enumerate and order in declared order."""

    def finite(self, t: UnionT) -> bool:
        return all(is_finite(f) for _, fs in t.variants for _, f in fs)

    def size(self, t: UnionT) -> int | None:
        total = 0
        for _, fs in t.variants:
            n = _product(domain_size(f) for _, f in fs)
            if n is None:
                return None
            total += n
        return total

    def values(self, t: UnionT) -> Iterator[Any]:
        for tag, fs in t.variants:
            for vals in itertools.product(*(domain(f) for _, f in fs)):
                yield (tag, *vals)

    def contains(self, t: UnionT, v: Any) -> bool:
        fs = t.variant(v[0])
        return fs is not None and all(contains(f, x) for (_, f), x in zip(fs, v[1:]))

    def sort_key(self, t: UnionT) -> Callable[[Any], Any]:
        order = {tag: i for i, (tag, _) in enumerate(t.variants)}
        keys = {tag: tuple(sort_key(f) for _, f in fs) for tag, fs in t.variants}
        return lambda v: (order[v[0]], tuple(k(x) for k, x in zip(keys[v[0]], v[1:])))

    def plainly_ordered(self, t: UnionT) -> bool:
        # Python orders union values by tag name, then fields; the declared order is by variant,
        # then fields: the same order exactly when the variants are declared in name order.
        tags = [tag for tag, _ in t.variants]
        return tags == sorted(tags) and all(plainly_ordered(f) for _, fs in t.variants for _, f in fs)

    def format(self, t: UnionT, v: Any) -> str:
        fs = t.variant(v[0]) or ()
        return f"{v[0]}(" + ", ".join(f"{n}={format_value(f, x)}" for (n, f), x in zip(fs, v[1:])) + ")"

    def to_itf(self, t: UnionT, v: Any) -> Any:
        fs = t.variant(v[0]) or ()
        return {"tag": v[0], "value": {n: to_itf(f, x) for (n, f), x in zip(fs, v[1:])}}

    def from_itf(self, t: UnionT, j: Any) -> Any:
        fs = t.variant(j["tag"]) or ()
        return (j["tag"], *(from_itf(f, j["value"][n]) for n, f in fs))


SEMS: dict[type, TypeSem] = {
    BoolT: _BoolSem(),
    IntT: _IntSem(),
    EnumT: _EnumSem(),
    SetT: _SetSem(),
    SeqT: _SeqSem(),
    BagT: _BagSem(),
    MapT: _MapSem(),
    TupleT: _TupleSem(),
    RecordT: _RecordSem(),
    UnionT: _UnionSem(),
    AnyT: _AnySem(),
}
"""Every type constructor's TypeSem: the one place a value type's domain, order, printing and
ITF encoding are written."""


def sem(t: Type) -> TypeSem:
    """The TypeSem of `t`'s constructor."""
    return SEMS[type(t)]


def domain_size(t: Type) -> int | None:
    """The number of values of `t`; None when it is unbounded or too large to count (a set of
    over 64 values, a map with over 2^(2^20) tables): computing the exact number for
    `map[map[set[0 .. 13], bool], bool]` would not finish."""
    return sem(t).size(t)


def _product(sizes) -> int | None:
    total = 1
    for s in sizes:
        if s is None:
            return None
        total *= s
    return total


def contains(t: Type, v: Any) -> bool:
    """Is `v` (a value of a type that unifies with `t`) a value of `t`?"""
    return SEMS[type(t)].contains(t, v)


@functools.lru_cache(maxsize=None)
def sort_key(t: Type) -> Callable[[Any], Any]:
    """A key function giving a total, hash-independent order on values of `t`."""
    return sem(t).sort_key(t)


def plainly_ordered(t: Type) -> bool:
    """True when Python's own `<` orders values of `t` exactly as `sort_key` does (no sets
    inside, unions only with variants declared in name order): `sorted(values)` then needs no
    key, and is several times faster."""
    return sem(t).plainly_ordered(t)


def print_key(t: Type) -> Callable[[Any], Any]:
    """The order values of `t` print in: an enumeration's declared order, else `sort_key`."""
    return sem(t).print_key(t) or sort_key(t)


def _identity(x: Any) -> Any:
    return x


def format_value(t: Type, v: Any) -> str:
    """A value in the spec's own notation: {0, 1}, {0: True, 1: False}, Phase1a(bal=1)."""
    return SEMS[type(t)].format(t, v)


def to_itf(t: Type, v: Any) -> Any:
    """A value in the Informal Trace Format (ITF) JSON encoding used by Apalache and Quint."""
    return sem(t).to_itf(t, v)


def from_itf(t: Type, j: Any) -> Any:
    """Inverse of `to_itf`: an ITF JSON value back to a value of `t`."""
    return sem(t).from_itf(t, j)
