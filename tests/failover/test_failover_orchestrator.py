"""The orchestrator on moto: real boto3 calls against mocked RDS, DynamoDB, SNS, SQS and
CloudWatch; FailoverGlobalCluster / SwitchoverGlobalCluster / a cross-region
RemoveFromGlobalCluster are emulated on moto's state (ops/emulation/rds.py)."""

from __future__ import annotations

import time

import pytest
from moto import mock_aws

from failover import decision as d
from failover import orchestrator as o
from ops.emulation.world import CLUSTER, DR, PRIMARY, TABLE, build_world

N = 3


@pytest.fixture
def make_world():
    """Build a world (once per test) with config overrides; N evaluations by default."""
    with mock_aws():
        yield lambda **overrides: build_world(
            start=float(int(time.time())), **{"required_evaluations": N, **overrides}
        )


@pytest.fixture
def world(make_world):
    return make_world()


def dr_arn(world):
    return world.regions[DR].config.local_cluster_arn


def primary_arn(world):
    return world.regions[PRIMARY].config.local_cluster_arn


def state_item(world):
    return next((i for i in world.table_items() if i["pk"]["S"] == "STATE"), None)


def test_healthy_peer_no_action(world):
    records = [world.tick() for _ in range(N + 2)]
    assert {r["outcome"] for r in records} == {d.HEALTHY}
    assert not any(r["acted"] for r in records)
    assert world.promotions() == []
    assert world.writer() == primary_arn(world)
    assert world.notifications() == []
    # Every signal is in the record; the healthy peer reads as healthy.
    signals = {s["name"]: s["peer_down"] for s in records[-1]["signals"]}
    assert signals == {"peer_probe": False, "global_cluster": False, "lag_alarms": False}


@pytest.mark.parametrize("failing", ["probe", "alarms"])
def test_one_failing_signal_no_action(world, failing):
    if failing == "probe":
        world.peer_healthy = False
    else:
        world.set_lag_alarms("ALARM")
    records = [world.tick() for _ in range(N + 2)]
    assert {r["outcome"] for r in records} == {d.NO_QUORUM}
    assert world.promotions() == []
    assert world.writer() == primary_arn(world)


def test_quorum_for_n_evaluations_promotes(world):
    world.peer_down()
    before = [world.tick() for _ in range(N - 1)]
    assert [r["outcome"] for r in before] == [d.AWAITING] * (N - 1)
    assert [r["consecutive"] for r in before] == list(range(1, N))
    assert world.promotions() == []

    record = world.tick()
    assert record["outcome"] == o.PROMOTED and record["acted"] is True
    assert world.promotions() == [
        (
            "FailoverGlobalCluster",
            {
                "GlobalClusterIdentifier": "trading-global",
                "TargetDbClusterIdentifier": dr_arn(world),
                "AllowDataLoss": "true",
            },
        )
    ]
    assert world.writer() == dr_arn(world)
    state = state_item(world)
    assert state["active_region"]["S"] == DR and state["epoch"]["N"] == "1"
    assert record["active_state"]["epoch"] == 1
    sent = world.notifications()
    assert len(sent) == 1 and sent[0]["record"]["outcome"] == o.PROMOTED
    assert "epoch 1" in sent[0]["subject"]
    # The lock is released after a completed promotion.
    assert not any(i["pk"]["S"] == "LOCK" for i in world.table_items())
    # Afterwards this region is the writer: no second promotion.
    assert world.tick()["outcome"] == d.ALREADY_WRITER
    assert len(world.promotions()) == 1


def test_a_healthy_evaluation_resets_the_streak(world):
    world.peer_down()
    for _ in range(N - 1):
        world.tick()
    world.peer_healthy = True
    assert world.tick()["outcome"] == d.NO_QUORUM
    world.peer_healthy = False
    records = [world.tick() for _ in range(N - 1)]
    assert [r["outcome"] for r in records] == [d.AWAITING] * (N - 1)
    assert world.promotions() == []


def test_evaluations_too_far_apart_are_not_consecutive(world):
    world.peer_down()
    for _ in range(N - 1):
        world.tick()
    world.clock.sleep(world.regions[DR].config.evaluation_gap_seconds + 60)
    assert world.tick()["consecutive"] == 1
    assert world.promotions() == []


