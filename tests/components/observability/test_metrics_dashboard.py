"""Pure tests of the metric specs (components/observability/metrics.py) and the dashboard body
(components/observability/dashboard.py): no Pulumi, no engine."""

from __future__ import annotations

import json

import pytest

from components.observability.dashboard import GRID_WIDTH, dashboard_body
from components.observability.metrics import (
    MAX_DECISION_SECONDS,
    AlbMetrics,
    AuroraMetrics,
    MetricSpec,
    OrchestratorMetrics,
    TableMetrics,
    health_check_spec,
    regional_specs,
)

ALL_GROUPS = dict(
    aurora=AuroraMetrics(cluster_id="trading-dr-dr-aurora"),
    alb=AlbMetrics(
        load_balancer_arn_suffix="app/trading-dr-dr/50dc6c495c0c9188",
        target_group_arn_suffix="targetgroup/trading-dr-app/73e2d6bc24d8a067",
    ),
    tables=TableMetrics(
        table_names={"sessions": "trading-dr-sessions", "configuration": "trading-dr-configuration"},
        receiving_region="us-east-1",
    ),
    orchestrator=OrchestratorMetrics(function_name="trading-dr-orchestrator", dlq_name="trading-dr-dlq"),
)


def all_specs(max_lag: int = 30) -> list[MetricSpec]:
    return regional_specs(max_lag, **ALL_GROUPS)


def by_metric(specs: list[MetricSpec]) -> dict[str, list[MetricSpec]]:
    found: dict[str, list[MetricSpec]] = {}
    for spec in specs:
        found.setdefault(spec.metric_name, []).append(spec)
    return found


def test_no_groups_no_specs():
    assert regional_specs(30) == []


@pytest.mark.parametrize("max_lag", [1, 30, 300])
def test_lag_thresholds_are_the_rpo_gate_in_milliseconds(max_lag):
    metrics = by_metric(all_specs(max_lag))
    for name in ("AuroraGlobalDBReplicationLag", "AuroraGlobalDBRPOLag", "ReplicationLatency"):
        assert metrics[name], name
        for spec in metrics[name]:
            assert spec.threshold == max_lag * 1000, spec.key
            assert spec.comparison == "GreaterThanThreshold"


def test_metric_identities_match_what_aws_publishes():
    # (namespace, metric) -> dimension names CloudWatch publishes the metric under.
    expected = {
        ("AWS/RDS", "AuroraGlobalDBReplicationLag"): {"DBClusterIdentifier"},
        ("AWS/RDS", "AuroraGlobalDBRPOLag"): {"DBClusterIdentifier"},
        ("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count"): {"LoadBalancer"},
        ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count"): {"LoadBalancer", "TargetGroup"},
        ("AWS/ApplicationELB", "UnHealthyHostCount"): {"LoadBalancer", "TargetGroup"},
        ("AWS/DynamoDB", "ReplicationLatency"): {"TableName", "ReceivingRegion"},
        ("AWS/DynamoDB", "ReadThrottleEvents"): {"TableName"},
        ("AWS/DynamoDB", "WriteThrottleEvents"): {"TableName"},
        ("AWS/Lambda", "Errors"): {"FunctionName"},
        # https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
        ("AWS/Lambda", "Invocations"): {"FunctionName"},
        ("AWS/Lambda", "Throttles"): {"FunctionName"},
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"): {"QueueName"},
        # The runtime's own page metric: what failover/paging.py puts (Kind=<kind> and Kind=all).
        ("TradingDr/Failover", "Page"): {"Kind"},
    }
    specs = all_specs()
    assert {(s.namespace, s.metric_name) for s in specs} == set(expected)
    for spec in specs:
        assert set(spec.dimensions) == expected[(spec.namespace, spec.metric_name)], spec.key


def test_table_specs_cover_every_table_towards_the_peer():
    specs = by_metric(all_specs())
    latency = specs["ReplicationLatency"]
    assert {s.dimensions["TableName"] for s in latency} == set(ALL_GROUPS["tables"].table_names.values())
    assert {s.dimensions["ReceivingRegion"] for s in latency} == {"us-east-1"}
    for kind in ("ReadThrottleEvents", "WriteThrottleEvents"):
        assert len(specs[kind]) == len(ALL_GROUPS["tables"].table_names)


