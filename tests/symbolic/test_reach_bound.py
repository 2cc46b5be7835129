"""The bound on set members that BMC's encoding relies on (pyspec/symbolic/reach.py) is an
over-approximation: no member it calls impossible occurs in any reachable state, on Paxos and
on random specs, also when the explicit guess it starts from is far too small."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, assume, given, note, settings

from pyspec import SpecError, SpecEvalError, Verdict, bmc, check, load, loads
from pyspec.api import compile_spec
from pyspec.symbolic import reach
from pyspec.symbolic.bmc import encode, encode_reachable
from pyspec.symbolic.ints import Ctx
from pyspec.symbolic.encode import collect_strings
from pyspec.symbolic.solver import new_solver
from tests.symbolic.diff_helpers import reachable
from tests.symbolic.specgen import specs

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAXOS = os.path.join(ROOT, "specs", "paxos.spec")
EXAMPLES = 30


def _members_never_reached(spec, never: frozenset[str], states: list[tuple]) -> list[str]:
    """The bits of `never` that some state of `states` holds (each a soundness bug)."""
    bits = reach.set_bits(spec, Ctx(collect_strings(spec), True))
    where = {n: (p, k) for n, p, k in bits}
    return [n for n in sorted(never) for st in states if where[n][1] in reach._read(st, where[n][0])]


def _fixpoint(spec, compiled, samples: list[tuple], rounds: int = 30) -> frozenset[str] | None:
    """confirm() from the guess of `samples` until it proves its guess (None: undecided)."""
    never = reach.guess(reach.set_bits(spec, Ctx(collect_strings(spec), True)), samples)
    for _ in range(rounds):
        if not never:
            return never
        proven = reach.confirm(encode(spec, True, never), new_solver(None), samples)
        if proven is None:
            return None
        if proven == never:
            return never
        never = proven
    return None


def test_paxos_has_one_boolean_per_message_that_can_be_sent():
    spec = load(PAXOS)
    compiled = compile_spec(spec)
    enc = encode_reachable(spec, True, compiled, None)
    msgs = enc.view(1).vals[[v.name for v in spec.vars].index("msgs")]
    live = [k for k, b in msgs.bits.items() if b is not False]
    assert len(live) == 54 and len(msgs.bits) == 135
    # a 1b message never reports a vote at or above the ballot it promises
    assert all(k[3] < k[2] for k in live if k[0] == "Phase1b" and k[3] >= 0)
    assert not _members_never_reached(spec, enc.never, reachable(compiled, 3000))


def test_a_guess_from_the_initial_states_alone_is_narrowed_to_a_sound_bound():
    spec = load(PAXOS, {"NA": "2", "MaxBallot": "1"})
    compiled = compile_spec(spec)
    never = _fixpoint(spec, compiled, list(compiled.initial_states()))
    assert never is not None and never  # proven, and something is excluded
    assert not _members_never_reached(spec, never, reachable(compiled, 5000))
    r = bmc(spec, 6, invariants=("Agreement",))
    assert r.verdict is Verdict.NO_VIOLATION_UP_TO


GROW = """spec Grow
var s: set[0 .. 3]
init:
    s = {}
action Add(x: 0 .. 3):
    require x < 3
    require x == 0 or x - 1 in s
    s' = s | {x}
"""


def test_members_added_one_step_after_another_are_kept_and_the_unreachable_one_dropped():
    spec = loads(GROW)
    compiled = compile_spec(spec)
    assert _fixpoint(spec, compiled, list(compiled.initial_states())) == {"s{3}"}
    assert encode_reachable(spec, True, compiled, None).never == {"s{3}"}
    r = bmc(spec, 3)
    assert r.verdict is Verdict.NO_VIOLATION_UP_TO


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(src=specs())
def test_the_bound_holds_in_every_reachable_state_of_random_specs(src):
    note(src)
    try:
        spec = loads(src)
    except SpecError:
        assume(False)
    compiled = compile_spec(spec)
    states = reachable(compiled, 400)
    assume(len(states) >= 3)  # a spec that cannot move proves nothing
    # what bmc uses (its guess from up to 2,000 sampled states)
    enc = encode_reachable(spec, True, compiled, None)
    assert not _members_never_reached(spec, enc.never, states)
    # a poor guess (the initial states only), narrowed by Houdini alone
    never = _fixpoint(spec, compiled, states[:1])
    if never is not None:
        assert not _members_never_reached(spec, never, states)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], database=None)
@given(src=specs())
def test_bmc_over_the_bound_finds_the_explicit_engines_shortest_violation(src):
    note(src)
    try:
        spec = loads(src)
    except SpecError:
        assume(False)
    try:
        explicit = check(spec, max_states=5_000, reachables=())
        r = bmc(spec, 3, reachables=())
    except SpecEvalError:  # evaluation errors are test_differential.py's
        return
    if explicit.verdict is Verdict.VIOLATED and len(explicit.trace) <= 3:
        assert r.verdict is Verdict.VIOLATED and len(r.trace) == len(explicit.trace)
    elif explicit.verdict in (Verdict.HOLDS, Verdict.VIOLATED):
        assert r.verdict is Verdict.NO_VIOLATION_UP_TO, (r.verdict, r.violated)
