"""What the drill's world takes from the offline plan of both stacks, and the environment
each region's orchestrator runs with: the environment the stack gives its Lambda, with the
plan's values translated to what the drill created (topics, ARC endpoints and routing
controls, witness names), and the cadence the timing model charges.

Where the plan lacks a variable the runtime reads (a stack not yet wired to the ARC cluster
or the witness), the drill supplies the emulation's value and says so in its notes: the
drill then still tests the runtime, and the note shows what the plan must still wire.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from failover.settings_table import BY_NAME, setting
from failover.settings_table import env as variable
from ops.emulation.dr_world import DrWorld, RecordGate, RegionSpec, WorldSpec
from ops.emulation.routing_controls import control_arn

if TYPE_CHECKING:
    from ops.mock_engine import CapturedResource, StackRun

GLOBAL_CLUSTER = "aws:rds/globalCluster:GlobalCluster"
CLUSTER = "aws:rds/cluster:Cluster"
PARAMETER_GROUP = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
TABLE = "aws:dynamodb/table:Table"
TOPIC = "aws:sns/topic:Topic"
GROUP = "aws:autoscaling/group:Group"
RECORD = "aws:route53/record:Record"
HEALTH_CHECK = "aws:route53/healthCheck:HealthCheck"
FUNCTION = "aws:lambda/function:Function"
ORCHESTRATOR = "tradingdr:failover:FailoverOrchestrator"

WITNESS_HEALTHY = str(setting("witness_healthy_address").default)
WITNESS_UNHEALTHY = str(setting("witness_unhealthy_address").default)
"""The runtime's defaults of FAILOVER_WITNESS_*_ADDRESS (failover/settings_table.py)."""


class DrillSetupError(RuntimeError):
    """The plan lacks something the drill needs, or wires it to nothing."""


@dataclass
class RegionPlan:
    spec: RegionSpec
    environment: dict[str, str]
    topic_arn: str


@dataclass
class PlanFacts:
    world: WorldSpec
    regions: dict[str, RegionPlan]
    full_capacity: int
    writer_instance_class: str
    notes: list[str] = field(default_factory=list)


def _under(run: StackRun, resource: CapturedResource, component_type: str) -> bool:
    return any(a.type == component_type for a in run.ancestors(resource))


def _home(run: StackRun, type_token: str, component: str | None = None) -> list[CapturedResource]:
    return [
        r
        for r in run.of_type(type_token)
        if r.region == run.settings.home_region and (component is None or _under(run, r, component))
    ]


def _one(run: StackRun, type_token: str, component: str | None = None) -> CapturedResource:
    found = _home(run, type_token, component)
    if len(found) != 1:
        where = f" under {component}" if component else ""
        raise DrillSetupError(f"stack {run.stack}: expected one {type_token}{where}, found {len(found)}")
    return found[0]


def _region_plan(run: StackRun) -> RegionPlan:
    cluster = _one(run, CLUSTER).inputs
    group = _one(run, GROUP)
    table = _one(run, TABLE, ORCHESTRATOR).inputs
    function = _one(run, FUNCTION, ORCHESTRATOR)
    environment = {k: str(v) for k, v in function.inputs["environment"]["variables"].items()}
    topic_arn = environment.get(variable("alert_topic_arn"), "")
    topics = [t for t in run.of_type(TOPIC) if t.outputs.get("arn") == topic_arn]
    if len(topics) != 1:
        raise DrillSetupError(
            f"stack {run.stack}: the orchestrator's FAILOVER_ALERT_TOPIC_ARN {topic_arn} "
            "names no topic in the plan"
        )
    spec = RegionSpec(
        region=run.settings.home_region,
        cluster_id=cluster["clusterIdentifier"],
        instance_ids=[i.inputs["identifier"] for i in _home(run, INSTANCE)],
        asg_name=group.outputs.get("name") or group.name,
        asg_min=int(group.inputs["minSize"]),
        asg_max=int(group.inputs["maxSize"]),
        asg_desired=int(group.inputs["desiredCapacity"]),
        table={k: table.get(k) for k in ("name", "hashKey", "rangeKey", "attributes")},
        topic_name=topics[0].outputs["name"],
    )
    return RegionPlan(spec, environment, topic_arn)


def global_db_rpo(run: StackRun) -> float | None:
    """rds.global_db_rpo as the primary's cluster parameter group in the plan sets it (None:
    the engine's default, no RPO blocking)."""
    for group in _home(run, PARAMETER_GROUP):
        for parameter in group.inputs.get("parameters") or []:
            if parameter.get("name") == "rds.global_db_rpo":
                return float(parameter["value"])
    return None


def record_gate(run: StackRun, fqdn: str) -> RecordGate:
    """How the stack's failover record for `fqdn` is gated (see RecordGate)."""
    records = [
        r
        for r in run.of_type(RECORD)
        if str(r.inputs.get("name", "")).rstrip(".") == fqdn and r.inputs.get("failoverRoutingPolicies")
    ]
    if len(records) != 1:
        raise DrillSetupError(
            f"stack {run.stack}: expected one failover record for {fqdn}, found {len(records)}"
        )
    inputs = records[0].inputs
    check_type = None
    if inputs.get("healthCheckId"):
        checks = [c for c in run.of_type(HEALTH_CHECK) if c.outputs.get("id") == inputs["healthCheckId"]]
        if len(checks) != 1:
            raise DrillSetupError(f"stack {run.stack}: the failover record's health check is not in the plan")
        check_type = checks[0].inputs.get("type")
    aliases = inputs.get("aliases") or []
    return RecordGate(
        control=check_type == "RECOVERY_CONTROL",
        endpoint=check_type in ("HTTP", "HTTPS", "HTTP_STR_MATCH", "HTTPS_STR_MATCH", "TCP"),
        targets=any(a.get("evaluateTargetHealth") for a in aliases),
    )


