"""Expressions: the typing rule of each surface form, lowered to the core operators (`ops.Op`).

Sugar becomes core here: `not in`, `implies`, `>=`/`>` on sets, two-argument `min`/`max`;
record literals become tuples. Names resolve to slots, params fold to constants, and `def`
calls expand in place (`desugar.py`).
"""

from __future__ import annotations

from typing import Any

from pyspec.errors import PyspecError, Span, SpecErrors, SpecNameError, SpecTypeError
from pyspec.lang import ast as A
from pyspec.lang.ast import MAX_DEPTH
from pyspec.lang import typed as T
from pyspec.lang.ops import CALLED_COMPS, COMPS, TYPES, Fn, Kind, Op, owner, type_fn
from pyspec.lang.scope import BUILTINS, CheckerState, Frame, name_error
from pyspec.lang.types import (
    ANY,
    BOOL,
    DOMAIN_LIMIT,
    INT,
    AnyT,
    BagT,
    EnumT,
    IntT,
    MapT,
    RecordT,
    SeqT,
    SetT,
    TupleT,
    Type,
    UnionT,
    domain,
    domain_size,
    enum_type,
    format_value,
    is_finite,
    subtype,
    unify,
)

_MAP_KEY = "key of the map literal"
"""The comprehension variable a map literal is lowered with: a name no spec can write."""