def test_every_spec_decides_within_the_rto_budget():
    for spec in [*all_specs(), health_check_spec("hc-1", "primary")]:
        assert spec.period * spec.evaluation_periods <= MAX_DECISION_SECONDS, spec.key
        assert 1 <= spec.datapoints_to_alarm <= spec.evaluation_periods, spec.key


def test_keys_are_unique():
    keys = [s.key for s in all_specs()]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(
    "change, message",
    [
        ({"treat_missing_data": "maybe"}, "treat_missing_data"),
        ({"comparison": "Above"}, "comparison"),
        ({"evaluation_periods": 5}, "RTO budget"),
        ({"datapoints_to_alarm": 4}, "datapoints_to_alarm"),
    ],
)
def test_bad_spec_is_rejected_naming_the_rule(change, message):
    base = dict(
        key="k",
        title="t",
        group="g",
        namespace="AWS/X",
        metric_name="M",
        dimensions={},
        statistic="Sum",
        threshold=0,
        comparison="GreaterThanThreshold",
        treat_missing_data="notBreaching",
        description="d",
    )
    with pytest.raises(ValueError, match=message):
        MetricSpec(**{**base, **change})


def test_health_check_spec_alarms_on_unhealthy_and_on_silence():
    spec = health_check_spec("abcd-1234", "primary")
    assert (spec.namespace, spec.metric_name) == ("AWS/Route53", "HealthCheckStatus")
    assert spec.dimensions == {"HealthCheckId": "abcd-1234"}
    assert spec.comparison == "LessThanThreshold" and spec.threshold == 1
    assert spec.treat_missing_data == "breaching"


# --- dashboard -------------------------------------------------------------------------


def metric_widgets(body: str) -> list[dict]:
    return [w for w in json.loads(body)["widgets"] if w["type"] == "metric"]


def test_dashboard_has_one_graph_per_spec_with_its_threshold():
    specs = all_specs()
    widgets = metric_widgets(dashboard_body("t", "us-west-2", specs))
    assert len(widgets) == len(specs)
    for spec, widget in zip(specs, widgets, strict=True):
        props = widget["properties"]
        namespace, metric, *dims = props["metrics"][0]
        assert (namespace, metric) == (spec.namespace, spec.metric_name)
        assert dict(zip(dims[::2], dims[1::2], strict=True)) == spec.dimensions
        assert props["region"] == "us-west-2"
        assert props["stat"] == spec.statistic and props["period"] == spec.period
        assert [a["value"] for a in props["annotations"]["horizontal"]] == [spec.threshold]


def test_dashboard_widgets_fit_the_grid_without_overlapping():
    widgets = json.loads(dashboard_body("t", "us-east-1", all_specs()))["widgets"]
    cells: set[tuple[int, int]] = set()
    for widget in widgets:
        assert 0 <= widget["x"] and widget["x"] + widget["width"] <= GRID_WIDTH
        area = {
            (x, y)
            for x in range(widget["x"], widget["x"] + widget["width"])
            for y in range(widget["y"], widget["y"] + widget["height"])
        }
        assert not cells & area, widget
        cells |= area


def test_dashboard_sections_follow_the_groups():
    body = json.loads(dashboard_body("t", "us-east-1", all_specs()))
    headers = [w["properties"]["markdown"] for w in body["widgets"] if w["type"] == "text"][1:]
    assert headers == ["## Aurora", "## DynamoDB", "## Load balancer", "## Orchestrator"]


def test_empty_dashboard_is_still_a_valid_body():
    widgets = json.loads(dashboard_body("t", "us-east-1", []))["widgets"]
    assert widgets and not [w for w in widgets if w["type"] == "metric"]


def test_unresolved_dimensions_are_refused():
    spec = health_check_spec(object(), "primary")
    with pytest.raises(TypeError, match="route53-primary-health"):
        dashboard_body("t", "us-east-1", [spec])
