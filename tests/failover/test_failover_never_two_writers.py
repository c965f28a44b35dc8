"""Never two writers, no flapping, pages that survive (docs/ARCHITECTURE.md, "Never two
writers"): the write lease renewer, the executor reconciled from ARC, arming, the home
region's own witness, the data-plane heartbeat, the database fence and paging without
DynamoDB. Same World as test_failover_orchestrator.py: faults are injected, the doubles
answer as AWS documents it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from failover import decision as d
from failover import orchestrator as o
from failover.arc import OFF, ON, home_is_active
from failover.events import EventError, parse_event
from failover.executor import STEPS
from failover.lease import check_write
from failover.paging import METRIC, NAMESPACE
from tests.failover.fakes import CONTROLS, DR, PRIMARY
from tests.failover.test_failover_orchestrator import Killed, N, fresh_lag, outage, promote_fully, ticks
from tests.failover.world import Impairable, schedule_event

SECRET = "arn:aws:secretsmanager:{}:123456789012:secret:trading-db-master"


def flip_to(world, region: str) -> None:
    world.arc.state = {CONTROLS[region]: ON, CONTROLS[PRIMARY if region == DR else DR]: OFF}


# --- the write lease renewer ------------------------------------------------------------------
def test_the_lease_is_renewed_from_the_home_control_read_on_and_revoked_at_once_when_off(world):
    c = world.configs[PRIMARY]
    primary = world.orchestrator(PRIMARY)
    began = world.clock()
    assert primary.renew_lease()["lease"] == "renewed"
    lease = world.table(PRIMARY).read_lease()
    assert (lease.region, lease.valid_until, lease.renewed_at) == (
        PRIMARY,
        began + c.write_lease_seconds,
        began,
    )
    assert check_write(lease, PRIMARY, began + c.write_lease_seconds - 0.1)[0]
    # the DR region's own lease: its control is Off, so it never allows writes
    assert world.orchestrator(DR).renew_lease()["lease"] == "revoked"
    assert not check_write(world.table(DR).read_lease(), DR, world.clock())[0]
    world.clock.sleep(3)
    flip_to(world, DR)
    assert primary.renew_lease()["lease"] == "revoked"
    assert not check_write(world.table(PRIMARY).read_lease(), PRIMARY, world.clock())[0]
    assert primary.renew_lease()["lease"] == "already_lapsed"  # written once


def test_an_unreadable_arc_writes_nothing_and_the_lease_lapses_by_itself(world):
    """The gray-partition primary: cut off from ARC, its lease is not renewed, so its write
    path refuses writes within L on its own."""
    c = world.configs[PRIMARY]
    primary = world.orchestrator(PRIMARY)
    primary.renew_lease()
    world.impaired[PRIMARY] = True  # every ARC endpoint unreachable from the primary
    world.clock.sleep(c.write_lease_renew_seconds)
    assert primary.renew_lease()["lease"] == "unread"
    lease = world.table(PRIMARY).read_lease()
    world.clock.sleep(c.write_lease_seconds)
    assert not check_write(lease, PRIMARY, world.clock())[0]


def test_both_controls_on_is_no_lease_for_either_region(world):
    """Hole: home_is_active reading only the home control. An ambiguous pair (an operator's
    mistake, a safety rule missing) must not let both regions write."""
    assert home_is_active({"home": ON, "peer": OFF})
    assert not home_is_active({"home": ON, "peer": ON})
    assert not home_is_active({"home": OFF, "peer": OFF})
    world.orchestrator(PRIMARY).renew_lease()
    world.arc.state = {CONTROLS[PRIMARY]: ON, CONTROLS[DR]: ON}
    for region in (PRIMARY, DR):
        world.clock.sleep(1)
        world.orchestrator(region).renew_lease()
        assert not check_write(world.table(region).read_lease(), region, world.clock())[0], region


@pytest.mark.parametrize("eventbridge_delay", [0.0, 4.0, 9.0, 15.0])
def test_a_healthy_writers_lease_never_lapses_between_invocations(world, eventbridge_delay):
    """Renewals at each evaluation, every renew period while the invocation sleeps, and for
    one lease past the budget: with invocations started once a minute, each up to
    `eventbridge_delay` late, the lease of a healthy writer never lapses. The renewal times
    are those of a real invocation (Lambda's remaining time from the program's timeout)."""
    c = world.configs[PRIMARY]
    primary = world.orchestrator(PRIMARY)
    renewals: list[tuple[float, float]] = []
    write = primary.table.renew_lease

    def recorded(lease):
        renewals.append((lease.renewed_at, lease.valid_until))
        return write(lease)

    primary.table.renew_lease = recorded
    start = world.clock()
    primary.handle(schedule_event("minute"), remaining_ms=101_000)
    offsets = [(r - start, v - start) for r, v in renewals]
    assert offsets[0][0] == 0.0
    # Within the invocation: never more than one renew period without a renewal.
    gaps = [b[0] - a[0] for a, b in zip(offsets, offsets[1:], strict=False)]
    assert max(gaps) <= c.write_lease_renew_seconds + 1e-6
    # Across invocations: the next one's first renewal comes before the last one lapses.
    next_first = 60.0 + eventbridge_delay + offsets[0][0]
    assert next_first < offsets[-1][1], (offsets[-1], next_first)


@pytest.mark.parametrize("region", [PRIMARY, DR])
def test_a_probe_that_takes_its_whole_budget_never_lapses_a_healthy_writers_lease(world, region):
    """Each probe try of an unreachable peer waits out its timeout: an evaluation then takes
    attempts x timeout. Renewals come at the evaluation's start, between the probe's tries and
    right after each slow call, so no gap exceeds one renew period plus one bounded call, and
    a writer's lease (as the write path checks it, a write budget ahead) never lapses over
    several invocations, whichever region holds it."""
    from failover.signals import ProbeAttempt
    from failover.write_path import WRITE_BUDGET_SECONDS

    if region == DR:
        flip_to(world, DR)
    world.partitioned = True  # the peer's probe times out, whatever its health
    world.probe = lambda region: None  # the orchestrator's own HTTPS probe, its tries timed out
    c = replace(world.configs[region], probe_attempts=2, probe_timeout_seconds=4)
    renewals: list[tuple[float, float]] = []
    start = world.clock()
    for minute in range(3):
        orchestrator = world.orchestrator(region, probe_attempts=2, probe_timeout_seconds=4)
        probe = orchestrator.probe

        def timed_out(url, probe=probe):
            world.clock.sleep(c.probe_timeout_seconds)
            return ProbeAttempt(False, "TimeoutError: timed out")

        probe._once = timed_out
        write = orchestrator.table.renew_lease

        def recorded(lease, write=write):
            renewals.append((lease.renewed_at, lease.valid_until))
            return write(lease)

        orchestrator.table.renew_lease = recorded
        world.clock.t = max(world.clock.t, start + 60 * minute)
        orchestrator.handle(schedule_event(f"m{minute}"), remaining_ms=101_000)
    renewals.sort()
    gaps = [b[0] - a[0] for a, b in zip(renewals, renewals[1:], strict=False)]
    assert max(gaps) <= c.write_lease_renew_seconds + c.probe_timeout_seconds + 1e-6, max(gaps)
    valid = renewals[0][1]
    for renewed_at, valid_until in renewals[1:]:
        assert renewed_at + WRITE_BUDGET_SECONDS < valid, (renewed_at - start, valid - start)
        valid = max(valid, valid_until)


class SlowCalls:
    """A client whose every API call takes `seconds` on the shared clock (a slow region, or
    the many calls of a long stretch of work) and is recorded."""

    def __init__(self, inner, clock, seconds: float, calls: list):
        self._inner, self._clock, self._seconds, self._calls = inner, clock, seconds, calls

    def __getattr__(self, name):
        attr = getattr(self._inner, name)
        if not callable(attr) or name.startswith("_"):
            return attr

        def call(*args, **kwargs):
            self._calls.append((self._clock(), name))
            self._clock.sleep(self._seconds)
            return attr(*args, **kwargs)

        return call


def _slow_clients(world, seconds: float, calls: list):
    plain = world.clients

    def slow(region):
        clients = plain(region)
        return replace(
            clients,
            **{
                f: SlowCalls(getattr(clients, f), world.clock, seconds, calls)
                for f in ("rds", "dynamodb", "sns", "cloudwatch", "autoscaling", "elbv2")
            },
        )

    world.clients = slow


def _renewals_of(orchestrator) -> list[tuple[float, float]]:
    renewals: list[tuple[float, float]] = []
    write = orchestrator.table.renew_lease

    def recorded(lease):
        renewals.append((lease.renewed_at, lease.valid_until))
        return write(lease)

    orchestrator.table.renew_lease = recorded
    return renewals


@pytest.mark.parametrize("region", [PRIMARY, DR])
def test_a_held_lease_is_renewed_between_any_two_calls_of_a_long_stretch_of_work(world, region):
    """The region that holds the lease keeps it through ANY stretch of its orchestrator's
    work, not only at the points an evaluation renews: here every AWS call takes a second,
    so a healthy primary's evaluation, and the DR evaluation that drives its promotion to
    the end (the writer check, the test write, the epoch, the snapshot, the notification),
    each run for much longer than the lease. The renewer gets its turn before every call
    (failover/renewal.py): no gap between two renewals exceeds one renew period plus one
    call, so the lease never lapses while the region serves."""
    c = world.configs[region]
    call_seconds = 1.0
    if region == DR:
        outage(world)
        # Up to the promotion's request at normal speed; the rest of it with slow calls.
        for _ in range(200):
            fresh_lag(world)
            record = world.tick()
            execution = record.get("execution") or {}
            if execution.get("steps", {}).get("promote_db", {}).get("status") == "done":
                break
        else:
            raise AssertionError("the promotion was never requested")
        world.clock.sleep(world.g.promotion_seconds if hasattr(world.g, "promotion_seconds") else 600)
    calls: list = []
    _slow_clients(world, call_seconds, calls)
    orchestrator = world.orchestrator(region)
    renewals = _renewals_of(orchestrator)
    fresh_lag(world)
    start = world.clock()
    record = orchestrator.evaluate(schedule_event("slow"))
    end = world.clock()
    if region == DR:
        assert record["outcome"] == o.PROMOTED, record["outcome"]
    else:
        assert record["outcome"] == d.ALREADY_WRITER, record["outcome"]
    assert end - start > 2 * c.write_lease_seconds, "the stretch of work must outlast the lease"
    assert renewals, "no renewal at all"
    gaps = [b[0] - a[0] for a, b in zip(renewals, renewals[1:], strict=False)]
    assert max(gaps) <= c.write_lease_renew_seconds + call_seconds + 1e-6, (max(gaps), renewals)
    # Continuously valid from the first renewal to the end of the evaluation.
    valid = renewals[0][1]
    for renewed_at, valid_until in renewals[1:]:
        assert renewed_at < valid, (renewed_at - start, valid - start)
        valid = max(valid, valid_until)
    assert end < valid, (end - start, valid - start)


def test_a_region_that_does_not_hold_the_lease_reads_no_controls_before_its_calls(world):
    """The ticks keep a HELD lease: the DR region at rest (its control Off) reads ARC at its
    evaluation, never once per call, so a standby's work (and its fence) is not slowed."""
    calls: list = []
    _slow_clients(world, 1.0, calls)
    fresh_lag(world)
    dr = world.orchestrator(DR)
    reads = []
    states = dr.arc.states

    def counted():
        reads.append(world.clock())
        return states()

    dr.arc.states = counted
    dr.evaluate(schedule_event("rest"))
    assert len(calls) > 20  # a long evaluation (a second a call)...
    # ...reads the controls at its own fixed points only (its start, its self-check, after the
    # probe, after the witness, before the executor), not every renew period between calls.
    assert len(reads) <= 5, reads


