"""A live view of the DR pair through boto3 with the operator's credentials: the global
cluster's members and writer as each region's own RDS endpoint reports them, replication
lag, Route 53 health-check states, and each region's control record (active region, epoch,
the orchestrator's last decision).

Each region is asked separately and a region that does not answer is shown as an error, not
raised: during an outage the view must still show the healthy side. A region whose discovery
failed (ops/discovery.py) is shown as unreachable and asked nothing more.

The ARC routing controls, read through the cluster's data-plane endpoints (failover/arc.py),
are the authority: exactly one On is the steady state; both Off (Route 53 then answers its
PRIMARY record as a last resort, nobody decided it) or both On (two regions take traffic)
is an incident, shown as such
(https://docs.aws.amazon.com/r53recovery/latest/dg/routing-control.safety-rules.html).

`collect_status` returns plain data (the drill asserts on it); `render_status` draws it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from failover.arc import ON, ArcError
from ops.aws import CREDENTIAL_ERRORS, client, credentials_required, describe
from ops.output import emit_table
from ops.targets import ControlState, DrTargets

ARC_TIMEOUT_SECONDS = 3
"""Per ARC endpoint: a dead endpoint costs one timeout, then the next one is tried."""

LAG_METRIC = ("AWS/RDS", "AuroraGlobalDBReplicationLag")
LAG_WINDOW = dt.timedelta(minutes=15)
# Route 53 considers an endpoint healthy when more than 18% of its checkers report it healthy.
HEALTHY_FRACTION = 0.18


@dataclass(frozen=True)
class Member:
    region: str
    cluster_id: str
    arn: str
    is_writer: bool


@dataclass(frozen=True)
class ClusterView:
    """The global cluster as one region's RDS endpoint describes it."""

    region: str
    status: str | None = None
    members: tuple[Member, ...] = ()
    error: str | None = None

    @property
    def writer(self) -> Member | None:
        return next((member for member in self.members if member.is_writer), None)


@dataclass(frozen=True)
class Lag:
    region: str
    cluster_id: str
    milliseconds: float | None
    at: dt.datetime | None = None
    error: str | None = None


@dataclass(frozen=True)
class Health:
    region: str
    health_check_id: str
    healthy_checkers: int = 0
    checkers: int = 0
    error: str | None = None

    @property
    def state(self) -> str:
        if self.error or not self.checkers:
            return "unknown"
        return "healthy" if self.healthy_checkers / self.checkers > HEALTHY_FRACTION else "unhealthy"


@dataclass(frozen=True)
class Control:
    region: str
    table: str
    state: ControlState | None = None
    error: str | None = None


@dataclass(frozen=True)
class Authority:
    """The routing controls' states, region -> On/Off, as the ARC cluster answers them."""

    states: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    @property
    def active_region(self) -> str | None:
        on = [region for region, state in self.states.items() if state == ON]
        return on[0] if len(on) == 1 and len(self.states) >= 2 else None

    def incident(self) -> str | None:
        """The authority state an operator must act on, or None (exactly one On)."""
        if self.error or len(self.states) < 2:
            return None
        on = sorted(region for region, state in self.states.items() if state == ON)
        if not on:
            return (
                f"INCIDENT: both routing controls are Off ({', '.join(sorted(self.states))}): no region "
                "was chosen, Route 53 answers PRIMARY as its last resort and no region may write; "
                "see docs/RUNBOOK.md, 'Both routing controls Off'"
            )
        if len(on) > 1:
            return (
                f"INCIDENT: both routing controls are On ({', '.join(on)}): two regions take traffic; "
                "see docs/RUNBOOK.md, 'Both routing controls On'"
            )
        return None


