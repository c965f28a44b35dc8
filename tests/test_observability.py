"""Alert topics, alarms and dashboards on the mock engine.

Two kinds of runs: the real stacks (conftest `stacks`), and a small program per stack that
builds the real RegionalStack and then a RegionalAlarms wired to every metric group with
realistic producer outputs, plus a Route 53 health-check alarm. The second proves the
component for inputs whose producers are built elsewhere."""

from __future__ import annotations

import json

import pulumi
import pytest

from components.alarms import RegionalAlarms, RegionalAlarmsArgs
from components.aurora import GlobalMembership
from components.metrics import AlbMetrics, AuroraMetrics, OrchestratorMetrics, TableMetrics
from components.providers import GLOBAL_REGION, create_providers
from components.regional import RegionalStack, RegionalStackArgs
from ops.mock_engine import MOCK_ACCOUNT, StackRun, run_program, run_stack

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"


def cluster_id(settings) -> str:
    return f"trading-dr-{settings.role}-aurora"


def wired_program():
    """The real regional stack, then RegionalAlarms fed as the producers will feed it."""

    def program(settings):
        providers = create_providers(settings)
        regional = RegionalStack(
            "home",
            RegionalStackArgs(
                settings=settings,
                providers=providers,
                database=GlobalMembership(
                    global_cluster_id="trading-dr-global",
                    master_password=pulumi.Output.secret("not-a-real-password"),
                    creates_writer=settings.is_primary,
                ),
                zone_id="ZTESTZONE",
            ),
            opts=pulumi.ResourceOptions(provider=providers.home),
        )
        # Producers hand over Outputs; the dashboard must wait for them.
        later = pulumi.Output.from_input
        RegionalAlarms(
            "wired",
            RegionalAlarmsArgs(
                region=settings.home_region,
                topic_arn=regional.alerts.arn,
                max_replication_lag_seconds=settings.failover.max_replication_lag_seconds,
                name_prefix=f"trading-dr-{settings.role}",
                aurora=AuroraMetrics(cluster_id=later(cluster_id(settings))),
                alb=AlbMetrics(
                    load_balancer_arn_suffix=later(f"app/trading-dr-{settings.role}/50dc6c495c0c9188"),
                    target_group_arn_suffix=later("targetgroup/trading-dr-app/73e2d6bc24d8a067"),
                ),
                tables=TableMetrics(
                    table_names={
                        "sessions": later("trading-dr-sessions"),
                        "configuration": "trading-dr-config",
                    },
                    receiving_region=settings.peer_region,
                ),
                orchestrator=OrchestratorMetrics(
                    function_name=later(f"trading-dr-{settings.role}-orchestrator"),
                    dlq_name=later(f"trading-dr-{settings.role}-orchestrator-dlq"),
                ),
            ),
            opts=pulumi.ResourceOptions(provider=providers.home),
        )
        return {"alertTopicArn": regional.alerts.arn}

    return program


@pytest.fixture(scope="module")
def wired() -> tuple[StackRun, StackRun]:
    primary = run_program(wired_program(), stack="primary")
    dr = run_program(wired_program(), stack="dr")
    return primary, dr


def encrypted_topics(*runs: StackRun) -> dict[str, str]:
    """ARN -> region of every topic that names a KMS key of its own region."""
    keys = {k.outputs["arn"]: k.region for run in runs for k in run.of_type("aws:kms/key:Key")}
    return {
        t.outputs["arn"]: t.region
        for run in runs
        for t in run.of_type(TOPIC)
        if keys.get(t.inputs.get("kmsMasterKeyId")) == t.region
    }


def wired_alarms(run: StackRun) -> list:
    return [a for a in run.of_type(ALARM) if a.name.startswith("wired")]


# --- alarms ------------------------------------------------------------------------------


def test_every_alarm_notifies_an_encrypted_topic_of_its_region(stacks, wired):
    topics = encrypted_topics(*stacks, *wired)
    alarms = [a for run in (*stacks, *wired) for a in run.of_type(ALARM)]
    assert len(alarms) >= 2 * 13  # the wired runs alone hold 13 regional alarms
    for alarm in alarms:
        actions = alarm.inputs.get("alarmActions")
        assert actions and actions == alarm.inputs.get("okActions"), alarm.name
        for arn in actions:
            assert topics.get(arn) == alarm.region, f"{alarm.name}: {arn} is not an encrypted topic here"


