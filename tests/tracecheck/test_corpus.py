"""`tracecheck corpus`: one verdict per run directory, in corpus order, whatever ran them (this
process, --jobs local processes, or a local Dask cluster of 2 workers started by the test); a
JUnit file with one test case per run; the corpus's exit code; bad input in one run stays that
run's error."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pyspec import UsageError
from tracecheck.cli import main
from tracecheck.corpus import RunTask, corpus_exit_code, dask_client, find_runs, validate_corpus

ROOT = Path(__file__).resolve().parents[2]
MAPPING = str(ROOT / "examples/tracecheck/leader_election.toml")


@pytest.fixture
def corpus(tmp_path):
    c = tmp_path / "corpus"
    c.mkdir()
    shutil.copytree(ROOT / "examples/tracecheck/sample", c / "run-001")
    shutil.copytree(ROOT / "examples/tracecheck/sample-diverging", c / "run-002")
    (c / "run-003").mkdir()
    (c / "run-003" / "node.jsonl").write_text("{bad\n")
    shutil.copytree(ROOT / "examples/tracecheck/sample", c / "run-004")
    (c / "run-005").mkdir()  # no log file in it
    return c


def _tasks(corpus):
    return [RunTask(run, logs, MAPPING) for run, logs in find_runs([str(corpus)])]


def _shape(outcomes):
    return [(Path(o.name).name, o.verdict, o.exit_code, o.headline) for o in outcomes]


EXPECTED = [("run-001", "conforms", 0), ("run-002", "diverges", 1), ("run-003", "error", 2),
            ("run-004", "conforms", 0), ("run-005", "error", 2)]


def test_one_verdict_per_run_in_corpus_order(corpus):
    outcomes = validate_corpus(_tasks(corpus))
    assert [s[:3] for s in _shape(outcomes)] == EXPECTED
    assert "TC202" in outcomes[2].headline and "TC410" in outcomes[4].headline
    assert corpus_exit_code(outcomes) == 1  # a divergence comes first
    assert corpus_exit_code([o for o in outcomes if o.verdict != "diverges"]) == 2
    assert corpus_exit_code([o for o in outcomes if o.verdict == "conforms"]) == 0


def test_local_processes_give_the_same_outcomes(corpus):
    assert _shape(validate_corpus(_tasks(corpus), jobs=2)) == _shape(validate_corpus(_tasks(corpus)))


def test_cli_writes_one_junit_case_per_run(corpus, tmp_path, capsys):
    junit = tmp_path / "corpus.xml"
    rc = main(["corpus", "-m", MAPPING, str(corpus), "--jobs", "2", "--junit", str(junit)])
    out = capsys.readouterr().out
    assert rc == 1
    assert "5 runs: 2 conforms, 1 diverges, 2 error" in out
    suite = ET.parse(junit).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("5", "1", "2")
    cases = suite.findall("testcase")
    assert [Path(c.get("name")).name for c in cases] == [e[0] for e in EXPECTED]
    assert cases[1].find("failure") is not None and cases[2].find("error") is not None
    assert cases[0].find("failure") is None and cases[0].find("error") is None


def test_bad_corpus_arguments_are_usage_errors(corpus, tmp_path, capsys):
    assert main(["corpus", "-m", MAPPING, str(tmp_path / "none")]) == 2
    assert "TC410" in capsys.readouterr().err
    assert main(["corpus", "-m", MAPPING, str(corpus / "run-001")]) == 2  # a run, not a corpus
    assert "no run directories" in capsys.readouterr().err
    assert main(["corpus", "-m", MAPPING, str(corpus), "--jobs", "0"]) == 2
    assert "TC411" in capsys.readouterr().err
    assert main(["corpus", "-m", MAPPING, str(corpus), "--jobs", "2", "--cluster", "tcp://127.0.0.1:9"]) == 2
    assert "TC411" in capsys.readouterr().err


def test_cluster_without_dask_or_without_a_scheduler_is_refused(monkeypatch):
    import sys

    pytest.importorskip("distributed", reason="the extra pyspec[cluster] (dask[distributed]) is not installed")
    with pytest.raises(UsageError) as info:
        dask_client("tcp://127.0.0.1:9", timeout=1)  # nothing listens on the discard port
    assert info.value.code == "TC413"
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the extra were not installed
    with pytest.raises(UsageError) as info:
        dask_client("tcp://127.0.0.1:9")
    assert info.value.code == "TC412" and "pyspec[cluster]" in (info.value.hint or "")


def test_a_local_dask_cluster_gives_the_same_outcomes(corpus):
    distributed = pytest.importorskip("distributed",
                                      reason="the extra pyspec[cluster] (dask[distributed]) is not installed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:
        on_cluster = validate_corpus(_tasks(corpus), cluster=cluster.scheduler_address)
    assert _shape(on_cluster) == _shape(validate_corpus(_tasks(corpus)))
