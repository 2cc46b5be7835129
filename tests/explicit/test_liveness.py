"""Temporal properties under fairness (pyspec/explicit/liveness.py): each shape, weak against
strong fairness, `unless`, deadlock stuttering, lassos that replay, limits, and the CLI."""

from __future__ import annotations

import json
import os

import pytest

import pyspec
from pyspec import Verdict, check_temporal, loads
from tests.cli_helpers import run_cli

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

COUNTER = """
spec Counter
var x: 0 .. 3
var y: 0 .. 1
init:
    x = 0
    y = 0
action Inc():
    require x < 3
    x' = x + 1
action Flip():
    y' = 1 - y
temporal Done: eventually x == 3
temporal Flips: always eventually y == 1
temporal Settles: eventually always y == 0
temporal Next: x == 1 leadsto x == 2
temporal Low: always x < 3
"""

# Acquire(p) is enabled only while the lock is free: weakly fair, p = 1 may starve for ever
LOCK = """
spec Lock
type Proc = 0 .. 1
var holder: {"none", "p0", "p1"}
var served: set[Proc]
init:
    holder = "none"
    served = {}
action Acquire(p: Proc):
    require holder == "none"
    holder' = "p0" if p == 0 else "p1"
    served' = served | {p}
action Release():
    require holder != "none"
    holder' = "none"
temporal BothServed: eventually served == {0, 1}
fair weak Release
"""


def replays(spec, trace) -> bool:
    """Each step of the lasso is a transition of the spec under its action instance, and the
    last state is the loop's first."""
    compiled = pyspec.compile_spec(spec)
    for prev, step in zip(trace.steps, trace.steps[1:]):
        if step.action == "(stutter)":
            ok = not any(compiled.run_instance(prev.state, i) for i in range(len(compiled.instances))) \
                and step.state == prev.state
        else:
            ok = step.state in pyspec.successors(compiled, prev.state, step.action, tuple(v for _, v, _ in step.args))
        if not ok:
            return False
    return trace.loop is not None and trace.steps[-1].state == trace.steps[trace.loop].state


@pytest.mark.parametrize(
    "fair, verdicts",
    [
        ("", {"Done": "violated", "Flips": "holds", "Settles": "violated", "Next": "violated", "Low": "violated"}),
        ("fair weak Inc\n", {"Done": "holds", "Flips": "holds", "Settles": "violated", "Next": "holds", "Low": "violated"}),
    ],
)
def test_each_shape_with_and_without_fairness(fair, verdicts):
    spec = loads(COUNTER + fair)
    got = {}
    for name in verdicts:
        r = check_temporal(spec, [name])
        got[name] = r.verdict.value
        if r.verdict is Verdict.VIOLATED:
            assert replays(spec, r.trace), name
    assert got == verdicts


def test_a_property_that_needs_fairness_loops_where_the_unfair_step_is_postponed():
    r = check_temporal(loads(COUNTER), ["Done"])
    loop = r.trace.steps[r.trace.loop + 1:]
    assert {s.action for s in loop} == {"Flip"}  # Inc is enabled all along the loop and never taken
    assert "no fairness" not in r.stats["lasso"] and r.stats["fairness"] == []


def test_weak_fairness_lets_an_instance_starve_that_strong_fairness_serves():
    weak = check_temporal(loads(LOCK + "fair weak Acquire\n"))
    assert weak.verdict is Verdict.VIOLATED and replays(loads(LOCK), weak.trace)
    assert "weak Acquire(p=1): not enabled at step" in "\n".join(weak.stats["fairness"])
    assert check_temporal(loads(LOCK + "fair strong Acquire\n")).verdict is Verdict.HOLDS


def test_unless_lifts_the_obligation_where_the_condition_holds():
    assert check_temporal(loads(LOCK + "fair strong Acquire(p) unless p == 1\n")).verdict is Verdict.VIOLATED
    assert check_temporal(loads(LOCK + "fair strong Acquire(p) unless p == 7\n")).verdict is Verdict.HOLDS


def test_a_deadlocked_state_stutters_for_ever():
    spec = loads("spec D\nvar x: 0 .. 2\ninit:\n    x = 0\naction Go():\n    require x < 1\n    x' = x + 1\n"
                 "temporal Two: eventually x == 2\ntemporal One: eventually x == 1\nfair weak Go\n")
    r = check_temporal(spec, ["Two"])
    assert r.verdict is Verdict.VIOLATED and r.trace.steps[-1].action == "(stutter)"
    assert (r.trace.loop, len(r.trace)) == (1, 2) and replays(spec, r.trace)
    assert check_temporal(spec, ["One"]).verdict is Verdict.HOLDS


def test_leadsto_reports_where_the_obligation_opened():
    spec = loads(COUNTER)
    r = check_temporal(spec, ["Next"])
    assert "`x == 1` holds and `x == 2` does not at step 1" in r.stats["lasso"]
    assert r.trace.steps[1].state[0] == 1 and all(s.state[0] != 2 for s in r.trace.steps[1:])


