"""pyspec against Spin on Paxos (3 acceptors, 2 values), in one run: Spin's whole pipeline (model
generation aside: `spin -a`, `cc` on pan.c, `./pan`) beside `pyspec check --backend c` (the
native back end, its C compiled into an empty cache, so its compile counts as Spin's does) and,
for comparison, pyspec's Python engine, each a process of its own, with wall time, CPU seconds
and peak resident memory (from wait4). The model (benchmarks/baselines/paxos_promela.py) is
generated for each ballot count; Spin's stored-state count is pyspec's plus one (its state
before the init step).

Spin flags, as a Spin user checking a safety property of a model this size would set them:
`cc -O2 -DSAFETY` (no cycle detection: Agreement is an assertion) with `-DMEMLIM=4096`, once with
states stored as they are and once with `-DCOLLAPSE` (exact state compression, for memory);
`./pan -m10000 -w24` (a depth bound well above the 32 levels, 2^24 hash slots). Bitstate hashing
is off: every search here is exact. The ratio is to the faster of the two Spin runs.

Without `spin` on the PATH the Spin half is skipped with a message (`apt-get install spin`).

Run: .venv/bin/python benchmarks/spin_compare.py [--max-ballot 2 3] [--python 2] [--update-docs]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)

from benchmarks.baselines.paxos_promela import model  # noqa: E402
from benchmarks.docs_figures import Figures  # noqa: E402

# Spin's two usual exact configurations: states stored as they are (fastest), and compressed
SPIN_CONFIGS = {"plain": ["-O2", "-DSAFETY", "-DMEMLIM=4096"],
                "collapse": ["-O2", "-DSAFETY", "-DCOLLAPSE", "-DMEMLIM=4096"]}
PAN_ARGS = ["-m10000", "-w24"]


def run(cmd: list[str], cwd: str | None = None, env: dict | None = None) -> dict:
    """`cmd` with its own rusage (os.wait4 on its pid): wall, cpu, peak_mb, out, rc."""
    w0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, ru = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - w0
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "peak_mb": ru.ru_maxrss / 1024, "out": out, "err": err,
            "rc": proc.returncode}


def spin(max_ballot: int, work: str, cflags: list[str]) -> dict:
    pml = os.path.join(work, "paxos.pml")
    with open(pml, "w") as f:
        f.write(model(3, 2, max_ballot))
    gen = run(["spin", "-a", "paxos.pml"], cwd=work)
    cc = run(["cc", *cflags, "-o", "pan", "pan.c"], cwd=work)
    if gen["rc"] or cc["rc"]:
        raise SystemExit(f"spin -a or cc failed:\n{gen['err']}{cc['err']}")
    pan = run(["./pan", *PAN_ARGS], cwd=work)
    states = int(re.search(r"(\d+) states, stored", pan["out"]).group(1))
    errors = int(re.search(r"errors: (\d+)", pan["out"]).group(1))
    mem = float(re.search(r"([\d.]+)\s+total actual memory usage", pan["out"]).group(1))
    return {"compile_wall": gen["wall"] + cc["wall"], "compile_cpu": gen["cpu"] + cc["cpu"], "run_wall": pan["wall"],
            "run_cpu": pan["cpu"], "peak_mb": max(pan["peak_mb"], cc["peak_mb"]), "pan_mb": mem, "states": states,
            "errors": errors, "wall": gen["wall"] + cc["wall"] + pan["wall"], "cpu": gen["cpu"] + cc["cpu"] + pan["cpu"]}


def pyspec(max_ballot: int, backend: str, cache: str) -> dict:
    exe = os.path.join(os.path.dirname(sys.executable), "pyspec")
    env = dict(os.environ, PYSPEC_CACHE_DIR=cache)
    r = run([exe, "check", os.path.join(ROOT, "specs/paxos.spec"), "-D", f"MaxBallot={max_ballot}", "--invariant",
             "Agreement", "--backend", backend, "--json"], env=env)
    if r["rc"] not in (0, 1):
        raise SystemExit(f"pyspec check failed ({r['rc']}):\n{r['err']}")
    j = json.loads(r["out"])
    return {**r, "verdict": j["verdict"], "states": j["stats"]["states"], "transitions": j["stats"]["transitions"]}


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-ballot", type=int, nargs="+", default=[2, 3])
    ap.add_argument("--python", type=int, nargs="*", default=[2],
                    help="ballot counts also run with pyspec's Python engine (default 2; 3 takes minutes and 1.3 GB)")
    ap.add_argument("--update-docs", action="store_true", help="write the figures into docs/performance.md")
    a = ap.parse_args(argv)
    fig = Figures("benchmarks/spin_compare.py")
    emit = fig.emit
    have_spin = shutil.which("spin") is not None and shutil.which("cc") is not None
    v = subprocess.run(["spin", "-V"], capture_output=True, text=True).stdout.strip() if have_spin else ""
    emit(f"paxos NA=3 NV=2, Agreement; each tool a process of its own, one after the other; {v or 'Spin not installed'}")
    if not have_spin:
        print("spin (or cc) is not on the PATH: the Spin half is skipped (Debian: apt-get install spin)", file=sys.stderr)
    for mb in a.max_ballot:
        emit(f"ballots 0..{mb}:")
        s = None
        if have_spin:
            runs = {}
            for name, cflags in SPIN_CONFIGS.items():
                with tempfile.TemporaryDirectory() as work:
                    r = runs[name] = spin(mb, work, cflags)
                emit(f"  Spin, {name:<9} {r['states']:>10,} states stored, {r['errors']} errors; "
                     f"spin -a + cc {r['compile_wall']:6.1f} s wall, pan {r['run_wall']:6.1f} s wall "
                     f"{r['run_cpu']:6.1f} s CPU, peak {r['peak_mb']:,.0f} MB; total {r['wall']:6.1f} s wall "
                     f"{r['cpu']:6.1f} s CPU")
            s = min(runs.values(), key=lambda r: r["wall"])  # the ratio is to Spin's faster configuration
        with tempfile.TemporaryDirectory() as cache:
            c = pyspec(mb, "c", cache)
            warm = pyspec(mb, "c", cache)  # the module is in the cache now: the search alone
        emit(f"  pyspec --backend c {c['states']:>9,} states, {c['verdict']}; {c['wall']:6.1f} s wall "
             f"{c['cpu']:6.1f} s CPU (compile included), peak {c['peak_mb']:,.0f} MB; cached module: "
             f"{warm['wall']:6.1f} s wall {warm['cpu']:6.1f} s CPU")
        if s is not None:
            assert s["states"] == c["states"] + 1, (s["states"], c["states"])
            assert s["errors"] == 0 and c["verdict"] == "holds"
            emit(f"  ratio pyspec --backend c / Spin's faster, wall with compiles: {c['wall'] / s['wall']:.2f}x (goal: at most 4); "
                 f"CPU: {c['cpu'] / s['cpu']:.2f}x; peak memory: {c['peak_mb'] / s['peak_mb']:.2f}x")
        if mb in a.python:
            p = pyspec(mb, "python", tempfile.gettempdir())
            assert p["states"] == c["states"] and p["transitions"] == c["transitions"]
            emit(f"  pyspec (Python)   {p['states']:>10,} states, {p['verdict']}; {p['wall']:6.1f} s wall "
                 f"{p['cpu']:6.1f} s CPU, peak {p['peak_mb']:,.0f} MB; ratio to --backend c: "
                 f"{p['wall'] / c['wall']:.1f}x wall, {p['cpu'] / c['cpu']:.1f}x CPU")
    if a.update_docs:
        fig.write()


if __name__ == "__main__":
    main(sys.argv[1:])
