"""The baseline every S3 bucket of the platform gets, in one place: a fixed name, protection
from `pulumi destroy` (and kept in AWS when protection is lifted), ACLs disabled, all public
access blocked, versioning, default encryption, and the TLS-only policy statement.

Encryption is the region's CMK, with S3 Bucket Keys, except for buckets that receive S3
server access logs or ALB access logs: AWS delivers those only to SSE-S3 (AES256) buckets,
the one recorded exception (docs/SECURITY.md, "Recorded exceptions").
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


def deny_insecure_transport(bucket_arn: str) -> dict:
    """The bucket-policy statement that refuses every request not made over TLS."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


@dataclass
class PrivateBucket:
    bucket: aws.s3.Bucket
    versioning: aws.s3.BucketVersioning
    """Replication and lifecycle configurations depend on it (versioning must be on first)."""


def private_bucket(
    name: str,
    bucket_name: pulumi.Input[str],
    kms_key_arn: pulumi.Input[str] | None,
    protect: bool,
    parent: pulumi.Resource,
    object_lock: bool = False,
) -> PrivateBucket:
    """A bucket named `bucket_name` with the baseline, its resources named `name`-*, children
    of `parent`. `kms_key_arn` None means SSE-S3: only for access-log delivery targets.
    `object_lock`: S3 Object Lock, which can only be turned on when the bucket is created
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-configure.html) and
    works only with versioning, which it keeps on for good."""
    child = pulumi.ResourceOptions(parent=parent)
    bucket = aws.s3.Bucket(
        name,
        bucket=bucket_name,
        # A versioned bucket cannot be deleted until every version and delete marker is gone
        # (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucket.html); logging
        # services keep writing to log buckets until the end, and replication keeps filling
        # the documents buckets from the peer. So force_destroy follows protectData: a
        # disposable stack (protect off) lets `destroy` empty every bucket; a protected one never.
        force_destroy=not protect,
        object_lock_enabled=object_lock or None,
        opts=pulumi.ResourceOptions(parent=parent, protect=protect, retain_on_delete=protect),
    )
    aws.s3.BucketOwnershipControls(
        f"{name}-ownership",
        bucket=bucket.id,
        rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
        opts=child,
    )
    aws.s3.BucketPublicAccessBlock(
        f"{name}-public-access",
        bucket=bucket.id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        opts=child,
    )
    versioning = aws.s3.BucketVersioning(
        f"{name}-versioning",
        bucket=bucket.id,
        versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
        opts=child,
    )
    by_default = aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
        sse_algorithm="AES256" if kms_key_arn is None else "aws:kms",
        kms_master_key_id=kms_key_arn,
    )
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-encryption",
        bucket=bucket.id,
        rules=[
            aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=by_default,
                # S3 Bucket Keys cut KMS requests (and their cost) by orders of magnitude.
                bucket_key_enabled=kms_key_arn is not None,
            )
        ],
        opts=child,
    )
    return PrivateBucket(bucket, versioning)
