"""Key policy documents for the regional customer-managed keys: pure, tested without Pulumi.

The policy grants the account (so IAM policies decide who uses the key) and then only the
services this stack actually uses. Services that act on their own behalf (CloudWatch Logs,
CloudTrail, CloudWatch and EventBridge publishing to encrypted topics) get their service
principal, scoped by encryption context or source account. Services that use the key on a
caller's behalf (RDS, DynamoDB, S3, ...) get a statement bound to the account and to that
service in this region through kms:ViaService, the shape of AWS-managed key policies.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

_USE = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]

# Services that use the key on a caller's behalf: name -> service endpoint prefix.
VIA_SERVICES = {
    "rds": "rds",
    "dynamodb": "dynamodb",
    "s3": "s3",
    "backup": "backup",
    "secretsmanager": "secretsmanager",
    "sqs": "sqs",
    "lambda": "lambda",
    "ec2": "ec2",  # EBS volumes of the Auto Scaling group
    "sns": "sns",
}


def _logs(region: str, account: str, partition: str) -> list[dict]:
    return [
        {
            "Sid": "AllowCloudWatchLogs",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": _USE,
            "Resource": "*",
            "Condition": {
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": (
                        f"arn:{partition}:logs:{region}:{account}:log-group:*"
                    )
                }
            },
        }
    ]


def _cloudtrail(region: str, account: str, partition: str) -> list[dict]:
    return [
        {
            "Sid": "AllowCloudTrailEncrypt",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:GenerateDataKey*",
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account},
                "StringLike": {
                    "kms:EncryptionContext:aws:cloudtrail:arn": (
                        f"arn:{partition}:cloudtrail:*:{account}:trail/*"
                    )
                },
            },
        },
        {
            # The trail's notification topic is encrypted with this key: CloudTrail publishes
            # to it. Bound to this account only (the SNS encryption-context key is not
            # relied on, so the grant holds whatever context SNS passes).
            # https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-permissions-for-sns-notifications.html
            "Sid": "AllowCloudTrailPublishToEncryptedTopic",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": account}},
        },
        {
            "Sid": "AllowCloudTrailDescribe",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:DescribeKey",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": account}},
        },
    ]


def _topic_publishers(region: str, account: str, partition: str) -> list[dict]:
    # CloudWatch alarms and EventBridge rules publish to the encrypted alert topics.
    return [
        {
            "Sid": "AllowAlarmAndEventPublishers",
            "Effect": "Allow",
            "Principal": {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": account}},
        }
    ]


def _via(service: str) -> Callable[[str, str, str], list[dict]]:
    def statements(region: str, account: str, partition: str) -> list[dict]:
        return [
            {
                "Sid": f"AllowUseVia{service.capitalize()}",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": [*_USE, "kms:CreateGrant", "kms:ListGrants"],
                "Resource": "*",
                "Condition": {
                    "StringEquals": {
                        "kms:CallerAccount": account,
                        "kms:ViaService": f"{VIA_SERVICES[service]}.{region}.amazonaws.com",
                    }
                },
            }
        ]

    return statements


SERVICE_STATEMENTS: dict[str, Callable[[str, str, str], list[dict]]] = {
    "logs": _logs,
    "cloudtrail": _cloudtrail,
    "topic-publishers": _topic_publishers,
    **{service: _via(service) for service in VIA_SERVICES},
}


def key_policy(region: str, account: str, partition: str, services: Iterable[str]) -> str:
    """The key policy JSON for a key in `region` used by `services` (keys of SERVICE_STATEMENTS)."""
    unknown = sorted(set(services) - set(SERVICE_STATEMENTS))
    if unknown:
        raise ValueError(
            f"no key policy statement for service(s) {unknown}; known: {sorted(SERVICE_STATEMENTS)}"
        )
    statements = [
        {
            "Sid": "EnableAccountAdministration",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    ]
    for service in sorted(set(services)):
        statements.extend(SERVICE_STATEMENTS[service](region, account, partition))
    return json.dumps({"Version": "2012-10-17", "Statement": statements})
