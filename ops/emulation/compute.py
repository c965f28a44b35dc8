"""Each region's application Auto Scaling group and its ALB target health, emulated on the
boto3 `autoscaling` surface, on the drill's clock.

A raised desired capacity launches instances that serve only after the scale-out delay, the
boot time and the target group's healthy threshold x interval (all from the timing model;
https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-health-checks.html,
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html).
The group's health-check grace period does not gate the ALB: traffic starts when the target
group says healthy. A region that is gone has no healthy target.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ops.emulation.dr_world import DrWorld


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
    def __init__(self, world: DrWorld, groups: dict[str, Group]):
        self.world, self.groups = world, groups
        self._ids = itertools.count()
        for group in groups.values():
            for _ in range(group.desired):
                group.instances[self._new_id()] = world.now  # serving already

    def _new_id(self) -> str:
        return f"i-{next(self._ids):017x}"

    def group_of(self, region: str) -> Group:
        return next(g for g in self.groups.values() if g.region == region)

    def healthy_targets(self, region: str, now: float) -> int:
        if region in self.world.network.down:
            return 0
        group = self.group_of(region)
        return sum(1 for ready in group.instances.values() if ready <= now)

    def _resize(self, group: Group) -> None:
        timing, now = self.world.timing, self.world.now
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
            return self.world.error("ValidationError", f"{operation} is not emulated", 400)
        return handler(params, region)

    def _local(self, name: str, region: str) -> Group | None:
        group = self.groups.get(name)
        return group if group and group.region == region else None

    def _op_DescribeAutoScalingGroups(self, params, region):  # noqa: N802
        names = params.get("AutoScalingGroupNames") or [g.name for g in self.groups.values()]
        now = self.world.now
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
                            "LifecycleState": "InService" if ready <= now else "Pending",
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
        return self.world.ok({"AutoScalingGroups": found})

    def _op_UpdateAutoScalingGroup(self, params, region):  # noqa: N802
        group = self._local(params["AutoScalingGroupName"], region)
        if group is None:
            return self.world.error("ValidationError", "AutoScalingGroup name not found", 400)
        low = params.get("MinSize", group.min_size)
        high = params.get("MaxSize", group.max_size)
        desired = params.get("DesiredCapacity", max(low, min(group.desired, high)))
        if not low <= desired <= high:
            return self.world.error("ValidationError", "desired capacity outside min..max", 400)
        group.min_size, group.max_size, group.desired = low, high, desired
        self._resize(group)
        self.world.record(region, f"Auto Scaling {group.name}: min {low} desired {desired} max {high}")
        return self.world.ok({})

    def _op_SetDesiredCapacity(self, params, region):  # noqa: N802
        group = self._local(params["AutoScalingGroupName"], region)
        if group is None:
            return self.world.error("ValidationError", "AutoScalingGroup name not found", 400)
        desired = params["DesiredCapacity"]
        if not group.min_size <= desired <= group.max_size:
            return self.world.error("ValidationError", "desired capacity outside min..max", 400)
        group.desired = desired
        self._resize(group)
        return self.world.ok({})
