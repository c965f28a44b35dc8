"""failover.local: one in-process evaluation (the drill) and a manual command for a region
(deploy.py failover --local), configured from a mapping, this process's environment or the
deployed function's environment; on moto and the doubles of tests/failover/fakes.py."""

from __future__ import annotations

import io
import json
import zipfile

import boto3
import pytest

from failover import decision as d
from failover import orchestrator as o
from failover.config import ConfigError
from failover.local import evaluate_once, run_command, static_probe
from tests.failover.fakes import DR, PRIMARY
from tests.failover.world import schedule_event


def kwargs(world, region=DR):
    return {
        "clock": world.clock,
        "sleep": world.clock.sleep,
        "probe": world.probe(region),
        "resolver": world.resolver(region),
        "arc_client_factory": world.arc_factory(region),
    }


def test_static_probe_answers_without_the_network():
    assert [t.ok for t in static_probe(True)("https://x")] == [True]
    flag = {"ok": False}
    probe = static_probe(lambda: flag["ok"])
    assert [t.ok for t in probe("https://x")] == [False]


def test_evaluate_once_from_an_env_mapping(world):
    world.put_lag(DR, 1.0, age=5)
    record = evaluate_once(
        schedule_event("one"), world.configs[DR].to_env(), clients=world.clients(DR), **kwargs(world)
    )
    assert record["outcome"] == d.HEALTHY and record["region"] == DR


def test_run_command_with_environ(world):
    world.put_lag(DR, 1.0, age=5)
    record = run_command(
        {"action": "switchover", "reason": "drill"},
        region=DR,
        environ=world.configs[DR].to_env(),
        clients=world.clients(DR),
        **kwargs(world),
    )
    assert record["outcome"] == o.EXECUTING and world.g.accepted == [("switchover_global_cluster", DR)]


def test_run_command_from_this_process_environment(world, monkeypatch):
    for key, value in world.configs[DR].to_env().items():
        monkeypatch.setenv(key, value)
    record = run_command({"action": "status"}, region=DR, clients=world.clients(DR), **kwargs(world))
    assert record["outcome"] == d.STATUS_REPORT
    # The same environment cannot act for the other region.
    with pytest.raises(ConfigError, match="FAILOVER_HOME_REGION"):
        run_command({"action": "status"}, region=PRIMARY, clients=world.clients(DR), **kwargs(world))


def test_run_command_reads_the_deployed_function_environment(world, monkeypatch):
    monkeypatch.delenv("FAILOVER_HOME_REGION", raising=False)
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
        Environment={"Variables": world.configs[DR].to_env()},
    )
    record = run_command(
        {"action": "failover", "dry_run": True, "reason": "what if"},
        region=DR,
        function_name="trading-dr-dr-failover",
        clients=world.clients(DR),
        **kwargs(world),
    )
    assert record["dry_run"] is True and record["region"] == DR
    assert json.dumps(record)  # the operator prints it as JSON
    with pytest.raises(ConfigError, match="function_name"):
        run_command({"action": "status"}, region=DR, clients=world.clients(DR))
