"""The RPO gate of a region that observes the heartbeat at rest (hot or warm standby) when
replication stalls before the writer dies (docs/FAILOVER_RUNTIME.md "The RPO gate"): the DR
region is cut off from the primary's replication while clients and Route 53's health checkers
still reach the primary (no quorum, no failover), then the primary dies. The newest replicated
beat arrived about a second late, but the writer acknowledged writes for the whole stall: the
data at risk is (writer_down_by - newest replicated beat), never the arrival lag alone.
Route 53 declares an endpoint unhealthy only after FailureThreshold consecutive failed checks,
each sent RequestInterval seconds after the previous one's response
(https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html,
https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html)."""

from __future__ import annotations

from failover import decision as d
from tests.failover.fakes import DR, PRIMARY
from tests.failover.test_failover_orchestrator import N, fresh_lag, promote_fully, ticks


def _hot_standby(make_world):
    world = make_world(serves_at_rest=True, witness_check_interval_seconds=10, witness_check_threshold=2)
    world.asg[DR].min = world.asg[DR].desired = 2
    world.asg[DR].changed_at = world.clock() - 1000
    world.route53_declares_after = 20.0
    fresh_lag(world)
    world.tick()
    return world


def test_a_hot_standby_cut_off_from_replication_then_the_primary_dies_holds_and_pages(make_world):
    """Cut off for 100 s (the replica stops at the cut, the probe fails, the witness sees the
    primary healthy and its clients write there), then the primary dies: the arrival lag of the
    newest beat is about a second, the real loss over 100 s. Every gated reading covers the
    loss: no fence, no promotion, a page."""
    world = _hot_standby(make_world)
    world.partition()
    newest = world.clock() - world.replication_lag
    records = ticks(world, 10)
    assert {r["outcome"] for r in records} <= {d.HEALTHY, d.WRITER_SILENT}
    world.up[PRIMARY] = False
    real_loss = world.clock() - newest
    assert real_loss >= 100
    records = ticks(world, N + 12)
    assert world.g.accepted == [] and world.arc.updates == []
    gated = [r["heartbeat_lag_seconds"] for r in records if r.get("writer_down_by") is not None]
    assert len(gated) >= N and min(gated) >= real_loss
    assert any("rpo gate" in s.lower() for s in world.pages())


def test_a_hot_standby_still_promotes_on_a_plain_region_loss(make_world):
    """The primary region is gone at once (its beats replicated ~1 s behind until then): the
    bound is the arrival lag plus Route 53's detection less its credit, within 30 s, and never
    below the real loss."""
    world = _hot_standby(make_world)
    death = world.clock()
    newest = death - world.replication_lag
    world.up[PRIMARY] = False
    ticks(world, N + 4)
    records = promote_fully(world)
    gate = records[-1]["execution"]["heartbeat_lag_seconds"]
    assert death - newest <= gate <= 30
    assert world.g.accepted == [("failover_global_cluster", DR)]
