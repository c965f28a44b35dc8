"""Event parsing, configuration validation, the HTTPS probe, the cluster signal and the
Lambda handler's failure modes."""

from __future__ import annotations

import json

import pytest

from failover import events as e
from failover.cluster_state import ClusterView
from failover.config import ENV, ConfigError, OrchestratorConfig
from failover.handler import CONFIG_ERROR
from failover.signals import HttpsProbe, global_cluster_signal

LOCAL = "arn:aws:rds:us-west-2:123456789012:cluster:trading-dr-db"
PEER = "arn:aws:rds:us-east-1:123456789012:cluster:trading-primary-db"

VALID_ENV = {
    "FAILOVER_HOME_REGION": "us-west-2",
    "FAILOVER_PEER_REGION": "us-east-1",
    "FAILOVER_GLOBAL_CLUSTER_ID": "trading-global",
    "FAILOVER_LOCAL_CLUSTER_ID": "trading-dr-db",
    "FAILOVER_LOCAL_CLUSTER_ARN": LOCAL,
    "FAILOVER_PEER_HEALTH_URL": "https://app-primary.trading.example.com/health",
    "FAILOVER_CONTROL_TABLE": "trading-dr-failover-control",
    "FAILOVER_ALERT_TOPIC_ARN": "arn:aws:sns:us-west-2:123456789012:alerts",
    "FAILOVER_LAG_ALARM_NAMES": "lag-a, lag-b",
    "FAILOVER_EVALUATIONS": "4",
}


def test_config_from_env_round_trips():
    config = OrchestratorConfig.from_env(VALID_ENV)
    assert config.required_evaluations == 4 and config.lag_alarm_names == ("lag-a", "lag-b")
    assert config.max_lag_seconds == 30  # default
    assert OrchestratorConfig.from_env(config.to_env()) == config
    assert set(config.to_env()) == set(ENV.values())


@pytest.mark.parametrize(
    "key, value, rule",
    [
        ("FAILOVER_HOME_REGION", "", "is required"),
        ("FAILOVER_PEER_REGION", "us-west-2", "must differ"),
        ("FAILOVER_PEER_REGION", "mars-1", "region"),
        ("FAILOVER_LOCAL_CLUSTER_ARN", PEER, "rds ARN in us-west-2"),
        (
            "FAILOVER_LOCAL_CLUSTER_ARN",
            "arn:aws:rds:us-west-2:123456789012:cluster:other",
            "must name cluster:trading-dr-db",
        ),
        ("FAILOVER_PEER_HEALTH_URL", "http://app.example.com/health", "https://"),
        ("FAILOVER_ALERT_TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:alerts", "sns ARN in us-west-2"),
        ("FAILOVER_EVALUATIONS", "0", "between 1 and 10"),
        ("FAILOVER_EVALUATIONS", "three", "whole number"),
        ("FAILOVER_MAX_LAG_SECONDS", "301", "between 1 and 300"),
        ("FAILOVER_LOCK_SECONDS", "30", "between 60 and 3600"),
        ("FAILOVER_GLOBAL_CLUSTER_ID", "9bad", "RDS identifier"),
    ],
)
def test_config_errors_name_key_value_and_rule(key, value, rule):
    with pytest.raises(ConfigError) as caught:
        OrchestratorConfig.from_env({**VALID_ENV, key: value})
    assert (
        caught.value.key == key
        and rule in str(caught.value)
        and f"{key}=" in str(caught.value)
        and value in str(caught.value)
    )


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


def test_https_probe_tries_several_times_with_timeouts():
    slept = []
    probe = HttpsProbe(attempts=3, timeout=1, sleep=slept.append)
    # Nothing listens on port 9 of the loopback: each try fails fast, no network needed.
    tries = probe("https://127.0.0.1:9/health")
    assert len(tries) == 3 and not any(t.ok for t in tries)
    assert slept == [1.0, 2.0]


def _view(**kw):
    base = dict(
        found=True,
        status="available",
        writer_arn=PEER,
        members={PEER: {"IsWriter": True}, LOCAL: {"IsWriter": False, "SynchronizationStatus": "connected"}},
        local_member=True,
    )
    return ClusterView(**{**base, **kw})


@pytest.mark.parametrize(
    "view, peer_down",
    [
        (_view(), False),
        (_view(status="unavailable"), True),
        (_view(writer_arn=None), True),
        (_view(members={PEER: {"IsWriter": True}, LOCAL: {"SynchronizationStatus": "pending-resync"}}), True),
        (_view(writer_arn=LOCAL), None),  # we are the writer: no evidence about the peer
        (_view(status="failing-over"), None),  # an operation is under way
        (_view(failover_state={"Status": "pending"}), None),
        (_view(found=False, local_member=False), None),
    ],
)
def test_global_cluster_signal(view, peer_down):
    signal, seen = global_cluster_signal(lambda: view, LOCAL)
    assert signal.peer_down is peer_down and seen is view


def test_handler_reports_a_config_error_without_acting(monkeypatch, capsys):
    import failover.handler as handler

    for key in ENV.values():
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setattr(handler, "_orchestrator", None)
    record = handler.lambda_handler({"action": "status"}, None)
    assert record["outcome"] == CONFIG_ERROR and not record["acted"]
    assert "FAILOVER_HOME_REGION" in record["reason"]
    assert "orchestrator misconfigured" in capsys.readouterr().out


def test_no_pulumi_import_in_failover():
    from pathlib import Path

    package = Path(__file__).resolve().parents[2] / "failover"
    for source in package.glob("*.py"):
        text = source.read_text()
        assert "import pulumi" not in text and "from pulumi" not in text, source.name


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
