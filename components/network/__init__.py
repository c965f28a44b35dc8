"""Network: the VPC of one region over N AZs (public, private-app and private-data subnets,
NAT, flow logs, gateway endpoints), the security groups of its three tiers, the region's
Transit Gateway, and the cross-region Transit Gateway peering the dr stack owns."""

from __future__ import annotations

from components.network.peering import TransitPeering, TransitPeeringArgs
from components.network.security_groups import SecurityGroups, SecurityGroupsArgs
from components.network.transit import RegionalTransit, RegionalTransitArgs
from components.network.vpc import RegionalNetwork, RegionalNetworkArgs

__all__ = [
    "RegionalNetwork",
    "RegionalNetworkArgs",
    "RegionalTransit",
    "RegionalTransitArgs",
    "SecurityGroups",
    "SecurityGroupsArgs",
    "TransitPeering",
    "TransitPeeringArgs",
]
