"""Bounded exists-forall synthesis (pyspec/symbolic/synth.py) on the election class of issue 5:
a witness table under P, the runs that rule out every table under S, EvP and EvS, the vacuous
answer below the smallest meaningful depth, and honest UNKNOWN."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from pyspec import Verdict, load, loads
from pyspec.api import synth
from pyspec.errors import UsageError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC = os.path.join(ROOT, "specs", "election_any_algorithm.spec")
PYSPEC = os.path.join(ROOT, ".venv", "bin", "pyspec")


def _spec(n: int, fd: str, h: int = 0):
    return load(SPEC, {"N": str(n), "FD": fd, "H": str(h)})


@pytest.mark.parametrize("n", [2, 3])
def test_lowest_unsuspected_is_a_witness_and_never_leading_is_not(n):
    from pyspec.api import compile_spec
    from pyspec.lang.types import domain
    from pyspec.symbolic.synth import _bounded_bfs, _with_table, _without_table_choice

    spec = _spec(n, "P")
    u = spec.var_index("decide")
    keys = domain(spec.vars[u].ty.value.key)
    def lowest_unsuspected(p, view):  # a view is the suspected processes' distances from p
        out = {(p + d) % n for d in view}
        return p == min(q for q in range(n) if q not in out)

    lowest = tuple(tuple(lowest_unsuspected(p, view) for view in keys) for p in range(n))
    never = tuple(tuple(False for _ in keys) for _ in range(n))
    base = _without_table_choice(spec, (u,))
    names = spec.default_invariants()
    assert _bounded_bfs(compile_spec(_with_table(base, (u,), (lowest,))), names, n + 1)[1] is None
    assert _bounded_bfs(compile_spec(_with_table(base, (u,), (never,))), names, n + 1)[1] == "LeaderAfterRound"


@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("fd", ["S", "EvP", "EvS"])
def test_weak_or_eventual_detectors_no_table_exists(n, fd):
    sr = synth(_spec(n, fd), depth=n + 1)
    assert sr.result.verdict is Verdict.VIOLATED and sr.exit_code == 1
    assert sr.runs, "the answer comes with the runs that rule out every table"
    for trace, bad in sr.runs:
        assert bad in ("AtMostOneLeader", "LeaderAfterRound") and 1 <= len(trace) <= n + 1
    assert "rule out every table" in sr.result.reason


@pytest.mark.parametrize("fd,verdict", [("P", Verdict.HOLDS), ("S", Verdict.VIOLATED), ("EvS", Verdict.VIOLATED)])
def test_history_view(fd, verdict):
    assert synth(_spec(2, fd, h=1), depth=3).result.verdict is verdict


@pytest.mark.parametrize("fd", ["P", "S"])
def test_below_the_smallest_meaningful_depth_is_vacuous(fd):
    sr = synth(_spec(2, fd), depth=2)
    assert sr.result.verdict is Verdict.INCOMPLETE and sr.exit_code == 3
    assert sr.vacuous == ("LeaderAfterRound",)
    assert "vacuous" in sr.result.reason


def test_a_spec_without_unknowns_is_a_usage_error():
    with pytest.raises(UsageError):
        synth(loads("spec S\nvar x: 0 .. 1\ninit:\n    x = 0\n"), depth=1)


def test_timeout_gives_unknown_never_a_verdict(monkeypatch):
    import z3

    from pyspec.symbolic import synth as mod

    monkeypatch.setattr(mod._Query, "_solver", lambda self: _AlwaysUnknown())
    sr = synth(_spec(2, "S"), depth=3, timeout=0.001)
    assert sr.result.verdict is Verdict.UNKNOWN and sr.exit_code == 3 and "could not decide" in sr.result.reason


class _AlwaysUnknown:
    def __init__(self):
        import z3

        self._s = z3.Solver()

    def __getattr__(self, name):
        return getattr(self._s, name)

    def check(self, *a):
        import z3

        return z3.unknown

    def reason_unknown(self):
        return "timeout"


def test_cli_text_and_json():
    p = subprocess.run([PYSPEC, "synth", SPEC, "-D", "N=2", "-D", "FD=S", "--depth", "3"], capture_output=True, text=True)
    assert p.returncode == 1, p.stderr
    assert p.stdout.splitlines()[1].startswith("NO TABLE EXISTS")
    assert "run 1 of" in p.stdout and "0: initial state" in p.stdout
    p = subprocess.run([PYSPEC, "synth", SPEC, "-D", "N=2", "--depth", "3", "--json"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["verdict"] == "holds" and out["table"]["decide"] and out["runs"] == []
    p = subprocess.run([PYSPEC, "synth", SPEC, "-D", "N=2", "--depth", "2"], capture_output=True, text=True)
    assert p.returncode == 3 and "VACUOUS" in p.stdout
