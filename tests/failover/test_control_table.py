"""The control table (failover/control_table.py) on moto's DynamoDB and on the fake the
orchestrator tests use (tests/failover/fake_dynamodb.py): every operation and every
condition outcome, the same assertions on both. On moto, this is the control table's own
test against DynamoDB's API; on the fake, it is what makes the fake trustworthy."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from failover.control_table import ActiveState, ControlTable, LockLost, create_table
from failover.lease import WriteLease
from tests.failover.fake_dynamodb import FakeDynamoDB
from tests.failover.fakes import DR, PRIMARY, Clock

TABLE = "trading-us-west-2-failover-control"


@pytest.fixture(params=["moto", "fake"])
def db(request):
    if request.param == "fake":
        client = FakeDynamoDB(DR)
        create_table(client, TABLE)
        yield client
        return
    with mock_aws():
        client = boto3.client("dynamodb", region_name=DR)
        create_table(client, TABLE)
        yield client


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def table(db, clock):
    return ControlTable(db, TABLE, clock)


def test_an_event_is_claimed_once_until_released(table):
    assert table.claim_event("e1") is True
    assert table.claim_event("e1") is False
    assert table.claim_event("e2") is True
    table.release_event("e1")
    assert table.claim_event("e1") is True


def test_recent_evaluations_newest_first_limited_with_the_streak_start(table, clock):
    for n in range(5):
        table.record_evaluation(f"ev-{n}", quorum=n % 2 == 0, votes=[{"n": n}], since=clock() - 100)
        clock.sleep(10)
    recent = table.recent_evaluations(3)
    assert [e.at for e in recent] == [clock() - 10, clock() - 20, clock() - 30]
    assert [e.quorum for e in recent] == [True, False, True]
    # since is kept for quorum evaluations only, and never later than the evaluation.
    assert recent[0].since == clock() - 10 - 100 and recent[1].since is None
    table.record_evaluation("late", quorum=True, votes=[], since=clock() + 50)
    assert table.recent_evaluations(1)[0].since == clock()
    assert len(table.recent_evaluations(20)) == 6


def test_the_lock_is_a_lease(table, clock):
    assert table.lock_holder() is None
    assert table.acquire_lock("a", 60, "exec-1") is True
    assert table.lock_holder() == {"holder": "a", "execution_id": "exec-1", "expires_at": clock() + 60}
    assert table.acquire_lock("b", 60) is False  # held
    assert table.acquire_lock("a", 60, "exec-1") is True  # already ours
    assert table.renew_lock("a", 120) is True
    assert table.renew_lock("b", 120) is False  # not ours
    assert table.lock_holder()["expires_at"] == clock() + 120
    clock.sleep(121)
    assert table.lock_holder() is None  # lapsed (TTL deletion is lazy: the item is still there)
    assert table.renew_lock("a", 60) is False  # expired: lost
    assert table.acquire_lock("b", 60) is True  # expired: free
    table.release_lock("a")  # someone else's: left alone
    assert table.lock_holder()["holder"] == "b"
    table.release_lock("b")
    assert table.lock_holder() is None
    assert table.acquire_lock("a", 60) is True


def test_a_lease_is_its_holders_up_to_the_second_it_expires(table, clock):
    """The boundary, on both backends: at exactly expires_at the holder may still renew and
    nobody else may take it (renew: expires_at >= :now; acquire: expires_at < :now)."""
    assert table.acquire_lock("a", 60) is True
    clock.sleep(60)
    assert table.acquire_lock("b", 60) is False
    assert table.renew_lock("a", 60) is True
    clock.sleep(60.5)
    assert table.renew_lock("a", 60) is False
    assert table.acquire_lock("b", 60) is True


def test_one_open_execution_at_a_time(table):
    assert table.acquire_lock("h", 60)
    first = {"id": "exec-1", "status": "running", "step": "fence", "steps": {}}
    assert table.open_execution_id() is None
    assert table.open_execution(first, "h") == "exec-1"
    assert table.read_execution("exec-1") == first | {"version": 1}
    assert table.open_execution({"id": "exec-2", "status": "running"}, "h") == "exec-1"
    assert table.read_execution("exec-2") is None
    done = {**table.read_execution("exec-1"), "status": "succeeded", "step": None}
    table.close_execution({**done, "id": "exec-other"}, "h")  # not the open one: stays open
    assert table.open_execution_id() == "exec-1"
    table.close_execution(done, "h")
    assert table.open_execution_id() is None
    assert table.read_execution("exec-1") == done | {"version": 2}
    assert table.open_execution({"id": "exec-2", "status": "running"}, "h") == "exec-2"


def test_save_execution_needs_the_lock_and_the_version_it_read(table, clock):
    """An invocation whose lock lapsed (or that read an older version) can never overwrite a
    newer execution record: one TransactWriteItems with a ConditionCheck on the lock."""
    assert table.acquire_lock("old", 60)
    table.open_execution({"id": "x", "status": "running", "steps": {}}, "old")
    stale = table.read_execution("x")
    clock.sleep(61)  # the old holder's lock lapsed: a new invocation takes it
    assert table.acquire_lock("new", 60)
    with pytest.raises(LockLost):
        table.save_execution(dict(stale, step="promote_db"), "old")
    newer = table.read_execution("x")
    table.save_execution(dict(newer, step="fence"), "new")
    with pytest.raises(LockLost):  # the new holder with a version it no longer has
        table.save_execution(dict(newer, step="test_write"), "new")
    assert table.read_execution("x")["step"] == "fence" and table.read_execution("x")["version"] == 2


def test_lease_renewals_never_go_back_in_time_or_epoch(table):
    """LEASE/WRITE: an older renewal (a slow overlapping invocation) or an older epoch never
    overwrites a newer lease; a revocation is written once, and only over a lease that still
    allows writes; a renewal read after a revocation wins."""
    assert table.read_lease() is None
    assert table.renew_lease(WriteLease(DR, 1, 110.0, 100.0, "a"))
    assert not table.renew_lease(WriteLease(DR, 1, 109.0, 99.0, "slow"))
    assert not table.renew_lease(WriteLease(DR, 0, 115.0, 105.0, "old-epoch"))
    assert table.read_lease() == WriteLease(DR, 1, 110.0, 100.0, "a")
    assert table.revoke_lease(WriteLease(DR, 1, 103.0, 103.0, "b"))
    assert not table.revoke_lease(WriteLease(DR, 1, 104.0, 104.0, "b"))  # already lapsed
    assert not table.renew_lease(WriteLease(DR, 1, 112.0, 102.0, "slow"))  # read before the revoke
    assert table.read_lease().valid_until == 103.0
    assert table.renew_lease(WriteLease(DR, 2, 115.0, 105.0, "c"))
    assert table.read_lease().allows(DR, 114.9)


def test_arming_defaults_to_armed_and_records_who_and_why(table):
    assert table.arming()["armed"] is True
    table.set_arming(False, "orchestrator", "automatic failover", 3)
    assert table.arming() | {"at": None} == {
        "armed": False, "by": "orchestrator", "reason": "automatic failover", "at": None, "epoch": 3,
    }  # fmt: skip
    assert table.set_arming(True, "alice", "primary rebuilt", 3)["by"] == "alice"


def test_one_page_per_alert_episode(table):
    assert table.alert("lag") is None
    assert table.start_alert("lag", 100.0) == {"since": 100.0, "paged": False}
    assert table.start_alert("lag", 200.0) == {"since": 100.0, "paged": False}  # same episode
    table.mark_paged("lag")
    assert table.alert("lag") == {"since": 100.0, "paged": True}
    table.clear_alert("lag")
    assert table.alert("lag") is None


def test_the_prewarm_is_saved_once_until_cleared(table):
    assert table.prewarm() is None
    assert table.save_prewarm({"min": 0, "desired": 0, "max": 4}) is True
    assert table.save_prewarm({"min": 2, "desired": 2, "max": 4}) is False
    assert table.prewarm() == {"min": 0, "desired": 0, "max": 4}
    table.clear_prewarm()
    assert table.prewarm() is None


def test_the_last_decision_is_replaced(table, clock):
    assert table.last_decision() is None
    table.record_decision({"outcome": "healthy", "event_id": "e1"})
    table.record_decision({"outcome": "promoted", "acted": True, "action": "failover", "reason": "r"})
    assert table.last_decision() == {
        "outcome": "promoted",
        "acted": True,
        "action": "failover",
        "reason": "r",
        "at": clock(),
        "event_id": "-",
    }


def test_the_epoch_counts_changes_and_a_newer_one_wins(table, clock):
    assert table.read_state() is None
    assert table.init_state(PRIMARY, "e0") is True
    assert table.init_state(DR, "e0") is False
    assert table.read_state().as_dict() == {
        "active_region": PRIMARY,
        "epoch": 0,
        "reason": "first observation of the global cluster's writer",
        "at": clock(),
        "event_id": "e0",
        "action": "observed",
    }
    assert table.observe_active(PRIMARY, "same", "e1") is None
    observed = table.observe_active(DR, "moved", "e2")
    assert (observed.active_region, observed.epoch) == (DR, 1)
    assert table.record_epoch(3, PRIMARY, "promotion", "e3", "failover").epoch == 3
    assert table.record_epoch(3, PRIMARY, "again", "e4", "failover").reason == "promotion"  # kept
    kept = table.record_epoch(2, DR, "older", "e5", "failover")  # a newer one wins
    assert (kept.active_region, kept.epoch) == (PRIMARY, 3)
    assert isinstance(kept, ActiveState) and table.read_state() == kept


def _peer(active: str, epoch: int) -> ActiveState:
    return ActiveState(active, epoch, "peer", 0.0, "p", "observed")


def test_a_peers_higher_epoch_for_the_same_active_region_is_adopted(table):
    """One fencing epoch (docs/ARCHITECTURE.md, "One fencing epoch"): the fence given back in
    the peer (epochs 1 and 2 there, active PRIMARY again) reaches a region that never saw it."""
    table.init_state(PRIMARY, "e0")
    adopted = table.adopt_epoch(_peer(PRIMARY, 2), PRIMARY, "peer ahead", "e1")
    assert (adopted.active_region, adopted.epoch, adopted.action) == (PRIMARY, 2, "adopted")
    assert table.read_state() == adopted
    assert table.adopt_epoch(_peer(PRIMARY, 2), PRIMARY, "again", "e2") is None  # once


def test_adopting_never_lowers_an_epoch(table):
    table.record_epoch(3, PRIMARY, "ours", "e0", "failover")
    for lower in (3, 2, 0):
        assert table.adopt_epoch(_peer(PRIMARY, lower), PRIMARY, "older", "e1") is None
    assert table.read_state().epoch == 3


def test_adopting_never_names_a_region_arc_does_not_show_here(table):
    """The peer's epoch names DR while this region reads PRIMARY active from ARC: not taken,
    even though this table names PRIMARY too (the write would record DR active)."""
    table.init_state(PRIMARY, "e0")
    assert table.adopt_epoch(_peer(DR, 5), PRIMARY, "other region", "e1") is None
    assert (table.read_state().active_region, table.read_state().epoch) == (PRIMARY, 0)


def test_adopting_never_overwrites_a_table_that_names_another_region(table):
    """ARC and the peer say PRIMARY, but this table names DR (an observation not recorded yet,
    or racing): the conditional write refuses; the observation counts first."""
    table.init_state(DR, "e0")
    assert table.adopt_epoch(_peer(PRIMARY, 5), PRIMARY, "racing", "e1") is None
    assert (table.read_state().active_region, table.read_state().epoch) == (DR, 0)


def test_adopting_needs_a_recorded_state(table):
    assert table.adopt_epoch(_peer(PRIMARY, 5), PRIMARY, "nothing here", "e1") is None
    assert table.read_state() is None


def test_observing_with_no_state_starts_at_epoch_one(table):
    state = table.observe_active(DR, "first", "e1")
    assert (state.active_region, state.epoch) == (DR, 1)


def test_an_unconditional_write_and_a_missing_table(db):
    """The errors the control table lets through are DynamoDB's own."""
    with pytest.raises(ClientError) as missing:
        db.get_item(TableName="no-such-table", Key={"pk": {"S": "x"}, "sk": {"S": "y"}})
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    db.put_item(TableName=TABLE, Item={"pk": {"S": "A"}, "sk": {"S": "1"}, "n": {"N": "1"}})
    db.put_item(TableName=TABLE, Item={"pk": {"S": "A"}, "sk": {"S": "1"}, "n": {"N": "2"}})
    items = db.scan(TableName=TABLE)["Items"]
    assert [i["n"] for i in items] == [{"N": "2"}]


