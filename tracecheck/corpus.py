"""A corpus of runs checked at once (`tracecheck corpus`): one verdict per run directory.

A CI job that runs a system many times keeps each run's logs in a directory of its own:

    corpus/run-001/node0.jsonl, node1.jsonl, ...
    corpus/run-002/...

Each run is validated as `tracecheck validate --mapping MAP corpus/run-001/*` would, with the
same options for every run; the runs are independent, so they are spread over `jobs` local
processes, or over the workers of a Dask cluster (`cluster`, an address such as
tcp://scheduler:8786; the optional extra `pyspec[cluster]`). Each run's outcome is computed
where it runs and comes back as plain data (`RunOutcome`): its exit code, verdict, one-line
headline and full report, so that the caller prints them in corpus order, whatever order the
runs finished in. A run whose logs are bad input (an unreadable file, a malformed record) is
that run's error (exit 2), not the corpus's: the other runs are still checked.
"""

from __future__ import annotations

import fnmatch
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, Sequence
from xml.sax.saxutils import escape, quoteattr

from pyspec import render_error
from pyspec.errors import PyspecError, UsageError
from pyspec.result import EXIT_BAD_INPUT


@dataclass(frozen=True, slots=True)
class RunTask:
    """One run to validate, with every option: plain data, so that it travels to a process or a
    cluster worker, which loads the mapping itself (its generated code does not pickle)."""

    name: str  # the run directory, as given (corpus/run-001)
    logs: tuple[str, ...]
    mapping: str
    params: tuple[tuple[str, str], ...] = ()
    spec: str | None = None
    hidden: int | None = None
    invariants: tuple[str, ...] | None = None
    all_invariants: bool = False
    max_frontier: int = 100_000
    time_limit: float | None = None
    engine: str = "auto"
    max_memory: float | None = None
    z3_after: int = 10_000
    strict_liveness: bool = False


@dataclass(frozen=True, slots=True)
class RunOutcome:
    name: str
    logs: tuple[str, ...]
    exit_code: int
    verdict: str  # conforms, diverges, violated, incomplete, or "error" (bad input)
    headline: str
    report: str  # the run's text report, or its rendered error
    seconds: float


def find_runs(corpora: Sequence[str], pattern: str = "*") -> list[tuple[str, tuple[str, ...]]]:
    """(run directory, its log files) for each subdirectory of each corpus directory, in name
    order; the log files are the run's files matching `pattern`, in name order (a run with none
    is kept, and reported as bad input). UsageError TC410 when a corpus is not a directory or
    holds no run directory."""
    runs = []
    for corpus in corpora:
        if not os.path.isdir(corpus):
            raise UsageError(f"corpus {corpus}: not a directory", hint="give directories whose subdirectories are "
                             "the runs, one subdirectory of log files per run", code="TC410")
        subdirs = sorted(e.name for e in os.scandir(corpus) if e.is_dir() and not e.name.startswith("."))
        if not subdirs:
            raise UsageError(f"corpus {corpus}: no run directories in it", hint="put each run's logs in a "
                             "subdirectory of its own (corpus/run-001/node0.jsonl, ...)", code="TC410")
        for d in subdirs:
            run = os.path.join(corpus, d)
            logs = tuple(os.path.join(run, f) for f in sorted(os.listdir(run))
                         if fnmatch.fnmatch(f, pattern) and not f.startswith(".") and os.path.isfile(os.path.join(run, f)))
            runs.append((run, logs))
    return runs


def validate_run(task: RunTask) -> RunOutcome:
    """Validate one run (in whatever process runs this); never raises for the run's bad input."""
    import tracecheck
    from tracecheck.report import headline, render_text

    started = time.perf_counter()
    try:
        if not task.logs:
            raise UsageError(f"run {task.name}: no log file in it", code="TC410")
        mapping = tracecheck.load_mapping(task.mapping, dict(task.params), task.spec)
        invariants = task.invariants
        if invariants is None and task.all_invariants:
            invariants = mapping.default_invariants()
        r = tracecheck.validate(mapping, task.logs, hidden=task.hidden, invariants=invariants,
                                max_frontier=task.max_frontier, time_limit=task.time_limit, engine=task.engine,
                                max_memory=task.max_memory, started=started, z3_after=task.z3_after,
                                strict_liveness=task.strict_liveness)
    except PyspecError as e:
        return RunOutcome(task.name, task.logs, EXIT_BAD_INPUT, "error", f"error[{e.code}]: {e.message}",
                          render_error(e), round(time.perf_counter() - started, 3))
    return RunOutcome(task.name, task.logs, r.exit_code, r.verdict.value, headline(r), render_text(r),
                      round(time.perf_counter() - started, 3))


