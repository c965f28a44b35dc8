"""FailoverOrchestrator: the failover/ package deployed as a Lambda in one region, with its
control table, dead-letter queue, log group, security group, least-privilege role and
one-minute schedule. Both stacks build it (symmetric), so failback runs the same code.

Cadence: EventBridge schedules have "a one-minute minimum"
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-rule-schedule.html), so the
runtime loops inside each invocation, one evaluation every failoverEvaluationIntervalSeconds,
until its invocation budget (the minute less one interval) is spent; the timeout covers the
budget plus one worst-case evaluation (invocation_timing below). The executor's steps are
resumable across invocations, so no invocation waits minutes for Aurora.

In the VPC, on purpose: the witness (the peer's health as Route 53 sees it) is resolved
through this VPC's resolver (the data plane), and a self-check that cannot reach this
region's services makes the region abstain. The app subnets reach the AWS APIs, the ARC
cluster endpoints and the peer's health URL over HTTPS through this region's NAT gateways: a
region whose NAT is gone fails its self-check and abstains; it never promotes blind.

No reserved concurrency (a first deploy failed on it): AWS requires "at least 100 simultaneous executions
unreserved" (https://docs.aws.amazon.com/lambda/latest/api/API_PutFunctionConcurrency.html)
and new accounts can have a quota of 10, so reserving any fails the deploy. One promotion at
a time comes from the runtime's lock lease and the ARC cluster's serialised flip instead.
"""

from __future__ import annotations

import json
import modulefinder
from collections.abc import Sequence
from dataclasses import dataclass, field
from ipaddress import IPv4Network
from pathlib import Path

import pulumi
import pulumi_aws as aws

import failover as failover_runtime
from components.context import RegionalContext
from components.data.aurora_plan import cluster_identifier
from components.failover.policy import (
    HeadlessWriter,
    PeerEpochRead,
    assume_role_policy,
    auto_scaling_group_arn,
    db_instance_arn,
    dynamodb_table_arn,
    global_cluster_arn,
    orchestrator_policy,
    rds_arn,
)
from components.failover.signing import SignedCode, SignedCodeArgs, artifact_bucket_name, code_digest
from components.settings import FailoverSettings
from components.traffic.names import WITNESS_HEALTHY_ADDRESS, WITNESS_UNHEALTHY_ADDRESS
from failover.actions import writer_instance_id
from failover.settings_table import setting

# The runtime package itself (top-level failover/), wherever this component module lives.
PACKAGE_DIR = Path(failover_runtime.__file__).resolve().parent
HANDLER = "failover.handler.lambda_handler"
RUNTIME = "python3.12"
# pulumi-aws 7.51.1 documents "Valid between 1 and 900" for timeout.
LAMBDA_MAX_TIMEOUT = 900
SCHEDULE = "rate(1 minute)"
SCHEDULE_PERIOD_SECONDS = 60
PROBE_ATTEMPTS = setting("probe_attempts").default
# ARC: "at least three out of the five" cluster endpoints are available; a read or flip may
# have to rotate through all five, each bounded by the probe timeout.
ARC_ENDPOINTS = 5
# RDS, DynamoDB, CloudWatch and SNS calls of one evaluation, with botocore's retries.
API_ALLOWANCE_SECONDS = 15
TIMEOUT_MARGIN_SECONDS = 10
HTTPS = 443
DNS = 53


