"""Infrastructure code never undoes a failover (docs/IAC_AND_FAILOVER.md).

Both stacks are built on the mock engine with their read-back seeded with the world after an
unplanned failover to the dr region: the global writer in the dr region, the routing controls
dr On / primary Off, the dr Auto Scaling group scaled to full size by the orchestrator's own
code (failover/capacity.py), the old primary's cluster a secondary replicating from the dr
cluster; and, in a second scenario, after the operator's detach (the dr cluster standalone).
`up` of either stack must plan no change that reverts any of it (ops/live_state.py computes
the plan's diff the way the engine and the bridged provider do).

Mutation checks (each turns this module red; docs/IAC_AND_FAILOVER.md lists them):
- "minSize" or "desiredCapacity" out of components/traffic/compute.py FAILOVER_SIZES;
- "replicationSourceIdentifier" or "globalClusterIdentifier" out of
  components/data/aurora.py DRIFTING_FIELDS;
- a program instance named like the failover's writer instance;
- a routing-control state, or a writer of the global cluster, named by the program.
"""

from __future__ import annotations

import pytest

from components.data.aurora_plan import GLOBAL_CLUSTER_ID
from components.settings import TIERS
from failover import capacity as failover_capacity
from failover.actions import writer_instance_id
from ops.live_state import input_properties, planned_changes
from ops.mock_engine import run_stack
from ops.stack_config import load_pair

ASG = "aws:autoscaling/group:Group"
POLICY = "aws:autoscaling/policy:Policy"
CLUSTER = "aws:rds/cluster:Cluster"
INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
GLOBAL = "aws:rds/globalCluster:GlobalCluster"
CONTROL = "aws:route53recoverycontrol/routingControl:RoutingControl"
FUNCTION = "aws:lambda/function:Function"


class _Group:
    """An Auto Scaling group as UpdateAutoScalingGroup leaves it: the orchestrator's own
    scale_to runs against it, so the seeded sizes are what a promotion writes."""

    def __init__(self, inputs: dict):
        self.sizes = {
            "MinSize": int(inputs["minSize"]),
            "DesiredCapacity": int(inputs["desiredCapacity"]),
            "MaxSize": int(inputs["maxSize"]),
        }

    def describe_auto_scaling_groups(self, AutoScalingGroupNames):  # noqa: N803 boto3's names
        return {"AutoScalingGroups": [{**self.sizes, "Instances": []}]}

    def update_auto_scaling_group(self, AutoScalingGroupName, **sizes):  # noqa: N803
        self.sizes.update(sizes)


def _full_capacity(run) -> int:
    """What the dr orchestrator scales its group to: its own configuration."""
    (function,) = [f for f in run.of_type(FUNCTION) if "FAILOVER_ASG_FULL_CAPACITY" in str(f.inputs)]
    return int(function.inputs["environment"]["variables"]["FAILOVER_ASG_FULL_CAPACITY"])


def _world(primary_region: str, dr_region: str, arns: dict[str, str], full: int, detached: bool):
    """The read-back after an unplanned failover to dr_region (and, if `detached`, the
    operator's detach of the dr cluster from the global cluster)."""

    def live(type_: str, name: str, inputs: dict, region: str | None) -> dict:
        if type_ == ASG and region == dr_region:
            group = _Group(inputs)
            failover_capacity.scale_to(group, "dr-group", full)
            return {
                "minSize": group.sizes["MinSize"],
                "desiredCapacity": group.sizes["DesiredCapacity"],
                "maxSize": group.sizes["MaxSize"],
            }
        if type_ == CLUSTER and region == primary_region:
            # The old writer, back as a secondary of the new one.
            return {
                "replicationSourceIdentifier": arns[dr_region],
                "globalClusterIdentifier": GLOBAL_CLUSTER_ID,
            }
        if type_ == CLUSTER and region == dr_region:
            # The writer now: no replication source; standalone after a detach.
            return {
                "replicationSourceIdentifier": "",
                "globalClusterIdentifier": "" if detached else GLOBAL_CLUSTER_ID,
            }
        if type_ == GLOBAL:
            members = [{"dbClusterArn": arns[dr_region], "isWriter": True}]
            if not detached:
                members.append({"dbClusterArn": arns[primary_region], "isWriter": False})
            return {"globalClusterMembers": members}
        if type_ == CONTROL:
            return {"routingControlState": "On" if inputs.get("name", "").endswith(dr_region) else "Off"}
        return {}

    return live


def _post_failover_runs(tier: str, detached: bool):
    overrides = {"trading-dr:tier": tier}
    pair = load_pair({"primary": overrides, "dr": overrides})
    primary_region, dr_region = pair.primary.home_region, pair.dr.home_region
    # The stacks as deployed (memoised builds): ARNs and the orchestrator's full size.
    primary = run_stack("primary", overrides=overrides)
    dr = run_stack(
        "dr",
        overrides=overrides,
        peer_exports={pair.dr.primary_stack: primary.exports},
        peer_secrets={pair.dr.primary_stack: primary.secret_exports},
    )
    arns = {run.settings.home_region: run.one(CLUSTER).outputs["arn"] for run in (primary, dr)}
    world = _world(primary_region, dr_region, arns, _full_capacity(dr), detached)
    primary_after = run_stack("primary", overrides=overrides, live_state=world)
    dr_after = run_stack(
        "dr",
        overrides=overrides,
        peer_exports={pair.dr.primary_stack: primary_after.exports},
        peer_secrets={pair.dr.primary_stack: primary_after.secret_exports},
        live_state=world,
    )
    return primary_after, dr_after


