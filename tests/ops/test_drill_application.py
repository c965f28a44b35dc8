"""The drill's model of the application and of what surrounds it, each behaviour against the
rule it encodes: the write lease refuses a lapsed writer (failover/write_path.py, the
platform's own classes), there is no cross-region write path, sticky clients keep a region
DNS no longer answers, CloudWatch publishes as it does, the fault model composes, and
invocations overlap. Each test goes red when its behaviour is removed from the emulation."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3
import pytest
from moto import mock_aws

from components.settings import parse_settings
from failover.lease import WriteLease, lease_to_item
from ops.drill import as_document, run_facts
from ops.emulation.dr_world import DrWorld, WorldSpec
from ops.emulation.network import (
    COMMITS_STALL,
    HEALTH_FAILS,
    THROTTLE,
    UNREACHABLE,
    Fault,
)
from ops.emulation.routing_controls import control_arn
from ops.stack_config import effective_config
from ops.timing_model import PROFILE_SOURCES, PROFILES, timing_model
from tests.ops.drill_support import EAST, WEST, facts, region_spec, timing

START = 1_767_225_600.0


@pytest.fixture
def world():
    settings = parse_settings(effective_config("dr"), "dr")

    def make(lag: float = 1.0, profile: str = "nominal", rpo: float | None = None, **extra) -> DrWorld:
        return DrWorld(
            spec=WorldSpec(
                primary=region_spec(EAST, 2, 3),
                dr=region_spec(WEST, 1, 3),
                global_id="global",
                engine="aurora-postgresql",
                engine_version="16.6",
                app_fqdn="app.trading.example.com",
                global_db_rpo_seconds=rpo,
            ),
            timing=timing_model(settings, promotion_seconds=120, profile_name=profile),
            promotion_seconds=120,
            replication_lag=lag,
            start=START,
            **extra,
        )

    with mock_aws():
        yield make


def grant(w: DrWorld, region: str, seconds: float, epoch: int = 0) -> None:
    """The orchestrator's renewer writes `region`'s lease (what the runtime does from ARC)."""
    lease = WriteLease(region=region, epoch=epoch, valid_until=w.now + seconds, renewed_at=w.now, holder="t")
    w.put_raw_item(region, lease_to_item(lease))
    w._sample_leases()


def client_acks(w: DrWorld, region: str, since: float) -> list[float]:
    return [a[0] for a in w.acks if a[1] == region and a[2] == "client" and a[0] >= since]


def test_the_application_refuses_writes_once_its_lease_lapses(world):
    """The write lease (docs/WRITE_LEASE.md): no valid lease, no write; the platform's
    WritePath also refuses within its write budget of valid_until."""
    w = world()
    w.lease_enforced = True
    grant(w, EAST, 20)
    w.advance(10)
    assert client_acks(w, EAST, START), "writes under a valid lease are acknowledged"
    w.advance(30)
    lapsed = START + 20
    assert not client_acks(w, EAST, lapsed - 1), "a write was acknowledged after the lease lapsed"
    assert not [v for v in w.violations if v.invariant == "lease_respected"]
    refused = [a for c in w.stream.clients.values() for a in c.attempts if a.at >= lapsed]
    assert refused and all("write lease" in a.reason for a in refused)


def test_an_application_without_a_lease_item_never_writes(world):
    w = world()
    w.lease_enforced = True
    w.advance(20)
    assert not w.acks


def test_a_region_writes_only_to_its_own_cluster_never_across_regions(world):
    """The application writes to its own region's cluster endpoint: a DR region holding a
    lease while its cluster is still a secondary acknowledges nothing (it is read-only)."""
    w = world()
    w.lease_enforced = True
    grant(w, EAST, 300)
    grant(w, WEST, 300)
    outcome = w.apps[WEST].write(w.now, None)
    assert not outcome.ok and "read-only" in outcome.reason
    assert w.apps[EAST].write(w.now, None).ok


def test_sticky_clients_keep_the_region_dns_no_longer_answers(world):
    """DNS is not a fence: after the routing controls move, the TTL-honouring client follows
    within the TTL, the others keep the old region (a cached answer, a keep-alive connection
    whose requests still succeed, a regional name)."""
    w = world()
    w.advance(5)
    w.arc.state = {control_arn(EAST): False, control_arn(WEST): True}
    w.arc.updates.append((w.now, w.arc.on_regions_map()))
    w.advance(w.timing.dns_ttl_seconds + w.timing.routing_control_propagation_seconds + 5)
    last = {kind: client.attempts[-1].region for kind, client in w.stream.clients.items()}
    assert last == {"fresh": WEST, "cached-dns": EAST, "keep-alive": EAST, "pinned": EAST}


def test_a_client_backs_off_after_a_failure_under_the_realistic_profile(world):
    w = world(profile="realistic")
    w.network.down.add(EAST)
    w.advance(30)
    fresh = w.stream.clients["fresh"].attempts
    failed = [a.at for a in fresh if a.writer is None]
    assert len(failed) >= 2 and failed[1] - failed[0] == pytest.approx(w.timing.client_reconnect_seconds)


def test_cloudwatch_stamps_at_the_period_start_publishes_after_it_and_the_lag_grows(world):
    """A datapoint is stamped with the start of its period
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html),
    visible only once the period ended plus the profile's delay; once the writer is gone the
    secondary's lag keeps growing."""
    w = world(profile="realistic")
    assert w.cloudwatch_as_published
    cloudwatch = w.install(boto3.client("cloudwatch", region_name=WEST), WEST)

    def points():
        return cloudwatch.get_metric_statistics(
            Namespace="AWS/RDS",
            MetricName="AuroraGlobalDBReplicationLag",
            Dimensions=[{"Name": "DBClusterIdentifier", "Value": f"trading-dr-{WEST}"}],
            StartTime=datetime.fromtimestamp(START - 3600, UTC),
            EndTime=datetime.fromtimestamp(w.now + 3600, UTC),
            Period=60,
            Statistics=["Maximum"],
        )["Datapoints"]

    delay = w.timing.cloudwatch_publication_delay_seconds
    w.advance(60 + delay - 2)  # the first period ended, its delay has not run out
    assert points() == []
    w.advance(3)
    [first] = points()
    assert first["Timestamp"].timestamp() == START  # stamped at its period's start
    w.network.down.add(EAST)
    w.advance(300)
    values = [p["Maximum"] for p in sorted(points(), key=lambda p: p["Timestamp"])]
    assert values[-1] > values[-2] > 2000  # still published, and growing, with the writer gone


