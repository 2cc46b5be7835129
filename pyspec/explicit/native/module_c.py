"""Statements and the module of the native back end: action bodies as C blocks (every path ends
in its own `emit` of the next state), the successors function over the action instances in the
reference's order, the invariant and reachable predicates, and the state's struct and packing."""

from __future__ import annotations

from pyspec.errors import Span
from pyspec.explicit.native.emit_c import Emitter
from pyspec.explicit.native.reps import MAX_LINES, NotInFragment, Scalar, SetRep
from pyspec.lang import typed as T
from pyspec.lang.types import Type, domain


class ModuleEmitter(Emitter):
    """The expression emitter, with statements and the module's functions."""

    # ---- statements -----------------------------------------------------------------------------

    def emit(self, s: str) -> None:
        self.lines.append(s)
        if len(self.lines) > MAX_LINES:
            raise NotInFragment("an action whose generated C is too large")

    def block(self, stmts: tuple, i: int, finish) -> None:
        """Emit stmts[i:] then `finish()`; every path ends in its own `finish` (an `if` gets
        the rest of the block in each branch), so the next state `t` is only ever written along
        the path that emits it."""
        if i == len(stmts):
            finish()
            return
        s = stmts[i]
        if isinstance(s, T.Require):
            self.emit(f"if ({self.ex(s.cond)}) {{")
            self.block(stmts, i + 1, finish)
            self.emit("}")
        elif isinstance(s, T.Let):
            r = self.reps.rep(s.value.ty, s.span)
            self.emit("{")
            self.emit(f"{self.ctype(r)} L{s.slot} = {self.ex(s.value)};")
            self.local_reps[s.slot] = r
            self.block(stmts, i + 1, finish)
            self.emit("}")
        elif isinstance(s, T.Assign):
            self.assign(s)
            self.block(stmts, i + 1, finish)
        elif isinstance(s, T.Choose):
            self.choose(s, lambda: self.block(stmts, i + 1, finish))
        elif isinstance(s, T.If):
            saved = self.fresh("_sv")
            self.emit(f"{{ St {saved} = *t; if ({self.ex(s.cond)}) {{")
            self.block(s.then + stmts[i + 1:], 0, finish)
            self.emit(f"}} else {{ *t = {saved};")
            self.block(s.orelse + stmts[i + 1:], 0, finish)
            self.emit(f"}} *t = {saved}; }}")
        else:
            raise NotInFragment(f"the statement {type(s).__name__}", getattr(s, "span", None))

    def check(self, ty: Type | None, x: str, xt: Type, span: Span) -> str:
        """C statements failing when the value `x` (of static type `xt`) is outside `ty`."""
        if ty is None:
            return ""
        r = self.reps.rep(ty, span)
        if isinstance(r, Scalar) and r.kind in ("int", "enum"):
            return f"if ({self.to_ord(x, xt, r, span)} < 0) FAIL(); "
        if self.compatible(self.reps.rep(xt, span), r):
            return ""
        raise NotInFragment(f"a value of type {xt.show()} stored where {ty.show()} is expected", span)

    def assign(self, s: T.Assign) -> None:
        cell = self.cells[s.var]
        if len(s.path) != len(cell.dims):
            raise NotInFragment("a map assigned as a whole", s.span)
        target = f"t->v{s.var}"
        for ke, mt in zip(s.path, s.path_types):
            target += f"[{self.key_index(ke, mt.key, True, s.span)}]"
        r = cell.base
        if not self.compatible(r, self.reps.rep(s.value.ty, s.span)):
            raise NotInFragment(f"a value of type {s.value.ty.show()} assigned to {s.name}", s.span)
        v = self.fresh("_a")
        chk = self.check(s.check, v, s.value.ty, s.span)
        self.emit(f"{{ {self.ctype(r)} {v} = {self.ex(s.value)}; {chk}{target} = {v}; }}")

    def choose(self, s: T.Choose, rest) -> None:
        r = self.reps.rep(s.domain.ty, s.span)
        assert isinstance(r, SetRep)
        if not self.reps.ordered(r):
            raise NotInFragment(f"a choice from {s.domain.ty.show()} (its order differs from the reference's)", s.span)
        it, w, b, o, saved = (self.fresh(x) for x in ("_it", "_w", "_b", "_o", "_sv"))
        ct = self.ctype(r.elem)
        self.emit(f"{{ pset {it} = {self.ex(s.domain)}; St {saved} = *t; for (int {w} = 0; {w} < PSET_W; {w}++) "
                  f"{{ uint64_t {b} = {it}.w[{w}]; while ({b}) {{ int64_t {o} = 64 * {w} + __builtin_ctzll({b}); "
                  f"{b} &= {b} - 1; *t = {saved};")
        x = self.fresh("_c")
        self.emit(f"{ct} {x} = {self.decode_elem(r, o)};")
        if s.var is None:
            assert s.slot is not None
            self.local_reps[s.slot] = r.elem
            self.emit(f"{ct} L{s.slot} = {x}; (void)L{s.slot};")
        else:
            cell = self.cells[s.var]
            if cell.dims:
                raise NotInFragment(f"a map {s.name}' chosen as a whole", s.span)
            if not self.compatible(cell.base, r.elem):
                raise NotInFragment(f"a value of type {r.ty.elem.show()} chosen for {s.name}'", s.span)
            self.emit(self.check(s.check, x, r.ty.elem, s.span) + f"t->v{s.var} = {x};")
        rest()
        self.emit("} } *t = " + saved + "; }")

    # ---- the module -----------------------------------------------------------------------------

    def successors(self, instances) -> None:
        self.emit("static void successors(const St *s, Ctx *ctx) {")
        self.emit("St tt = *s; St *t = &tt;")
        base = 0
        for a in self.spec.actions:
            doms = [domain(f.ty) for f in a.formals]
            reps = [self.reps.rep(f.ty, a.span) for f in a.formals]
            count = 1
            for d in doms:
                count *= len(d)
            self.emit(f"/* action {a.name} */ {{")
            strides, stride = [], 1
            for d in reversed(doms):
                strides.append(stride)
                stride *= len(d)
            strides.reverse()
            idx = []
            for f, d, r in zip(a.formals, doms, reps):
                i = self.fresh("_p")
                self.emit(f"for (int64_t {i} = 0; {i} < {len(d)}; {i}++) {{")
                self.emit(f"{self.ctype(r)} L{f.slot} = {self.from_ord(r, i)}; (void)L{f.slot};")
                self.local_reps[f.slot] = r
                idx.append(i)
            inst = " + ".join([str(base)] + [f"{i} * {st}" for i, st in zip(idx, strides)])
            self.emit("*t = *s;")
            self.block(a.body, 0, lambda: self.emit(f"emit(ctx, {inst}, t);"))
            self.emit("}" * len(a.formals) + " }")
            base += count
        self.emit("}")

    def predicates(self, name: str, exprs: list[T.Expr]) -> None:
        self.emit(f"static int {name}(const St *s, int k) {{")
        self.emit("switch (k) {")
        for k, x in enumerate(exprs):
            self.emit(f"case {k}: return ({self.ex(x)}) ? 1 : 0;")
        self.emit("}")
        self.emit("return 0; }")

    def layout(self) -> list[str]:
        out = ["typedef struct {"]
        for c in self.cells:
            dims = "".join(f"[{d}]" for d in c.dims)
            out.append(f"    {self.ctype(c.base)} v{c.var}{dims};")
        if not self.cells:
            out.append("    int64_t _none;")
        out.append("} St;")
        return out

    def pack_unpack(self) -> list[str]:
        pk = ["static void pack(const St *s, uint8_t *k) {", "uint8_t *p = k;"]
        up = ["static void unpack(const uint8_t *k, St *s) {", "const uint8_t *p = k;", "memset(s, 0, sizeof *s);"]
        for c in self.cells:
            flat = f"((({self.ctype(c.base)} *)&s->v{c.var}))" if c.dims else None
            for j in range(c.count):
                ref = f"{flat}[{j}]" if flat else f"s->v{c.var}"
                if isinstance(c.base, SetRep):
                    pk.append(f"memcpy(p, {ref}.w, {c.nbytes}); p += {c.nbytes};")
                    up.append(f"memcpy({ref}.w, p, {c.nbytes}); p += {c.nbytes};")
                else:
                    b = c.base
                    o = f"{ref} - {b.lo}" if b.kind == "int" else f"{self.enum_ordinals(b)}[{ref}]" if b.kind == "enum" else ref
                    pk.append(f"{{ uint64_t o = (uint64_t)({o}); memcpy(p, &o, {c.nbytes}); p += {c.nbytes}; }}")
                    up.append(f"{{ uint64_t o = 0; memcpy(&o, p, {c.nbytes}); {ref} = {self.from_ord(b, '(int64_t)o')}; "
                              f"p += {c.nbytes}; }}")
        pk.append("}")
        up.append("}")
        return pk + up

    @property
    def keybytes(self) -> int:
        return max(1, sum(c.nbytes * c.count for c in self.cells))
