"""The orchestrator end to end on both regions: moto CloudWatch, the control tables in
tests/failover/fake_dynamodb.py (checked against moto by test_control_table.py; the main
scenarios also run on moto DynamoDB, the `[moto]` variants) and the doubles of
tests/failover/fakes.py (Aurora global failover/switchover, the ARC cluster, the ASG and
its target group, the witness, the probe). Each test injects faults only; the doubles answer as AWS
documents it. The scenarios and the holes each rule closes are named in the test names."""

from __future__ import annotations

import json

import pytest
from moto import mock_aws

from failover import decision as d
from failover import orchestrator as o
from failover.actions import writer_instance_id
from failover.orchestrator import Orchestrator
from tests.failover.fakes import CONTROLS, DR, PRIMARY, Fault
from tests.failover.world import PEER, World, config_for, schedule_event, witness_name

N = 3

# The World's control tables are tests/failover/fake_dynamodb.py by default (checked against
# moto operation by operation in test_control_table.py); the main scenarios also run with
# them on moto's DynamoDB, end to end.
ON_BOTH_TABLES = pytest.mark.parametrize("world", ["fake", "moto"], indirect=True)


def outage(world: World) -> None:
    world.up[PRIMARY] = False
    world.put_lag(DR, 1.0, age=10)


def fresh_lag(world: World, seconds: float = 1.0) -> None:
    world.put_lag(DR, seconds, age=5)


def ticks(world: World, count: int) -> list[dict]:
    """`count` scheduled evaluations in DR, each with a fresh lag datapoint."""
    records = []
    for _ in range(count):
        fresh_lag(world)
        records.append(world.tick())
    return records


def promote_fully(world: World, limit: int = 200) -> list[dict]:
    records = []
    for _ in range(limit):
        fresh_lag(world)
        records.append(world.tick())
        if records[-1]["outcome"] == o.PROMOTED:
            return records
    raise AssertionError([r["outcome"] for r in records[-5:]])


def rds_ops(world: World, region: str = DR) -> list[str]:
    return [c for c in world.rds[region].calls if not c.startswith("describe")]


# --- healthy, and where the votes come from ---------------------------------------------------
def test_healthy_peer_no_action_and_every_vote_recorded(world):
    fresh_lag(world)
    records = [world.tick() for _ in range(N + 2)]
    assert {r["outcome"] for r in records} == {d.HEALTHY}
    assert rds_ops(world) == [] and world.arc.updates == [] and world.pages() == []
    votes = {s["name"]: s["peer_down"] for s in records[-1]["signals"]}
    # The home witness says this pilot-light region has no healthy target at rest; the
    # primary's heartbeat arrives (its writer is alive).
    assert votes == {"witness": False, "peer_probe": False, "home_witness": True, "heartbeat": False}
    assert records[-1]["self_check"] == {"rds": True, "dynamodb": True, "arc": True}
    assert world.epoch(DR) == (PRIMARY, 0)  # first observation of the ARC state


def test_the_probe_is_aimed_at_the_peer_and_the_witness_names_the_peer(world):
    """Hole: the peer probe aimed at its own region's health URL."""
    world.tick(DR)
    world.tick(PRIMARY)
    assert world.probed == [
        (DR, config_for(DR).peer_health_url),
        (PRIMARY, config_for(PRIMARY).peer_health_url),
    ]
    assert all(PEER[region] in url for region, url in world.probed)
    # Each region reads the peer's witness and its own (the target's health before a fence).
    assert world.resolved == [
        (DR, witness_name(PRIMARY)),
        (DR, witness_name(DR)),
        (PRIMARY, witness_name(DR)),
        (PRIMARY, witness_name(PRIMARY)),
    ]


@pytest.mark.parametrize("refusal", [("ConflictException", 409), ("ValidationException", 400)])
def test_a_refused_fence_never_promotes_whatever_error_aws_uses(world, refusal):
    """AWS does not say verbatim which error a safety rule's refusal is. Safe under both
    answers: a refused fence is a failed step, the promotion never starts, a human is paged."""
    world.arc.refusal = refusal
    outage(world)
    records = ticks(world, 12)
    assert "failover_global_cluster" not in rds_ops(world) and world.g.writer == PRIMARY
    assert world.arc.updates == [] and world.active() == PRIMARY
    failed = [r for r in records if r["outcome"] == o.STEP_FAILED]
    assert failed and {r["execution"]["step"] for r in failed} == {"fence"}
    assert world.pages(), "a refused fence must page"


@pytest.mark.parametrize("fault", [("Throttling", 400), ("HealthUnavailable", 500), ("AccessDenied", 403)])
def test_an_unreadable_load_balancer_never_stops_the_failover(make_world, fault):
    """DescribeTargetHealth failing (throttled, AWS's own HealthUnavailable, a missing grant)
    must not wedge the executor: the group's view is asked instead, and failing that the
    timeout still lets the fence and the promotion go on, with a page."""
    world = make_world(dr_boot_seconds=40, home_witness_fqdn="")
    world.elb[DR].fail = fault
    outage(world)
    for n in range(120):
        fresh_lag(world)
        if world.manual(DR, action="failover", request_id=f"m-{n}")["outcome"] == o.PROMOTED:
            break
        world.clock.sleep(10)
    assert world.g.writer == DR and world.active() == DR
    assert world.elb[DR].calls > 0  # it was asked, and failed


def test_a_manual_failover_is_not_wedged_by_unreadable_compute(make_world):
    """An operator's failover (allow_data_loss) goes through the same preparation: with the
    load balancer AND the group unreadable, it still fences and promotes after the timeout."""
    world = make_world(dr_boot_seconds=40, max_prefence_wait_seconds=60)
    world.elb[DR].fail = ("AccessDenied", 403)
    world.asg[DR].fail_describe = True
    outage(world)
    records = []
    for _ in range(30):
        fresh_lag(world)
        records.append(world.manual(DR, action="failover", allow_data_loss=True))
        world.clock.sleep(10)
        if records[-1]["outcome"] == o.PROMOTED:
            break
    assert records[-1]["outcome"] == o.PROMOTED, [r["outcome"] for r in records[-3:]]
    assert any("no healthy target" in s for s in world.pages())


