"""Symmetry with the traffic path in place: both stacks build the same "home" tree with the
same inputs, up to the stack's own region, CIDRs, role names and ids. The only other
differences are the role's (failover record type, Transit Gateway ASN) and the application
group's capacity where the tier says so (components/traffic/capacity.py)."""

from __future__ import annotations

import pytest

from components.tiers import TIERS, tier_profile
from components.traffic.capacity import capacity
from ops.mock_engine import CapturedResource, StackRun, run_both
from ops.plan import SAME, symmetry
from tests.stack_normaliser import MOCK_ID as _MOCK_ID
from tests.stack_normaliser import normaliser as _normaliser

ASG = "aws:autoscaling/group:Group"
CAPACITY_FIELDS = {"minSize": "min_size", "maxSize": "max_size", "desiredCapacity": "desired"}
# Inputs that differ by role by design: (type, input key).
ROLE_INPUTS = {
    ("aws:ec2transitgateway/transitGateway:TransitGateway", "amazonSideAsn"),
    ("aws:route53/record:Record", "failoverRoutingPolicies"),
    ("aws:cloudwatch/metricAlarm:MetricAlarm", "alarmDescription"),
    # The secondary cluster joins the global database and carries no credentials (data tier).
    ("aws:rds/cluster:Cluster", "masterUsername"),
    ("aws:rds/cluster:Cluster", "masterPassword"),
    ("aws:rds/cluster:Cluster", "databaseName"),
    # The account's trail is the primary's: only its key trusts CloudTrail.
    ("aws:kms/key:Key", "policy"),
    # (The table ARNs, from the primary's tables in one stack and the dr stack's replicas in
    # the other, are one table to tests/stack_normaliser.py: the backup selection and the app
    # role's policy must be symmetric.)
}
# The stack's role itself, published in its region for the operator's failover toolkit
# (components/failover/discovery.py, `stackRole`): the one parameter whose value is the role.
ROLE_PARAMETERS = {("aws:ssm/parameter:Parameter", "home-discovery-stack-role", "value")}
AURORA_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"


def _home_tree(run: StackRun) -> dict[tuple[str, str], CapturedResource]:
    tree = {
        (r.type, r.name): r
        for r in run.resources
        if r.custom and any(a.name == "home" and a.type.endswith("RegionalStack") for a in run.ancestors(r))
    }
    assert tree, f"{run.stack}: nothing under home"
    return tree


def differences(primary: StackRun, dr: StackRun) -> set[tuple[str, str, str]]:
    """(type, name, input key) of every input that differs between the two home trees after
    normalisation; resources present in one tree only are reported with key "<missing>"."""
    left, right = _home_tree(primary), _home_tree(dr)
    norm_left, norm_right = _normaliser(primary), _normaliser(dr)
    found = {(t, n, "<missing>") for t, n in set(left) ^ set(right)}
    for key in set(left) & set(right):
        a, b = norm_left(left[key]), norm_right(right[key])
        for field in set(a) | set(b):
            if a.get(field) != b.get(field):
                found.add((*key, field))
    return found


@pytest.mark.parametrize("tier", TIERS)
def test_the_stacks_differ_only_by_role_and_by_the_tiers_capacity(tier):
    overrides = {"trading-dr:tier": tier}
    primary, dr = run_both({"primary": overrides, "dr": overrides})
    primary_size = capacity(tier_profile(tier), "primary", primary.settings.traffic)
    dr_size = capacity(tier_profile(tier), "dr", dr.settings.traffic)
    asg = dr.one(ASG)
    found = differences(primary, dr)
    # Every role-dependent input does differ (the pair is PRIMARY/SECONDARY, the ASNs differ) ...
    role_found = {d for d in found if (d[0], d[2]) in ROLE_INPUTS}
    assert {(t, f) for t, _, f in role_found} == ROLE_INPUTS
    capacity_found = {d[2] for d in found if d[0] == ASG}
    capacity_expected = {
        key for key, attr in CAPACITY_FIELDS.items() if getattr(primary_size, attr) != getattr(dr_size, attr)
    }
    assert capacity_found == capacity_expected
    # Aurora instances the tier does not run in dr are missing there, and only those.
    instances_missing = {d for d in found if d[0] == AURORA_INSTANCE}
    profile = tier_profile(tier)
    assert len(instances_missing) == profile.instances(is_primary=True) - profile.instances(is_primary=False)
    assert all(d[2] == "<missing>" for d in instances_missing)
    assert ROLE_PARAMETERS <= found
    # ... and nothing else differs.
    capacity_diffs = {(ASG, asg.name, key) for key in capacity_found}
    assert found - role_found - ROLE_PARAMETERS - instances_missing - capacity_diffs == set()
    # And the dr group has exactly the tier's capacity.
    assert (asg.inputs["minSize"], asg.inputs["maxSize"], asg.inputs["desiredCapacity"]) == (
        dr_size.min_size,
        dr_size.max_size,
        dr_size.desired,
    )


def test_the_tiers_change_the_dr_capacity_and_nothing_else_in_the_dr_stack():
    runs = {
        tier: run_both({"primary": {"trading-dr:tier": tier}, "dr": {"trading-dr:tier": tier}})[1]
        for tier in ("hot-standby", "pilot-light")
    }
    hot, pilot = runs["hot-standby"], runs["pilot-light"]
    hot_tree, pilot_tree = _home_tree(hot), _home_tree(pilot)
    # Pilot-light also runs one NAT gateway instead of one per AZ (the tier profile, components/tiers.py)
    # and a headless dr Aurora cluster (data tier).
    nat_types = {"aws:ec2/natGateway:NatGateway", "aws:ec2/eip:Eip", "aws:ec2/route:Route", AURORA_INSTANCE}
    assert {k for k in set(hot_tree) ^ set(pilot_tree) if k[0] not in nat_types} == set()
    changed = {
        (t, n, f)
        for (t, n) in set(hot_tree) & set(pilot_tree)
        if t not in nat_types
        for f in set(hot_tree[t, n].inputs) | set(pilot_tree[t, n].inputs)
        if _MOCK_ID.sub("", str(hot_tree[t, n].inputs.get(f)))
        != _MOCK_ID.sub("", str(pilot_tree[t, n].inputs.get(f)))
    }
    assert {f for (t, _, f) in changed if t == ASG} == {"minSize", "desiredCapacity"}
    # ... and the orchestrator is told whether it serves at rest: a standby that does must
    # look healthy to its own witness when it decides, a pilot light only when fenced onto.
    function = "aws:lambda/function:Function"
    assert {t for (t, _, _) in changed} == {ASG, function}
    assert {f for (t, _, f) in changed if t == function} == {"environment"}
    (name,) = {n for (t, n, _) in changed if t == function}
    hot_env = hot_tree[function, name].inputs["environment"]["variables"]
    pilot_env = pilot_tree[function, name].inputs["environment"]["variables"]
    assert {k for k in set(hot_env) | set(pilot_env) if hot_env.get(k) != pilot_env.get(k)} == {
        "FAILOVER_SERVES_AT_REST"
    }


def test_the_component_trees_match_and_role_pieces_sit_outside_home(stacks):
    primary, dr = stacks
    rows = symmetry(primary, dr)
    home_rows = [r for r in rows if r.path == "home" or r.path.startswith("home/")]
    assert home_rows and all(r.status == SAME for r in home_rows), [r for r in home_rows if r.status != SAME]
    outside = {r.path: r.status for r in rows if r not in home_rows}
    assert outside["tgw-peering"] == "dr only"
    assert [r.name for r in primary.resources if r.type == "aws:route53/zone:Zone"] == ["zone"]
