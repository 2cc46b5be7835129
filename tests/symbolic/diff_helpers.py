"""Shared machinery of the explicit-vs-symbolic differential tests: in one explicit state,
compare the successors of every action instance, whether it is enabled, whether evaluation
fails, and every invariant; and the initial states."""

from __future__ import annotations

import z3

from pyspec import SpecEvalError
from pyspec.symbolic.encode import Encoding, Part

MODEL_LIMIT = 5_000


def _b(x):
    return z3.BoolVal(x) if isinstance(x, bool) else x


def models(enc: Encoding, solver: z3.Solver, k: int, limit: int = MODEL_LIMIT) -> set:
    """The explicit states k of all models of `solver` (blocking clauses over state k)."""
    out = set()
    solver.push()
    try:
        while True:
            r = solver.check()
            assert r != z3.unknown, solver.reason_unknown()
            if r == z3.unsat:
                return out
            st = enc.decode(solver.model(), k)
            assert st not in out, f"the blocking clause did not block {st}"
            out.add(st)
            assert len(out) <= limit
            solver.add(z3.Not(_b(enc.state_eq(k, st))))
    finally:
        solver.pop()


def _errors_agree(solver: z3.Solver, part: Part, explicit_error: SpecEvalError | None, what: str) -> bool:
    """The symbolic error condition agrees exactly with the explicit engine: satisfiable if
    and only if the explicit engine raises (a body that may fail is iterated in the declared
    order by both, so no disagreement is excused). Returns whether evaluation succeeded."""
    symbolic = solver.check(_b(part.error)) == z3.sat
    if explicit_error is not None:
        assert symbolic, f"{what}: the explicit engine raises ({explicit_error}) but the symbolic error condition is unsat"
        return False
    assert not symbolic, f"{what}: the symbolic engine finds an evaluation error the explicit engine does not raise"
    return True


def check_init(enc: Encoding, compiled) -> list[tuple]:
    """Initial states and init errors agree; returns the initial states ([] on an error)."""
    try:
        expected = list(compiled.initial_states())
        err = None
    except SpecEvalError as e:
        expected, err = [], e
    solver = z3.Solver()
    if not _errors_agree(solver, enc.init, err, "init"):
        return []
    solver.add(_b(enc.init.formula), _b(enc.type_ok(0)))
    got = models(enc, solver, 0)
    assert got == set(expected), f"init: explicit {sorted(map(repr, expected))} symbolic {sorted(map(repr, got))}"
    return expected


def check_state(spec, enc: Encoding, compiled, state) -> None:
    """Successors, errors and invariants of the explicit state `state` agree in both engines."""
    solver = z3.Solver()
    solver.add(_b(enc.state_eq(0, state)), _b(enc.type_ok(0)), _b(enc.type_ok(1)))
    assert solver.check() == z3.sat, f"state {state} is not expressible"
    for inv in spec.invariants:
        part = enc.invariants[inv.name]
        try:
            expected = bool(compiled.evaluate(inv.expr, state, inv.nlocals))
            err = None
        except SpecEvalError as e:
            expected, err = None, e
        if not _errors_agree(solver, part, err, f"invariant {inv.name} in {state}"):
            continue
        solver.push()
        solver.add(z3.Not(_b(part.error)))  # the explicit engine did not raise: nor may Z3
        t = solver.check(_b(part.formula)) == z3.sat
        fl = solver.check(z3.Not(_b(part.formula))) == z3.sat
        solver.pop()
        assert t != fl and t == expected, f"invariant {inv.name} in {state}: explicit {expected}, symbolic {t}/{fl}"
    for inst in range(len(enc.instances)):
        name, args = enc.instance_name(inst)
        what = f"{name}({', '.join(f'{n}={v!r}' for n, v, _ in args)}) in {state}"
        part = enc.steps[inst]
        try:
            expected = set(compiled.run_instance(state, inst))
            err = None
        except SpecEvalError as e:
            expected, err = None, e
        if not _errors_agree(solver, part, err, what):
            continue
        solver.push()
        solver.add(_b(part.formula))
        got = models(enc, solver, 1)
        solver.pop()
        assert got == expected, f"{what}: explicit {sorted(map(repr, expected))} symbolic {sorted(map(repr, got))}"
        # the enabledness BMC's deadlock search reads, in a state the constraints let expand:
        # true exactly when there is a successor
        on = z3.And(_b(enc.constraint.formula), _b(enc.enabled(inst)))
        enabled = solver.check(on) == z3.sat
        disabled = solver.check(z3.Not(on)) == z3.sat
        assert enabled != disabled and enabled == bool(expected), f"{what}: enabled {enabled}/{disabled}, explicit {expected}"


def reachable(compiled, limit: int) -> list[tuple]:
    """Up to `limit` reachable states, breadth first, stepping past instances that raise."""
    states = list(dict.fromkeys(compiled.initial_states()))
    seen = set(states)
    i = 0
    while i < len(states) and len(states) < limit:
        for inst in range(len(compiled.instances)):
            try:
                succ = compiled.run_instance(states[i], inst)
            except SpecEvalError:
                continue
            for t in succ:
                if t not in seen and len(states) < limit:
                    seen.add(t)
                    states.append(t)
        i += 1
    return states
