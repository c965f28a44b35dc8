"""DocumentsBucket: one region's bucket of trading documents and the bucket its access logs
go to. Both stacks build one; the dr stack replicates them into each other
(components/data/bucket_replication.py).

Documents: versioned (replication needs it), SSE-KMS with this region's CMK, public access
blocked, TLS-only policy, bucket-owner-enforced ownership (no ACLs), noncurrent versions
aged out, server access logs to the log bucket.

Exception, recorded: the log bucket is encrypted with SSE-S3 (AES256), not the CMK. S3
server access logging delivers only to buckets whose default encryption is SSE-S3; a
target with SSE-KMS default encryption receives no logs. It holds request logs, not
trading documents.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import RegionalContext
from components.security.private_bucket import deny_insecure_transport, private_bucket

NONCURRENT_TO_IA_DAYS = 30
NONCURRENT_EXPIRE_DAYS = 365
"""Overwritten or deleted documents stay recoverable for a year."""
ABORT_MULTIPART_DAYS = 7


def bucket_names(account_id: str, region: str) -> tuple[str, str]:
    """(documents, access logs): globally unique by account and region, and computable by the
    peer stack and operators without a lookup."""
    return (f"trading-dr-documents-{account_id}-{region}", f"trading-dr-access-logs-{account_id}-{region}")


@dataclass
class DocumentsBucketArgs:
    context: RegionalContext
    """Region, account, partition, names, protection, data key (components/context.py)."""
    log_retention_days: int
    """How long access logs are kept."""


class DocumentsBucket(pulumi.ComponentResource):
    bucket: aws.s3.Bucket
    versioning: aws.s3.BucketVersioning
    """Replication configurations depend on it (versioning must be on first)."""
    log_bucket: aws.s3.Bucket

    def __init__(self, name: str, args: DocumentsBucketArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:storage:DocumentsBucket", name, None, opts)
        self._name, self._args = name, args
        self._child = pulumi.ResourceOptions(parent=self)
        names = pulumi.Output.from_input(args.context.account_id).apply(
            lambda account: bucket_names(account, args.context.region)
        )

        self.log_bucket = self._log_bucket(names.apply(lambda n: n[1]))
        self.bucket, self.versioning = self._documents_bucket(names.apply(lambda n: n[0]))
        self._access_logging()
        self.register_outputs({"bucket": self.bucket.bucket, "bucket_arn": self.bucket.arn})

    def _log_bucket(self, name: pulumi.Output[str]) -> aws.s3.Bucket:
        """The documents bucket's access logs, expired after the log retention."""
        # Access-log targets accept only SSE-S3 (see components/security/private_bucket.py).
        logs = private_bucket(f"{self._name}-logs", name, None, self._args.context.protect, self)
        self._lifecycle(
            "logs",
            logs.bucket,
            [
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-access-logs",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                        days=self._args.log_retention_days
                    ),
                    noncurrent_version_expiration=(
                        aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                            noncurrent_days=30
                        )
                    ),
                    # https://docs.aws.amazon.com/AmazonS3/latest/API/API_AbortIncompleteMultipartUpload.html
                    abort_incomplete_multipart_upload=(
                        aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                            days_after_initiation=ABORT_MULTIPART_DAYS
                        )
                    ),
                )
            ],
            logs.versioning,
        )
        return logs.bucket

    def _documents_bucket(self, name: pulumi.Output[str]) -> tuple[aws.s3.Bucket, aws.s3.BucketVersioning]:
        """The documents, under the region's key; noncurrent versions age, then expire."""
        documents = private_bucket(
            f"{self._name}-documents",
            name,
            self._args.context.kms_key_arn,
            self._args.context.protect,
            self,
        )
        self._lifecycle(
            "documents",
            documents.bucket,
            [
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="age-noncurrent-versions",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    noncurrent_version_transitions=[
                        aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionTransitionArgs(
                            noncurrent_days=NONCURRENT_TO_IA_DAYS, storage_class="STANDARD_IA"
                        )
                    ],
                    noncurrent_version_expiration=(
                        aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                            noncurrent_days=NONCURRENT_EXPIRE_DAYS
                        )
                    ),
                    abort_incomplete_multipart_upload=(
                        aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                            days_after_initiation=ABORT_MULTIPART_DAYS
                        )
                    ),
                )
            ],
            documents.versioning,
        )
        return documents.bucket, documents.versioning

    def _access_logging(self) -> None:
        """Both buckets' policies; the documents' access logs go to the log bucket once its
        policy admits the delivery."""
        log_policy = self._policy("logs", self.log_bucket, self._log_delivery_statement)
        aws.s3.BucketLogging(
            f"{self._name}-access-logging",
            bucket=self.bucket.id,
            target_bucket=self.log_bucket.id,
            target_prefix="documents/",
            opts=pulumi.ResourceOptions(parent=self, depends_on=[log_policy]),
        )
        self._policy("documents", self.bucket, None)

    def _lifecycle(self, what, bucket, rules, versioning) -> None:
        aws.s3.BucketLifecycleConfiguration(
            f"{self._name}-{what}-lifecycle",
            bucket=bucket.id,
            rules=rules,
            # Noncurrent-version rules mean nothing until versioning is on.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )

    def _log_delivery_statement(self, bucket_arn: str, account_id: str) -> dict:
        # Bucket-owner-enforced buckets take no ACLs: the logging service is granted by policy,
        # only for this account's buckets.
        return {
            "Sid": "AllowServerAccessLogDelivery",
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/*",
            "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
        }

    def _policy(self, what, bucket: aws.s3.Bucket, extra) -> aws.s3.BucketPolicy:
        def document(values) -> str:
            arn, account = values
            statements = [deny_insecure_transport(arn)]
            if extra is not None:
                statements.append(extra(arn, account))
            return json.dumps({"Version": "2012-10-17", "Statement": statements})

        return aws.s3.BucketPolicy(
            f"{self._name}-{what}-policy",
            bucket=bucket.id,
            policy=pulumi.Output.all(bucket.arn, self._args.context.account_id).apply(document),
            opts=self._child,
        )
