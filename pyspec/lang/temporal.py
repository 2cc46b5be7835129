"""Temporal properties and fairness: the checker's rules for `temporal NAME: F` and `fair ...`.

A temporal formula is one of five shapes over state predicates (`T.TemporalKind`): `always P`,
`eventually P`, `always eventually P`, `eventually always P` and `P leadsto Q`. The operators
parse in any expression (so that a misplaced one gets a message, not a syntax error); here they
are accepted only at the top of a `temporal` declaration, and the predicates under them are
ordinary state expressions: no primes, no further temporal operator.

Fairness is per action instance (the action with one binding of its parameters): `fair weak
Step(p)` makes each `Step(p=0)`, `Step(p=1)`, ... weakly fair on its own, and `unless C`
lifts the obligation in states where C holds (`fair weak Step(p) unless p in crashed`: a
crashed process owes no steps).
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any, Iterator

from pyspec.errors import Span, SpecNameError, SpecTypeError, SpecWarning
from pyspec.lang import ast as A
from pyspec.lang import typed as T
from pyspec.lang.scope import CheckerState, Frame, did_you_mean
from pyspec.lang.types import BOOL

_SHAPES = "always P, eventually P, always eventually P, eventually always P, or P leadsto Q"


def _walk(node: Any) -> Iterator[Any]:
    """Every surface-AST node under `node` (itself included), iteratively."""
    stack = [node]
    while stack:
        x = stack.pop()
        if isinstance(x, tuple):
            stack.extend(reversed(x))
        elif is_dataclass(x) and not isinstance(x, type):
            yield x
            stack.extend(reversed([getattr(x, f.name) for f in fields(x) if f.name != "span"]))


def _shape(e: A.Expr) -> tuple[T.TemporalKind, A.Expr, A.Expr | None]:
    """The formula's shape and its predicates; SpecTypeError PS742 for any other shape."""
    if not isinstance(e, A.TemporalOp):
        raise SpecTypeError(
            "a temporal property needs a temporal operator at its top",
            e.span,
            hint=f"write {_SHAPES}; a property of every reachable state is an `invariant`",
            code="PS742",
        )
    inner = e.operands[0]
    if e.op == "leadsto":
        return T.TemporalKind.LEADSTO, e.operands[0], e.operands[1]
    if isinstance(inner, A.TemporalOp) and inner.op != "leadsto" and inner.op != e.op:
        kind = T.TemporalKind.ALWAYS_EVENTUALLY if e.op == "always" else T.TemporalKind.EVENTUALLY_ALWAYS
        return kind, inner.operands[0], None
    return (T.TemporalKind.ALWAYS if e.op == "always" else T.TemporalKind.EVENTUALLY), inner, None


def _state_predicate(e: A.Expr, what: str) -> None:
    """Refuse temporal operators (PS742) and primes (PS741) inside a predicate."""
    for x in _walk(e):
        if isinstance(x, A.TemporalOp):
            hint = f"the shapes checked are {_SHAPES}"
            if x.op == "leadsto":
                hint = "`P leadsto Q` already means: always, P is followed by Q; write it alone"
            raise SpecTypeError(f"'{x.op}' nested inside {what} is not supported", x.span, hint=hint, code="PS742")
        if isinstance(x, A.Primed):
            raise SpecNameError(
                f"{x.name}' (a next-state value) cannot be read in {what}",
                x.span,
                hint="a temporal property and a fairness condition are about states; read the variable unprimed",
                code="PS741",
            )


