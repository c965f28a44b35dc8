"""FailoverOrchestrator on the mock engine: the orchestrator Lambda in both regions, wired to
the resources it acts on, with least privilege, a schedule and an alarm subscription."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.failover.orchestrator import PACKAGE_DIR, function_timeout, package_archive
from components.failover.policy import PROMOTE_ACTIONS, orchestrator_policy
from failover.config import ENV, OrchestratorConfig
from ops.mock_engine import run_stack
from ops.stack_config import PROJECT_DIR

FUNCTION = "aws:lambda/function:Function"
TABLE = "aws:dynamodb/table:Table"
QUEUE = "aws:sqs/queue:Queue"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
PERMISSION = "aws:lambda/permission:Permission"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
KEY = "aws:kms/key:Key"


def env(run) -> dict[str, str]:
    return run.one(FUNCTION, "home-failover-function").inputs["environment"]["variables"]


def policy(run) -> dict:
    return json.loads(run.one(ROLE_POLICY, "home-failover-policy").inputs["policy"])


def statement(document: dict, sid: str) -> dict:
    return next(s for s in document["Statement"] if s["Sid"] == sid)


@pytest.fixture(params=["primary", "dr"])
def run(request, stacks):
    return stacks[0] if request.param == "primary" else stacks[1]


def test_lambda_in_each_region(run):
    function = run.one(FUNCTION, "home-failover-function")
    assert function.region == run.settings.home_region
    assert function.inputs["runtime"] == "python3.12"
    assert function.inputs["handler"] == "failover.handler.lambda_handler"
    assert function.inputs["reservedConcurrentExecutions"] == 1
    assert function.inputs["kmsKeyArn"] == run.one(KEY, "home-keys-key").outputs["arn"]
    assert (
        function.inputs["deadLetterConfig"]["targetArn"] == run.one(QUEUE, "home-failover-dlq").outputs["arn"]
    )
    assert function.inputs["timeout"] <= 900
    assert run.exports["orchestratorFunctionName"] == function.outputs["name"]
    assert run.exports["controlTableName"] == run.one(TABLE, "home-failover-control").outputs["name"]


def test_lambda_code_is_the_failover_package(run):
    # The mock engine records an archive as what it holds: {"archive": {name: {"path": ...}}}.
    assets = run.one(FUNCTION, "home-failover-function").inputs["code"]["archive"]
    expected = {f"failover/{p.name}" for p in PACKAGE_DIR.glob("*.py")}
    assert set(assets) == expected and "failover/handler.py" in assets
    for name, asset in assets.items():
        packaged = PROJECT_DIR / asset["path"]
        assert packaged.read_bytes() == (PACKAGE_DIR / Path(name).name).read_bytes()


def test_environment_points_at_the_real_resources(run):
    variables = env(run)
    config = OrchestratorConfig.from_env(variables)  # the contract: the orchestrator accepts it
    settings = run.settings
    assert set(variables) >= {ENV[k] for k in ("home_region", "control_table", "local_cluster_arn")}
    assert config.home_region == settings.home_region and config.peer_region == settings.peer_region
    assert config.control_table == run.one(TABLE, "home-failover-control").outputs["name"]
    assert config.required_evaluations == settings.failover.consecutive_evaluations
    assert config.max_lag_seconds == settings.failover.max_replication_lag_seconds
    assert config.lock_seconds == settings.failover.lock_seconds
    subscription = run.one(SUBSCRIPTION, "home-failover-alarm-subscription")
    assert config.alert_topic_arn == subscription.inputs["topic"]
    assert config.local_cluster_arn.split(":")[3] == settings.home_region
    assert config.peer_health_url.startswith("https://") and settings.traffic.health_check_path in (
        config.peer_health_url
    )
    assert json.loads(subscription.inputs["filterPolicy"]) == {"AlarmName": sorted(config.lag_alarm_names)}


def test_thresholds_follow_the_settings():
    run = run_stack(
        "primary",
        overrides={
            "trading-dr:failoverEvaluations": 5,
            "trading-dr:maxReplicationLagSeconds": 12,
            "trading-dr:failoverLockSeconds": 600,
        },
    )
    config = OrchestratorConfig.from_env(env(run))
    assert (config.required_evaluations, config.max_lag_seconds, config.lock_seconds) == (5, 12, 600)


def test_iam_has_no_wildcard_action_and_scopes_the_promotion(run):
    document = policy(run)
    for s in document["Statement"]:
        actions = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
        assert all("*" not in action for action in actions), s
        if s["Resource"] == "*" or "*" in s["Resource"]:
            assert actions == ["cloudwatch:GetMetricStatistics"], s  # no resource-level support
    config = OrchestratorConfig.from_env(env(run))
    promote = [s for s in document["Statement"] if set(PROMOTE_ACTIONS) & set(s["Action"])]
    assert len(promote) == 1 and set(promote[0]["Action"]) == set(PROMOTE_ACTIONS)
    global_arn = f"arn:aws:rds::123456789012:global-cluster:{config.global_cluster_id}"
    assert sorted(promote[0]["Resource"]) == sorted([global_arn, config.local_cluster_arn])
    assert statement(document, "ControlTable")["Resource"] == [
        run.one(TABLE, "home-failover-control").outputs["arn"]
    ]
    assert statement(document, "DeadLetters")["Resource"] == [
        run.one(QUEUE, "home-failover-dlq").outputs["arn"]
    ]
    assert statement(document, "PublishAlerts")["Resource"] == [config.alert_topic_arn]
    group_arn = run.one(LOG_GROUP, "home-failover-logs").outputs["arn"]
    assert statement(document, "OwnLogs")["Resource"] == [group_arn, f"{group_arn}:*"]
    alarms = statement(document, "ReadLagAlarms")["Resource"]
    assert [a.rsplit(":", 1)[1] for a in alarms] == list(config.lag_alarm_names)
    role = run.one("aws:iam/role:Role", "home-failover-role")
    assert run.one(ROLE_POLICY, "home-failover-policy").inputs["role"] == role.outputs["id"]
    assert run.one(FUNCTION, "home-failover-function").inputs["role"] == role.outputs["arn"]


def test_schedule_invokes_the_function_with_a_scoped_permission(run):
    function, rule = run.one(FUNCTION, "home-failover-function"), run.one(RULE, "home-failover-schedule")
    assert rule.inputs["scheduleExpression"] == "rate(1 minute)"
    target = run.one(TARGET, "home-failover-schedule-target")
    assert target.inputs["rule"] == rule.outputs["name"] and target.inputs["arn"] == function.outputs["arn"]
    permission = run.one(PERMISSION, "home-failover-schedule-invoke")
    assert permission.inputs["principal"] == "events.amazonaws.com"
    assert permission.inputs["sourceArn"] == rule.outputs["arn"]
    assert permission.inputs["function"] == function.outputs["name"]


def test_alarm_topic_subscription_with_a_scoped_permission(run):
    function, subscription = (
        run.one(FUNCTION, "home-failover-function"),
        run.one(SUBSCRIPTION, "home-failover-alarm-subscription"),
    )
    assert subscription.inputs["protocol"] == "lambda"
    assert subscription.inputs["endpoint"] == function.outputs["arn"]
    permission = run.one(PERMISSION, "home-failover-alarm-invoke")
    assert permission.inputs["principal"] == "sns.amazonaws.com"
    assert permission.inputs["sourceArn"] == subscription.inputs["topic"]
    assert permission.inputs["function"] == function.outputs["name"]
    assert subscription.region == run.settings.home_region


def test_log_group_encrypted_with_retention_before_the_function(run):
    function, group = run.one(FUNCTION, "home-failover-function"), run.one(LOG_GROUP, "home-failover-logs")
    assert group.inputs["name"] == f"/aws/lambda/{function.outputs['name']}"
    assert group.inputs["kmsKeyId"] == run.one(KEY, "home-keys-key").outputs["arn"]
    assert group.inputs["retentionInDays"] == run.settings.log_retention_days
    assert function.inputs["loggingConfig"]["logGroup"] == group.outputs["name"]
    assert group.urn in function.options.depends_on


def test_control_table_and_queue_encrypted_and_recoverable(run):
    table, queue = run.one(TABLE, "home-failover-control"), run.one(QUEUE, "home-failover-dlq")
    key_arn = run.one(KEY, "home-keys-key").outputs["arn"]
    assert table.inputs["serverSideEncryption"] == {"enabled": True, "kmsKeyArn": key_arn}
    assert table.inputs["pointInTimeRecovery"] == {"enabled": True}
    assert table.inputs["ttl"] == {"enabled": True, "attributeName": "expires_at"}
    assert (table.inputs["hashKey"], table.inputs["rangeKey"]) == ("pk", "sk")
    assert table.options.protect is run.settings.protect_data
    assert table.options.retain_on_delete is run.settings.protect_data
    assert queue.inputs["kmsMasterKeyId"] == key_arn


def test_key_policy_admits_lambda_sqs_and_dynamodb(run):
    sids = {s["Sid"] for s in json.loads(run.one(KEY, "home-keys-key").inputs["policy"])["Statement"]}
    assert {"AllowUseViaLambda", "AllowUseViaSqs", "AllowUseViaDynamodb"} <= sids


def test_disposable_stack_does_not_protect_the_table():
    run = run_stack("primary", overrides={"trading-dr:protectData": False})
    table = run.one(TABLE, "home-failover-control")
    assert (
        table.options.protect is False
        and table.options.retain_on_delete is False
        and table.inputs["deletionProtectionEnabled"] is False
    )


def test_symmetric_orchestrators(primary, dr):
    def shape(run):
        return sorted((r.type, r.name) for r in run.resources if "failover" in r.name)

    assert shape(primary) == shape(dr) and shape(primary)


# --- pure helpers ---------------------------------------------------------------------------
def test_policy_document_pure():
    document = orchestrator_policy(
        global_cluster="arn:aws:rds::1:global-cluster:g",
        local_cluster="arn:aws:rds:us-west-2:1:cluster:c",
        table="t",
        topic="s",
        key="k",
        dead_letter_queue="q",
        log_group="l",
        alarms=[],
    )
    assert "ReadLagAlarms" not in {s["Sid"] for s in document["Statement"]}


def test_function_timeout_stays_within_lambda_limit():
    assert function_timeout(600, 18) == 678
    assert function_timeout(780, 300) == 900


def test_package_archive_refuses_a_directory_without_the_handler(tmp_path):
    (tmp_path / "x.py").write_text("")
    with pytest.raises(ValueError, match="no handler.py"):
        package_archive(tmp_path)


def test_a_headless_cluster_may_get_exactly_one_named_writer_instance(run):
    from failover.actions import writer_instance_id

    cluster = run.one("aws:rds/cluster:Cluster")
    assert env(run)["FAILOVER_WRITER_INSTANCE_CLASS"] == run.settings.database.instance_class
    grant = statement(policy(run), "AddAWriterToThisRegionsHeadlessCluster")
    instance_arn = (
        f"arn:aws:rds:{run.settings.home_region}:123456789012:db:"
        f"{writer_instance_id(cluster.inputs['clusterIdentifier'])}"
    )
    assert grant["Action"] == ["rds:CreateDBInstance", "rds:DescribeDBInstances"]
    assert grant["Resource"] == [instance_arn, cluster.outputs["arn"]]
