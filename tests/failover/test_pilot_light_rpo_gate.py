"""The RPO gate of a pilot light (docs/FAILOVER_RUNTIME.md "The RPO gate in a pilot light"):
a region that observes nothing at rest bounds the data at risk by (the moment the writer is
proven down - its newest replicated heartbeat). The moment is the quorum streak's start, or
earlier by (FailureThreshold - 1) x RequestInterval when the streak began with the Route 53
witness TURNING down: Route 53 declares an endpoint unhealthy only after FailureThreshold
consecutive failed checks, each sent RequestInterval seconds after the previous one's response
(https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html,
https://docs.aws.amazon.com/Route53/latest/APIReference/API_HealthCheckConfig.html).
Every test checks the bound against the REAL loss (what the writer acknowledged after its
newest replicated beat): never below it."""

from __future__ import annotations

import pytest

from failover import decision as d
from failover import orchestrator as o
from failover.config import ConfigError, OrchestratorConfig
from tests.failover.fakes import DR, PRIMARY
from tests.failover.test_failover_orchestrator import N, fresh_lag, promote_fully, ticks
from tests.failover.world import config_for

GAP = 45.0
EVERY = 10.0


def route53_declares(death: float, phase: float, interval: int, threshold: int) -> float:
    """AWS's rule: the first check after the death fails (sent `phase` seconds after it, less
    than one interval), then threshold - 1 more, each sent `interval` seconds after the last
    one's response; the status turns unhealthy at the threshold-th failure (the earliest)."""
    return death + phase + (threshold - 1) * interval


def evaluations(first: float, last: float, witness_down_from: float, probe_down_from: float):
    """The DR region's evaluations every EVERY seconds: quorum when both say down, the witness
    reading recorded as the orchestrator records it."""
    out, at = [], first
    while at <= last:
        witness = at >= witness_down_from
        out.append(d.Evaluation(at=at, quorum=witness and at >= probe_down_from, witness_down=witness))
        at += EVERY
    return out


def test_the_credit_follows_the_health_check_settings_and_both_or_neither():
    assert config_for(DR).witness_failing_seconds == 0
    assert (
        config_for(DR, witness_check_interval_seconds=10, witness_check_threshold=2).witness_failing_seconds
        == 10
    )
    assert (
        config_for(DR, witness_check_interval_seconds=30, witness_check_threshold=3).witness_failing_seconds
        == 60
    )
    assert (
        config_for(DR, witness_check_interval_seconds=10, witness_check_threshold=1).witness_failing_seconds
        == 0
    )
    with pytest.raises(ConfigError, match="FAILOVER_WITNESS_CHECK_INTERVAL_SECONDS.*10 or 30"):
        config_for(DR, witness_check_interval_seconds=20, witness_check_threshold=2)
    with pytest.raises(ConfigError, match="FAILOVER_WITNESS_CHECK_THRESHOLD.*both or neither"):
        config_for(DR, witness_check_interval_seconds=10)
    env = config_for(DR, witness_check_interval_seconds=30, witness_check_threshold=4).to_env()
    assert OrchestratorConfig.from_env(env).witness_failing_seconds == 90
    with pytest.raises(ConfigError, match="FAILOVER_WITNESS_CHECK_THRESHOLD.*between 0 and 10"):
        OrchestratorConfig.from_env({**env, "FAILOVER_WITNESS_CHECK_THRESHOLD": "11"})


@pytest.mark.parametrize(
    ("before_witness", "credited"),
    [(False, True), (True, False), (None, False)],
    ids=["witness-turned", "witness-already-down", "witness-unknown-before"],
)
def test_the_credit_only_when_the_streak_began_with_the_witness_turning(before_witness, credited):
    history = [
        d.Evaluation(at=90.0, quorum=False, witness_down=before_witness),
        d.Evaluation(at=100.0, quorum=True, witness_down=True),
        d.Evaluation(at=110.0, quorum=True, witness_down=True),
    ]
    assert d.writer_down_by(history, GAP, 10) == (90.0 if credited else 100.0)


