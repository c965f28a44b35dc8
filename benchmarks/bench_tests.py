#!/usr/bin/env python3
"""Times the test suite as `make test` runs it (pytest on two workers in random order, then
ruff), each run a fresh process with its own random seed.

Usage: python benchmarks/bench_tests.py [--runs N]
Prints each run's wall time, seed and outcome, then the median. A measurement, not a test:
nothing here asserts.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def one_run(seed: int) -> tuple[float, bool]:
    started = time.perf_counter()
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--randomly-seed={seed}"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    lint = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=PROJECT, capture_output=True)
    return time.perf_counter() - started, tests.returncode == 0 and lint.returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times = []
    for run in range(args.runs):
        seed = 1000 + run
        elapsed, passed = one_run(seed)
        times.append(elapsed)
        print(f"run {run + 1}: {elapsed:.1f} s, seed {seed}, {'passed' if passed else 'FAILED'}")  # noqa: T201
    print(f"median of {args.runs}: {statistics.median(times):.1f} s")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