def test_the_persistence_rule_spans_the_witness_observations_not_the_evaluation_starts(make_world):
    """Evaluations start one interval apart, but the witness is read after the probe: a slow
    probe (4 s) before the first read and a fast one before the second put the two witness
    observations 6 s apart. Recorded at their starts they would count as two agreeing
    evaluations 10 s apart; they count once."""
    world = make_world(required_evaluations=2)
    outage(world)
    fresh_lag(world)
    start = world.clock()
    first = world.orchestrator(DR)
    probe = first.probe

    def slow(url):
        world.clock.sleep(4.0)
        return probe(url)

    first.probe = slow
    first.evaluate(schedule_event("ev-slow"))
    world.clock.sleep(start + 10 - world.clock())  # the next evaluation starts on the grid
    second = world.orchestrator(DR).evaluate(schedule_event("ev-fast"))
    assert second["quorum"] and second["consecutive"] == 1
    assert second["outcome"] == d.AWAITING and "failover_global_cluster" not in rds_ops(world)


def test_the_witness_is_read_after_the_probe_so_the_decision_acts_on_its_freshest_answer(world):
    """A probe of a dead peer waits out attempts x timeout; a witness read before it would be
    that much older when the decision acts on it, and every failover that long later."""
    order: list[tuple[str, float]] = []
    probe, resolve = world.probe(DR), world.resolver(DR)

    def slow_probe(url):
        order.append(("probe", world.clock()))
        world.clock.sleep(4.0)  # two attempts timing out at 2 s
        return probe(url)

    def resolver(fqdn):
        order.append(("witness", world.clock()))
        return resolve(fqdn)

    orchestrator = world.orchestrator(DR)
    orchestrator.probe, orchestrator.resolver = slow_probe, resolver
    orchestrator.evaluate(schedule_event("ev-order"))
    assert [name for name, _ in order] == ["probe", "witness", "witness"]  # the peer's, then the home's
    assert order[1][1] - order[0][1] >= 4.0


def test_boto3_clients_are_built_for_the_home_region():
    """Hole: the orchestrator's boto3 clients built for the peer region. Everything on the
    failover path must work with the peer region gone."""
    config = config_for(DR)
    with mock_aws():
        orchestrator = Orchestrator.from_environment(config.to_env())
    c = orchestrator.clients
    regions = {c.rds.meta.region_name, c.dynamodb.meta.region_name, c.sns.meta.region_name}
    regions |= {c.cloudwatch.meta.region_name, c.autoscaling.meta.region_name, c.rds_data.meta.region_name}
    assert regions == {DR}


# --- primary region gone -------------------------------------------------------------------------
@ON_BOTH_TABLES
def test_primary_gone_with_an_unchanged_survivor_view_promotes_fence_first(world):
    outage(world)
    records = promote_fully(world)
    outcomes = [r["outcome"] for r in records]
    assert outcomes[: N - 1] == [d.AWAITING] * (N - 1)
    assert world.g.accepted == [("failover_global_cluster", DR)]
    assert world.g.writer == DR and world.active() == DR
    assert world.g.detaches == [] and "remove_from_global_cluster" not in world.rds[DR].calls
    # Fence first: the controls flipped before FailoverGlobalCluster was called.
    execution = records[-1]["execution"]
    order = list(execution["steps"])
    assert order.index("fence") < order.index("promote_db") < order.index("record_epoch")
    assert execution["id"] == "trading-global:us-west-2:epoch-1" and execution["status"] == "succeeded"
    assert world.epoch(DR) == (DR, 1)
    # Compute at full size and in service before the end.
    assert world.asg[DR].desired == 2 and world.asg[DR].min == 2
    assert any("promoted" in s for s in world.pages())
    assert records[-1]["lock"] is None and world.table().lock_holder() is None


def test_pilot_light_headless_cluster_gets_its_writer_instance_before_the_failover(make_world):
    world = make_world()
    world.g.members[DR] = []
    outage(world)
    promote_fully(world)
    calls = rds_ops(world)
    assert calls.index("create_db_instance") < calls.index("failover_global_cluster")
    assert writer_instance_id("trading-dr-db") in world.g.members[DR]
    assert world.g.writer == DR and world.asg[DR].desired == 2


def _in_service(world: World) -> int:
    group = world.asg[DR].describe_auto_scaling_groups([world.asg[DR].name])["AutoScalingGroups"][0]
    return sum(1 for i in group["Instances"] if i["LifecycleState"] == "InService")


def test_the_fence_waits_for_the_load_balancers_healthy_target_not_the_groups_in_service(make_world):
    """An instance is InService once it runs, before the application answers the target
    group's checks; fencing then would send every client to an ALB with no healthy target.
    The fence waits for DescribeTargetHealth to report one."""
    # No home witness here (an operator's failover does not need one): the load balancer's
    # own view is all that holds the fence.
    world = make_world(dr_boot_seconds=40, dr_target_lag_seconds=90, home_witness_fqdn="")
    outage(world)
    fenced_at = in_service_at = None
    for n in range(80):
        fresh_lag(world)
        record = world.manual(DR, action="failover", request_id=f"m-{n}")
        world.clock.sleep(10)
        if in_service_at is None and _in_service(world):
            in_service_at = world.clock()
        if world.arc.updates and fenced_at is None:
            fenced_at = world.clock()
            health = world.elb[DR].describe_target_health(world.elb[DR].arn)["TargetHealthDescriptions"]
            assert any(t["TargetHealth"]["State"] == "healthy" for t in health)
        if record["outcome"] == o.PROMOTED:
            break
    assert record["outcome"] == o.PROMOTED and world.elb[DR].calls > 0
    assert fenced_at - in_service_at >= 80  # the target lag, less one evaluation interval


