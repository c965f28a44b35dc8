"""deploy.py status and failover against moto: a global cluster with a writer in us-east-1
and a secondary in us-west-2, control tables in both regions, a Route 53 health check and
replication-lag datapoints. Lambda invoke is stubbed (moto runs Lambda in docker)."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber
from moto import mock_aws
from rich.console import Console

from failover.control_table import ControlTable, create_table
from ops import targets as targets_module
from ops.cli import main
from ops.errors import EXIT_FAILED, EXIT_OK, EXIT_UNAVAILABLE, OperatorError
from ops.failover_cmd import FailoverRequest, choose_region, run_failover
from ops.status import ClusterView, Member, collect_status, render_status
from ops.targets import ControlTableView, DrTargets, targets_from_outputs

EAST, WEST = "us-east-1", "us-west-2"
GLOBAL = "trading-global"
NOW = dt.datetime.now(dt.UTC)


def _control_table(region: str, name: str, active: str, epoch: int, decision: dict) -> ControlTable:
    """A control table as the orchestrator writes it, through its own accessor."""
    dynamodb = boto3.client("dynamodb", region_name=region)
    create_table(dynamodb, name)
    table = ControlTable(dynamodb, name, clock=NOW.timestamp)
    table.init_state(active, "first")
    for n in range(epoch):
        table.record_epoch(n + 1, active, "observed", f"event-{n}", "observed")
    table.record_decision(decision)
    return table


@pytest.fixture
def pair():
    """The deployed pair in moto; yields the DrTargets the stacks' outputs would give."""
    with mock_aws():
        east, west = boto3.client("rds", region_name=EAST), boto3.client("rds", region_name=WEST)
        east.create_global_cluster(GlobalClusterIdentifier=GLOBAL, Engine="aurora-mysql")
        east.create_db_cluster(
            DBClusterIdentifier="home-db-east",
            Engine="aurora-mysql",
            GlobalClusterIdentifier=GLOBAL,
            MasterUsername="admin",
            MasterUserPassword="not-a-real-password",
        )
        west.create_db_cluster(
            DBClusterIdentifier="home-db-west", Engine="aurora-mysql", GlobalClusterIdentifier=GLOBAL
        )
        cloudwatch = boto3.client("cloudwatch", region_name=WEST)
        for minutes_ago, lag_ms in ((5, 2400.0), (1, 850.0)):
            cloudwatch.put_metric_data(
                Namespace="AWS/RDS",
                MetricData=[
                    {
                        "MetricName": "AuroraGlobalDBReplicationLag",
                        "Dimensions": [{"Name": "DBClusterIdentifier", "Value": "home-db-west"}],
                        "Value": lag_ms,
                        "Unit": "Milliseconds",
                        "Timestamp": NOW - dt.timedelta(minutes=minutes_ago),
                    }
                ],
            )
        route53 = boto3.client("route53", region_name=EAST)
        health_check = route53.create_health_check(
            CallerReference="east",
            HealthCheckConfig={
                "Type": "HTTPS",
                "FullyQualifiedDomainName": "east.trading.example.com",
                "ResourcePath": "/health",
                "RequestInterval": 10,
                "FailureThreshold": 3,
            },
        )["HealthCheck"]["Id"]
        decision = {"outcome": "peer_healthy", "acted": False, "reason": "primary healthy", "event_id": "e1"}
        _control_table(EAST, "control-east", EAST, 3, decision)
        _control_table(WEST, "control-west", EAST, 3, decision)
        yield targets_from_outputs(
            {
                "primary": {
                    "region": EAST,
                    "globalClusterId": GLOBAL,
                    "healthCheckId": health_check,
                    "controlTableName": "control-east",
                    "orchestratorFunctionName": "orchestrator-east",
                },
                "dr": {
                    "region": WEST,
                    "controlTableName": "control-west",
                    "orchestratorFunctionName": "orchestrator-west",
                },
            }
        )


# --- status ----------------------------------------------------------------------------------


def test_status_reads_members_writer_lag_health_and_control_from_each_region(pair):
    status = collect_status(pair, boto3.Session(), now=NOW)

    assert [view.region for view in status.clusters] == [EAST, WEST]
    for view in status.clusters:
        assert view.error is None
        assert {(m.cluster_id, m.region, m.is_writer) for m in view.members} == {
            ("home-db-east", EAST, True),
            ("home-db-west", WEST, False),
        }
    assert status.writer_region == EAST
    # The newest datapoint, not the largest.
    assert [(lag.cluster_id, lag.milliseconds) for lag in status.lags] == [("home-db-west", 850.0)]
    assert [(h.region, h.state) for h in status.health] == [(EAST, "healthy")]
    assert {(c.region, c.table, c.state.active_region, c.state.epoch) for c in status.control} == {
        (EAST, "control-east", EAST, 3),
        (WEST, "control-west", EAST, 3),
    }
    assert status.control[0].state.last_decision["reason"] == "primary healthy"
    assert status.warnings() == []