def test_duplicate_event_acts_once(world):
    world.peer_down()
    first = world.scheduled_event()
    world.tick(event=first)
    # A redelivered evaluation does not count twice towards the N consecutive evaluations.
    assert world.tick(event=first)["outcome"] == o.DUPLICATE
    for _ in range(N - 2):
        assert world.tick()["outcome"] == d.AWAITING
    crossing = world.scheduled_event()
    assert world.tick(event=crossing)["outcome"] == o.PROMOTED
    again = world.tick(event=crossing)
    assert again["outcome"] == o.DUPLICATE and not again["acted"]
    assert len(world.promotions()) == 1


def test_duplicate_alarm_notification_acts_once(world):
    world.peer_down()
    for _ in range(N - 1):
        world.tick()
    notification = {
        "Records": [
            {
                "EventSource": "aws:sns",
                "Sns": {
                    "MessageId": "5d1c-alarm",
                    "Message": '{"AlarmName": "trading-dr-replication-lag", "NewStateValue": "ALARM"}',
                },
            }
        ]
    }
    records = [world.tick(event=notification) for _ in range(2)]
    assert [r["outcome"] for r in records] == [o.PROMOTED, o.DUPLICATE]
    assert records[0]["trigger"] == "alarm"
    assert len(world.promotions()) == 1


def test_lock_held_no_action(world):
    lock_seconds = world.regions[DR].config.lock_seconds
    world.regions[DR].clients.dynamodb.put_item(
        TableName=TABLE,
        Item={
            "pk": {"S": "LOCK"},
            "sk": {"S": "FAILOVER"},
            "holder": {"S": "manual:someone-else"},
            "acquired_at": {"N": str(world.clock())},
            "expires_at": {"N": str(world.clock() + lock_seconds)},
        },
    )
    world.peer_down()
    records = [world.tick() for _ in range(N)]
    assert records[-1]["outcome"] == o.LOCK_HELD
    assert records[-1]["lock"]["holder"] == "manual:someone-else"
    assert world.promotions() == [] and world.writer() == primary_arn(world)
    # The lock expires (the peer is still down): a later evaluation takes it and promotes.
    world.clock.sleep(lock_seconds)
    assert [world.tick() for _ in range(N)][-1]["outcome"] == o.PROMOTED


def test_lag_above_bound_blocks_then_manual_allow_data_loss_promotes(world):
    world.lag = world.regions[DR].config.max_lag_seconds + 90
    world.peer_down()
    records = [world.tick() for _ in range(N + 1)]
    assert [r["outcome"] for r in records[N - 1 :]] == [d.RPO_GATE, d.RPO_GATE]
    assert records[-1]["lag_seconds"] == pytest.approx(world.lag)
    assert world.promotions() == []
    sent = world.notifications()
    assert sent and all(m["record"]["outcome"] == d.RPO_GATE for m in sent)

    orchestrator = world.orchestrator()
    refused = orchestrator.evaluate({"action": "failover", "reason": "region outage"})
    assert refused["outcome"] == d.RPO_GATE and world.promotions() == []

    record = orchestrator.evaluate(
        {"action": "failover", "allow_data_loss": True, "reason": "region outage, RPO accepted"}
    )
    assert record["outcome"] == o.PROMOTED
    assert world.writer() == dr_arn(world)
    assert state_item(world)["reason"]["S"].startswith("region outage, RPO accepted")


def test_unknown_lag_blocks_automatic_promotion(world):
    world.lag = None
    world.peer_down()
    records = [world.tick() for _ in range(N)]
    assert records[-1]["outcome"] == d.RPO_GATE and records[-1]["lag_seconds"] is None
    assert world.promotions() == []


def test_manual_dry_run_changes_nothing(world):
    world.peer_down()
    for _ in range(N - 1):
        world.tick()
    world.notifications()
    items_before = world.table_items()
    for command in (
        {"action": "failover", "dry_run": True, "allow_data_loss": True, "reason": "drill"},
        {"action": "switchover", "dry_run": True, "reason": "drill"},
        {"action": "status"},
    ):
        record = world.orchestrator().evaluate(command)
        assert record["acted"] is False
        if command["action"] != "status":
            assert record["dry_run"] is True and record["outcome"] == d.PROMOTE
            assert record["action"] == command["action"]
    assert world.promotions() == []
    assert world.writer() == primary_arn(world)
    assert sorted(map(str, world.table_items())) == sorted(map(str, items_before))
    assert world.notifications() == []