def test_pilot_light_prepares_before_the_fence_so_traffic_moves_only_to_healthy_targets(make_world):
    """Traffic only once targets are healthy (docs/ARCHITECTURE.md#the-dr-region-must-serve): the
    routing control moves DNS, so the fence waits (across evaluations, no sleep) until the group is in
    service and the headless cluster's writer instance is available."""
    world = make_world(dr_boot_seconds=90)
    world.g.members[DR] = []
    outage(world)
    fenced_with = None
    for _ in range(60):
        fresh_lag(world)
        record = world.tick()
        if world.arc.updates and fenced_with is None:
            fenced_with = _in_service(world)
            assert world.g.accepted == [] or world.g.accepted[-1][0] == "failover_global_cluster"
            assert writer_instance_id("trading-dr-db") in world.g.members[DR]
        if record["outcome"] == o.PROMOTED:
            break
    assert record["outcome"] == o.PROMOTED and fenced_with == 2
    order = list(record["execution"]["steps"])
    assert order.index("targets_ready") < order.index("fence") < order.index("promote_db")
    calls = rds_ops(world)
    assert calls.index("create_db_instance") < calls.index("failover_global_cluster")


def test_a_preparation_longer_than_the_history_read_still_fences(make_world):
    """The streak's start (the RPO gate's reference) is carried in each evaluation record:
    a preparation of 40 evaluations outlasts the 20 read back, and the lag datapoint from
    before the outage must still count."""
    world = make_world(dr_boot_seconds=400)
    world.up[PRIMARY] = False
    world.put_lag(DR, 1.0, age=60)  # nothing is published after the outage
    records = [world.tick() for _ in range(60)]
    assert world.arc.updates and world.g.accepted == [("failover_global_cluster", DR)]
    assert any(r["outcome"] == o.PROMOTED for r in records)


def test_overlapping_invocations_cannot_shorten_the_persistence_rule(world):
    """With a whole-minute invocation budget two invocations can overlap: evaluations closer
    than 0.9 x the interval (6 s at 10 s here) count once, so N agreeing evaluations still
    span N-1 intervals."""
    outage(world)
    a, b = world.orchestrator(DR, invocation_id="inv-a"), world.orchestrator(DR, invocation_id="inv-b")
    records = []
    for index, orchestrator in enumerate((a, b, a, b)):
        fresh_lag(world)
        records.append(orchestrator.evaluate(schedule_event(f"overlap-{index}")))
        world.clock.sleep(6)
    assert [r["consecutive"] for r in records] == [1, 1, 2, 2]
    assert records[-1]["outcome"] == d.AWAITING and world.arc.updates == []


def test_hot_standby_preparation_costs_no_evaluation(make_world):
    """The preparation is a no-op for a group at full size: the evaluation that decides
    promote also fences and calls FailoverGlobalCluster."""
    world = make_world(dr_boot_seconds=90)
    world.asg[DR].min = world.asg[DR].desired = 2
    world.asg[DR].changed_at = world.clock() - 1000
    outage(world)
    records = ticks(world, N)
    assert records[-1]["outcome"] == o.EXECUTING and world.arc.updates
    assert world.g.accepted == [("failover_global_cluster", DR)]


def test_preparation_stands_down_and_scales_back_if_the_peer_is_healthy_before_the_fence(make_world):
    world = make_world(dr_boot_seconds=90)
    outage(world)
    records = ticks(world, N + 1)
    assert records[-1]["outcome"] == o.EXECUTING and world.arc.updates == []
    assert world.asg[DR].desired == 2  # preparing: scaled, not yet in service
    world.up[PRIMARY] = True
    record = world.tick()
    assert record["outcome"] == o.CANCELLED_OUTCOME and world.arc.updates == []
    assert (world.asg[DR].min, world.asg[DR].desired) == (0, 0)
    assert world.table().prewarm() is None and world.g.accepted == []


def test_the_fence_after_preparation_needs_a_current_promote_decision(make_world):
    """Preparation can take minutes: the fence must not rest on the evidence of the
    evaluation that started it. No quorum now (witness unreadable, no veto) -> no fence."""
    world = make_world(dr_boot_seconds=90)
    outage(world)
    for _ in range(N):
        fresh_lag(world)
        world.tick()
    world.witness_unreadable[DR] = True
    for _ in range(12):  # 120 s: the group is in service by now
        fresh_lag(world)
        record = world.tick()
    assert _in_service(world) == 2 and record["outcome"] == o.EXECUTING
    assert world.arc.updates == [] and world.g.accepted == []
    world.witness_unreadable[DR] = False
    records = [world.tick() for _ in range(N)]
    # Quorum is back, but its streak restarted 150 s after the writer's newest replicated
    # beat: that is all the evidence now proves of the data at risk (the writer may have
    # come back unseen meanwhile), over the bound: no fence on the streak that started the
    # preparation; held and paged, a human decides.
    assert records[-1]["outcome"] == o.EXECUTING and records[-1]["heartbeat_lag_seconds"] > 100
    assert world.arc.updates == [] and world.g.accepted == []
    assert any("rpo gate" in s.lower() for s in world.pages())
    world.manual(DR, action="failover", allow_data_loss=True, request_id="m-after-preparation")
    assert world.arc.updates and world.g.accepted == [("failover_global_cluster", DR)]


def test_prewarm_starts_at_the_first_down_vote_and_is_undone_when_the_peer_recovers(world):
    world.up[PRIMARY] = False
    fresh_lag(world)
    record = world.tick()
    assert record["outcome"] == d.AWAITING and record["prewarm"]["started"]["desired"] == 0
    assert world.asg[DR].desired == 2
    world.up[PRIMARY] = True
    record = world.tick()
    assert record["outcome"] == d.HEALTHY and record["prewarm"]["restored"]["desired"] == 0
    assert (world.asg[DR].min, world.asg[DR].desired) == (0, 0)
    assert world.g.accepted == []


# --- must never promote ---------------------------------------------------------------------------
def test_partition_with_the_witness_seeing_the_primary_healthy_never_promotes_and_pages(world):
    """The partition also cuts replication: the heartbeat stops arriving while the outside
    witness sees the primary healthy: never a failover, but a page (writer silent)."""
    world.partition()
    fresh_lag(world)
    records = [world.tick() for _ in range(30)]
    assert {r["outcome"] for r in records} == {d.HEALTHY, d.WRITER_SILENT}
    assert world.g.accepted == [] and world.arc.updates == []
    assert any("no quorum" in s for s in world.pages())
    assert any("writer silent" in s for s in world.pages())


def test_dr_region_impaired_abstains(world):
    world.up[PRIMARY] = False
    world.impaired[DR] = True
    records = [world.tick() for _ in range(20)]
    assert {r["outcome"] for r in records} == {d.ABSTAIN}
    assert world.g.accepted == [] and world.arc.updates == []


