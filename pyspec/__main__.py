"""`python -m pyspec`: the `pyspec` command, for an environment without the console script."""

import sys

from pyspec.cli import main

sys.exit(main())
