"""What status and failover look at: the regions, the global cluster, the health checks, the
control tables, the orchestrator functions and the ARC authority. `status` and `failover` find
them in AWS itself (ops/discovery.py: the SSM parameters each stack writes in its own region,
`targets_from_discovery`), never in Pulumi state; `targets_from_outputs` builds the same from
stack outputs for the tools that have them.

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
    armed: bool | None = None
    """Automatic failover armed in this region (the ARMING/AUTO item; no item = armed)."""
    arming: Mapping[str, Any] | None = None
    """The ARMING/AUTO item as stored (by, reason, at), when there is one."""
    execution: Mapping[str, Any] | None = None
    """The open execution (id, kind, status, step), when one is in progress."""


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
        arming = _arming(dynamodb, self.table_name)
        execution = None
        open_id = table.open_execution_id()
        if open_id:
            body = table.read_execution(open_id) or {}
            execution = {"id": open_id, **{k: body.get(k) for k in ("kind", "status", "step") if k in body}}
        return ControlState(
            active_region=state.active_region,
            epoch=state.epoch,
            last_decision=table.last_decision(),
            armed=True if arming is None else bool(arming.get("armed", True)),
            arming=arming,
            execution=execution,
        )


ARMING_KEY = {"pk": {"S": "ARMING"}, "sk": {"S": "AUTO"}}
"""The arming item: armed (BOOL), by, reason, at, epoch; written by the orchestrator (disarm
after an automatic failover, re-arm on the `arm` command). No item = armed."""


def _arming(dynamodb: Any, table_name: str) -> dict[str, Any] | None:
    item = dynamodb.get_item(TableName=table_name, Key=ARMING_KEY, ConsistentRead=True).get("Item")
    if not item:
        return None
    plain: dict[str, Any] = {}
    for key, value in item.items():
        if key in ("pk", "sk"):
            continue
        kind, raw = next(iter(value.items()))
        plain[key] = float(raw) if kind == "N" else raw
    return plain


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
    unreachable: Mapping[str, str] = field(default_factory=dict)
    """region -> why it could not be asked (discovery failed there): nothing else is asked of it."""
    routing_controls: Mapping[str, str] = field(default_factory=dict)
    """region -> its ARC routing control ARN."""
    arc_endpoints: tuple[tuple[str, str], ...] = ()
    """(endpoint url, region) of the ARC cluster's data plane."""

    def reachable(self, region: str) -> bool:
        return region not in self.unreachable

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


def load_targets(region: str | None = None, session: Any = None) -> DrTargets:
    """The pair as AWS describes it (ops/discovery.py: SSM parameters in the regions that
    answer, starting at `region`): no pulumi CLI, no state backend, no passphrase. A region
    that does not answer is in `unreachable`; only none answering is an OperatorError."""
    from ops.discovery import candidate_regions, discover

    if session is None:
        import boto3

        session = boto3.Session()
    return targets_from_discovery(discover(session, candidate_regions(region)))


def targets_from_discovery(found: Any) -> DrTargets:
    """DrTargets from ops.discovery.Discovery: each region's own pieces from that region's
    parameters, the pair-wide ones (global cluster, authority) from any region that answered."""
    return DrTargets(
        primary_region=found.primary_region,
        dr_region=found.dr_region,
        global_cluster_id=found.first("globalClusterId"),
        health_checks=found.per_region("healthCheckId"),
        control_tables={
            region: ControlTableView(name) for region, name in found.per_region("epochControlTable").items()
        },
        orchestrators=found.per_region("orchestratorFunctionName"),
        unreachable=found.unreachable,
        routing_controls=found.routing_controls(),
        arc_endpoints=tuple(found.arc_endpoints()),
    )