def test_two_observers_of_one_change_add_one_to_the_epoch_not_two(db, table, clock):
    """observe_active's write is conditional on the epoch it read: a rival observer that
    records the same change between our read and our write makes our write fail, and the
    retry sees the change already recorded. One change, one epoch, whichever wins."""
    table.observe_active(PRIMARY, "first sight", "e0")
    rival = ControlTable(db, TABLE, clock)
    read = table.read_state
    raced = []

    def read_then_lose_the_race():
        state = read()
        if not raced:
            raced.append(rival.observe_active(DR, "rival", "r1"))
        return state

    table.read_state = read_then_lose_the_race
    assert table.observe_active(DR, "ours", "o1") is None  # the rival's record stands
    assert raced[0] is not None and raced[0].epoch == 2
    state = rival.read_state()
    assert (state.active_region, state.epoch, state.reason) == (DR, 2, "rival")


def test_the_heartbeat_lag_is_the_lag_on_arrival_and_stays_when_the_beats_stop(table):
    """HBSEEN/LAST: the first observation that showed the newest beat fixes its lag; later
    observations of the same beat (the writer stopped) do not grow it, whatever the rounding
    of stored numbers (sub-microsecond DB times)."""
    assert table.heartbeat_lag(None, 100.0) is None
    assert table.heartbeat_lag(1000.1234567891, 1001.5) == pytest.approx(1.3765432109, abs=1e-5)
    assert table.heartbeat_lag(1000.1234567891, 1060.0) == pytest.approx(1.3765432109, abs=1e-5)
    assert table.heartbeat_lag(1010.0, 1062.0) == pytest.approx(52.0)
