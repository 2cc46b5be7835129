"""A check of a document in a worker process: `pyspec check --json --html PAGE` on the text as
the editor holds it (saved or not), with its progress lines passed on and a way to stop it.

A process, not a thread: the search holds the CPU (and the GIL) for as long as it runs, and
stopping it must be immediate, whatever it is doing. The document is written to a temporary
folder under its own file name, with its own folder searched for includes (`-I`), so that it
reads as it would from disk.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from typing import Any, Callable


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a check said: its verdict and exit code, the property it found violated, the
    counterexample's steps as the user reads them (`init`, `Acquire(c=0)`, ...), the timeline
    page written for it, the actions never enabled, and the error text when the check could
    not run (exit code 2)."""

    verdict: str
    exit_code: int
    violated: str | None = None
    steps: tuple[str, ...] = ()
    page: str | None = None
    never_enabled: tuple[str, ...] = ()
    error: str | None = None
    reason: str | None = None


def command(spec: str, page: str, include_dir: str, invariant: str | None) -> list[str]:
    """The `pyspec check` command line that a check runs."""
    cmd = [sys.executable, "-m", "pyspec", "check", spec, "--json", "--progress", "--html", page, "-I", include_dir]
    return cmd + (["--invariant", invariant] if invariant else [])


async def check(text: str, path: str, page_dir: str, invariant: str | None = None,
                progress: Callable[[str], None] = lambda line: None) -> Outcome:
    """Check the document `text` (the file at `path`) in a worker process, reporting each of its
    progress lines; the timeline page goes to `page_dir`. Cancelling the awaiting task kills
    the process."""
    os.makedirs(page_dir, exist_ok=True)
    stem = os.path.splitext(os.path.basename(path))[0] or "spec"
    page = os.path.join(page_dir, f"{stem}-{invariant or 'all'}.html")
    if os.path.exists(page):
        os.remove(page)  # a page left by an earlier run must not pass for this one's
    with tempfile.TemporaryDirectory(prefix="pyspec-lsp-") as tmp:
        spec = os.path.join(tmp, os.path.basename(path) or "document.spec")
        with open(spec, "w", encoding="utf-8") as f:
            f.write(text)
        proc = await asyncio.create_subprocess_exec(
            *command(spec, page, os.path.dirname(os.path.abspath(path)), invariant),
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        try:
            out, err = await asyncio.gather(_read(proc.stdout), _lines(proc.stderr, progress))
            code = await proc.wait()
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    return _outcome(code, out, err.replace(spec, path), page if os.path.exists(page) else None)


async def _read(stream: Any) -> str:
    return (await stream.read()).decode("utf-8", "replace")


async def _lines(stream: Any, progress: Callable[[str], None]) -> str:
    """The stream's text; each `progress:` line is passed on as it comes, the rest kept."""
    kept: list[str] = []
    while True:
        raw = await stream.readline()
        if not raw:
            return "".join(kept)
        line = raw.decode("utf-8", "replace")
        if line.startswith("progress: "):
            progress(line[len("progress: "):].strip())
        else:
            kept.append(line)


def _outcome(code: int, out: str, err: str, page: str | None) -> Outcome:
    try:
        doc = json.loads(out) if out.strip() else None
    except json.JSONDecodeError:
        doc = None
    if not isinstance(doc, dict) or doc.get("verdict") == "error":  # bad input (exit 2) or a crash (70)
        return Outcome("error", code, error=err.strip() or f"pyspec check exited with code {code}")
    stats = doc.get("stats") or {}
    return Outcome(str(doc.get("verdict")), code, doc.get("violated"), _steps(doc.get("trace")), page,
                   tuple(map(str, stats.get("never_enabled") or ())), reason=doc.get("reason"))


def _steps(trace: Any) -> tuple[str, ...]:
    """The steps of an ITF trace as the user reads them: `init`, then `Action(arg=value, ...)`."""
    if not isinstance(trace, dict):
        return ()
    out = []
    for state in trace.get("states") or ():
        meta = state.get("#meta") or {}
        action = meta.get("action")
        if action is None:
            out.append("init")
        else:
            args = meta.get("args") or {}
            out.append(f"{action}(" + ", ".join(f"{k}={json.dumps(v)}" for k, v in args.items()) + ")")
    return tuple(out)


__all__ = ["Outcome", "check", "command"]