def test_a_renewal_slower_than_the_renew_period_does_not_renew_inside_itself(world):
    """The renewal's own calls go through the same clients: a renewal whose ARC read takes
    longer than the renew period must not start another one from inside (each would read
    ARC again, without end)."""
    primary = world.orchestrator(PRIMARY)
    primary._lease_writes = True
    assert primary.renew_lease()["lease"] == "renewed"  # it holds the lease
    c = world.configs[PRIMARY]
    reads = []
    states = primary.arc.states

    def slow():
        reads.append(world.clock())
        world.clock.sleep(c.write_lease_renew_seconds + 1)
        return states()

    primary.arc.states = slow
    world.clock.sleep(c.write_lease_renew_seconds)
    assert primary.renew_lease()["lease"] == "renewed"
    assert len(reads) == 1, reads


def renewals_of_the_promoting_evaluation(
    world, monkeypatch
) -> tuple[float, float, list[tuple[float, float]]]:
    """After an outage of the primary, tick until the DR evaluation that reports PROMOTED:
    (when that evaluation started, when it ended, the DR lease renewals (renewed_at,
    valid_until) it made)."""
    from failover.control_table import ControlTable

    renewals: list[tuple[float, float]] = []
    write = ControlTable.renew_lease

    def recorded(self, lease):
        if lease.region == DR:
            renewals.append((lease.renewed_at, lease.valid_until))
        return write(self, lease)

    monkeypatch.setattr(ControlTable, "renew_lease", recorded)
    outage(world)
    for _ in range(200):
        fresh_lag(world)
        renewals.clear()
        started = world.clock()
        if world.tick()["outcome"] == o.PROMOTED:
            break
    else:
        raise AssertionError("never promoted")
    return started, world.clock() - world.configs[DR].evaluation_interval_seconds, renewals


