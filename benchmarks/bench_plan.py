#!/usr/bin/env python3
"""Times `deploy.py plan` (both stacks on the mock engine) against importing pulumi_aws alone.

Usage: python benchmarks/bench_plan.py [--runs N]
Each run is a fresh process, as an operator would start it. Prints the median wall time of
each, in seconds. A measurement, not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def wall_times(command: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=PROJECT, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def report(cases: dict[str, list[str]], description: str, default_runs: int = 7) -> None:
    """Run each command --runs times in fresh processes; print median, min and max."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--runs", type=int, default=default_runs)
    runs = parser.parse_args().runs
    for label, command in cases.items():
        times = wall_times(command, runs)
        print(
            f"{label:40} median {statistics.median(times):.2f} s "
            f"(min {min(times):.2f}, max {max(times):.2f}, {runs} runs)"
        )


if __name__ == "__main__":
    report(
        {
            "import pulumi_aws": [sys.executable, "-c", "import pulumi_aws"],
            "deploy.py plan (primary + dr)": [sys.executable, "deploy.py", "plan"],
        },
        __doc__.splitlines()[0],
    )
