"""One fencing epoch (docs/ARCHITECTURE.md, "One fencing epoch"): each orchestrator reads the
peer region's STATE/ACTIVE and adopts a higher epoch that names the active region it reads
from ARC, so that a change the peer undid before this region read it (the DR executor giving
a fence back) still reaches this region's epoch and its write lease. The read is optional:
a peer that is gone or cut off changes nothing here."""

from __future__ import annotations

from failover.clients import PEER_READ_CONFIG, Clients
from failover.config import bounds
from tests.failover.fakes import DR, PRIMARY


def _given_back_in_dr(world) -> None:
    """What the DR executor's fence given back leaves in ITS table (failover/executor.py):
    epoch 1 for its fence, epoch 2 for the controls back to the primary."""
    dr = world.table(DR)
    dr.record_epoch(1, DR, "fenced (not promoted)", "ev-fence", "fence")
    dr.observe_active(PRIMARY, "fence given back", "ev-fence")
    assert world.epoch(DR) == (PRIMARY, 2)


def _primary(world, **overrides):
    return world.orchestrator(PRIMARY, peer_control_table=world.configs[DR].control_table, **overrides)


def test_the_old_primary_adopts_the_epoch_of_a_fence_given_back_and_its_lease_carries_it(world):
    world.tick(PRIMARY)
    assert world.epoch(PRIMARY) == (PRIMARY, 0)
    _given_back_in_dr(world)
    # ARC shows the primary active all along (the flip and its undoing fell between two reads).
    assert world.active() == PRIMARY
    primary = _primary(world)
    record = world.tick(PRIMARY, primary)
    assert record["peer_epoch"]["adopted"] is True
    assert world.epoch(PRIMARY) == (PRIMARY, 2)
    # The renewer stamps what the table records (this World's clock stands still inside an
    # evaluation, so the renewal that follows it is the one that lands).
    assert primary.renew_lease()["lease"] == "renewed"
    lease = world.table(PRIMARY).read_lease()
    assert (lease.region, lease.epoch) == (PRIMARY, 2) and lease.valid_until > world.clock()
    assert world.orchestrator(PRIMARY).peer_table is None  # not configured: nothing is read


def test_without_the_peer_read_the_epochs_stay_apart(make_world):
    world = make_world(dynamodb="fake")
    world.tick(PRIMARY)
    _given_back_in_dr(world)
    record = world.tick(PRIMARY)
    assert "peer_epoch" not in record
    assert world.epoch(PRIMARY) == (PRIMARY, 0) != world.epoch(DR)[1]


def test_a_peer_epoch_naming_another_region_than_arc_shows_here_is_never_adopted(world):
    world.tick(PRIMARY)
    world.table(DR).record_epoch(5, DR, "the peer believes it is active", "ev", "failover")
    record = world.tick(PRIMARY, _primary(world))
    assert record["peer_epoch"]["adopted"] is False
    assert world.epoch(PRIMARY) == (PRIMARY, 0)
    assert world.table(PRIMARY).read_lease().epoch == 0


def test_a_lower_peer_epoch_is_never_adopted(world):
    world.tick(PRIMARY)
    world.table(PRIMARY).record_epoch(4, PRIMARY, "ours", "ev", "failover")
    _given_back_in_dr(world)
    world.tick(PRIMARY, _primary(world))
    assert world.epoch(PRIMARY) == (PRIMARY, 4)


def test_an_unreadable_peer_blocks_nothing_and_the_lease_is_still_renewed(world):
    world.tick(PRIMARY)
    _given_back_in_dr(world)
    # The peer's DynamoDB does not answer (its application still serves: no quorum sees it
    # down, so the read is tried and fails).
    world.impaired[DR] = True
    began = world.clock()
    record = world.tick(PRIMARY, _primary(world))
    assert record["quorum"] is False and record["peer_epoch"]["read"] == "failed"
    assert not record["errors"], record["errors"]
    assert world.epoch(PRIMARY) == (PRIMARY, 0)
    lease = world.table(PRIMARY).read_lease()
    assert lease.region == PRIMARY and lease.renewed_at >= began and lease.valid_until > began
    # Once the peer answers again, the epoch follows.
    world.impaired[DR] = False
    world.tick(PRIMARY, _primary(world))
    assert world.epoch(PRIMARY) == (PRIMARY, 2)


def test_the_peer_read_is_one_try_bounded_below_the_renew_period():
    """A peer that is gone costs one connect timeout and one read timeout, once: below the
    lease's default renew period, so a renewal is never held past its budget by it."""
    assert PEER_READ_CONFIG.retries == {"mode": "standard", "total_max_attempts": 1}
    renew_default = bounds("write_lease_renew_seconds")[0]
    assert PEER_READ_CONFIG.connect_timeout + PEER_READ_CONFIG.read_timeout <= renew_default
    clients = Clients.for_region(PRIMARY, peer_region=DR)
    assert clients.peer_dynamodb.meta.region_name == DR
    assert clients.peer_dynamodb.meta.config.connect_timeout == PEER_READ_CONFIG.connect_timeout
    assert Clients.for_region(PRIMARY).peer_dynamodb is None


def test_a_peer_seen_down_by_quorum_is_not_read(world):
    """The read would cost its whole timeout in the evaluation that may fence; adopting can
    wait until the peer is back (its epoch cannot move while it is gone)."""
    world.tick(PRIMARY)
    _given_back_in_dr(world)
    world.up[DR] = False
    record = world.tick(PRIMARY, _primary(world))
    assert record["quorum"] is True
    assert "peer_epoch" not in record and world.epoch(PRIMARY) == (PRIMARY, 0)
    world.up[DR] = True
    record = world.tick(PRIMARY, _primary(world))
    assert record["quorum"] is False and world.epoch(PRIMARY) == (PRIMARY, 2)
