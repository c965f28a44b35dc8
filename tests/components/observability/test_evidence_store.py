"""The evidence store of each region on the mock engine: an Object Lock (compliance mode)
bucket, versioned, encrypted with the region's key and replicated both ways by the dr stack;
an asymmetric signing key the orchestrator may only Sign with and read the public key of;
and the orchestrator's least-privilege access to its evidence prefix.

AWS rules the emulators cannot enforce, encoded here: Object Lock must be enabled when the
bucket is created and needs versioning
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-configure.html); the
replication role needs s3:GetObjectRetention and s3:GetObjectLegalHold for locked objects
and the destination needs Object Lock too
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-managing.html#object-lock-managing-replication);
KMS ECDSA signing keys are ECC_NIST_P256 / SIGN_VERIFY
(https://docs.aws.amazon.com/kms/latest/developerguide/symmetric-asymmetric.html)."""

from __future__ import annotations

import json

import pytest

from components.observability.evidence_store import SIGNING_KEY_SPEC, evidence_bucket_name
from components.settings import SettingsError, parse_settings
from failover.config import ENV, OrchestratorConfig
from tests.components.test_settings import dr_config, primary_config
from tests.iam_eval import allows

BUCKET = "aws:s3/bucket:Bucket"
LOCK = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
POLICY = "aws:s3/bucketPolicy:BucketPolicy"
KEY = "aws:kms/key:Key"
GRANT = "aws:kms/grant:Grant"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
REPLICATION = "aws:s3/bucketReplicationConfig:BucketReplicationConfig"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
FUNCTION = "aws:lambda/function:Function"


def evidence_bucket(run):
    name = evidence_bucket_name(run.exports["evidenceBucket"].split("-")[3], run.settings.home_region)
    [bucket] = [b for b in run.of_type(BUCKET) if b.inputs.get("bucket") == name]
    return bucket


