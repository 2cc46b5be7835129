"""The native module of a spec: its C source assembled, built by the system C compiler into a
cache directory (keyed by a hash of the source and the command), and loaded with ctypes.

The cache is $PYSPEC_CACHE_DIR, else $XDG_CACHE_HOME/pyspec/native, else ~/.cache/pyspec/native;
a module is written under a temporary name and renamed, so that two runs never read half a file.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass

from pyspec.errors import UsageError
from pyspec.explicit.native.module_c import ModuleEmitter
from pyspec.explicit.native.reps import Cell, NotInFragment, Scalar, SetRep
from pyspec.explicit.native.runtime_c import HEADER, PRELUDE, SEARCH
from pyspec.lang import typed as T
from pyspec.lang.types import domain

CFLAGS = ("-O2", "-shared", "-fPIC", "-w")


@dataclass
class Module:
    """A built module: the ctypes library, the cells of its state layout and the key size."""

    lib: ctypes.CDLL
    cells: tuple[Cell, ...]
    keybytes: int
    source: str
    path: str
    compile_seconds: float  # 0.0 when the cache had it

    def pack(self, state: tuple) -> bytes:
        """The packed key of a Python state (as the C `pack` writes it)."""
        out = bytearray()
        for c, v in zip(self.cells, state):
            for x in _flatten(v, len(c.dims)):
                if isinstance(c.base, SetRep):
                    bits = 0
                    for e in x:
                        bits |= 1 << c.base.index[e]
                    out += bits.to_bytes(c.nbytes, "little")
                else:
                    out += c.base.ordinal_of(x).to_bytes(c.nbytes, "little")
        return bytes(out) or b"\0"

    def successors(self, state: tuple) -> list[tuple[int, tuple]] | None:
        """The C module's (instance, next state) pairs of `state`, in order; None when C fails to
        evaluate them (the reference engine raises there). For the differential tests."""
        stride = (self.keybytes + 7) // 8 * 8
        cap = 64
        while True:
            out = ctypes.create_string_buffer(cap * stride)
            insts = (ctypes.c_int64 * cap)()
            n = self.lib.ps_successors(self.pack(state), out, insts, cap)
            if n < 0:
                return None
            if n <= cap:
                raw = out.raw
                return [(insts[i], self.unpack(raw[i * stride:i * stride + self.keybytes])) for i in range(n)]
            cap = n

    def first_failing(self, state: tuple) -> int | None:
        """The index of the first invariant false in `state` (-1: none), None when C fails to evaluate them."""
        k = self.lib.ps_first_failing(self.pack(state))
        return None if k == -2 else int(k)

    def unpack(self, key: bytes) -> tuple:
        """The Python state of a packed key (values from the types' domains, as the reference's)."""
        at = 0
        state = []
        for c in self.cells:
            flat = []
            for _ in range(c.count):
                raw = int.from_bytes(key[at:at + c.nbytes], "little")
                at += c.nbytes
                if isinstance(c.base, SetRep):
                    vals = c.base.values
                    flat.append(frozenset(vals[i] for i in range(c.base.size) if raw >> i & 1))
                else:
                    flat.append(c.base.values[raw])
            state.append(_fold(flat, c.dims))
        return tuple(state)


def _flatten(v, depth: int):
    if depth == 0:
        yield v
        return
    for x in v:
        yield from _flatten(x, depth - 1)


def _fold(flat: list, dims: tuple[int, ...]):
    if not dims:
        return flat[0]
    size = len(flat) // dims[0]
    return tuple(_fold(flat[i * size:(i + 1) * size], dims[1:]) for i in range(dims[0]))


def source(spec: T.CheckedSpec, invariants: tuple[str, ...], reachables: tuple[str, ...]) -> tuple[str, ModuleEmitter]:
    """The C source of the spec's module; raises NotInFragment."""
    if spec.constraints:
        raise NotInFragment("a `constraint` (the native search expands every state)", spec.constraints[0].span)
    em = ModuleEmitter(spec)
    try:
        em.successors(None)
        em.predicates("invariant_holds", [_invariant(spec, n).expr for n in invariants])
        em.predicates("reach_true", [_reachable(spec, n).expr for n in reachables])
    except RecursionError:  # the emitter recurses once per operator: a chain of thousands
        raise NotInFragment("an expression nested too deeply for the C emitter") from None
    total = 0
    for a in spec.actions:
        ninst = 1
        for f in a.formals:
            ninst *= len(domain(f.ty))
        total += ninst
    head = [f"#define PSET_W {em.reps.words}", f"#define KEYBYTES {em.keybytes}", f"#define NINST {total}",
            f"#define NINV {len(invariants)}", f"#define NREACH {len(reachables)}"]
    body = em.lines
    first = ["static int first_failing(const St *s) {",
             f"for (int k = 0; k < NINV; k++) if (!invariant_holds(s, k)) return k;", "return -1; }"]
    packing = em.pack_unpack()  # (before the tables are written: it may add some)
    text = "\n".join(head + [HEADER] + em.layout() + [PRELUDE] + em.pset_decls() + em.enum_decls() + em.tables
                     + packing + body + first + [SEARCH])
    return text, em


