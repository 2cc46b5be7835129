"""The `pyspec` command: parse arguments, call the library, render the result, return the exit code.

No checking logic lives here. User errors render as `file:line:col` with a caret and exit 2;
anything unexpected prints "internal error" with the traceback and exits 70.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from dataclasses import dataclass
from typing import Sequence

import pyspec
from pyspec import api
from pyspec.errors import PyspecError, UsageError
from pyspec.lang.types import format_value
from pyspec.report.errors import error_json, render_error, render_warnings
from pyspec.report.result import render_json, render_text
from pyspec.report.show import render_spec
from pyspec.limits import Budget, LimitReached, default_max_memory
from pyspec.progress import Interrupted, Session, enabled as progress_enabled, streams_guarded
from pyspec.result import EXIT_BAD_INPUT, EXIT_INTERNAL, Verdict


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 on its own; keep its message, our format
        self.print_usage(sys.stderr)
        print(f"pyspec: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


@dataclass(frozen=True, slots=True)
class Options:
    command: str
    spec: str
    params: dict[str, str]
    invariants: tuple[str, ...] | None
    json: bool
    engine: str = "explicit"
    max_states: int | None = None
    depth: int | None = None
    deadlock: bool = False
    time_limit: float | None = None
    runs: int = 100
    steps: int = 50
    seed: int = 0
    timeout: float | None = None
    aux: tuple[str, ...] = ()
    k: int = 1
    witness: tuple[str, ...] = ()
    max_memory: float | None = None
    progress: bool | None = None  # None: on when stderr is a terminal
    html: str | None = None  # also write the HTML timeline of the result's trace here
    include_path: tuple[str, ...] = ()  # -I DIR: folders searched by `include`
    temporals: tuple[str, ...] | None = None  # `check --temporal NAME` (None: not named)
    workers: int = 1  # explicit check: processes
    fingerprint: bool = False  # explicit check: keep 64-bit hashes of states, not the states
    symmetric: tuple[str, ...] = ()  # check --symmetry TYPE: declared symmetric as by `symmetric type`
    no_symmetry: bool = False  # check --no-symmetry: every state, not one per orbit
    cluster: str | None = None  # check --cluster ADDRESS: the explicit search on a Dask cluster
    backend: str = "python"  # explicit check: "c" for the native search


def _param(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    name, value = text.split("=", 1)
    return name.strip(), value.strip()


def _build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="pyspec", description="Check executable specifications of distributed protocols.")
    p.add_argument("--version", action="version", version=f"pyspec {pyspec.version()}")
    memory = default_max_memory()  # MB, shown in --help
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(sp):
        sp.add_argument("spec", help="the .spec file")
        sp.add_argument("-D", dest="params", action="append", type=_param, default=[], metavar="NAME=VALUE",
                        help="override a param (repeatable)")
        sp.add_argument("-I", dest="include_path", action="append", default=[], metavar="DIR",
                        help="look for included files in DIR too, after the including file's folder (repeatable; "
                             "then PYSPEC_PATH, then the library shipped with pyspec)")
        sp.add_argument("--json", action="store_true", help="machine-readable output (traces in ITF)")

    def page(sp):
        sp.add_argument("--html", metavar="FILE", default=None,
                        help="also write the counterexample as a self-contained HTML timeline (docs/timelines.md)")

    memory_help = (f"stop (incomplete) when the resident set passes MB megabytes (default: 75%% of physical "
                   f"memory, {memory} MB here)")

    def limits(sp):
        sp.add_argument("--time-limit", type=float, default=None, metavar="S",
                        help="stop (incomplete) after S seconds, counted from the start: loading, compiling, "
                             "enumerating, encoding, searching and solving alike (checked every 20 ms of CPU "
                             "time, inside one expansion too; each Z3 check gets at most the time left)")
        sp.add_argument("--max-memory", type=float, default=memory, metavar="MB", help=memory_help)
        progress(sp)

    def progress(sp):
        sp.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="report progress on stderr about every 2 s (default: only when stderr is a terminal)")

    c = sub.add_parser("check", help="check invariants on every reachable state (or by BMC)")
    common(c)
    c.add_argument("--invariant", action="append", dest="invariants", metavar="NAME",
                   help="check only this invariant (repeatable); default: all")
    c.add_argument("--temporal", action="append", dest="temporals", metavar="NAME",
                   help="check this temporal property under the spec's fairness (repeatable); default: all of "
                        "them, after the invariants, unless --invariant names some. Naming one checks only "
                        "what is named")
    c.add_argument("--engine", choices=("explicit", "bmc"), default="explicit")
    c.add_argument("--max-states", type=int, default=None, help="stop (verdict incomplete) after N states")
    c.add_argument("--workers", type=int, default=1, metavar="N",
                   help="explicit engine: search on N processes, states partitioned by hash (default 1)")
    c.add_argument("--fingerprint", action="store_true",
                   help="explicit engine: keep a 64-bit hash of each state, not the state (less memory; "
                        "a search that finds nothing is then incomplete, with the probability of a missed state)")
    c.add_argument("--cluster", metavar="ADDRESS",
                   help="explicit engine: search on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786; "
                        "needs the extra pyspec[cluster]), states partitioned over its workers")
    c.add_argument("--symmetry", action="append", default=[], metavar="TYPE",
                   help="declare type TYPE symmetric, as `symmetric type` does (repeatable): the explicit engine "
                        "keeps one state per orbit; refused where the spec singles out a value of TYPE")
    c.add_argument("--no-symmetry", action="store_true",
                   help="explicit engine: search every state, not one per orbit of the spec's symmetric types")
    c.add_argument("--backend", choices=("python", "c"), default="python",
                   help="explicit engine: search in Python (default) or in C generated from the spec and built "
                        "with the system C compiler (the same counts, verdicts and traces; a spec outside its "
                        "fragment is refused)")
    limits(c)
    c.add_argument("--depth", type=int, default=None, metavar="K", help="BMC depth (with --engine bmc only)")
    c.add_argument("--timeout", type=float, default=None, metavar="S", help="BMC: Z3 timeout per check (unknown when hit)")
    c.add_argument("--deadlock", action="store_true", help="also report a reachable state with no enabled action")
    c.add_argument("--witness", action="append", default=[], metavar="NAME",
                   help="print the shortest trace to a state satisfying reachable property NAME (repeatable)")
    page(c)

    s = sub.add_parser("simulate", help="random walks, seeded")
    common(s)
    s.add_argument("--invariant", action="append", dest="invariants", metavar="NAME",
                   help="check only this invariant (repeatable); default: all")
    s.add_argument("--runs", type=int, default=100, metavar="N", help="number of random walks (default: 100)")
    s.add_argument("--steps", type=int, default=50, metavar="N", help="steps per walk at most (default: 50)")
    s.add_argument("--seed", type=int, default=0, help="random seed: the same seed gives the same walks (default: 0)")
    s.add_argument("--deadlock", action="store_true", help="also report a walk that reaches a state with no enabled action")
    page(s)
    limits(s)

    pr = sub.add_parser("prove", help="prove an invariant inductive (or k-inductive) with Z3")
    common(pr)
    pr.add_argument("--invariant", required=True, action="append", dest="invariants", metavar="NAME",
                    help="the invariant to prove (one; strengthen it with --with)")
    pr.add_argument("--with", dest="aux", action="append", default=[], metavar="AUX",
                    help="an auxiliary invariant to strengthen it with (repeatable)")
    pr.add_argument("--k", type=int, default=1, help="k-induction depth (default 1: plain induction)")
    pr.add_argument("--timeout", type=float, default=None, metavar="S", help="Z3 timeout per obligation")
    page(pr)
    limits(pr)

    sy = sub.add_parser("synth", help="search a table for the spec's unknown functions (bounded exists-forall, Z3)")
    common(sy)
    sy.add_argument("--depth", type=int, required=True, help="every run of at most K steps must keep the properties")
    sy.add_argument("--invariant", action="append", dest="invariants", metavar="NAME",
                    help="keep only this invariant (repeatable); default: the spec's own")
    sy.add_argument("--timeout", type=float, default=None, metavar="S", help="Z3 timeout per check (unknown when hit)")
    limits(sy)

    sh = sub.add_parser("show", help="print the parsed spec with resolved types and params")
    common(sh)

    vw = sub.add_parser("view", help="write the HTML timeline of an ITF trace (ours, Apalache's or Quint's)")
    vw.add_argument("trace", help="an ITF trace (.itf.json), the output of pyspec check/simulate/prove ... --json, or - (stdin)")
    vw.add_argument("-o", "--output", required=True, metavar="FILE", help="the HTML file to write")

    su = sub.add_parser("suite", help="run every check of a TOML suite file against its expected verdict")
    su.add_argument("suite", help="the suite file, e.g. specs/suite.toml")
    su.add_argument("--only", metavar="TEXT", help="run only the rows whose name contains TEXT")
    su.add_argument("--json", action="store_true")
    progress(su)

    sub.add_parser("lsp", help="serve the language server protocol on stdin/stdout, for editors (docs/editor.md)")
    return p


def _options(ns: argparse.Namespace) -> Options:
    return Options(
        command=ns.command,
        spec=ns.spec,
        params=dict(ns.params),
        invariants=_invariants(ns),
        json=ns.json,
        engine=getattr(ns, "engine", "explicit"),
        max_states=getattr(ns, "max_states", None),
        depth=getattr(ns, "depth", None),
        deadlock=getattr(ns, "deadlock", False),
        time_limit=getattr(ns, "time_limit", None),
        runs=getattr(ns, "runs", 100),
        steps=getattr(ns, "steps", 50),
        seed=getattr(ns, "seed", 0),
        timeout=getattr(ns, "timeout", None),
        aux=tuple(getattr(ns, "aux", ()) or ()),
        k=getattr(ns, "k", 1),
        witness=tuple(getattr(ns, "witness", ()) or ()),
        max_memory=getattr(ns, "max_memory", None),
        progress=getattr(ns, "progress", None),
        html=getattr(ns, "html", None),
        include_path=tuple(getattr(ns, "include_path", ()) or ()),
        temporals=tuple(ns.temporals) if getattr(ns, "temporals", None) else None,
        workers=getattr(ns, "workers", 1),
        fingerprint=getattr(ns, "fingerprint", False),
        symmetric=tuple(getattr(ns, "symmetry", ()) or ()),
        no_symmetry=getattr(ns, "no_symmetry", False),
        cluster=getattr(ns, "cluster", None),
        backend=getattr(ns, "backend", "python"),
    )


def _invariants(ns: argparse.Namespace) -> tuple[str, ...] | None:
    return tuple(ns.invariants) if getattr(ns, "invariants", None) else None


def _header(o: Options, spec) -> str:
    params = ", ".join(f"{n}={format_value(t, v)}" for n, v, t in spec.params)
    return f"pyspec {o.command} {o.spec}" + (f" ({params})" if params else "")


def run_suite(path: str, only: str | None, as_json: bool) -> int:
    from pyspec.report.suite import header, render_suite, row_line, suite_json, widths
    from pyspec.result import SuiteResult
    from pyspec.suite import load_suite, run_suite as _run_suite

    done: list = []  # the rows run so far, for the summary when Ctrl-C stops the suite
    ws = widths(r.name for r in load_suite(path) if not only or only.lower() in r.name.lower())

    def row(rr) -> None:
        done.append(rr)
        if not as_json:
            print(row_line(rr, ws), flush=True)

    if not as_json:
        print(header(ws), flush=True)
    try:
        res = _run_suite(path, only, progress=row)
    except Interrupted as stop:
        res = SuiteResult(path, tuple(done))
        reason = f"stopped: {stop.reason} after {len(done)} row(s); {stop.hint}"
        if as_json:
            print(json.dumps({**suite_json(res), "ok": False, "verdict": Verdict.INCOMPLETE.value,
                              "reason": reason}, indent=2))
        else:
            print(render_suite(res, printed_rows=True) + f"\nINCOMPLETE: {reason}")
        return Verdict.INCOMPLETE.exit_code
    if as_json:
        print(json.dumps(suite_json(res), indent=2))
    else:
        print(render_suite(res, printed_rows=True))
    return 0 if res.ok else 1


def _refuse_unused(o: Options) -> None:
    """No option is silently dropped: one the chosen engine does not read is a UsageError
    before any work (tests/test_cli_flags_are_honoured.py keeps this list complete)."""
    if o.command == "prove" and o.invariants is not None and len(o.invariants) > 1:
        raise UsageError(f"prove takes one --invariant, not {len(o.invariants)} ({', '.join(o.invariants)})",
                         hint="prove them one at a time; to prove one with the help of another, "
                              f"--invariant {o.invariants[0]} --with {o.invariants[1]}", code="PS631")
    if o.command == "prove" and o.invariants and o.invariants[0] in o.aux:
        raise UsageError(f"--with {o.invariants[0]} names the invariant being proved: it adds nothing",
                         hint="--with takes other invariants that make the one proved inductive", code="PS631")
    if o.command != "check":
        return  # every other command reads each of its options
    if o.engine != "bmc" and o.depth is not None:
        raise UsageError(f"--depth {o.depth} needs --engine bmc: the explicit engine explores every depth",
                         hint="add --engine bmc, or bound the explicit search with --max-states", code="PS615")
    if o.engine != "bmc" and o.timeout is not None:
        raise UsageError(f"--timeout {o.timeout:g} is Z3's limit per check: the explicit engine does not use it",
                         hint="bound the explicit search with --time-limit S (the whole run) or --max-states N, "
                              "or add --engine bmc --depth K", code="PS630")
    if o.backend != "python" and o.engine == "bmc":
        raise UsageError(f"--backend {o.backend} is a back end of the explicit engine, not of --engine bmc",
                         hint="leave --backend out with --engine bmc", code="PS652")
    if o.engine == "bmc" and (o.workers != 1 or o.fingerprint or o.no_symmetry or o.cluster):
        flag = ("--fingerprint" if o.fingerprint else "--no-symmetry" if o.no_symmetry else
                "--cluster" if o.cluster else "--workers")
        raise UsageError(f"{flag} is an option of the explicit engine",
                         hint="leave it out with --engine bmc", code="PS630")
    if o.engine == "bmc" and o.max_states is not None:
        raise UsageError(f"--max-states {o.max_states} bounds the explicit engine's search: --engine bmc does not "
                         "count states", hint="bound BMC with --depth K (and --time-limit S or --timeout S), "
                                              "or leave out --engine bmc", code="PS630")


def run(o: Options) -> int:
    started = time.perf_counter()
    api.check_limits(o.time_limit, o.max_memory)  # before any bound is armed
    if o.html:
        check_page_path(o.html)  # before the work, not after it
    _refuse_unused(o)
    try:  # the limits hold while the spec is parsed, typed and its params evaluated too
        with Budget(o.time_limit, o.max_memory, started):
            spec = api.load(o.spec, o.params, include_path=o.include_path, symmetric=o.symmetric)
        if spec.warnings:
            print(render_warnings(spec.warnings), file=sys.stderr)
    except LimitReached as stop:
        print(f"pyspec {o.command} {o.spec}\nINCOMPLETE: stopped: {stop.reason} while loading the spec; {stop.hint}")
        return Verdict.INCOMPLETE.exit_code
    if o.command == "show":
        print(json.dumps(api.describe(spec), indent=2) if o.json else render_spec(spec))
        return 0
    if o.command == "check" and (o.temporals is not None or (o.invariants is None and spec.default_temporals())):
        return _check_with_temporal(o, spec, started)
    if o.command == "check":
        # the spec's own reachable properties, and any other one named by --witness
        reach = tuple(dict.fromkeys((*spec.default_reachables(), *o.witness))) if o.witness else None
        if o.engine == "bmc":
            if o.depth is None:
                raise UsageError("--engine bmc needs --depth K", code="PS608")
            result = api.bmc(spec, depth=o.depth, invariants=o.invariants, timeout=o.timeout, reachables=reach,
                             time_limit=o.time_limit, max_memory=o.max_memory, started=started, deadlock=o.deadlock)
        else:
            result = api.check(
                spec,
                invariants=o.invariants,
                max_states=o.max_states,
                deadlock=o.deadlock,
                time_limit=o.time_limit,
                reachables=reach,
                max_memory=o.max_memory,
                started=started,
                workers=o.workers,
                fingerprint=o.fingerprint,
                symmetry=not o.no_symmetry,
                cluster=o.cluster,
                backend=o.backend,
            )
    elif o.command == "prove":
        from pyspec.report.proof import render_proof_json, render_proof_text

        assert o.invariants is not None, "argparse requires --invariant for prove"
        proof = api.prove(spec, o.invariants[0], aux=o.aux, k=o.k, timeout=o.timeout,
                          time_limit=o.time_limit, max_memory=o.max_memory, started=started)
        print(render_proof_json(proof) if o.json else render_proof_text(proof, _header(o, spec)))
        if o.html:
            from pyspec.report.pages import proof_timeline

            _page_after_verdict(o.html, lambda: proof_timeline(proof, spec, _header(o, spec), explainer=_explainer(spec)))
        return proof.exit_code
    elif o.command == "synth":
        from pyspec.report.synth import render_synth_json, render_synth_text

        assert o.depth is not None, "argparse requires --depth for synth"
        sr = api.synth(spec, depth=o.depth, invariants=o.invariants, timeout=o.timeout,
                       time_limit=o.time_limit, max_memory=o.max_memory, started=started)
        print(render_synth_json(sr) if o.json else render_synth_text(sr, _header(o, spec)))
        return sr.exit_code
    elif o.command == "simulate":
        result = api.simulate(spec, runs=o.runs, steps=o.steps, seed=o.seed, invariants=o.invariants, deadlock=o.deadlock,
                              max_memory=o.max_memory, time_limit=o.time_limit, started=started)
    else:
        raise AssertionError(o.command)
    print(render_json(result, o.witness) if o.json else render_text(result, _header(o, spec), o.witness))
    if o.html:
        from pyspec.report.pages import result_timeline

        _page_after_verdict(o.html, lambda: result_timeline(result, spec, _header(o, spec), explainer=_explainer(spec)))
    return result.exit_code


def _check_with_temporal(o: Options, spec, started: float) -> int:
    """`pyspec check` of a spec with temporal properties: the invariants and reachable
    properties (unless there are none, or only --temporal names were given), then, when they
    hold, the temporal properties; printed one after the other (in JSON, the temporal result
    under "temporal"). With --engine bmc, both are bounded: no violation, and no fair lasso,
    up to depth K (pyspec.symbolic.lasso), never "holds"."""
    bmc = o.engine == "bmc"
    if bmc and o.depth is None:
        raise UsageError("--engine bmc needs --depth K", code="PS608")
    if o.backend != "python":
        raise UsageError(f"--backend {o.backend} does not check temporal properties (the liveness check runs in "
                         "Python on a stored graph), and this spec's temporal properties are checked",
                         hint="leave --backend out, or check only invariants with --invariant NAME", code="PS652")
    if not bmc and (o.workers != 1 or o.fingerprint or o.cluster):  # before any work: the safety check would take them
        flag = "--fingerprint" if o.fingerprint else f"--cluster {o.cluster}" if o.cluster else f"--workers {o.workers}"
        why = ("the liveness check keeps every state exactly: two states that collide in a fingerprint would "
               "be one node of the graph, which can make a fair cycle that no behaviour has"
               if o.fingerprint else
               "the fair-cycle search needs every edge of the graph, with its action instance, in one process, "
               "so workers would send each edge back to be renumbered there, and the search itself stays on one "
               "core (measured: no gain, docs/performance.md, \"Liveness\")")
        raise UsageError(f"{flag} is not supported by the liveness check, and this spec's temporal properties "
                         f"are checked: {why}",
                         hint="leave it out, or check only invariants with --invariant NAME", code="PS630")
    if not bmc and spec.symmetry is not None and not o.no_symmetry:
        raise UsageError(f"the liveness check does not reduce by symmetry yet, and this spec declares "
                         f"{', '.join(spec.symmetry.names())} symmetric (its temporal properties are checked)",
                         hint="add --no-symmetry to check every state, or check only invariants with --invariant NAME",
                         code="PS642")
    safety = None
    safety_named = o.invariants is not None or o.deadlock or bool(o.witness)
    if safety_named or (o.temporals is None and (spec.default_invariants() or spec.default_reachables())):
        reach = tuple(dict.fromkeys((*spec.default_reachables(), *o.witness))) if o.witness else None
        if bmc:
            assert o.depth is not None
            safety = api.bmc(spec, depth=o.depth, invariants=o.invariants, timeout=o.timeout, reachables=reach,
                             time_limit=o.time_limit, max_memory=o.max_memory, started=started, deadlock=o.deadlock)
        else:
            safety = api.check(spec, invariants=o.invariants, max_states=o.max_states, deadlock=o.deadlock,
                               time_limit=o.time_limit, reachables=reach, max_memory=o.max_memory, started=started,
                               workers=o.workers, fingerprint=o.fingerprint, symmetry=not o.no_symmetry)
    temporal = None
    if safety is None or safety.exit_code == 0:
        if bmc:
            assert o.depth is not None
            temporal = api.bmc_temporal(spec, o.depth, o.temporals, timeout=o.timeout, time_limit=o.time_limit,
                                        max_memory=o.max_memory, started=started)
        else:
            temporal = api.check_temporal(spec, o.temporals, max_states=o.max_states, time_limit=o.time_limit,
                                          max_memory=o.max_memory, started=started)
    shown = [r for r in (safety, temporal) if r is not None]
    if o.json:
        doc = render_json(shown[0], o.witness) if len(shown) == 1 else None
        if doc is None:
            from pyspec.report.result import to_json

            assert safety is not None and temporal is not None
            doc = json.dumps({**to_json(safety, o.witness), "temporal": to_json(temporal)}, indent=2)
        print(doc)
    else:
        texts = [render_text(r, _header(o, spec) if k == 0 else None, o.witness) for k, r in enumerate(shown)]
        if temporal is None:
            texts.append("temporal properties not checked (an invariant does not hold): "
                         + ", ".join(o.temporals or spec.default_temporals()))
        print("\n".join(texts))
    worst = max(shown, key=lambda r: r.exit_code)
    if o.html:
        from pyspec.report.pages import result_timeline

        _page_after_verdict(o.html, lambda: result_timeline(worst, spec, _header(o, spec), explainer=_explainer(spec)))
    return worst.exit_code


def check_page_path(path: str) -> None:
    """UsageError PS622 now, before any work, when no page can be written to `path` (a
    directory, or a directory that does not exist or is not writable)."""
    import os

    parent = os.path.dirname(os.path.abspath(path))
    why = ("it is a directory" if os.path.isdir(path)
           else f"no such directory: {parent}" if not os.path.isdir(parent)
           else f"{parent} is not writable" if not os.access(parent, os.W_OK)
           else f"{path} is not writable" if os.path.exists(path) and not os.access(path, os.W_OK)
           else None)
    if why is not None:
        raise UsageError(f"cannot write {path}: {why}", hint="give --html a file in a writable directory",
                         code="PS622")


def write_page(path: str, timeline) -> None:
    """Writes the timeline's HTML page to `path`; UsageError PS622 when it cannot."""
    from pyspec.report.timeline_html import render_html

    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(render_html(timeline))
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e.strerror}", code="PS622") from None


