"""Frontier search: records in log order -> the set of spec states consistent with the log so
far -> a `TraceResult` (conforms, diverges at a record, or incomplete at a bound).

For each record: take every frontier state through up to H hidden steps (instances of the
actions the mapping declares hidden), step each by the record's action, and keep the successors
in which every observation holds. An empty result is a divergence, explained from the states
that were tried. Records stream through: memory holds the frontier, a few recent records, and
bounded memo tables (successors and observations are pure functions of the state and the
record's values, and real logs repeat them constantly).
"""

from __future__ import annotations

import itertools
import re
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import pyspec
from pyspec.errors import PyspecError, Span, SpecEvalError, UsageError
from pyspec.types import domain, format_value, to_itf
from pyspec.limits import Budget, LimitReached, resident_mb
from pyspec.result import Verdict
from tracecheck.errors import LogError
from tracecheck.mapping import Mapping, Rule
from tracecheck.obligations import Obligations
from tracecheck.readers.record import MISSING, Record, get_path
from tracecheck.result import Candidate, Divergence, InvariantSpan, Reason, RecordRef, TraceResult, end_of_log

_MEMO_LIMIT = 1 << 16  # entries per memo table; a full table is cleared, keeping memory flat
_SPANS_KEPT = 100


@dataclass(frozen=True, slots=True)
class Options:
    """hidden: at most this many hidden steps before each record (None: the mapping's bound).
    invariants: names to evaluate on the reconstructed states (None: none).
    max_frontier: stop (INCOMPLETE) when more states than this are consistent with the log.
    time_limit: stop (INCOMPLETE) after this many seconds.
    recent: how many matched records the divergence report shows; explain: how many states."""

    hidden: int | None = None
    invariants: tuple[str, ...] | None = None
    max_frontier: int = 100_000
    time_limit: float | None = None
    recent: int = 5
    explain: int = 3
    max_memory: float | None = None  # MB resident: stop (INCOMPLETE) past it
    started: float | None = None  # time.perf_counter() when the clock started (default: at run)
    # called with (record index, frontier size) after each explained record (the HTML page's series)
    on_frontier: Callable[[int, int], None] | None = None
    # --engine auto: stop (INCOMPLETE, stats["switch"]) when more states than this are
    # consistent with the log, so that Z3 takes over
    switch_at: int | None = None


@dataclass(slots=True)
class _Progress:
    """How far a run got: what the result reports however the run ends."""

    recent: deque
    frontier: list = field(default_factory=list)
    record: Record | None = None  # the record being read
    n: int = 0
    matched: int = 0
    ignored: int = 0
    peak: int = 0
    more: int = 0  # invariant spans closed but not kept
    spans: list = field(default_factory=list)
    open_spans: dict = field(default_factory=dict)


class _Bound(Exception):
    """A limit stopped the search (frontier size or time); carries the reason."""


class _Switch(_Bound):
    """The frontier passed --engine auto's bound: Z3 takes over."""


def validate_records(mapping: Mapping, records: Iterable[Record], opts: Options = Options(), logs: tuple[str, ...] = ()) -> TraceResult:
    """Validate `records` (in log order) against the mapping's spec. Raises LogError for a
    record that cannot be read, UsageError for a bad option."""
    return within_limits(mapping, opts, logs, "explicit", lambda: _Validator(mapping, opts, logs).run(records))


def _started(opts: Options) -> float:
    return time.perf_counter() if opts.started is None else opts.started


def within_limits(m: Mapping, opts: Options, logs: tuple[str, ...], engine: str, work: Callable[[], TraceResult]) -> TraceResult:
    """`work()` with the limits holding also while the validator is set up (the initial states
    enumerated, the spec encoded for Z3): INCOMPLETE before the first record when one is passed."""
    t0 = _started(opts)
    try:
        with Budget(opts.time_limit, opts.max_memory, t0):
            return work()
    except LimitReached as stop:
        return stopped_before_records(m.spec.name, m.file, logs, engine, stop,
                                      "setting up the search (initial states, encoding)", t0, m.hidden_bound)


def stopped_before_records(spec: str, mapping: str, logs: tuple[str, ...], engine: str, stop: LimitReached,
                           phase: str, t0: float, hidden: int = 0) -> TraceResult:
    """INCOMPLETE for a limit passed before any record was read (`phase`: what was running)."""
    return TraceResult(Verdict.INCOMPLETE, spec, mapping, logs, engine, hidden, 0, 0, 0, 0,
                       reason=f"{stop.reason} while {phase}; {stop.hint}",
                       stats={"seconds": round(time.perf_counter() - t0, 3), "before_records": True})


