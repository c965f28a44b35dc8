"""BucketReplication (dr stack only): S3 replication of the documents buckets in both
directions, primary -> DR (so DR has the documents) and DR -> primary (so failback finds
what was written during the outage). The dr stack owns both because a link belongs to the
stack deployed second: only then do both buckets exist.

One aws.s3.BucketReplicationConfig per source bucket (S3 keeps one configuration per
bucket): the DR bucket's through the home provider, the primary bucket's through the peer
provider. Each rule: SSE-KMS objects selected and re-encrypted with the destination
region's CMK, Replication Time Control (15-minute SLA) with metrics, delete markers
replicated, replica modifications synced (two-way replication of metadata changes).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

RTC_MINUTES = 15  # the only value S3 Replication Time Control accepts


@dataclass(frozen=True)
class BucketEnd:
    """One side of the replication: a documents bucket and its region's CMK."""

    region: str
    bucket: pulumi.Input[str]
    """Bucket name."""
    bucket_arn: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]


@dataclass
class BucketReplicationArgs:
    home: BucketEnd
    """This (DR) region's bucket."""
    peer: BucketEnd
    """The primary region's bucket, from the primary stack's exports."""
    peer_provider: pulumi.ProviderResource
    depends_on: list[pulumi.Resource]
    """The home bucket's versioning (replication requires it on both buckets; the peer's is
    on since the primary stack, deployed first, created it)."""


def replication_rule(rule_id: str, destination_bucket_arn, destination_key_arn):
    return aws.s3.BucketReplicationConfigRuleArgs(
        id=rule_id,
        status="Enabled",
        priority=1,
        # An empty filter selects every object and opts into the rule schema (V2) that
        # delete-marker replication and RTC need.
        filter=aws.s3.BucketReplicationConfigRuleFilterArgs(prefix=""),
        delete_marker_replication=aws.s3.BucketReplicationConfigRuleDeleteMarkerReplicationArgs(
            status="Enabled"
        ),
        source_selection_criteria=aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaArgs(
            # Without this, SSE-KMS objects (all of them) are not replicated at all.
            sse_kms_encrypted_objects=(
                aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaSseKmsEncryptedObjectsArgs(
                    status="Enabled"
                )
            ),
            replica_modifications=(
                aws.s3.BucketReplicationConfigRuleSourceSelectionCriteriaReplicaModificationsArgs(
                    status="Enabled"
                )
            ),
        ),
        destination=aws.s3.BucketReplicationConfigRuleDestinationArgs(
            bucket=destination_bucket_arn,
            storage_class="STANDARD",
            encryption_configuration=(
                aws.s3.BucketReplicationConfigRuleDestinationEncryptionConfigurationArgs(
                    replica_kms_key_id=destination_key_arn
                )
            ),
            replication_time=aws.s3.BucketReplicationConfigRuleDestinationReplicationTimeArgs(
                status="Enabled",
                time=aws.s3.BucketReplicationConfigRuleDestinationReplicationTimeTimeArgs(
                    minutes=RTC_MINUTES
                ),
            ),
            metrics=aws.s3.BucketReplicationConfigRuleDestinationMetricsArgs(
                status="Enabled",
                event_threshold=aws.s3.BucketReplicationConfigRuleDestinationMetricsEventThresholdArgs(
                    minutes=RTC_MINUTES
                ),
            ),
        ),
    )


def replication_policy(ends: list[dict]) -> str:
    """The replication role's policy, for resolved ends (dicts with region, bucket_arn,
    kms_key_arn). Every bucket is a source and a destination; each key decrypts what its
    bucket sends and encrypts what it receives, through S3 in its own region only."""
    statements = [
        {
            "Sid": "ReadReplicationConfiguration",
            "Effect": "Allow",
            "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"],
            "Resource": [end["bucket_arn"] for end in ends],
        },
        {
            "Sid": "ReadSourceVersions",
            "Effect": "Allow",
            "Action": [
                "s3:GetObjectVersionForReplication",
                "s3:GetObjectVersionAcl",
                "s3:GetObjectVersionTagging",
            ],
            "Resource": [f"{end['bucket_arn']}/*" for end in ends],
        },
        {
            "Sid": "WriteReplicas",
            "Effect": "Allow",
            "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"],
            "Resource": [f"{end['bucket_arn']}/*" for end in ends],
        },
    ]
    for index, end in enumerate(ends):
        via_s3 = {"kms:ViaService": f"s3.{end['region']}.amazonaws.com"}
        statements.append(
            {
                "Sid": f"UseKey{index}",
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
                "Resource": end["kms_key_arn"],
                "Condition": {
                    "StringEquals": via_s3,
                    "StringLike": {"kms:EncryptionContext:aws:s3:arn": f"{end['bucket_arn']}/*"},
                },
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


class BucketReplication(pulumi.ComponentResource):
    role: aws.iam.Role
    to_peer: aws.s3.BucketReplicationConfig
    """DR bucket -> primary bucket."""
    from_peer: aws.s3.BucketReplicationConfig
    """Primary bucket -> DR bucket (configured on the primary bucket, in the primary region)."""

    def __init__(self, name: str, args: BucketReplicationArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:storage:BucketReplication", name, None, opts)
        home, peer = args.home, args.peer
        self.role = aws.iam.Role(
            f"{name}-role",
            description="S3 replication of the trading-dr documents buckets, both directions",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "s3.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        policy = aws.iam.RolePolicy(
            f"{name}-policy",
            role=self.role.id,
            policy=pulumi.Output.all(
                home.bucket_arn, home.kms_key_arn, peer.bucket_arn, peer.kms_key_arn
            ).apply(
                lambda v: replication_policy(
                    [
                        {"region": home.region, "bucket_arn": v[0], "kms_key_arn": v[1]},
                        {"region": peer.region, "bucket_arn": v[2], "kms_key_arn": v[3]},
                    ]
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        depends = [policy, *args.depends_on]
        self.to_peer = aws.s3.BucketReplicationConfig(
            f"{name}-to-peer",
            bucket=home.bucket,
            role=self.role.arn,
            rules=[replication_rule(f"to-{peer.region}", peer.bucket_arn, peer.kms_key_arn)],
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends),
        )
        self.from_peer = aws.s3.BucketReplicationConfig(
            f"{name}-from-peer",
            bucket=peer.bucket,
            role=self.role.arn,
            rules=[replication_rule(f"to-{home.region}", home.bucket_arn, home.kms_key_arn)],
            opts=pulumi.ResourceOptions(parent=self, provider=args.peer_provider, depends_on=depends),
        )
        self.register_outputs({"role_arn": self.role.arn})
