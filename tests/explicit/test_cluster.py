"""The partitioned explicit search on a Dask cluster (`pyspec check --cluster ADDRESS`): on a
local cluster of 2 worker processes started by the test, every explicit suite row (with small
params) gives the one-process search's verdict, distinct-state count and counterexample length;
symmetry reduction too. Skipped only when the extra pyspec[cluster] is not installed."""

from __future__ import annotations

import sys

import pytest

from pyspec import UsageError, Verdict, load
from pyspec.api import check
from pyspec.explicit.cluster import cluster_client

from tests.explicit.test_store_modes import ROWS, _search, _shape

pytestmark = pytest.mark.xdist_group("dask_cluster")  # one worker of the test run starts the cluster, once


@pytest.fixture(scope="module")
def address():
    distributed = pytest.importorskip("distributed",
                                      reason="the extra pyspec[cluster] (dask[distributed]) is not installed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_every_suite_row_gives_the_one_process_search(address, row):
    one, two = _search(row), _search(row, cluster=address)
    assert _shape(two) == _shape(one), row.name
    assert two.stats["cluster_workers"] == 2


def test_symmetric_search_on_the_cluster_replays_a_real_trace(address):
    spec = load("specs/raft_votes.spec", {"MaxTerm": "2"})
    safe = check(spec, ["ElectionSafety"], cluster=address)
    assert safe.verdict is Verdict.HOLDS and safe.stats["states"] == 1362
    bad, local = check(spec, ["AtMostOneLeader"], cluster=address), check(spec, ["AtMostOneLeader"])
    assert bad.verdict is Verdict.VIOLATED and len(bad.trace) == len(local.trace)
    from pyspec.api import compile_spec

    compiled = compile_spec(spec)
    for before, after in zip(bad.trace.steps, bad.trace.steps[1:]):
        (inst,) = [i for i in range(len(compiled.instances)) if compiled.describe_instance(i) == (after.action, after.args)]
        assert after.state in compiled.run_instance(before.state, inst)


def test_cluster_without_dask_or_without_a_scheduler_is_refused(monkeypatch):
    pytest.importorskip("distributed", reason="the extra pyspec[cluster] (dask[distributed]) is not installed")
    with pytest.raises(UsageError) as info:
        cluster_client("tcp://127.0.0.1:9", timeout=1)  # nothing listens on the discard port
    assert info.value.code == "PS645"
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the extra were not installed
    with pytest.raises(UsageError) as info:
        check(load("specs/raft_votes.spec", {"MaxTerm": "1"}), cluster="tcp://127.0.0.1:9")
    assert info.value.code == "PS644"


def test_cli_routes_cluster_to_the_explicit_search_and_refuses_it_elsewhere(address, capsys):
    from pyspec.cli import main

    assert main(["check", "specs/raft_votes.spec", "-D", "MaxTerm=1", "--invariant", "ElectionSafety",
                 "--cluster", address]) == 0
    assert "1 distinct state" not in capsys.readouterr().out
    assert main(["check", "specs/raft_votes.spec", "--engine", "bmc", "--depth", "2", "--cluster", address]) == 2
    assert "PS630" in capsys.readouterr().err
    assert main(["check", "specs/raft_votes.spec", "--workers", "2", "--cluster", address]) == 2
    assert "PS630" in capsys.readouterr().err
