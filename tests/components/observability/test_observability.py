"""Alert topics, alarms and dashboards on the mock engine, over the real stacks: every metric
group is wired to its producer (data tier, traffic, orchestrator) in RegionalStack."""

from __future__ import annotations

import json

from ops.mock_engine import MOCK_ACCOUNT, StackRun, run_stack

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"

# Route 53 publishes health-check metrics in its control-plane region, us-east-1 in the aws
# partition (https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/global-services.html).
ROUTE53_HOME = "us-east-1"


def regional_alarms(run: StackRun) -> list:
    """The alarms of the stack's RegionalAlarms (home region), not the Route 53 one."""
    return [a for a in run.of_type(ALARM) if any(p.name == "home-alarms" for p in run.ancestors(a))]


# Every metric group is wired in both stacks: Aurora (2), ALB (3), DynamoDB per table (2 x 3),
# orchestrator pages, errors, DLQ depth, silence and throttles (5).
REGIONAL_ALARMS = 16


def alert_topics(run: StackRun) -> list:
    """The topics alarms and rules publish to: every topic but the audit trail's log-file
    delivery notifications (CloudTrail publishes there, tested in test_security_baseline.py)."""
    deliveries = {t.inputs.get("snsTopicName") for t in run.of_type("aws:cloudtrail/trail:Trail")}
    return [t for t in run.of_type(TOPIC) if t.outputs["arn"] not in deliveries]


def encrypted_topics(*runs: StackRun) -> dict[str, str]:
    """ARN -> region of every topic that names a KMS key of its own region."""
    keys = {k.outputs["arn"]: k.region for run in runs for k in run.of_type("aws:kms/key:Key")}
    return {
        t.outputs["arn"]: t.region
        for run in runs
        for t in run.of_type(TOPIC)
        if keys.get(t.inputs.get("kmsMasterKeyId")) == t.region
    }


# --- alarms ------------------------------------------------------------------------------


def test_every_alarm_notifies_an_encrypted_topic_of_its_region(stacks):
    topics = encrypted_topics(*stacks)
    alarms = [a for run in stacks for a in run.of_type(ALARM)]
    # + each stack's Route 53 alarm, + the dr stack's two S3 failed-replication alarms (one per
    # direction, each in its source region) for the documents buckets and two more for the
    # evidence buckets
    assert len(alarms) == 2 * (REGIONAL_ALARMS + 1) + 2 + 2
    for alarm in alarms:
        actions = alarm.inputs.get("alarmActions")
        assert actions and actions == alarm.inputs.get("okActions"), alarm.name
        for arn in actions:
            assert topics.get(arn) == alarm.region, f"{alarm.name}: {arn} is not an encrypted topic here"


def test_the_lag_alarms_exist_in_both_regions(stacks):
    for run in stacks:
        for metric in ("AuroraGlobalDBReplicationLag", "AuroraGlobalDBRPOLag"):
            [alarm] = [a for a in regional_alarms(run) if a.inputs["metricName"] == metric]
            assert alarm.region == run.settings.home_region
            assert alarm.inputs["namespace"] == "AWS/RDS"
            assert alarm.inputs["dimensions"] == {"DBClusterIdentifier": run.exports["auroraClusterId"]}
            assert alarm.inputs["threshold"] == run.settings.failover.max_lag_seconds * 1000
    assert {run.settings.home_region for run in stacks} == {"us-east-1", "us-west-2"}


def test_the_lag_alarm_follows_the_rpo_gate():
    run = run_stack("primary", overrides={"trading-dr:maxReplicationLagSeconds": 7})
    lag_alarms = [a for a in run.of_type(ALARM) if a.inputs["metricName"] == "AuroraGlobalDBReplicationLag"]
    assert [alarm.inputs["threshold"] for alarm in lag_alarms] == [7000]