class ExprRules(CheckerState):
    """The checker's rules for expressions, builtins and union constructors."""

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

    def _expr(self, e: A.Expr, fr: Frame) -> T.Expr:
        m = getattr(self, "_e_" + type(e).__name__)
        # the parser bounds the source's nesting; defs expanded in place can multiply it
        self.expr_depth += 1
        try:
            if self.expr_depth > MAX_DEPTH:
                if self.too_deep:  # reported once: every def above the deep one would repeat it
                    raise SpecErrors(())
                self.too_deep = True
                raise SpecNameError(
                    f"defs nest too deeply: expanded, this expression nests more than {MAX_DEPTH} levels",
                    e.span,
                    hint="make the defs shallower, or split the property into several",
                    code="PS216",
                )
            return m(e, fr)
        finally:
            self.expr_depth -= 1

    def _e_IntLit(self, e: A.IntLit, fr: Frame) -> T.Expr:
        return T.Const(e.value, IntT(e.value, e.value), span=e.span)

    def _e_BoolLit(self, e: A.BoolLit, fr: Frame) -> T.Expr:
        return T.Const(e.value, BOOL, span=e.span)

    def _e_StrLit(self, e: A.StrLit, fr: Frame) -> T.Expr:
        return T.Const(e.value, enum_type((e.value,)), span=e.span)

    def _e_Name(self, e: A.Name, fr: Frame) -> T.Expr:
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
            return T.Const(frozenset(values), SetT(ty), span=e.span, named=e.name)
        if e.name in self.variants:
            ut, fields = self.variants[e.name]
            if not fields:
                return T.Construct(e.name, (), ut, span=e.span)
        if e.name in self.broken:  # its declaration's error is reported already
            raise SpecErrors(())
        if e.name in fr.ended:
            raise SpecNameError(
                f"unknown name '{e.name}': it is bound inside an `if` branch, and a name bound in a branch "
                "is visible only in that branch, up to its end",
                e.span,
                notes=((fr.ended[e.name], f"'{e.name}' is bound here, inside the branch"),),
                hint=f"bind '{e.name}' before the `if` (for a value that differs by branch, "
                f"{e.name} = a if c else b), or move what reads it into the branch",
                code="PS200",
            )
        cands = set(fr.names()) | set(self.vars) | set(self.params) | set(self.defs) | set(self.types)
        raise name_error(f"unknown name '{e.name}'", e.span, e.name, cands, "PS200")

    def _e_Primed(self, e: A.Primed, fr: Frame) -> T.Expr:
        if e.name not in self.vars:
            if e.name in self.broken:  # its declaration's error is reported already
                raise SpecErrors(())
            raise name_error(f"unknown variable '{e.name}'", e.span, e.name, self.vars, "PS204")
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

    def _e_UnaryOp(self, e: A.UnaryOp, fr: Frame) -> T.Expr:
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

    def _typed(self, x: T.Expr, cls: type, span: Span, what: str) -> Type:
        """`x` must be of the collection type `cls`: its table's noun and code say so otherwise."""
        if not isinstance(x.ty, cls):
            sem = TYPES[cls]
            raise SpecTypeError(f"{what} must be {sem.noun}, found {x.ty.show()}", span, code=sem.code)
        return x.ty

    def _type_call(self, e: A.Call, fr: Frame) -> T.Expr:
        """`NAME(c, ...)` read on the collection `c`'s type: the row of its table in `ops.TYPES`
        (head of a sequence, count of a bag, len of either), with the row's typing rule."""
        f = e.func
        if f == "bag":
            if e.kwargs or e.args:
                raise SpecTypeError("bag() takes 0 argument(s) by position", e.span, code="PS329")
            return T.Apply(Fn.BAG, (), BagT(ANY, 0), span=e.span)
        one = SeqT if f == "enumerate" else owner(f)  # enumerate: a lowering, not a row
        arity = 2 if f in ("append", "add", "remove", "count") else 1
        if e.kwargs or len(e.args) != arity or any(isinstance(a, A.GenExp) for a in e.args):
            raise SpecTypeError(f"{f}() takes {arity} argument(s) by position", e.span, code="PS329")
        c = self._expr(e.args[0], fr)
        if one is not None:
            self._typed(c, one, e.args[0].span, f"the {'first argument' if arity == 2 else 'argument'} of {f}()")
        if f == "enumerate":
            return self._enumerate(c, e.span, fr)
        row = type_fn(f, c.ty)
        assert row is not None, "a name without an owner is read only on a type that has it"
        if row.needs_elem:
            self._some_element(c.ty, e.args[0].span, f"{f}()")  # type: ignore[arg-type]
        if row.arity == 1:
            return T.Apply(row.fn, (c,), row.result(c.ty, None), span=e.span)
        x = self._expr(e.args[1], fr)
        u = self._element(c.ty, x, e.args[1].span, f"{f}()")
        return T.Apply(row.fn, (c, x), row.result(c.ty, u), span=e.span)

    def _element(self, ct: Type, x: T.Expr, span: Span, what: str) -> Type:
        """The type of the elements of a collection of type `ct` once `x` joins them (PS317)."""
        u = unify(ct.elem, x.ty)  # type: ignore[attr-defined]
        if u is None:
            raise SpecTypeError(f"{what}: {x.ty.show()} cannot be an element of {ct.show()}", span, code="PS317")
        return u

    def _some_element(self, st: SeqT, span: Span, what: str) -> None:
        """An element read from a sequence that is always empty (its elements have no type: `[]`)."""
        if isinstance(st.elem, AnyT):
            raise SpecTypeError(f"{what} of a sequence that is always empty", span, code="PS336")

    def _e_ListLit(self, e: A.ListLit, fr: Frame) -> T.Expr:
        elems, ty = self._elements(e.elems, fr, "a sequence")
        return T.Apply(Fn.SEQ, elems, SeqT(ty, len(elems)), span=e.span)

    def _elements(self, srcs: tuple[A.Expr, ...], fr: Frame, what: str) -> tuple[tuple[T.Expr, ...], Type]:
        """The typed elements of a literal and the one type they share (PS322 when they do not)."""
        elems = tuple(self._expr(x, fr) for x in srcs)
        ty: Type = ANY
        for x, src in zip(elems, srcs):
            u = unify(ty, x.ty)
            if u is None:
                raise SpecTypeError(
                    f"{what}'s elements must have one type: {ty.show()} and {x.ty.show()}", src.span, code="PS322"
                )
            ty = u
        return elems, ty

    def _e_Slice(self, e: A.Slice, fr: Frame) -> T.Expr:
        obj = self._expr(e.obj, fr)
        self._typed(obj, SeqT, e.obj.span, "a sliced value")
        lo, hi = self._expr(e.lo, fr), self._expr(e.hi, fr)
        self._int(lo, e.lo.span, "the start of a slice")
        self._int(hi, e.hi.span, "the end of a slice")
        return T.Apply(Fn.SLICE, (obj, lo, hi), obj.ty, span=e.span)

    def _enumerate(self, s: T.Expr, sp: Span, fr: Frame) -> T.Expr:
        """enumerate(s): {(k, s[k]) for k in 0 .. len(s) - 1}, a set of (position, element) pairs."""
        st = s.ty
        assert isinstance(st, SeqT)
        fr.scopes.append({})
        try:
            k, it = self._seq_positions(s, st, sp, fr)
            pair = T.TupleLit((k, T.Apply(Fn.INDEX, (s, k), st.elem, span=sp)), TupleT((k.ty, st.elem)), span=sp)
        finally:
            fr.scopes.pop()
        return T.Comp(Kind.SET, pair, None, (T.Gen(k.slot, k.name, it, (), span=sp),), SetT(pair.ty), span=sp)

    def _seq_positions(self, s: T.Expr, st: SeqT, sp: Span, fr: Frame) -> tuple[T.Local, T.Expr]:
        """A hidden local over the positions of `s`, and the set `0 .. len(s) - 1` it ranges over."""
        n = T.Apply(Fn.SEQ_LEN, (s,), IntT(0, st.cap), span=sp)
        hi = T.Binary(Op.SUB, n, T.Const(1, IntT(1, 1), span=sp), IntT(-1, st.cap - 1), span=sp)
        pos = IntT(0, max(0, st.cap - 1))
        it = T.RangeSet(T.Const(0, IntT(0, 0), span=sp), hi, SetT(pos), span=sp)
        k = fr.bind(f"position in the sequence {id(s)}", pos, sp)
        return k, it

    def _e_BinOp(self, e: A.BinOp, fr: Frame) -> T.Expr:
        op = e.op
        left = self._expr(e.left, fr)
        right = self._expr(e.right, fr)
        if op in ("and", "or", "implies"):
            self._expect(left, BOOL, e.left.span, f"the left operand of '{op}'")
            self._expect(right, BOOL, e.right.span, f"the right operand of '{op}'")
            if op == "implies":  # lowered: not a or b
                return T.Binary(Op.OR, T.Unary(Op.NOT, left, BOOL, span=e.left.span), right, BOOL, span=e.span)
            return T.Binary(Op(op), left, right, BOOL, span=e.span)
        if op in ("in", "not in") and type_fn("in", right.ty) is not None:  # a sequence's or a bag's row
            row = type_fn("in", right.ty)
            assert row is not None
            self._element(right.ty, left, e.span, f"'{op}'")
            found = T.Apply(row.fn, (left, right), BOOL, span=e.span)
            return found if op == "in" else T.Unary(Op.NOT, found, BOOL, span=e.span)
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
        if op == "+" and (type_fn("+", left.ty) or type_fn("+", right.ty)):  # a sequence's or a bag's row
            cls: Any = type(left.ty) if type_fn("+", left.ty) else type(right.ty)
            lc: Any = self._typed(left, cls, e.left.span, "the left side of '+'")
            rc: Any = self._typed(right, cls, e.right.span, "the right side of '+'")
            u = unify(lc.elem, rc.elem)
            if u is None:
                raise SpecTypeError(f"'+' joins {lc.show()} with {rc.show()}", e.span, code="PS319")
            row = TYPES[cls].fns["+"]
            return T.Apply(row.fn, (left, right), row.result(lc, cls(u, rc.cap)), span=e.span)
        if op in ("+", "-", "*", "//", "%"):
            if op == "+" and isinstance(left.ty, SetT):
                raise SpecTypeError(
                    f"the left side of '+' must be an integer, found {left.ty.show()}",
                    e.left.span,
                    hint="sets are joined with '|': write s | {x} to add x ('-' removes)",
                    code="PS315",
                )
            li = self._int(left, e.left.span, f"the left side of '{op}'")
            ri = self._int(right, e.right.span, f"the right side of '{op}'")
            name = {"+": Op.ADD, "-": Op.SUB, "*": Op.MUL, "//": Op.DIV, "%": Op.MOD}[op]
            return T.Binary(name, left, right, _arith_type(name, li, ri), span=e.span)
        raise AssertionError(op)

    def _e_IfExp(self, e: A.IfExp, fr: Frame) -> T.Expr:
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

    def _e_RangeExp(self, e: A.RangeExp, fr: Frame) -> T.Expr:
        lo = self._expr(e.lo, fr)
        hi = self._expr(e.hi, fr)
        lot = self._int(lo, e.lo.span, "the lower bound of '..'")
        hit = self._int(hi, e.hi.span, "the upper bound of '..'")
        if lot.lo is not None and lot.hi is not None and hit.lo is not None and hit.hi is not None:
            ety = IntT(lot.lo, max(lot.lo, hit.hi))
        else:
            ety = INT
        return T.RangeSet(lo, hi, SetT(ety), span=e.span)

    def _e_IsOp(self, e: A.IsOp, fr: Frame) -> T.Expr:
        x = self._expr(e.operand, fr)
        if not isinstance(x.ty, UnionT):
            raise SpecTypeError(f"'is' tests a union value, not {x.ty.show()}", e.operand.span, code="PS321")
        if x.ty.variant(e.variant) is None:
            raise name_error(
                f"{x.ty.show()} has no variant '{e.variant}'",
                e.span,
                e.variant,
                [t for t, _ in x.ty.variants],
                "PS213",
            )
        return T.IsTag(x, e.variant, BOOL, span=e.span)

    def _e_SetLit(self, e: A.SetLit, fr: Frame) -> T.Expr:
        elems, ty = self._elements(e.elems, fr, "a set")
        return T.SetLit(elems, SetT(ty), span=e.span)

    def _e_TupleLit(self, e: A.TupleLit, fr: Frame) -> T.Expr:
        elems = tuple(self._expr(x, fr) for x in e.elems)
        return T.TupleLit(elems, TupleT(tuple(x.ty for x in elems)), span=e.span)

    def _e_RecordLit(self, e: A.RecordLit, fr: Frame) -> T.Expr:
        names = [n for n, _ in e.fields]
        if len(set(names)) != len(names):
            raise SpecTypeError("a record lists a field twice", e.span, code="PS307")
        pairs = sorted(((n, self._expr(x, fr)) for n, x in e.fields), key=lambda p: p[0])
        ty = RecordT(tuple((n, x.ty) for n, x in pairs))
        return T.TupleLit(tuple(x for _, x in pairs), ty, span=e.span)

    def _e_MapLit(self, e: A.MapLit, fr: Frame) -> T.Expr:
        """`{k1: v1, ..., kn: vn}`, lowered to the map comprehension
        `{k: v1 if k == k1 else ... vn for k in {k1, ..., kn}}`, so that every engine reads a
        core form it has. The key type is the keys' (as in the set `{k1, ..., kn}`); constant
        keys must be distinct and cover it (PS334), other keys are checked when evaluated."""
        keys = [k for k, _ in e.pairs]
        key_set = self._expr(A.SetLit(tuple(keys), span=e.span), fr)
        assert isinstance(key_set, T.SetLit) and isinstance(key_set.ty, SetT)
        consts: list[Any] = []
        for tk, src in zip(key_set.elems, keys):
            try:
                value = self._const(tk)
            except PyspecError:
                consts = []  # a key that is not a constant: the evaluation checks them
                break
            if value in consts:
                raise SpecTypeError(f"the map literal gives key {format_value(tk.ty, value)} twice", src.span,
                                    code="PS334")
            consts.append(value)
        k = _MAP_KEY
        chain = e.pairs[-1][1]
        for key, value in reversed(e.pairs[:-1]):
            chain = A.IfExp(A.BinOp("==", A.Name(k, span=key.span), key, span=key.span), value, chain, span=value.span)
        comp = A.MapComp(A.Name(k, span=e.span), chain, (A.CompFor(k, A.SetLit(tuple(keys), span=e.span), (), span=e.span),),
                         span=e.span)
        out = self._e_MapComp(comp, fr)
        assert isinstance(out.ty, MapT)
        if consts:
            size = domain_size(out.ty.key)
            if size is not None and size <= DOMAIN_LIMIT and size != len(consts):
                missing = next(v for v in domain(out.ty.key) if v not in consts)
                raise SpecTypeError(f"the map literal gives no value for key {format_value(out.ty.key, missing)} "
                                    f"of its key type {out.ty.key.show()}", e.span,
                                    hint="a map has a value for every key of its type: list them all", code="PS334")
        return out

    def _gens(self, gens: tuple[A.CompFor, ...], fr: Frame) -> tuple[T.Gen, ...]:
        out = []
        for g in gens:
            it = self._expr(g.iter, fr)
            if isinstance(it.ty, BagT):  # over the distinct elements
                it = T.Apply(Fn.BAG_SET, (it,), SetT(it.ty.elem), span=it.span)
            if isinstance(it.ty, SeqT):
                # over the positions k of the sequence, in order; the name stands for s[k]
                self._no_shadow(g.var, g.span)
                k, positions = self._seq_positions(it, it.ty, g.span, fr)
                fr.scopes[-1][g.var] = T.Apply(Fn.INDEX, (it, k), it.ty.elem, span=g.span)
                self._unpack(g, fr.scopes[-1][g.var], fr)
                conds = []
                for c in g.conds:
                    ce = self._expr(c, fr)
                    self._expect(ce, BOOL, c.span, "a comprehension's 'if'")
                    conds.append(ce)
                out.append(T.Gen(k.slot, g.var, positions, tuple(conds), span=g.span))
                continue
            st = self._set(it, g.iter.span, f"'for {g.var} in ...'")
            self._no_shadow(g.var, g.span)
            loc = fr.bind(g.var, st.elem, g.span)
            self._unpack(g, loc, fr)
            conds = []
            for c in g.conds:
                ce = self._expr(c, fr)
                self._expect(ce, BOOL, c.span, "a comprehension's 'if'")
                conds.append(ce)
            out.append(T.Gen(loc.slot, g.var, it, tuple(conds), span=g.span))
        return tuple(out)

    def _unpack(self, g: A.CompFor, x: T.Expr, fr: Frame) -> None:
        """`for i, v in S`: each name stands for its component of the tuple bound to `x`."""
        if not g.unpack:
            return
        if not isinstance(x.ty, TupleT) or len(x.ty.elems) != len(g.unpack):
            raise SpecTypeError(f"'for {', '.join(g.unpack)} in ...' unpacks tuples of {len(g.unpack)}, "
                                f"not {x.ty.show()}", g.span, hint="e.g. for i, x in enumerate(s)", code="PS338")
        for i, (name, ty) in enumerate(zip(g.unpack, x.ty.elems)):
            self._no_shadow(name, g.span)
            fr.scopes[-1][name] = T.TupleGet(x, i, ty, span=g.span)

    def _e_SetComp(self, e: A.SetComp, fr: Frame) -> T.Expr:
        fr.scopes.append({})
        try:
            gens = self._gens(e.gens, fr)
            elem = self._expr(e.elem, fr)
        finally:
            fr.scopes.pop()
        return self._comp(Kind.SET, elem, None, gens, e.elem.span, e.span)

    def _comp(self, kind: Kind, elem: T.Expr, key: T.Expr | None, gens: tuple, elem_span: Span, span: Span) -> T.Comp:
        """A comprehension of `kind`, typed by its row in `ops.COMPS`."""
        sem = COMPS[kind]
        if sem.body == "bool":
            self._expect(elem, BOOL, elem_span, f"the body of {sem.spelling}()")
        elif sem.body == "int":
            self._int(elem, elem_span, f"the elements of {sem.spelling}()")
        return T.Comp(kind, elem, key, gens, sem.result(elem.ty, None if key is None else key.ty), span=span)

    def _e_MapComp(self, e: A.MapComp, fr: Frame) -> T.Expr:
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
        return self._comp(Kind.MAP, value, key, gens, e.value.span, e.span)

    def _e_GenExp(self, e: A.GenExp, fr: Frame) -> T.Expr:
        raise SpecTypeError(
            "a generator (e for x in S) is only allowed as the argument of all, any, min, max or sum",
            e.span,
            hint="write a set comprehension {e for x in S}",
            code="PS323",
        )

    def _e_Index(self, e: A.Index, fr: Frame) -> T.Expr:
        obj = self._expr(e.obj, fr)
        if isinstance(obj.ty, TupleT):
            if not isinstance(e.index, A.IntLit) or not 0 <= e.index.value < len(obj.ty.elems):
                raise SpecTypeError(
                    f"a tuple of {len(obj.ty.elems)} is indexed by a literal 0 .. {len(obj.ty.elems) - 1}",
                    e.index.span,
                    code="PS324",
                )
            return T.TupleGet(obj, e.index.value, obj.ty.elems[e.index.value], span=e.span)
        if isinstance(obj.ty, SeqT):
            self._some_element(obj.ty, e.obj.span, "an index")
            i = self._expr(e.index, fr)
            self._int(i, e.index.span, "a sequence index")
            return T.Apply(Fn.INDEX, (obj, i), obj.ty.elem, span=e.span)
        if not isinstance(obj.ty, MapT):
            raise SpecTypeError(f"{obj.ty.show()} cannot be indexed", e.obj.span, code="PS325")
        key = self._expr(e.index, fr)
        self._expect(key, obj.ty.key, e.index.span, "the key")
        return T.MapGet(obj, key, not subtype(key.ty, obj.ty.key), obj.ty.value, span=e.span)

    def _e_Attr(self, e: A.Attr, fr: Frame) -> T.Expr:
        obj = self._expr(e.obj, fr)
        ty = obj.ty
        if isinstance(ty, RecordT):
            i = ty.index(e.name)
            if i is None:
                raise name_error(
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
                raise name_error(f"no variant of {ty.show()} has a field '{e.name}'", e.span, e.name, names, "PS214")
            assert fty is not None, "set with the first position, and unify failures raise above"
            return T.VariantGet(obj, e.name, tuple(positions), fty, span=e.span)
        raise SpecTypeError(f"{ty.show()} has no fields ('.{e.name}')", e.span, code="PS327")

    def _e_Call(self, e: A.Call, fr: Frame) -> T.Expr:
        f = e.func
        if fr.lookup(f) is None and f in self.defs:
            return self._expand(self.defs[f], e.args, e.kwargs, e.span, fr)
        if f in self.variants:
            return self._construct(e, fr)
        if owner(f) is not None or f in ("bag", "enumerate"):
            return self._type_call(e, fr)
        if f == "len" and len(e.args) == 1 and not isinstance(e.args[0], A.GenExp):
            x = self._expr(e.args[0], fr)
            if not isinstance(x.ty, SetT) and type_fn(f, x.ty) is not None:  # len of a sequence
                return self._type_call(e, fr)
        if f in BUILTINS:
            return self._builtin(e, fr)
        cands = set(self.defs) | set(self.variants) | set(BUILTINS)
        raise name_error(f"unknown function '{f}'", e.func_span, f, cands, "PS215")

    def _construct(self, e: A.Call, fr: Frame) -> T.Expr:
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
                raise name_error(f"{e.func} has no field '{n}'", e.span, n, names, "PS214")
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

    def _builtin(self, e: A.Call, fr: Frame) -> T.Expr:
        f = e.func
        if e.kwargs:
            raise SpecTypeError(f"{f}() takes no keyword arguments", e.span, code="PS329")
        if len(e.args) == 1 and isinstance(e.args[0], A.GenExp):
            if f not in CALLED_COMPS:
                raise SpecTypeError(f"{f}() does not take a generator", e.args[0].span, code="PS329")
            g = e.args[0]
            fr.scopes.append({})
            try:
                gens = self._gens(g.gens, fr)
                elem = self._expr(g.elem, fr)
            finally:
                fr.scopes.pop()
            return self._comp(CALLED_COMPS[f], elem, None, gens, g.elem.span, e.span)
        if f in ("min", "max") and len(e.args) >= 2:
            return self._builtin(A.Call(f, (A.SetLit(e.args, span=e.span),), (), span=e.span), fr)
        if len(e.args) != 1:
            raise SpecTypeError(f"{f}() takes one argument, {len(e.args)} given", e.span, code="PS329")
        x = self._expr(e.args[0], fr)
        st = self._set(x, e.args[0].span, f"the argument of {f}()")
        if f == "permutations":
            return self._permutations(x, st, e, fr)
        if f == "len":
            n = domain_size(st.elem)
            return T.Apply(Fn.LEN, (x,), IntT(0, n) if n is not None else INT, span=e.span)
        if f in ("min", "max", "sum"):
            if not isinstance(st.elem, (IntT, AnyT)):
                raise SpecTypeError(
                    f"the elements of {f}() must be integers, found {st.elem.show()}", e.args[0].span, code="PS315"
                )
            return T.Apply(Fn(f), (x,), st.elem if f != "sum" and isinstance(st.elem, IntT) else INT, span=e.span)
        if f in ("all", "any"):
            self._expect_value(st.elem, BOOL, e.args[0].span, f"the elements of {f}()")
            return T.Apply(Fn(f), (x,), BOOL, span=e.span)
        if f == "subsets":
            return T.Apply(Fn.SUBSETS, (x,), SetT(st), span=e.span)
        raise AssertionError(f)


    def _permutations(self, x: T.Expr, st: SetT, e: A.Call, fr: Frame) -> T.Expr:
        """`permutations(S)`: the maps T -> T (T: the elements' type) that map S one-to-one onto
        S and every other value of T to itself; for S a whole type, its bijections. Lowered to
        a set comprehension with one generator per value t1, ..., tn of T, in declared order,
        each choosing an image not chosen before:

            {{t: k1 if t == t1 else ... kn for t in T}
             for k1 in (S - {}) if t1 in S else {t1} ... for kn in (S - {k1, ..., kn-1}) if tn in S else {tn}}

        so every engine reads core forms, and the explicit engine visits the n! bijections (with
        their prefixes), never the n^n maps of the type."""
        elem = st.elem
        size = domain_size(elem)
        if size is None or size > PERMUTATIONS_LIMIT:
            raise SpecTypeError(f"permutations() needs a set whose element type has at most {PERMUTATIONS_LIMIT} "
                                f"values, not {elem.show()}" + (f" ({size:,} values)" if size is not None else ""),
                                e.args[0].span, hint="e.g. permutations(Proc), with Proc = 0 .. N - 1", code="PS329")
        values = domain(elem)
        sp = e.span
        set_ty = SetT(elem)
        map_ty = MapT(elem, elem)
        fr.scopes.append({})
        try:
            gens: list[T.Gen] = []
            chosen: list[T.Local] = []
            for i, t in enumerate(values):
                lit = T.Const(t, elem, span=sp)
                iter_ = T.IfExp(T.Binary(Op.IN, lit, x, BOOL, span=sp),
                                T.Binary(Op.DIFF, x, T.SetLit(tuple(chosen), set_ty, span=sp), set_ty, span=sp),
                                T.SetLit((lit,), set_ty, span=sp), set_ty, span=sp)
                k = fr.bind(f"image {i + 1} of the permutation", elem, sp)
                gens.append(T.Gen(k.slot, k.name, iter_, (), span=sp))
                chosen.append(k)
            key = fr.bind("key of the permutation", elem, sp)
            chain: T.Expr = chosen[-1] if chosen else T.Const(None, elem, span=sp)
            for t, k in reversed(list(zip(values[:-1], chosen[:-1]))):
                chain = T.IfExp(T.Binary(Op.EQ, key, T.Const(t, elem, span=sp), BOOL, span=sp), k, chain, elem, span=sp)
            every = T.Const(frozenset(values), set_ty, span=sp)
            perm = T.Comp(Kind.MAP, chain, key, (T.Gen(key.slot, key.name, every, (), span=sp),), map_ty, span=sp)
        finally:
            fr.scopes.pop()
        return T.Comp(Kind.SET, perm, None, tuple(gens), SetT(map_ty), span=sp)


PERMUTATIONS_LIMIT = 10
"""The most values the element type of `permutations(S)` may have (10! = 3,628,800 maps)."""


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
