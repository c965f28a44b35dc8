"""Subnet CIDRs for a VPC, computed with ipaddress: pure, so it is tested without Pulumi.

The VPC is cut into four equal blocks: public, private-app, private-data and one held in
reserve. Each block is cut into eight equal subnets, one per AZ (at most six are used), so
adding an AZ later never renumbers an existing subnet.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

TIERS = ("public", "app", "data")
_TIER_BLOCKS = 4  # three tiers + one reserved block, a power of two
_SUBNETS_PER_TIER = 8  # room for the 6-AZ maximum, a power of two


@dataclass(frozen=True)
class SubnetPlan:
    public: tuple[ipaddress.IPv4Network, ...]
    app: tuple[ipaddress.IPv4Network, ...]
    data: tuple[ipaddress.IPv4Network, ...]

    def tier(self, name: str) -> tuple[ipaddress.IPv4Network, ...]:
        return getattr(self, name)


def plan_subnets(vpc_cidr: ipaddress.IPv4Network, az_count: int) -> SubnetPlan:
    if not 1 <= az_count <= _SUBNETS_PER_TIER:
        raise ValueError(f"az_count {az_count} must be between 1 and {_SUBNETS_PER_TIER}")
    blocks = list(vpc_cidr.subnets(prefixlen_diff=_TIER_BLOCKS.bit_length() - 1))
    per_tier = [
        tuple(list(block.subnets(prefixlen_diff=_SUBNETS_PER_TIER.bit_length() - 1))[:az_count])
        for block in blocks[: len(TIERS)]
    ]
    return SubnetPlan(*per_tier)