def test_a_long_drive_after_the_fence_never_lapses_the_new_writers_lease(world, monkeypatch):
    """After the fence this region holds the write lease, and the promotion's tail (the writer
    seen, write privileges, the test write, the epoch, the snapshot, the notice, the evidence
    seal) runs many steps in one evaluation. With every step taking a whole renew period, the
    lease is still renewed between them: no gap inside that evaluation exceeds one renew period
    plus one step, and the lease (as the write path checks it, a write budget ahead) never
    lapses while the executor works."""
    from failover.executor import FENCE, Executor
    from failover.write_path import WRITE_BUDGET_SECONDS

    c = world.configs[DR]
    step_seconds = c.write_lease_renew_seconds
    run = Executor._run

    def slow(self, step, execution):
        if execution["steps"].get(FENCE, {}).get("status") == "done":
            world.clock.sleep(step_seconds)  # a slow API call after the fence
        return run(self, step, execution)

    monkeypatch.setattr(Executor, "_run", slow)
    started, ended, renewals = renewals_of_the_promoting_evaluation(world, monkeypatch)
    assert ended - started > c.write_lease_seconds  # the drive outlasts a lease
    times = [started] + [r for r, _ in renewals]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)] + [ended - times[-1]]
    assert max(gaps) <= c.write_lease_renew_seconds + step_seconds + 1e-6, gaps
    valid = renewals[0][1]
    for renewed_at, valid_until in renewals[1:]:
        assert renewed_at + WRITE_BUDGET_SECONDS < valid, (renewed_at - started, valid - started)
        valid = max(valid, valid_until)


