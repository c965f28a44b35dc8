"""What the platform watches: one MetricSpec per alarm, the single source of truth for both the
CloudWatch alarms (components/observability/alarms.py) and the dashboard widgets
(components/observability/dashboard.py).

Pure: the builders take plain values or Pulumi Inputs for the dimension values and return
specs; nothing here registers a resource. The metric groups (AuroraMetrics, AlbMetrics,
TableMetrics, OrchestratorMetrics) are the inputs the producing components hand over.

Timing: the platform's RTO is well under 5 minutes, so every alarm decides on 1-minute
periods and fires within at most 3 minutes of the condition starting
(`evaluation_periods * period <= MAX_DECISION_SECONDS`). "M of N" datapoints absorb a
single noisy minute where one bad minute is not yet an incident.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from failover.config import PAGE_ALL_KINDS, PAGE_METRIC, PAGE_NAMESPACE

MAX_DECISION_SECONDS = 180
"""Longest window any alarm may need to decide; leaves the failover most of a 5-minute RTO."""

TREAT_MISSING_DATA = ("breaching", "notBreaching", "ignore", "missing")
COMPARISONS = (
    "GreaterThanThreshold",
    "GreaterThanOrEqualToThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
)

# Error budgets with no config key of their own. Counts per minute per region: a handful of
# 5xx in a minute is noise on a trading front end; a sustained dozen is an incident.
ELB_5XX_PER_MINUTE = 10
TARGET_5XX_PER_MINUTE = 10


@dataclass(frozen=True)
class MetricSpec:
    """One watched metric and the alarm on it."""

    key: str
    """Stable short id, unique per region (alarm and widget names derive from it)."""
    title: str
    group: str
    """Dashboard section: Aurora, Load balancer, DynamoDB, Orchestrator, Route 53."""
    namespace: str
    metric_name: str
    dimensions: Mapping[str, Any]
    """Dimension name -> value (a str, or a pulumi Input until resolved)."""
    statistic: str
    threshold: float
    comparison: str
    treat_missing_data: str
    description: str
    unit: str = ""
    """What the threshold counts, for the dashboard axis label."""
    period: int = 60
    evaluation_periods: int = 3
    datapoints_to_alarm: int = 2

    def __post_init__(self) -> None:
        problems = []
        if self.treat_missing_data not in TREAT_MISSING_DATA:
            problems.append(f"treat_missing_data {self.treat_missing_data!r} not in {TREAT_MISSING_DATA}")
        if self.comparison not in COMPARISONS:
            problems.append(f"comparison {self.comparison!r} not in {COMPARISONS}")
        if not 1 <= self.datapoints_to_alarm <= self.evaluation_periods:
            problems.append(
                f"datapoints_to_alarm {self.datapoints_to_alarm} must be 1..{self.evaluation_periods}"
            )
        if self.period * self.evaluation_periods > MAX_DECISION_SECONDS:
            problems.append(
                f"{self.evaluation_periods} x {self.period}s exceeds {MAX_DECISION_SECONDS}s (RTO budget)"
            )
        if problems:
            raise ValueError(f"metric spec {self.key}: " + "; ".join(problems))


@dataclass
class AuroraMetrics:
    """The home region's Aurora cluster (the data tier's regional cluster)."""

    cluster_id: Any
    """DBClusterIdentifier of the cluster in this region: `cluster.cluster_identifier`."""


@dataclass
class AlbMetrics:
    """The home region's application load balancer and its target group (traffic tier)."""

    load_balancer_arn_suffix: Any
    """`alb.arn_suffix`, e.g. app/trading-dr-primary/50dc6c495c0c9188."""
    target_group_arn_suffix: Any
    """`target_group.arn_suffix`, e.g. targetgroup/trading-dr-app/73e2d6bc24d8a067."""


@dataclass
class TableMetrics:
    """DynamoDB global tables replicated between home and peer (data tier)."""

    table_names: Mapping[str, Any]
    """Short label (sessions, configuration) -> table name; the same name in both regions."""
    receiving_region: str
    """The peer region: DynamoDB emits ReplicationLatency in the writing region, per receiver."""


