"""Text lines -> records, by a regular expression with named groups or by a lark grammar.

A line the pattern or grammar does not match becomes a record with no data; the mapping's
`unmatched` setting decides whether that is ignored or rejected.
"""

from __future__ import annotations

from typing import Any, Iterator

from tracecheck.readers.record import Record
from tracecheck.readers.source import display_name, lines


def read_regex(path: str, pattern: Any) -> Iterator[Record]:
    name = display_name(path)
    search = pattern.search
    for n, text in lines(path):
        if not text or text.isspace():
            continue
        m = search(text)
        data = None if m is None else {k: v for k, v in m.groupdict().items() if v is not None}
        yield Record(name, n, text, data)


def read_grammar(path: str, parser: Any) -> Iterator[Record]:
    """Fields are the grammar's named terminals (lower-cased: NODE -> node) and the rules
    that reduce to one token (rule `node: INT` -> node) or to nothing (the empty string)."""
    import lark

    name = display_name(path)
    for n, text in lines(path):
        if not text or text.isspace():
            continue
        try:
            tree = parser.parse(text)
        except lark.exceptions.LarkError:
            yield Record(name, n, text, None)
            continue
        yield Record(name, n, text, _fields(tree))


def _fields(tree: Any) -> dict[str, str]:
    import lark

    out: dict[str, str] = {}
    for sub in tree.iter_subtrees_topdown():
        toks = [c for c in sub.children if isinstance(c, lark.Token)]
        if not sub.children:  # an empty rule, e.g. `suspects: SUSPECTS?` with nothing logged
            out.setdefault(str(sub.data), "")
        elif len(sub.children) == 1 and len(toks) == 1:
            out.setdefault(str(sub.data), str(toks[0]))
        for t in toks:
            if not t.type.startswith(("__", "ANON")):
                out.setdefault(t.type.lower(), str(t))
    return out


__all__ = ["read_regex", "read_grammar"]