def test_each_renewal_carries_the_fencing_epoch(world):
    fresh_lag(world)
    world.tick()  # records epoch 0 for the primary
    primary = world.orchestrator(PRIMARY)
    primary.renew_lease()
    assert world.table(PRIMARY).read_lease().epoch == 0
    outage(world)
    promote_fully(world)
    dr = world.orchestrator(DR)
    dr.renew_lease()
    assert world.table(DR).read_lease().epoch == world.epoch(DR)[1] == 1


# --- the executor reconciles from the authority --------------------------------------------------
def _crash_after_the_flip(world) -> None:
    """The DR orchestrator dies right after UpdateRoutingControlStates lands, before the fence
    step is saved (the issue's second fault)."""
    outage(world)
    for _ in range(N - 1):
        fresh_lag(world)
        world.tick()
    victim = world.orchestrator(DR, invocation_id="victim")
    victim.table.release_lock = lambda holder: None
    update = victim.arc.activate_home

    def flip_then_die():
        update()
        raise Killed()

    victim.arc.activate_home = flip_then_die
    fresh_lag(world)
    with pytest.raises(Killed):
        world.tick(orchestrator=victim)
    assert world.active() == DR
    execution = world.table().read_execution(world.table().open_execution_id())
    assert execution["steps"].get("fence", {}).get("status") != "done"  # the step was never saved


def test_a_crash_between_the_flip_and_saving_the_fence_step_finishes_the_promotion(world):
    """Hole: the stand-down after the fence losing its `and not fenced`. With ARC moved and
    the peer back 10 s later, the execution must not cancel (DR takes traffic, no writer
    anywhere): whether the fence happened is read from ARC, and the promotion finishes."""
    _crash_after_the_flip(world)
    world.clock.sleep(10)
    world.up[PRIMARY] = True  # the primary is back, and the witness and probe see it healthy
    records = []
    for _ in range(40):
        fresh_lag(world)
        records.append(world.tick())
        if records[-1]["outcome"] == o.PROMOTED:
            break
    assert o.CANCELLED_OUTCOME not in {r["outcome"] for r in records}
    assert records[-1]["outcome"] == o.PROMOTED
    assert (
        world.g.writer == DR
        and world.active() == DR
        and world.g.accepted == [("failover_global_cluster", DR)]
    )


