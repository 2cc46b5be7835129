"""A spec and an adapter -> a hypothesis `RuleBasedStateMachine` that drives the implementation
with the spec's action instances and checks it against the explicit engine after every step.

The machine keeps the *frontier*: the spec states that agree with everything the adapter has
observed so far (one state, unless the spec chooses a value the adapter does not observe).
A rule per action draws one of the action's instances enabled in the frontier (its guard is the
rule's precondition), performs it through the adapter, observes the implementation, and keeps
the successors under that instance that agree with the observation: none left is a divergence.
Every state of the frontier must satisfy the invariants. Failures are `ModelFailure`s, raised
from one place so that hypothesis shrinks them as one bug, and told in the spec's terms.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Any, Callable

from hypothesis import HealthCheck, event, seed as _seed, settings as Settings, strategies as st
from hypothesis.control import current_build_context, currently_in_test_context
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

from pyspec.errors import UsageError
from pyspec.explicit.compiled import CompiledSpec
from pyspec.lang.scope import did_you_mean
from pyspec.lang.typed import CheckedSpec
from pyspec.lang.types import format_value
from pyspec.report.trace import render_step_header, render_trace
from pyspec.result import Step, Trace
from pyspec.testing.values import BadValue, from_python, to_python


class ModelFailure(AssertionError):
    """The implementation left the spec: its initial state is none of the spec's (`kind`
    "initial"), what it shows after a step is no successor the spec allows ("diverges"), or
    the spec state it is in breaks an invariant ("violated"). `steps` are the action instances
    taken, in the spec's notation ("Acquire(c=0)"); `trace` the spec states along them (for
    a divergence, the last one is the implementation's: the closest spec successor with the
    observed variables as observed); `invariant` the one broken; `page` the timeline written."""

    def __init__(self, message: str, *, spec: str, kind: str, steps: tuple[str, ...], trace: Trace,
                 invariant: str | None = None, page: str | None = None) -> None:
        super().__init__(message)
        self.message, self.spec, self.kind, self.steps = message, spec, kind, steps
        self.trace, self.invariant, self.page = trace, invariant, page


@dataclass(frozen=True)
class Judgement:
    """What a judge (`state_machine(judge=...)`) saw of one step: `holds(before, after)` says
    whether the spec's step from state `before` to state `after` agrees with it (`before` is
    None for the initial state; `after` is `before` when no action was taken). States are
    tuples of spec values in the spec's variable order, as `pyspec.successors` gives them.
    `shown`: what was seen, one line each (a log's records), for a divergence's report;
    `why(before, after)`: why that step disagrees, in a line (None: not said)."""

    holds: Callable[[tuple | None, tuple], bool]
    shown: tuple[str, ...] = ()
    why: Callable[[tuple | None, tuple], str | None] | None = None


Judge = Callable[[Any], Callable[["tuple[str, tuple] | None"], Judgement]]


@dataclass(frozen=True)
class Model:
    """What every machine of one `state_machine` call shares: the compiled spec, the adapter
    factory, the actions driven and the invariants checked."""

    compiled: CompiledSpec
    adapter: Callable[[], Any]
    actions: tuple[int, ...]  # indices into spec.actions
    invariants: tuple[str, ...]
    html: str | None
    var_index: dict[str, int]  # variable name -> its index in a state
    step: Callable[[tuple], list]  # the compiled spec's successor function (CompiledSpec.step_fn)
    failing: Callable[[tuple], str | None]  # the first invariant false in a state, or None
    inits: tuple[tuple, ...]
    bindings: dict[str, tuple[tuple, ...]]  # action name -> every binding of its parameters, in order
    judge: Judge | None = None  # adapter -> the function judging each of its steps (Judgement)

    @property
    def spec(self) -> CheckedSpec:
        return self.compiled.spec


class SpecMachine(RuleBasedStateMachine):
    """The machine `state_machine` subclasses, with one rule per action of the spec."""

    model: Model
    replaying = False  # True in the subclass `_shortened` replays runs with

    def __init__(self) -> None:
        super().__init__()
        m = self.model
        self._step, self._failing = m.step, m.failing
        self._held: dict[str, tuple] = {}
        self._taken: list[str] = []
        self._instances: list[tuple[str, tuple]] = []  # the steps taken, as (action, args)
        self._replay = self.replaying  # a replay of `_shortened`: raise what it finds as it is
        self._outside: list[str] = []  # observed values no spec state can have (an int out of range)
        self._trace: list[Step] = []
        self._adapter = _checked_adapter(m)
        try:
            self._judging = None if m.judge is None else m.judge(self._adapter)
            seen = self._observe()
            judged = self._judged(None)
            inits = list(m.inits)
            frontier = [s for s in inits if _agrees(s, seen) and _holds(judged, None, s)] if not self._outside else []
            if not frontier:
                self._fail_divergence("initial", None, [(None, s) for s in inits], seen, judged)
            self._trace.append(Step(None, (), frontier[0]))
            self._enter(frontier)
        except BaseException:
            self._close()
            raise

    # ---- the steps ------------------------------------------------------------------------------

    def _enter(self, frontier: list[tuple]) -> None:
        """Make `frontier` current: check the invariants in each of its states, then work out
        the successors of each enabled instance (the rules' preconditions read them)."""
        for s in frontier:
            bad = self._failing(s)
            if bad is not None:
                self._trace[-1] = Step(self._trace[-1].action, self._trace[-1].args, s)
                self._fail_invariant(bad)
        self._frontier = frontier
        nxt: dict[int, dict[tuple, None]] = {}  # instance -> its steps (state before, state after)
        for s in frontier:
            for inst, t in self._step(s):
                nxt.setdefault(inst, {})[(s, t)] = None
        self._next = {inst: list(steps) for inst, steps in nxt.items()}
        enabled: dict[str, list[tuple]] = {}
        driven = self.model.actions
        for inst in sorted(nxt):
            ai, args = self.model.compiled.instances[inst]
            if ai in driven:
                enabled.setdefault(self.model.spec.actions[ai].name, []).append(args)
        self._enabled = enabled

    def _perform(self, name: str, args: tuple) -> None:
        m = self.model
        inst = m.compiled.instance_table()[(name, args)]
        action = m.spec.actions[m.compiled.instances[inst][0]]
        shown = render_step_header(0, Step(name, tuple((f.name, v, f.ty) for f, v in zip(action.formals, args)),
                                           ())).split(": ", 1)[1]
        self._taken.append(shown)
        self._instances.append((name, args))
        if currently_in_test_context():  # --hypothesis-show-statistics: how often each action was driven
            event(f"performed {name}")
        kwargs = {f.name: to_python(f.ty, v) for f, v in zip(action.formals, args)}
        try:
            getattr(self._adapter, name)(**kwargs)
        except Exception as e:  # the implementation (or the adapter) failed: say where, in spec terms
            e.add_note(f"while the adapter performed step {len(self._taken)}, {shown}, of spec {m.spec.name}: "
                       + ", ".join(self._taken))
            raise
        seen = self._observe()
        judged = self._judged((name, args))
        step_args = tuple((f.name, v, f.ty) for f, v in zip(action.formals, args))
        steps = self._next.get(inst, [])
        frontier = list(dict.fromkeys(t for s, t in steps if _agrees(t, seen) and _holds(judged, s, t))) \
            if not self._outside else []
        if not frontier:
            self._fail_divergence("diverges", Step(name, step_args, ()), steps, seen, judged)
        self._trace.append(Step(name, step_args, frontier[0]))
        self._enter(frontier)

    def _stutter(self) -> None:
        """No action the test drives is enabled: the implementation must stay where it is."""
        seen = self._observe()
        judged = self._judged(None)
        if self._outside or not any(_agrees(s, seen) and _holds(judged, s, s) for s in self._frontier):
            self._fail_divergence("diverges", Step("(no action enabled)", (), ()), [(s, s) for s in self._frontier],
                                  seen, judged)

    def _judged(self, step: tuple[str, tuple] | None) -> Judgement | None:
        """The judge's verdict on the step just taken (None: no judge)."""
        if self._judging is None:
            return None
        got = self._judging(step)
        if not isinstance(got, Judgement):
            raise UsageError(f"the judge returned {type(got).__name__}, not a pyspec.testing.Judgement",
                             hint="return Judgement(holds=lambda before, after: ...)", code="PS815")
        return got

    def _observe(self) -> list[tuple[int, Any]]:
        """The adapter's observation as (variable index, spec value) pairs (none when a judge
        stands in for observe() and the adapter has none)."""
        m = self.model
        self._outside = []
        if m.judge is not None and not callable(getattr(self._adapter, "observe", None)):
            return []
        got = self._adapter.observe()
        if not isinstance(got, dict):
            raise UsageError(f"the adapter's observe() returned {type(got).__name__}, not a dict of "
                             "variable name -> value", hint="return {'holder': 1, ...}", code="PS812")
        index = m.var_index
        out = []
        for name, value in got.items():
            i = index.get(name)
            if i is None:
                close = did_you_mean(name, list(index))
                raise UsageError(f"the adapter's observe() names '{name}', no variable of spec {m.spec.name}",
                                 hint=(f"{close} " if close else "") + "variables: " + ", ".join(index), code="PS811")
            var = m.spec.vars[i]
            try:
                out.append((i, from_python(var.ty, value)))
            except BadValue as e:
                if e.outside:
                    self._outside.append(f"{name}{e.path} = {_short(value)}: {e.why}")
                    continue
                raise UsageError(f"the adapter's observe() gives {name}{e.path} = {_short(value)}: {e.why}",
                                 hint=f"{name} is a {var.ty.show()}", code="PS812") from None
        return out

    def teardown(self) -> None:
        self._close()

    def _close(self) -> None:
        close = getattr(self._adapter, "close", None) if hasattr(self, "_adapter") else None
        if close is not None:
            close()

    # ---- failures -------------------------------------------------------------------------------

    def _fail_divergence(self, kind: str, step: Step | None, steps: list[tuple[tuple | None, tuple]],
                         seen: list[tuple[int, Any]], judged: Judgement | None = None) -> None:
        spec = self.model.spec
        candidates = list(dict.fromkeys(t for _, t in steps))
        at = len(self._trace)
        shows = "what it shows is no step" if judged is not None and not seen else "it shows a state that is no successor"
        what = ("its initial state is none of the spec's initial states" if step is None else
                f"after step {at}, {self._taken[-1]}, {shows} the spec allows"
                if step.action != "(no action enabled)" else
                f"after step {at - 1} no action it drives is enabled, yet its state changed")
        lines = [f"spec {spec.name}: the implementation diverged: {what}", ""]
        if self._trace:
            lines += [render_trace(Trace(spec.vars, tuple(self._trace))), ""]
        header = "initial state" if step is None else render_step_header(at, step).split(": ", 1)[1]
        lines.append(f"{at}: {header}  <- diverges" if step is not None else "0: initial state  <- diverges")
        lines += _diff(spec, candidates, seen, primed=step is not None) if seen or judged is None else []
        lines += [f"    observed: {what}" for what in self._outside]
        if judged is not None:
            lines += _judged_lines(judged, steps, seen)
        nearest = _closest(candidates, seen) if candidates else (self._trace[-1].state if self._trace else None)
        trace = self._trace
        if nearest is not None:
            last = list(nearest)
            for i, v in seen:
                last[i] = v
            trace = trace + [Step(step.action if step else None, step.args if step else (), tuple(last))]
        self._raise(kind, "\n".join(lines), trace, None)

    def _fail_invariant(self, name: str) -> None:
        spec = self.model.spec
        at = len(self._trace) - 1
        where = "in the initial state" if at == 0 else f"after step {at}, {self._taken[-1]}"
        text = (f"spec {spec.name}: invariant {name} is false {where} (the implementation followed the spec there)"
                f"\n\n{render_trace(Trace(spec.vars, tuple(self._trace)))}")
        self._raise("violated", text, self._trace, name)

    def _raise(self, kind: str, text: str, steps: list[Step], invariant: str | None) -> None:
        spec = self.model.spec
        taken = tuple(self._taken)
        trace = Trace(spec.vars, tuple(steps))
        final = not self._replay and currently_in_test_context() and current_build_context().is_final
        if final and len(self._instances) > 1:
            shorter = _shortened(type(self), self._instances, kind)
            if shorter is not None:
                removed = len(self._instances) - len(shorter.steps)
                text = (shorter.message + f"\n\n(hypothesis shrank the run to {len(self._instances)} steps; "
                        f"replayed without {'one of them' if removed == 1 else f'{removed} of them'}, it fails the same way)")
                taken, trace, invariant = shorter.steps, shorter.trace, shorter.invariant
        page = None
        if self.model.html is not None and final:
            page = _write_page(self.model.html, spec, trace, kind, invariant, text)
            text += f"\n\ntimeline: {page}"
        raise ModelFailure(text, spec=spec.name, kind=kind, steps=taken, trace=trace, invariant=invariant, page=page)


def _replayed(cls: type[SpecMachine], run: list[tuple[str, tuple]]) -> ModelFailure | None:
    """Perform `run` on a fresh implementation: the failure it ends in, or None when it passes
    or stops being a run of the spec (an instance not enabled where it is taken)."""
    try:
        m = cls()
    except ModelFailure as e:  # the implementation started elsewhere this time
        return e
    try:
        for name, args in run:
            if args not in m._enabled.get(name, ()):
                return None
            m._perform(name, args)
    except ModelFailure as e:
        return e
    finally:
        m.teardown()
    return None


def _shortened(cls: type[SpecMachine], run: list[tuple[str, tuple]], kind: str) -> ModelFailure | None:
    """The failure of a run with steps of `run` left out, when one fails (of the same kind),
    else None; one step at a time, until no single step can go. Hypothesis's shrinker does
    not always delete a step whose choices sit between others (feature flags are drawn lazily);
    this pass, on the shrunk run only, leaves a run no step of which is unneeded."""
    cls = type(cls.__name__, (cls,), {"replaying": True})
    best: ModelFailure | None = None
    current = list(run)
    shrinking = True
    while shrinking and len(current) > 1:
        shrinking = False
        for i in range(len(current)):
            found = _replayed(cls, current[:i] + current[i + 1 :])
            if found is not None and found.kind == kind:
                current, best, shrinking = current[:i] + current[i + 1 :], found, True
                break
    return best


def _agrees(state: tuple, seen: list[tuple[int, Any]]) -> bool:
    return all(state[i] == v for i, v in seen)


def _holds(judged: Judgement | None, before: tuple | None, after: tuple) -> bool:
    return judged is None or bool(judged.holds(before, after))


def _judged_lines(judged: Judgement, steps: list[tuple[tuple | None, tuple]], seen: list[tuple[int, Any]]) -> list[str]:
    """What the judge saw, and why it refused each of the spec's steps (those the observation,
    if any, allowed), the first few."""
    out = [f"    seen: {line}" for line in judged.shown] or ["    seen: nothing"]
    if not steps:
        return out + ["    the spec has no state here"]
    refused = [(s, t) for s, t in steps if _agrees(t, seen) and not judged.holds(s, t)]
    whys = list(dict.fromkeys(w for s, t in refused[:_SHOWN] for w in [judged.why(s, t) if judged.why else None] if w))
    for n, why in enumerate(whys, 1):
        out.append(f"    {'why:' if len(whys) == 1 else f'why ({n} of {len(whys)}):'} {why}")
    return out


def _closest(candidates: list[tuple], seen: list[tuple[int, Any]]) -> tuple:
    """The candidate that agrees with the most observed variables (the first of those)."""
    return max(candidates, key=lambda s: sum(s[i] == v for i, v in seen))


_SHOWN = 3  # spec states shown beside the observation


def _diff(spec: CheckedSpec, candidates: list[tuple], seen: list[tuple[int, Any]], primed: bool) -> list[str]:
    """The observed variables that disagree, observed against each spec candidate."""
    mark = "'" if primed else ""
    if not candidates:
        return ["    the spec has no state here"]
    ranked = sorted(candidates, key=lambda s: -sum(s[i] == v for i, v in seen))
    out = []
    for n, s in enumerate(ranked[:_SHOWN], 1):
        wrong = [(i, v) for i, v in seen if s[i] != v]
        if not wrong:  # it agrees on every variable of the spec's type: what is outside is the difference
            continue
        title = "the spec:" if len(candidates) == 1 else f"the spec ({n} of {len(candidates)}):"
        width = len(title) + 1
        out.append(f"    {title.ljust(width)}" + ", ".join(
            f"{spec.vars[i].name}{mark} = {format_value(spec.vars[i].ty, s[i])}" for i, _ in wrong))
        out.append(f"    {'observed:'.ljust(width)}" + ", ".join(
            f"{spec.vars[i].name}{mark} = {format_value(spec.vars[i].ty, v)}" for i, v in wrong))
    if len(candidates) > _SHOWN:
        out.append(f"    ... and {len(candidates) - _SHOWN} more spec states")
    return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _write_page(path: str, spec: CheckedSpec, trace: Trace, kind: str, invariant: str | None, text: str) -> str:
    from pyspec.report.timeline import invariant_excerpts, read_source, timeline_from_trace
    from pyspec.report.timeline_html import render_html

    lines = text.split("\n")
    summary = [lines[0]] + [ln.strip() for ln in lines if ln.startswith(("    the spec", "    observed:", "    seen:",
                                                                         "    why"))]
    if kind != "violated" and any(ln.startswith("    observed:") for ln in lines):
        summary.append("the last step's state: the spec's, with the variables observed as observed")
    tl = timeline_from_trace(trace, spec, title=spec.name, verdict="diverges" if kind != "violated" else "violated",
                             violated=invariant, summary=summary,
                             excerpts=invariant_excerpts(spec, [invariant], read_source) if invariant else ())
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(render_html(tl))
    except OSError as e:
        raise UsageError(f"cannot write the timeline {path}: {e.strerror}", hint="give html= a file in a writable "
                         "directory", code="PS622") from None
    return os.fspath(path)


def _checked_adapter(m: Model) -> Any:
    adapter = m.adapter()
    missing = _missing(adapter, m)
    if missing:
        close = getattr(adapter, "close", None)
        if close is not None:
            close()
        raise _no_method(m, type(adapter).__name__, missing)
    return adapter


def _missing(adapter: Any, m: Model) -> list[str]:
    names = [m.spec.actions[ai].name for ai in m.actions] + (["observe"] if m.judge is None else [])
    return [n for n in names if not callable(getattr(adapter, n, None))]


def _no_method(m: Model, name: str, missing: list[str]) -> UsageError:
    return UsageError(f"adapter {name} has no method for {', '.join(missing)} (spec {m.spec.name})",
                      hint="define a method per action the test drives, named as in the spec, and observe(); "
                      "or pass actions=[...] to drive only some", code="PS810")


# ---- building the class ----------------------------------------------------------------------------


def build(model: Model, name: str, settings: Settings | None, seed: int | None) -> type[SpecMachine]:
    """The machine class: one rule per driven action, and one that waits when none is enabled."""
    if isinstance(model.adapter, type):
        missing = _missing(model.adapter, model)
        if missing:
            raise _no_method(model, model.adapter.__name__, missing)
    namespace: dict[str, Any] = {"model": model, "__module__": __name__}
    for ai in model.actions:
        action = model.spec.actions[ai]
        namespace[f"rule_{action.name}"] = _action_rule(action.name, [f.name for f in action.formals])

    def no_action_enabled(self: SpecMachine) -> None:
        self._stutter()

    namespace["rule__no_action_enabled"] = precondition(lambda self: not self._enabled)(rule()(no_action_enabled))
    cls: type[SpecMachine] = type(name, (SpecMachine,), namespace)
    if seed is not None:
        cls = _seed(seed)(cls)
    case = cls.TestCase
    case.settings = settings if settings is not None else Settings(deadline=None, suppress_health_check=list(HealthCheck))
    honour = _seed_honoured(cls, case.runTest)
    honour.is_hypothesis_test = True  # type: ignore[attr-defined]  # as hypothesis marks its own runTest
    honour._hypothesis_state_machine_class = cls  # type: ignore[attr-defined]
    case.runTest = honour  # type: ignore[method-assign,assignment]
    return cls


def _seed_honoured(cls: type[SpecMachine], run: Callable[[Any], None]) -> Callable[[Any], None]:
    """The TestCase's runTest, except that a seed forced on hypothesis (pytest's
    `--hypothesis-seed`) wins over the settings' `derandomize` (hypothesis lets `derandomize`
    win, so a profile that derandomizes would make the option do nothing). A seed given to
    `state_machine` wins over both."""

    def runTest(self: Any) -> None:
        from hypothesis import core
        from hypothesis.stateful import run_state_machine_as_test

        forced = getattr(core, "global_force_seed", None)
        if forced is not None and self.settings.derandomize and getattr(cls, "_hypothesis_internal_use_seed", None) is None:
            run_state_machine_as_test(cls, settings=Settings(self.settings, derandomize=False))
        else:
            run(self)

    return runTest


def _enabled_binding(name: str, m: SpecMachine) -> st.SearchStrategy[Any]:
    """One of the instances of action `name` enabled in `m`'s frontier: its first argument,
    the whole binding held for the other arguments' strategies. Drawn from all the action's
    bindings (a fixed list), filtered to the enabled ones, so that a choice means the same
    binding wherever it lands: a shrink that deletes an earlier step keeps the later ones."""
    enabled = frozenset(m._enabled[name])
    return st.sampled_from(m.model.bindings[name]).filter(enabled.__contains__).map(functools.partial(_hold, m, name))


def _hold(m: SpecMachine, name: str, args: tuple) -> Any:
    m._held[name] = args
    return args[0]


def _held_part(name: str, i: int, m: SpecMachine) -> Any:
    return m._held[name][i]


def _action_rule(name: str, formals: list[str]) -> Any:
    """The rule of one action. Its arguments are the action's parameters; the first draws a
    whole enabled binding (so only enabled instances are ever drawn) and holds it for the
    others, which read their part of it: hypothesis prints `state.Acquire(c=0)`."""

    def perform(self: SpecMachine, **kwargs: Any) -> None:
        self._perform(name, tuple(kwargs[f] for f in formals))

    perform.__name__ = perform.__qualname__ = name
    strategies: dict[str, Any] = {}
    for i, f in enumerate(formals):
        if i == 0:
            strategies[f] = st.runner().flatmap(functools.partial(_enabled_binding, name))
        else:
            strategies[f] = st.runner().map(functools.partial(_held_part, name, i))
    return precondition(lambda self: name in self._enabled)(rule(**strategies)(perform))
