"""Resource policies of the audit trail (components/observability/audit.py): pure, tested without Pulumi.

Service principals are bound to the one resource that may use them (aws:SourceArn) and to
this account (aws:SourceAccount), so no other trail or bucket can borrow the grant (the
confused-deputy guard AWS documents for CloudTrail and S3 server access logging).
"""

from __future__ import annotations

import json

from components.security.private_bucket import deny_insecure_transport


def trail_arn(partition: str, region: str, account: str, trail_name: str) -> str:
    """The trail's ARN, known before the trail exists: the bucket policy must name it, and
    the trail can only be created once that policy is in place."""
    return f"arn:{partition}:cloudtrail:{region}:{account}:trail/{trail_name}"


def trail_bucket_policy(bucket_arn: str, trail: str, account: str) -> str:
    """TLS only; CloudTrail may check the ACL and write under AWSLogs/<account>/ for `trail`."""
    source = {"aws:SourceArn": trail}
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                deny_insecure_transport(bucket_arn),
                {
                    "Sid": "AWSCloudTrailAclCheck",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "s3:GetBucketAcl",
                    "Resource": bucket_arn,
                    "Condition": {"StringEquals": source},
                },
                {
                    "Sid": "AWSCloudTrailWrite",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": f"{bucket_arn}/AWSLogs/{account}/*",
                    # With BucketOwnerEnforced ownership this canned ACL is the one accepted.
                    "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", **source}},
                },
            ],
        }
    )


def access_log_bucket_policy(log_bucket_arn: str, source_bucket_arn: str, account: str, prefix: str) -> str:
    """TLS only; S3 server access logging may write the source bucket's logs under `prefix`.
    With ACLs disabled (BucketOwnerEnforced) a bucket policy is the only way to grant it."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                deny_insecure_transport(log_bucket_arn),
                {
                    "Sid": "S3ServerAccessLogsPolicy",
                    "Effect": "Allow",
                    "Principal": {"Service": "logging.s3.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": f"{log_bucket_arn}/{prefix}*",
                    "Condition": {
                        "ArnLike": {"aws:SourceArn": source_bucket_arn},
                        "StringEquals": {"aws:SourceAccount": account},
                    },
                },
            ],
        }
    )


def cloudtrail_logs_trust() -> str:
    """CloudTrail may assume the role that writes to CloudWatch Logs. No aws:SourceArn or
    aws:SourceAccount here: CloudTrail documents that this role does not support them
    (confused-deputy prevention does not apply to it); the role's policy is narrow instead."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def cloudtrail_logs_policy(log_group_arn: str, account: str) -> str:
    """Create streams and put events in the trail's own streams of its log group, nothing
    else. CloudTrail names the streams <account>_CloudTrail_<region> (one per region of a
    multi-region trail)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AWSCloudTrailDeliverToLogGroup",
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": f"{log_group_arn}:log-stream:{account}_CloudTrail_*",
                }
            ],
        }
    )


def trail_topic_policy(topic_arn: str, trail: str, account: str) -> str:
    """The trail's notification topic: CloudTrail may publish for `trail` only, and only the
    account manages the topic. https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-permissions-for-sns-notifications.html"""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AWSCloudTrailSNSPolicy",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "SNS:Publish",
                    "Resource": topic_arn,
                    "Condition": {"StringEquals": {"aws:SourceArn": trail, "aws:SourceAccount": account}},
                },
            ],
        }
    )