@pytest.mark.parametrize(
    "event",
    [
        None,
        [],
        "failover",
        {},
        {"hello": "world"},
        {"action": "explode", "reason": "x"},
        {"action": "failover", "dry_run": "yes", "reason": "x"},
        {"action": "failover"},
        {"action": "switchover", "allow_data_loss": True, "reason": "x"},
        {"action": "status", "force": True},
        {"Records": [{"EventSource": "aws:sns", "Sns": {"MessageId": "m", "Message": "not json"}}]},
        {"Records": [{"EventSource": "aws:sqs"}]},
        {"source": "aws.events", "detail-type": "Scheduled Event"},
    ],
)
def test_malformed_event_clear_error_no_action(world, event, capsys):
    world.peer_down()
    record = world.orchestrator().evaluate(event)
    assert record["outcome"] == o.INVALID_EVENT and record["acted"] is False
    assert record["reason"]  # says what is wrong
    assert world.table_items() == [] and world.promotions() == []
    logged = capsys.readouterr().out
    assert '"rejected event"' in logged and '"invalid_event"' in logged


def test_already_writer_no_action(world):
    # The primary's own orchestrator, with every signal saying "peer down".
    world.peer_down()
    world.set_lag_alarms("ALARM", region=PRIMARY)
    records = [world.tick(region=PRIMARY) for _ in range(N + 1)]
    assert {r["outcome"] for r in records} == {d.ALREADY_WRITER}
    assert records[-1]["local_is_writer"] is True
    assert world.promotions(PRIMARY) == [] and world.promotions(DR) == []
    # A manual failover in the writer region does nothing either.
    manual = world.orchestrator(PRIMARY).evaluate(
        {"action": "failover", "allow_data_loss": True, "reason": "x"}
    )
    assert manual["outcome"] == d.ALREADY_WRITER and world.promotions(PRIMARY) == []


def test_refused_managed_failover_falls_back_to_detach(world):
    world.regions[DR].emulation.refuse["FailoverGlobalCluster"] = "InvalidGlobalClusterStateFault"
    world.peer_down()
    record = [world.tick() for _ in range(N)][-1]
    assert record["outcome"] == o.PROMOTED
    assert record["promotion"]["performed"] == ["detach"]
    assert [c[0] for c in world.regions[DR].emulation.calls] == [
        "FailoverGlobalCluster",
        "RemoveFromGlobalCluster",
    ]
    assert record["local_is_writer"] is True and state_item(world)["action"]["S"] == "detach"
    # Detached and standalone, it stays the writer on later evaluations.
    assert world.tick()["outcome"] == d.ALREADY_WRITER


def test_polling_waits_for_the_writer(world):
    world.regions[DR].emulation.complete_after_polls = 3
    world.peer_down()
    record = [world.tick() for _ in range(N)][-1]
    assert record["outcome"] == o.PROMOTED
    assert record["promotion"]["polls"] >= 3 and world.clock.slept.count(10) >= 2


def test_polling_is_bounded_and_a_stuck_promotion_keeps_the_lock(make_world):
    stuck = make_world(required_evaluations=1, promotion_timeout_seconds=60, poll_seconds=10)
    stuck.regions[DR].emulation.never_complete = True
    stuck.peer_down()
    start = stuck.clock()
    record = stuck.tick()
    assert record["outcome"] == o.PROMOTION_TIMEOUT and record["acted"] is True
    assert 60 <= stuck.clock() - start - 60 <= 70  # the tick's minute, then the bounded wait
    assert 6 <= record["promotion"]["polls"] <= 60 / 10 + 2
    assert record["lock"] is not None  # nobody starts a second promotion until it expires
    assert stuck.tick()["outcome"] == d.IN_PROGRESS
    assert len(stuck.promotions()) == 1
    assert stuck.notifications()[0]["record"]["outcome"] == o.PROMOTION_TIMEOUT


def test_a_promotion_that_completes_late_is_recorded_when_observed(make_world):
    late = make_world(required_evaluations=1, promotion_timeout_seconds=60, poll_seconds=10)
    late.regions[DR].emulation.never_complete = True
    late.peer_down()
    assert late.tick()["outcome"] == o.PROMOTION_TIMEOUT
    late.notifications()
    late.regions[DR].emulation.never_complete = False  # RDS finishes the failover
    record = late.tick()
    assert record["outcome"] == d.ALREADY_WRITER
    assert record["active_state"]["active_region"] == DR and record["active_state"]["epoch"] == 1
    assert [m["record"]["outcome"] for m in late.notifications()] == ["writer_observed"]
    assert len(late.promotions()) == 1


def test_manual_switchover_is_planned_and_not_rpo_gated(world):
    world.lag = 500
    world.put_lag(500)
    record = world.orchestrator().evaluate({"action": "switchover", "reason": "quarterly drill"})
    assert record["outcome"] == o.PROMOTED
    assert [c[0] for c in world.promotions()] == ["SwitchoverGlobalCluster"]
    assert world.writer() == dr_arn(world)


