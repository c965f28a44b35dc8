"""A drill world described by hand (no plan needed) and deliberately unsafe orchestrators,
so the drill itself can be tested: each scenario must FAIL an orchestrator that breaks the
rule the scenario exists for."""

from __future__ import annotations

import json

import botocore.exceptions

from components.settings import parse_settings
from ops.emulation.dr_world import RecordGate, RegionSpec, WorldSpec
from ops.emulation.plan_spec import PlanFacts, RegionPlan
from ops.stack_config import effective_config
from ops.timing_model import timing_model

EAST, WEST = "us-east-1", "us-west-2"
ACCOUNT = "123456789012"
GLOBAL = "trading-dr-global"
TABLE = {
    "hashKey": "pk",
    "rangeKey": "sk",
    "attributes": [{"name": "pk", "type": "S"}, {"name": "sk", "type": "S"}],
}


def region_spec(name: str, instances: int = 2, desired: int = 3) -> RegionSpec:
    return RegionSpec(
        region=name,
        cluster_id=f"trading-dr-{name}",
        instance_ids=[f"trading-dr-{name}-{i}" for i in range(instances)],
        asg_name=f"asg-{name}",
        asg_min=desired,
        asg_max=6,
        asg_desired=desired,
        table={**TABLE, "name": f"control-{name}"},
        topic_name=f"alerts-{name}",
    )


def environment(home: str, peer: str) -> dict[str, str]:
    """What the program gives the orchestrator (the runtime's required variables)."""
    traffic = parse_settings(effective_config("dr"), "dr").traffic
    return {
        "FAILOVER_HOME_REGION": home,
        "FAILOVER_PEER_REGION": peer,
        "FAILOVER_GLOBAL_CLUSTER_ID": GLOBAL,
        "FAILOVER_LOCAL_CLUSTER_ID": f"trading-dr-{home}",
        "FAILOVER_LOCAL_CLUSTER_ARN": f"arn:aws:rds:{home}:{ACCOUNT}:cluster:trading-dr-{home}",
        "FAILOVER_PEER_HEALTH_URL": f"https://app-{peer}.trading.example.com/health",
        "FAILOVER_CONTROL_TABLE": f"control-{home}",
        "FAILOVER_ALERT_TOPIC_ARN": f"arn:aws:sns:{home}:{ACCOUNT}:alerts-{home}",
        "FAILOVER_LOCK_SECONDS": "60",
        "FAILOVER_TARGET_GROUP_ARN": f"arn:aws:elasticloadbalancing:{home}:{ACCOUNT}:targetgroup/app/01234",
        "FAILOVER_DATA_API_SECRET_ARN": f"arn:aws:secretsmanager:{home}:{ACCOUNT}:secret:db-{home}",
        "FAILOVER_DATA_API_DATABASE": "trading",
        # The program gives the runtime its Route 53 health check's settings (the RPO gate's
        # credit for Route 53's failing time, docs/FAILOVER_RUNTIME.md "The RPO gate"): the
        # same settings the emulated Route 53 checks with (timing()).
        "FAILOVER_WITNESS_CHECK_INTERVAL_SECONDS": str(traffic.health_check_interval),
        "FAILOVER_WITNESS_CHECK_THRESHOLD": str(traffic.health_check_threshold),
    }


def facts(dr_instances: int = 2, dr_desired: int = 3) -> PlanFacts:
    specs = {EAST: region_spec(EAST), WEST: region_spec(WEST, dr_instances, dr_desired)}
    world = WorldSpec(
        primary=specs[EAST],
        dr=specs[WEST],
        global_id=GLOBAL,
        engine="aurora-postgresql",
        engine_version="16.6",
        app_fqdn="app.trading.example.com",
        record_gates={
            EAST: RecordGate(control=True, targets=False),
            WEST: RecordGate(control=True, targets=False),
        },
    )
    regions = {
        home: RegionPlan(specs[home], environment(home, peer), f"arn:aws:sns:{home}:{ACCOUNT}:alerts-{home}")
        for home, peer in ((EAST, WEST), (WEST, EAST))
    }
    return PlanFacts(world=world, regions=regions, full_capacity=3, writer_instance_class="db.r6g.large")