@dataclass
class Status:
    targets: DrTargets
    clusters: list[ClusterView] = field(default_factory=list)
    lags: list[Lag] = field(default_factory=list)
    health: list[Health] = field(default_factory=list)
    control: list[Control] = field(default_factory=list)
    authority: Authority | None = None

    def incidents(self) -> list[str]:
        """States that are wrong in themselves (not a disagreement between views)."""
        found = []
        if self.authority is not None and self.authority.incident():
            found.append(str(self.authority.incident()))
        return found

    @property
    def writer_region(self) -> str | None:
        """The writer's region when every region that answered agrees, else None."""
        writers = {view.writer.region for view in self.clusters if view.writer and not view.error}
        return writers.pop() if len(writers) == 1 else None

    def warnings(self) -> list[str]:
        """Disagreements an operator must look at."""
        found = []
        writers = {view.region: view.writer.region for view in self.clusters if view.writer}
        if len(set(writers.values())) > 1:
            found.append(f"the regions disagree on the writer: {writers}")
        for control in self.control:
            active = control.state.active_region if control.state else None
            if active and self.writer_region and active != self.writer_region:
                found.append(
                    f"control table in {control.region} says the active region is {active}, "
                    f"but the writer is in {self.writer_region}"
                )
        epochs = {c.region: c.state.epoch for c in self.control if c.state and c.state.epoch is not None}
        if len(set(epochs.values())) > 1:
            found.append(f"the control tables disagree on the epoch: {epochs}")
        active = self.authority.active_region if self.authority else None
        if active and self.writer_region and active != self.writer_region:
            found.append(
                f"ARC routes traffic to {active}, but the writer is in {self.writer_region} "
                "(a failover in progress, or one to finish: docs/RUNBOOK.md)"
            )
        for control in self.control:
            if control.state and control.state.armed is False:
                found.append(f"automatic failover is DISARMED in {control.region}: re-arm once safe")
        for region, error in self.targets.unreachable.items():
            found.append(f"{region} is unreachable: {error}")
        return found


def region_of_arn(arn: str) -> str:
    """arn:aws:rds:us-west-2:123456789012:cluster:name -> us-west-2."""
    return arn.split(":")[3]


def _soft(call: Callable[[], Any]) -> tuple[Any, str | None]:
    """(result, None) or (None, error line); credential problems are not soft."""
    try:
        return call(), None
    except CREDENTIAL_ERRORS:
        raise
    except (ClientError, BotoCoreError) as error:
        return None, describe(error)


def read_global_cluster(session: Any, region: str, global_cluster_id: str) -> ClusterView:
    """The global cluster as `region`'s endpoint sees it (promotion is asked of the region
    being promoted, so this is the view that counts there)."""

    def call() -> ClusterView:
        rds = client(session, "rds", region)
        found = rds.describe_global_clusters(GlobalClusterIdentifier=global_cluster_id)["GlobalClusters"]
        match = [g for g in found if g["GlobalClusterIdentifier"] == global_cluster_id]
        if not match:
            return ClusterView(region, error=f"global cluster {global_cluster_id} not found")
        members = tuple(
            Member(
                region=region_of_arn(m["DBClusterArn"]),
                cluster_id=m["DBClusterArn"].rsplit(":", 1)[-1],
                arn=m["DBClusterArn"],
                is_writer=bool(m.get("IsWriter")),
            )
            for m in match[0].get("GlobalClusterMembers", [])
        )
        return ClusterView(region, status=match[0].get("Status"), members=members)

    view, error = _soft(call)
    return view if view is not None else ClusterView(region, error=error)


def read_lag(session: Any, member: Member, now: dt.datetime) -> Lag:
    """The last AuroraGlobalDBReplicationLag datapoint of a secondary, in its own region."""

    def call() -> Lag:
        cloudwatch = client(session, "cloudwatch", member.region)
        points = cloudwatch.get_metric_statistics(
            Namespace=LAG_METRIC[0],
            MetricName=LAG_METRIC[1],
            Dimensions=[{"Name": "DBClusterIdentifier", "Value": member.cluster_id}],
            StartTime=now - LAG_WINDOW,
            EndTime=now,
            Period=60,
            Statistics=["Maximum"],
        )["Datapoints"]
        if not points:
            return Lag(member.region, member.cluster_id, None, error="no datapoint in the last 15 minutes")
        last = max(points, key=lambda point: point["Timestamp"])
        return Lag(member.region, member.cluster_id, float(last["Maximum"]), at=last["Timestamp"])

    lag, error = _soft(call)
    return lag if lag is not None else Lag(member.region, member.cluster_id, None, error=error)


ROUTE53_API_REGION = "us-east-1"
"""Route 53's control plane (GetHealthCheckStatus) answers in us-east-1 only
(https://docs.aws.amazon.com/general/latest/gr/r53.html)."""


