"""Progress of long work, and Ctrl-C as a stop with a summary: the commands' side of a long run.

Engines only publish what they are doing: `with watch(probe, unit):` around their loop, where
`probe()` returns `(count, text)`, e.g. `(1234567, "1,234,567 states, depth 12, queue 345,678")`.
Without a `Session` (library use, or a command whose progress is off) `watch` does nothing.

A `Session` (entered by `pyspec` and `tracecheck` around one command) does two things:

- With progress on, a background thread calls the innermost probes every `interval` seconds
  and writes one line to the stream (stderr), as TLC does:
  `progress: 12 s, 1,234,567 states, depth 12, queue 345,678, 98,765 states/s, 1,234 MB resident`.
  The hot loops pay nothing for it: they keep their counters where the probe can read them (a
  list, updated at the checkpoints they already have), and the thread reads them. The thread
  also runs while Z3 is solving (ctypes releases the GIL), so a long check shows its depth.
  Lines are written only while some probe is watched, never while the result is printed.
- Ctrl-C raises `Interrupted`, a `LimitReached`: every engine already turns a limit into an
  INCOMPLETE (or UNKNOWN) result with what was done so far, exit 3. Z3 catches Ctrl-C inside a
  check and answers unknown ("interrupted from keyboard"); `pyspec.symbolic.solver` then raises
  the signal again, here.

tracecheck imports this module (public, like `pyspec.limits`).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TextIO

from pyspec.limits import LimitReached, resident_mb

Probe = Callable[[], tuple[int | None, str]]

INTERVAL = 2.0  # seconds between progress lines (PYSPEC_PROGRESS_INTERVAL overrides it)
_SESSIONS: list[Session] = []  # the session entered now (at most one: one per command)


class Interrupted(LimitReached):
    """The user pressed Ctrl-C (SIGINT) during a command: a stop like a time limit, INCOMPLETE."""

    def __init__(self) -> None:
        super().__init__("interrupted by the user (Ctrl-C)",
                         "the run was not finished, so nothing is concluded beyond what is shown")


def enabled(flag: bool | None, stream: TextIO) -> bool:
    """Progress is on with `--progress` (flag True), off with `--no-progress` (False), and
    otherwise only when `stream` is a terminal: CI logs and tests compare outputs."""
    if flag is not None:
        return flag
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def interval() -> float:
    """The seconds between progress lines: PYSPEC_PROGRESS_INTERVAL, else 2."""
    try:
        value = float(os.environ.get("PYSPEC_PROGRESS_INTERVAL", INTERVAL))
    except ValueError:
        return INTERVAL
    return value if value > 0 else INTERVAL


class Session:
    """One command's progress reporter and Ctrl-C handler (see the module docstring):

        with Session(progress=True, stream=sys.stderr):
            ...   # engines' watch() probes are reported; Ctrl-C raises Interrupted
    """

    def __init__(self, progress: bool, stream: TextIO | None = None, every: float | None = None) -> None:
        self.progress = progress
        self.stream = stream if stream is not None else sys.stderr
        self.every = interval() if every is None else every
        self.started = time.perf_counter()
        self._probes: tuple[tuple[Probe, str, float], ...] = ()  # (probe, unit, when it was pushed)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last: tuple[Any, int, float] | None = None  # (probe, count, time) of the last line, for the rate
        self._old_handler: Any = None
        self.interrupted = False  # Ctrl-C was pressed (an engine may have turned it into a result)

    def __enter__(self) -> Session:
        _SESSIONS.append(self)
        if threading.current_thread() is threading.main_thread():
            self._old_handler = signal.signal(signal.SIGINT, _on_sigint)
        if self.progress:
            self._thread = threading.Thread(target=self._run, name="pyspec-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._old_handler is not None:
            signal.signal(signal.SIGINT, self._old_handler)
        if self in _SESSIONS:
            _SESSIONS.remove(self)

    def push(self, probe: Probe, unit: str) -> None:
        with self._lock:
            self._probes = (*self._probes, (probe, unit, time.perf_counter()))

    def pop(self) -> None:
        with self._lock:  # after this, no line is being written: the result may be printed
            self._probes = self._probes[:-1]

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            with self._lock:
                if self._probes and not self._stop.is_set():
                    try:
                        line = self.line()
                    except Exception:  # a probe reading a counter mid-update: the next tick reads it again
                        continue
                    try:
                        self.stream.write(line + "\n")
                        self.stream.flush()
                    except (OSError, ValueError):  # stderr closed: stop reporting, keep working
                        return

    def line(self) -> str:
        """The progress line for the probes watched now; the innermost probe with a count gives
        the rate, over the time since the last line (or since it was first watched)."""
        now = time.perf_counter()
        parts = [f"progress: {now - self.started:,.0f} s"]
        counted = None
        for probe, unit, since in self._probes:
            count, text = probe()
            parts.append(text)
            if count is not None:
                counted = probe, unit, since, count
        if counted is not None:
            probe, unit, since, count = counted
            last = self._last if self._last is not None and self._last[0] is probe else (probe, 0, since)
            if now > last[2]:
                parts.append(f"{(count - last[1]) / (now - last[2]):,.0f} {unit}/s")
            self._last = (probe, count, now)
        rss = resident_mb()
        if rss is not None:
            parts.append(f"{rss:,.0f} MB resident")
        return ", ".join(parts)


def _on_sigint(signum, frame) -> None:
    # As the Budget's timer does (pyspec.limits), never raise inside z3's bindings: an exception
    # crossing ctypes becomes an internal error. Ask again in 10 ms, outside them.
    if frame is not None and str(frame.f_globals.get("__name__", "")).startswith("z3"):
        threading.Timer(0.01, signal.raise_signal, (signal.SIGINT,)).start()
        return
    for session in _SESSIONS:
        session.interrupted = True
    raise Interrupted()


@contextmanager
def watch(probe: Probe, unit: str = "states") -> Iterator[None]:
    """Report `probe()` (count, text) while the block runs, when a session with progress is on;
    `unit` names what the count counts, for the rate ("states" gives "98,765 states/s")."""
    session = _SESSIONS[-1] if _SESSIONS else None
    if session is None or not session.progress:
        yield
        return
    try:
        session.push(probe, unit)
        yield
    finally:
        session.pop()


def stop_if_interrupted() -> None:
    """Raise Interrupted when Ctrl-C was pressed during this session: for a loop over whole
    runs (a suite's rows), whose engines turned the interruption into a result and returned."""
    if any(s.interrupted for s in _SESSIONS):
        raise Interrupted()


def interrupted_by_user() -> None:
    """Z3 answered unknown because Ctrl-C cancelled the check: deliver the signal to Python's
    handler (Interrupted under a session, else KeyboardInterrupt)."""
    signal.raise_signal(signal.SIGINT)


__all__ = ["Interrupted", "Session", "enabled", "interrupted_by_user", "stop_if_interrupted", "watch"]
