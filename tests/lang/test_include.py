"""Modules that compose (pyspec/lang/load.py, check.py): where `include` looks (the including
file's folder, `-I DIR`, PYSPEC_PATH, the library shipped in the package), `include ... with`
setting the included params' defaults, and `extend action` strengthening an included guard."""

from __future__ import annotations

import filecmp
import os
from pathlib import Path

import pytest

import pyspec
from pyspec.cli import main
from pyspec.errors import PyspecError, SpecErrors
from pyspec.lang.load import LIBRARY, PATH_VARIABLE

ROOT = Path(__file__).resolve().parents[2]

ELECTION = '''\
spec MyElection
include "fd.spec" with N = 2, FD = "EvS"

var leader: map[Proc, bool]

init:
    leader = {p: False for p in Proc}

action Elect(p: Proc):
    require p not in crashed
    leader'[p] = True

invariant LeadersAreLive: all(p not in crashed or True for p in Proc if leader[p])
'''

LIB = "spec Lib\nparam K: int = 1\ntype Val = 0 .. K\nvar v: Val\ninit:\n    v = 0\naction Up():\n    require v < K\n    v' = v + 1\n"


def one_error(fn) -> PyspecError:
    with pytest.raises(PyspecError) as info:
        fn()
    e = info.value
    return e.errors[0] if isinstance(e, SpecErrors) else e


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv(PATH_VARIABLE, raising=False)


def test_the_library_in_the_package_is_the_specs_folder():
    """pyspec/library is where an installed pyspec finds the library; in a checkout it is
    specs/ itself (a link), so the two cannot drift."""
    names = sorted(p.name for p in (ROOT / "specs").glob("*.spec"))
    assert names and sorted(p.name for p in Path(LIBRARY).glob("*.spec")) == names
    _, mismatch, errors = filecmp.cmpfiles(ROOT / "specs", LIBRARY, names, shallow=False)
    assert (mismatch, errors) == ([], [])


def test_a_spec_outside_the_checkout_includes_the_library_fd_spec_with_its_own_defaults(tmp_path, no_env):
    (tmp_path / "my.spec").write_text(ELECTION)
    spec = pyspec.load(str(tmp_path / "my.spec"))
    assert {n: v for n, v, _ in spec.params} == {"N": 2, "FD": "EvS"}
    r = pyspec.check(spec)
    assert r.verdict is pyspec.Verdict.HOLDS
    # -D still overrides a default set with `with`
    assert {n: v for n, v, _ in pyspec.load(str(tmp_path / "my.spec"), {"N": "3"}).params}["N"] == 3


def test_the_including_folder_comes_before_the_search_path(tmp_path, no_env):
    (tmp_path / "fd.spec").write_text(LIB.replace("spec Lib", "spec LocalFd"))
    (tmp_path / "m.spec").write_text('spec M\ninclude "fd.spec" with K = 2\n')
    spec = pyspec.load(str(tmp_path / "m.spec"))
    assert [n for n, _, _ in spec.params] == ["K"]  # the local file, not the library's fd.spec


def test_minus_i_then_pyspec_path_then_the_library(tmp_path, monkeypatch, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "lib.spec").write_text(LIB)
    (b / "lib.spec").write_text(LIB.replace("K: int = 1", "K: int = 3"))
    (tmp_path / "m.spec").write_text('spec M\ninclude "lib.spec"\n')
    m = str(tmp_path / "m.spec")
    monkeypatch.delenv(PATH_VARIABLE, raising=False)
    e = one_error(lambda: pyspec.load(m))
    assert e.code == "PS218" and e.hint is not None and "-I DIR" in e.hint and LIBRARY in e.hint
    assert dict((n, v) for n, v, _ in pyspec.load(m, include_path=[str(a)]).params) == {"K": 1}
    monkeypatch.setenv(PATH_VARIABLE, os.pathsep.join([str(b), str(a)]))
    assert dict((n, v) for n, v, _ in pyspec.load(m).params) == {"K": 3}
    assert dict((n, v) for n, v, _ in pyspec.load(m, include_path=[str(a)]).params) == {"K": 1}  # -I first
    assert main(["show", m, "-I", str(a)]) == 0
    assert "param K: int = 1" in capsys.readouterr().out
    assert main(["check", m, "-I", str(a), "-I", str(b)]) == 0
    assert "(K=1)" in capsys.readouterr().out


def test_loads_searches_the_path_too(tmp_path, no_env):
    (tmp_path / "lib.spec").write_text(LIB)
    spec = pyspec.loads('spec M\ninclude "lib.spec" with K = 2\n', include_path=[str(tmp_path)])
    assert [(n, v) for n, v, _ in spec.params] == [("K", 2)]


def test_a_setting_may_use_the_including_spec_s_params_declared_above(tmp_path, no_env):
    (tmp_path / "lib.spec").write_text(LIB)
    (tmp_path / "m.spec").write_text('spec M\nparam Big: int = 2\ninclude "lib.spec" with K = Big + 1\n')
    assert dict((n, v) for n, v, _ in pyspec.load(str(tmp_path / "m.spec"), {"Big": "3"}).params) == {"Big": 3, "K": 4}


