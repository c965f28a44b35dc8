"""The key that encrypts the application's EBS volumes must let EC2 use it on the Auto
Scaling group's behalf, or no instance of the group can launch.

EC2 Auto Scaling launches encrypted volumes through EC2 with its service-linked role; with a
customer managed key, the key policy must allow that use (kms:CreateGrant, Decrypt,
GenerateDataKey*, ReEncrypt*, DescribeKey):
https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
The account-root statement alone does not do it (the service-linked role's own policy holds
no KMS permissions on customer keys), so the grant goes through kms:ViaService
ec2.<region>.amazonaws.com for callers of this account."""

from __future__ import annotations

import json

import pytest

from tests.iam_eval import allows

KEY = "aws:kms/key:Key"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
EBS_ACTIONS = (
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:DescribeKey",
)


def _without_account_root(policy: dict) -> dict:
    """The statements that grant beyond the account's IAM policies."""
    return {"Statement": [s for s in policy["Statement"] if s.get("Sid") != "EnableAccountAdministration"]}


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_the_volume_key_lets_ec2_encrypt_the_groups_volumes(by_stack, stack):
    run = by_stack[stack]
    template = run.one(LAUNCH_TEMPLATE)
    [volume_key_arn] = {m["ebs"]["kmsKeyId"] for m in template.inputs["blockDeviceMappings"]}
    [key] = [k for k in run.of_type(KEY) if k.outputs["arn"] == volume_key_arn]
    assert key.region == run.settings.home_region
    policy = _without_account_root(json.loads(key.inputs["policy"]))
    account = run.exports.get("accountId") or "123456789012"
    region = run.settings.home_region
    via_ec2 = {"kms:ViaService": f"ec2.{region}.amazonaws.com", "kms:CallerAccount": account}
    for action in EBS_ACTIONS:
        assert allows(policy, action, volume_key_arn, via_ec2), action
    # Through EC2 of this region only.
    assert not allows(
        policy,
        "kms:CreateGrant",
        volume_key_arn,
        {**via_ec2, "kms:ViaService": "ec2.eu-west-1.amazonaws.com"},
    )
