"""`deploy.py plan --tiers`: the three DR tiers side by side, so the trade-off between money
and recovery time is read in one glance.

Each tier is built on the mock engine (both stacks, the tier set in both), its monthly cost
estimated from the captured resources and its recovery budget computed from the dr stack's
settings through the timing model. `tier_report` is pure over those builds; `run_tiers`
builds, prints and writes the JSON document (`--json`), which carries the whole breakdown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from components.settings import TIERS
from ops import timing_model as tm
from ops.mock_engine import StackRun, run_both
from ops.output import (
    SCHEMA_VERSION,
    emit_table,
    json_document,
    make_console,
    print_note,
    progress,
    write_document,
)
from ops.tiers.budget import DrillMeasurement, RecoveryBudget, load_drill_result, recovery_budget
from ops.tiers.costs import GLOBAL, CostEstimate, estimate_costs
from ops.tiers.prices import PriceTable, load_price_table
from ops.tiers.usage import USAGE_FILE, load_usage_file, resolve_usage


@dataclass(frozen=True)
class TierRow:
    tier: str
    primary_region: str
    dr_region: str
    cost: CostEstimate
    budget: RecoveryBudget

    @property
    def dr_monthly(self) -> float:
        return self.cost.region_total(self.dr_region)


Builder = Callable[[str], tuple[StackRun, StackRun]]


def build_tier(tier: str) -> tuple[StackRun, StackRun]:
    """Both stacks with `tier` set in both (the pair check requires them equal)."""
    override = {"trading-dr:tier": tier}
    return run_both({"primary": override, "dr": override})


def tier_rows(
    builds: Mapping[str, tuple[StackRun, StackRun]],
    prices: PriceTable,
    usage: Mapping[str, float],
    promotion_seconds: float = tm.PROMOTION_SECONDS_DEFAULT,
) -> list[TierRow]:
    """One row per tier, in TIERS order, from the tiers' builds. Pure."""
    rows = []
    for tier in TIERS:
        if tier not in builds:
            continue
        primary, dr = builds[tier]
        rows.append(
            TierRow(
                tier=tier,
                primary_region=primary.settings.home_region,
                dr_region=dr.settings.home_region,
                cost=estimate_costs([primary, dr], prices, usage),
                budget=recovery_budget(tier, dr.settings, [primary, dr], promotion_seconds),
            )
        )
    return rows


def tiers_document(
    rows: Sequence[TierRow],
    prices: PriceTable,
    usage: Mapping[str, float],
    drill: DrillMeasurement | None = None,
) -> dict[str, Any]:
    """The whole breakdown as plain data, for --json."""
    return {
        "schemaVersion": SCHEMA_VERSION,
        "kind": "tiers",
        "prices": prices.summary(),
        "usage": {"file": USAGE_FILE.name, "values": dict(usage)},
        "targets": {"rtoSeconds": tm.RTO_TARGET_SECONDS, "rpoSeconds": tm.RPO_TARGET_SECONDS},
        "drill": drill.as_dict() if drill else None,
        "tiers": [
            {
                "tier": row.tier,
                "primaryRegion": row.primary_region,
                "drRegion": row.dr_region,
                "drRegionMonthly": round(row.dr_monthly, 2),
                "totalMonthly": row.cost.total,
                "cost": row.cost.as_dict(),
                "budget": row.budget.as_dict(),
                "measuredRto": _measured(row.tier, drill),
            }
            for row in rows
        ],
    }


def _measured(tier: str, drill: DrillMeasurement | None) -> dict[str, Any] | None:
    measured = drill.rto.get(tier) if drill else None
    return vars(measured) if measured else None


def _money(value: float) -> str:
    return f"${value:,.0f}"


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}m{rest:02d}s" if minutes else f"{rest}s"


def _verdict(ok: bool) -> str:
    return "[green]yes[/]" if ok else "[bold red]NO[/]"


