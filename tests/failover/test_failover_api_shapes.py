"""Every AWS call the runtime makes, checked against botocore's service models through
botocore.stub.Stubber: the doubles of tests/failover/fakes.py accept whatever keyword
arguments they are given, the Stubber rejects a parameter name, type or missing required
member the way the real API would (the models are AWS's own API definitions)."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from failover import actions, capacity
from failover.arc import RoutingControls
from failover.cluster_state import ClusterView, read_cluster_view
from failover.config import ArcEndpoint
from failover.signals import observed_lag
from tests.failover.fakes import CONTROLS, DR, PRIMARY, cluster_arn

CREDS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def client(service, region=DR, **kwargs):
    return boto3.client(service, region_name=region, **CREDS, **kwargs)


def test_arc_calls_match_the_route53_recovery_cluster_model():
    arc = client(
        "route53-recovery-cluster",
        endpoint_url="https://x.route53-recovery-cluster.us-west-2.amazonaws.com/v1",
    )
    with Stubber(arc) as stub:
        for arn in (CONTROLS[DR], CONTROLS[PRIMARY]):
            stub.add_response(
                "get_routing_control_state",
                {"RoutingControlArn": arn, "RoutingControlState": "Off"},
                {"RoutingControlArn": arn},
            )
        stub.add_response(
            "update_routing_control_states",
            {},
            {
                "UpdateRoutingControlStateEntries": [
                    {"RoutingControlArn": CONTROLS[DR], "RoutingControlState": "On"},
                    {"RoutingControlArn": CONTROLS[PRIMARY], "RoutingControlState": "Off"},
                ]
            },
        )
        rc = RoutingControls(
            [ArcEndpoint("https://x", DR)], lambda url, region: arc, CONTROLS[DR], CONTROLS[PRIMARY]
        )
        assert rc.states() == {"home": "Off", "peer": "Off"}
        rc.activate_home()
        stub.assert_no_pending_responses()


def _global(writer=PRIMARY, state=None):
    g = {
        "GlobalClusterIdentifier": "trading-global",
        "Status": "available",
        "Engine": "aurora-postgresql",
        "EngineVersion": "15.4",
        "GlobalClusterMembers": [
            {"DBClusterArn": cluster_arn(r), "IsWriter": r == writer} for r in (PRIMARY, DR)
        ],
    }
    if state:
        g["FailoverState"] = state
    return {"GlobalClusters": [g]}


LOCAL = {
    "DBClusters": [
        {
            "DBClusterIdentifier": "trading-dr-db",
            "Engine": "aurora-postgresql",
            "EngineVersion": "15.4",
            "Status": "available",
            "DBClusterMembers": [{"DBInstanceIdentifier": "dr-1", "IsClusterWriter": False}],
        }
    ]
}


def _view_calls(stub, writer=PRIMARY, state=None):
    stub.add_response(
        "describe_global_clusters", _global(writer, state), {"GlobalClusterIdentifier": "trading-global"}
    )
    stub.add_response("describe_db_clusters", LOCAL, {"DBClusterIdentifier": "trading-dr-db"})


def test_failover_global_cluster_call_and_reconcile_match_the_rds_model():
    rds = client("rds")
    target = cluster_arn(DR)
    with Stubber(rds) as stub:
        _view_calls(stub)
        stub.add_client_error("failover_global_cluster", "Throttling", http_status_code=400)
        _view_calls(stub)
        stub.add_response(
            "failover_global_cluster",
            {},
            {
                "GlobalClusterIdentifier": "trading-global",
                "TargetDbClusterIdentifier": target,
                "AllowDataLoss": True,
            },
        )
        outcome = actions.request_promotion(
            rds,
            "failover",
            "trading-global",
            target,
            lambda: read_cluster_view(rds, "trading-global", "trading-dr-db", target),
            sleep=lambda s: None,
        )
        assert outcome.status == actions.DONE
        stub.assert_no_pending_responses()


def test_switchover_create_instance_and_snapshot_calls_match_the_rds_model():
    rds = client("rds")
    target = cluster_arn(DR)
    with Stubber(rds) as stub:
        _view_calls(stub)
        stub.add_response(
            "switchover_global_cluster",
            {},
            {"GlobalClusterIdentifier": "trading-global", "TargetDbClusterIdentifier": target},
        )
        read = lambda: read_cluster_view(rds, "trading-global", "trading-dr-db", target)  # noqa: E731
        assert (
            actions.request_promotion(
                rds, "switchover", "trading-global", target, read, lambda s: None
            ).status
            == "done"
        )
        stub.add_response(
            "create_db_instance",
            {},
            {
                "DBInstanceIdentifier": "trading-dr-db-failover-writer",
                "DBClusterIdentifier": "trading-dr-db",
                "Engine": "aurora-postgresql",
                "DBInstanceClass": "db.r6g.large",
                "AutoMinorVersionUpgrade": False,
            },
        )
        headless = ClusterView(found=True, local={"Engine": "aurora-postgresql", "DBClusterMembers": []})
        assert actions.ensure_writer_instance(rds, headless, "trading-dr-db", "db.r6g.large").status == "done"
        stub.add_response(
            "describe_db_instances",
            {"DBInstances": [{"DBInstanceIdentifier": "dr-1", "DBInstanceStatus": "available"}]},
            {"DBInstanceIdentifier": "dr-1"},
        )
        assert actions.instance_available(rds, "dr-1")
        source = "rds:unplanned-global-failover-trading-primary-db-2026"
        stub.add_response(
            "describe_db_cluster_snapshots",
            {"DBClusterSnapshots": [{"DBClusterSnapshotIdentifier": source, "Status": "available"}]},
            {"SnapshotType": "automated"},
        )
        stub.add_response(
            "describe_db_cluster_snapshots", {"DBClusterSnapshots": []}, {"SnapshotType": "manual"}
        )
        stub.add_response(
            "copy_db_cluster_snapshot",
            {},
            {
                "SourceDBClusterSnapshotIdentifier": source,
                "TargetDBClusterSnapshotIdentifier": actions.kept_snapshot_id(source),
                "CopyTags": True,
            },
        )
        assert actions.preserve_failover_snapshots(rds)
        stub.assert_no_pending_responses()


def test_a_snapshot_still_being_created_waits_and_one_copied_meanwhile_counts_as_kept():
    """CopyDBClusterSnapshot needs an 'available' source; a copy another invocation made
    between our read and our call (DBClusterSnapshotAlreadyExistsFault) is kept all the same."""
    rds = client("rds")
    creating = "rds:unplanned-global-failover-trading-primary-db-2026-a"
    ready = "rds:unplanned-global-failover-trading-primary-db-2026-b"
    with Stubber(rds) as stub:
        stub.add_response(
            "describe_db_cluster_snapshots",
            {
                "DBClusterSnapshots": [
                    {"DBClusterSnapshotIdentifier": creating, "Status": "creating"},
                    {"DBClusterSnapshotIdentifier": ready, "Status": "available"},
                ]
            },
            {"SnapshotType": "automated"},
        )
        stub.add_response(
            "describe_db_cluster_snapshots", {"DBClusterSnapshots": []}, {"SnapshotType": "manual"}
        )
        stub.add_client_error(
            "copy_db_cluster_snapshot",
            service_error_code="DBClusterSnapshotAlreadyExistsFault",
            http_status_code=400,
            expected_params={
                "SourceDBClusterSnapshotIdentifier": ready,
                "TargetDBClusterSnapshotIdentifier": actions.kept_snapshot_id(ready),
                "CopyTags": True,
            },
        )
        assert actions.preserve_failover_snapshots(rds) == [actions.kept_snapshot_id(ready)]
        stub.assert_no_pending_responses()


def test_autoscaling_calls_match_the_model():
    autoscaling = client("autoscaling")
    group = {
        "AutoScalingGroupName": "app",
        "MinSize": 0,
        "MaxSize": 4,
        "DesiredCapacity": 0,
        "DefaultCooldown": 300,
        "AvailabilityZones": ["us-west-2a"],
        "HealthCheckType": "ELB",
        "CreatedTime": "2026-01-01T00:00:00Z",
    }
    with Stubber(autoscaling) as stub:
        stub.add_response(
            "describe_auto_scaling_groups", {"AutoScalingGroups": [group]}, {"AutoScalingGroupNames": ["app"]}
        )
        stub.add_response(
            "update_auto_scaling_group",
            {},
            {"AutoScalingGroupName": "app", "MinSize": 2, "DesiredCapacity": 2, "MaxSize": 4},
        )
        assert capacity.scale_to(autoscaling, "app", 2)["desired"] == 0
        stub.assert_no_pending_responses()


def test_target_health_call_matches_the_elbv2_model():
    elbv2 = client("elbv2")
    arn = "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/app/0123456789abcdef"
    with Stubber(elbv2) as stub:
        stub.add_response(
            "describe_target_health",
            {
                "TargetHealthDescriptions": [
                    {"Target": {"Id": "i-1", "Port": 443}, "TargetHealth": {"State": "healthy"}},
                    {
                        "Target": {"Id": "i-2", "Port": 443},
                        "TargetHealth": {"State": "initial", "Reason": "Elb.InitialHealthChecking"},
                    },
                ]
            },
            {"TargetGroupArn": arn},
        )
        assert capacity.healthy_targets(elbv2, arn) == (1, 2)
        stub.assert_no_pending_responses()


def test_data_api_and_lag_calls_match_the_models():
    data = client("rds-data")
    secret = "arn:aws:secretsmanager:us-west-2:123456789012:secret:db"
    view = ClusterView(found=True, local={"Engine": "aurora-postgresql"})
    with Stubber(data) as stub:
        for _ in range(2):
            stub.add_response("execute_statement", {})
        assert (
            actions.test_write(data, view, cluster_arn(DR), secret, "postgres", 3, "x:epoch-3", DR).status
            == "done"
        )
        stub.assert_no_pending_responses()
    cloudwatch = client("cloudwatch")
    with Stubber(cloudwatch) as stub:
        for _ in range(2):
            stub.add_response("get_metric_statistics", {"Datapoints": []})
        assert observed_lag(cloudwatch, "trading-dr-db", 1_800_000_000.0, 120).seconds is None
        stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    "service", ["rds", "dynamodb", "sns", "cloudwatch", "autoscaling", "elbv2", "rds-data"]
)
def test_home_clients_exist_for_every_service_the_runtime_uses(service):
    assert client(service).meta.service_model.service_name == service
