"""The data-plane heartbeat (docs/WRITE_LEASE.md, "The heartbeat"). Standard library only: the
default application ships this file byte for byte, the orchestrator and the drill import it.

- The lease holder upserts its row of trading_dr_heartbeat (region, epoch, beat_at = the
  database's clock in epoch seconds, immune to session time zones) every second through its
  leased write path; the upsert never lowers a row's epoch (best effort, never the fence).
- Another region reads the newest row on its LOCAL replica (the reader endpoint; the Data API
  cannot read a secondary cluster:
  https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.limitations.html)
  and puts HEARTBEAT/OBSERVED in its control table, conditional on observed_at: the newest
  observation wins, so several observers are harmless.
- heartbeat_age: the age of the newest replicated heartbeat (bounds the data at risk); None
  (unknown) for a missing, malformed or stale observation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

HEARTBEAT_TABLE = "trading_dr_heartbeat"
OBSERVED_PK, OBSERVED_SK = "HEARTBEAT", "OBSERVED"
BEAT_INTERVAL_SECONDS = 1.0
"""How often the writer beats and the observer reads (one row per region, one item per table)."""
OBSERVATION_TTL_SECONDS = 86400
"""The OBSERVED item is kept a day past its observation, then DynamoDB's TTL may remove it."""


@dataclass(frozen=True)
class HeartbeatSql:
    """The three statements; %s marks a value (DB-API "format" style)."""

    create: str
    """Idempotent DDL: run by the writer before its first beat."""
    upsert: str
    """Parameters (region, epoch): the writer's beat, beat_at from the database's clock."""
    newest: str
    """No parameters; one row (region, epoch, beat_at) or none: the newest beat in this cluster."""


# The table is named literally (HEARTBEAT_TABLE; tests/failover/test_heartbeat.py checks it):
# values travel only as parameters.
SQL = {
    # https://www.postgresql.org/docs/current/sql-insert.html#SQL-ON-CONFLICT
    "aurora-postgresql": HeartbeatSql(
        create=(
            "CREATE TABLE IF NOT EXISTS trading_dr_heartbeat (region varchar(32) PRIMARY KEY, "
            "epoch bigint NOT NULL, beat_at double precision NOT NULL)"
        ),
        upsert=(
            "INSERT INTO trading_dr_heartbeat (region, epoch, beat_at) "
            "VALUES (%s, %s, extract(epoch FROM clock_timestamp())) "
            "ON CONFLICT (region) DO UPDATE SET epoch = EXCLUDED.epoch, beat_at = EXCLUDED.beat_at "
            "WHERE trading_dr_heartbeat.epoch <= EXCLUDED.epoch"
        ),
        newest="SELECT region, epoch, beat_at FROM trading_dr_heartbeat ORDER BY beat_at DESC LIMIT 1",
    ),
    # https://dev.mysql.com/doc/refman/8.0/en/insert-on-duplicate.html: assignments apply left
    # to right, so beat_at is decided on the row's old epoch before epoch itself is raised.
    "aurora-mysql": HeartbeatSql(
        create=(
            "CREATE TABLE IF NOT EXISTS trading_dr_heartbeat (region VARCHAR(32) PRIMARY KEY, "
            "epoch BIGINT NOT NULL, beat_at DOUBLE NOT NULL)"
        ),
        upsert=(
            "INSERT INTO trading_dr_heartbeat (region, epoch, beat_at) "
            "VALUES (%s, %s, UNIX_TIMESTAMP(NOW(6))) "
            "ON DUPLICATE KEY UPDATE beat_at = IF(VALUES(epoch) >= epoch, VALUES(beat_at), beat_at), "
            "epoch = GREATEST(epoch, VALUES(epoch))"
        ),
        newest="SELECT region, epoch, beat_at FROM trading_dr_heartbeat ORDER BY beat_at DESC LIMIT 1",
    ),
}


