"""The program both stacks run: settings -> providers -> the regional stack (+ role-specific
pieces) -> exports. `__main__.py` calls `main()`; the mock engine runs `__main__.py` itself."""

from __future__ import annotations

import pulumi

from components.peering import TransitPeering, TransitPeeringArgs
from components.providers import create_providers
from components.regional import RegionalStack, RegionalStackArgs
from components.settings import Settings, SettingsError, load_settings
from components.zone import hosted_zone


def build(settings: Settings) -> dict[str, pulumi.Input]:
    """Register every resource of this stack; returns the stack's exports."""
    providers = create_providers(settings)
    # The dr stack reads the primary's exports (its Transit Gateway, the hosted zone, ...).
    primary_ref = None if settings.is_primary else pulumi.StackReference(settings.primary_stack)
    zone = hosted_zone(settings, providers, primary_ref)
    # The component tree is named by function, not by region, so both stacks build the
    # same tree; the provider decides where it lands.
    regional = RegionalStack(
        "home",
        RegionalStackArgs(settings=settings, providers=providers, zone_id=zone.zone_id),
        opts=pulumi.ResourceOptions(provider=providers.home),
    )
    exports: dict[str, pulumi.Input] = {
        "role": settings.role,
        "region": settings.home_region,
        "peerRegion": settings.peer_region,
        "tier": settings.tier,
        "vpcId": regional.network.vpc.id,
        "vpcCidr": str(settings.vpc_cidr),
        "kmsKeyArn": regional.keys.key.arn,
        "appSubnetIds": [subnet.id for subnet in regional.network.app_subnets],
        "hostedZoneId": zone.zone_id,
        **regional.traffic.exports(settings),
    }
    if zone.zone is not None:
        exports["nameServers"] = zone.zone.name_servers
    if primary_ref is not None:
        # The cross-region link belongs to the stack deployed second (DESIGN.md).
        transit = regional.traffic.transit
        peering = TransitPeering(
            "tgw-peering",
            TransitPeeringArgs(
                transit_gateway_id=transit.gateway.id,
                route_table_id=transit.route_table.id,
                vpc_cidr=settings.vpc_cidr,
                peer_transit_gateway_id=primary_ref.require_output("transitGatewayId"),
                peer_route_table_id=primary_ref.require_output("transitGatewayRouteTableId"),
                peer_vpc_cidr=settings.peer_vpc_cidr,
                peer_region=settings.peer_region,
                account_id=providers.account_id,
                peer_provider=providers.peer,
                name_prefix=f"trading-dr-{settings.role}",
            ),
            opts=providers.opts(),
        )
        exports["transitGatewayPeeringAttachmentId"] = peering.attachment.id
    return exports


def main() -> None:
    try:
        settings = load_settings()
    except SettingsError as error:
        # RunError is reported to the user without a Python traceback.
        raise pulumi.RunError(str(error)) from None
    for name, value in build(settings).items():
        pulumi.export(name, value)
