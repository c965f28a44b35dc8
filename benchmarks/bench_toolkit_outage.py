#!/usr/bin/env python3
"""How long the failover toolkit takes with one region down, and what an unreachable region
costs it at most.

Usage: python benchmarks/bench_toolkit_outage.py [--runs N]

On moto (tests/ops/outage_support.py: us-east-1 failing as an outage does, botocore's
EndpointConnectionError injected before each request), times `deploy.py status --json` from
ops.cli.main with us-east-1 down, and with both regions up, N times each, and prints the
median and max. moto answers in microseconds and a refused connection is immediate here, so
these figures are the toolkit's own cost (discovery, the reads, the rendering); against AWS an
unreachable endpoint that times out costs up to the configured bound printed below per call
(ops/aws.py RETRY: attempts x connect timeout, plus standard mode's backoff of at most 1 s
between two attempts, https://boto3.amazonaws.com/v1/documentation/api/latest/guide/retries.html),
and the toolkit makes one such call per unreachable region (its discovery), none after.
A measurement, not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
    os.environ[key] = "testing"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs

    import boto3
    from moto import mock_aws

    from failover import local
    from ops.aws import RETRY
    from tests.ops.outage_support import (
        DR,
        PRIMARY,
        OutageSession,
        cli,
        deploy,
        local_seam,
        new_world,
        run_schedule,
    )

    with mock_aws():
        world = new_world()
        deploy(world)
        session = OutageSession(world)
        boto3.Session = lambda *a, **k: session  # type: ignore[assignment]
        local.run_command = local_seam(world, session)  # type: ignore[assignment]
        for region in (PRIMARY, DR):
            run_schedule(local.run_command, region, world)
        for label, down in (("both regions up", False), (f"{PRIMARY} down", True)):
            if down:
                session.fail(PRIMARY)
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                code, _, err = cli(["status", "--json", "--region", DR])
                times.append(time.perf_counter() - start)
                if code != 0:
                    raise SystemExit(f"status failed: {err}")
            print(
                f"status --json, {label}: median {statistics.median(times):.3f} s, max {max(times):.3f} s "
                f"over {runs} runs (moto)"
            )
    attempts = RETRY.retries["total_max_attempts"]
    bound = attempts * RETRY.connect_timeout + (attempts - 1) * 1.0
    print(
        f"configured bound per call to an unreachable endpoint (AWS): {attempts} attempts x "
        f"{RETRY.connect_timeout} s connect timeout + backoff <= {bound:.0f} s"
    )


if __name__ == "__main__":
    main()
