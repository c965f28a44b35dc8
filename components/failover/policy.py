"""The orchestrator's IAM documents, as pure functions tested without Pulumi.

Least privilege, per the runtime's contract (docs/ARCHITECTURE.md#import-rules; every AWS
call failover/ makes and on what): the two promotion actions on the global cluster and this
region's member only; never rds:RemoveFromGlobalCluster (detaching is an operator command
with operator credentials, after the old region is confirmed fenced); the two routing
controls, through the ARC cluster's data plane only; this region's Auto Scaling group; the
headless writer instance; the kept copies of this cluster's unplanned-failover snapshots; the
control table, alert topic, dead-letter queue, key and log group by ARN.

`*` resources only for actions that have no resource-level permissions in the Service
Authorization Reference (NO_RESOURCE_LEVEL below, each with its page). No statement has a
`*` action.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from failover.actions import KEPT_PREFIX
from failover.config import PAGE_NAMESPACE, STATE_PK

PROMOTE_ACTIONS = ("rds:FailoverGlobalCluster", "rds:SwitchoverGlobalCluster")
# Irreversible and unfenced when automatic: never granted to the function
# (docs/ARCHITECTURE.md#fence-then-promote).
FORBIDDEN_ACTIONS = ("rds:RemoveFromGlobalCluster",)
# The ARC cluster's data plane: one UpdateRoutingControlStates call flips both controls, so
# the safety rules judge the result of one transaction; the singular UpdateRoutingControlState
# is not granted (a one-control change is never what the runtime means to do).
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonroute53recoverycluster.html
ROUTING_CONTROL_ACTIONS = (
    "route53-recovery-cluster:GetRoutingControlState",
    "route53-recovery-cluster:UpdateRoutingControlStates",
)
# Actions without resource-level permissions ("Resource types" column empty), so "*":
NO_RESOURCE_LEVEL = {
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html
    "cloudwatch:GetMetricStatistics",
    # (same page: no resource type; the cloudwatch:namespace condition key narrows it)
    "cloudwatch:PutMetricData",
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2autoscaling.html
    "autoscaling:DescribeAutoScalingGroups",
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_awselasticloadbalancingv2.html
    "elasticloadbalancing:DescribeTargetHealth",
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    # The VPC-attached function's network interfaces, as the AWS managed policy
    # AWSLambdaVPCAccessExecutionRole grants them ("Resource": "*"); Lambda creates and
    # deletes them with the execution role:
    # https://docs.aws.amazon.com/lambda/latest/dg/configuring-vpc.html
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
}
VPC_ACCESS_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
)
# Aurora names the snapshot of an unplanned failover's old primary
# "rds:unplanned-global-failover-<old primary cluster>-<timestamp>" and it is "subject to the
# backup retention period ... you can copy it to save it as a manual snapshot":
# https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html
UNPLANNED_SNAPSHOT_PREFIX = "rds:unplanned-global-failover-"
# The runtime's copy: this prefix + a digest of the source's name (failover.actions.kept_snapshot_id).
KEPT_SNAPSHOT_PREFIX = KEPT_PREFIX


def global_cluster_arn(partition: str, account: str, global_cluster_id: str) -> str:
    """Global clusters have no region in their ARN."""
    return f"arn:{partition}:rds::{account}:global-cluster:{global_cluster_id}"


def db_instance_arn(partition: str, region: str, account: str, instance_id: str) -> str:
    return f"arn:{partition}:rds:{region}:{account}:db:{instance_id}"


def rds_arn(partition: str, region: str, account: str, resource: str) -> str:
    return f"arn:{partition}:rds:{region}:{account}:{resource}"


def auto_scaling_group_arn(partition: str, region: str, account: str, name: str) -> str:
    """The group's ARN carries a generated UUID; the name pins it."""
    return f"arn:{partition}:autoscaling:{region}:{account}:autoScalingGroup:*:autoScalingGroupName/{name}"


def dynamodb_table_arn(partition: str, region: str, account: str, name: str) -> str:
    return f"arn:{partition}:dynamodb:{region}:{account}:table/{name}"


@dataclass(frozen=True)
class PeerEpochRead:
    """The peer region's control table, read for its fencing epoch only (STATE/ACTIVE; the
    runtime's Orchestrator._adopt_peer_epoch): its ARN, region and name."""

    table: str
    region: str
    name: str


