"""The drill's emulations of what moto lacks, each against the AWS rule it encodes (cited in
ops/emulation/*): real boto3 clients, routed through the world, answered by the emulation.
moto cannot enforce any of these, so these tests are where they are enforced."""

from __future__ import annotations

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config
from moto import mock_aws

from components.settings import parse_settings
from ops.emulation.dr_world import DrWorld, WorldSpec
from ops.emulation.routing_controls import control_arn
from ops.stack_config import effective_config
from ops.timing_model import timing_model
from tests.ops.drill_support import EAST, WEST, region_spec


@pytest.fixture
def world():
    """A hot-standby pair; the dr cluster is headless when a test asks for it."""
    settings = parse_settings(effective_config("dr"), "dr")
    with mock_aws():
        yield lambda dr_instances=1, dr_desired=3, lag=1.0: DrWorld(
            spec=WorldSpec(
                primary=region_spec(EAST, 2, 3),
                dr=region_spec(WEST, dr_instances, dr_desired),
                global_id="global",
                engine="aurora-postgresql",
                engine_version="16.6",
                app_fqdn="app.trading.example.com",
            ),
            timing=timing_model(settings, promotion_seconds=120),
            promotion_seconds=120,
            replication_lag=lag,
            start=1_767_225_600.0,
        )


def rds(world: DrWorld, home: str):
    return world.install(boto3.client("rds", region_name=home), home)


def arc(world: DrWorld, home: str, endpoint_region: str):
    client = boto3.client(
        "route53-recovery-cluster",
        region_name=endpoint_region,
        endpoint_url=f"https://x.route53-recovery-cluster.{endpoint_region}.amazonaws.com/v1",
        config=Config(connect_timeout=2, read_timeout=2, retries={"total_max_attempts": 1}),
    )
    return world.install(client, home, endpoint_region)


def failover(client, world: DrWorld, **extra):
    return client.failover_global_cluster(
        GlobalClusterIdentifier="global",
        TargetDbClusterIdentifier=world.aurora.by_region(WEST).arn,
        AllowDataLoss=True,
        **extra,
    )


def test_the_survivor_still_sees_the_dead_primary_as_the_writer(world):
    """AWS documents no change in a secondary's view when its primary's region is lost."""
    w = world()
    w.network.down.add(EAST)
    w.advance(300)
    [cluster] = rds(w, WEST).describe_global_clusters(GlobalClusterIdentifier="global")["GlobalClusters"]
    writer = next(m for m in cluster["GlobalClusterMembers"] if m["IsWriter"])
    assert writer["DBClusterArn"] == w.aurora.by_region(EAST).arn
    assert cluster["Status"] == "available"


def test_a_failover_takes_the_promotion_time_and_loses_only_unreplicated_writes(world):
    w = world(lag=5.0)
    w.advance(60)  # the client writes once a second through the primary
    w.network.down.add(EAST)
    client = rds(w, WEST)
    failover(client, w)
    [cluster] = client.describe_global_clusters()["GlobalClusters"]
    assert cluster["FailoverState"]["Status"] == "failing-over"
    w.advance(119)
    assert w.aurora.writer_region() == EAST
    w.advance(2)
    assert w.aurora.writer_region() == WEST
    # The writes of the last `lag` seconds (each client writes once a second) never reached us-west-2.
    clients = len(w.stream.clients)
    assert 4 * clients <= w.lost_writes() <= 6 * clients
    assert all(write.region == EAST for write in w.aurora.lost)


def test_a_headless_cluster_cannot_be_promoted_until_an_instance_is_added(world):
    """AWS: a headless secondary needs a DB instance before it can become the writer."""
    w = world(dr_instances=0, dr_desired=0)
    client = rds(w, WEST)
    with pytest.raises(client.exceptions.InvalidDBClusterStateFault):
        failover(client, w)
    client.create_db_instance(
        DBInstanceIdentifier="writer",
        DBClusterIdentifier=f"trading-dr-{WEST}",
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
    )
    [instance] = client.describe_db_instances(DBInstanceIdentifier="writer")["DBInstances"]
    assert instance["DBInstanceStatus"] == "creating"
    w.advance(w.timing.writer_instance_seconds)
    failover(client, w)