def test_arc_unreachable_from_here_abstains_even_if_every_vote_says_down(world):
    outage(world)
    world.arc.unavailable.update(r for _, r in [(0, e.region) for e in config_for(DR).arc_cluster_endpoints])
    records = [world.tick() for _ in range(10)]
    assert {r["outcome"] for r in records} == {d.ABSTAIN}
    assert world.g.accepted == []


def test_an_unreadable_witness_is_unknown_never_down(world):
    """Hole: an unreadable signal read as "peer down"."""
    outage(world)
    world.witness_unreadable[DR] = True
    records = ticks(world, 20)
    assert {r["outcome"] for r in records} == {d.NO_QUORUM}
    assert world.g.accepted == []
    assert any("no quorum" in s for s in world.pages())


def test_one_failed_probe_try_then_a_success_is_not_down(world):
    """Hole: one failed probe try followed by a success read as "peer down"."""
    outage(world)  # the witness says down
    world.observer_up[DR] = False  # no heartbeat evidence either way: the probe decides
    world.probe_script[DR] = [False, True]
    records = ticks(world, 10)
    assert {r["outcome"] for r in records} == {d.HEALTHY}
    assert world.g.accepted == []


# --- the RPO gate: the data-plane heartbeat decides; CloudWatch is a second opinion ------------------
@ON_BOTH_TABLES
def test_a_heartbeat_lag_over_the_bound_blocks_pages_and_a_manual_allow_data_loss_works(world):
    """The automatic gate: how old the newest replicated heartbeat was when the peer was
    first seen down (45 s of replication lag here, bound 30 s)."""
    world.replication_lag = 45.0
    world.up[PRIMARY] = False
    records = ticks(world, N + 2)
    assert records[-1]["outcome"] == d.RPO_GATE and records[-1]["heartbeat_lag_seconds"] >= 45
    assert world.g.accepted == [] and any("rpo gate" in s for s in world.pages())
    world.put_lag(DR, 45.0, age=5)
    blocked = world.manual(DR, action="failover")
    assert blocked["outcome"] == d.RPO_GATE and world.g.accepted == []
    record = world.manual(DR, action="failover", allow_data_loss=True, request_id="m-1")
    assert record["outcome"] == o.EXECUTING and world.active() == DR
    assert world.g.accepted == [("failover_global_cluster", DR)]
    assert "allow_data_loss" in record["reason"]


def test_an_unknown_heartbeat_blocks_whatever_cloudwatch_says(make_world):
    """No fresh HEARTBEAT/OBSERVED item (the observers are down) in a region that serves at
    rest: the data at risk is unknown, so over the bound, even with a fresh 1 s CloudWatch lag."""
    world = make_world(serves_at_rest=True)
    world.asg[DR].min = world.asg[DR].desired = 2
    world.asg[DR].changed_at = world.clock() - 1000
    world.observer_up[DR] = False
    outage(world)
    records = ticks(world, N + 2)
    assert records[-1]["outcome"] == d.RPO_GATE and records[-1]["heartbeat_lag_seconds"] is None
    assert records[-1]["lag_seconds"] == 1.0 and world.g.accepted == []
    assert any("rpo gate" in s for s in world.pages())


def test_a_pilot_light_prepares_on_an_unknown_heartbeat_but_never_fences_on_one(world):
    """A pilot light observes nothing at rest: an unknown reading at the decision starts the
    reversible preparation (its instances are the observers), and the fence waits for a
    fresh observation whose data at risk is within the bound: with none, never a fence, never
    a promotion, and a page."""
    world.observer_up[DR] = False
    outage(world)
    records = ticks(world, N + 4)
    assert records[-1]["outcome"] == o.EXECUTING and records[-1]["execution"]["step"] == "fence"
    assert "RPO gate before the fence" in records[-1]["execution"]["steps"]["fence"]["detail"]
    assert world.arc.updates == [] and world.g.accepted == [] and world.active() == PRIMARY
    assert any("rpo gate" in s.lower() for s in world.pages())
    # the observers come up with the preparation: the newest beat is judged against the
    # moment the peer was first seen down (not against its late first sight), and it promotes
    world.observer_up[DR] = True
    promote_fully(world)
    assert world.g.accepted == [("failover_global_cluster", DR)]


def test_the_pilot_light_data_at_risk_rule():
    """(writer down by - newest beat) bounds the loss in every tier, and alone: a small
    arrival lag of a beat that arrived before the writer's failure proves
    nothing of what the writer acknowledged after it (a DR region cut off before the outage);
    a beat newer than the failure means the writer still beat: its arrival lag is the reading;
    unknown stays unknown."""
    assert d.data_at_risk(None, 100.0, 110.0)[0] is None
    assert d.data_at_risk(600.0, 100.0, 110.0)[0] == 10.0
    assert d.data_at_risk(2.0, 100.0, 110.0)[0] == 10.0
    assert d.data_at_risk(600.0, 100.0, None)[0] == 600.0
    assert d.data_at_risk(600.0, 120.0, 110.0)[0] == 600.0
    assert d.data_at_risk(2.0, 120.0, 110.0)[0] == 2.0


def test_the_gate_is_read_again_after_the_lease_wait_and_a_stale_heartbeat_holds_it(world):
    """The decision saw a fresh heartbeat; by the time the old writer has provably stopped
    (fence + L + margin) the observation has gone stale: unknown, so FailoverGlobalCluster
    is held, ARC stays moved (never a silent cancel) and a human is paged."""
    outage(world)
    world.tick()
    world.observer_up[DR] = False  # the last observation ages past heartbeat_max_age_seconds
    records = ticks(world, N + 1)
    assert records[-1]["outcome"] == o.EXECUTING and records[-1]["execution"]["step"] == "promote_db"
    assert world.active() == DR and world.g.accepted == []
    assert any("RPO gate after the fence" in s for s in world.pages())
    assert world.table().open_execution_id() is not None
    # the operator decides: a manual failover with allow_data_loss goes on
    world.manual(DR, action="failover", allow_data_loss=True, request_id="m-stale")
    assert world.g.accepted == [("failover_global_cluster", DR)]


