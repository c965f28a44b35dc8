"""The failover toolkit with us-east-1 down and AWS credentials only: no pulumi CLI on the PATH,
no state, no passphrase. From deploy.py's entry point (ops.cli.main): status, an unplanned
failover to us-west-2, re-arming automatic failover, and, once us-east-1 is back, the
failback. The orchestrator runs in-process through the seam `--local` uses
(failover.local.run_command; moto has no Lambda runtime here), configured from its function's
environment in AWS. See tests/ops/outage_support.py for what answers what."""

from __future__ import annotations

import json
import shutil

import boto3
import pytest
from moto import mock_aws

import ops.automation
from failover import local
from ops.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from tests.ops.outage_support import (
    DR,
    PRIMARY,
    OutageSession,
    cli,
    deploy,
    local_seam,
    new_world,
    run_schedule,
)


@pytest.fixture
def pair(monkeypatch, tmp_path):
    with mock_aws():
        world = new_world()
        health = deploy(world)
        session = OutageSession(world)
        monkeypatch.setattr(boto3, "Session", lambda *a, **k: session)
        seam = local_seam(world, session)
        monkeypatch.setattr(local, "run_command", seam)
        # No pulumi anywhere: not on the PATH, and the Automation API's entry points explode.
        monkeypatch.setenv("PATH", str(tmp_path))
        for name in ("open_stack", "require_cli", "workspace_env"):
            monkeypatch.setattr(ops.automation, name, _no_pulumi)
        for name in [k for k in __import__("os").environ if k.startswith("FAILOVER_")]:
            monkeypatch.delenv(name)
        yield world, session, seam, health


def _no_pulumi(*args, **kwargs):
    raise AssertionError("the failover toolkit reached for Pulumi")


def _status(*extra: str) -> dict:
    code, out, err = cli(["status", "--json", *extra])
    assert code == EXIT_OK, err
    assert "Traceback" not in err
    return json.loads(out)


def _arming(world, region: str) -> dict | None:
    item = world.dynamodb[region].get_item(
        TableName=world.configs[region].control_table,
        Key={"pk": {"S": "ARMING"}, "sk": {"S": "AUTO"}},
        ConsistentRead=True,
    )
    return item.get("Item")


def _runtime_knows_arm() -> bool:
    from failover import events

    return "arm" in getattr(events, "MANUAL_ACTIONS", ())


