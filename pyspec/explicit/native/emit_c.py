"""Typed tree -> C source for the native back end: successors, invariants, and the state layout.

The fragment it accepts (anything else raises `NotInFragment` with the construct's span):
variables of finite scalar types (bools, bounded ints, enums, unions, records and tuples with
at most `ORD_LIMIT` values), sets of those (bitmasks of at most `SET_BITS` bits), and maps over
finite keys of either (arrays, nested for maps of maps); expressions on them: the operator
table's rows (each row's `c` template, `pyspec.lang.ops`), the builtins with a `c` template,
set/all/any/sum/min/max comprehensions, constructors, field reads, tag tests, map reads;
statements: require, let, choice, assignment (of a whole variable or a map entry), if.

Values in C: an int is itself, a bool 0 or 1, any other scalar its ordinal in `domain(t)`
(records, unions and tuples are read through tables built from that domain), a set a `pset`
bitmask over its element type's ordinals. Closed sub-expressions are folded by the closure
compiler (as the generated Python does), so their values are the reference's. Every iteration
is in ordinal order, which for the element types accepted is the reference's declared order
(`sort_key`): choices and failing quantifiers see their values in the same order.
"""

from __future__ import annotations

import itertools
from typing import Any

from pyspec.errors import SpecEvalError, Span
from pyspec.explicit.evaluator import Compiler
from pyspec.explicit.native.reps import Cell, NotInFragment, Reps, Scalar, SetRep, state_cell
from pyspec.lang import typed as T
from pyspec.lang.analysis import chain_operands, conjuncts
from pyspec.lang.ops import FNS, OPS, Fn, Kind, Op
from pyspec.lang.types import AnyT, BoolT, IntT, RecordT, SetT, TupleT, Type, UnionT, domain, subtype


