"""FailoverOrchestrator: the failover/ package deployed as a Lambda in one region, with its
control table, dead-letter queue, log group, least-privilege role, one-minute schedule and
subscription to the region's alarm topic. Both stacks build it (symmetric), so failback
runs the same code.

The Lambda is not in the VPC on purpose: it reaches the peer's public health endpoint and
the regional AWS APIs without depending on this region's NAT gateways.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
import pulumi_aws as aws

import failover as failover_runtime
from components.failover.policy import (
    alarm_arn,
    alarm_filter_policy,
    assume_role_policy,
    db_instance_arn,
    global_cluster_arn,
    orchestrator_policy,
    writer_dependency_arns,
)
from components.settings import FailoverSettings
from failover.actions import writer_instance_id
from failover.config import ENV

# The runtime package itself (top-level failover/), wherever this component module lives.
PACKAGE_DIR = Path(failover_runtime.__file__).resolve().parent
HANDLER = "failover.handler.lambda_handler"
RUNTIME = "python3.12"
LAMBDA_MAX_TIMEOUT = 900
SCHEDULE = "rate(1 minute)"


def package_archive(package_dir: Path = PACKAGE_DIR) -> pulumi.AssetArchive:
    """The failover package's sources only (no __pycache__, so the archive's hash changes
    with the code and nothing else). boto3 comes with the Lambda runtime."""
    sources = sorted(package_dir.glob("*.py"))
    if not any(p.name == "handler.py" for p in sources):
        raise ValueError(f"{package_dir} holds no handler.py: not the failover package")
    return pulumi.AssetArchive({f"failover/{p.name}": pulumi.FileAsset(str(p)) for p in sources})


def function_timeout(promotion_timeout_seconds: int, probe_budget_seconds: int) -> int:
    """Long enough to probe, promote and poll to the bound, plus a minute for the rest."""
    return min(LAMBDA_MAX_TIMEOUT, promotion_timeout_seconds + probe_budget_seconds + 60)


@dataclass
class OrchestratorWiring:
    """What the orchestrator acts on and reports to: outputs of the data tier and alerting."""

    global_cluster_id: pulumi.Input[str]
    local_cluster_id: pulumi.Input[str]
    """This region's member of the global cluster (the promotion target)."""
    local_cluster_arn: pulumi.Input[str]
    peer_health_url: pulumi.Input[str]
    """HTTPS health endpoint of the peer region's application."""
    alert_topic_arn: pulumi.Input[str]
    """Topic the orchestrator publishes its promotions and RPO-gate pages to."""
    alarm_topic_arn: pulumi.Input[str]
    """Topic the region's alarms notify; the orchestrator subscribes to it."""
    lag_alarm_names: Sequence[str]
    """Names of this region's replication / RPO lag alarms (plain strings: RegionalAlarms
    names them, and they must not depend on this component, which its alarms watch)."""


