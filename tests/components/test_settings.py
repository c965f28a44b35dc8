"""Settings validation as plain functions: one row per rule, each naming key, value and rule."""

from __future__ import annotations

import ipaddress

import pytest

from components.settings import (
    PER_STACK_KEYS,
    SettingsError,
    check_stack_pair,
    parse_settings,
    project_defaults,
    shared_keys,
    windows_overlap,
    yaml_spelling,
)
from ops.stack_config import effective_config, read_stack_config


def config_of(stack: str, **changes):
    """The stack's effective config with `changes` (bare keys are trading-dr: keys)."""
    config = effective_config(stack)
    config.update({(k if ":" in k else f"trading-dr:{k}"): v for k, v in changes.items()})
    return config


def primary_config(**changes):
    return config_of("primary", **changes)


def dr_config(**changes):
    return config_of("dr", **changes)


# (config builder, key, bad value, words the rule must contain)
INVALID = [
    (primary_config, "role", "standby", "primary | dr"),
    (primary_config, "role", "", "primary | dr"),
    (primary_config, "peerRegion", "us-east-1", "must differ from aws:region"),
    (primary_config, "aws:region", "us-east-7", "AWS region"),
    (primary_config, "peerRegion", "US-WEST-2", "AWS region"),
    (primary_config, "peerRegion", "", "AWS region"),
    (primary_config, "vpcCidr", "10.10.0.0/33", "CIDR"),
    (primary_config, "vpcCidr", "10.10.0.1/16", "CIDR"),  # host bits set
    (primary_config, "vpcCidr", "not-a-cidr", "CIDR"),
    (primary_config, "vpcCidr", "10.0.0.0/8", "/16 and /20"),
    (primary_config, "vpcCidr", "10.10.0.0/24", "/16 and /20"),
    (primary_config, "vpcCidr", "8.8.0.0/16", "RFC 1918"),
    # ipaddress calls these private; a VPC cannot use them (RFC 1918 only).
    (primary_config, "vpcCidr", "127.10.0.0/16", "RFC 1918"),
    (primary_config, "vpcCidr", "169.254.0.0/16", "RFC 1918"),
    (primary_config, "peerVpcCidr", "100.64.0.0/16", "RFC 1918"),
    (primary_config, "peerRegion", "cn-north-1", "same AWS partition"),
    (primary_config, "peerVpcCidr", "10.10.128.0/17", "must not overlap"),
    (primary_config, "peerVpcCidr", "10.10.0.0/16", "must not overlap"),
    (primary_config, "azCount", 1, "between 2 and 6"),
    (primary_config, "azCount", 7, "between 2 and 6"),
    (primary_config, "azCount", "three", "whole number"),
    (primary_config, "tier", "cold-standby", "hot-standby | warm-standby | pilot-light"),
    (primary_config, "alertEmail", "ops-at-example.com", "e-mail"),
    (primary_config, "alertEmail", "ops@example", "e-mail"),
    (dr_config, "primaryStack", "", "required when role is dr"),
    (dr_config, "primaryStack", "org/proj/stack/extra", "stack name"),
    (primary_config, "dataClassification", "secret", "public | internal"),
    (primary_config, "keyDeletionWindowDays", 3, "between 7 and 30"),
    (primary_config, "logRetentionDays", 30, "one year or more"),
    (primary_config, "logRetentionDays", 366, "CloudWatch values"),
    (primary_config, "protectData", "maybe", "true or false"),
    # YAML 1.2 reads these as strings; a YAML 1.1 reader would have made them booleans.
    (primary_config, "protectData", "no", "true or false"),
    (primary_config, "protectData", "off", "true or false"),
    (primary_config, "protectData", None, "true or false"),
    (primary_config, "azCount", None, "whole number"),
    (primary_config, "azCount", 3.5, "whole number"),
    (primary_config, "dbEngineVersion", "16.6", "aurora-mysql version"),
    (primary_config, "dbEngine", "mysql", "aurora-mysql | aurora-postgresql"),
    (primary_config, "dbInstanceClass", "db.t3.medium", "db.r*/db.x*"),
    (primary_config, "backupRetentionDays", 1, "between 7 and 35"),
    (primary_config, "backupWindow", "3am", "hh24:mi-hh24:mi"),
    (primary_config, "backupWindow", "03:00-03:29", "at least 30 minutes"),
    (primary_config, "backupWindow", "03:00-03:00", "at least 30 minutes"),
    (primary_config, "backupWindow", "05:00-06:00", "must not overlap maintenanceWindow"),
    (primary_config, "maintenanceWindow", "sunday:04:30-sun:05:30", "ddd:hh24:mi"),
    (primary_config, "maintenanceWindow", "sun:04:30-sun:04:59", "at least 30 minutes"),
    (primary_config, "backupSchedule", "daily", "cron"),
    (primary_config, "backupDeleteAfterDays", 1, "between 7"),
    (primary_config, "zoneName", "Trading.Example.com", "must be lower-case: write trading.example.com"),
    (primary_config, "hostedZoneId", "zone-1", "zone id"),
    (primary_config, "appName", "app.web", "DNS label"),
    (primary_config, "appName", "a" * 45, "over ACM's 64"),  # 45 + 1 + 19 = 65
    (primary_config, "primaryStack", "organization/trading-dr/dr", "dr stack only"),
    (primary_config, "appPort", 80, "between 1024 and 65535"),
    (primary_config, "healthCheckPath", "health", "starting with /"),
    (primary_config, "healthCheckInterval", 20, "10 or 30"),
    (primary_config, "healthCheckThreshold", 11, "between 1 and 10"),
    (primary_config, "instanceType", "large", "instance type"),
    (primary_config, "instanceType", "m6i.huge", "is not an EC2 instance type"),
    (primary_config, "appMinSize", 7, "must not exceed appMaxSize (6)"),
    (primary_config, "appDesiredSize", 10, "between appMinSize"),
    (primary_config, "wafRateLimit", 10, "between 100"),
    # The orchestrator settings' bounds: tests/test_settings_table.py, from the settings table.
]


