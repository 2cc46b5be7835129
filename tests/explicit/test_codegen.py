"""The generated-code backend against the closure compiler, its reference semantics.

On random reachable states of every library spec and of small specs that exercise each
construct, the generated successors equal the closures' (same pairs, same order), the
generated invariant check names the same failing invariant, and an evaluation error is the
same SpecEvalError (code, message, span) from both.
"""

from __future__ import annotations

import glob
import os

import pytest
from hypothesis import given, strategies as st

from pyspec import check, load, loads
from pyspec.errors import SpecError, SpecEvalError
from pyspec.explicit.codegen import generate_successors
from pyspec.explicit.compiled import CompiledSpec
from pyspec.explicit.explore import ExploreOptions, explore

from tests.explicit import test_explore

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# small params for the library's specs (the defaults for anything not listed)
SMALL = {
    "paxos.spec": {"MaxBallot": "1"},
    "paxos_core.spec": {"MaxBallot": "1"},
    "paxos_oracle.spec": {"MaxBallot": "1"},
    "leader_election.spec": {"N": "3"},
    "eventual_leader_election.spec": {"N": "3"},
}

ERRORS = '''
spec Errors
type K = 0 .. 2
type E = {"a", "b"}
type Msg = Ping(src: K) | Pong(src: K, dst: K)
var phase: 0 .. 12
var x: 0 .. 4
var m: map[K, -10 .. 10]
var s: set[K]
var e: map[E, K]
var inbox: set[Msg]
var r: map[K, map[K, bool]]
init:
    phase = 0
    x in {0, 1}
    m = {k: k for k in K}
    s = {}
    e = {k: 0 for k in E}
    inbox = {Ping(0)}
    r = {i: {j: False for j in K} for i in K}
action Next():
    require phase < 12
    phase' = phase + 1
action Div(k: K):
    require phase == 1
    m'[k] = 6 // (x - x)
action Mod():
    require phase == 2 and x == 1
    m'[0] = x % (x - 1)
action Key(k: 0 .. 3):
    require phase == 3
    m'[1] = m[k + x]
action EntryKey(k: 0 .. 3):
    require phase == 4
    m'[k] = 1
action Min():
    require phase == 5
    m'[2] = min(s) + min(q for q in K if q in s)
action Field():
    require phase == 6
    p in {y for y in inbox if x >= 0}
    require p.dst == 1
    x' = 0
action Reply(i: K):
    require phase < 6
    p in {y for y in inbox if y is Ping}
    require not r[p.src][i]
    r'[p.src][i] = True
    inbox' = inbox | {Pong(src=i, dst=p.src)}
action Pick():
    require phase == 7
    x' in {v for v in 0 .. 6 if v > 3}
action Over():
    require phase == 8
    m'[0] = 20 - x
action Branch(k: K):
    require phase == 9 or phase == 10
    if k == 0:
        require x > 0
        v in s | {1}
        s' = s | {v}
    elif k == 1:
        s' = s | {k}
    else:
        x' = x
    e'["a"] = k
invariant Small: phase != 11 or x <= 3
invariant Total: phase != 12 or {k: m[k] for k in K if m[k] > 0}[0] >= 0
invariant Fields: all(y.src >= 0 for y in inbox)
'''

SNIPPETS = [getattr(test_explore, n) for n in dir(test_explore) if n.isupper()] + [ERRORS]


def _cases():
    out = []
    for path in sorted(glob.glob(os.path.join(ROOT, "specs", "*.spec"))):
        name = os.path.basename(path)
        try:
            spec = load(path, SMALL.get(name, {}))
        except SpecError:
            continue  # an include-only fragment, or a spec being edited: nothing to compare
        out.append(pytest.param(spec, id=name))
    for i, src in enumerate(SNIPPETS):
        if isinstance(src, str) and src.lstrip().startswith("spec "):
            out.append(pytest.param(loads(src), id=f"snippet{i}"))
    out.append(pytest.param(loads(test_explore.COUNTER, {"Max": "9"}), id="counter-out-of-type"))
    return out


