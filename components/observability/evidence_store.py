"""EvidenceStore: where this region's orchestrator keeps the signed, hash-chained record of
each execution (failover/evidence.py, docs/EVIDENCE.md), and the key that signs it.

- The bucket: S3 Object Lock in COMPLIANCE mode with a default retention
  (evidenceRetentionDays), so no one, the root user included, can delete or overwrite a
  record version or shorten its retention until it expires
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock.html). Object Lock can
  only be enabled when the bucket is created and needs versioning, which then cannot be
  suspended (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-configure.html).
  Delete markers are NOT protected by Object Lock
  (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-managing.html), so the
  bucket policy refuses object deletes, and `evidence verify` treats a marker as a break.
  Otherwise the platform's bucket baseline (components/security/private_bucket.py): the
  region's CMK with a Bucket Key, public access blocked, TLS only, no ACLs.
- The signing key: an asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY) of this region;
  asymmetric keys do not rotate automatically
  (https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html). Its key policy
  only lets the account administer it; the orchestrator's role gets exactly Sign and
  GetPublicKey through a KMS grant (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html).
- The orchestrator's role may put and read objects under executions/ only, and use the CMK
  only through S3 in this region for this bucket. Retention comes from the bucket's default,
  so it needs no s3:PutObjectRetention.

Replication to the peer region's evidence bucket is the dr stack's (the stack deployed
second), as for the documents buckets: `replicate_evidence` below.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import RegionalContext
from components.data.bucket_replication import (
    BucketEnd,
    BucketReplication,
    BucketReplicationArgs,
    encryption_contexts,
)
from components.security.key_policy import key_policy
from components.security.private_bucket import deny_insecure_transport, private_bucket
from failover.config import ENV
from failover.config import EVIDENCE_PREFIX as EXECUTIONS_PREFIX

SIGNING_KEY_SPEC = "ECC_NIST_P256"
SIGNING_OPERATIONS = ("Sign", "GetPublicKey")
ABORT_MULTIPART_DAYS = 7


def evidence_bucket_name(account_id: str, region: str) -> str:
    return f"trading-dr-evidence-{account_id}-{region}"


def writer_policy(region: str, bucket_arn: str, kms_key_arn: str) -> dict:
    """The orchestrator's access to its evidence: put and read back (to resume a chain)
    objects under executions/, list that prefix, and the CMK through S3 in this region for
    this bucket only (with a Bucket Key the encryption context is the bucket's ARN:
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteEvidence",
                "Effect": "Allow",
                "Action": ["s3:PutObject", "s3:GetObject"],
                "Resource": f"{bucket_arn}/{EXECUTIONS_PREFIX}/*",
            },
            {
                "Sid": "ListEvidence",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": bucket_arn,
                "Condition": {"StringLike": {"s3:prefix": f"{EXECUTIONS_PREFIX}/*"}},
            },
            {
                "Sid": "EncryptEvidence",
                "Effect": "Allow",
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": kms_key_arn,
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"},
                    "StringLike": {"kms:EncryptionContext:aws:s3:arn": encryption_contexts(bucket_arn)},
                },
            },
        ],
    }


