"""Symbolic Booleans with folding: a Python bool when known, else a Z3 Bool; `and_`, `or_`,
`not_`, ... fold known operands away before Z3 sees them."""

from __future__ import annotations

from typing import Any, Iterable

import z3

from pyspec.symbolic.z3raw import mk_and, mk_eq, mk_implies, mk_ite, mk_not, mk_or

Bool = Any  # bool | z3.BoolRef


def zb(x: Bool) -> z3.BoolRef:
    """A Z3 term for a symbolic Boolean."""
    if x is True:
        return z3.BoolVal(True)
    if x is False:
        return z3.BoolVal(False)
    return x


def and_(*xs: Bool) -> Bool:
    terms = []
    for x in xs:
        if x is False:
            return False
        if x is not True:
            terms.append(x)
    if not terms:
        return True
    if len(terms) == 1:
        return terms[0]
    return mk_and(terms)


def and_all(xs: Iterable[Bool]) -> Bool:
    return and_(*xs)


def or_(*xs: Bool) -> Bool:
    terms = []
    for x in xs:
        if x is True:
            return True
        if x is not False:
            terms.append(x)
    if not terms:
        return False
    if len(terms) == 1:
        return terms[0]
    return mk_or(terms)


def or_all(xs: Iterable[Bool]) -> Bool:
    return or_(*xs)


def not_(x: Bool) -> Bool:
    if x is True:
        return False
    if x is False:
        return True
    return mk_not(x)


def implies_(a: Bool, b: Bool) -> Bool:
    if a is False or b is True:
        return True
    if a is True:
        return b
    if b is False:
        return mk_not(a)
    return mk_implies(a, b)


def ite_b(c: Bool, a: Bool, b: Bool) -> Bool:
    if c is True or a is b:
        return a
    if c is False:
        return b
    if a is True:
        return or_(c, b)
    if a is False:
        return and_(not_(c), b)
    if b is True:
        return or_(not_(c), a)
    if b is False:
        return and_(c, a)
    return mk_ite(c, a, b)


def eq_b(a: Bool, b: Bool) -> Bool:
    if a is b:
        return True
    if isinstance(a, bool) and isinstance(b, bool):
        return a == b
    if a is True:
        return b
    if b is True:
        return a
    if a is False:
        return mk_not(b)
    if b is False:
        return mk_not(a)
    return mk_eq(a, b)