def validate_corpus(tasks: Sequence[RunTask], jobs: int = 1, cluster: str | None = None) -> list[RunOutcome]:
    """Every run's outcome, in the order of `tasks`: in this process (jobs 1), on `jobs` local
    processes, or on the Dask cluster at `cluster` (see `dask_client`)."""
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {jobs}", code="TC411")
    if cluster is not None:
        client = dask_client(cluster)
        try:
            futures = client.map(validate_run, list(tasks), pure=False)
            return list(client.gather(futures))
        finally:
            client.close()
    if jobs == 1 or len(tasks) <= 1:
        return [validate_run(t) for t in tasks]
    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks))) as pool:
        return list(pool.map(validate_run, tasks))


def dask_client(address: str, timeout: float = 10) -> Any:
    """A dask.distributed Client connected to the scheduler at `address`; UsageError TC412
    when the optional extra is not installed, TC413 when no scheduler answers."""
    try:
        from distributed import Client
    except ImportError:
        raise UsageError(f"--cluster {address} needs Dask's distributed scheduler, which is not installed",
                         hint="pip install 'pyspec[cluster]' (or dask[distributed]), or leave out --cluster to "
                              "use local processes (--jobs N)", code="TC412") from None
    try:
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError) as e:
        raise UsageError(f"--cluster {address}: no Dask scheduler answers there ({e})",
                         hint="start one (dask scheduler; dask worker ADDRESS on each machine) or check the address",
                         code="TC413") from None


def corpus_exit_code(outcomes: Sequence[RunOutcome]) -> int:
    """1 when a run diverges or violates a property (the finding comes first), else 2 when a
    run's input was bad, else 3 when a run is incomplete, else 0 (every run conforms)."""
    codes = {o.exit_code for o in outcomes}
    for c in (1, EXIT_BAD_INPUT, 3):
        if c in codes:
            return c
    return max(codes, default=0)


def render_corpus_text(outcomes: Sequence[RunOutcome], verbose: bool = False) -> str:
    """One line per run, then the counts; `verbose`: each failing run's report below its line."""
    width = max((len(o.name) for o in outcomes), default=0)
    lines = []
    for o in outcomes:
        lines.append(f"{o.name:<{width}}  {o.verdict.upper():<10} {o.headline}")
        if verbose and o.exit_code != 0:
            lines.extend("    " + x for x in o.report.rstrip("\n").split("\n"))
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.verdict] = counts.get(o.verdict, 0) + 1
    lines.append(f"{len(outcomes)} run{'s' if len(outcomes) != 1 else ''}: "
                 + ", ".join(f"{n} {v}" for v, n in sorted(counts.items())))
    return "\n".join(lines)


def render_corpus_json(outcomes: Sequence[RunOutcome]) -> dict:
    return {"exit_code": corpus_exit_code(outcomes),
            "runs": [{"run": o.name, "logs": list(o.logs), "verdict": o.verdict, "exit_code": o.exit_code,
                      "headline": o.headline, "seconds": o.seconds} for o in outcomes]}


def render_corpus_junit(outcomes: Sequence[RunOutcome], spec: str) -> str:
    """One test case per run: a divergence or violation is a failure, bad input or an
    incomplete run an error (never a pass), with the run's report as the text."""
    cases = []
    for o in outcomes:
        if o.exit_code == 0:
            body = ""
        elif o.exit_code == 1:
            body = f"<failure message={quoteattr(o.headline)} type={quoteattr(o.verdict)}>{escape(o.report)}</failure>"
        else:
            kind = "bad input" if o.verdict == "error" else o.verdict
            body = f"<error message={quoteattr(o.headline)} type={quoteattr(kind)}>{escape(o.report)}</error>"
        cases.append(f'<testcase classname="tracecheck.corpus.{escape(spec)}" name={quoteattr(o.name)} '
                     f'time="{o.seconds}">{body}</testcase>')
    failures = sum(1 for o in outcomes if o.exit_code == 1)
    errors = sum(1 for o in outcomes if o.exit_code not in (0, 1))
    total = round(sum(o.seconds for o in outcomes), 3)
    return "\n".join(['<?xml version="1.0" encoding="utf-8"?>',
                      f'<testsuites><testsuite name="tracecheck corpus" tests="{len(outcomes)}" failures="{failures}" '
                      f'errors="{errors}" time="{total}">', *cases, "</testsuite></testsuites>"]) + "\n"