def test_api_faults_are_answered_in_order_and_a_lost_answer_was_applied(world):
    w = world()
    w.network.api_faults["FailoverGlobalCluster"].extend(["throttle", "5xx", "lost"])
    client = rds(w, WEST)
    with pytest.raises(botocore.exceptions.ClientError, match="Throttling"):
        failover(client, w)
    with pytest.raises(botocore.exceptions.ClientError, match="InternalFailure"):
        failover(client, w)
    assert w.aurora.operation is None  # neither was applied
    with pytest.raises(botocore.exceptions.ReadTimeoutError):
        failover(client, w)
    assert w.aurora.operation is not None and len(w.aurora.accepted) == 1  # applied, answer lost
    with pytest.raises(client.exceptions.InvalidGlobalClusterStateFault):
        failover(client, w)  # a retry of an accepted call is refused, not applied twice


def test_a_switchover_needs_the_writer_reachable_and_loses_nothing(world):
    w = world(lag=3.0)
    w.advance(30)
    client = rds(w, WEST)
    client.switchover_global_cluster(
        GlobalClusterIdentifier="global", TargetDbClusterIdentifier=w.aurora.by_region(WEST).arn
    )
    w.advance(200)
    assert w.aurora.writer_region() == WEST and w.lost_writes() == 0
    w.network.partitions.add(frozenset((EAST, WEST)))
    with pytest.raises(client.exceptions.InvalidGlobalClusterStateFault):
        rds(w, EAST).switchover_global_cluster(
            GlobalClusterIdentifier="global", TargetDbClusterIdentifier=w.aurora.by_region(EAST).arn
        )


def test_an_old_writer_cut_off_by_a_partition_keeps_accepting_writes(world):
    """Write fencing of the old primary is best effort: the drill assumes the worst."""
    w = world()
    w.network.partitions.add(frozenset((EAST, WEST)))
    failover(rds(w, WEST), w)
    w.advance(121)
    assert w.accepting() == {EAST, WEST}
    assert any(v.invariant == "one_writer" for v in w.violations)
    w.network.partitions.clear()
    w.advance(1)
    assert w.accepting() == {WEST}  # fenced once it can be reached


def test_arc_keeps_exactly_one_region_on_and_times_out_unreachable_endpoints(world):
    w = world()
    client = arc(w, WEST, "eu-west-1")
    both_on = [
        {"RoutingControlArn": control_arn(EAST), "RoutingControlState": "On"},
        {"RoutingControlArn": control_arn(WEST), "RoutingControlState": "On"},
    ]
    with pytest.raises(client.exceptions.ConflictException):
        client.update_routing_control_states(UpdateRoutingControlStateEntries=both_on)
    with pytest.raises(client.exceptions.ConflictException):
        client.update_routing_control_state(RoutingControlArn=control_arn(EAST), RoutingControlState="Off")
    flip = [
        {"RoutingControlArn": control_arn(EAST), "RoutingControlState": "Off"},
        {"RoutingControlArn": control_arn(WEST), "RoutingControlState": "On"},
    ]
    client.update_routing_control_states(UpdateRoutingControlStateEntries=flip)
    assert w.arc.on_regions() == {WEST}
    state = arc(w, WEST, "us-west-2").get_routing_control_state(RoutingControlArn=control_arn(WEST))
    assert state["RoutingControlState"] == "On"  # every endpoint answers the same state
    w.network.down.add(EAST)
    before = w.now
    with pytest.raises(botocore.exceptions.ConnectTimeoutError):
        arc(w, WEST, EAST).get_routing_control_state(RoutingControlArn=control_arn(WEST))
    assert w.now - before == pytest.approx(2.0)  # the client's connect timeout, one attempt


def test_dns_answers_primary_when_both_records_are_unhealthy_and_caches_for_the_ttl(world):
    """Route 53 failover routing answers PRIMARY when both records are unhealthy."""
    w = world(dr_desired=0)  # a pilot-light DR: no healthy target
    w.arc.state = {control_arn(EAST): False, control_arn(WEST): True}
    w.network.down.add(EAST)
    w.advance(60)
    assert w.route53.app_answer() == EAST  # both unhealthy: PRIMARY
    answer, expires = w.stream.resolver.cache["app.trading.example.com"]
    assert answer == EAST and w.now < expires <= w.now + w.timing.dns_ttl_seconds


def test_a_scaled_out_instance_serves_only_after_boot_and_health_checks(world):
    w = world(dr_desired=0)
    client = w.install(boto3.client("autoscaling", region_name=WEST), WEST)
    client.update_auto_scaling_group(AutoScalingGroupName=f"asg-{WEST}", MinSize=3, DesiredCapacity=3)
    ready = w.timing.scale_out_seconds + w.timing.instance_boot_seconds + w.timing.target_healthy_seconds
    w.advance(ready - 2)
    assert w.compute.healthy_targets(WEST, w.now) == 0
    w.advance(2)
    assert w.compute.healthy_targets(WEST, w.now) == 3