def test_an_unreadable_arc_is_never_read_as_not_fenced(world):
    """Unknown is not "not fenced": with ARC unreadable from the DR region right after the
    crash, a healthy-peer veto never cancels the execution (nothing is changed on a guess)."""
    _crash_after_the_flip(world)
    world.up[PRIMARY] = True
    world.arc.unavailable.update(e.region for e in world.configs[DR].arc_cluster_endpoints)
    records = [world.tick() for _ in range(8)]
    assert o.CANCELLED_OUTCOME not in {r["outcome"] for r in records}
    assert world.table().open_execution_id() is not None


def test_a_hot_standby_fences_without_waiting_on_throttled_control_plane_reads(make_world):
    """The issue's fifth fault: DescribeTargetHealth and DescribeAutoScalingGroups throttled
    while the hot standby already serves. The evaluation that decides promote also fences."""
    world = make_world(serves_at_rest=True)
    world.asg[DR].min = world.asg[DR].desired = 2
    world.asg[DR].changed_at = world.clock() - 1000
    world.elb[DR].fail = ("Throttling", 400)
    world.asg[DR].fail_describe = True
    outage(world)
    records = ticks(world, N)
    assert records[-1]["outcome"] == o.EXECUTING and world.active() == DR
    assert world.g.accepted == [("failover_global_cluster", DR)]
    assert world.elb[DR].calls == 0
    assert "serving" in records[-1]["execution"]["steps"]["targets_ready"]["detail"]


# --- no flapping --------------------------------------------------------------------------------
def test_one_automatic_failover_then_disarmed_until_an_operator_arms(world):
    fresh_lag(world)
    world.tick(PRIMARY)  # the primary's orchestrator knows itself active
    outage(world)
    promote_fully(world)
    arming = world.table(DR).arming()
    assert arming["armed"] is False and arming["by"] == "orchestrator" and arming["epoch"] == 1
    # The old primary comes back and watches the move: it disarms itself (no automatic failback).
    world.up[PRIMARY] = True
    record = world.tick(PRIMARY)
    assert world.table(PRIMARY).arming()["armed"] is False and record["arming"]["armed"] is False
    # The DR region now fails: the primary would fail back automatically; it does not, it pages.
    world.asg[PRIMARY].changed_at = world.clock() - 1000
    world.up[DR] = False
    records = [world.tick(PRIMARY) for _ in range(N + 1)]
    assert records[-1]["outcome"] == d.DISARMED and world.active() == DR
    assert any("disarmed" in s for s in world.pages(PRIMARY))
    # `arm`: recorded with who and why, and automatic failover is back.
    armed = world.orchestrator(PRIMARY).evaluate(
        {"action": "arm", "reason": "primary rebuilt", "operator": "alice", "request_id": "arm-1"}
    )
    assert armed["outcome"] == o.ARMED
    assert world.table(PRIMARY).arming() | {"at": None} == {
        "armed": True, "by": "alice", "reason": "primary rebuilt", "at": None, "epoch": 1,
    }  # fmt: skip
    assert world.tick(PRIMARY)["outcome"] != d.DISARMED


def test_arm_requires_who_and_why():
    with pytest.raises(EventError, match="operator"):
        parse_event({"action": "arm", "reason": "x"})
    with pytest.raises(EventError, match="reason"):
        parse_event({"action": "arm", "operator": "alice"})
    command = parse_event({"action": "arm", "reason": "rebuilt", "operator": " alice "})
    assert (command.kind, command.operator, command.reason) == ("arm", "alice", "rebuilt")


