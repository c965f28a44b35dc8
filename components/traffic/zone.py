"""The hosted zone of the platform: owned by the primary stack, unless an existing zone id is
configured (docs/ARCHITECTURE.md#stack-ownership). The dr stack uses the configured id or
the primary's export.

The created zone lives inside the `PlatformZone` component. It used to sit at the stack root,
so it carries an alias to that old parent: a deployed zone is adopted, not replaced (a new
zone would get new name servers and break the delegation)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import stack_contract as contract
from components.providers import Providers
from components.settings import Settings


@dataclass
class HostedZone:
    zone_id: pulumi.Output[str]
    zone: aws.route53.Zone | None
    """The zone when this stack created it (primary without hostedZoneId), else None."""


def hosted_zone(
    settings: Settings, providers: Providers, primary: pulumi.StackReference | None
) -> HostedZone:
    configured = settings.traffic.hosted_zone_id
    if configured is not None:
        return HostedZone(zone_id=pulumi.Output.from_input(configured), zone=None)
    if not settings.is_primary:
        if primary is None:
            raise ValueError("the dr stack needs the primary's StackReference for hostedZoneId")
        return HostedZone(zone_id=contract.HOSTED_ZONE_ID.read(primary), zone=None)
    component = PlatformZone("zone", settings, providers)
    return HostedZone(zone_id=component.zone.zone_id, zone=component.zone)


class PlatformZone(pulumi.ComponentResource):
    """The Route 53 hosted zone the primary stack creates when no hostedZoneId is given.

    Outputs: `zone` (its `zone_id` and `name_servers` are exported by the program)."""

    def __init__(self, name: str, settings: Settings, providers: Providers, opts=None):
        super().__init__("tradingdr:traffic:PlatformZone", name, None, opts)
        self.zone = aws.route53.Zone(
            name,
            name=settings.traffic.zone_name,
            comment="trading-dr: failover and regional names",
            force_destroy=False,
            opts=pulumi.ResourceOptions(
                parent=self,
                provider=providers.global_,
                # Deleting the zone breaks its delegation; a new zone gets new name servers.
                protect=settings.protect_data,
                # The zone was registered at the stack root before this component existed.
                aliases=[pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)],
            ),
        )
        self.register_outputs({"zoneId": self.zone.zone_id})
