"""Application capacity per region: a pure function of the DR tier's profile and the
stack's role.

The primary always runs at full size (appMinSize / appMaxSize / appDesiredSize). The dr
region runs as its tier's `dr_capacity` says (components/tiers.py):

- as-primary (hot-standby): the same as the primary, so a failover needs no scale-out;
- minimum (warm-standby): min = desired = appMinSize (at least one instance, otherwise it
  would serve nothing), max kept at appMaxSize so the group can scale out after a failover;
- none (pilot-light): min = desired = 0, max kept so the group can be scaled up on failover.

The maximum is never reduced: a standby that cannot grow is not a standby.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.settings import ROLES, TrafficSettings
from components.tiers import AS_PRIMARY, MINIMUM, TierProfile


@dataclass(frozen=True)
class Capacity:
    min_size: int
    max_size: int
    desired: int


def capacity(tier: TierProfile, role: str, traffic: TrafficSettings) -> Capacity:
    """(min, max, desired) of the application Auto Scaling group of a stack."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    full = Capacity(traffic.app_min_size, traffic.app_max_size, traffic.app_desired_size)
    if role == "primary" or tier.dr_capacity == AS_PRIMARY:
        return full
    if tier.dr_capacity == MINIMUM:
        minimum = max(1, traffic.app_min_size)
        return Capacity(minimum, traffic.app_max_size, minimum)
    return Capacity(0, traffic.app_max_size, 0)