class _Validator:
    def __init__(self, m: Mapping, opts: Options, logs: tuple[str, ...]) -> None:
        self.m, self.opts, self.logs = m, opts, logs
        self.c = m.compiled
        self.H = m.hidden_bound if opts.hidden is None else opts.hidden
        if self.H < 0:
            raise UsageError("--hidden must be at least 0", code="TC301")
        if opts.max_frontier < 1:
            raise UsageError("--max-frontier must be at least 1", code="TC301")
        if self.H > 0 and not m.hidden:
            raise UsageError(f"--hidden {self.H}, but the mapping declares no hidden actions",
                             hint='add [hidden] actions = ["..."] to the mapping', code="TC302")
        self.hidden_insts = [(a, args) for a in m.hidden for args in _arg_tuples(m.spec.action(a))]
        self.inv_names = tuple(opts.invariants or ())
        known = [i.name for i in m.spec.invariants]
        for n in self.inv_names:
            if n not in known:
                raise UsageError(f"spec {m.spec.name} has no invariant '{n}'", hint="invariants: " + ", ".join(known), code="TC303")
        self.inv_fns = [(n, self.c.invariant_fn((n,))) for n in self.inv_names]
        self.obligations = Obligations(self.c)  # leadsto properties: what is still pending at the end
        self.dispatch = _Dispatch(m.rules)
        # Per rule: (field, its key when the path is one key, path, converter, optional).
        self.plans = [
            [(n, d.path[0] if len(d.path) == 1 else None, d.path, d.convert, d.optional)
             for n in r.fields for d in [m.fields[n]]]
            for r in m.rules
        ]
        self.names = [tuple(r.fields) for r in m.rules]
        self.binders = [_binder(r.index, plan) for r, plan in zip(m.rules, self.plans)]
        # per rule: may an argument be open (`"?"`, or reading an optional field)? (else no OPEN test per record)
        self.may_open = [any(a.open or a.optional or any(m.fields[f].optional for f in a.fields) for a in r.args)
                         for r in m.rules]
        self.max_frontier, self.switch_at = opts.max_frontier, opts.switch_at
        self.inst_memo: dict[tuple, Any] = {}
        self.read_memo: dict[tuple, Any] = {}  # (action, a name a false require reads) -> its Expression
        self.open_memo: dict[tuple, list] = {}
        self.open_peak = 1  # the most instances one record stood for (open arguments)
        self.switched = False
        self.domains: dict[tuple, frozenset] = {}
        self.step_memo: dict[tuple, tuple] = {}
        self.succ_memo: dict[tuple, list] = {}
        self.hidden_memo: dict[tuple, tuple] = {}
        self.inv_memo: dict[tuple, tuple] = {}
        inits = self.c.initial_states()
        self.dummy = inits[0] if inits else None
        self.poll: Callable[[], None] | None = None  # Budget.poll when no timer is armed (see run)

    # ---- the main loop ------------------------------------------------------------------------

    def run(self, records: Iterable[Record]) -> TraceResult:
        """The time and memory limits hold per record and inside one record's frontier
        expansion: a timer interrupts the work (pyspec.limits), or, when none can be armed,
        `poll` is called per record and per frontier state."""
        t0 = _started(self.opts)
        with Budget(self.opts.time_limit, self.opts.max_memory, t0) as budget:
            return self._run(records, t0, budget)

    def _run(self, records: Iterable[Record], t0: float, budget: Budget) -> TraceResult:
        """Setup, limits and the result shared by both loops (`_loop`, `_loop_skewed`)."""
        self.poll = None if budget.armed else budget.poll
        st = _Progress(deque(maxlen=self.opts.recent))
        loop = self._loop_skewed if self.m.log.skew else self._loop
        try:
            try:
                st.frontier = list(dict.fromkeys(self.c.initial_states()))
            except LimitReached as stop:
                raise _Bound(f"{stop.reason} while enumerating the initial states") from None
            done = loop(records, st, t0, budget)
            if done is not None:
                return done
        except (_Bound, LimitReached) as b:
            record, n = st.record, st.n
            where = None if record is None else RecordRef(n, record.file, record.line, record.raw)
            reason = (b.reason if isinstance(b, LimitReached) else str(b)) + (f" at record {n} ({where.where()})" if where else "")
            self.switched = isinstance(b, _Switch)
            if isinstance(b, LimitReached):
                rss = resident_mb()
                reason += f", frontier of {len(st.frontier):,} states" + (f", {rss:,.0f} MB resident"
                                                                            if rss is not None and "MB resident" not in reason else "")
            return self.finish(Verdict.INCOMPLETE, st, t0, reason=reason, stopped_at=where)
        verdict, why = end_of_log(st.n, st.matched, self.m.log.format)
        return self.finish(verdict, st, t0, reason=why)

    def finish(self, verdict: Verdict, st: _Progress, t0: float, **kw) -> TraceResult:
        return self.result(verdict, st.n, st.matched, st.ignored, len(st.frontier), st.spans, st.open_spans, st.more, t0,
                           st.peak, **kw)

    def rule_of(self, record: Record) -> Rule | None:
        """The rule `record` matches; None for a record to ignore; LogError (TC206) for one to reject."""
        rule = self.dispatch.find(record.data) if record.data is not None else None
        if rule is None and self.m.log.unmatched == "reject":
            raise LogError("record matches no rule of the mapping" if record.data is not None
                           else "line does not match the mapping's pattern",
                           _span(record), hint='set [log] unmatched = "ignore" to skip such records', code="TC206")
        return rule

    def _loop(self, records: Iterable[Record], st: _Progress, t0: float, budget: Budget) -> TraceResult | None:
        """Records one at a time; the DIVERGES result, or None at the end of the log. Counters
        live in locals (the hot loop) and are written back to `st` however the loop ends.

        The hot path is a fully observed log: one state consistent with the log, no hidden
        steps. Each record's fields are bound by its rule's compiled binder into a key (the
        rule's index and the converted values), and the step from a state on a key is kept in
        that state's table with the table of the state it leads to: a record the log has seen
        before, from a state seen before, costs two dict lookups and no hashing of a state.
        Anything else (several states, hidden steps, a record the binder cannot take) goes
        through `step`, which says why a record fails."""
        frontier = st.frontier
        recent = st.recent  # (index, record) pairs: a RecordRef is built only for a report
        n = matched = ignored = peak = more = 0
        spans, open_spans = st.spans, st.open_spans
        dispatch = self.dispatch
        find = dispatch.find
        by_value = dispatch.table if dispatch.key is not None else None
        dkey = dispatch.key or ""  # only read when by_value is a table
        rules, binders, names = self.m.rules, self.binders, self.names
        bind, step = self.bind, self.step
        on_frontier = self.opts.on_frontier
        keep_recent = bool(self.opts.recent)
        inv = bool(self.inv_fns)
        obligations = self.obligations if self.obligations else None  # leadsto properties to follow
        track = inv or obligations is not None
        # the automaton of steps from one state (None: not one state, or hidden steps)
        single = not self.H
        tables: dict[tuple, dict] = {}
        edges = 0
        table = tables.setdefault(frontier[0], {}) if single and len(frontier) == 1 else None
        # With a timer armed (pyspec.limits), it checks the bounds every 20 ms of CPU time: a
        # poll per record would only add a read of /proc per record for the memory bound (the
        # CLI's default), which doubled the time per record. The first record is polled so that
        # a limit already passed stops the run there; then every 256th as a backstop.
        poll_all = not budget.armed and (budget.deadline is not None or budget.max_memory is not None)
        poll = budget.poll
        record = None
        try:
            for record in records:
                n += 1
                if poll_all or n & 255 == 1:
                    poll()
                data = record.data
                if data is None:
                    rule = None
                elif by_value is not None:
                    try:
                        rule = by_value.get(data.get(dkey, MISSING))
                    except TypeError:  # an unhashable value (a list, an object) matches no rule
                        rule = None
                else:
                    rule = find(data)
                if rule is None:
                    self.rule_of(record)  # LogError (TC206) when unmatched records are rejected
                    ignored += 1
                    continue
                key = binders[rule.index](data)
                if table is not None and key is not None:
                    hit = table.get(key)
                    if hit is not None:  # a step taken before: its frontier size is already in `peak`
                        frontier, table = hit
                        matched += 1
                        if keep_recent:
                            recent.append((n, record))
                        if on_frontier is not None:
                            on_frontier(n, len(frontier))
                        if track:
                            ref = RecordRef(n, record.file, record.line, record.raw)
                            if inv:
                                more += self.track_invariants(frontier, ref, open_spans, spans)
                            if obligations:
                                obligations.observe(frontier, ref)
                        continue
                if key is None:
                    values = bind(rule, record)
                    key = (rule.index, *values.values())
                else:
                    values = dict(zip(names[rule.index], key[1:]))
                try:
                    nxt = step(frontier, rule, values, record)
                except SpecEvalError as e:
                    raise LogError(f"evaluating rule '{rule.name}' on this record: {e.message}", _span(record),
                                   notes=((e.span, "here"),) if e.span else (), code="TC207") from None
                if not nxt:
                    return self.diverged(frontier, rule, values, record, n, recent, matched, ignored, spans,
                                         open_spans, more, t0, peak)
                size = len(nxt)
                after = tables.setdefault(nxt[0], {}) if single and size == 1 else None
                if table is not None:
                    if edges >= _MEMO_LIMIT:  # keep memory flat: start the automaton again
                        tables.clear()
                        edges = 0
                        after = tables.setdefault(nxt[0], {}) if size == 1 else None
                    else:
                        table[key] = (nxt, after)
                        edges += 1
                frontier, table = nxt, after
                if on_frontier is not None:
                    on_frontier(n, size)
                if size > peak:
                    peak = size
                matched += 1
                if keep_recent:
                    recent.append((n, record))
                if track:
                    ref = RecordRef(n, record.file, record.line, record.raw)
                    if inv:
                        more += self.track_invariants(frontier, ref, open_spans, spans)
                    if obligations:
                        obligations.observe(frontier, ref)
        finally:
            st.frontier, st.record = frontier, record
            st.n, st.matched, st.ignored, st.peak, st.more = n, matched, ignored, peak, more
        return None

    def _loop_skewed(self, records: Iterable[Record], st: _Progress, t0: float, budget: Budget) -> TraceResult | None:
        """`_loop` for wall clocks with a skew bound: records of different nodes whose timestamps
        are closer than the bound form a batch, and the batch is explained when some order of
        its records (each node's own order kept) is, every order searched like hidden steps.
        A batch no order explains is reported at the first record its logged order fails on,
        unless a run of records within the skew was cut into batches of _BATCH before it: the
        orders across the cut were not searched, so the result is INCOMPLETE, not DIVERGES."""
        cut: tuple[int, int] | None = None  # the first run cut by the cap: (its first record, the cut)
        for batch, run_start, was_cut in _batches(records, self.m.log.skew):
            items = []
            for record in batch:
                st.record = record
                st.n += 1
                budget.poll()
                rule = self.rule_of(record)
                if rule is None:
                    st.ignored += 1
                    continue
                items.append((st.n, rule, self.bind(rule, record), record))
            if was_cut and cut is None:
                cut = (run_start, st.n)
            if not items:
                continue
            after: list[list] | None = [] if self.inv_fns or self.obligations else None
            try:
                nxt = self.step_orders(st.frontier, items, after)
                if not nxt:  # no order explains the batch: the logged order names the record
                    f = st.frontier
                    for i, (k, rule, values, record) in enumerate(items):
                        g = self.step(f, rule, values, record)
                        if not g:
                            break
                        f = g
                    else:
                        raise AssertionError("the logged order of a batch explains it, but no order did")
                    explained = items[:i]
                    if explained and after is not None:  # the records before it, in the orders that explain them
                        after.clear()
                        self.step_orders(st.frontier, explained, after)
                        self.track_batch(explained, after, st)
                    for k2, _, _, r in explained:
                        st.matched += 1
                        st.recent.append((k2, r))
                    if cut is not None:
                        return self.cut_short(st, cut, k, record, t0)
                    return self.diverged(f, rule, values, record, k, st.recent, st.matched, st.ignored, st.spans,
                                         st.open_spans, st.more, t0, st.peak)
            except SpecEvalError as e:
                raise LogError(f"evaluating a rule on this record: {e.message}", _span(items[-1][3]),
                               notes=((e.span, "here"),) if e.span else (), code="TC207") from None
            st.frontier = nxt
            st.peak = max(st.peak, len(nxt))
            st.matched += len(items)
            for k, _, _, r in items:
                st.recent.append((k, r))
                if self.opts.on_frontier is not None:
                    self.opts.on_frontier(k, len(nxt))
            if after is not None:
                self.track_batch(items, after, st)
        return None

    def track_batch(self, items: list, after: list[list], st: _Progress) -> None:
        """Invariants (and leadsto obligations) after each record of a batch, in log order, on the states right after that
        record in the orders that explain the batch (`after`, from step_orders): a violation
        names the record whose step made it, even when a later record of the batch undoes it."""
        for (k, _, _, r), states in zip(items, after):
            ref = RecordRef(k, r.file, r.line, r.raw)
            if self.inv_fns:
                st.more += self.track_invariants(states, ref, st.open_spans, st.spans)
            if self.obligations:
                self.obligations.observe(states, ref)

    def cut_short(self, st: _Progress, cut: tuple[int, int], k: int, record: Record, t0: float) -> TraceResult:
        """INCOMPLETE where only a divergence could be claimed if the cut batches were searched as one."""
        where = RecordRef(k, record.file, record.line, record.raw)
        first, at = cut
        reason = (f"no order searched explains record {k} ({where.where()}), but more than {_BATCH} records are within "
                  f"the skew of each other (records {first}-{at + 1}, cut after record {at}): orders were searched only "
                  f"inside batches of {_BATCH}, so an order across the cut may explain the log "
                  f"(a smaller [log] skew keeps the runs short)")
        st.n = k
        return self.finish(Verdict.INCOMPLETE, st, t0, reason=reason, stopped_at=where)

    def step_orders(self, frontier: list, items: list, after: list[list] | None = None) -> list:
        """The states after the records of `items` (k, rule, values, record) in any order that
        keeps each node's own order: a search over the set of records taken so far. When `after`
        is a list, it receives per item (in the order of `items`) the states right after that
        record in the orders that explain all of `items`: the states an invariant must hold in."""
        if len(items) == 1:
            _, rule, values, record = items[0]
            nxt = self.step(frontier, rule, values, record)
            if after is not None:
                after.append(nxt)
            return nxt
        nodes = [it[3].node for it in items]
        full = (1 << len(items)) - 1
        masks = sorted(range(full), key=lambda m: (bin(m).count("1"), m))
        layers: dict[int, dict] = {0: dict.fromkeys(frontier)}
        # with `after`: per set of records taken, (record, {state before: its successors})
        edges: dict[int, list[tuple[int, dict]]] = {}
        for mask in masks:
            states = layers.get(mask)
            if not states:
                continue
            for j, (_, rule, values, record) in enumerate(items):
                if mask >> j & 1 or any(not mask >> i & 1 for i in range(j) if nodes[i] == nodes[j]):
                    continue
                if after is None:
                    nxt = self.step(list(states), rule, values, record)
                else:
                    per = {s: self.step([s], rule, values, record) for s in states}
                    edges.setdefault(mask, []).append((j, per))
                    nxt = [t for ts in per.values() for t in ts]
                if nxt:
                    layer = layers.setdefault(mask | 1 << j, {})
                    layer.update(dict.fromkeys(nxt))
                    if len(layer) > self.opts.max_frontier:
                        raise _Bound(f"{len(layer):,} states consistent with the log exceed --max-frontier "
                                     f"{self.opts.max_frontier:,}")
        out = list(layers.get(full, ()))
        if after is not None:
            # backwards from the full set: keep the steps that lie on an order explaining every record
            posts: list[dict] = [{} for _ in items]
            alive: dict[int, set] = {full: set(out)}
            for mask in reversed(masks):
                here: set = set()
                for j, per in edges.get(mask, ()):
                    ok = alive.get(mask | 1 << j)
                    if not ok:
                        continue
                    post = posts[j]
                    for s, ts in per.items():
                        for t in ts:
                            if t in ok:
                                here.add(s)
                                post[t] = None
                alive[mask] = here
            after.extend(list(p) for p in posts)
        return out

    def bind(self, rule: Rule, record: Record) -> dict[str, Any]:
        """The rule's fields, converted to spec values; MISSING for an absent optional field."""
        out: dict[str, Any] = {}
        data = record.data
        assert data is not None, "a rule matched, so the record was decoded"
        for name, key, path, convert, optional in self.plans[rule.index]:
            raw = data.get(key, MISSING) if key is not None else get_path(data, path)
            if raw is MISSING or raw is None:
                if optional:
                    out[name] = MISSING
                    continue
                raise LogError(f"record has no field '{'.'.join(path)}' (field '{name}', read by rule '{rule.name}')",
                               _span(record), hint="if it may be absent, declare it optional = true in [fields]", code="TC208")
            try:
                out[name] = convert(raw)
            except ValueError as e:
                decl = self.m.fields[name]
                raise LogError(f"field '{name}' ({'.'.join(path)}): {e}, so it is not a {decl.ty.show()}",
                               _span(record), code="TC209", hint=self.params_hint(None)) from None
        return out

    def instance(self, rule: Rule, values: dict[str, Any], record: Record) -> tuple[str, tuple] | str:
        """(action, args) of the record, OPEN for an argument the search chooses, or a message
        when the action has no such instance. Raises LogError (TC211) for an argument outside
        its parameter's type, naming the parameter, its type and the params set on the command
        line (a wrong -D is the usual cause)."""
        assert rule.action is not None, "callers pass only rules that name an action"
        args: list[Any] = []
        for a in rule.args:
            if a.open:
                args.append(OPEN)
                continue
            if a.field is not None:
                v = values[a.field]
                if v is MISSING:
                    if a.optional:
                        args.append(OPEN)
                        continue
                    raise LogError(f"record has no field '{a.field}' (argument {a.formal} of {rule.action})", _span(record),
                                   code="TC208")
            else:
                if any(values[f] is MISSING for f in a.fields):  # an optional field, absent: open
                    args.append(OPEN)
                    continue
                v = a.expr.evaluate(self.dummy, {f: values[f] for f in a.fields})
            args.append(v)
        key = (rule.action, tuple(args))
        got = self.inst_memo.get(key)
        if got is None:
            self.check_args(rule, key[1], record)
            try:
                for concrete in self.concrete(key):
                    pyspec.instance(self.c, rule.action, concrete[1])
                got = key
            except UsageError as e:
                got = e.message
            if len(self.inst_memo) >= _MEMO_LIMIT:
                self.inst_memo.clear()
            self.inst_memo[key] = got
        return got

    def check_args(self, rule: Rule, args: tuple, record: Record) -> None:
        action = self.m.spec.action(rule.action)
        for a, f, v in zip(rule.args, action.formals, args):
            if v is OPEN:
                continue
            dom = self.domains.get((rule.action, f.name))
            if dom is None:
                dom = self.domains[(rule.action, f.name)] = frozenset(domain(f.ty))
            if v not in dom:
                raise LogError(f"argument {f.name} = {format_value(f.ty, v) if _fits(f.ty, v) else repr(v)} of "
                               f"{rule.action} (from `{a.text}`) is outside the parameter's type {f.ty.show()}",
                               _span(record), code="TC211",
                               hint=self.params_hint("do the spec's params (-D NAME=VALUE) match the system that wrote the log?"))

    def params_hint(self, otherwise: str | None) -> str | None:
        """The hint for a logged value outside its type: the -D params set on the command line."""
        by = [o for o in self.m.overrides if o.startswith("-D ")]
        if not by:
            return otherwise
        return "the type follows the spec's params, set here by " + ", ".join(by) + ": do they match the system that wrote the log?"

    def concrete(self, inst: tuple[str, tuple]) -> list[tuple[str, tuple]]:
        """The instances `inst` stands for: one per value of each OPEN argument."""
        if OPEN not in inst[1]:
            return [inst]
        got = self.open_memo.get(inst)
        if got is None:
            action = self.m.spec.action(inst[0])
            choices = [domain(f.ty) if v is OPEN else (v,) for f, v in zip(action.formals, inst[1])]
            got = self.open_memo[inst] = [(inst[0], args) for args in itertools.product(*choices)]
        return got

    def successors(self, s: tuple, inst: tuple[str, tuple]) -> list:
        """The states `inst` leads to from `s`, remembered per (state, instance): records that
        differ only in what they observe step the same state by the same instance."""
        key = (s, inst)
        got = self.succ_memo.get(key)
        if got is not None:
            return got
        if OPEN not in inst[1]:
            got = pyspec.successors(self.c, s, inst[0], inst[1])
        else:
            out: dict = {}
            for a, args in self.concrete(inst):
                for t in pyspec.successors(self.c, s, a, args):
                    out[t] = None
            got = list(out)
        if len(self.succ_memo) >= _MEMO_LIMIT:
            self.succ_memo.clear()
        self.succ_memo[key] = got
        return got

    def expand(self, frontier: list) -> list:
        """The frontier after up to H hidden steps (every state reached on the way included)."""
        if not self.H:
            return frontier
        seen = dict.fromkeys(frontier)
        layer = frontier
        memo = self.hidden_memo
        limit = self.opts.max_frontier
        for _ in range(self.H):
            nxt = []
            poll = self.poll
            for s in layer:
                if poll is not None:
                    poll()
                succs = memo.get(s)
                if succs is None:
                    out: dict = {}
                    for a, args in self.hidden_insts:
                        for t in pyspec.successors(self.c, s, a, args):
                            out[t] = None
                    succs = tuple(out)
                    if len(memo) >= _MEMO_LIMIT:
                        memo.clear()
                    memo[s] = succs
                for t in succs:
                    if t not in seen:
                        seen[t] = None
                        nxt.append(t)
            if len(seen) > limit:
                raise _Bound(f"{len(seen):,} states after hidden steps exceed --max-frontier {limit:,} "
                             f"(lower --hidden, or log more of the state)")
            self.switch_if(len(seen))
            if not nxt:
                break
            layer = nxt
        return list(seen)

    def step(self, frontier: list, rule: Rule, values: dict, record: Record) -> list:
        inst = self.instance(rule, values, record) if rule.action is not None else None
        if isinstance(inst, str):
            return []
        candidates = self.expand(frontier) if self.H else frontier
        vkey = (rule.index, *values.values())  # the instance is a function of the rule and the values
        memo = self.step_memo
        out: dict = {}
        obs = None
        poll = self.poll
        for s in candidates:
            if poll is not None:
                poll()
            key = (s, vkey)
            good = memo.get(key)
            if good is None:
                if obs is None:
                    obs = [observer(o, values) for o in rule.observe if all(values[f] is not MISSING for f in o.fields)]
                succs = [s] if inst is None else self.successors(s, inst)
                good = tuple(dict.fromkeys(t for t in succs if all(f(s, t) for f in obs)))
                if len(memo) >= _MEMO_LIMIT:
                    memo.clear()
                memo[key] = good
            for t in good:
                out[t] = None
        if len(out) > self.max_frontier:
            raise _Bound(f"{len(out):,} states consistent with the log exceed --max-frontier {self.max_frontier:,}")
        if self.switch_at is not None:
            self.switch_if(len(out))
        if inst is not None and self.may_open[rule.index] and OPEN in inst[1]:
            k = len(self.concrete(inst))
            if k > self.open_peak:
                self.open_peak = k
        return list(out)

    def switch_if(self, size: int) -> None:
        if self.opts.switch_at is not None and size > self.opts.switch_at:
            raise _Switch(f"the explicit frontier passed {self.opts.switch_at:,} states ({size:,})")

    # ---- invariants ---------------------------------------------------------------------------

    def track_invariants(self, frontier: list, ref: RecordRef, open_spans: dict, spans: list) -> int:
        """Extends or closes each invariant's span of records where it is false; returns the
        number of spans closed but not kept."""
        counts = dict.fromkeys(self.inv_names, 0)
        memo = self.inv_memo
        for s in frontier:
            bad = memo.get(s)
            if bad is None:
                bad = tuple(n for n, fn in self.inv_fns if fn(s) is not None)
                if len(memo) >= _MEMO_LIMIT:
                    memo.clear()
                memo[s] = bad
            for name in bad:
                counts[name] += 1
        dropped = 0
        for name, k in counts.items():
            cur = open_spans.get(name)
            if k:
                definite = 1 if k == len(frontier) else 0
                if cur is None:
                    open_spans[name] = [ref, ref, 1, definite]
                else:
                    cur[1] = ref
                    cur[2] += 1
                    cur[3] += definite
            elif cur is not None:
                del open_spans[name]
                if len(spans) < _SPANS_KEPT:
                    spans.append(InvariantSpan(name, cur[0], cur[1], cur[2], cur[3]))
                else:
                    dropped += 1
        return dropped

    # ---- results ------------------------------------------------------------------------------

    def result(self, verdict, n, matched, ignored, frontier, spans, open_spans, more, t0, peak, **kw) -> TraceResult:
        spans = list(spans)
        for name, cur in open_spans.items():
            if len(spans) < _SPANS_KEPT:
                spans.append(InvariantSpan(name, cur[0], cur[1], cur[2], cur[3]))
            else:
                more += 1
        spans.sort(key=lambda s: (s.first.index, s.invariant))
        seconds = time.perf_counter() - t0
        stats = {"seconds": round(seconds, 3), "records_per_second": int(n / seconds) if seconds > 0 else 0,
                 "peak_frontier": peak}
        if self.open_peak > 1:
            stats["open_instances"] = self.open_peak
        if self.switched:
            stats["switch"] = True
        return TraceResult(verdict, self.m.spec.name, self.m.file, self.logs, "explicit", self.H, n, matched, ignored,
                           frontier, invariants=self.inv_names, violations=tuple(spans), more_violations=more,
                           stats=stats, pending=self.obligations.pending() if verdict is Verdict.CONFORMS else (), **kw)

    def diverged(self, frontier, rule, values, record, n, recent, matched, ignored, spans, open_spans, more, t0,
                 peak) -> TraceResult:
        """The DIVERGES result at `record`. An invariant span still open ends with the last record
        explained: no state is consistent with `record`, so nothing is known after it."""
        ref = RecordRef(n, record.file, record.line, record.raw)
        inst = self.instance(rule, values, record) if rule.action is not None else None
        observed, observed_itf = self.observed(values)
        candidates = self.expand(frontier)
        explained: tuple[Candidate, ...]
        if isinstance(inst, str):
            step = f"{rule.action}(...)"
            explained = (Candidate((), {}, (Reason("args", inst),)),)
        else:
            step = "(observation only)" if inst is None else _show_step(self.m.spec, inst)
            explained = tuple(self.explain(s, rule, values, inst) for s in candidates[: self.opts.explain])
        shown = tuple(RecordRef(k, r.file, r.line, r.raw) for k, r in recent)
        div = Divergence(ref, rule.name, step, observed, shown, len(frontier), len(candidates), self.H, explained,
                         observed_itf)
        return self.result(Verdict.DIVERGES, n, matched, ignored, 0, spans, open_spans, more, t0, peak, divergence=div)

    def observed(self, values: dict) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, Any], ...]]:
        """The record's values of the rule's fields, formatted and as ITF (None for an absent one)."""
        fields = self.m.fields
        shown = tuple((k, "(absent)" if v is MISSING else format_value(fields[k].ty, v)) for k, v in values.items())
        return shown, tuple((k, None if v is MISSING else to_itf(fields[k].ty, v)) for k, v in values.items())

    def read_values(self, names: tuple[tuple[str, str], ...], state: tuple, inst: tuple[str, tuple]) -> tuple[tuple[str, Any], ...]:
        """The ITF values of what a false `require` reads (`names`: as pyspec.explain shows them:
        `holder`, `pending[3]`, a parameter `c`), each evaluated as an expression in `state` with
        the action's arguments; a name whose value the step was building (`holder'`) or that is
        no expression here (a local of the action) is left out."""
        action = self.m.spec.action(inst[0])
        params = {f.name: (f.ty.show(), v) for f, v in zip(action.formals, inst[1])}
        out = []
        for name, _ in names:
            if name.endswith("'"):
                continue
            key = (inst[0], name)
            e = self.read_memo.get(key, MISSING)
            if e is MISSING:
                try:
                    e = pyspec.expression(self.c, name, {p: t for p, (t, _) in params.items() if re.search(rf"\b{p}\b", name)})
                except PyspecError:
                    e = None
                self.read_memo[key] = e
            if e is None:
                continue
            try:
                v = e.evaluate(state, {p: params[p][1] for p in e.bindings})
            except SpecEvalError:
                continue
            out.append((name, to_itf(e.ty, v)))
        return tuple(out)

    def explain(self, state: tuple, rule: Rule, values: dict, inst) -> Candidate:
        spec = self.m.spec
        shown = tuple((v.name, format_value(v.ty, x)) for v, x in zip(spec.vars, state))
        itf = {v.name: to_itf(v.ty, x) for v, x in zip(spec.vars, state)}
        reasons: list[Reason] = []
        if inst is not None:
            options = self.concrete(inst)
            blocked = None
            for a, args in options:
                blocked = pyspec.explain(self.c, state, a, args)
                if blocked is None:
                    break
            if blocked is not None:  # every choice of the open arguments blocked: the last one's reason
                message = blocked.message
                if len(options) > 1:
                    message = f"{message} for every choice of the open arguments ({len(options)} tried; the last: {_show_step(spec, options[-1])})"
                reasons.append(Reason(blocked.kind, message, str(blocked.span), _clause(blocked.span), tuple(blocked.values),
                                      self.read_values(tuple(blocked.values), state, options[-1])))
                return Candidate(shown, itf, tuple(reasons))
            succs = self.successors(state, inst)
        else:
            succs = [state]
        active = [o for o in rule.observe if all(values[f] is not MISSING for f in o.fields)]
        failing = []
        for o in active:
            holds = observer(o, values)
            if not any(holds(state, t) for t in succs):
                failing.append(o)
        for o in failing:
            reasons.append(self.observation_reason(o, values, state, succs))
        if not failing:  # jointly unsatisfiable: narrow down observation by observation
            held: list = []
            narrowed = succs
            for o in active:
                holds = observer(o, values)
                keep = [t for t in narrowed if holds(state, t)]
                if not keep:
                    why = self.observation_reason(o, values, state, narrowed)
                    given = " and ".join(f"`{h.text}`" for h in held)
                    reasons.append(Reason("observation", f"in the successors where {given} holds, " + why.message,
                                          why.where, why.clause, why.values, why.itf, why.allowed))
                    break
                held.append(o)
                narrowed = keep
        return Candidate(shown, itf, tuple(reasons))

    def observation_reason(self, o, values: dict, state: tuple, succs: list) -> Reason:
        where = str(o.span)
        if o.sides is None:
            return Reason("observation", f"`{o.text}` is false in all {len(succs)} successors", where, o.text)
        state_text, se, logged_text, le = o.sides
        lv = {f: values[f] for f in o.fields if f in se.bindings or f in le.bindings}
        value = le.evaluate(state, {k: v for k, v in lv.items() if k in le.bindings})
        logged = format_value(le.ty, value)
        options: dict[str, Any] = {}
        for t in succs:
            v = se.evaluate(t, {k: v for k, v in lv.items() if k in se.bindings})
            options.setdefault(format_value(se.ty, v), v)
        allowed = sorted(options)
        return Reason("observation",
                      f"the record says {logged_text} = {logged}; the spec allows {state_text} = " + " or ".join(allowed),
                      where, o.text, ((logged_text, logged), (state_text, " or ".join(allowed))),
                      ((logged_text, to_itf(le.ty, value)),),
                      ((state_text, tuple(to_itf(se.ty, options[a]) for a in allowed)),))

    def __repr__(self) -> str:
        return f"<validator {self.m.spec.name}>"


