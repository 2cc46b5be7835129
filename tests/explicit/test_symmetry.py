"""Symmetry reduction (`symmetric type`, `--symmetry TYPE`): the same verdicts and counterexample
lengths as the full search with fewer states (pinned), counterexamples that are real traces of
the unreduced spec, and the declaration refused where the spec singles out a value of the type."""

from __future__ import annotations

import pytest

from pyspec import SpecErrors, UsageError, Verdict, load, loads
from pyspec.api import check, compile_spec
from pyspec.cli import main

TOKENS = """\
spec Tokens
param N: int = 3
symmetric type Proc = 0 .. N - 1
var holding: set[Proc]
var taken: map[Proc, 0 .. 2]
var last: map[Proc, set[Proc]]
init:
    holding = {}
    taken = {p: 0 for p in Proc}
    last = {p: {} for p in Proc}
action Take(p: Proc, q: Proc):
    require taken[p] < 2 and p != q
    holding' = holding | {p}
    taken'[p] = taken[p] + 1
    last'[q] = last[q] | {p}
action Drop(p: Proc):
    require p in holding
    holding' = holding - {p}
invariant AtMostTwo: len(holding) <= 2
invariant Seen: all(p not in last[p] for p in Proc)
"""


def _both(spec):
    return check(spec), check(spec, symmetry=False)


def test_symmetric_paxos_acceptors_keep_the_verdict_with_fewer_states():
    spec = load("specs/paxos.spec", {"MaxBallot": "1"}, symmetric=("Acceptor",))
    reduced, full = _both(spec)
    assert reduced.verdict is full.verdict is Verdict.HOLDS
    assert (reduced.stats["states"], full.stats["states"]) == (857, 3921)
    assert reduced.stats["depth"] == full.stats["depth"]
    assert reduced.stats["symmetry"] == ["Acceptor"] and reduced.stats["symmetry_permutations"] == 6
    assert "symmetry" not in full.stats


def test_symmetric_failure_detector_processes_keep_the_verdict():
    spec = load("specs/fd.spec", symmetric=("Proc",))
    reduced, full = _both(spec)
    assert reduced.verdict is full.verdict
    assert reduced.stats["states"] < full.stats["states"]


def test_counterexample_is_a_real_trace_of_the_unreduced_spec():
    spec = loads(TOKENS)
    reduced, full = _both(spec)
    assert reduced.verdict is full.verdict is Verdict.VIOLATED
    assert reduced.violated == full.violated == "AtMostTwo"
    assert len(reduced.trace) == len(full.trace) == 3  # shortest (three steps), with and without symmetry
    compiled = compile_spec(spec)
    steps = reduced.trace.steps
    assert steps[0].state in compiled.initial_states(None)
    for before, after in zip(steps, steps[1:]):
        insts = [i for i, (a, args) in enumerate(compiled.instances)
                 if compiled.describe_instance(i) == (after.action, after.args)]
        assert len(insts) == 1
        assert after.state in compiled.run_instance(before.state, insts[0])
    assert len(steps[-1].state[0]) == 3  # the last state is the violation, really reached


def test_reduced_counts_of_the_token_spec_are_pinned():
    spec = loads(TOKENS.replace("invariant AtMostTwo: len(holding) <= 2", "invariant AtMostTwo: len(holding) <= 3"))
    reduced, full = _both(spec)
    assert reduced.verdict is full.verdict is Verdict.HOLDS
    assert (reduced.stats["states"], full.stats["states"]) == (242, 1331)


@pytest.mark.parametrize("line, fragment", [
    ("invariant Zero: all(p != 0 for p in Proc)", "meets a constant"),
    ("invariant Ordered: all(p < q or p >= q for p in Proc for q in Proc)", "order and arithmetic"),
    ("invariant Sum: all(p + 1 > 0 for p in Proc)", "order and arithmetic"),
    ("invariant Least: min(p for p in Proc) >= 0", "'min'"),
    ("invariant Range: all(taken[p] <= 2 for p in 0 .. N - 1)", "a map key"),
])
def test_declaration_is_refused_where_the_spec_singles_out_a_value(line, fragment):
    with pytest.raises(SpecErrors) as info:
        loads(TOKENS + line + "\n")
    e = info.value.errors[0]
    assert e.code == "PS640" and fragment in e.message, e.message


