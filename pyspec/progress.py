"""Progress of long work, and Ctrl-C (or SIGTERM, SIGHUP) as a stop with a summary: the commands'
side of a long run.

Engines only publish what they are doing: `with watch(probe, unit):` around their loop, where
`probe()` returns `(count, text)`, e.g. `(1234567, "1,234,567 states, depth 12, queue 345,678")`.
Without a `Session` (library use, or a command whose progress is off) `watch` does nothing.

A `Session` (entered by `pyspec` and `tracecheck` around one command) does three things:

- With progress on, a background thread calls the innermost probes every `interval` seconds
  and writes one line to the stream (stderr), as TLC does:
  `progress: 12 s, 1,234,567 states, depth 12, queue 345,678, 98,765 states/s, 1,234 MB resident`.
  The hot loops pay nothing for it: they keep their counters where the probe can read them (a
  list, updated at the checkpoints they already have), and the thread reads them. The thread
  also runs while Z3 is solving (ctypes releases the GIL), so a long check shows its depth.
  Lines are written only while some probe is watched, never while the result is printed.
- Ctrl-C (SIGINT), SIGTERM and SIGHUP raise `Interrupted`, a `LimitReached`: every engine
  already turns a limit into an INCOMPLETE (or UNKNOWN) result with what was done so far, exit 3,
  and the reason names the signal. Z3 catches Ctrl-C inside a check and answers unknown
  ("interrupted from keyboard"); `pyspec.symbolic.solver` then calls `interrupted_by_user`. Only
  the first signal stops the work: later ones are ignored, so that a second Ctrl-C cannot cut
  the summary the first one asked for. A signal ignored when the session starts (`nohup`) stays
  ignored.
- The engine's state store (`keep`) is dropped when the session ends, after the command has
  printed its verdict: freeing millions of states takes seconds per GB, and the summary must not
  wait for it.

`streams_guarded()` (entered by the commands around everything) keeps the verdict when the
reader of stdout goes away (`| head`): output to a closed pipe is discarded from then on, and
the command goes on writing its files and returns its exit code.

tracecheck imports this module (public, like `pyspec.limits`).
"""

from __future__ import annotations

import errno
import gc
import os
import signal
import sys
import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TextIO

from pyspec.limits import LimitReached, in_z3, resident_mb

Probe = Callable[[], tuple[int | None, str]]

INTERVAL = 2.0  # seconds between progress lines (PYSPEC_PROGRESS_INTERVAL overrides it)
_SESSIONS: list[Session] = []  # the session entered now (at most one: one per command)


# The signals that stop a command like Ctrl-C, and what the summary says about each
_STOPS: dict[int, str] = {signal.SIGINT: "interrupted by the user (Ctrl-C)", signal.SIGTERM: "terminated by SIGTERM",
          signal.SIGHUP: "hung up (SIGHUP)"}