def read_health(session: Any, region: str, health_check_id: str) -> Health:
    def call() -> Health:
        route53 = client(session, "route53", ROUTE53_API_REGION)
        observations = route53.get_health_check_status(HealthCheckId=health_check_id)[
            "HealthCheckObservations"
        ]
        healthy = sum(
            1 for o in observations if o.get("StatusReport", {}).get("Status", "").startswith("Success")
        )
        return Health(region, health_check_id, healthy_checkers=healthy, checkers=len(observations))

    health, error = _soft(call)
    return health if health is not None else Health(region, health_check_id, error=error)


def read_control(session: Any, region: str, targets: DrTargets) -> Control:
    view = targets.control_tables[region]
    state, error = _soft(lambda: view.read(client(session, "dynamodb", region)))
    return Control(region, view.table_name, state=state, error=error)


def routing_controls(targets: DrTargets, arc_client_factory: Any, session: Any) -> Any:
    """failover.arc.RoutingControls over the discovered endpoints (rotation on failure); the
    'home' control is the primary's, the 'peer' the dr region's."""
    from failover.arc import RoutingControls, boto3_factory
    from failover.config import ArcEndpoint

    return RoutingControls(
        [ArcEndpoint(url, region) for url, region in targets.arc_endpoints],
        arc_client_factory or boto3_factory(ARC_TIMEOUT_SECONDS, session),
        targets.routing_controls.get(targets.primary_region, ""),
        targets.routing_controls.get(targets.dr_region, ""),
        # Start the rotation at an endpoint that answered discovery, not the failed region's.
        prefer_region=next((r for r in targets.regions if targets.reachable(r)), None),
    )


def read_authority(targets: DrTargets, session: Any, arc_client_factory: Any = None) -> Authority | None:
    """Both routing controls, read through the ARC data plane; None when not discovered."""
    if not targets.arc_endpoints or not all(r in targets.routing_controls for r in targets.regions):
        return None
    controls = routing_controls(targets, arc_client_factory, session)
    try:
        states = controls.states()
    except ArcError as error:
        return Authority(error=str(error))
    except ClientError as error:
        return Authority(error=describe(error))
    return Authority({targets.primary_region: states["home"], targets.dr_region: states["peer"]})


def collect_status(
    targets: DrTargets, session: Any = None, now: dt.datetime | None = None, arc_client_factory: Any = None
) -> Status:
    """Everything the view shows, as data. Raises OperatorError only for missing credentials.
    Regions in targets.unreachable are not asked again."""
    if session is None:
        import boto3

        session = boto3.Session()
    now = now or dt.datetime.now(dt.UTC)
    status = Status(targets)
    reachable = [r for r in targets.regions if targets.reachable(r)]
    with credentials_required():
        if targets.global_cluster_id:
            status.clusters = [
                read_global_cluster(session, r, targets.global_cluster_id)
                if targets.reachable(r)
                else ClusterView(r, error=f"not asked: {targets.unreachable[r]}")
                for r in targets.regions
            ]
            answered = next((view for view in status.clusters if view.members), None)
            if answered:
                status.lags = [
                    read_lag(session, m, now)
                    for m in answered.members
                    if not m.is_writer and targets.reachable(m.region)
                ]
        if targets.reachable(ROUTE53_API_REGION):
            status.health = [read_health(session, r, hc) for r, hc in targets.health_checks.items()]
        else:  # its API lives in the region that does not answer: not asked again
            error = f"not asked: Route 53's API is in {ROUTE53_API_REGION}, which does not answer"
            status.health = [Health(r, hc, error=error) for r, hc in targets.health_checks.items()]
        status.control = [read_control(session, r, targets) for r in reachable if r in targets.control_tables]
        status.authority = read_authority(targets, session, arc_client_factory)
    return status


def _decision(value: Any) -> str:
    if value is None:
        return "-"
    return value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)


def status_document(status: Status) -> dict[str, Any]:
    """The status as plain data for --json (the CLI adds schemaVersion)."""
    from dataclasses import asdict

    targets = status.targets
    return {
        "primaryRegion": targets.primary_region,
        "drRegion": targets.dr_region,
        "globalClusterId": targets.global_cluster_id,
        "writerRegion": status.writer_region,
        "clusters": [asdict(view) for view in status.clusters],
        "lags": [asdict(lag) for lag in status.lags],
        "health": [{**asdict(health), "state": health.state} for health in status.health],
        "control": [asdict(control) for control in status.control],
        "routingControls": asdict(status.authority) if status.authority else None,
        "unreachable": dict(targets.unreachable),
        "incidents": status.incidents(),
        "warnings": status.warnings(),
    }