def test_cloudwatch_nominal_model_is_unchanged(world):
    w = world()
    assert not w.cloudwatch_as_published


def test_an_alb_fails_open_when_health_fails_so_writes_still_work(world):
    """An ALB whose targets are all unhealthy routes to all of them
    (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html):
    a bad deploy that breaks /health leaves the write path working."""
    w = world()
    w.network.faults.append(Fault(HEALTH_FAILS, service="app", region=EAST))
    w.advance(40)
    assert w.compute.healthy_targets(EAST, w.now) == 0
    assert w.route53.endpoint_checks[EAST].value is False
    assert client_acks(w, EAST, w.now - 5)


def test_stalled_commits_acknowledge_nothing_and_stop_the_heartbeat(world):
    """A database that accepts connections and commits nothing: no write is acknowledged,
    the heartbeat stops, and the lease holder's /health (the platform's health_verdict)
    turns red within the heartbeat's freshness."""
    w = world()
    w.lease_enforced = True
    grant(w, EAST, 600)
    w.advance(5)
    beats = len(w.aurora.beats)
    w.network.faults.append(Fault(COMMITS_STALL, service="aurora", region=EAST))
    w.advance(10)
    assert len(w.aurora.beats) == beats
    assert not client_acks(w, EAST, w.now - 9)
    assert not w.apps[EAST].health_ok(w.now)


def test_global_db_rpo_blocks_an_old_writer_cut_off_from_its_secondary(world):
    """rds.global_db_rpo: commits on the primary block once no secondary is within the RPO
    (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html)."""
    w = world(rpo=20)
    w.network.partitions.add(frozenset((EAST, WEST)))
    w.advance(10)
    assert client_acks(w, EAST, w.now - 2)
    w.advance(20)
    assert not client_acks(w, EAST, w.now - 5)
    assert "global_db_rpo" in w.apps[EAST].write(w.now, None).reason


def test_standing_faults_match_by_service_operation_region_and_vantage(world):
    w = world()
    throttled = Fault(THROTTLE, operations=frozenset({"DescribeTargetHealth"}), region=WEST)
    w.network.faults.append(throttled)
    elb = w.install(boto3.client("elbv2", region_name=WEST), WEST)
    arn = f"arn:aws:elasticloadbalancing:{WEST}:123456789012:targetgroup/app/1"
    with pytest.raises(elb.exceptions.ClientError, match="Throttling"):
        elb.describe_target_health(TargetGroupArn=arn)
    east = w.install(boto3.client("elbv2", region_name=EAST), EAST)
    east.describe_target_health(TargetGroupArn=arn.replace(WEST, EAST))  # another region: answered
    cut = Fault(UNREACHABLE, service="dynamodb", vantage=EAST)
    assert cut.matches(EAST, "dynamodb", WEST) and not cut.matches(WEST, "dynamodb", WEST)
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault("flaky")


