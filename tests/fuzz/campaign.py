"""A fuzz campaign against both command-line tools: no input may cause an internal error (exit 70
or an exception escaping `main`), and no run may outlast its limits.

Inputs, all derived from a seed (the same seed gives the same inputs):

- spec: a library spec, a tutorial or docs example, or an error-test snippet, mutated (tokens and
  lines deleted, duplicated, swapped; characters and spec keywords inserted), then checked with
  `pyspec check` (explicit, bounded), now and then `show`, `bmc`, `simulate` or `prove`;
- grammar: a random spec assembled from grammar-shaped pieces (declarations, types, statements,
  expressions), checked the same way;
- mapping: an example tracecheck mapping mutated as text, validated against its sample logs;
- log: an example log corrupted (truncated, bytes flipped, lines duplicated or dropped, deep
  JSON, huge numbers, wrong field types, lists of lists, a damaged gzip stream), validated with
  its mapping.

Run a campaign:  .venv/bin/python -m tests.fuzz.campaign --inputs 100000 --seed 1 [--jobs 2]
It prints the count per kind and exit code, and writes every failing input to --crashes DIR.
`make fuzz` runs the documented campaign; tests/fuzz/test_campaign.py runs a small fixed one.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import json
import multiprocessing
import random
import re
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TIME_LIMIT = 2.0  # what every run is given (--time-limit / --timeout)
GRACE = 8.0  # a run that takes longer than its limit plus this is a hang
MAX_MEMORY = 3000  # MB: every run's --max-memory
WORKER_MEMORY = 8 << 30  # bytes of address space per worker (see _cap_address_space)

SMALL = {"N": "2", "NA": "2", "NV": "2", "MaxBallot": "1", "MaxToken": "1"}
KEYWORDS = (
    "spec param type var init action invariant def include require let if elif else in not and or "
    "implies all any min max len sum subsets set map bool int unknown reachable True False is for"
).split()
ODD = list("'\"()[]{}:;,.|&\\#=<>+-*/%!@$?~`^ \t\n\r\x00_0N") + ["\u00a0", "\ufeff", "é", '"""', "    ", "..", "//"]
TOKEN = re.compile(r'"""(?:.|\n)*?"""|"[^"\n]*"|[A-Za-z_][A-Za-z0-9_]*\'?|[0-9]+|\.\.|//|->|[=!<>]=|\S')


@dataclass(frozen=True)
class Case:
    kind: str
    files: dict[str, bytes]  # name -> content, written to a fresh directory
    argv: tuple[str, ...]  # tool name first; {dir} is replaced by the directory
    note: str


# ---- corpora -----------------------------------------------------------------------------------


def _spec_corpus() -> list[tuple[str, str]]:
    out = [(p.name, p.read_text()) for p in sorted((ROOT / "specs").glob("*.spec"))]
    for p in sorted((ROOT / "examples").rglob("*.spec")):
        out.append((p.name, p.read_text()))
    for doc in sorted((ROOT / "docs").glob("*.md")):
        for i, block in enumerate(re.findall(r"```pyspec[^\n]*\n(.*?)```", doc.read_text(), re.S)):
            out.append((f"{doc.stem}-{i}.spec", block))
    return out


def _includes() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((ROOT / "specs").glob("*.spec"))}


MAPPINGS = (
    ("examples/tracecheck/leader_election.toml", "examples/tracecheck/sample", "*.jsonl"),
    ("examples/tracecheck/leader_election_text.toml", "examples/tracecheck/sample-text", "*.log"),
    ("examples/systems/election.toml", "examples/docs/systems/election-pause", "*.jsonl"),
    ("examples/systems/lease_lock.toml", "examples/docs/systems/lease-pause-write", "*.jsonl"),
)


# ---- mutations ---------------------------------------------------------------------------------


