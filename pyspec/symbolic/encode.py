"""A checked spec in Z3 (`Encoding`): init, one transition formula per action instance, and
every invariant, each with the condition under which the explicit engine would raise an
evaluation error.

The encoding is done once, over two template copies of the state (`var@0`, `var@1`);
`Encoding.at` renames a template to the copies of steps k and k+1 by substitution, so a
deeper unrolling costs no re-encoding. Statements are run along paths (`pyspec.symbolic.paths`)
and expressions encoded with their error conditions (`pyspec.symbolic.encode_expr`); here a
path becomes a transition (frame conditions, factoring of the equalities every path shares)
and an instance's formula the disjunction of its paths.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping

import z3

from pyspec.lang import typed as T
from pyspec.lang.analysis import Analysis
from pyspec.lang.types import EnumT, Type, domain
from pyspec.symbolic.boolean import and_, and_all, not_, or_, or_all
from pyspec.symbolic.decode import decode, fresh, is_true_in, lift
from pyspec.symbolic.encode_expr import EvalErr
from pyspec.symbolic.ints import Ctx
from pyspec.symbolic.paths import Encoder, Path
from pyspec.symbolic.values import EncodingError, eq, eq_const, eq_leaves
from pyspec.symbolic.z3raw import Renaming


@dataclass(frozen=True, slots=True)
class SymState:
    """The symbolic values of every state variable, and their Z3 constants in a fixed order."""

    vals: tuple
    leaves: tuple
    type_ok: Any  # every variable holds a value of its declared type


@dataclass(frozen=True, slots=True)
class Part:
    """A formula with the condition under which computing it raises an evaluation error."""

    formula: Any
    error: Any
    errors: tuple[EvalErr, ...] = ()


def _ast_id(x: Any) -> Any:
    """A key for a formula: the Python bool, or the Z3 term's address (Z3 shares equal terms, so
    equal formulas alive at once have one address; read without a call into Z3)."""
    return x if isinstance(x, bool) else x.ast.value


def collect_strings(spec: T.CheckedSpec) -> list[str]:
    """Every string that an enumeration value of the spec may be, in first-seen order."""
    seen: dict[str, None] = {}
    visited: set[int] = set()

    def ty(t: Any) -> None:
        if isinstance(t, EnumT):
            for v in t.values:
                seen.setdefault(v, None)
        elif isinstance(t, Type):
            for f in getattr(t, "__slots__", ()):
                walk(getattr(t, f))

    def walk(root: Any) -> None:
        # depth first, in order, with a stack of its own: a long chain of `and`s is a deep tree
        stack = [root]
        while stack:
            x = stack.pop()
            if isinstance(x, (str, int, bool, type(None))) or id(x) in visited:
                continue
            visited.add(id(x))
            if isinstance(x, Type):
                ty(x)
                continue
            if isinstance(x, (tuple, list, frozenset)):
                stack.extend(reversed(list(x)))
                continue
            slots = getattr(type(x), "__slots__", None)
            if slots is None:
                continue
            stack.extend(reversed([getattr(x, f) for f in slots if f != "span" and hasattr(x, f)]))

    walk(spec.params)
    walk(spec.vars)
    walk(spec.init)
    walk(spec.actions)
    walk(spec.invariants)
    walk(spec.reachables)
    walk(spec.constraints)
    return list(seen)


class _Lazy(Mapping[str, Part]):
    """A read-only mapping name -> Part whose values are computed on first access."""

    def __init__(self, items: dict[str, Any], make: Callable[[Any], Part]) -> None:
        self._items = items
        self._make = make
        self._done: dict[str, Part] = {}

    def __getitem__(self, name: str) -> Part:
        p = self._done.get(name)
        if p is None:
            p = self._done[name] = self._make(self._items[name])
        return p

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


class Encoding:
    """A checked spec in Z3, encoded once over template states 0 (current) and 1 (next).

    `instances` are the action instances in the explicit engine's order (actions in
    declaration order, arguments from the parameters' domains in declaration order)."""

    def __init__(self, spec: T.CheckedSpec, bitvectors: bool = True, never: frozenset[str] = frozenset()) -> None:
        """`never`: the names (without `@k`) of set bits that are False in every state of the
        unrolling: the current state has no Boolean for them, the next state has (a step that
        sets one is what `pyspec.symbolic.reach.confirm` looks for), and `at` makes them False.
        Sound only once `confirm` has proven them never true in a reachable state."""
        self.spec = spec
        self.never = never
        self.ctx = Ctx(collect_strings(spec), bitvectors)
        self._analysis = Analysis()
        self._cache: dict = {}
        self._states: dict[int, SymState] = {}
        self._views: dict[int, SymState] = {}
        self._restricted: dict[int, tuple] = {}  # template formula id -> (it, without the never-bits)
        self._renamings: dict[int, Renaming] = {}  # k -> states 0, 1 to states k, k + 1
        self.instances: list[tuple[int, tuple]] = []
        for ai, a in enumerate(spec.actions):
            for args in itertools.product(*(domain(f.ty) for f in a.formals)):
                self.instances.append((ai, args))
        s0, s1 = self.state(0), self.state(1)
        self.init = self._init(s0)
        self._enabled: dict[int, Any] = {}
        # the spec's constraints, as the explicit engine reads them: a state that violates one
        # is not expanded, so every step from state 0 requires them (CompiledSpec.expands)
        self.constraint = self._conjunction(spec.constraints, s0)
        self.steps: list[Part] = [self._instance(i, s0, s1) for i in range(len(self.instances))]
        # encoded on first use: a run checks a few of them (Paxos's unused Inv was a sixth of its encoding)
        self.invariants = _Lazy({inv.name: inv for inv in spec.invariants}, lambda inv: self._invariant(inv, s0))
        self.reachables = _Lazy({r.name: r for r in spec.reachables}, lambda r: self._invariant(r, s0))

    # ---- states ------------------------------------------------------------------------------

    def state(self, k: int) -> SymState:
        """The state of step k: each variable `var` as Z3 constants named `var...@k`; state 0
        (the template's current state) without the `never` bits."""
        s = self._states.get(k)
        if s is None:
            leaves: list = []
            cons: list = []
            never = self.never if k == 0 else frozenset()
            vals = tuple(self._fresh(v, k, leaves, cons, never) for v in self.spec.vars)
            s = self._states[k] = SymState(vals, tuple(leaves), and_all(cons))
        return s

    def _fresh(self, v: T.VarInfo, k: int, leaves: list, cons: list, never: frozenset[str] = frozenset()) -> Any:
        try:
            return fresh(self.ctx, v.ty, v.name, f"@{k}", leaves, cons, never)
        except EncodingError as e:
            e.span = e.span or v.span  # the variable whose type is too large
            raise

    def view(self, k: int) -> SymState:
        """State k as the unrolling sees it: without the `never` bits."""
        if not self.never or k == 0:
            return self.state(k)
        s = self._views.get(k)
        if s is None:
            leaves: list = []
            cons: list = []
            vals = tuple(self._fresh(v, k, leaves, cons, self.never) for v in self.spec.vars)
            s = self._views[k] = SymState(vals, tuple(leaves), and_all(cons))
        return s

    def at(self, f: Any, k: int) -> Any:
        """A template formula over states 0 and 1, moved to states k and k + 1."""
        if isinstance(f, bool):
            return f
        if self.never:
            hit = self._restricted.get(f.get_id())
            if hit is None:
                gone = z3.BoolVal(False)
                live = {x.get_id() for x in self.view(1).leaves}
                dead = [(x, gone) for x in self.state(1).leaves if x.get_id() not in live]
                hit = self._restricted[f.get_id()] = (f, z3.simplify(Renaming(*zip(*dead))(f)) if dead else f)
            f = hit[1]
        if k == 0:
            return f
        r = self._renamings.get(k)
        if r is None:
            s0, s1, sk, sk1 = self.view(0), self.view(1), self.view(k), self.view(k + 1)
            r = self._renamings[k] = Renaming(s0.leaves + s1.leaves, sk.leaves + sk1.leaves)
        return r(f)

    def type_ok(self, k: int) -> Any:
        """Every variable of state k holds a value of its declared type."""
        return self.view(k).type_ok

    def decode(self, model: z3.ModelRef, k: int) -> tuple:
        return tuple(decode(self.ctx, model, x) for x in self.view(k).vals)

    def state_eq(self, k: int, state: tuple) -> Any:
        """State k is the explicit state `state`."""
        return and_all(eq_const(self.ctx, x, v) for x, v in zip(self.view(k).vals, state))

    def next(self, k: int) -> Any:
        """Some action instance leads from state k to state k + 1."""
        return self.at(or_all(p.formula for p in self.steps), k)

    def enabled(self, inst: int) -> Any:
        """Action instance `inst` is enabled in state 0: the condition of one of its paths holds
        (every `require` and choice on it), and its next state then exists, since each path fixes
        it by equalities on state 1.

        Built on first use, from the paths run again: keeping the paths' conditions from
        `_instance` for it, even unused, keeps Z3 terms alive that would be freed, which changes
        Z3's term numbering and with it the models (the counterexamples) of every other query."""
        f = self._enabled.get(inst)
        if f is None:
            paths, _ = self._paths(inst, self.state(0))
            f = self._enabled[inst] = or_all(p.guard for p in paths)
        return f

    def deadlocked(self, k: int) -> Any:
        """No action instance is enabled in state k (and none raises an evaluation error there,
        which the explicit engine would report instead of a deadlock), and state k satisfies the
        spec's constraints: a state that violates one is not expanded, so it is no deadlock."""
        some = or_all(self.enabled(i) for i in range(len(self.instances)))
        return self.at(and_(self.constraint.formula, not_(some), not_(or_all(p.error for p in self.steps))), k)

    def step_error(self, k: int) -> Any:
        """Running some action instance in state k raises an evaluation error."""
        return self.at(or_all(p.error for p in self.steps), k)

    def holds(self, model: z3.ModelRef, f: Any) -> bool:
        return is_true_in(model, f)

    # ---- encoding ----------------------------------------------------------------------------

    def encoder(self, cur: tuple | None) -> Encoder:
        """An encoder of this spec's statements and expressions over the current state `cur`
        (None in init); it shares the encoding's dependency facts and cache."""
        enc = Encoder(self.ctx, self._analysis, self._cache)
        enc.cur = cur
        return enc

    def run(self, body: tuple[T.Stmt, ...], cur: tuple | None, args: dict) -> tuple[list[Path], list[EvalErr]]:
        """The paths of `body` from the current state `cur` (None in init) with the locals
        `args` (slot -> (symbolic value, explicit value)), and the evaluation errors met."""
        enc = self.encoder(cur)
        n = len(self.spec.vars)
        p = Path(True, [], [None] * n, {})
        for slot, (v, explicit) in args.items():
            p.bind(slot, v, explicit)
        paths = enc.block(body, [p])
        return paths, enc.errors

    def init_in(self, k: int) -> Any:
        """Init as a formula over state k as `state` builds it (state 1: with every Boolean,
        where `pyspec.symbolic.reach.confirm` checks that init sets no `never` bit)."""
        return self._init(self.state(k)).formula

    def _init(self, s0: SymState) -> Part:
        paths, errors = self.run(self.spec.init.body, None, {})
        ctx = self.ctx
        formula = or_all(
            and_(p.guard, *(eq(ctx, x, v) for x, v in zip(s0.vals, p.nxt))) for p in paths
        )
        return Part(formula, or_all(e.cond for e in errors), tuple(errors))

    def _paths(self, inst: int, s0: SymState) -> tuple[list[Path], list[EvalErr]]:
        """The paths of action instance `inst` from state `s0`, and the evaluation errors met."""
        ai, args = self.instances[inst]
        a = self.spec.actions[ai]
        bound = {f.slot: (lift(self.ctx, f.ty, v), v) for f, v in zip(a.formals, args)}
        return self.run(a.body, s0.vals, bound)

    def _instance(self, inst: int, s0: SymState, s1: SymState) -> Part:
        ctx = self.ctx
        a = self.spec.actions[self.instances[inst][0]]
        paths, errors = self._paths(inst, s0)
        frame = [eq(ctx, s1.vals[i], s0.vals[i]) for i in range(len(s0.vals)) if i not in a.assigned]
        # Each path's next-state equalities, one per leaf; an equality every path shares
        # (a leaf that no path changes differently) is stated once, outside the disjunction
        # (measured on Paxos: the forks of `m in msgs` then differ in a handful of leaves).
        per_path = []
        for p in paths:
            eqs: list = []
            for i in sorted(a.assigned):
                v = p.nxt[i]
                eq_leaves(ctx, s1.vals[i], v if v is not None else s0.vals[i], eqs)
            per_path.append((p.guard, eqs))
        common: dict = {}
        if len(per_path) > 1:
            ids = [{_ast_id(x) for x in eqs} for _, eqs in per_path]
            shared = set.intersection(*ids)
            for x in per_path[0][1]:
                if _ast_id(x) in shared:
                    common[_ast_id(x)] = x
        disjuncts = [and_(guard, *(x for x in eqs if _ast_id(x) not in common)) for guard, eqs in per_path]
        formula = and_(or_all(disjuncts), *common.values(), *frame)
        c = self.constraint
        return Part(and_(c.formula, formula), or_(c.error, and_(c.formula, or_all(e.cond for e in errors))),
                    c.errors + tuple(errors))

    def _conjunction(self, preds: tuple[T.Constraint, ...], s0: SymState) -> Part:
        """All of `preds` true in state 0, evaluated left to right as the explicit engine does
        (a later one is evaluated only when the earlier ones hold)."""
        formula: Any = True
        error: Any = False
        errors: tuple[EvalErr, ...] = ()
        for pred in preds:
            part = self._invariant(pred, s0)
            error = or_(error, and_(formula, part.error))
            formula = and_(formula, part.formula)
            errors += part.errors
        return Part(formula, error, errors)

    def _invariant(self, inv: T.Invariant | T.Reachable | T.Constraint, s0: SymState) -> Part:
        enc = self.encoder(s0.vals)
        p = Path(True, [], [None] * len(s0.vals), {})
        v = enc.expr(inv.expr, p, ())
        return Part(v, or_all(e.cond for e in enc.errors), tuple(enc.errors))

    def instance_name(self, inst: int) -> tuple[str, tuple]:
        ai, args = self.instances[inst]
        a = self.spec.actions[ai]
        return a.name, tuple((f.name, v, f.ty) for f, v in zip(a.formals, args))


__all__ = ["Encoding", "Part", "SymState", "EvalErr"]
