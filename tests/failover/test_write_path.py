"""The application's write path under the write lease, its health contract and its heartbeat
duty (failover/write_path.py, the code the default application ships and the drill models).

Clocks are injected: `wall` is time.time (what valid_until is compared with), `mono` is
time.monotonic (what the lease cache's age is measured with)."""

from __future__ import annotations

import pytest

from failover.heartbeat import Observation
from failover.lease import WriteLease, lease_to_item
from failover.write_path import (
    LEASE_CACHE_SECONDS,
    WRITE_BUDGET_SECONDS,
    HeartbeatAgent,
    LeaseReader,
    WriteOutcomeUnknown,
    WritePath,
    WriteRefused,
    health_verdict,
    lease_get_item_request,
)

HOME, PEER = "us-east-1", "us-west-2"
T0 = 1_800_000_000.0


class Clock:
    def __init__(self):
        self.wall, self.mono = T0, 100.0

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds


class Table:
    """This region's LEASE/WRITE item as GetItem returns it; counts the reads."""

    def __init__(self, lease: WriteLease | None = None):
        self.item = lease_to_item(lease) if lease else None
        self.reads, self.error = 0, None

    def set(self, lease: WriteLease | None) -> None:
        self.item = lease_to_item(lease) if lease else None

    def read(self):
        self.reads += 1
        if self.error:
            raise self.error
        return self.item


def lease(region=HOME, epoch=7, valid_for=10.0, at=T0) -> WriteLease:
    return WriteLease(region=region, epoch=epoch, valid_until=at + valid_for, renewed_at=at, holder="renewer")


@pytest.fixture
def clock():
    return Clock()


def path_for(table: Table, clock: Clock, region=HOME) -> WritePath:
    reader = LeaseReader(table.read, monotonic=lambda: clock.mono)
    return WritePath(region, reader, clock=lambda: clock.wall)


# --- reading the lease -------------------------------------------------------------------


def test_the_lease_is_read_strongly_consistent_from_its_item():
    assert lease_get_item_request("t") == {
        "TableName": "t",
        "Key": {"pk": {"S": "LEASE"}, "sk": {"S": "WRITE"}},
        "ConsistentRead": True,
    }


def test_a_cached_read_is_at_most_the_cache_age_old(clock):
    table = Table(lease())
    path = path_for(table, clock)
    assert path.authorise().allowed and table.reads == 1
    clock.advance(LEASE_CACHE_SECONDS / 2)
    assert path.authorise().allowed and table.reads == 1  # many requests, one read
    table.set(lease(valid_for=0.0, at=clock.wall))  # the renewer revokes it
    clock.advance(LEASE_CACHE_SECONDS / 2)
    refused = path.authorise()
    assert table.reads == 2 and not refused.allowed and "lapsed" in refused.reason


def test_a_cached_lease_is_never_trusted_past_its_valid_until(clock):
    """The cache is still fresh (monotonic time stood still), the wall clock is past
    valid_until minus the write budget: refused without a new read."""
    table = Table(lease(valid_for=3.0))
    path = path_for(table, clock)
    assert path.authorise().allowed
    clock.wall += 3.0 - WRITE_BUDGET_SECONDS  # exactly valid_until - budget
    assert not path.authorise().allowed and table.reads == 1
    assert path.holds_lease()  # still the holder (no write budget) until valid_until
    clock.wall += WRITE_BUDGET_SECONDS
    assert not path.holds_lease()


@pytest.mark.parametrize(
    ("item", "error", "why"),
    [
        (None, None, "no write lease"),
        (lease(region=PEER), None, f"names {PEER}"),
        (lease(valid_for=-1.0), None, "lapsed"),
        (lease(), OSError("DynamoDB does not answer"), "DynamoDB does not answer"),
        ("malformed", None, "no write lease"),
    ],
    ids=["absent", "another-region", "lapsed", "unreadable", "malformed"],
)
def test_refused_without_a_valid_lease_for_this_region(clock, item, error, why):
    table = Table(item if isinstance(item, WriteLease) else None)
    if item == "malformed":
        table.item = {"pk": {"S": "LEASE"}, "sk": {"S": "WRITE"}, "region": {"S": HOME}}
    table.error = error
    path, called = path_for(table, clock), []
    with pytest.raises(WriteRefused, match=why):
        path.write(called.append)
    assert called == []


