"""FailoverOrchestrator on the mock engine: the orchestrator Lambda in both regions, wired to
the resources it acts on per the runtime's contract (failover.config.ENV), with least
privilege, in the VPC, traced, without reserved concurrency, on a one-minute schedule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.failover.orchestrator_function import (
    LAMBDA_MAX_TIMEOUT,
    PACKAGE_DIR,
    invocation_timing,
    package_archive,
)
from components.failover.policy import (
    FORBIDDEN_ACTIONS,
    NO_RESOURCE_LEVEL,
    PROMOTE_ACTIONS,
    orchestrator_policy,
)
from failover.actions import kept_snapshot_id
from failover.config import ENV, OrchestratorConfig
from failover.settings_table import operator_settings
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
SG = "aws:ec2/securityGroup:SecurityGroup"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
ASG = "aws:autoscaling/group:Group"

# Every AWS call the runtime makes, as IAM actions (read from failover/'s client calls),
# plus what running as a VPC-attached, traced Lambda with a
# dead-letter queue, a CMK-encrypted environment and its own log group needs.
RUNTIME_ACTIONS = {
    "rds:DescribeGlobalClusters",
    "rds:DescribeDBClusters",
    "rds:FailoverGlobalCluster",
    "rds:SwitchoverGlobalCluster",
    "rds:CreateDBInstance",
    "rds:DescribeDBInstances",
    "rds:DescribeDBClusterSnapshots",
    "rds:CopyDBClusterSnapshot",
    "rds-data:ExecuteStatement",
    "secretsmanager:GetSecretValue",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:Query",
    "dynamodb:ConditionCheckItem",
    "cloudwatch:GetMetricStatistics",
    "cloudwatch:PutMetricData",
    "sns:Publish",
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:UpdateAutoScalingGroup",
    "elasticloadbalancing:DescribeTargetHealth",
    "route53-recovery-cluster:GetRoutingControlState",
    "route53-recovery-cluster:UpdateRoutingControlStates",
    "kms:Decrypt",
    "kms:GenerateDataKey",
    "kms:CreateGrant",
    "kms:DescribeKey",
}
PLATFORM_ACTIONS = {
    "sqs:SendMessage",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
}


def env(run) -> dict[str, str]:
    return run.one(FUNCTION, "home-failover-function").inputs["environment"]["variables"]


def policy(run) -> dict:
    return json.loads(run.one(ROLE_POLICY, "home-failover-policy").inputs["policy"])


def statement(document: dict, sid: str) -> dict:
    return next(s for s in document["Statement"] if s["Sid"] == sid)


def actions_of(s: dict) -> list[str]:
    return s["Action"] if isinstance(s["Action"], list) else [s["Action"]]


@pytest.fixture(params=["primary", "dr"])
def run(request, stacks):
    return stacks[0] if request.param == "primary" else stacks[1]


def test_lambda_in_each_region_traced_in_the_vpc_without_reserved_concurrency(run):
    function = run.one(FUNCTION, "home-failover-function")
    assert function.region == run.settings.home_region
    assert function.inputs["runtime"] == "python3.12"
    assert function.inputs["handler"] == "failover.handler.lambda_handler"
    # AWS keeps at least 100 executions unreserved; new accounts may have 10.
    assert "reservedConcurrentExecutions" not in function.inputs
    # X-Ray active tracing (security baseline).
    assert function.inputs["tracingConfig"] == {"mode": "Active"}
    assert function.inputs["kmsKeyArn"] == run.one(KEY, "home-keys-key").outputs["arn"]
    assert (
        function.inputs["deadLetterConfig"]["targetArn"] == run.one(QUEUE, "home-failover-dlq").outputs["arn"]
    )
    # In the app subnets (NAT egress, the VPC resolver), with its own egress-only group.
    vpc = function.inputs["vpcConfig"]
    app_subnets = [
        r.outputs["id"]
        for r in run.of_type("aws:ec2/subnet:Subnet")
        if r.name.startswith("home-network-app-")
    ]
    assert sorted(vpc["subnetIds"]) == sorted(app_subnets) and app_subnets
    assert vpc["securityGroupIds"] == [run.one(SG, "home-failover-sg").outputs["id"]]
    assert run.exports["orchestratorFunctionName"] == function.outputs["name"]
    assert run.exports["controlTableName"] == run.one(TABLE, "home-failover-control").outputs["name"]


def test_the_timeout_covers_the_loop_and_one_worst_case_evaluation(run):
    function = run.one(FUNCTION, "home-failover-function")
    config = OrchestratorConfig.from_env(env(run))
    failover = run.settings.failover
    assert config.evaluation_interval_seconds == failover.evaluation_interval_seconds
    # No evaluation starts at or after the next scheduled invocation; the last one starts
    # one interval before it (no longer gap between two invocations).
    assert config.invocation_budget_seconds == 60
    # The contract: timeout >= budget + 25 s (one worst-case evaluation).
    worst = (config.probe_attempts + 1 + 5) * config.probe_timeout_seconds
    assert function.inputs["timeout"] >= config.invocation_budget_seconds + max(25, worst)
    assert function.inputs["timeout"] <= LAMBDA_MAX_TIMEOUT


def test_the_security_group_allows_only_https_out_and_dns_to_the_resolver(run):
    group = run.one(SG, "home-failover-sg")
    rules = [r for r in run.of_type(EGRESS) if r.inputs["securityGroupId"] == group.outputs["id"]]
    resolver = f"{run.settings.vpc_cidr.network_address + 2}/32"
    assert sorted(
        (r.inputs["ipProtocol"], r.inputs["fromPort"], r.inputs["cidrIpv4"]) for r in rules
    ) == sorted([("tcp", 443, "0.0.0.0/0"), ("udp", 53, resolver), ("tcp", 53, resolver)])
    ingress = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
    assert not [r for r in run.of_type(ingress) if r.inputs["securityGroupId"] == group.outputs["id"]]
    assert "'" not in group.inputs["description"]


def test_lambda_code_is_the_failover_package_signed_by_this_stack(run):
    """Code signing enforced on the function that can promote the database.
    "If you set the policy to Enforce, Lambda blocks the deployment request if signature
    validation checks fail" (https://docs.aws.amazon.com/lambda/latest/dg/configuration-codesigning.html);
    Signer needs a versioned source bucket in the profile's region (StartSigningJob API)."""
    # The mock engine records an archive as what it holds: {"archive": {name: {"path": ...}}}.
    source = run.one("aws:s3/bucketObjectv2:BucketObjectv2", "home-failover-code-source")
    assets = source.inputs["source"]["archive"]
    # Which modules: tests/failover/test_runtime_artifact.py.
    assert "failover/handler.py" in assets
    for name, asset in assets.items():
        packaged = PROJECT_DIR / asset["path"]
        assert packaged.read_bytes() == (PACKAGE_DIR / Path(name).name).read_bytes()
    bucket = run.one("aws:s3/bucket:Bucket", "home-failover-code-bucket")
    versioning = run.one("aws:s3/bucketVersioning:BucketVersioning", "home-failover-code-versioning")
    assert versioning.inputs["bucket"] == bucket.outputs["id"]
    assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"
    assert versioning.urn in source.options.depends_on
    profile = run.one("aws:signer/signingProfile:SigningProfile")
    assert (
        profile.inputs["platformId"] == "AWSLambda-SHA384-ECDSA"
        and profile.region == run.settings.home_region
    )
    job = run.one("aws:signer/signingJob:SigningJob")
    assert job.inputs["profileName"] == profile.outputs["name"]
    assert job.inputs["source"]["s3"] == {
        "bucket": bucket.outputs["id"],
        "key": source.inputs["key"],
        "version": source.outputs["versionId"],
    }
    assert job.inputs["ignoreSigningJobFailure"] is False
    config = run.one("aws:lambda/codeSigningConfig:CodeSigningConfig")
    assert config.inputs["policies"] == {"untrustedArtifactOnDeployment": "Enforce"}
    assert config.inputs["allowedPublishers"] == {
        "signingProfileVersionArns": [profile.outputs["versionArn"]]
    }
    function = run.one(FUNCTION, "home-failover-function")
    signed = job.outputs["signedObjects"][0]["s3s"][0]
    assert (function.inputs["s3Bucket"], function.inputs["s3Key"]) == (signed["bucket"], signed["key"])
    assert function.inputs["codeSigningConfigArn"] == config.outputs["arn"]
    assert "code" not in function.inputs  # nothing unsigned reaches the function


