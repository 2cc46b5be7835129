"""Raft with its log (specs/raft.spec): distinct-state counts pinned for the smallest instances,
and the two seeded bugs (the params UpToDateCheck and CommitOldTerms) give the counterexamples
the Raft paper describes."""

import pytest

from pyspec import Verdict, check, load

SPEC = "specs/raft.spec"

SAFETY = ("ElectionSafety", "LogMatching", "LeaderCompleteness", "StateMachineSafety")


def _raft(**params: object):
    return load(SPEC, {k: str(v) for k, v in params.items()})


@pytest.mark.parametrize("terms, log, states", [(1, 1, 296), (2, 1, 4_731)])
def test_raft_safety_holds_with_pinned_state_counts(terms, log, states):
    r = check(_raft(MaxTerm=terms, MaxLog=log), invariants=SAFETY, reachables=())
    assert (r.verdict, r.stats["states"]) == (Verdict.HOLDS, states)


def test_one_term_has_one_leader_and_two_terms_can_have_two():
    one = check(_raft(MaxTerm=1, MaxLog=1), invariants=(), reachables=("TwoLeaders",))
    assert one.verdict is Verdict.VIOLATED  # TwoLeaders unreachable
    two = check(_raft(MaxTerm=2, MaxLog=1), invariants=(), reachables=("TwoLeaders", "Committed"))
    assert two.verdict is Verdict.HOLDS


def _states(spec, r):
    """(action, its arguments, the state reached) per step, the state as a name -> value dict."""
    names = [v.name for v in spec.vars]
    return [(s.action, {a[0]: a[1] for a in s.args}, dict(zip(names, s.state))) for s in r.trace.steps]


def test_a_vote_without_the_log_check_elects_a_leader_missing_a_committed_entry():
    spec = _raft(MaxTerm=2, MaxLog=1, UpToDateCheck=False)
    r = check(spec, invariants=("LeaderCompleteness",))
    assert (r.verdict, r.violated, len(r.trace)) == (Verdict.VIOLATED, "LeaderCompleteness", 9)
    last = _states(spec, r)[-1][2]
    leaders = [s for s, role in enumerate(last["role"]) if role == "leader"]
    committed = [s for s, a in enumerate(last["applied"]) if len(a) == 1]
    # a leader of a later term holds no entry, while another server has applied one
    assert any(len(last["log"][l]) == 0 and last["currentTerm"][l] > last["currentTerm"][s]
               for l in leaders for s in committed)


def test_figure_8_an_old_term_entry_committed_by_counting_replicas_is_overwritten(suite_runs):
    # the suite's own row (325,529 states, run once per session): its trace, read here
    row = next(i for i, r in enumerate(suite_runs.rows) if r.name.startswith("raft StateMachineSafety, Figure 8"))
    assert suite_runs.rows[row].params == {"MaxTerm": "4", "MaxLog": "1", "CommitOldTerms": "True"}
    spec = _raft(MaxTerm=4, MaxLog=1, CommitOldTerms=True)
    r = suite_runs.result(row).result
    assert r is not None
    assert (r.verdict, r.violated, len(r.trace)) == (Verdict.VIOLATED, "StateMachineSafety", 20)
    steps = _states(spec, r)
    # some leader commits an entry of a term before its own ...
    old = [args["s"] for (_, _, before), (action, args, _) in zip(steps, steps[1:])
           if action == "AdvanceCommit" and before["log"][args["s"]][args["i"] - 1] < before["currentTerm"][args["s"]]]
    assert old
    # ... and two servers end up having applied different entries at index 1
    assert len({a[0] for a in steps[-1][2]["applied"] if len(a) > 0}) == 2



def test_election_safety_counts_a_leader_that_has_left_its_term(tmp_path):
    """The paper's ElectionSafety (one leader elected per term, over the run) against its
    current-state form: a voter that goes back to a candidate's lower term elects a second leader
    of term 1 after the first has moved on, so the two never lead at once."""
    with open(SPEC, encoding="utf-8") as f:
        text = f.read()
    guard = 'require s != c and role[c] == "candidate" and currentTerm[s] <= currentTerm[c]'
    assert text.count(guard) == 1
    patched = tmp_path / "raft.spec"
    patched.write_text(text.replace(guard, 'require s != c and role[c] == "candidate"'), encoding="utf-8")
    spec = load(str(patched), {"MaxTerm": "2", "MaxLog": "1"})
    now = check(spec, invariants=("AtMostOneLeaderPerTermNow",), reachables=())
    assert now.verdict is Verdict.HOLDS
    paper = check(spec, invariants=("ElectionSafety",), reachables=())
    assert (paper.verdict, len(paper.trace)) == (Verdict.VIOLATED, 8)
    last = _states(spec, paper)[-1][2]
    assert last["elected"][1] == frozenset({0, 1}) and last["role"][0] != "leader"