def test_a_cloudwatch_lag_still_growing_after_the_outage_does_not_hold_the_failover(world):
    """CloudWatch stamps a datapoint at its period's start, publishes it after the period,
    and a lag metric keeps growing once its writer is gone: it is recorded, never decisive."""
    world.up[PRIMARY] = False
    records = []
    for _ in range(N + 1):
        world.put_lag(DR, 45.0, age=0)
        records.append(world.tick())
    assert records[-1]["lag_seconds"] == 45.0 and records[N - 1]["outcome"] == o.EXECUTING
    assert world.g.accepted == [("failover_global_cluster", DR)]


def test_the_manual_rpo_gate_takes_the_larger_lag_metric(world):
    """Hole: the RPO gate reading the smaller of the two lag metrics."""
    world.up[PRIMARY] = False
    world.put_lag(DR, 50.0, metric="AuroraGlobalDBRPOLag", age=5)
    world.put_lag(DR, 1.0, metric="AuroraGlobalDBReplicationLag", age=5)
    record = world.manual(DR, action="failover")
    assert record["outcome"] == d.RPO_GATE and record["lag_seconds"] == 50.0
    assert world.g.accepted == []


def test_a_stale_lag_datapoint_blocks_a_manual_failover(world):
    world.up[PRIMARY] = False
    world.put_lag(DR, 1.0, age=130)  # published, but more than 2 minutes ago
    record = world.manual(DR, action="failover")
    assert record["outcome"] == d.RPO_GATE and record["lag_seconds"] is None
    assert world.g.accepted == []


def test_the_promotion_waits_a_lease_and_the_clock_margin_after_the_fence(world):
    """Never two writers: FailoverGlobalCluster is requested no earlier than L + the clock
    margin after the fence as ARC showed it, when every lease the old region could hold lapsed."""
    c = world.configs[DR]
    outage(world)
    flipped = {}
    original = world.arc.factory

    def factory(url, region):
        client = original(url, region)
        update = client.update_routing_control_states

        def recorded(**kwargs):
            answer = update(**kwargs)
            flipped.setdefault("at", world.clock())
            return answer

        client.update_routing_control_states = recorded
        return client

    world.arc.factory = factory
    calls = []
    promote = world.rds[DR].failover_global_cluster

    def timed(**kwargs):
        calls.append(world.clock())
        return promote(**kwargs)

    world.rds[DR].failover_global_cluster = timed
    promote_fully(world)
    assert calls and calls[0] - flipped["at"] >= c.write_lease_seconds + c.clock_margin_seconds


def test_a_writer_still_writing_after_its_lease_lapsed_holds_the_promotion_and_pages(world):
    """An application that ignores the write lease keeps writing (its heartbeat keeps
    arriving) after the fence + L: promoting would make two writers. Held, paged."""
    world.rogue_writer = True
    outage(world)
    records = ticks(world, N + 3)
    assert world.active() == DR and world.g.accepted == []
    assert records[-1]["outcome"] == o.EXECUTING
    assert any("still writes after its lease" in s for s in world.pages())


# --- FailoverGlobalCluster faults: no detach, completes -----------------------------------------------
@pytest.mark.parametrize(
    "faults",
    [
        [Fault("Throttling", 400)],
        [Fault("InternalFailure", 500), Fault("Throttling", 400)],
        [Fault("timeout", apply_first=True)],  # accepted, the response lost
        [Fault("InternalFailure", 500, apply_first=True)],
        [Fault("connection"), Fault("connection"), Fault("connection"), Fault("connection")],
    ],
    ids=["throttled", "5xx-then-throttled", "accepted-response-lost", "accepted-then-5xx", "unreachable-4x"],
)
def test_failover_api_faults_complete_without_detach(world, faults):
    outage(world)
    world.rds[DR].faults["failover_global_cluster"] = list(faults)
    promote_fully(world)
    assert world.g.accepted == [("failover_global_cluster", DR)]
    assert world.g.detaches == [] and "remove_from_global_cluster" not in world.rds[DR].calls
    assert world.g.writer == DR and world.epoch(DR) == (DR, 1)


# --- the lock, the already-writer re-check, the crash ---------------------------------------------------
def test_the_already_writer_check_runs_again_under_the_lock(world):
    """Hole: no already-writer re-check under the lock. The decision saw a stale view (the
    other invocation promoted in between); under the lock the orchestrator sees the truth."""
    fresh_lag(world)
    world.g.writer = DR
    world.arc.state = {CONTROLS[PRIMARY]: "Off", CONTROLS[DR]: "On"}
    world.table().record_epoch(1, DR, "earlier promotion", "e", "failover")
    orchestrator = world.orchestrator(DR)
    real_view = orchestrator.view
    stale = {"calls": 0}

    def view():
        seen = real_view()
        stale["calls"] += 1
        if stale["calls"] == 1:  # the evaluation's read, before the lock
            from dataclasses import replace

            from tests.failover.fakes import cluster_arn

            return replace(seen, writer_arn=cluster_arn(PRIMARY))
        return seen

    orchestrator.view = view
    record = orchestrator.evaluate({"action": "failover", "reason": "t", "allow_data_loss": True})
    assert record["outcome"] == d.ALREADY_WRITER
    assert world.table().open_execution_id() is None
    assert world.epoch(DR) == (DR, 1) and world.g.accepted == []
    assert world.table().lock_holder() is None


@ON_BOTH_TABLES
def test_a_held_lock_stops_a_second_executor(world):
    outage(world)
    world.table().acquire_lock("someone-else", 60)
    record = world.manual(DR, action="failover", allow_data_loss=True)
    assert record["outcome"] == o.LOCK_HELD and world.g.accepted == [] and world.arc.updates == []


class Killed(BaseException):
    """The process dies: no except clause catches it."""


def kill_dr_after_promotion_request(world: World) -> None:
    """The primary is gone; the DR orchestrator ("victim") dies right after AWS accepted its
    FailoverGlobalCluster, holding the lock (a killed process runs no finally)."""
    outage(world)
    for _ in range(N - 1):
        fresh_lag(world)
        world.tick()
    victim = world.orchestrator(DR, invocation_id="victim")
    victim.table.release_lock = lambda holder: None
    original = world.rds[DR].failover_global_cluster

    def accept_then_die(**kwargs):
        original(**kwargs)
        raise Killed()

    world.rds[DR].failover_global_cluster = accept_then_die
    fresh_lag(world)
    with pytest.raises(Killed):
        world.tick(orchestrator=victim)
    world.rds[DR].failover_global_cluster = original


