"""`pyspec lsp` end to end: the real server started over stdio (`python -m pyspec lsp`) by
pytest-lsp's client, on the library specs (specs/)."""

from __future__ import annotations

import asyncio
import pathlib
import sys

import pytest
import pytest_lsp
from lsprotocol import types as L
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

ROOT = pathlib.Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs"

# one server for the module's tests, on one xdist worker
pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.xdist_group("lsp-" + __name__)]


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=[sys.executable, "-m", "pyspec", "lsp"]))
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(L.InitializeParams(capabilities=client_capabilities("visual-studio-code")))
    yield
    await lsp_client.shutdown_session()


def running_checks() -> int:
    """How many worker processes of the server's checks are alive (their spec is a temporary
    copy under a `pyspec-lsp-` folder)."""
    n = 0
    for cmdline in pathlib.Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:  # gone meanwhile
            continue
        n += b"check" in args and any(b"/pyspec-lsp-" in a for a in args)
    return n


def uri(path: pathlib.Path) -> str:
    return path.resolve().as_uri()


async def open_doc(client: LanguageClient, path: pathlib.Path, text: str | None = None) -> str:
    """Open a document (its text on disk unless given) and wait for its first diagnostics."""
    u = uri(path)
    client.text_document_did_open(L.DidOpenTextDocumentParams(
        L.TextDocumentItem(u, "pyspec", 1, path.read_text() if text is None else text)))
    await asyncio.wait_for(client.wait_for_notification(L.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 20)
    return u


def position(text: str, needle: str, offset: int = 0, nth: int = 0) -> L.Position:
    """The position of the `nth` occurrence of `needle` in `text`, `offset` characters in."""
    i = -1
    for _ in range(nth + 1):
        i = text.index(needle, i + 1)
    line = text.count("\n", 0, i)
    return L.Position(line, i - (text.rfind("\n", 0, i) + 1) + offset)


async def test_a_library_spec_has_no_diagnostics(client: LanguageClient):
    u = await open_doc(client, SPECS / "leader_election.spec")
    assert not client.diagnostics[u]


async def test_errors_come_all_at_once_with_codes_hints_and_related_places(client: LanguageClient):
    path = SPECS / "leader_election.spec"
    text = path.read_text().replace("leader'[p] =", "leadr'[p] =").replace(
        "len({p for p in Live if leader[p]})", "len({p for p in Live if leader[zz]})")
    u = await open_doc(client, path, text)
    diags = client.diagnostics[u]
    by_code = {d.code: d for d in diags}
    assert set(by_code) == {"PS204", "PS200"}, diags
    bad = by_code["PS204"]
    assert bad.range.start == position(text, "leadr'[p]")
    assert "hint: did you mean 'leader'?" in bad.message
    assert bad.severity == L.DiagnosticSeverity.Error and bad.source == "pyspec"


async def test_an_error_in_an_included_file_shows_at_the_include_line(client: LanguageClient, tmp_path):
    (tmp_path / "fd.spec").write_text((SPECS / "fd.spec").read_text().replace("crashed' = crashed | {p}",
                                                                             "crashed' = crashd | {p}"))
    text = (SPECS / "leader_election.spec").read_text()
    path = tmp_path / "leader_election.spec"
    path.write_text(text)
    u = await open_doc(client, path)
    [d] = client.diagnostics[u]
    assert d.code == "PS200" and d.range.start == position(text, 'include "fd.spec"')
    assert d.message.startswith("in fd.spec:")
    [here] = d.related_information
    assert here.location.uri == uri(tmp_path / "fd.spec")


async def test_quick_edits_end_with_the_newest_version_s_diagnostics(client: LanguageClient):
    path = SPECS / "lease_lock.spec"
    text = path.read_text()
    u = await open_doc(client, path)
    assert not client.diagnostics[u]
    typo = text.replace("holder' = c", "holdr' = c")  # PS204
    last = text.replace("believes[c]}) <= 1", "believes[c]}) <= True")  # PS315
    for version in range(2, 7):  # five edits within the debounce: four typos, then the last
        client.text_document_did_change(L.DidChangeTextDocumentParams(
            text_document=L.VersionedTextDocumentIdentifier(uri=u, version=version),
            content_changes=[L.TextDocumentContentChangeWholeDocument(text=last if version == 6 else typo)]))
    for _ in range(6):  # bounded: at most one publication per version
        await asyncio.wait_for(client.wait_for_notification(L.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 20)
        if [d.code for d in client.diagnostics[u]] == ["PS315"]:
            break
    assert [d.code for d in client.diagnostics[u]] == ["PS315"]


async def test_hover_shows_types_param_values_builtins_and_operators(client: LanguageClient):
    path = SPECS / "leader_election.spec"
    text = path.read_text()
    u = await open_doc(client, path)

    async def hover(pos: L.Position) -> str:
        h = await client.text_document_hover_async(L.HoverParams(L.TextDocumentIdentifier(u), pos))
        assert h is not None, pos
        return h.contents.value

    assert "variable `leader`: `map[0 .. 2, bool]`" in await hover(position(text, "leader'[p]", 1))
    assert "builtin" in await hover(position(text, "len({p", 1)) and "len(s:" in await hover(position(text, "len({p"))
    assert "subset or equal, on sets" in await hover(position(text, "<= 1"))
    fd = (SPECS / "fd.spec").read_text()
    n = position(fd, "N - 1")  # a use of N in fd.spec, as seen from the document: hover the definition
    definition = await client.text_document_definition_async(
        L.DefinitionParams(L.TextDocumentIdentifier(u), position(text, "in Proc", 3)))
    assert definition is not None and definition.uri == uri(SPECS / "fd.spec")
    assert n.line >= 0


async def test_definition_and_references_cross_the_include(client: LanguageClient):
    path = SPECS / "leader_election.spec"
    text = path.read_text()
    fd = (SPECS / "fd.spec").read_text()
    u = await open_doc(client, path)
    loc = await client.text_document_definition_async(
        L.DefinitionParams(L.TextDocumentIdentifier(u), position(text, "not in crashed", 8)))
    assert isinstance(loc, L.Location) and loc.uri == uri(SPECS / "fd.spec")
    assert loc.range.start == position(fd, "crashed:")
    refs = await client.text_document_references_async(L.ReferenceParams(
        text_document=L.TextDocumentIdentifier(uri=u), position=position(text, "not in crashed", 8),
        context=L.ReferenceContext(include_declaration=True)))
    where = {r.uri for r in refs}
    assert where == {uri(SPECS / "fd.spec"), u}
    got = {(r.uri, r.range.start.line, r.range.start.character) for r in refs}
    want = [(uri(SPECS / "fd.spec"), position(fd, "crashed:")), (u, position(text, "not in crashed", 7)),
            (uri(SPECS / "fd.spec"), position(fd, "crashed' = crashed")),
            (uri(SPECS / "fd.spec"), position(fd, "crashed' = crashed", 11))]
    assert {(w, p.line, p.character) for w, p in want} <= got


async def test_symbols_are_the_outline_of_the_document(client: LanguageClient):
    u = await open_doc(client, SPECS / "lease_lock.spec")
    syms = await client.text_document_document_symbol_async(L.DocumentSymbolParams(L.TextDocumentIdentifier(u)))
    names = {(s.name, s.detail) for s in syms}
    assert {("NC", "param"), ("Client", "type"), ("holder", "var"), ("Acquire", "action"),
            ("MutexBelief", "invariant")} <= names


async def test_completion_offers_names_builtins_and_keywords(client: LanguageClient):
    path = SPECS / "leader_election.spec"
    text = path.read_text()
    u = await open_doc(client, path)
    result = await client.text_document_completion_async(
        L.CompletionParams(L.TextDocumentIdentifier(u), position(text, "require p not in crashed", 8)))
    labels = {i.label: i for i in result.items}
    assert {"p", "crashed", "leader", "Proc", "N", "len", "subsets", "require", "invariant"} <= set(labels)
    assert labels["p"].detail == "local" and labels["len"].kind == L.CompletionItemKind.Function


async def test_check_command_puts_a_violation_on_the_invariant_line(client: LanguageClient):
    path = SPECS / "lease_lock.spec"
    text = path.read_text()
    u = await open_doc(client, path)
    before = set(client.progress_reports)
    lenses = await client.text_document_code_lens_async(L.CodeLensParams(L.TextDocumentIdentifier(u)))
    lens = next(x for x in lenses if x.command.title == "check MutexBelief")
    assert lens.command.command == "pyspec.check" and len([x for x in lenses if x.command.title == "check the spec"]) == 5
    result = await asyncio.wait_for(client.workspace_execute_command_async(
        L.ExecuteCommandParams(lens.command.command, lens.command.arguments)), 60)
    assert result["verdict"] == "violated" and result["violated"] == "MutexBelief"
    await asyncio.sleep(0)  # the diagnostics were sent before the answer
    [d] = [d for d in client.diagnostics[u] if d.code == "violated"]
    assert d.range.start == position(text, "invariant MutexBelief", 10)
    assert d.code_description is not None and d.code_description.href.endswith("lease_lock-MutexBelief.html")
    assert pathlib.Path(result["page"].removeprefix("file://")).read_text().startswith("<!DOCTYPE html>")
    steps = [r.message for r in d.related_information]
    assert steps[0] == "step 0: init" and steps[1].startswith("step 1: Acquire(")
    assert len(steps) == len(result["steps"])
    [token] = [t for t in client.progress_reports if t not in before]
    kinds = [r.kind for r in client.progress_reports[token]]
    assert kinds[0] == "begin" and kinds[-1] == "end"


async def test_a_long_check_is_cancelled_and_the_server_keeps_answering(client: LanguageClient):
    path = SPECS / "paxos.spec"  # minutes of search on this machine
    u = await open_doc(client, path)
    before = set(client.progress_reports)
    running = asyncio.ensure_future(client.workspace_execute_command_async(
        L.ExecuteCommandParams("pyspec.check", [u, "invariant", "Agreement"])))
    for _ in range(200):  # bounded: the check has begun within 20 s
        if set(client.progress_reports) - before:
            break
        await asyncio.sleep(0.1)
    [token] = [t for t in client.progress_reports if t not in before]
    syms = await client.text_document_document_symbol_async(L.DocumentSymbolParams(L.TextDocumentIdentifier(u)))
    assert any(s.name == "Agreement" for s in syms)  # answered while the check runs
    assert running_checks() == 1
    client.window_work_done_progress_cancel(L.WorkDoneProgressCancelParams(token))
    result = await asyncio.wait_for(running, 20)
    assert result == {"verdict": "cancelled"}
    assert client.progress_reports[token][-1].message == "cancelled"
    assert running_checks() == 0  # the worker was killed, not left to finish