@dataclass
class OrchestratorMetrics:
    """The failover orchestrator Lambda of this region and its dead-letter queue."""

    function_name: Any
    """`function.name`."""
    dlq_name: Any
    """`dead_letter_queue.name` (the SQS QueueName dimension)."""


def aurora_specs(metrics: AuroraMetrics, max_lag_seconds: int) -> list[MetricSpec]:
    """Replication and RPO lag of this region's cluster, against the failover RPO gate.

    Both metrics are published in the secondary's region for the secondary cluster, in
    milliseconds. Each stack alarms on its own cluster: today the dr cluster reports lag,
    after a failover the roles swap and the old primary reports it, so both regions need the
    alarm. A writer reports nothing, hence notBreaching for missing data: silence is the
    normal state of the writer, not a fault (loss of the secondary shows up in the
    orchestrator's own signals and the global cluster's state, not as a missing datapoint).
    AuroraGlobalDBRPOLag is published for Aurora PostgreSQL global databases only.
    """
    threshold_ms = max_lag_seconds * 1000
    dims = {"DBClusterIdentifier": metrics.cluster_id}
    common = dict(
        group="Aurora",
        namespace="AWS/RDS",
        dimensions=dims,
        statistic="Maximum",
        threshold=threshold_ms,
        comparison="GreaterThanThreshold",
        treat_missing_data="notBreaching",
        unit="ms",
    )
    return [
        MetricSpec(
            key="aurora-replication-lag",
            title="Aurora global replication lag",
            metric_name="AuroraGlobalDBReplicationLag",
            description=(
                f"Aurora global replication lag above {max_lag_seconds}s (the RPO gate): "
                "automatic promotion is blocked until it recovers."
            ),
            **common,
        ),
        MetricSpec(
            key="aurora-rpo-lag",
            title="Aurora global RPO lag",
            metric_name="AuroraGlobalDBRPOLag",
            description=f"Aurora global RPO lag above {max_lag_seconds}s: a failover now would lose data.",
            **common,
        ),
    ]


def alb_specs(metrics: AlbMetrics) -> list[MetricSpec]:
    """5xx from the load balancer itself and from the targets, and unhealthy hosts."""
    lb = {"LoadBalancer": metrics.load_balancer_arn_suffix}
    # The ALB publishes its HTTP code counts only for minutes in which they occur: missing
    # means zero errors.
    count = dict(
        group="Load balancer",
        namespace="AWS/ApplicationELB",
        statistic="Sum",
        comparison="GreaterThanThreshold",
        treat_missing_data="notBreaching",
        unit="count/min",
    )
    return [
        MetricSpec(
            key="alb-elb-5xx",
            title="ALB 5xx (load balancer)",
            metric_name="HTTPCode_ELB_5XX_Count",
            dimensions=lb,
            threshold=ELB_5XX_PER_MINUTE,
            description=f"The load balancer returned more than {ELB_5XX_PER_MINUTE} 5xx a minute.",
            **count,
        ),
        MetricSpec(
            key="alb-target-5xx",
            title="ALB 5xx (targets)",
            metric_name="HTTPCode_Target_5XX_Count",
            dimensions={**lb, "TargetGroup": metrics.target_group_arn_suffix},
            threshold=TARGET_5XX_PER_MINUTE,
            description=f"The application returned more than {TARGET_5XX_PER_MINUTE} 5xx a minute.",
            **count,
        ),
        MetricSpec(
            key="alb-unhealthy-hosts",
            title="ALB unhealthy hosts",
            group="Load balancer",
            namespace="AWS/ApplicationELB",
            metric_name="UnHealthyHostCount",
            dimensions={**lb, "TargetGroup": metrics.target_group_arn_suffix},
            statistic="Maximum",
            threshold=1,
            comparison="GreaterThanOrEqualToThreshold",
            # Host counts are published every minute while the target group is attached;
            # silence means we are blind to the fleet, which must page, not pass.
            treat_missing_data="breaching",
            unit="hosts",
            description="At least one target of the application is failing its health check.",
        ),
    ]


