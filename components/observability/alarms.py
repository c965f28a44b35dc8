"""RegionalAlarms: a CloudWatch alarm per MetricSpec of this region and the region's dashboard,
both built from the same specs (components/observability/metrics.py). `health_check_alarm` builds the
Route 53 health-check alarm, which must live in us-east-1 whatever the stack's region.

Every alarm notifies the region's alert topic on ALARM and on OK, so an operator sees both
the page and the all-clear.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import RegionalContext
from components.observability.dashboard import dashboard_body
from components.observability.metrics import (
    AlbMetrics,
    AuroraMetrics,
    MetricSpec,
    OrchestratorMetrics,
    TableMetrics,
    health_check_spec,
    regional_specs,
    with_dimensions,
)

# Spec keys of the Aurora lag alarms: the orchestrator reads their state as a signal.
AURORA_LAG_KEYS = ("aurora-replication-lag", "aurora-rpo-lag")


def alarm_name(name_prefix: str, spec_key: str) -> str:
    """The CloudWatch name of a regional alarm; others (the orchestrator) find it by it."""
    return f"{name_prefix}-{spec_key}"


def metric_alarm(
    name: str, spec: MetricSpec, topic_arn: pulumi.Input[str], alarm_name: str, opts: pulumi.ResourceOptions
) -> aws.cloudwatch.MetricAlarm:
    """The alarm for one spec, notifying `topic_arn` (a topic in the alarm's region)."""
    return aws.cloudwatch.MetricAlarm(
        name,
        name=alarm_name,
        alarm_description=spec.description,
        namespace=spec.namespace,
        metric_name=spec.metric_name,
        dimensions=dict(spec.dimensions),
        statistic=spec.statistic,
        period=spec.period,
        evaluation_periods=spec.evaluation_periods,
        datapoints_to_alarm=spec.datapoints_to_alarm,
        threshold=spec.threshold,
        comparison_operator=spec.comparison,
        treat_missing_data=spec.treat_missing_data,
        alarm_actions=[topic_arn],
        ok_actions=[topic_arn],
        opts=opts,
    )


def health_check_alarm(
    name: str,
    health_check_id: pulumi.Input[str],
    label: str,
    topic_arn: pulumi.Input[str],
    provider: aws.Provider | None = None,
    parent: pulumi.Resource | None = None,
    alarm_name: str | None = None,
) -> aws.cloudwatch.MetricAlarm:
    """Alarm on a Route 53 health check. Route 53 publishes HealthCheckStatus only in
    us-east-1, so the provider (`provider`, or the parent's when None) must point there and
    `topic_arn` must be a us-east-1 topic (components/observability/global_alerts.py)."""
    return metric_alarm(
        name,
        health_check_spec(health_check_id, label),
        topic_arn,
        alarm_name or name,
        pulumi.ResourceOptions(provider=provider, parent=parent),
    )


@dataclass
class RegionalAlarmsArgs:
    context: RegionalContext
    """Region, account, partition, names, protection, data key (components/context.py)."""
    topic_arn: pulumi.Input[str]
    """The region's alert topic (AlertTopic.arn)."""
    max_replication_lag_seconds: int
    """RPO gate (settings.failover.max_lag_seconds): the lag alarms' threshold."""
    aurora: AuroraMetrics | None = None
    alb: AlbMetrics | None = None
    tables: TableMetrics | None = None
    orchestrator: OrchestratorMetrics | None = None
    """Metric groups whose producers exist in this region; None for one not (yet) built."""


class RegionalAlarms(pulumi.ComponentResource):
    specs: list[MetricSpec]
    alarms: dict[str, aws.cloudwatch.MetricAlarm]
    """Spec key (e.g. aurora-replication-lag) -> alarm; the orchestrator may read their state."""
    dashboard: aws.cloudwatch.Dashboard

    def __init__(self, name: str, args: RegionalAlarmsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:alarms:RegionalAlarms", name, None, opts)
        self.specs = regional_specs(
            args.max_replication_lag_seconds,
            aurora=args.aurora,
            alb=args.alb,
            tables=args.tables,
            orchestrator=args.orchestrator,
        )
        self.alarms = {
            spec.key: metric_alarm(
                f"{name}-{spec.key}",
                spec,
                args.topic_arn,
                alarm_name(args.context.name_prefix, spec.key),
                pulumi.ResourceOptions(parent=self),
            )
            for spec in self.specs
        }
        self.dashboard = self._dashboard(name, args)
        self.register_outputs(
            {
                "alarm_arns": {key: alarm.arn for key, alarm in self.alarms.items()},
                "dashboard_name": self.dashboard.dashboard_name,
            }
        )

    def _dashboard(self, name: str, args: RegionalAlarmsArgs) -> aws.cloudwatch.Dashboard:
        # Dimension values are Outputs of the producers; the body is built once they resolve.
        resolved = pulumi.Output.all(*[pulumi.Output.from_input(dict(s.dimensions)) for s in self.specs])
        body = resolved.apply(
            lambda dimensions: dashboard_body(
                f"{args.context.name_prefix} disaster recovery",
                args.context.region,
                with_dimensions(self.specs, dimensions),
            )
        )
        return aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=f"{args.context.name_prefix}-{args.context.region}",
            dashboard_body=body,
            opts=pulumi.ResourceOptions(parent=self),
        )

    @property
    def dashboard_name(self) -> pulumi.Output[str]:
        return self.dashboard.dashboard_name
