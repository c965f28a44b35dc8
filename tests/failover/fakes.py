"""The failover tests' AWS, over the drill's emulations: each AWS behaviour is modelled once,
in ops/emulation/, and these are thin adapters that call it with the test's clock.

- Aurora global database (FailoverGlobalCluster / SwitchoverGlobalCluster, FailoverState,
  the refusals, a headless secondary, CreateDBInstance, the unplanned-failover snapshot):
  GlobalCluster / FakeRds over ops/emulation/aurora.py (moto has neither operation).
- ARC's cluster data plane (one consistent state behind five endpoints, "exactly one On"
  evaluated on each transaction's result): Arc over ops/emulation/routing_controls.py (moto
  has no route53-recovery-cluster).
- Auto Scaling group and target health (InService after the boot, a healthy target after
  the target group's checks): FakeAsg / FakeElb over ops/emulation/compute.py.
- DynamoDB (the control table, its conditional writes and transactions) and CloudWatch (the
  lag datapoints) are moto, or the fast in-memory table of fake_dynamodb.py that
  test_control_table.py checks against moto with the same assertions.

What stays here is the tests' own: the clock they drive, the faults they inject (an
endpoint down, a queue of faults per operation, a throttled ARC endpoint), the checks of the
runtime's requests, and the SNS topic that records pages. Where the emulations' answers are
also moto's, tests/ops/test_emulation_matches_moto.py checks both with the same assertions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from botocore import xform_name
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from ops.emulation.answers import CallFaults, answered
from ops.emulation.aurora import AuroraEmulation, Cluster
from ops.emulation.compute import ComputeEmulation, Group, LaunchTimes
from ops.emulation.network import Network
from ops.emulation.routing_controls import ArcEmulation

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


class _PerCluster:
    """region -> one field of the emulation's cluster in that region, read and set through
    the mapping (`world.g.members[DR] = []`: a headless secondary)."""

    def __init__(self, clusters: dict[str, Cluster], get, put):
        self._clusters, self._get, self._put = clusters, get, put

    def __getitem__(self, region: str):
        return self._get(self._clusters[region])

    def __setitem__(self, region: str, value) -> None:
        self._put(self._clusters[region], value)


class GlobalCluster:
    """The tests' handle on the Aurora global database: the drill's emulation
    (ops/emulation/aurora.py, which follows AWS's documentation) on the test's clock, with
    the knobs the tests turn (how long a promotion takes, a headless secondary, a member on
    another engine version) and what they read back (the writer, every accepted call)."""

    def __init__(
        self,
        clock: Clock,
        promotion_seconds: float = 120.0,
        switchover_seconds: float = 60.0,
        instance_seconds: float = 300.0,
    ):
        self.clock = clock
        self.promotion_seconds, self.switchover_seconds = promotion_seconds, switchover_seconds
        since = clock() - 3600
        clusters = {
            region: Cluster(
                region, CLUSTERS[region], {name: since}, writer=region == PRIMARY, writer_since=since
            )
            for region, name in ((PRIMARY, "primary-1"), (DR, "dr-1"))
        }
        self.log: list[tuple[float, str, str]] = []
        self.aurora = AuroraEmulation(
            clock,
            lambda where, what: self.log.append((clock(), where, what)),
            CallFaults(Network()),
            GLOBAL,
            "aurora-postgresql",
            "15.4",
            clusters,
            replication_lag=0.0,
            operation_seconds=self._seconds,
            writer_instance_seconds=instance_seconds,
        )
        self.members = _PerCluster(
            clusters,
            lambda c: list(c.instances),
            lambda c, names: setattr(c, "instances", dict.fromkeys(names, since)),
        )
        """region -> its cluster's instance ids (creating ones included)."""
        self.versions = _PerCluster(
            clusters,
            lambda c: c.engine_version or self.aurora.engine_version,
            lambda c, version: setattr(c, "engine_version", version),
        )
        self.detaches: list[dict] = []
        """Every RemoveFromGlobalCluster request, as the caller made it."""

    def _seconds(self, kind: str) -> float:
        return self.promotion_seconds if kind == "failing-over" else self.switchover_seconds

    @property
    def writer(self) -> str | None:
        return self.aurora.writer_region()

    @writer.setter
    def writer(self, region: str) -> None:
        """A writer that moved before the test began (no operation, no snapshot)."""
        for cluster in self.aurora.clusters.values():
            cluster.writer = cluster.region == region

    @property
    def accepted(self) -> list[tuple[str, str]]:
        """Every promotion AWS accepted: (operation as boto3 names it, target region)."""
        return [(xform_name(operation), region) for operation, region, _ in self.aurora.accepted]

    @property
    def failover_state(self) -> dict | None:
        op = self.aurora.operation
        return None if op is None else {"Status": op.kind, "ToDbClusterArn": cluster_arn(op.target)}

    @property
    def manual(self) -> dict[str, list[str]]:
        """region -> the manual snapshots copied there."""
        return self.aurora.manual_snapshots

    def tick(self) -> None:
        self.aurora.step(self.clock())


class FakeRds:
    """One region's RDS endpoint over the shared GlobalCluster: each call answered by the
    Aurora emulation, with the tests' injected faults (the endpoint down, a queue of faults
    per operation) and a few checks of the caller's requests."""

    def __init__(self, world: GlobalCluster, region: str):
        self.g, self.region = world, region
        self.down = False
        self.faults: dict[str, list[Fault]] = {}
        self.calls: list[str] = []

    def _call(self, op: str, **params) -> dict:
        self.calls.append(op)
        if self.down:
            raise EndpointConnectionError(endpoint_url=f"https://rds.{self.region}.amazonaws.com")
        self.g.tick()
        queue = self.faults.get(op) or []
        fault = queue.pop(0) if queue else None
        if fault is not None and not fault.apply_first:
            fault.raise_(op)
        operation = "".join(part.title() for part in op.split("_")).replace("Db", "DB")
        body = answered(self.g.aurora.answer(operation, params, self.region, self.region), operation)
        if fault is not None:
            fault.raise_(op)  # accepted, and the response lost
        return body

    def describe_global_clusters(self, **params):
        return self._call("describe_global_clusters", **params)

    def describe_db_clusters(self, **params):
        return self._call("describe_db_clusters", **params)

    def failover_global_cluster(self, **params):
        assert params.get("AllowDataLoss") is True, "the runtime's failover allows data loss"
        return self._call("failover_global_cluster", **params)

    def switchover_global_cluster(self, **params):
        return self._call("switchover_global_cluster", **params)

    def remove_from_global_cluster(self, **params):
        body = self._call("remove_from_global_cluster", **params)
        self.g.detaches.append(params)
        return body

    def create_db_instance(self, **params):
        # A global database's members stay on one engine version: no automatic minor upgrade.
        assert params.get("AutoMinorVersionUpgrade") is False, params
        return self._call("create_db_instance", **params)

    def describe_db_instances(self, **params):
        return self._call("describe_db_instances", **params)

    def describe_db_cluster_snapshots(self, **params):
        return self._call("describe_db_cluster_snapshots", **params)

    def copy_db_cluster_snapshot(self, **params):
        return self._call("copy_db_cluster_snapshot", **params)


class Arc:
    """The ARC cluster: the drill's emulation (ops/emulation/routing_controls.py: one
    consistent state behind five endpoints, the safety rule "exactly one On" evaluated on
    each transaction's result) with the tests' injected faults per endpoint."""

    def __init__(self, clock=None):
        self.clock = clock or Clock()
        self.emulation = ArcEmulation(
            self.clock,
            lambda where, what: None,
            CallFaults(Network()),
            (PRIMARY, DR),
            active=PRIMARY,
            controls={CONTROLS[PRIMARY]: PRIMARY, CONTROLS[DR]: DR},
        )
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
        """The controls' state after every update ARC accepted."""

    @property
    def state(self) -> dict[str, str]:
        return {arn: "On" if on else "Off" for arn, on in self.emulation.state.items()}

    @state.setter
    def state(self, value: dict[str, str]) -> None:
        """The controls as they were before the test began."""
        self.emulation.state = {arn: value[arn] == "On" for arn in self.emulation.state}

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

    def _answer(self, operation: str, params: dict) -> dict:
        return answered(self.arc.emulation.answer(operation, params, self.region, self.region), operation)

    def get_routing_control_state(self, **params):
        self._enter("get")
        return self._answer("GetRoutingControlState", params)

    def update_routing_control_states(self, **params):
        self._enter("update")
        if self.arc.updates_throttled:
            raise client_error("ThrottlingException", 429, "UpdateRoutingControlStates")
        if self.arc.refusal is not None:
            raise client_error(*self.arc.refusal, "UpdateRoutingControlStates")
        body = self._answer("UpdateRoutingControlStates", params)
        self.arc.updates.append(self.arc.state)
        return body


class FakeAsg:
    """One region's Auto Scaling group: the drill's compute emulation
    (ops/emulation/compute.py: an instance is InService after its boot, a healthy target
    after the target group's checks that follow) on the test's clock and launch times, with
    the tests' injected faults and the sizes they set and read."""

    def __init__(
        self,
        clock: Clock,
        region: str,
        name: str,
        min_size=0,
        desired=0,
        max_size=4,
        boot_seconds=90.0,
        target_lag_seconds=0.0,
    ):
        self.clock, self.region, self.name = clock, region, name
        self._boot, self._lag = boot_seconds, target_lag_seconds
        self.group = Group(name, region, min_size, max_size, desired)
        self.emulation = ComputeEmulation(
            clock, lambda where, what: None, Network(), self._launch_times(), {name: self.group}
        )
        self.updates: list[dict] = []
        self.fail = False
        self.fail_describe = False

    def _launch_times(self) -> LaunchTimes:
        return LaunchTimes(0.0, self._boot, self._lag, self._boot)

    def _retime(self, boot: float, lag: float) -> None:
        """New launch times, for the instances already launched too (a test that makes them
        never come up)."""
        shift = boot + lag - self._boot - self._lag
        self._boot, self._lag = boot, lag
        self.emulation.timing = self._launch_times()
        for instance, ready in self.group.instances.items():
            self.group.instances[instance] = ready + shift

    @property
    def boot_seconds(self) -> float:
        return self._boot

    @boot_seconds.setter
    def boot_seconds(self, seconds: float) -> None:
        self._retime(seconds, self._lag)

    @property
    def target_lag_seconds(self) -> float:
        return self._lag

    @target_lag_seconds.setter
    def target_lag_seconds(self, seconds: float) -> None:
        self._retime(self._boot, seconds)

    # The sizes as a test sets them up ("the group was scaled to 2 long ago").
    @property
    def min(self) -> int:
        return self.group.min_size

    @min.setter
    def min(self, value: int) -> None:
        self.group.min_size = value

    @property
    def max(self) -> int:
        return self.group.max_size

    @property
    def desired(self) -> int:
        return self.group.desired

    @desired.setter
    def desired(self, value: int) -> None:
        self.group.desired = value
        self.emulation._resize(self.group)

    @property
    def changed_at(self) -> float:
        return max(self.group.instances.values(), default=-1e18) - self._boot - self._lag

    @changed_at.setter
    def changed_at(self, at: float) -> None:
        """Every instance launched at `at`."""
        for instance in self.group.instances:
            self.group.instances[instance] = at + self._boot + self._lag

    def describe_auto_scaling_groups(self, AutoScalingGroupNames):
        if self.fail_describe:
            raise client_error("Throttling", 400, "DescribeAutoScalingGroups")
        params = {"AutoScalingGroupNames": AutoScalingGroupNames}
        return answered(
            self.emulation.answer("DescribeAutoScalingGroups", params, self.region, self.region),
            "DescribeAutoScalingGroups",
        )

    def update_auto_scaling_group(self, **params):
        if self.fail:
            raise client_error("InternalFailure", 500)
        self.updates.append(
            {"min": params["MinSize"], "desired": params["DesiredCapacity"], "max": params["MaxSize"]}
        )
        return answered(
            self.emulation.answer("UpdateAutoScalingGroup", params, self.region, self.region),
            "UpdateAutoScalingGroup",
        )


class FakeElb:
    """The ALB's view of the group's instances (DescribeTargetHealth), answered by the same
    compute emulation: a target is "initial" until the target group's checks pass (the
    group's `target_lag_seconds` after its boot), then "healthy"."""

    def __init__(self, asg: FakeAsg, target_group_arn: str):
        self.asg, self.arn = asg, target_group_arn
        self.calls = 0
        self.fail: tuple[str, int] | None = None
        """Every call fails with this (code, status), e.g. ("Throttling", 400)."""

    @property
    def lag_seconds(self) -> float:
        return self.asg.target_lag_seconds

    @lag_seconds.setter
    def lag_seconds(self, seconds: float) -> None:
        self.asg.target_lag_seconds = seconds

    def healthy(self) -> int:
        """Healthy targets as the load balancer (and Route 53's checkers through it) sees them."""
        return self.asg.emulation.healthy_targets(self.asg.region, self.asg.clock())

    def describe_target_health(self, TargetGroupArn):
        assert TargetGroupArn == self.arn, TargetGroupArn
        self.calls += 1
        if self.fail is not None:
            raise client_error(*self.fail, "DescribeTargetHealth")
        params = {"TargetGroupArn": TargetGroupArn}
        return answered(
            self.asg.emulation.answer("DescribeTargetHealth", params, self.asg.region, self.asg.region),
            "DescribeTargetHealth",
        )


class FakeSns:
    def __init__(self):
        self.messages: list[tuple[str, str]] = []

    def publish(self, TopicArn, Subject, Message):
        self.messages.append((Subject, Message))
        return {"MessageId": str(len(self.messages))}
