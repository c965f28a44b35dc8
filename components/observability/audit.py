"""AuditTrail: the account's multi-region CloudTrail, owned by the primary stack.

One trail records every region (multi-region, global service events included), so the dr
stack needs none. Log files are validated (signed digests), encrypted with the primary
region's CMK, kept in a versioned, TLS-only, private S3 bucket whose own access is logged to
a second bucket, and streamed to a CMK-encrypted CloudWatch log group for alarms and search.

Access-log bucket encryption: the S3 User Guide ("Enabling Amazon S3 server access logging")
supports default encryption of the destination bucket only with SSE-S3; SSE-KMS default
encryption on a log destination is not a supported configuration. So the access-log bucket
uses SSE-S3 (AES256), and holds request metadata only, never trail contents.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import RegionalContext
from components.observability.audit_policies import (
    access_log_bucket_policy,
    cloudtrail_logs_policy,
    cloudtrail_logs_trust,
    trail_arn,
    trail_bucket_policy,
    trail_topic_policy,
)
from components.security.private_bucket import private_bucket

ACCESS_LOG_PREFIX = "trail-bucket/"
ARCHIVE_AFTER_DAYS = 90
"""Trail logs move to Glacier Flexible Retrieval after this many days; they are rarely read."""
ABORT_UPLOADS_AFTER_DAYS = 7


@dataclass
class AuditTrailArgs:
    context: RegionalContext
    """Region, account, partition, names, protection, data key (components/context.py)."""
    trail_name: str
    """Physical name of the trail; the bucket policy names the trail before it exists."""
    log_retention_days: int
    """Retention of the CloudWatch log group and of the access logs."""


class AuditTrail(pulumi.ComponentResource):
    trail: aws.cloudtrail.Trail
    bucket: aws.s3.Bucket
    """Holds the trail's log files and digests."""
    access_log_bucket: aws.s3.Bucket
    log_group: aws.cloudwatch.LogGroup
    topic: aws.sns.Topic
    """Log-file delivery notifications, encrypted with the CMK (its policy grants "cloudtrail")."""

    def __init__(self, name: str, args: AuditTrailArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:audit:AuditTrail", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        self._versioning: dict[str, aws.s3.BucketVersioning] = {}
        self._trail_arn = pulumi.Output.all(args.context.partition, args.context.account_id).apply(
            lambda v: trail_arn(v[0], args.context.region, v[1], args.trail_name)
        )

        # Access-log targets accept only SSE-S3 (see components/security/private_bucket.py).
        self.access_log_bucket = self._private_bucket("access-logs", None)
        self.bucket = self._private_bucket("bucket", args.context.kms_key_arn)
        self._access_logging()
        self._lifecycles()
        bucket_policy = aws.s3.BucketPolicy(
            f"{name}-bucket-policy",
            bucket=self.bucket.id,
            policy=pulumi.Output.all(self.bucket.arn, self._trail_arn, args.context.account_id).apply(
                lambda v: trail_bucket_policy(v[0], v[1], v[2])
            ),
            opts=self._child,
        )
        self.log_group, delivery_policy, role = self._log_delivery()
        self.topic, topic_policy = self._notifications()
        self.trail = aws.cloudtrail.Trail(
            f"{name}-trail",
            name=args.trail_name,
            s3_bucket_name=self.bucket.id,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_log_file_validation=True,
            kms_key_id=args.context.kms_key_arn,
            # CloudTrail wants the log group ARN with the ":*" stream wildcard.
            cloud_watch_logs_group_arn=self.log_group.arn.apply(lambda arn: f"{arn}:*"),
            cloud_watch_logs_role_arn=role.arn,
            # A notification per delivered log file (security baseline: CloudTrail.* "trail
            # with an SNS topic"); the CreateTrail SnsTopicName takes the topic's name or ARN:
            # https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateTrail.html
            sns_topic_name=self.topic.arn,
            # CloudTrail checks at creation that it may write to the bucket, the log group and
            # the topic.
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[bucket_policy, delivery_policy, topic_policy]
            ),
        )
        self.register_outputs(
            {"trail_arn": self.trail.arn, "bucket": self.bucket.id, "log_group": self.log_group.name}
        )

    def _private_bucket(self, what: str, kms_key_arn: pulumi.Input[str] | None) -> aws.s3.Bucket:
        """Named like the data tier's buckets (globally unique by account and region), so an
        auditor finds the trail's bucket without reading stack state. Audit logs outlive the
        stack: protected, and kept in AWS if protection is lifted."""
        label = "trail" if what == "bucket" else what
        bucket_name = pulumi.Output.from_input(self._args.context.account_id).apply(
            lambda account: f"trading-dr-audit-{label}-{account}-{self._args.context.region}"
        )
        protect = self._args.context.protect
        made = private_bucket(f"{self._name}-{what}", bucket_name, kms_key_arn, protect, self)
        self._versioning[what] = made.versioning
        return made.bucket

    def _access_logging(self) -> None:
        aws.s3.BucketPolicy(
            f"{self._name}-access-logs-policy",
            bucket=self.access_log_bucket.id,
            policy=pulumi.Output.all(
                self.access_log_bucket.arn, self.bucket.arn, self._args.context.account_id
            ).apply(lambda v: access_log_bucket_policy(v[0], v[1], v[2], ACCESS_LOG_PREFIX)),
            opts=self._child,
        )
        aws.s3.BucketLogging(
            f"{self._name}-bucket-logging",
            bucket=self.bucket.id,
            target_bucket=self.access_log_bucket.id,
            target_prefix=ACCESS_LOG_PREFIX,
            opts=self._child,
        )

    def _lifecycles(self) -> None:
        abort = aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
            days_after_initiation=ABORT_UPLOADS_AFTER_DAYS
        )
        everything = aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix="")
        retention = self._args.log_retention_days
        # Trail logs are audit evidence: archived, never expired by this program. Only
        # overwritten or deleted versions age out, after the log retention period.
        aws.s3.BucketLifecycleConfiguration(
            f"{self._name}-bucket-lifecycle",
            bucket=self.bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="archive",
                    status="Enabled",
                    filter=everything,
                    transitions=[
                        aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
                            days=ARCHIVE_AFTER_DAYS, storage_class="GLACIER"
                        )
                    ],
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=retention
                    ),
                    abort_incomplete_multipart_upload=abort,
                )
            ],
            # Noncurrent-version rules mean nothing until versioning is on.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self._versioning["bucket"]]),
        )
        # Access logs are operational: kept as long as the CloudWatch logs, then expired.
        aws.s3.BucketLifecycleConfiguration(
            f"{self._name}-access-logs-lifecycle",
            bucket=self.access_log_bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire",
                    status="Enabled",
                    filter=everything,
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=retention),
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=30
                    ),
                    abort_incomplete_multipart_upload=abort,
                )
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self._versioning["access-logs"]]),
        )

    def _notifications(self) -> tuple[aws.sns.Topic, aws.sns.TopicPolicy]:
        topic = aws.sns.Topic(
            f"{self._name}-notifications",
            name=f"{self._args.trail_name}-deliveries",
            kms_master_key_id=self._args.context.kms_key_arn,
            opts=self._child,
        )
        policy = aws.sns.TopicPolicy(
            f"{self._name}-notifications-policy",
            arn=topic.arn,
            policy=pulumi.Output.all(topic.arn, self._trail_arn, self._args.context.account_id).apply(
                lambda v: trail_topic_policy(v[0], v[1], v[2])
            ),
            opts=self._child,
        )
        return topic, policy

    def _log_delivery(self) -> tuple[aws.cloudwatch.LogGroup, aws.iam.RolePolicy, aws.iam.Role]:
        log_group = aws.cloudwatch.LogGroup(
            f"{self._name}-logs",
            name=f"/aws/cloudtrail/{self._args.trail_name}",
            retention_in_days=self._args.log_retention_days,
            kms_key_id=self._args.context.kms_key_arn,
            opts=self._child,
        )
        role = aws.iam.Role(
            f"{self._name}-logs-role",
            assume_role_policy=cloudtrail_logs_trust(),
            opts=self._child,
        )
        policy = aws.iam.RolePolicy(
            f"{self._name}-logs-policy",
            role=role.id,
            policy=pulumi.Output.all(log_group.arn, self._args.context.account_id).apply(
                lambda v: cloudtrail_logs_policy(v[0], v[1])
            ),
            opts=self._child,
        )
        return log_group, policy, role