def mutate_text(rng: random.Random, text: str) -> str:
    for _ in range(rng.choice((1, 1, 2, 3))):
        op = rng.randrange(8)
        lines = text.split("\n")
        if op == 0 and lines:  # delete a line
            del lines[rng.randrange(len(lines))]
            text = "\n".join(lines)
        elif op == 1 and lines:  # duplicate a line
            i = rng.randrange(len(lines))
            lines.insert(i, lines[i])
            text = "\n".join(lines)
        elif op == 2 and len(lines) > 1:  # swap two lines
            i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
        else:
            toks = [m for m in TOKEN.finditer(text)]
            if not toks:
                return text + rng.choice(ODD)
            m = rng.choice(toks)
            a, b = m.span()
            if op == 3:  # delete a token
                text = text[:a] + text[b:]
            elif op == 4:  # duplicate a token
                text = text[:b] + " " + m.group() + text[b:]
            elif op == 5:  # replace a token by a keyword or another token
                other = rng.choice(KEYWORDS) if rng.random() < 0.5 else rng.choice(toks).group()
                text = text[:a] + other + text[b:]
            elif op == 6:  # insert an odd character
                text = text[:a] + rng.choice(ODD) + text[a:]
            else:  # a number made huge or negative
                if m.group().isdigit():
                    text = text[:a] + rng.choice(("2000000", "-7", "99999999999999999999", "0")) + text[b:]
                else:
                    text = text[:a] + rng.choice(ODD) + text[b:]
    return text


_TYPES = ("bool", "0 .. 3", "-2 .. 2", "P", "set[P]", "map[P, bool]", "map[P, 0 .. 2]", "{\"a\", \"b\"}",
          "(P, bool)", "M", "set[M]", "set[0 .. 2000000]", "map[set[0 .. 13], bool]")
# expressions by type, so that most random specs type-check and reach the engines
_POOL = {
    "int": ("0", "1", "x", "y", "x + 1", "x - y", "x * y", "x // y", "x % 2", "len(s)", "min(s)", "max(s | {0})",
            "sum(p for p in P)", "q.f", "(x if b else y)", "min(x, y)", "len(t)", "K"),
    "bool": ("True", "False", "b", "not b", "x in s", "all(m[p] for p in P)", "any(r.f == 0 for r in t)",
             "q is A", "b implies m[0]", "x < y", "m[x]", "len(t) > 0", "s <= {0, 1}", "q == B()",
             "all(r is A and r.f > 0 for r in t)", "any(m[p] and p in s for p in P)"),
    "set": ("s", "{}", "s | {1}", "s - {0}", "{p for p in P if m[p]}", "{x}", "s & {1, 2}", "0 .. x"),
    "map": ("m", "{p: False for p in P}", "{p: m[p] or b for p in P}", "{p: p in s for p in P}"),
    "M": ("q", "A(f=1)", "B()", "A(f=x)", "A(f=y % 3)"),
    "setM": ("t", "{}", "t | {q}", "{A(f=0), B()}", "{r for r in t if r is A}"),
}
_STMTS = (("require {bool}",), ("x' = {int}",), ("y' = {int}",), ("b' = {bool}",), ("s' = {set}",),
          ("m'[{int}] = {bool}",), ("q' = {M}",), ("t' = {setM}",), ("x' in {set}",), ("z in {set}", "y' = z"),
          ("z = {int}", "x' = z"), ("if {bool}:", "    x' = {int}", "else:", "    b' = {bool}"))


def _fill(rng: random.Random, template: str) -> str:
    for kind in _POOL:
        while "{" + kind + "}" in template:
            template = template.replace("{" + kind + "}", rng.choice(_POOL[kind]), 1)
    return template