@pytest.mark.parametrize("build,key,value,rule", INVALID, ids=[f"{row[1]}={row[2]!r}" for row in INVALID])
def test_invalid_config_names_key_value_and_rule(build, key, value, rule):
    full_key = key if ":" in key else f"trading-dr:{key}"
    config = build(**{key: value})
    with pytest.raises(SettingsError) as raised:
        parse_settings(config, "test")
    error = raised.value
    assert error.key == full_key
    assert rule in error.rule
    message = str(error)
    assert message == f"{full_key} = {yaml_spelling(value)}: {error.rule}"


def test_the_backup_window_is_checked_against_every_day_of_the_maintenance_window():
    # RDS: the daily backup window must not conflict with the weekly maintenance window.
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html
    assert windows_overlap("04:00-05:00", "sun:04:30-sun:05:30")
    assert windows_overlap("23:30-00:30", "mon:00:00-mon:00:30")  # crosses midnight into monday
    assert windows_overlap("23:30-00:30", "sun:23:45-mon:00:15")  # the week is a circle
    assert not windows_overlap("03:00-04:00", "sun:04:30-sun:05:30")
    assert not windows_overlap("03:00-04:00", "sun:04:00-sun:04:30")  # touching is not overlapping


def test_a_dr_primary_stack_naming_itself_is_refused():
    with pytest.raises(SettingsError) as raised:
        parse_settings(dr_config(primaryStack="organization/trading-dr/dr"), "dr")
    assert raised.value.key == "trading-dr:primaryStack" and "names this stack (dr)" in raised.value.rule


def test_a_role_in_the_wrong_file_blames_the_role():
    # Not primaryStack (which a primary file would lack): the role is what is wrong.
    with pytest.raises(SettingsError) as raised:
        parse_settings(primary_config(role="dr"), "primary")
    assert raised.value.key == "trading-dr:role" and "must be primary" in raised.value.rule


def test_every_rule_row_is_valid_without_its_bad_value():
    # Guards the table itself: each row's builder alone must parse, so the row's value is
    # what fails it.
    assert parse_settings(primary_config(), "primary").role == "primary"
    assert parse_settings(dr_config(), "dr").role == "dr"


def test_stack_files_parse_into_the_documented_pair():
    primary = parse_settings(effective_config("primary"), "primary")
    dr = parse_settings(effective_config("dr"), "dr")
    assert (primary.home_region, primary.peer_region) == ("us-east-1", "us-west-2")
    assert (dr.home_region, dr.peer_region) == ("us-west-2", "us-east-1")
    assert primary.vpc_cidr == ipaddress.IPv4Network("10.10.0.0/16") == dr.peer_vpc_cidr
    assert dr.vpc_cidr == ipaddress.IPv4Network("10.20.0.0/16") == primary.peer_vpc_cidr
    assert dr.primary_stack and primary.primary_stack is None
    assert primary.az_count == 3 and primary.tier == "hot-standby"
    assert primary.protect_data is True


