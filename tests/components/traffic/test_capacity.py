"""capacity(): the application group's size per tier and role, table-driven."""

from dataclasses import replace

import pytest

from components.tiers import TIERS, tier_profile
from components.traffic.capacity import Capacity, capacity
from ops.stack_config import stack_settings

TRAFFIC = stack_settings("primary").traffic  # appMinSize 2, appMaxSize 6, appDesiredSize 3
FULL = Capacity(TRAFFIC.app_min_size, TRAFFIC.app_max_size, TRAFFIC.app_desired_size)


@pytest.mark.parametrize(
    ("tier", "role", "expected"),
    [
        ("hot-standby", "primary", FULL),
        ("warm-standby", "primary", FULL),
        ("pilot-light", "primary", FULL),
        ("hot-standby", "dr", FULL),
        ("warm-standby", "dr", Capacity(TRAFFIC.app_min_size, TRAFFIC.app_max_size, TRAFFIC.app_min_size)),
        ("pilot-light", "dr", Capacity(0, TRAFFIC.app_max_size, 0)),
    ],
)
def test_capacity_by_tier_and_role(tier, role, expected):
    assert capacity(tier_profile(tier), role, TRAFFIC) == expected


def test_warm_standby_keeps_at_least_one_instance():
    # With appMinSize 0 "the minimum" would be nothing running: that is pilot-light.
    traffic = replace(TRAFFIC, app_min_size=0, app_desired_size=0)
    assert capacity(tier_profile("warm-standby"), "dr", traffic) == Capacity(1, traffic.app_max_size, 1)


def test_the_standby_can_always_scale_out_to_the_full_maximum():
    for tier in TIERS:
        assert capacity(tier_profile(tier), "dr", TRAFFIC).max_size == TRAFFIC.app_max_size


def test_an_unknown_role_is_refused():
    with pytest.raises(ValueError, match="secondary"):
        capacity(tier_profile("hot-standby"), "secondary", TRAFFIC)