def timing(promotion: float = 120.0, tier: str = "hot-standby"):
    return timing_model(parse_settings(effective_config("dr"), "dr"), promotion_seconds=promotion, tier=tier)


class Unsafe:
    """An orchestrator with the injected dependencies of the real one and none of its
    safety: it promotes on its own HTTPS probe after three failed evaluations (no witness,
    no self-check, no RPO gate). Flags make it worse in one more way each."""

    def __init__(
        self,
        runtime,
        invocation: str,
        streaks: dict[str, int],
        *,
        detach_on_error: bool = False,
        fail_back: bool | str = False,
        flip_before_switchover: bool = False,
        hoard_lock: bool = False,
        check_targets: bool = False,
        cloudwatch_gate: bool = False,
    ):
        self.runtime, self.invocation, self.streaks = runtime, invocation, streaks
        self.world, self.home, self.peer, self.env = runtime.world, runtime.home, runtime.peer, runtime.env
        self.rds = runtime.clients.rds
        self.dynamodb = runtime.clients.dynamodb
        self.probe = runtime._offered["probe"]
        self.arc_factory = runtime._offered["arc_client_factory"]
        self.detach_on_error, self.fail_back = detach_on_error, fail_back
        self.flip_before_switchover, self.hoard_lock = flip_before_switchover, hoard_lock
        self.check_targets, self.cloudwatch_gate = check_targets, cloudwatch_gate

    def _renew_lease_naively(self) -> None:
        """Where the applications enforce the write lease: renew it whenever home's cluster is
        the writer (read from the world, free of charge), never asking ARC, so nothing fences
        a primary DNS no longer reaches."""
        if not self.world.lease_enforced or self.world.aurora.writer_region() != self.home:
            return
        from failover.lease import WriteLease, lease_to_item

        now = self.world.now
        lease = WriteLease(self.home, 0, now + 30, now, self.invocation)
        self.world.put_raw_item(self.home, lease_to_item(lease))
        self.world._sample_leases()

    def _ready_to_fence(self) -> bool:
        """The flags' extra waits before a fence: every target read through the control plane,
        a fresh CloudWatch lag datapoint under the bound."""
        if self.check_targets:
            try:
                self.runtime.clients.elbv2.describe_target_health(
                    TargetGroupArn=self.env["FAILOVER_TARGET_GROUP_ARN"]
                )
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError):
                return False
        if self.cloudwatch_gate:
            from datetime import UTC, datetime, timedelta

            now = datetime.fromtimestamp(self.world.now, UTC)
            points = self.runtime.clients.cloudwatch.get_metric_statistics(
                Namespace="AWS/RDS",
                MetricName="AuroraGlobalDBReplicationLag",
                Dimensions=[{"Name": "DBClusterIdentifier", "Value": self.env["FAILOVER_LOCAL_CLUSTER_ID"]}],
                StartTime=now - timedelta(seconds=60),  # "a fresh lag": the last minute's
                EndTime=now,
                Period=60,
                Statistics=["Maximum"],
            )["Datapoints"]
            fresh = max(points, key=lambda p: p["Timestamp"]) if points else None
            return fresh is not None and fresh["Maximum"] <= 30_000
        return True

    def _arc(self, call):
        for endpoint in json.loads(self.env["FAILOVER_ARC_CLUSTER_ENDPOINTS"]):
            try:
                return call(self.arc_factory(endpoint["Endpoint"], endpoint["Region"]))
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError):
                continue
        return None

    def _flip_to(self, region: str) -> None:
        on, off = (
            (self.env["FAILOVER_HOME_ROUTING_CONTROL_ARN"], self.env["FAILOVER_PEER_ROUTING_CONTROL_ARN"])
            if region == self.home
            else (
                self.env["FAILOVER_PEER_ROUTING_CONTROL_ARN"],
                self.env["FAILOVER_HOME_ROUTING_CONTROL_ARN"],
            )
        )
        self._arc(
            lambda c: c.update_routing_control_states(
                UpdateRoutingControlStateEntries=[
                    {"RoutingControlArn": on, "RoutingControlState": "On"},
                    {"RoutingControlArn": off, "RoutingControlState": "Off"},
                ]
            )
        )

    def _promote(self, operation: str = "failover_global_cluster", **extra) -> None:
        arn = self.env["FAILOVER_LOCAL_CLUSTER_ARN"]
        try:
            getattr(self.rds, operation)(
                GlobalClusterIdentifier=GLOBAL, TargetDbClusterIdentifier=arn, **extra
            )
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError):
            if self.detach_on_error:
                self.rds.remove_from_global_cluster(GlobalClusterIdentifier=GLOBAL, DbClusterIdentifier=arn)

    def evaluate(self, event) -> dict:
        self._renew_lease_naively()
        if self.hoard_lock:
            self.dynamodb.put_item(
                TableName=self.env["FAILOVER_CONTROL_TABLE"],
                Item={
                    "pk": {"S": "LOCK"},
                    "sk": {"S": "FAILOVER"},
                    "holder": {"S": self.invocation},
                    "expires_at": {"N": str(self.world.now + 3600)},
                },
            )
        action = event.get("action") if isinstance(event, dict) else None
        if action == "switchover":
            if self.flip_before_switchover:
                self._flip_to(self.home)
            self._promote("switchover_global_cluster")
            if not self.flip_before_switchover:
                self._flip_to(self.home)
            return {"outcome": "switchover"}
        if action == "failover":
            self._flip_to(self.home)
            self._promote(AllowDataLoss=True)
            return {"outcome": "promote"}
        attempts = self.probe(self.env["FAILOVER_PEER_HEALTH_URL"])
        down = not any(a.ok for a in attempts)
        streak = self.streaks.get(self.home, 0) + 1 if down else 0
        self.streaks[self.home] = streak
        if self.fail_back and not down and self.home == self.world.primary:
            self._flip_to(self.home)  # the primary is healthy again: take the traffic back
            if self.fail_back == "promote" and self.world.aurora.writer_region() != self.home:
                self._promote(AllowDataLoss=True)  # ... and the writer, automatically
        if streak >= 3 and self._ready_to_fence():
            self._flip_to(self.home)
            self._promote(AllowDataLoss=True)
        return {"outcome": "promote" if streak >= 3 else "wait"}


def unsafe(**flags):
    """An orchestrator_factory for ops.drill.run_facts: a fresh Unsafe per invocation,
    one memory of consecutive failed probes per run."""
    streaks: dict[str, int] = {}
    return lambda runtime, invocation: Unsafe(runtime, invocation, streaks, **flags)


class Passive(Unsafe):
    """Waits for the survivor's member to read pending-resync before it promotes (the old
    runtime's assumption; AWS documents no such change)."""

    def evaluate(self, event) -> dict:
        self._renew_lease_naively()
        [cluster] = self.rds.describe_global_clusters(GlobalClusterIdentifier=GLOBAL)["GlobalClusters"]
        arn = self.env["FAILOVER_LOCAL_CLUSTER_ARN"]
        member = next(m for m in cluster["GlobalClusterMembers"] if m["DBClusterArn"] == arn)
        if member.get("SynchronizationStatus") == "pending-resync":
            self._flip_to(self.home)
            self._promote(AllowDataLoss=True)
        return {"outcome": "wait"}


def passive():
    return lambda runtime, invocation: Passive(runtime, invocation, {})
