"""The server's own state, in process (pyspec/lsp/server.py): what it publishes when the front
end fails, and a check's diagnostics."""

from __future__ import annotations

import asyncio

from pyspec.lsp import run, server
from pyspec.lsp.model import analyse


def test_a_bug_in_the_front_end_is_published_as_an_internal_error(monkeypatch):
    s = server.build()
    sent = []
    monkeypatch.setattr(s, "text_document_publish_diagnostics", sent.append)

    def broken(text, path):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(server, "analyse", broken)
    s.texts["file:///x.spec"] = ("spec X\n", 3)
    asyncio.run(s.analyse("file:///x.spec"))
    [params] = sent
    [d] = params.diagnostics
    assert params.version == 3 and d.message.startswith("pyspec: internal error (please report it with the spec)")


def test_a_violation_lands_on_its_invariant_with_a_step_per_action_and_the_page():
    s = server.build()
    text = "spec S\nvar x: 0 .. 2\ninit:\n    x = 0\naction Up():\n    require x < 2\n    x' = x + 1\n" \
           "invariant Low: x < 2\n"
    s.models["file:///s.spec"] = analyse(text, "/s.spec")
    outcome = run.Outcome("violated", 1, "Low", ("init", "Up()", "Up()"), "/tmp/s-Low.html")
    [d] = s._check_diagnostics("file:///s.spec", outcome)
    assert (d.range.start.line, d.range.start.character) == (7, 10)
    assert [(r.location.range.start.line, r.message) for r in d.related_information] == [
        (7, "step 0: init"), (4, "step 1: Up()"), (4, "step 2: Up()")]
    assert d.code_description.href == "file:///tmp/s-Low.html" and "after 2 steps" in d.message
