"""pyspec.testing: a spec drives a toy implementation through an adapter; a conforming one
passes, a divergence and a broken invariant fail with the run shrunk and told in spec terms,
bad adapters are located user errors, and runs are reproducible from a seed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import pyspec
import pyspec.testing
from pyspec.errors import UsageError
from pyspec.testing import ModelFailure, from_python, to_python
from pyspec.lang.types import IntT, MapT, RecordT, SetT, enum_type

ROOT = Path(__file__).resolve().parents[2]
SPEC = str(ROOT / "specs" / "try_lock.spec")
FAST = settings(max_examples=25, stateful_step_count=8, database=None, deadline=None, report_multiple_bugs=False,
                suppress_health_check=list(HealthCheck))


class ToyLock:
    """A try-lock in memory, right."""

    N = 2

    def __init__(self) -> None:
        self.owner: int | None = None
        self.mine = {c: False for c in range(self.N)}

    def TryAcquire(self, c: int) -> None:
        if self.owner is None:
            self.owner, self.mine[c] = c, True

    def Release(self, c: int) -> None:
        self.mine[c], self.owner = False, None

    def observe(self) -> dict:
        return {"holds": dict(self.mine), "owner": -1 if self.owner is None else self.owner}


class GrabbingLock(ToyLock):
    """Takes the lock whoever holds it."""

    def TryAcquire(self, c: int) -> None:
        self.owner, self.mine[c] = c, True


def test_a_conforming_implementation_passes():
    pyspec.testing.state_machine(SPEC, ToyLock, settings=FAST).TestCase().runTest()


def test_a_divergence_is_shrunk_and_told_in_the_spec_s_terms():
    machine = pyspec.testing.state_machine(SPEC, GrabbingLock, settings=FAST)
    with pytest.raises(ModelFailure) as info:
        machine.TestCase().runTest()
    e = info.value
    assert e.kind == "diverges" and e.steps == ("TryAcquire(c=0)", "TryAcquire(c=1)")
    text = str(e)
    assert text.startswith("spec TryLock: the implementation diverged: after step 2, TryAcquire(c=1), it shows "
                           "a state that is no successor the spec allows")
    assert "1: TryAcquire(c=0)\n    holds' = {0: True, 1: False}\n    owner' = 0" in text
    assert ("2: TryAcquire(c=1)  <- diverges\n"
            "    the spec: holds' = {0: True, 1: False}, owner' = 0\n"
            "    observed: holds' = {0: True, 1: True}, owner' = 1") in text
    assert [s.action for s in e.trace.steps] == [None, "TryAcquire", "TryAcquire"]


def _owner_judge(adapter: ToyLock):
    """Judges the toy lock by its owner alone, through a predicate over the spec's step (the
    spec's owner is the state's second variable); the adapter's observe() is not called."""
    from pyspec.testing import Judgement

    def judge(step):
        owner = -1 if adapter.owner is None else adapter.owner
        return Judgement(lambda before, after: after[1] == owner, shown=(f"owner {owner}",),
                         why=lambda before, after: f"the lock's owner is {owner}, the spec's {after[1]}")

    return judge


class UnobservedLock(ToyLock):
    observe = None  # type: ignore[assignment]


class UnobservedGrabbingLock(GrabbingLock):
    observe = None  # type: ignore[assignment]


def test_a_judge_stands_in_for_observe_and_its_refusals_are_divergences(tmp_path):
    pyspec.testing.state_machine(SPEC, UnobservedLock, settings=FAST, judge=_owner_judge).TestCase().runTest()
    machine = pyspec.testing.state_machine(SPEC, UnobservedGrabbingLock, settings=FAST, judge=_owner_judge,
                                           html=tmp_path / "judged.html")
    with pytest.raises(ModelFailure) as info:
        machine.TestCase().runTest()
    e = info.value
    assert e.kind == "diverges" and e.steps == ("TryAcquire(c=0)", "TryAcquire(c=1)")
    text = str(e)
    assert text.startswith("spec TryLock: the implementation diverged: after step 2, TryAcquire(c=1), what it "
                           "shows is no step the spec allows")
    assert "2: TryAcquire(c=1)  <- diverges\n    seen: owner 1\n    why: the lock's owner is 1, the spec's 0\n" in text
    page = (tmp_path / "judged.html").read_text()
    assert "seen: owner 1" in page and "with the variables observed as observed" not in page


