"""Module assembly: the generated successors and invariant functions, compiled, with the closure fallback.

`generate_successors` emits one function that unpacks the state tuple into locals once, then,
for each action, loops over its parameter instances (or, for few instances, one copy of the
body per instance) and appends `(instance, next state)` pairs. Leading requires and lets are
hoisted to the outermost parameter loop they depend on. An action that cannot be generated
within bounds (or that Python cannot compile) runs its closures instead.
"""

from __future__ import annotations

from typing import Any, Callable

from pyspec.explicit.codegen.emit import _negate
from pyspec.explicit.codegen.stmts import StmtEmitter, _Unsupported
from pyspec.lang import typed as T
from pyspec.lang.analysis import facts_true as _tag_facts
from pyspec.lang.types import domain

UNROLL_MAX = 16  # an action with at most this many instances gets one body per instance
UNROLLED_LINES = 4_000  # an unrolled action past this size is generated as loops instead
MAX_ACTION_LINES = 20_000  # past this, an action keeps its closures (continuations duplicated too often)


class _Gen(StmtEmitter):
    """Emits the Python source of one module: the successors function and invariant checks.

    The layers it inherits, one module each: expressions (`emit.ExprEmitter`), loops
    (`loops.LoopEmitter`), statements (`stmts.StmtEmitter`)."""


def _stmt_deps(gen: _Gen, s: T.Stmt) -> frozenset | None:
    if isinstance(s, T.Require):
        return gen.deps(s.cond)
    if isinstance(s, T.Let):
        return gen.deps(s.value)
    return None


class Generated:
    """A generated function with its source and namespace (for inspection and tests)."""

    def __init__(self, fn: Callable, source: str, fallback: tuple[str, ...] = ()) -> None:
        self.fn = fn
        self.source = source
        self.fallback = fallback  # actions left to the closure engine


def _compile(gen: _Gen, name: str) -> tuple[Callable, str]:
    source = "\n".join(gen.lines) + "\n"
    code = compile(source, f"<pyspec codegen {gen.spec.name}>", "exec")
    ns = dict(gen.globals)
    exec(code, ns)
    return ns[name], source


def generate_successors(compiled) -> Generated:
    """`successors(state) -> [(instance, next state), ...]` for `compiled` (a CompiledSpec),
    in the closure engine's order; an action that cannot be generated runs its closures."""
    spec: T.CheckedSpec = compiled.spec
    gen = _Gen(spec)
    gen.emit("def successors(state):")
    gen.ind = 1
    nvars = len(spec.vars)
    if nvars:
        gen.emit(", ".join(f"s{i}" for i in range(nvars)) + ", = state")
    gen.emit("out = []")
    gen.emit("_app = out.append")
    prologue = len(gen.lines)
    fallback = []
    base = 0
    for ai, a in enumerate(spec.actions):
        doms = [domain(f.ty) for f in a.formals]
        count = 1
        for d in doms:
            count *= len(d)
        start = len(gen.lines)
        for unroll in (True, False) if count <= UNROLL_MAX else (False,):
            try:
                _action(gen, a, doms, base, unroll)
                # Python's own limits (nested loops, indentation) show only when compiling
                compile("def _probe(state):\n" + "\n".join(gen.lines[start:]) + "\n", "<probe>", "exec")
                break
            except (_Unsupported, RecursionError, SyntaxError):
                del gen.lines[start:]
        else:
            gen.ind = 1
            runner = _closure_runner(compiled, ai, base, count)
            gen.emit(f"{gen.const(runner, '_closure')}(state, _app)")
            fallback.append(a.name)
        base += count
    gen.ind = 1
    gen.emit("return out")
    _declare_caches(gen, prologue)
    fn, source = _compile(gen, "successors")
    return Generated(fn, source, tuple(fallback))


def generate_invariants(compiled, names: tuple[str, ...]) -> Generated:
    """`check(state)` -> the name of the first invariant in `names` that fails, or None."""
    gen = _Gen(compiled.spec)
    gen.emit("def first_failing(state):")
    gen.ind = 1
    nvars = len(gen.spec.vars)
    if nvars:
        gen.emit(", ".join(f"s{i}" for i in range(nvars)) + ", = state")
    prologue = len(gen.lines)
    fallback = []
    for n in names:
        inv = gen.spec.invariant(n)
        assert inv is not None, "callers pass names of the spec's invariants"
        gen.known_tags = {}
        start = len(gen.lines)
        try:
            x = gen.ex(inv.expr)
            gen.emit(f"if {_negate(x)}: return {n!r}")
            # Python's own limits (nesting of brackets and blocks) show only when compiling
            compile("def _probe(state):\n" + "\n".join(gen.lines[start:]) + "\n", "<probe>", "exec")
        except (RecursionError, SyntaxError, MemoryError):
            del gen.lines[start:]
            gen.ind = 1
            gen.emit(f"if not {gen.const(compiled.invariants[n], '_closure')}([state, None, None] + [None] * {compiled._inv_nlocals}): "
                     f"return {n!r}")
            fallback.append(n)
    gen.emit("return None")
    _declare_caches(gen, prologue)
    fn, source = _compile(gen, "first_failing")
    return Generated(fn, source, tuple(fallback))


