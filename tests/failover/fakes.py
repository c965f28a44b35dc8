"""Test doubles for what moto lacks or cannot fault: the Aurora global cluster's
FailoverGlobalCluster / SwitchoverGlobalCluster (moto has neither), the ARC cluster data
plane (moto has no route53-recovery-cluster), an Auto Scaling group whose instances come
into service, the witness DNS answer and the HTTPS probe. DynamoDB (the control table,
its conditional writes) and CloudWatch (the lag datapoints) are moto.

The doubles answer like AWS documents it, whatever the test: a failover is accepted into
FailoverState and completes after `promotion_seconds` on the shared clock; a headless
target is refused (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html);
the ARC cluster enforces "exactly one control ON" per transaction and answers the same
state from every endpoint. Tests inject faults, nothing else.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

PRIMARY, DR = "us-east-1", "us-west-2"
ACCOUNT = "123456789012"
GLOBAL = "trading-global"
CLUSTERS = {PRIMARY: "trading-primary-db", DR: "trading-dr-db"}
CONTROLS = {
    PRIMARY: f"arn:aws:route53-recovery-control::{ACCOUNT}:controlpanel/abc123/routingcontrol/primary1",
    DR: f"arn:aws:route53-recovery-control::{ACCOUNT}:controlpanel/abc123/routingcontrol/dr1",
}
ARC_REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2", "ap-northeast-1")
HEALTHY_IP, UNHEALTHY_IP = "192.0.2.1", "192.0.2.2"


def cluster_arn(region: str) -> str:
    return f"arn:aws:rds:{region}:{ACCOUNT}:cluster:{CLUSTERS[region]}"


def client_error(code: str, status: int = 400, op: str = "Op") -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, op
    )


class Clock:
    def __init__(self, start: float | None = None):
        self.t = float(int(start if start is not None else time.time()))
        self.on_sleep: list = []
        """Callbacks after every sleep: what keeps happening while the orchestrator waits."""

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += max(0.0, seconds)
        for callback in self.on_sleep:
            callback()


@dataclass
class Fault:
    """One injected failure of the next call: `code` (a ClientError code), or "timeout"
    (a botocore ReadTimeoutError), or "connection"; `apply_first`: AWS accepted the call and
    the response was lost."""

    code: str
    status: int = 400
    apply_first: bool = False

    def raise_(self, op: str):
        if self.code == "timeout":
            raise ReadTimeoutError(endpoint_url=f"https://rds/{op}")
        if self.code == "connection":
            raise EndpointConnectionError(endpoint_url=f"https://rds/{op}")
        raise client_error(self.code, self.status, op)


@dataclass
class GlobalCluster:
    clock: Clock
    writer: str = PRIMARY
    failover_state: dict | None = None
    accepted_at: float = 0.0
    promotion_seconds: float = 120.0
    switchover_seconds: float = 60.0
    engine: str = "aurora-postgresql"
    engine_version: str = "15.4"
    versions: dict = field(default_factory=lambda: {PRIMARY: "15.4", DR: "15.4"})
    members: dict = field(default_factory=lambda: {PRIMARY: ["primary-1"], DR: ["dr-1"]})
    instances: dict = field(default_factory=dict)
    """instance id -> (region, available_at)."""
    instance_seconds: float = 300.0
    accepted: list = field(default_factory=list)
    """Every promotion AWS accepted: (operation, target region)."""
    detaches: list = field(default_factory=list)
    snapshots: dict = field(default_factory=lambda: {PRIMARY: [], DR: []})
    manual: dict = field(default_factory=lambda: {PRIMARY: [], DR: []})

    def tick(self) -> None:
        s = self.failover_state
        if s is None:
            return
        duration = self.promotion_seconds if s["IsDataLossAllowed"] else self.switchover_seconds
        if self.clock() - self.accepted_at >= duration:
            old = self.writer
            self.writer = _region_of(s["ToDbClusterArn"])
            self.failover_state = None
            if s["IsDataLossAllowed"]:
                self.snapshots[old].append(f"rds:unplanned-global-failover-{CLUSTERS[old]}-2026-11-30-03-00")


def _region_of(arn: str) -> str:
    return arn.split(":")[3]


class FakeRds:
    """The RDS endpoint of one region over the shared GlobalCluster."""

    def __init__(self, world: GlobalCluster, region: str):
        self.g, self.region = world, region
        self.down = False
        self.faults: dict[str, list[Fault]] = {}
        self.calls: list[str] = []

    def _enter(self, op: str) -> Fault | None:
        self.calls.append(op)
        if self.down:
            raise EndpointConnectionError(endpoint_url=f"https://rds.{self.region}.amazonaws.com")
        self.g.tick()
        queue = self.faults.get(op) or []
        if queue:
            fault = queue.pop(0)
            if not fault.apply_first:
                fault.raise_(op)
            return fault
        return None

    def describe_global_clusters(self, GlobalClusterIdentifier):
        self._enter("describe_global_clusters")
        members = [{"DBClusterArn": cluster_arn(r), "IsWriter": r == self.g.writer} for r in (PRIMARY, DR)]
        cluster = {
            "GlobalClusterIdentifier": GLOBAL,
            "Status": "available",
            "Engine": self.g.engine,
            "EngineVersion": self.g.engine_version,
            "GlobalClusterMembers": members,
        }
        if self.g.failover_state:
            cluster["FailoverState"] = dict(self.g.failover_state)
        return {"GlobalClusters": [cluster]}

    def describe_db_clusters(self, DBClusterIdentifier):
        self._enter("describe_db_clusters")
        region = self.region
        assert DBClusterIdentifier == CLUSTERS[region], "only the home cluster is described"
        names = self.g.members[region]
        return {
            "DBClusters": [
                {
                    "DBClusterIdentifier": CLUSTERS[region],
                    "Engine": self.g.engine,
                    "EngineVersion": self.g.versions[region],
                    "Status": "available",
                    "GlobalClusterIdentifier": GLOBAL,
                    "DBClusterMembers": [
                        {"DBInstanceIdentifier": n, "IsClusterWriter": self.g.writer == region and i == 0}
                        for i, n in enumerate(names)
                    ],
                }
            ]
        }

    def _promote(self, op, GlobalClusterIdentifier, TargetDbClusterIdentifier, data_loss):
        fault = self._enter(op)
        assert _region_of(TargetDbClusterIdentifier) == self.region, "the target's own region's endpoint"
        if not self.g.members[self.region]:
            raise client_error("InvalidDBClusterStateFault", 400, op)
        if self.g.failover_state is not None or self.g.writer == self.region:
            raise client_error("InvalidGlobalClusterStateFault", 400, op)
        self.g.failover_state = {
            "Status": "failing-over" if data_loss else "switching-over",
            "FromDbClusterArn": cluster_arn(self.g.writer),
            "ToDbClusterArn": TargetDbClusterIdentifier,
            "IsDataLossAllowed": data_loss,
        }
        self.g.accepted_at = self.g.clock()
        self.g.accepted.append((op, self.region))
        if fault is not None:
            fault.raise_(op)  # accepted, and the response lost
        return {"GlobalCluster": {}}

    def failover_global_cluster(self, GlobalClusterIdentifier, TargetDbClusterIdentifier, AllowDataLoss):
        assert AllowDataLoss is True
        return self._promote(
            "failover_global_cluster", GlobalClusterIdentifier, TargetDbClusterIdentifier, True
        )

    def switchover_global_cluster(self, GlobalClusterIdentifier, TargetDbClusterIdentifier):
        return self._promote(
            "switchover_global_cluster", GlobalClusterIdentifier, TargetDbClusterIdentifier, False
        )

    def remove_from_global_cluster(self, **kwargs):
        self._enter("remove_from_global_cluster")
        self.g.detaches.append(kwargs)
        return {}

    def create_db_instance(
        self, DBInstanceIdentifier, DBClusterIdentifier, Engine, DBInstanceClass, AutoMinorVersionUpgrade
    ):
        self._enter("create_db_instance")
        # A global database's members stay on one engine version: no automatic minor upgrade.
        assert AutoMinorVersionUpgrade is False, AutoMinorVersionUpgrade
        if DBInstanceIdentifier in self.g.instances:
            raise client_error("DBInstanceAlreadyExists")
        self.g.instances[DBInstanceIdentifier] = (self.region, self.g.clock() + self.g.instance_seconds)
        self.g.members[self.region].append(DBInstanceIdentifier)
        return {}

    def describe_db_instances(self, DBInstanceIdentifier):
        self._enter("describe_db_instances")
        if DBInstanceIdentifier in self.g.instances:
            _, at = self.g.instances[DBInstanceIdentifier]
            status = "available" if self.g.clock() >= at else "creating"
        elif DBInstanceIdentifier in self.g.members[self.region]:
            status = "available"
        else:
            raise client_error("DBInstanceNotFound", 404)
        return {"DBInstances": [{"DBInstanceIdentifier": DBInstanceIdentifier, "DBInstanceStatus": status}]}

    def describe_db_cluster_snapshots(self, SnapshotType):
        self._enter("describe_db_cluster_snapshots")
        names = self.g.snapshots[self.region] if SnapshotType == "automated" else self.g.manual[self.region]
        return {
            "DBClusterSnapshots": [{"DBClusterSnapshotIdentifier": n, "Status": "available"} for n in names]
        }

    def copy_db_cluster_snapshot(
        self, SourceDBClusterSnapshotIdentifier, TargetDBClusterSnapshotIdentifier, CopyTags
    ):
        self._enter("copy_db_cluster_snapshot")
        self.g.manual[self.region].append(TargetDBClusterSnapshotIdentifier)
        return {}


class Arc:
    """The ARC cluster: one consistent state, five endpoints, the pair's safety rules
    (at least one ON; not both ON) evaluated on the result of each transaction."""

    def __init__(self):
        self.state = {CONTROLS[PRIMARY]: "On", CONTROLS[DR]: "Off"}
        self.unavailable: set[str] = set()
        """Endpoint regions that refuse connections."""
        self.throttled: set[str] = set()
        self.updates_throttled = False
        """Every endpoint reads, none accepts an update (throttled)."""
        self.refusal: tuple[str, int] | None = None
        """Every update refused with this (code, status): how AWS signals a safety rule's
        refusal is not documented verbatim (ConflictException? ValidationException?)."""
        self.calls: list[tuple[str, str]] = []
        self.updates: list[dict] = []

    def factory(self, endpoint_url: str, region: str):
        assert endpoint_url.startswith("https://") and region in ARC_REGIONS
        return ArcEndpointClient(self, region)


class ArcEndpointClient:
    def __init__(self, arc: Arc, region: str):
        self.arc, self.region = arc, region

    def _enter(self, op):
        self.arc.calls.append((op, self.region))
        if self.region in self.arc.unavailable:
            raise EndpointConnectionError(endpoint_url=f"https://{self.region}.arc")
        if self.region in self.arc.throttled:
            raise client_error("ThrottlingException", 429, op)

    def get_routing_control_state(self, RoutingControlArn):
        self._enter("get")
        return {
            "RoutingControlArn": RoutingControlArn,
            "RoutingControlState": self.arc.state[RoutingControlArn],
        }

    def update_routing_control_states(self, UpdateRoutingControlStateEntries):
        self._enter("update")
        if self.arc.updates_throttled:
            raise client_error("ThrottlingException", 429, "UpdateRoutingControlStates")
        if self.arc.refusal is not None:
            raise client_error(*self.arc.refusal, "UpdateRoutingControlStates")
        new = dict(self.arc.state)
        for e in UpdateRoutingControlStateEntries:
            new[e["RoutingControlArn"]] = e["RoutingControlState"]
        if sum(v == "On" for v in new.values()) != 1:
            raise client_error("ConflictException", 409, "UpdateRoutingControlStates")
        self.arc.state = new
        self.arc.updates.append(dict(new))
        return {}


class FakeAsg:
    def __init__(self, clock: Clock, name: str, min_size=0, desired=0, max_size=4, boot_seconds=90.0):
        self.clock, self.name = clock, name
        self.min, self.desired, self.max = min_size, desired, max_size
        self.boot_seconds, self.changed_at = boot_seconds, -1e18
        self.updates: list[dict] = []
        self.fail = False
        self.fail_describe = False

    def describe_auto_scaling_groups(self, AutoScalingGroupNames):
        if self.fail_describe:
            raise client_error("Throttling", 400, "DescribeAutoScalingGroups")
        ready = self.desired if self.clock() - self.changed_at >= self.boot_seconds else 0
        return {
            "AutoScalingGroups": [
                {
                    "AutoScalingGroupName": self.name,
                    "MinSize": self.min,
                    "DesiredCapacity": self.desired,
                    "MaxSize": self.max,
                    "Instances": [{"LifecycleState": "InService", "HealthStatus": "Healthy"}] * ready,
                }
            ]
        }

    def update_auto_scaling_group(self, AutoScalingGroupName, MinSize, DesiredCapacity, MaxSize):
        if self.fail:
            raise client_error("InternalFailure", 500)
        self.updates.append({"min": MinSize, "desired": DesiredCapacity, "max": MaxSize})
        if DesiredCapacity != self.desired:
            self.changed_at = self.clock()
        self.min, self.desired, self.max = MinSize, DesiredCapacity, MaxSize


class FakeElb:
    """The ALB's view of the group's instances (DescribeTargetHealth): a target is "initial"
    for `lag_seconds` after its instance is InService, then "healthy"."""

    def __init__(self, asg: FakeAsg, target_group_arn: str, lag_seconds: float = 0.0):
        self.asg, self.arn, self.lag_seconds = asg, target_group_arn, lag_seconds
        self.calls = 0
        self.fail: tuple[str, int] | None = None
        """Every call fails with this (code, status), e.g. ("Throttling", 400)."""

    def healthy(self) -> int:
        """Healthy targets as the load balancer (and Route 53's checkers through it) sees them."""
        age = self.asg.clock() - self.asg.changed_at
        return self.asg.desired if age >= self.asg.boot_seconds + self.lag_seconds else 0

    def describe_target_health(self, TargetGroupArn):
        assert TargetGroupArn == self.arn, TargetGroupArn
        self.calls += 1
        if self.fail is not None:
            raise client_error(*self.fail, "DescribeTargetHealth")
        age = self.asg.clock() - self.asg.changed_at
        registered = self.asg.desired if age >= self.asg.boot_seconds else 0
        state = "healthy" if age >= self.asg.boot_seconds + self.lag_seconds else "initial"
        return {"TargetHealthDescriptions": [{"TargetHealth": {"State": state}}] * registered}


class FakeSns:
    def __init__(self):
        self.messages: list[tuple[str, str]] = []

    def publish(self, TopicArn, Subject, Message):
        self.messages.append((Subject, Message))
        return {"MessageId": str(len(self.messages))}
