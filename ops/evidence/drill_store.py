"""The evidence bucket and signing key of one region, created in the drill's moto world from
the plan's names, so that the real runtime writes (and is charged for) its execution
evidence in drills as it does in AWS: a bucket with Object Lock (compliance mode) and an
ECC_NIST_P256 SIGN_VERIFY key (components/observability/evidence_store.py builds the real
ones)."""

from __future__ import annotations

from failover.config import ENV


def provision_evidence(session, region: str, bucket: str) -> dict[str, str]:
    """Create them in moto; returns the orchestrator's evidence variables for them."""
    s3 = session.client("s3", region_name=region)
    created = {"Bucket": bucket, "ObjectLockEnabledForBucket": True}
    if region != "us-east-1":  # CreateBucket refuses us-east-1 as a LocationConstraint
        created["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**created)
    s3.put_object_lock_configuration(
        Bucket=bucket,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 1}},
        },
    )
    key = session.client("kms", region_name=region).create_key(
        KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY", Description=f"drill evidence signing key {region}"
    )
    return {ENV["evidence_bucket"]: bucket, ENV["evidence_key_arn"]: key["KeyMetadata"]["Arn"]}
