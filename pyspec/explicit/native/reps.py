"""How the native back end holds values in C: a representation per type (ints as themselves,
enum values as global ids, other scalars as their ordinal in `domain(t)`, sets as bitmasks over
their element type's ordinals) and the cells of the state's layout (a variable, or a map
variable as an array); `NotInFragment` for a type with none."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyspec.errors import Span
from pyspec.lang.types import (AnyT, BoolT, EnumT, IntT, MapT, RecordT, SetT, TupleT, Type, UnionT, domain,
                               domain_size, sort_key)

ORD_LIMIT = 1 << 16  # a scalar type with more values has no table
SET_BITS = 4096  # the widest set, in bits (elements)
MAX_LINES = 200_000  # generated C past this is refused (continuations duplicated too often)


class NotInFragment(Exception):
    """A construct outside the native fragment; `span` is where it is (None: the spec as a whole)."""

    def __init__(self, what: str, span: Span | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.span = span


@dataclass(frozen=True)
class Scalar:
    """How the C code holds a value of a scalar type: an int is itself (`lo` set: ordinal + lo);
    an enum value (a string) its global id (`gids`, shared by every enum type of the spec, so
    that `state == "idle"` compares values of two enum types); any other its ordinal."""

    ty: Type
    lo: int | None
    values: tuple
    index: Any  # value -> ordinal (a dict), for a non-int type
    gids: tuple[int, ...] | None = None  # enum: the global id of each ordinal

    @property
    def size(self) -> int:
        return len(self.values)

    @property
    def kind(self) -> str:
        return "int" if self.lo is not None else "enum" if self.gids is not None else "ord"

    def ordinal_of(self, v: Any) -> int:
        return v - self.lo if self.lo is not None else self.index[v]

    def to_c(self, v: Any) -> int:
        """The C value of Python value `v`."""
        if self.lo is not None:
            return v
        return self.gids[self.index[v]] if self.gids is not None else self.index[v]


@dataclass(frozen=True)
class SetRep:
    ty: SetT
    elem: Any  # Scalar, or SetRep for sets of sets
    values: tuple  # the element type's domain: bit i is values[i]
    index: Any

    @property
    def size(self) -> int:
        return len(self.values)


def _ordered(t: Type, values: tuple) -> bool:
    key = sort_key(t)
    return all(key(a) < key(b) for a, b in zip(values, values[1:]))


class Reps:
    """The representation of every type met, built once (and the widest set, which sizes `pset`)."""

    def __init__(self) -> None:
        self._reps: dict[Type, Any] = {}
        self.words = 1
        self.gid: dict[Any, int] = {}  # enum value -> its global id

    def rep(self, t: Type, span: Span | None = None) -> Any:
        r = self._reps.get(t)
        if r is None:
            r = self._reps[t] = self._make(t, span)
        return r

    def _make(self, t: Type, span: Span | None) -> Any:
        if isinstance(t, IntT):
            if t.lo is None or t.hi is None:  # an intermediate value (int64_t); no variable's type
                return Scalar(t, 0, (), None)
            return Scalar(t, t.lo, tuple(range(t.lo, t.hi + 1)), None)
        if isinstance(t, SetT) and isinstance(t.elem, AnyT):  # `{}` before it has an element type
            return SetRep(t, Scalar(t.elem, 0, (), None), (), {})
        if isinstance(t, SetT):
            n = domain_size(t.elem)
            if n is None or n > SET_BITS:
                raise NotInFragment(f"the set type {t.show()} (more than {SET_BITS} possible elements)", span)
            elem = self.rep(t.elem, span)
            if isinstance(elem, SetRep) and elem.size > 20:
                raise NotInFragment(f"the set type {t.show()} (sets of large sets)", span)
            values = domain(t.elem)
            self.words = max(self.words, (n + 63) // 64)
            return SetRep(t, elem, values, {v: i for i, v in enumerate(values)})
        if isinstance(t, EnumT):
            values = domain(t)
            gids = tuple(self.gid.setdefault(v, len(self.gid)) for v in values)
            return Scalar(t, None, values, {v: i for i, v in enumerate(values)}, gids)
        if isinstance(t, (BoolT, UnionT, RecordT, TupleT)):
            n = domain_size(t)
            if n is None or n > ORD_LIMIT:
                raise NotInFragment(f"the type {t.show()} (more than {ORD_LIMIT:,} values)", span)
            values = domain(t)
            return Scalar(t, None, values, {v: i for i, v in enumerate(values)})
        raise NotInFragment(f"values of type {t.show()}", span)

    def ordered(self, r: SetRep) -> bool:
        """Is bit order, for a set of representation `r`, the reference's declared order of its
        element type?"""
        return _ordered(r.ty.elem, r.values)


@dataclass(frozen=True)
class Cell:
    """One variable of the state: `dims` the key counts of its maps (outermost first), `base`
    the representation of what the innermost map holds (or of the variable itself)."""

    var: int
    dims: tuple[int, ...]
    keys: tuple[Type, ...]
    base: Any
    nbytes: int  # bytes of one element in the packed key

    @property
    def count(self) -> int:
        n = 1
        for d in self.dims:
            n *= d
        return n


def state_cell(reps: Reps, var: int, t: Type, span: Span) -> Cell:
    dims, keys = [], []
    while isinstance(t, MapT):
        n = domain_size(t.key)
        if n is None:
            raise NotInFragment(f"a map over the unbounded type {t.key.show()}", span)
        reps.rep(t.key, span)
        dims.append(n)
        keys.append(t.key)
        t = t.value
    base = reps.rep(t, span)
    if isinstance(t, IntT) and (t.lo is None or t.hi is None):
        raise NotInFragment(f"a variable of the unbounded type {t.show()}", span)
    nbytes = (base.size + 7) // 8 if isinstance(base, SetRep) else max(1, ((base.size - 1).bit_length() + 7) // 8)
    return Cell(var, tuple(dims), tuple(keys), base, nbytes)