def peer_epoch_statements(partition: str, account: str, peer: PeerEpochRead) -> list[dict]:
    """dynamodb:GetItem on the peer's table restricted to partition key STATE by
    dynamodb:LeadingKeys (ForAllValues: every key the request names is STATE; a GetItem always
    names one) (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html);
    the item is the only one under that key. The table is encrypted with the peer's regional
    CMK, which DynamoDB uses on the caller's behalf: kms:Decrypt through DynamoDB of the peer
    region only (kms:ViaService) and only for that table (DynamoDB's encryption context
    aws:dynamodb:tableName, https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html).
    The peer's key ARN is not known to this stack, hence key/* in the peer region under both
    conditions. Were the grant short, the read fails and is ignored: nothing depends on it."""
    return [
        {
            "Sid": "ReadThePeersFencingEpoch",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem"],
            "Resource": [peer.table],
            "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [STATE_PK]}},
        },
        {
            "Sid": "DecryptThePeersControlTable",
            "Effect": "Allow",
            "Action": ["kms:Decrypt"],
            "Resource": [f"arn:{partition}:kms:{peer.region}:{account}:key/*"],
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": f"dynamodb.{peer.region}.amazonaws.com",
                    "kms:EncryptionContext:aws:dynamodb:tableName": peer.name,
                }
            },
        },
    ]


def assume_role_policy() -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


@dataclass(frozen=True)
class HeadlessWriter:
    """What CreateDBInstance of the pilot-light writer is authorised against: "rds:CreateDBInstance
    is authorised also against the option group, parameter group and subnet group ARNs"
    (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrds.html).
    The runtime passes no group names, so the engine's default parameter and option groups
    (default.<family>, default:<engine>-<version>) and the cluster's subnet group apply."""

    instance: str
    parameter_groups: str
    option_groups: str
    subnet_group: str


