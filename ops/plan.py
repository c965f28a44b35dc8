"""The offline plan: both stacks built on the mock engine, summarised per stack (resources by
type and region) and side by side (the component trees, differences flagged).

The regional trees must be the same in both stacks except where a role owns a component
(ROLE_OWNED, docs/ARCHITECTURE.md#stack-ownership); any other difference fails the plan."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from ops.errors import OperatorError
from ops.mock_engine import StackRun, run_both
from ops.output import SCHEMA_VERSION, emit_table, json_document, print_note, progress, write_document

# Status of one component in the symmetry section.
SAME, DIFFERS, PRIMARY_ONLY, DR_ONLY = "same", "differs", "primary only", "dr only"

# The role's documented differences (docs/ARCHITECTURE.md#stack-ownership): top-level
# components only one stack builds, and which. The primary owns the global pieces; dr owns
# the cross-region links (a link belongs to the stack deployed second). Everything else,
# the regional tree under `home` above all, must be the same in both stacks.
ROLE_OWNED = {
    "audit": PRIMARY_ONLY,  # the organisation-wide trail, once
    "global-database": PRIMARY_ONLY,
    "global-tables": PRIMARY_ONLY,
    "zone": PRIMARY_ONLY,  # the hosted zone (unless hostedZoneId is given)
    "traffic-authority": PRIMARY_ONLY,  # the ARC cluster, panel, routing controls, safety rules
    "data-replication": DR_ONLY,  # table replicas and S3 replication both ways
    "tgw-peering": DR_ONLY,
    "evidence-replication": DR_ONLY,  # the evidence buckets replicated both ways
}


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


def unexpected_differences(rows: list[ComponentRow]) -> list[ComponentRow]:
    """Rows that differ beyond the roles' documented differences."""
    return [
        row for row in rows if row.status != SAME and ROLE_OWNED.get(row.path.split("/", 1)[0]) != row.status
    ]


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
        "schemaVersion": SCHEMA_VERSION,
        "kind": "plan",
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
        emit_table(console, table)

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
    emit_table(console, table)
    if not unexpected_differences(symmetry(primary, dr)):
        console.print(
            "[green]the regional component trees are the same in both stacks, but for what each role owns[/]"
        )


def run_plan(
    console: Console, to_stdout: bool = False, out: str | Path | None = None
) -> tuple[StackRun, StackRun]:
    """Build, show (or, `--json`: only the JSON document, on stdout), write it to `out` if
    asked, then fail when the regional trees differ beyond the roles' documented differences."""
    from ops.stack_config import load_pair

    for note in load_pair().notes:
        print_note(note)
    progress("plan: building both stacks on the mock engine")
    primary, dr = run_both()
    body = plan_document(primary, dr)
    text = json_document("plan", {k: v for k, v in body.items() if k not in ("schemaVersion", "kind")})
    if to_stdout:
        console.file.write(text + "\n")
    else:
        render(console, primary, dr)
    if out is not None:
        write_document(str(out), text)
        print_note(f"plan written to {out}")
    unexpected = unexpected_differences(symmetry(primary, dr))
    if unexpected:
        listed = ", ".join(f"{row.path} ({row.status})" for row in unexpected)
        raise OperatorError(
            f"{len(unexpected)} component(s) differ between the regions beyond the roles' documented "
            f"differences (ops/plan.py ROLE_OWNED): {listed}"
        )
    return primary, dr
