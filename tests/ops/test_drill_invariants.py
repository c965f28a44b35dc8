"""The drill's invariant checkers as plain functions: each flags the unsafe state it exists
for and stays quiet in the safe ones next to it (so removing its rule turns a test red)."""

from __future__ import annotations

from ops.emulation import invariants as inv

E, W = "us-east-1", "us-west-2"


def test_one_writer_flags_two_regions_acknowledging_writes():
    both = [(10.0, E, "client", 0), (10.5, W, "client", 1)]
    assert inv.one_writer(both, None, both[1:]) is not None
    mine = [(10.0, E, "client", 0)]
    assert inv.one_writer(mine, E, mine) is None
    assert inv.one_writer([], E, []) is None  # mid-promotion: nobody writes, which is safe


def test_one_writer_flags_an_old_writer_acknowledging_after_the_writer_moved():
    """Aurora's fencing of an unreachable old writer is best effort: its acknowledgement while
    another region is the writer is a two-writer window even if nobody else wrote then."""
    late = [(200.0, E, "client", 0)]
    assert inv.one_writer(late, W, late) is not None


def test_lease_respected_flags_a_write_at_or_after_the_lease_lapsed():
    granted = {E: (100.0, 3)}
    assert inv.lease_respected([(99.0, E, "client", 3)], granted) is None
    assert inv.lease_respected([(100.0, E, "client", 3)], granted) is not None
    assert inv.lease_respected([(50.0, W, "heartbeat", 3)], granted) is not None  # never held one
    assert inv.lease_respected([(50.0, E, "client", 4)], granted) is not None  # an epoch it was never given


def test_one_automatic_failover_until_an_operator_re_arms():
    one = [(100.0, "drill-us-west-2-4")]
    two = [*one, (900.0, "drill-us-east-1-9")]
    assert inv.one_automatic_failover(one, []) is None
    assert inv.one_automatic_failover(two, []) is not None
    assert inv.one_automatic_failover(two, [500.0]) is None  # re-armed between them
    operator = [*one, (900.0, "drill-operator-us-east-1-9")]
    assert inv.one_automatic_failover(operator, []) is None


def test_traffic_must_follow_the_writer_once_dns_has_had_time():
    grace = 35.0
    # The writer moved to us-west-2 at 100; DNS still answers us-east-1.
    assert inv.traffic_follows_writer("us-west-2", 100.0, "us-east-1", 100.0 + grace, grace) is None
    late = inv.traffic_follows_writer("us-west-2", 100.0, "us-east-1", 100.0 + grace + 1, grace)
    assert late is not None and "us-east-1" in late
    assert inv.traffic_follows_writer("us-west-2", 100.0, "us-west-2", 500.0, grace) is None
    assert inv.traffic_follows_writer(None, 100.0, "us-east-1", 500.0, grace) is None  # no writer at all


def test_epochs_never_go_back_never_disagree_and_agree_once_converged():
    east, west = "us-east-1", "us-west-2"
    history: dict[str, int] = {east: 2}
    assert inv.epochs_agree([inv.EpochRecord(east, 1, west)], history) is not None  # went back
    split = [inv.EpochRecord(east, 3, east), inv.EpochRecord(west, 3, west)]
    assert inv.epochs_agree(split, {}) is not None  # one epoch, two active regions
    lagging = [inv.EpochRecord(east, 2, west), inv.EpochRecord(west, 3, west)]
    assert inv.epochs_agree(lagging, {}) is None  # a region that has not caught up yet
    assert inv.epochs_agree(lagging, {}, converged=True) is not None
    same = [inv.EpochRecord(east, 3, west), inv.EpochRecord(west, 3, west)]
    assert inv.epochs_agree(same, {east: 3, west: 3}, converged=True) is None