def test_epochs_agree_across_regions_through_failover_and_failback(world):
    def state(region):
        item = next(i for i in world.table_items(region) if i["pk"]["S"] == "STATE")
        return item["active_region"]["S"], int(item["epoch"]["N"])

    world.tick(PRIMARY), world.tick(DR)
    assert state(PRIMARY) == state(DR) == (PRIMARY, 0)

    assert (
        world.orchestrator(DR).evaluate({"action": "switchover", "reason": "drill"})["outcome"] == o.PROMOTED
    )
    assert state(DR) == (DR, 1)
    world.tick(PRIMARY)  # the primary's orchestrator sees the new writer and follows
    assert state(PRIMARY) == (DR, 1)

    back = world.orchestrator(PRIMARY).evaluate({"action": "switchover", "reason": "failback"})
    assert back["outcome"] == o.PROMOTED and world.writer() == primary_arn(world)
    assert state(PRIMARY) == (PRIMARY, 2)
    world.tick(DR)
    assert state(DR) == (PRIMARY, 2)


def test_a_burst_of_alarm_notifications_does_not_replace_persistence(world):
    world.peer_down()
    world.tick()
    for n in range(N + 2):
        world.clock.sleep(5)
        notification = {
            "Records": [
                {
                    "EventSource": "aws:sns",
                    "Sns": {
                        "MessageId": f"burst-{n}",
                        "Message": '{"AlarmName": "trading-dr-rpo-lag", "NewStateValue": "ALARM"}',
                    },
                }
            ]
        }
        record = world.orchestrator().evaluate(notification)
        assert record["outcome"] == d.AWAITING and record["consecutive"] == 1
    assert world.promotions() == []


def test_decision_record_and_logs_carry_every_signal(world, capsys):
    record = world.tick()
    line = [line for line in capsys.readouterr().out.splitlines() if '"decision"' in line][-1]
    for name in ("peer_probe", "global_cluster", "lag_alarms"):
        assert name in line
    assert record["region"] == DR and record["peer_region"] == PRIMARY
    assert record["cluster"]["writer_arn"] == primary_arn(world)
    assert CLUSTER[DR] in record["cluster"]["members"][1] or CLUSTER[DR] in record["cluster"]["members"][0]


def test_the_last_decision_is_kept_for_the_status_view(world):
    from failover.control_table import ControlTable

    table = ControlTable(world.regions[DR].clients.dynamodb, TABLE, world.clock)
    assert table.last_decision() is None
    world.tick()
    assert table.last_decision()["outcome"] == d.HEALTHY
    world.peer_down()
    for _ in range(N):
        record = world.tick()
    last = table.last_decision()
    assert record["outcome"] == o.PROMOTED
    assert (last["outcome"], last["acted"], last["action"]) == (o.PROMOTED, True, record["action"])
    assert last["event_id"] == record["event_id"]


def test_a_headless_pilot_light_cluster_gets_a_writer_instance_before_promotion(make_world):
    from failover.actions import ADD_WRITER, writer_instance_id

    world = make_world(headless_dr=True, writer_instance_class="db.r6g.large")
    rds = world.regions[DR].clients.rds
    assert (
        rds.describe_db_clusters(DBClusterIdentifier=CLUSTER[DR])["DBClusters"][0]["DBClusterMembers"] == []
    )
    world.peer_down()
    for _ in range(N):
        record = world.tick()
    assert record["outcome"] == o.PROMOTED
    assert record["promotion"]["performed"] == [ADD_WRITER, "failover"]
    assert record["promotion"]["errors"] == []
    instance = rds.describe_db_instances(DBInstanceIdentifier=writer_instance_id(CLUSTER[DR]))["DBInstances"][
        0
    ]
    assert instance["DBInstanceClass"] == "db.r6g.large"
    assert world.writer() == dr_arn(world)


def test_a_cluster_with_instances_is_promoted_as_it_is(world):
    world.peer_down()
    for _ in range(N):
        record = world.tick()
    assert record["promotion"]["performed"] == ["failover"] and record["promotion"]["errors"] == []


def test_a_headless_cluster_without_an_instance_class_is_promoted_and_the_gap_reported(make_world):
    world = make_world(headless_dr=True)
    world.peer_down()
    for _ in range(N):
        record = world.tick()
    assert record["promotion"]["performed"] == ["failover"]
    assert any("headless and no instance class" in e for e in record["promotion"]["errors"])
