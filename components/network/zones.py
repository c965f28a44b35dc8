"""Which Availability Zones a region's VPC uses: pure, tested without Pulumi.

AZ names (us-east-1a) map to different physical zones in different accounts; zone IDs
(use1-az1) are the same everywhere:
https://docs.aws.amazon.com/global-infrastructure/latest/regions/az-ids.html
So both stacks apply one rule: the zones, by ID, that offer the application's instance type
(DescribeInstanceTypeOfferings with location type availability-zone-id,
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstanceTypeOfferings.html)
and the database's instance class for a global database (DescribeOrderableDBInstanceOptions,
whose zones are *names* of this account, mapped to IDs through DescribeAvailabilityZones,
https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeOrderableDBInstanceOptions.html),
sorted by zone ID (deterministic: the same account and region always get the same zones),
the first azCount of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Zone:
    name: str
    """This account's name for the zone (what subnets and RDS instances take)."""
    zone_id: str


class ZoneSelectionError(ValueError):
    """Fewer zones than azCount qualify; the message names the region, the offerings and the fix."""


def choose_zones(
    *,
    region: str,
    names: Sequence[str],
    zone_ids: Sequence[str],
    instance_type: str,
    instance_zone_ids: Iterable[str],
    db_instance_class: str,
    db_zone_names: Iterable[str],
    az_count: int,
) -> list[Zone]:
    """The az_count zones (sorted by ID) offering both the instance type and the DB class.
    `names` and `zone_ids` are index-aligned (aws.get_availability_zones)."""
    if len(names) != len(zone_ids):
        raise ValueError(f"{region}: {len(names)} zone names but {len(zone_ids)} zone ids")
    zones = sorted((Zone(n, i) for n, i in zip(names, zone_ids, strict=True)), key=lambda z: z.zone_id)
    for_instances, for_db = set(instance_zone_ids), set(db_zone_names)
    qualifying = [z for z in zones if z.zone_id in for_instances and z.name in for_db]
    if len(qualifying) < az_count:

        def listed(selected: list[Zone]) -> str:
            return ", ".join(z.zone_id for z in selected) or "none"

        raise ZoneSelectionError(
            f"azCount is {az_count} but only {len(qualifying)} available zone(s) of {region} offer "
            f"both instanceType {instance_type} ({listed([z for z in zones if z.zone_id in for_instances])}) "
            f"and dbInstanceClass {db_instance_class} for a global database "
            f"({listed([z for z in zones if z.name in for_db])}): lower azCount or choose types "
            "offered in more zones (`deploy.py preflight` lists them)"
        )
    return qualifying[:az_count]


def pinned_zones(
    *, region: str, names: Sequence[str], zone_ids: Sequence[str], pinned: Sequence[str]
) -> list[Zone]:
    """The zones `pinned` names (zoneIds, written after the first deploy), in that order: the
    subnets stay where they are whatever AWS offers today. Raises ZoneSelectionError when a
    pinned ID is not an available zone of the region (a typo, or another region's ID)."""
    by_id = {i: Zone(n, i) for n, i in zip(names, zone_ids, strict=True)}
    missing = [i for i in pinned if i not in by_id]
    if missing:
        raise ZoneSelectionError(
            f"zoneIds pins {', '.join(missing)}, not an available zone of {region} "
            f"({', '.join(sorted(by_id)) or 'none'}): fix zoneIds in this stack's file; changing "
            "a pinned zone replaces the subnets there and everything in them"
        )
    return [by_id[i] for i in pinned]


def no_longer_offered(
    zones: Sequence[Zone], instance_zone_ids: Iterable[str], db_zone_names: Iterable[str]
) -> list[Zone]:
    """Pinned zones where the instance type or the DB class is no longer offered: kept (moving
    them is an explicit decision), reported."""
    for_instances, for_db = set(instance_zone_ids), set(db_zone_names)
    return [z for z in zones if z.zone_id not in for_instances or z.name not in for_db]