@ON_BOTH_TABLES
def test_killed_mid_promotion_resumes_once_and_the_lock_dies_with_its_owner(world):
    kill_dr_after_promotion_request(world)
    table = world.table()
    assert table.lock_holder()["holder"] == "victim"
    lease_end = table.lock_holder()["expires_at"]
    # While the lease runs, nobody else drives the execution.
    fresh_lag(world)
    assert world.tick()["outcome"] == o.LOCK_HELD
    # The lease lapses: the next invocation resumes the same execution.
    world.clock.t = lease_end + 1
    records = promote_fully(world)
    assert records[-1]["execution"]["id"] == "trading-global:us-west-2:epoch-1"
    assert world.g.accepted == [("failover_global_cluster", DR)]  # exactly one promotion
    assert world.epoch(DR) == (DR, 1) and table.lock_holder() is None


@ON_BOTH_TABLES
def test_killed_after_the_flip_then_the_old_writer_returns_the_controls_go_back_and_page(world):
    """The DR orchestrator dies right after UpdateRoutingControlStates lands (before it saves
    the fence step); its region's observation of the heartbeat then ages out and the old
    writer serves again. ARC has moved: holding at the RPO gate would leave traffic on a
    region without a writer for good. The controls go back to the old writer in ONE
    transaction, a human is paged, the execution ends and the epochs agree."""
    world.tick(PRIMARY)
    outage(world)
    for _ in range(N - 1):
        world.tick()
    victim = world.orchestrator(DR, invocation_id="victim")
    victim.table.release_lock = lambda holder: None  # a killed process runs no finally
    real_factory = world.arc.factory

    def dying_factory(url, region):
        client = real_factory(url, region)
        update = client.update_routing_control_states

        def update_then_die(**kwargs):
            update(**kwargs)
            raise Killed()

        client.update_routing_control_states = update_then_die
        return client

    world.arc.factory = dying_factory
    with pytest.raises(Killed):
        world.tick(orchestrator=victim)
    world.arc.factory = real_factory
    assert world.active() == DR and world.g.accepted == []
    world.observer_up[DR] = False  # no fresh observation by the time the lock lapses
    world.up[PRIMARY] = True
    world.clock.t = world.table().lock_holder()["expires_at"] + 1
    world.tick(PRIMARY)  # the old writer's orchestrator sees ARC moved (epoch 1)
    records = [world.tick(), world.tick(PRIMARY), world.tick()]
    assert world.g.accepted == [] and world.active() == PRIMARY
    assert world.arc.updates[-1] == {CONTROLS[PRIMARY]: "On", CONTROLS[DR]: "Off"}
    assert any("given back" in s for s in world.pages())
    assert records[0]["execution"]["status"] == "cancelled"
    assert world.table().open_execution_id() is None
    assert world.epoch(PRIMARY) == world.epoch(DR) == (PRIMARY, 2)
    lease = world.table().read_lease()
    assert lease is None or not lease.allows(DR, world.clock())


def test_a_lapsed_lease_cannot_be_renewed():
    with mock_aws():
        world = World(dynamodb="moto")
        table = world.table()
        assert table.acquire_lock("a", 30)
        assert not table.acquire_lock("b", 30)
        world.clock.sleep(31)
        assert table.acquire_lock("b", 30)
        assert not table.renew_lock("a", 30)  # "a" stops at its next step
        assert table.renew_lock("b", 30)
        table.release_lock("a")  # not a's any more: left alone
        assert table.lock_holder()["holder"] == "b"


def test_an_executor_that_lost_its_lock_stops(world):
    outage(world)
    orchestrator = world.orchestrator(DR, invocation_id="slow")
    table = orchestrator.table
    real_renew = table.renew_lock
    table.renew_lock = lambda holder, seconds: False
    record = orchestrator.evaluate({"action": "failover", "reason": "t", "allow_data_loss": True})
    assert world.arc.updates == [] and world.g.accepted == []
    assert "lock lost: stopped" in record["execution"]["notes"]
    table.renew_lock = real_renew


# --- after a failover; planned moves -------------------------------------------------------------------
@ON_BOTH_TABLES
def test_primary_returns_no_failback_no_second_writer_epochs_agree(world):
    world.tick(PRIMARY)  # both orchestrators run from day one: epoch 0, primary active
    assert world.epoch(PRIMARY) == (PRIMARY, 0)
    outage(world)
    promote_fully(world)
    world.up[PRIMARY] = True
    for _ in range(10):
        fresh_lag(world)
        world.tick(DR)
        primary = world.tick(PRIMARY)
    assert primary["outcome"] == d.HEALTHY and world.active() == DR and world.g.writer == DR
    assert world.g.accepted == [("failover_global_cluster", DR)]
    assert world.epoch(PRIMARY) == world.epoch(DR) == (DR, 1)
    # The unplanned-failover snapshot in the old primary's region is kept as a manual one.
    world.orchestrator(PRIMARY).handle(schedule_event("hk"), remaining_ms=30_000)
    assert world.g.manual[PRIMARY] and world.g.manual[PRIMARY][0].startswith(
        "kept-unplanned-global-failover-"
    )


@ON_BOTH_TABLES
def test_planned_switchover_then_failback_flip_controls_only_after_the_writer_moved(world):
    writer_at_flip = []
    original = world.arc.factory

    def factory(url, region):
        client = original(url, region)
        update = client.update_routing_control_states

        def recorded(**kwargs):
            writer_at_flip.append(world.g.writer)
            return update(**kwargs)

        client.update_routing_control_states = recorded
        return client

    world.arc.factory = factory
    for region in (DR, PRIMARY):  # both orchestrators run from day one
        world.tick(region)
    for region, target in ((DR, DR), (PRIMARY, PRIMARY)):
        fresh_lag(world)
        world.put_lag(PRIMARY, 1.0, age=5)
        record = world.manual(region, action="switchover", request_id=f"sw-{region}")
        assert record["outcome"] == o.EXECUTING, record["reason"]
        for _ in range(30):
            world.clock.sleep(10)
            record = world.manual(region, action="status")
            if record["execution"] is None:
                break
            world.orchestrator(region).evaluate(schedule_event(f"s-{world.clock()}"))
        assert world.g.writer == target and world.active() == target
    assert writer_at_flip == [DR, PRIMARY]
    assert [op for op, _ in world.g.accepted] == ["switchover_global_cluster"] * 2
    for region in (DR, PRIMARY):
        world.tick(region)
    assert world.epoch(DR) == world.epoch(PRIMARY) == (PRIMARY, 2)