@dataclass
class FailoverOrchestratorArgs:
    region: str
    """Home region; must be the region of the provider in opts."""
    peer_region: str
    wiring: OrchestratorWiring
    failover: FailoverSettings
    """Thresholds: consecutive evaluations, RPO bound, lock expiry (settings.failover)."""
    kms_key_arn: pulumi.Input[str]
    """This region's CMK: table, queue, log group and the function's environment."""
    account_id: pulumi.Input[str]
    partition: pulumi.Input[str]
    log_retention_days: int
    name_prefix: str
    """e.g. trading-dr-primary; names the function (and so its log group) and the table."""
    protect: bool
    """Protect the control table (it holds the epoch applications fence on)."""
    probe_attempts: int = 3
    probe_timeout_seconds: int = 3
    promotion_timeout_seconds: int = 600
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
    schedule: aws.cloudwatch.EventRule
    alarm_subscription: aws.sns.TopicSubscription
    function_name: str

    def __init__(self, name: str, args: FailoverOrchestratorArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:failover:FailoverOrchestrator", name, None, opts)
        if not args.wiring.lag_alarm_names:
            raise ValueError(
                "FailoverOrchestrator needs at least one lag alarm name (a signal and its trigger)"
            )
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        # A fixed name, so the log group can exist (encrypted, with retention) before the
        # function first logs; Lambda would otherwise create it plain and forever.
        self.function_name = f"{args.name_prefix}-failover"

        self.control_table = self._table()
        self.dead_letter_queue = aws.sqs.Queue(
            f"{name}-dlq",
            kms_master_key_id=args.kms_key_arn,
            kms_data_key_reuse_period_seconds=300,
            message_retention_seconds=14 * 86400,
            opts=self._child,
        )
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/lambda/{self.function_name}",
            retention_in_days=args.log_retention_days,
            kms_key_id=args.kms_key_arn,
            opts=self._child,
        )
        self.role, policy = self._role()
        self.function = self._function(policy)
        self.schedule = self._schedule()
        self.alarm_subscription = self._alarm_subscription()
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
            name=f"{args.name_prefix}-failover-control",
            billing_mode="PAY_PER_REQUEST",
            hash_key="pk",
            range_key="sk",
            attributes=[
                aws.dynamodb.TableAttributeArgs(name="pk", type="S"),
                aws.dynamodb.TableAttributeArgs(name="sk", type="S"),
            ],
            # Evaluation history and idempotency claims expire; the lock and the active
            # region record are checked for expiry by the orchestrator itself.
            ttl=aws.dynamodb.TableTtlArgs(attribute_name="expires_at", enabled=True),
            server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(
                enabled=True, kms_key_arn=args.kms_key_arn
            ),
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(enabled=True),
            deletion_protection_enabled=args.protect,
            # Like every data store: the epoch applications fence on outlives the stack.
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect),
        )

    def _role(self) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
        args, wiring = self._args, self._args.wiring
        role = aws.iam.Role(f"{self._name}-role", assume_role_policy=assume_role_policy(), opts=self._child)
        document = pulumi.Output.all(
            args.partition,
            args.account_id,
            wiring.global_cluster_id,
            wiring.local_cluster_arn,
            self.control_table.arn,
            wiring.alert_topic_arn,
            args.kms_key_arn,
            self.dead_letter_queue.arn,
            self.log_group.arn,
            wiring.local_cluster_id,
        ).apply(
            lambda v: json.dumps(
                orchestrator_policy(
                    global_cluster=global_cluster_arn(v[0], v[1], v[2]),
                    local_cluster=v[3],
                    table=v[4],
                    topic=v[5],
                    key=v[6],
                    dead_letter_queue=v[7],
                    log_group=v[8],
                    alarms=[alarm_arn(v[0], args.region, v[1], n) for n in wiring.lag_alarm_names],
                    writer_instance=(
                        db_instance_arn(v[0], args.region, v[1], writer_instance_id(v[9]))
                        if args.writer_instance_class
                        else None
                    ),
                    writer_dependencies=(
                        writer_dependency_arns(v[0], args.region, v[1], v[9])
                        if args.writer_instance_class
                        else ()
                    ),
                )
            )
        )
        policy = aws.iam.RolePolicy(f"{self._name}-policy", role=role.id, policy=document, opts=self._child)
        return role, policy

    def _environment(self) -> dict[str, pulumi.Input[str]]:
        args, wiring, thresholds = self._args, self._args.wiring, self._args.failover
        values: dict[str, pulumi.Input[str]] = {
            "home_region": args.region,
            "peer_region": args.peer_region,
            "global_cluster_id": wiring.global_cluster_id,
            "local_cluster_id": wiring.local_cluster_id,
            "local_cluster_arn": wiring.local_cluster_arn,
            "peer_health_url": wiring.peer_health_url,
            "control_table": self.control_table.name,
            "alert_topic_arn": wiring.alert_topic_arn,
            "lag_alarm_names": ",".join(wiring.lag_alarm_names),
            "required_evaluations": str(thresholds.consecutive_evaluations),
            "max_lag_seconds": str(thresholds.max_replication_lag_seconds),
            "lock_seconds": str(thresholds.lock_seconds),
            "probe_attempts": str(args.probe_attempts),
            "probe_timeout_seconds": str(args.probe_timeout_seconds),
            "promotion_timeout_seconds": str(args.promotion_timeout_seconds),
            "writer_instance_class": args.writer_instance_class,
        }
        # failover.config.ENV is the contract: the orchestrator reads exactly these names.
        return {ENV[key]: value for key, value in values.items()} | args.extra_environment

    def _function(self, policy: aws.iam.RolePolicy) -> aws.lambda_.Function:
        args = self._args
        probe_budget = args.probe_attempts * (args.probe_timeout_seconds + args.probe_attempts)
        function = aws.lambda_.Function(
            f"{self._name}-function",
            name=self.function_name,
            description="trading-dr failover orchestrator: promotes this region's Aurora cluster",
            runtime=RUNTIME,
            handler=HANDLER,
            code=package_archive(),
            role=self.role.arn,
            memory_size=256,
            timeout=function_timeout(args.promotion_timeout_seconds, probe_budget),
            # One evaluation at a time: with the lock, no two promotions can overlap.
            reserved_concurrent_executions=1,
            environment=aws.lambda_.FunctionEnvironmentArgs(variables=self._environment()),
            kms_key_arn=args.kms_key_arn,
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
            # A stale evaluation is worthless: the next scheduled one supersedes it.
            maximum_event_age_in_seconds=300,
            maximum_retry_attempts=1,
            opts=self._child,
        )
        return function

    def _schedule(self) -> aws.cloudwatch.EventRule:
        rule = aws.cloudwatch.EventRule(
            f"{self._name}-schedule",
            description="Evaluate the failover signals every minute",
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
                maximum_event_age_in_seconds=120, maximum_retry_attempts=2
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[permission]),
        )
        return rule

    def _alarm_subscription(self) -> aws.sns.TopicSubscription:
        wiring = self._args.wiring
        permission = aws.lambda_.Permission(
            f"{self._name}-alarm-invoke",
            action="lambda:InvokeFunction",
            function=self.function.name,
            principal="sns.amazonaws.com",
            source_arn=wiring.alarm_topic_arn,
            opts=self._child,
        )
        return aws.sns.TopicSubscription(
            f"{self._name}-alarm-subscription",
            topic=wiring.alarm_topic_arn,
            protocol="lambda",
            endpoint=self.function.arn,
            filter_policy_scope="MessageBody",
            filter_policy=alarm_filter_policy(wiring.lag_alarm_names),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[permission]),
        )
