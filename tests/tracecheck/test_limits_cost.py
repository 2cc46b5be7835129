"""The CLI bounds memory by default (--max-memory, 75% of RAM). While a timer checks the bounds
(pyspec.limits), the validator must not also read the resident set per record: that read (of
/proc) halved the records per second of every CLI run. Counted, not timed."""

from __future__ import annotations

import pyspec.limits
import tracecheck
from conftest import MAPPING, leader_logs


def test_a_memory_bound_is_not_read_per_record_while_a_timer_checks_it(tmp_path, monkeypatch):
    logs = leader_logs.generate(str(tmp_path), 3000, seed=0)
    reads = []
    real = pyspec.limits.resident_mb

    def counted():
        reads.append(1)
        return real()

    monkeypatch.setattr(pyspec.limits, "resident_mb", counted)
    r = tracecheck.validate(MAPPING, logs, max_memory=1 << 30, engine="explicit")  # the run arms the timer
    assert r.conforms and r.matched == 3000
    assert len(reads) < 300, f"{len(reads)} reads of the resident set for 3,000 records"


def test_a_memory_bound_already_passed_still_stops_the_run(tmp_path):
    logs = leader_logs.generate(str(tmp_path), 300, seed=0)
    r = tracecheck.validate(MAPPING, logs, max_memory=0.001, engine="explicit")
    assert r.verdict.name == "INCOMPLETE" and "memory limit" in r.reason
