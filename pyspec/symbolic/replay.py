"""Decoded Z3 counterexamples, replayed through the explicit engine before they are reported.

Every trace, counterexample to induction and evaluation error the symbolic engines find is
checked here against the reference semantics (mypyvy's smoke test of the solver): the initial
state must be one the explicit engine starts from, every step must be a successor under the
named action instance, the broken invariant must be false. A disagreement is a bug in the
encoding and raises `EncodingMismatch`, never a verdict.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

import z3

from pyspec.errors import SpecEvalError
from pyspec.lang.typed import CheckedSpec
from pyspec.result import Step, Trace


class EncodingMismatch(RuntimeError):
    """The explicit engine disagrees with a decoded Z3 model: an internal error."""


@contextmanager
def frame(solver: z3.Solver) -> Iterator[z3.Solver]:
    """push ... pop around a group of assertions, also when the check raises."""
    solver.push()
    try:
        yield solver
    finally:
        solver.pop()


def zbool(x: Any) -> z3.BoolRef:
    return z3.BoolVal(x) if isinstance(x, bool) else x


class Oracle:
    """The explicit engine's view of one spec, for replaying decoded models."""

    def __init__(self, spec: CheckedSpec, instances: list[tuple[int, tuple]]) -> None:
        # The symbolic engines never import the explicit one at module level (style.md):
        # the reference semantics is reached through the public API, only to replay.
        from pyspec.api import compile_spec

        self.spec = spec
        self.compiled = compile_spec(spec)
        if list(self.compiled.instances) != list(instances):
            raise EncodingMismatch("the symbolic and explicit engines enumerate action instances differently")

    def step_of(self, inst: int | None, state: tuple) -> Step:
        if inst is None:
            return Step(None, (), state)
        name, args = self.compiled.describe_instance(inst)
        return Step(name, args, state)

    def trace(self, states: list[tuple], insts: list[int], *, initial: bool = True) -> Trace:
        """The trace s0 -inst0-> s1 ..., after checking every step in the explicit engine;
        `initial`: s0 must also be an initial state."""
        if initial and states[0] not in set(self.compiled.initial_states()):
            raise EncodingMismatch(f"decoded initial state {states[0]} is not an initial state of the explicit engine")
        steps = [Step(None, (), states[0])]
        for i, inst in enumerate(insts):
            succ = self.compiled.run_instance(states[i], inst)
            if states[i + 1] not in succ:
                name, args = self.compiled.describe_instance(inst)
                raise EncodingMismatch(
                    f"decoded step {i + 1} ({name}{tuple(v for _, v, _ in args)}) from {states[i]} to "
                    f"{states[i + 1]} is not a step of the explicit engine"
                )
            steps.append(self.step_of(inst, states[i + 1]))
        return Trace(self.spec.vars, tuple(steps))

    def first_failing(self, state: tuple, names: tuple[str, ...]) -> str | None:
        """The first of `names` false in `state` (raises SpecEvalError as the explicit engine)."""
        return self.compiled.invariant_fn(names)(state)

    def failing(self, state: tuple, names: tuple[str, ...]) -> list[tuple[str, str | None]]:
        """Every one of `names` that does not hold in `state`, with the evaluation error's
        message when it cannot be evaluated there (None when it is simply false)."""
        out = []
        for n in names:
            try:
                if self.compiled.invariant_fn((n,))(state) is not None:
                    out.append((n, None))
            except SpecEvalError as e:
                out.append((n, e.message))
        return out

    def step_error(self, state: tuple, insts: list[int] | None = None) -> SpecEvalError | None:
        """The error the explicit engine raises stepping `state` (by `insts`, or by every
        instance in order), or None."""
        try:
            if insts is None:
                self.compiled.step_fn()(state)
            else:
                for inst in insts:
                    self.compiled.run_instance(state, inst)
        except SpecEvalError as e:
            return e
        return None

    def init_error(self) -> SpecEvalError | None:
        try:
            self.compiled.initial_states()
        except SpecEvalError as e:
            return e
        return None


def with_trace(e: SpecEvalError, what: str, trace: Trace | None) -> SpecEvalError:
    """The explicit engine's error, re-raised with the step and the trace that reached it
    (as explore.py reports it)."""
    err = SpecEvalError(f"{e.message} ({what})", e.span, hint=e.hint, notes=e.notes, code=e.code)
    err.trace = trace  # type: ignore[attr-defined]
    return err
