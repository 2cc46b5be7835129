"""A malformed document never breaks the server: the spec fuzzer's inputs (tests/fuzz/campaign.py),
sent as edits to one open document, each followed by the questions an editor asks at a few
places; no request fails, no error is reported out of band, and the server still answers."""

from __future__ import annotations

import asyncio
import pathlib
import random
import sys

import pytest
import pytest_lsp
from lsprotocol import types as L
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.fuzz.campaign import _spec_corpus, mutate_text, random_spec

ROOT = pathlib.Path(__file__).resolve().parents[2]
INPUTS = 60  # bounded: 60 analyses and about 600 requests

# one server for the module's tests, on one xdist worker
pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.xdist_group("lsp-" + __name__)]


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=[sys.executable, "-m", "pyspec", "lsp"]))
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(L.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), initialization_options={"debounce": 0}))
    yield
    await lsp_client.shutdown_session()


def inputs(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    corpus = [text for _, text in _spec_corpus()]
    return [random_spec(rng) if rng.random() < 0.4 else mutate_text(rng, rng.choice(corpus)) for _ in range(n)]


async def test_fuzzed_edits_cause_no_server_error(client: LanguageClient):
    u = (ROOT / "specs" / "fuzzed-document.spec").as_uri()  # never written: includes resolve in specs/
    doc = L.TextDocumentIdentifier(uri=u)
    client.text_document_did_open(L.DidOpenTextDocumentParams(L.TextDocumentItem(u, "pyspec", 1, "spec Empty\n")))
    await asyncio.wait_for(client.wait_for_notification(L.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 20)
    rng = random.Random(7)
    failures = []
    for version, text in enumerate(inputs(1, INPUTS), start=2):
        client.text_document_did_change(L.DidChangeTextDocumentParams(
            text_document=L.VersionedTextDocumentIdentifier(uri=u, version=version),
            content_changes=[L.TextDocumentContentChangeWholeDocument(text=text)]))
        await asyncio.wait_for(client.wait_for_notification(L.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 20)
        lines = text.split("\n")
        for _ in range(2):
            line = rng.randrange(len(lines) + 1)
            pos = L.Position(line=line, character=rng.randrange(len(lines[line]) + 2 if line < len(lines) else 3))
            for ask in (
                client.text_document_hover_async(L.HoverParams(text_document=doc, position=pos)),
                client.text_document_definition_async(L.DefinitionParams(text_document=doc, position=pos)),
                client.text_document_completion_async(L.CompletionParams(text_document=doc, position=pos)),
                client.text_document_references_async(L.ReferenceParams(
                    text_document=doc, position=pos, context=L.ReferenceContext(include_declaration=True))),
            ):
                try:
                    await asyncio.wait_for(ask, 20)
                except Exception as e:  # noqa: BLE001 (counted: any failure of the server is the finding)
                    failures.append((version, pos, repr(e)[:300], text))
        for ask in (client.text_document_document_symbol_async(L.DocumentSymbolParams(text_document=doc)),
                    client.text_document_code_lens_async(L.CodeLensParams(text_document=doc))):
            try:
                await asyncio.wait_for(ask, 20)
            except Exception as e:  # noqa: BLE001
                failures.append((version, None, repr(e)[:300], text))
    assert failures == []
    errors = [m for m in client.messages if m.type == L.MessageType.Error]
    errors += [m for m in client.log_messages if m.type == L.MessageType.Error]
    assert errors == []
    assert await client.text_document_document_symbol_async(L.DocumentSymbolParams(text_document=doc)) is not None
