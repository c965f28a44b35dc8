#!/usr/bin/env python3
"""trading-dr operator entry point. `python deploy.py --help` lists the commands."""

import sys

from ops.cli import main

if __name__ == "__main__":
    sys.exit(main())