def _declare_caches(gen: _Gen, at: int) -> None:
    names = sorted(set(gen.caches.values()))
    if names:
        gen.lines.insert(at, "    " + " = ".join(names) + " = None")


def _action(gen: _Gen, a: T.Action, doms, base: int, unroll: bool) -> None:
    """One action's instances: nested loops over its parameters' domains, or, when `unroll`,
    one copy of the body per instance with the arguments as literals."""
    gen.ind = 1
    gen.emit(f"# action {a.name}")
    gen.nxt, gen.known_tags, gen.rename = {}, {}, {}
    gen.limit = len(gen.lines) + (UNROLLED_LINES if unroll else MAX_ACTION_LINES)
    # leading requires and lets move out to the outermost parameter loop they depend on
    nf = len(a.formals)
    slots = [f.slot for f in a.formals]
    levels: list[list[T.Stmt]] = [[] for _ in range(nf + 1)]
    body = a.body
    i = 0
    if all(doms):  # (with an empty domain the reference never evaluates them)
        level = 0
        while i < len(body):
            d = _stmt_deps(gen, body[i])
            if d is None or "next" in d or any(x not in slots and x != "state" for x in d):
                break
            level = max(level, max((slots.index(x) + 1 for x in d if x in slots), default=0))
            if level >= nf:
                break
            levels[level].append(body[i])
            i += 1
    rest = body[i:]
    strides = []
    stride = 1
    for d in reversed(doms):
        strides.append(stride)
        stride *= len(d)
    strides.reverse()
    nvars = len(gen.spec.vars)

    def finish(offset: int, names: tuple[str, ...]) -> Callable[[], None]:
        inst = " + ".join(names + ((str(offset),) if offset or not names else ()))
        return lambda: gen.emit(
            f"_app(({inst}, (" + "".join(gen.nxt.get(v, f"s{v}") + ", " for v in range(nvars)) + ")))"
        )

    def run(k: int, offset: int, names: tuple[str, ...]) -> None:
        ind, tags = gen.ind, dict(gen.known_tags)
        _leading(gen, levels[k])
        if k == nf:
            gen.block(rest, 0, finish(offset, names))
        else:
            f, d = a.formals[k], doms[k]
            if unroll:
                for j, v in enumerate(d):
                    gen.rename[f.slot] = gen.const(v)
                    run(k + 1, offset + j * strides[k], names)
                del gen.rename[f.slot]
            else:
                pairs = tuple((v, j * strides[k]) for j, v in enumerate(d))
                gen.emit(f"for L{f.slot}, _i{k} in {gen.const(pairs, '_inst')}:")
                gen.ind += 1
                run(k + 1, offset, names + (f"_i{k}",))
        gen.ind, gen.known_tags = ind, tags

    run(0, base, ())
    if len(gen.lines) > gen.limit:
        raise _Unsupported("generated code too large")


def _leading(gen: _Gen, stmts: list[T.Stmt]) -> None:
    for s in stmts:
        if isinstance(s, T.Require):
            gen.guard_nest(s.cond)
            gen.known_tags.update(_tag_facts(s.cond))
        else:
            assert isinstance(s, T.Let), "only requires and lets are hoisted"
            gen.emit(f"L{s.slot} = {gen.ex(s.value)}")


def _closure_runner(compiled, ai: int, base: int, count: int):
    """Runs one action's instances through the closure engine, appending to `app`."""
    from pyspec.explicit.evaluator import LOCALS

    a = compiled.spec.actions[ai]
    run = compiled._runs[ai]
    rows: list[tuple[int, list[Any]]] = []
    for inst in range(base, base + count):
        _, args = compiled.instances[inst]
        prefix = [None, None, None] + [None] * compiled._nlocals[ai]
        for f, v in zip(a.formals, args):
            prefix[LOCALS + f.slot] = v
        rows.append((inst, prefix))
    plan = tuple(rows)

    def runner(state, app):
        for inst, prefix in plan:
            env = prefix[:]
            env[0] = state
            res = env[2] = []
            run(env)
            for s in res:
                app((inst, s))

    return runner