class _Dispatch:
    """Finds the first rule whose `when` conditions a record meets. When every rule tests the
    same single field, a dict lookup does it."""

    def __init__(self, rules: tuple[Rule, ...]) -> None:
        self.rules = rules
        paths = {tuple(p for p, _ in r.when) for r in rules}
        self.table: dict | None = None
        self.key: str | None = None  # the one key every rule tests, when a dict lookup does it
        if len(paths) == 1 and len(next(iter(paths))) == 1 and all(
                isinstance(v, (str, int)) and not isinstance(v, bool) for r in rules for v in r.when[0][1]):
            self.path = next(iter(paths))[0]
            table: dict = {}
            for r in rules:
                for v in r.when[0][1]:
                    table.setdefault(v, r)
                    table.setdefault(str(v), r)
            self.table = table
            self.key = self.path[0] if len(self.path) == 1 else None

    def find(self, data: dict) -> Rule | None:
        if self.table is not None:
            v = data.get(self.key, MISSING) if self.key is not None else get_path(data, self.path)
            try:
                return self.table.get(v)
            except TypeError:  # an unhashable value (a list, an object) matches no rule
                return None
        for r in self.rules:
            if all(any(_same(got, w) for w in want) for p, want in r.when for got in (get_path(data, p),)):
                return r
        return None