def test_no_credit_without_the_evaluation_before_the_streak():
    """No history before the streak (or one further than the gap): nothing shows the witness
    turned within it."""
    streak = [d.Evaluation(at=100.0, quorum=True, witness_down=True)]
    assert d.writer_down_by(streak, GAP, 10) == 100.0
    far = [d.Evaluation(at=40.0, quorum=False, witness_down=False), *streak]
    assert d.writer_down_by(far, GAP, 10) == 100.0
    assert d.writer_down_by([d.Evaluation(at=50.0, quorum=False, witness_down=False)], GAP, 10) is None


def test_the_credit_is_carried_by_a_streak_longer_than_the_history_read():
    """A pilot light's preparation takes minutes: the newest evaluations alone still give it."""
    window = [
        d.Evaluation(at=float(at), quorum=True, since=100.0, down_by=90.0) for at in range(600, 800, 10)
    ]
    assert d.writer_down_by(window, GAP, 10) == 90.0
    # an evaluation whose streak began before the history read, without a carried value
    # (recorded before writer_down_by existed): the streak's start, no credit
    old = [d.Evaluation(at=float(at), quorum=True, since=100.0) for at in range(600, 800, 10)]
    assert d.writer_down_by(old, GAP, 10) == 100.0


@pytest.mark.parametrize(("interval", "threshold"), [(10, 1), (10, 2), (10, 3), (30, 2), (30, 10)])
@pytest.mark.parametrize("phase", [0.0, 0.01, 4.9, 9.99])
@pytest.mark.parametrize("offset", [0.0, 3.3, 9.9])
def test_a_crash_is_never_understated(interval, threshold, phase, offset):
    """The writer dies at 100 s with its beats replicating 1 s behind; Route 53 declares it as
    AWS documents (any check phase), the DR region's evaluations read it at any offset: the
    bound is never below the real loss and the credit makes it tight."""
    phase = phase * interval / 10
    death, lag = 100.0, 1.0
    newest = death - lag
    declared = route53_declares(death, phase, interval, threshold)
    history = evaluations(offset, declared + 3 * EVERY, witness_down_from=declared, probe_down_from=death)
    failing = config_for(
        DR, witness_check_interval_seconds=interval, witness_check_threshold=threshold
    ).witness_failing_seconds
    down_by = d.writer_down_by(history, GAP, failing)
    bound, _ = d.data_at_risk(600.0, newest, down_by)
    real_loss = death - newest
    assert real_loss <= bound <= real_loss + interval + EVERY


@pytest.mark.parametrize(("interval", "threshold"), [(10, 2), (30, 3)])
@pytest.mark.parametrize("arrival_lag", [1.0, 600.0], ids=["observed-at-rest", "observed-late"])
def test_a_region_cut_off_before_the_primary_fails_still_blocks(interval, threshold, arrival_lag):
    """The DR region is cut off from the primary at T=0: replication stops (the newest beat it
    holds was written at -1 s) and its probe fails from then on; the outside witness still sees
    the primary healthy, and clients still write there. The primary dies at T=100: it
    acknowledged writes for 101 s that never replicated. Even when the DR region's observers
    saw that last beat arrive 1 s late (a region that observed at rest), the bound covers the
    whole cut and blocks."""
    death, newest = 100.0, -1.0
    declared = route53_declares(death, 0.0, interval, threshold)
    history = evaluations(0.0, declared + 3 * EVERY, witness_down_from=declared, probe_down_from=0.0)
    failing = (threshold - 1) * interval
    down_by = d.writer_down_by(history, GAP, failing)
    assert down_by < history[-1].at - 3 * EVERY  # the credit was taken (the witness turned)
    bound, why = d.data_at_risk(arrival_lag, newest, down_by)
    real_loss = death - newest
    assert bound >= real_loss and d.lag_blocks(bound, 30), why


def test_a_witness_down_before_the_probe_gives_no_credit():
    """Route 53 has failed the primary since T=0 (its checkers cannot reach it) while the DR
    region reaches it and it replicates; it dies at T=105. Route 53's declaration predates the
    death: crediting its failing time would put the writer down before it died."""
    death, lag = 105.0, 1.0
    newest = death - lag
    history = evaluations(0.0, 150.0, witness_down_from=0.0, probe_down_from=death)
    down_by = d.writer_down_by(history, GAP, 10)
    bound, _ = d.data_at_risk(600.0, newest, down_by)
    assert bound >= death - newest