def package_sources(package_dir: Path = PACKAGE_DIR) -> list[Path]:
    """The runtime's modules: the handler and every module of the package it imports,
    directly or not, as the standard library's modulefinder reads them from the bytecode
    (running nothing). A module the Lambda never runs (the local runner, a stray helper) is
    not shipped, and one it needs cannot be left out (docs/ARCHITECTURE.md#the-lambda-artifact).
    Sources only (no __pycache__), so the archive's hash changes with the code and nothing
    else. boto3 comes with the Lambda runtime."""
    handler = package_dir / "handler.py"
    if not handler.is_file():
        raise ValueError(f"{package_dir} holds no handler.py: not the failover package")
    finder = modulefinder.ModuleFinder(path=[str(package_dir.parent)])
    finder.run_script(str(handler))
    package = package_dir.name
    missing = sorted(name for name in finder.badmodules if name.split(".")[0] == package)
    if missing:
        raise ValueError(f"{handler} imports {', '.join(missing)}, not in {package_dir}")
    found = {handler} | {
        Path(module.__file__)
        for name, module in finder.modules.items()
        if name.split(".")[0] == package and module.__file__
    }
    return sorted(found)


def package_archive(package_dir: Path = PACKAGE_DIR) -> pulumi.AssetArchive:
    return pulumi.AssetArchive(
        {
            p.relative_to(package_dir.parent).as_posix(): pulumi.FileAsset(str(p))
            for p in package_sources(package_dir)
        }
    )


def control_table_name(name_prefix: str) -> str:
    """The region's control table; the application instances read their write lease in it
    (components/traffic/app_access.py)."""
    return f"{name_prefix}-failover-control"


@dataclass(frozen=True)
class InvocationTiming:
    budget_seconds: int
    """The runtime starts no evaluation after this (FAILOVER_INVOCATION_BUDGET_SECONDS)."""
    timeout_seconds: int
    """The function's timeout: the budget plus one worst-case evaluation plus a margin."""


def invocation_timing(
    interval_seconds: int, probe_attempts: int, probe_timeout_seconds: int, lease_wait_seconds: int = 0
) -> InvocationTiming:
    """Evaluations fill the scheduled minute: the runtime starts none at or after
    start + budget, so a budget of the whole minute makes the last start one interval
    before the next invocation (no gap longer than the interval between two invocations,
    which used to cost up to one interval of detection). That last evaluation may take every
    probe try, the DNS lookup and a rotation through all five ARC endpoints, each bounded by
    the probe timeout, plus the API calls, so two invocations can overlap for a few seconds:
    the lease lock serialises the executor and the streak counts evaluations at least
    0.9 x interval apart once (failover/decision.py consecutive_quorum)."""
    budget = SCHEDULE_PERIOD_SECONDS
    # An evaluation that fences also sleeps the write lease plus the clock margin before
    # FailoverGlobalCluster (lease_wait_seconds; failover/executor.py).
    evaluation = (
        (probe_attempts + 1 + ARC_ENDPOINTS) * probe_timeout_seconds
        + API_ALLOWANCE_SECONDS
        + lease_wait_seconds
    )
    timeout = budget + evaluation + TIMEOUT_MARGIN_SECONDS
    if timeout > LAMBDA_MAX_TIMEOUT:
        raise ValueError(f"orchestrator timeout {timeout}s exceeds Lambda's {LAMBDA_MAX_TIMEOUT}s")
    return InvocationTiming(budget_seconds=budget, timeout_seconds=timeout)


