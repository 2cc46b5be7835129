"""What hover says about a builtin and an operator: the rows of the builtin table (`ops.FNS`)
and of the operator table (`ops.OPS`), each with a signature or a meaning in the user's
words. A test holds these to the tables: every row that a spec can write by name has one."""

from __future__ import annotations

from pyspec.lang.ops import FAILURES, FNS, OPS, Fn, Op

BUILTIN_DOCS: dict[str, tuple[str, str]] = {
    # name -> (signature, what it means)
    "len": ("len(s: set[T] | seq[T]) -> int", "The number of elements of a set, or the length of a sequence."),
    "min": ("min(s: set[int]) -> int", "The least element; fails (PS401) on an empty set. "
                                       "`min(e for x in S if c)` is the least value of e."),
    "max": ("max(s: set[int]) -> int", "The greatest element; fails (PS401) on an empty set."),
    "sum": ("sum(s: set[int]) -> int", "The sum of a set's elements; `sum(e for x in S)` counts repeated values."),
    "all": ("all(s: set[bool]) -> bool", "True when every element is true: `all(p(x) for x in S)`."),
    "any": ("any(s: set[bool]) -> bool", "True when some element is true: `any(p(x) for x in S)`."),
    "subsets": ("subsets(s: set[T]) -> set[set[T]]", "Every subset of s (the power set)."),
    "head": ("head(s: seq[T]) -> T", "The first element; fails (PS401) on an empty sequence."),
    "tail": ("tail(s: seq[T]) -> seq[T]", "Every element but the first; fails (PS401) on an empty sequence."),
    "last": ("last(s: seq[T]) -> T", "The last element; fails (PS401) on an empty sequence."),
    "append": ("append(s: seq[T], x: T) -> seq[T]", "s with x added at the end."),
    "bag": ("bag() -> bag[T]", "The empty bag (multiset)."),
    "add": ("add(b: bag[T], x: T) -> bag[T]", "b with one more x."),
    "remove": ("remove(b: bag[T], x: T) -> bag[T]", "b with one x fewer; fails (PS401) when b holds no x."),
    "count": ("count(b: bag[T], x: T) -> int", "How many times b holds x."),
}

OP_DOCS: dict[Op, str] = {
    Op.ADD: "integer addition",
    Op.SUB: "integer subtraction",
    Op.MUL: "integer multiplication",
    Op.DIV: "integer division, rounding down (as Python's //)",
    Op.MOD: "the remainder of integer division (as Python's %)",
    Op.NEG: "integer negation",
    Op.LT: "less than, on integers",
    Op.LE: "less than or equal, on integers",
    Op.GT: "greater than, on integers",
    Op.GE: "greater than or equal, on integers",
    Op.EQ: "equality of two values of one type",
    Op.NE: "inequality of two values of one type",
    Op.AND: "conjunction; the right operand is evaluated only when the left is true",
    Op.OR: "disjunction; the right operand is evaluated only when the left is false",
    Op.NOT: "negation",
    Op.UNION: "set union",
    Op.INTER: "set intersection",
    Op.DIFF: "set difference: the elements of the left set not in the right",
    Op.SUBSET: "subset or equal, on sets",
    Op.SSUBSET: "proper subset, on sets",
    Op.IN: "membership of a set (also of a sequence or a bag); `not in` is its negation",
}

SUGAR_DOCS: dict[str, str] = {
    # operators that the checker lowers to the table's rows (ops.py's docstring)
    "implies": "`a implies b` is `not a or b`",
    "is": "`u is Tag` is true when the union value u is of the variant Tag",
}


def builtin_names() -> tuple[str, ...]:
    """The builtins a spec calls by name: the rows of `FNS` spelled as an identifier that is not
    an operator (`in` on a sequence is a row too)."""
    ops = {s.spelling for s in OPS.values()}
    return tuple(sorted({s.spelling for s in FNS.values() if s.spelling.isidentifier() and s.spelling not in ops}))


def builtin_doc(name: str) -> str | None:
    """Markdown for the builtin `name`, or None."""
    if name not in BUILTIN_DOCS or name not in builtin_names():
        return None
    sig, doc = BUILTIN_DOCS[name]
    fns = [f.value for f, s in FNS.items() if s.spelling == name]
    return f"```pyspec\n{sig}\n```\n{doc}\n\nbuiltin ({', '.join(fns)})"


def operator_doc(spelling: str) -> str | None:
    """Markdown for the operator written `spelling`, from every table row spelled so."""
    rows = [s for s in OPS.values() if s.spelling == spelling]
    if not rows:
        return SUGAR_DOCS.get(spelling) and f"`{spelling}`: {SUGAR_DOCS[spelling]}"
    lines = []
    for s in rows:
        kind = "unary" if s.arity == 1 else "binary"
        line = f"- {kind} `{spelling}` ({s.op.value}): {OP_DOCS[s.op]}"
        if s.failure is not None:
            line += f"; fails ({FAILURES[s.failure].code}) on {s.failure.value}"
        lines.append(line)
    return f"operator `{spelling}`\n\n" + "\n".join(lines)


OPERATOR_SPELLINGS: tuple[str, ...] = tuple(sorted({s.spelling for s in OPS.values()} | set(SUGAR_DOCS),
                                                   key=lambda x: (-len(x), x)))

__all__ = ["BUILTIN_DOCS", "OP_DOCS", "OPERATOR_SPELLINGS", "builtin_doc", "builtin_names", "operator_doc", "Fn"]
