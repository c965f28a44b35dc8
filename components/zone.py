"""The hosted zone of the platform: owned by the primary stack (DESIGN.md), unless an
existing zone id is configured. The dr stack uses the configured id or the primary's export."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

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
        return HostedZone(zone_id=primary.require_output("hostedZoneId"), zone=None)
    zone = aws.route53.Zone(
        "zone",
        name=settings.traffic.zone_name,
        comment="trading-dr: failover and regional names",
        force_destroy=False,
        # Deleting the zone breaks its delegation; a new zone gets new name servers.
        opts=pulumi.ResourceOptions(provider=providers.global_, protect=settings.protect_data),
    )
    return HostedZone(zone_id=zone.zone_id, zone=zone)