def test_each_stack_alarms_on_its_own_aurora_cluster(stacks):
    for run in stacks:
        ids = {c.outputs.get("clusterIdentifier") or c.id for c in run.of_type("aws:rds/cluster:Cluster")}
        lag = [a for a in run.of_type(ALARM) if a.inputs["metricName"] == "AuroraGlobalDBReplicationLag"]
        assert {a.inputs["dimensions"]["DBClusterIdentifier"] for a in lag} == ids
        assert {a.region for a in lag} == {run.settings.home_region}


def test_every_alarm_decides_fast_and_says_what_missing_data_means(stacks):
    for alarm in [a for run in stacks for a in run.of_type(ALARM)]:
        inputs = alarm.inputs
        assert inputs["period"] * inputs["evaluationPeriods"] <= 180, alarm.name
        assert 1 <= inputs["datapointsToAlarm"] <= inputs["evaluationPeriods"], alarm.name
        assert inputs["treatMissingData"] in ("breaching", "notBreaching"), alarm.name


def test_the_dashboard_graphs_every_alarmed_metric(stacks):
    for run in stacks:
        [dashboard] = run.of_type(DASHBOARD)
        assert dashboard.region == run.settings.home_region
        graphs = [
            w["properties"]
            for w in json.loads(dashboard.inputs["dashboardBody"])["widgets"]
            if w["type"] == "metric"
        ]
        shown = {
            (g["region"], g["metrics"][0][0], g["metrics"][0][1], tuple(g["metrics"][0][2:])) for g in graphs
        }
        regional = regional_alarms(run)
        assert len(regional) == REGIONAL_ALARMS
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
        assert alarm.region == ROUTE53_HOME
        assert alarm.inputs["metricName"] == "HealthCheckStatus"
        assert alarm.inputs["dimensions"] == {"HealthCheckId": run.exports["healthCheckId"]}
        [topic_arn] = alarm.inputs["alarmActions"]
        assert encrypted_topics(run)[topic_arn] == ROUTE53_HOME
    # Both stacks alarm in the same account and in us-east-1: no two alarm names may collide.
    names = [a.inputs["name"] for run in stacks for a in run.of_type(ALARM) if a.region == ROUTE53_HOME]
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
        for topic in alert_topics(run):
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


def email_subscriptions(run: StackRun) -> list:
    """E-mail subscriptions of the topics."""
    return [
        s
        for s in run.of_type("aws:sns/topicSubscription:TopicSubscription")
        if s.inputs["protocol"] == "email"
    ]


def test_email_subscription_on_every_topic_only_when_configured():
    run = run_stack("primary", overrides={"trading-dr:alertEmail": "oncall@example.com"})
    topics = {t.outputs["arn"] for t in alert_topics(run)}
    # Every subscription that names the address, whatever its protocol: the protocol is
    # asserted, not filtered on.
    to_the_address = [
        s
        for s in run.of_type("aws:sns/topicSubscription:TopicSubscription")
        if s.inputs.get("endpoint") == "oncall@example.com"
    ]
    assert {s.inputs["topic"] for s in to_the_address} == topics
    assert [s.inputs["protocol"] for s in to_the_address] == ["email"] * len(to_the_address)
    assert len(to_the_address) == len(topics)


def test_no_subscription_without_an_address(primary):
    assert primary.settings.alert_email is None
    assert not email_subscriptions(primary)


def test_the_orchestrator_itself_pages_when_it_stops_running_or_is_throttled(primary, dr):
    """The runtime pages from its own region; nothing would page if it stopped running."""
    for run in (primary, dr):
        function = run.one("aws:lambda/function:Function").outputs["name"]
        alarms = {
            a.inputs["metricName"]: a
            for a in regional_alarms(run)
            if a.inputs.get("dimensions") == {"FunctionName": function}
        }
        silent = alarms["Invocations"].inputs
        assert silent["comparisonOperator"] == "LessThanThreshold" and silent["threshold"] == 1
        assert silent["treatMissingData"] == "breaching"
        assert alarms["Throttles"].inputs["threshold"] == 0
        for alarm in alarms.values():
            assert alarm.inputs["alarmActions"] == [run.exports["alertTopicArn"]]
