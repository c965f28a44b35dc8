"""S3 replication between the documents buckets must not be silently denied by KMS, and a
failure must page.

With S3 Bucket Keys the KMS encryption context `aws:s3:arn` is the *bucket* ARN, not the
object ARN: https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-config-for-kms-objects.html
("When an S3 Bucket Key is enabled for the source or destination bucket, the encryption
context will be the bucket Amazon Resource Name (ARN) and not the object ARN"). Neither
moto nor the mock engine evaluates IAM conditions, so tests/iam_eval.py does, against the
request context S3 sends to KMS for a Bucket-Key bucket.
"""

from __future__ import annotations

import json

import pytest

from tests.iam_eval import allows

REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"


def _replication_policy(dr) -> dict:
    policies = [
        json.loads(r.inputs["policy"])
        for r in dr.of_type("aws:iam/rolePolicy:RolePolicy")
        if "ReadReplicationConfiguration" in r.inputs["policy"]
        and dr.exports["documentsBucketArn"] in r.inputs["policy"]
    ]
    assert len(policies) == 1
    return policies[0]


def _ends(primary, dr) -> list[dict]:
    return [
        {
            "region": run.settings.home_region,
            "bucket": run.exports["documentsBucket"],
            "bucket_arn": run.exports["documentsBucketArn"],
            "key": run.exports["kmsKeyArn"],
        }
        for run in (primary, dr)
    ]


def _context(end: dict, encryption_context: str) -> dict:
    return {
        "kms:ViaService": f"s3.{end['region']}.amazonaws.com",
        "kms:EncryptionContext:aws:s3:arn": encryption_context,
    }


def test_the_evaluator_sees_that_an_object_pattern_misses_the_bucket_key_context():
    """Guards the test tool itself: the old condition (`bucket/*`) is denied for the
    Bucket-Key context, so the test below would catch a return to it."""
    old = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": "arn:aws:kms:us-east-1:1:key/k",
                "Condition": {"StringLike": {"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::b/*"}},
            }
        ]
    }
    context = {"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::b"}
    assert not allows(old, "kms:Decrypt", "arn:aws:kms:us-east-1:1:key/k", context)
    assert allows(
        old,
        "kms:Decrypt",
        "arn:aws:kms:us-east-1:1:key/k",
        {"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::b/x"},
    )


def test_every_documents_bucket_uses_a_bucket_key(primary, dr):
    """The premise of the context below: SSE-KMS with S3 Bucket Keys on both buckets."""
    for run in (primary, dr):
        documents = [
            r
            for r in run.of_type(ENCRYPTION)
            if r.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"
        ]
        assert documents and all(r.inputs["rules"][0]["bucketKeyEnabled"] is True for r in documents)


@pytest.mark.parametrize("direction", [0, 1])
def test_the_replication_role_may_use_both_keys_under_the_bucket_key_context(primary, dr, direction):
    policy = _replication_policy(dr)
    ends = _ends(primary, dr)
    source, destination = ends[direction], ends[1 - direction]
    # Reading the source object: Decrypt on the source key, bucket ARN as context.
    assert allows(policy, "kms:Decrypt", source["key"], _context(source, source["bucket_arn"]))
    # Writing the replica: Encrypt/GenerateDataKey (and Decrypt to verify the Bucket Key).
    for action in ("kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt"):
        assert allows(policy, action, destination["key"], _context(destination, destination["bucket_arn"]))
    # Still scoped: not through S3 in the other region, not for another bucket.
    assert not allows(policy, "kms:Decrypt", source["key"], _context(destination, source["bucket_arn"]))
    assert not allows(
        policy, "kms:Decrypt", source["key"], _context(source, "arn:aws:s3:::someone-elses-bucket")
    )


def test_a_failed_replication_alarms_in_the_source_region_to_its_alert_topic(primary, dr):
    """One alarm per rule on OperationsFailedReplication (AWS/S3, dimensions SourceBucket,
    DestinationBucket, RuleId; only published when the rule turns replication metrics on):
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-metrics.html"""
    alarms = [a for a in dr.of_type(ALARM) if a.inputs.get("metricName") == "OperationsFailedReplication"]
    topics = {run.settings.home_region: run.exports["alertTopicArn"] for run in (primary, dr)}
    configs = dr.of_type(REPLICATION)
    assert len(configs) == 4 and len(alarms) == 4  # documents and evidence buckets, both ways
    for config in configs:
        rule = config.inputs["rules"][0]
        assert rule["destination"]["metrics"]["status"] == "Enabled"
        destination = rule["destination"]["bucket"].removeprefix("arn:aws:s3:::")
        [alarm] = [a for a in alarms if a.inputs["dimensions"]["RuleId"] == rule["id"]]
        assert alarm.region == config.region
        assert alarm.inputs["namespace"] == "AWS/S3"
        assert alarm.inputs["statistic"] == "Sum"
        assert alarm.inputs["threshold"] == 0 and alarm.inputs["comparisonOperator"] == "GreaterThanThreshold"
        assert alarm.inputs["dimensions"] == {
            "SourceBucket": config.inputs["bucket"],
            "DestinationBucket": destination,
            "RuleId": rule["id"],
        }
        assert alarm.inputs["alarmActions"] == [topics[config.region]]
