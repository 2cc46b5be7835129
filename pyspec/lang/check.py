"""Surface AST -> typed tree: resolve names, fix params, expand `def`s, check types.

`check_spec(spec, overrides)` returns a `CheckedSpec` or raises `SpecErrors` with every name
and type error it found (one per declaration at most: a broken declaration stops at its first
error, the others are still checked).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Iterable

from pyspec.errors import ParamError, PyspecError, Span, SpecErrors, SpecNameError, SpecTypeError
from pyspec.lang import ast as A
from pyspec.lang import typed as T
from pyspec.lang.ops import FAILURES, OPS, Op, fails
from pyspec.lang.types import (
    ANY,
    BOOL,
    INT,
    AnyT,
    BoolT,
    EnumT,
    IntT,
    MapT,
    RecordT,
    SetT,
    TupleT,
    Type,
    UnionT,
    contains,
    domain,
    domain_size,
    enum_type,
    format_value,
    is_finite,
    subtype,
    unify,
)

_NOSPAN = Span("<none>", 0, 0, 0, 0)
_BUILTINS = ("len", "min", "max", "all", "any", "subsets", "sum")
_KEYWORDS = ("True", "False")
_MAX_DEF_DEPTH = 64


def _name_error(msg: str, span: Span, name: str, candidates: Iterable[str], code: str) -> SpecNameError:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'?" if close else None
    return SpecNameError(msg, span, hint=hint, code=code)


@dataclass
class _Frame:
    """Name resolution for one body (init, an action, an invariant): locals and their slots."""

    scopes: list[dict[str, T.Expr]] = field(default_factory=lambda: [{}])
    nlocals: int = 0
    in_init: bool = False
    in_action: bool = False
    any_prime: bool = False  # a def checked on its own: primed reads are checked at its uses
    # assignment tracking (per path): var index -> "whole" | "entries"
    assigned: dict[int, str] = field(default_factory=dict)
    maybe: dict[int, str] = field(default_factory=dict)
    ever: set[int] = field(default_factory=set)

    def bind(self, name: str, ty: Type, span: Span) -> T.Local:
        slot = self.nlocals
        self.nlocals += 1
        local = T.Local(slot, name, ty, span=span)
        self.scopes[-1][name] = local
        return local

    def lookup(self, name: str) -> T.Expr | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def names(self) -> list[str]:
        return [n for s in self.scopes for n in s]


class _Checker:
    def __init__(self, spec: A.Spec, overrides: dict[str, str]) -> None:
        self.spec = spec
        self.overrides = dict(overrides)
        self.given = dict(overrides)  # as the user wrote them, for messages
        self.errors: list[PyspecError] = []
        self.params: dict[str, tuple[Any, Type]] = {}
        self.types: dict[str, Type] = {}
        self.variants: dict[str, tuple[UnionT, tuple[tuple[str, Type], ...]]] = {}
        self.vars: dict[str, tuple[int, Type]] = {}
        self.var_infos: list[T.VarInfo] = []
        self.defs: dict[str, A.Def] = {}
        self.def_stack: list[str] = []
        self.broken: set[str] = set()  # type aliases whose definition failed: no cascade
        self.unknowns: set[str] = set()  # variables declared `unknown`

    # ---- driver ------------------------------------------------------------------------------

    def run(self) -> T.CheckedSpec:
        d = self.spec.decls
        seen: dict[str, Span] = {}
        for decl in d:
            name = getattr(decl, "name", None)
            if name is None or isinstance(decl, A.Init):
                continue
            if name in seen:
                self.errors.append(
                    SpecNameError(
                        f"'{name}' is declared twice",
                        decl.span,
                        notes=((seen[name], "first declared here"),),
                        code="PS201",
                    )
                )
            else:
                seen[name] = decl.span
        for decl in d:
            if isinstance(decl, A.Def):
                self.defs[decl.name] = decl
        for decl in d:  # an invariant's name, in an expression, stands for its formula
            if isinstance(decl, A.Invariant) and decl.name not in self.defs:
                self.defs[decl.name] = A.Def(decl.name, None, None, decl.expr, span=decl.span)
        # params and type aliases in declaration order: each may use the ones above it
        for decl in d:
            if isinstance(decl, A.Param):
                self._guard(self._param, decl)
            elif isinstance(decl, A.TypeDef):
                if self._guard(self._typedef, decl) is None and decl.name not in self.types:
                    self.broken.add(decl.name)
        for name in self.overrides:
            if name not in self.params:
                self.errors.append(
                    ParamError(
                        f"-D {name}=...: the spec has no param '{name}'",
                        hint=_close_hint(name, self.params),
                        code="PS501",
                    )
                )
        if self.errors:  # everything below reads the params and types: stop before a cascade
            raise SpecErrors(self._distinct(self.errors))
        for decl in d:
            if isinstance(decl, A.VarDecl):
                self._guard(self._vardecl, decl)
        inits = [x for x in d if isinstance(x, A.Init)]
        init = None
        by_file: dict[str, A.Init] = {}
        for x in inits:
            if x.span.file in by_file:
                self.errors.append(
                    SpecNameError(
                        "the spec has more than one init block",
                        x.span,
                        notes=((by_file[x.span.file].span, "first init here"),),
                        code="PS211",
                    )
                )
            by_file[x.span.file] = x
        if not inits:
            self.errors.append(SpecNameError("the spec has no init block", self.spec.span, code="PS210"))
        elif len(by_file) == len(inits):
            # included files' init blocks run first, in include order, then the spec's own
            merged = A.Init(tuple(st for x in inits for st in x.body), span=inits[-1].span)
            init = self._guard(self._init, merged)
        actions = tuple(a for a in (self._guard(self._action, x) for x in d if isinstance(x, A.Action)) if a)
        invariants = tuple(
            i for i in (self._guard(self._invariant, x) for x in d if isinstance(x, A.Invariant)) if i
        )
        for y in d:
            if isinstance(y, A.Def) and self.defs.get(y.name) is y:
                self._guard(self._check_def_alone, y)
        if self.errors:
            raise SpecErrors(self._distinct(self.errors))
        assert init is not None
        return T.CheckedSpec(
            name=self.spec.name,
            doc=self.spec.doc,
            file=self.spec.file,
            params=tuple((n, v, t) for n, (v, t) in self.params.items()),
            types=tuple(self.types.items()),
            vars=tuple(self.var_infos),
            init=init,
            actions=actions,
            invariants=invariants,
            defs=tuple((x.name, _def_signature(x)) for x in d if isinstance(x, A.Def)),
            source=(self.spec, dict(self.given)),
        )

    @staticmethod
    def _distinct(errors: list[PyspecError]) -> tuple[PyspecError, ...]:
        """Each error once (a def's body is checked at every use and on its own)."""
        out, seen = [], set()
        for e in errors:
            key = (e.code, e.span, e.message)
            if key not in seen:
                seen.add(key)
                out.append(e)
        return tuple(out)

    def _guard(self, fn, decl):
        try:
            return fn(decl)
        except SpecErrors as e:
            self.errors.extend(e.errors)
        except PyspecError as e:
            self.errors.append(e)
        return None

    # ---- params, types, vars -----------------------------------------------------------------

    def _param(self, p: A.Param) -> None:
        ty = self._type(p.type)
        if p.name in self.overrides:
            text = self.overrides.pop(p.name)
            if isinstance(ty, EnumT) and text.isidentifier():
                if text not in ty.values:
                    raise ParamError(f"-D {p.name}={text}: not a value of {ty.show()}", code="PS504")
                text = f'"{text}"'  # -D FD=S for an enumeration param: the quotes are optional
            try:
                te = self._expr(_parse_value(text), _Frame())
                self._expect(te, ty, te.span, f"param '{p.name}'")
                value = self._const(te)
            except PyspecError as e:
                raise ParamError(f"-D {p.name}={text}: {e.message}", hint=e.hint, code="PS502") from None
            if not contains(ty, value):
                raise ParamError(f"-D {p.name}={text}: not a value of {ty.show()}", code="PS504")
        elif p.default is None:
            raise ParamError(
                f"param '{p.name}' has no default; give it with -D {p.name}=VALUE", p.span, code="PS503"
            )
        else:
            te = self._expr(p.default, _Frame())
            self._expect(te, ty, p.default.span, f"the default of param '{p.name}'")
            value = self._const(te)
            if not contains(ty, value):
                raise SpecTypeError(f"{_show_raw(value)} is not a value of {ty.show()}", p.default.span, code="PS301")
        self.params[p.name] = (value, ty)

    def _typedef(self, d: A.TypeDef) -> bool:
        if d.name not in self.types:
            self.types[d.name] = self._type(d.type, name=d.name)
        return True

    def _vardecl(self, d: A.VarDecl) -> None:
        ty = self._type(d.type)
        if not is_finite(ty):
            raise SpecTypeError(
                f"variable '{d.name}' has type {ty.show()}, which is not finite",
                d.type.span,
                hint="use a range such as 0 .. 3 instead of int",
                code="PS302",
            )
        self.vars[d.name] = (len(self.var_infos), ty)
        self.var_infos.append(T.VarInfo(d.name, ty, d.unknown, span=d.span))
        if d.unknown:
            self.unknowns.add(d.name)

    def _type(self, t: A.TypeExpr, name: str | None = None) -> Type:
        if isinstance(t, A.BoolType):
            return BOOL
        if isinstance(t, A.IntType):
            return INT
        if isinstance(t, A.NamedType):
            if t.name in self.types:
                return self.types[t.name]
            if t.name in self.broken:
                raise SpecErrors(())
            raise _name_error(f"unknown type '{t.name}'", t.span, t.name, self.types, "PS202")
        if isinstance(t, A.RangeType):
            lo = self._const(self._expr(t.lo, _Frame()))
            hi = self._const(self._expr(t.hi, _Frame()))
            if not isinstance(lo, int) or not isinstance(hi, int) or isinstance(lo, bool) or isinstance(hi, bool):
                raise SpecTypeError("range bounds must be integers", t.span, code="PS303")
            if hi < lo:
                given = ", ".join(f"-D {n}={v}" for n, v in self.given.items())
                raise SpecTypeError(
                    f"empty range {lo} .. {hi}",
                    t.span,
                    hint=f"the params were set on the command line: {given}" if given else None,
                    code="PS304",
                )
            return IntT(lo, hi)
        if isinstance(t, A.EnumType):
            if len(set(t.values)) != len(t.values):
                raise SpecTypeError("an enumeration lists a value twice", t.span, code="PS305")
            return enum_type(t.values)
        if isinstance(t, A.SetType):
            return SetT(self._type(t.elem))
        if isinstance(t, A.MapType):
            key = self._type(t.key)
            if not is_finite(key):
                raise SpecTypeError(
                    f"map keys must have a finite type, not {key.show()}", t.key.span, code="PS306"
                )
            return MapT(key, self._type(t.value))
        if isinstance(t, A.TupleType):
            return TupleT(tuple(self._type(e) for e in t.elems))
        if isinstance(t, A.RecordType):
            names = [f.name for f in t.fields]
            if len(set(names)) != len(names):
                raise SpecTypeError("a record type lists a field twice", t.span, code="PS307")
            return RecordT(tuple(sorted((f.name, self._type(f.type)) for f in t.fields)))
        if isinstance(t, A.UnionType):
            variants = []
            for v in t.variants:
                if v.name in self.variants or v.name in self.types:
                    raise SpecNameError(f"variant name '{v.name}' is already used", v.span, code="PS203")
                fields = tuple((f.name, self._type(f.type)) for f in v.fields)
                if len({n for n, _ in fields}) != len(fields):
                    raise SpecTypeError(f"variant '{v.name}' lists a field twice", v.span, code="PS307")
                variants.append((v.name, fields))
            ut = UnionT(name or "union", tuple(variants))
            for tag, fields in variants:
                self.variants[tag] = (ut, fields)
            return ut
        raise AssertionError(t)

    # ---- init, actions, invariants -----------------------------------------------------------

    def _init(self, init: A.Init) -> T.Init:
        fr = _Frame(in_init=True)
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

    def _choose_unknowns(self, fr: _Frame) -> tuple[T.Stmt, ...]:
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
                local = fr.bind(label, t, _NOSPAN)
                out.append(T.Choose(local.slot, None, label, T.Const(frozenset(domain(t)), SetT(t)), None))
                consts = tuple(T.Const(k, mt.key) for k, mt in zip(path, types))
                out.append(T.Assign(index, name, consts, types, local, None))
        return tuple(out)

    def _action(self, a: A.Action) -> T.Action:
        fr = _Frame(in_action=True)
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
            self._no_shadow(f.name, f.span)
            loc = fr.bind(f.name, ty, f.span)
            formals.append(T.Formal(f.name, loc.slot, ty))
        body = self._block(a.body, fr)
        return T.Action(a.name, tuple(formals), body, fr.nlocals, frozenset(fr.ever), a.doc, span=a.span)

    def _invariant(self, inv: A.Invariant) -> T.Invariant:
        fr = _Frame()
        e = self._expr(inv.expr, fr)
        self._expect(e, BOOL, inv.expr.span, f"invariant '{inv.name}'")
        return T.Invariant(inv.name, e, fr.nlocals, inv.default, span=inv.span)

    def _check_def_alone(self, d: A.Def) -> None:
        """Type-check a def's body once even if nothing calls it, when its params are typed."""
        if d.formals is not None and any(f.type is None for f in d.formals):
            return
        fr = _Frame(in_action=True, any_prime=True)
        self.def_stack.append(d.name)
        try:
            if d.formals:
                for f in d.formals:
                    assert f.type is not None, "returned above when a formal has no type"
                    fr.bind(f.name, self._type(f.type), f.span)
            self._def_result(d, self._expr(d.body, fr))
        finally:
            self.def_stack.pop()

    def _no_shadow(self, name: str, span: Span) -> None:
        if name in self.vars:
            raise SpecNameError(f"'{name}' is a state variable; pick another name", span, code="PS220")
        if name in self.params:
            raise SpecNameError(f"'{name}' is a param; pick another name", span, code="PS220")

    # ---- statements --------------------------------------------------------------------------

    def _block(self, stmts: tuple[A.Stmt, ...], fr: _Frame) -> tuple[T.Stmt, ...]:
        out = []
        for s in stmts:
            out.append(self._stmt(s, fr))
        return tuple(out)

    def _stmt(self, s: A.Stmt, fr: _Frame) -> T.Stmt:
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
            fr.scopes.pop()
            after_then = (fr.assigned, fr.maybe)
            fr.assigned, fr.maybe = dict(before[0]), dict(before[1])
            fr.scopes.append({})
            orelse = self._block(s.orelse, fr)
            fr.scopes.pop()
            fr.assigned = {k: v for k, v in after_then[0].items() if k in fr.assigned}
            fr.maybe = {**after_then[1], **fr.maybe}
            return T.If(c, then, orelse, span=s.span)
        if isinstance(s, (A.Assign, A.Choose)):
            return self._write(s, fr)
        raise AssertionError(s)

    def _write(self, s: A.Assign | A.Choose, fr: _Frame) -> T.Stmt:
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
            raise _name_error(f"unknown variable '{tgt.name}'", tgt.span, tgt.name, self.vars, "PS204")
        if tgt.name in self.unknowns:
            raise SpecNameError(
                f"'{tgt.name}' is an unknown function: its table is chosen by init, and nothing may assign it",
                tgt.span,
                hint="pyspec synth searches for a table; pyspec check explores every table",
                code="PS219",
            )
        index, vty = self.vars[tgt.name]
        prev = fr.maybe.get(index)
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
            path, path_types, ty = [], [], vty
            for k in tgt.path:
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

    # ---- expressions -------------------------------------------------------------------------

    def _expect(self, e: T.Expr, ty: Type, span: Span, what: str) -> None:
        self._expect_value(e.ty, ty, span, what)

    def _expect_value(self, have: Type, want: Type, span: Span, what: str) -> None:
        u = unify(have, want)
        if u is None or (isinstance(want, MapT) and isinstance(have, SetT)):
            raise SpecTypeError(f"{what} must be {want.show()}, found {have.show()}", span, code="PS312")
        if isinstance(want, EnumT) and isinstance(have, EnumT) and not set(have.values) & set(want.values):
            raise SpecTypeError(
                f"{what} must be one of {want.show()}, found {have.show()}", span, code="PS313"
            )

    def _expr(self, e: A.Expr, fr: _Frame) -> T.Expr:
        m = getattr(self, "_e_" + type(e).__name__)
        return m(e, fr)

    def _e_IntLit(self, e: A.IntLit, fr: _Frame) -> T.Expr:
        return T.Const(e.value, IntT(e.value, e.value), span=e.span)

    def _e_BoolLit(self, e: A.BoolLit, fr: _Frame) -> T.Expr:
        return T.Const(e.value, BOOL, span=e.span)

    def _e_StrLit(self, e: A.StrLit, fr: _Frame) -> T.Expr:
        return T.Const(e.value, enum_type((e.value,)), span=e.span)

    def _e_Name(self, e: A.Name, fr: _Frame) -> T.Expr:
        local = fr.lookup(e.name)
        if local is not None:
            return local if isinstance(local, T.Local) else local
        if e.name in self.vars:
            i, ty = self.vars[e.name]
            if fr.in_init and fr.assigned.get(i) is None:
                raise SpecNameError(
                    f"'{e.name}' is read in init before it is given a value", e.span, code="PS209"
                )
            if fr.in_init:
                return T.Primed(i, e.name, ty, span=e.span)
            return T.Var(i, e.name, ty, span=e.span)
        if e.name in self.params:
            value, ty = self.params[e.name]
            return T.Const(value, _literal_type(ty, value), span=e.span)
        if e.name in self.defs:
            return self._expand(self.defs[e.name], (), (), e.span, fr)
        if e.name in self.types:
            ty = self.types[e.name]
            try:
                values = domain(ty)
            except ValueError as err:
                raise SpecTypeError(f"type '{e.name}' cannot be used as a set: {err}", e.span, code="PS314") from None
            return T.Const(frozenset(values), SetT(ty), span=e.span)
        if e.name in self.variants:
            ut, fields = self.variants[e.name]
            if not fields:
                return T.Construct(e.name, (), ut, span=e.span)
        cands = set(fr.names()) | set(self.vars) | set(self.params) | set(self.defs) | set(self.types)
        raise _name_error(f"unknown name '{e.name}'", e.span, e.name, cands, "PS200")

    def _e_Primed(self, e: A.Primed, fr: _Frame) -> T.Expr:
        if e.name not in self.vars:
            raise _name_error(f"unknown variable '{e.name}'", e.span, e.name, self.vars, "PS204")
        if not fr.in_action:
            where = "init" if fr.in_init else "an invariant or def"
            raise SpecNameError(f"{e.name}' (a next-state value) cannot be read in {where}", e.span, code="PS209")
        i, ty = self.vars[e.name]
        if i not in fr.assigned and not fr.any_prime:
            raise SpecNameError(
                f"{e.name}' is read before it is assigned",
                e.span,
                hint=f"assign {e.name}' earlier in the action (on every path), or read {e.name}",
                code="PS209",
            )
        return T.Primed(i, e.name, ty, span=e.span)

    def _e_UnaryOp(self, e: A.UnaryOp, fr: _Frame) -> T.Expr:
        x = self._expr(e.operand, fr)
        if e.op == "not":
            self._expect(x, BOOL, e.operand.span, "the operand of 'not'")
            return T.Unary(Op.NOT, x, BOOL, span=e.span)
        xt = self._int(x, e.operand.span, "the operand of unary '-'")
        ty = IntT(-xt.hi, -xt.lo) if xt.lo is not None and xt.hi is not None else INT
        return T.Unary(Op.NEG, x, ty, span=e.span)

    def _int(self, x: T.Expr, span: Span, what: str) -> IntT:
        if not isinstance(x.ty, IntT):
            raise SpecTypeError(f"{what} must be an integer, found {x.ty.show()}", span, code="PS315")
        return x.ty

    def _set(self, x: T.Expr, span: Span, what: str) -> SetT:
        if not isinstance(x.ty, SetT):
            raise SpecTypeError(f"{what} must be a set, found {x.ty.show()}", span, code="PS316")
        return x.ty

    def _e_BinOp(self, e: A.BinOp, fr: _Frame) -> T.Expr:
        op = e.op
        left = self._expr(e.left, fr)
        right = self._expr(e.right, fr)
        if op in ("and", "or", "implies"):
            self._expect(left, BOOL, e.left.span, f"the left operand of '{op}'")
            self._expect(right, BOOL, e.right.span, f"the right operand of '{op}'")
            if op == "implies":  # lowered: not a or b
                return T.Binary(Op.OR, T.Unary(Op.NOT, left, BOOL, span=e.left.span), right, BOOL, span=e.span)
            return T.Binary(Op(op), left, right, BOOL, span=e.span)
        if op in ("in", "not in"):
            st = self._set(right, e.right.span, f"the right side of '{op}'")
            if unify(left.ty, st.elem) is None:
                raise SpecTypeError(
                    f"'{op}': {left.ty.show()} cannot be an element of {st.show()}", e.span, code="PS317"
                )
            member = T.Binary(Op.IN, left, right, BOOL, span=e.span)
            return member if op == "in" else T.Unary(Op.NOT, member, BOOL, span=e.span)
        if op in ("==", "!="):
            u = unify(left.ty, right.ty)
            if u is None:
                raise SpecTypeError(
                    f"'{op}' compares {left.ty.show()} with {right.ty.show()}", e.span, code="PS318"
                )
            if isinstance(left.ty, EnumT) and isinstance(right.ty, EnumT) and not set(left.ty.values) & set(right.ty.values):
                raise SpecTypeError(
                    f"'{op}': {left.ty.show()} and {right.ty.show()} have no value in common", e.span, code="PS313"
                )
            return T.Binary(Op.EQ if op == "==" else Op.NE, left, right, BOOL, span=e.span)
        if op in ("<", "<=", ">", ">="):
            if isinstance(left.ty, SetT) or isinstance(right.ty, SetT):
                self._set(left, e.left.span, f"the left side of '{op}'")
                self._set(right, e.right.span, f"the right side of '{op}'")
                if unify(left.ty, right.ty) is None:
                    raise SpecTypeError(f"'{op}' compares {left.ty.show()} with {right.ty.show()}", e.span, code="PS318")
                if op in (">", ">="):  # lowered: A >= B is B <= A
                    left, right = right, left
                name = Op.SSUBSET if op in ("<", ">") else Op.SUBSET
                return T.Binary(name, left, right, BOOL, span=e.span)
            self._int(left, e.left.span, f"the left side of '{op}'")
            self._int(right, e.right.span, f"the right side of '{op}'")
            name = {"<": Op.LT, "<=": Op.LE, ">": Op.GT, ">=": Op.GE}[op]
            return T.Binary(name, left, right, BOOL, span=e.span)
        if op in ("|", "&") or (op == "-" and isinstance(left.ty, SetT)):
            lt = self._set(left, e.left.span, f"the left side of '{op}'")
            rt = self._set(right, e.right.span, f"the right side of '{op}'")
            u = unify(lt, rt)
            if u is None:
                raise SpecTypeError(f"'{op}' combines {lt.show()} with {rt.show()}", e.span, code="PS319")
            name = {"|": Op.UNION, "&": Op.INTER, "-": Op.DIFF}[op]
            return T.Binary(name, left, right, u if name == Op.UNION else lt, span=e.span)
        if op in ("+", "-", "*", "//", "%"):
            li = self._int(left, e.left.span, f"the left side of '{op}'")
            ri = self._int(right, e.right.span, f"the right side of '{op}'")
            name = {"+": Op.ADD, "-": Op.SUB, "*": Op.MUL, "//": Op.DIV, "%": Op.MOD}[op]
            return T.Binary(name, left, right, _arith_type(name, li, ri), span=e.span)
        raise AssertionError(op)

    def _e_IfExp(self, e: A.IfExp, fr: _Frame) -> T.Expr:
        c = self._expr(e.cond, fr)
        self._expect(c, BOOL, e.cond.span, "the condition of 'if'")
        a = self._expr(e.then, fr)
        b = self._expr(e.orelse, fr)
        u = unify(a.ty, b.ty)
        if u is None:
            raise SpecTypeError(
                f"the branches of 'if ... else' have types {a.ty.show()} and {b.ty.show()}", e.span, code="PS320"
            )
        return T.IfExp(c, a, b, u, span=e.span)

    def _e_RangeExp(self, e: A.RangeExp, fr: _Frame) -> T.Expr:
        lo = self._expr(e.lo, fr)
        hi = self._expr(e.hi, fr)
        lot = self._int(lo, e.lo.span, "the lower bound of '..'")
        hit = self._int(hi, e.hi.span, "the upper bound of '..'")
        if lot.lo is not None and lot.hi is not None and hit.lo is not None and hit.hi is not None:
            ety = IntT(lot.lo, max(lot.lo, hit.hi))
        else:
            ety = INT
        return T.RangeSet(lo, hi, SetT(ety), span=e.span)

    def _e_IsOp(self, e: A.IsOp, fr: _Frame) -> T.Expr:
        x = self._expr(e.operand, fr)
        if not isinstance(x.ty, UnionT):
            raise SpecTypeError(f"'is' tests a union value, not {x.ty.show()}", e.operand.span, code="PS321")
        if x.ty.variant(e.variant) is None:
            raise _name_error(
                f"{x.ty.show()} has no variant '{e.variant}'",
                e.span,
                e.variant,
                [t for t, _ in x.ty.variants],
                "PS213",
            )
        return T.IsTag(x, e.variant, BOOL, span=e.span)

    def _e_SetLit(self, e: A.SetLit, fr: _Frame) -> T.Expr:
        elems = tuple(self._expr(x, fr) for x in e.elems)
        ty: Type = ANY
        for x, src in zip(elems, e.elems):
            u = unify(ty, x.ty)
            if u is None:
                raise SpecTypeError(
                    f"a set's elements must have one type: {ty.show()} and {x.ty.show()}", src.span, code="PS322"
                )
            ty = u
        return T.SetLit(elems, SetT(ty), span=e.span)

    def _e_TupleLit(self, e: A.TupleLit, fr: _Frame) -> T.Expr:
        elems = tuple(self._expr(x, fr) for x in e.elems)
        return T.TupleLit(elems, TupleT(tuple(x.ty for x in elems)), span=e.span)

    def _e_RecordLit(self, e: A.RecordLit, fr: _Frame) -> T.Expr:
        names = [n for n, _ in e.fields]
        if len(set(names)) != len(names):
            raise SpecTypeError("a record lists a field twice", e.span, code="PS307")
        pairs = sorted(((n, self._expr(x, fr)) for n, x in e.fields), key=lambda p: p[0])
        ty = RecordT(tuple((n, x.ty) for n, x in pairs))
        return T.TupleLit(tuple(x for _, x in pairs), ty, span=e.span)

    def _gens(self, gens: tuple[A.CompFor, ...], fr: _Frame) -> tuple[T.Gen, ...]:
        out = []
        for g in gens:
            it = self._expr(g.iter, fr)
            st = self._set(it, g.iter.span, f"'for {g.var} in ...'")
            self._no_shadow(g.var, g.span)
            loc = fr.bind(g.var, st.elem, g.span)
            conds = []
            for c in g.conds:
                ce = self._expr(c, fr)
                self._expect(ce, BOOL, c.span, "a comprehension's 'if'")
                conds.append(ce)
            out.append(T.Gen(loc.slot, g.var, it, tuple(conds), span=g.span))
        return tuple(out)

    def _e_SetComp(self, e: A.SetComp, fr: _Frame) -> T.Expr:
        fr.scopes.append({})
        try:
            gens = self._gens(e.gens, fr)
            elem = self._expr(e.elem, fr)
        finally:
            fr.scopes.pop()
        return T.Comp("set", elem, None, gens, SetT(elem.ty), span=e.span)

    def _e_MapComp(self, e: A.MapComp, fr: _Frame) -> T.Expr:
        fr.scopes.append({})
        try:
            gens = self._gens(e.gens, fr)
            key = self._expr(e.key, fr)
            value = self._expr(e.value, fr)
        finally:
            fr.scopes.pop()
        if not is_finite(key.ty):
            raise SpecTypeError(
                f"a map's keys must have a finite type, not {key.ty.show()}", e.key.span, code="PS306"
            )
        return T.Comp("map", value, key, gens, MapT(key.ty, value.ty), span=e.span)

    def _e_GenExp(self, e: A.GenExp, fr: _Frame) -> T.Expr:
        raise SpecTypeError(
            "a generator (e for x in S) is only allowed as the argument of all, any, min, max or sum",
            e.span,
            hint="write a set comprehension {e for x in S}",
            code="PS323",
        )

    def _e_Index(self, e: A.Index, fr: _Frame) -> T.Expr:
        obj = self._expr(e.obj, fr)
        if isinstance(obj.ty, TupleT):
            if not isinstance(e.index, A.IntLit) or not 0 <= e.index.value < len(obj.ty.elems):
                raise SpecTypeError(
                    f"a tuple of {len(obj.ty.elems)} is indexed by a literal 0 .. {len(obj.ty.elems) - 1}",
                    e.index.span,
                    code="PS324",
                )
            return T.TupleGet(obj, e.index.value, obj.ty.elems[e.index.value], span=e.span)
        if not isinstance(obj.ty, MapT):
            raise SpecTypeError(f"{obj.ty.show()} cannot be indexed", e.obj.span, code="PS325")
        key = self._expr(e.index, fr)
        self._expect(key, obj.ty.key, e.index.span, "the key")
        return T.MapGet(obj, key, not subtype(key.ty, obj.ty.key), obj.ty.value, span=e.span)

    def _e_Attr(self, e: A.Attr, fr: _Frame) -> T.Expr:
        obj = self._expr(e.obj, fr)
        ty = obj.ty
        if isinstance(ty, RecordT):
            i = ty.index(e.name)
            if i is None:
                raise _name_error(
                    f"{ty.show()} has no field '{e.name}'", e.span, e.name, [n for n, _ in ty.fields], "PS214"
                )
            return T.TupleGet(obj, i, ty.fields[i][1], span=e.span)
        if isinstance(ty, UnionT):
            positions = []
            fty: Type | None = None
            for tag, fields in ty.variants:
                for i, (n, ft) in enumerate(fields):
                    if n == e.name:
                        positions.append((tag, i + 1))
                        fty = ft if fty is None else unify(fty, ft)
                        if fty is None:
                            raise SpecTypeError(
                                f"field '{e.name}' has different types in the variants of {ty.show()}",
                                e.span,
                                code="PS326",
                            )
            if not positions:
                names = {n for _, fs in ty.variants for n, _ in fs}
                raise _name_error(f"no variant of {ty.show()} has a field '{e.name}'", e.span, e.name, names, "PS214")
            assert fty is not None, "set with the first position, and unify failures raise above"
            return T.VariantGet(obj, e.name, tuple(positions), fty, span=e.span)
        raise SpecTypeError(f"{ty.show()} has no fields ('.{e.name}')", e.span, code="PS327")

    def _e_Call(self, e: A.Call, fr: _Frame) -> T.Expr:
        f = e.func
        if fr.lookup(f) is None and f in self.defs:
            return self._expand(self.defs[f], e.args, e.kwargs, e.span, fr)
        if f in self.variants:
            return self._construct(e, fr)
        if f in _BUILTINS:
            return self._builtin(e, fr)
        cands = set(self.defs) | set(self.variants) | set(_BUILTINS)
        raise _name_error(f"unknown function '{f}'", e.func_span, f, cands, "PS215")

    def _construct(self, e: A.Call, fr: _Frame) -> T.Expr:
        ut, fields = self.variants[e.func]
        if e.args and e.kwargs:
            raise SpecTypeError(f"{e.func}(...) takes fields by position or by name, not both", e.span, code="PS328")
        given: dict[str, tuple[T.Expr, Span]] = {}
        if e.kwargs:
            for n, x in e.kwargs:
                if n in given:
                    raise SpecTypeError(f"field '{n}' is given twice", x.span, code="PS328")
                given[n] = (self._expr(x, fr), x.span)
        else:
            if len(e.args) != len(fields):
                raise SpecTypeError(
                    f"{e.func} has {len(fields)} field(s), {len(e.args)} given", e.span, code="PS328"
                )
            for (n, _), x in zip(fields, e.args):
                given[n] = (self._expr(x, fr), x.span)
        names = {n for n, _ in fields}
        for n in given:
            if n not in names:
                raise _name_error(f"{e.func} has no field '{n}'", e.span, n, names, "PS214")
        out, checks = [], []
        for n, fty in fields:
            if n not in given:
                raise SpecTypeError(f"{e.func}(...) is missing field '{n}'", e.span, code="PS328")
            arg, span = given[n]
            self._expect(arg, fty, span, f"field '{n}' of {e.func}")
            out.append(arg)
            checks.append(None if subtype(arg.ty, fty) else fty)
        return T.Construct(
            e.func, tuple(out), ut, span=e.span, checks=tuple(checks) if any(checks) else ()
        )

    def _builtin(self, e: A.Call, fr: _Frame) -> T.Expr:
        f = e.func
        if e.kwargs:
            raise SpecTypeError(f"{f}() takes no keyword arguments", e.span, code="PS329")
        if len(e.args) == 1 and isinstance(e.args[0], A.GenExp):
            if f not in ("all", "any", "min", "max", "sum"):
                raise SpecTypeError(f"{f}() does not take a generator", e.args[0].span, code="PS329")
            g = e.args[0]
            fr.scopes.append({})
            try:
                gens = self._gens(g.gens, fr)
                elem = self._expr(g.elem, fr)
            finally:
                fr.scopes.pop()
            if f in ("all", "any"):
                self._expect(elem, BOOL, g.elem.span, f"the body of {f}()")
                return T.Comp(f, elem, None, gens, BOOL, span=e.span)
            self._int(elem, g.elem.span, f"the elements of {f}()")
            ty = elem.ty if f != "sum" else INT
            return T.Comp(f, elem, None, gens, ty, span=e.span)
        if f in ("min", "max") and len(e.args) >= 2:
            return self._builtin(A.Call(f, (A.SetLit(e.args, span=e.span),), (), span=e.span), fr)
        if len(e.args) != 1:
            raise SpecTypeError(f"{f}() takes one argument, {len(e.args)} given", e.span, code="PS329")
        x = self._expr(e.args[0], fr)
        st = self._set(x, e.args[0].span, f"the argument of {f}()")
        if f == "len":
            n = domain_size(st.elem)
            return T.Builtin("len", x, IntT(0, n) if n is not None else INT, span=e.span)
        if f in ("min", "max", "sum"):
            if not isinstance(st.elem, (IntT, AnyT)):
                raise SpecTypeError(
                    f"the elements of {f}() must be integers, found {st.elem.show()}", e.args[0].span, code="PS315"
                )
            return T.Builtin(f, x, st.elem if f != "sum" and isinstance(st.elem, IntT) else INT, span=e.span)
        if f in ("all", "any"):
            self._expect_value(st.elem, BOOL, e.args[0].span, f"the elements of {f}()")
            return T.Builtin(f, x, BOOL, span=e.span)
        if f == "subsets":
            return T.Builtin("subsets", x, SetT(st), span=e.span)
        raise AssertionError(f)

    def _expand(self, d: A.Def, args, kwargs, span: Span, fr: _Frame) -> T.Expr:
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

    # ---- constants ---------------------------------------------------------------------------

    def _const(self, e: T.Expr) -> Any:
        return _const_value(e)


def _const_value(e: T.Expr) -> Any:
    """Evaluate an expression over literals and params (types' bounds, params' defaults)."""
    if isinstance(e, T.Const):
        return e.value
    if isinstance(e, T.Unary):
        return OPS[e.op].py(_const_value(e.operand))
    if isinstance(e, T.Binary):
        a, b = _const_value(e.left), _const_value(e.right)
        sem = OPS[e.op]
        if fails(e.op, a, b):
            _const_fail(e, FAILURES[sem.failure].message())  # type: ignore[index]
        return sem.py(a, b)
    if isinstance(e, T.IfExp):
        return _const_value(e.then) if _const_value(e.cond) else _const_value(e.orelse)
    if isinstance(e, T.SetLit):
        return frozenset(_const_value(x) for x in e.elems)
    if isinstance(e, T.TupleLit):
        return tuple(_const_value(x) for x in e.elems)
    if isinstance(e, T.RangeSet):
        return frozenset(range(_const_value(e.lo), _const_value(e.hi) + 1))
    if isinstance(e, T.Builtin) and e.func == "len":
        return len(_const_value(e.arg))
    _const_fail(e, "must be a constant: literals, params and arithmetic on them")


def _first_value(ty: Type) -> Any:
    """The first value of a finite type, in domain order (for a map: each entry's first value)."""
    if isinstance(ty, MapT):
        return tuple(_first_value(ty.value) for _ in domain(ty.key))
    return domain(ty, limit=1 << 62)[0] if domain_size(ty) else None


def _const_fail(e: T.Expr, msg: str):
    raise SpecTypeError(msg, e.span, code="PS331")


def _arith_type(op: Op, a: IntT, b: IntT) -> IntT:
    if a.lo is None or a.hi is None or b.lo is None or b.hi is None:
        return INT
    if op == Op.ADD:
        return IntT(a.lo + b.lo, a.hi + b.hi)
    if op == Op.SUB:
        return IntT(a.lo - b.hi, a.hi - b.lo)
    if op == Op.MUL:
        ps = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi]
        return IntT(min(ps), max(ps))
    if op == Op.MOD and b.lo > 0:
        return IntT(0, b.hi - 1) if a.lo >= 0 else INT
    return INT