def _page_after_verdict(path: str, build) -> None:
    """Write the page of a verdict already printed, and say so on stderr: a failure is
    reported there too and leaves the verdict's exit code (and stdout, which may hold its
    JSON) alone."""
    try:
        write_page(path, build())
    except PyspecError as e:
        print(render_error(e), file=sys.stderr)
    else:
        print(f"wrote the timeline to {path}", file=sys.stderr)


def _explainer(spec):
    """What the pages ask the engine (each step's choices, a false invariant's values)."""
    from pyspec.explicit.explain import TraceExplainer

    return TraceExplainer(spec)


def run_view(trace: str, output: str) -> int:
    """`pyspec view`: an ITF trace (a file, or "-" for standard input) -> its HTML timeline.
    Exit 0 once the page is written."""
    import os

    from pyspec.report.pages import itf_timeline, load_itf, parse_itf

    check_page_path(output)
    if trace == "-":
        try:
            text = sys.stdin.read()
        except UnicodeDecodeError as e:
            raise UsageError(f"cannot read the trace from standard input: {e}", code="PS620") from None
        doc, outer = parse_itf(text, "-")
        name = "(standard input)"
    else:
        doc, outer = load_itf(trace)
        name = os.path.basename(trace)
    tl = itf_timeline(doc, outer, name)
    write_page(output, tl)
    print(f"pyspec view: {len(tl.events)} states on {len(tl.lanes)} lanes written to {output}")
    return 0