def random_spec(rng: random.Random) -> str:
    out = ["spec Fuzz", f"param K: int = {rng.choice((1, 2, 2, 3))}", "type P = 0 .. K", "type M = A(f: 0 .. 2) | B()"]
    decls = [("x", "0 .. 3"), ("y", "0 .. 3"), ("b", "bool"), ("s", "set[P]"), ("m", "map[P, bool]"),
             ("q", "M"), ("t", "set[M]")]
    for name, ty in decls:
        out.append(f"var {name}: {ty if rng.random() < 0.95 else rng.choice(_TYPES)}")
    out.append("init:")
    inits = {"x": "0", "y": "1", "b": "False", "s": "{}", "m": "{p: False for p in P}", "q": "B()", "t": "{}"}
    for name, _ in decls:
        out.append(f"    {name} = {inits[name]}" if rng.random() < 0.9 or name not in "xy" else f"    {name} in {{0, 1, 3}}")
    for k in range(rng.randrange(1, 4)):
        params = rng.choice(("", "p: P", "p: P, v: bool", "a: 0 .. 2", f"a: {rng.choice(_TYPES)}"))
        out.append(f"action Act{k}({params}):")
        for _ in range(rng.randrange(1, 4)):
            for line in rng.choice(_STMTS):
                out.append("    " + _fill(rng, line))
    if rng.random() < 0.4:
        out.append(f"def d(n) = n + {rng.choice(_POOL['int'])}")
    for k in range(rng.randrange(1, 3)):
        out.append(f"invariant I{k}: {_fill(rng, '{bool}')}")
    text = "\n".join(out) + "\n"
    return mutate_text(rng, text) if rng.random() < 0.25 else text


