"""Questions about places, answered from a document's model (pyspec/lsp/lookup.py, hover.py,
complete.py, docs.py), without a server."""

from __future__ import annotations

import pathlib

from pyspec.lang.ops import FNS, OPS
from pyspec.lsp import complete, hover, lookup
from pyspec.lsp.docs import BUILTIN_DOCS, OP_DOCS, builtin_names, operator_doc
from pyspec.lsp.model import analyse

SPECS = pathlib.Path(__file__).resolve().parents[2] / "specs"


def test_a_place_past_the_end_of_its_line_is_at_the_end():
    assert lookup.word_at("x <= y\nlen", 1, 40) == ("y", 6)  # the fuzzed edits found an IndexError here
    assert lookup.word_at("x <= y", 1, 3) == ("<=", 3)
    assert lookup.word_at("", 1, 5) is None and lookup.word_at("a", 9, 1) is None


def test_every_builtin_row_called_by_name_has_a_signature_and_every_operator_a_meaning():
    named = {s.spelling for s in FNS.values() if s.spelling.isidentifier()} - {s.spelling for s in OPS.values()}
    assert set(BUILTIN_DOCS) == named == set(builtin_names())
    assert set(OP_DOCS) == set(OPS)
    for spelling in {s.spelling for s in OPS.values()}:
        assert operator_doc(spelling)
    assert "fails (PS401) on division by zero" in operator_doc("//")


def test_locals_shadow_the_spec_s_names_and_comprehension_variables_are_local():
    text = "spec S\nvar p: bool\ninit:\n    p = True\naction A(p: bool):\n    require p\n" \
           "invariant I: all(p for p in {True})\n"
    m = analyse(text, "s.spec")
    formal = lookup.definition(m, "s.spec", 6, 13)
    assert (formal.line, formal.col) == (5, 10)
    bound = lookup.definition(m, "s.spec", 7, 18)
    assert bound.line == 7 and bound.col > 18
    var = lookup.definition(m, "s.spec", 4, 5)
    assert (var.line, var.col) == (2, 5)


def test_hover_on_a_param_shows_its_value_and_default():
    path = str(SPECS / "lease_lock.spec")
    m = analyse(pathlib.Path(path).read_text(), path)
    text = hover.hover(m, path, 21, 8)
    assert "param `NC`: `int`, value `2` (default `2`)" in text


def test_completion_after_a_dot_offers_record_fields():
    text = "spec S\ntype R = {a: 0 .. 1, bee: bool}\nvar r: R\ninit:\n    r = {a: 0, bee: False}\n" \
           "invariant I: r.\n"
    m = analyse(text.replace("r.\n", "r.a == 0\n"), "s.spec")
    m2 = type(m)(m.path, text, m.problems, m.decls, m.uses, m.checked, m.includes, m.sources)
    assert [i.label for i in complete.complete(m2, 6, 16, ())] == ["a", "bee"]


def test_the_grammar_s_keywords_are_offered():
    kws = complete.keywords()
    assert {"action", "invariant", "require", "include", "temporal", "eventually"} <= set(kws)


def test_completion_after_a_record_variable_s_dot_offers_its_own_fields():
    text = "spec S\ntype R = {a: 0 .. 1, bee: bool}\ntype Q = {zed: bool}\nvar r: R\nvar q: Q\ninit:\n" \
           "    r = {a: 0, bee: False}\n    q = {zed: True}\ninvariant I: r.a == 0\n"
    m = analyse(text, "s.spec")
    assert m.checked is not None
    typed = text.replace("r.a == 0", "q.")
    m2 = type(m)(m.path, typed, m.problems, m.decls, m.uses, m.checked, m.includes, m.sources)
    assert [(i.label, i.detail) for i in complete.complete(m2, 9, 16, ())] == [("zed", "bool")]


def test_hover_on_a_formal_shows_its_written_type():
    path = str(SPECS / "lease_lock.spec")
    text = pathlib.Path(path).read_text()
    m = analyse(text, path)
    line = next(i for i, ln in enumerate(text.split("\n"), 1) if ln.startswith("action Acquire(c: Client)"))
    assert "parameter `c`: `Client`" in hover.hover(m, path, line, 16)


def test_definition_on_an_include_line_opens_the_included_file():
    path = str(SPECS / "leader_election.spec")
    text = pathlib.Path(path).read_text()
    m = analyse(text, path)
    line = text.split("\n").index('include "fd.spec"') + 1
    target = lookup.definition(m, path, line, 12)
    assert target is not None and pathlib.Path(target.file).resolve() == SPECS / "fd.spec" and target.line == 1
    assert "includes `" in hover.hover(m, path, line, 3)