def test_status_renders_the_writer_and_the_records(pair):
    buffer = io.StringIO()
    render_status(Console(file=buffer, width=200), collect_status(pair, boto3.Session(), now=NOW))
    text = buffer.getvalue()
    assert f"writer in {EAST}" in text
    assert "850 ms" in text and "healthy" in text and "primary healthy" in text


def test_status_flags_a_control_table_that_disagrees_with_the_writer(pair):
    west = ControlTable(boto3.client("dynamodb", region_name=WEST), "control-west", clock=NOW.timestamp)
    current = west.read_state()
    west.record_epoch(current.epoch + 1, WEST, "promoted", "event-x", "failover")
    warnings = collect_status(pair, boto3.Session(), now=NOW).warnings()
    assert any("control table in us-west-2 says the active region is us-west-2" in w for w in warnings)
    assert any("disagree on the epoch" in w for w in warnings)


def test_a_region_that_does_not_answer_is_shown_not_raised(pair):
    broken = DrTargets(
        primary_region=EAST,
        dr_region=WEST,
        control_tables={WEST: ControlTableView("no-such-table")},
        global_cluster_id="no-such-global-cluster",
    )
    status = collect_status(broken, boto3.Session(), now=NOW)
    assert [view.error for view in status.clusters] == ["global cluster no-such-global-cluster not found"] * 2
    assert status.writer_region is None
    assert status.control[0].error.startswith("ResourceNotFoundException")


def test_status_without_credentials_is_one_sentence_and_exit_2(monkeypatch, capsys):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # The discovery itself (SSM in the first region) is what finds no credentials.
    assert main(["status", "--region", WEST]) == EXIT_UNAVAILABLE
    err = capsys.readouterr().err
    assert "no AWS credentials found" in err and "Traceback" not in err


def test_status_and_failover_never_ask_for_the_pulumi_cli(monkeypatch, capsys):
    """The failover toolkit needs AWS credentials only (docs/RUNBOOK.md): without the pulumi
    CLI, what stops it here is the missing credentials, never the CLI."""
    monkeypatch.setattr(shutil, "which", lambda name: None)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert main(["status"]) == EXIT_UNAVAILABLE
    assert main(["failover", "--planned", "--dry-run"]) == EXIT_UNAVAILABLE
    err = capsys.readouterr().err
    assert "pulumi" not in err and err.count("no AWS credentials found") == 2


# --- failover --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("planned", "dry_run", "allow", "payload"),
    [
        (True, False, False, {"action": "switchover", "dry_run": False, "allow_data_loss": False}),
        (False, True, False, {"action": "failover", "dry_run": True, "allow_data_loss": False}),
        (False, False, True, {"action": "failover", "dry_run": False, "allow_data_loss": True}),
    ],
)
def test_request_payload(planned, dry_run, allow, payload):
    request = FailoverRequest(planned=planned, dry_run=dry_run, allow_data_loss=allow, reason="drill")
    assert request.payload() == payload | {"reason": "drill"}


def test_allow_data_loss_is_refused_for_a_planned_switchover():
    with pytest.raises(OperatorError, match="--allow-data-loss applies to --unplanned only"):
        FailoverRequest(planned=True, allow_data_loss=True)


def _view(region: str, writer: str | None, error: str | None = None) -> ClusterView:
    members = tuple(
        Member(r, f"db-{r}", f"arn:aws:rds:{r}:1:cluster:db-{r}", r == writer) for r in (EAST, WEST)
    )
    return ClusterView(region, "available", members if not error else (), error)


PAIR = DrTargets(EAST, WEST)


@pytest.mark.parametrize(
    ("region", "views", "expected"),
    [
        (None, [_view(EAST, EAST), _view(WEST, EAST)], WEST),
        (None, [_view(EAST, None, "EndpointConnectionError"), _view(WEST, EAST)], WEST),  # writer region down
        (None, [_view(EAST, WEST), _view(WEST, WEST)], EAST),  # failback
        (WEST, [], WEST),
    ],
)
def test_choose_region_promotes_the_peer_of_the_writer(region, views, expected):
    assert choose_region(FailoverRequest(planned=False, region=region), PAIR, views) == expected


@pytest.mark.parametrize(
    ("region", "views", "message"),
    [
        (EAST, [_view(WEST, EAST)], "us-east-1 already holds the writer"),
        (None, [_view(EAST, EAST), _view(WEST, WEST)], "cannot tell which region holds the writer"),
        (None, [], "pass --region"),
        ("eu-west-1", [], "not one of this pair"),
    ],
)
def test_choose_region_refuses(region, views, message):
    with pytest.raises(OperatorError, match=message):
        choose_region(FailoverRequest(planned=True, region=region), PAIR, views)


