"""The recovery budget of a tier: how long a failover takes, part by part, and how much data
it may lose, from the stack's settings through the one timing model the drill also uses.

No duration is defined here: every part, its note and the total come from
`ops.timing_model.timing_model(settings, promotion_seconds, tier).budget(tier)`, and the
targets from the same module, so the budget and the drill cannot disagree.

The RPO bound is the orchestrator's RPO gate (`maxReplicationLagSeconds`): no automatic
unplanned promotion unless a fresh replication-lag datapoint is within it; unknown counts as
over the bound and pages a human (docs/ARCHITECTURE.md#the-rpo-gate). How hard that bound is depends on the
plan: where the primary's cluster parameter group sets `rds.global_db_rpo` (Aurora
PostgreSQL), Aurora itself blocks commits beyond it; otherwise it is a gate on the decision,
and the lag can grow between the last datapoint and the outage. The other stores replicate
asynchronously with their own bounds, read from the plan (S3 Replication Time Control).
https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html
https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-time-control.html
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.settings import TIERS, Settings
from components.tiers import tier_profile
from ops import timing_model as tm
from ops.errors import OperatorError
from ops.mock_engine import StackRun

GLOBAL_DB_RPO_PARAMETER = "rds.global_db_rpo"


@dataclass(frozen=True)
class Part:
    name: str
    seconds: float
    note: str


@dataclass(frozen=True)
class RpoBound:
    seconds: float
    enforcement: str
    hard: bool
    """True when Aurora blocks commits beyond the bound; False for a gate on the decision."""
    other_stores: dict[str, str]


@dataclass(frozen=True)
class RecoveryBudget:
    tier: str
    promotion_seconds: float
    parts: tuple[Part, ...]
    rpo: RpoBound

    @property
    def total_seconds(self) -> float:
        return sum(part.seconds for part in self.parts)

    @property
    def meets_rto(self) -> bool:
        return self.total_seconds <= tm.RTO_TARGET_SECONDS

    @property
    def meets_rpo(self) -> bool:
        return self.rpo.seconds <= tm.RPO_TARGET_SECONDS

    def as_dict(self) -> dict[str, Any]:
        return {
            "tier": self.tier,
            "promotionSeconds": self.promotion_seconds,
            "parts": [{"name": p.name, "seconds": round(p.seconds, 1), "note": p.note} for p in self.parts],
            "totalSeconds": round(self.total_seconds, 1),
            "meetsRto": self.meets_rto,
            "rpo": {
                "boundSeconds": self.rpo.seconds,
                "enforcement": self.rpo.enforcement,
                "hard": self.rpo.hard,
                "otherStores": self.rpo.other_stores,
            },
            "meetsRpo": self.meets_rpo,
        }


def rpo_bound(settings: Settings, runs: Sequence[StackRun] = ()) -> RpoBound:
    """The RPO bound of the pair and how it is enforced, from the settings and the plan."""
    primary = next((run for run in runs if run.settings.role == "primary"), None)
    gate = float(settings.failover.max_lag_seconds)
    hard_values = [
        float(parameter.get("value"))
        for group in (
            primary.of_type("aws:rds/clusterParameterGroup:ClusterParameterGroup") if primary else []
        )
        for parameter in group.inputs.get("parameters") or []
        if parameter.get("name") == GLOBAL_DB_RPO_PARAMETER and _is_number(parameter.get("value"))
    ]
    hard = bool(hard_values)
    if hard:
        # Commits block beyond the parameter: that is the guarantee. The gate may hold the
        # promotion at a smaller observed lag, but the lag can grow after its last datapoint.
        bound = min(hard_values)
        enforcement = (
            f"Aurora blocks commits on the primary while replication lags more than "
            f"{min(hard_values):.0f}s ({GLOBAL_DB_RPO_PARAMETER} on the primary's parameter group), and the "
            f"orchestrator's RPO gate holds automatic promotion unless a fresh lag datapoint is at "
            f"most {gate:.0f}s (maxReplicationLagSeconds)"
        )
    else:
        bound = gate
        enforcement = (
            f"RPO gate: no automatic unplanned promotion unless a fresh replication-lag datapoint "
            f"is at most {gate:.0f}s (maxReplicationLagSeconds); unknown counts as over and pages a "
            "human; `failover --allow-data-loss` waives it. A gate, not a guarantee: the lag may "
            "grow between the last datapoint and the outage"
        )
    others = {}
    if any(run.of_type("aws:dynamodb/tableReplica:TableReplica") for run in runs):
        others["dynamodb"] = (
            "global tables replicate asynchronously (typically about a second); no bound, not gated"
        )
    s3 = _s3_bound(runs)
    if s3:
        others["s3"] = s3
    return RpoBound(seconds=bound, enforcement=enforcement, hard=hard, other_stores=others)


def _is_number(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _s3_bound(runs: Sequence[StackRun]) -> str | None:
    controls = [
        (rule.get("destination") or {}).get("replicationTime") or {}
        for run in runs
        for config in run.of_type("aws:s3/bucketReplicationConfig:BucketReplicationConfig")
        for rule in config.inputs.get("rules") or []
    ]
    minutes = {
        float((c.get("time") or {}).get("minutes", 0)) for c in controls if c.get("status") == "Enabled"
    }
    if not minutes:
        return None
    return (
        f"S3 Replication Time Control: 99.99% of objects within {max(minutes):.0f} min "
        "(AWS SLA); documents are not gated"
    )


def recovery_budget(
    tier: str,
    settings: Settings,
    runs: Sequence[StackRun] = (),
    promotion_seconds: float = tm.PROMOTION_SECONDS_DEFAULT,
) -> RecoveryBudget:
    """The budget of `tier` for the failover into the region of `settings` (the dr stack's,
    whose orchestrator decides and promotes)."""
    tier = tier_profile(tier).name  # an unknown tier is a ValueError naming the known ones
    model = tm.timing_model(settings, promotion_seconds=promotion_seconds, tier=tier)
    parts = tuple(Part(name, float(seconds), note) for name, seconds, note in model.budget(tier))
    return RecoveryBudget(
        tier=tier, promotion_seconds=promotion_seconds, parts=parts, rpo=rpo_bound(settings, runs)
    )


# --- the drill's measurement -------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    p50: float
    p95: float
    max: float | None


@dataclass(frozen=True)
class DrillMeasurement:
    path: Path
    promotion_seconds: float | None
    rto: dict[str, Measured]

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "promotionSeconds": self.promotion_seconds,
            "rto": {tier: vars(m) for tier, m in self.rto.items()},
        }


def _seconds(path: Path, where: str, value: Any, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or not math.isfinite(value) or value < 0:
        raise OperatorError(f"{path.name}: {where}={json.dumps(value)}: must be a number of seconds >= 0")
    return float(value)


def _stats(path: Path, where: str, stats: Any) -> Measured | None:
    """p50/p95(/max) seconds; None when the drill measured nothing (a tier that never recovered)."""
    if stats is None:
        return None
    if not isinstance(stats, Mapping):
        raise OperatorError(f"{path.name}: {where}: must be an object with p50 and p95")
    if all(stats.get(key) is None for key in ("p50", "p95", "max")):
        return None
    return Measured(
        p50=_seconds(path, f"{where}.p50", stats.get("p50")),
        p95=_seconds(path, f"{where}.p95", stats.get("p95")),
        max=_seconds(path, f"{where}.max", stats.get("max"), optional=True),
    )


def parse_drill_result(document: Any, path: Path) -> DrillMeasurement:
    """The drill's `--json` output (ops/drill.py `as_document`): per tier, the user-visible RTO
    as `rto.<tier>.rtoSeconds.{p50,p95,max}` (older results: `rto_seconds`, or flat
    `rto.<tier>.{p50,p95,max}`), and the promotion it assumed (`promotionSeconds`, older
    results `promotion_seconds`)."""
    if not isinstance(document, Mapping) or not isinstance(document.get("rto"), Mapping):
        raise OperatorError(
            f"{path.name}: not a drill result: expected an object with rto.<tier> "
            "(the output of `deploy.py drill --local --json`)"
        )
    measured = {}
    for tier, stats in document["rto"].items():
        if tier not in TIERS:
            raise OperatorError(f"{path.name}: rto.{tier}: not a tier ({' | '.join(TIERS)})")
        # camelCase since every document's keys are; snake_case from older drill results.
        keys = [k for k in ("rtoSeconds", "rto_seconds") if isinstance(stats, Mapping) and k in stats]
        key = keys[0] if keys else None
        where = f"rto.{tier}.{key}" if key else f"rto.{tier}"
        value = _stats(path, where, stats[key] if key else stats)
        if value is not None:
            measured[tier] = value
    promotion = document.get("promotionSeconds", document.get("promotion_seconds"))
    return DrillMeasurement(
        path=path,
        promotion_seconds=None if promotion is None else _seconds(path, "promotionSeconds", promotion),
        rto=measured,
    )


def load_drill_result(path: Path) -> DrillMeasurement:
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise OperatorError(f"--drill-json {path}: file not found") from None
    except json.JSONDecodeError as error:
        raise OperatorError(f"{path.name}: not valid JSON ({error})") from None
    return parse_drill_result(document, path)