def table_specs(metrics: TableMetrics, max_lag_seconds: int) -> list[MetricSpec]:
    """Replication latency to the peer and read/write throttles, per global table."""
    specs = []
    for label, table_name in sorted(metrics.table_names.items()):
        table = {"TableName": table_name}
        specs.append(
            MetricSpec(
                key=f"dynamodb-{label}-replication-latency",
                title=f"DynamoDB {label} replication latency",
                group="DynamoDB",
                namespace="AWS/DynamoDB",
                metric_name="ReplicationLatency",
                dimensions={**table, "ReceivingRegion": metrics.receiving_region},
                statistic="Average",
                threshold=max_lag_seconds * 1000,
                comparison="GreaterThanThreshold",
                # Published only while writes replicate: an idle table is not a lagging one.
                treat_missing_data="notBreaching",
                unit="ms",
                description=(
                    f"Table {label} replicates to {metrics.receiving_region} more slowly than "
                    f"{max_lag_seconds}s."
                ),
            )
        )
        for kind in ("Read", "Write"):
            specs.append(
                MetricSpec(
                    key=f"dynamodb-{label}-{kind.lower()}-throttles",
                    title=f"DynamoDB {label} {kind.lower()} throttles",
                    group="DynamoDB",
                    namespace="AWS/DynamoDB",
                    metric_name=f"{kind}ThrottleEvents",
                    dimensions=table,
                    statistic="Sum",
                    threshold=0,
                    comparison="GreaterThanThreshold",
                    # Throttle events are published only when they happen.
                    treat_missing_data="notBreaching",
                    unit="events/min",
                    description=f"Table {label} is throttling {kind.lower()}s.",
                )
            )
    return specs


def orchestrator_specs(metrics: OrchestratorMetrics) -> list[MetricSpec]:
    """The orchestrator failing is itself an incident: alarm on the first error."""
    return [
        # Every page of the runtime also puts this metric (failover/paging.py), so a page
        # reaches the region's alert topic through CloudWatch as well as through SNS directly,
        # whatever this region's DynamoDB or the peer region does.
        MetricSpec(
            key="orchestrator-page",
            title="Orchestrator pages",
            group="Orchestrator",
            namespace=PAGE_NAMESPACE,
            metric_name=PAGE_METRIC,
            dimensions={"Kind": PAGE_ALL_KINDS},
            statistic="Sum",
            threshold=0,
            comparison="GreaterThanThreshold",
            # Put only while a condition holds: no datapoint is no page.
            treat_missing_data="notBreaching",
            unit="pages/min",
            evaluation_periods=1,
            datapoints_to_alarm=1,
            description="The failover orchestrator paged (abstaining, no quorum, RPO gate, a failed step, "
            "automatic failover disarmed, both regions unhealthy, ...): see its log and the alert topic.",
        ),
        MetricSpec(
            key="orchestrator-errors",
            title="Orchestrator errors",
            group="Orchestrator",
            namespace="AWS/Lambda",
            metric_name="Errors",
            dimensions={"FunctionName": metrics.function_name},
            statistic="Sum",
            threshold=0,
            comparison="GreaterThanThreshold",
            # Lambda publishes Errors only for minutes with invocations.
            treat_missing_data="notBreaching",
            unit="errors/min",
            evaluation_periods=1,
            datapoints_to_alarm=1,
            description="The failover orchestrator failed an invocation.",
        ),
        MetricSpec(
            key="orchestrator-dlq-depth",
            title="Orchestrator DLQ depth",
            group="Orchestrator",
            namespace="AWS/SQS",
            metric_name="ApproximateNumberOfMessagesVisible",
            dimensions={"QueueName": metrics.dlq_name},
            statistic="Maximum",
            threshold=0,
            comparison="GreaterThanThreshold",
            # SQS stops publishing for a queue idle for six hours; a queue holding messages
            # is active, so missing data means an empty DLQ.
            treat_missing_data="notBreaching",
            unit="messages",
            evaluation_periods=1,
            datapoints_to_alarm=1,
            description="Orchestrator events landed in the dead-letter queue: a failover step was lost.",
        ),
        # The runtime pages on its own (peer down, no quorum, RPO gate, failed step), so a
        # function that stops running pages nobody: the program watches the watcher.
        MetricSpec(
            key="orchestrator-silent",
            title="Orchestrator invocations",
            group="Orchestrator",
            namespace="AWS/Lambda",
            metric_name="Invocations",
            dimensions={"FunctionName": metrics.function_name},
            statistic="Sum",
            threshold=1,
            comparison="LessThanThreshold",
            # It runs every minute: no datapoint means no invocation (schedule disabled,
            # function deleted or unable to start).
            treat_missing_data="breaching",
            unit="invocations/min",
            evaluation_periods=3,
            datapoints_to_alarm=3,
            description="The failover orchestrator has not run for 3 minutes: nothing watches the peer.",
        ),
        # No reserved concurrency (it would fail on small accounts): a busy account can throttle
        # the one function that fails the region over.
        MetricSpec(
            key="orchestrator-throttles",
            title="Orchestrator throttles",
            group="Orchestrator",
            namespace="AWS/Lambda",
            metric_name="Throttles",
            dimensions={"FunctionName": metrics.function_name},
            statistic="Sum",
            threshold=0,
            comparison="GreaterThanThreshold",
            treat_missing_data="notBreaching",
            unit="throttles/min",
            evaluation_periods=1,
            datapoints_to_alarm=1,
            description="The failover orchestrator was throttled: the account's concurrency is exhausted.",
        ),
    ]