def test_status_failover_arm_and_failback_with_only_the_survivor_reachable(pair, monkeypatch):
    world, session, seam, health = pair
    assert shutil.which("pulumi") is None
    for region in (PRIMARY, DR):  # both orchestrators have run once: steady state
        run_schedule(seam, region, world)
    world.put_lag(DR, 1.0, age=5)

    # --- us-east-1 goes down ---------------------------------------------------------------
    session.fail(PRIMARY)
    session.asked.clear()
    session.configs.clear()
    monkeypatch.setenv("AWS_REGION", DR)  # the aws CLI's convention says where to look
    before = _status()
    assert before["unreachable"].keys() == {PRIMARY}
    assert "EndpointConnectionError" in before["unreachable"][PRIMARY] or "connect" in (
        before["unreachable"][PRIMARY].lower()
    )
    assert before["primaryRegion"] == PRIMARY and before["drRegion"] == DR
    assert before["writerRegion"] == PRIMARY  # as us-west-2's RDS endpoint reports it
    assert before["routingControls"]["states"] == {PRIMARY: "On", DR: "Off"}
    assert [c["region"] for c in before["control"]] == [DR]
    assert before["incidents"] == []
    # Nothing but discovery was asked of the dead region (its SSM); not even Route 53's
    # health checks, whose API answers in us-east-1: they show as unknown, saying why.
    asked_east = {service for service, region in session.asked if region == PRIMARY}
    assert asked_east == {"ssm"}, asked_east
    assert [(h["region"], h["state"]) for h in before["health"]] == [(DR, "unknown")]
    assert "Route 53's API is in us-east-1" in before["health"][0]["error"]
    # The dead region costs seconds: short connect timeouts, at most two attempts per call.
    dead = [(service, config) for service, region, config in session.configs if region == PRIMARY]
    assert dead and all(
        c is not None and c.connect_timeout <= 3 and c.retries["total_max_attempts"] <= 2 for _, c in dead
    ), [(s, c and (c.connect_timeout, c.retries)) for s, c in dead]

    # --- unplanned failover to us-west-2, from us-west-2 -------------------------------------
    session.asked.clear()
    code, out, err = cli(
        [
            "failover",
            "--unplanned",
            "--to",
            DR,
            "--local",
            "--yes",
            "--json",
            "--reason",
            "us-east-1 down",
        ]
    )
    assert code == EXIT_OK, err
    answer = json.loads(out)
    assert answer["region"] == DR and answer["via"] == "local:failover.local.run_command"
    assert answer["request"] == {
        "action": "failover",
        "dryRun": False,  # the document's keys are camelCase; the payload sent is the runtime's
        "allowDataLoss": False,
        "reason": "us-east-1 down",
    }
    assert answer["result"]["outcome"] == "executing", answer["result"]
    # Of the dead region, only its discovery (SSM) was tried; the ARC cluster's us-east-1
    # endpoint is one of five the orchestrator rotates through.
    assert {service for service, region in session.asked if region == PRIMARY} <= {
        "ssm",
        "route53-recovery-cluster",
    }
    run_schedule(seam, DR, world)  # the deployed orchestrator's schedule finishes the execution
    assert world.g.writer == DR and world.g.accepted == [("failover_global_cluster", DR)]
    after = _status()
    assert after["writerRegion"] == DR
    assert after["routingControls"]["states"] == {PRIMARY: "Off", DR: "On"}
    assert after["incidents"] == [] and after["unreachable"].keys() == {PRIMARY}

    # --- re-arm automatic failover in us-west-2 ----------------------------------------------
    code, out, err = cli(["failover", "--arm", "--region", DR, "--local", "--yes", "--reason", "drill over"])
    assert "Traceback" not in err
    if _runtime_knows_arm():
        assert code == EXIT_OK, err
        item = _arming(world, DR)
        assert item["armed"] == {"BOOL": True}
        assert item["by"]["S"] == "arn:aws:sts::123456789012:user/moto"  # STS, asked in us-west-2
        assert item["reason"]["S"] == "drill over"
    else:
        # A runtime without the command refuses it: one line, exit 1, never "ok".
        assert code == EXIT_FAILED and "rejected arm" in err, err
    assert ("sts", DR) in session.asked and ("sts", PRIMARY) not in session.asked

    # --- us-east-1 is back: fail back with a planned switchover ------------------------------
    session.recover(PRIMARY)
    run_schedule(seam, PRIMARY, world)  # the old primary's orchestrator follows the authority
    world.put_lag(PRIMARY, 1.0, age=5)
    code, out, err = cli(
        ["failover", "--planned", "--to", PRIMARY, "--local", "--yes", "--json", "--reason", "failback"]
    )
    assert code == EXIT_OK, err
    assert json.loads(out)["result"]["outcome"] == "executing"
    run_schedule(seam, PRIMARY, world)
    assert world.g.writer == PRIMARY
    assert [op for op, _ in world.g.accepted] == ["failover_global_cluster", "switchover_global_cluster"]
    back = _status()
    assert back["unreachable"] == {} and back["writerRegion"] == PRIMARY
    assert back["routingControls"]["states"] == {PRIMARY: "On", DR: "Off"}
    assert {c["region"] for c in back["control"]} == {PRIMARY, DR}


def test_a_pair_with_no_region_answering_is_one_line(pair, monkeypatch):
    world, session, _, _ = pair
    session.fail(PRIMARY)
    session.fail(DR)
    code, out, err = cli(["status", "--region", DR])
    assert code == EXIT_FAILED and out == ""
    assert "no region of the pair answered" in err and f"{DR}: unreachable" in err
    assert "Traceback" not in err


# --- the authority's state in status ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("primary", "dr", "incident"),
    [
        ("Off", "Off", "INCIDENT: both routing controls are Off"),
        ("On", "On", "INCIDENT: both routing controls are On"),
        ("On", "Off", None),
        ("Off", "On", None),
    ],
)
def test_status_flags_both_off_and_both_on_as_an_incident(pair, primary, dr, incident):
    from tests.failover.fakes import CONTROLS

    world = pair[0]
    world.arc.state = {CONTROLS[PRIMARY]: primary, CONTROLS[DR]: dr}
    document = _status("--region", DR)
    assert document["routingControls"]["states"] == {PRIMARY: primary, DR: dr}
    if incident is None:
        assert document["incidents"] == []
    else:
        assert len(document["incidents"]) == 1 and document["incidents"][0].startswith(incident)
        code, out, _ = cli(["status", "--region", DR])
        assert code == EXIT_OK and incident in " ".join(out.split())


# --- discovery ---------------------------------------------------------------------------------------
def test_discovery_starts_where_told_then_asks_the_peer(pair, monkeypatch):
    _, session, _, _ = pair
    monkeypatch.setenv("AWS_REGION", PRIMARY)
    _status("--region", DR)
    ssm = [region for service, region in session.asked if service == "ssm"]
    assert ssm == [DR, PRIMARY]  # --region first, then the peer it names; AWS_REGION is not asked
    session.asked.clear()
    _status()
    assert [region for service, region in session.asked if service == "ssm"] == [PRIMARY, DR]


