"""Bodies and statements: init, actions and invariants, `require`, `if`, lets, choices, assignments.

The assignment-flow rules live here: which variables a path assigns (`Frame.assigned`, merged
at an `if`), what may be read primed, and what init must give a value.
"""

from __future__ import annotations

from pyspec.errors import PyspecError, SpecErrors, SpecNameError, SpecTypeError
from pyspec.lang import ast as A
from pyspec.lang import typed as T
from pyspec.lang.scope import CheckerState, Frame, did_you_mean, name_error
from pyspec.lang.ops import Fn
from pyspec.lang.types import BOOL, DOMAIN_LIMIT, INT, IntT, MapT, SeqT, SetT, Type, is_finite, subtype, too_large_to_enumerate


class StmtRules(CheckerState):
    """The checker's rules for bodies and statements."""

    def _init(self, init: A.Init) -> T.Init:
        fr = Frame(in_init=True)
        for name in self.unknowns:  # chosen before the body runs (_choose_unknowns): readable in it
            fr.assigned[self.vars[name][0]] = fr.maybe[self.vars[name][0]] = "whole"
        body = self._block(init.body, fr)
        missing = [
            v for v, (i, _) in self.vars.items() if fr.assigned.get(i) != "whole" and v not in self.unknowns
        ]
        if missing:
            raise SpecNameError(
                "init does not assign " + ", ".join(f"'{m}'" for m in missing) + " on every path",
                init.span,
                hint="every variable needs an initial value: x = e or x in S",
                code="PS212",
            )
        chosen = self._choose_unknowns(fr)
        return T.Init(chosen + body, fr.nlocals, span=init.span)

    def _action(self, a: A.Action) -> T.Action:
        fr = Frame(in_action=True)
        formals = []
        for f in a.formals:
            assert f.type is not None, "the grammar requires a type on every action parameter"
            ty = self._type(f.type)
            if not is_finite(ty):
                raise SpecTypeError(
                    f"action parameter '{f.name}' has type {ty.show()}, which is not finite",
                    f.type.span,
                    code="PS302",
                )
            size = too_large_to_enumerate(ty)
            if size is not None:
                raise SpecTypeError(
                    f"action parameter '{f.name}' has type {ty.show()}, with {size} values; "
                    f"the limit is {DOMAIN_LIMIT:,} (2^20), because every engine tries each value",
                    f.type.span,
                    hint="narrow the type, e.g. 0 .. N with a param N",
                    code="PS333",
                )
            self._no_shadow(f.name, f.span)
            loc = fr.bind(f.name, ty, f.span)
            formals.append(T.Formal(f.name, loc.slot, ty))
        body = self._block(a.body, fr)
        return T.Action(a.name, tuple(formals), body, fr.nlocals, frozenset(fr.ever), a.doc, span=a.span)

    def _invariant(self, inv: A.Invariant) -> T.Invariant:
        fr = Frame()
        e = self._expr(inv.expr, fr)
        self._expect(e, BOOL, inv.expr.span, f"invariant '{inv.name}'")
        return T.Invariant(inv.name, e, fr.nlocals, inv.default, span=inv.span)

    def _proc_alone(self, p: A.Proc) -> None:
        """Check a proc that nothing calls as if an action called it (a called one is checked
        where it is called, with the caller's assignments in view)."""
        fr = Frame(in_action=True, any_prime=True)
        for f in p.formals:
            assert f.type is not None, "the grammar requires a type on every proc parameter"
            self._no_shadow(f.name, f.span)
            fr.bind(f.name, self._type(f.type), f.span)
        self.def_stack.append(p.name)
        try:
            self._block(p.body, fr)
        finally:
            self.def_stack.pop()

    def _constraint(self, c: A.Constraint) -> T.Constraint:
        fr = Frame()
        e = self._expr(c.expr, fr)
        self._expect(e, BOOL, c.expr.span, f"constraint '{c.name}'")
        return T.Constraint(c.name, e, fr.nlocals, span=c.span)

    def _reachable(self, r: A.Reachable) -> T.Reachable:
        fr = Frame()
        e = self._expr(r.expr, fr)
        self._expect(e, BOOL, r.expr.span, f"reachable '{r.name}'")
        return T.Reachable(r.name, e, fr.nlocals, r.default, span=r.span)

    # ---- statements --------------------------------------------------------------------------

    def _block(self, stmts: tuple[A.Stmt, ...], fr: Frame) -> tuple[T.Stmt, ...]:
        out: list[T.Stmt] = []
        for s in stmts:
            if isinstance(s, A.CallStmt):
                out.extend(self._call(s, fr))
            else:
                out.append(self._stmt(s, fr))
        return tuple(out)

    def _call(self, s: A.CallStmt, fr: Frame) -> tuple[T.Stmt, ...]:
        """A proc call, inlined: the proc's statements, checked here as if written in place
        (so the assignment rules see them), with its params standing for the argument
        expressions, as a def's do. The body sees the globals and its own params only."""
        c = s.call
        proc = self.procs.get(c.func)
        if proc is None:
            if c.func in self.defs:
                hint = f"'{c.func}' is a def, an expression: use it in a statement, e.g. require {c.func}(...)"
            else:
                hint = did_you_mean(c.func, self.procs) or (
                    "a statement call names a proc: proc NAME(p: T): ..." if not self.procs else
                    "procs: " + ", ".join(self.procs))
            raise SpecNameError(f"'{c.func}' is not a proc", c.func_span, hint=hint, code="PS225")
        if c.kwargs or len(c.args) != len(proc.formals) or any(isinstance(a, A.GenExp) for a in c.args):
            raise SpecTypeError(f"proc '{proc.name}' takes {len(proc.formals)} argument(s) by position, "
                                f"as {proc.name}({', '.join(f.name for f in proc.formals)})", c.span,
                                notes=((proc.span, f"'{proc.name}' is declared here"),), code="PS330")
        if proc.name in self.def_stack:
            chain = " -> ".join(self.def_stack[self.def_stack.index(proc.name):] + [proc.name])
            raise SpecNameError(f"proc '{proc.name}' calls itself ({chain})", c.func_span, code="PS226")
        self.called.add(proc.name)
        args = {}
        for f, a in zip(proc.formals, c.args):
            ta = self._expr(a, fr)
            assert f.type is not None, "the grammar requires a type on every proc parameter"
            self._expect(ta, self._type(f.type), a.span, f"argument '{f.name}' of '{proc.name}'")
            args[f.name] = ta
        saved, saved_ended = fr.scopes, fr.ended
        fr.scopes, fr.ended = [args], {}
        self.def_stack.append(proc.name)
        try:
            return self._block(proc.body, fr)
        except PyspecError as err:
            if err.span is not None and err.span != c.span and not any(n[0] == c.span for n in err.notes):
                err.notes = err.notes + ((c.span, f"in this call of '{proc.name}'"),)
            raise
        finally:
            self.def_stack.pop()
            fr.scopes, fr.ended = saved, saved_ended

    def _stmt(self, s: A.Stmt, fr: Frame) -> T.Stmt:
        if isinstance(s, A.Require):
            c = self._expr(s.cond, fr)
            self._expect(c, BOOL, s.cond.span, "require")
            return T.Require(c, span=s.span)
        if isinstance(s, A.If):
            c = self._expr(s.cond, fr)
            self._expect(c, BOOL, s.cond.span, "if")
            before = (dict(fr.assigned), dict(fr.maybe))
            fr.scopes.append({})
            then = self._block(s.then, fr)
            _ended(fr, fr.scopes.pop())
            after_then = (fr.assigned, fr.maybe)
            fr.assigned, fr.maybe = dict(before[0]), dict(before[1])
            fr.scopes.append({})
            orelse = self._block(s.orelse, fr)
            _ended(fr, fr.scopes.pop())
            fr.assigned = {k: v for k, v in after_then[0].items() if k in fr.assigned}
            fr.maybe = {**after_then[1], **fr.maybe}
            return T.If(c, then, orelse, span=s.span)
        if isinstance(s, (A.Assign, A.Choose)):
            return self._write(s, fr)
        raise AssertionError(s)

    def _seq_entry(self, s: A.Assign | A.Choose, rhs: T.Expr, index: int, vty: SeqT, fr: Frame) -> T.Stmt:
        """`s'[i] = v` on a sequence, lowered to `s' = update(s, i, v)` (the row `Fn.UPDATE`, which
        fails unless 0 <= i < len(s)). Where `s'` is already given on every path to here (an
        earlier entry update, `s' = append(s, x)`), it updates that: `s' = update(s', i, v)`, so
        entry updates apply in order, the last write to a position winning, as for maps."""
        tgt = s.target
        if isinstance(s, A.Choose) or len(tgt.path) != 1 or fr.in_init:
            raise SpecTypeError(f"'{tgt.spelling()}': a sequence entry is assigned as {tgt.name}'[i] = v, "
                                "in an action", tgt.span, code="PS311")
        before = fr.maybe.get(index) is not None
        if before and fr.assigned.get(index) != "whole":
            raise SpecNameError(f"{tgt.name}' is assigned on some paths only before this entry update", tgt.span,
                                hint=f"an entry update of a sequence updates {tgt.name}' as given on every path "
                                "to it: give it on every path first (an else branch), or update the entry "
                                "inside each branch", code="PS208")
        k = self._expr(tgt.path[0], fr)
        self._expect(k, INT, tgt.path[0].span, "the sequence index")
        self._expect(rhs, vty.elem, rhs.span, f"the value of {tgt.spelling()}")
        cur: T.Expr = T.Primed(index, tgt.name, vty, span=tgt.span) if before else T.Var(index, tgt.name, vty, span=tgt.span)
        value = T.Apply(Fn.UPDATE, (cur, k, rhs), vty, span=s.span)
        fr.maybe[index] = "whole"
        fr.assigned[index] = "whole"
        fr.ever.add(index)
        check = None if subtype(rhs.ty, vty.elem) else vty
        return T.Assign(index, tgt.name, (), (), value, check, span=s.span)

    def _seq_in_map_entry(self, s: A.Assign | A.Choose, rhs: T.Expr, index: int, vty: Type, path: tuple,
                          path_types: tuple, st: SeqT, at: A.Expr, fr: Frame) -> T.Stmt:
        """`m'[k][i] = v` where `m[k]` is a sequence: lowered to the entry update
        `m'[k] = update(m'[k], i, v)` (`Fn.UPDATE`), reading `m'` when earlier entry updates gave
        it on every path to here, else `m`; so several apply in order, as for maps."""
        tgt = s.target
        if fr.maybe.get(index) is not None and index not in fr.assigned:
            raise SpecNameError(f"{tgt.name}' is assigned on some paths only before this entry update", tgt.span,
                                hint=f"an entry update of a sequence in {tgt.name} reads {tgt.name}' as given on "
                                "every path to it: give it on every path first, or update inside each branch",
                                code="PS208")
        i = self._expr(at, fr)
        self._expect(i, INT, at.span, "the sequence index")
        self._expect(rhs, st.elem, rhs.span, f"the value of {tgt.spelling()}")
        cur: T.Expr = (T.Primed(index, tgt.name, vty, span=tgt.span) if index in fr.assigned
                       else T.Var(index, tgt.name, vty, span=tgt.span))
        for ke, mt in zip(path, path_types):
            cur = T.MapGet(cur, ke, not subtype(ke.ty, mt.key), mt.value, span=tgt.span)
        value = T.Apply(Fn.UPDATE, (cur, i, rhs), st, span=s.span)
        fr.maybe[index] = fr.maybe.get(index) or "entries"
        if index not in fr.assigned:
            fr.assigned[index] = "entries"
        fr.ever.add(index)
        check = None if subtype(rhs.ty, st.elem) else st
        return T.Assign(index, tgt.name, path, path_types, value, check, span=s.span)

    def _write(self, s: A.Assign | A.Choose, fr: Frame) -> T.Stmt:
        tgt = s.target
        choose = isinstance(s, A.Choose)
        rhs_expr = s.domain if isinstance(s, A.Choose) else s.value
        rhs = self._expr(rhs_expr, fr)
        rhs_span = rhs_expr.span
        if choose:
            if not isinstance(rhs.ty, SetT):
                raise SpecTypeError(
                    f"'{tgt.spelling()} in ...' chooses from a set, not from {rhs.ty.show()}",
                    rhs_span,
                    code="PS309",
                )
            value_ty = rhs.ty.elem
        else:
            value_ty = rhs.ty
        is_var = tgt.name in self.vars
        writes_var = tgt.primed or (fr.in_init and is_var)
        if fr.in_init and tgt.primed:
            raise SpecNameError(
                f"init assigns initial values: write '{tgt.name} = ...', without the prime",
                tgt.span,
                code="PS205",
            )
        if not writes_var:
            if tgt.path:
                raise SpecNameError(
                    f"cannot assign to an entry of '{tgt.name}'; only primed variables have entries assigned",
                    tgt.span,
                    hint=f"write {tgt.name}'[...] = ..." if is_var else None,
                    code="PS206",
                )
            if is_var:
                raise SpecNameError(
                    f"'{tgt.name}' is a state variable: write {tgt.name}' = ... to give its next value",
                    tgt.span,
                    code="PS206",
                )
            self._no_shadow(tgt.name, tgt.span)
            if fr.lookup(tgt.name) is not None and fr.lookup(tgt.name) in fr.scopes[-1].values():
                raise SpecNameError(f"'{tgt.name}' is already bound in this block", tgt.span, code="PS207")
            if choose:
                loc = fr.bind(tgt.name, value_ty, tgt.span)
                return T.Choose(loc.slot, None, tgt.name, rhs, None, span=s.span)
            loc = fr.bind(tgt.name, value_ty, tgt.span)
            return T.Let(loc.slot, tgt.name, rhs, span=s.span)
        if not is_var:
            if tgt.name in self.broken:  # its declaration's error is reported already
                raise SpecErrors(())
            raise name_error(f"unknown variable '{tgt.name}'", tgt.span, tgt.name, self.vars, "PS204")
        if tgt.name in self.unknowns:
            raise SpecNameError(
                f"'{tgt.name}' is an unknown function: its table is chosen by init, and nothing may assign it",
                tgt.span,
                hint="pyspec synth searches for a table; pyspec check explores every table",
                code="PS219",
            )
        index, vty = self.vars[tgt.name]
        prev = fr.maybe.get(index)
        if tgt.path and isinstance(vty, SeqT):
            return self._seq_entry(s, rhs, index, vty, fr)
        if tgt.path:
            if choose:
                raise SpecTypeError("choose a whole variable, not an entry", tgt.span, code="PS310")
            if fr.in_init and fr.assigned.get(index) != "whole":
                raise SpecNameError(
                    f"'{tgt.name}' needs an initial value before an entry is assigned", tgt.span, code="PS212"
                )
            if prev == "whole" and not fr.in_init:
                raise SpecNameError(
                    f"{tgt.name}' is assigned twice in this action", tgt.span, code="PS208"
                )
            path: list[T.Expr] = []
            path_types: list[MapT] = []
            ty = vty
            for n, k in enumerate(tgt.path):
                if isinstance(ty, SeqT) and n == len(tgt.path) - 1:  # m'[k][i] = v: a sequence in a map
                    return self._seq_in_map_entry(s, rhs, index, vty, tuple(path), tuple(path_types), ty, k, fr)
                if not isinstance(ty, MapT):
                    raise SpecTypeError(
                        f"'{tgt.spelling()}': {ty.show()} is not a map, it has no entries", k.span, code="PS311"
                    )
                ke = self._expr(k, fr)
                self._expect(ke, ty.key, k.span, "the map key")
                path.append(ke)
                path_types.append(ty)
                ty = ty.value
            self._expect(rhs, ty, rhs_span, f"the value of {tgt.spelling()}")
            fr.maybe[index] = fr.maybe.get(index) or "entries"
            if index not in fr.assigned:
                fr.assigned[index] = "entries"
            fr.ever.add(index)
            check = None if subtype(rhs.ty, ty) else ty
            return T.Assign(index, tgt.name, tuple(path), tuple(path_types), rhs, check, span=s.span)
        if prev is not None:
            raise SpecNameError(
                f"{tgt.name}{chr(39) if tgt.primed else ''} is assigned twice"
                + (" in init" if fr.in_init else " in this action"),
                tgt.span,
                code="PS208",
            )
        fr.maybe[index] = "whole"
        fr.assigned[index] = "whole"
        fr.ever.add(index)
        self._expect_value(value_ty, vty, rhs_span, f"'{tgt.spelling()}'")
        if (
            isinstance(value_ty, IntT)
            and isinstance(vty, IntT)
            and value_ty.lo is not None
            and value_ty.hi is not None
            and vty.lo is not None
            and vty.hi is not None
            and (value_ty.hi < vty.lo or value_ty.lo > vty.hi)
        ):
            shown = str(value_ty.lo) if value_ty.lo == value_ty.hi else value_ty.show()
            raise SpecTypeError(
                f"{tgt.spelling()} would be {shown}, never within its type {vty.show()}",
                rhs_span,
                code="PS332",
            )
        check = None if subtype(value_ty, vty) else vty
        if choose:
            return T.Choose(None, index, tgt.name, rhs, check, span=s.span)
        return T.Assign(index, tgt.name, (), (), rhs, check, span=s.span)


def _ended(fr: Frame, scope: dict[str, T.Expr]) -> None:
    """Remember the names a finished `if` branch bound, for the message when one is read after."""
    for name, x in scope.items():
        fr.ended.setdefault(name, x.span)
