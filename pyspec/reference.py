"""The reference semantics as the symbolic engines see it: the few operations they replay a
decoded Z3 model through, stated as a protocol.

The explicit engine's `CompiledSpec` is the one implementation; `pyspec.api` builds it and
passes it (or, for synthesis, the function that builds it) to the symbolic engines, so that
`pyspec.symbolic` imports neither `pyspec.explicit` nor `pyspec.api`.
"""

from __future__ import annotations

from typing import Any, Callable, Protocol, Sequence

from pyspec.errors import SpecEvalError
from pyspec.lang.typed import CheckedSpec
from pyspec.lang.types import Type, format_value
from pyspec.result import FalsePart


class Reference(Protocol):
    """One checked spec under the reference semantics. Action instances are numbered as the
    symbolic encoding numbers them: (action index, argument values), in declaration order."""

    @property
    def spec(self) -> CheckedSpec: ...

    @property
    def instances(self) -> Sequence[tuple[int, tuple[Any, ...]]]: ...

    def initial_states(self) -> list[tuple]:
        """Every initial state, without duplicates (raises SpecEvalError)."""
        ...

    def run_instance(self, state: tuple, inst: int) -> list[tuple]:
        """Every next state of `state` under action instance `inst` (raises SpecEvalError)."""
        ...

    def step_fn(self) -> Callable[[tuple], list]:
        """`fn(state) -> [(instance, next state), ...]` over every instance in order."""
        ...

    def invariant_fn(self, names: tuple[str, ...]) -> Callable[[tuple], str | None]:
        """`fn(state)`: the first of `names` false in `state`, or None (raises SpecEvalError)."""
        ...

    def reachable_fn(self, names: tuple[str, ...]) -> Callable[[tuple], str | None]:
        """`fn(state)`: the first of the reachable properties `names` true in `state`, or None."""
        ...

    def describe_instance(self, inst: int) -> tuple[str, tuple[tuple[str, Any, Type], ...]]:
        """The action's name and its (formal name, value, type) arguments."""
        ...

    def false_conjuncts(self, state: tuple, name: str) -> list[FalsePart]:
        """The conjuncts of invariant `name` false in `state`, each with its falsifying binding."""
        ...


def instance_text(reference: Reference, inst: int) -> str:
    """How messages name an action instance: `Crash(p=2)`."""
    name, args = reference.describe_instance(inst)
    return f"{name}(" + ", ".join(f"{n}={format_value(t, v)}" for n, v, t in args) + ")"


def no_initial_state(spec: CheckedSpec) -> SpecEvalError:
    """The one error every engine raises when init leaves no initial state (PS402, at the init
    block): nothing would be explored, so any verdict about the invariants would be vacuous."""
    return SpecEvalError(
        "no initial state: every path through init fails a require or chooses from an empty set",
        spec.init.span,
        code="PS402",
    )


CompileReference = Callable[[CheckedSpec], Reference]
"""Builds the reference semantics of a spec (synthesis replays specs it derives)."""

__all__ = ["Reference", "CompileReference", "instance_text", "no_initial_state"]