def health_check_spec(health_check_id: Any, label: str) -> MetricSpec:
    """A Route 53 health check reporting unhealthy. The metric exists only in us-east-1."""
    return MetricSpec(
        key=f"route53-{label}-health",
        title=f"Route 53 health check {label}",
        group="Route 53",
        namespace="AWS/Route53",
        metric_name="HealthCheckStatus",
        dimensions={"HealthCheckId": health_check_id},
        statistic="Minimum",
        threshold=1,
        comparison="LessThanThreshold",
        # Route 53 publishes the status every minute for as long as the check exists;
        # silence means the check is gone, which is as bad as unhealthy.
        treat_missing_data="breaching",
        unit="1 healthy / 0 unhealthy",
        # The health check already applies its own failure threshold: one minute suffices.
        evaluation_periods=1,
        datapoints_to_alarm=1,
        description=f"Route 53 health check {label} reports the endpoint unhealthy.",
    )


def regional_specs(
    max_lag_seconds: int,
    aurora: AuroraMetrics | None = None,
    alb: AlbMetrics | None = None,
    tables: TableMetrics | None = None,
    orchestrator: OrchestratorMetrics | None = None,
) -> list[MetricSpec]:
    """Every spec for the metric groups that exist in this region, in dashboard order."""
    specs: list[MetricSpec] = []
    if aurora is not None:
        specs += aurora_specs(aurora, max_lag_seconds)
    if tables is not None:
        specs += table_specs(tables, max_lag_seconds)
    if alb is not None:
        specs += alb_specs(alb)
    if orchestrator is not None:
        specs += orchestrator_specs(orchestrator)
    duplicates = sorted({s.key for s in specs if [t.key for t in specs].count(s.key) > 1})
    if duplicates:
        raise ValueError(f"duplicate metric spec keys {duplicates}")
    return specs


def with_dimensions(specs: Sequence[MetricSpec], dimensions: Sequence[Mapping[str, str]]) -> list[MetricSpec]:
    """The specs with their dimension values replaced by resolved ones (same order)."""
    return [replace(spec, dimensions=dict(dims)) for spec, dims in zip(specs, dimensions, strict=True)]