def test_a_variable_of_another_type_given_a_symmetric_value_is_refused():
    src = TOKENS.replace("var holding: set[Proc]", "var holding: set[Proc]\nvar who: -1 .. N - 1").replace(
        "    holding = {}\n", "    holding = {}\n    who = -1\n").replace(
        "    holding' = holding | {p}\n", "    holding' = holding | {p}\n    who' = p\n")
    with pytest.raises(SpecErrors) as info:
        loads(src)
    assert info.value.errors[0].code == "PS640" and "'who'" in info.value.errors[0].message


def test_only_a_range_or_an_enumeration_is_symmetric():
    with pytest.raises(SpecErrors) as info:
        loads(TOKENS.replace("symmetric type Proc = 0 .. N - 1", "type Proc = 0 .. N - 1\nsymmetric type S = set[Proc]"))
    assert info.value.errors[0].code == "PS641"


def test_symmetry_option_must_name_a_type():
    with pytest.raises(UsageError) as info:
        load("specs/paxos.spec", symmetric=("Acceptors",))
    assert info.value.code == "PS643" and "Acceptor" in (info.value.hint or "")


def test_fingerprints_of_orbits_keep_the_count_and_replay_a_real_trace():
    spec = load("specs/raft_votes.spec", {"MaxTerm": "2"})
    fp = check(spec, ["ElectionSafety"], fingerprint=True)
    assert fp.verdict is Verdict.INCOMPLETE and fp.stats["states"] == 1362  # no verdict from fingerprints
    bad, exact = check(spec, ["AtMostOneLeader"], fingerprint=True), check(spec, ["AtMostOneLeader"])
    assert bad.verdict is Verdict.VIOLATED and bad.trace == exact.trace


def test_a_spec_without_a_packed_layout_is_refused_symmetry():
    src = TOKENS.replace("var holding: set[Proc]", "var holding: set[Proc]\nvar big: set[0 .. 70000]").replace(
        "    holding = {}\n", "    holding = {}\n    big = {}\n")
    with pytest.raises(UsageError) as info:
        check(loads(src))
    assert info.value.code == "PS642"
    assert check(loads(src), symmetry=False).verdict is Verdict.VIOLATED


def test_two_workers_search_the_same_orbits_and_replay_a_real_trace():
    spec = load("specs/raft_votes.spec", {"MaxTerm": "2"})
    one, two = check(spec, ["ElectionSafety"]), check(spec, ["ElectionSafety"], workers=2)
    assert one.verdict is two.verdict is Verdict.HOLDS
    assert one.stats["states"] == two.stats["states"] == 1362
    bad = check(spec, ["AtMostOneLeader"], workers=2)
    assert bad.verdict is Verdict.VIOLATED and len(bad.trace) == 8
    compiled = compile_spec(spec)
    steps = bad.trace.steps
    assert steps[0].state in compiled.initial_states(None)
    for before, after in zip(steps, steps[1:]):
        (inst,) = [i for i in range(len(compiled.instances)) if compiled.describe_instance(i) == (after.action, after.args)]
        assert after.state in compiled.run_instance(before.state, inst)


def test_liveness_with_symmetry_is_refused_unless_no_symmetry(tmp_path, capsys):
    p = tmp_path / "t.spec"
    p.write_text(TOKENS.replace("invariant AtMostTwo: len(holding) <= 2\n", "")
                 + "fair weak Drop(p) unless p not in holding\n"  # `unless` reads the instance's p: a Proc
                 + "temporal Free: always eventually len(holding) == 0\n")
    assert main(["check", str(p)]) == 2
    assert "PS642" in capsys.readouterr().err
    assert main(["check", str(p), "--no-symmetry"]) in (0, 1)


def test_cli_prints_that_states_are_orbits(capsys):
    assert main(["check", "specs/paxos.spec", "-D", "MaxBallot=1", "--symmetry", "Acceptor"]) == 0
    out = capsys.readouterr().out
    assert "857 distinct states" in out and "permutations of Acceptor" in out
    assert main(["check", "specs/paxos.spec", "-D", "MaxBallot=1", "--engine", "bmc", "--depth", "1",
                 "--no-symmetry"]) == 2


