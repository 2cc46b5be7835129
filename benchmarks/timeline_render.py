"""Render time of the HTML timeline of a 10,000-record log in Debian's headless chromium, against
the page of a 3-step counterexample (the baseline) opened in the same browser in the same run.

The time is the page's own `performance.now()` when its script has drawn the first screen and
selected a record (navigation start -> ready: reading the file, parsing the HTML and the JSON,
drawing); the wall time from `goto` to ready is printed beside it. Median of several loads.

Run: .venv/bin/python benchmarks/timeline_render.py [--records N] [--loads K] [--update-docs]

`--update-docs` writes the printed figures into docs/performance.md (benchmarks/docs_figures.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# this directory's tracecheck.py (a benchmark) would shadow the tracecheck package
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != HERE]
sys.path.append(os.path.join(ROOT, "examples", "tracecheck"))
sys.path.append(ROOT)  # benchmarks.docs_figures

import leader_logs  # noqa: E402
from benchmarks.docs_figures import Figures  # noqa: E402
from pyspec.cli import main as pyspec_main  # noqa: E402
from tracecheck.cli import main as tracecheck_main  # noqa: E402

CHROMIUM = os.environ.get("PYSPEC_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _quiet(fn, *args):
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args)


def _loads(ctx, path: str, k: int) -> tuple[float, float]:
    """(median in-page ms to ready, median wall ms from goto to ready) over k fresh loads."""
    page_ms, wall_ms = [], []
    for _ in range(k):
        page = ctx.new_page()
        t0 = time.perf_counter()
        page.goto("file://" + path, wait_until="load")
        page.wait_for_selector("body[data-ready]", state="attached", timeout=120_000)
        wall_ms.append((time.perf_counter() - t0) * 1000)
        page_ms.append(page.evaluate("window.__renderMs"))
        page.close()
    return statistics.median(page_ms), statistics.median(wall_ms)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=10_000)
    ap.add_argument("--loads", type=int, default=5)
    ap.add_argument("--update-docs", action="store_true", help="write the figures into docs/performance.md")
    a = ap.parse_args(argv)
    if a.update_docs and a.records != 10_000:
        ap.error("the page shows a 10,000-record log: --update-docs needs --records 10000")
    fig = Figures("benchmarks/timeline_render.py")
    from playwright.sync_api import sync_playwright

    tmp = tempfile.mkdtemp(prefix="timeline-bench-")
    try:
        logs = leader_logs.generate(os.path.join(tmp, "logs"), a.records, seed=0)
        big = os.path.join(tmp, "log.html")
        small = os.path.join(tmp, "election.html")
        mapping = os.path.join(ROOT, "examples", "tracecheck", "leader_election.toml")
        t0 = time.perf_counter()
        code = _quiet(tracecheck_main, ["validate", "--mapping", mapping, "--invariants", *logs, "--html", big])
        build_s = time.perf_counter() - t0
        assert code == 0, f"tracecheck exited {code}"
        assert _quiet(pyspec_main, ["check", os.path.join(ROOT, "specs", "leader_election.spec"), "-D", "FD=S",
                                    "--html", small]) == 1
        profile = os.path.join(tmp, "profile")
        with sync_playwright() as p:
            ctx = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=ARGS, headless=True,
                                                       viewport={"width": 1400, "height": 800})
            try:
                _loads(ctx, small, 1)  # warm the browser up
                base_page, base_wall = _loads(ctx, small, a.loads)
                big_page, big_wall = _loads(ctx, big, a.loads)
            finally:
                ctx.close()
        fig.emit(f"timeline page of a {a.records:,}-record log ({os.path.getsize(big) / 1e6:.1f} MB; "
                 f"validated and written in {build_s:.2f} s)")
        fig.emit(f"  render (navigation start -> drawn, in the page): {big_page:,.0f} ms   wall from goto: {big_wall:,.0f} ms")
        fig.emit(f"baseline: the 3-step election counterexample page ({os.path.getsize(small) / 1e3:.0f} kB)")
        fig.emit(f"  render (navigation start -> drawn, in the page): {base_page:,.0f} ms   wall from goto: {base_wall:,.0f} ms")
        fig.emit(f"ratio log page / baseline: {big_page / base_page:.2f}x (in the page), {big_wall / base_wall:.2f}x (wall); "
                 f"median of {a.loads} loads each")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if a.update_docs:
        fig.write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