def test_a_judge_and_observe_must_both_agree():
    def anything(adapter):
        from pyspec.testing import Judgement

        return lambda step: Judgement(lambda before, after: True)

    with pytest.raises(ModelFailure) as info:  # the judge allows all; observe() does not
        pyspec.testing.state_machine(SPEC, GrabbingLock, settings=FAST, judge=anything).TestCase().runTest()
    assert info.value.steps == ("TryAcquire(c=0)", "TryAcquire(c=1)")


def test_a_judge_that_answers_no_judgement_is_a_user_error():
    machine = pyspec.testing.state_machine(SPEC, UnobservedLock, settings=FAST, judge=lambda a: lambda step: True)
    with pytest.raises(UsageError) as info:
        machine.TestCase().runTest()
    assert info.value.code == "PS815" and "returned bool, not a pyspec.testing.Judgement" in info.value.message


def test_an_invariant_false_in_the_spec_state_reached_is_a_failure(tmp_path):
    # the spec without its try-lock check: the implementation that grabs conforms, Mutex breaks
    src = Path(SPEC).read_text().replace("    if owner == -1:\n        holds'[c] = True\n        owner' = c",
                                         "    holds'[c] = True\n    owner' = c")
    (tmp_path / "grab.spec").write_text(src)
    machine = pyspec.testing.state_machine(tmp_path / "grab.spec", GrabbingLock, invariants=["Mutex"], settings=FAST,
                                           html=tmp_path / "t.html")
    with pytest.raises(ModelFailure) as info:
        machine.TestCase().runTest()
    e = info.value
    assert e.kind == "violated" and e.invariant == "Mutex" and len(e.steps) == 2
    assert str(e).startswith("spec TryLock: invariant Mutex is false after step 2, TryAcquire(c=")
    assert e.page == str(tmp_path / "t.html") and "Mutex" in (tmp_path / "t.html").read_text()


def test_an_initial_state_the_spec_does_not_have_is_a_failure():
    class Held(ToyLock):
        def __init__(self) -> None:
            super().__init__()
            self.owner, self.mine[1] = 1, True

    with pytest.raises(ModelFailure) as info:
        pyspec.testing.state_machine(SPEC, Held, settings=FAST).TestCase().runTest()
    assert info.value.kind == "initial" and info.value.steps == ()
    assert "its initial state is none of the spec's initial states" in str(info.value)
    assert "observed: holds = {0: False, 1: True}, owner = 1" in str(info.value)


def test_only_the_actions_named_are_driven():
    class NoRelease(ToyLock):
        Release = None  # type: ignore[assignment]

    with pytest.raises(UsageError) as info:
        pyspec.testing.state_machine(SPEC, NoRelease)
    assert info.value.code == "PS810" and "no method for Release" in info.value.message
    pyspec.testing.state_machine(SPEC, NoRelease, actions=["TryAcquire"], settings=FAST).TestCase().runTest()


@pytest.mark.parametrize("observed, code, fragment", [
    ({"holder": 1}, "PS811", "names 'holder', no variable of spec TryLock"),
    ({"holds": {0: False}}, "PS812", "holds = {0: False}: no value for key 1"),
    ({"owner": "none"}, "PS812", "owner = 'none': expected an int"),
    ([("owner", -1)], "PS812", "returned list, not a dict"),
])
def test_an_observation_that_is_not_of_the_spec_is_a_user_error(observed, code, fragment):
    class Bad(ToyLock):
        def observe(self):
            return observed

    with pytest.raises(UsageError) as info:
        pyspec.testing.state_machine(SPEC, Bad, settings=FAST).TestCase().runTest()
    assert info.value.code == code and fragment in info.value.message, info.value.message