def test_defaults_come_from_pulumi_yaml():
    defaults = project_defaults()
    settings = parse_settings(primary_config(), "primary")
    assert settings.az_count == defaults["trading-dr:azCount"]
    assert settings.tier == defaults["trading-dr:tier"]
    assert settings.log_retention_days == defaults["trading-dr:logRetentionDays"] == 365


def test_values_arrive_as_strings_from_the_pulumi_engine():
    # pulumi.Config hands every value over as a string.
    config = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in primary_config().items()}
    settings = parse_settings(config, "primary")
    assert settings.az_count == 3 and settings.protect_data is True


def test_stack_files_disable_default_providers():
    for stack in ("primary", "dr"):
        assert read_stack_config(stack)["pulumi:disable-default-providers"] == ["*"]


def test_every_declared_key_has_type_description_and_default():
    from components.settings import project_spec

    for key, spec in project_spec().items():
        assert {"type", "description", "default"} <= set(spec), key


# The pair check: one row per rule. A dr value that breaks the rule -> the key blamed.
MIRRORED_ROWS = [
    ({"trading-dr:peerRegion": "eu-west-1"}, "trading-dr:peerRegion", "primary stack's aws:region"),
    (
        {"aws:region": "us-west-1", "trading-dr:peerRegion": "us-east-1"},
        "aws:region",
        "primary stack's peerRegion",
    ),
    ({"trading-dr:peerVpcCidr": "10.30.0.0/16"}, "trading-dr:peerVpcCidr", "primary stack's vpcCidr"),
    ({"trading-dr:vpcCidr": "10.30.0.0/16"}, "trading-dr:vpcCidr", "primary stack's peerVpcCidr"),
    ({"trading-dr:role": "primary", "trading-dr:primaryStack": ""}, "trading-dr:role", "must have role dr"),
]

# For every shared key, a valid dr value other than the primary's. A key added to Pulumi.yaml
# is shared unless listed in PER_STACK_KEYS: give it a row here.
SHARED_ALTERNATIVES = {
    "evidenceRetentionDays": 3650,
    "evidenceMaxAgeDays": 30,
    "azCount": 2,
    "tier": "pilot-light",
    "alertEmail": "ops@example.com",
    "environment": "staging",
    "owner": "someone-else",
    "costCenter": "elsewhere",
    "dataClassification": "restricted",
    "keyDeletionWindowDays": 7,
    "logRetentionDays": 400,
    "protectData": False,
    "dbEngine": "aurora-postgresql",
    "dbEngineVersion": "8.0.mysql_aurora.3.05.2",
    "dbInstanceClass": "db.r6g.xlarge",
    "backupRetentionDays": 14,
    "backupWindow": "02:00-03:00",
    "maintenanceWindow": "sat:04:30-sat:05:30",
    "backupSchedule": "cron(0 6 * * ? *)",
    "backupDeleteAfterDays": 60,
    "zoneName": "other.example.org",
    "hostedZoneId": "Z0123456789ABC",
    "appName": "trade",
    "appPort": 9090,
    "healthCheckPath": "/ready",
    "healthCheckInterval": 30,
    "healthCheckThreshold": 5,
    "instanceType": "m6i.xlarge",
    "appMinSize": 1,
    "appMaxSize": 8,
    "appDesiredSize": 4,
    "wafRateLimit": 5000,
    "failoverEvaluations": 4,
    "maxReplicationLagSeconds": 10,
    "failoverLockSeconds": 600,
    "writeLeaseSeconds": 12,
    "writeLeaseRenewSeconds": 3,
    "clockMarginSeconds": 3,
    "heartbeatMaxAgeSeconds": 20,
    "failoverEvaluationIntervalSeconds": 20,
    "failoverProbeTimeoutSeconds": 3,
    # Any readable file under 16 KB will do: the pair must name the same one.
    "appUserData": "deploy.py",
    "dbGlobalRpoSeconds": -1,  # 60 is for aurora-postgresql only
}


def test_every_declared_key_is_shared_or_per_stack_and_every_shared_key_has_a_row():
    declared = set(project_defaults())
    assert PER_STACK_KEYS - {"aws:region"} <= declared
    missing = [key for key in shared_keys() if key.split(":", 1)[1] not in SHARED_ALTERNATIVES]
    assert missing == [], "give each shared key a row in SHARED_ALTERNATIVES (or list it in PER_STACK_KEYS)"


