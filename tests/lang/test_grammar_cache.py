"""Issue 11, security: the parser's table cache is unpickled, so it must live where only the
current user can write. lark's own `cache=True` uses a predictable name in the shared temp
directory; a file planted there ran code as the next user of pyspec.

These tests run the installed `pyspec` script with TMPDIR and XDG_CACHE_HOME pointed into the
test's directory, and plant a pickle that creates a marker file when it is loaded.
"""

import os
import pickle
import shutil
import stat
import subprocess
import sys
import tempfile
from importlib import resources

from lark import Lark
from lark.indenter import PythonIndenter

SPEC = "spec S\nvar x: 0 .. 1\ninit:\n    x = 0\ninvariant I: x <= 1\n"

# pyspec's parser options before issue 11, in the same order: lark hashes them into the file name
OLD_OPTIONS = dict(parser="lalr", postlex=PythonIndenter(), propagate_positions=True, maybe_placeholders=True,
                   start=["start", "expr_start", "type_start"], cache=True)


class _Plant:
    """Unpickling this creates the file `marker`: proof that a planted pickle was loaded."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _plant(path, marker) -> None:
    path.write_bytes(b"planted\n" + pickle.dumps(_Plant(str(marker))))


def _pyspec(tmp_path, shared, cache) -> subprocess.CompletedProcess:
    exe = shutil.which("pyspec", path=os.path.dirname(sys.executable))
    assert exe
    (tmp_path / "s.spec").write_text(SPEC)
    env = {**os.environ, "TMPDIR": str(shared), "XDG_CACHE_HOME": str(cache)}
    return subprocess.run([exe, "check", str(tmp_path / "s.spec")], env=env, capture_output=True, text=True, timeout=120)


def test_a_cache_planted_in_the_shared_temp_dir_is_never_loaded(tmp_path, monkeypatch):
    shared, marker = tmp_path / "shared-tmp", tmp_path / "pwned"
    shared.mkdir()
    grammar = resources.files("pyspec.lang").joinpath("grammar.lark").read_text()
    monkeypatch.setattr(tempfile, "tempdir", str(shared))
    Lark(grammar, **OLD_OPTIONS)  # writes lark's cache file where the old parser looked for it
    [old_cache] = shared.glob(".lark_cache_*")
    _plant(old_cache, marker)
    Lark(grammar, **OLD_OPTIONS)
    assert marker.exists(), "the planted pickle is loaded by lark's cache=True: the hole this test guards"
    marker.unlink()
    _plant(old_cache, marker)  # lark rebuilt the cache over it

    p = _pyspec(tmp_path, shared, tmp_path / "cache")
    assert p.returncode == 0, p.stderr
    assert not marker.exists(), "pyspec loaded a pickle from the shared temp directory"
    assert list(shared.iterdir()) == [old_cache], "pyspec wrote into the shared temp directory"


def test_the_cache_is_private_and_a_writable_one_is_ignored(tmp_path):
    shared, cache, marker = tmp_path / "shared-tmp", tmp_path / "cache", tmp_path / "pwned"
    shared.mkdir()
    assert _pyspec(tmp_path, shared, cache).returncode == 0
    folder = cache / "pyspec"
    [table] = folder.iterdir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(table.stat().st_mode) == 0o600
    assert table.name.startswith("grammar-lark") and table.suffix == ".pickle"

    _plant(table, marker)  # a cache file others could have written: not loaded
    table.chmod(0o666)
    p = _pyspec(tmp_path, shared, cache)
    assert p.returncode == 0 and not marker.exists(), p.stderr

    _plant(table, marker)  # a private file in a folder others can write: not loaded either
    table.chmod(0o600)
    folder.chmod(0o777)
    p = _pyspec(tmp_path, shared, cache)
    assert p.returncode == 0 and not marker.exists(), p.stderr
