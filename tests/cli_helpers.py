"""Running the installed console scripts from tests, and what a clean user error looks like."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys


def script(name: str) -> str:
    """The path of console script `name` installed next to this python."""
    exe = shutil.which(name, path=os.path.dirname(sys.executable))
    assert exe, f"the {name} console script is not installed next to this python"
    return exe


def run_cli(name: str, *args) -> subprocess.CompletedProcess:
    return subprocess.run([script(name), *map(str, args)], capture_output=True, text=True, timeout=120)


def assert_user_error(p: subprocess.CompletedProcess, code: str, *fragments: str) -> None:
    """Exit 2, the error code, each fragment in stderr, and no traceback."""
    assert "Traceback" not in p.stderr and "internal error" not in p.stderr, p.stderr
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    assert f"error[{code}]: " in p.stderr, p.stderr
    for f in fragments:
        assert f in p.stderr, (f, p.stderr)