def render(
    console: Console, rows: Sequence[TierRow], prices: PriceTable, drill: DrillMeasurement | None
) -> None:
    if not rows:
        return
    dr_region = rows[0].dr_region
    # Narrow enough for an 80-column log: no vertical rules, short headers, regions in the title.
    table = Table(
        title=f"DR tiers: monthly cost ({prices.currency}, on-demand; DR region {dr_region}) and recovery "
        f"(targets RTO <= {_duration(tm.RTO_TARGET_SECONDS)}, RPO <= {_duration(tm.RPO_TARGET_SECONDS)})",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_edge=False,
        collapse_padding=True,
    )
    table.add_column("tier", no_wrap=True)
    table.add_column("DR/mo", justify="right", no_wrap=True)
    table.add_column("total/mo", justify="right", no_wrap=True)
    table.add_column("RTO budget", justify="right", no_wrap=True)
    table.add_column("drill p50/p95", justify="right", no_wrap=True)
    table.add_column("RPO bound", justify="right", no_wrap=True)
    table.add_column("RTO/RPO", no_wrap=True)
    for row in rows:
        measured = drill.rto.get(row.tier) if drill else None
        table.add_row(
            row.tier,
            _money(row.dr_monthly),
            _money(row.cost.total),
            _duration(row.budget.total_seconds),
            f"{_duration(measured.p50)}/{_duration(measured.p95)}" if measured else "-",
            _duration(row.budget.rpo.seconds) + (" hard" if row.budget.rpo.hard else " gate"),
            f"{_verdict(row.budget.meets_rto)}/{_verdict(row.budget.meets_rpo)}",
        )
    emit_table(console, table)

    parts = Table(
        title="recovery budget, part by part (worst case on the critical path)", title_justify="left"
    )
    parts.add_column("part", no_wrap=True)
    for row in rows:
        parts.add_column(row.tier, justify="right")
    for index, part in enumerate(rows[0].budget.parts):
        parts.add_row(part.name, *(_duration(row.budget.parts[index].seconds) for row in rows))
    parts.add_section()
    parts.add_row("total", *(_duration(row.budget.total_seconds) for row in rows), style="bold")
    emit_table(console, parts)
    promotion = next(p for p in rows[0].budget.parts if p.name == "promotion")
    console.print(f"promotion: {promotion.note}", highlight=False, soft_wrap=True)
    console.print(f"RPO: {rows[0].budget.rpo.enforcement}", highlight=False, soft_wrap=True)
    for store, bound in rows[0].budget.rpo.other_stores.items():
        console.print(f"  {store}: {bound}", highlight=False, soft_wrap=True)

    regions = Table(title="monthly cost per region", title_justify="left")
    regions.add_column("region")
    for row in rows:
        regions.add_column(row.tier, justify="right")
    all_regions = sorted({r for row in rows for r in row.cost.by_region()}, key=lambda r: (r == GLOBAL, r))
    for region in all_regions:
        regions.add_row(region, *(_money(row.cost.by_region().get(region, 0.0)) for row in rows))
    emit_table(console, regions)

    unpriced = {(u.type, u.rate, u.reason) for row in rows for u in row.cost.unpriced}
    for type_, rate, reason in sorted(unpriced, key=str):
        console.print(
            f"[yellow]not priced[/] {type_}{f' ({rate})' if rate else ''}: {reason}",
            highlight=False,
            soft_wrap=True,
        )
    console.print(
        f"prices: {prices.path.name} (read {prices.price_date}; AWS public on-demand pricing pages, "
        f"sources per rate in the file); usage assumptions: {USAGE_FILE.name}",
        highlight=False,
        soft_wrap=True,
    )
    if drill:
        ran = f" with a {drill.promotion_seconds:.0f}s promotion" if drill.promotion_seconds else ""
        console.print(f"measured: {escape(str(drill.path))}{ran}", highlight=False, soft_wrap=True)


def run_tiers(
    console: Console,
    to_stdout: bool = False,
    out: str | Path | None = None,
    drill_json: Path | None = None,
    usage_path: Path | None = None,
    build: Builder | None = None,
) -> list[TierRow]:
    """Build the three tiers, print the comparison (or, `to_stdout`: the JSON document alone
    on stdout, the tables on stderr) and write the document to `out` if asked. Every input
    file is read before the builds start, so a bad one fails at once."""
    from ops.stack_config import load_pair

    for note in load_pair().notes:  # the same validation and pair check as `plan`
        print_note(note)
    build = build or build_tier
    prices = load_price_table()
    usage = load_usage_file(usage_path) if usage_path else resolve_usage()
    drill = load_drill_result(drill_json) if drill_json else None
    # Like for like: when a drill result says which promotion it assumed, the budget does too.
    promotion = (drill.promotion_seconds if drill else None) or tm.PROMOTION_SECONDS_DEFAULT
    builds = {}
    for tier in TIERS:
        progress(f"plan --tiers: building both stacks for {tier} on the mock engine")
        builds[tier] = build(tier)
    rows = tier_rows(builds, prices, usage, promotion)
    render(make_console(stderr=True) if to_stdout else console, rows, prices, drill)
    body = tiers_document(rows, prices, usage, drill)
    text = json_document("tiers", {k: v for k, v in body.items() if k not in ("schemaVersion", "kind")})
    if to_stdout:
        console.file.write(text + "\n")
    if out is not None:
        write_document(str(out), text)
        print_note(f"tier breakdown written to {out}")
    return rows