def test_the_lag_alarms_exist_in_both_regions(wired):
    for run in wired:
        for metric in ("AuroraGlobalDBReplicationLag", "AuroraGlobalDBRPOLag"):
            [alarm] = [a for a in wired_alarms(run) if a.inputs["metricName"] == metric]
            assert alarm.region == run.settings.home_region
            assert alarm.inputs["namespace"] == "AWS/RDS"
            assert alarm.inputs["dimensions"] == {"DBClusterIdentifier": cluster_id(run.settings)}
            assert alarm.inputs["threshold"] == run.settings.failover.max_replication_lag_seconds * 1000
    assert {run.settings.home_region for run in wired} == {"us-east-1", "us-west-2"}


def test_the_lag_alarm_follows_the_rpo_gate():
    run = run_program(wired_program(), stack="primary", overrides={"trading-dr:maxReplicationLagSeconds": 7})
    lag_alarms = [a for a in run.of_type(ALARM) if a.inputs["metricName"] == "AuroraGlobalDBReplicationLag"]
    assert len(lag_alarms) == 2  # the stack's own and the wired program's
    assert all(alarm.inputs["threshold"] == 7000 for alarm in lag_alarms)


def test_each_stack_alarms_on_its_own_aurora_cluster(stacks):
    """Activates once the data tier registers its clusters in the stacks."""
    clusters = [c for run in stacks for c in run.of_type("aws:rds/cluster:Cluster")]
    if not clusters:
        pytest.skip("no Aurora cluster in the stacks yet (data tier not merged)")
    for run in stacks:
        ids = {c.outputs.get("clusterIdentifier") or c.id for c in run.of_type("aws:rds/cluster:Cluster")}
        lag = [a for a in run.of_type(ALARM) if a.inputs["metricName"] == "AuroraGlobalDBReplicationLag"]
        assert {a.inputs["dimensions"]["DBClusterIdentifier"] for a in lag} == ids
        assert {a.region for a in lag} == {run.settings.home_region}


def test_every_alarm_decides_fast_and_says_what_missing_data_means(stacks, wired):
    for alarm in [a for run in (*stacks, *wired) for a in run.of_type(ALARM)]:
        inputs = alarm.inputs
        assert inputs["period"] * inputs["evaluationPeriods"] <= 180, alarm.name
        assert 1 <= inputs["datapointsToAlarm"] <= inputs["evaluationPeriods"], alarm.name
        assert inputs["treatMissingData"] in ("breaching", "notBreaching"), alarm.name


def test_the_dashboard_graphs_every_alarmed_metric(wired):
    for run in wired:
        [dashboard] = [d for d in run.of_type(DASHBOARD) if d.name == "wired-dashboard"]
        assert dashboard.region == run.settings.home_region
        graphs = [
            w["properties"]
            for w in json.loads(dashboard.inputs["dashboardBody"])["widgets"]
            if w["type"] == "metric"
        ]
        shown = {
            (g["region"], g["metrics"][0][0], g["metrics"][0][1], tuple(g["metrics"][0][2:])) for g in graphs
        }
        regional = wired_alarms(run)
        assert len(regional) == 13
        for alarm in regional:
            dims = tuple(part for item in sorted(alarm.inputs["dimensions"].items()) for part in item)
            assert (alarm.region, alarm.inputs["namespace"], alarm.inputs["metricName"], dims) in shown


def test_each_stack_has_a_dashboard_in_its_region(stacks):
    for run in stacks:
        [dashboard] = run.of_type(DASHBOARD)
        assert dashboard.region == run.settings.home_region
        assert run.exports["dashboardName"] == dashboard.inputs["dashboardName"]
        assert json.loads(dashboard.inputs["dashboardBody"])["widgets"]