def _outcome(fn, *args):
    try:
        return ("ok", fn(*args))
    except SpecEvalError as e:
        return ("error", e.code, e.message, e.span)


def _reachable(compiled: CompiledSpec, limit: int = 1500) -> list[tuple]:
    """Up to `limit` reachable states, breadth first, stepping past states that raise."""
    step = compiled.step_fn()
    states = list(dict.fromkeys(compiled.initial_states()))
    seen = set(states)
    i = 0
    while i < len(states) and len(states) < limit:
        try:
            succ = step(states[i])
        except SpecEvalError:  # step past it: the instances that do not raise
            succ = []
            for inst in range(len(compiled.instances)):
                try:
                    succ += [(inst, t) for t in compiled.run_instance(states[i], inst)]
                except SpecEvalError:
                    pass
        for _, t in succ:
            if t not in seen:
                seen.add(t)
                states.append(t)
        i += 1
    return states


@pytest.mark.parametrize("spec", _cases())
def test_generated_code_agrees_with_closures(spec):
    ref = CompiledSpec(spec, codegen=False)
    gen = CompiledSpec(spec, codegen=True)
    states = _reachable(ref)
    names = tuple(i.name for i in spec.invariants)
    ref_step, gen_step = ref.step_fn(), gen.step_fn()
    checks = [(ref.invariant_fn(ns), gen.invariant_fn(ns)) for ns in [names, names[::-1]] + [(n,) for n in names]]

    @given(st.sampled_from(states))
    def agree(state):
        a, b = _outcome(ref_step, state), _outcome(gen_step, state)
        assert a == b  # the same pairs in the same order, or the same error
        for r, g in checks:
            assert _outcome(r, state) == _outcome(g, state)

    agree()
    for state in states:  # and every sampled state once, in BFS order
        assert _outcome(ref_step, state) == _outcome(gen_step, state)
        for r, g in checks:
            assert _outcome(r, state) == _outcome(g, state)


def test_every_action_is_generated_for_the_library():
    for path in sorted(glob.glob(os.path.join(ROOT, "specs", "*.spec"))):
        try:
            spec = load(path, SMALL.get(os.path.basename(path), {}))
        except SpecError:
            continue
        assert generate_successors(CompiledSpec(spec)).fallback == (), path


def test_errors_snippet_raises_each_kind_of_error():
    """The snippet above reaches every error helper, so the comparison is not vacuous."""
    spec = loads(ERRORS)
    ref = CompiledSpec(spec, codegen=False)
    messages = set()
    step = ref.step_fn()
    inv = ref.invariant_fn(("Total",))
    for s in _reachable(ref, 5000):
        for out in _outcome(step, s), _outcome(inv, s):
            if out[0] == "error":
                messages.add(out[2])
    assert len(messages) >= 8, messages


def test_closure_engine_can_be_forced(monkeypatch):
    monkeypatch.setenv("PYSPEC_ENGINE", "closure")
    assert CompiledSpec(loads(test_explore.COUNTER)).codegen is False
    monkeypatch.delenv("PYSPEC_ENGINE")
    assert CompiledSpec(loads(test_explore.COUNTER)).codegen is True


def _count(spec, codegen: bool) -> int:
    return explore(CompiledSpec(spec, codegen=codegen), ExploreOptions()).stats["states"]


@pytest.mark.parametrize("params", [{"N": "3", "FD": "P"}, {"N": "4", "FD": "P"}])
def test_leader_election_counts_match_closures(params):
    spec = load(os.path.join(ROOT, "specs", "leader_election.spec"), params)
    assert _count(spec, True) == _count(spec, False)


def test_paxos_ballots_0_1_count():
    spec = load(os.path.join(ROOT, "specs", "paxos.spec"), {"MaxBallot": "1"})
    assert _count(spec, True) == 3_921 == _count(spec, False)


@pytest.mark.slow
def test_paxos_ballots_0_2_count():
    r = check(load(os.path.join(ROOT, "specs", "paxos.spec"), {"MaxBallot": "2"}))
    assert r.stats["states"] == 185_369