def _binder(index: int, plan: list) -> Callable[[dict], tuple | None]:
    """The compiled binding of a rule's fields for a JSON record: (rule index, converted
    values in the rule's field order), or None when any field is absent, null, nested or does
    not convert; `_Validator.bind` then takes the record and says what is wrong with it."""
    if any(key is None for _, key, _, _, _ in plan):
        return lambda data: None
    keys = tuple(key for _, key, _, _, _ in plan)
    convs = tuple(convert for _, _, _, convert, _ in plan)
    if len(plan) == 3:  # the usual rule: a node, and two observed fields
        (k1, k2, k3), (c1, c2, c3) = keys, convs

        def bind3(data: dict) -> tuple | None:
            get = data.get
            a, b, c = get(k1), get(k2), get(k3)
            if a is None or b is None or c is None:
                return None
            try:
                return (index, c1(a), c2(b), c3(c))
            except ValueError:
                return None

        return bind3

    def bind(data: dict) -> tuple | None:
        get = data.get
        raw = [get(k) for k in keys]
        if None in raw:
            return None
        try:
            return (index, *[c(v) for c, v in zip(convs, raw)])
        except ValueError:
            return None

    return bind


class _Open:
    """An action argument the search chooses (`"?"` in the mapping, or an absent optional field)."""

    def __repr__(self) -> str:
        return "?"