class TemporalRules(CheckerState):
    """The checker's rules for temporal operators, `temporal` and `fair` declarations."""

    def _e_TemporalOp(self, e: A.TemporalOp, fr: Frame) -> T.Expr:
        raise SpecTypeError(
            f"'{e.op}' is a temporal operator: it can only begin a `temporal` property",
            e.span,
            hint=f"declare `temporal NAME: ...` ({_SHAPES}); an invariant already means 'always'",
            code="PS740",
        )

    def _temporal(self, t: A.Temporal) -> T.Temporal:
        kind, p, q = _shape(t.expr)
        what = f"temporal property '{t.name}'"
        fr = Frame()
        out: list[T.Expr | None] = []
        for x in (p, q):
            if x is None:
                out.append(None)
                continue
            _state_predicate(x, what)
            e = self._expr(x, fr)
            self._expect(e, BOOL, x.span, what)
            out.append(e)
        assert out[0] is not None
        texts = dict(t.texts)
        p_text = texts.get(p.span) or "P"
        q_text = (texts.get(q.span) or "Q") if q is not None else "Q"
        return T.Temporal(t.name, kind, out[0], out[1], fr.nlocals, t.default, p_text, q_text, span=t.span)

    def _fairness(self, f: A.Fairness, actions: tuple[T.Action, ...]) -> T.Fairness | None:
        index = next((i for i, a in enumerate(actions) if a.name == f.action), None)
        if index is None:
            if any(isinstance(d, A.Action) and d.name == f.action for d in self._decls()):
                return None  # the action's own error is reported already
            raise SpecNameError(
                f"`fair` names '{f.action}', which is not an action of the spec",
                f.span,
                hint=did_you_mean(f.action, [a.name for a in actions]) or "actions: " + ", ".join(a.name for a in actions),
                code="PS743",
            )
        a = actions[index]
        names = f.binds if f.binds else tuple(x.name for x in a.formals)
        if len(names) != len(a.formals) or len(set(names)) != len(names):
            formals = ", ".join(x.name for x in a.formals)
            raise SpecNameError(
                f"`fair ... {f.action}({', '.join(names)})` must bind each of the {len(a.formals)} parameter(s) of "
                f"{f.action}({formals}) once",
                f.span,
                hint=f"write `fair weak {f.action}({formals})`, or `fair weak {f.action}` for every instance",
                code="PS744",
            )
        fr = Frame()
        for name, formal in zip(names, a.formals):
            self._no_shadow(name, f.span)
            fr.bind(name, formal.ty, f.span)  # argument i in local slot i
        unless = None
        if f.unless is not None:
            what = f"the `unless` condition of `fair ... {f.action}`"
            _state_predicate(f.unless, what)
            unless = self._expr(f.unless, fr)
            self._expect(unless, BOOL, f.unless.span, what)
        return T.Fairness(index, f.strong, unless, fr.nlocals, span=f.span)

    def _decls(self) -> tuple[Any, ...]:
        spec = getattr(self, "spec", None)
        return spec.decls if spec is not None else ()


def temporal_warnings(spec: T.CheckedSpec) -> tuple[SpecWarning, ...]:
    """PS747: temporal properties and no fairness at all, where a behaviour may postpone any
    step for ever, so most `eventually` properties are violated trivially. PS748: temporal
    properties and a state constraint, which cuts every behaviour short where it stops
    expanding: there the behaviour stutters for ever, an end the unconstrained spec never has."""
    if not spec.temporals:
        return ()
    t = spec.temporals[0]
    where = Span(t.span.file, t.span.line, t.span.col, t.span.line, t.span.col + len(t.name))
    out = []
    if not spec.fairness:
        out.append(SpecWarning(
            f"temporal property '{t.name}' is checked with no fairness: a behaviour may postpone any "
            "action for ever, so a cycle that ignores one process violates most 'eventually' properties",
            where,
            hint="declare which steps must not be postponed for ever, e.g. `fair weak Step(p) unless p in crashed`",
            code="PS747",
        ))
    if spec.constraints:
        c = spec.constraints[0]
        out.append(SpecWarning(
            f"temporal property '{t.name}' is checked under constraint {c.name}: a state that violates it "
            "is not expanded, so a behaviour reaching one stutters there for ever; an 'eventually' may be "
            "violated only by that cut, and one that holds says nothing of the unconstrained spec",
            where,
            hint="check temporal properties without a constraint (bound the spec by its params instead)",
            code="PS748",
        ))
    return tuple(out)