def test_environment_is_the_runtime_contract_and_points_at_the_real_resources(run):
    variables = env(run)
    # Every variable is one the runtime reads (failover.config.ENV), and it accepts them all.
    assert set(variables) <= set(ENV.values()), set(variables) - set(ENV.values())
    config = OrchestratorConfig.from_env(variables)
    settings = run.settings
    assert config.home_region == settings.home_region and config.peer_region == settings.peer_region
    assert config.control_table == run.one(TABLE, "home-failover-control").outputs["name"]
    assert config.required_evaluations == settings.failover.required_evaluations
    assert config.max_lag_seconds == settings.failover.max_lag_seconds
    assert config.lock_seconds == settings.failover.lock_seconds
    assert config.probe_timeout_seconds == settings.failover.probe_timeout_seconds
    # Every setting the operator sets is in its variable, not left to the runtime's default.
    for row in operator_settings():
        assert variables.get(row.env) == row.spelled(getattr(settings.failover, row.name)), row.env
    assert config.alert_topic_arn == run.exports["alertTopicArn"]
    cluster = run.one("aws:rds/cluster:Cluster")
    assert config.local_cluster_arn == cluster.outputs["arn"]
    assert config.local_cluster_arn.split(":")[3] == settings.home_region
    assert config.global_cluster_id == run.exports["globalClusterId"]
    assert config.peer_health_url == run.exports["peerHealthUrl"]
    group = run.one(ASG)
    assert config.asg_name == group.outputs["name"]
    # Full size is the primary's capacity, whatever this region runs today.
    assert config.asg_full_capacity == settings.traffic.app_desired_size
    # The fence waits for the load balancer's view of this region's targets.
    assert config.target_group_arn == run.one("aws:lb/targetGroup:TargetGroup").outputs["arn"]
    assert config.writer_instance_class == settings.database.instance_class
    # The Data API test write: the cluster has the endpoint on, the secret is this region's.
    assert cluster.inputs["enableHttpEndpoint"] is True
    assert config.data_api_secret_arn == run.exports["dbSecretArn"]
    assert config.data_api_database == cluster.inputs.get("databaseName", "trading")
    # The target's own outside witness (this region's witness record) and the tier.
    assert config.home_witness_fqdn == f"witness-{settings.home_region}.failover.{settings.traffic.zone_name}"
    assert config.home_witness_fqdn != config.witness_fqdn
    assert config.serves_at_rest is settings.tier_profile.dr_serves_at_once
    # The Route 53 health check the peer's witness follows: the peer's stack builds it from
    # the same shared keys as this stack's own endpoint check (check_stack_pair).
    check = next(
        c for c in run.of_type("aws:route53/healthCheck:HealthCheck") if c.inputs.get("type") == "HTTPS"
    )
    assert (config.witness_check_interval_seconds, config.witness_check_threshold) == (
        check.inputs["requestInterval"],
        check.inputs["failureThreshold"],
    )
    assert (
        config.witness_failing_seconds
        == (check.inputs["failureThreshold"] - 1) * check.inputs["requestInterval"]
    )