@pytest.mark.parametrize("dr_change,key,rule", MIRRORED_ROWS, ids=[r[1] for r in MIRRORED_ROWS])
def test_mirrored_keys_and_roles_must_describe_one_pair(dr_change, key, rule):
    primary = parse_settings(primary_config(), "primary")
    dr = parse_settings({**dr_config(), **dr_change}, "dr-test")
    with pytest.raises(SettingsError) as raised:
        check_stack_pair(primary, dr)
    assert raised.value.key == key and rule in raised.value.rule
    assert str(raised.value).startswith(f"Pulumi.dr-test.yaml: {key} = ")


@pytest.mark.parametrize("key", sorted(SHARED_ALTERNATIVES))
def test_every_shared_key_must_be_equal_in_both_stacks(key):
    value = SHARED_ALTERNATIVES[key]
    primary = parse_settings(primary_config(), "primary")
    dr = parse_settings(dr_config(**{key: value}), "dr")  # valid on its own
    with pytest.raises(SettingsError) as raised:
        check_stack_pair(primary, dr)
    assert raised.value.key == f"trading-dr:{key}"
    assert "must equal the primary stack's value" in raised.value.rule


def test_a_secret_in_both_stacks_is_not_compared_but_one_secret_is_an_error():
    secret = frozenset({"trading-dr:alertEmail"})
    primary = parse_settings(primary_config(alertEmail="a@example.com"), "primary", secret)
    both = parse_settings(dr_config(alertEmail="a@example.com"), "dr", secret)
    check_stack_pair(primary, both)
    one = parse_settings(dr_config(alertEmail="a@example.com"), "dr")
    with pytest.raises(SettingsError) as raised:
        check_stack_pair(primary, one)
    assert "secret in both stack files or in neither" in raised.value.rule


def test_the_stack_files_describe_one_pair():
    check_stack_pair(parse_settings(primary_config(), "primary"), parse_settings(dr_config(), "dr"))


def test_the_offline_aws_lists_are_botocores_own():
    # The fast readers (no botocore import on validate's path) must agree with botocore.
    import botocore.loaders
    import botocore.session

    from components.settings import ec2_instance_types, region_partitions

    session = botocore.session.get_session()
    expected = {
        region: partition
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("ec2", partition_name=partition)
    }
    assert region_partitions() == expected
    model = botocore.loaders.create_loader().load_service_model("ec2", "service-2")
    assert ec2_instance_types() == frozenset(model["shapes"]["InstanceType"]["enum"])


@pytest.mark.parametrize(
    "home, peer, partition",
    [("us-gov-west-1", "us-gov-east-1", "aws-us-gov"), ("cn-north-1", "cn-northwest-1", "aws-cn")],
)
def test_a_partition_without_arc_routing_control_is_refused_before_anything_is_created(home, peer, partition):
    # "routing control ... not available in the Beijing and Ningxia Regions nor in AWS
    # GovCloud (US)" (https://docs.aws.amazon.com/general/latest/gr/arc.html).
    with pytest.raises(SettingsError) as error:
        parse_settings(primary_config(**{"aws:region": home, "peerRegion": peer}), "primary")
    assert error.value.key == "aws:region" and error.value.value == home
    assert f"must be in a partition with Amazon ARC routing control (aws), not {partition}" in str(
        error.value
    )


def test_the_control_plane_regions_come_from_the_partition():
    from components.aws_catalog import RECOVERY_CONTROL_CONFIG, ROUTE53, control_plane_region
    from components.providers import global_region, recovery_control_region

    # Route 53's control plane: us-east-1 in aws
    # (https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/global-services.html),
    # each other partition its own; ARC's configuration API: us-west-2, aws only
    # (https://docs.aws.amazon.com/recovery-cluster/latest/api/examples-cli-control.html).
    assert control_plane_region(ROUTE53, "aws") == "us-east-1"
    assert control_plane_region(ROUTE53, "aws-cn") == "cn-northwest-1"
    assert control_plane_region(ROUTE53, "aws-us-gov") == "us-gov-west-1"
    assert control_plane_region(RECOVERY_CONTROL_CONFIG, "aws") == "us-west-2"
    assert control_plane_region(RECOVERY_CONTROL_CONFIG, "aws-us-gov") is None
    assert control_plane_region(RECOVERY_CONTROL_CONFIG, "aws-cn") is None
    for home in ("eu-west-1", "us-west-2", "ap-southeast-2"):
        assert (global_region(home), recovery_control_region(home)) == ("us-east-1", "us-west-2")
    assert global_region("us-gov-east-1") == "us-gov-west-1"
    with pytest.raises(ValueError, match="Amazon ARC routing control"):
        recovery_control_region("us-gov-west-1")
