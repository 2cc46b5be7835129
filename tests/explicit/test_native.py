"""The native back end (`--backend c`) held to the Python engine: the same verdicts, counts,
transitions, never-enabled actions, reachable properties and traces on every library spec in
its fragment and on the explore tests' snippets; the same evaluation errors (code, message,
span, trace); the same reachable states on a spec exercising every operator row; and each
refusal with its code."""

from __future__ import annotations

import glob
import os
import re

import pytest

from pyspec import load, loads
from pyspec.api import compile_spec
from pyspec.cli import main
from pyspec.errors import SpecError, SpecEvalError, UsageError
from pyspec.explicit.explore import ExploreOptions, explore
from pyspec.explicit.native import search as native
from pyspec.lang.ops import FNS, OPS

from tests.explicit import test_codegen, test_explore

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(spec, backend: str, **opts):
    try:
        r = explore(compile_spec(spec), ExploreOptions(backend=backend, **{"symmetry": False, **opts}))
    except SpecEvalError as e:
        return ("error", e.code, e.message, e.span, e.trace)
    st = r.stats
    assert ("native_compile_seconds" in st) == (backend == "c")
    return (r.verdict, r.violated, r.reason, st["states"], st["depth"], st["transitions"], st["never_enabled"], r.trace,
            r.reachable)


def _agree(spec, **opts) -> None:
    assert _run(spec, "c", **opts) == _run(spec, "python", **opts)


def _library():
    out = []
    for path in sorted(glob.glob(os.path.join(ROOT, "specs", "*.spec"))):
        name = os.path.basename(path)
        try:
            spec = load(path, test_codegen.SMALL.get(name, {}))
        except SpecError:
            continue
        if spec.default_temporals() and not spec.default_invariants():
            continue
        out.append(pytest.param(spec, id=name))
    return out


# outside the fragment: sequences (raft_log, fifo_channel, raft, primary_backup), set[int]
# (election_any_algorithm), `subsets` (chandra_toueg), a `constraint` (raft_messages)
OUTSIDE = {"raft_log.spec", "fifo_channel.spec", "election_any_algorithm.spec", "raft.spec", "primary_backup.spec",
           "chandra_toueg.spec", "raft_messages.spec"}


@pytest.mark.parametrize("spec", _library())
def test_library_specs_agree_with_the_python_engine(spec, request):
    try:
        _agree(spec, max_states=20_000)
    except UsageError as e:  # outside the fragment: refused, never run half-way
        assert e.code == "PS651", e.message
        assert request.node.callspec.id in OUTSIDE, e.message


def _in_fragment(spec, names=None):
    names = tuple(i.name for i in spec.invariants) if names is None else names
    try:
        return native.native_module(compile_spec(spec), names, ())
    except UsageError as e:
        assert e.code == "PS651", e.message
        return None


def _step_cases():
    out = [pytest.param(p.values[0], id=p.id) for p in _library()]
    out.append(pytest.param(loads(re.sub(r"invariant Total: .*\n", "", test_codegen.ERRORS)), id="errors"))
    return out


@pytest.mark.parametrize("spec", _step_cases())
def test_successors_and_invariants_agree_state_by_state(spec):
    """As the generated Python is held to the closures (test_codegen.py): on reachable states of
    each spec, the C module's successors are the closures' (same pairs, same order), or both
    fail; the first failing invariant is the same, or both fail to evaluate."""
    mod = _in_fragment(spec)
    if mod is None:
        pytest.skip("outside the fragment (refused with PS651)")
    ref = compile_spec(spec)
    names = tuple(i.name for i in spec.invariants)
    step, failing = ref.step_fn(), ref.invariant_fn(names)
    for state in test_codegen._reachable(ref, 600):
        try:
            expected = step(state)
        except SpecEvalError:
            expected = None
        assert mod.successors(state) == expected
        try:
            bad = failing(state)
            expected_inv: int | None = -1 if bad is None else names.index(bad)
        except SpecEvalError:
            expected_inv = None
        assert mod.first_failing(state) == expected_inv


