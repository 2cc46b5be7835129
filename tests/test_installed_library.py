"""After `pip install` of the package into a fresh venv, outside the checkout, a spec includes the
library's `fd.spec` with its own parameter defaults and checks: the library ships as package
data (pyspec/library), and `include` finds it there.

One wheel is built (pip's build isolation, from the local index: no network needed) and
installed with --no-deps into a venv without pip, which sees this venv's site-packages for
lark, z3 and pygments through a .pth line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SPEC = '''\
spec MyElection
include "fd.spec" with N = 2, FD = "EvS"

var leader: map[Proc, bool]

init:
    leader = {p: False for p in Proc}

extend action Crash(p):
    require len(crashed) == 0

action Elect(p: Proc):
    require p not in crashed
    leader'[p] = True

invariant AtMostOneCrash: len(crashed) <= 1
'''


def _run(argv, cwd, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_an_installed_pyspec_includes_the_library_from_any_folder(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for pkg in ("pyspec", "tracecheck", "specs"):
        shutil.copytree(ROOT / pkg, src / pkg, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    wheels = tmp_path / "wheels"
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, src], tmp_path)
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("pyspec-*.whl")

    venv = tmp_path / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", venv], tmp_path)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], tmp_path).stdout.strip())
    (site / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")  # lark, z3, pygments from this venv
    installed = _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", wheel],
                     tmp_path)
    assert installed.returncode == 0, installed.stderr

    work = tmp_path / "elsewhere"
    work.mkdir()
    (work / "my.spec").write_text(SPEC)
    env = {k: v for k, v in os.environ.items() if k not in ("PYSPEC_PATH", "PYTHONPATH")}
    where = _run([python, "-c", "import pyspec.lang.load as l; print(l.LIBRARY)"], work, env)
    assert where.stdout.strip().startswith(str(site)), where.stderr  # the installed copy, not the checkout
    r = _run([venv / "bin" / "pyspec", "check", "my.spec"], work, env)
    assert (r.returncode, r.stderr) == (0, ""), r.stdout
    assert r.stdout.startswith('pyspec check my.spec (N=2, FD="EvS")\nHOLDS: every reachable state satisfies AtMostOneCrash')