def test_the_lasso_is_the_same_under_every_engine_and_run():
    spec = loads(LOCK + "fair weak Acquire\n")
    a = check_temporal(spec).trace
    from pyspec.explicit.compiled import CompiledSpec
    from pyspec.explicit.liveness import check_temporal as raw

    b = raw(CompiledSpec(spec, codegen=False)).trace
    assert a == b


def test_limits_give_incomplete_never_holds():
    spec = loads(COUNTER + "fair weak Inc\n")
    r = check_temporal(spec, ["Done"], max_states=3)
    assert r.verdict is Verdict.INCOMPLETE and "--max-states" in r.reason
    r = check_temporal(spec, ["Done"], time_limit=0)
    assert r.verdict is Verdict.INCOMPLETE


def test_the_memory_limit_gives_incomplete_while_the_graph_is_built():
    spec = pyspec.load(os.path.join(ROOT, "specs", "leader_election_liveness.spec"), {"FD": "P", "N": "4"})
    r = check_temporal(spec, max_memory=1)  # 1 MB: below the interpreter's own resident set
    assert r.verdict is Verdict.INCOMPLETE and r.trace is None
    assert "memory limit of 1 MB reached" in r.reason and "while building the state graph" in r.reason


def test_unknown_temporal_name_is_a_usage_error():
    with pytest.raises(pyspec.UsageError) as e:
        check_temporal(loads(COUNTER), ["Dne"])
    assert e.value.code == "PS745" and "did you mean 'Done'" in e.value.hint


def test_cli_prints_the_lasso_and_itf_marks_the_loop(tmp_path):
    f = tmp_path / "lock.spec"
    f.write_text(LOCK + "fair weak Acquire\n")
    p = run_cli("pyspec", "check", f)
    assert p.returncode == 1, p.stderr
    assert "<- the loop starts here" in p.stdout and "-> back to state 1" in p.stdout
    assert "the loop is fair to each fair instance:" in p.stdout
    p = run_cli("pyspec", "check", f, "--temporal", "BothServed", "--json")
    doc = json.loads(p.stdout)
    itf = doc["trace"]
    assert itf["loop"] == 1 and len(itf["states"]) == 3 and itf["#meta"]["loop_action"] == "Acquire"


def test_cli_bmc_finds_a_bounded_lasso_or_says_none_up_to_the_depth(tmp_path):
    f = tmp_path / "lock.spec"
    f.write_text(LOCK + "fair weak Acquire\n")
    p = run_cli("pyspec", "check", f, "--engine", "bmc", "--depth", "4")
    assert p.returncode == 1 and "<- the loop starts here" in p.stdout, p.stdout + p.stderr
    f.write_text(LOCK + "fair strong Acquire\n")
    p = run_cli("pyspec", "check", f, "--engine", "bmc", "--depth", "4")
    assert p.returncode == 0 and "NO VIOLATION of BothServed: no fair lasso up to depth 4" in p.stdout, p.stdout


def test_cli_warns_when_no_fairness_is_declared(tmp_path):
    f = tmp_path / "c.spec"
    f.write_text(COUNTER)
    p = run_cli("pyspec", "check", f, "--temporal", "Flips")
    assert "warning[PS747]" in p.stderr and p.returncode == 0


def test_a_suite_row_expects_a_temporal_verdict_and_refuses_an_invariant_beside_it(tmp_path):
    from pyspec.suite import load_suite, run_row

    (tmp_path / "lock.spec").write_text(LOCK + "fair weak Acquire\n")
    (tmp_path / "s.toml").write_text('[[check]]\nspec = "lock.spec"\ntemporal = "BothServed"\nexpect = "violated"\n'
                                     'length = 3\n')
    (row,) = load_suite(str(tmp_path / "s.toml"))
    rr = run_row(row)
    assert rr.ok and rr.result.trace.loop == 1, rr.mismatch
    (tmp_path / "bad.toml").write_text('[[check]]\nspec = "lock.spec"\ntemporal = "BothServed"\nproperty = "X"\n'
                                       'expect = "holds"\n')
    with pytest.raises(pyspec.UsageError) as e:
        load_suite(str(tmp_path / "bad.toml"))
    assert e.value.code == "PS613" and "'temporal' row" in str(e.value)


def test_the_page_draws_the_loop_back_edge_and_marks_no_single_violating_state():
    from pyspec.report.pages import result_timeline

    spec = loads(LOCK + "fair weak Acquire\n")
    r = check_temporal(spec)
    tl = result_timeline(r, spec, "pyspec check lock.spec")
    assert tl.loop == r.trace.loop == 1 and len(tl.events) == len(r.trace.steps) - 1
    assert "loop" in tl.events[1].marks and not any("violation" in e.marks for e in tl.events)
    assert any(line.startswith("fair to weak Acquire(p=1)") for line in tl.summary)


def test_show_lists_temporal_properties_and_fairness():
    from pyspec.report.show import render_spec

    text = render_spec(loads(LOCK + "fair strong Acquire(p) unless p == 1\n"))
    assert "temporal BothServed: eventually served == {0, 1}" in text
    assert "fair weak Release" in text and "fair strong Acquire(p) unless ...    # each instance on its own" in text