SNIPPETS = [v for n, v in sorted(vars(test_explore).items()) if n.isupper() and isinstance(v, str)
            and v.lstrip().startswith("spec ")]


@pytest.mark.parametrize("src", SNIPPETS)
def test_explore_snippets_agree_with_the_python_engine(src):
    try:
        spec = loads(src)
    except SpecError:
        pytest.skip("a snippet that needs params")
    try:
        _agree(spec)
        _agree(spec, deadlock=True)
        _agree(spec, max_states=3)
    except UsageError as e:
        assert e.code == "PS651", e.message


@pytest.mark.parametrize("phase", range(0, 13))
def test_each_evaluation_error_is_the_python_engines(phase):
    """The codegen tests' ERRORS spec stopped at `phase`: the first error the search meets is
    a different one each time, raised with the reference's message, span and trace (without its
    invariant on a map comprehension, which is outside the fragment)."""
    src = test_codegen.ERRORS.replace("require phase < 12", f"require phase < {phase}")
    src = re.sub(r"invariant Total: .*\n", "", src)
    spec = loads(src)
    c, p = _run(spec, "c"), _run(spec, "python")
    assert c == p


OPS_SPEC = '''
spec Ops
type V = -3 .. 3
type B = 0 .. 3
type Tag = {"red", "green"}
var done: bool
var r: map[0 .. 6, -99 .. 99]
var b: map[0 .. 14, bool]
var s: map[0 .. 2, set[B]]
var c: Tag
init:
    done = False
    r = {k: 0 for k in 0 .. 6}
    b = {k: False for k in 0 .. 14}
    s = {k: {} for k in 0 .. 2}
    c = "red"
action Set(i: V, j: V, p: set[B], q: set[B]):
    require not done
    done' = True
    r'[0] = i + j
    r'[1] = i - j * 3
    r'[2] = (i // j if j != 0 else 9) + 20 * (i % j if j != 0 else 1)
    r'[3] = -i + len(p)
    r'[4] = (min(p) if len(p) > 0 else 7) + 10 * (max(q) if len(q) > 0 else 7)
    r'[5] = sum(k * 2 for k in p if k != i)
    r'[6] = (min(k - 1 for k in q) if len(q) > 0 else 5) + 10 * (max(k for k in p | {0}))
    b'[0] = i < j
    b'[1] = i <= j
    b'[2] = i > j
    b'[3] = i >= j
    b'[4] = i == j
    b'[5] = i != j and not (i < 0 or j > 0)
    b'[6] = p <= q
    b'[7] = p < q
    b'[8] = i in p
    b'[9] = p == q
    b'[10] = any(k > 1 for k in p)
    b'[11] = all(k > i for k in q)
    b'[12] = any({k > 2 for k in q})
    b'[13] = all({k >= j for k in p})
    b'[14] = (i + 10) in {k + 10 for k in p}
    s'[0] = p | q
    s'[1] = p & q
    s'[2] = (p - q) | {k for k in B if k + i == 2}
    c' = "green" if i > j else c
'''


def test_every_operator_row_has_a_c_template():
    assert all(sem.c for sem in OPS.values())
    assert {f.value for f, sem in FNS.items() if sem.c} >= {"len", "min", "max", "any", "all"}


def test_operator_rows_give_the_reference_states():
    """Every reachable state of OPS_SPEC, each the results of the operators on one instance's
    arguments, is the same set from C as from the closures (not only the same count)."""
    spec = loads(OPS_SPEC)
    compiled = compile_spec(spec)
    mod = native.native_module(compiled, (), ())
    ctx = mod.lib.ps_new(1 << 30)
    try:
        for s in compiled.initial_states():
            mod.lib.ps_add_initial(ctx, mod.pack(s))
        assert mod.lib.ps_run(ctx, 1 << 40, 0) == native.DONE
        store = native.NativeStore(compiled, mod, ctx)
        ours = {store.state(i) for i in range(len(store))}
    finally:
        mod.lib.ps_free(ctx)
    step = compiled.step_fn()
    (init,) = compiled.initial_states()
    theirs = {init} | {t for _, t in step(init)}
    assert len(theirs) > 10_000 and ours == theirs


