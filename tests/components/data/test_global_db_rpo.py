"""rds.global_db_rpo (Aurora PostgreSQL): set on the primary's cluster parameter group only,
to the RPO gate's bound by default. AWS: "In a global database with only two AWS Regions, we
recommend keeping the rds.global_db_rpo parameter's default value in the secondary Region's
parameter group" and the value is 20 to 2,147,483,647 seconds
(https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html).
The mock engine accepts any parameter; these rules are encoded here."""

from __future__ import annotations

import pytest

from components.data.aurora_plan import global_rpo_seconds
from components.settings import SettingsError
from ops.mock_engine import run_both
from ops.stack_config import stack_settings

GROUP = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
POSTGRES = {"trading-dr:dbEngine": "aurora-postgresql"}


def rpo_of(run) -> str | None:
    (group,) = run.of_type(GROUP)
    values = {p["name"]: p["value"] for p in group.inputs["parameters"]}
    return values.get("rds.global_db_rpo")


@pytest.fixture(scope="module")
def postgres():
    return run_both({"primary": POSTGRES, "dr": POSTGRES})


def test_only_the_primary_postgres_cluster_bounds_its_rpo(postgres):
    primary, dr = postgres
    assert rpo_of(primary) == str(primary.settings.failover.max_lag_seconds)
    # The secondary keeps the default: a failover to it must not pause its commits.
    assert rpo_of(dr) is None


def test_the_bound_is_configurable_and_can_be_left_unset():
    primary = stack_settings("primary", {**POSTGRES, "trading-dr:dbGlobalRpoSeconds": 45})
    assert primary.failover.global_db_rpo_seconds == 45
    off = stack_settings("primary", {**POSTGRES, "trading-dr:dbGlobalRpoSeconds": -1})
    assert off.failover.global_db_rpo_seconds is None
    assert global_rpo_seconds(off.database, "primary", off.failover.global_db_rpo_seconds) is None


def test_a_bound_below_the_parameters_minimum_is_refused_naming_the_key():
    with pytest.raises(
        SettingsError, match=r"dbGlobalRpoSeconds = 0 .*at least 20.*maxReplicationLagSeconds=10"
    ):
        stack_settings("primary", {**POSTGRES, "trading-dr:maxReplicationLagSeconds": 10})
    with pytest.raises(SettingsError, match="dbGlobalRpoSeconds = 19:"):
        stack_settings("primary", {**POSTGRES, "trading-dr:dbGlobalRpoSeconds": 19})
    # MySQL has no such parameter: the gate's bound alone applies.
    mysql = stack_settings("primary", {"trading-dr:maxReplicationLagSeconds": 10})
    assert global_rpo_seconds(mysql.database, "primary", mysql.failover.global_db_rpo_seconds) is None


def test_mysql_clusters_carry_no_rpo_parameter(primary, dr):
    assert rpo_of(primary) is None and rpo_of(dr) is None


def test_with_postgres_the_regions_differ_only_by_role_and_the_primarys_rpo(postgres):
    from tests.components.traffic.test_traffic_symmetry import ROLE_INPUTS, ROLE_PARAMETERS, differences

    primary, dr = postgres
    found = differences(primary, dr) - ROLE_PARAMETERS
    beyond_role = {d for d in found if (d[0], d[2]) not in ROLE_INPUTS}
    # The one justified extra role difference: rds.global_db_rpo on the primary only.
    assert {(t, f) for t, _, f in beyond_role} == {(GROUP, "parameters")}
