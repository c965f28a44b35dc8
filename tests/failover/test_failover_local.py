"""failover.local: one in-process evaluation (the drill) and a manual command for a region
(deploy.py failover --local), configured from a mapping, this process's environment or the
deployed function's environment; on moto."""

from __future__ import annotations

import io
import json
import time
import zipfile

import boto3
import pytest
from moto import mock_aws

from failover import decision as d
from failover import orchestrator as o
from failover.config import ConfigError
from failover.local import evaluate_once, run_command, static_probe
from ops.emulation.world import DR, PRIMARY, build_world


@pytest.fixture
def world():
    with mock_aws():
        yield build_world(start=float(int(time.time())), required_evaluations=2)


def kwargs(world):
    return {
        "clock": world.clock,
        "sleep": world.clock.sleep,
        "probe": static_probe(lambda: world.peer_healthy),
    }


def test_evaluate_once_from_an_env_mapping(world):
    region = world.regions[DR]
    record = evaluate_once(
        world.scheduled_event(), region.config.to_env(), clients=region.clients, **kwargs(world)
    )
    assert record["outcome"] == d.HEALTHY and record["region"] == DR


def test_run_command_with_environ(world):
    region = world.regions[DR]
    record = run_command(
        {"action": "switchover", "reason": "drill"},
        region=DR,
        environ=region.config.to_env(),
        clients=region.clients,
        **kwargs(world),
    )
    assert record["outcome"] == o.PROMOTED and world.writer() == region.config.local_cluster_arn


def test_run_command_from_this_process_environment(world, monkeypatch):
    region = world.regions[DR]
    for key, value in region.config.to_env().items():
        monkeypatch.setenv(key, value)
    record = run_command({"action": "status"}, region=DR, clients=region.clients, **kwargs(world))
    assert record["outcome"] == d.STATUS_REPORT
    # The same environment cannot act for the other region.
    with pytest.raises(ConfigError, match="FAILOVER_HOME_REGION"):
        run_command({"action": "status"}, region=PRIMARY, clients=region.clients, **kwargs(world))


def test_run_command_reads_the_deployed_function_environment(world, monkeypatch):
    monkeypatch.delenv("FAILOVER_HOME_REGION", raising=False)
    region = world.regions[DR]
    role = boto3.client("iam", region_name=DR).create_role(
        RoleName="orchestrator", AssumeRolePolicyDocument="{}"
    )
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("failover/handler.py", "")
    boto3.client("lambda", region_name=DR).create_function(
        FunctionName="trading-dr-dr-failover",
        Runtime="python3.12",
        Role=role["Role"]["Arn"],
        Handler="failover.handler.lambda_handler",
        Code={"ZipFile": archive.getvalue()},
        Environment={"Variables": region.config.to_env()},
    )
    record = run_command(
        {"action": "failover", "dry_run": True, "reason": "what if"},
        region=DR,
        function_name="trading-dr-dr-failover",
        clients=region.clients,
        **kwargs(world),
    )
    assert record["dry_run"] is True and record["region"] == DR
    assert json.dumps(record)  # the operator prints it as JSON
    with pytest.raises(ConfigError, match="function_name"):
        run_command({"action": "status"}, region=DR, clients=region.clients)