class StubbedLambdaSession:
    """boto3 session whose Lambda clients are stubbed (one expected invoke); all else is moto."""

    def __init__(self, response_body: dict, function_error: str | None = None):
        self.session = boto3.Session()
        self.body, self.function_error = response_body, function_error
        self.invoked: list[tuple[str, str, dict]] = []

    def client(self, service, region_name=None, **kwargs):
        client = self.session.client(service, region_name=region_name, **kwargs)
        if service != "lambda":
            return client
        stubber = Stubber(client)
        raw = json.dumps(self.body).encode()
        response = {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(raw), len(raw))}
        if self.function_error:
            response["FunctionError"] = self.function_error
        stubber.add_response("invoke", response)
        stubber.activate()

        def record(**params):
            self.invoked.append((region_name, params["FunctionName"], json.loads(params["Payload"])))

        client.meta.events.register(
            "provide-client-params.lambda.Invoke", lambda params, **_: record(**params)
        )
        return client


def test_planned_failover_invokes_the_orchestrator_in_the_dr_region(pair):
    session = StubbedLambdaSession({"decision": "switchover started", "epoch": 4})
    request = FailoverRequest(planned=True, reason="quarterly drill")
    outcome = run_failover(request, pair, session)
    assert session.invoked == [
        (
            WEST,
            "orchestrator-west",
            {"action": "switchover", "dry_run": False, "allow_data_loss": False, "reason": "quarterly drill"},
        )
    ]
    assert (outcome.region, outcome.via, outcome.result) == (
        WEST,
        "lambda:orchestrator-west",
        {"decision": "switchover started", "epoch": 4},
    )


def test_orchestrator_error_is_one_message(pair):
    session = StubbedLambdaSession({"errorMessage": "RPO gate: lag 45s > 30s"}, function_error="Unhandled")
    with pytest.raises(
        OperatorError, match=r"orchestrator-west in us-west-2 failed: RPO gate: lag 45s > 30s"
    ):
        run_failover(FailoverRequest(planned=False), pair, session)


def test_failover_cli_dry_run_against_moto(pair, monkeypatch, capsys):
    session = StubbedLambdaSession({"decision": "would fail over", "dry_run": True})
    monkeypatch.setattr(targets_module, "load_targets", lambda **_: pair)
    monkeypatch.setattr(boto3, "Session", lambda: session)
    assert main(["failover", "--unplanned", "--dry-run", "--reason", "region down"]) == EXIT_OK
    assert session.invoked == [
        (
            WEST,
            "orchestrator-west",
            {"action": "failover", "dry_run": True, "allow_data_loss": False, "reason": "region down"},
        )
    ]
    assert "would fail over" in capsys.readouterr().out


def test_failover_cli_without_terminal_or_yes_changes_nothing(pair, monkeypatch, capsys):
    session = StubbedLambdaSession({})
    monkeypatch.setattr(targets_module, "load_targets", lambda **_: pair)
    monkeypatch.setattr(boto3, "Session", lambda: session)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["failover", "--planned"]) == EXIT_FAILED
    assert session.invoked == []
    assert "pass --yes" in capsys.readouterr().err


def test_local_failover_without_a_usable_configuration_is_a_clear_error(pair, monkeypatch):
    # No FAILOVER_* variables here and no deployed function to read them from.
    for name in [k for k in __import__("os").environ if k.startswith("FAILOVER_")]:
        monkeypatch.delenv(name)
    bare = DrTargets(EAST, WEST, global_cluster_id=GLOBAL)
    with pytest.raises(
        OperatorError, match=rf"cannot run the orchestrator for {WEST} locally: .*FAILOVER_HOME_REGION"
    ):
        run_failover(FailoverRequest(planned=True), bare, boto3.Session(), local=True)


def test_local_failover_runs_the_orchestrator_in_process_for_the_region(pair, monkeypatch):
    from failover import local

    calls = []

    def run_command(payload, *, region, function_name, session):
        calls.append((payload, region, function_name))
        return {"ok": True}

    monkeypatch.setattr(local, "run_command", run_command)
    outcome = run_failover(FailoverRequest(planned=True, reason="drill"), pair, boto3.Session(), local=True)
    assert calls == [
        (
            {"action": "switchover", "dry_run": False, "allow_data_loss": False, "reason": "drill"},
            WEST,
            pair.orchestrators.get(WEST),
        )
    ]
    assert outcome.via == "local:failover.local.run_command" and outcome.result == {"ok": True}


def test_declining_names_the_region_and_invokes_nothing(pair):
    session, questions = StubbedLambdaSession({}), []
    with pytest.raises(OperatorError, match="cancelled: nothing was changed"):
        run_failover(
            FailoverRequest(planned=False, allow_data_loss=True),
            pair,
            session,
            approve=lambda q: questions.append(q) or False,
        )
    assert session.invoked == []
    assert questions == [
        f"UNPLANNED failover: promote {WEST} to writer "
        "(writes not yet replicated are lost, past the RPO gate)"
    ]


def test_a_dry_run_is_not_asked(pair):
    session = StubbedLambdaSession({"decision": "would switch over"})
    run_failover(FailoverRequest(planned=True, dry_run=True), pair, session, approve=pytest.fail)
    assert [call[2]["dry_run"] for call in session.invoked] == [True]