def test_an_observed_value_outside_the_variable_s_type_is_a_divergence():
    class Overflow(ToyLock):
        def TryAcquire(self, c: int) -> None:
            super().TryAcquire(c)
            self.owner = 5 if self.owner is not None else None

    with pytest.raises(ModelFailure) as info:
        pyspec.testing.state_machine(SPEC, Overflow, settings=FAST).TestCase().runTest()
    e = info.value
    assert e.kind == "diverges" and len(e.steps) == 1
    assert str(e).endswith("<- diverges\n    observed: owner = 5: 5 is outside -1 .. 1")


def test_an_exception_of_the_implementation_names_the_spec_steps_that_led_to_it():
    class Crashing(ToyLock):
        def Release(self, c: int) -> None:
            raise RuntimeError("lock file gone")

    with pytest.raises(RuntimeError) as info:
        pyspec.testing.state_machine(SPEC, Crashing, settings=FAST).TestCase().runTest()
    assert any(n.startswith("while the adapter performed step 2, Release(c=0), of spec TryLock: TryAcquire(c=0), "
                            "Release(c=0)") for n in info.value.__notes__), info.value.__notes__


def test_options_naming_nothing_in_the_spec_are_refused():
    with pytest.raises(UsageError) as info:
        pyspec.testing.state_machine(SPEC, ToyLock, actions=["TryAcquire", "Relase"])
    assert info.value.code == "PS813" and "did you mean 'Release'?" in (info.value.hint or "")
    with pytest.raises(UsageError) as info:
        pyspec.testing.state_machine(pyspec.load(SPEC), ToyLock, params={"N": 3})
    assert info.value.code == "PS814"
    with pytest.raises(UsageError) as info:
        pyspec.testing.state_machine(SPEC, ToyLock, invariants=["Mutx"])
    assert info.value.code == "PS601"


def test_params_are_given_as_python_values():
    class Three(ToyLock):
        N = 3

    pyspec.testing.state_machine(SPEC, Three, params={"N": 3}, settings=FAST).TestCase().runTest()


def _runs(seed: int | None, derandomize: bool = False) -> list[list[str]]:
    """The runs hypothesis makes, each as its action instances."""
    runs: list[list[str]] = []

    class Recording(ToyLock):
        N = 3

        def __init__(self) -> None:
            super().__init__()
            runs.append([])

        def TryAcquire(self, c: int) -> None:
            runs[-1].append(f"TryAcquire({c})")
            super().TryAcquire(c)

        def Release(self, c: int) -> None:
            runs[-1].append(f"Release({c})")
            super().Release(c)

    s = settings(FAST, derandomize=derandomize)
    pyspec.testing.state_machine(SPEC, Recording, params={"N": 3}, settings=s, seed=seed).TestCase().runTest()
    return runs


def test_a_seed_gives_the_same_runs_and_another_seed_others():
    # N = 3 so that there is room for the runs to differ
    first, again, other = _runs(7), _runs(7), _runs(8)
    assert first == again and first != other


TEST_FILE = '''
import sys
sys.path.insert(0, {here!r})
from hypothesis import given, settings, strategies as st
import pyspec.testing
from test_state_machine import SPEC, Recording3

# derandomize=True, as the repository's "ci" profile has: --hypothesis-seed must still win
TestLock = pyspec.testing.state_machine(SPEC, Recording3, params={{"N": 3}}, settings=settings(
    max_examples=5, stateful_step_count=5, database=None, derandomize=True)).TestCase


@given(st.integers(0, 10**9))
@settings(max_examples=3, database=None)
def test_plain(n):  # under the repository's profile (tests/conftest.py, loaded with -p conftest)
    print("given", n, flush=True)
'''


class Recording3(ToyLock):
    """Prints each step (for the --hypothesis-seed test, run in a subprocess)."""

    N = 3

    def __init__(self) -> None:
        super().__init__()
        print("run", flush=True)

    def TryAcquire(self, c: int) -> None:
        print(f"TryAcquire({c})", flush=True)
        super().TryAcquire(c)

    def Release(self, c: int) -> None:
        print(f"Release({c})", flush=True)
        super().Release(c)


