"""A Pygments lexer for the spec language (`*.spec`), for the HTML reports and for any tool
built on Pygments (registered as the `pyspec` entry point in pyproject.toml).

The token rules follow `pyspec/lang/grammar.lark`: its keywords, its literals (`INT`, `STRING`,
`DOCSTRING`, `True`/`False`), primed names (`leader'`), comments and operators. A highlighter
only colours text, so it accepts a superset of the grammar; anything the grammar has no token
for is an `Error` token.
"""

from __future__ import annotations

import re

from pygments.lexer import RegexLexer, bygroups, words  # type: ignore[import-untyped]
from pygments.token import (Comment, Error, Keyword, Name, Number, Operator, Punctuation, String, Text,  # type: ignore[import-untyped]
                            Whitespace)

__all__ = ["PyspecLexer"]


class PyspecLexer(RegexLexer):
    """The pyspec specification language."""

    name = "pyspec"
    aliases = ["pyspec"]
    filenames = ["*.spec"]
    mimetypes = ["text/x-pyspec"]

    def analyse_text(text):  # noqa: N805 (Pygments calls it as a static method)
        """*.spec is RPM's too: a file that opens with `spec Name` is ours."""
        return 0.9 if re.match(r"\s*(#[^\n]*\n\s*)*spec\s+[A-Za-z_]", text) else 0.0

    tokens = {
        "root": [
            (r"\n", Whitespace),
            (r"[\t \f]+", Whitespace),
            (r"\\[\t \f]*\r?\n", Text),
            (r"#[^\n]*", Comment.Single),
            (r'"""(.|\n)*?"""', String.Doc),
            (r'"[^"\n]*"', String.Double),
            (r"(action|def|proc|invariant|reachable|constraint|temporal)(\s+)([A-Za-z_][A-Za-z0-9_]*)",
             bygroups(Keyword.Declaration, Whitespace, Name.Function)),
            (r"(spec|type)(\s+)([A-Za-z_][A-Za-z0-9_]*)", bygroups(Keyword.Declaration, Whitespace, Name.Class)),
            (r"(param|var|unknown)(\s+)([A-Za-z_][A-Za-z0-9_]*)",
             bygroups(Keyword.Declaration, Whitespace, Name.Variable)),
            (words(("and", "or", "not", "in", "is", "implies"), suffix=r"\b"), Operator.Word),
            (words(("always", "eventually", "leadsto"), suffix=r"\b"), Operator.Word),
            (words(("fair", "weak", "strong", "unless"), suffix=r"\b"), Keyword),
            (words(("symmetric",), suffix=r"\b(?=\s+type\b)"), Keyword.Declaration),  # symmetric type P = ...
            (words(("constraint", "elif", "else", "extend", "for", "if", "include", "init", "pass", "proc", "require", "with"),
                   suffix=r"\b"), Keyword),
            (words(("bool", "int", "map", "set", "tuple"), suffix=r"\b"), Keyword.Type),
            (words(("bag", "seq"), suffix=r"\b(?=\s*\[)"), Keyword.Type),  # names elsewhere
            (words(("True", "False", "true", "false"), suffix=r"\b"), Keyword.Constant),
            (words(("all", "any", "len", "min", "max", "permutations", "subsets", "sum"), suffix=r"\b"), Name.Builtin),
            # the sequence and bag builtins are common variable names: builtins only when called
            (words(("add", "append", "bag", "count", "enumerate", "head", "last", "remove", "tail"), suffix=r"\b(?=\s*\()"),
             Name.Builtin),
            (r"[A-Za-z_][A-Za-z0-9_]*'", Name.Variable.Instance),  # a primed variable: the next state
            (r"[A-Za-z_][A-Za-z0-9_]*", Name),
            (r"[0-9]+", Number.Integer),
            (r"->|\.\.|==|!=|<=|>=|//|[<>+\-*%|&=]", Operator),
            (r"[()\[\]{},:.]", Punctuation),
            (r".", Error),
        ],
    }