class Interrupted(LimitReached):
    """Ctrl-C (SIGINT), SIGTERM or SIGHUP during a command: a stop like a time limit, INCOMPLETE.
    `signum` is the signal, and the reason names it."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(_STOPS.get(signum, f"stopped by signal {signum}"),
                         "the run was not finished, so nothing is concluded beyond what is shown")
        self.signum = signum


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
    """One command's progress reporter, stop-signal handler and keeper of the engine's store
    (see the module docstring):

        with Session(progress=True, stream=sys.stderr):
            ...   # engines' watch() probes are reported; Ctrl-C raises Interrupted
            ...   # print the verdict here: the store is dropped when the block ends
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
        self._old_handlers: dict[int, Any] = {}
        self.interrupted = False  # a stop signal came (an engine may have turned it into a result)
        self.signum: int = signal.SIGINT  # which one
        self._kept: tuple[Any, ...] = ()  # the engine's state store, dropped after the verdict is printed
        self._gc_frozen = False
        self.pending: int | None = None  # SIGTERM or SIGHUP, relayed as SIGINT into a Z3 check
        self._wakeup: tuple[int, int] | None = None  # (the old wakeup fd, ours)

    def __enter__(self) -> Session:
        _SESSIONS.append(self)
        if threading.current_thread() is threading.main_thread():
            for signum in _STOPS:
                if signal.getsignal(signum) != signal.SIG_IGN:  # nohup's SIGHUP stays ignored
                    self._old_handlers[signum] = signal.signal(signum, _on_stop_signal)
            self._relay_into_z3()
        if self.progress:
            self._thread = threading.Thread(target=self._run, name="pyspec-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        # Freeing the store takes seconds per GB: the verdict is printed, and a signal now has
        # nothing left to stop, so none may raise in the middle of it. After a stop signal the
        # command is ending with its summary written: later ones stay ignored, or one arriving
        # before the process exits would raise KeyboardInterrupt past the summary.
        for signum in self._old_handlers:
            signal.signal(signum, signal.SIG_IGN)
        if self._wakeup is not None:
            signal.set_wakeup_fd(self._wakeup[0])
            os.close(self._wakeup[1])  # the relay reads the end of its pipe and returns
        self.drop_store()
        if not self.interrupted:
            for signum, old in self._old_handlers.items():
                signal.signal(signum, old)
        if self in _SESSIONS:
            _SESSIONS.remove(self)

    def _relay_into_z3(self) -> None:
        """Z3 stops a check on SIGINT only, and Python runs a signal's handler only once the
        check returns (minutes, at depth): a thread woken by every signal (signal.set_wakeup_fd)
        sends SIGINT to the main thread when a SIGTERM or SIGHUP is still unhandled 50 ms later,
        and the stop then names the signal that came (`pending`)."""
        if signal.getsignal(signal.SIGINT) is not _on_stop_signal:
            return
        read_end, write_end = os.pipe()
        os.set_blocking(write_end, False)
        try:
            old = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        except ValueError:  # not the main thread of the main interpreter
            os.close(read_end)
            os.close(write_end)
            return
        self._wakeup = (old, write_end)
        main = threading.main_thread().ident
        assert main is not None

        def relay() -> None:
            try:
                while data := os.read(read_end, 512):
                    for signum in data:
                        if signum in (signal.SIGTERM, signal.SIGHUP) and signum in self._old_handlers:
                            if not self._stop.wait(0.05) and not self.interrupted and self.pending is None:
                                self.pending = signum
                                signal.pthread_kill(main, signal.SIGINT)
            finally:
                os.close(read_end)

        threading.Thread(target=relay, name="pyspec-signals", daemon=True).start()

    def keep(self, *store: Any) -> None:
        """Hold the engine's state store (its containers, still filling) until this session ends,
        after the verdict is printed, or until the next engine starts (`watch`: a suite's next
        row); the store of an earlier engine is dropped now."""
        self.drop_store()
        self._kept = store

    def hold_collector(self) -> None:
        """The engine is done with the store `keep` holds: keep the cyclic collector off it
        (gc.freeze) until the session drops it. The engines disable the collector while they
        search, so its first pass after would visit every state, and delay the summary too."""
        if self._kept and not self._gc_frozen:
            gc.freeze()
            self._gc_frozen = True

    def drop_store(self) -> None:
        """Drop the store `keep` holds (freeing it takes seconds per GB)."""
        self._kept = ()
        if self._gc_frozen:
            gc.unfreeze()
            self._gc_frozen = False

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


def _on_stop_signal(signum, frame) -> None:
    # As the Budget's timer does (pyspec.limits), never raise inside z3's bindings: an exception
    # crossing ctypes becomes an internal error. Ask again in 10 ms, outside them, in the main
    # thread: a signal raised in the timer's own thread would wait until the main thread wakes.
    if in_z3(frame):
        threading.Timer(0.01, signal.pthread_kill, (threading.main_thread().ident, signum)).start()
        return
    if not _SESSIONS:
        raise KeyboardInterrupt
    if any(s.interrupted for s in _SESSIONS):
        return  # the first signal's summary is on its way: a second one must not cut it
    _raise_stop(signum)


def _raise_stop(signum: int) -> None:
    """Raise Interrupted for `signum`, or for the SIGTERM or SIGHUP that the SIGINT relays."""
    if signum == signal.SIGINT:
        signum = next((s.pending for s in _SESSIONS if s.pending is not None), signum)
    for session in _SESSIONS:
        session.interrupted = True
        session.signum = signum
    raise Interrupted(signum)


@contextmanager
def watch(probe: Probe, unit: str = "states") -> Iterator[None]:
    """Report `probe()` (count, text) while the block runs, when a session with progress is on;
    `unit` names what the count counts, for the rate ("states" gives "98,765 states/s").
    New work begins: the store an earlier engine left to the session (`keep`) is dropped now."""
    session = _SESSIONS[-1] if _SESSIONS else None
    if session is not None:
        session.drop_store()
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
    for s in _SESSIONS:
        if s.interrupted:
            raise Interrupted(s.signum)


def interrupted_by_user() -> None:
    """Z3 answered unknown because Ctrl-C cancelled the check: raise what the signal handler
    would have (Interrupted under a session, else KeyboardInterrupt); Z3 held the signal itself."""
    if not _SESSIONS:
        raise KeyboardInterrupt
    _raise_stop(signal.SIGINT)


def keep(*store: Any) -> None:
    """An engine's state store (its containers, created empty and filled by the search) is
    dropped when the command's session ends, after the verdict is printed, rather than when the
    engine returns (see `Session.keep`). Without a session it does nothing."""
    if _SESSIONS:
        _SESSIONS[-1].keep(*store)


def store_done() -> None:
    """The engine that called `keep` returns now: its store stays out of the cyclic collector's
    passes until the session drops it (see `Session.hold_collector`)."""
    if _SESSIONS:
        _SESSIONS[-1].hold_collector()


class _Guarded:
    """A text stream whose reader may go away (stdout into `| head`): from the first write that
    finds the pipe closed (EPIPE) or the terminal gone (EIO, after SIGHUP), the stream's file
    descriptor points at /dev/null, so that what follows, and the interpreter's last flush, is
    discarded without an error; the command goes on (its files, its exit code)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as e:
            self._reader_gone(e)
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as e:
            self._reader_gone(e)

    def _reader_gone(self, e: OSError) -> None:
        if e.errno not in (errno.EPIPE, errno.EIO):
            raise e
        try:
            fd = self._stream.fileno()
        except (OSError, ValueError, AttributeError):
            return  # not a file (a test's capture): nothing more to flush
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, fd)
        finally:
            os.close(null)
        try:
            self._stream.flush()  # what was buffered goes to /dev/null now
        except OSError:
            pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def streams_guarded() -> Iterator[None]:
    """Within the block, sys.stdout and sys.stderr discard their output once their reader is gone
    (see `_Guarded`), instead of raising BrokenPipeError at the next print."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Guarded(out), _Guarded(err)  # type: ignore[assignment]
    try:
        yield
    finally:
        for guarded in (sys.stdout, sys.stderr):
            guarded.flush()
        sys.stdout, sys.stderr = out, err


__all__ = ["Interrupted", "Session", "enabled", "interrupted_by_user", "keep", "stop_if_interrupted", "store_done",
           "streams_guarded", "watch"]
