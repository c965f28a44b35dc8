"""Each region's application Auto Scaling group and its ALB target health, emulated on the
boto3 `autoscaling` and `elbv2` surfaces, on the drill's clock.

A raised desired capacity launches instances that serve only after the scale-out delay, the
boot time and the target group's healthy threshold x interval (all from the timing model;
https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-health-checks.html,
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html).
The group's health-check grace period does not gate the ALB: traffic starts when the target
group says healthy. A region that is gone has no healthy target.

The two views differ as they do in AWS: the group calls an instance InService once it runs
and passes the EC2 checks (timing model: instance_in_service_seconds), long before the
application answers the target group's checks; DescribeTargetHealth says "initial" until
then and "healthy" after. A runtime that took InService for "ready to serve" would move
traffic to a region with no healthy target, and the drill's client stream would see it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from ops.emulation.answers import Clock, Recorder, error, ok
from ops.emulation.network import Network
from ops.timing_model import TimingModel


@dataclass(frozen=True)
class LaunchTimes:
    """How long a launched instance takes, from the timing model (or a test's own figures)."""

    scale_out_seconds: float
    """The group's decision to launch after a raised desired capacity."""
    instance_boot_seconds: float
    target_healthy_seconds: float
    """The target group's healthy threshold x interval, after the boot."""
    instance_in_service_seconds: float
    """Launch -> the group calls the instance InService (EC2 checks passed)."""

    @classmethod
    def of(cls, timing: TimingModel) -> LaunchTimes:
        return cls(
            timing.scale_out_seconds,
            timing.instance_boot_seconds,
            timing.target_healthy_seconds,
            timing.instance_in_service_seconds,
        )


@dataclass
class Group:
    name: str
    region: str
    min_size: int
    max_size: int
    desired: int
    instances: dict[str, float] = field(default_factory=dict)
    """Instance id -> when it passes the target group's health checks."""
    changes: list[tuple[float, int, int, int]] = field(default_factory=list)


class ComputeEmulation:
    def __init__(
        self, clock: Clock, record: Recorder, network: Network, timing: LaunchTimes, groups: dict[str, Group]
    ):
        self.clock, self.record, self.network, self.timing = clock, record, network, timing
        self.groups = groups
        self.health_ok: Callable[[str, float], bool] | None = None
        """The application's /health in a region at a time, once the applications run
        (ops/emulation/application.py); until then every booted instance passes."""
        self._ids = itertools.count()
        for group in groups.values():
            for _ in range(group.desired):
                group.instances[self._new_id()] = clock()  # serving already

    def _new_id(self) -> str:
        return f"i-{next(self._ids):017x}"

    def group_of(self, region: str) -> Group:
        return next(g for g in self.groups.values() if g.region == region)

    def serving(self, region: str, now: float) -> int:
        """Instances that run the application (booted): what the ALB routes to when every
        target is unhealthy, since it then fails open and routes to all of them
        (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html)."""
        if region in self.network.down:
            return 0
        group = self.group_of(region)
        return sum(1 for ready in group.instances.values() if ready <= now)

    def healthy_targets(self, region: str, now: float) -> int:
        """Targets whose /health passes (the application's health contract,
        ops/emulation/application.py): none while it fails."""
        if self.health_ok is not None and not self.health_ok(region, now):
            return 0
        return self.serving(region, now)

    def _in_service_at(self, ready: float) -> float:
        """When the group calls an instance InService, from when it becomes a healthy target:
        the boot and the target group's checks that follow the EC2 checks come after it."""
        t = self.timing
        after = t.instance_boot_seconds + t.target_healthy_seconds - t.instance_in_service_seconds
        return ready - max(0.0, after)

    def _resize(self, group: Group) -> None:
        timing, now = self.timing, self.clock()
        ready_at = (
            now + timing.scale_out_seconds + timing.instance_boot_seconds + timing.target_healthy_seconds
        )
        while len(group.instances) < group.desired:
            group.instances[self._new_id()] = ready_at
        while len(group.instances) > group.desired:
            group.instances.pop(max(group.instances, key=group.instances.get))
        group.changes.append((now, group.min_size, group.desired, group.max_size))

    # --- the boto3 surface ------------------------------------------------------------
    def answer(self, operation: str, params: dict, caller: str, region: str):
        handler = getattr(self, f"_op_{operation}", None)
        if handler is None:
            return error("ValidationError", f"{operation} is not emulated", 400)
        return handler(params, region)

    def _local(self, name: str, region: str) -> Group | None:
        group = self.groups.get(name)
        return group if group and group.region == region else None

    def _op_DescribeAutoScalingGroups(self, params, region):  # noqa: N802
        names = params.get("AutoScalingGroupNames") or [g.name for g in self.groups.values()]
        now = self.clock()
        found = []
        for name in names:
            group = self._local(name, region)
            if group is None:
                continue
            found.append(
                {
                    "AutoScalingGroupName": group.name,
                    "MinSize": group.min_size,
                    "MaxSize": group.max_size,
                    "DesiredCapacity": group.desired,
                    "DefaultCooldown": 300,
                    "AvailabilityZones": [f"{region}a", f"{region}b", f"{region}c"],
                    "HealthCheckType": "ELB",
                    "HealthCheckGracePeriod": 300,
                    "CreatedTime": None,
                    "Instances": [
                        {
                            "InstanceId": i,
                            "LifecycleState": "InService" if self._in_service_at(ready) <= now else "Pending",
                            "HealthStatus": "Healthy",
                            "AvailabilityZone": f"{region}a",
                            "ProtectedFromScaleIn": False,
                        }
                        for i, ready in group.instances.items()
                    ],
                }
            )
        for entry in found:
            entry.pop("CreatedTime")
        return ok({"AutoScalingGroups": found})

    def _op_DescribeTargetHealth(self, params, region):  # noqa: N802
        """The region's one application target group (the ARN must be of this region): every
        instance the group runs is registered; "initial" until the target group's checks
        pass, then "healthy"."""
        arn = params.get("TargetGroupArn", "")
        parts = arn.split(":")
        if len(parts) < 6 or parts[2] != "elasticloadbalancing" or parts[3] != region:
            return error("TargetGroupNotFound", f"One or more target groups not found: {arn}", 400)
        group, now = self.group_of(region), self.clock()
        failing = self.healthy_targets(region, now) == 0 and self.serving(region, now) > 0
        return ok(
            {
                "TargetHealthDescriptions": [
                    {
                        "Target": {"Id": i, "Port": 443},
                        "HealthCheckPort": "443",
                        "TargetHealth": {
                            "State": "unhealthy",
                            "Reason": "Target.ResponseCodeMismatch",
                            "Description": "Health checks failed with these codes: [500]",
                        }
                        if failing and ready <= now
                        else {"State": "healthy"}
                        if ready <= now
                        else {
                            "State": "initial",
                            "Reason": "Elb.InitialHealthChecking",
                            "Description": "Initial health checks in progress",
                        },
                    }
                    for i, ready in group.instances.items()
                ]
            }
        )

    def _op_UpdateAutoScalingGroup(self, params, region):  # noqa: N802
        """Desired capacity "must be greater than or equal to the minimum size of the group
        and less than or equal to the maximum size"
        (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_UpdateAutoScalingGroup.html):
        moto 5 accepts any, so the emulation refuses it (ValidationError); an unknown group is
        a ValidationError as in moto (tests/ops/test_emulation_matches_moto.py)."""
        group = self._local(params["AutoScalingGroupName"], region)
        if group is None:
            return error("ValidationError", "AutoScalingGroup name not found", 400)
        low = params.get("MinSize", group.min_size)
        high = params.get("MaxSize", group.max_size)
        desired = params.get("DesiredCapacity", max(low, min(group.desired, high)))
        if not low <= desired <= high:
            return error("ValidationError", "desired capacity outside min..max", 400)
        group.min_size, group.max_size, group.desired = low, high, desired
        self._resize(group)
        self.record(region, f"Auto Scaling {group.name}: min {low} desired {desired} max {high}")
        return ok({})

    def _op_SetDesiredCapacity(self, params, region):  # noqa: N802
        group = self._local(params["AutoScalingGroupName"], region)
        if group is None:
            return error("ValidationError", "AutoScalingGroup name not found", 400)
        desired = params["DesiredCapacity"]
        if not group.min_size <= desired <= group.max_size:
            return error("ValidationError", "desired capacity outside min..max", 400)
        group.desired = desired
        self._resize(group)
        return ok({})
