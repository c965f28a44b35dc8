"""The pilot-light writer creation is authorised (a denial fails only at failover time).

rds:CreateDBInstance is authorised against the instance (`db`) and also against the cluster,
option group, parameter group and subnet group it lands in
(https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonrds.html,
CreateDBInstance row: db*, cluster, og, pg, secgrp, subgrp). The request names only the
cluster (failover/actions.py), so the instance takes the cluster's subnet group and the
engine's default parameter and option groups; IAM is not emulated by moto, so the policy
is evaluated here (tests/iam_eval.py)."""

from __future__ import annotations

import json

import pytest

from failover.actions import writer_instance_id
from tests.iam_eval import allows

ACCOUNT = "123456789012"


@pytest.mark.parametrize("stack", ["primary", "dr"])
def test_every_resource_create_db_instance_checks_is_granted(by_stack, stack):
    run = by_stack[stack]
    region = run.settings.home_region
    cluster = run.one("aws:rds/cluster:Cluster")
    subnet_group = run.one("aws:rds/subnetGroup:SubnetGroup")
    document = json.loads(run.one("aws:iam/rolePolicy:RolePolicy", "home-failover-policy").inputs["policy"])
    rds = f"arn:aws:rds:{region}:{ACCOUNT}"
    family = {"aurora-mysql": "aurora-mysql8.0", "aurora-postgresql": "aurora-postgresql16"}[
        run.settings.database.engine
    ]
    checked = [
        f"{rds}:db:{writer_instance_id(cluster.inputs['clusterIdentifier'])}",
        cluster.outputs["arn"],
        f"{rds}:subgrp:{subnet_group.inputs['name']}",
        f"{rds}:pg:default.{family}",
        f"{rds}:og:default:{run.settings.database.engine}-8-0",
    ]
    for arn in checked:
        assert allows(document, "rds:CreateDBInstance", arn), arn
    # Exactly those: not another instance, subnet group or a custom parameter group.
    for arn in (f"{rds}:db:other", f"{rds}:subgrp:other", f"{rds}:pg:custom", f"{rds}:og:custom"):
        assert not allows(document, "rds:CreateDBInstance", arn), arn
    assert not allows(document, "rds:CreateDBInstance", checked[2].replace(region, "eu-west-1"))
