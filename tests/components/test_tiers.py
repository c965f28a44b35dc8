"""The DR tiers are written once (components/tiers.py, docs/ARCHITECTURE.md#tiers): the
profiles hold what each tier means, and no other module of the program, the runtime or the
operator tooling compares a tier's name to decide anything."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from components.settings import TIERS as SETTINGS_TIERS
from components.tiers import AS_PRIMARY, MINIMUM, NONE, TIERS, TierProfile, tier_profile
from ops.stack_config import stack_settings

ROOT = Path(__file__).resolve().parents[2]

# Written out here, not imported: a change to a profile that breaks the spec turns this red.
# (nat per AZ, primary instances, dr instances, dr capacity, headless, serves at once, full size)
EXPECTED = {
    "hot-standby": (True, 2, 2, AS_PRIMARY, False, True, True),
    "warm-standby": (True, 2, 1, MINIMUM, False, True, False),
    "pilot-light": (False, 2, 0, NONE, True, False, False),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_profile_says_what_its_tier_means(name):
    p = tier_profile(name)
    assert p.name == name
    assert (
        p.nat_gateway_per_az,
        p.primary_instances,
        p.dr_instances,
        p.dr_capacity,
        p.headless_dr,
        p.dr_serves_at_once,
        p.dr_full_size_at_once,
    ) == EXPECTED[name]
    assert p.nat_gateways(3) == (3 if EXPECTED[name][0] else 1)
    assert (p.instances(is_primary=True), p.instances(is_primary=False)) == EXPECTED[name][1:3]


def test_the_tiers_are_the_profiles_and_settings_reads_the_same_list():
    assert TIERS == tuple(EXPECTED) and SETTINGS_TIERS is TIERS


def test_settings_carry_the_profile_of_their_tier():
    settings = stack_settings("dr")
    assert settings.tier_profile is tier_profile(settings.tier)


def test_a_profile_refuses_an_unknown_capacity_or_no_primary_instance():
    with pytest.raises(ValueError, match="dr_capacity 'half'"):
        TierProfile("x", nat_gateway_per_az=True, primary_instances=2, dr_instances=1, dr_capacity="half")
    with pytest.raises(ValueError, match="the primary needs an instance"):
        TierProfile("x", nat_gateway_per_az=True, primary_instances=0, dr_instances=0, dr_capacity=NONE)


def tier_name_comparisons(root: Path = ROOT) -> list[str]:
    """Every string constant equal to a tier's name outside components/tiers.py: a place that
    would decide something by the name (prose that mentions a tier is not a constant equal to it)."""
    found = []
    for package in ("components", "failover", "ops"):
        for path in sorted((root / package).rglob("*.py")):
            if path == root / "components" / "tiers.py":
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Constant) and node.value in TIERS:
                    found.append(f"{path.relative_to(root).as_posix()}:{node.lineno}: {node.value!r}")
    return found


def test_no_module_but_the_profiles_interprets_a_tier_name():
    assert tier_name_comparisons() == []


def test_a_tier_name_compared_elsewhere_is_named(tmp_path):
    (tmp_path / "components").mkdir()
    (tmp_path / "components" / "nat.py").write_text(
        '"""pilot-light has one NAT."""\nx = t == "pilot-light"\n'
    )
    assert tier_name_comparisons(tmp_path) == ["components/nat.py:2: 'pilot-light'"]
