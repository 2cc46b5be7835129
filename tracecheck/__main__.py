"""`python -m tracecheck`: the `tracecheck` command, for an environment without the console script."""

import sys

from tracecheck.cli import main

sys.exit(main())
