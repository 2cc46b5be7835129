"""Resource bounds that hold in every phase: a wall-clock deadline and a resident-memory bound.

A `Budget` is armed around a phase (init enumeration, the search, a log's records). While armed,
an interval timer (SIGPROF, every `_TICK` s of CPU time) runs a handler that compares the clock
and the resident set with the bounds and raises `LimitReached` at the next bytecode, wherever the
engine is: between states, inside one expensive expansion, while folding a constant or encoding
a window. The hot loops pay nothing. When no timer can be armed (not the main thread, or SIGPROF
already in use, e.g. by a profiler), `poll()` is the fallback, and the engines call it between
states and records: the grain is then one expansion.

Code that runs in C (one Z3 check) is not interrupted by the handler; Z3 gets the remaining time
as its own timeout instead (`remaining`).

tracecheck imports this module (public, like `pyspec.types`).
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import threading
import time
from typing import Any, Iterator

_TICK = 0.02  # seconds of CPU time between checks of the bounds


def _late_tick(signum, frame) -> None:
    """SIGPROF's handler once no budget is armed: a tick that another thread's C-level handler
    caught while the timer stopped is dropped here. Under SIG_IGN, Python would raise
    "OSError: Signal 27 ignored due to race condition" in whatever code ran next."""


_FREE = (signal.SIG_DFL, signal.SIG_IGN, None, _late_tick)  # SIGPROF dispositions no one else is using
_ACTIVE: list[Budget] = []  # the budgets entered and not yet left, innermost last
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


class LimitReached(BaseException):
    """A time or memory bound stopped the work (the verdict is INCOMPLETE). A BaseException, like
    KeyboardInterrupt: it may be raised at any bytecode, and no `except Exception` may eat it."""

    def __init__(self, reason: str, hint: str = "raise the limit or lower the params") -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint


def check_bounds(time_limit: float | None, max_memory: float | None, code: str) -> None:
    """Raise UsageError (`code`: each tool's own) for a time limit or memory bound that no run
    can honour: inf, nan or a negative number (a time limit of 0 stops at the first check)."""
    from pyspec.errors import UsageError

    if time_limit is not None and not (math.isfinite(time_limit) and time_limit >= 0):
        raise UsageError(f"--time-limit must be a finite number of seconds, 0 or more, not {time_limit:g}",
                         hint="leave --time-limit out for no limit", code=code)
    if max_memory is not None and not (math.isfinite(max_memory) and max_memory > 0):
        raise UsageError(f"--max-memory must be a finite number of MB above 0, not {max_memory:g}", code=code)


def resident_mb() -> float | None:
    """The resident set of this process in MB (None where /proc is not available)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE / (1 << 20)
    except (OSError, ValueError, IndexError):
        return None


def default_max_memory() -> int | None:
    """75% of physical memory in MB (None when unknown): the default --max-memory."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES") * _PAGE * 3 // 4 // (1 << 20))
    except (ValueError, OSError, AttributeError):
        return None


class Budget:
    """A deadline (`time_limit` seconds after `started`, a time.perf_counter() value; default
    now) and a memory bound (`max_memory` MB of resident set). Use as a context manager:

        with Budget(5, 1024) as b:
            ...            # LimitReached is raised here once a bound is passed
            b.poll()       # the same check, by hand (cheap)
    """

    def __init__(self, time_limit: float | None = None, max_memory: float | None = None,
                 started: float | None = None) -> None:
        self.time_limit = time_limit
        self.max_memory = max_memory
        self.started = time.perf_counter() if started is None else started
        self.deadline = None if time_limit is None else self.started + time_limit
        self.armed = False  # a timer runs (this budget's or an enclosing one's): the engines need not poll
        self._owns_timer = False
        self._active = False
        self._old_handler: Any = None

    def __enter__(self) -> Budget:
        with _signals_held():  # an enclosing budget's tick or Ctrl-C must not leave this half entered
            self._active = True
            outer = any(b._owns_timer for b in _ACTIVE)
            _ACTIVE.append(self)
            if self.deadline is None and self.max_memory is None:
                return self
            if outer:  # an enclosing budget's timer polls every budget entered (nested phases)
                self.armed = True
                return self
            if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
                return self
            if signal.getsignal(signal.SIGPROF) not in _FREE or signal.getitimer(signal.ITIMER_PROF)[0]:
                return self  # someone else's (a profiler): poll instead
            self._old_handler = signal.signal(signal.SIGPROF, self._on_tick)
            signal.setitimer(signal.ITIMER_PROF, _TICK, _TICK)
            self.armed = self._owns_timer = True
            return self

    def __exit__(self, *exc) -> None:
        with _signals_held():  # nor half left: a stale budget would bound later work
            self._active = False
            self._disarm()
            if self in _ACTIVE:
                _ACTIVE.remove(self)

    def _disarm(self) -> None:
        self.armed = False
        if self._owns_timer:
            self._owns_timer = False
            signal.setitimer(signal.ITIMER_PROF, 0, 0)
            # Never back to SIG_DFL, whose action for SIGPROF ends the process: a tick generated
            # just before the timer stopped, still pending (held by _signals_held), would kill us
            # (seen: exit -27 in the test suite). Nor SIG_IGN: a tick delivered to another thread
            # (this one holds SIGPROF) whose C handler flags it just as the handler changes would
            # then raise OSError in the next Python code (seen in the test suite). A no-op.
            old = self._old_handler
            signal.signal(signal.SIGPROF, _late_tick if old in _FREE else old)

    def _on_tick(self, signum, frame) -> None:
        # Never inside z3's bindings: an exception raised there crosses ctypes, which turns it
        # into ctypes.ArgumentError (an internal error) and can leave reference counts half done.
        # The next tick outside z3 stops the work instead.
        if self._active and not in_z3(frame):
            poll_budgets()

    def exceeded(self, slack: float = 0.0) -> str | None:
        """Why a bound is passed now, or within `slack` seconds ("time limit of 5 s reached"), or None."""
        if self.deadline is not None and time.perf_counter() + slack > self.deadline:
            return f"time limit of {self.time_limit:g} s reached"
        if self.max_memory is not None:
            rss = resident_mb()
            if rss is not None and rss > self.max_memory:
                return f"memory limit of {self.max_memory:,.0f} MB reached ({rss:,.0f} MB resident)"
        return None

    def poll(self, slack: float = 0.0) -> None:
        """Raise LimitReached when a bound is passed (once: the budget then stops checking)."""
        if not self._active:
            return
        why = self.exceeded(slack)
        if why is not None:
            self._active = False
            self._disarm()
            flag = "--time-limit" if why.startswith("time") else "--max-memory"
            raise LimitReached(why, f"raise {flag} or lower the params")

    def remaining(self) -> float | None:
        """Seconds left before the deadline (0 when passed; None: no deadline)."""
        return None if self.deadline is None else max(0.0, self.deadline - time.perf_counter())


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGPROF (the ticks) and the stop signals (SIGINT, SIGTERM, SIGHUP: pyspec.progress)
    while the budgets' bookkeeping changes: their Python handlers, which may raise, run once it
    is done (main thread only; elsewhere no-op)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = {signal.SIGPROF, signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def in_z3(frame: Any) -> bool:
    """Whether a signal handler called in `frame` runs inside z3's Python bindings: that frame or
    any caller of it (a handler may run in code that z3 called, or in another handler that was
    itself called inside z3). An exception raised there would cross ctypes."""
    while frame is not None:
        if str(frame.f_globals.get("__name__", "")).startswith("z3"):
            return True
        frame = frame.f_back
    return False


def time_left() -> float | None:
    """Seconds before the nearest deadline of the budgets entered now (None: no deadline): what a
    call into C that the timer cannot interrupt (one Z3 check) may spend."""
    left = [r for r in (b.remaining() for b in _ACTIVE if b._active) if r is not None]
    return min(left) if left else None


def memory_left() -> float | None:
    """MB the process may still grow before the nearest memory bound of the budgets entered now
    (None: no bound): what Z3, whose allocations the timer cannot interrupt, may take."""
    bounds = [b.max_memory for b in _ACTIVE if b.max_memory is not None and b._active]
    if not bounds:
        return None
    rss = resident_mb() or 0.0
    return max(0.0, min(bounds) - rss)


def memory_exhausted(where: str) -> None:
    """Raise LimitReached for the nearest memory bound: Z3 ran out of the memory it was given
    (`where`: what it was doing)."""
    bound = min((b.max_memory for b in _ACTIVE if b.max_memory is not None and b._active), default=0.0)
    raise LimitReached(f"memory limit of {bound:,.0f} MB reached ({where})", "raise --max-memory or lower the params")


def poll_budgets(slack: float = 0.0) -> None:
    """Poll every budget entered now (raises LimitReached when one is passed, or will be within
    `slack` seconds: a Z3 check given the time left may stop a little early)."""
    for b in list(_ACTIVE):
        b.poll(slack)


__all__ = ["Budget", "LimitReached", "check_bounds", "default_max_memory", "in_z3", "memory_exhausted", "memory_left",
           "poll_budgets", "resident_mb", "time_left"]