def test_a_failed_read_drops_the_cached_lease(clock):
    table = Table(lease())
    path = path_for(table, clock)
    assert path.authorise().allowed
    table.error = OSError("throttled")
    clock.advance(LEASE_CACHE_SECONDS)
    assert not path.authorise().allowed


# --- the write -----------------------------------------------------------------------------


def test_a_write_runs_under_the_lease_and_carries_its_epoch(clock):
    path, seen = path_for(Table(lease(epoch=42)), clock), []
    result, epoch = path.write(lambda e: seen.append(e) or "order-1")
    assert (result, epoch, seen) == ("order-1", 42, [42])


def test_a_write_starts_only_with_its_budget_left_on_the_lease(clock):
    just_enough = path_for(Table(lease(valid_for=WRITE_BUDGET_SECONDS + 0.01)), clock)
    assert just_enough.authorise().allowed
    too_short = path_for(Table(lease(valid_for=WRITE_BUDGET_SECONDS)), clock)
    assert not too_short.authorise().allowed


def test_a_write_that_ends_after_valid_until_is_not_acknowledged(clock):
    path = path_for(Table(lease(valid_for=5.0)), clock)

    def slow(epoch):
        clock.wall += 5.0  # the database answered late

    with pytest.raises(WriteOutcomeUnknown, match="not acknowledged"):
        path.write(slow)


# --- health ------------------------------------------------------------------------------------

REACHABLE = {"db:3306": True, "dynamodb:443": True}


def test_an_unreachable_data_tier_is_unhealthy_in_either_role():
    for holds in (True, False):
        healthy, why = health_verdict(
            reachable={**REACHABLE, "db:3306": False},
            holds_lease=holds,
            last_beat_ok_at=T0,
            writer_since=T0,
            now=T0,
        )
        assert not healthy and "db:3306" in why


def test_a_region_without_the_lease_serves_reads_and_is_healthy():
    """The DR region must stay healthy for Route 53 and the witness: no heartbeat needed."""
    assert health_verdict(
        reachable=REACHABLE, holds_lease=False, last_beat_ok_at=None, writer_since=None, now=T0
    )[0]


@pytest.mark.parametrize(
    ("last_beat", "since", "healthy"),
    [
        (T0 - 1, T0 - 600, True),
        (T0 - 5, T0 - 600, True),
        (T0 - 5.5, T0 - 600, False),  # accepts TCP, stopped committing: the gray failure
        (None, T0 - 2, True),  # just became the holder: its first beat is due
        (None, T0 - 6, False),  # never committed since it became the holder
    ],
)
def test_the_lease_holder_is_healthy_only_while_its_heartbeat_commits(last_beat, since, healthy):
    verdict, why = health_verdict(
        reachable=REACHABLE, holds_lease=True, last_beat_ok_at=last_beat, writer_since=since, now=T0
    )
    assert verdict is healthy, why


# --- the heartbeat duty -----------------------------------------------------------------------


class Db:
    def __init__(self):
        self.calls, self.fail, self.newest = [], None, None

    def ensure(self):
        self.calls.append(("create",))
        if self.fail:
            raise self.fail

    def beat(self, region, epoch):
        self.calls.append(("beat", region, epoch))
        if self.fail:
            raise self.fail

    def newest_row(self):
        self.calls.append(("newest",))
        return self.newest


def agent_for(table: Table, clock: Clock, db: Db, puts: list, region=HOME) -> HeartbeatAgent:
    return HeartbeatAgent(
        region,
        path_for(table, clock, region),
        ensure_table=db.ensure,
        beat=db.beat,
        newest_row=db.newest_row,
        put_observation=puts.append,
        observer="i-0abc",
        clock=lambda: clock.wall,
    )


