"""The namespace given to generated code: error helpers (called only off the hot path) and builtins.

Each helper raises the failure of `pyspec.lang.ops` that the closure engine raises at the same
point, with the same message and span; generated code calls them by name, so the hot path
stays inline.
"""

from __future__ import annotations


from pyspec.explicit.evaluator import _out_of_type
from pyspec.lang.ops import Fail, apply_fn, fail, int_range
from pyspec.lang.types import Type, contains


def _e_field(span, name: str, v):
    fail(Fail.NO_FIELD, span, v[0], name)


def _e_key(span, kt: Type, key):
    fail(Fail.KEY_OUTSIDE, span, kt, key)


def _e_op(span, failure: Fail):
    fail(failure, span)


def _e_empty(span, name: str):
    fail(Fail.EMPTY_EXTREME, span, name)


def _e_fail(span, failure: Fail, *args):
    fail(failure, span, *args)


def _e_field_type(span, tag: str, name: str, ty: Type, v):
    fail(Fail.FIELD_TYPE, span, tag, name, ty, v)


def _e_type(span, name: str, ty: Type, v):
    _out_of_type(span, name, ty, v)


_HELPERS = {
    "_e_field": _e_field,
    "_e_key": _e_key,
    "_e_op": _e_op,
    "_e_empty": _e_empty,
    "_e_fail": _e_fail,
    "_e_type": _e_type,
    "_e_field_type": _e_field_type,
    "_apply": apply_fn,
    "_contains": contains,
    "frozenset": frozenset,
    "sorted": sorted,
    "len": len,
    "min": min,
    "max": max,
    "sum": sum,
    "all": all,
    "any": any,
    "range": range,
    "int_range": int_range,
    "tuple": tuple,
}
