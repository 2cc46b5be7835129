"""The `tracecheck` command. Log validation is not built yet (issue 6): the command says so
and exits 3 ("unknown"), never 0, so no pipeline mistakes it for a conforming log."""

from __future__ import annotations

import argparse
import sys
from typing import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="tracecheck", description="Check logs against a pyspec specification.")
    p.add_argument("command", nargs="?", choices=("validate",))
    p.add_argument("rest", nargs=argparse.REMAINDER)
    ns = p.parse_args(argv)
    if ns.command is None:
        p.print_help()
        return 0
    print("tracecheck: log validation is not available in this version (planned: issue 6)", file=sys.stderr)
    return 3


if __name__ == "__main__":
    sys.exit(main())
