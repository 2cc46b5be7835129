// The client: starts `pyspec lsp` (the command is the setting pyspec.server.command) for .spec files.
// The server does the work (diagnostics, hover, definition, references, outline, completion, the
// pyspec.check command behind the code lenses); this file only connects VS Code to it.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration("pyspec");
  const [command, ...args] = config.get("server.command", ["pyspec", "lsp"]);
  const server = { command, args, transport: TransportKind.stdio };
  client = new LanguageClient(
    "pyspec",
    "pyspec language server",
    { run: server, debug: server },
    {
      documentSelector: [{ scheme: "file", language: "pyspec" }, { scheme: "untitled", language: "pyspec" }],
      initializationOptions: { debounce: config.get("server.debounce", 0.3) },
    }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