def test_thresholds_follow_the_settings():
    run = run_stack(
        "primary",
        overrides={
            "trading-dr:failoverEvaluations": 5,
            "trading-dr:maxReplicationLagSeconds": 12,
            "trading-dr:failoverLockSeconds": 120,
            "trading-dr:failoverEvaluationIntervalSeconds": 20,
            "trading-dr:failoverProbeTimeoutSeconds": 4,
            "trading-dr:writeLeaseSeconds": 15,
            "trading-dr:writeLeaseRenewSeconds": 5,
            "trading-dr:clockMarginSeconds": 3,
            "trading-dr:heartbeatMaxAgeSeconds": 30,
            "trading-dr:healthCheckInterval": 30,
            "trading-dr:healthCheckThreshold": 4,
        },
    )
    config = OrchestratorConfig.from_env(env(run))
    assert config.witness_failing_seconds == 3 * 30
    lease = (config.write_lease_seconds, config.write_lease_renew_seconds, config.clock_margin_seconds)
    assert lease == (15, 5, 3) and config.heartbeat_max_age_seconds == 30
    assert (config.required_evaluations, config.max_lag_seconds, config.lock_seconds) == (5, 12, 120)
    assert (config.evaluation_interval_seconds, config.probe_timeout_seconds) == (20, 4)
    assert config.invocation_budget_seconds == 60
    # An evaluation that fences sleeps L + the clock margin before promoting: the timeout covers it.
    timing = invocation_timing(20, config.probe_attempts, 4, 15 + 3)
    assert run.one(FUNCTION).inputs["timeout"] == timing.timeout_seconds
    assert timing.timeout_seconds == invocation_timing(20, config.probe_attempts, 4).timeout_seconds + 18


