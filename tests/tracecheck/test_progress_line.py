"""tracecheck's progress line: before the first record is explained there is nothing to count,
so the line says so instead of "record 0, frontier of 0 states, 0 records/s" (which also made
the progress test of tests/test_progress_and_stop_signals.py fail whenever the first tick came early)."""

from __future__ import annotations

from pyspec.progress import Session, watch
from tracecheck.cli import _record_probe


def _line(probe) -> str:
    with Session(progress=True, every=3600) as session:  # no tick in the test: the line is asked for
        with watch(probe, "records"):
            return session.line()


def test_the_first_progress_line_before_any_record_counts_nothing():
    _, probe = _record_probe(None, "explicit")
    assert probe() == (None, "before the first record")
    line = _line(probe)
    assert "before the first record" in line and "record 0" not in line and "records/s" not in line


def test_the_progress_line_after_a_record_gives_the_record_the_frontier_and_the_rate():
    hook, probe = _record_probe(None, "explicit")
    hook(5, 1)
    assert probe() == (5, "record 5, frontier of 1 states")
    line = _line(probe)
    assert "record 5, frontier of 1 states" in line and "records/s" in line
