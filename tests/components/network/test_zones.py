"""Availability Zones chosen by zone ID where instanceType and dbInstanceClass are offered,
the same rule in both stacks (components/network/zones.py).

AZ names map to different physical zones per account; IDs do not:
https://docs.aws.amazon.com/global-infrastructure/latest/regions/az-ids.html
The mock account (ops/mock_engine.py) maps names to IDs out of order, offers the instance
type in every zone but az1 and the DB class in every zone but the one named `b` (az6)."""

from __future__ import annotations

import pytest

from components.network.zones import Zone, ZoneSelectionError, choose_zones
from ops.mock_engine import run_stack

SUBNET = "aws:ec2/subnet:Subnet"
STACKS = ["primary", "dr"]


def _choose(**overrides):
    args = {
        "region": "r",
        "names": ["ra", "rb", "rc", "rd"],
        "zone_ids": ["r-az3", "r-az1", "r-az4", "r-az2"],
        "instance_type": "m6i.large",
        "instance_zone_ids": ["r-az1", "r-az2", "r-az3", "r-az4"],
        "db_instance_class": "db.r6g.large",
        "db_zone_names": ["ra", "rb", "rc", "rd"],
        "az_count": 3,
    }
    return choose_zones(**{**args, **overrides})


def test_zones_are_sorted_by_id_not_by_name():
    assert _choose() == [Zone("rb", "r-az1"), Zone("rd", "r-az2"), Zone("ra", "r-az3")]


def test_a_zone_without_the_instance_type_or_the_db_class_is_skipped():
    assert [z.zone_id for z in _choose(instance_zone_ids=["r-az2", "r-az3", "r-az4"])] == [
        "r-az2",
        "r-az3",
        "r-az4",
    ]
    # RDS answers with names: `rb` is az1.
    assert [z.zone_id for z in _choose(db_zone_names=["ra", "rc", "rd"])] == ["r-az2", "r-az3", "r-az4"]


def test_too_few_qualifying_zones_is_one_clear_error():
    with pytest.raises(ZoneSelectionError) as error:
        _choose(instance_zone_ids=["r-az1", "r-az2"], az_count=3)
    message = str(error.value)
    assert "azCount is 3" in message and "m6i.large" in message and "db.r6g.large" in message
    assert "r-az1, r-az2" in message and "lower azCount" in message


@pytest.mark.parametrize("stack", STACKS)
def test_each_stack_uses_the_offered_zones_by_id_in_every_tier(by_stack, stack):
    run = by_stack[stack]
    region = run.settings.home_region
    # Mock account: ids az2, az3, az4 are the first three offering both (az1 lacks the
    # instance type, az6 = name b lacks the DB class); their names are d, e, a.
    expected = [f"{region}d", f"{region}e", f"{region}a"]
    for tier in ("public", "app", "data"):
        subnets = sorted(
            (s for s in run.of_type(SUBNET) if s.inputs["tags"]["Tier"] == tier), key=lambda s: s.name
        )
        assert [s.inputs["availabilityZone"] for s in subnets] == expected, tier


@pytest.mark.parametrize("stack", STACKS)
def test_the_offerings_are_asked_for_the_configured_types_in_the_home_region(by_stack, stack):
    run = by_stack[stack]
    region = run.settings.home_region
    [offerings] = [i for i in run.invokes if i.token.endswith("getInstanceTypeOfferings")]
    assert offerings.region == region
    assert offerings.args["locationType"] == "availability-zone-id"
    assert offerings.args["filters"] == [
        {"name": "instance-type", "values": [run.settings.traffic.instance_type]}
    ]
    [orderable] = [i for i in run.invokes if i.token.endswith("getOrderableDbInstance")]
    assert orderable.region == region
    database = run.settings.database
    assert orderable.args["engine"] == database.engine
    assert orderable.args["engineVersion"] == database.engine_version
    assert orderable.args["instanceClass"] == database.instance_class
    assert orderable.args["supportsGlobalDatabases"] is True


def test_a_stack_asking_for_more_zones_than_qualify_fails_with_the_rule():
    # Four zones of the mock account offer both; five cannot be had.
    with pytest.raises(Exception, match="azCount is 5 but only 4 available zone"):
        run_stack("primary", overrides={"trading-dr:azCount": 5})
