"""Both stacks build the same regional component tree with the same network and key settings,
modulo region, role and CIDR."""

from __future__ import annotations

import json

from ops.mock_engine import StackRun
from ops.plan import DIFFERS, SAME, component_paths, symmetry
from tests.stack_normaliser import normaliser


def home_paths(run: StackRun) -> dict:
    return {p: v for p, v in component_paths(run).items() if p == "home" or p.startswith("home/")}


def test_both_stacks_build_the_same_regional_component_tree(primary, dr):
    left, right = home_paths(primary), home_paths(dr)
    assert {"home", "home/home-keys", "home/home-network"} <= set(left)
    assert left == right


def test_the_plan_marks_no_regional_component_as_different(primary, dr):
    rows = [row for row in symmetry(primary, dr) if row.path.startswith("home")]
    assert rows and all(row.status == SAME for row in rows), [r for r in rows if r.status != SAME]


def test_symmetry_report_flags_a_difference():
    # The report itself must be able to go red: a 2-AZ dr against a 3-AZ primary differs.
    # (run_both would refuse the pair: azCount must match; run the stacks one by one.)
    from ops.mock_engine import run_stack
    from ops.stack_config import stack_settings

    primary = run_stack("primary")
    dr = run_stack(
        "dr",
        overrides={"trading-dr:azCount": 2},
        peer_exports={stack_settings("dr").primary_stack: primary.exports},
    )
    statuses = {row.path: row.status for row in symmetry(primary, dr)}
    assert statuses["home/home-network"] == DIFFERS


def _normalised_inputs(run: StackRun, component: str) -> dict[tuple[str, str], object]:
    """Inputs of the resources under a component, with what legitimately differs between
    the regions (region, role, CIDRs, computed ids and ARNs) replaced."""
    normalise = normaliser(run)
    return {
        (r.type, r.name): normalise(r)
        for r in run.resources
        if any(a.name == component for a in run.ancestors(r))
    }


def _without_primary_only_grants(inputs: dict) -> dict:
    """The key policy less the statements only the primary's key carries (the account's trail
    lives in the primary stack: components/regional_stack.py PRIMARY_ONLY_KEY_SERVICES)."""
    if "policy" not in inputs:
        return inputs
    from components.regional_stack import PRIMARY_ONLY_KEY_SERVICES
    from components.security.key_policy import SERVICE_STATEMENTS

    # The Sids the catalogue gives those services (their Sids name no region or account).
    primary_only = {
        s["Sid"] for service in PRIMARY_ONLY_KEY_SERVICES for s in SERVICE_STATEMENTS[service]("r", "a", "p")
    }
    policy = json.loads(inputs["policy"])
    policy["Statement"] = [s for s in policy["Statement"] if s.get("Sid") not in primary_only]
    return {**inputs, "policy": policy}


def test_network_and_key_settings_are_the_same_modulo_region_and_cidr(primary, dr):
    for component in ("home-network", "home-keys"):
        left = {k: _without_primary_only_grants(v) for k, v in _normalised_inputs(primary, component).items()}
        right = {k: _without_primary_only_grants(v) for k, v in _normalised_inputs(dr, component).items()}
        assert left, component
        assert left.keys() == right.keys(), component
        differing = {key for key in left if left[key] != right[key]}
        assert differing == set(), f"{component}: {sorted(differing)}"
