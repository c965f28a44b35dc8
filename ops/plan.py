"""The offline plan: both stacks built on the mock engine, summarised per stack (resources by
type and region) and side by side (the component trees, differences flagged)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from ops.mock_engine import StackRun, run_both

# Status of one component in the symmetry section.
SAME, DIFFERS, PRIMARY_ONLY, DR_ONLY = "same", "differs", "primary only", "dr only"


@dataclass(frozen=True)
class ComponentRow:
    path: str
    """Component names from the top, e.g. home/home-network."""
    type: str
    primary: int | None
    """Resources directly under it in the primary stack; None when it is not there."""
    dr: int | None
    status: str


def resource_counts(run: StackRun) -> Counter[tuple[str, str]]:
    """(type, region) -> count, over the cloud resources of a stack (providers excluded)."""
    return Counter(
        (r.type, r.region or "-") for r in run.resources if r.custom and not r.type.startswith("pulumi:")
    )


def component_paths(run: StackRun) -> dict[str, tuple[str, frozenset[tuple[str, str]]]]:
    """path -> (component type, {(type, name) of its direct children})."""
    by_urn = {r.urn: r for r in run.resources}
    paths: dict[str, str] = {}

    def path_of(urn: str) -> str:
        if urn not in paths:
            resource = by_urn[urn]
            parent = by_urn.get(resource.parent)
            paths[urn] = f"{path_of(parent.urn)}/{resource.name}" if parent else resource.name
        return paths[urn]

    components = {r.urn: r for r in run.components()}
    children: dict[str, set[tuple[str, str]]] = {urn: set() for urn in components}
    for resource in run.resources:
        if resource.parent in children:
            children[resource.parent].add((resource.type, resource.name))
    return {path_of(urn): (component.type, frozenset(children[urn])) for urn, component in components.items()}


def symmetry(primary: StackRun, dr: StackRun) -> list[ComponentRow]:
    """The component trees side by side. A component differs when its direct children
    (by type and name) are not the same in both stacks."""
    left, right = component_paths(primary), component_paths(dr)
    rows = []
    for path in sorted(set(left) | set(right)):
        type_ = (left.get(path) or right.get(path))[0]
        mine, theirs = left.get(path), right.get(path)
        if mine and theirs:
            status = SAME if mine[1] == theirs[1] else DIFFERS
        else:
            status = PRIMARY_ONLY if mine else DR_ONLY
        rows.append(
            ComponentRow(
                path=path,
                type=type_,
                primary=len(mine[1]) if mine else None,
                dr=len(theirs[1]) if theirs else None,
                status=status,
            )
        )
    return rows


def plan_document(primary: StackRun, dr: StackRun) -> dict[str, Any]:
    """The whole plan as plain data, for --json."""

    def stack(run: StackRun) -> dict[str, Any]:
        return {
            "region": run.settings.home_region,
            "peerRegion": run.settings.peer_region,
            "tier": run.settings.tier,
            "resourceCount": sum(resource_counts(run).values()),
            "resources": [
                {
                    "type": r.type,
                    "name": r.name,
                    "urn": r.urn,
                    "parent": r.parent,
                    "region": r.region,
                    "custom": r.custom,
                    "options": asdict(r.options),
                    # Secret inputs are never written to the plan file.
                    "inputs": {k: ("[secret]" if k in r.secret_inputs else v) for k, v in r.inputs.items()},
                }
                for r in run.resources
            ],
            "exports": {k: ("[secret]" if k in run.secret_exports else v) for k, v in run.exports.items()},
        }

    return {
        "stacks": {"primary": stack(primary), "dr": stack(dr)},
        "symmetry": [asdict(row) for row in symmetry(primary, dr)],
    }


def render(console: Console, primary: StackRun, dr: StackRun) -> None:
    for run in (primary, dr):
        counts = resource_counts(run)
        table = Table(
            title=f"stack {run.stack}: {run.settings.role} in {run.settings.home_region} "
            f"(peer {run.settings.peer_region}, tier {run.settings.tier})",
            title_justify="left",
        )
        table.add_column("resource type")
        table.add_column("region")
        table.add_column("count", justify="right")
        for (type_, region), count in sorted(counts.items()):
            table.add_row(type_, region, str(count))
        table.add_section()
        table.add_row("total", "", str(sum(counts.values())), style="bold")
        console.print(table)

    table = Table(title="symmetry: component trees side by side", title_justify="left")
    table.add_column("component", overflow="fold")
    table.add_column("type", overflow="fold")
    table.add_column("primary", justify="right")
    table.add_column("dr", justify="right")
    table.add_column("status", no_wrap=True)
    style = {SAME: "green", DIFFERS: "bold red", PRIMARY_ONLY: "yellow", DR_ONLY: "yellow"}
    for row in symmetry(primary, dr):
        depth = row.path.count("/")
        table.add_row(
            # An indented tree: the full path repeats each ancestor's name.
            "  " * depth + row.path.rsplit("/", 1)[-1],
            row.type.rsplit(":", 1)[-1],
            "-" if row.primary is None else str(row.primary),
            "-" if row.dr is None else str(row.dr),
            f"[{style[row.status]}]{row.status}[/]",
        )
    console.print(table)
    differing = [row.path for row in symmetry(primary, dr) if row.status == DIFFERS]
    if differing:
        console.print(f"[bold red]{len(differing)} component(s) differ between the regions[/]")
    else:
        console.print("[green]the regional component trees are the same in both stacks[/]")


def run_plan(console: Console, json_path: Path | None = None) -> tuple[StackRun, StackRun]:
    primary, dr = run_both()
    render(console, primary, dr)
    if json_path is not None:
        json_path.write_text(json.dumps(plan_document(primary, dr), indent=2, default=str))
        console.print(f"plan written to {json_path}")
    return primary, dr