def render_status(console: Console, status: Status) -> None:
    targets = status.targets
    writer = status.writer_region
    console.print(
        f"[bold]trading-dr[/] primary {targets.primary_region}, dr {targets.dr_region}: "
        + (f"writer in [bold green]{writer}[/]" if writer else "[bold yellow]writer unknown[/]")
    )
    for region, error in targets.unreachable.items():
        console.print(f"[bold red]{region}: UNREACHABLE[/] ({escape(error)})", highlight=False)
    lags = {lag.cluster_id: lag for lag in status.lags}
    table = Table(
        title=f"global cluster {targets.global_cluster_id or '(not exported)'}", title_justify="left"
    )
    for column in ("asked in", "status", "member", "region", "role", "replication lag"):
        table.add_column(column)
    for view in status.clusters:
        if view.error:
            table.add_row(view.region, f"[red]{escape(view.error)}[/]", "", "", "", "")
            continue
        for member in view.members:
            lag = lags.get(member.cluster_id)
            lag_text = "-"
            if lag and lag.milliseconds is not None:
                lag_text = f"{lag.milliseconds:.0f} ms"
            elif lag:
                lag_text = f"[yellow]{escape(str(lag.error))}[/]"
            role = "[bold green]writer[/]" if member.is_writer else "reader"
            table.add_row(view.region, view.status or "-", member.cluster_id, member.region, role, lag_text)
    emit_table(console, table)

    table = Table(title="Route 53 health checks", title_justify="left")
    for column in ("region", "health check", "state", "checkers healthy"):
        table.add_column(column)
    colour = {"healthy": "green", "unhealthy": "bold red", "unknown": "yellow"}
    for health in status.health:
        detail = escape(health.error) if health.error else f"{health.healthy_checkers}/{health.checkers}"
        table.add_row(
            health.region, health.health_check_id, f"[{colour[health.state]}]{health.state}[/]", detail
        )
    if not status.health:
        table.add_row("-", "(not exported)", "", "")
    emit_table(console, table)

    table = Table(title="control tables", title_justify="left")
    for column in (
        "region",
        "table",
        "active region",
        "epoch",
        "automatic failover",
        "execution",
        "last decision",
    ):
        table.add_column(column)
    for control in status.control:
        if control.error or control.state is None:
            table.add_row(
                control.region,
                control.table,
                f"[yellow]{escape(control.error or 'no record yet')}[/]",
                "",
                "",
                "",
                "",
            )
            continue
        state = control.state
        armed = "armed" if state.armed is not False else "[bold yellow]DISARMED[/]"
        if state.arming and state.arming.get("by"):
            armed += escape(f" ({state.arming.get('by')}: {state.arming.get('reason', '')})")
        execution = "-"
        if state.execution:
            execution = escape(
                " ".join(str(state.execution.get(k) or "") for k in ("kind", "status", "step"))
            )
        table.add_row(
            control.region,
            control.table,
            state.active_region or "-",
            "-" if state.epoch is None else str(state.epoch),
            armed,
            execution,
            escape(_decision(state.last_decision)),
        )
    if not status.control:
        table.add_row("-", "(not exported)", "", "", "", "", "")
    emit_table(console, table)

    table = Table(
        title="ARC routing controls (the authority, read through the data plane)", title_justify="left"
    )
    for column in ("region", "routing control", "state"):
        table.add_column(column)
    authority = status.authority
    if authority is None:
        table.add_row("-", "(not discovered)", "")
    elif authority.error:
        table.add_row("-", f"[yellow]{escape(authority.error)}[/]", "")
    else:
        for region, state in authority.states.items():
            colour = "bold green" if state == ON else "dim"
            table.add_row(region, escape(targets.routing_controls.get(region, "")), f"[{colour}]{state}[/]")
    emit_table(console, table)
    for incident in status.incidents():
        console.print(f"[bold red]{escape(incident)}[/]", highlight=False)
    for warning in status.warnings():
        console.print(f"[bold yellow]warning:[/] {escape(warning)}", highlight=False)