def test_every_tier_applies_the_bound():
    """The rule has no tier: an arrival lag (small or large) of a beat older than the writer's
    failure gives way to (writer_down_by - newest beat); a beat newer than it keeps its arrival
    lag (tests/failover/test_rpo_gate_replication_stall.py runs it in a hot standby)."""
    assert d.data_at_risk(2.0, 100.0, 190.0)[0] == 90.0
    assert d.data_at_risk(600.0, 100.0, 130.0)[0] == 30.0
    assert d.data_at_risk(2.0, 100.0, 90.0)[0] == 2.0


# --- end to end on the runtime (tests/failover/world.py) -------------------------------------
def _pilot_light_outage(world, after_read: float) -> float:
    """A pilot light at rest (no observer), the primary dies `after_read` seconds after an
    evaluation read the witness; returns the death time. Route 53 declares it 20 s later
    (interval 10, threshold 2: the emulator's and AWS's latest)."""
    world.route53_declares_after = 20.0
    world.observer_up[DR] = False
    for _ in range(3):
        fresh_lag(world)
        world.tick()
    death = world.clock()
    world.up[PRIMARY] = False
    world.clock.sleep(EVERY - after_read)  # the next evaluation reads 9.9 s after the death
    return death


def _run(world, count: int) -> list[dict]:
    records = ticks(world, count)
    world.observer_up[DR] = True  # the preparation's instances observe from now on
    return records


@pytest.mark.parametrize(
    ("settings", "promotes"),
    [((10, 2), True), ((0, 0), False)],
    ids=["route53-settings-given", "no-settings-no-credit"],
)
def test_a_pilot_light_promotes_on_the_route53_credit_and_never_below_the_real_loss(
    make_world, settings, promotes
):
    """The drill's seed: the writer died just after an evaluation, Route 53 declared it 20 s
    later, the next evaluation came 9.9 s after that: (first seen down - newest beat) is 30.9 s,
    over the 30 s bound, though 1 s was lost. With the health check's settings the streak's
    start moves back by Route 53's failing time (10 s): the gate passes with a bound still at
    or above the real loss. Without them, it holds and pages (no guess)."""
    world = make_world(witness_check_interval_seconds=settings[0], witness_check_threshold=settings[1])
    death = _pilot_light_outage(world, after_read=0.1)
    real_loss = death - (death - world.replication_lag)
    records = _run(world, N + 4)
    assert records[-1]["first_down_at"] - (death - world.replication_lag) > 30
    if promotes:
        records = promote_fully(world)
        gate = records[-1]["execution"]["heartbeat_lag_seconds"]
        assert real_loss <= gate <= 30
        assert world.g.accepted == [("failover_global_cluster", DR)]
    else:
        records = ticks(world, 12)
        assert records[-1]["outcome"] == o.EXECUTING and world.g.accepted == []
        assert records[-1]["heartbeat_lag_seconds"] > 30 and world.arc.updates == []
        assert any("rpo gate" in s.lower() for s in world.pages())


def test_a_pilot_light_cut_off_before_the_outage_never_promotes(make_world):
    """The DR region is cut off from the primary for 100 s (its replica stops at the cut, its
    probe fails, the witness sees the primary healthy and clients write there), then the primary
    dies. Even with its observers up all along (the arrival lag of the last beat is 1 s) and the
    Route 53 credit given, the bound covers the cut: no fence, no promotion, a page."""
    world = make_world(witness_check_interval_seconds=10, witness_check_threshold=2)
    world.route53_declares_after = 20.0
    fresh_lag(world)
    world.tick()
    world.partition()
    newest = world.clock() - world.replication_lag
    records = ticks(world, 10)
    # the witness sees it healthy: a veto (and a page when its heartbeat has stopped arriving)
    assert {r["outcome"] for r in records} <= {d.HEALTHY, d.WRITER_SILENT}
    world.up[PRIMARY] = False
    real_loss = world.clock() - newest
    records = ticks(world, N + 12)
    assert world.g.accepted == [] and world.arc.updates == []
    # every evaluation of the quorum streak (those that reach the gate)
    gated = [r["heartbeat_lag_seconds"] for r in records if r.get("writer_down_by") is not None]
    assert len(gated) >= N and min(gated) >= real_loss
    assert any("rpo gate" in s.lower() for s in world.pages())
