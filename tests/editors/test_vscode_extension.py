"""The VS Code extension folder (editors/vscode/) hangs together: the files its manifest names
exist, it registers the spec language and grammar, and its client starts `pyspec lsp`."""

from __future__ import annotations

import json
import pathlib

EXTENSION = pathlib.Path(__file__).resolve().parents[2] / "editors" / "vscode"


def test_the_manifest_names_files_that_exist_and_the_client_starts_pyspec_lsp():
    manifest = json.loads((EXTENSION / "package.json").read_text())
    [lang] = manifest["contributes"]["languages"]
    [grammar] = manifest["contributes"]["grammars"]
    assert lang["id"] == grammar["language"] == "pyspec" and lang["extensions"] == [".spec"]
    assert (EXTENSION / lang["configuration"]).is_file() and (EXTENSION / grammar["path"]).is_file()
    assert json.loads((EXTENSION / grammar["path"]).read_text())["scopeName"] == grammar["scopeName"]
    assert (EXTENSION / manifest["main"]).is_file()
    assert manifest["contributes"]["configuration"]["properties"]["pyspec.server.command"]["default"] == ["pyspec", "lsp"]
    assert "vscode-languageclient/node" in (EXTENSION / manifest["main"]).read_text()
    json.loads((EXTENSION / "language-configuration.json").read_text())  # valid JSON
