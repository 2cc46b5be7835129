"""The language server: pygls wiring of the models (`model`), the questions about a place
(`lookup`, `hover`, `complete`) and the checks in a worker (`run`).

Nothing here blocks the event loop: a document is analysed in a thread, DEBOUNCE seconds after
the last edit (only the newest version's result is published), and a check runs in a process
that the user can cancel. Requests are answered from the last model that parsed, so that hover
and go-to-definition keep working while a line is half typed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from typing import Any
from urllib.parse import unquote, urlparse

from lsprotocol import types as L
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path

from pyspec.errors import Span
from pyspec.lsp import complete, hover, lookup, run
from pyspec.lsp.model import (ACTION, CONSTRAINT, DEF, INVARIANT, LOCAL, PARAM, PROC, REACHABLE, TEMPORAL, TYPE,
                              VAR, VARIANT, Model, Problem, analyse)

DEBOUNCE = 0.3  # seconds after the last edit before a document is analysed again
CHECK_COMMAND = "pyspec.check"

_SYMBOL_KINDS = {
    PARAM: L.SymbolKind.Constant, TYPE: L.SymbolKind.Class, VAR: L.SymbolKind.Variable, DEF: L.SymbolKind.Function,
    ACTION: L.SymbolKind.Method, PROC: L.SymbolKind.Function, INVARIANT: L.SymbolKind.Property,
    REACHABLE: L.SymbolKind.Property, CONSTRAINT: L.SymbolKind.Property, TEMPORAL: L.SymbolKind.Event,
    VARIANT: L.SymbolKind.EnumMember,
}
_COMPLETION_KINDS = {
    complete.FIELD: L.CompletionItemKind.Field, complete.BUILTIN: L.CompletionItemKind.Function,
    complete.KEYWORD: L.CompletionItemKind.Keyword,
}
_NAME_KINDS = {
    PARAM: L.CompletionItemKind.Constant, TYPE: L.CompletionItemKind.Class, VAR: L.CompletionItemKind.Variable,
    DEF: L.CompletionItemKind.Function, ACTION: L.CompletionItemKind.Method, PROC: L.CompletionItemKind.Function,
    VARIANT: L.CompletionItemKind.EnumMember, LOCAL: L.CompletionItemKind.Variable,
}


def path_of(uri: str) -> str:
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme == "file" else uri


def uri_of(path: str) -> str:
    return from_fs_path(os.path.abspath(path)) or path


def _range(span: Span) -> L.Range:
    end_line = max(span.end_line, span.line)
    end_col = span.end_col if end_line > span.line or span.end_col > span.col else span.col + 1
    return L.Range(L.Position(span.line - 1, span.col - 1), L.Position(end_line - 1, end_col - 1))


def _location(span: Span) -> L.Location:
    return L.Location(uri_of(span.file), _range(span))


def diagnostic(p: Problem) -> L.Diagnostic:
    """One problem as the editor shows it: the code, the message with the hint, the related
    places (the error's notes, and where an error in an included file really is)."""
    e = p.error
    message = e.message
    if p.origin is not None:
        message = f"in {os.path.basename(p.origin.file)}:{p.origin.line}:{p.origin.col}: {message}"
    if e.hint:
        message += f"\nhint: {e.hint}"
    related = [L.DiagnosticRelatedInformation(_location(span), note) for span, note in e.notes]
    if p.origin is not None:
        related.insert(0, L.DiagnosticRelatedInformation(_location(p.origin), f"error[{e.code}] here"))
    severity = L.DiagnosticSeverity.Warning if p.warning else L.DiagnosticSeverity.Error
    return L.Diagnostic(_range(p.span), message, severity=severity, code=e.code, source="pyspec",
                        related_information=related or None)


class SpecServer(LanguageServer):
    """The server's state: each open document's text, its newest model and the last model
    that parsed, its pending analysis, the diagnostics of its last check, its running check."""

    def __init__(self) -> None:
        super().__init__("pyspec", "0.1.0")
        self.texts: dict[str, tuple[str, int | None]] = {}
        self.models: dict[str, Model] = {}
        self.parsed: dict[str, Model] = {}
        self.pending: dict[str, asyncio.TimerHandle] = {}
        self.check_diags: dict[str, list[L.Diagnostic]] = {}
        self.checks: dict[str, asyncio.Task] = {}
        self.keywords = complete.keywords()
        self.page_dir = os.path.join(tempfile.gettempdir(), f"pyspec-lsp-pages-{os.getpid()}")
        self.tokens = 0
        self.debounce = DEBOUNCE

    # ---- analysis ---------------------------------------------------------------------------

    def schedule(self, uri: str, delay: float) -> None:
        old = self.pending.pop(uri, None)
        if old is not None:
            old.cancel()
        loop = asyncio.get_running_loop()
        self.pending[uri] = loop.call_later(delay, lambda: asyncio.ensure_future(self.analyse(uri)))

    async def analyse(self, uri: str) -> None:
        self.pending.pop(uri, None)
        if uri not in self.texts:
            return
        text, version = self.texts[uri]
        try:
            model = await asyncio.get_running_loop().run_in_executor(None, analyse, text, path_of(uri))
        except Exception as e:  # a bug of the front end: said in the editor, as the CLI's exit 70 says it
            logging.getLogger(__name__).exception("analysing %s", uri)
            if self.texts.get(uri, (None, None))[1] == version:
                self.text_document_publish_diagnostics(L.PublishDiagnosticsParams(uri, [L.Diagnostic(
                    L.Range(L.Position(0, 0), L.Position(0, 1)),
                    f"pyspec: internal error (please report it with the spec): {type(e).__name__}: {e}",
                    severity=L.DiagnosticSeverity.Error, source="pyspec")], version=version))
            return
        if self.texts.get(uri, (None, None))[1] != version:
            return  # edited meanwhile: a newer analysis is scheduled
        self.models[uri] = model
        if model.decls:
            self.parsed[uri] = model
        self.publish(uri)

    def publish(self, uri: str) -> None:
        model = self.models.get(uri)
        diags = [diagnostic(p) for p in model.problems] if model else []
        diags += self.check_diags.get(uri, [])
        self.text_document_publish_diagnostics(
            L.PublishDiagnosticsParams(uri, diags, version=self.texts.get(uri, (None, None))[1]))

    def model(self, uri: str) -> Model | None:
        """The last model that parsed (for questions about places), else the newest."""
        return self.parsed.get(uri) or self.models.get(uri)

    # ---- checks -----------------------------------------------------------------------------

    async def check(self, uri: str, kind: str, name: str) -> dict[str, Any]:
        """Check the document (one invariant, or everything for an action) in a worker; publish
        a violation on the property's line and a never-enabled action on the action's line."""
        previous = self.checks.pop(uri, None)
        if previous is not None:
            previous.cancel()
        if uri not in self.texts:
            return {"verdict": "error", "error": f"{uri} is not open"}
        text = self.texts[uri][0]
        token = await self._progress_token()
        title = f"pyspec check {name}" if kind == "invariant" else f"pyspec check ({name})"
        if token is not None:
            self.work_done_progress.begin(token, L.WorkDoneProgressBegin(title, cancellable=True, message="starting"))
        def report(line: str) -> None:
            if token is not None:
                self.work_done_progress.report(token, L.WorkDoneProgressReport(message=line))

        task = asyncio.ensure_future(run.check(text, path_of(uri), self.page_dir,
                                               name if kind == "invariant" else None, report))
        self.checks[uri] = task
        cancel = self.work_done_progress.tokens.get(token) if token is not None else None
        if cancel is not None:
            cancel.add_done_callback(lambda f: f.cancelled() and task.cancel())
        try:
            outcome = await task
        except asyncio.CancelledError:
            if token is not None:
                self.work_done_progress.end(token, L.WorkDoneProgressEnd(message="cancelled"))
            return {"verdict": "cancelled"}
        finally:
            if self.checks.get(uri) is task:
                del self.checks[uri]
            if token is not None:
                self.work_done_progress.tokens.pop(token, None)
        self.check_diags[uri] = self._check_diagnostics(uri, outcome)
        self.publish(uri)
        summary = outcome.verdict + (f": {outcome.violated}" if outcome.violated else "")
        if token is not None:
            self.work_done_progress.end(token, L.WorkDoneProgressEnd(message=summary))
        return {"verdict": outcome.verdict, "exit_code": outcome.exit_code, "violated": outcome.violated,
                "steps": list(outcome.steps), "page": outcome.page and uri_of(outcome.page),
                "never_enabled": list(outcome.never_enabled), "error": outcome.error}

    async def _progress_token(self) -> str | None:
        caps = self.client_capabilities.window if self.client_capabilities else None
        if not (caps and caps.work_done_progress):
            return None
        self.tokens += 1
        token = f"pyspec-check-{self.tokens}"
        try:
            await self.work_done_progress.create_async(token)
        except JsonRpcException:  # a client that refuses progress still gets the result
            logging.getLogger(__name__).warning("the client refused progress token %s", token)
            return None
        return token

    def _check_diagnostics(self, uri: str, o: run.Outcome) -> list[L.Diagnostic]:
        model = self.model(uri)
        decls = {d.name: d for d in lookup.symbols(model)} if model else {}
        out = []
        if o.error is not None:
            out.append(L.Diagnostic(L.Range(L.Position(0, 0), L.Position(0, 1)),
                                    "pyspec check could not run:\n" + o.error, severity=L.DiagnosticSeverity.Error,
                                    source="pyspec check"))
        if o.violated:
            first = o.violated.split(", ")[0]
            where = decls.get(first)
            span = where.span if where else Span(path_of(uri), 1, 1, 1, 1)
            related = [L.DiagnosticRelatedInformation(_location(self._step_span(decls, step) or span),
                                                       f"step {i}: {step}") for i, step in enumerate(o.steps)]
            page = uri_of(o.page) if o.page else None
            message = f"{o.violated} is violated ({o.verdict}) after {max(len(o.steps) - 1, 0)} steps"
            if page:
                message += f"; timeline: {page}"
            out.append(L.Diagnostic(_range(span), message, severity=L.DiagnosticSeverity.Error, source="pyspec check",
                                    code="violated", code_description=L.CodeDescription(page) if page else None,
                                    related_information=related or None))
        for name in o.never_enabled:
            action = decls.get(name.split("(")[0])
            if action is not None:
                out.append(L.Diagnostic(_range(action.span), f"{name} was never enabled in the states checked",
                                        severity=L.DiagnosticSeverity.Warning, source="pyspec check"))
        return out

    @staticmethod
    def _step_span(decls, step: str) -> Span | None:
        d = decls.get(step.split("(")[0])
        return d.span if d is not None and d.kind == ACTION else None


def build() -> SpecServer:
    """A server with every feature registered (the tests start it through `pyspec lsp`)."""
    server = SpecServer()

    @server.feature(L.INITIALIZE)
    def on_initialize(ls: SpecServer, params: L.InitializeParams) -> None:
        """`initializationOptions: {"debounce": SECONDS}` sets the wait after an edit."""
        opts = params.initialization_options
        wait = opts.get("debounce") if isinstance(opts, dict) else None
        if isinstance(wait, (int, float)) and not isinstance(wait, bool) and 0 <= wait <= 10:
            ls.debounce = float(wait)

    @server.feature(L.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: SpecServer, params: L.DidOpenTextDocumentParams) -> None:
        doc = params.text_document
        ls.texts[doc.uri] = (doc.text, doc.version)
        ls.schedule(doc.uri, 0)

    @server.feature(L.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: SpecServer, params: L.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        document = ls.workspace.get_text_document(uri)
        ls.texts[uri] = (document.source, params.text_document.version)
        if ls.check_diags.pop(uri, None):
            ls.publish(uri)  # a check's result is about the text it checked
        ls.schedule(uri, ls.debounce)

    @server.feature(L.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: SpecServer, params: L.DidSaveTextDocumentParams) -> None:
        for uri in list(ls.texts):  # a saved file may be included by any open document
            ls.schedule(uri, 0)

    @server.feature(L.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(ls: SpecServer, params: L.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        for table in (ls.texts, ls.models, ls.parsed, ls.check_diags):
            table.pop(uri, None)
        handle = ls.pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
        task = ls.checks.pop(uri, None)
        if task is not None:
            task.cancel()
        ls.text_document_publish_diagnostics(L.PublishDiagnosticsParams(uri, []))

    @server.feature(L.TEXT_DOCUMENT_HOVER)
    def on_hover(ls: SpecServer, params: L.HoverParams) -> L.Hover | None:
        model = ls.model(params.text_document.uri)
        if model is None:
            return None
        pos = params.position
        text = hover.hover(model, model.path, pos.line + 1, pos.character + 1)
        return L.Hover(L.MarkupContent(L.MarkupKind.Markdown, text)) if text else None

    @server.feature(L.TEXT_DOCUMENT_DEFINITION)
    def on_definition(ls: SpecServer, params: L.DefinitionParams) -> L.Location | None:
        model = ls.model(params.text_document.uri)
        pos = params.position
        span = lookup.definition(model, model.path, pos.line + 1, pos.character + 1) if model else None
        return _location(span) if span else None

    @server.feature(L.TEXT_DOCUMENT_REFERENCES)
    def on_references(ls: SpecServer, params: L.ReferenceParams) -> list[L.Location]:
        model = ls.model(params.text_document.uri)
        if model is None:
            return []
        pos = params.position
        spans = lookup.references(model, model.path, pos.line + 1, pos.character + 1,
                                  params.context.include_declaration)
        return [_location(s) for s in spans]

    @server.feature(L.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def on_symbols(ls: SpecServer, params: L.DocumentSymbolParams) -> list[L.DocumentSymbol]:
        model = ls.model(params.text_document.uri)
        out: list[L.DocumentSymbol] = []
        for d in lookup.symbols(model) if model else ():
            r = _range(d.span)
            sym = L.DocumentSymbol(d.name, _SYMBOL_KINDS[d.kind], r, r, detail=d.kind)
            if d.kind == VARIANT and out:
                out[-1].children = [*(out[-1].children or ()), sym]
            else:
                out.append(sym)
        return out

    @server.feature(L.TEXT_DOCUMENT_COMPLETION, L.CompletionOptions(trigger_characters=["."]))
    def on_completion(ls: SpecServer, params: L.CompletionParams) -> L.CompletionList:
        uri = params.text_document.uri
        model = ls.model(uri)
        if model is None:
            return L.CompletionList(False, [])
        text = ls.texts.get(uri, (model.text, None))[0]
        if text != model.text:  # complete against what is typed, with the names the last parse knew
            model = Model(model.path, text, model.problems, model.decls, model.uses, model.checked, model.includes,
                          model.sources)
        pos = params.position
        items = complete.complete(model, pos.line + 1, pos.character + 1, ls.keywords)
        return L.CompletionList(False, [
            L.CompletionItem(i.label, kind=_NAME_KINDS.get(i.detail) if i.kind == complete.NAME
                             else _COMPLETION_KINDS[i.kind], detail=i.detail)
            for i in items])

    @server.feature(L.TEXT_DOCUMENT_CODE_LENS)
    def on_code_lens(ls: SpecServer, params: L.CodeLensParams) -> list[L.CodeLens]:
        uri = params.text_document.uri
        model = ls.model(uri)
        out = []
        for d in lookup.symbols(model) if model else ():
            if d.kind == INVARIANT:
                cmd = L.Command(title=f"check {d.name}", command=CHECK_COMMAND, arguments=[uri, "invariant", d.name])
            elif d.kind == ACTION:
                cmd = L.Command(title="check the spec", command=CHECK_COMMAND, arguments=[uri, "action", d.name])
            else:
                continue
            out.append(L.CodeLens(_range(d.span), command=cmd))
        return out

    @server.command(CHECK_COMMAND)
    async def check_command(ls: SpecServer, uri: str, kind: str = "invariant", name: str = "") -> dict[str, Any]:
        return await ls.check(uri, kind, name)

    return server


def serve() -> None:
    """Serve on stdin and stdout until the client says exit. The protocol gets its own copies
    of the two file descriptors (pygls closes them at exit), and anything else printed goes to
    stderr, where it cannot corrupt a message."""
    import sys

    stdin = os.fdopen(os.dup(sys.stdin.fileno()), "rb")
    stdout = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    saved, sys.stdout = sys.stdout, sys.stderr
    try:
        build().start_io(stdin, stdout)
    finally:
        sys.stdout = saved


__all__ = ["CHECK_COMMAND", "DEBOUNCE", "SpecServer", "build", "diagnostic", "serve"]