def test_a_switchover_goes_on_the_heartbeat_when_cloudwatch_publishes_late(world):
    """CloudWatch stamps a lag datapoint at its period's start and publishes it after the
    period: with a minute's publication delay its newest datapoint is older than
    lag_max_age_seconds. The heartbeat, read from this region's replica, is fresh, and the
    switchover (which AWS synchronizes before it moves the writer) goes on it."""
    for region in (DR, PRIMARY):
        world.tick(region)
    stale = world.configs[DR].lag_max_age_seconds + 10
    world.put_lag(DR, 1.0, age=stale)
    world.heartbeat_observation(DR)
    record = world.manual(DR, action="switchover")
    assert record["outcome"] == o.EXECUTING, record["reason"]
    assert record["lag_seconds"] is None and record["heartbeat_lag_seconds"] is not None
    assert world.g.accepted == [("switchover_global_cluster", DR)]


def test_a_switchover_with_no_fresh_lag_reading_at_all_is_refused_and_pages(world):
    for region in (DR, PRIMARY):
        world.tick(region)
    world.observer_up[DR] = False  # no application observes the heartbeat here any more
    world.clock.sleep(world.configs[DR].heartbeat_max_age_seconds + 1)  # the last observation goes stale
    world.put_lag(DR, 1.0, age=world.configs[DR].lag_max_age_seconds + 10)
    record = world.manual(DR, action="switchover")
    assert record["outcome"] == d.RPO_GATE and "unknown" in record["reason"], record["reason"]
    assert world.g.accepted == [] and world.arc.updates == []
    assert any("switchover: rpo_gate" in page for page in world.pages()), world.pages()


def test_a_refused_switchover_never_falls_back_to_a_detach(world):
    """Hole: a refused switchover falling back to a detach."""
    fresh_lag(world)
    world.rds[DR].faults["switchover_global_cluster"] = [Fault("InvalidGlobalClusterStateFault")]
    record = world.manual(DR, action="switchover")
    assert record["outcome"] == o.STEP_FAILED and record["execution"]["status"] == "failed"
    assert world.g.detaches == [] and "remove_from_global_cluster" not in world.rds[DR].calls
    assert world.g.writer == PRIMARY and world.active() == PRIMARY and world.arc.updates == []
    assert world.table().open_execution_id() is None
    assert any("refused" in s for s in world.pages())


# --- cadence, idempotency, dry runs -------------------------------------------------------------------------
def test_one_scheduled_invocation_loops_over_the_budget(world):
    fresh_lag(world)
    start = world.clock()
    summary = world.orchestrator(DR).handle(schedule_event("loop"), remaining_ms=75_000)
    assert len(summary["evaluations"]) == 6  # 0, 10, ..., 50 s of a 60 s budget (the whole minute)
    assert world.clock() - start < 60
    short = world.orchestrator(DR).handle(schedule_event("short"), remaining_ms=45_000)
    assert len(short["evaluations"]) == 3  # 45 s left - 20 s margin = 25 s


def test_detection_within_one_invocation(world):
    outage(world)
    fresh_lag(world)
    summary = world.orchestrator(DR).handle(schedule_event("outage"), remaining_ms=75_000)
    outcomes = [e["outcome"] for e in summary["evaluations"]]
    assert outcomes[:2] == [d.AWAITING, d.AWAITING] and outcomes[2] == o.EXECUTING
    assert world.active() == DR


@ON_BOTH_TABLES
def test_duplicate_event_acts_once(world):
    fresh_lag(world)
    first = world.orchestrator(DR).evaluate(schedule_event("same"))
    again = world.orchestrator(DR).evaluate(schedule_event("same"))
    assert first["outcome"] == d.HEALTHY and again["outcome"] == o.DUPLICATE


@ON_BOTH_TABLES
def test_dry_run_and_status_change_nothing(world):
    outage(world)
    before = sorted(
        json.dumps(i, sort_keys=True)
        for i in world.dynamodb[DR].scan(TableName=world.configs[DR].control_table)["Items"]
    )
    record = world.manual(DR, action="failover", allow_data_loss=True, dry_run=True)
    assert record["outcome"] == d.PROMOTE and not record["acted"]
    assert world.manual(DR, action="status")["outcome"] == d.STATUS_REPORT
    after = sorted(
        json.dumps(i, sort_keys=True)
        for i in world.dynamodb[DR].scan(TableName=world.configs[DR].control_table)["Items"]
    )
    assert before == after and world.arc.updates == [] and world.g.accepted == []


def test_a_failing_step_pages_once_and_is_retried(world):
    outage(world)
    world.arc.updates_throttled = True
    record = world.manual(DR, action="failover", allow_data_loss=True)
    assert record["outcome"] == o.STEP_FAILED
    for _ in range(3):
        fresh_lag(world)
        world.tick()
    assert sum("fence" in s for s in world.pages()) == 1
    world.arc.updates_throttled = False
    promote_fully(world)
    assert world.active() == DR and world.g.accepted == [("failover_global_cluster", DR)]


def test_a_throttled_failover_call_is_retried_with_backoff_in_the_same_step(world):
    outage(world)
    world.rds[DR].faults["failover_global_cluster"] = [
        Fault("Throttling", 400),
        Fault("InternalFailure", 503),
    ]
    record = world.manual(DR, action="failover", allow_data_loss=True)
    step = record["execution"]["steps"]["promote_db"]
    assert step["status"] == "done" and step["attempts"] == 0
    assert world.g.accepted == [("failover_global_cluster", DR)]
    assert world.rds[DR].calls.count("failover_global_cluster") == 3


