"""The `tracecheck` command: parse arguments, call the library, render the result, return the
exit code (0 conforms, 1 diverges, 2 bad input, 3 incomplete, 70 internal error).

No checking logic lives here. User errors render as `file:line:col` with the line and a caret.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from dataclasses import dataclass
from typing import Sequence

import pyspec
from pyspec import error_json, render_error
from pyspec.errors import PyspecError, UsageError
from pyspec.limits import Budget, LimitReached, default_max_memory
from pyspec.progress import Interrupted, Session, enabled as progress_enabled, streams_guarded, watch
from pyspec.result import EXIT_BAD_INPUT, EXIT_INTERNAL, Verdict


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        self.print_usage(sys.stderr)
        print(f"tracecheck: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


@dataclass(frozen=True, slots=True)
class Options:
    mapping: str
    logs: tuple[str, ...]
    params: dict[str, str]
    hidden: int | None
    invariants: tuple[str, ...] | None
    all_invariants: bool
    max_frontier: int
    time_limit: float | None
    engine: str
    json: bool
    junit: str | None
    max_memory: float | None = None
    html: str | None = None  # also write the HTML timeline of the log here
    progress: bool | None = None  # None: on when stderr is a terminal
    spec: str | None = None  # --spec: instead of the mapping's spec file
    z3_after: int = 10_000  # --engine auto: Z3 takes over past this many states
    strict_liveness: bool = False  # leadsto obligations open at the end of the log fail the run


def _record_probe(series, engine: str):
    """An `on_frontier` hook that keeps the record and the frontier's size for the progress
    reporter (and passes them on to `series`, the HTML page's), and the probe that reads them."""
    track = [0, 0]

    def hook(n: int, size: int) -> None:
        track[0] = n
        track[1] = size
        if series is not None:
            series(n, size)

    def probe() -> tuple[int | None, str]:
        if engine == "z3":  # the states stay symbolic: no frontier to count
            return None, "records encoded for Z3"
        if not track[0]:  # setting up (the initial states) or reading the first record: nothing to count yet
            return None, "before the first record"
        return track[0], f"record {track[0]:,}, frontier of {track[1]:,} states"

    return hook, probe


def _param(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    name, value = text.split("=", 1)
    return name.strip(), value.strip()


def _build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="tracecheck", description="Check the logs of a running system against a pyspec specification.")
    p.add_argument("--version", action="version", version=f"tracecheck {pyspec.version()}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    v = sub.add_parser("validate", help="is the log a behaviour of the spec? (exit 0 conforms, 1 diverges, 3 incomplete)")
    v.add_argument("logs", nargs="+", metavar="LOG", help="log files (plain or gzip), one per node is normal; - for stdin")
    v.add_argument("--mapping", "-m", required=True, help="the mapping file (TOML)")
    v.add_argument("-D", dest="params", action="append", type=_param, default=[], metavar="NAME=VALUE",
                   help="override a spec param of the mapping (repeatable)")
    v.add_argument("--hidden", type=int, default=None, metavar="H",
                   help="allow up to H unlogged steps (of the mapping's [hidden] actions) before each record; "
                        "default: the mapping's [hidden] bound, else 0")
    v.add_argument("--invariants", action="store_true", help="evaluate the spec's invariants on the reconstructed states")
    v.add_argument("--invariant", action="append", dest="invariant", metavar="NAME",
                   help="evaluate this invariant (repeatable; implies --invariants)")
    v.add_argument("--max-frontier", type=int, default=100_000, metavar="N",
                   help="stop (incomplete) when more than N spec states are consistent with the log")
    v.add_argument("--time-limit", type=float, default=None, metavar="S",
                   help="stop (incomplete) after S seconds (checked every 20 ms of CPU time, inside one record too)")
    memory = default_max_memory()
    v.add_argument("--max-memory", type=float, default=memory, metavar="MB",
                   help=f"stop (incomplete) when the resident set passes MB megabytes (default: 75%% of physical "
                        f"memory, {memory} MB here)")
    v.add_argument("--engine", choices=("auto", "explicit", "z3"), default="auto",
                   help="auto (default): explicit, then Z3 from the first record when more than --z3-after states are "
                        "consistent with the log")
    v.add_argument("--z3-after", type=int, default=10_000, metavar="N",
                   help="with --engine auto, move to Z3 past N states (default 10,000)")
    v.add_argument("--spec", metavar="FILE", help="check against this spec instead of the mapping's [spec] file")
    v.add_argument("--strict-liveness", action="store_true",
                   help="fail (exit 1) when a `leadsto` obligation of the spec is still pending at the end of the log "
                        "(by default a warning)")
    v.add_argument("--json", action="store_true", help="machine-readable output")
    v.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report to FILE (bad input too: one error)")
    v.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="report progress on stderr about every 2 s (default: only when stderr is a terminal)")
    v.add_argument("--html", metavar="FILE", help="also write the log as a self-contained HTML timeline to FILE "
                                                  "(per-node lanes, invariant spans, the divergence; docs/timelines.md)")
    c = sub.add_parser("corpus", help="validate many runs, one directory of logs each: one verdict per run "
                                      "(exit 0 all conform, 1 one diverges, 2 bad input, 3 incomplete)")
    c.add_argument("corpora", nargs="+", metavar="CORPUS", help="directories whose subdirectories are the runs")
    c.add_argument("--mapping", "-m", required=True, help="the mapping file (TOML), the same for every run")
    c.add_argument("--glob", default="*", metavar="PATTERN", help="a run's log files: those matching PATTERN (default *)")
    c.add_argument("--jobs", type=int, default=1, metavar="N", help="validate N runs at a time, on local processes")
    c.add_argument("--cluster", metavar="ADDRESS",
                   help="validate the runs on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786; "
                        "needs the extra pyspec[cluster]) instead of local processes")
    c.add_argument("-D", dest="params", action="append", type=_param, default=[], metavar="NAME=VALUE",
                   help="override a spec param of the mapping (repeatable)")
    c.add_argument("--spec", metavar="FILE", help="check against this spec instead of the mapping's [spec] file")
    c.add_argument("--hidden", type=int, default=None, metavar="H", help="as for validate")
    c.add_argument("--invariants", action="store_true", help="evaluate the spec's invariants on each run's states")
    c.add_argument("--invariant", action="append", dest="invariant", metavar="NAME", help="as for validate (repeatable)")
    c.add_argument("--max-frontier", type=int, default=100_000, metavar="N", help="as for validate, per run")
    c.add_argument("--engine", choices=("auto", "explicit", "z3"), default="auto", help="as for validate")
    c.add_argument("--z3-after", type=int, default=10_000, metavar="N", help="as for validate")
    c.add_argument("--strict-liveness", action="store_true", help="as for validate")
    c.add_argument("--time-limit", type=float, default=None, metavar="S", help="stop a run (incomplete) after S seconds")
    c.add_argument("--max-memory", type=float, default=memory, metavar="MB",
                   help="stop a run (incomplete) when its process's resident set passes MB megabytes")
    c.add_argument("--verbose", "-v", action="store_true", help="print the report of each run that does not conform")
    c.add_argument("--json", action="store_true", help="machine-readable output")
    c.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report to FILE: one test case per run")
    return p


def run_corpus(ns: argparse.Namespace) -> int:
    """`tracecheck corpus`: every run of the corpora, one verdict each (tracecheck.corpus)."""
    from tracecheck.corpus import (RunTask, corpus_exit_code, find_runs, render_corpus_json, render_corpus_junit,
                                   render_corpus_text, validate_corpus)

    if ns.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {ns.jobs}", code="TC411")
    if ns.cluster is not None and ns.jobs != 1:
        raise UsageError("--jobs counts local processes, and --cluster runs on the cluster's workers",
                         hint="leave out --jobs with --cluster (the cluster has as many workers as were started)",
                         code="TC411")
    runs = find_runs(ns.corpora, ns.glob)
    tasks = [RunTask(run, logs, ns.mapping, tuple(ns.params), ns.spec, ns.hidden,
                     tuple(ns.invariant) if ns.invariant else None, ns.invariants, ns.max_frontier, ns.time_limit,
                     ns.engine, ns.max_memory, ns.z3_after, ns.strict_liveness) for run, logs in runs]
    outcomes = validate_corpus(tasks, ns.jobs, ns.cluster)
    print(json.dumps(render_corpus_json(outcomes), indent=2) if ns.json else render_corpus_text(outcomes, ns.verbose))
    if ns.junit:
        spec = os.path.splitext(os.path.basename(ns.spec or ns.mapping))[0]
        try:
            with open(ns.junit, "w", encoding="utf-8") as f:
                f.write(render_corpus_junit(outcomes, spec))
        except OSError as e:
            print(f"tracecheck: error: cannot write {ns.junit}: {e.strerror}", file=sys.stderr)
            return EXIT_BAD_INPUT
    return corpus_exit_code(outcomes)


def parse_options(argv: Sequence[str] | None) -> Options:
    ns = _build_parser().parse_args(argv)
    return Options(ns.mapping, tuple(ns.logs), dict(ns.params), ns.hidden, tuple(ns.invariant) if ns.invariant else None,
                   ns.invariants, ns.max_frontier, ns.time_limit, ns.engine, ns.json, ns.junit, ns.max_memory,
                   ns.html, ns.progress, ns.spec, ns.z3_after, ns.strict_liveness)


def run(o: Options) -> int:
    import tracecheck
    from tracecheck.report import render_json, render_junit, render_text
    from tracecheck.validate import stopped_before_records

    started = time.perf_counter()  # the time limit counts from here: loading the mapping and spec too
    series = None
    if o.html:
        from tracecheck.html import FrontierSeries

        if "-" in o.logs:
            raise UsageError("--html reads the logs a second time, so it cannot read standard input",
                             hint="save the log to a file first", code="TC310")
        _check_writable(o.html)
        series = FrontierSeries()
    mapping = None
    tracecheck.check_limits(o.time_limit, o.max_memory)
    try:
        with Budget(o.time_limit, o.max_memory, started):
            mapping = tracecheck.load_mapping(o.mapping, o.params, o.spec)
    except LimitReached as stop:
        result = stopped_before_records("the spec", o.mapping, o.logs, o.engine, stop, "loading the mapping and its spec", started)
    else:
        for w in mapping.warnings:  # the mapping loads; what may be a mistake is said on stderr
            print(w, file=sys.stderr)
        invariants = o.invariants
        if invariants is None and o.all_invariants:
            invariants = mapping.default_invariants()
            if not invariants:  # --invariants must check something, or say it cannot
                included = [i.name for i in mapping.spec.invariants]
                raise UsageError(f"--invariants, but spec {mapping.spec.name} has no invariant of its own"
                                 + (f" (its included ones: {', '.join(included)})" if included else ""),
                                 hint="name the invariants to check with --invariant NAME (repeatable)", code="TC306")
        hook, probe = _record_probe(series, o.engine)
        with watch(probe, "records"):
            result = tracecheck.validate(mapping, o.logs, hidden=o.hidden, invariants=invariants, max_frontier=o.max_frontier,
                                         time_limit=o.time_limit, engine=o.engine, max_memory=o.max_memory,
                                         started=started, on_frontier=hook, z3_after=o.z3_after,
                                         strict_liveness=o.strict_liveness)
        for text in result.warnings:  # decided on the records read (a `when` key none of them has)
            print(text, file=sys.stderr)
    print(render_json(result) if o.json else render_text(result))
    if o.html:  # a page that cannot be built or written is a note on stderr: the verdict's exit code stands
        _write_html(o.html, result, mapping, o.logs, series.points if series is not None else [], o, started)
    if o.junit:
        try:
            with open(o.junit, "w", encoding="utf-8") as f:
                f.write(render_junit(result))
        except OSError as e:
            print(f"tracecheck: error: cannot write {o.junit}: {e.strerror}", file=sys.stderr)
            return EXIT_BAD_INPUT
    return result.exit_code


def _check_writable(path: str) -> None:
    """TC311 before the run when the --html page could not be written at its end."""
    where = os.path.dirname(os.path.abspath(path))
    why = None
    if os.path.isdir(path):
        why = "it is a directory"
    elif not os.path.isdir(where):
        why = f"directory {where} does not exist"
    elif not os.access(where, os.W_OK | os.X_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        why = "permission denied"
    if why is not None:
        raise UsageError(f"cannot write --html {path}: {why}", hint="choose a file in a writable directory", code="TC311")


def _write_html(path: str, result, mapping, logs: tuple[str, ...], frontier: list, o: Options, started: float) -> None:
    """Writes the timeline page, built under the run's time and memory limits (counted from
    `started`); a page that cannot be built or written is reported on stderr."""
    from pyspec.report.timeline_html import render_html
    from tracecheck import read_logs
    from tracecheck.html import log_timeline

    try:
        with Budget(o.time_limit, o.max_memory, started):
            records = read_logs(logs, mapping.log) if mapping is not None and result.records else iter(())
            page = render_html(log_timeline(result, mapping, records, frontier))
    except LimitReached as stop:
        print(f"tracecheck: note: the HTML page {path} was not written: {stop.reason} while building it "
              "(the page is built within --time-limit and --max-memory)",
              file=sys.stderr)
        return
    except PyspecError as e:
        print(render_error(e), file=sys.stderr)
        print(f"tracecheck: note: the HTML page {path} was not written", file=sys.stderr)
        return
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(page)
    except OSError as e:
        print(render_error(UsageError(f"cannot write {path}: {e.strerror}", code="TC311")), file=sys.stderr)
    else:
        print(f"wrote the timeline to {path}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    # stdout's reader may go away (`| head`): the verdict's exit code and the files asked for stand
    with streams_guarded():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    ns = _build_parser().parse_args(argv)
    if ns.command == "corpus":
        try:
            return run_corpus(ns)
        except PyspecError as e:
            print(render_error(e), file=sys.stderr)
            return EXIT_BAD_INPUT
    o = parse_options(argv)
    try:  # Ctrl-C, SIGTERM, SIGHUP stop the work like a limit (pyspec.progress): INCOMPLETE with what was done
        with Session(progress_enabled(o.progress, sys.stderr)):
            return run(o)
    except PyspecError as e:
        print(render_error(e), file=sys.stderr)
        if o.json:
            print(json.dumps(error_json(e), indent=2))
        if o.junit:
            from tracecheck.report import render_junit_error

            try:
                with open(o.junit, "w", encoding="utf-8") as f:
                    f.write(render_junit_error(render_error(e), f"error[{e.code}]: {e.message}"))
            except OSError as w:
                print(f"tracecheck: error: cannot write {o.junit}: {w.strerror}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (LimitReached, KeyboardInterrupt) as stop:  # a stop outside the validator (loading, printing)
        reason = f"stopped: {(stop if isinstance(stop, LimitReached) else Interrupted()).reason}"
        if o.json:
            print(json.dumps({"verdict": Verdict.INCOMPLETE.value, "exit_code": Verdict.INCOMPLETE.exit_code,
                              "reason": reason}, indent=2))
        else:
            print(f"tracecheck validate\nINCOMPLETE: {reason}")
        return Verdict.INCOMPLETE.exit_code
    except Exception:
        print("tracecheck: internal error (please report it with the command that caused it):", file=sys.stderr)
        traceback.print_exc()
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
