"""The home region's application capacity: scale the Auto Scaling group to full size on
promotion (pilot-light runs 0/0, warm standby runs at minimum; neither can take the whole
load), and a REVERSIBLE pre-warm at the first "peer down" vote that is undone when the peer
is seen healthy again (the sizes before it are kept in the control table).

Sizes are set with UpdateAutoScalingGroup, which is idempotent: setting the same sizes
twice changes nothing (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_UpdateAutoScalingGroup.html).
MinSize is raised with DesiredCapacity so that a scale-in policy cannot undo it.
"""

from __future__ import annotations


def sizes(autoscaling, name: str) -> dict:
    groups = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"]
    if not groups:
        raise LookupError(f"Auto Scaling group {name} not found")
    g = groups[0]
    in_service = sum(
        1
        for i in g.get("Instances", [])
        if i.get("LifecycleState") == "InService" and i.get("HealthStatus", "Healthy") == "Healthy"
    )
    return {
        "min": g["MinSize"],
        "desired": g["DesiredCapacity"],
        "max": g["MaxSize"],
        "in_service": in_service,
    }


def healthy_targets(elbv2, target_group_arn: str) -> tuple[int, int]:
    """(healthy, registered) targets of the group as the load balancer sees them: it routes
    only to targets whose state is "healthy"; a new target is "initial" until it passes the
    health checks (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html,
    https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeTargetHealth.html)."""
    descriptions = elbv2.describe_target_health(TargetGroupArn=target_group_arn)["TargetHealthDescriptions"]
    healthy = sum(1 for d in descriptions if d.get("TargetHealth", {}).get("State") == "healthy")
    return healthy, len(descriptions)


def scale_to(autoscaling, name: str, capacity: int) -> dict:
    """Min and desired at `capacity`, max at least that; returns the sizes before."""
    before = sizes(autoscaling, name)
    if before["min"] >= capacity and before["desired"] >= capacity:
        return before
    autoscaling.update_auto_scaling_group(
        AutoScalingGroupName=name,
        MinSize=max(before["min"], capacity),
        DesiredCapacity=max(before["desired"], capacity),
        MaxSize=max(before["max"], capacity),
    )
    return before


def restore(autoscaling, name: str, original: dict) -> None:
    autoscaling.update_auto_scaling_group(
        AutoScalingGroupName=name,
        MinSize=original["min"],
        DesiredCapacity=original["desired"],
        MaxSize=original["max"],
    )
