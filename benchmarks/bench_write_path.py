#!/usr/bin/env python3
"""What the write lease costs the default application, and how big its user data is.

Usage: python benchmarks/bench_write_path.py [--calls N]

Prints, as medians over 7 rounds of N calls:
- the lease check on a cached lease (WritePath.authorise with the lease read cached: what
  every write and every /health pays between two reads);
- the check when every call re-reads (cache age 0), against an in-memory item: the decoding
  cost, without DynamoDB's own latency (which the drill's timing model charges);
- the default bootstrap's user data per engine: raw and gzip-compressed bytes against EC2's
  16 KB (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html).
A measurement, not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from components.settings import USER_DATA_MAX_BYTES  # noqa: E402
from components.traffic.app_access import PARAMETER_PREFIX  # noqa: E402
from components.traffic.bootstrap import bootstrap_script, default_user_data  # noqa: E402
from failover.lease import WriteLease, lease_to_item  # noqa: E402
from failover.write_path import LeaseReader, WritePath  # noqa: E402


def _per_call_us(path: WritePath, calls: int) -> float:
    rounds = []
    for _ in range(7):
        started = time.perf_counter()
        for _ in range(calls):
            path.authorise()
        rounds.append((time.perf_counter() - started) / calls * 1e6)
    return statistics.median(rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000)
    args = parser.parse_args()
    item = lease_to_item(WriteLease("us-east-1", 3, time.time() + 3600, time.time(), "bench"))
    cached = WritePath("us-east-1", LeaseReader(lambda: item))
    uncached = WritePath("us-east-1", LeaseReader(lambda: item, cache_seconds=0.0))
    print(f"lease check, cached read:  {_per_call_us(cached, args.calls):.2f} us per write (median of 7)")
    print(f"lease check, fresh decode: {_per_call_us(uncached, args.calls):.2f} us per write (median of 7)")
    for engine in ("aurora-mysql", "aurora-postgresql"):
        options = dict(
            app_port=8080, health_check_path="/health", parameter_prefix=PARAMETER_PREFIX, engine=engine
        )
        raw = len(bootstrap_script(**options).encode())
        packed = len(default_user_data(**options))
        spare = USER_DATA_MAX_BYTES - packed
        print(f"user data {engine}: {raw} bytes raw, {packed} gzip ({spare} under the limit)")


if __name__ == "__main__":
    main()