def sql_for(engine: str) -> HeartbeatSql:
    if engine not in SQL:
        raise ValueError(f"heartbeat: engine {engine!r} is not one of {sorted(SQL)}")
    return SQL[engine]


@dataclass(frozen=True)
class Observation:
    """What a non-writer region read on its local replica."""

    writer_region: str
    """The region of the newest heartbeat row."""
    epoch: int
    """The epoch that row was written under."""
    newest_at: float
    """beat_at of that row: the writer database's clock, epoch seconds."""
    observed_at: float
    """When the observer read it (the observer's clock, epoch seconds)."""
    observer: str = ""


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _n(value: float) -> dict:
    return {"N": str(int(value)) if float(value).is_integer() else repr(float(value))}


def observation_from_row(row, observed_at: float, observer: str = "") -> Observation | None:
    """A (region, epoch, beat_at) row of SQL.newest -> an Observation; None for no row."""
    if row is None:
        return None
    region, epoch, beat_at = row
    beat_at, epoch = float(beat_at), int(epoch)
    if not _finite(beat_at):
        raise ValueError(f"heartbeat: beat_at={beat_at!r} is not a finite number")
    return Observation(str(region), epoch, beat_at, float(observed_at), observer)


def observation_to_item(observation: Observation) -> dict:
    """The HEARTBEAT/OBSERVED item (DynamoDB attribute values), with its TTL attribute."""
    return {
        "pk": {"S": OBSERVED_PK},
        "sk": {"S": OBSERVED_SK},
        "writer_region": {"S": observation.writer_region},
        "epoch": _n(observation.epoch),
        "newest_at": _n(observation.newest_at),
        "observed_at": _n(observation.observed_at),
        "observer": {"S": observation.observer},
        "expires_at": _n(int(math.ceil(observation.observed_at)) + OBSERVATION_TTL_SECONDS),
    }


def observation_from_item(item: dict | None) -> Observation | None:
    """The inverse of observation_to_item; None for no item; ValueError when malformed."""
    if not item:
        return None
    try:
        numbers = {key: float(item[key]["N"]) for key in ("epoch", "newest_at", "observed_at")}
        if not all(math.isfinite(value) for value in numbers.values()):
            raise ValueError(f"heartbeat observation with a non-finite number: {numbers}")
        if numbers["epoch"] != int(numbers["epoch"]):
            raise ValueError(f"heartbeat observation epoch={numbers['epoch']!r} is not whole")
        return Observation(
            writer_region=item["writer_region"]["S"],
            epoch=int(numbers["epoch"]),
            newest_at=numbers["newest_at"],
            observed_at=numbers["observed_at"],
            observer=item.get("observer", {}).get("S", ""),
        )
    except (KeyError, TypeError) as error:
        raise ValueError(f"malformed heartbeat observation (missing or mistyped {error})") from None


def put_observation_request(table_name: str, observation: Observation) -> dict:
    """PutItem parameters: the newest observation wins. An older one (a slow observer, a
    clock behind) fails the condition (ConditionalCheckFailedException), which the observer
    ignores: a newer reading is already there.
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html"""
    return {
        "TableName": table_name,
        "Item": observation_to_item(observation),
        "ConditionExpression": "attribute_not_exists(pk) OR observed_at < :observed_at",
        "ExpressionAttributeValues": {":observed_at": _n(observation.observed_at)},
    }


def heartbeat_age(item: dict | None, now: float, max_age: float) -> float | None:
    """Seconds since the newest heartbeat the observing region has replicated, at `now`; None
    (unknown) when there is no observation, it is malformed, or it was made more than
    `max_age` seconds from `now` (a stale reading says nothing about the present; one from
    the future means a broken clock). Measured from `now`, not from observed_at: a reading
    taken a little while ago only makes the age larger, never smaller."""
    try:
        observation = observation_from_item(item)
    except ValueError:
        return None
    if observation is None or not _finite(now) or not _finite(max_age):
        return None
    if abs(now - observation.observed_at) > max_age:
        return None
    return max(0.0, now - observation.newest_at)
