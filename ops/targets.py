"""What status and failover look at: the regions, the global cluster, the health checks, the
control tables and the orchestrator functions, found from the deployed stacks' outputs.

The names arrive as parameters (`DrTargets`, `ControlTableView`), so the drill and the tests
build them directly, and a change of an export or of the control table's key schema is a
change here only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ops.errors import OperatorError
from ops.stack_config import STACKS, effective_config

# Stack exports status and failover read. ASSUMED names (the components that create these
# resources are built by other issues): each stack exports its own region's pieces.
EXPORT_REGION = "region"
EXPORT_GLOBAL_CLUSTER = "globalClusterId"  # primary (owner of the global cluster)
EXPORT_HEALTH_CHECK = "healthCheckId"  # Route 53 health check of this stack's home endpoint
EXPORT_CONTROL_TABLE = "controlTableName"  # the orchestrator's control table in this region
EXPORT_ORCHESTRATOR = "orchestratorFunctionName"  # the orchestrator Lambda in this region


@dataclass(frozen=True)
class ControlState:
    """The orchestrator's record in one region's control table."""

    active_region: str | None
    epoch: int | None
    last_decision: Any
    """As stored: a string or a map (action, reason, time ...); shown as is."""


@dataclass(frozen=True)
class ControlTableView:
    """Reads a region's orchestrator control table through the orchestrator's own accessor
    (failover/control_table.py), so its schema has one owner."""

    table_name: str

    def read(self, dynamodb: Any) -> ControlState | None:
        """The active region, epoch and last decision, read consistently (a status after a
        failover must not show the old epoch), or None before the orchestrator first ran."""
        import time

        from failover.control_table import ControlTable

        table = ControlTable(dynamodb, self.table_name, clock=time.time)
        state = table.read_state()
        if state is None:
            return None
        return ControlState(
            active_region=state.active_region,
            epoch=state.epoch,
            last_decision=table.last_decision(),
        )


@dataclass(frozen=True)
class DrTargets:
    primary_region: str
    dr_region: str
    global_cluster_id: str | None = None
    health_checks: Mapping[str, str] = field(default_factory=dict)
    """region -> Route 53 health check id of that region's endpoint."""
    control_tables: Mapping[str, ControlTableView] = field(default_factory=dict)
    """region -> the control table there."""
    orchestrators: Mapping[str, str] = field(default_factory=dict)
    """region -> orchestrator Lambda function name there."""

    @property
    def regions(self) -> tuple[str, str]:
        return (self.primary_region, self.dr_region)

    def peer_of(self, region: str) -> str:
        if region not in self.regions:
            raise OperatorError(f"region {region} is not one of this pair ({', '.join(self.regions)})")
        return self.dr_region if region == self.primary_region else self.primary_region


def targets_from_outputs(
    outputs: Mapping[str, Mapping[str, Any]],
    control_table: Callable[[str], ControlTableView] = ControlTableView,
) -> DrTargets:
    """DrTargets from {"primary": outputs, "dr": outputs}; a stack not deployed is {}. The
    regions fall back to the stack files so a half-deployed pair still has a shape."""
    regions = {
        stack: str(outputs.get(stack, {}).get(EXPORT_REGION) or effective_config(stack)["aws:region"])
        for stack in STACKS
    }
    health, tables, functions = {}, {}, {}
    cluster = None
    for stack in STACKS:
        values, region = outputs.get(stack, {}), regions[stack]
        cluster = cluster or values.get(EXPORT_GLOBAL_CLUSTER)
        if values.get(EXPORT_HEALTH_CHECK):
            health[region] = str(values[EXPORT_HEALTH_CHECK])
        if values.get(EXPORT_CONTROL_TABLE):
            tables[region] = control_table(str(values[EXPORT_CONTROL_TABLE]))
        if values.get(EXPORT_ORCHESTRATOR):
            functions[region] = str(values[EXPORT_ORCHESTRATOR])
    return DrTargets(
        primary_region=regions["primary"],
        dr_region=regions["dr"],
        global_cluster_id=str(cluster) if cluster else None,
        health_checks=health,
        control_tables=tables,
        orchestrators=functions,
    )


def load_targets(read_outputs: Callable[[str], dict[str, Any]] | None = None) -> DrTargets:
    """Targets from the deployed stacks (pulumi CLI and backend needed). The primary must be
    deployed; a missing dr stack leaves its side empty."""
    if read_outputs is None:
        from ops.automation import read_outputs
    outputs = {"primary": read_outputs("primary")}
    if not outputs["primary"]:
        raise OperatorError(
            "stack primary has no outputs: deploy it first with `deploy.py up --stack primary`."
        )
    try:
        outputs["dr"] = read_outputs("dr")
    except OperatorError as error:
        if "does not exist" not in str(error):
            raise
        outputs["dr"] = {}
    return targets_from_outputs(outputs)