@dataclass
class OrchestratorWiring:
    """What the orchestrator acts on, reads and reports to: outputs of the data tier, the
    traffic path, the network, the ARC authority and alerting."""

    global_cluster_id: pulumi.Input[str]
    local_cluster_id: pulumi.Input[str]
    """This region's member of the global cluster (the promotion target)."""
    local_cluster_arn: pulumi.Input[str]
    db_subnet_group_name: pulumi.Input[str]
    """The cluster's subnet group (CreateDBInstance of a headless writer is authorised on it)."""
    db_secret_arn: pulumi.Input[str]
    """The cluster's credentials in this region: the Data API test write signs in with them."""
    database_name: str
    """The database the test write goes to."""
    peer_health_url: pulumi.Input[str]
    """HTTPS health endpoint of the peer region's application (supporting vote only)."""
    peer_witness_fqdn: str
    """The PEER region's witness name (components/traffic/dns.py)."""
    alert_topic_arn: pulumi.Input[str]
    """Topic the orchestrator publishes its pages to (this region's)."""
    arc_cluster_endpoints: pulumi.Input[list]
    """[{"Endpoint": url, "Region": region}, ...]: the ARC cluster's five data-plane endpoints."""
    home_routing_control_arn: pulumi.Input[str]
    peer_routing_control_arn: pulumi.Input[str]
    auto_scaling_group_name: pulumi.Input[str]
    """This region's application group, scaled to full size on promotion."""
    full_capacity: int
    """Instances of the group at full size (min = desired)."""
    target_group_arn: pulumi.Input[str]
    """This region's ALB target group: the fence waits for a healthy target in it."""
    vpc_id: pulumi.Input[str]
    vpc_cidr: IPv4Network
    """The VPC's CIDR: its resolver answers at the network address plus two."""
    subnet_ids: Sequence[pulumi.Input[str]]
    """Private app subnets (NAT egress), one per AZ."""
    home_witness_fqdn: str = ""
    """THIS region's witness name: the target's own health before an automatic fence."""
    serves_at_rest: bool = True
    """This region's application has healthy targets before any failover (the tier profile's
    dr_serves_at_once in the dr stack); False: its health is checked at the fence only."""
    db_app_user: str = ""
    """The application's database user; set, the orchestrator fences it at the database
    (failover/db_fence.py) with the cluster's secret above; empty, the write lease alone."""
    peer_control_table: str = ""
    """The PEER stack's control table name (control_table_name of its prefix): the runtime
    reads its fencing epoch (docs/ARCHITECTURE.md, "One fencing epoch"); empty: not read."""
    witness_check_interval: int = 0
    witness_check_threshold: int = 0
    """RequestInterval and FailureThreshold of the Route 53 health check the PEER witness follows
    (components/traffic/dns.py); 0: not given (failover/config.py witness_failing_seconds)."""


@dataclass
class FailoverOrchestratorArgs:
    context: RegionalContext
    """Region, account, partition, names, protection, data key (components/context.py)."""
    wiring: OrchestratorWiring
    failover: FailoverSettings
    """Cadence and thresholds (settings.failover)."""
    log_retention_days: int
    writer_instance_class: str = ""
    """Instance class added to a headless (pilot-light) cluster before it is promoted;
    empty: the orchestrator adds none (and may not)."""
    extra_environment: dict[str, str] = field(default_factory=dict)