class Emitter:
    """Emits one C module: the state layout, successors, invariants and reachables."""

    def __init__(self, spec: T.CheckedSpec) -> None:
        self.spec = spec
        self.reps = Reps()
        self.folder = Compiler(spec)
        self.analysis = self.folder.analysis
        self.tables: list[str] = []  # static const tables
        self._table_ids: dict[Any, str] = {}
        # pset constants and tables, written once PSET_W is known: name -> tuples of ordinals
        self.psets: dict[str, tuple[tuple[int, ...], ...]] = {}
        self.scalar_psets: set[str] = set()
        self.enum_tables: dict[str, Scalar] = {}
        self.lines: list[str] = []
        self.n = 0
        self.cells = tuple(state_cell(self.reps, i, v.ty, v.span) for i, v in enumerate(spec.vars))
        self.cvar = "s"  # the state the unprimed variables are read from
        self.local_reps: dict[int, Any] = {}

    # ---- helpers --------------------------------------------------------------------------------

    def fresh(self, base: str = "_t") -> str:
        self.n += 1
        return f"{base}{self.n}"

    def table(self, key: Any, ctype: str, items: list[str]) -> str:
        name = self._table_ids.get(key)
        if name is None:
            name = f"TB{len(self._table_ids)}"
            self._table_ids[key] = name
            self.tables.append(f"static const {ctype} {name}[{max(len(items), 1)}] = {{{', '.join(items) or '0'}}};")
        return name

    def pset_lit(self, ordinals) -> str:
        key = ("pset", tuple(sorted(ordinals)))
        name = self._table_ids.get(key)
        if name is None:
            name = f"KS{len(self._table_ids)}"
            self._table_ids[key] = name
            self.psets[name] = (key[1],)
            self.scalar_psets.add(name)
        return name

    def pset_decls(self) -> list[str]:
        out = []
        for name, rows in self.psets.items():
            lits = []
            for ords in rows:
                words = [0] * self.reps.words
                for o in ords:
                    words[o >> 6] |= 1 << (o & 63)
                lits.append("{{" + ", ".join(f"UINT64_C({w})" for w in words) + "}}")
            if name in self.scalar_psets:
                out.append(f"static const pset {name} = {lits[0]};")
            else:
                out.append(f"static const pset {name}[{len(lits)}] = {{{', '.join(lits)}}};")
        return out

    def const(self, value: Any, t: Type, span: Span) -> str:
        r = self.reps.rep(t, span)
        if isinstance(r, SetRep):
            return self.pset_lit([r.index[x] for x in value])
        return f"INT64_C({r.to_c(value)})"

    def compatible(self, ra: Any, rb: Any) -> bool:
        """Are C values of these representations comparable as they are (same meaning of bits)?"""
        if isinstance(ra, SetRep) and isinstance(rb, SetRep):
            # the empty set of no element type has no bit set, whatever the other's type
            return ra.values == rb.values or isinstance(ra.ty.elem, AnyT) or isinstance(rb.ty.elem, AnyT)
        if isinstance(ra, Scalar) and isinstance(rb, Scalar):
            if ra.kind != rb.kind:
                return False
            return ra.kind != "ord" or ra.values == rb.values
        return False

    def from_ord(self, r: Any, o: str) -> str:
        """The C value of the value with ordinal `o` among `r`'s values."""
        if isinstance(r, SetRep):
            return f"{self.set_values(r)}[{o}]"
        if r.kind == "int":
            return f"({o} + {r.lo})" if r.lo else o
        if r.kind == "enum":
            return f"{self.table(('gids', r.ty), 'int64_t', [str(g) for g in r.gids])}[{o}]"
        return o

    def to_ord(self, x: str, xt: Type, r: Any, span: Span, fail: bool = False) -> str:
        """The ordinal among `r`'s values of the C value `x` of static type `xt`: -1 (or a
        failure, when `fail`) for a value outside them."""
        miss = "fail_value()" if fail else "-1"
        xr = self.reps.rep(xt, span)
        if isinstance(r, SetRep):
            if not self.compatible(xr, r):
                raise NotInFragment(f"a value of type {xt.show()} where {r.ty.show()} is expected", span)
            n = 2 ** r.size  # the values of type r.ty
            if n > 256:
                raise NotInFragment(f"a value of type {r.ty.show()} looked up among {n} others", span)
            tb, v, i = self.set_values(r), self.fresh("_v"), self.fresh("_i")
            return (f"({{ pset {v} = {x}; int64_t {i} = 0; while ({i} < {n} && !pset_eq({tb}[{i}], {v})) {i}++; "
                    f"{i} < {n} ? {i} : {miss}; }})")
        if not isinstance(xr, Scalar) or xr.kind != r.kind or (r.kind == "ord" and xr.values != r.values):
            raise NotInFragment(f"a value of type {xt.show()} where {r.ty.show()} is expected", span)
        if r.kind == "int":
            if subtype(xt, r.ty):
                return f"({x} - {r.lo})" if r.lo else x
            v = self.fresh("_v")
            return f"({{ int64_t {v} = {x} - {r.lo}; ({v} >= 0 && {v} < {r.size}) ? {v} : {miss}; }})"
        if r.kind == "enum":
            if xr.values == r.values:
                v = self.fresh("_v")
                return f"((int64_t){self.enum_ordinals(r)}[{x}])"
            v = self.fresh("_v")
            return f"({{ int64_t {v} = {self.enum_ordinals(r)}[{x}]; {v} >= 0 ? {v} : {miss}; }})"
        return x

    def common(self, ra: SetRep, rb: SetRep, span: Span) -> SetRep:
        """A representation holding the elements of sets of both (int sets of two ranges)."""
        if self.compatible(ra, rb):
            return ra
        ea, eb = ra.elem, rb.elem
        if isinstance(ea, Scalar) and isinstance(eb, Scalar) and ea.kind == eb.kind == "int":
            lo = min(ea.values[0] if ea.values else 0, eb.values[0] if eb.values else 0)
            hi = max(ea.values[-1] if ea.values else 0, eb.values[-1] if eb.values else 0)
            r = self.reps.rep(SetT(IntT(lo, hi)), span)
            assert isinstance(r, SetRep)
            return r
        raise NotInFragment(f"sets of types {ra.ty.show()} and {rb.ty.show()} combined", span)

    def convert(self, x: str, r: SetRep, to: SetRep, span: Span) -> str:
        """The set `x` (of representation `r`) in representation `to`: the same bits, or, for int
        sets of two ranges, shifted (elements outside `to`'s range dropped)."""
        if self.compatible(r, to):
            return x
        ea, eb = r.elem, to.elem
        if isinstance(ea, Scalar) and isinstance(eb, Scalar) and ea.kind == eb.kind == "int":
            if not ea.values or not eb.values:
                return "PSET0"
            return f"pset_shift({x}, {ea.values[0] - eb.values[0]}, {to.size})"
        raise NotInFragment(f"a set of type {r.ty.show()} used as {to.ty.show()}", span)

    def set_values(self, r: SetRep) -> str:
        """The table: ordinal of a value of type `r.ty` -> that value as a pset."""
        key = ("setvalues", r.ty)
        name = self._table_ids.get(key)
        if name is None:
            name = f"KE{len(self._table_ids)}"
            self._table_ids[key] = name
            if 2 ** r.size > 4096:
                raise NotInFragment(f"the values of {r.ty.show()} enumerated")
            self.psets[name] = tuple(tuple(sorted(r.index[x] for x in v)) for v in domain(r.ty))
        return name

    def enum_ordinals(self, r: Scalar) -> str:
        """The table: global id of an enum value -> its ordinal in `r`'s type, or -1 (written at
        the end, when every enum value has its id)."""
        key = ("enumords", r.ty)
        name = self._table_ids.get(key)
        if name is None:
            name = f"KO{len(self._table_ids)}"
            self._table_ids[key] = name
            self.enum_tables[name] = r
        return name

    def enum_decls(self) -> list[str]:
        n = max(1, len(self.reps.gid))
        out = []
        for name, r in self.enum_tables.items():
            row = ["-1"] * n
            assert r.gids is not None
            for o, g in enumerate(r.gids):
                row[g] = str(o)
            out.append(f"static const int32_t {name}[{n}] = {{{', '.join(row)}}};")
        return out

    def ctype(self, r: Any) -> str:
        return "pset" if isinstance(r, SetRep) else "int64_t"

    def decode_elem(self, r: SetRep, o: str) -> str:
        """The C value of the element with ordinal `o` of a set of representation `r`."""
        return self.from_ord(r.elem, o)

    def ordinal(self, x: str, xt: Type, target: Any, span: Span) -> str:
        return self.to_ord(x, xt, target, span)

    # ---- expressions ----------------------------------------------------------------------------

    def ex(self, e: T.Expr) -> str:
        if not isinstance(e, T.Const) and not self.analysis.deps(e):
            try:
                value = self.folder.expr(e)([None, None, None] + [None] * (self.folder.nlocals + 64))
            except SpecEvalError:
                value = _NOFOLD
            if value is not _NOFOLD:
                return self.const(value, e.ty, e.span)
        m = getattr(self, "_x_" + type(e).__name__, None)
        if m is None:
            raise NotInFragment(f"the expression form {type(e).__name__}", e.span)
        return m(e)

    def _x_Const(self, e: T.Const) -> str:
        return self.const(e.value, e.ty, e.span)

    def _x_Var(self, e: T.Var) -> str:
        if self.cells[e.index].dims:
            raise NotInFragment(f"the map {e.name} used as a whole value", e.span)
        return f"{self.cvar}->v{e.index}"

    def _x_Primed(self, e: T.Primed) -> str:
        if self.cells[e.index].dims:
            raise NotInFragment(f"the map {e.name}' used as a whole value", e.span)
        return f"t->v{e.index}"

    def _x_Local(self, e: T.Local) -> str:
        if e.slot not in self.local_reps:
            raise NotInFragment(f"the local {e.name}", e.span)
        return f"L{e.slot}"

    def _x_Unary(self, e: T.Unary) -> str:
        self._scalar_operand(e.operand)
        c = OPS[e.op].c
        assert c is not None
        return self.fill(c, [(self.ex(e.operand), "int64_t")])

    def _scalar_operand(self, x: T.Expr) -> None:
        if not isinstance(x.ty, (IntT, BoolT)):
            raise NotInFragment(f"an operator on a value of type {x.ty.show()}", x.span)

    def _x_Binary(self, e: T.Binary) -> str:
        op, a, b = e.op, e.left, e.right
        c = OPS[op].c
        if c is None:
            raise NotInFragment(f"the operator {OPS[op].spelling}", e.span)
        if op == Op.IN:
            r = self.reps.rep(b.ty, b.span)
            assert isinstance(r, SetRep)
            return self.fill(c, [(self.ordinal(self.ex(a), a.ty, r.elem, a.span), "int64_t"), (self.ex(b), "pset")])
        if op in (Op.UNION, Op.INTER, Op.DIFF, Op.SUBSET, Op.SSUBSET) or (op in (Op.EQ, Op.NE) and isinstance(a.ty, SetT)):
            ra, rb = self.reps.rep(a.ty, a.span), self.reps.rep(b.ty, b.span)
            to = self.reps.rep(e.ty, e.span) if op in (Op.UNION, Op.INTER, Op.DIFF) else self.common(ra, rb, e.span)
            return self.fill(c, [(self.convert(self.ex(a), ra, to, a.span), "pset"),
                                 (self.convert(self.ex(b), rb, to, b.span), "pset")])
        if op in (Op.EQ, Op.NE):
            if not self.compatible(self.reps.rep(a.ty, a.span), self.reps.rep(b.ty, b.span)):
                raise NotInFragment(f"values of types {a.ty.show()} and {b.ty.show()} compared", e.span)
            return self.fill(c, [(self.ex(a), self.ctype(self.reps.rep(a.ty))), (self.ex(b), self.ctype(self.reps.rep(b.ty)))])
        self._scalar_operand(a)
        self._scalar_operand(b)
        if OPS[op].lazy:  # the right operand is evaluated only when needed: never bound first
            return c.format(self.ex(a), self.ex(b))
        return self.fill(c, [(self.ex(a), "int64_t"), (self.ex(b), "int64_t")])

    def fill(self, template: str, operands: list[tuple[str, str]]) -> str:
        """`template` (an operator row's `c`) on the operands; an operand with a block of its
        own (labels, declarations) is bound to a temporary first, since a template or macro may
        repeat it. Every operand of such a row is evaluated, so binding changes nothing."""
        if not any("({" in code for code, _ in operands):
            return template.format(*(code for code, _ in operands))
        names, decls = [], []
        for code, ctype in operands:
            v = self.fresh("_op")
            decls.append(f"{ctype} {v} = {code};")
            names.append(v)
        return f"({{ {' '.join(decls)} {template.format(*names)}; }})"

    def _x_IfExp(self, e: T.IfExp) -> str:
        r, ra, rb = (self.reps.rep(x.ty, x.span) for x in (e, e.then, e.orelse))
        if not (self.compatible(ra, r) and self.compatible(rb, r)):
            raise NotInFragment("a conditional expression whose branches have different types", e.span)
        return f"({self.ex(e.cond)} ? {self.ex(e.then)} : {self.ex(e.orelse)})"

    def _x_SetLit(self, e: T.SetLit) -> str:
        r = self.reps.rep(e.ty, e.span)
        v = self.fresh("_s")
        adds = "".join(f"{v} = pset_add({v}, {self.ordinal(self.ex(x), x.ty, r.elem, x.span)}); " for x in e.elems)
        return f"({{ pset {v} = PSET0; {adds}{v}; }})"

    def _product(self, key: Any, t: Type, fields: tuple[tuple[T.Expr, Type, Type | None], ...], prefix: tuple,
                 span: Span) -> str:
        """The ordinal in `t`'s domain of the value `prefix + (field values...)`; each field is
        (expression, field type, type to check it against or None)."""
        r = self.reps.rep(t, span)
        frs = [self.reps.rep(ft, span) for _, ft, _ in fields]
        for fr in frs:
            if not isinstance(fr, Scalar):
                raise NotInFragment("a record or variant with a set field", span)
        items = []
        for combo in itertools.product(*(fr.values for fr in frs)):
            items.append(str(r.index[prefix + combo]))
        tb = self.table(key, "int32_t", items)
        parts = []
        v = self.fresh("_k")
        body = [f"int64_t {v} = 0;"]
        for (x, ft, check), fr in zip(fields, frs):
            o = self.fresh("_o")
            body.append(f"int64_t {o} = {self.to_ord(self.ex(x), x.ty, fr, x.span, fail=True)};")
            body.append(f"{v} = {v} * {fr.size} + {o};")
            parts.append(o)
        return f"({{ {' '.join(body)} (int64_t){tb}[{v}]; }})"

    def _x_Construct(self, e: T.Construct) -> str:
        fields = e.ty.variant(e.tag)
        assert fields is not None
        return self._product(("ctor", e.ty, e.tag), e.ty,
                             tuple((x, ft, None) for x, (_, ft) in zip(e.fields, fields)), (e.tag,), e.span)

    def _x_TupleLit(self, e: T.TupleLit) -> str:
        t = e.ty
        if isinstance(t, TupleT):
            fts = t.elems
        elif isinstance(t, RecordT):
            fts = tuple(f for _, f in t.fields)
        else:
            raise NotInFragment(f"a tuple of type {t.show()}", e.span)
        return self._product(("tuple", t), t, tuple((x, ft, None) for x, ft in zip(e.elems, fts)), (), e.span)

    def _field_table(self, t: Type, name: Any, get, span: Span) -> str:
        """A table: ordinal of a value of `t` -> C value of `get(value)` (NOFIELD when None)."""
        r = self.reps.rep(t, span)
        items = []
        frep = None
        for v in r.values:
            x = get(v)
            if x is None:
                items.append("NOFIELD")
                continue
            fv, ft = x
            frep = self.reps.rep(ft, span)
            if not isinstance(frep, Scalar):
                raise NotInFragment("a set-valued field", span)
            items.append(f"INT64_C({frep.to_c(fv)})")
        return self.table(("field", t, name), "int64_t", items)

    def _x_IsTag(self, e: T.IsTag) -> str:
        r = self.reps.rep(e.obj.ty, e.span)
        tb = self.table(("tag", e.obj.ty, e.tag), "int8_t", ["1" if v[0] == e.tag else "0" for v in r.values])
        return f"((int64_t){tb}[{self.ex(e.obj)}])"

    def _x_TupleGet(self, e: T.TupleGet) -> str:
        t = e.obj.ty
        fts = t.elems if isinstance(t, TupleT) else tuple(f for _, f in t.fields) if isinstance(t, RecordT) else None
        if fts is None:
            raise NotInFragment(f"a component of type {t.show()}", e.span)
        self._same_field_type(fts[e.index], e.ty, e.span)
        tb = self._field_table(t, e.index, lambda v: (v[e.index], fts[e.index]), e.span)
        return f"{tb}[{self.ex(e.obj)}]"

    def _same_field_type(self, ft: Type, et: Type, span: Span) -> None:
        fr, er = self.reps.rep(ft, span), self.reps.rep(et, span)
        if isinstance(fr, Scalar) and self.compatible(fr, er):
            return
        raise NotInFragment(f"a field of type {ft.show()} read as {et.show()}", span)

    def _x_VariantGet(self, e: T.VariantGet) -> str:
        t = e.obj.ty
        if not isinstance(t, UnionT):
            raise NotInFragment(f"a field of type {t.show()}", e.span)
        positions = dict(e.positions)
        fields = dict(t.variants)

        def get(v):
            i = positions.get(v[0])
            if i is None:
                return None
            return v[i], fields[v[0]][i - 1][1]

        for tag, i in positions.items():
            self._same_field_type(fields[tag][i - 1][1], e.ty, e.span)
        tb = self._field_table(t, ("v", e.name), get, e.span)
        if {tag for tag, _ in t.variants} <= positions.keys():
            return f"{tb}[{self.ex(e.obj)}]"
        v = self.fresh("_f")
        return f"({{ int64_t {v} = {tb}[{self.ex(e.obj)}]; if ({v} == NOFIELD) FAIL(); {v}; }})"

    def lvalue(self, e: T.Expr) -> tuple[str, Cell, int]:
        """A map read's C lvalue prefix: (text, cell, depth of maps indexed so far)."""
        if isinstance(e, T.Var):
            return f"{self.cvar}->v{e.index}", self.cells[e.index], 0
        if isinstance(e, T.Primed):
            return f"t->v{e.index}", self.cells[e.index], 0
        if isinstance(e, T.MapGet):
            base, cell, d = self.lvalue(e.obj)
            return f"{base}[{self.key_index(e.key, cell.keys[d], e.checked, e.span)}]", cell, d + 1
        raise NotInFragment("a map that is not a variable's", e.span)

    def key_index(self, k: T.Expr, kt: Type, checked: bool, span: Span) -> str:
        """The position of key `k` in a map over `kt` (failing outside, as a checked read does)."""
        return self.to_ord(self.ex(k), k.ty, self.reps.rep(kt, span), span, fail=True)

    def _x_MapGet(self, e: T.MapGet) -> str:
        text, cell, d = self.lvalue(e)
        if d != len(cell.dims):
            raise NotInFragment("a map-valued map read used as a value", e.span)
        return text

    def _x_Apply(self, e: T.Apply) -> str:
        sem = FNS[e.fn]
        if sem.c is None or len(e.args) != 1:
            raise NotInFragment(f"the builtin {sem.spelling}", e.span)
        (a,) = e.args
        r = self.reps.rep(a.ty, a.span)
        if not isinstance(r, SetRep):
            raise NotInFragment(f"{sem.spelling} of a value of type {a.ty.show()}", e.span)
        out = sem.c.format(self.ex(a))
        if sem.failure is not None:  # min/max: an ordinal
            if not isinstance(r.elem, Scalar) or r.elem.kind != "int" or not isinstance(e.ty, IntT):
                raise NotInFragment(f"{sem.spelling} of a set of type {a.ty.show()}", e.span)
            return f"({out} + {r.elem.lo})"
        if e.fn in (Fn.ANY, Fn.ALL) and not isinstance(r.elem, Scalar):
            raise NotInFragment(f"{sem.spelling} of a set of type {a.ty.show()}", e.span)
        return out

    def _x_Comp(self, e: T.Comp) -> str:
        kind = e.kind
        may_fail = self.analysis.comp_may_fail(e)
        label = self.fresh("_done")
        acc = self.fresh("_acc")
        if kind == Kind.ALL or kind == Kind.ANY:
            init, ctype = ("1" if kind == Kind.ALL else "0"), "int64_t"
            body = lambda: (f"if ({'!' if kind == Kind.ALL else ''}({self.ex(e.elem)})) "  # noqa: E731
                            f"{{ {acc} = {'0' if kind == Kind.ALL else '1'}; goto {label}; }}")
        elif kind == Kind.SET:
            r = self.reps.rep(e.ty, e.span)
            init, ctype = "PSET0", "pset"
            body = lambda: f"{acc} = pset_add({acc}, {self.ordinal(self.ex(e.elem), e.elem.ty, r.elem, e.elem.span)});"  # noqa: E731
        elif kind == Kind.SUM:
            self._scalar_operand(e.elem)
            init, ctype = "0", "int64_t"
            body = lambda: f"{acc} += {self.ex(e.elem)};"  # noqa: E731
        elif kind in (Kind.MIN, Kind.MAX):
            self._scalar_operand(e.elem)
            init, ctype = "0", "int64_t"
            have = self.fresh("_h")
            cmp = "<" if kind == Kind.MIN else ">"

            def body() -> str:
                x = self.fresh("_x")
                return f"{{ int64_t {x} = {self.ex(e.elem)}; if (!{have} || {x} {cmp} {acc}) {{ {acc} = {x}; {have} = 1; }} }}"
        else:
            raise NotInFragment(f"a {kind} comprehension", e.span)
        restrict: dict[int, str] = {}
        if kind in (Kind.ANY, Kind.ALL):
            # an element whose leading tag test is false leaves any()/all() as it was
            slots = [g.slot for g in e.gens] if not may_fail else [e.gens[-1].slot]
            restrict = {k: v for k, v in _leading_tags(e.elem, kind == Kind.ALL).items() if k in slots}
        loops = self.loops(e.gens, body, may_fail, e.span, restrict)
        pre = f"{ctype} {acc} = {init}; "
        if kind in (Kind.MIN, Kind.MAX):
            pre += f"int {have} = 0; "
            post = f"if (!{have}) FAIL(); "
        else:
            post = ""
        return f"({{ {pre}{loops} {label}: ; {post}{acc}; }})"

    def loops(self, gens, body, may_fail: bool, span: Span, restrict: dict[int, str] | None = None) -> str:
        """Nested loops over the generators' sets, in ordinal order, with their filters.
        `restrict`: gen slot -> the only union tag whose values can change the result; a gen's
        own leading tag filters are added. The set is masked to that variant's values (bits
        contiguous in the union's domain order), so the loop skips, in the same order, exactly
        the elements the reference rejects by a tag test that cannot fail."""
        if not gens:
            return body()
        restrict = dict(restrict or {})
        g = gens[0]
        r = self.reps.rep(g.iter.ty, g.span)
        if not isinstance(r, SetRep):
            raise NotInFragment(f"iteration over a value of type {g.iter.ty.show()}", g.span)
        if may_fail and not self.reps.ordered(r):
            raise NotInFragment(f"a comprehension that may fail over {g.iter.ty.show()} (its order differs)", g.span)
        it = self.fresh("_it")
        w = self.fresh("_w")
        b = self.fresh("_b")
        o = self.fresh("_o")
        self.local_reps[g.slot] = r.elem
        ct = self.ctype(r.elem)
        conds = " && ".join(f"({self.ex(c)})" for c in g.conds) or "1"
        inner = self.loops(gens[1:], body, may_fail, span, restrict)
        source = self.ex(g.iter)
        own = _leading_tags_of_conds(g.conds).get(g.slot)
        tag = own if own is not None else restrict.get(g.slot)
        if tag is not None and isinstance(r.elem, Scalar) and isinstance(r.ty.elem, UnionT):
            mask = self.pset_lit([i for i, v in enumerate(r.values) if v[0] == tag])
            source = f"pset_and({source}, {mask})"
        return (f"{{ pset {it} = {source}; for (int {w} = 0; {w} < PSET_W; {w}++) {{ uint64_t {b} = {it}.w[{w}]; "
                f"while ({b}) {{ int64_t {o} = 64 * {w} + __builtin_ctzll({b}); {b} &= {b} - 1; "
                f"{ct} L{g.slot} = {self.decode_elem(r, o)}; (void)L{g.slot}; if ({conds}) {{ {inner} }} }} }} }}")


