"""Pure decisions of the data tier, table-driven, without Pulumi."""

from __future__ import annotations

import json

import pytest

from components.data.aurora_plan import cluster_parameters, parameter_group_family
from components.data.backup import table_arn, vault_arn, vault_name
from components.data.bucket_replication import replication_policy
from components.data.documents_bucket import bucket_names
from components.data.role_wiring import PrimaryMismatchError, check_same_engine
from components.settings import SettingsError
from components.tiers import tier_profile
from ops.stack_config import stack_settings


@pytest.mark.parametrize(
    ("tier", "role", "expected"),
    [
        ("hot-standby", "primary", 2),
        ("hot-standby", "dr", 2),
        ("warm-standby", "primary", 2),
        ("warm-standby", "dr", 1),
        ("pilot-light", "primary", 2),
        ("pilot-light", "dr", 0),
    ],
)
def test_instance_count_by_tier_and_role(tier, role, expected):
    assert tier_profile(tier).instances(is_primary=role == "primary") == expected


def test_an_unknown_tier_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="unknown tier 'cold'; expected one of hot-standby, warm-standby"):
        tier_profile("cold")


@pytest.mark.parametrize(
    ("engine", "version", "family", "tls"),
    [
        ("aurora-mysql", "", "aurora-mysql8.0", ("require_secure_transport", "ON")),
        ("aurora-mysql", "5.7.mysql_aurora.2.12.3", "aurora-mysql5.7", ("require_secure_transport", "ON")),
        ("aurora-postgresql", "", "aurora-postgresql16", ("rds.force_ssl", "1")),
        ("aurora-postgresql", "15.8", "aurora-postgresql15", ("rds.force_ssl", "1")),
    ],
)
def test_parameter_family_and_tls_follow_the_engine(engine, version, family, tls):
    overrides = {"trading-dr:dbEngine": engine}
    if version:
        overrides["trading-dr:dbEngineVersion"] = version
    database = stack_settings("primary", overrides).database
    assert parameter_group_family(database) == family
    name, value = tls
    assert cluster_parameters(database)[name] == value


@pytest.mark.parametrize(
    ("engine", "version"),
    [("aurora-mysql", "16.6"), ("aurora-postgresql", "8.0.mysql_aurora.3.08.2"), ("aurora-mysql", "latest")],
)
def test_an_engine_version_of_the_wrong_shape_is_rejected_with_key_and_value(engine, version):
    with pytest.raises(SettingsError) as caught:
        stack_settings("primary", {"trading-dr:dbEngine": engine, "trading-dr:dbEngineVersion": version})
    assert caught.value.key == "trading-dr:dbEngineVersion"
    assert caught.value.value == version
    assert engine in caught.value.rule


@pytest.mark.parametrize("key", ["backupRetentionDays"])
@pytest.mark.parametrize("value", [0, 6, 36])
def test_backup_retention_below_seven_days_is_rejected(key, value):
    with pytest.raises(SettingsError, match=f"trading-dr:{key}"):
        stack_settings("primary", {f"trading-dr:{key}": value})


def test_the_dr_engine_must_match_the_primary():
    settings = stack_settings("dr")
    check_same_engine(settings, settings.database.engine, settings.database.engine_version)
    with pytest.raises(PrimaryMismatchError, match=r"trading-dr:dbEngine='aurora-mysql'"):
        check_same_engine(settings, "aurora-postgresql", "16.6")
    with pytest.raises(PrimaryMismatchError, match=r"trading-dr:dbEngineVersion="):
        check_same_engine(settings, settings.database.engine, "8.0.mysql_aurora.3.09.0")


def test_vaults_are_named_by_region_so_the_peer_arn_is_computable():
    assert vault_name("us-west-2") != vault_name("us-east-1")
    assert vault_arn("aws", "us-west-2", "111122223333") == (
        "arn:aws:backup:us-west-2:111122223333:backup-vault:" + vault_name("us-west-2")
    )
    assert (
        table_arn("aws-us-gov", "us-gov-west-1", "1", "t")
        == "arn:aws-us-gov:dynamodb:us-gov-west-1:1:table/t"
    )


def test_bucket_names_are_unique_per_account_and_region_and_valid():
    names = {*bucket_names("111122223333", "us-east-1"), *bucket_names("111122223333", "ap-southeast-2")}
    assert len(names) == 4
    assert all(3 <= len(n) <= 63 and n == n.lower() for n in names)


def test_the_replication_role_uses_each_key_only_through_s3_in_its_region():
    ends = [
        {
            "region": "us-east-1",
            "bucket_arn": "arn:aws:s3:::a",
            "kms_key_arn": "arn:aws:kms:us-east-1:1:key/a",
        },
        {
            "region": "us-west-2",
            "bucket_arn": "arn:aws:s3:::b",
            "kms_key_arn": "arn:aws:kms:us-west-2:1:key/b",
        },
    ]
    statements = json.loads(replication_policy(ends))["Statement"]
    for end in ends:
        (statement,) = [s for s in statements if s.get("Resource") == end["kms_key_arn"]]
        assert statement["Condition"]["StringEquals"]["kms:ViaService"] == f"s3.{end['region']}.amazonaws.com"
        # Bucket Keys: the context is the bucket ARN (else replication is denied); object ARNs of
        # objects written before the Bucket Key stay allowed.
        assert statement["Condition"]["StringLike"]["kms:EncryptionContext:aws:s3:arn"] == [
            end["bucket_arn"],
            f"{end['bucket_arn']}/*",
        ]
    writes = next(s for s in statements if s["Sid"] == "WriteReplicas")
    assert set(writes["Resource"]) == {"arn:aws:s3:::a/*", "arn:aws:s3:::b/*"}
