"""Every row of specs/suite.toml is a test: the demo table and the test suite cannot drift.

Each row runs once per session (the `suite_runs` fixture of tests/conftest.py): the doc test of
`pyspec suite specs/suite.toml` in tests/docs/test_commands.py renders the same results."""

from pathlib import Path

import pytest

from pyspec.suite import load_suite

ROWS = load_suite(str(Path(__file__).resolve().parents[2] / "specs" / "suite.toml"))


def test_the_suite_has_rows():
    assert len(ROWS) >= 50


@pytest.mark.parametrize("i", range(len(ROWS)), ids=[r.name for r in ROWS])
def test_row_gives_expected_verdict(i, suite_runs):
    rr = suite_runs.result(i)
    assert rr.error is None, rr.error
    assert rr.ok, rr.mismatch
