"""The drill's emulations (the same ones the failover tests use, through tests/failover/fakes.py)
against moto, where moto models the behaviour: the same requests, the same assertions on
both. What moto cannot model (FailoverGlobalCluster, ARC's data plane, time) is covered by
tests/ops/test_drill_emulation.py and cites AWS's documentation next to the emulation.
The control table's DynamoDB calls are checked the same way in tests/failover/test_control_table.py."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from tests.failover.fakes import DR, Clock, FakeAsg, FakeRds, GlobalCluster

GROUP = "trading-us-west-2-app"
CLUSTER = "trading-dr-db"


@pytest.fixture(params=["emulation", "moto"])
def rds(request):
    if request.param == "emulation":
        yield FakeRds(GlobalCluster(Clock()), DR)
        return
    with mock_aws():
        client = boto3.client("rds", region_name=DR)
        client.create_db_cluster(
            DBClusterIdentifier=CLUSTER,
            Engine="aurora-postgresql",
            MasterUsername="trading",
            MasterUserPassword="not-a-secret-1",
        )
        yield client


@pytest.fixture(params=["emulation", "moto"])
def autoscaling(request):
    if request.param == "emulation":
        yield FakeAsg(Clock(), DR, GROUP, 0, 0, 4)
        return
    with mock_aws():
        client = boto3.client("autoscaling", region_name=DR)
        client.create_launch_configuration(
            LaunchConfigurationName="lc", ImageId="ami-12c6146b", InstanceType="t3.micro"
        )
        client.create_auto_scaling_group(
            AutoScalingGroupName=GROUP,
            LaunchConfigurationName="lc",
            MinSize=0,
            MaxSize=4,
            DesiredCapacity=0,
            AvailabilityZones=[f"{DR}a"],
        )
        yield client


def _error(call) -> tuple[str, int]:
    with pytest.raises(ClientError) as caught:
        call()
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def _create(rds, identifier: str, cluster: str = CLUSTER):
    return rds.create_db_instance(
        DBInstanceIdentifier=identifier,
        DBClusterIdentifier=cluster,
        Engine="aurora-postgresql",
        DBInstanceClass="db.r6g.large",
        AutoMinorVersionUpgrade=False,
    )


def test_an_unknown_instance_is_not_found(rds):
    assert _error(lambda: rds.describe_db_instances(DBInstanceIdentifier="nobody")) == (
        "DBInstanceNotFound",
        404,
    )


def test_an_instance_id_is_taken_once(rds):
    _create(rds, "trading-dr-db-writer")
    [instance] = rds.describe_db_instances(DBInstanceIdentifier="trading-dr-db-writer")["DBInstances"]
    assert instance["DBInstanceIdentifier"] == "trading-dr-db-writer"
    assert instance["DBInstanceStatus"] in ("creating", "available")
    assert _error(lambda: _create(rds, "trading-dr-db-writer")) == ("DBInstanceAlreadyExists", 400)


def test_an_instance_needs_an_existing_cluster(rds):
    assert _error(lambda: _create(rds, "orphan", cluster="no-such-cluster")) == (
        "DBClusterNotFoundFault",
        404,
    )


def test_an_unknown_group_cannot_be_updated(autoscaling):
    code, status = _error(
        lambda: autoscaling.update_auto_scaling_group(
            AutoScalingGroupName="no-such-group", MinSize=1, DesiredCapacity=1, MaxSize=4
        )
    )
    assert (code, status) == ("ValidationError", 400)


def test_a_group_update_sets_the_sizes_it_names(autoscaling):
    autoscaling.update_auto_scaling_group(AutoScalingGroupName=GROUP, MinSize=2, DesiredCapacity=2, MaxSize=4)
    [group] = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP])["AutoScalingGroups"]
    assert (group["MinSize"], group["DesiredCapacity"], group["MaxSize"]) == (2, 2, 4)
    assert len(group["Instances"]) == 2


def test_the_emulation_refuses_a_desired_capacity_outside_min_and_max():
    """AWS: DesiredCapacity must lie between MinSize and MaxSize
    (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_UpdateAutoScalingGroup.html);
    moto accepts any, so this is the emulation's alone."""
    group = FakeAsg(Clock(), DR, GROUP, 0, 0, 4)
    for sizes in (
        {"MinSize": 2, "DesiredCapacity": 5, "MaxSize": 4},
        {"MinSize": 3, "DesiredCapacity": 1, "MaxSize": 4},
    ):
        code = _error(
            lambda sizes=sizes: group.update_auto_scaling_group(AutoScalingGroupName=GROUP, **sizes)
        )
        assert code == ("ValidationError", 400)
    assert (group.min, group.desired, group.max) == (0, 0, 4)