def _leading_tags(e: T.Expr, negated: bool) -> dict[int, str]:
    """Local slot -> tag for the leading operands of `e` that test a local's tag: conjuncts
    `x is T` (or, `negated`, disjuncts `not (x is T)`), before any other operand (whose
    evaluation might fail, so the reference would reach it)."""
    parts = conjuncts(e) if not negated else _disjuncts(e)
    out: dict[int, str] = {}
    for p in parts:
        if negated:
            if not (isinstance(p, T.Unary) and p.op == Op.NOT):
                break
            p = p.operand
        if not (isinstance(p, T.IsTag) and isinstance(p.obj, T.Local)):
            break
        out.setdefault(p.obj.slot, p.tag)
    return out


def _leading_tags_of_conds(conds: tuple) -> dict[int, str]:
    out: dict[int, str] = {}
    for c in conds:
        tags = _leading_tags(c, False)
        for k, v in tags.items():
            out.setdefault(k, v)
        if len(tags) == 0 or any(not (isinstance(p, T.IsTag) and isinstance(p.obj, T.Local)) for p in conjuncts(c)):
            break
    return out


def _disjuncts(e: T.Expr) -> list[T.Expr]:
    if isinstance(e, T.Binary) and e.op == Op.OR:
        return [d for x in chain_operands(e) for d in _disjuncts(x)]
    return [e]


class _NoFold:
    pass


_NOFOLD = _NoFold()