def orchestrator_policy(
    *,
    partition: str,
    region: str,
    account: str,
    global_cluster: str,
    local_cluster: str,
    local_cluster_id: str,
    peer_cluster: str,
    table: str,
    topic: str,
    key: str,
    dead_letter_queue: str,
    log_group: str,
    routing_controls: Sequence[str],  # home first, then peer
    auto_scaling_group: str | None,
    headless_writer: HeadlessWriter | None = None,
    database_secret: str | None = None,
    peer_epoch: PeerEpochRead | None = None,
) -> dict:
    """The execution role's inline policy; every resource argument is an ARN."""
    home = lambda resource: rds_arn(partition, region, account, resource)  # noqa: E731
    unplanned = home(f"cluster-snapshot:{UNPLANNED_SNAPSHOT_PREFIX}*")
    kept = home(f"cluster-snapshot:{KEPT_SNAPSHOT_PREFIX}*")
    statements = [
        {
            "Sid": "PromoteThisRegionsCluster",
            "Effect": "Allow",
            "Action": list(PROMOTE_ACTIONS),
            # The global cluster, the target member and the member being demoted: AWS's own
            # policy for Aurora global database failover and switchover grants all three
            # (https://docs.aws.amazon.com/r53recovery/latest/dg/security_iam_region_switch_aurora.html);
            # without the peer's ARN the promotion could be denied after the fence.
            "Resource": [global_cluster, local_cluster, peer_cluster],
        },
        {
            "Sid": "DescribeTheGlobalCluster",
            "Effect": "Allow",
            "Action": ["rds:DescribeGlobalClusters"],
            "Resource": [global_cluster],
        },
        {
            "Sid": "DescribeThisRegionsCluster",
            "Effect": "Allow",
            "Action": ["rds:DescribeDBClusters"],
            "Resource": [local_cluster],
        },
        {
            # The fence and the authority: read and flip the two controls through the cluster
            # endpoints (data plane); nothing else in ARC.
            "Sid": "FlipTheRoutingControls",
            "Effect": "Allow",
            "Action": list(ROUTING_CONTROL_ACTIONS),
            "Resource": list(routing_controls),
        },
        {
            # The cluster's instances, whatever their names (the writer of a promoted cluster).
            "Sid": "DescribeThisRegionsInstances",
            "Effect": "Allow",
            "Action": ["rds:DescribeDBInstances"],
            "Resource": [home("db:*")],
        },
        {
            # Find every unplanned-failover system snapshot in this region (the runtime lists
            # them without a cluster filter, so the describe is authorised on clusters too) ...
            "Sid": "FindTheFailoverSnapshots",
            "Effect": "Allow",
            "Action": ["rds:DescribeDBClusterSnapshots"],
            "Resource": [home("cluster:*"), home("cluster-snapshot:*")],
        },
        {
            # ... and keep a manual copy of each beyond the old cluster's retention period.
            "Sid": "KeepTheFailoverSnapshots",
            "Effect": "Allow",
            "Action": ["rds:CopyDBClusterSnapshot"],
            "Resource": [unplanned, kept],
        },
        {
            "Sid": "ReadLagMetrics",
            "Effect": "Allow",
            "Action": ["cloudwatch:GetMetricStatistics"],
            "Resource": "*",  # no resource-level permissions for metric reads
        },
        {
            # Pages that survive: every page also puts the Page metric its alarm watches
            # (failover/paging.py), only in the runtime's own namespace.
            # https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html
            "Sid": "PutPageMetrics",
            "Effect": "Allow",
            "Action": ["cloudwatch:PutMetricData"],
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": PAGE_NAMESPACE}},
        },
        {
            "Sid": "ControlTable",
            "Effect": "Allow",
            "Action": [
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "dynamodb:Query",
                # save_execution's TransactWriteItems checks the lock item with a
                # ConditionCheck, authorised as this action:
                # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html
                "dynamodb:ConditionCheckItem",
            ],
            "Resource": [table],
        },
        {"Sid": "PublishAlerts", "Effect": "Allow", "Action": ["sns:Publish"], "Resource": [topic]},
        {
            "Sid": "DeadLetters",
            "Effect": "Allow",
            "Action": ["sqs:SendMessage"],
            "Resource": [dead_letter_queue],
        },
        {
            # The table, topic, queue and environment are encrypted with this region's CMK.
            "Sid": "UseTheRegionalKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": [key],
        },
        {
            # Copying the cluster's encrypted snapshot under the same key: RDS creates a grant
            # on the caller's behalf, so only through RDS in this region.
            "Sid": "CopyEncryptedSnapshotsThroughRds",
            "Effect": "Allow",
            "Action": ["kms:CreateGrant", "kms:DescribeKey"],
            "Resource": [key],
            "Condition": {"StringEquals": {"kms:ViaService": f"rds.{region}.amazonaws.com"}},
        },
        {
            "Sid": "OwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [log_group, f"{log_group}:*"],
        },
        {
            "Sid": "Tracing",
            "Effect": "Allow",
            "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            "Resource": "*",
        },
        {
            "Sid": "VpcNetworkInterfaces",
            "Effect": "Allow",
            "Action": list(VPC_ACCESS_ACTIONS),
            "Resource": "*",
        },
    ]
    if database_secret:
        # The test write on the new writer through the RDS Data API, signed in with the
        # cluster's secret (its key is the regional one above).
        # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrdsdataapi.html
        statements += [
            {
                "Sid": "TestWriteThroughTheDataApi",
                "Effect": "Allow",
                "Action": ["rds-data:ExecuteStatement"],
                "Resource": [local_cluster],
            },
            {
                "Sid": "ReadTheDatabaseSecret",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": [database_secret],
            },
        ]
    if auto_scaling_group:
        statements += [
            {
                # Scale this region's group to full size on promotion (and pre-warm reversibly).
                "Sid": "ScaleThisRegionsGroup",
                "Effect": "Allow",
                "Action": ["autoscaling:UpdateAutoScalingGroup"],
                "Resource": [auto_scaling_group],
            },
            {
                "Sid": "DescribeGroups",
                "Effect": "Allow",
                "Action": ["autoscaling:DescribeAutoScalingGroups"],
                "Resource": "*",
            },
            {
                # Traffic moves here only once the load balancer has a healthy target.
                "Sid": "ReadTargetHealth",
                "Effect": "Allow",
                "Action": ["elasticloadbalancing:DescribeTargetHealth"],
                "Resource": "*",
            },
        ]
    if headless_writer:
        # A headless (pilot-light) cluster gets one named instance before its promotion.
        statements += [
            {
                "Sid": "AddAWriterToThisRegionsHeadlessCluster",
                "Effect": "Allow",
                "Action": ["rds:CreateDBInstance"],
                "Resource": [
                    headless_writer.instance,
                    local_cluster,
                    headless_writer.parameter_groups,
                    headless_writer.option_groups,
                    headless_writer.subnet_group,
                ],
            },
        ]
    if peer_epoch:
        statements += peer_epoch_statements(partition, account, peer_epoch)
    return {"Version": "2012-10-17", "Statement": statements}