OPEN = _Open()


def _fits(ty, v: Any) -> bool:
    try:
        format_value(ty, v)
        return True
    except Exception:  # a value of another shape: shown with repr
        return False


def observer(o, values: dict[str, Any]) -> Callable[[tuple, tuple], bool]:
    """Observation `o` on one record's values, as a function of (state before, state after)."""
    e = o.expr
    v = {f: values[f] for f in o.fields if f in e.bindings}
    if not o.pre:
        return lambda s, t: e.evaluate(t, v)
    pre = [(name, ie, {f: values[f] for f in o.fields if f in ie.bindings}) for name, ie in o.pre]

    def holds(s: tuple, t: tuple) -> bool:
        w = dict(v)
        for name, ie, iv in pre:
            w[name] = ie.evaluate(s, iv)
        return e.evaluate(t, w)

    return holds


_BATCH = 6  # records searched in every order at most: 6! orders when all nodes differ


def _batches(records: Iterable[Record], skew: float) -> Iterable[tuple[list[Record], int, bool]]:
    """Runs of consecutive records, each closer than `skew` to the one before it, as (batch,
    index of the first record of its run, cut): at most _BATCH records a batch, and `cut` says
    this batch was cut by that cap while the next record is still within the skew."""
    batch: list[Record] = []
    last: float | None = None
    n = run_start = 0
    for r in records:
        n += 1
        t = _seconds_of(r.clock)
        if batch:
            close = t is not None and last is not None and _within(t, last, skew)
            if not close or len(batch) >= _BATCH:
                yield batch, run_start, close
                batch = []
                if not close:
                    run_start = n
        else:
            run_start = n
        batch.append(r)
        last = t
    if batch:
        yield batch, run_start, False


