"""Writes the three demo timelines (`make demo`): the shortest counterexample to Leader Election
under a failure detector of class S, the paused-leader run of the example systems checked by
tracecheck with its invariants (docs/timelines.md), and the lasso of two dueling Paxos leaders
that keep any value from being chosen (docs/election-vs-consensus.md, section 7).

    python examples/demo_pages.py [OUT_DIR]        # default: demo-output/

Each page is one self-contained HTML file; open it in any browser, offline.
"""

from __future__ import annotations

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PAUSE_LOGS = os.path.join(ROOT, "examples", "docs", "systems", "election-pause")


def pages(out_dir: str) -> list[tuple[str, list[str], str]]:
    """(tool, argv, page) for each demo page, paths absolute."""
    election = os.path.join(out_dir, "election-fd-s.html")
    pause = os.path.join(out_dir, "election-pause.html")
    duel = os.path.join(out_dir, "paxos-duel-lasso.html")
    logs = sorted(os.path.join(PAUSE_LOGS, f) for f in os.listdir(PAUSE_LOGS) if f.endswith(".jsonl"))
    return [
        ("pyspec", ["check", os.path.join(ROOT, "specs", "leader_election.spec"), "-D", "FD=S", "--html", election], election),
        ("tracecheck", ["validate", "--mapping", os.path.join(ROOT, "examples", "systems", "election.toml"),
                        "--invariants", *logs, "--html", pause], pause),
        ("pyspec", ["check", os.path.join(ROOT, "specs", "paxos_duel.spec"), "--html", duel], duel),
    ]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out_dir = os.path.abspath(args[0] if args else "demo-output")
    os.makedirs(out_dir, exist_ok=True)
    bin_dir = os.path.dirname(sys.executable)  # the console scripts beside this interpreter (.venv/bin)
    for tool, tool_argv, page in pages(out_dir):
        done = subprocess.run([os.path.join(bin_dir, tool), *tool_argv], capture_output=True, text=True)
        code = done.returncode
        if code not in (0, 1) or not os.path.exists(page):  # 1: the counterexample the page shows
            print(done.stdout + done.stderr, end="")
            print(f"demo_pages: {tool} exited {code}; {page} not written", file=sys.stderr)
            return 1
        print(f"wrote {page} ({tool} exit {code})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
