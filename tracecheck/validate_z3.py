"""Symbolic validation: the log as a path constraint solved by Z3 (`--engine z3`).

Each record adds up to H hidden steps (the mapping's hidden actions, or no step), the record's
own step and its observations, all guarded by one Boolean per record. Records are checked a
window at a time: a satisfiable window is committed (its guards asserted); an unsatisfiable one
is searched, record by record under assumptions, for the first record no behaviour explains.
The states consistent with the log stay implicit, so logs that observe little do not blow up a
frontier; the price is a solver call per window and a constraint that grows with the log.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Any, Iterable

import pyspec
from pyspec.errors import SpecEvalError, UsageError
from pyspec.limits import Budget, LimitReached, resident_mb
from pyspec.result import Verdict
from tracecheck.errors import LogError
from tracecheck.mapping import Mapping
from tracecheck.readers.record import MISSING, Record
from tracecheck.result import Divergence, RecordRef, TraceResult, end_of_log
from tracecheck.validate import Options, _Bound, _show_step, _span, _started, _Validator, within_limits

WINDOW = 32  # records per solver check


def validate_records_z3(mapping: Mapping, records: Iterable[Record], opts: Options = Options(),
                        logs: tuple[str, ...] = (), window: int = WINDOW) -> TraceResult:
    """Like `validate.validate_records`, with the states kept symbolically. Invariants on the
    log need the explicit engine (UsageError)."""
    unsupported = explicit_only(mapping, opts.invariants)
    if unsupported is not None:
        raise unsupported
    return within_limits(mapping, opts, logs, "z3", lambda: _Z3Validator(mapping, opts, logs, window).run(records))


def explicit_only(m: Mapping, invariants: tuple[str, ...] | None = None) -> UsageError | None:
    """What in this run only the explicit engine checks, as the error `--engine z3` gives
    (TC305, TC307); None when Z3 can check it (and `--engine auto` may move to Z3)."""
    if invariants:
        return UsageError("--invariants needs the explicit engine", hint="drop --engine z3", code="TC305")
    if m.uses_pre_state:
        o = next(o for r in m.rules for o in r.observe if o.pre)
        return UsageError(f"observation `{o.text}` reads the state before the step (old(...)), which only the explicit "
                          "engine does", hint="use --engine explicit (or auto, which then stays explicit)", code="TC307")
    if m.log.skew:
        return UsageError(f"[log] skew = {m.log.skew:g} (records in either order) needs the explicit engine",
                          hint="use --engine explicit (or auto, which then stays explicit)", code="TC307")
    return None


class _Z3Validator(_Validator):
    def __init__(self, m: Mapping, opts: Options, logs: tuple[str, ...], window: int) -> None:
        super().__init__(m, opts, logs)
        self.window = max(1, window)
        # no solver timeout of its own: each check gets the time left of --time-limit (run), and a
        # limit of 0 is tracecheck's to report (INCOMPLETE), not an error about a Z3 timeout
        self.ts = pyspec.trace_solver(m.spec)
        self.hidden_idx = tuple(self.ts.instance(a, args) for a, args in self.hidden_insts)
        self.budget = Budget()  # replaced by run's
        # where the current solver's path starts: (records explained before it, its state, None
        # for the initial states, steps before it); the first is the log's start
        self.anchors: list[tuple[int, tuple | None, int]] = [(0, None, 0)]
        self.history: list = []  # every explained record's constraints, to check again from an earlier anchor
        self.steps_before = 0  # steps of the path before the current solver's state 0
        self.encoded = 0  # records encoded (again after a back-off): the work, linear in a log that needs none
        self.rechecks = 0  # windows checked again from an earlier anchor

    def run(self, records: Iterable[Record]) -> TraceResult:
        """The limits hold while records are encoded (a timer, pyspec.limits) and in each
        solver call, whose Z3 timeout is the time left."""
        t0 = _started(self.opts)
        n: list = [0, None]  # the record being encoded, for the summary
        try:
            with Budget(self.opts.time_limit, self.opts.max_memory, t0) as budget:
                self.budget = budget
                return self._run_z3(records, t0, n)
        except LimitReached as stop:
            rss = resident_mb()
            mem = f", {rss:,.0f} MB resident" if rss is not None else ""
            rec = n[1]
            where = None if rec is None else RecordRef(n[0], rec.file, rec.line, rec.raw)
            return self._result(Verdict.INCOMPLETE, n[0], 0, 0, t0, stopped_at=where,
                                reason=f"{stop.reason} at record {n[0]} (encoding the log{mem}); {stop.hint}")

    def _run_z3(self, records: Iterable[Record], t0: float, counter: list) -> TraceResult:
        deadline = None if self.opts.time_limit is None else t0 + self.opts.time_limit
        recent: deque[RecordRef] = deque(maxlen=self.opts.recent)
        pending: list = []  # (literal, n, record, rule, values, encoded) of the open window
        n = matched = ignored = 0
        last_state = None  # a state consistent with the log up to the committed records
        unmatched_reject = self.m.log.unmatched == "reject"
        for record in records:
            n += 1
            counter[:] = n, record
            self.budget.poll()
            rule = self.dispatch.find(record.data) if record.data is not None else None
            if rule is None:
                if unmatched_reject:
                    raise LogError("record matches no rule of the mapping" if record.data is not None
                                   else "line does not match the mapping's pattern", _span(record),
                                   hint='set [log] unmatched = "ignore" to skip such records', code="TC206")
                ignored += 1
                continue
            values = self.bind(rule, record)
            inst = self.instance(rule, values, record) if rule.action is not None else None
            if isinstance(inst, str):
                pending.append((None, n, record, rule, values, None))
            else:
                encoded = (None if inst is None else tuple(self.ts.instance(*c) for c in self.concrete(inst)),
                           [(o.expr, {f: values[f] for f in o.fields}) for o in rule.observe
                            if all(values[f] is not MISSING for f in o.fields)])
                pending.append((self._add(encoded), n, record, rule, values, encoded))
            if len(pending) >= self.window or pending[-1][0] is None:
                if deadline is not None and time.perf_counter() > deadline:
                    return self._incomplete(pending[0], f"time limit of {self.opts.time_limit:g} s reached",
                                            n, matched, ignored, t0)
                verdict, last_state = self._settle(pending, last_state, recent, t0, n, matched, ignored)
                if isinstance(verdict, TraceResult):
                    return verdict
                matched += len(pending)
                pending = []
        if pending:
            verdict, last_state = self._settle(pending, last_state, recent, t0, n, matched, ignored)
            if isinstance(verdict, TraceResult):
                return verdict
            matched += len(pending)
        verdict, reason = end_of_log(n, matched, self.m.log.format)
        return self._result(verdict, n, matched, ignored, t0, reason=reason)

    def _add(self, encoded) -> Any:
        """One record's constraints (its step instances, its observations) on the current solver."""
        self.encoded += 1
        return self.ts.add_record(encoded[0], self.hidden_idx, self.H, encoded[1])

    def _settle(self, pending, last_state, recent, t0, n, matched, ignored):
        """Check the open window; commit it, or find and report its first unexplained record.

        The solver's path starts at the state a model of the log before the window reached
        (an anchor), so a check costs the same however long the log: a satisfiable window
        extends a concrete behaviour explaining every record so far, and its model's last
        state is the next anchor. An unsatisfiable window may only mean that
        the anchor was a poor choice, so it is checked again from earlier anchors, and from
        the initial states before anything is reported: a divergence is only ever claimed by
        the whole log's path constraint, or by the window's alone when no state at all explains
        it (`_local_divergence`). An undecided check ("unknown") is INCOMPLETE, as it is from
        the initial states."""
        lits = [p[0] for p in pending if p[0] is not None]
        complete = len(lits) == len(pending)
        answer = self.ts.check(lits, self.budget.remaining()) if complete else "unsat"
        if answer == "unsat" and self.anchors[-1][1] is not None:
            local = self._local_divergence(pending, last_state)
            if local is not None:
                i, last_state = local
                for _, k, rec, _, _, _ in pending[:i]:
                    recent.append(RecordRef(k, rec.file, rec.line, rec.raw))
                _, k, rec, rule, values, _ = pending[i]
                return self._diverged(rec, k, rule, values, last_state, recent, matched + i, ignored, t0), last_state
            answer, lits = self._back_off(pending, complete)
        ts = self.ts
        if answer == "sat":
            state = ts.model_state(lits[-1]) if lits else last_state
            ts.commit(lits)
            for _, k, rec, _, _, encoded in pending:
                recent.append(RecordRef(k, rec.file, rec.line, rec.raw))
                self.history.append(encoded)
            if lits and ts.k >= self.window:  # the next window starts from this model's last state
                self.anchors.append((len(self.history), state, self.steps_before + ts.k))
                self.steps_before += ts.k
                self.ts = ts.restart(state)
            return None, state
        if answer == "unknown":
            return self._incomplete(pending[0], ts.reason_unknown(), n, matched, ignored, t0), last_state
        # the first record of the window that makes the constraint unsatisfiable
        prefix: list = []
        for lit, k, rec, rule, values, _ in pending:
            if lit is None:
                return self._diverged(rec, k, rule, values, last_state, recent, matched, ignored, t0), last_state
            answer = ts.check(prefix + [lit], self.budget.remaining())
            if answer == "unknown":
                return self._incomplete((lit, k, rec, rule, values), ts.reason_unknown(), n, matched, ignored, t0), last_state
            if answer == "unsat":
                return self._diverged(rec, k, rule, values, last_state, recent, matched, ignored, t0), last_state
            prefix.append(lit)
            last_state = ts.model_state(lit)
            recent.append(RecordRef(k, rec.file, rec.line, rec.raw))
            matched += 1
        raise AssertionError("an unsatisfiable window whose every prefix is satisfiable")

    def _local_divergence(self, pending, last_state) -> tuple[int, Any] | None:
        """For a window its anchor cannot explain: (i, a state consistent with the log before
        pending[i]) when pending[i] is the log's first unexplained record, shown without the
        log before the window: the window's records before it are explained from the anchor
        (so by a behaviour from an initial state), and the records from the window's start to
        it are explained from no state at all, reachable or not (or pending[i] names no action
        instance). None when this does not show it; the window is then checked from earlier
        anchors."""
        ts = self.ts
        prefix: list = []
        for i, (lit, *_) in enumerate(pending):
            if lit is None:
                return i, last_state
            answer = ts.check(prefix + [lit], self.budget.remaining())
            if answer == "unknown":
                return None
            if answer == "unsat":
                break
            prefix.append(lit)
            last_state = ts.model_state(lit)
        else:
            return None
        anywhere = ts.restart(None, anywhere=True)
        self.ts = anywhere  # for _add
        try:
            lits = [self._add(p[5]) for p in pending[: i + 1]]
            answer = anywhere.check(lits, self.budget.remaining())
        finally:
            self.ts = ts
        return (i, last_state) if answer == "unsat" else None

    def _back_off(self, pending, complete: bool) -> tuple[str, list]:
        """The open window checked again from earlier anchors (1, 3, 7, ... back, then the
        initial states), each with the records since that anchor committed (a concrete
        behaviour explains them); stops at the first check that is not unsatisfiable. Returns
        the last answer and the window's literals on the solver it leaves in `self.ts` (which
        starts at the initial states unless the answer is "sat" or "unknown")."""
        back = 1
        while True:
            j = max(0, len(self.anchors) - 1 - back) if complete else 0
            self.rechecks += 1
            del self.anchors[j + 1:]
            count, state, steps = self.anchors[j]
            self.ts = self.ts.restart(state)
            self.steps_before = steps
            for encoded in self.history[count:]:
                self.ts.commit([self._add(encoded)])
            lits = []
            for i, p in enumerate(pending):
                if p[0] is not None:
                    lit = self._add(p[5])
                    pending[i] = (lit, *p[1:])
                    lits.append(lit)
            if j == 0 and state is None:
                answer = self.ts.check(lits, self.budget.remaining()) if complete else "unsat"
                return answer, lits
            answer = self.ts.check(lits, self.budget.remaining())
            if answer != "unsat":  # "unknown": Z3 could not decide, and nothing earlier is known
                return answer, lits
            back = 2 * back + 1

    def _diverged(self, record, k, rule, values, last_state, recent, matched, ignored, t0) -> TraceResult:
        ref = RecordRef(k, record.file, record.line, record.raw)
        inst = self.instance(rule, values, record) if rule.action is not None else None
        observed, observed_itf = self.observed(values)
        explained: tuple[Candidate, ...]
        if isinstance(inst, str):
            from tracecheck.result import Candidate, Reason

            step, explained = f"{rule.action}(...)", (Candidate((), {}, (Reason("args", inst),)),)
        else:
            step = "(observation only)" if inst is None else _show_step(self.m.spec, inst)
            example = last_state if last_state is not None else self.c.initial_states()[0]
            try:  # the model's state, then (with hidden steps) states up to H hidden steps from it
                tried = self.expand([example])[: self.opts.explain] if self.H else [example]
                explained = tuple(self.explain(t, rule, values, inst) for t in tried)
            except (SpecEvalError, _Bound):
                explained = ()
        div = Divergence(ref, rule.name, step, observed, tuple(recent), -1, -1, self.H, explained, observed_itf)
        return self._result(Verdict.DIVERGES, k, matched, ignored, t0, divergence=div)

    def _incomplete(self, pending_item, why, n, matched, ignored, t0) -> TraceResult:
        k, rec = pending_item[1], pending_item[2]
        where = RecordRef(k, rec.file, rec.line, rec.raw)
        return self._result(Verdict.INCOMPLETE, n, matched, ignored, t0,
                            reason=f"Z3 could not decide the window starting at record {k} ({where.where()}): {why}",
                            stopped_at=where)

    def _result(self, verdict, n, matched, ignored, t0, **kw) -> TraceResult:
        seconds = time.perf_counter() - t0
        stats = {"seconds": round(seconds, 3), "records_per_second": int(n / seconds) if seconds > 0 else 0,
                 "window": self.window, "states": self.steps_before + self.ts.k + 1,
                 "encoded_records": self.encoded, "rechecks": self.rechecks}
        return TraceResult(verdict, self.m.spec.name, self.m.file, self.logs, "z3", self.H, n, matched, ignored,
                           -1 if verdict is Verdict.CONFORMS else 0, stats=stats, **kw)
