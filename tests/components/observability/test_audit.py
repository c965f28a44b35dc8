"""The audit trail on the mock engine: one multi-region, validated, CMK-encrypted trail in the
primary stack, delivering to CloudWatch Logs and to a private, TLS-only, access-logged bucket."""

from __future__ import annotations

import json

import pytest

from components.observability.audit_policies import cloudtrail_logs_policy, trail_arn, trail_bucket_policy
from ops.mock_engine import MOCK_ACCOUNT, StackRun, run_stack

TRAIL = "aws:cloudtrail/trail:Trail"
BUCKET = "aws:s3/bucket:Bucket"


def trail_of(run: StackRun):
    [trail] = run.of_type(TRAIL)
    return trail


def bucket_by_id(run: StackRun, bucket_id: str):
    [bucket] = [b for b in run.of_type(BUCKET) if b.id == bucket_id]
    return bucket


def config_of(run: StackRun, type_token: str, bucket) -> dict:
    [found] = [r for r in run.of_type(type_token) if r.inputs.get("bucket") == bucket.id]
    return found.inputs


def trail_bucket(run: StackRun):
    return bucket_by_id(run, trail_of(run).inputs["s3BucketName"])


def access_log_bucket(run: StackRun):
    logging = config_of(run, "aws:s3/bucketLogging:BucketLogging", trail_bucket(run))
    return bucket_by_id(run, logging["targetBucket"]), logging["targetPrefix"]


def statements(policy: str) -> list[dict]:
    return json.loads(policy)["Statement"]


def test_only_the_primary_stack_has_a_trail(primary, dr):
    assert len(primary.of_type(TRAIL)) == 1
    assert dr.of_type(TRAIL) == []
    assert primary.exports["auditTrailArn"] == trail_of(primary).outputs["arn"]
    assert "auditTrailArn" not in dr.exports


def test_trail_is_multi_region_validated_and_encrypted_with_its_regions_cmk(primary):
    trail = trail_of(primary)
    assert trail.inputs["isMultiRegionTrail"] is True
    assert trail.inputs["includeGlobalServiceEvents"] is True
    assert trail.inputs["enableLogFileValidation"] is True
    keys = {k.outputs["arn"]: k for k in primary.of_type("aws:kms/key:Key")}
    key = keys.get(trail.inputs.get("kmsKeyId"))
    assert key is not None and key.region == trail.region == primary.settings.home_region
    grants = {
        s["Sid"]
        for s in statements(key.inputs["policy"])
        if s["Principal"].get("Service") == "cloudtrail.amazonaws.com"
    }
    assert "AllowCloudTrailEncrypt" in grants