def bucket_policy(bucket_arn: str) -> dict:
    """TLS only, and no object deletes: a delete marker would hide a record (Object Lock
    does not protect against markers) and a version under retention cannot be deleted."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            deny_insecure_transport(bucket_arn),
            {
                "Sid": "DenyDeletes",
                "Effect": "Deny",
                "Principal": "*",
                "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion"],
                "Resource": f"{bucket_arn}/*",
            },
        ],
    }


@dataclass
class EvidenceStoreArgs:
    context: RegionalContext
    """Region, account, partition, names, protection, data key (components/context.py)."""
    retention_days: int
    """settings.evidence.retention_days: compliance-mode retention of each record version."""
    deletion_window_days: int
    alias: str
    """Alias of the signing key, without alias/."""


class EvidenceStore(pulumi.ComponentResource):
    bucket: aws.s3.Bucket
    versioning: aws.s3.BucketVersioning
    lock: aws.s3.BucketObjectLockConfiguration
    signing_key: aws.kms.Key

    def __init__(self, name: str, args: EvidenceStoreArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:observability:EvidenceStore", name, None, opts)
        self._name, self._args = name, args
        child = pulumi.ResourceOptions(parent=self)
        region = args.context.region
        made = private_bucket(
            f"{name}-bucket",
            pulumi.Output.from_input(args.context.account_id).apply(
                lambda a: evidence_bucket_name(a, args.context.region)
            ),
            args.context.kms_key_arn,
            args.context.protect,
            self,
            object_lock=True,
        )
        self.bucket, self.versioning = made.bucket, made.versioning
        self.lock = aws.s3.BucketObjectLockConfiguration(
            f"{name}-lock",
            bucket=self.bucket.id,
            rule=aws.s3.BucketObjectLockConfigurationRuleArgs(
                default_retention=aws.s3.BucketObjectLockConfigurationRuleDefaultRetentionArgs(
                    mode="COMPLIANCE", days=args.retention_days
                )
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.versioning]),
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=self.bucket.id,
            rules=[
                # Only uploads that never completed; a record is never expired by lifecycle
                # (locked versions could not be anyway: Object Lock wins over lifecycle,
                # https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-managing.html).
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="abort-incomplete-uploads",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    abort_incomplete_multipart_upload=(
                        aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                            days_after_initiation=ABORT_MULTIPART_DAYS
                        )
                    ),
                )
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.versioning]),
        )
        aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=self.bucket.id,
            policy=self.bucket.arn.apply(lambda arn: json.dumps(bucket_policy(arn))),
            opts=child,
        )
        self.signing_key = aws.kms.Key(
            f"{name}-signing-key",
            description=f"trading-dr evidence signing key for {region} (kms:Sign, ECDSA_SHA_256)",
            customer_master_key_spec=SIGNING_KEY_SPEC,
            key_usage="SIGN_VERIFY",
            enable_key_rotation=False,  # automatic rotation is for symmetric keys only
            deletion_window_in_days=args.deletion_window_days,
            # Only the account administers it (IAM decides); the orchestrator uses it by grant.
            policy=pulumi.Output.all(args.context.account_id, args.context.partition).apply(
                lambda v: key_policy(args.context.region, v[0], v[1], [])
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=args.context.protect),
        )
        aws.kms.Alias(
            f"{name}-signing-alias",
            name=f"alias/{args.alias}",
            target_key_id=self.signing_key.key_id,
            opts=child,
        )
        self.register_outputs({"bucket": self.bucket.bucket, "signing_key_arn": self.signing_key.arn})

    def environment(self) -> dict[str, pulumi.Input[str]]:
        """The orchestrator's variables for its evidence (failover.config.ENV)."""
        return {ENV["evidence_bucket"]: self.bucket.bucket, ENV["evidence_key_arn"]: self.signing_key.arn}

    def grant_writer(self, role: aws.iam.Role) -> None:
        """The orchestrator's role: Sign and GetPublicKey by grant, the bucket by policy."""
        args = self._args
        aws.kms.Grant(
            f"{self._name}-signing-grant",
            key_id=self.signing_key.key_id,
            grantee_principal=role.arn,
            operations=list(SIGNING_OPERATIONS),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.iam.RolePolicy(
            f"{self._name}-writer-policy",
            role=role.id,
            policy=pulumi.Output.all(self.bucket.arn, args.context.kms_key_arn).apply(
                lambda v: json.dumps(writer_policy(args.context.region, v[0], v[1]))
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def exports(self) -> dict[str, pulumi.Input]:
        return {
            "evidenceBucket": self.bucket.bucket,
            "evidenceBucketArn": self.bucket.arn,
            "evidenceSigningKeyArn": self.signing_key.arn,
        }


def replicate_evidence(
    home: BucketEnd,
    peer: BucketEnd,
    peer_provider: pulumi.ProviderResource,
    depends_on: list[pulumi.Resource],
    opts: pulumi.ResourceOptions,
) -> BucketReplication:
    """Both evidence buckets replicated into each other (dr stack). S3 replicates locked
    objects with their retention when the destination has Object Lock too and the role may
    read retention and legal holds (s3:GetObjectRetention, s3:GetObjectLegalHold:
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-managing.html#object-lock-managing-replication);
    components/data/bucket_replication.py grants both."""
    return BucketReplication(
        "evidence-replication",
        BucketReplicationArgs(
            home=home, peer=peer, peer_provider=peer_provider, depends_on=depends_on, rule_prefix="evidence-"
        ),  # fmt: skip
        opts=opts,
    )