def _pytest(tmp_path: Path, seed: int) -> tuple[str, str]:
    """What the machine did and what the plain @given test drew, under --hypothesis-seed=seed,
    with the repository's conftest (its "ci" profile derandomizes) loaded as a plugin."""
    test = tmp_path / "test_seeded.py"
    test.write_text(TEST_FILE.format(here=str(Path(__file__).parent)))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tests"), "HYPOTHESIS_PROFILE": "ci"}
    out = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-s", "-p", "no:xdist",
                          "-p", "conftest", f"--hypothesis-seed={seed}", str(test)], capture_output=True, text=True,
                         cwd=tmp_path, timeout=120, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.splitlines()
    machine = "\n".join(line for line in lines if line.startswith(("run", "Try", "Release")))
    plain = "\n".join(line for line in lines if line.startswith("given"))
    return machine, plain


@pytest.mark.slow
def test_hypothesis_seed_wins_over_a_derandomizing_profile(tmp_path):
    first, again, other = _pytest(tmp_path, 3), _pytest(tmp_path, 3), _pytest(tmp_path, 4)
    assert first[0].startswith("run\n") and first[1].startswith("given")
    assert first == again
    assert first[0] != other[0]  # the machine's runs follow the seed
    assert first[1] != other[1]  # and so do a plain test's examples, under the repository's profile


def test_plain_values_and_spec_values_convert_both_ways():
    proc = IntT(0, 2)
    cases = [
        (MapT(proc, SetT(proc)), {0: {1}, 1: set(), 2: {0, 2}}, (frozenset({1}), frozenset(), frozenset({0, 2}))),
        (RecordT((("a", proc), ("b", enum_type(["x", "y"])))), {"b": "y", "a": 2}, (2, "y")),
    ]
    for t, plain, value in cases:
        assert from_python(t, plain) == value
        assert from_python(t, to_python(t, value)) == value


def test_only_pyspec_testing_imports_hypothesis():
    sys.path.insert(0, str(ROOT / "tests"))
    from test_layout import GRAPH

    users = sorted(m for m, deps in GRAPH.items() if any(d.split(".")[0] == "hypothesis" for d in deps))
    assert users and all(m.startswith("pyspec.testing") for m in users), users
    out = subprocess.run([sys.executable, "-c", "import sys, pyspec, tracecheck; print('hypothesis' in sys.modules)"],
                         capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


FAILING_FILE = '''
import sys
sys.path.insert(0, {here!r})
from hypothesis import settings
import pyspec.testing
from test_state_machine import SPEC, GrabbingLock

TestLock = pyspec.testing.state_machine(SPEC, GrabbingLock, seed=1,
                                        settings=settings(max_examples=20, stateful_step_count=6, database=None)).TestCase
'''


@pytest.mark.slow
def test_under_pytest_the_failure_shows_the_steps_in_the_spec_s_terms(tmp_path):
    test = tmp_path / "test_failing.py"
    test.write_text(FAILING_FILE.format(here=str(Path(__file__).parent)))
    out = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-p", "no:xdist", str(test)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert out.returncode == 1, out.stdout + out.stderr
    # hypothesis's own account of the run, in the spec's action names and parameters
    shown = "\n".join(line.removeprefix("E").strip() for line in out.stdout.splitlines())
    assert "state = TryLockModel()\nstate.TryAcquire(c=0)\nstate.TryAcquire(c=1)\nstate.teardown()" in shown, shown
    assert ("pyspec.testing.ModelFailure: spec TryLock: the implementation diverged: after step 2, TryAcquire(c=1)"
            in shown), shown


def test_the_try_lock_spec_holds_with_its_three_states():
    r = pyspec.check(pyspec.load(SPEC))
    assert r.verdict is pyspec.Verdict.HOLDS and r.stats["states"] == 3 and r.stats["never_enabled"] == []
