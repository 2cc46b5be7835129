"""Decoded Z3 counterexamples, replayed through the reference semantics before they are reported.

Every trace, counterexample to induction and evaluation error the symbolic engines find is
checked here against the reference semantics (mypyvy's smoke test of the solver), which the
caller passes in (a `pyspec.reference.Reference`: the explicit engine, built by pyspec.api,
never imported here): the initial
state must be one the explicit engine starts from, every step must be a successor under the
named action instance, the broken invariant must be false. A disagreement is a bug in the
encoding and raises `EncodingMismatch`, never a verdict.
"""

from __future__ import annotations

from typing import Any, Sequence

from pyspec.errors import SpecEvalError
from pyspec.reference import Reference
from pyspec.result import Step, Trace


class EncodingMismatch(RuntimeError):
    """The explicit engine disagrees with a decoded Z3 model: an internal error."""


class Oracle:
    """The reference semantics of one spec, for replaying decoded models; `instances` are the
    encoding's action instances, which must be the reference's, in the same order."""

    def __init__(self, reference: Reference, instances: Sequence[tuple[int, tuple[Any, ...]]]) -> None:
        self.reference = reference
        self.spec = reference.spec
        if list(reference.instances) != list(instances):
            raise EncodingMismatch("the symbolic and explicit engines enumerate action instances differently")

    def step_of(self, inst: int | None, state: tuple) -> Step:
        if inst is None:
            return Step(None, (), state)
        name, args = self.reference.describe_instance(inst)
        return Step(name, args, state)

    def trace(self, states: list[tuple], insts: list[int], *, initial: bool = True) -> Trace:
        """The trace s0 -inst0-> s1 ..., after checking every step in the explicit engine;
        `initial`: s0 must also be an initial state."""
        if initial and states[0] not in set(self.reference.initial_states()):
            raise EncodingMismatch(f"decoded initial state {states[0]} is not an initial state of the explicit engine")
        steps = [Step(None, (), states[0])]
        for i, inst in enumerate(insts):
            succ = self.reference.run_instance(states[i], inst)
            if states[i + 1] not in succ:
                name, args = self.reference.describe_instance(inst)
                raise EncodingMismatch(
                    f"decoded step {i + 1} ({name}{tuple(v for _, v, _ in args)}) from {states[i]} to "
                    f"{states[i + 1]} is not a step of the explicit engine"
                )
            steps.append(self.step_of(inst, states[i + 1]))
        return Trace(self.spec.vars, tuple(steps))

    def first_failing(self, state: tuple, names: tuple[str, ...]) -> str | None:
        """The first of `names` false in `state` (raises SpecEvalError as the explicit engine)."""
        return self.reference.invariant_fn(names)(state)

    def failing(self, state: tuple, names: tuple[str, ...]) -> list[tuple[str, str | None]]:
        """Every one of `names` that does not hold in `state`, with the evaluation error's
        message when it cannot be evaluated there (None when it is simply false)."""
        out: list[tuple[str, str | None]] = []
        for n in names:
            try:
                if self.reference.invariant_fn((n,))(state) is not None:
                    out.append((n, None))
            except SpecEvalError as e:
                out.append((n, e.message))
        return out

    def step_error(self, state: tuple, insts: list[int] | None = None) -> SpecEvalError | None:
        """The error the explicit engine raises stepping `state` (by `insts`, or by every
        instance in order), or None."""
        try:
            if insts is None:
                self.reference.step_fn()(state)
            else:
                for inst in insts:
                    self.reference.run_instance(state, inst)
        except SpecEvalError as e:
            return e
        return None

    def init_error(self) -> SpecEvalError | None:
        try:
            self.reference.initial_states()
        except SpecEvalError as e:
            return e
        return None

