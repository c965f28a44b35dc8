#!/usr/bin/env python3
"""User-visible recovery time per DR tier, timing profile and promotion time, measured by the
drill (ops/drill.py), with where the time goes, and how long the drill itself takes.

Usage: python benchmarks/bench_drill.py [--seeds N] [--promotions 60,120]
       [--profiles nominal,realistic] [--tiers T,...] [--dynamodb-ms MS] [--wall]

For each tier, profile and promotion time it runs the `region-gone` scenario (the primary
region is lost; `region-gone-tiers` for warm-standby and pilot-light) on the plan of that
tier, over N seeds (the outage at a random phase of the cadence and of the clients' DNS
caches), with the real failover runtime, and prints p50 / p95 / max of:
- detection + decision: from the outage to the fence (the routing controls flipped);
- RTO: from the outage to the first client write that succeeds through the application's
  FQDN (DNS answers DR, DR serves, its application holds the write lease, the writer is
  available);
- the phases (p95): detection (outage -> Route 53 sees it), decision (-> fence), fence to
  promotion (the lease wait and anything before FailoverGlobalCluster), promotion, and
  writer to first client write.
Every duration is charged by ops/timing_model.py under the named profile; the promotion
time is an assumption (AWS says "a few minutes"). A measurement, not a test: nothing here
asserts. The figures cover every seed that recovered, whether or not the scenario passed its
other checks; passed/seeds and the failures of the others are printed beside them.
`--wall` also times `deploy.py drill --local` end to end (fresh processes).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TIERS = ("hot-standby", "warm-standby", "pilot-light")
PHASES = ("detection", "decision", "fenceToPromotion", "promotion", "writerToFirstWrite")


def measure(
    seeds: int,
    promotions: list[float],
    tiers: tuple[str, ...] = TIERS,
    profiles: tuple[str, ...] = ("nominal", "realistic"),
) -> list[dict]:
    from ops.drill import run_seed, stats
    from ops.mock_engine import run_both

    rows = []
    for tier in tiers:
        override = {"trading-dr:tier": tier}
        primary, dr = run_both({"primary": override, "dr": override})
        scenario = "region-gone" if tier == "hot-standby" else "region-gone-tiers"
        for profile in profiles:
            for promotion in promotions:
                started = time.perf_counter()
                results = [
                    run_seed(scenario, primary, dr, seed, promotion, profile=profile) for seed in range(seeds)
                ]
                recovered = [r for r in results if r.rto_seconds is not None]
                rows.append(
                    {
                        "tier": tier,
                        "profile": profile,
                        "promotion": promotion,
                        "passed": sum(r.passed for r in results),
                        "seeds": seeds,
                        "decision": stats([r.detection_decision_seconds for r in recovered]),
                        "rto": stats([r.rto_seconds for r in recovered]),
                        "phases": {
                            name: stats([v for r in recovered if (v := r.phases()[name]) is not None])
                            for name in PHASES
                        },
                        "failures": sorted({re.sub(r"\d+", "N", f) for r in results for f in r.failures}),
                        "seconds": time.perf_counter() - started,
                    }
                )
    return rows


def fmt(value: dict | None) -> str:
    return "-" if not value else f"{value['p50']:>5.0f} {value['p95']:>5.0f} {value['max']:>5.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--promotions", default="60,120")
    parser.add_argument("--profiles", default="nominal,realistic", help="comma-separated timing profiles")
    parser.add_argument("--tiers", default=",".join(TIERS), help="comma-separated, default all three")
    parser.add_argument(
        "--dynamodb-ms",
        type=float,
        default=None,
        help="charge each DynamoDB call this many ms instead of ops/timing_model.py's nominal figure",
    )
    parser.add_argument("--wall", action="store_true")
    args = parser.parse_args()
    promotions = [float(p) for p in args.promotions.split(",")]
    if args.dynamodb_ms is not None:
        import ops.timing_model

        ops.timing_model.DYNAMODB_LATENCY_SECONDS = args.dynamodb_ms / 1000.0
        print(f"DynamoDB charged {args.dynamodb_ms:g} ms a call (nominal profile)")
    rows = measure(args.seeds, promotions, tuple(args.tiers.split(",")), tuple(args.profiles.split(",")))
    print(f"region-gone, {args.seeds} seeds; seconds p50 p95 max over the seeds that recovered")
    header = (
        f"{'tier':<13} {'profile':<9} {'promotion':>9}  {'passed':>7}  {'detect+decide':>17}  "
        f"{'RTO (n)':>22}  {'drill s':>7}"
    )
    print(header)
    for row in rows:
        print(
            f"{row['tier']:<13} {row['profile']:<9} {row['promotion']:>8.0f}s  "
            f"{row['passed']:>3}/{row['seeds']:<3}  "
            f"{fmt(row['decision']):>17}  {fmt(row['rto']):>17} ({row['rto']['n'] if row['rto'] else 0:>2})"
            f"  {row['seconds']:>7.1f}"
        )
        phases = ", ".join(f"{name} {value['p95']:.0f}" for name, value in row["phases"].items() if value)
        print(f"    phases p95 s: {phases}")
        for failure in row["failures"]:
            print(f"    failures seen: {failure}")
    if args.wall:
        import subprocess

        for label, extra in (("full matrix", []), ("region-gone, 20 seeds", ["--scenario", "region-gone"])):
            started = time.perf_counter()
            code = subprocess.call(
                [sys.executable, "deploy.py", "drill", "--local", "--json", *extra],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
            )
            print(f"deploy.py drill --local ({label}): {time.perf_counter() - started:.0f}s, exit {code}")


if __name__ == "__main__":
    main()