def _within(t: float, last: float, skew: float) -> bool:
    """t - last < skew, for timestamps that may be integers too large for a float (exact then)."""
    try:
        return t - last < skew
    except OverflowError:  # an integer beyond a float's range minus a float: astronomically apart
        return False


def _seconds_of(clock: Any) -> float | None:
    """A merged timestamp as a number: (0, number) as it is (an int stays exact), (1, ISO-8601
    text) in seconds."""
    if not isinstance(clock, tuple):
        return None
    if clock[0] == 0:
        return clock[1]
    try:
        import datetime

        return datetime.datetime.fromisoformat(str(clock[1]).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _same(got: Any, want: Any) -> bool:
    if got is MISSING:
        return False
    return got == want or (isinstance(got, str) != isinstance(want, str) and str(got) == str(want))


def _arg_tuples(action) -> list[tuple]:
    return list(itertools.product(*(domain(f.ty) for f in action.formals)))


def _show_step(spec, inst: tuple[str, tuple]) -> str:
    action = spec.action(inst[0])
    return f"{inst[0]}(" + ", ".join(f"{f.name}=" + ("?" if v is OPEN else format_value(f.ty, v))
                                     for f, v in zip(action.formals, inst[1])) + ")"


def _span(r: Record) -> Span:
    return Span(r.file, r.line, 1, r.line, len(r.raw) + 1)


def _clause(span: Span) -> str | None:
    try:
        with open(span.file, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except (OSError, UnicodeDecodeError):
        return None
    if not 1 <= span.line <= len(lines):
        return None
    line = lines[span.line - 1]
    if span.end_line == span.line and span.end_col > span.col:
        return line[span.col - 1 : span.end_col - 1]
    return line[span.col - 1 :].rstrip()


__all__ = ["Options", "validate_records"]