def test_setting_an_unknown_param_is_ps221(tmp_path, no_env):
    (tmp_path / "lib.spec").write_text(LIB)
    (tmp_path / "m.spec").write_text('spec M\ninclude "lib.spec" with J = 2\n')
    e = one_error(lambda: pyspec.load(str(tmp_path / "m.spec")))
    assert (e.code, e.span.line, e.span.col) == ("PS221", 2, 25)
    assert "'lib.spec' has no param 'J' to set" in e.message and "K" in (e.hint or "")


def test_setting_a_param_twice_is_ps221(tmp_path, no_env):
    (tmp_path / "lib.spec").write_text(LIB)
    (tmp_path / "m.spec").write_text('spec M\ninclude "lib.spec" with K = 2, K = 3\n')
    e = one_error(lambda: pyspec.load(str(tmp_path / "m.spec")))
    assert (e.code, e.span.line, e.span.col) == ("PS221", 2, 32) and "set twice" in e.message


def test_a_setting_outside_the_param_s_type_points_at_the_setting(tmp_path, no_env):
    (tmp_path / "lib.spec").write_text(LIB.replace("K: int", "K: 0 .. 3"))
    (tmp_path / "m.spec").write_text('spec M\ninclude "lib.spec" with K = 9\n')
    e = one_error(lambda: pyspec.load(str(tmp_path / "m.spec")))
    assert (e.code, e.span.file, e.span.line, e.span.col) == ("PS301", str(tmp_path / "m.spec"), 2, 29)


def test_a_second_include_with_other_settings_is_ps222(tmp_path, no_env):
    (tmp_path / "lib.spec").write_text(LIB)
    (tmp_path / "mid.spec").write_text('spec Mid\ninclude "lib.spec"\n')
    (tmp_path / "m.spec").write_text('spec M\ninclude "mid.spec"\ninclude "lib.spec" with K = 2\n')
    e = one_error(lambda: pyspec.load(str(tmp_path / "m.spec")))
    assert (e.code, e.span.line) == ("PS222", 3) and "already included" in e.message
    assert e.notes and e.notes[0][0].file.endswith("mid.spec")
    # settings first, then a plain include of the same file (a diamond): fine, the settings hold
    (tmp_path / "m.spec").write_text('spec M\ninclude "lib.spec" with K = 2\ninclude "mid.spec"\n')
    assert dict((n, v) for n, v, _ in pyspec.load(str(tmp_path / "m.spec")).params) == {"K": 2}


EXTEND = 'spec M\ninclude "lib.spec" with K = 3\n\nextend action Up():\n    require v != 2\n'


def test_extend_action_strengthens_the_included_guard_for_every_engine(tmp_path, no_env):
    (tmp_path / "lib.spec").write_text(LIB)
    (tmp_path / "m.spec").write_text(EXTEND + "\nreachable Two: v == 2\ninvariant BelowThree: v <= 2\n")
    spec = pyspec.load(str(tmp_path / "m.spec"))
    assert [a.name for a in spec.actions] == ["Up"]  # one action, not two
    assert pyspec.check(spec).verdict is pyspec.Verdict.HOLDS  # v stops at 2
    assert pyspec.bmc(spec, depth=4).verdict is pyspec.Verdict.NO_VIOLATION_UP_TO
    proof = pyspec.prove(spec, "BelowThree")
    assert proof.exit_code == 0
    c = pyspec.compile_spec(spec)
    assert pyspec.successors(c, (2,), "Up", ()) == []
    assert pyspec.successors(c, (1,), "Up", ()) == [(2,)]


def test_extension_guards_run_after_the_action_s_own_leading_guards(tmp_path, no_env):
    # the action's own guard keeps d != 0; the extension divides by d, safely, after it
    src = ("spec M\nvar d: 0 .. 2\ninit:\n    d = 0\naction Step(k: 0 .. 2):\n    require k != 0\n    d' = k\n"
           "extend action Step(k):\n    require 2 // k == 1\n")
    c = pyspec.compile_spec(pyspec.loads(src))
    assert pyspec.successors(c, (0,), "Step", (0,)) == []
    assert pyspec.successors(c, (0,), "Step", (1,)) == []
    assert pyspec.successors(c, (0,), "Step", (2,)) == [(2,)]


def test_extend_of_an_unknown_action_is_ps223(no_env):
    e = one_error(lambda: pyspec.loads("spec M\nvar x: 0 .. 1\ninit:\n    x = 0\naction Up():\n    x' = 1\n"
                                       "extend action Upp():\n    require x == 0\n"))
    assert (e.code, e.span.line, e.span.col) == ("PS223", 7, 15) and "no action 'Upp'" in e.message
    assert e.hint == "did you mean 'Up'?"


def test_extend_with_other_parameter_names_is_ps223(no_env):
    e = one_error(lambda: pyspec.loads("spec M\nvar x: 0 .. 1\ninit:\n    x = 0\naction Up(p: 0 .. 1):\n    x' = p\n"
                                       "extend action Up(q):\n    require q == 0\n"))
    assert (e.code, e.span.line) == ("PS223", 7) and "Up(p)" in e.message


def test_extend_with_an_assignment_is_ps224(no_env):
    e = one_error(lambda: pyspec.loads("spec M\nvar x: 0 .. 1\ninit:\n    x = 0\naction Up():\n    x' = 1\n"
                                       "extend action Up():\n    x' = 0\n"))
    assert (e.code, e.span.line, e.span.col) == ("PS224", 8, 5) and "only adds guards" in e.message