def test_pages_from_the_survivor_after_two_minutes_of_peer_down(world):
    world.up[PRIMARY] = False
    for _ in range(11):  # lag over the bound: no promotion, the page still comes
        world.put_lag(DR, 45.0, age=5)
        world.tick()
    assert not any("peer down" in s for s in world.pages())
    for _ in range(2):
        world.put_lag(DR, 45.0, age=5)
        world.tick()
    assert sum("peer down" in s for s in world.pages()) == 1


def test_a_headless_cluster_without_an_instance_class_pages_and_is_not_promoted(make_world):
    world = make_world(writer_instance_class="")
    world.g.members[DR] = []
    outage(world)
    record = world.manual(DR, action="failover", allow_data_loss=True)
    assert record["outcome"] == o.STEP_FAILED
    assert "FAILOVER_WRITER_INSTANCE_CLASS" in record["execution"]["steps"]["add_writer_instance"]["detail"]
    # AWS refuses a failover to a headless secondary: the orchestrator does not try it.
    assert world.g.accepted == [] and any("add_writer_instance" in s for s in world.pages())


def test_an_automatic_execution_stands_down_if_the_peer_is_seen_healthy_before_the_fence(world):
    outage(world)
    world.arc.updates_throttled = True
    records = ticks(world, N)
    assert records[-1]["outcome"] == o.STEP_FAILED  # the fence cannot be made yet
    world.up[PRIMARY] = True
    world.arc.updates_throttled = False
    fresh_lag(world)
    assert world.tick()["outcome"] == o.CANCELLED_OUTCOME
    assert world.arc.updates == [] and world.g.accepted == [] and world.table().open_execution_id() is None


class DataApi:
    def __init__(self):
        self.statements = []

    def execute_statement(self, **kwargs):
        self.statements.append(kwargs)
        return {}


def test_the_test_write_goes_through_the_data_api_when_configured(make_world):
    secret = "arn:aws:secretsmanager:us-west-2:123456789012:secret:trading-dr-db-abc"
    world = make_world()
    from dataclasses import replace as with_

    world.configs[DR] = with_(world.configs[DR], data_api_secret_arn=secret)
    outage(world)
    data_api = DataApi()
    original = world.clients

    def clients(region):
        from dataclasses import replace

        return replace(original(region), rds_data=data_api)

    world.clients = clients
    records = promote_fully(world)
    assert records[-1]["execution"]["test_write"] == "verified"
    insert = data_api.statements[-1]
    assert insert["resourceArn"] == config_for(DR).local_cluster_arn and insert["secretArn"] == secret
    assert "ON CONFLICT (epoch) DO NOTHING" in insert["sql"]
    assert {p["name"]: list(p["value"].values())[0] for p in insert["parameters"]}["epoch"] == 1


def test_without_the_data_api_the_test_write_says_not_verified(world):
    outage(world)
    assert promote_fully(world)[-1]["execution"]["test_write"] == "not_verified"


def test_the_lambda_handler_bounds_the_loop_by_the_remaining_time(world, monkeypatch):
    import failover.handler as handler

    monkeypatch.setattr(handler, "_orchestrator", world.orchestrator(DR))
    fresh_lag(world)

    class Context:
        aws_request_id = "req-1"

        def get_remaining_time_in_millis(self):
            return 35_000  # 35 s left - 20 s margin: 15 s, two evaluations

    summary = handler.lambda_handler(schedule_event("bounded"), Context())
    assert len(summary["evaluations"]) == 2


def test_compute_that_never_comes_up_is_paged_and_never_fenced_onto_automatically(make_world):
    """The target must look healthy to its own outside witness before an automatic fence:
    a group that never comes up is paged (bounded waits), never fenced onto; an operator's
    manual failover still goes through (and pages the missing targets)."""
    world = make_world(max_prefence_wait_seconds=60)
    world.asg[DR].boot_seconds = 10**9  # instances never reach InService
    outage(world)
    records = ticks(world, 20)
    assert world.arc.updates == [] and world.g.accepted == []
    assert records[-1]["outcome"] == o.EXECUTING
    assert any("no healthy target" in s for s in world.pages())
    assert any("fence held back" in s for s in world.pages())
    record = world.manual(DR, action="failover", request_id="m-compute")
    assert world.active() == DR and record["outcome"] in (o.EXECUTING, o.PROMOTED)


def test_a_healthy_evaluation_resets_the_streak(world):
    world.up[PRIMARY] = False
    fresh_lag(world)
    assert [world.tick()["consecutive"] for _ in range(2)] == [1, 2]
    world.up[PRIMARY] = True
    assert world.tick()["outcome"] == d.HEALTHY
    world.up[PRIMARY] = False
    fresh_lag(world)
    assert world.tick()["consecutive"] == 1 and world.g.accepted == []


def test_a_pause_longer_than_the_gap_restarts_the_streak(world):
    world.up[PRIMARY] = False
    fresh_lag(world)
    world.tick(), world.tick()
    world.clock.sleep(config_for(DR).evaluation_gap_seconds + 1)
    fresh_lag(world)
    assert world.tick()["consecutive"] == 1 and world.g.accepted == []


def test_the_last_decision_is_kept_for_the_status_view(world):
    fresh_lag(world)
    record = world.tick()
    last = world.table().last_decision()
    assert last["outcome"] == d.HEALTHY == record["outcome"] and last["event_id"] == record["event_id"]


def test_a_redelivered_alarm_notification_is_handled_once(world):
    message = json.dumps({"AlarmName": "lag", "NewStateValue": "ALARM"})
    event = {"Records": [{"EventSource": "aws:sns", "Sns": {"MessageId": "m-1", "Message": message}}]}
    fresh_lag(world)
    assert world.orchestrator(DR).handle(event)["outcome"] == d.HEALTHY
    assert world.orchestrator(DR).handle(event)["outcome"] == o.DUPLICATE


@ON_BOTH_TABLES
def test_status_shows_the_open_execution_and_its_lock_without_changing_anything(world):
    outage(world)
    world.g.promotion_seconds = 10**6
    world.manual(DR, action="failover", allow_data_loss=True)
    world.table().acquire_lock("another-invocation", 60)
    status = world.manual(DR, action="status")
    assert status["execution"]["step"] == "writer_ready" and status["lock"]["holder"] == "another-invocation"
    assert status["routing_controls"] == {"home": "On", "peer": "Off"}
