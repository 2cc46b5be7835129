"""Every row of specs/suite.toml is a test: the demo table and the test suite cannot drift."""

import pytest

from pyspec.suite import load_suite, run_row

ROWS = load_suite("specs/suite.toml")


def test_the_suite_has_rows():
    assert len(ROWS) >= 50


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_row_gives_expected_verdict(row):
    rr = run_row(row)
    assert rr.error is None, rr.error
    assert rr.ok, rr.mismatch