def test_iam_grants_exactly_what_the_runtime_calls_and_never_a_detach(run):
    """Service Authorization Reference: RDS
    (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrds.html),
    Route 53 Recovery Cluster (.../list_amazonroute53recoverycluster.html), EC2 Auto Scaling
    (.../list_amazonec2autoscaling.html). RemoveFromGlobalCluster is an operator command."""
    document = policy(run)
    granted = {action for s in document["Statement"] for action in actions_of(s)}
    assert granted == RUNTIME_ACTIONS | PLATFORM_ACTIONS
    for forbidden in FORBIDDEN_ACTIONS:
        assert forbidden not in granted
    for s in document["Statement"]:
        assert s["Effect"] == "Allow"
        assert all("*" not in action for action in actions_of(s)), s
        if s["Resource"] == "*" or "*" in s["Resource"]:
            assert set(actions_of(s)) <= NO_RESOURCE_LEVEL, s


def test_iam_scopes_each_grant_to_this_regions_resources(run):
    document = policy(run)
    config = OrchestratorConfig.from_env(env(run))
    region = run.settings.home_region
    promote = [s for s in document["Statement"] if set(PROMOTE_ACTIONS) & set(s["Action"])]
    assert len(promote) == 1 and set(promote[0]["Action"]) == set(PROMOTE_ACTIONS)
    global_arn = f"arn:aws:rds::123456789012:global-cluster:{config.global_cluster_id}"
    # The member being demoted too (AWS's failover policy grants all three):
    # https://docs.aws.amazon.com/r53recovery/latest/dg/security_iam_region_switch_aurora.html
    peer_arn = f"arn:aws:rds:{config.peer_region}:123456789012:cluster:trading-dr-{config.peer_region}"
    assert sorted(promote[0]["Resource"]) == sorted([global_arn, config.local_cluster_arn, peer_arn])
    # Exactly the two routing controls, through the cluster's data plane.
    controls = statement(document, "FlipTheRoutingControls")
    assert controls["Resource"] == [config.home_routing_control_arn, config.peer_routing_control_arn]
    scale = statement(document, "ScaleThisRegionsGroup")
    assert scale["Resource"] == [
        f"arn:aws:autoscaling:{region}:123456789012:autoScalingGroup:*:autoScalingGroupName/{config.asg_name}"
    ]
    copy = statement(document, "KeepTheFailoverSnapshots")
    assert copy["Action"] == ["rds:CopyDBClusterSnapshot"]
    prefix = f"arn:aws:rds:{region}:123456789012:cluster-snapshot:"
    source = "rds:unplanned-global-failover-trading-dr-x-2026"
    assert copy["Resource"] == [
        f"{prefix}rds:unplanned-global-failover-*",
        f"{prefix}kept-unplanned-global-failover-*",
    ]
    # The runtime's copy is named inside the granted pattern.
    assert f"{prefix}{kept_snapshot_id(source)}".startswith(copy["Resource"][1].rstrip("*"))
    assert statement(document, "TestWriteThroughTheDataApi")["Resource"] == [config.local_cluster_arn]
    # Pages that survive: the Page metric, in the runtime's own namespace only
    # (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html).
    metrics = statement(document, "PutPageMetrics")
    assert metrics["Action"] == ["cloudwatch:PutMetricData"]
    assert metrics["Condition"] == {"StringEquals": {"cloudwatch:namespace": "TradingDr/Failover"}}
    assert statement(document, "ReadTheDatabaseSecret")["Resource"] == [config.data_api_secret_arn]
    assert statement(document, "DescribeThisRegionsInstances")["Resource"] == [
        f"arn:aws:rds:{region}:123456789012:db:*"
    ]
    grant = statement(document, "CopyEncryptedSnapshotsThroughRds")
    assert grant["Condition"] == {"StringEquals": {"kms:ViaService": f"rds.{region}.amazonaws.com"}}
    assert statement(document, "ControlTable")["Resource"] == [
        run.one(TABLE, "home-failover-control").outputs["arn"]
    ]
    assert statement(document, "DeadLetters")["Resource"] == [
        run.one(QUEUE, "home-failover-dlq").outputs["arn"]
    ]
    assert statement(document, "PublishAlerts")["Resource"] == [config.alert_topic_arn]
    group_arn = run.one(LOG_GROUP, "home-failover-logs").outputs["arn"]
    assert statement(document, "OwnLogs")["Resource"] == [group_arn, f"{group_arn}:*"]
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


