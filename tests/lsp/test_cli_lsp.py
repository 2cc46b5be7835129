"""`pyspec lsp` on a machine without its package: a usage error, not a traceback."""

from __future__ import annotations

import sys

from pyspec import cli


def test_lsp_without_pygls_is_a_usage_error_naming_the_package(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "pygls", None)  # `import pygls` raises ImportError(name="pygls")
    for name in [m for m in sys.modules if m.startswith(("pygls.", "pyspec.lsp.server"))]:
        monkeypatch.delitem(sys.modules, name)
    assert cli.main(["lsp"]) == 2
    err = capsys.readouterr().err
    assert "error[PS800]: pyspec lsp needs the package pygls, which is not installed" in err
    assert "pip install 'pyspec[lsp]'" in err and "Traceback" not in err
