"""Shared test configuration: hypothesis settings profiles, the suite table's rows run once per
session, and the xdist groups of tests that share an expensive session fixture.

"ci" is the default and keeps `make test` fast; pick another with HYPOTHESIS_PROFILE=thorough.
"ci" derandomizes (the same examples on every run), and hypothesis lets `derandomize` win over
`--hypothesis-seed`: given the option, the profile in force is loaded again without it (see
pytest_configure), so that `pytest --hypothesis-seed=N` runs the examples of seed N.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    deadline=None,
    max_examples=60,
    derandomize=True,  # the same examples on every run: CI results do not depend on luck
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    deadline=None,
    max_examples=2000,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.hookimpl(trylast=True)  # after hypothesis's plugin has read --hypothesis-profile and --hypothesis-seed
def pytest_configure(config: pytest.Config) -> None:
    """`--hypothesis-seed=N` wins over the profile's `derandomize`: the seed is honoured."""
    if config.getoption("--hypothesis-seed", default=None) is None:
        return
    name = settings.get_current_profile_name()
    if settings.get_profile(name).derandomize:
        settings.register_profile(f"{name}-seeded", parent=settings.get_profile(name), derandomize=False)
        settings.load_profile(f"{name}-seeded")

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "specs" / "suite.toml"

# Session fixtures that are expensive to make (a browser, the suite table's results): under
# pytest-xdist (`make test` runs `-n ... --dist loadgroup`) every test that uses one runs in the
# xdist group of that name, on one worker, so the fixture is made once per run, not once per
# worker. A test uses one by naming it as an argument, or (for one parameter of a test) by the
# mark `xdist_group(NAME)` itself.
SHARED_SESSION_FIXTURES = ("browser_context", "suite_runs")


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue
        for name in SHARED_SESSION_FIXTURES:
            if name in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.xdist_group(name))
                break


class SuiteRuns:
    """The rows of specs/suite.toml, each run at most once per session (in-process, as
    `pyspec suite` runs them): the row tests (tests/specs/test_suite.py) and the doc test of
    `pyspec suite specs/suite.toml` (tests/docs/test_commands.py) read the same results."""

    def __init__(self) -> None:
        from pyspec.suite import load_suite

        self.rows = load_suite(str(SUITE))
        self._done: dict[int, object] = {}

    def result(self, i: int):
        """The RowResult of row i (0-based), run now if no test has run it yet."""
        from pyspec.suite import run_row

        if i not in self._done:
            self._done[i] = run_row(self.rows[i])
        return self._done[i]

    def all(self, only: str | None = None):
        """The SuiteResult `pyspec suite specs/suite.toml [--only TEXT]` computes."""
        from pyspec.result import SuiteResult

        picked = [i for i, r in enumerate(self.rows) if not only or only.lower() in r.name.lower()]
        return SuiteResult(str(SUITE), tuple(self.result(i) for i in picked))


@pytest.fixture(scope="session")
def suite_runs() -> SuiteRuns:
    return SuiteRuns()


@pytest.fixture(autouse=True, scope="session")
def _native_module_cache(tmp_path_factory):
    """`--backend c` builds its C modules in this session's temporary directory, not in the
    user's ~/.cache (console scripts run by the tests inherit the variable)."""
    if "PYSPEC_CACHE_DIR" not in os.environ:
        os.environ["PYSPEC_CACHE_DIR"] = str(tmp_path_factory.mktemp("native-cache"))
    yield
