"""Raft with its messages in a network (specs/raft_messages.spec): raft.spec's state and
invariants, with every RPC and answer a message that may be delivered late, out of order, more
than once or never. The invariants hold at tiny bounds, the states are not vacuous, and a vote
of an old term that a candidate counts (a message the one-step model cannot delay) elects two
leaders in one term."""

from pyspec import Verdict, check, load

SPEC = "specs/raft_messages.spec"
SAFETY = ("ElectionSafety", "LogMatching", "LeaderCompleteness", "StateMachineSafety")


def _messages(**params: object):
    return load(SPEC, {k: str(v) for k, v in params.items()})


def test_raft_safety_holds_with_delayed_and_duplicated_messages_pinned_count():
    r = check(_messages(MaxTerm=2, MaxLog=1, MaxMsgs=5), invariants=SAFETY, reachables=())
    assert (r.verdict, r.stats["states"]) == (Verdict.HOLDS, 16_065)


def test_with_messages_an_entry_is_committed_and_two_servers_lead_at_once():
    r = check(_messages(MaxTerm=2, MaxLog=1, MaxMsgs=5), invariants=(), reachables=("Committed", "TwoLeaders"))
    assert r.verdict is Verdict.HOLDS


def test_the_one_step_rpcs_are_switched_off():
    spec = _messages(MaxTerm=1, MaxLog=1, MaxMsgs=3)
    r = check(spec, invariants=(), reachables=())
    assert r.verdict is Verdict.HOLDS
    assert {"Vote", "AppendEntries"} <= set(r.stats["never_enabled"])


def test_a_candidate_counting_a_vote_of_an_older_term_elects_two_leaders_in_one_term(tmp_path):
    with open(SPEC, encoding="utf-8") as f:
        text = f.read()
    guard = "m is VoteGranted and m.dst == c and m.term == currentTerm[c] and"
    assert text.count(guard) == 1
    patched = tmp_path / "raft_messages.spec"
    patched.write_text(text.replace(guard, "m is VoteGranted and m.dst == c and"), encoding="utf-8")
    with open("specs/raft.spec", encoding="utf-8") as f:
        (tmp_path / "raft.spec").write_text(f.read(), encoding="utf-8")
    spec = load(str(patched), {"MaxTerm": "2", "MaxLog": "1", "MaxMsgs": "6"})
    r = check(spec, invariants=("ElectionSafety",), reachables=())
    assert (r.verdict, r.violated, len(r.trace)) == (Verdict.VIOLATED, "ElectionSafety", 13)
