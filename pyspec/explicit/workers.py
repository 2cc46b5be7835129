"""The explicit search on several processes (`pyspec check --workers N`): states partitioned by hash.

Each packed state (`packing`) belongs to one worker, `hash(code) % N` (ints hash the same in
every process). The search is level-synchronous, so its results are the single worker's:

1. the coordinator (this process) enumerates and checks the initial states, then forks the
   workers, which inherit the compiled spec and keep the initial states they own;
2. for each depth d, every worker expands its states of depth d: a successor it owns goes into
   its own seen-set and store at once, one another worker owns is batched for that worker; the
   batches are exchanged (multiprocessing queues, one inbox per worker, read in worker order),
   and each worker adds the states it receives; each new state's invariants are checked by its
   owner;
3. after the level, the coordinator sums the workers' reports: a violation at depth d+1 or a
   deadlock at depth d ends the search, as a state limit does; no new state ends it with HOLDS.

Every state of depth d is expanded before any of depth d+1, so the distinct-state count of a
complete search is the single worker's, and a counterexample is as short (it may be another
one of that length: the workers find states in another order). When one level has both a
deadlock (at depth d) and a violation (at d+1), the deadlock is reported, being shorter.

A state's index is global: worker w's i-th state is `i * N + w`; parents are such indices, so
the coordinator rebuilds a trace by asking each state's owner for its code and parent.

Limits: the coordinator polls --time-limit while it waits (every `_WAIT` s), checks
--max-memory against the resident sets of all the processes, and turns Ctrl-C (the workers
ignore SIGINT) into INCOMPLETE like the single worker; --max-states is checked after each
level (each worker stops storing at the limit, so a level overshoots by at most N times).
Evaluation errors in a worker are re-raised in the coordinator by re-running the failing
computation on the same state, so the message and trace are the single worker's.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import traceback
from array import array
from multiprocessing.connection import wait
from typing import Any

from pyspec.errors import SpecEvalError
from pyspec.explicit.compiled import CompiledSpec
from pyspec.explicit.packing import Layout
from pyspec.explicit.symmetry import CanonicalLayout, real_path
from pyspec.explicit.results import check_initial, failing_instance, outcome, reached, search_stats
from pyspec.limits import Budget, LimitReached, resident_mb
from pyspec.reference import no_initial_state
from pyspec.result import Result, Step, Trace, Verdict

_WAIT = 0.05  # seconds between checks of the limits while the workers work
_CHUNK = 1 << 15  # successors per message between workers
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class _Full(Exception):
    """This worker holds as many states as --max-states allows."""


class _Totals:
    """What the progress probe reads: the states stored by all workers (len) after the last level."""

    def __init__(self) -> None:
        self.n = 0

    def __len__(self) -> int:
        return self.n


def explore_parallel(compiled: CompiledSpec, opts: Any, names: tuple[str, ...], failing, successors, t0: float,
                     c0: float, budget: Budget, track: list, lay: Layout) -> Result:
    """The search of `explore.explore` on `opts.workers` processes (see the module docstring)."""
    spec = compiled.spec
    nworkers = opts.workers
    canon = lay.canon if isinstance(lay, CanonicalLayout) else None
    rnames = opts.reachables if opts.reachables is not None else spec.default_reachables()
    first: dict[str, tuple[int, int]] = {}
    totals = _Totals()
    track[0] = totals
    transitions = 0
    fired = bytearray(len(compiled.instances))
    depth = 0
    procs: list[Any] = []
    conns: list[Any] = []
    states: dict[int, tuple[int, int, int]] = {}  # global index -> (code, parent, inst), fetched for traces
    phase = "enumerating the initial states"

    def fetch(g: int) -> tuple[int, int, int]:
        if g not in states:
            if g < ninit:
                states[g] = (init_codes[g], -1, -1)
            else:
                conn = conns[(g - ninit) % nworkers]
                conn.send(("get", (g - ninit) // nworkers))
                states[g] = conn.recv()
        return states[g]

    def trace_of(g: int) -> Trace:
        links = []  # (instance, code, global index) from the initial state
        while g != -1:
            code, parent, inst = fetch(g)
            links.append((inst, code, g))
            g = parent
        links.reverse()
        if canon is not None:  # representatives of orbits: replayed into a real trace (symmetry.real_path)
            chain = real_path(init_states[links[0][2]], [(i, c) for i, c, _ in links[1:]], lay.pack,
                              compiled.run_instance, len(compiled.instances))
        else:
            chain = [(inst, lay.unpack(code)) for inst, code, _ in links]
        steps = []
        for inst, state in chain:
            if inst < 0:
                steps.append(Step(None, (), state))
            else:
                name, args = compiled.describe_instance(inst)
                steps.append(Step(name, args, state))
        return Trace(spec.vars, tuple(steps))

    def finish(verdict: Verdict, index: int | None = None, prop: str | None = None, reason=None) -> Result:
        stats = search_stats(compiled, totals.n, depth, t0, c0, transitions, fired)
        stats["workers"] = nworkers
        return outcome(compiled, names, rnames, first, trace_of, True, verdict, stats, index, prop, reason)

    # Initial states: checked here, as the single worker does, and numbered 0 .. ninit-1 (the
    # workers number their own states from ninit on).
    try:
        init_codes: list[int] = []
        init_states: list[tuple] = []  # the real initial state of each code (under symmetry, codes are orbits)

        def counted() -> None:
            totals.n = len(init_codes)

        bad = initial_codes(compiled, opts.max_states, lay, failing, rnames, first, init_codes, init_states, counted)
        ninit = len(init_codes)
        if bad is not None:
            return finish(Verdict.VIOLATED, ninit - 1, bad)
        phase = track[3] = ""
        limit = opts.max_states if opts.max_states is not None else 1 << 62
        ctx = mp.get_context("fork")  # the workers inherit the compiled spec (generated code does not pickle)
        inboxes = [ctx.Queue() for _ in range(nworkers)]
        for w in range(nworkers):
            parent_end, child_end = ctx.Pipe()
            p = ctx.Process(target=_worker, name=f"pyspec-worker-{w}", daemon=True,
                            args=(w, nworkers, compiled, successors, failing, lay, tuple(n for n in rnames if n not in first),
                                  init_codes, limit, opts.deadlock, child_end, inboxes))
            p.start()
            child_end.close()
            procs.append(p)
            conns.append(parent_end)
        new = ninit
        while new:
            track[2] = depth
            for c in conns:
                c.send(("level", depth, tuple(first)))
            reports = _gather(conns, procs, budget, opts.max_memory)
            new = 0
            total = ninit
            deadlocked = violated = erred = None
            full = False
            for w, r in enumerate(reports):
                total += r["count"]
                new += r["new"]
                transitions += r["transitions"]
                for i, f in enumerate(r["fired"]):
                    if f:
                        fired[i] = 1
                for name, g in r["reached"]:
                    if name not in first:
                        first[name] = (g, depth + 1)
                        trace_of(g)  # fetched now, while the workers wait: a limit may stop them mid-level
                full = full or r["full"]
                if deadlocked is None and r["deadlock"] is not None:
                    deadlocked = r["deadlock"]
                if violated is None and r["violation"] is not None:
                    violated = r["violation"]
                if erred is None and r["error"] is not None:
                    erred = r["error"]
            totals.n = total
            track[1] = total - new
            if erred is not None:
                _reraise(compiled, failing, rnames, erred, trace_of, fetch, lay)
            if deadlocked is not None:
                return finish(Verdict.DEADLOCK, deadlocked, "deadlock")
            if violated is not None:
                depth += 1
                return finish(Verdict.VIOLATED, violated[0], violated[1])
            if full or total > limit:
                depth += 1
                return finish(Verdict.INCOMPLETE, reason=f"explored more than {limit:,} states (the limit) at depth "
                              f"{depth}; raise --max-states or lower the params")
            if new:
                depth += 1
        return finish(Verdict.HOLDS)
    except LimitReached as stop:
        at = f"while {phase}" if phase else f"at depth {depth}"
        rss = _resident(procs)
        return finish(Verdict.INCOMPLETE, reason=f"stopped: {stop.reason} {at} ({totals.n:,} states, "
                      f"{rss:,.0f} MB resident in {len(procs) + 1} processes); {stop.hint}")
    finally:
        for c in conns:
            try:
                c.send(("stop",))
            except (OSError, ValueError):
                pass
        for p in procs:
            p.join(timeout=1)
            if p.is_alive():
                p.terminate()
                p.join()


def initial_codes(compiled: CompiledSpec, max_states: int | None, lay: Layout, failing, rnames: tuple[str, ...],
                  first: dict, codes: list[int], states: list[tuple], counted) -> str | None:
    """The coordinator's part of a partitioned search (here and in cluster.py), as the single
    process does it: the distinct initial states, appended to `codes` (packed) and `states`,
    each checked against the invariants and the reachable properties (`first` gets those it
    satisfies); `counted()` after each. Returns the invariant the last one violates, or None."""
    reach_fn = compiled.reachable_fn(rnames) if rnames else None
    try:
        inits = compiled.initial_states(max_states)
    except SpecEvalError as e:
        raise e.with_step("in init", None) from None
    if not inits:
        raise no_initial_state(compiled.spec)
    seen: set[int] = set()
    for s in inits:
        k = lay.pack(s)
        if k in seen:
            continue
        seen.add(k)
        codes.append(k)
        states.append(s)
        counted()
        bad = check_initial(failing, s, compiled, "the initial state")
        if reach_fn is not None:
            reach_fn = reached(compiled, reach_fn, rnames, first, s, len(codes) - 1, 0, None)
        if bad is not None:
            return bad
    return None


def _gather(conns: list, procs: list, budget: Budget, max_memory: float | None) -> list[dict]:
    """Every worker's report on the level, checking the limits every _WAIT s meanwhile."""
    reports: list[Any] = [None] * len(conns)
    waiting: dict[Any, int] = {c: w for w, c in enumerate(conns)}
    while waiting:
        ready: list[Any] = wait(list(waiting), timeout=_WAIT)
        for c in ready:
            w = waiting.pop(c)
            try:
                reports[w] = c.recv()
            except EOFError:
                raise RuntimeError(f"worker {w} of the parallel search died (exit code {procs[w].exitcode})") from None
            if "crash" in reports[w]:
                raise RuntimeError(f"worker {w} of the parallel search failed:\n{reports[w]['crash']}")
        budget.poll()
        if max_memory is not None:
            rss = _resident(procs)
            if rss > max_memory:
                raise LimitReached(f"memory limit of {max_memory:,.0f} MB reached ({rss:,.0f} MB resident in "
                                   f"{len(procs) + 1} processes)", "raise --max-memory or lower the params")
    return reports