def test_a_fault_in_both_regions_health_never_fails_over_and_pages(make_world):
    """The issue's fourth fault: a bad deploy fails /health in both regions. The hot standby
    sees its own witness unhealthy: no failover, a page."""
    world = make_world(serves_at_rest=True)
    world.asg[DR].min = world.asg[DR].desired = 2
    world.asg[DR].changed_at = world.clock() - 1000
    world.elb[DR].lag_seconds = 10**9  # its targets never pass the health check either
    outage(world)
    records = ticks(world, N + 5)
    assert records[-1]["outcome"] == d.BOTH_UNHEALTHY
    assert world.arc.updates == [] and world.g.accepted == []
    assert any("both unhealthy" in s for s in world.pages())


def test_the_fence_waits_for_the_target_to_look_healthy_to_its_own_witness(make_world):
    """Pilot light: the decision does not need the home witness (nothing serves at rest), the
    fence does: no fence while the home region's witness says unhealthy."""
    world = make_world(dr_boot_seconds=0)
    world.elb[DR].lag_seconds = 40  # Route 53 sees healthy targets 40 s after the group is in service
    outage(world)
    fenced_at_health = None
    for _ in range(30):
        fresh_lag(world)
        world.tick()
        if world.arc.updates and fenced_at_health is None:
            fenced_at_health = world.elb[DR].healthy()
    assert fenced_at_health and fenced_at_health > 0


# --- the data-plane heartbeat: writer liveness ----------------------------------------------------
def test_a_database_that_stops_committing_behind_a_healthy_health_check_is_paged(world):
    """The issue's seventh fault: TCP answers, /health is 200, nothing commits. The outside
    witness sees the primary healthy, so no failover; the stopped heartbeat pages."""
    world.writing[PRIMARY] = False
    fresh_lag(world)
    records = ticks(world, 16)
    assert d.WRITER_SILENT in {r["outcome"] for r in records}
    assert world.g.accepted == [] and world.arc.updates == []
    assert any("writer silent" in s for s in world.pages())


# --- pages that survive ----------------------------------------------------------------------------
def _page_metrics(world, region: str) -> set[str]:
    metrics = world.cloudwatch[region].list_metrics(Namespace=NAMESPACE, MetricName=METRIC)["Metrics"]
    return {dim["Value"] for m in metrics for dim in m["Dimensions"]}


def test_abstaining_pages_through_sns_and_the_metric_without_the_regions_dynamodb(world):
    """The issue's sixth fault: the DR region's DynamoDB does not answer during a real
    outage. It abstains, and pages anyway: SNS in its own region plus the Page metric."""
    outage(world)
    orchestrator = world.orchestrator(DR)
    orchestrator.table.db = Impairable(world.dynamodb[DR], lambda: True)
    records = [orchestrator.evaluate(schedule_event(f"ddb-{n}")) for n in range(3)]
    assert {r["outcome"] for r in records} == {d.ABSTAIN}
    assert sum("abstain" in s for s in world.pages()) == 1  # once per invocation
    assert {"abstain", "all"} <= _page_metrics(world, DR)


def test_not_eligible_pages(world):
    """Hole: the not_eligible page removed."""
    world.g.versions[DR] = "14.9"  # an engine version the global cluster cannot fail over to
    outage(world)
    records = ticks(world, N + 1)
    assert records[-1]["outcome"] == d.NOT_ELIGIBLE and world.g.accepted == []
    assert any("not eligible" in s for s in world.pages())
    assert "not_eligible" in _page_metrics(world, DR)


def test_an_alert_ends_with_its_condition_so_the_next_episode_pages_again(world):
    """One page per episode: the alert opened while the peer looked down is cleared by the
    first evaluation where that no longer holds (the open alerts are read in one Query), and
    only the conditions that still hold stay open."""
    world.g.versions[DR] = "14.9"  # not eligible: the peer-down condition holds, nothing promotes
    outage(world)
    ticks(world, N + 1)
    table = world.table(DR)
    assert {"peer_down", "not_eligible"} <= table.alerts()
    world.up[PRIMARY] = True
    ticks(world, 2)
    assert table.alert("peer_down") is None and table.alert("not_eligible") is None
    assert table.alerts() == set()


def test_the_rpo_gate_pages_with_the_metric_too(world):
    world.observer_up[DR] = False
    outage(world)
    ticks(world, N + 1)
    assert "rpo_gate" in _page_metrics(world, DR)


# --- the database fence ----------------------------------------------------------------------------
class DataApi:
    def __init__(self, fail: bool = False):
        self.statements: list[dict] = []
        self.fail = fail

    def execute_statement(self, **kwargs):
        if self.fail:
            from tests.failover.fakes import client_error

            raise client_error("BadRequestException", 400, "ExecuteStatement")
        self.statements.append(kwargs)
        return {"records": []}


