"""BMC runs on Z3's finite-domain solver (QF_FD: bit-blasting into an incremental SAT solver)
when the encoding is bit-vectors and Booleans only, and on the default solver when integers are
Z3 Ints; the verdicts and the shortest depths are the same either way."""

import os

import pytest

import pyspec.symbolic.bmc as symbolic_bmc
from pyspec import Verdict, load
from pyspec.api import compile_spec
from pyspec.symbolic.solver import new_solver

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PAXOS = os.path.join(ROOT, "specs", "paxos.spec")
ELECTION = os.path.join(ROOT, "specs", "leader_election.spec")


def _recording(monkeypatch) -> list[bool]:
    finite: list[bool] = []

    def recording(timeout, finite_domain=False):
        finite.append(finite_domain)
        return new_solver(timeout, finite_domain)

    monkeypatch.setattr(symbolic_bmc, "new_solver", recording)
    return finite


@pytest.mark.parametrize("bitvectors", [True, False], ids=["bit-vectors", "integers"])
def test_bmc_takes_the_finite_domain_solver_exactly_over_bit_vectors(monkeypatch, bitvectors):
    finite = _recording(monkeypatch)
    spec = load(PAXOS, {"MaxBallot": "1"})
    r = symbolic_bmc.bmc(spec, 3, invariants=("Agreement",), bitvectors=bitvectors, reference=compile_spec(spec),
                         reachables=())
    assert r.verdict is Verdict.NO_VIOLATION_UP_TO
    assert finite and set(finite) == {bitvectors}


def test_both_solvers_find_the_same_shortest_violation():
    spec = load(ELECTION, {"FD": "S"})
    depths = set()
    for bitvectors in (True, False):
        r = symbolic_bmc.bmc(spec, 8, invariants=("AtMostOneLeader",), bitvectors=bitvectors,
                             reference=compile_spec(spec))
        assert r.verdict is Verdict.VIOLATED
        depths.add(len(r.trace.steps) - 1)
    assert depths == {2}


def test_a_finite_domain_check_past_its_timeout_is_unknown():
    import z3

    s = new_solver(0.05, True)
    # the pigeonhole principle for 12 pigeons in 11 holes: far beyond 50 ms for a SAT solver
    x = [[z3.Bool(f"p{i}_{j}") for j in range(11)] for i in range(12)]
    for row in x:
        s.add(z3.Or(row))
    for j in range(11):
        for i in range(12):
            for k in range(i + 1, 12):
                s.add(z3.Or(z3.Not(x[i][j]), z3.Not(x[k][j])))
    assert s.check() == z3.unknown
    assert s.reason_unknown() == "timeout"