def _resident(procs: list) -> float:
    """MB resident in this process and the workers."""
    total = resident_mb() or 0.0
    for p in procs:
        try:
            with open(f"/proc/{p.pid}/statm", "rb") as f:
                total += int(f.read().split()[1]) * _PAGE / (1 << 20)
        except (OSError, ValueError, IndexError):
            pass
    return total


def _reraise(compiled: CompiledSpec, failing, rnames, erred: tuple[str, int], trace_of, fetch, lay: Layout) -> None:
    """Raise, here, the SpecEvalError a worker met (`erred`: what it ran, on which state), by
    running the same computation on the same state: the message and trace are the serial engine's."""
    what, g = erred
    state = lay.unpack(fetch(g)[0])
    try:
        if what == "successors":
            compiled.step_fn()(state)
        elif what == "invariants":
            failing(state)
        else:
            compiled.reachable_fn(rnames)(state)
    except SpecEvalError as e:
        if what == "successors":
            raise e.with_step(f"in {failing_instance(compiled, state)}", trace_of(g)) from None
        if what == "invariants":
            raise e.with_step("while checking invariants", trace_of(g)) from None
        raise e.with_step("while checking reachable properties", trace_of(g)) from None
    raise AssertionError(f"a worker's evaluation error ({what}) did not happen again in the coordinator")


