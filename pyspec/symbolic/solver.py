"""Solver plumbing shared by the Z3 engines: a solver with the user's time limit, and
push/pop frames that are popped also when a check raises."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import z3


def new_solver(timeout: float | None) -> z3.Solver:
    """A fresh solver; `timeout` (seconds, None for none) bounds each of its checks, and a
    check that runs out answers unknown."""
    solver = z3.Solver()
    if timeout is not None:
        solver.set("timeout", max(1, int(timeout * 1000)))
    return solver


@contextmanager
def frame(solver: z3.Solver) -> Iterator[z3.Solver]:
    """push ... pop around a group of assertions, also when the check raises."""
    solver.push()
    try:
        yield solver
    finally:
        solver.pop()


__all__ = ["new_solver", "frame"]