def plan_facts(primary: StackRun, dr: StackRun) -> PlanFacts:
    regions = {run.settings.home_region: _region_plan(run) for run in (primary, dr)}
    global_cluster = primary.one(GLOBAL_CLUSTER).inputs
    world = WorldSpec(
        primary=regions[primary.settings.home_region].spec,
        dr=regions[dr.settings.home_region].spec,
        global_id=global_cluster["globalClusterIdentifier"],
        engine=global_cluster["engine"],
        engine_version=str(global_cluster.get("engineVersion") or primary.settings.database.engine_version),
        app_fqdn=primary.settings.traffic.app_fqdn,
        record_gates={
            run.settings.home_region: record_gate(run, primary.settings.traffic.app_fqdn)
            for run in (primary, dr)
        },
        global_db_rpo_seconds=global_db_rpo(primary),
    )
    return PlanFacts(
        world=world,
        regions=regions,
        full_capacity=primary.settings.traffic.app_desired_size,
        writer_instance_class=primary.settings.database.instance_class,
    )


def orchestrator_environment(facts: PlanFacts, world: DrWorld, home: str, notes: list[str]) -> dict[str, str]:
    """The environment `home`'s orchestrator runs with in the drill (see the module doc)."""
    plan = facts.regions[home]
    peer = next(r for r in facts.regions if r != home)
    zone = facts.world.app_fqdn.split(".", 1)[1]
    env = dict(plan.environment)
    env[variable("alert_topic_arn")] = world.topics[home]
    timing = world.timing
    wanted = {
        # the drill's emulated ARC cluster and routing controls (the plan's are mock values)
        variable("arc_cluster_endpoints"): json.dumps(world.arc.endpoints),
        variable("home_routing_control_arn"): control_arn(home),
        variable("peer_routing_control_arn"): control_arn(peer),
        # the cadence the timing model charges (from the stack's Settings)
        variable("required_evaluations"): str(timing.consecutive_evaluations),
        variable("evaluation_interval_seconds"): str(int(timing.evaluation_interval_seconds)),
        variable("probe_timeout_seconds"): str(int(timing.probe_timeout_seconds)),
    }
    supplied_if_missing = {
        variable("witness_fqdn"): f"witness-{peer}.{zone}",
        variable("asg_name"): plan.spec.asg_name,
        variable("asg_full_capacity"): str(facts.full_capacity),
        variable("writer_instance_class"): facts.writer_instance_class,
    }
    for key, value in wanted.items():
        if key in env and env[key] != value and not key.endswith(("_ARN", "_ENDPOINTS")):
            notes.append(
                f"{home}: the plan sets {key}={env[key]}, the stack settings say {value}; drill uses {value}"
            )
        env[key] = value
    if _config_has("home_witness_fqdn"):
        # The region's own outside witness: the target must look healthy to it before a fence.
        supplied_if_missing[variable("home_witness_fqdn")] = f"witness-{home}.{zone}"
    if _config_has("peer_control_table"):
        # The peer's control table, whose fencing epoch this region adopts (read only).
        supplied_if_missing[variable("peer_control_table")] = facts.regions[peer].spec.table["name"]
    if _config_has("serves_at_rest"):
        # Whether the group serves at rest, from what it runs (the program sets it from the tier).
        supplied_if_missing[variable("serves_at_rest")] = "true" if plan.spec.asg_desired > 0 else "false"
    for key, value in supplied_if_missing.items():
        if not env.get(key):
            notes.append(f"{home}: the plan does not set {key}; the drill supplies {value}")
            env[key] = value
    asg_name = variable("asg_name")
    if env.get(asg_name) and env[asg_name] != plan.spec.asg_name:
        raise DrillSetupError(
            f"{home}: {asg_name}={env[asg_name]} is not the home group {plan.spec.asg_name}"
        )
    peer_table, peer_variable = facts.regions[peer].spec.table["name"], variable("peer_control_table")
    if env.get(peer_variable) and env[peer_variable] != peer_table:
        raise DrillSetupError(
            f"{home}: {peer_variable}={env[peer_variable]} is not the peer's control table {peer_table}"
        )
    if env.get(variable("evidence_bucket")):
        # The runtime writes its execution evidence in the drill too (docs/EVIDENCE.md).
        from ops.emulation.dr_world import session
        from ops.evidence.drill_store import provision_evidence

        env.update(provision_evidence(session(), home, env[variable("evidence_bucket")]))
    world.route53.add_witness(
        env[variable("witness_fqdn")],
        peer,
        env.get(variable("witness_healthy_address"), WITNESS_HEALTHY),
        env.get(variable("witness_unhealthy_address"), WITNESS_UNHEALTHY),
    )
    if env.get(variable("home_witness_fqdn")):
        # The home region's own witness record (the target's health before an automatic fence).
        world.route53.add_witness(
            env[variable("home_witness_fqdn")],
            home,
            env.get(variable("witness_healthy_address"), WITNESS_HEALTHY),
            env.get(variable("witness_unhealthy_address"), WITNESS_UNHEALTHY),
        )
    return env


def _config_has(field_name: str) -> bool:
    """Does the runtime read this setting (a row of failover/settings_table.py)?"""
    return field_name in BY_NAME
