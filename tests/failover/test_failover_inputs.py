"""Event parsing, configuration validation, the probe, the witness, the RPO gate's lag
reading, the cluster view's eligibility and the Lambda handler's failure modes."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta

import pytest

from failover import events as e
from failover.cluster_state import ClusterView
from failover.config import ENV, ConfigError, OrchestratorConfig
from failover.handler import CONFIG_ERROR
from failover.signals import HttpsProbe, ProbeAttempt, observed_lag, peer_probe_signal, witness_signal
from tests.failover.fakes import client_error

LOCAL = "arn:aws:rds:us-west-2:123456789012:cluster:trading-dr-db"
PEER = "arn:aws:rds:us-east-1:123456789012:cluster:trading-primary-db"
CONTROL = "arn:aws:route53-recovery-control::123456789012:controlpanel/abc/routingcontrol/"
ENDPOINTS = json.dumps(
    [
        {"Endpoint": "https://a.route53-recovery-cluster.us-west-2.amazonaws.com/v1", "Region": "us-west-2"},
        {"endpoint": "https://b.route53-recovery-cluster.eu-west-1.amazonaws.com/v1", "region": "eu-west-1"},
    ]
)

VALID_ENV = {
    "FAILOVER_HOME_REGION": "us-west-2",
    "FAILOVER_PEER_REGION": "us-east-1",
    "FAILOVER_GLOBAL_CLUSTER_ID": "trading-global",
    "FAILOVER_LOCAL_CLUSTER_ID": "trading-dr-db",
    "FAILOVER_LOCAL_CLUSTER_ARN": LOCAL,
    "FAILOVER_PEER_HEALTH_URL": "https://app-primary.trading.example.com/health",
    "FAILOVER_CONTROL_TABLE": "trading-dr-failover-control",
    "FAILOVER_ALERT_TOPIC_ARN": "arn:aws:sns:us-west-2:123456789012:alerts",
    "FAILOVER_WITNESS_FQDN": "witness-us-east-1.failover.example.net",
    "FAILOVER_ARC_CLUSTER_ENDPOINTS": ENDPOINTS,
    "FAILOVER_HOME_ROUTING_CONTROL_ARN": CONTROL + "dr1",
    "FAILOVER_PEER_ROUTING_CONTROL_ARN": CONTROL + "primary1",
    "FAILOVER_EVALUATIONS": "4",
}


def test_config_from_env_round_trips_with_the_cadence_defaults():
    config = OrchestratorConfig.from_env(VALID_ENV)
    assert config.required_evaluations == 4
    assert (config.evaluation_interval_seconds, config.probe_timeout_seconds) == (10, 2)
    assert (config.max_lag_seconds, config.lag_max_age_seconds) == (30, 120)
    lease = (config.write_lease_seconds, config.write_lease_renew_seconds, config.clock_margin_seconds)
    assert lease == (10, 2, 2) and config.heartbeat_max_age_seconds == 10
    assert (config.witness_healthy_address, config.witness_unhealthy_address) == ("192.0.2.1", "192.0.2.2")
    assert [e.region for e in config.arc_cluster_endpoints] == ["us-west-2", "eu-west-1"]
    assert OrchestratorConfig.from_env(config.to_env()) == config
    assert set(config.to_env()) == set(ENV.values())


@pytest.mark.parametrize(
    "key, value, rule",
    [
        ("FAILOVER_HOME_REGION", "", "is required"),
        ("FAILOVER_PEER_REGION", "us-west-2", "must differ"),
        ("FAILOVER_PEER_REGION", "mars-1", "region"),
        ("FAILOVER_LOCAL_CLUSTER_ARN", PEER, "ARN of rds in us-west-2"),
        (
            "FAILOVER_LOCAL_CLUSTER_ARN",
            "arn:aws:rds:us-west-2:123456789012:cluster:other",
            "must name cluster:trading-dr-db",
        ),
        ("FAILOVER_PEER_HEALTH_URL", "http://app.example.com/health", "https://"),
        ("FAILOVER_ALERT_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:alerts", "ARN of sns in us-west-2"),
        # Each integer's bounds: tests/test_settings_table.py, from the settings table.
        ("FAILOVER_EVALUATIONS", "three", "whole number"),
        ("FAILOVER_GLOBAL_CLUSTER_ID", "9bad", "RDS identifier"),
        ("FAILOVER_WITNESS_FQDN", "not a name", "DNS name"),
        ("FAILOVER_WITNESS_UNHEALTHY_ADDRESS", "192.0.2.1", "must differ from the healthy address"),
        ("FAILOVER_WITNESS_HEALTHY_ADDRESS", "healthy", "IPv4 address"),
        ("FAILOVER_ARC_CLUSTER_ENDPOINTS", "https://x", "JSON list"),
        ("FAILOVER_ARC_CLUSTER_ENDPOINTS", "[]", "1 to 5 cluster endpoints"),
        ("FAILOVER_ARC_CLUSTER_ENDPOINTS", '[{"Endpoint": "http://x", "Region": "us-west-2"}]', "https://"),
        ("FAILOVER_PEER_ROUTING_CONTROL_ARN", CONTROL + "dr1", "must differ from the home control"),
        ("FAILOVER_HOME_ROUTING_CONTROL_ARN", "arn:aws:sns:us-west-2:123456789012:x", "routing control ARN"),
        ("FAILOVER_PROBE_TIMEOUT_SECONDS", "5", "must fit in the evaluation interval"),
        ("FAILOVER_PEER_CONTROL_TABLE", "no", "must be a DynamoDB table name"),
        ("FAILOVER_PEER_CONTROL_TABLE", "peer table", "must be a DynamoDB table name"),
        (
            "FAILOVER_DATA_API_SECRET_ARN",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:x",
            "in us-west-2",
        ),
        (
            "FAILOVER_TARGET_GROUP_ARN",
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/app/0123",
            "ARN of elasticloadbalancing in us-west-2",
        ),
        (
            "FAILOVER_TARGET_GROUP_ARN",
            "arn:aws:elasticloadbalancing:us-west-2:123456789012:loadbalancer/app/x/0123",
            "must name a targetgroup/",
        ),
    ],
)
def test_config_errors_name_key_value_and_rule(key, value, rule):
    with pytest.raises(ConfigError) as caught:
        OrchestratorConfig.from_env({**VALID_ENV, key: value})
    assert caught.value.key == key and rule in str(caught.value) and f"{key}=" in str(caught.value)


@pytest.mark.parametrize(
    "extra, key, rule",
    [
        ({"FAILOVER_ASG_NAME": "app"}, "FAILOVER_ASG_FULL_CAPACITY", "at least 1 when an ASG is named"),
        (
            {"FAILOVER_EVALUATION_INTERVAL_SECONDS": "20", "FAILOVER_EVALUATION_GAP_SECONDS": "20"},
            "FAILOVER_EVALUATION_GAP_SECONDS",
            "must exceed the evaluation interval",
        ),
        (
            {"FAILOVER_WRITE_LEASE_SECONDS": "10", "FAILOVER_WRITE_LEASE_RENEW_SECONDS": "4"},
            "FAILOVER_WRITE_LEASE_RENEW_SECONDS",
            "x 3 must not exceed the write lease",
        ),
        (
            {"FAILOVER_WRITE_LEASE_SECONDS": "60", "FAILOVER_LOCK_SECONDS": "60"},
            "FAILOVER_WRITE_LEASE_SECONDS",
            "must be below the executor lock",
        ),
        (
            {"FAILOVER_HOME_WITNESS_FQDN": "witness-us-east-1.failover.example.net"},
            "FAILOVER_HOME_WITNESS_FQDN",
            "must differ from the peer witness",
        ),
        (
            {"FAILOVER_DB_FENCE_SECRET_ARN": "arn:aws:secretsmanager:us-west-2:123456789012:secret:x"},
            "FAILOVER_DB_APP_USER",
            "application's database user",
        ),
        ({"FAILOVER_DB_FENCE_ENGINE": "mysql"}, "FAILOVER_DB_FENCE_ENGINE", "must be one of"),
    ],
)
def test_config_cross_field_rules(extra, key, rule):
    with pytest.raises(ConfigError) as caught:
        OrchestratorConfig.from_env({**VALID_ENV, **extra})
    assert caught.value.key == key and rule in str(caught.value)


def test_manual_command_parses_with_defaults_and_stable_id():
    command = e.parse_event({"action": "failover", "reason": " outage "}, request_id="req-1")
    assert command == e.Command(kind="failover", trigger="manual", event_id="manual:req-1", reason="outage")
    assert not command.read_only
    assert e.parse_event({"action": "status"}).read_only
    assert e.parse_event({"action": "failover", "dry_run": True, "reason": "x"}).read_only
    given = e.parse_event(
        {"action": "switchover", "reason": "drill", "request_id": "abc"}, request_id="req-2"
    )
    assert given.event_id == "manual:abc"


def test_schedule_and_alarm_events_parse():
    schedule = e.parse_event({"id": "e-1", "detail-type": "Scheduled Event", "source": "aws.events"})
    assert (schedule.kind, schedule.trigger, schedule.event_id) == ("evaluate", "schedule", "schedule:e-1")
    message = json.dumps({"AlarmName": "lag", "NewStateValue": "ALARM"})
    alarm = e.parse_event(
        {"Records": [{"EventSource": "aws:sns", "Sns": {"MessageId": "m-1", "Message": message}}]}
    )
    assert (alarm.trigger, alarm.event_id, alarm.alarm_name, alarm.alarm_state) == (
        "alarm",
        "sns:m-1",
        "lag",
        "ALARM",
    )


@pytest.mark.parametrize(
    "event, says",
    [
        (None, "JSON object"),
        ({"action": "explode", "reason": "x"}, "action='explode'"),
        ({"action": "failover", "dry_run": "yes", "reason": "x"}, "dry_run='yes'"),
        ({"action": "failover", "reason": ""}, "must say why"),
        ({"action": "status", "force": True}, "unknown field(s) ['force']"),
        ({"action": "switchover", "allow_data_loss": True, "reason": "x"}, "only applies to action failover"),
        ({"Records": []}, "exactly one record"),
        ({"Records": [{"EventSource": "aws:sns", "Sns": {"MessageId": "m", "Message": "{}"}}]}, "AlarmName"),
        ({"detail-type": "Object Created", "source": "aws.events", "id": "x"}, "Scheduled Event"),
        ({"something": "else"}, "unknown event"),
    ],
)
def test_bad_events_say_what_is_wrong(event, says):
    with pytest.raises(e.EventError) as caught:
        e.parse_event(event)
    assert says in str(caught.value)


def test_https_probe_tries_again_with_timeouts():
    slept = []
    probe = HttpsProbe(attempts=3, timeout=1, sleep=slept.append)
    # Nothing listens on port 9 of the loopback: each try fails fast, no network needed.
    tries = probe("https://127.0.0.1:9/health")
    assert len(tries) == 3 and not any(t.ok for t in tries)
    assert slept == [0.5, 1.0]


@pytest.mark.parametrize(
    "tries, peer_down",
    [
        ([False, True], False),  # one failed try then a success: a blip, not "down"
        ([True], False),
        ([False, False], True),
        ([], None),  # no try at all: no evidence
    ],
)
def test_probe_semantics(tries, peer_down):
    signal = peer_probe_signal(lambda url: [ProbeAttempt(ok, "t") for ok in tries], "https://peer/health")
    assert signal.peer_down is peer_down


def test_a_broken_probe_is_unknown_not_down():
    def broken(url):
        raise RuntimeError("boom")

    assert peer_probe_signal(broken, "https://peer/health").peer_down is None


def _resolver(answer):
    def resolve(fqdn):
        if isinstance(answer, Exception):
            raise answer
        return answer

    return resolve


@pytest.mark.parametrize(
    "answer, peer_down",
    [
        (["192.0.2.1"], False),
        (["192.0.2.2"], True),
        (socket.gaierror("Temporary failure in name resolution"), None),  # unreadable: unknown
        (TimeoutError("timed out"), None),
        (["192.0.2.1", "192.0.2.2"], None),
        (["203.0.113.9"], None),
        ([], None),
    ],
)
def test_witness_reads_down_only_from_the_unhealthy_sentinel(answer, peer_down):
    signal = witness_signal(_resolver(answer), "witness.example.net", "192.0.2.1", "192.0.2.2")
    assert signal.peer_down is peer_down


class _Metrics:
    """GetMetricStatistics answers: metric -> list of (age seconds, value ms) or an error."""

    def __init__(self, now, answers):
        self.now, self.answers = now, answers

    def get_metric_statistics(self, MetricName, StartTime, EndTime, **kwargs):
        answer = self.answers.get(MetricName, [])
        if isinstance(answer, Exception):
            raise answer
        end = datetime.fromtimestamp(self.now, UTC)
        points = [{"Timestamp": end - timedelta(seconds=age), "Maximum": ms} for age, ms in answer]
        return {"Datapoints": [p for p in points if StartTime <= p["Timestamp"] <= EndTime]}


NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    "answers, seconds",
    [
        # The LARGER of the two metrics, never the smaller.
        ({"AuroraGlobalDBRPOLag": [(30, 50_000)], "AuroraGlobalDBReplicationLag": [(30, 2_000)]}, 50.0),
        ({"AuroraGlobalDBRPOLag": [(30, 2_000)], "AuroraGlobalDBReplicationLag": [(30, 50_000)]}, 50.0),
        # Only the older metric is published (Aurora MySQL before 3.04).
        ({"AuroraGlobalDBReplicationLag": [(30, 4_000)]}, 4.0),
        # The newest datapoint of a metric counts, not an older larger one.
        ({"AuroraGlobalDBRPOLag": [(90, 60_000), (20, 1_000)]}, 1.0),
        # Older than two minutes: unknown.
        ({"AuroraGlobalDBRPOLag": [(170, 1_000)]}, None),
        ({}, None),
        # One metric unreadable: unknown (it might be the larger one).
        (
            {
                "AuroraGlobalDBRPOLag": client_error("Throttling"),
                "AuroraGlobalDBReplicationLag": [(10, 1_000)],
            },
            None,
        ),
    ],
)
def test_lag_reading_for_the_rpo_gate(answers, seconds):
    reading = observed_lag(_Metrics(NOW, answers), "trading-dr-db", NOW, 120)
    assert reading.seconds == seconds


def _view(**kw):
    local = {
        "Engine": "aurora-postgresql",
        "EngineVersion": "15.4",
        "DBClusterMembers": [{"DBInstanceIdentifier": "i"}],
    }
    base = dict(
        found=True,
        status="available",
        writer_arn=PEER,
        members={PEER: {"IsWriter": True}, LOCAL: {"IsWriter": False}},
        engine="aurora-postgresql",
        engine_version="15.4",
        local_member=True,
        local=local,
    )
    return ClusterView(**{**base, **kw})


@pytest.mark.parametrize(
    "view, eligible, in_progress",
    [
        (_view(), True, False),
        # The survivor's view of a dead primary is unchanged: still eligible (AWS documents
        # no "pending-resync" or other flip to wait for).
        (
            _view(members={PEER: {"IsWriter": True}, LOCAL: {"SynchronizationStatus": "connected"}}),
            True,
            False,
        ),
        (_view(failover_state={"Status": "pending"}), False, True),
        (_view(failover_state={"Status": "switching-over"}), False, True),
        (_view(status="modifying"), False, True),
        (_view(local_member=False), False, False),
        (_view(found=False), False, False),
        (_view(engine_version="16.1"), False, False),  # managed failover needs major+minor match
        (_view(engine="aurora-mysql"), False, False),
    ],
)
def test_global_cluster_decides_eligibility_not_liveness(view, eligible, in_progress):
    result = view.eligibility(LOCAL)
    assert (result.eligible, result.in_progress) == (eligible, in_progress)


def test_handler_reports_a_config_error_without_acting(monkeypatch, capsys):
    import failover.handler as handler

    for key in ENV.values():
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setattr(handler, "_orchestrator", None)
    record = handler.lambda_handler({"action": "status"}, None)
    assert record["outcome"] == CONFIG_ERROR and not record["acted"]
    assert "FAILOVER_HOME_REGION" in record["reason"]
    assert "orchestrator misconfigured" in capsys.readouterr().out


def test_handler_rejects_a_malformed_event_without_acting(monkeypatch, capsys):
    import failover.handler as handler

    for key, value in VALID_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(handler, "_orchestrator", None)

    class Context:
        aws_request_id = "req-42"

    record = handler.lambda_handler({"action": "explode", "reason": "x"}, Context())
    assert record["outcome"] == "invalid_event" and record["acted"] is False
    assert "action='explode'" in record["reason"]
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert any(entry["message"] == "rejected event" for entry in logged)


@pytest.mark.parametrize(
    "source",
    [
        "rds:unplanned-global-failover-trading-primary-db-2026-11-30-03-00",
        "rds:unplanned-global-failover-trading-dr-us-east-1-2026-11-30-03-00-12-345",
        "rds:unplanned-global-failover-" + "x" * 300,
        "rds:unplanned-global-failover--odd--name-",
    ],
)
def test_kept_snapshot_ids_follow_the_rds_identifier_rules(source):
    """TargetDBClusterSnapshotIdentifier: 1 to 63 letters, digits or hyphens, a letter first,
    no two consecutive hyphens, no trailing hyphen
    (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBClusterSnapshot.html;
    botocore's RDS model says the same). The real source names are longer than 63 already."""
    import re

    from components.failover.policy import KEPT_SNAPSHOT_PREFIX
    from failover.actions import kept_snapshot_id

    kept = kept_snapshot_id(source)
    assert re.fullmatch(r"[a-zA-Z](?:-?[a-zA-Z0-9])*", kept) and 1 <= len(kept) <= 63
    assert kept.startswith(KEPT_SNAPSHOT_PREFIX)  # the IAM policy grants the copy by this prefix
    assert kept == kept_snapshot_id(source) != kept_snapshot_id(source + "-2")


def test_snapshot_preservation_is_idempotent_and_follows_pages():
    from failover.actions import kept_snapshot_id, preserve_failover_snapshots

    class Rds:
        def __init__(self):
            self.manual, self.copies = [], []

        def describe_db_cluster_snapshots(self, SnapshotType, Marker=None):
            if SnapshotType == "manual":
                return {"DBClusterSnapshots": [{"DBClusterSnapshotIdentifier": m} for m in self.manual]}
            if Marker is None:
                return {
                    "DBClusterSnapshots": [{"DBClusterSnapshotIdentifier": "rds:daily-1"}],
                    "Marker": "p2",
                }
            return {
                "DBClusterSnapshots": [
                    {
                        "DBClusterSnapshotIdentifier": "rds:unplanned-global-failover-db-1",
                        "Status": "available",
                    }
                ]
            }

        def copy_db_cluster_snapshot(
            self, SourceDBClusterSnapshotIdentifier, TargetDBClusterSnapshotIdentifier, CopyTags
        ):
            self.copies.append(SourceDBClusterSnapshotIdentifier)
            self.manual.append(TargetDBClusterSnapshotIdentifier)

    rds = Rds()
    assert preserve_failover_snapshots(rds) == [kept_snapshot_id("rds:unplanned-global-failover-db-1")]
    assert preserve_failover_snapshots(rds) == []
    assert rds.copies == ["rds:unplanned-global-failover-db-1"]


def test_the_system_resolver_reads_localhost_and_bounds_a_hung_lookup(monkeypatch):
    import time as time_module

    from failover import signals

    assert signals.system_resolver(2)("localhost") == ["127.0.0.1"]
    monkeypatch.setattr(signals.socket, "getaddrinfo", lambda *a, **k: time_module.sleep(1.5) or [])
    resolve = signals.system_resolver(0.2)
    with pytest.raises(TimeoutError):
        resolve("witness.example.net")
    signal = witness_signal(resolve, "witness.example.net", "192.0.2.1", "192.0.2.2")
    assert signal.peer_down is None  # a hung lookup is unknown, never "down"