def test_no_alarm_subscription_the_loop_runs_on_the_schedule_alone(run):
    # The runtime no longer reads alarms (contract: FAILOVER_LAG_ALARM_NAMES removed); a
    # second, alarm-triggered loop would only double the evaluation rate.
    assert run.of_type(SUBSCRIPTION) == [] or all(
        s.inputs.get("protocol") != "lambda" for s in run.of_type(SUBSCRIPTION)
    )


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
    common = dict(
        partition="aws",
        region="us-west-2",
        account="1",
        global_cluster="arn:aws:rds::1:global-cluster:g",
        local_cluster="arn:aws:rds:us-west-2:1:cluster:c",
        local_cluster_id="c",
        peer_cluster="arn:aws:rds:us-east-1:1:cluster:p",
        table="t",
        topic="s",
        key="k",
        dead_letter_queue="q",
        log_group="l",
        routing_controls=["h", "p"],
    )
    sids = {s["Sid"] for s in orchestrator_policy(**common, auto_scaling_group=None)["Statement"]}
    assert "ScaleThisRegionsGroup" not in sids and "AddAWriterToThisRegionsHeadlessCluster" not in sids


def test_invocation_timing_stays_within_lambda_limit():
    assert invocation_timing(10, 2, 2).budget_seconds == 60
    assert invocation_timing(60, 2, 2).budget_seconds == 60
    assert invocation_timing(10, 2, 2).timeout_seconds == 60 + 8 * 2 + 15 + 10
    assert invocation_timing(5, 5, 10).timeout_seconds <= LAMBDA_MAX_TIMEOUT


def test_package_archive_refuses_a_directory_without_the_handler(tmp_path):
    (tmp_path / "x.py").write_text("")
    with pytest.raises(ValueError, match="no handler.py"):
        package_archive(tmp_path)


def test_a_headless_cluster_may_get_exactly_one_named_writer_instance(run):
    from failover.actions import writer_instance_id

    cluster = run.one("aws:rds/cluster:Cluster")
    region = run.settings.home_region
    assert env(run)["FAILOVER_WRITER_INSTANCE_CLASS"] == run.settings.database.instance_class
    grant = statement(policy(run), "AddAWriterToThisRegionsHeadlessCluster")
    arn = f"arn:aws:rds:{region}:123456789012:"
    instance_arn = f"{arn}db:{writer_instance_id(cluster.inputs['clusterIdentifier'])}"
    assert grant["Action"] == ["rds:CreateDBInstance"]
    # CreateDBInstance is authorised also against the parameter, option and subnet groups.
    subnet_group = run.one("aws:rds/subnetGroup:SubnetGroup").outputs["name"]
    assert grant["Resource"] == [
        instance_arn,
        cluster.outputs["arn"],
        f"{arn}pg:default.*",
        f"{arn}og:default:*",
        f"{arn}subgrp:{subnet_group}",
    ]
