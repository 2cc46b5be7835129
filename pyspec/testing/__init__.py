"""Model-based testing with hypothesis: a spec drives an implementation and judges every step.

    import pyspec.testing

    class LockAdapter:                       # how to drive the implementation, in spec terms
        def __init__(self):                  # a fresh implementation for every test case
            self.lock = MyLock()
        def TryAcquire(self, c): ...         # one method per action, its parameters by name
        def Release(self, c): ...
        def observe(self):                   # the implementation's state as spec variables
            return {"holds": {c: self.lock.held_by(c) for c in (0, 1)}}

    TestLock = pyspec.testing.state_machine("specs/try_lock.spec", adapter=LockAdapter).TestCase

`state_machine` returns a hypothesis `RuleBasedStateMachine` (its `TestCase` is what pytest or
unittest runs). Its rules are the spec's actions; each draws one of the action's instances that
is enabled in the spec's current state, performs it through the adapter, and checks that what
`observe()` returns (any subset of the spec's variables) is a successor the spec allows under
that instance, and that the spec's invariants hold. A failure is a `ModelFailure`, shrunk by
hypothesis to a shortest run and told in the spec's terms: the steps, what each changed, and
the observed variables beside the spec's. docs/testing.md is the guide.

pyspec's core never imports this package, nor does it need hypothesis; this package does.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Iterable

from hypothesis import settings as Settings

from pyspec.errors import UsageError
from pyspec.explicit.compiled import CompiledSpec
from pyspec.lang.load import load
from pyspec.lang.scope import did_you_mean
from pyspec.lang.typed import CheckedSpec
from pyspec.testing.machine import Judge, Judgement, Model, ModelFailure, SpecMachine, build
from pyspec.testing.values import from_python, to_python

ModelFailure.__module__ = __name__  # tracebacks say pyspec.testing.ModelFailure, as it is imported


def state_machine(
    spec: str | os.PathLike[str] | CheckedSpec,
    adapter: Callable[[], Any],
    params: dict[str, Any] | None = None,
    *,
    actions: Iterable[str] | None = None,
    invariants: Iterable[str] | None = None,
    settings: Settings | None = None,
    seed: int | None = None,
    html: str | os.PathLike[str] | None = None,
    name: str | None = None,
    judge: Judge | None = None,
) -> type[SpecMachine]:
    """A hypothesis state machine that drives `adapter()` (a class or any factory: one fresh
    implementation per test case) with the actions of `spec` (a path, loaded with `params`,
    NAME -> value, or a spec already loaded) and checks it against the spec after every step.

    `actions`: the actions driven (default: all; each needs an adapter method of its name).
    `invariants`: those checked (default: the spec's own). `settings`: hypothesis settings for
    the `TestCase` (default: the current profile's, without a deadline). `seed`: run with this
    seed (hypothesis's `@seed`), else as hypothesis decides (`--hypothesis-seed`, the profile's
    `derandomize`; `--hypothesis-seed` wins over `derandomize`). `html`: on the final (shrunk)
failure, write its timeline page there.

`judge`: for an implementation judged by something other than the variables it shows (its
log, read by `tracecheck.model`): called with each new adapter, it returns a function that is
called after each step with the step taken, `(action name, its arguments as spec values)`, or
None for the initial state and for a wait with no action enabled, and returns a `Judgement`:
the spec's steps it refuses are left out, as those that disagree with `observe()` are. With a
judge, `observe()` is optional (when the adapter has one, both must agree).

    Raises UsageError: PS810 (an action without an adapter method), PS813 (`actions` naming
    no action), PS601 (`invariants` naming no invariant), and the errors of `pyspec.load`;
    while running, PS811, PS812 (a bad observation) and PS815 (a judge's answer that is no
    Judgement)."""
    if isinstance(spec, CheckedSpec):
        if params:
            raise UsageError("params= is for a spec given as a path; this one is loaded already",
                             hint="load it with pyspec.load(path, params) or pass the path", code="PS814")
        checked = spec
    else:
        checked = load(os.fspath(spec), {k: _param_text(v) for k, v in (params or {}).items()})
    known = [a.name for a in checked.actions]
    driven = list(known) if actions is None else list(actions)
    for a in driven:
        if a not in known:
            close = did_you_mean(a, known)
            raise UsageError(f"actions= names '{a}', no action of spec {checked.name}",
                             hint=(f"{close} " if close else "") + "actions: " + ", ".join(known), code="PS813")
    from pyspec.api import _names

    names = _names(checked, None if invariants is None else tuple(invariants))
    checked_invariants = names if names is not None else checked.default_invariants()
    compiled = CompiledSpec(checked)
    model = Model(compiled, adapter, tuple(known.index(a) for a in dict.fromkeys(driven)), checked_invariants,
                  None if html is None else os.fspath(html), {v.name: i for i, v in enumerate(checked.vars)},
                  compiled.step_fn(), compiled.invariant_fn(checked_invariants), tuple(compiled.initial_states()),
                  _bindings(compiled), judge)
    return build(model, name or f"{checked.name}Model", settings, seed)


def _bindings(compiled: CompiledSpec) -> dict[str, tuple[tuple, ...]]:
    out: dict[str, list[tuple]] = {}
    for ai, args in compiled.instances:
        out.setdefault(compiled.spec.actions[ai].name, []).append(args)
    return {name: tuple(b) for name, b in out.items()}


def _param_text(v: Any) -> str:
    """A param value as `-D` reads it."""
    if isinstance(v, bool):
        return "True" if v else "False"
    return str(v)


__all__ = ["state_machine", "Judgement", "ModelFailure", "SpecMachine", "from_python", "to_python"]
