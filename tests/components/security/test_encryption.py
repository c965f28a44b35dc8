"""Every log group, and every KMS-encrypted thing, uses a customer-managed key of its own
region; keys rotate and are protected by default."""

from __future__ import annotations

import json

import pytest

from ops.mock_engine import StackRun, run_stack


def keys_by_arn(run: StackRun) -> dict[str, str]:
    """CMK ARN -> region, over the keys this stack created."""
    return {k.outputs["arn"]: k.region for k in run.of_type("aws:kms/key:Key")}


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_every_log_group_is_encrypted_with_a_key_of_its_own_region(by_stack, stack):
    run = by_stack[stack]
    keys = keys_by_arn(run)
    groups = run.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert groups
    for group in groups:
        key_arn = group.inputs.get("kmsKeyId")
        assert key_arn in keys, f"{group.name} is not encrypted with a CMK of this stack"
        assert keys[key_arn] == group.region, f"{group.name} uses a key of another region"


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_keys_rotate_have_a_deletion_window_and_an_alias(by_stack, stack):
    run = by_stack[stack]
    for key in run.of_type("aws:kms/key:Key"):
        # Automatic rotation exists for symmetric encryption keys only; the evidence signing
        # key is asymmetric and must not ask for it
        # (https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html).
        symmetric = key.inputs.get("keyUsage", "ENCRYPT_DECRYPT") == "ENCRYPT_DECRYPT"
        assert key.inputs["enableKeyRotation"] is symmetric
        assert 7 <= key.inputs["deletionWindowInDays"] <= 30
        assert key.options.protect is True
    aliases = run.of_type("aws:kms/alias:Alias")
    assert {a.inputs["targetKeyId"] for a in aliases} >= {
        k.outputs["keyId"] for k in run.of_type("aws:kms/key:Key") if k.region == run.settings.home_region
    }


def test_key_protection_follows_the_protect_data_switch():
    run = run_stack("primary", overrides={"trading-dr:protectData": False})
    assert all(not k.options.protect for k in run.of_type("aws:kms/key:Key"))


# What makes a service use the home key, read off the captured resources: a resource of
# this type whose inputs name the key's ARN. Deliberately not KEY_SERVICES: the test derives
# what the stack needs from what it registered.
SERVICE_OF_TYPE = {
    "aws:backup/vault:Vault": "backup",
    "aws:cloudtrail/trail:Trail": "cloudtrail",
    "aws:cloudwatch/logGroup:LogGroup": "logs",
    "aws:dynamodb/table:Table": "dynamodb",
    "aws:dynamodb/tableReplica:TableReplica": "dynamodb",
    "aws:ec2/launchTemplate:LaunchTemplate": "ec2",
    "aws:lambda/function:Function": "lambda",
    "aws:rds/cluster:Cluster": "rds",
    "aws:rds/clusterInstance:ClusterInstance": "rds",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": "s3",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig": "s3",
    "aws:secretsmanager/secret:Secret": "secretsmanager",
    "aws:sns/topic:Topic": "sns",
    "aws:sqs/queue:Queue": "sqs",
}
# Resources that name the key without encrypting with it: IAM policies granting its use, and
# the final-snapshot suffix, whose keepers renew it with the cluster.
NOT_A_KEY_USER = {"aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy", "random:index/randomId:RandomId"}


def services_using_the_key(run: StackRun, key_arn: str) -> set[str]:
    services = set()
    encrypted_topics = set()
    for resource in run.resources:
        if resource.type.startswith("aws:kms/") or resource.type in NOT_A_KEY_USER:
            continue
        if key_arn in json.dumps(resource.inputs, default=str):
            assert resource.type in SERVICE_OF_TYPE, f"{resource.type} uses the key: map it to a service"
            services.add(SERVICE_OF_TYPE[resource.type])
            if resource.type == "aws:sns/topic:Topic":
                encrypted_topics.add(resource.outputs["arn"])
    # CloudWatch alarms and EventBridge rules publishing to an encrypted topic need the key too.
    publishers = [
        *(a.inputs.get("alarmActions", []) for a in run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")),
        *([t.inputs.get("arn")] for t in run.of_type("aws:cloudwatch/eventTarget:EventTarget")),
    ]
    if any(set(targets) & encrypted_topics for targets in publishers):
        services.add("topic-publishers")
    return services


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_key_policy_grants_the_account_and_only_the_stacks_services(by_stack, stack):
    from components.security.key_policy import SERVICE_STATEMENTS

    run = by_stack[stack]
    home_key = next(k for k in run.of_type("aws:kms/key:Key") if k.name == "home-keys-key")
    policy = json.loads(home_key.inputs["policy"])
    sids = [s["Sid"] for s in policy["Statement"]]
    assert sids[0] == "EnableAccountAdministration"
    assert policy["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert len(sids) == len(set(sids))
    # No statement hands the key to a principal outside the account without a condition.
    for statement in policy["Statement"][1:]:
        assert "Condition" in statement, statement["Sid"]
    granted = {
        service
        for service, statements in SERVICE_STATEMENTS.items()
        if {s["Sid"] for s in statements(run.settings.home_region, "123456789012", "aws")} <= set(sids)
    }
    assert granted == services_using_the_key(run, home_key.outputs["arn"])
