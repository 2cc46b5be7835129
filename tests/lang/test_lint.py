"""Warnings for likely mistakes in a spec that checks (pyspec/lang/lint.py): the spec is still
checked, the CLI prints them on stderr like errors, and the exit code is the verdict's."""

from __future__ import annotations

import pyspec
from pyspec.errors import SpecWarning
from pyspec.report.errors import render_warnings
from tests.cli_helpers import run_cli

TM = """spec TM
type RM = 0 .. 1
var tmPrepared: set[RM]
var tmState: {"init", "done"}
init:
    tmPrepared = {}
    tmState = "init"
action Prepare(r: RM):
    require r not in tmPrepared
"""  # line 10 onwards: the action's body

RING = """spec Ring
param N: int = 3
type Proc = 0 .. N - 1
var chan: map[Proc, set[0 .. 2]]
init:
    chan = {p: {} for p in Proc}
def Succ(p) = (p + 1) % N
action Pass(p: Proc, v: 0 .. 2):
    require v in chan[p]
"""  # line 10 onwards: the action's body


def warnings(src: str) -> list[tuple[str, int, int]]:
    spec = pyspec.loads(src, file="t.spec")
    assert all(isinstance(w, SpecWarning) for w in spec.warnings)
    return [(w.code, w.span.line, w.span.col) for w in spec.warnings]


# ---- PS701: a forgotten prime -------------------------------------------------------------------


def test_a_misspelt_assignment_without_prime_warns():
    spec = pyspec.loads(TM + "    tmPreparred = tmPrepared | {r}\n    tmState' = \"done\"\n", file="t.spec")
    (w,) = spec.warnings
    assert (w.code, w.span.line, w.span.col, w.span.end_col) == ("PS701", 10, 5, 16)
    assert "'tmPreparred' is a local that is never read" in w.message and "'tmPrepared'" in w.message
    assert w.hint == "to give the variable its next value, write tmPrepared' = ..."


def test_one_edit_is_an_insertion_deletion_substitution_or_swap():
    from pyspec.lang.lint import _one_edit

    near = [("tmPreparred", "tmPrepared"), ("tmPrepard", "tmPrepared"), ("tmPrepaxed", "tmPrepared")]
    near += [("tmPrepraed", "tmPrepared")]
    far = [("tmPrepared", "tmPrepared"), ("tmPrep", "tmPrepared"), ("xy", "yz"), ("abcd", "badc")]
    assert all(_one_edit(a, b) and _one_edit(b, a) for a, b in near)
    assert not any(_one_edit(a, b) for a, b in far)


def test_a_local_that_is_read_or_unlike_any_variable_does_not_warn():
    read = "    tmPreparred = tmPrepared | {r}\n    require len(tmPreparred) > 0\n    tmState' = \"done\"\n"
    unlike = "    extra = tmPrepared | {r}\n    tmState' = \"done\"\n"
    assert warnings(TM + read) == [] and warnings(TM + unlike) == []


# ---- PS702: two entry updates whose keys may be equal ----------------------------------------------


def test_an_entry_update_built_on_the_old_map_after_another_warns():
    src = RING + "    chan'[p] = chan[p] - {v}\n    chan'[Succ(p)] = chan[Succ(p)] | {v}\n"
    spec = pyspec.loads(src, file="t.spec")
    (w,) = spec.warnings
    assert (w.code, w.span.line, w.span.col) == ("PS702", 11, 5)
    assert "replaces" in w.message and "reads chan, not chan'" in w.message
    assert [(s.line, note) for s, note in w.notes] == [(10, "the earlier update")]
    assert w.hint is not None and "chan'[...]" in w.hint


def test_entry_updates_that_compose_or_cannot_meet_do_not_warn():
    composes = RING + "    chan'[p] = chan[p] - {v}\n    chan'[Succ(p)] = chan'[Succ(p)] | {v}\n"
    required = RING + "    require p != Succ(p)\n    chan'[p] = chan[p] - {v}\n    chan'[Succ(p)] = chan[Succ(p)] | {v}\n"
    constants = RING + "    chan'[0] = chan[0] - {v}\n    chan'[1] = chan[1] | {v}\n"
    branches = RING + "    if v == 0:\n        chan'[p] = {}\n    else:\n        chan'[Succ(p)] = chan[Succ(p)] | {v}\n"
    for src in (composes, required, constants, branches):
        assert warnings(src) == [], src


def test_nested_entries_with_different_inner_keys_do_not_warn():
    src = (
        "spec M\nvar m: map[0 .. 1, map[0 .. 1, 0 .. 3]]\ninit:\n    m = {p: {q: 0 for q in 0 .. 1} for p in 0 .. 1}\n"
        "action A(p: 0 .. 1):\n    m'[p][0] = 1\n    m'[p][1] = m[p][1] + 0\n"
    )
    assert warnings(src) == []
    assert warnings(src.replace("m'[p][1] = m[p][1]", "m'[1 - p][0] = m[1 - p][0]")) == [("PS702", 7, 5)]


def test_updates_on_one_path_after_an_if_are_paired():
    src = RING + "    if v == 0:\n        chan'[p] = {}\n    chan'[Succ(p)] = chan[Succ(p)] | {v}\n"
    assert warnings(src) == [("PS702", 12, 5)]


# ---- how they are shown -------------------------------------------------------------------------


def test_warnings_render_like_errors():
    spec = pyspec.loads(TM + "    tmPreparred = tmPrepared | {r}\n    tmState' = \"done\"\n", file="t.spec")
    text = render_warnings(spec.warnings, {"t.spec": TM + "    tmPreparred = tmPrepared | {r}\n"})
    assert text.splitlines() == [
        "t.spec:10:5: warning[PS701]: 'tmPreparred' is a local that is never read; is it the variable 'tmPrepared'?",
        " 10 |     tmPreparred = tmPrepared | {r}",
        "    |     ^^^^^^^^^^^",
        "hint: to give the variable its next value, write tmPrepared' = ...",
    ]


def test_the_cli_prints_warnings_on_stderr_and_keeps_the_verdict_s_exit_code(tmp_path):
    path = tmp_path / "tm.spec"
    path.write_text(TM + "    tmPreparred = tmPrepared | {r}\n    tmState' = \"done\"\n")
    p = run_cli("pyspec", "check", path)
    assert p.returncode == 0, p.stderr
    assert "HOLDS" in p.stdout and "warning[" not in p.stdout
    assert f"{path}:10:5: warning[PS701]: " in p.stderr and "Traceback" not in p.stderr
