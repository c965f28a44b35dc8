#!/usr/bin/env python3
"""trading-dr operator entry point. `python deploy.py --help` lists the commands."""

import sys

try:
    from ops.cli import main
except ImportError as missing:  # run outside the venv: say how to get one, in one line
    sys.stderr.write(
        f"error: a dependency is missing ({missing}): run `make` first to create ./venv, "
        "then `venv/bin/python deploy.py ...`\n"
    )
    sys.exit(3)  # ops.errors.EXIT_UNAVAILABLE (not importable here)

if __name__ == "__main__":
    sys.exit(main())
