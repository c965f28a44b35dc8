"""The bundle of one `deploy.py drill --local ... --evidence DIR` run: every scenario and seed
with its fault, the world's events (detection, the fence, the promotion request and its
completion, DNS, the first client write, invariant breaks), each seed's result and the run's
verdict, sealed with the offline drill key (ops/evidence/keys.py).

`at` is when a record was written (wall clock); `data.t` is the simulated time of the event,
in seconds from the fault (T+), which the report's timeline draws.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import time
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from failover.evidence import (
    DETECTION,
    FENCE,
    FIRST_WRITE,
    OUTAGE,
    PROMOTION_COMPLETED,
    PROMOTION_REQUESTED,
    BundleWriter,
    FolderStore,
    Signer,
    tool_versions,
)

ROOT = Path(__file__).resolve().parents[2]
DRILL = "drill"
TIMELINE_KINDS = {
    "outage": OUTAGE,
    "health_check_unhealthy": DETECTION,
    "fence": FENCE,
    "promotion_started": PROMOTION_REQUESTED,
    "writer_moved": PROMOTION_COMPLETED,
    "dns_to_dr": "dns_moved",
    "first_write": FIRST_WRITE,
}
"""The drill's timeline fields (ops/drill.py, Timeline) as the format's record kinds."""


def git_commit(root: Path = ROOT) -> str:
    """HEAD, with "+dirty" when the work tree differs from it; "unknown" outside git."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head}+dirty" if dirty else head


def packages() -> dict[str, str]:
    found = tool_versions()
    for package in ("pulumi", "pulumi-aws", "moto", "cryptography"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found


def effective_config(settings_by_stack: dict[str, Any]) -> dict:
    """Every key each stack's program reads, as parsed; secret values left out (named)."""
    config = {}
    for stack, settings in settings_by_stack.items():
        values = {
            key: ("<secret: excluded>" if key in settings.secret_keys else value)
            for key, value in sorted(settings.values.items())
        }
        config[stack] = values
    return json.loads(json.dumps(config, default=str))


def _num(value: Any) -> Any:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def write_drill_bundle(
    folder: Path,
    results: list,
    document: dict,
    settings_by_stack: dict[str, Any],
    timing: Any,
    signer: Signer,
    run: dict,
    targets: dict,
) -> Path:
    """Write one bundle for this drill run under `folder` and return its path. `results`:
    ScenarioResults; `document`: ops.drill.as_document(...); `run`: the command's options;
    `targets`: {"rto_seconds", "rpo_seconds"}."""
    started = datetime.now(UTC)
    bundle_id = f"drill-{started:%Y%m%dT%H%M%S}Z-{time.monotonic_ns() % 100000:05d}"
    path = Path(folder) / bundle_id
    if path.exists():
        raise FileExistsError(f"{path} exists: bundles are never overwritten")
    writer = BundleWriter(FolderStore(path), time.time)
    writer.append("drill_started", {"run": run, "targets": targets})
    headline = None
    for result in results:
        for seed in result.seeds:
            where = {"scenario": seed.scenario, "tier": seed.tier, "seed": seed.seed}
            writer.append("scenario_started", where)
            for field, kind in TIMELINE_KINDS.items():
                t = seed.timeline.get(field)
                if t is not None:
                    writer.append(kind, {**where, "t": t})
            for t, origin, what in seed.events:
                kind = "invariant_broken" if origin == "INVARIANT" else "event"
                writer.append(kind, {**where, "t": t, "where": origin, "what": what})
            writer.append(
                "seed_result",
                {
                    **where,
                    "passed": seed.passed,
                    "failures": seed.failures,
                    "violations": seed.violations,
                    "rto_seconds": seed.rto_seconds,
                    "detection_decision_seconds": seed.detection_decision_seconds,
                    "promotion_seconds_observed": seed.promotion_seconds_observed,
                    "lost_writes": seed.lost_writes,
                    "pages": seed.pages,
                    "timeline": seed.timeline,
                    # The timing profile the seed was charged with, where the drill has one.
                    "profile": getattr(seed, "profile", None),
                },
            )
        if headline is None and result.seeds and any(s.rto_seconds is not None for s in result.seeds):
            timed = sorted(
                (s for s in result.seeds if s.rto_seconds is not None), key=lambda s: s.rto_seconds
            )
            middle = timed[(len(timed) - 1) // 2]
            headline = {"scenario": middle.scenario, "tier": middle.tier, "seed": middle.seed}
    passed = bool(document.get("passed"))
    writer.append(
        "drill_finished", {"passed": passed, "rto": document.get("rto"), "notes": document.get("notes")}
    )
    seeds = [s for r in results for s in r.seeds]
    rtos = [s.rto_seconds for s in seeds if s.rto_seconds is not None]
    summary = {
        "verdict": "pass" if passed else "fail",
        "started_at": started.isoformat().replace("+00:00", "Z"),
        "rto_seconds": max(rtos) if rtos else None,
        "rto_target_seconds": targets.get("rto_seconds"),
        "lost_writes": max((s.lost_writes for s in seeds), default=0),
        "rpo_target_seconds": targets.get("rpo_seconds"),
        "headline": headline,
        "scenarios": [r.summary() for r in results],
    }
    writer.seal(
        signer,
        bundle_id=bundle_id,
        kind=DRILL,
        config=effective_config(settings_by_stack),
        commit=git_commit(),
        timing={k: _num(v) if not isinstance(v, str) else v for k, v in dataclasses.asdict(timing).items()},
        summary=summary,
        tools=packages(),
    )
    return path