def corrupt_log(rng: random.Random, data: bytes) -> bytes:
    lines = data.split(b"\n")
    op = rng.randrange(10)
    i = rng.randrange(len(lines))
    if op == 0:
        return data[: rng.randrange(len(data) + 1)]
    if op == 1 and data:
        b = bytearray(data)
        for _ in range(rng.randrange(1, 5)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        return bytes(b)
    if op == 2:
        lines.insert(i, lines[i])
    elif op == 3:
        del lines[i]
    elif op == 4:
        depth = rng.choice((50, 5000, 200000))
        lines.insert(i, b"[" * depth + b"]" * depth)
    elif op == 5:
        lines[i] = re.sub(rb"\d+", lambda m: rng.choice((b"1e999", b"99999999999999999999999", b"-1", b"NaN")), lines[i], count=1)
    elif op == 6:
        lines[i] = re.sub(rb'\[[^\]]*\]', b"[[1, 2], [3]]", lines[i], count=1)
    elif op == 7:
        lines[i] = re.sub(rb'(true|false|\d+)', lambda m: rng.choice((b'"x"', b"null", b"{}", b"[]", b"true")), lines[i], count=1)
    elif op == 8:
        lines[i] = lines[i] + rng.choice((b"\x00", b"\xff\xfe", b"}", b" trailing", b"\r"))
    else:
        gz = gzip.compress(data)
        if len(gz) > 20:
            b = bytearray(gz)
            b[rng.randrange(10, len(b))] ^= 0xFF
            return bytes(b)
        return gz
    return b"\n".join(lines)


# ---- cases -------------------------------------------------------------------------------------


def make_case(rng: random.Random, corpus, includes) -> Case:
    roll = rng.random()
    if roll < 0.45:
        name, src = rng.choice(corpus)
        return _spec_case(rng, "spec", mutate_text(rng, src), includes, name)
    if roll < 0.70:
        return _spec_case(rng, "grammar", random_spec(rng), {}, "random")
    mapping, logdir, pattern = rng.choice(MAPPINGS)
    logs = {p.name: p.read_bytes() for p in sorted((ROOT / logdir).glob(pattern))}
    mtext = (ROOT / mapping).read_text()
    files: dict[str, bytes] = dict(logs)
    kind = "log"
    if roll < 0.82:
        kind = "mapping"
        mtext = mutate_text(rng, mtext)
    else:
        victim = rng.choice(sorted(logs))
        files[victim] = corrupt_log(rng, logs[victim])
    # the mapping names its spec relative to its own place: keep it there, by absolute path
    mtext = re.sub(r'^(\s*file\s*=\s*")([^"]*)(")', lambda m: m.group(1) + str((ROOT / mapping).parent / m.group(2)) + m.group(3), mtext, flags=re.M)
    files["mapping.toml"] = mtext.encode("utf-8", "surrogatepass")
    extra = rng.choice(((), ("--invariants",), ("--engine", "z3"), ("--hidden", "1"), ("--json",)))
    argv = ("tracecheck", "validate", "--mapping", "{dir}/mapping.toml", "--time-limit", str(TIME_LIMIT),
            "--max-memory", str(MAX_MEMORY), "--max-frontier", "20000", *extra, *(f"{{dir}}/{n}" for n in sorted(logs)))
    return Case(kind, files, argv, mapping)


def _spec_case(rng: random.Random, kind: str, src: str, includes: dict[str, bytes], note: str) -> Case:
    params = [x for k, v in SMALL.items() if re.search(rf"^param\s+{k}\b", src, re.M) for x in ("-D", f"{k}={v}")]
    files = dict(includes)
    files["fuzz.spec"] = src.encode("utf-8", "surrogatepass")
    spec = "{dir}/fuzz.spec"
    roll = rng.random()
    if roll < 0.70:
        argv = ("pyspec", "check", spec, *params, "--max-states", "3000", "--time-limit", str(TIME_LIMIT),
                "--max-memory", str(MAX_MEMORY))
    elif roll < 0.78:
        argv = ("pyspec", "show", spec, *params)
    elif roll < 0.86:
        argv = ("pyspec", "check", spec, *params, "--engine", "bmc", "--depth", "2", "--timeout", str(TIME_LIMIT),
                "--time-limit", str(TIME_LIMIT), "--max-memory", str(MAX_MEMORY))
    elif roll < 0.93:
        argv = ("pyspec", "simulate", spec, *params, "--runs", "3", "--steps", "20", "--seed", "1",
                "--time-limit", str(TIME_LIMIT), "--max-memory", str(MAX_MEMORY))
    else:
        inv = re.findall(r"^invariant\s+(\w+)", src, re.M)
        argv = ("pyspec", "prove", spec, *params, "--invariant", inv[0] if inv else "I0", "--timeout", str(TIME_LIMIT),
                "--time-limit", str(TIME_LIMIT), "--max-memory", str(MAX_MEMORY))
    return Case(kind, files, argv, note)


# ---- running -----------------------------------------------------------------------------------


def run_case(case: Case) -> tuple[int | str, float, str]:
    """(exit code, or "exception", seconds, captured text)."""
    from pyspec.cli import main as pyspec_main
    from tracecheck.cli import main as tracecheck_main

    with tempfile.TemporaryDirectory(prefix="pyspec-fuzz-") as d:
        for name, content in case.files.items():
            Path(d, name).write_bytes(content)
        argv = [a.replace("{dir}", d) for a in case.argv[1:]]
        main = pyspec_main if case.argv[0] == "pyspec" else tracecheck_main
        out, err = io.StringIO(), io.StringIO()
        t0 = time.perf_counter()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code: int | str = main(argv)
        except SystemExit as e:  # argparse on a bad option: a usage error
            code = e.code if isinstance(e.code, int) else 2
        except BaseException:  # noqa: BLE001 - this is what the campaign looks for
            code = "exception"
            err.write(traceback.format_exc())
        return code, time.perf_counter() - t0, err.getvalue()[-4000:]


def _worker(args: tuple[int, int, int]) -> list[tuple[str, int | str, float, str, Case | None]]:
    seed, start, count = args
    with _worker_limits():
        corpus, includes = _spec_corpus(), _includes()
        out = []
        for i in range(start, start + count):
            rng = random.Random(f"{seed}:{i}")
            case = make_case(rng, corpus, includes)
            code, secs, text = run_case(case)
            bad = code == 70 or code == "exception" or secs > TIME_LIMIT + GRACE or "Traceback" in text
            out.append((case.kind, code, secs, text if bad else "", case if bad else None))
    return out


@contextlib.contextmanager
def _worker_limits():
    """A deeper recursion limit and a capped address space while a chunk runs, and both as they
    were afterwards: with jobs=1 the chunks run in the caller's process (the test suite's), where
    a raised recursion limit changes what later tests decode and a capped address space what
    the processes they start may map."""
    import resource

    recursion, address_space = sys.getrecursionlimit(), resource.getrlimit(resource.RLIMIT_AS)
    sys.setrecursionlimit(10_000)
    _cap_address_space()
    try:
        yield
    finally:
        sys.setrecursionlimit(recursion)
        resource.setrlimit(resource.RLIMIT_AS, address_space)


def _cap_address_space() -> None:
    """A worker may not grow past WORKER_MEMORY of address space: a run that outgrows its
    --max-memory faster than the bound is checked fails with MemoryError (an internal error the
    campaign records with its input) instead of being killed by the kernel, which would lose the
    input and stall the pool."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY or soft > WORKER_MEMORY:
        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY, hard))


def campaign(inputs: int, seed: int, jobs: int = 1, chunk: int = 50, crashes: str | None = None) -> tuple[Counter, list]:
    """Run `inputs` cases; return counts per (kind, exit code) and the failures (each also
    written to `crashes` as soon as it is found, when given)."""
    tasks = [(seed, s, min(chunk, inputs - s)) for s in range(0, inputs, chunk)]
    counts: Counter = Counter()
    failures = []
    if jobs > 1:
        # workers forked once, from the main thread: a pool that replaces workers forks from its
        # handler thread, and a child forked while another thread holds a lock can hang forever
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            results = pool.imap(_worker, tasks)
            for seed_, start, count in tasks:
                try:  # a chunk whose worker died never answers: a failure, not a silent stall
                    r = results.next(timeout=count * (TIME_LIMIT + GRACE) * 2)
                except multiprocessing.TimeoutError:
                    failures.append((None, "stalled", 0.0, f"chunk of inputs {start}..{start + count - 1} never finished"))
                    print(f"  chunk {start}..{start + count - 1} never finished (a worker died?); stopping", file=sys.stderr)
                    pool.terminate()
                    break
                _collect(r, counts, failures, crashes)
    else:
        for t in tasks:
            _collect(_worker(t), counts, failures, crashes)
    return counts, failures


def _collect(rows, counts: Counter, failures: list, crashes: str | None = None) -> None:
    done = sum(n for (kind, _), n in counts.items() if kind != "slowest") + len(rows)
    if done % 10_000 < len(rows) and done >= 10_000:
        print(f"  ... {done:,} inputs, {len(failures)} failures so far", file=sys.stderr, flush=True)
    for kind, code, secs, text, case in rows:
        counts[(kind, code)] += 1
        counts[("slowest", "")] = max(counts[("slowest", "")], int(secs * 1000))
        if case is not None:
            failures.append((case, code, secs, text))
            if crashes is not None:
                _write_crash(crashes, len(failures) - 1, case, code, secs, text)


def _write_crash(crashes: str, n: int, case: Case, code: int | str, secs: float, text: str) -> None:
    d = Path(crashes, f"{n:04d}-{case.kind}")
    d.mkdir(parents=True, exist_ok=True)
    for name, content in case.files.items():
        if name in ("fuzz.spec", "mapping.toml") or case.kind == "log":
            (d / name).write_bytes(content)
    (d / "report.txt").write_text(f"argv: {json.dumps(case.argv)}\nexit: {code}\nseconds: {secs:.2f}\n\n{text}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="fuzz campaign: no internal errors, no hangs")
    ap.add_argument("--inputs", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--crashes", default="fuzz-crashes", help="directory for failing inputs")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    counts, failures = campaign(a.inputs, a.seed, a.jobs, crashes=a.crashes)
    secs = time.perf_counter() - t0
    print(f"fuzz campaign: {a.inputs:,} inputs, seed {a.seed}, {a.jobs} jobs, {secs:,.0f} s")
    for (kind, code), n in sorted(counts.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        if kind != "slowest":
            print(f"  {kind:<8} exit {code!s:<9} {n:>8,}")
    print(f"  slowest run: {counts[('slowest', '')] / 1000:.1f} s (limit {TIME_LIMIT:g} s + {GRACE:g} s grace)")
    print(f"  internal errors and hangs: {len(failures)}")
    if failures:
        print(f"  failing inputs written to {a.crashes}/")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
