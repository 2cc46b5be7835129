"""The value and type vocabulary of the public API: the types a spec's variables, action
parameters and checked expressions carry, the operations on the values they describe, and the
typed-tree nodes an `Expression.expr` is read through.

Values are plain Python data (bool, int, str, tuple, frozenset; see `pyspec.lang.types`).
Everything here is re-exported; tracecheck and user code import it from this module, never from
`pyspec.lang`.
"""

from pyspec.lang.typed import Binary, Local, Var
from pyspec.lang.types import (
    BoolT,
    EnumT,
    IntT,
    MapT,
    RecordT,
    SetT,
    SeqT,
    BagT,
    TupleT,
    Type,
    UnionT,
    domain,
    format_value,
    from_itf,
    to_itf,
)

__all__ = [
    "Type",
    "BoolT",
    "IntT",
    "EnumT",
    "SetT",
    "MapT",
    "SeqT",
    "BagT",
    "TupleT",
    "RecordT",
    "UnionT",
    "domain",
    "format_value",
    "to_itf",
    "from_itf",
    "Var",
    "Local",
    "Binary",
]
