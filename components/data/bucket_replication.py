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
FAILED_REPLICATION_METRIC = "OperationsFailedReplication"


@dataclass(frozen=True)
class BucketEnd:
    """One side of the replication: a documents bucket and its region's CMK."""

    region: str
    bucket: pulumi.Input[str]
    """Bucket name."""
    bucket_arn: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    alert_topic_arn: pulumi.Input[str] | None = None
    """The region's alert topic: the failed-replication alarm of the rule whose source is
    this bucket notifies it (S3 reports replication metrics in the source's region)."""


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
    rule_prefix: str = ""
    """Prefix of the rule ids (and so of the failed-replication alarms' names), so that a
    second pair of buckets (the evidence buckets) gets names of its own."""


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


def encryption_contexts(bucket_arn: str) -> list[str]:
    """The values `kms:EncryptionContext:aws:s3:arn` takes for objects of this bucket. With an
    S3 Bucket Key (every SSE-KMS bucket here, components/security/private_bucket.py) it is
    the bucket's ARN, not the object's: "When an S3 Bucket Key is enabled for the source or
    destination bucket, the encryption context will be the bucket Amazon Resource Name (ARN)
    and not the object ARN" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html,
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html). Objects written
    before the Bucket Key was on carry their object ARN, so both are listed."""
    return [bucket_arn, f"{bucket_arn}/*"]


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
                # Object Lock buckets (the evidence buckets) replicate retention too, which
                # needs these: https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-managing.html#object-lock-managing-replication
                "s3:GetObjectRetention",
                "s3:GetObjectLegalHold",
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
                    "StringLike": {
                        "kms:EncryptionContext:aws:s3:arn": encryption_contexts(end["bucket_arn"])
                    },
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
    failed_alarms: list[aws.cloudwatch.MetricAlarm]
    """One per rule, in the rule's source region."""

    def __init__(self, name: str, args: BucketReplicationArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("tradingdr:storage:BucketReplication", name, None, opts)
        home, peer = args.home, args.peer
        to_peer, to_home = f"{args.rule_prefix}to-{peer.region}", f"{args.rule_prefix}to-{home.region}"
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
            rules=[replication_rule(to_peer, peer.bucket_arn, peer.kms_key_arn)],
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends),
        )
        self.from_peer = aws.s3.BucketReplicationConfig(
            f"{name}-from-peer",
            bucket=peer.bucket,
            role=self.role.arn,
            rules=[replication_rule(to_home, home.bucket_arn, home.kms_key_arn)],
            opts=pulumi.ResourceOptions(parent=self, provider=args.peer_provider, depends_on=depends),
        )
        self.failed_alarms = [
            failed_replication_alarm(
                f"{name}-to-peer-failed", home, peer, to_peer, pulumi.ResourceOptions(parent=self)
            ),
            failed_replication_alarm(
                f"{name}-from-peer-failed",
                peer,
                home,
                to_home,
                pulumi.ResourceOptions(parent=self, provider=args.peer_provider),
            ),
        ]
        self.register_outputs({"role_arn": self.role.arn})


def failed_replication_alarm(
    name: str, source: BucketEnd, destination: BucketEnd, rule_id: str, opts: pulumi.ResourceOptions
) -> aws.cloudwatch.MetricAlarm:
    """Alarm when any object of `rule_id` fails to replicate (a KMS or permission denial
    shows here, nowhere else: PutBucketReplication accepts an unusable key with 200 OK).
    S3 publishes OperationsFailedReplication in AWS/S3 per SourceBucket, DestinationBucket
    and RuleId, in the source bucket's region, only for rules with replication metrics on
    (replication_rule sets them): https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-metrics.html,
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/metrics-dimensions.html#s3-cloudwatch-replication-metrics"""
    topics = [source.alert_topic_arn] if source.alert_topic_arn is not None else []
    return aws.cloudwatch.MetricAlarm(
        name,
        name=f"trading-dr-s3-replication-failed-{rule_id}",
        alarm_description=f"S3 objects failed to replicate ({rule_id}): check the replication role and keys",
        namespace="AWS/S3",
        metric_name=FAILED_REPLICATION_METRIC,
        dimensions={
            "SourceBucket": source.bucket,
            "DestinationBucket": destination.bucket,
            "RuleId": rule_id,
        },
        statistic="Sum",
        period=60,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        threshold=0,
        comparison_operator="GreaterThanThreshold",
        # No datapoints means nothing failed (the metric appears with traffic).
        treat_missing_data="notBreaching",
        alarm_actions=topics,
        ok_actions=topics,
        opts=opts,
    )
