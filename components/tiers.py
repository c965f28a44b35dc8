"""The DR tiers, each written once as a TierProfile (docs/ARCHITECTURE.md#tiers).

`tier` in the stack files names one; `Settings.tier_profile` carries it, and everything that
depends on the tier (the NAT gateways, the Aurora instances, the application capacity, the
recovery budget) reads the profile's fields instead of comparing the name. A tier is added
or changed here and nowhere else. Pure: no Pulumi, no settings, tested as plain data.
"""

from __future__ import annotations

from dataclasses import dataclass

# How the dr region's application group is sized, relative to the primary's.
AS_PRIMARY = "as-primary"
"""min/desired/max as the primary: a failover needs no scale-out at all."""
MINIMUM = "minimum"
"""min = desired = appMinSize (at least one instance), max kept at appMaxSize."""
NONE = "none"
"""min = desired = 0, max kept: the group is scaled up on failover."""
DR_CAPACITIES = (AS_PRIMARY, MINIMUM, NONE)


@dataclass(frozen=True)
class TierProfile:
    name: str
    nat_gateway_per_az: bool
    """One NAT gateway per AZ (an AZ's loss keeps egress), or one for the VPC (cost)."""
    primary_instances: int
    """Aurora instances of the primary's cluster: a writer and a reader in another AZ."""
    dr_instances: int
    """Aurora instances of the dr cluster; 0 leaves it headless: storage replicates, no
    instance runs until a failover adds one (AWS: a headless secondary needs an instance
    before it can be promoted)."""
    dr_capacity: str
    """One of DR_CAPACITIES: the dr application group's size relative to the primary's."""

    def __post_init__(self) -> None:
        if self.dr_capacity not in DR_CAPACITIES:
            raise ValueError(
                f"tier {self.name}: dr_capacity {self.dr_capacity!r} is not one of {DR_CAPACITIES}"
            )
        if min(self.primary_instances, self.dr_instances) < 0 or self.primary_instances < 1:
            raise ValueError(f"tier {self.name}: the primary needs an instance and counts are not negative")

    # --- what the recovery budget needs (ops/timing_model.py) -------------------------------
    @property
    def headless_dr(self) -> bool:
        """The dr cluster has no instance: the failover adds the writer before the fence."""
        return self.dr_instances == 0

    @property
    def dr_serves_at_once(self) -> bool:
        """The dr group has instances behind the load balancer before any failover."""
        return self.dr_capacity != NONE

    @property
    def dr_full_size_at_once(self) -> bool:
        """The dr group already runs at the primary's size: no scale-out on failover."""
        return self.dr_capacity == AS_PRIMARY

    # --- what the program builds --------------------------------------------------------------
    def nat_gateways(self, az_count: int) -> int:
        return az_count if self.nat_gateway_per_az else 1

    def instances(self, is_primary: bool) -> int:
        return self.primary_instances if is_primary else self.dr_instances


PROFILES = {
    profile.name: profile
    for profile in (
        TierProfile(
            "hot-standby",
            nat_gateway_per_az=True,
            primary_instances=2,
            dr_instances=2,
            dr_capacity=AS_PRIMARY,
        ),
        TierProfile(
            "warm-standby", nat_gateway_per_az=True, primary_instances=2, dr_instances=1, dr_capacity=MINIMUM
        ),
        # Pilot-light runs no compute worth a NAT gateway per AZ, and no database instance.
        TierProfile(
            "pilot-light", nat_gateway_per_az=False, primary_instances=2, dr_instances=0, dr_capacity=NONE
        ),
    )
}
TIERS = tuple(PROFILES)
"""The tier names, fastest recovery first."""


def tier_profile(name: str) -> TierProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown tier {name!r}; expected one of {', '.join(TIERS)}") from None