class FailoverOrchestrator(pulumi.ComponentResource):
    function: aws.lambda_.Function
    control_table: aws.dynamodb.Table
    dead_letter_queue: aws.sqs.Queue
    log_group: aws.cloudwatch.LogGroup
    role: aws.iam.Role
    security_group: aws.ec2.SecurityGroup
    code: SignedCode
    schedule: aws.cloudwatch.EventRule
    timing: InvocationTiming
    fixed_function_name: str
    """The function's name, known before it exists (its log group is created first)."""

    def __init__(self, name: str, args: FailoverOrchestratorArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:failover:FailoverOrchestrator", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        # A fixed name, so the log group can exist (encrypted, with retention) before the
        # function first logs; Lambda would otherwise create it plain and forever.
        self.fixed_function_name = f"{args.context.name_prefix}-failover"
        self.timing = invocation_timing(
            args.failover.evaluation_interval_seconds,
            PROBE_ATTEMPTS,
            args.failover.probe_timeout_seconds,
            args.failover.write_lease_seconds + args.failover.clock_margin_seconds,
        )

        self.control_table = self._table()
        self.dead_letter_queue = aws.sqs.Queue(
            f"{name}-dlq",
            kms_master_key_id=args.context.kms_key_arn,
            kms_data_key_reuse_period_seconds=300,
            message_retention_seconds=14 * 86400,
            opts=self._child,
        )
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/lambda/{self.fixed_function_name}",
            retention_in_days=args.log_retention_days,
            kms_key_id=args.context.kms_key_arn,
            opts=self._child,
        )
        self.security_group = self._security_group()
        self.code = SignedCode(
            f"{name}-code",
            SignedCodeArgs(
                archive=package_archive(),
                digest=code_digest(package_sources()),
                bucket_name=pulumi.Output.from_input(args.context.account_id).apply(
                    lambda account: artifact_bucket_name(account, args.context.region)
                ),
                profile_name_prefix=args.context.name_prefix.replace("-", "") + "failover",
            ),
            opts=self._child,
        )
        self.role, policy = self._role()
        self.function = self._function(policy)
        self.schedule = self._schedule()
        self.register_outputs(
            {
                "function_name": self.function.name,
                "function_arn": self.function.arn,
                "control_table_name": self.control_table.name,
            }
        )

    def _table(self) -> aws.dynamodb.Table:
        args = self._args
        return aws.dynamodb.Table(
            f"{self._name}-control",
            name=control_table_name(args.context.name_prefix),
            billing_mode="PAY_PER_REQUEST",
            hash_key="pk",
            range_key="sk",
            attributes=[
                aws.dynamodb.TableAttributeArgs(name="pk", type="S"),
                aws.dynamodb.TableAttributeArgs(name="sk", type="S"),
            ],
            # Evaluation history and idempotency claims expire; the lock's lease is checked in
            # the runtime's conditions.
            ttl=aws.dynamodb.TableTtlArgs(attribute_name="expires_at", enabled=True),
            server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(
                enabled=True, kms_key_arn=args.context.kms_key_arn
            ),
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
            deletion_protection_enabled=args.context.protect,
            # Like every data store: the fencing epoch and the executions outlive the stack.
            opts=pulumi.ResourceOptions(
                parent=self, protect=args.context.protect, retain_on_delete=args.context.protect
            ),
        )

    def _security_group(self) -> aws.ec2.SecurityGroup:
        """Egress only: HTTPS (AWS APIs, ARC endpoints, the peer's health URL) and DNS to the
        VPC resolver. AWS says security groups do not filter traffic to the Amazon DNS server
        (https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html); the DNS
        rule makes the resolution work under either reading. Nothing connects in."""
        args, wiring = self._args, self._args.wiring
        group = aws.ec2.SecurityGroup(
            f"{self._name}-sg",
            vpc_id=wiring.vpc_id,
            description="trading-dr failover orchestrator: HTTPS out and DNS to the VPC resolver",
            tags={"Name": f"{args.context.name_prefix}-failover-sg"},
            opts=self._child,
        )
        resolver = f"{wiring.vpc_cidr.network_address + 2}/32"
        rules = [
            ("https", "tcp", HTTPS, "0.0.0.0/0", "HTTPS to AWS APIs, ARC endpoints and the peer health URL"),
            ("dns-udp", "udp", DNS, resolver, "DNS to the VPC resolver (witness records)"),
            ("dns-tcp", "tcp", DNS, resolver, "DNS over TCP to the VPC resolver"),
        ]
        for rule, protocol, port, cidr, description in rules:
            aws.vpc.SecurityGroupEgressRule(
                f"{self._name}-sg-{rule}",
                security_group_id=group.id,
                ip_protocol=protocol,
                from_port=port,
                to_port=port,
                cidr_ipv4=cidr,
                description=description,
                opts=self._child,
            )
        return group

    def _role(self) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
        args, wiring = self._args, self._args.wiring
        role = aws.iam.Role(f"{self._name}-role", assume_role_policy=assume_role_policy(), opts=self._child)

        def document(v: list) -> str:
            partition, account, global_id, local_arn, local_id = v[0], v[1], v[2], v[3], v[4]
            table, topic, key, dlq, log_group, home_rc, peer_rc, group, subnet_group, secret = v[5:]
            headless = None
            if args.writer_instance_class:
                headless = HeadlessWriter(
                    instance=db_instance_arn(
                        partition, args.context.region, account, writer_instance_id(local_id)
                    ),
                    parameter_groups=rds_arn(partition, args.context.region, account, "pg:default.*"),
                    option_groups=rds_arn(partition, args.context.region, account, "og:default:*"),
                    subnet_group=rds_arn(partition, args.context.region, account, f"subgrp:{subnet_group}"),
                )
            return json.dumps(
                orchestrator_policy(
                    partition=partition,
                    region=args.context.region,
                    account=account,
                    global_cluster=global_cluster_arn(partition, account, global_id),
                    local_cluster=local_arn,
                    local_cluster_id=local_id,
                    peer_cluster=rds_arn(
                        partition,
                        args.context.peer_region,
                        account,
                        "cluster:" + cluster_identifier(args.context.peer_region),
                    ),
                    table=table,
                    topic=topic,
                    key=key,
                    dead_letter_queue=dlq,
                    log_group=log_group,
                    routing_controls=[home_rc, peer_rc],
                    auto_scaling_group=auto_scaling_group_arn(partition, args.context.region, account, group),
                    headless_writer=headless,
                    database_secret=secret,
                    peer_epoch=PeerEpochRead(
                        table=dynamodb_table_arn(
                            partition, args.context.peer_region, account, wiring.peer_control_table
                        ),
                        region=args.context.peer_region,
                        name=wiring.peer_control_table,
                    )
                    if wiring.peer_control_table
                    else None,
                )
            )

        policy_document = pulumi.Output.all(
            args.context.partition,
            args.context.account_id,
            wiring.global_cluster_id,
            wiring.local_cluster_arn,
            wiring.local_cluster_id,
            self.control_table.arn,
            wiring.alert_topic_arn,
            args.context.kms_key_arn,
            self.dead_letter_queue.arn,
            self.log_group.arn,
            wiring.home_routing_control_arn,
            wiring.peer_routing_control_arn,
            wiring.auto_scaling_group_name,
            wiring.db_subnet_group_name,
            wiring.db_secret_arn,
        ).apply(document)
        policy = aws.iam.RolePolicy(
            f"{self._name}-policy", role=role.id, policy=policy_document, opts=self._child
        )
        return role, policy

    def _environment(self) -> dict[str, pulumi.Input[str]]:
        """The Lambda's variables, by the settings table (failover/settings_table.py): the
        operator's settings as the stack's Settings hold them, then what the program wires."""
        args, wiring = self._args, self._args.wiring
        wired: dict[str, pulumi.Input[str]] = {
            "home_region": args.context.region,
            "peer_region": args.context.peer_region,
            "global_cluster_id": wiring.global_cluster_id,
            "local_cluster_id": wiring.local_cluster_id,
            "local_cluster_arn": wiring.local_cluster_arn,
            "peer_health_url": wiring.peer_health_url,
            "control_table": self.control_table.name,
            "alert_topic_arn": wiring.alert_topic_arn,
            "witness_fqdn": wiring.peer_witness_fqdn,
            "witness_healthy_address": WITNESS_HEALTHY_ADDRESS,
            "witness_unhealthy_address": WITNESS_UNHEALTHY_ADDRESS,
            "arc_cluster_endpoints": pulumi.Output.from_input(wiring.arc_cluster_endpoints).apply(
                lambda endpoints: json.dumps(endpoints, sort_keys=True)
            ),
            "home_routing_control_arn": wiring.home_routing_control_arn,
            "peer_routing_control_arn": wiring.peer_routing_control_arn,
            "asg_name": wiring.auto_scaling_group_name,
            "asg_full_capacity": str(wiring.full_capacity),
            "target_group_arn": wiring.target_group_arn,
            "writer_instance_class": args.writer_instance_class,
            "data_api_secret_arn": wiring.db_secret_arn,
            "data_api_database": wiring.database_name,
            "invocation_budget_seconds": str(self.timing.budget_seconds),
            "probe_attempts": str(PROBE_ATTEMPTS),
            "home_witness_fqdn": wiring.home_witness_fqdn,
            "serves_at_rest": "true" if wiring.serves_at_rest else "false",
            "witness_check_interval_seconds": str(wiring.witness_check_interval),
            "witness_check_threshold": str(wiring.witness_check_threshold),
        }
        if wiring.peer_control_table:
            wired["peer_control_table"] = wiring.peer_control_table
        if wiring.db_app_user:
            wired["db_fence_secret_arn"] = wiring.db_secret_arn
            wired["db_app_user"] = wiring.db_app_user
        return (
            self._args.failover.runtime_environment()
            | {setting(name).env: value for name, value in wired.items()}
            | args.extra_environment
        )

    def _function(self, policy: aws.iam.RolePolicy) -> aws.lambda_.Function:
        args, wiring = self._args, self._args.wiring
        function = aws.lambda_.Function(
            f"{self._name}-function",
            name=self.fixed_function_name,
            description="trading-dr failover orchestrator: promotes this region's Aurora cluster",
            runtime=RUNTIME,
            handler=HANDLER,
            # Only the code this stack signed (components/failover/signing.py).
            s3_bucket=self.code.s3_bucket,
            s3_key=self.code.s3_key,
            code_signing_config_arn=self.code.config.arn,
            role=self.role.arn,
            memory_size=256,
            timeout=self.timing.timeout_seconds,
            # No reserved_concurrent_executions: see the module docstring (AWS's 100 unreserved).
            environment=aws.lambda_.FunctionEnvironmentArgs(variables=self._environment()),
            kms_key_arn=args.context.kms_key_arn,
            vpc_config=aws.lambda_.FunctionVpcConfigArgs(
                subnet_ids=list(wiring.subnet_ids), security_group_ids=[self.security_group.id]
            ),
            # X-Ray active tracing (security baseline): "To sample and record incoming requests, set
            # Mode to Active" (https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html).
            tracing_config=aws.lambda_.FunctionTracingConfigArgs(mode="Active"),
            dead_letter_config=aws.lambda_.FunctionDeadLetterConfigArgs(
                target_arn=self.dead_letter_queue.arn
            ),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="Text",  # the orchestrator writes JSON lines itself
                log_group=self.log_group.name,
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.log_group, policy]),
        )
        aws.lambda_.FunctionEventInvokeConfig(
            f"{self._name}-async",
            function_name=function.name,
            # A stale invocation is worthless: the next scheduled one supersedes it.
            maximum_event_age_in_seconds=SCHEDULE_PERIOD_SECONDS * 2,
            maximum_retry_attempts=0,
            opts=self._child,
        )
        return function

    def _schedule(self) -> aws.cloudwatch.EventRule:
        rule = aws.cloudwatch.EventRule(
            f"{self._name}-schedule",
            description="Run the failover evaluation loop every minute (EventBridge's minimum)",
            schedule_expression=SCHEDULE,
            opts=self._child,
        )
        permission = aws.lambda_.Permission(
            f"{self._name}-schedule-invoke",
            action="lambda:InvokeFunction",
            function=self.function.name,
            principal="events.amazonaws.com",
            source_arn=rule.arn,
            opts=self._child,
        )
        aws.cloudwatch.EventTarget(
            f"{self._name}-schedule-target",
            rule=rule.name,
            arn=self.function.arn,
            retry_policy=aws.cloudwatch.EventTargetRetryPolicyArgs(
                maximum_event_age_in_seconds=SCHEDULE_PERIOD_SECONDS, maximum_retry_attempts=1
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[permission]),
        )
        return rule

    @property
    def function_name(self) -> pulumi.Output[str]:
        return self.function.name

    @property
    def table_name(self) -> pulumi.Output[str]:
        """The control table's name (the lease, the fencing epoch, the executions)."""
        return self.control_table.name
