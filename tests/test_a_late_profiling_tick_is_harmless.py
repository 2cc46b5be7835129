"""A time budget's timer ticks with SIGPROF. A tick that another thread's C-level handler
flagged just as a budget closed reaches Python after the handler changed: under SIG_IGN that is
"OSError: Signal 27 ignored due to race condition" in whatever code runs next (seen as a stray
traceback in `pyspec check --engine bmc`). Once no budget is armed, SIGPROF's handler is a
Python no-op instead, which the next budget may take over."""

from __future__ import annotations

import signal
import threading

import pytest

from pyspec.limits import Budget


def test_after_a_budget_a_tick_runs_a_no_op_and_the_next_budget_arms_its_timer():
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("the timer is armed from the main thread only")
    with Budget(time_limit=60) as b:
        assert b.armed
    handler = signal.getsignal(signal.SIGPROF)
    assert callable(handler), handler  # not SIG_IGN (the race above) nor SIG_DFL (which ends the process)
    t = threading.Thread(target=signal.raise_signal, args=(signal.SIGPROF,))
    t.start()
    t.join()
    assert sum(range(1000)) == 499500  # the main thread runs the flagged tick's handler by here
    with Budget(time_limit=60) as b:
        assert b.armed  # the no-op counts as free
    assert signal.getsignal(signal.SIGPROF) is handler