SCENARIOS = [(tier, False) for tier in TIERS] + [("hot-standby", True)]


@pytest.fixture(
    scope="module", params=SCENARIOS, ids=[f"{t}{'-detached' if d else ''}" for t, d in SCENARIOS]
)
def after_failover(request):
    tier, detached = request.param
    return tier, detached, _post_failover_runs(tier, detached)


def test_up_of_either_stack_plans_no_change_that_reverts_the_failover(after_failover):
    _, _, runs = after_failover
    changes = [change.line() for run in runs for change in planned_changes(run)]
    assert not changes, "a post-failover up would revert:\n" + "\n".join(changes)


def test_the_seeded_world_is_the_failover_s(after_failover):
    """The seeding hit what it means to hit, and moved something the program set otherwise
    (else the check above proves nothing)."""
    tier, detached, (primary, dr) = after_failover
    group = dr.one(ASG)
    assert group.live["minSize"] > int(group.inputs["minSize"]), (tier, group.live, group.inputs)
    assert group.live["desiredCapacity"] >= int(group.inputs["desiredCapacity"])
    old = primary.one(CLUSTER)
    assert old.live["replicationSourceIdentifier"] == dr.one(CLUSTER).outputs["arn"]
    assert "replicationSourceIdentifier" not in old.inputs
    new = dr.one(CLUSTER)
    assert (new.live["globalClusterIdentifier"] == "") is detached
    assert new.inputs["globalClusterIdentifier"] == GLOBAL_CLUSTER_ID
    writers = [m for m in primary.one(GLOBAL).live["globalClusterMembers"] if m["isWriter"]]
    assert [m["dbClusterArn"] for m in writers] == [new.outputs["arn"]]
    states = {c.inputs["name"]: c.live["routingControlState"] for c in primary.of_type(CONTROL)}
    assert sorted(states.values()) == ["Off", "On"]


def test_target_tracking_is_bounded_by_the_groups_kept_minimum(after_failover):
    """The policy is managed (the failover does not touch it); what keeps it from scaling in
    the serving region is the live MinSize, which `up` no longer lowers."""
    _, _, (_, dr) = after_failover
    group, policy = dr.one(ASG), dr.one(POLICY)
    assert policy.inputs["policyType"] == "TargetTrackingScaling"
    assert policy.inputs["autoscalingGroupName"] == group.outputs["name"]
    assert "minSize" in group.options.ignore_changes


@pytest.mark.parametrize("tier", TIERS)
def test_no_program_instance_collides_with_the_failover_writer(tier):
    """A pilot-light promotion adds `<cluster>-failover-writer` (failover/actions.py) outside
    Pulumi's state: `up` does not know it and deletes nothing; a program instance of the same
    identifier would fail its CreateDBInstance (DBInstanceAlreadyExists) after a failover."""
    overrides = {"trading-dr:tier": tier}
    for stack in ("primary", "dr"):
        pair = load_pair({"primary": overrides, "dr": overrides})
        peer = run_stack("primary", overrides=overrides)
        run = (
            peer
            if stack == "primary"
            else run_stack(
                "dr",
                overrides=overrides,
                peer_exports={pair.dr.primary_stack: peer.exports},
                peer_secrets={pair.dr.primary_stack: peer.secret_exports},
            )
        )
        reserved = writer_instance_id(run.one(CLUSTER).inputs["clusterIdentifier"])
        assert reserved not in {i.inputs["identifier"] for i in run.of_type(INSTANCE)}, (tier, stack)


def test_the_program_names_no_writer_and_no_routing_control_state(stacks):
    """The authority decides the writer and the active region; the program follows it: the
    global cluster names no source cluster (source_db_cluster_identifier would also force a
    new global cluster), and no resource sets a routing control's state (the controls'
    inputs are only name, cluster and panel; state lives in the ARC data plane)."""
    for run in stacks:
        for global_cluster in run.of_type(GLOBAL):
            assert "sourceDbClusterIdentifier" not in global_cluster.inputs
        for control in run.of_type(CONTROL):
            assert set(control.inputs) <= {"name", "clusterArn", "controlPanelArn", "region"}
        assert input_properties(CONTROL) <= {"name", "cluster_arn", "control_panel_arn", "region"}
        for resource in run.resources:
            assert not any("routingcontrolstate" in key.lower() for key in _keys(resource.inputs)), (
                resource.name
            )


def _keys(value) -> set[str]:
    """Every property name in an input tree (not the values: a policy may name the action)."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()
