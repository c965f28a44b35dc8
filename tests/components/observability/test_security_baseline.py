"""Security-baseline findings that are not tied to one component:
every bucket aborts incomplete multipart uploads, and the trail notifies an SNS topic."""

from __future__ import annotations

import json

import pytest

from tests.iam_eval import allows

BUCKET = "aws:s3/bucket:Bucket"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"


def _whole_bucket(rule: dict) -> bool:
    selection = rule.get("filter") or {}
    return not any(
        selection.get(k) for k in ("prefix", "tag", "and", "objectSizeGreaterThan", "objectSizeLessThan")
    )


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_every_bucket_aborts_incomplete_multipart_uploads_everywhere_in_it(by_stack, stack):
    """AbortIncompleteMultipartUpload.DaysAfterInitiation
    (https://docs.aws.amazon.com/AmazonS3/latest/API/API_AbortIncompleteMultipartUpload.html)
    in an enabled rule that selects the whole bucket."""
    run = by_stack[stack]
    buckets = run.of_type(BUCKET)
    assert buckets
    for bucket in buckets:
        configs = [c for c in run.of_type(LIFECYCLE) if c.inputs["bucket"] == bucket.id]
        assert len(configs) == 1, bucket.name  # S3 keeps one lifecycle configuration per bucket
        assert any(
            rule["status"] == "Enabled"
            and _whole_bucket(rule)
            and 1 <= rule.get("abortIncompleteMultipartUpload", {}).get("daysAfterInitiation", 0) <= 30
            for rule in configs[0].inputs["rules"]
        ), bucket.name


def test_the_trail_notifies_an_encrypted_topic_only_it_may_publish_to(primary):
    """CreateTrail SnsTopicName (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateTrail.html);
    topic policy per https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-permissions-for-sns-notifications.html"""
    trail = primary.one("aws:cloudtrail/trail:Trail")
    [topic] = [
        t for t in primary.of_type("aws:sns/topic:Topic") if t.outputs["arn"] == trail.inputs["snsTopicName"]
    ]
    assert topic.inputs["kmsMasterKeyId"] == trail.inputs["kmsKeyId"]
    [policy] = [
        p
        for p in primary.of_type("aws:sns/topicPolicy:TopicPolicy")
        if p.inputs["arn"] == topic.outputs["arn"]
    ]
    document = json.loads(policy.inputs["policy"])
    [statement] = document["Statement"]
    assert statement["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    trail_arn = statement["Condition"]["StringEquals"]["aws:SourceArn"]
    assert trail_arn.endswith(f":trail/{trail.inputs['name']}")
    assert allows(
        document,
        "SNS:Publish",
        topic.outputs["arn"],
        {"aws:SourceArn": trail_arn, "aws:SourceAccount": "123456789012"},
    )
    assert not allows(
        document,
        "SNS:Publish",
        topic.outputs["arn"],
        {"aws:SourceArn": trail_arn + "-other", "aws:SourceAccount": "123456789012"},
    )
    assert policy.urn in trail.options.depends_on
    # The topic's key lets CloudTrail publish (GenerateDataKey* and Decrypt).
    [key] = [
        k for k in primary.of_type("aws:kms/key:Key") if k.outputs["arn"] == topic.inputs["kmsMasterKeyId"]
    ]
    key_policy = json.loads(key.inputs["policy"])
    key_policy["Statement"] = [
        s for s in key_policy["Statement"] if s.get("Principal") == {"Service": "cloudtrail.amazonaws.com"}
    ]
    for action in ("kms:GenerateDataKey", "kms:Decrypt"):
        assert allows(key_policy, action, key.outputs["arn"], {"aws:SourceAccount": "123456789012"}), action
