"""Subnet CIDRs computed with ipaddress: inside the VPC, disjoint, one per AZ and tier."""

import ipaddress
import itertools

import pytest

from components.network.subnet_plan import TIERS, plan_subnets


@pytest.mark.parametrize("cidr", ["10.10.0.0/16", "10.20.0.0/18", "172.16.0.0/20"])
@pytest.mark.parametrize("azs", [2, 3, 6])
def test_subnets_are_inside_the_vpc_disjoint_and_one_per_az(cidr, azs):
    vpc = ipaddress.IPv4Network(cidr)
    plan = plan_subnets(vpc, azs)
    subnets = [s for tier in TIERS for s in plan.tier(tier)]
    assert all(len(plan.tier(tier)) == azs for tier in TIERS)
    assert all(s.subnet_of(vpc) for s in subnets)
    assert not any(a.overlaps(b) for a, b in itertools.combinations(subnets, 2))


def test_adding_an_az_keeps_existing_subnets():
    vpc = ipaddress.IPv4Network("10.10.0.0/16")
    three, four = plan_subnets(vpc, 3), plan_subnets(vpc, 4)
    for tier in TIERS:
        assert four.tier(tier)[:3] == three.tier(tier)


def test_too_many_azs_is_refused():
    with pytest.raises(ValueError):
        plan_subnets(ipaddress.IPv4Network("10.10.0.0/16"), 9)
