"""Fairness obligations, one per `fair` declaration and action instance, and the test of a
loop against them (pyspec.explicit.liveness searches with them, pyspec.explicit.lasso builds
and replays loops with them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from pyspec.errors import SpecEvalError
from pyspec.explicit.compiled import CompiledSpec
from pyspec.explicit.graph import Graph
from pyspec.reference import instance_text


@dataclass(frozen=True, slots=True)
class _Obligation:
    inst: int
    strong: bool
    unless: Callable[[tuple, tuple], Any] | None
    args: tuple


class Fairness:
    """The fairness obligations (one per fair declaration and instance) and, per state, those
    enabled there with their `unless` condition false (memoised: a few per state)."""

    def __init__(self, compiled: CompiledSpec, g: Graph) -> None:
        self.g = g
        self.compiled = compiled
        self.obs: list[_Obligation] = []
        self.by_inst: dict[int, list[int]] = {}
        for f in compiled.spec.fairness:
            unless = compiled.predicate_fn(f.unless, f.nlocals) if f.unless is not None else None
            for inst, (ai, args) in enumerate(compiled.instances):
                if ai == f.action:
                    self.by_inst.setdefault(inst, []).append(len(self.obs))
                    self.obs.append(_Obligation(inst, f.strong, unless, args))
        self._memo: list[tuple[int, ...] | None] = [None] * len(g)
        self._shared: dict[tuple[int, ...], tuple[int, ...]] = {}

    def enabled(self, v: int) -> tuple[int, ...]:
        got = self._memo[v]
        if got is None:
            out = []
            state = self.g.state(v)
            for inst in sorted(self.g.enabled(v)):
                for ob in self.by_inst.get(inst, ()):
                    o = self.obs[ob]
                    try:
                        excused = o.unless is not None and o.unless(state, o.args)
                    except SpecEvalError as e:
                        raise e.with_step(f"while evaluating the `unless` condition of fair {instance_text(self.compiled, inst)}",
                                          self.g.trace(self.compiled, v) if self.g.complete else None) from None
                    if not excused:
                        out.append(ob)
            got = tuple(out)
            got = self._memo[v] = self._shared.setdefault(got, got)  # few distinct sets: one object each
        return got


def fair_on(fair: Fairness, entry: int, cycle: list[tuple[int, int]], must, taken: set[int] | None = None) -> bool:
    """Is repeating `cycle` (from `entry`) fair to every obligation, and through a `must` state?
    `taken`: the instances the loop takes (default: its labels)."""
    states = [entry] + [v for v, _ in cycle[:-1]]
    taken = {inst for _, inst in cycle} if taken is None else taken
    if must is not None and not any(must(v) for v in states):
        return False
    for ob, o in enumerate(fair.obs):
        if o.inst in taken:
            continue
        on = [ob in fair.enabled(v) for v in states]
        if (o.strong and any(on)) or (not o.strong and all(on)):
            return False
    return True


__all__ = ["Fairness", "fair_on"]
