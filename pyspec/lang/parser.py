"""Source text -> surface AST (`lang/ast.py`). The only module that imports lark.

Every lark exception is translated here into a `SpecSyntaxError` with a span and a message in
the user's terms; nothing from lark leaves this module.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import stat
import sys
from importlib import resources

import lark
from lark import Lark, Token, Transformer_NonRecursive, Tree, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)
from lark.indenter import DedentError, PythonIndenter

from pyspec.errors import PyspecError, Span, SpecSyntaxError
from pyspec.lang import ast as A
from pyspec.lang.ast import MAX_DEPTH

# Terminal names as a user would call them.
_TERMINALS = {
    "_NEWLINE": "end of line",
    "_INDENT": "an indented block",
    "_DEDENT": "end of the indented block",
    "NAME": "a name",
    "PRIMED": "a primed variable (x')",
    "INT": "an integer",
    "STRING": 'a string ("...")',
    "DOCSTRING": 'a docstring ("""...""")',
    "COMP_OP": "a comparison (== != < <= > >=)",
    "ADD_OP": "'+' or '-'",
    "MUL_OP": "'*', '//' or '%'",
    "TRUE": "True",
    "FALSE": "False",
    "$END": "end of file",
}


class _DedentAt(Exception):
    """A line whose indentation matches no enclosing block: its number and its indentation."""

    def __init__(self, line: int, indent: str) -> None:
        super().__init__(line)
        self.line = line
        self.indent = indent


class _Indenter(PythonIndenter):
    """lark's Python indenter that says which line's indentation matches no enclosing block
    (lark's DedentError names only the widths). A tab counts as 8 spaces, as lark counts it."""

    def handle_NL(self, token: Token):
        try:
            yield from super().handle_NL(token)
        except DedentError:
            raise _DedentAt(token.end_line or 1, token.rsplit("\n", 1)[1]) from None


@functools.cache
def _lark() -> Lark:
    grammar = resources.files("pyspec.lang").joinpath("grammar.lark").read_text()
    # Never lark's cache=True: it unpickles a file with a predictable name in the shared temp
    # directory, so whoever plants that file runs code as the next user (issue 11). Building
    # the tables takes ~250 ms, loading them ~15 ms: cache them where only this user can write.
    path = _cache_file(grammar)
    parser = Lark(
        grammar,
        parser="lalr",
        postlex=_Indenter(),
        propagate_positions=True,
        maybe_placeholders=True,
        start=["start", "expr_start", "type_start"],
        cache=path or False,
    )
    if path and os.path.exists(path):
        os.chmod(path, 0o600)  # lark writes with the umask's mode; keep it ours alone
    return parser


def _cache_file(grammar: str) -> str | None:
    """The parser-table cache file: `$XDG_CACHE_HOME/pyspec` (else `~/.cache/pyspec`), a
    directory created with mode 0700, named by lark's version and the grammar's hash. None (no
    cache) unless the directory, and the file if it exists, are ours and writable by nobody else:
    the file is unpickled, so whoever can write it can run code as us."""
    if not hasattr(os, "getuid"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None
    folder = os.path.join(base, "pyspec")
    key = hashlib.sha256(f"{grammar}\0{lark.__version__}\0{sys.version_info[:2]}".encode()).hexdigest()[:24]
    path = os.path.join(folder, f"grammar-lark{lark.__version__}-{key}.pickle")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if not _private(os.lstat(folder), stat.S_ISDIR):
            return None
        return path if _private(os.lstat(path), stat.S_ISREG) else None
    except FileNotFoundError:
        return path  # no cache yet: lark writes it
    except OSError:
        return None


def _private(st: os.stat_result, kind) -> bool:
    """True for a directory or file of the expected kind (not a symlink), owned by the current
    user and not writable by group or others."""
    return kind(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _describe(term: str) -> str:
    if term in _TERMINALS:
        return _TERMINALS[term]
    for t in _lark().terminals:
        if t.name == term and t.pattern.type == "str":
            return f"'{t.pattern.value}'"
    return term.lower()


def _token_text(tok: Token) -> str:
    if tok.type == "_NEWLINE":
        return "end of line"
    if tok.type == "_INDENT":
        return "indentation"
    if tok.type == "_DEDENT":
        return "end of the indented block"
    if tok.type == "$END":
        return "end of file"
    return repr(str(tok))


def _span_of(file: str, meta_or_tok) -> Span:
    if isinstance(meta_or_tok, Token):
        t = meta_or_tok
        return Span(file, t.line or 1, t.column or 1, t.end_line or t.line or 1, t.end_column or (t.column or 1) + 1)
    m = meta_or_tok
    if getattr(m, "empty", False):
        return Span(file, 1, 1, 1, 2)
    return Span(file, m.line, m.column, m.end_line, m.end_column)


def _line_span(file: str, text: str, line: int) -> Span:
    lines = text.split("\n")
    line = max(1, min(line, len(lines)))
    content = lines[line - 1]
    start = len(content) - len(content.lstrip()) + 1
    return Span(file, line, start, line, max(start + 1, len(content) + 1))


def _last_real_line(text: str, before: int) -> int:
    """The last non-blank, non-comment line at or before `before` (for end-of-file errors)."""
    lines = text.split("\n")
    i = min(before, len(lines))
    while i > 1 and (not lines[i - 1].strip() or lines[i - 1].strip().startswith("#")):
        i -= 1
    return i


def parse_expression(source: str, file: str = "<expr>") -> A.Expr:
    """Parse one expression (positions relative to `source`). Raises SpecSyntaxError."""
    return _parse_start(source, file, "expr_start")


def parse_type(source: str, file: str = "<type>") -> A.TypeExpr:
    """Parse one type expression, such as `Proc` or `set[0 .. 3]`. Raises SpecSyntaxError."""
    return _parse_start(source, file, "type_start")


def _parse_start(source: str, file: str, start: str):
    text = source if source.endswith("\n") else source + "\n"
    if not source.strip():
        raise SpecSyntaxError("expected an expression, found nothing", Span(file, 1, 1, 1, 2), code="PS103")
    try:
        tree = _lark().parse(text, start=start)
    except UnexpectedInput as e:
        raise _translate(e, file, text) from None
    except _DedentAt as e:
        raise _dedent_error(file, text, e) from None
    _check_depth(tree, file)
    try:
        return _Build(file).transform(tree)
    except VisitError as e:
        if isinstance(e.orig_exc, PyspecError):
            raise e.orig_exc from None
        raise


def parse(source: str, file: str = "<string>") -> A.Spec:
    """Parse a specification. Raises SpecSyntaxError at the first syntax error."""
    text = source if source.endswith("\n") else source + "\n"
    if text.count('"""') % 2:
        at = text.rindex('"""')
        line = text.count("\n", 0, at) + 1
        col = at - (text.rfind("\n", 0, at) + 1) + 1
        raise SpecSyntaxError(
            'unterminated docstring: no closing """', Span(file, line, col, line, col + 3), code="PS107"
        )
    try:
        tree = _lark().parse(text, start="start")
    except UnexpectedInput as e:
        raise _translate(e, file, text) from None
    except _DedentAt as e:
        raise _dedent_error(file, text, e) from None
    _check_depth(tree, file)
    try:
        return _Build(file, text).transform(tree)
    except VisitError as e:
        if isinstance(e.orig_exc, PyspecError):
            raise e.orig_exc from None
        raise


MAX_INT_DIGITS = 4300
"""Digits an integer literal may have: as many as Python converts from text by default."""


def _check_depth(tree: Tree, file: str) -> None:
    """Raise PS108 when `tree` nests more than MAX_DEPTH levels (measured without recursion).
    Chains of `and`, `or`, `|`, `&`, `+` and `*` are flat in lark's tree and balanced in the AST
    (`_fold`), so a 1,000-line invariant block is fine."""
    stack: list[tuple[Tree, int]] = [(tree, 1)]
    while stack:
        t, d = stack.pop()
        if d > MAX_DEPTH:
            raise SpecSyntaxError(
                f"expression nested too deeply (more than {MAX_DEPTH} levels)",
                _span_of(file, t.meta),
                hint="nest fewer operators (defs count as nested where they are used); "
                "a chain of one of 'and', 'or', '|', '&', '+', '*' may be as long as needed",
                code="PS108",
            )
        stack.extend((c, d + 1) for c in t.children if isinstance(c, Tree))


def _dedent_error(file: str, text: str, e: _DedentAt) -> SpecSyntaxError:
    hint = "indent it exactly as far as a line above it"
    notes: tuple[tuple[Span, str], ...] = ()
    tabbed = e.line if "\t" in e.indent else _last_tab_indented(text, e.line)
    if tabbed is not None:
        hint += "; a tab counts as 8 spaces, so indent with spaces only"
        if tabbed != e.line:
            notes = ((_line_span(file, text, tabbed), "this line is indented with a tab"),)
    return SpecSyntaxError(
        "this line's indentation matches no enclosing block",
        _line_span(file, text, e.line),
        hint=hint,
        notes=notes,
        code="PS102",
    )


def _last_tab_indented(text: str, before: int) -> int | None:
    """The last line before `before` whose indentation holds a tab, if any."""
    lines = text.split("\n")
    for n in range(min(before, len(lines) + 1) - 1, 0, -1):
        line = lines[n - 1]
        if "\t" in line[: len(line) - len(line.lstrip())]:
            return n
    return None


def _translate(e: UnexpectedInput, file: str, text: str) -> SpecSyntaxError:
    if isinstance(e, UnexpectedCharacters):
        assert e.pos_in_stream is not None, "lark sets it for UnexpectedCharacters"
        ch = text[e.pos_in_stream] if e.pos_in_stream < len(text) else "?"
        hint = _character_hint(text[e.pos_in_stream :].split("\n", 1)[0])
        return SpecSyntaxError(
            f"unexpected character {ch!r}",
            Span(file, e.line, e.column, e.line, e.column + 1),
            hint=hint,
            code="PS101",
        )
    if isinstance(e, UnexpectedEOF):
        line = _last_real_line(text, text.count("\n"))
        return SpecSyntaxError(
            "unexpected end of file" + _expected(e.expected),
            _line_span(file, text, line),
            code="PS103",
        )
    assert isinstance(e, UnexpectedToken)
    tok = e.token
    expected = set(e.expected)
    if tok.type in ("$END", "_DEDENT", "_INDENT", "_NEWLINE") or tok.line is None:
        line = tok.line if tok.line else text.count("\n")
        if tok.type == "_INDENT":  # the token sits on the newline before the indented line
            line = _next_real_line(text, line + 1)
            hint = "this line is indented more than the block it belongs to"
            if _last_tab_indented(text, line + 1) == line:
                hint += "; a tab counts as 8 spaces, so indent with spaces only"
            return SpecSyntaxError(
                "unexpected indentation" + _expected(expected),
                _line_span(file, text, line),
                hint=hint,
                code="PS102",
            )
        if tok.type == "$END" or (tok.type == "_DEDENT" and _at_end(text, tok)):
            return _end_of_file(file, text, expected)
        if tok.type in ("_NEWLINE", "_DEDENT"):
            line = _last_real_line(text, line)
        span = _line_span(file, text, line)
        if tok.type in ("_NEWLINE", "_DEDENT"):
            end = span.end_col
            span = Span(file, span.line, end, span.line, end + 1)
    else:
        span = _span_of(file, tok)
        if expected <= {"_NEWLINE", "_INDENT"} and _after_colon(text, tok):
            return SpecSyntaxError(
                "expected an indented block after ':'",
                span,
                hint="indent the lines of the block under its header",
                code="PS102",
            )
    message = f"unexpected {_token_text(tok)}" + _expected(expected)
    return SpecSyntaxError(message, span, hint=_hint(tok, expected, text), code="PS100")


def _next_real_line(text: str, start: int) -> int:
    """The first non-blank, non-comment line at or after `start`."""
    lines = text.split("\n")
    i = max(1, start)
    while i < len(lines) and (not lines[i - 1].strip() or lines[i - 1].strip().startswith("#")):
        i += 1
    return min(i, len(lines))


def _at_end(text: str, tok: Token) -> bool:
    return tok.line is None or tok.line >= _last_real_line(text, text.count("\n") + 1)


def _after_colon(text: str, tok: Token) -> bool:
    """Is `tok` the first token of the line after a line ending in ':'?"""
    if tok.line is None or tok.line < 2:
        return False
    prev = text.split("\n")[_last_real_line(text, tok.line - 1) - 1]
    return prev.split("#")[0].rstrip().endswith(":")


def _unclosed(text: str) -> tuple[str, int, int] | None:
    """The innermost bracket left open at the end of `text` (char, line, col), if any."""
    stack: list[tuple[str, int, int]] = []
    pairs = {")": "(", "]": "[", "}": "{"}
    in_str = False
    for n, line in enumerate(text.split("\n"), 1):
        for c, ch in enumerate(line, 1):
            if ch == '"':
                in_str = not in_str
            elif in_str:
                continue
            elif ch == "#":
                break
            elif ch in "([{":
                stack.append((ch, n, c))
            elif ch in pairs and stack and stack[-1][0] == pairs[ch]:
                stack.pop()
    return stack[-1] if stack else None


def _end_of_file(file: str, text: str, expected) -> SpecSyntaxError:
    if not text.strip() or all(not l.strip() or l.strip().startswith("#") for l in text.split("\n")):
        return SpecSyntaxError(
            "the file is empty: a spec starts with 'spec NAME'", Span(file, 1, 1, 1, 2), code="PS103"
        )
    open_ = _unclosed(text)
    if open_ is not None:
        ch, line, col = open_
        return SpecSyntaxError(
            f"'{ch}' is never closed", Span(file, line, col, line, col + 1), code="PS103"
        )
    line = _last_real_line(text, text.count("\n") + 1)
    span = _line_span(file, text, line)
    return SpecSyntaxError(
        "unexpected end of file" + _expected(expected),
        Span(file, line, span.end_col, line, span.end_col + 1),
        code="PS103",
    )


def _expected(expected) -> str:
    names = sorted({_describe(t) for t in expected if not t.startswith("__")})
    if not names:
        return ""
    if len(names) > 8:
        names = names[:8] + ["..."]
    return "; expected " + ", ".join(names)


# What to write instead of a habit from TLA+, Python or C, keyed by the text at the error.
_QUANTIFIER = {
    "all": "for 'for all', write all(P for x in S)",
    "any": "for 'there exists', write any(P for x in S)",
}
_CHARACTER_HINTS = (
    ("'", "strings use double quotes; a prime (x') follows a variable name directly"),
    ("\\A", _QUANTIFIER["all"]),
    ("\\E", _QUANTIFIER["any"]),
    ("/\\", "write 'and' for /\\"),
    ("\\/", "write 'or' for \\/"),
    ("\\notin", "write 'not in' for \\notin"),
    ("\\in", "write 'in' for \\in"),
    ("\\cup", "write '|' for \\cup (set union)"),
    ("\\cap", "write '&' for \\cap (set intersection)"),
    ("\\subseteq", "write '<=' for \\subseteq"),
    ("!", "write 'not' for !"),
)


def _character_hint(at: str) -> str | None:
    """A hint for an unexpected character, from the text that starts with it."""
    if at.startswith("\\in") and "|->" in at.split("\n", 1)[0]:  # TLA+'s [x \in S |-> e]
        return "a map is written {x: e for x in S}, not [x \\in S |-> e]"
    for start, hint in _CHARACTER_HINTS:
        if at.startswith(start):
            return hint
    if at.startswith("\\"):
        return "pyspec has no backslash operators: and, or, not, in, all(...), any(...)"
    return None


def _hint(tok: Token, expected: set[str], text: str) -> str | None:
    before = text[: tok.start_pos].rsplit("\n", 1)[-1] if tok.start_pos is not None else ""
    after = text[tok.start_pos :].split("\n", 1)[0] if tok.start_pos is not None else ""
    line = before.lstrip()
    if tok.type == "EQUAL" and after.startswith("=>"):
        return "write 'implies' for =>"
    if tok.type == "EQUAL" and "COMP_OP" in expected:
        return "use '==' to compare; '=' assigns"
    if tok.type == "COLON" and "LPAR" in expected and line.startswith("action "):
        return f"an action's parameters go in parentheses, even none: action {before.split()[-1]}():"
    if tok.type == "_NEWLINE" and "COLON" in expected:
        return "a block header ends with ':'"
    if tok.type == "NAME" and str(tok) in ("let", "var", "const") and "NAME" not in expected:
        return f"'{tok}' is not a statement here"
    if before.rstrip().endswith(("forall", "\\A")):
        return _QUANTIFIER["all"]
    if before.rstrip().endswith(("exists", "\\E")):
        return _QUANTIFIER["any"]
    if line.startswith(("type ", "|")) and "LPAR" in expected and tok.type in ("VBAR", "_NEWLINE"):
        return "every variant of a union type has parentheses, even one without fields: A() | B(x: T)"
    if tok.type == "COMP_OP" and after.startswith("<<"):
        return "a tuple is written (a, b), not <<a, b>>"
    if tok.type == "COMP_OP" and "COMP_OP" not in expected and re.search(r"[<>]|[=!]=", before):
        return "comparisons do not chain: write a < b and b < c"
    if tok.type == "LSQB" and "LSQB" not in expected:
        if "|->" in after or "\\in" in after:
            return "a map is written {x: e for x in S}, not [x \\in S |-> e]"
        return "a list [a, b] is a sequence value, written where an expression starts; a tuple is (a, b), a set {a, b}"
    if tok.type == "AMPERSAND" and before.endswith("&"):
        return "write 'and' for &&"
    if tok.type == "VBAR" and before.endswith("|"):
        return "write 'or' for ||"
    return None


def _s(items):
    return tuple(x for x in items if x is not None)


@v_args(meta=True)
class _Build(Transformer_NonRecursive):
    """lark parse tree -> surface AST, one method per grammar rule. Non-recursive, so the depth
    of a tree is bounded by `_check_depth`, not by Python's stack."""

    def __init__(self, file: str, text: str = "") -> None:
        super().__init__()
        self.file = file
        self.text = text  # the source, for the text of a temporal property's predicates

    def sp(self, meta) -> Span:
        return _span_of(self.file, meta)

    # ---- declarations
    def start(self, meta, items):
        header, *decls = items
        name, doc, span = header
        return A.Spec(name=name, doc=doc, decls=tuple(decls), file=self.file, span=span)

    def expr_start(self, meta, items):
        return items[0]

    def type_start(self, meta, items):
        return items[0]

    def header(self, meta, items):
        name, doc = items[0], (items[1] if len(items) > 1 else None)
        at = _span_of(self.file, name)
        span = Span(self.file, at.line, 1, at.line, at.end_col)  # the whole `spec NAME`
        return (str(name), _docstring(doc) if doc is not None else None, span)

    def include(self, meta, items):
        return A.Include(str(items[0])[1:-1], _s(items[1:]), span=self.sp(meta))

    def setting(self, meta, items):
        return A.Setting(str(items[0]), items[1], span=_span_of(self.file, items[0]))

    def extend(self, meta, items):
        name, *formals, block = items
        doc, body = block
        return A.Extend(str(name), tuple(str(f) for f in formals if f is not None), body, span=_span_of(self.file, name))

    def param(self, meta, items):
        name, ty, default = items
        return A.Param(str(name), ty, default, span=_span_of(self.file, name))

    def typedef(self, meta, items):
        name, ty, more = items
        if more:
            if not isinstance(ty, A.UnionType):
                raise SpecSyntaxError(
                    "only a union type continues on lines starting with '|'", ty.span, code="PS105"
                )
            ty = A.UnionType(ty.variants + tuple(more), span=ty.span)
        return A.TypeDef(str(name), ty, span=_span_of(self.file, name))

    def symtypedef(self, meta, items):
        name, ty = items
        return A.TypeDef(str(name), ty, symmetric=True, span=_span_of(self.file, name))

    def more_variants(self, meta, items):
        return list(items)

    def vardecl(self, meta, items):
        return A.VarDecl(str(items[0]), items[1], span=_span_of(self.file, items[0]))

    def unknown(self, meta, items):
        return A.VarDecl(str(items[0]), items[1], unknown=True, span=_span_of(self.file, items[0]))

    def init(self, meta, items):
        doc, body = items[0]
        return A.Init(body, span=self.sp(meta))

    def action(self, meta, items):
        name, *formals, block = items
        doc, body = block
        return A.Action(str(name), _s(formals), body, doc, span=_span_of(self.file, name))

    def proc(self, meta, items):
        name, *formals, block = items
        doc, body = block
        return A.Proc(str(name), _s(formals), body, doc, span=_span_of(self.file, name))

    def constraint(self, meta, items):
        return A.Constraint(str(items[0]), items[1], span=_span_of(self.file, items[0]))

    def formal(self, meta, items):
        return A.Formal(str(items[0]), items[1], span=self.sp(meta))

    def defparam(self, meta, items):
        return A.Formal(str(items[0]), items[1], span=self.sp(meta))

    def defn(self, meta, items):
        name = items[0]
        body = items[-1]
        result = items[-2]
        middle = items[1:-2]
        if middle == [None]:
            formals = None
        else:
            formals = _s(middle)
        return A.Def(str(name), formals, result, body, span=_span_of(self.file, name))

    def invariant(self, meta, items):
        return A.Invariant(str(items[0]), items[1], span=_span_of(self.file, items[0]))

    def reachable(self, meta, items):
        return A.Reachable(str(items[0]), items[1], span=_span_of(self.file, items[0]))

    def expr_block(self, meta, items):
        if len(items) == 1 and not isinstance(items[0], tuple):
            return items[0]
        groups: list[list[A.Expr]] = []  # each: the lines of one conjunct, joined by 'or'
        for kind, e in items:
            if kind == "or" and not groups:
                raise SpecSyntaxError(
                    "the first line of an expression block cannot start with 'or'",
                    e.span,
                    hint="'or' at the start of a line joins it to the line above",
                    code="PS106",
                )
            if kind == "or":
                groups[-1].append(e)
            else:
                groups.append([e])
        conjuncts = [g[0] if len(g) == 1 else _fold("or", g, _join(g[0].span, g[-1].span)) for g in groups]
        return _fold("and", conjuncts, self.sp(meta)) if len(conjuncts) > 1 else conjuncts[0]

    def and_line(self, meta, items):
        return ("and", items[0])

    def or_line(self, meta, items):
        return ("or", items[0])

    def block(self, meta, items):
        doc = None
        if items and isinstance(items[0], Token) and items[0].type == "DOCSTRING":
            doc = _docstring(items[0])
            items = items[1:]
        return (doc, _s(items))

    # ---- statements
    def require(self, meta, items):
        return A.Require(items[0], span=self.sp(meta))

    def assign(self, meta, items):
        return A.Assign(items[0], items[1], span=self.sp(meta))

    def choose(self, meta, items):
        return A.Choose(items[0], items[1], span=self.sp(meta))

    def call_stmt(self, meta, items):
        return A.CallStmt(self.call(meta, items), span=self.sp(meta))

    def pass_stmt(self, meta, items):
        return None

    def target(self, meta, items):
        head, *path = items
        text = str(head)
        primed = text.endswith("'")
        return A.Target(text.rstrip("'"), primed, tuple(path), span=self.sp(meta))

    def if_stmt(self, meta, items):
        cond, (_, then), orelse = items
        return A.If(cond, _s(then), orelse, span=self.sp(meta))

    def elifs(self, meta, items):
        if not items or items == [None]:
            return ()
        if len(items) == 1:  # else
            return _s(items[0][1])
        cond, (_, body), rest = items
        return (A.If(cond, _s(body), rest, span=self.sp(meta)),)

    # ---- types
    def bool_type(self, meta, items):
        return A.BoolType(span=self.sp(meta))

    def int_type(self, meta, items):
        return A.IntType(span=self.sp(meta))

    def set_type(self, meta, items):
        return A.SetType(items[0], span=self.sp(meta))

    def map_type(self, meta, items):
        return A.MapType(items[0], items[1], span=self.sp(meta))

    def bounded_type(self, meta, items):
        return A.BoundedType(str(items[0]), items[1], items[2], span=self.sp(meta))

    def list_lit(self, meta, items):
        return A.ListLit(tuple(x for x in items if x is not None), span=self.sp(meta))

    def slice(self, meta, items):
        return A.Slice(items[0], items[1], items[2], span=self.sp(meta))

    def tuple_type(self, meta, items):
        return A.TupleType(tuple(items), span=self.sp(meta))

    def enum_type(self, meta, items):
        return A.EnumType(tuple(str(s)[1:-1] for s in items), span=self.sp(meta))

    def record_type(self, meta, items):
        return A.RecordType(tuple(items), span=self.sp(meta))

    def field(self, meta, items):
        return A.Field(str(items[0]), items[1], span=self.sp(meta))

    def range_type(self, meta, items):
        return A.RangeType(items[0], items[1], span=self.sp(meta))

    def named_type(self, meta, items):
        return A.NamedType(str(items[0]), span=self.sp(meta))

    def union_type(self, meta, items):
        return A.UnionType(tuple(items), span=self.sp(meta))

    def variant(self, meta, items):
        return A.Variant(str(items[0]), _s(items[1:]), span=_span_of(self.file, items[0]))

    # ---- expressions
    def int_lit(self, meta, items):
        text = str(items[0])
        if len(text) > MAX_INT_DIGITS:
            raise SpecSyntaxError(
                f"an integer literal of {len(text):,} digits (limit {MAX_INT_DIGITS:,})",
                self.sp(meta),
                hint="every type is finite: write a range of a size the checkers can explore",
                code="PS109",
            )
        return A.IntLit(int(text), span=self.sp(meta))

    def str_lit(self, meta, items):
        return A.StrLit(str(items[0])[1:-1], span=self.sp(meta))

    def true_lit(self, meta, items):
        return A.BoolLit(True, span=self.sp(meta))

    def false_lit(self, meta, items):
        return A.BoolLit(False, span=self.sp(meta))

    def name(self, meta, items):
        return A.Name(str(items[0]), span=self.sp(meta))

    def primed(self, meta, items):
        return A.Primed(str(items[0]).rstrip("'"), span=self.sp(meta))

    def if_exp(self, meta, items):
        then, cond, orelse = items
        return A.IfExp(cond, then, orelse, span=self.sp(meta))

    def implies_op(self, meta, items):
        return A.BinOp("implies", items[0], items[1], span=self.sp(meta))

    def or_op(self, meta, items):
        return _fold("or", items, self.sp(meta))

    def and_op(self, meta, items):
        return _fold("and", items, self.sp(meta))

    def not_op(self, meta, items):
        return A.UnaryOp("not", items[0], span=self.sp(meta))

    def compare(self, meta, items):
        return A.BinOp(str(items[1]), items[0], items[2], span=self.sp(meta))

    def in_op(self, meta, items):
        return A.BinOp("in", items[0], items[1], span=self.sp(meta))

    def not_in_op(self, meta, items):
        return A.BinOp("not in", items[0], items[1], span=self.sp(meta))

    def is_op(self, meta, items):
        return A.IsOp(items[0], str(items[1]), span=self.sp(meta))

    def range_exp(self, meta, items):
        return A.RangeExp(items[0], items[1], span=self.sp(meta))

    def union_chain(self, meta, items):
        return _fold("|", items, None)

    def inter_chain(self, meta, items):
        return _fold("&", items, None)

    def arith_chain(self, meta, items):
        """`a + b - c ...` (or `*`, `//`, `%`): balanced like `_fold` when every operator is the
        same associative one, else grouped to the left as Python does (PS108 past MAX_DEPTH)."""
        operands, ops = items[0::2], [str(t) for t in items[1::2]]
        if len(set(ops)) == 1 and ops[0] in ("+", "*"):
            return _fold(ops[0], operands, None)
        if len(operands) > MAX_DEPTH:
            raise SpecSyntaxError(
                f"a chain of {len(operands):,} operands mixing {' and '.join(sorted(set(ops)))} nests "
                f"more than {MAX_DEPTH} levels", self.sp(meta),
                hint="split it with `def`s; a chain of only `+` (or only `*`) may be as long as needed",
                code="PS108")
        acc = operands[0]
        for op, x in zip(ops, operands[1:]):
            acc = A.BinOp(op, acc, x, span=_join(acc.span, x.span))
        return acc

    def arith(self, meta, items):
        return A.BinOp(str(items[1]), items[0], items[2], span=self.sp(meta))

    def neg(self, meta, items):
        return A.UnaryOp("-", items[0], span=self.sp(meta))

    def index(self, meta, items):
        return A.Index(items[0], items[1], span=self.sp(meta))

    def attr(self, meta, items):
        return A.Attr(items[0], str(items[1]), span=self.sp(meta))

    def call(self, meta, items):
        name, args = items
        span = self.sp(meta)
        fspan = _span_of(self.file, name)
        if args is None:
            return A.Call(str(name), (), (), span=span, func_span=fspan)
        if isinstance(args, A.GenExp):
            return A.Call(str(name), (args,), (), span=span, func_span=fspan)
        pos = tuple(a for a in args if not isinstance(a, tuple))
        kws = tuple(a for a in args if isinstance(a, tuple))
        return A.Call(str(name), pos, kws, span=span, func_span=fspan)

    def args(self, meta, items):
        return list(items)

    def kwarg(self, meta, items):
        return (str(items[0]), items[1])

    def gen_arg(self, meta, items):
        elem, *gens = items
        return A.GenExp(elem, tuple(gens), span=self.sp(meta))

    def tuple_lit(self, meta, items):
        return A.TupleLit(_s(items), span=self.sp(meta))

    def empty_lit(self, meta, items):
        return A.SetLit((), span=self.sp(meta))

    def set_lit(self, meta, items):
        return A.SetLit(tuple(items), span=self.sp(meta))

    def set_comp(self, meta, items):
        elem, *gens = items
        return A.SetComp(elem, tuple(gens), span=self.sp(meta))

    def map_comp(self, meta, items):
        key, value, *gens = items
        return A.MapComp(key, value, tuple(gens), span=self.sp(meta))

    def dict_lit(self, meta, items):
        """`{a: 1, b: 2}` with name keys is a record; `{0: 1, "x": 2}`, with keys that are not
        bare names, a map literal. One literal cannot mix them."""
        pairs = list(zip(items[0::2], items[1::2]))
        names = [isinstance(key, A.Name) for key, _ in pairs]
        if not any(names):
            return A.MapLit(tuple(pairs), span=self.sp(meta))
        for (key, _), is_name in zip(pairs, names):
            if not is_name:
                raise SpecSyntaxError(
                    "a record field must be a name",
                    key.span,
                    hint="name keys make a record, other keys a map literal: a literal cannot mix them "
                    "(for a map keyed by names, write a comprehension: {k: v for k in Keys})",
                    code="PS104",
                )
        return A.RecordLit(tuple((key.name, value) for key, value in pairs), span=self.sp(meta))

    def comp_for(self, meta, items):
        var, it, *conds = items
        return A.CompFor(str(var), it, tuple(conds), span=self.sp(meta))

    def comp_for_unpack(self, meta, items):
        names = [x for x in items if isinstance(x, Token) and x.type == "NAME"]
        it, *conds = items[len(names):]
        return A.CompFor("(" + ", ".join(names) + ")", it, tuple(conds), span=self.sp(meta),
                         unpack=tuple(str(n) for n in names))

    def comp_if(self, meta, items):
        return items[0]


    # ---- temporal properties and fairness
    def temporal(self, meta, items):
        # the source of the operands (and of an inner operator's), for messages about the property
        shown = []
        for x in items[1].operands if isinstance(items[1], A.TemporalOp) else ():
            shown.append(x)
            if isinstance(x, A.TemporalOp):
                shown.extend(x.operands)
        texts = tuple((x.span, _source_text(self.text, x.span)) for x in shown)
        return A.Temporal(str(items[0]), items[1], texts=texts, span=_span_of(self.file, items[0]))

    def fairness(self, meta, items):
        kind, action, *rest = items
        unless = rest[-1] if rest else None
        names = rest[:-1]
        binds = None if names == [None] or not names else tuple(str(n) for n in names if n is not None)
        return A.Fairness(str(kind) == "strong", str(action), binds, unless, span=self.sp(meta))

    def always_op(self, meta, items):
        return A.TemporalOp("always", (items[0],), span=self.sp(meta))

    def eventually_op(self, meta, items):
        return A.TemporalOp("eventually", (items[0],), span=self.sp(meta))

    def leadsto_op(self, meta, items):
        return A.TemporalOp("leadsto", (items[0], items[1]), span=self.sp(meta))


def _source_text(text: str, span: Span) -> str:
    """The source of `span` on one line (a block's lines joined), "" when not available."""
    lines = text.split("\n")[span.line - 1 : span.end_line]
    if not lines:
        return ""
    if len(lines) == 1:
        return lines[0][span.col - 1 : span.end_col - 1]
    parts = [lines[0][span.col - 1 :], *lines[1:-1], lines[-1][: span.end_col - 1]]
    return " ".join(p.strip() for p in parts if p.strip())


def _join(a: Span, b: Span) -> Span:
    return Span(a.file, a.line, a.col, b.end_line, b.end_col)


_FLAT = 16  # chains up to this length fold to the left, as Python groups them


def _fold(op: str, items, span: Span | None) -> A.Expr:
    """`a op b op c ...` as BinOps. A longer chain (only of an associative operator, evaluated
    left to right with the same short-circuit however grouped) becomes a balanced tree of
    left-folded runs, so its depth grows with the log of its length: later phases recurse.
    Every BinOp gets `span`, or, when it is None, the span from its left operand to its right."""
    if len(items) > _FLAT:
        mid = len(items) // 2
        left, right = _fold(op, items[:mid], span), _fold(op, items[mid:], span)
        return A.BinOp(op, left, right, span=span or _join(left.span, right.span))
    acc = items[0]
    for x in items[1:]:
        acc = A.BinOp(op, acc, x, span=span or _join(acc.span, x.span))
    return acc


def _docstring(tok) -> str:
    text = str(tok)[3:-3]
    lines = text.strip("\n").split("\n")
    indents = [len(l) - len(l.lstrip()) for l in lines[1:] if l.strip()]
    cut = min(indents, default=0)
    return "\n".join([lines[0].strip()] + [l[cut:].rstrip() for l in lines[1:]]).strip()
