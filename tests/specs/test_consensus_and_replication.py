"""Chandra-Toueg consensus and primary-backup replication on the detector environment
(specs/chandra_toueg.spec, specs/primary_backup.spec): verdicts, with the distinct-state counts
of the smallest instances pinned (a changed count is a semantic change to explain). The suite
rows (specs/suite.toml) pin the larger instances."""

import pytest

from pyspec import Verdict, check, check_temporal, load

CT = "specs/chandra_toueg.spec"
PB = "specs/primary_backup.spec"


def _var(spec, state, name):
    return state[spec.var_index(name)]


@pytest.mark.parametrize("fd, states", [("P", 11_168), ("S", 16_400), ("EvP", 20_308), ("EvS", 20_308)])
def test_chandra_toueg_one_round_keeps_agreement_and_validity_under_every_detector(fd, states):
    r = check(load(CT, {"FD": fd, "Rounds": "1", "Early": "1"}), invariants=("Agreement", "Validity"))
    assert r.verdict is Verdict.HOLDS
    assert r.stats["states"] == states


def test_chandra_toueg_coordinator_deciding_on_one_ack_lets_two_values_be_decided():
    params = {"FD": "P", "Rounds": "2", "Early": "2", "Bug": "True"}
    spec = load(CT, params)
    r = check(spec, invariants=("Agreement",))
    assert r.verdict is Verdict.VIOLATED and r.violated == "Agreement"
    assert len(r.trace) == 14
    decided = _var(spec, r.trace.steps[-1].state, "decided")
    assert sorted(v for v in decided if v != -1) == [0, 1]
    # one round has one coordinator: the bug needs a second round to show
    assert check(load(CT, params | {"Rounds": "1", "Early": "1"}), invariants=("Agreement",)).verdict is Verdict.HOLDS


def test_chandra_toueg_terminates_when_every_process_coordinates_a_round_after_gst():
    r = check_temporal(load(CT, {"FD": "EvS", "Rounds": "3", "Early": "0", "NV": "1"}))
    assert r.verdict is Verdict.HOLDS
    assert r.stats["states"] == 3_741


def test_chandra_toueg_runs_out_of_rounds_when_the_anchor_coordinates_none_after_gst():
    spec = load(CT, {"FD": "EvS", "Rounds": "2", "Early": "0", "NV": "1"})
    r = check_temporal(spec)
    assert r.verdict is Verdict.VIOLATED and r.violated == "Termination"
    last = r.trace.steps[-1].state
    assert _var(spec, last, "anchor") == 2  # the anchor would coordinate round 2
    assert all(d == -1 for d in _var(spec, last, "decided"))


def test_primary_backup_one_write_keeps_one_primary_and_no_lost_write_under_p():
    r = check(load(PB, {"FD": "P", "W": "1"}))
    assert r.verdict is Verdict.HOLDS
    assert r.stats["states"] == 76


def test_primary_backup_strong_detector_two_primaries_lose_an_acknowledged_write():
    spec = load(PB, {"FD": "S"})
    r = check(spec, invariants=("NoLostWrite",))
    assert r.verdict is Verdict.VIOLATED and len(r.trace) == 6
    last = r.trace.steps[-1].state
    assert _var(spec, last, "primary") == (True, True)
    lost = [w for w in _var(spec, last, "acked") if not any(w in log for log in _var(spec, last, "log"))]
    assert lost == [1]


def test_primary_backup_epoch_fencing_repairs_the_write_not_the_double_belief():
    assert check(load(PB, {"FD": "S", "Fence": "True"}), invariants=("NoLostWrite",)).stats["states"] == 456
    r = check(load(PB, {"FD": "S", "Fence": "True"}), invariants=("OnePrimary",))
    assert r.verdict is Verdict.VIOLATED and len(r.trace) == 2
