"""Solver plumbing shared by the Z3 engines: a solver with the user's time limit, and
push/pop frames that are popped also when a check raises.

Which solver: over bit-vectors and Booleans only (the default integer encoding), Z3's
finite-domain solver (logic QF_FD: the formula bit-blasted into its incremental SAT solver,
push/pop and assumptions included); otherwise Z3's default solver, which after the first push
is its incremental SMT core. Measured on one shared machine, BMC CPU seconds, default against
QF_FD: Raft (3 servers, terms 1..2, log 2) to its depth-9 bug 34 against 2.5; Chandra-Toueg
(N = 3, 3 rounds) to depth 10 32.6 against 1.7; Paxos to depth 10 2.6 against 0.7
(docs/performance.md)."""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterator

import z3

from pyspec.limits import memory_exhausted, memory_left, poll_budgets, time_left
from pyspec.progress import interrupted_by_user


class _BoundedSolver(z3.Solver):
    """A solver whose every check gets at most its own timeout and the time left before the
    deadline of the `Budget` in force (the timer cannot interrupt Z3's C code): past the deadline
    a check answers unknown at once, and the next timer tick stops the work."""

    def __init__(self, timeout: float | None, finite: bool = False) -> None:
        if finite:
            ctx = z3.main_ctx()
            super().__init__(z3.Z3_mk_solver_for_logic(ctx.ref(), z3.to_symbol("QF_FD", ctx)), ctx)
        else:
            super().__init__()
        self.own_timeout = timeout

    def check(self, *assumptions, seconds: float | None = None):
        """Check within the least of this solver's timeout, `seconds` and the budget's time left."""
        bounds = [b for b in (self.own_timeout, seconds, time_left()) if b is not None]
        if bounds:
            self.set("timeout", max(1, int(min(bounds) * 1000)))
        # Z3's own memory bound during the check (the timer cannot stop its C code): what Z3 holds
        # now (part of the resident set already) plus what the budget leaves
        memory = memory_left()
        t0 = time.perf_counter()
        try:
            if memory is not None:
                held = z3.z3core.Z3_get_estimated_alloc_size() / (1 << 20)
                z3.set_param("memory_max_size", max(16, int(held + memory)))
            result = super().check(*assumptions)
        except z3.Z3Exception as e:
            if memory is not None and "out of memory" in str(e):
                memory_exhausted("in a Z3 check")
            raise
        finally:
            if memory is not None:
                z3.set_param("memory_max_size", 0)  # a global of Z3's: no bound outside the check
        if result == z3.unknown:
            # the default solver says "out of memory", the finite-domain one "(sat.giveup out of memory)"
            if memory is not None and "out of memory" in (self.reason_unknown() or ""):
                memory_exhausted("in a Z3 check")
            # Z3 catches Ctrl-C inside a check itself and cancels it: "interrupted from keyboard" is
            # always the user's; "canceled" (a timeout says it too) only when it came early
            why = self.reason_unknown()
            if why == "canceled":  # a deadline that has come (or comes within 0.1 s) is the reason, not Ctrl-C
                poll_budgets(0.1)
            if why == "interrupted from keyboard" or (
                    why == "canceled" and (not bounds or time.perf_counter() - t0 < 0.9 * min(bounds))):
                interrupted_by_user()
            poll_budgets(0.1)  # unknown because the deadline came: stop with the budget's reason
        return result


def new_solver(timeout: float | None, finite: bool = False) -> z3.Solver:
    """A fresh solver; `timeout` (seconds, None for none) bounds each of its checks, and a
    check that runs out answers unknown. `finite`: every term asserted will be a Boolean or a
    bit-vector (the bit-vector integer encoding), so Z3's finite-domain solver can take them."""
    return _BoundedSolver(timeout, finite)


@contextmanager
def frame(solver: z3.Solver) -> Iterator[z3.Solver]:
    """push ... pop around a group of assertions, also when the check raises."""
    solver.push()
    try:
        yield solver
    finally:
        solver.pop()


__all__ = ["new_solver", "frame"]