def test_discovery_falls_back_to_the_stack_files_regions(pair, monkeypatch):
    from ops.discovery import candidate_regions

    assert candidate_regions(None, {}, lambda: [PRIMARY, DR]) == [PRIMARY, DR]
    assert candidate_regions(None, {"AWS_DEFAULT_REGION": "eu-west-1"}, lambda: [PRIMARY, DR]) == [
        "eu-west-1",
        PRIMARY,
        DR,
    ]
    assert candidate_regions(DR, {"AWS_REGION": PRIMARY}, lambda: [PRIMARY]) == [DR]
    # A region without the pair's parameters is passed over, not taken for the pair.
    _, session, _, _ = pair
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    document = _status()
    assert (document["primaryRegion"], document["drRegion"]) == (PRIMARY, DR)
    assert [region for service, region in session.asked if service == "ssm"][:2] == ["eu-west-1", PRIMARY]


def test_a_region_whose_parameters_name_another_region_is_refused(pair):
    from components.failover.discovery import PARAMETERS, parameter_name
    from ops.discovery import read_region

    _, session, _, _ = pair
    boto3.client("ssm", region_name=DR).put_parameter(
        Name=parameter_name(PARAMETERS["homeRegion"]), Value=PRIMARY, Type="String", Overwrite=True
    )
    found = read_region(session, DR)
    assert not found.reachable and "says us-east-1" in str(found.error)


# --- arm, --to and --region ------------------------------------------------------------------------
def test_arm_sends_the_runtime_command_with_the_caller_as_operator(pair, monkeypatch):
    import ops.failover_cmd
    from ops.failover_cmd import FailoverOutcome

    _, session, _, _ = pair
    sent = []
    monkeypatch.setattr(
        ops.failover_cmd,
        "_send",
        lambda payload, region, targets, session, local: (
            sent.append((region, payload)) or FailoverOutcome(region, "test", payload, {"outcome": "armed"})
        ),
    )
    code, _, err = cli(["failover", "--arm", "--region", DR, "--yes", "--reason", "cause fixed"])
    assert code == EXIT_OK, err
    operator = "arn:aws:sts::123456789012:user/moto"  # GetCallerIdentity, asked in us-west-2
    assert sent == [(DR, {"action": "arm", "reason": "cause fixed", "operator": operator})]
    sent.clear()
    code, _, err = cli(["failover", "--arm", "--yes", "--reason", "both", "--operator", "alice"])
    assert code == EXIT_OK, err
    assert sent == [(r, {"action": "arm", "reason": "both", "operator": "alice"}) for r in (PRIMARY, DR)]
    sent.clear()
    session.fail(PRIMARY)  # a region that does not answer is not armed (status shows it)
    code, _, err = cli(["failover", "--arm", "--yes", "--reason", "west only", "--operator", "alice"])
    assert code == EXIT_OK and [region for region, _ in sent] == [DR]


def test_arm_needs_a_reason(pair):
    code, _, err = cli(["failover", "--arm", "--region", DR, "--yes"])
    assert code == EXIT_USAGE and "--arm needs --reason" in err


def test_region_alone_still_names_the_region_to_promote_with_a_note(pair, monkeypatch):
    import ops.failover_cmd
    from ops.failover_cmd import FailoverOutcome

    asked = []
    monkeypatch.setattr(
        ops.failover_cmd,
        "run_failover",
        lambda request, targets, **_: asked.append(request) or FailoverOutcome(DR, "test", {}, {}),
    )
    code, _, err = cli(["failover", "--planned", "--dry-run", "--region", DR])
    assert code == EXIT_OK and asked[0].region == DR and "deprecated" in err


def test_status_shows_automatic_failover_disarmed(pair):
    """The ARMING/AUTO item as the runtime writes it after an automatic failover."""
    world, _, seam, _ = pair
    for region in (PRIMARY, DR):
        run_schedule(seam, region, world)
    world.dynamodb[DR].put_item(
        TableName=world.configs[DR].control_table,
        Item={
            "pk": {"S": "ARMING"},
            "sk": {"S": "AUTO"},
            "armed": {"BOOL": False},
            "by": {"S": "orchestrator"},
            "reason": {"S": "automatic failover to us-west-2"},
            "at": {"N": "1"},
            "epoch": {"N": "1"},
        },
    )
    document = _status("--region", DR)
    control = {c["region"]: c["state"] for c in document["control"]}
    assert control[DR]["armed"] is False and control[DR]["arming"]["by"] == "orchestrator"
    assert control[PRIMARY]["armed"] is True  # no item = armed
    assert f"automatic failover is DISARMED in {DR}: re-arm once safe" in document["warnings"]
    code, out, _ = cli(["status", "--region", DR])
    assert code == EXIT_OK and "DISARMED" in out