def test_two_invocations_overlap_in_a_timed_scenario():
    """EventBridge does not wait for the previous invocation and Lambda may deliver an
    event twice (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html)."""
    result = run_facts("region-gone", facts(), timing(promotion=60), 0, "hot-standby")
    assert result.overlaps >= 1


def test_the_realistic_profile_charges_its_figures_each_with_a_source():
    nominal, realistic = PROFILES["nominal"], PROFILES["realistic"]
    assert realistic.route53_flip_extra_seconds == 10
    assert realistic.client_reconnect_seconds == 20
    assert realistic.cloudwatch_publication_delay_seconds == 60
    assert realistic.dynamodb_latency_seconds == pytest.approx(0.05)
    low, high = realistic.promotion_spread
    assert low < 1 < high
    assert nominal.promotion_spread == (1.0, 1.0)
    for key, source in PROFILE_SOURCES.items():
        assert hasattr(realistic, key)
        assert "https://" in source or "assumption" in source.lower()


def test_the_promotion_is_drawn_around_the_promotion_seconds_under_realistic(world):
    w = world(profile="realistic")
    draws = {round(w.draw_promotion_seconds(), 3) for _ in range(20)}
    assert len(draws) > 1 and all(0.75 * 120 <= d <= 1.25 * 120 for d in draws)


def test_new_json_keys_are_camel_case():
    result = run_facts("partition", facts(), timing(promotion=60), 0, "hot-standby")
    from ops.drill import ScenarioResult

    document = json.loads(json.dumps(as_document([ScenarioResult("partition", "hot-standby", [result])], 60)))
    legacy = {
        "passed", "promotion_seconds", "promotion_source", "rto", "scenarios", "notes", "scenario", "tier",
        "verdict", "seeds", "failed_seeds", "failures", "rto_seconds", "detection_decision_seconds",
        "lost_writes", "invariants",
    }  # fmt: skip
    keys = set(document) | set(document["scenarios"][0]) | set(document["profileFigures"])
    assert {k for k in keys - legacy if "_" in k} == set()


def test_the_plan_s_global_db_rpo_reaches_the_emulated_database():
    """Where the plan sets rds.global_db_rpo on the primary's parameter group, the drill's
    database blocks commits by it; where it does not, nothing blocks."""
    from ops.emulation.plan_spec import global_db_rpo
    from ops.mock_engine import run_both

    config = {
        "trading-dr:dbGlobalRpoSeconds": "30",
        "trading-dr:dbEngine": "aurora-postgresql",
        "trading-dr:dbEngineVersion": "16.6",
    }
    primary, _ = run_both({"primary": config, "dr": config})
    assert global_db_rpo(primary) == 30
    primary, _ = run_both({"primary": {}, "dr": {}})
    assert global_db_rpo(primary) is None


def test_the_world_judges_every_acknowledgement_against_the_lease_and_the_writer(world):
    """The invariants see each acknowledgement the moment it happens: one after the lease
    lapsed breaks lease_respected; one by a region that is not the writer breaks one_writer."""
    w = world()
    w.lease_enforced = True
    grant(w, EAST, 5)
    w.advance(1)
    w.acknowledged(EAST, w.now + 10, "client", 0, None)
    w.acknowledged(WEST, w.now, "client", 0, None)
    w.check()
    broken = {v.invariant for v in w.violations}
    assert {"lease_respected", "one_writer"} <= broken


def test_the_database_fence_revokes_writes_and_replicates(world):
    """The runtime's database fence (REVOKE through the Data API on the old writer) stops its
    commits; like any write it replicates to the secondary, where the promoted region's GRANT
    restores them."""
    w = world()
    data = w.install(boto3.client("rds-data", region_name=EAST), EAST)
    data.execute_statement(
        resourceArn=w.aurora.by_region(EAST).arn,
        secretArn="arn:aws:secretsmanager:us-east-1:123456789012:secret:x",
        sql='REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public FROM "app"',
    )
    assert "permission denied" in w.apps[EAST].write(w.now, None).reason
    w.advance(3)
    assert w.aurora.by_region(WEST).writes_revoked


def test_the_timing_model_charges_the_profile_it_is_built_with():
    settings = parse_settings(effective_config("dr"), "dr")
    nominal = timing_model(settings, promotion_seconds=60)
    realistic = timing_model(settings, promotion_seconds=60, profile_name="realistic")
    assert realistic.routing_control_propagation_seconds == nominal.routing_control_propagation_seconds + 10
    assert (nominal.client_reconnect_seconds, realistic.client_reconnect_seconds) == (0, 20)
    assert realistic.cloudwatch_publication_delay_seconds == 60
    assert realistic.dynamodb_latency_seconds == pytest.approx(0.05)
    assert realistic.total() > nominal.total()
    with pytest.raises(ValueError, match="unknown timing profile"):
        timing_model(settings, profile_name="optimistic")
