#!/usr/bin/env python3
"""What writing the evidence bundle adds to a drill's wall time (the target: under 5 %).

Usage: python benchmarks/bench_evidence.py [--scenario region-gone] [--seeds 3] [--runs 3]

Runs `deploy.py drill --local --scenario S --seeds N --json` in-process `--runs` times without
and with `--evidence DIR` (alternating, so drift on a shared machine hits both alike) and
prints the median wall time of each and the difference. Because two medians of a noisy
machine can differ by more than the bundle costs, it also times the bundle itself: writing
and sealing the same run's bundle (write_drill_bundle) `--runs` times, as a share of the
drill's median. A measurement, not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="region-gone")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-evidence-"))
    os.environ["TRADING_DR_EVIDENCE_TRUST"] = str(folder / "trust.json")
    os.environ["TRADING_DR_EVIDENCE_KEY"] = str(folder / "key.pem")

    from ops.cli import main as cli

    command = ["drill", "--local", "--scenario", args.scenario, "--seeds", str(args.seeds), "--json"]
    plain, with_evidence = [], []
    for run in range(args.runs):
        for times, extra in ((plain, []), (with_evidence, ["--evidence", str(folder / f"run{run}")])):
            started = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                cli(command + extra)
            times.append(time.perf_counter() - started)
    bundle = _bundle_cost(args, folder)
    runtime = _runtime_cost(args)
    base, evidenced = statistics.median(plain), statistics.median(with_evidence)
    print(f"drill --scenario {args.scenario} --seeds {args.seeds}, median of {args.runs}:")
    print(f"  without --evidence: {base:.2f} s   {', '.join(f'{t:.2f}' for t in plain)}")
    print(f"  with --evidence:    {evidenced:.2f} s   {', '.join(f'{t:.2f}' for t in with_evidence)}")
    print(f"  difference:         {evidenced - base:+.2f} s ({100 * (evidenced - base) / base:+.1f} %)")
    print(f"  the bundle itself (write + seal, median of {args.runs}): {bundle * 1000:.1f} ms = "
          f"{100 * bundle / base:.2f} % of the drill")  # fmt: skip
    (off, on), (rto_off, rto_on) = runtime
    print(
        f"the runtime's execution evidence in the drill (S3 puts, kms:Sign on moto), median of {args.runs}:"
    )
    print(f"  seeds without it: {off:.2f} s, with it: {on:.2f} s ({100 * (on - off) / off:+.1f} %)")
    print(f"  simulated RTO (every call charged), median over seeds: {rto_off} s without, {rto_on} s with")
    return 0


def _runtime_cost(args) -> tuple[tuple[float, float], tuple[float | None, float | None]]:
    """The drill's seeds with the plan's evidence variables (the runtime writes its record in
    moto) and without them, alternating; wall time and the simulated recovery time."""
    import copy

    from failover.settings_table import env as setting_variable
    from ops.drill import run_facts
    from ops.emulation.plan_spec import plan_facts
    from ops.mock_engine import run_both
    from ops.timing_model import timing_model

    primary, dr = run_both({})
    with_it = plan_facts(primary, dr)
    without = copy.deepcopy(with_it)
    for plan in without.regions.values():
        for name in ("evidence_bucket", "evidence_key_arn"):
            plan.environment.pop(setting_variable(name), None)
    timing = timing_model(dr.settings)
    walls: dict[bool, list[float]] = {False: [], True: []}
    rtos: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(args.runs):
        for evidence, facts in ((False, without), (True, with_it)):
            started = time.perf_counter()
            results = [
                run_facts(args.scenario, facts, timing, seed, dr.settings.tier) for seed in range(args.seeds)
            ]
            walls[evidence].append(time.perf_counter() - started)
            rtos[evidence] += [r.rto_seconds for r in results if r.rto_seconds is not None]

    def median(values: list[float]) -> float | None:
        return round(statistics.median(values), 1) if values else None

    return (statistics.median(walls[False]), statistics.median(walls[True])), (
        median(rtos[False]),
        median(rtos[True]),
    )


def _bundle_cost(args, folder: Path) -> float:
    from ops.drill import as_document, run_scenario
    from ops.evidence.drill_bundle import write_drill_bundle
    from ops.evidence.keys import LocalSigner
    from ops.mock_engine import run_both
    from ops.timing_model import timing_model

    primary, dr = run_both({})
    plans = {dr.settings.tier: (primary, dr)}
    results = run_scenario(args.scenario, plans, args.seeds)
    signer = LocalSigner.load_or_create()
    timing = timing_model(dr.settings)
    times = []
    for run in range(args.runs):
        started = time.perf_counter()
        write_drill_bundle(
            folder / f"direct{run}",
            results,
            as_document(results, 120.0),
            {"primary": primary.settings, "dr": dr.settings},
            timing,
            signer,
            {"scenario": args.scenario, "seeds": args.seeds},
            {"rto_seconds": 300, "rpo_seconds": 60},
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times)


if __name__ == "__main__":
    sys.exit(main())
