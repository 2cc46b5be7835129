"""Rewrites the checker makes: `unknown` functions into per-entry choices, `def` calls expanded.

A `def` call becomes its body, checked at the call with the arguments in place (lexical
scope: the globals and the def's own params); a def nobody calls is still checked once on its
own. Init chooses each `unknown` function's table one entry at a time.
"""

from __future__ import annotations

from typing import Any

from pyspec.errors import PyspecError, Span, SpecNameError, SpecTypeError
from pyspec.lang import ast as A
from pyspec.lang import typed as T
from pyspec.lang.scope import NOSPAN, CheckerState, Frame
from pyspec.lang.types import MapT, SetT, Type, domain, domain_size, format_value

_MAX_DEF_DEPTH = 64


class Desugar(CheckerState):
    """The checker's rewrites: `unknown` tables and `def` expansion."""

    def _choose_unknowns(self, fr: Frame) -> tuple[T.Stmt, ...]:
        """Init's choice of every table of each `unknown` function, entry by entry: the whole
        value first (each leaf at its type's first value), then one choice per leaf entry, so
        the symbolic engines see one small choice per entry rather than one over all tables.
        The choice locals are named `f[k1][k2]`, which no spec name can spell (pyspec.symbolic.
        synth recognises them so)."""
        out: list[T.Stmt] = []
        for name in sorted(self.unknowns, key=lambda n: self.vars[n][0]):
            index, ty = self.vars[name]
            out.append(T.Assign(index, name, (), (), T.Const(_first_value(ty), ty), None))
            leaves: list[tuple[tuple, tuple, Type]] = [((), (), ty)]
            while any(isinstance(t, MapT) for _, _, t in leaves):
                leaves = [
                    (path + (k,), types + (t,), t.value) if isinstance(t, MapT) else (path, types, t)
                    for path, types, t in leaves
                    for k in (domain(t.key) if isinstance(t, MapT) else (None,))
                ]
            for path, types, t in leaves:
                label = name + "".join(f"[{format_value(mt.key, k)}]" for k, mt in zip(path, types))
                local = fr.bind(label, t, NOSPAN)
                out.append(T.Choose(local.slot, None, label, T.Const(frozenset(domain(t)), SetT(t)), None))
                consts = tuple(T.Const(k, mt.key) for k, mt in zip(path, types))
                out.append(T.Assign(index, name, consts, types, local, None))
        return tuple(out)

    def _check_def_alone(self, d: A.Def) -> None:
        """Type-check a def's body once even if nothing calls it, when its params are typed."""
        if d.formals is not None and any(f.type is None for f in d.formals):
            return
        fr = Frame(in_action=True, any_prime=True)
        self.def_stack.append(d.name)
        try:
            if d.formals:
                for f in d.formals:
                    assert f.type is not None, "returned above when a formal has no type"
                    fr.bind(f.name, self._type(f.type), f.span)
            self._def_result(d, self._expr(d.body, fr))
        finally:
            self.def_stack.pop()

    def _expand(self, d: A.Def, args, kwargs, span: Span, fr: Frame) -> T.Expr:
        if d.name in self.def_stack:
            chain = " -> ".join(self.def_stack[self.def_stack.index(d.name):] + [d.name])
            raise SpecNameError(f"def '{d.name}' is recursive ({chain})", span, code="PS216")
        if len(self.def_stack) > _MAX_DEF_DEPTH:
            raise SpecNameError("defs nest too deeply", span, code="PS216")
        formals = d.formals or ()
        if kwargs:
            raise SpecTypeError(f"'{d.name}' takes its arguments by position", span, code="PS330")
        if d.formals is None and args:
            raise SpecTypeError(f"'{d.name}' is a constant and takes no arguments", span, code="PS330")
        if len(args) != len(formals):
            raise SpecTypeError(
                f"'{d.name}' takes {len(formals)} argument(s), {len(args)} given",
                span,
                notes=((d.span, f"'{d.name}' is defined here"),),
                code="PS330",
            )
        targs = []
        for f, a in zip(formals, args):
            ta = self._expr(a, fr)
            if f.type is not None:
                self._expect(ta, self._type(f.type), a.span, f"argument '{f.name}' of '{d.name}'")
            targs.append(ta)
        # The body sees the globals and its own params only (lexical scope), so it gets a fresh
        # scope stack; its own locals take new slots in the caller's frame.
        saved = fr.scopes
        fr.scopes = [{f.name: ta for f, ta in zip(formals, targs)}]
        self.def_stack.append(d.name)
        try:
            body = self._expr(d.body, fr)
        except PyspecError as err:
            if err.span is not None and err.span != span and not any(n[0] == span for n in err.notes):
                err.notes = err.notes + ((span, f"in this use of '{d.name}'"),)
            raise
        finally:
            self.def_stack.pop()
            fr.scopes = saved
        self._def_result(d, body)
        return body

    def _def_result(self, d: A.Def, body: T.Expr) -> None:
        if d.result is not None:
            self._expect(body, self._type(d.result), d.body.span, f"the result of '{d.name}'")



def _first_value(ty: Type) -> Any:
    """The first value of a finite type, in domain order (for a map: each entry's first value)."""
    if isinstance(ty, MapT):
        return tuple(_first_value(ty.value) for _ in domain(ty.key))
    return domain(ty, limit=1 << 62)[0] if domain_size(ty) else None


