"""Raw Z3 term constructors: the only module that calls the Z3 C API (`z3.z3core`) directly.

z3py's And/Or/==/If re-check every argument's sort and context in Python, which dominated
the encoding time (measured: 8.4 s of 12.8 s for Paxos); the operands here are already
well-sorted, so the C API is called directly.
"""

from __future__ import annotations

from typing import Any, Sequence

import z3
from z3 import z3core as _api
from z3.z3types import Ast as _Ast


def _arr(terms: Sequence[Any]) -> Any:
    a = (_Ast * len(terms))()
    for i, t in enumerate(terms):
        a[i] = t.ast
    return a


def mk_and(terms: Sequence[Any]) -> z3.BoolRef:
    c = terms[0].ctx
    return z3.BoolRef(_api.Z3_mk_and(c.ref(), len(terms), _arr(terms)), c)


def mk_or(terms: Sequence[Any]) -> z3.BoolRef:
    c = terms[0].ctx
    return z3.BoolRef(_api.Z3_mk_or(c.ref(), len(terms), _arr(terms)), c)


def mk_not(t: Any) -> z3.BoolRef:
    c = t.ctx
    return z3.BoolRef(_api.Z3_mk_not(c.ref(), t.ast), c)


def mk_implies(a: Any, b: Any) -> z3.BoolRef:
    c = a.ctx
    return z3.BoolRef(_api.Z3_mk_implies(c.ref(), a.ast, b.ast), c)


def mk_eq(a: Any, b: Any) -> z3.BoolRef:
    c = a.ctx
    return z3.BoolRef(_api.Z3_mk_eq(c.ref(), a.ast, b.ast), c)


def mk_ite(cond: Any, a: Any, b: Any) -> Any:
    c = cond.ctx
    return a.__class__(_api.Z3_mk_ite(c.ref(), cond.ast, a.ast, b.ast), c)


_BV_ARITH = {"add": _api.Z3_mk_bvadd, "sub": _api.Z3_mk_bvsub, "mul": _api.Z3_mk_bvmul}
_BV_CMP = {"lt": _api.Z3_mk_bvslt, "le": _api.Z3_mk_bvsle}


def mk_bv(op: str, a: Any, b: Any) -> z3.BitVecRef:
    """a op b on two bit-vectors of one width, for op in add sub mul."""
    c = a.ctx
    return z3.BitVecRef(_BV_ARITH[op](c.ref(), a.ast, b.ast), c)


def mk_bvcmp(op: str, a: Any, b: Any) -> z3.BoolRef:
    """The signed comparison a op b of two bit-vectors of one width, for op in lt le."""
    c = a.ctx
    return z3.BoolRef(_BV_CMP[op](c.ref(), a.ast, b.ast), c)


def mk_sign_ext(t: Any, extra: int) -> z3.BitVecRef:
    """The bit-vector t sign-extended by `extra` bits."""
    c = t.ctx
    return z3.BitVecRef(_api.Z3_mk_sign_ext(c.ref(), extra, t.ast), c)


def mk_extract(t: Any, hi: int, lo: int) -> z3.BitVecRef:
    """Bits hi..lo of the bit-vector t."""
    c = t.ctx
    return z3.BitVecRef(_api.Z3_mk_extract(c.ref(), hi, lo, t.ast), c)


class Renaming:
    """A substitution of constants (`frm[i]` by `to[i]`, both well-sorted), its C arrays built
    once: z3.substitute re-checks every pair's sorts in Python on every call (measured: 11 ms
    per call for one Paxos state's 288 leaves)."""

    def __init__(self, frm: Sequence[Any], to: Sequence[Any]) -> None:
        self.n = len(frm)
        self._frm = _arr(frm)
        self._to = _arr(to)
        self._keep = (list(frm), list(to))  # the arrays hold borrowed references

    def __call__(self, t: Any) -> Any:
        if self.n == 0:
            return t
        c = t.ctx
        return z3.z3._to_expr_ref(_api.Z3_substitute(c.ref(), t.as_ast(), self.n, self._frm, self._to), c)