def test_an_instance_is_in_service_in_its_group_before_it_is_a_healthy_target(world):
    """AWS: the group marks an instance InService once it runs and passes the EC2 checks
    (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-lifecycle.html);
    the load balancer routes to it only once its own checks pass. The emulation keeps the two
    apart, so a runtime that fenced on InService would be caught by the client stream."""
    w = world(dr_desired=0)
    autoscaling = w.install(boto3.client("autoscaling", region_name=WEST), WEST)
    elbv2 = w.install(boto3.client("elbv2", region_name=WEST), WEST)
    arn = f"arn:aws:elasticloadbalancing:{WEST}:123456789012:targetgroup/app/0123456789abcdef"
    autoscaling.update_auto_scaling_group(AutoScalingGroupName=f"asg-{WEST}", MinSize=3, DesiredCapacity=3)
    w.advance(w.timing.scale_out_seconds + w.timing.instance_in_service_seconds)
    group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[f"asg-{WEST}"])
    assert {i["LifecycleState"] for i in group["AutoScalingGroups"][0]["Instances"]} == {"InService"}
    states = [
        d["TargetHealth"]["State"]
        for d in elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
    ]
    assert states == ["initial"] * 3 and w.compute.healthy_targets(WEST, w.now) == 0
    w.advance(w.timing.instance_boot_seconds + w.timing.target_healthy_seconds)
    states = [
        d["TargetHealth"]["State"]
        for d in elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
    ]
    assert states == ["healthy"] * 3
    with pytest.raises(botocore.exceptions.ClientError, match="TargetGroupNotFound"):
        elbv2.describe_target_health(TargetGroupArn=arn.replace(WEST, EAST))


def test_a_region_that_cannot_reach_its_own_services_times_out_with_the_clients_settings(world):
    w = world()
    w.network.impaired.add(WEST)
    client = w.install(
        boto3.client(
            "dynamodb", region_name=WEST, config=Config(connect_timeout=3, retries={"total_max_attempts": 2})
        ),
        WEST,
    )
    before = w.now
    with pytest.raises(botocore.exceptions.ConnectTimeoutError):
        client.get_item(TableName=f"control-{WEST}", Key={"pk": {"S": "x"}, "sk": {"S": "y"}})
    assert w.now - before == pytest.approx(6.0)
    # Another region's services still answer a caller in the impaired region.
    w.install(boto3.client("rds", region_name=EAST), WEST).describe_global_clusters()


def test_the_data_api_writes_only_on_the_writer(world):
    """A secondary cluster is read-only; the runtime's test write must fail there."""
    w = world()
    data = w.install(boto3.client("rds-data", region_name=WEST), WEST)
    common = {
        "resourceArn": w.aurora.by_region(WEST).arn,
        "secretArn": f"arn:aws:secretsmanager:{WEST}:123456789012:secret:db",
        "database": "trading",
    }
    with pytest.raises(data.exceptions.DatabaseErrorException):
        data.execute_statement(sql="INSERT INTO t VALUES (1)", **common)
    w.network.down.add(EAST)
    failover(rds(w, WEST), w)
    w.advance(121)
    assert data.execute_statement(sql="INSERT INTO t VALUES (1)", **common)["numberOfRecordsUpdated"] == 1


def test_a_killed_process_makes_no_further_call_not_even_in_a_finally(world):
    """A process killed mid-promotion runs no cleanup: its lock must expire on its own."""
    from ops.emulation.network import Killed

    w = world()
    w.network.down.add(EAST)
    w.network.kill_after.add("FailoverGlobalCluster")
    client = rds(w, WEST)
    with pytest.raises(Killed):
        failover(client, w)
    assert len(w.aurora.accepted) == 1  # AWS accepted the call before the process died
    with pytest.raises(Killed):
        client.describe_global_clusters()
    w.revive()
    client.describe_global_clusters()


def test_dynamodb_is_charged_its_documented_latency_and_other_apis_the_assumed_round_trip(world):
    """DynamoDB: "single-digit millisecond performance at any scale"
    (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Introduction.html), so a
    control-table call is not charged the 200 ms round trip assumed for RDS, ARC, Auto Scaling
    and CloudWatch, which would add seconds to every evaluation that the orchestrator would
    not spend."""
    w = world()
    dynamodb = w.install(boto3.client("dynamodb", region_name=WEST), WEST)
    before = w.now
    dynamodb.list_tables()
    assert w.now - before == pytest.approx(w.timing.dynamodb_latency_seconds)
    before = w.now
    rds(w, WEST).describe_global_clusters()
    assert w.now - before == pytest.approx(w.timing.api_latency_seconds)