def of_bucket(run, token, bucket):
    return [r for r in run.of_type(token) if r.inputs.get("bucket") in (bucket.id, bucket.outputs.get("id"))]


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_each_region_has_a_compliance_locked_versioned_encrypted_evidence_bucket(by_stack, stack):
    run = by_stack[stack]
    bucket = evidence_bucket(run)
    assert bucket.inputs["objectLockEnabled"] is True  # only possible at creation
    assert bucket.options.protect is True and bucket.inputs.get("forceDestroy") is not True
    [lock] = of_bucket(run, LOCK, bucket)
    retention = lock.inputs["rule"]["defaultRetention"]
    assert retention == {"mode": "COMPLIANCE", "days": run.settings.evidence.retention_days} or (
        retention["mode"] == "COMPLIANCE" and retention["days"] == run.settings.evidence.retention_days
    )
    assert run.settings.evidence.retention_days == 2557  # seven years by default
    [versioning] = of_bucket(run, VERSIONING, bucket)
    assert versioning.inputs["versioningConfiguration"]["status"] == "Enabled"
    assert versioning.urn in lock.options.depends_on
    [encryption] = of_bucket(run, ENCRYPTION, bucket)
    [rule] = encryption.inputs["rules"]
    by_default = rule["applyServerSideEncryptionByDefault"]
    assert (
        by_default["sseAlgorithm"] == "aws:kms" and by_default["kmsMasterKeyId"] == run.exports["kmsKeyArn"]
    )
    [policy] = of_bucket(run, POLICY, bucket)
    document = policy.inputs["policy"]
    arn = run.exports["evidenceBucketArn"]
    for action in ("s3:DeleteObject", "s3:DeleteObjectVersion"):
        assert not allows(
            {
                "Statement": [
                    *json.loads(document)["Statement"],
                    {"Effect": "Allow", "Action": "*", "Resource": "*"},
                ]
            },
            action,
            f"{arn}/executions/x/records/0000000001.jsonl",
            {"aws:SecureTransport": "true"},
        )


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_the_signing_key_is_an_ecdsa_p256_key_the_orchestrator_may_only_sign_with(by_stack, stack):
    run = by_stack[stack]
    [key] = [k for k in run.of_type(KEY) if k.inputs.get("keyUsage") == "SIGN_VERIFY"]
    assert key.inputs["customerMasterKeySpec"] == SIGNING_KEY_SPEC == "ECC_NIST_P256"
    assert key.outputs["arn"] == run.exports["evidenceSigningKeyArn"]
    statements = json.loads(key.inputs["policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["EnableAccountAdministration"]  # no one else by policy
    [grant] = run.of_type(GRANT)
    assert sorted(grant.inputs["operations"]) == ["GetPublicKey", "Sign"]
    [function] = run.of_type(FUNCTION)
    [role] = [r for r in run.of_type(ROLE) if r.outputs.get("arn") == function.inputs["role"]]
    assert grant.inputs["granteePrincipal"] == role.outputs["arn"]
    assert grant.inputs["keyId"] == key.outputs["keyId"]


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_the_orchestrator_writes_only_its_evidence_prefix(by_stack, stack):
    run = by_stack[stack]
    [function] = run.of_type(FUNCTION)
    [role] = [r for r in run.of_type(ROLE) if r.outputs.get("arn") == function.inputs["role"]]
    policies = [
        json.loads(p.inputs["policy"]) for p in run.of_type(ROLE_POLICY) if p.inputs["role"] == role.id
    ]
    everything = {"Statement": [s for p in policies for s in p["Statement"]]}
    arn, region = run.exports["evidenceBucketArn"], run.settings.home_region
    record = f"{arn}/executions/trading-global_us-west-2_epoch-1/records/0000000001.jsonl"
    assert allows(everything, "s3:PutObject", record)
    assert allows(everything, "s3:GetObject", record)
    assert allows(everything, "s3:ListBucket", arn, {"s3:prefix": "executions/x/records/"})
    assert not allows(everything, "s3:PutObject", f"{arn}/elsewhere")
    for action in (
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:PutObjectRetention",
        "s3:BypassGovernanceRetention",
    ):
        assert not allows(everything, action, record)
    via_s3 = {"kms:ViaService": f"s3.{region}.amazonaws.com", "kms:EncryptionContext:aws:s3:arn": arn}
    assert allows(everything, "kms:GenerateDataKey", run.exports["kmsKeyArn"], via_s3)
    assert not allows(everything, "kms:Sign", run.exports["evidenceSigningKeyArn"])  # by grant only
    environment = function.inputs["environment"]["variables"]
    assert environment[ENV["evidence_bucket"]] == run.exports["evidenceBucket"]
    assert environment[ENV["evidence_key_arn"]] == run.exports["evidenceSigningKeyArn"]
    config = OrchestratorConfig.from_env(environment)
    assert config.evidence_bucket == run.exports["evidenceBucket"]


def test_the_dr_stack_replicates_the_evidence_buckets_both_ways_with_their_locks(primary, dr):
    evidence = {run.exports["evidenceBucket"]: run for run in (primary, dr)}
    configs = [c for c in dr.of_type(REPLICATION) if c.inputs["bucket"] in evidence]
    assert {c.inputs["bucket"] for c in configs} == set(evidence)
    assert not [c for c in primary.of_type(REPLICATION) if c.inputs["bucket"] in evidence]
    for config in configs:
        source = evidence[config.inputs["bucket"]]
        destination = dr if source is primary else primary
        [rule] = config.inputs["rules"]
        assert rule["destination"]["bucket"] == destination.exports["evidenceBucketArn"]
        kms = rule["destination"]["encryptionConfiguration"]["replicaKmsKeyId"]
        assert kms == destination.exports["kmsKeyArn"]
        assert rule["id"].startswith("evidence-to-")
        home_bucket = evidence_bucket(dr)
        [versioning] = of_bucket(dr, VERSIONING, home_bucket)
        [lock] = of_bucket(dr, LOCK, home_bucket)
        assert {versioning.urn, lock.urn} <= set(config.options.depends_on)
        assert config.region == source.settings.home_region
        [role_policy] = [
            p
            for p in dr.of_type(ROLE_POLICY)
            if source.exports["evidenceBucketArn"] in p.inputs["policy"] and "Replicat" in p.inputs["policy"]
        ]
        for action in ("s3:GetObjectRetention", "s3:GetObjectLegalHold", "s3:GetObjectVersionForReplication"):
            assert allows(
                role_policy.inputs["policy"], action, f"{source.exports['evidenceBucketArn']}/executions/x"
            )
    names = [a.inputs["name"] for a in dr.of_type(ALARM)]
    assert len(names) == len(set(names))  # the evidence rules' alarms do not clash with the documents'


def test_retention_follows_protect_data_and_its_bounds():
    def evidence(**changes):
        return parse_settings(dr_config(**changes), "dr").evidence

    assert evidence().retention_days == 2557 and evidence().max_age_days == 90
    assert evidence(protectData=False).retention_days == 1
    assert evidence(protectData=False, evidenceRetentionDays=7).retention_days == 7
    assert evidence(evidenceRetentionDays=3650).retention_days == 3650
    with pytest.raises(SettingsError, match="at most 7 when protectData is false") as error:
        evidence(protectData=False, evidenceRetentionDays=8)
    assert error.value.key == "trading-dr:evidenceRetentionDays" and error.value.value == 8
    for bad in (-1, 36501):
        with pytest.raises(SettingsError, match="between 0 and 36500"):
            evidence(evidenceRetentionDays=bad)
    for bad in (0, 367):
        with pytest.raises(SettingsError, match="evidenceMaxAgeDays"):
            parse_settings(primary_config(evidenceMaxAgeDays=bad), "primary")
