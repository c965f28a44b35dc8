"""The data-plane heartbeat's statements, observation item and age (failover/heartbeat.py).

The SQL cannot run here (no Aurora); what each engine's statement must do is asserted on its
text, with the engine's documentation cited in the module. The observation item and its
conditional put run on moto's DynamoDB."""

from __future__ import annotations

import re

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from failover.control_table import create_table
from failover.heartbeat import (
    HEARTBEAT_TABLE,
    OBSERVATION_TTL_SECONDS,
    SQL,
    Observation,
    heartbeat_age,
    observation_from_item,
    observation_from_row,
    observation_to_item,
    put_observation_request,
    sql_for,
)

T0 = 1_800_000_000.0
TABLE = "trading-dr-dr-failover-control"


@pytest.mark.parametrize("engine", sorted(SQL))
def test_each_engine_has_idempotent_ddl_an_upsert_and_a_newest_read(engine):
    sql = sql_for(engine)
    assert sql.create.startswith(f"CREATE TABLE IF NOT EXISTS {HEARTBEAT_TABLE} ")
    assert re.search(r"region \w+\(\d+\) PRIMARY KEY", sql.create)
    assert sql.upsert.count("%s") == 2 and sql.upsert.startswith(
        f"INSERT INTO {HEARTBEAT_TABLE} (region, epoch, beat_at)"
    )
    assert "ON CONFLICT (region) DO UPDATE" in sql.upsert or "ON DUPLICATE KEY UPDATE" in sql.upsert
    # beat_at is the DATABASE's clock, never a parameter the application could skew.
    assert "clock_timestamp()" in sql.upsert or "NOW(6)" in sql.upsert
    assert f" FROM {HEARTBEAT_TABLE} ORDER BY " in sql.newest and sql.newest.startswith(
        "SELECT region, epoch, beat_at"
    )
    assert sql.newest.endswith("ORDER BY beat_at DESC LIMIT 1") and "%s" not in sql.newest


def test_an_older_epoch_never_overwrites_a_newer_epochs_heartbeat():
    assert SQL["aurora-postgresql"].upsert.endswith(f"WHERE {HEARTBEAT_TABLE}.epoch <= EXCLUDED.epoch")
    mysql = SQL["aurora-mysql"].upsert
    assert "beat_at = IF(VALUES(epoch) >= epoch, VALUES(beat_at), beat_at)" in mysql
    # MySQL applies assignments left to right: beat_at must be decided before epoch is raised.
    assert mysql.index("beat_at = IF(") < mysql.index("epoch = GREATEST(epoch, VALUES(epoch))")


def test_an_unknown_engine_is_named():
    with pytest.raises(ValueError, match="'oracle'"):
        sql_for("oracle")


def test_the_observation_item_round_trips_with_its_ttl():
    observation = Observation("us-east-1", 12, T0 - 0.75, T0, "i-0abc")
    item = observation_to_item(observation)
    assert (item["pk"], item["sk"]) == ({"S": "HEARTBEAT"}, {"S": "OBSERVED"})
    assert item["expires_at"] == {"N": str(int(T0) + OBSERVATION_TTL_SECONDS)}
    assert observation_from_item(item) == observation
    assert observation_from_item(None) is None
    assert observation_from_row(None, T0) is None
    assert observation_from_row(("us-east-1", 12, T0 - 0.75), T0, "i-0abc") == observation


@pytest.mark.parametrize("broken", ["writer_region", "epoch", "newest_at", "observed_at"])
def test_a_malformed_observation_is_an_error(broken):
    item = observation_to_item(Observation("us-east-1", 1, T0, T0))
    del item[broken]
    with pytest.raises(ValueError, match="malformed"):
        observation_from_item(item)


@mock_aws
def test_the_newest_observation_wins_and_several_observers_are_harmless():
    client = boto3.client("dynamodb", region_name="us-west-2")
    create_table(client, TABLE)
    client.put_item(**put_observation_request(TABLE, Observation("us-east-1", 3, T0 - 1, T0, "a")))
    client.put_item(**put_observation_request(TABLE, Observation("us-east-1", 3, T0 + 0.5, T0 + 1, "b")))
    late = put_observation_request(TABLE, Observation("us-east-1", 3, T0 - 2, T0 + 0.5, "slow"))
    with pytest.raises(ClientError) as refused:
        client.put_item(**late)
    assert refused.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    item = client.get_item(TableName=TABLE, Key={"pk": {"S": "HEARTBEAT"}, "sk": {"S": "OBSERVED"}})["Item"]
    assert observation_from_item(item) == Observation("us-east-1", 3, T0 + 0.5, T0 + 1, "b")


def _item(newest_at: float, observed_at: float) -> dict:
    return observation_to_item(Observation("us-east-1", 3, newest_at, observed_at))


def test_the_age_is_that_of_the_newest_replicated_heartbeat_now():
    assert heartbeat_age(_item(T0 - 1.5, T0 - 0.5), T0, 10) == pytest.approx(1.5)
    # The writer stopped: fresh observations of an old beat show a growing age.
    assert heartbeat_age(_item(T0 - 40, T0 - 0.2), T0, 10) == pytest.approx(40)
    # A beat stamped ahead of the reader's clock is age 0, never negative.
    assert heartbeat_age(_item(T0 + 0.3, T0), T0, 10) == 0.0


@pytest.mark.parametrize(
    ("item", "why"),
    [
        (None, "no observation"),
        (_item(T0 - 1, T0 - 10.5), "the observation is older than the bound"),
        (_item(T0 - 1, T0 + 10.5), "the observation is from the future (a broken clock)"),
        ({"pk": {"S": "HEARTBEAT"}, "sk": {"S": "OBSERVED"}, "epoch": {"N": "x"}}, "malformed"),
    ],
)
def test_an_unknown_age_is_none(item, why):
    assert heartbeat_age(item, T0, 10) is None, why


def test_the_bound_is_inclusive_of_a_just_fresh_observation():
    assert heartbeat_age(_item(T0 - 2, T0 - 10), T0, 10) == pytest.approx(2)
