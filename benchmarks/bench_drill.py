#!/usr/bin/env python3
"""Times `deploy.py drill --local` (the plan of both stacks, then three scenarios on moto).

Usage: python benchmarks/bench_drill.py [--runs N]
A measurement, not a test: nothing here asserts.
"""

from __future__ import annotations

import sys

from bench_plan import report

if __name__ == "__main__":
    report(
        {
            "deploy.py drill --local (3 scenarios)": [sys.executable, "deploy.py", "drill", "--local"],
            "deploy.py drill --local --scenario outage": [
                sys.executable,
                "deploy.py",
                "drill",
                "--local",
                "--scenario",
                "outage",
            ],
        },
        __doc__.splitlines()[0],
        default_runs=5,
    )
