"""The explicit BFS: verdicts, shortest traces, limits, deadlock, determinism."""

import pytest

from pyspec import Verdict, check, loads
from pyspec.errors import SpecEvalError

COUNTER = '''
spec Counter
param Max: int = 3
var x: 0 .. 5
var y: bool
init:
    x = 0
    y = False
action Inc():
    require x < Max
    x' = x + 1
action Flip():
    y' = not y
invariant Small: x <= 2
invariant Fine: True
'''


def test_holds_counts_every_reachable_state():
    r = check(loads(COUNTER), invariants=("Fine",))
    assert r.verdict is Verdict.HOLDS
    assert r.stats["states"] == 8  # x in 0..3, y in {False, True}
    assert r.stats["depth"] == 4
    assert r.exit_code == 0


def test_violation_gives_shortest_trace():
    r = check(loads(COUNTER))
    assert r.verdict is Verdict.VIOLATED
    assert r.violated == "Small"
    assert len(r.trace) == 3
    assert [s.action for s in r.trace.steps] == [None, "Inc", "Inc", "Inc"]
    assert r.trace.steps[-1].state == (3, False)
    assert r.exit_code == 1


def test_state_limit_is_incomplete_never_holds():
    r = check(loads(COUNTER), invariants=("Fine",), max_states=5)
    assert r.verdict is Verdict.INCOMPLETE
    assert r.exit_code == 3
    assert "limit" in r.reason


def test_state_limit_equal_to_the_space_still_holds():
    r = check(loads(COUNTER), invariants=("Fine",), max_states=8)
    assert r.verdict is Verdict.HOLDS


def test_deadlock_detection():
    spec = loads(COUNTER.replace("action Flip():\n    y' = not y\n", ""))
    assert check(spec, invariants=("Fine",)).verdict is Verdict.HOLDS
    r = check(spec, invariants=("Fine",), deadlock=True)
    assert r.verdict is Verdict.DEADLOCK
    assert r.trace.steps[-1].state == (3, False)
    assert r.exit_code == 1


def test_out_of_range_assignment_is_a_spec_error_with_the_step():
    spec = loads(COUNTER, {"Max": "9"})
    with pytest.raises(SpecEvalError) as e:
        check(spec, invariants=("Fine",))
    assert "x' would be 6, outside its type 0 .. 5" in e.value.message
    assert e.value.span.line == 11
    assert [s.action for s in e.value.trace.steps][-1] == "Inc"


def test_never_enabled_actions_are_listed():
    spec = loads(COUNTER.replace("require x < Max", "require x > Max"))
    r = check(spec, invariants=("Fine",))
    assert r.stats["never_enabled"] == ["Inc"]


NONDET = '''
spec Choice
type V = {"a", "b", "c"}
var s: set[V]
var last: V
init:
    s = {}
    last in V
action Add():
    v in V
    require v not in s
    s' = s | {v}
    last' = v
invariant NotAll: len(s) < 3
'''


def test_nondeterministic_choice_and_initial_states():
    r = check(loads(NONDET), invariants=())
    # 3 initial states (last), then every subset of V with every last value consistent
    assert r.verdict is Verdict.HOLDS
    r2 = check(loads(NONDET))
    assert r2.verdict is Verdict.VIOLATED and len(r2.trace) == 3


def test_traces_do_not_depend_on_hash_seed(tmp_path):
    import subprocess
    import sys

    src = tmp_path / "c.spec"
    src.write_text(NONDET)
    outs = set()
    for seed in ("1", "2", "3"):
        p = subprocess.run(
            [sys.executable, "-m", "pyspec.cli", "check", str(src), "--json"],
            capture_output=True,
            text=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        )
        assert p.returncode == 1, p.stderr
        import json

        j = json.loads(p.stdout)
        j["stats"] = None
        outs.add(json.dumps(j, sort_keys=True))
    assert len(outs) == 1


MAPS = '''
spec Maps
type K = 0 .. 2
type Msg = Ping(src: K) | Pong(src: K, dst: K)
var m: map[K, map[K, bool]]
var inbox: set[Msg]
init:
    m = {i: {j: False for j in K} for i in K}
    inbox = {Ping(0)}
action Reply(i: K):
    p in {x for x in inbox if x is Ping}
    require not m[p.src][i]
    m'[p.src][i] = True
    inbox' = inbox | {Pong(src=i, dst=p.src)}
invariant Bounded: len({x for x in inbox if x is Pong}) <= 3
invariant Consistent: all(m[x.dst][x.src] for x in inbox if x is Pong)
'''


def test_nested_map_update_and_unions():
    r = check(loads(MAPS))
    assert r.verdict is Verdict.HOLDS
    assert r.stats["states"] == 8  # 2^3 subsets of replies to Ping(0)
