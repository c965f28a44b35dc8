"""Settings validation as plain functions: one row per rule, each naming key, value and rule."""

from __future__ import annotations

import ipaddress

import pytest

from components.settings import SettingsError, parse_settings, project_defaults
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
    (primary_config, "vpcCidr", "8.8.0.0/16", "private"),
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
    (primary_config, "dbEngine", "mysql", "aurora-mysql | aurora-postgresql"),
    (primary_config, "dbInstanceClass", "db.t3.medium", "db.r*/db.x*"),
    (primary_config, "backupRetentionDays", 1, "between 7 and 35"),
    (primary_config, "backupWindow", "3am", "hh24:mi-hh24:mi"),
    (primary_config, "maintenanceWindow", "sunday:04:30-sun:05:30", "ddd:hh24:mi"),
    (primary_config, "backupSchedule", "daily", "cron"),
    (primary_config, "backupDeleteAfterDays", 1, "between 7"),
    (primary_config, "zoneName", "Trading.Example.com", "DNS name"),
    (primary_config, "hostedZoneId", "zone-1", "zone id"),
    (primary_config, "appName", "app.web", "DNS label"),
    (primary_config, "appPort", 80, "between 1024 and 65535"),
    (primary_config, "healthCheckPath", "health", "starting with /"),
    (primary_config, "healthCheckInterval", 20, "10 or 30"),
    (primary_config, "healthCheckThreshold", 11, "between 1 and 10"),
    (primary_config, "instanceType", "large", "instance type"),
    (primary_config, "appDesiredSize", 10, "between appMinSize"),
    (primary_config, "wafRateLimit", 10, "between 100"),
    (primary_config, "failoverEvaluations", 0, "between 1 and 10"),
    (primary_config, "maxReplicationLagSeconds", 600, "between 1 and 300"),
    (primary_config, "failoverLockSeconds", 5, "between 15 and 900"),
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
    assert full_key in message and repr(error.value) in message and error.rule in message


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
    import yaml

    from components.settings import PROJECT_FILE

    declared = yaml.safe_load(PROJECT_FILE.read_text())["config"]
    for key, spec in declared.items():
        assert {"type", "description", "default"} <= set(spec), key


PAIR_MISMATCHES = [
    ({"trading-dr:tier": "pilot-light"}, "trading-dr:tier (stack dr)", "primary stack's value"),
    ({"trading-dr:azCount": 2}, "trading-dr:azCount (stack dr)", "primary stack's value"),
    ({"trading-dr:peerRegion": "eu-west-1"}, "trading-dr:peerRegion (stack dr)", "aws:region"),
    ({"trading-dr:peerVpcCidr": "10.30.0.0/16"}, "trading-dr:peerVpcCidr (stack dr)", "vpcCidr"),
    ({"trading-dr:role": "primary"}, "trading-dr:role", "must have role dr"),
]


@pytest.mark.parametrize("dr_change,key,rule", PAIR_MISMATCHES, ids=[r[1] for r in PAIR_MISMATCHES])
def test_the_two_stacks_must_describe_one_pair(dr_change, key, rule):
    from components.settings import check_stack_pair

    primary = parse_settings(primary_config(), "primary")
    dr = parse_settings({**dr_config(), **dr_change}, "dr")
    with pytest.raises(SettingsError) as raised:
        check_stack_pair(primary, dr)
    assert raised.value.key == key and rule in raised.value.rule


def test_the_stack_files_describe_one_pair():
    from components.settings import check_stack_pair

    check_stack_pair(parse_settings(primary_config(), "primary"), parse_settings(dr_config(), "dr"))