def test_once_converged_a_lease_that_allows_writes_carries_the_converged_epoch():
    """A writer that renews under a stale epoch (epoch 0 while both tables say 2) stamps its
    writes with an epoch the other region has moved past: broken, even though the tables agree."""
    east, west, now = "us-east-1", "us-west-2", 1000.0
    same = [inv.EpochRecord(east, 2, east), inv.EpochRecord(west, 2, east)]
    stale = [inv.LeaseRecord(east, 0, now + 8)]
    message = inv.epochs_agree(same, {}, converged=True, leases=stale, now=now)
    assert message is not None and "epoch 0" in message
    # Not judged before convergence (the renewer catches up within a renew period) ...
    assert inv.epochs_agree(same, {}, converged=False, leases=stale, now=now) is None
    # ... nor a lapsed or revoked lease (it allows no write), nor a current one.
    assert inv.epochs_agree(same, {}, converged=True, leases=[inv.LeaseRecord(west, 1, now)], now=now) is None
    assert (
        inv.epochs_agree(same, {}, converged=True, leases=[inv.LeaseRecord(east, 2, now + 8)], now=now)
        is None
    )


def test_a_lock_must_not_outlive_its_holder():
    lease, now = 60.0, 1000.0
    held = [inv.LockRecord("us-west-2", "inv-1", expires_at=now + 30)]
    # Held by a running invocation: fine.
    assert inv.no_orphan_lock(held, {"inv-1"}, {}, lease, now) is None
    # Its holder returned normally and left it held: broken.
    returned = {"inv-1": inv.Ended(at=now - 5, killed=False)}
    assert inv.no_orphan_lock(held, set(), returned, lease, now) is not None
    # Its holder died: the lock may live out the lease it had, not more.
    died = {"inv-1": inv.Ended(at=now - 10, killed=True)}
    assert inv.no_orphan_lock(held, set(), died, lease, now) is None
    renewed = [inv.LockRecord("us-west-2", "inv-1", expires_at=now - 10 + lease + 1)]
    assert inv.no_orphan_lock(renewed, set(), died, lease, now) is not None
    # An expired lock is free, whoever held it.
    expired = [inv.LockRecord("us-west-2", "inv-1", expires_at=now)]
    assert inv.no_orphan_lock(expired, set(), returned, lease, now) is None


def test_every_invariant_has_a_checker():
    assert set(inv.INVARIANTS) == {
        "one_writer",
        "lease_respected",
        "loss_within_lag",
        "one_automatic_failover",
        "traffic_follows_writer",
        "epochs_agree",
        "no_orphan_lock",
        "serving_lease_held",
    }
    for name in inv.INVARIANTS:
        assert callable(getattr(inv, name))


def test_loss_within_lag_flags_writes_acknowledged_after_the_failover_began():
    acknowledged = [float(t) for t in range(90, 131)]
    # The target had everything up to 98; the failover began at 100: 99 and 100 are lost.
    assert inv.loss_within_lag([99.0, 100.0], acknowledged, 98.0, 100.0, E) is None
    # An old writer nobody fenced kept acknowledging after the start: lost outside the lag.
    late = inv.loss_within_lag([99.0, 100.0, 120.0], acknowledged, 98.0, 100.0, E)
    assert late is not None and "1 of them" in late


def test_the_serving_region_must_hold_a_valid_lease_while_its_orchestrator_is_healthy():
    """serving_lease_held: judged from one lease (grace) after the controls last moved, only
    for the one region On, only while its orchestrator can renew."""
    held = dict(serving=W, lease_region=W, valid_until=110.0, healthy=True, serving_since=50.0, grace=10.0)
    assert inv.serving_lease_held(**held, now=100.0) is None
    assert inv.serving_lease_held(**held, now=110.0) is not None  # lapsed at valid_until
    assert inv.serving_lease_held(**(held | {"lease_region": E}), now=100.0) is not None  # not its lease
    assert inv.serving_lease_held(**(held | {"valid_until": None, "lease_region": None}), now=100.0)
    # Not judged: no single region On, an orchestrator that cannot renew, or within the grace.
    assert inv.serving_lease_held(**(held | {"serving": None}), now=200.0) is None
    assert inv.serving_lease_held(**(held | {"healthy": False}), now=200.0) is None
    assert inv.serving_lease_held(**(held | {"serving_since": 195.0}), now=200.0) is None
    assert inv.serving_lease_held(**(held | {"serving_since": 189.0}), now=200.0) is not None