def test_the_holder_creates_the_table_once_then_beats_with_its_epoch(clock):
    db, puts = Db(), []
    agent = agent_for(Table(lease(epoch=9, valid_for=60)), clock, db, puts)
    assert [agent.tick() for _ in range(3)] == ["beat"] * 3
    assert db.calls == [("create",), ("beat", HOME, 9), ("beat", HOME, 9), ("beat", HOME, 9)]
    assert agent.last_beat_ok_at == clock.wall and puts == []


def test_heartbeats_stop_exactly_when_writes_stop(clock):
    table, db, puts = Table(lease(valid_for=4.0)), Db(), []
    agent = agent_for(table, clock, db, puts)
    assert agent.tick() == "beat"
    clock.advance(4.0 - WRITE_BUDGET_SECONDS)  # a write would be refused now: so is the beat
    assert agent.write_path.authorise().allowed is False
    agent.tick()
    assert [c for c in db.calls if c[0] == "beat"] == [("beat", HOME, 7)]
    clock.advance(WRITE_BUDGET_SECONDS)  # lapsed: this instance observes instead
    db.newest = (HOME, 7, T0)
    assert agent.tick() == "observed" and [c for c in db.calls if c[0] == "beat"] == [("beat", HOME, 7)]


def test_a_failed_beat_leaves_the_last_success_and_recreates_the_table_next_time(clock):
    db, puts = Db(), []
    agent = agent_for(Table(lease(valid_for=60)), clock, db, puts)
    agent.tick()
    ok_at = agent.last_beat_ok_at
    clock.advance(1)
    db.fail = TimeoutError("statement timeout")
    assert agent.tick() == "beat_failed" and agent.last_beat_ok_at == ok_at
    db.fail = None
    clock.advance(1)
    assert agent.tick() == "beat" and db.calls[-2:] == [("create",), ("beat", HOME, 7)]


def test_the_other_region_observes_its_local_replica(clock):
    db, puts = Db(), []
    agent = agent_for(Table(None), clock, db, puts, region=PEER)
    assert agent.tick() == "nothing_to_observe" and puts == []
    db.newest = (HOME, 7, T0 - 0.8)
    assert agent.tick() == "observed"
    assert puts == [Observation(HOME, 7, T0 - 0.8, clock.wall, "i-0abc")]
    assert ("beat", PEER, 7) not in db.calls and ("create",) not in db.calls


def test_an_observer_never_beats_on_another_regions_lease(clock):
    db, puts = Db(), []
    agent = agent_for(Table(lease(region=HOME, valid_for=60)), clock, db, puts, region=PEER)
    db.newest = (HOME, 7, T0)
    assert agent.tick() == "observed" and not [c for c in db.calls if c[0] == "beat"]


def test_the_lease_read_and_the_observation_put_run_on_moto(clock):
    """The seam with DynamoDB: the requests the application makes, answered by moto."""
    import boto3
    from moto import mock_aws

    from failover.control_table import create_table
    from failover.heartbeat import observation_from_item, put_observation_request

    with mock_aws():
        client = boto3.client("dynamodb", region_name=HOME)
        create_table(client, "control")
        client.put_item(TableName="control", Item=lease_to_item(lease(epoch=5, at=clock.wall)))
        reader = LeaseReader(
            lambda: client.get_item(**lease_get_item_request("control")).get("Item"),
            monotonic=lambda: clock.mono,
        )
        path = WritePath(HOME, reader, clock=lambda: clock.wall)
        assert path.write(lambda epoch: epoch) == (5, 5)
        agent = HeartbeatAgent(
            PEER,
            WritePath(PEER, reader, clock=lambda: clock.wall),
            ensure_table=lambda: None,
            beat=lambda region, epoch: None,
            newest_row=lambda: (HOME, 5, T0 - 0.5),
            put_observation=lambda o: client.put_item(**put_observation_request("control", o)),
            clock=lambda: clock.wall,
        )
        assert agent.tick() == "observed"
        item = client.get_item(TableName="control", Key={"pk": {"S": "HEARTBEAT"}, "sk": {"S": "OBSERVED"}})[
            "Item"
        ]
        assert observation_from_item(item) == Observation(HOME, 5, T0 - 0.5, clock.wall, "")
