"""The orchestrator's IAM documents, as pure functions tested without Pulumi.

Least privilege: the three promotion actions on this region's cluster and the global
cluster only; the describe calls on those same ARNs; the control table, the alert topic,
the dead-letter queue, the key and the function's own log group by ARN. The one `*`
*resource* is cloudwatch:GetMetricStatistics, which has no resource-level permissions (a
read of metric data). No statement has a `*` action.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

PROMOTE_ACTIONS = ("rds:FailoverGlobalCluster", "rds:SwitchoverGlobalCluster", "rds:RemoveFromGlobalCluster")


def global_cluster_arn(partition: str, account: str, global_cluster_id: str) -> str:
    """Global clusters have no region in their ARN."""
    return f"arn:{partition}:rds::{account}:global-cluster:{global_cluster_id}"


def db_instance_arn(partition: str, region: str, account: str, instance_id: str) -> str:
    return f"arn:{partition}:rds:{region}:{account}:db:{instance_id}"


def writer_dependency_arns(partition: str, region: str, account: str, cluster_id: str) -> list[str]:
    """The other resources rds:CreateDBInstance is authorised against when the orchestrator
    adds a writer to its headless cluster. The Service Authorization Reference lists, for
    CreateDBInstance, `db*` and also `cluster`, `og`, `pg`, `secgrp`, `subgrp`
    (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrds.html);
    AWS's own example grants the instance's og/pg/subgrp ARNs
    (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/security_iam_id-based-policy-examples-create-and-modify-examples.html).
    The request (failover/actions.py) names only the cluster, so the instance takes:
    - the cluster's DB subnet group, named like the cluster (components/data/aurora.py);
    - the engine's default DB parameter group `default.<family>` and default option group
      `default:<engine>-<version>`: named by the engine version, which the global cluster
      upgrades underneath, so granted as `default.*`/`default:*`, AWS's unmodifiable
      defaults only. No DB security group (secgrp is EC2-Classic; VPC groups are not RDS
      resources)."""
    prefix = f"arn:{partition}:rds:{region}:{account}"
    return [f"{prefix}:subgrp:{cluster_id}", f"{prefix}:pg:default.*", f"{prefix}:og:default:*"]


def alarm_arn(partition: str, region: str, account: str, name: str) -> str:
    return f"arn:{partition}:cloudwatch:{region}:{account}:alarm:{name}"


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


def orchestrator_policy(
    *,
    global_cluster: str,
    local_cluster: str,
    table: str,
    topic: str,
    key: str,
    dead_letter_queue: str,
    log_group: str,
    alarms: Sequence[str],
    writer_instance: str | None = None,
    writer_dependencies: Sequence[str] = (),
) -> dict:
    """The execution role's inline policy; every argument is an ARN."""
    statements = [
        {
            "Sid": "PromoteThisRegionsCluster",
            "Effect": "Allow",
            "Action": list(PROMOTE_ACTIONS),
            # Both resource types are required: the global cluster and the target member.
            "Resource": [global_cluster, local_cluster],
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
            "Sid": "ReadLagMetrics",
            "Effect": "Allow",
            "Action": ["cloudwatch:GetMetricStatistics"],
            "Resource": "*",  # no resource-level permissions for metric reads
        },
        {
            "Sid": "ControlTable",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query"],
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
            "Sid": "OwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [log_group, f"{log_group}:*"],
        },
    ]
    if writer_instance:
        # A headless (pilot-light) cluster gets one named instance before its promotion.
        statements.append(
            {
                "Sid": "AddAWriterToThisRegionsHeadlessCluster",
                "Effect": "Allow",
                "Action": ["rds:CreateDBInstance", "rds:DescribeDBInstances"],
                "Resource": [writer_instance, local_cluster],
            }
        )
        if writer_dependencies:
            statements.append(
                {
                    # CreateDBInstance is authorised against these too (writer_dependency_arns).
                    "Sid": "CreateTheWriterWithItsGroups",
                    "Effect": "Allow",
                    "Action": ["rds:CreateDBInstance"],
                    "Resource": list(writer_dependencies),
                }
            )
    if alarms:
        statements.append(
            {
                "Sid": "ReadLagAlarms",
                "Effect": "Allow",
                "Action": ["cloudwatch:DescribeAlarms"],
                "Resource": list(alarms),
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def alarm_filter_policy(alarm_names: Sequence[str]) -> str:
    """SNS filter (message body): only the lag alarms' notifications invoke the orchestrator,
    not its own alerts or other alarms published to the same topic."""
    return json.dumps({"AlarmName": sorted(alarm_names)})