def run_lsp() -> int:
    """`pyspec lsp`: the language server, on stdin and stdout, until the editor stops it."""
    try:
        from pyspec.lsp.server import serve
    except ImportError as e:
        missing = (e.name or "").split(".")[0]
        if missing not in ("pygls", "lsprotocol"):
            raise
        raise UsageError(f"pyspec lsp needs the package {missing}, which is not installed",
                         hint="pip install 'pyspec[lsp]' (or pip install pygls)", code="PS800") from None
    serve()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    # stdout's reader may go away (`| head`): the verdict's exit code and the files asked for stand
    with streams_guarded():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = _build_parser()
    try:
        ns = parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    if ns.command == "lsp":
        try:
            return run_lsp()
        except PyspecError as e:
            print(render_error(e), file=sys.stderr)
            return EXIT_BAD_INPUT
    try:  # Ctrl-C, SIGTERM, SIGHUP stop the work like a limit (pyspec.progress): INCOMPLETE with what was done
        with Session(progress_enabled(getattr(ns, "progress", None), sys.stderr)):
            if ns.command == "suite":
                return run_suite(ns.suite, ns.only, ns.json)
            if ns.command == "view":
                return run_view(ns.trace, ns.output)
            return run(_options(ns))
    except PyspecError as e:
        print(render_error(e), file=sys.stderr)
        if getattr(ns, "json", False):
            print(json.dumps(error_json(e), indent=2))
        return EXIT_BAD_INPUT
    except (LimitReached, KeyboardInterrupt) as stop:  # a stop outside an engine (loading, printing)
        reason = f"stopped: {stop.reason if isinstance(stop, LimitReached) else Interrupted().reason}"
        if getattr(ns, "json", False):
            print(json.dumps({"verdict": Verdict.INCOMPLETE.value, "exit_code": Verdict.INCOMPLETE.exit_code,
                              "reason": reason}, indent=2))
        else:
            what = getattr(ns, "spec", None) or getattr(ns, "suite", None) or getattr(ns, "trace", None)
            print(f"pyspec {ns.command}" + (f" {what}" if what else "") + f"\nINCOMPLETE: {reason}")
        return Verdict.INCOMPLETE.exit_code
    except Exception:  # the one place a bug becomes exit 70 instead of a misleading verdict
        print("pyspec: internal error (please report it with the spec and command):", file=sys.stderr)
        traceback.print_exc()
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