def test_route53_alarms_live_in_us_east_1_and_notify_a_topic_there(stacks):
    for run in stacks:
        [alarm] = [a for a in run.of_type(ALARM) if a.inputs["namespace"] == "AWS/Route53"]
        assert alarm.region == GLOBAL_REGION
        assert alarm.inputs["metricName"] == "HealthCheckStatus"
        assert alarm.inputs["dimensions"] == {"HealthCheckId": run.exports["healthCheckId"]}
        [topic_arn] = alarm.inputs["alarmActions"]
        assert encrypted_topics(run)[topic_arn] == GLOBAL_REGION
    # Both stacks alarm in the same account and in us-east-1: no two alarm names may collide.
    names = [a.inputs["name"] for run in stacks for a in run.of_type(ALARM) if a.region == GLOBAL_REGION]
    assert len(names) == len(set(names))
    assert sum(name.endswith("route53-health") for name in names) == 2


# --- topics ------------------------------------------------------------------------------


def topics_and_keys(run: StackRun):
    """(topic, the key encrypting it) for every topic of a stack; the key must be a key of
    this stack in the topic's region."""
    keys = {k.outputs["arn"]: k for k in run.of_type("aws:kms/key:Key")}
    pairs = [(t, keys.get(t.inputs.get("kmsMasterKeyId"))) for t in run.of_type(TOPIC)]
    assert pairs
    return pairs


def test_every_topic_is_encrypted_with_a_cmk_of_its_own_region(stacks):
    for run in stacks:
        for topic, key in topics_and_keys(run):
            assert key is not None, f"{topic.name} is not under a CMK of this stack"
            assert key.region == topic.region
    for run in stacks:
        [regional] = [
            t
            for t in run.of_type(TOPIC)
            if t.region == run.settings.home_region and t.name.startswith("home-alerts")
        ]
        assert run.exports["alertTopicArn"] == regional.outputs["arn"]
        assert run.exports["globalAlertTopicArn"] != regional.outputs["arn"]


def test_topic_policy_admits_cloudwatch_and_eventbridge_of_this_account_only(stacks):
    for run in stacks:
        policies = {p.inputs["arn"]: p for p in run.of_type("aws:sns/topicPolicy:TopicPolicy")}
        for topic in run.of_type(TOPIC):
            policy = policies[topic.outputs["arn"]]
            statements = json.loads(policy.inputs["policy"])["Statement"]
            principals = set()
            for statement in statements:
                assert statement["Effect"] == "Allow"
                assert statement["Action"] == "sns:Publish"
                assert statement["Resource"] == topic.outputs["arn"]
                assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": MOCK_ACCOUNT}
                source = statement["Condition"]["ArnLike"]["aws:SourceArn"]
                assert source.split(":")[3:5] == [topic.region, MOCK_ACCOUNT]
                principals.add(statement["Principal"]["Service"])
            assert principals == {"cloudwatch.amazonaws.com", "events.amazonaws.com"}


def test_the_keys_let_alarms_and_rules_publish_to_encrypted_topics(stacks):
    for run in stacks:
        for _, key in topics_and_keys(run):
            statements = json.loads(key.inputs["policy"])["Statement"]
            grants = {
                service: set(s["Action"])
                for s in statements
                for service in (s["Principal"].get("Service") or [])
                if isinstance(s["Principal"].get("Service"), list)
            }
            for service in ("cloudwatch.amazonaws.com", "events.amazonaws.com"):
                assert {"kms:Decrypt", "kms:GenerateDataKey*"} <= grants.get(service, set()), service


def test_email_subscription_on_every_topic_only_when_configured():
    run = run_stack("primary", overrides={"trading-dr:alertEmail": "oncall@example.com"})
    topics = {t.outputs["arn"] for t in run.of_type(TOPIC)}
    subscriptions = run.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert {s.inputs["topic"] for s in subscriptions} == topics
    for subscription in subscriptions:
        assert subscription.inputs["protocol"] == "email"
        assert subscription.inputs["endpoint"] == "oncall@example.com"


def test_no_subscription_without_an_address(primary):
    assert primary.settings.alert_email is None
    assert not primary.of_type("aws:sns/topicSubscription:TopicSubscription")