def test_trail_delivers_to_an_encrypted_log_group_through_a_narrow_role(primary):
    trail = trail_of(primary)
    [group] = [g for g in primary.of_type("aws:cloudwatch/logGroup:LogGroup") if g.name == "audit-logs"]
    assert trail.inputs["cloudWatchLogsGroupArn"] == f"{group.outputs['arn']}:*"
    assert group.inputs["kmsKeyId"] == trail.inputs["kmsKeyId"]
    assert group.inputs["retentionInDays"] == primary.settings.log_retention_days
    [role] = [
        r
        for r in primary.of_type("aws:iam/role:Role")
        if r.outputs["arn"] == trail.inputs["cloudWatchLogsRoleArn"]
    ]
    [trust] = statements(role.inputs["assumeRolePolicy"])
    assert trust["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    [policy] = [p for p in primary.of_type("aws:iam/rolePolicy:RolePolicy") if p.inputs["role"] == role.id]
    [grant] = statements(policy.inputs["policy"])
    assert set(grant["Action"]) == {"logs:CreateLogStream", "logs:PutLogEvents"}
    assert grant["Resource"].startswith(f"{group.outputs['arn']}:log-stream:")


def test_trail_waits_for_its_bucket_policy_and_log_permissions(primary):
    trail = trail_of(primary)
    policy = next(
        p
        for p in primary.of_type("aws:s3/bucketPolicy:BucketPolicy")
        if p.inputs["bucket"] == trail_bucket(primary).id
    )
    [role_policy] = [
        p for p in primary.of_type("aws:iam/rolePolicy:RolePolicy") if p.name == "audit-logs-policy"
    ]
    assert {policy.urn, role_policy.urn} <= set(trail.options.depends_on)


def test_trail_bucket_is_private_versioned_and_under_the_cmk(primary):
    bucket, trail = trail_bucket(primary), trail_of(primary)
    [rule] = config_of(
        primary,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        bucket,
    )["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms",
        "kmsMasterKeyId": trail.inputs["kmsKeyId"],
    }
    assert config_of(primary, "aws:s3/bucketVersioning:BucketVersioning", bucket)[
        "versioningConfiguration"
    ] == {"status": "Enabled"}
    block = config_of(primary, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", bucket)
    for flag in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"):
        assert block[flag] is True, flag
    ownership = config_of(primary, "aws:s3/bucketOwnershipControls:BucketOwnershipControls", bucket)
    assert ownership["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    assert config_of(primary, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", bucket)[
        "rules"
    ]


def assert_tls_only(policy: str, bucket_arn: str) -> None:
    denies = [
        s
        for s in statements(policy)
        if s["Effect"] == "Deny"
        and s["Principal"] == "*"
        and s["Action"] == "s3:*"
        and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    assert denies, "no deny for requests without TLS"
    assert set(denies[0]["Resource"]) == {bucket_arn, f"{bucket_arn}/*"}


def test_trail_bucket_policy_is_tls_only_and_admits_this_trail_only(primary):
    bucket, trail = trail_bucket(primary), trail_of(primary)
    policy = config_of(primary, "aws:s3/bucketPolicy:BucketPolicy", bucket)["policy"]
    assert_tls_only(policy, bucket.outputs["arn"])
    allows = [s for s in statements(policy) if s["Effect"] == "Allow"]
    assert {s["Action"] for s in allows} == {"s3:GetBucketAcl", "s3:PutObject"}
    for statement in allows:
        assert statement["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
        assert statement["Condition"]["StringEquals"]["aws:SourceArn"] == trail.outputs["arn"]
    [write] = [s for s in allows if s["Action"] == "s3:PutObject"]
    assert write["Resource"] == f"{bucket.outputs['arn']}/AWSLogs/{MOCK_ACCOUNT}/*"


def test_trail_bucket_access_is_logged_to_a_separate_sse_s3_bucket(primary):
    bucket = trail_bucket(primary)
    logs, prefix = access_log_bucket(primary)
    assert logs.urn != bucket.urn
    # S3 server access logging supports SSE-S3 default encryption on the destination.
    [rule] = config_of(
        primary,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        logs,
    )["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "AES256"}
    policy = config_of(primary, "aws:s3/bucketPolicy:BucketPolicy", logs)["policy"]
    assert_tls_only(policy, logs.outputs["arn"])
    [grant] = [s for s in statements(policy) if s["Effect"] == "Allow"]
    assert grant["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert grant["Resource"] == f"{logs.outputs['arn']}/{prefix}*"
    assert grant["Condition"]["ArnLike"] == {"aws:SourceArn": bucket.outputs["arn"]}
    assert grant["Condition"]["StringEquals"] == {"aws:SourceAccount": MOCK_ACCOUNT}
    block = config_of(primary, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", logs)
    assert all(
        block[f] is True
        for f in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )


@pytest.mark.parametrize("protect", [True, False])
def test_audit_buckets_follow_protect_data(protect):
    run = run_stack("primary", overrides={"trading-dr:protectData": protect})
    logs, _ = access_log_bucket(run)
    assert trail_bucket(run).options.protect is protect
    assert logs.options.protect is protect


# --- pure policy builders ----------------------------------------------------------------


def test_trail_arn_is_what_cloudtrail_assigns():
    assert (
        trail_arn("aws", "us-east-1", "111122223333", "t")
        == "arn:aws:cloudtrail:us-east-1:111122223333:trail/t"
    )


def test_bucket_policy_scopes_every_cloudtrail_grant_to_the_trail():
    policy = statements(trail_bucket_policy("arn:aws:s3:::b", "arn:aws:cloudtrail:us-east-1:1:trail/t", "1"))
    cloudtrail = [s for s in policy if s.get("Principal") == {"Service": "cloudtrail.amazonaws.com"}]
    assert len(cloudtrail) == 2
    for statement in cloudtrail:
        assert (
            statement["Condition"]["StringEquals"]["aws:SourceArn"]
            == "arn:aws:cloudtrail:us-east-1:1:trail/t"
        )


def test_log_delivery_policy_names_only_the_trails_streams():
    [grant] = statements(cloudtrail_logs_policy("arn:aws:logs:us-east-1:1:log-group:/aws/cloudtrail/t", "1"))
    assert (
        grant["Resource"] == "arn:aws:logs:us-east-1:1:log-group:/aws/cloudtrail/t:log-stream:1_CloudTrail_*"
    )