def _orbit_least(sym, types, lay, state):
    """The least packed code over the orbit, by permuting unpacked values (the definition)."""
    import itertools

    from pyspec.explicit.symmetry import _mapper

    best = None
    for combo in itertools.product(*[itertools.permutations(v) for _, v in sym.types]):
        perm = {n: dict(zip(vals, p)) for (n, vals), p in zip(sym.types, combo)}
        fs = [_mapper(s, t, perm) for s, t in zip(sym.var_shapes, types)]
        code = lay.pack(tuple(f(x) if f else x for f, x in zip(fs, state)))
        best = code if best is None else min(best, code)
    return best


@pytest.mark.parametrize("path, params, sym, limit", [
    ("specs/raft_votes.spec", {"MaxTerm": "2"}, (), 4096),
    ("specs/raft_votes.spec", {"MaxTerm": "2"}, (), 0),  # every field by the map and bitmask paths
    ("specs/paxos.spec", {"MaxBallot": "1"}, ("Acceptor",), 4096),
    ("specs/paxos.spec", {"MaxBallot": "1"}, ("Acceptor",), 0),
])
def test_canonical_code_is_the_least_code_of_the_orbit(path, params, sym, limit):
    from pyspec.explicit.packing import layout
    from pyspec.explicit.store import PackedStore
    from pyspec.explicit.symmetry import Canon

    spec = load(path, params, symmetric=sym)
    types = tuple(v.ty for v in spec.vars)
    lay = layout(types, table_limit=limit)
    canon = Canon(spec.symmetry, types, lay)
    compiled = compile_spec(spec)
    store = PackedStore(lay)
    for s in compiled.initial_states(None):
        store.add_initial(s)
    head = 0
    while head < len(store) and len(store) < 300:  # the first 300 states of the full search
        s, add = store.expand(head)
        for inst, t in compiled.step_fn()(s):
            add(t, inst)
        head += 1
    for i in range(len(store)):
        st = store.state(i)
        assert canon(st) == _orbit_least(spec.symmetry, types, lay, st)


def test_symmetric_raft_keeps_verdicts_lengths_and_counts_of_raft_terms():
    """raft_votes.spec is raft_terms.spec with votes as sets and Server symmetric: the full
    search of one is the other's state for state, and the reduced one keeps every verdict."""
    votes = load("specs/raft_votes.spec", {"MaxTerm": "2"})
    terms = load("specs/raft_terms.spec", {"MaxTerm": "2"})
    for inv in ("AtMostOneLeader", "ElectionSafety", "OneLeaderPerTerm"):
        reduced, full, other = check(votes, [inv]), check(votes, [inv], symmetry=False), check(terms, [inv])
        assert reduced.verdict is full.verdict is other.verdict
        if full.trace is not None:
            assert len(reduced.trace) == len(full.trace) == len(other.trace)
    safe = check(votes, ["ElectionSafety"]), check(votes, ["ElectionSafety"], symmetry=False)
    assert (safe[0].stats["states"], safe[1].stats["states"]) == (1362, 7823)


def test_show_marks_the_symmetric_types(capsys):
    assert main(["show", "specs/raft_votes.spec"]) == 0
    out = capsys.readouterr().out
    assert "symmetric type Server = 0 .. 2" in out and "\ntype Term = 0 .. 2" in out


COLORS = """\
spec Colors
symmetric type Color = {"red", "green", "blue"}
var painted: map[Color, bool]
var last: set[Color]
init:
    painted = {c: False for c in Color}
    last = {}
action Paint(c: Color):
    require not painted[c]
    painted'[c] = True
    last' = {c}
invariant OneAtATime: len(last) <= 1
"""


def test_a_symmetric_enumeration_reduces_and_its_literals_are_refused():
    reduced, full = _both(loads(COLORS))
    assert reduced.verdict is full.verdict is Verdict.HOLDS
    assert (reduced.stats["states"], full.stats["states"]) == (4, 13)
    with pytest.raises(SpecErrors) as info:
        loads(COLORS.replace("require not painted[c]", 'require not painted[c] and c != "red"'))
    assert info.value.errors[0].code == "PS640"


def test_an_alias_built_from_a_symmetric_type_iterates_as_its_values():
    src = TOKENS.replace("symmetric type Proc = 0 .. N - 1", "symmetric type Proc = 0 .. N - 1\ntype Pair = tuple[Proc, Proc]")
    src += "invariant Pairs: all(x[0] != x[1] or x[0] in Proc for x in Pair)\n"
    assert loads(src).symmetry is not None
    with pytest.raises(SpecErrors):
        loads(src + "invariant First: all(x[0] != 0 for x in Pair)\n")
