#!/usr/bin/env python3
"""Times `deploy.py validate` (both stack files read, validated and pair-checked, nothing
built) in fresh processes, against starting Python alone.

Usage: python benchmarks/bench_validate.py [--runs N]
A measurement, not a test: nothing here asserts.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_plan import report  # noqa: E402

if __name__ == "__main__":
    report(
        {
            "python -c pass": [sys.executable, "-c", "pass"],
            "deploy.py validate": [sys.executable, "deploy.py", "validate"],
        },
        __doc__.splitlines()[0],
    )