def test_a_counterexample_is_the_python_engines_trace():
    spec = load(os.path.join(ROOT, "specs/leader_election.spec"), {"FD": "S", "N": "2"})
    c = _run(spec, "c", invariants=("NoFalseSuspicion",))
    assert c[0].value == "violated" and len(c[7].steps) == 2
    assert c == _run(spec, "python", invariants=("NoFalseSuspicion",))


def test_a_spec_outside_the_fragment_is_refused_with_its_place():
    spec = load(os.path.join(ROOT, "specs/raft_log.spec"))
    with pytest.raises(UsageError) as e:
        explore(compile_spec(spec), ExploreOptions(backend="c"))
    assert e.value.code == "PS651" and re.search(r"raft_log\.spec:\d+:\d+", e.value.message)


def test_workers_and_fingerprints_are_refused():
    spec = loads(test_explore.COUNTER)
    for opts in ({"workers": 2}, {"fingerprint": True}):
        with pytest.raises(UsageError) as e:
            explore(compile_spec(spec), ExploreOptions(backend="c", **opts))
        assert e.value.code == "PS652"


def test_no_c_compiler_is_a_usage_error(monkeypatch):
    monkeypatch.setenv("CC", "no-such-cc-on-this-machine")
    with pytest.raises(UsageError) as e:
        explore(compile_spec(loads(test_explore.COUNTER)), ExploreOptions(backend="c"))
    assert e.value.code == "PS650" and "no-such-cc-on-this-machine" in e.value.message


def test_cli_backend_c_is_refused_with_bmc_and_for_temporal_properties(tmp_path, capsys):
    path = tmp_path / "counter.spec"
    path.write_text(test_explore.COUNTER)
    assert main(["check", str(path), "--backend", "c", "--engine", "bmc", "--depth", "2"]) == 2
    assert "PS652" in capsys.readouterr().err
    live = os.path.join(ROOT, "specs/omega_liveness.spec")
    assert main(["check", live, "--backend", "c"]) == 2
    assert "PS652" in capsys.readouterr().err


def test_cli_backend_c_prints_what_the_python_engine_prints(tmp_path, capsys):
    path = os.path.join(ROOT, "specs/paxos.spec")
    args = ["check", path, "-D", "MaxBallot=1"]

    def out(extra):
        code = main(args + extra)
        return code, re.sub(r"[\d.,]+ s, [\d,]+ states/s", "T", capsys.readouterr().out)

    assert out(["--backend", "c"]) == out([])


def test_a_module_is_built_once_and_then_loaded_from_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PYSPEC_CACHE_DIR", str(tmp_path))
    spec = loads(test_explore.COUNTER)
    first = native.native_module(compile_spec(spec), (), ())
    again = native.native_module(compile_spec(spec), (), ())
    assert first.compile_seconds > 0 and again.compile_seconds == 0.0
    assert again.path == first.path and os.path.dirname(first.path) == str(tmp_path)
    assert [p for p in os.listdir(tmp_path) if not p.endswith(".so")] == []  # no temporary left behind


def test_symmetry_and_cluster_are_refused_not_ignored():
    # the native search keeps every state: with a symmetric type (or a cluster) it would report
    # another count than the search asked for, so it refuses (PS652); --no-symmetry runs it
    spec = load(os.path.join(ROOT, "specs", "raft_votes.spec"), {"MaxTerm": "1"})
    for opts in ({}, {"cluster": "tcp://127.0.0.1:1"}):
        with pytest.raises(UsageError) as e:
            explore(compile_spec(spec), ExploreOptions(backend="c", **opts))
        assert e.value.code == "PS652" and ("symmetry" in e.value.message or "--cluster" in e.value.message)
    full = _run(spec, "c")
    assert full == _run(spec, "python")