def test_check_runs_the_invariants_then_the_temporal_properties(tmp_path):
    f = tmp_path / "lock.spec"
    f.write_text(LOCK + "fair strong Acquire\ninvariant Known: holder in {\"none\", \"p0\", \"p1\"}\n")
    p = run_cli("pyspec", "check", f)
    assert p.returncode == 0
    assert "HOLDS: every reachable state satisfies Known" in p.stdout
    assert "HOLDS: every fair behaviour satisfies BothServed" in p.stdout
    doc = json.loads(run_cli("pyspec", "check", f, "--json").stdout)
    assert doc["properties"] == ["Known"] and doc["temporal"]["properties"] == ["BothServed"]
    p = run_cli("pyspec", "check", f, "--invariant", "Known")  # naming invariants checks only those
    assert "BothServed" not in p.stdout
    f.write_text(LOCK + "fair strong Acquire\ninvariant Never: holder == \"none\"\n")
    p = run_cli("pyspec", "check", f)
    assert p.returncode == 1 and "temporal properties not checked (an invariant does not hold): BothServed" in p.stdout


def test_an_unless_condition_that_cannot_be_evaluated_is_an_error_with_its_state():
    spec = loads("spec E\nvar m: map[0 .. 1, 0 .. 1]\nvar x: 0 .. 2\ninit:\n    m = {k: 0 for k in 0 .. 1}\n    x = 0\n"
                 "action Go(i: 0 .. 2):\n    require x < 2\n    x' = x + 1\ntemporal T: eventually x == 2\n"
                 "fair weak Go(i) unless m[i] == 1\n")
    with pytest.raises(pyspec.SpecEvalError) as e:
        check_temporal(spec)
    assert e.value.code == "PS401" and "unless` condition of fair Go(i=2)" in e.value.message
    assert e.value.span.line == 11 and e.value.trace is not None


def test_show_json_lists_temporal_properties_and_fairness():
    doc = pyspec.describe(loads(LOCK + "fair strong Acquire(p) unless p == 1\n"))
    assert doc["temporal"] == {"BothServed": "eventually"}
    assert doc["fairness"] == [{"action": "Release", "strength": "weak", "conditional": False},
                               {"action": "Acquire", "strength": "strong", "conditional": True}]


def test_the_lasso_does_not_depend_on_the_hash_seed():
    import os
    import subprocess

    from tests.cli_helpers import script

    spec = os.path.join(os.path.dirname(__file__), "..", "..", "specs", "omega_liveness.spec")
    outs = []
    for seed in ("0", "1"):
        p = subprocess.run([script("pyspec"), "check", spec, "-D", "FD=EvS", "-D", "N=3"], capture_output=True,
                           text=True, timeout=120, env={**os.environ, "PYTHONHASHSEED": seed})
        outs.append([line for line in p.stdout.splitlines() if "distinct states" not in line])
    assert outs[0] == outs[1] and any("<- the loop starts here" in line for line in outs[0])


@pytest.mark.parametrize("src, names", [
    (COUNTER, ["Done", "Flips", "Settles", "Next", "Low"]),
    (COUNTER + "fair weak Inc\n", ["Done", "Flips", "Settles", "Next", "Low"]),
    (LOCK + "fair weak Acquire\n", ["BothServed"]),
    (LOCK + "fair strong Acquire(p) unless p == 7\n", ["BothServed"]),
], ids=["counter", "counter-fair", "lock-weak", "lock-strong"])
def test_the_graph_on_packed_states_gives_the_verdicts_and_lassos_of_the_graph_on_tuples(src, names):
    from pyspec.explicit.compiled import CompiledSpec
    from pyspec.explicit.graph import Graph, build_graph, graph_store
    from pyspec.explicit.liveness import LivenessOptions, check_temporal as raw
    from pyspec.explicit.store import PackedGraphStore, TupleGraphStore
    from pyspec.limits import Budget

    spec = loads(src)
    compiled = CompiledSpec(spec)
    graphs = []
    for packed in (True, False):
        g = Graph(graph_store(compiled, None, packed))
        with Budget(None, None, None) as budget:
            assert build_graph(compiled, g, None, budget, [None, 0, 0, ""]) is None
        graphs.append(g)
    packed_g, tuple_g = graphs
    assert isinstance(packed_g.store, PackedGraphStore) and isinstance(tuple_g.store, TupleGraphStore)
    assert len(packed_g) == len(tuple_g) and packed_g.depth == tuple_g.depth
    assert [packed_g.state(i) for i in range(len(packed_g))] == tuple_g.store.states
    assert (packed_g.start, packed_g.to, packed_g.inst) == (tuple_g.start, tuple_g.to, tuple_g.inst)
    for name in names:
        a = raw(compiled, LivenessOptions((name,), packed=True))
        b = raw(compiled, LivenessOptions((name,), packed=False))
        assert (a.verdict, a.trace, a.stats["states"], a.stats["transitions"]) == \
            (b.verdict, b.trace, b.stats["states"], b.stats["transitions"]), name