def _with_db_fence(world, region: str, api: DataApi):
    world.configs[region] = replace(
        world.configs[region], db_fence_secret_arn=SECRET.format(region), db_app_user="trading_app"
    )
    orchestrator = world.orchestrator(region)
    orchestrator.clients = replace(orchestrator.clients, rds_data=api)
    return orchestrator


def test_the_old_primary_fences_its_database_when_its_control_reads_off_and_failback_restores(world):
    api = DataApi()
    primary = _with_db_fence(world, PRIMARY, api)
    primary.renew_lease()
    assert api.statements == []  # holds the lease: nothing to fence
    world.clock.sleep(2)
    flip_to(world, DR)  # the DR region fenced
    outcome = primary.renew_lease()
    assert outcome["lease"] == "revoked" and outcome["db_fence"].startswith("revoked")
    assert [s["sql"].split()[0] for s in api.statements] == ["REVOKE", "SELECT"]
    assert {s["resourceArn"] for s in api.statements} == {world.configs[PRIMARY].local_cluster_arn}
    assert world.table(PRIMARY).db_fence()["fenced"] is True
    # idempotent: a later evaluation does not revoke again
    world.clock.sleep(10)
    primary.evaluate(schedule_event("after"))
    assert len(api.statements) == 2
    # failback: this region holds the lease again -> the privileges come back
    flip_to(world, PRIMARY)
    world.clock.sleep(10)
    primary.evaluate(schedule_event("failback"))
    assert (
        api.statements[-1]["sql"].startswith("GRANT") and world.table(PRIMARY).db_fence()["fenced"] is False
    )


def test_the_promoted_region_grants_the_writes_back_on_its_new_writer(world):
    api = DataApi()
    world.configs[DR] = replace(
        world.configs[DR], db_fence_secret_arn=SECRET.format(DR), db_app_user="trading_app"
    )
    original = world.clients

    def clients(region):
        built = original(region)
        return replace(built, rds_data=api) if region == DR else built

    world.clients = clients
    outage(world)
    records = promote_fully(world)
    assert records[-1]["execution"]["steps"]["restore_db_writes"]["detail"].startswith("granted")
    assert any(s["sql"].startswith("GRANT") for s in api.statements)
    steps = STEPS["failover"]
    assert steps.index("writer_ready") < steps.index("restore_db_writes") < steps.index("test_write")


def test_a_failing_database_fence_pages_and_the_lease_still_fences(world):
    primary = _with_db_fence(world, PRIMARY, DataApi(fail=True))
    primary.renew_lease()
    world.clock.sleep(2)
    flip_to(world, DR)
    outcome = primary.renew_lease()
    assert outcome["lease"] == "revoked" and outcome["db_fence"].startswith("failed")
    assert any("database fence failed" in s for s in world.pages(PRIMARY))
    assert "db_fence_failed" in _page_metrics(world, PRIMARY)
    assert not check_write(world.table(PRIMARY).read_lease(), PRIMARY, world.clock())[0]


def test_a_slow_detection_is_counted_as_data_at_risk(make_world):
    """The writer's heartbeat stops 40 s before the outside witness sees the region down. From
    the DR region that is indistinguishable from its replication stalling while the writer went
    on acknowledging writes (tests/failover/test_rpo_gate_replication_stall.py), so the data at
    risk is (writer_down_by - newest beat), 40 s and more, not the arrival lag of the last beat
    (about a second): over the bound, held and paged, never promoted automatically
    (docs/FAILOVER_RUNTIME.md "The RPO gate")."""
    world = make_world(serves_at_rest=True)
    world.asg[DR].min = world.asg[DR].desired = 2
    world.asg[DR].changed_at = world.clock() - 1000
    fresh_lag(world)
    world.tick()
    world.writing[PRIMARY] = False
    for _ in range(4):
        world.tick()
    world.up[PRIMARY] = False
    records = ticks(world, N + 4)
    assert min(r["heartbeat_lag_seconds"] for r in records if r.get("writer_down_by") is not None) >= 40
    assert world.g.accepted == [] and world.arc.updates == []
    assert any("rpo gate" in s.lower() for s in world.pages())