def _invariant(spec: T.CheckedSpec, name: str) -> T.Invariant:
    inv = spec.invariant(name)
    assert inv is not None, "callers pass the spec's invariants"
    return inv


def _reachable(spec: T.CheckedSpec, name: str):
    for r in spec.reachables:
        if r.name == name:
            return r
    raise AssertionError(name)


def cache_dir() -> str:
    d = os.environ.get("PYSPEC_CACHE_DIR")
    if not d:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        d = os.path.join(base, "pyspec", "native")
    return d


def compiler() -> str:
    """The C compiler: $CC, else `cc`; UsageError (PS650) when there is none."""
    cc = os.environ.get("CC", "cc")
    path = shutil.which(cc)
    if path is None:
        raise UsageError(f"--backend c needs a C compiler, and '{cc}' is not on the PATH",
                         hint="install one (Debian: apt-get install gcc) or set CC, or leave --backend c out",
                         code="PS650")
    return path


def build(spec: T.CheckedSpec, invariants: tuple[str, ...], reachables: tuple[str, ...]) -> Module:
    """Generate, compile (or find in the cache) and load the spec's module."""
    text, em = source(spec, invariants, reachables)
    cc = compiler()
    digest = hashlib.sha256((text + "\0" + " ".join(CFLAGS) + "\0" + cc).encode()).hexdigest()[:24]
    d = cache_dir()
    os.makedirs(d, exist_ok=True)
    so = os.path.join(d, f"{spec.name}-{digest}.so")
    seconds = 0.0
    if not os.path.exists(so):
        t0 = time.perf_counter()
        fd, csrc = tempfile.mkstemp(suffix=".c", dir=d)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        tmp = so + f".{os.getpid()}.tmp"
        proc = subprocess.run([cc, *CFLAGS, "-o", tmp, csrc], capture_output=True, text=True)
        os.unlink(csrc)
        if proc.returncode != 0:
            raise RuntimeError(f"the C compiler rejected the generated module of {spec.name}:\n{proc.stderr[:4000]}")
        os.replace(tmp, so)
        seconds = time.perf_counter() - t0
    lib = ctypes.CDLL(so)
    _declare(lib)
    return Module(lib, em.cells, em.keybytes, text, so, seconds)


def _declare(lib: ctypes.CDLL) -> None:
    p, i64, i32 = ctypes.c_void_p, ctypes.c_int64, ctypes.c_int
    sig = {
        "ps_new": (p, [i64]), "ps_free": (None, [p]), "ps_add_initial": (i64, [p, ctypes.c_char_p]),
        "ps_reached": (None, [p, i32]), "ps_run": (i32, [p, i64, i32]), "ps_count": (i64, [p]),
        "ps_head": (i64, [p]), "ps_depth": (i64, [p]), "ps_index": (i64, [p]), "ps_prop": (i64, [p]),
        "ps_transitions": (i64, [p]), "ps_parent": (i64, [p, i64]), "ps_via": (i64, [p, i64]),
        "ps_key": (None, [p, i64, ctypes.c_char_p]), "ps_fired": (None, [p, ctypes.c_char_p]),
        "ps_reach_index": (i64, [p, i32]), "ps_reach_depth": (i64, [p, i32]), "ps_bytes": (i64, [p]),
        "ps_successors": (i64, [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(i64), i64]),
        "ps_first_failing": (i64, [ctypes.c_char_p]),
    }
    for name, (res, args) in sig.items():
        fn = getattr(lib, name)
        fn.restype = res
        fn.argtypes = args


__all__ = ["Module", "NotInFragment", "Scalar", "build", "cache_dir", "compiler", "source"]