def _literal_type(ty: Type, value: Any) -> Type:
    """The type of a param's value when used in an expression: an int is its own range."""
    if isinstance(ty, IntT) and isinstance(value, int):
        return IntT(value, value)
    return ty


def _show_raw(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, frozenset):
        return "{" + ", ".join(_show_raw(v) for v in sorted(value, key=repr)) + "}"
    return repr(value)


def _close_hint(name: str, names: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(name, list(names), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def _parse_value(text: str) -> A.Expr:
    from pyspec.lang.parser import parse

    if "\n" in text or "\r" in text:
        raise ParamError(f"cannot read {text!r} as a value: it spans several lines", code="PS502")
    try:
        spec = parse(f"spec _\ndef _v = {text}\n", "<-D>")
    except PyspecError:
        raise ParamError(f"cannot read {text!r} as a value", code="PS502") from None
    if len(spec.decls) != 1 or not isinstance(spec.decls[0], A.Def):
        raise ParamError(f"cannot read {text!r} as a value", code="PS502")
    return spec.decls[0].body


def _def_signature(d: A.Def) -> str:
    if d.formals is None:
        return d.name
    return f"{d.name}({', '.join(f.name for f in d.formals)})"


def check_expression(
    spec: T.CheckedSpec,
    text: str,
    bindings: dict[str, str] | None = None,
    file: str = "<expr>",
) -> tuple[T.Expr, tuple[tuple[str, int, Type], ...], int]:
    """Type-check an expression given outside the spec (a tracecheck mapping), in the spec's
    scope plus `bindings` (name -> type, in spec syntax, e.g. {"node": "Proc"}).

    Returns the typed expression, the bindings' (name, local slot, type), and the number of
    local slots it needs. Raises SpecError with positions in `text` (file `file`)."""
    from pyspec.lang.parser import parse_expression, parse_type

    source, overrides = spec.source
    c = _Checker(source, overrides)
    c.run()  # rebuilds the scope (params, types, vars, defs); the spec is known to be valid
    fr = _Frame()
    bound = []
    for name, type_text in (bindings or {}).items():
        ty = c._type(parse_type(type_text, f"{file} (type of {name})"))
        loc = fr.bind(name, ty, _NOSPAN)
        bound.append((name, loc.slot, ty))
    e = c._expr(parse_expression(text, file), fr)
    return e, tuple(bound), fr.nlocals


def check_spec(spec: A.Spec, overrides: dict[str, str] | None = None) -> T.CheckedSpec:
    """Resolve and type-check a parsed spec with params fixed by `overrides` (-D NAME=VALUE).

    Raises SpecErrors (every error found) or ParamError."""
    return _Checker(spec, overrides or {}).run()


__all__ = ["check_spec", "format_value"]