def _worker(me: int, nworkers: int, compiled: CompiledSpec, successors, failing, lay: Layout, rnames,
            init_codes: list[int], limit: int, deadlock: bool, conn, inboxes: list) -> None:
    """One worker's loop (see the module docstring); it answers every command on `conn`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the coordinator's to handle
    try:
        _Worker(me, nworkers, compiled, successors, failing, lay, rnames, init_codes, limit, deadlock, inboxes).serve(conn)
    except BaseException:  # noqa: BLE001 - reported to the coordinator, which raises it as an internal error
        try:
            conn.send({"crash": traceback.format_exc()})
        except (OSError, ValueError):
            pass
    finally:
        conn.close()
        os._exit(0)  # no queue feeder to flush: every batch was read, or the search is over


class PartitionJudge:
    """What every partition of a partitioned search (a worker process here, a cluster actor in
    cluster.py) does with a state it stores first: check its invariants and the reachable
    properties still open. Needs `failing`, `compiled`, `rnames` and `reach_fn`."""

    failing: Any
    compiled: CompiledSpec
    rnames: tuple[str, ...]
    reach_fn: Any

    def judge(self, state: tuple, g: int, report: dict) -> bool:
        """Check the new state `state` (global index `g`), noting in `report` an evaluation
        error, each reachable property it satisfies and a violation; True when the level must stop."""
        try:
            bad = self.failing(state)
        except SpecEvalError:
            report["error"] = ("invariants", g)
            return True
        while self.reach_fn is not None:
            try:
                hit = self.reach_fn(state)
            except SpecEvalError:
                report["error"] = ("reachables", g)
                return True
            if hit is None:
                break
            report["reached"].append((hit, g))
            self.rnames = tuple(n for n in self.rnames if n != hit)
            self.reach_fn = self.compiled.reachable_fn(self.rnames) if self.rnames else None
        if bad is not None:
            report["violation"] = (g, bad)
            return True
        return False


class _Worker(PartitionJudge):
    """The states one worker owns: codes, parents (global indices) and actions, as the store does."""

    def __init__(self, me, nworkers, compiled, successors, failing, lay: Layout, rnames, init_codes, limit, deadlock,
                 inboxes) -> None:
        self.me, self.n, self.compiled, self.lay = me, nworkers, compiled, lay
        self.ninit = len(init_codes)
        self.successors = successors
        self.failing = failing
        self.rnames = rnames
        self.reach_fn = compiled.reachable_fn(rnames) if rnames else None
        self.limit, self.deadlock, self.inboxes = limit, deadlock, inboxes
        self.codes: list[int] = []
        self.seen: set[int] = set(init_codes)  # every worker ignores the initial states it meets again
        self.parent = array("q")
        self.via = array("i")
        self.start = 0  # the first state of the level to expand
        self.frontier: list[tuple[int, int]] = [(k, g) for g, k in enumerate(init_codes) if hash(k) % nworkers == me]
        self.make = self._factory()

    def _factory(self):
        """make(head, s, k) -> add(t, inst), routing each successor to its owner (see store.PackedStore._make)."""
        xs, _ = self.lay.names()
        prelude, lines = self.lay.next_source()
        body = "".join(f"        {line}\n" for line in prelude)
        src = (
            "def factory(me, nworkers, seen, codes, push_parent, push_via, cap, Full, sent, out_codes, out_parents,"
            " out_insts, chunk, flush):\n"
            "    seen_add, push, sent_add = seen.add, codes.append, sent.add\n"
            "    def make(head, s, k):\n"
            f"{body}"
            "        def add(t, inst):\n"
            f"            {xs} = t\n"
            + "".join(f"            {line}\n" for line in lines) +
            "            o = hash(c) % nworkers\n"
            "            if o == me:\n"
            "                if c in seen:\n"
            "                    return -1\n"
            "                n = len(codes)\n"
            "                if n >= cap:\n"
            "                    raise Full\n"
            "                seen_add(c)\n"
            "                push(c)\n"
            "                push_parent(head)\n"
            "                push_via(inst)\n"
            "                return n\n"
            "            if c not in sent:\n"
            "                sent_add(c)\n"
            "                oc = out_codes[o]\n"
            "                oc.append(c)\n"
            "                out_parents[o].append(head)\n"
            "                out_insts[o].append(inst)\n"
            "                if len(oc) >= chunk:\n"
            "                    flush(o)\n"
            "            return -1\n"
            "        return add\n"
            "    return make\n"
        )
        ns = self.lay.namespace()
        exec(compile(src, "<pyspec worker>", "exec"), ns)
        self.sent: set[int] = set()
        self.out_codes: list[list[int]] = [[] for _ in range(self.n)]
        self.out_parents = [array("q") for _ in range(self.n)]
        self.out_insts = [array("i") for _ in range(self.n)]
        self.chunks = 0  # chunks sent this level
        return ns["factory"](self.me, self.n, self.seen, self.codes, self.parent.append, self.via.append,
                             self.limit, _Full, self.sent, self.out_codes, self.out_parents, self.out_insts,
                             _CHUNK, self.flush)

    def flush(self, o: int) -> None:
        """Send worker `o` the successors batched for it (a chunk of at most _CHUNK): the codes as
        a list of ints (pickled in C, faster than converting each to bytes here), parents and
        actions as arrays' bytes."""
        codes = self.out_codes[o]
        self.inboxes[o].put((self.me, self.chunks, codes[:], self.out_parents[o].tobytes(), self.out_insts[o].tobytes()))
        self.chunks += 1
        codes.clear()
        del self.out_parents[o][:]
        del self.out_insts[o][:]

    def gid(self, local: int) -> int:
        return self.ninit + local * self.n + self.me

    def serve(self, conn) -> None:
        while True:
            cmd = conn.recv()
            if cmd[0] == "level":
                conn.send(self.level(cmd[1], cmd[2]))
            elif cmd[0] == "get":
                i = cmd[1]
                conn.send((self.codes[i], self.parent[i], self.via[i]))
            else:
                return

    def level(self, depth: int, reached: tuple[str, ...]) -> dict:
        report: dict[str, Any] = {"transitions": 0, "deadlock": None, "violation": None, "error": None,
                                  "reached": [], "full": False}
        if self.reach_fn is not None and any(n in reached for n in self.rnames):
            self.rnames = tuple(n for n in self.rnames if n not in reached)
            self.reach_fn = self.compiled.reachable_fn(self.rnames) if self.rnames else None
        fired = bytearray(len(self.compiled.instances))
        start = len(self.codes)
        try:
            self._expand(depth, report, fired)
        except _Full:
            report["full"] = True
        self._exchange(report)
        report["new"] = len(self.codes) - start
        report["count"] = len(self.codes)
        report["fired"] = bytes(fired)
        return report

    def _expand(self, depth: int, report: dict, fired: bytearray) -> None:
        """Expand this level's states (the initial ones at depth 0, else those added last level)."""
        codes = self.codes
        if depth == 0:
            todo: Any = self.frontier
        else:
            base, n, me = self.ninit, self.n, self.me
            todo = ((codes[i], base + i * n + me) for i in range(self.start, len(codes)))
        self.start = len(codes)
        unpack, make, successors = self.lay.unpack, self.make, self.successors
        for k, g in todo:
            s = unpack(k)
            add = make(g, s, k)
            try:
                succ = successors(s)
            except SpecEvalError:
                report["error"] = ("successors", g)
                return
            report["transitions"] += len(succ)
            if self.deadlock and not succ and self.compiled.expands(s):  # a state a constraint stops is no deadlock
                report["deadlock"] = g
                return
            for inst, t in succ:
                fired[inst] = 1
                i = add(t, inst)
                if i >= 0 and self._new(t, len(codes) - 1, report):
                    return

    def _new(self, t: tuple, local: int, report: dict) -> bool:
        """Check a new state's invariants and reachable properties; True when the level must stop."""
        return self.judge(t, self.gid(local), report)

    def _exchange(self, report: dict) -> None:
        """Send each other worker the rest of the successors it owns, then an end mark; add the
        states sent here, in the order (worker, chunk), so that a run is reproducible."""
        for o in range(self.n):
            if o != self.me:
                if self.out_codes[o]:
                    self.flush(o)
                self.inboxes[o].put((self.me, -1, [], b"", b""))
        self.sent.clear()
        self.chunks = 0
        batches = []
        ends = 0
        inbox = self.inboxes[self.me]
        while ends < self.n - 1:
            item = inbox.get()
            if item[1] < 0:
                ends += 1
            else:
                batches.append(item)
        batches.sort(key=lambda b: (b[0], b[1]))
        stop = report["violation"] is not None or report["error"] is not None or report["deadlock"] is not None
        if stop:
            return  # the search ends after this level; the batches only had to be read
        seen, codes, unpack = self.seen, self.codes, self.lay.unpack
        for _, _, sent, pblob, iblob in batches:
            parents = array("q")
            parents.frombytes(pblob)
            insts = array("i")
            insts.frombytes(iblob)
            for j, c in enumerate(sent):
                if c in seen:
                    continue
                if len(codes) >= self.limit:
                    report["full"] = True
                    return
                seen.add(c)
                codes.append(c)
                self.parent.append(parents[j])
                self.via.append(insts[j])
                if self._new(unpack(c), len(codes) - 1, report):
                    return
