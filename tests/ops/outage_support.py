"""A deployed pair as the failover toolkit finds it in AWS, with a region that can go down.

moto answers what it models faithfully (SSM parameters, DynamoDB control tables, SNS topics,
CloudWatch lag datapoints, Lambda function configurations, STS, Route 53 health checks); the
doubles of tests/failover/fakes.py answer what moto lacks (the Aurora global cluster's
failover and switchover, the ARC cluster data plane, Auto Scaling and target health). A region
that is DOWN answers nothing: every client of it fails as an outage does, with botocore's
EndpointConnectionError injected before the request is sent (`before-send`, so botocore's own
retry handler sees it, as it would see a refused connection), and the ARC endpoint in it
refuses connections.

The parameters are those components/failover/discovery.py writes (same names, through its
PARAMETERS table); tests/components/failover/test_discovery.py proves the stacks write them
with these values. The orchestrator functions' environments are the orchestrator's own
configuration (OrchestratorConfig.to_env), as the Lambda component sets them.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from typing import Any

from botocore.exceptions import EndpointConnectionError

from components.failover.discovery import PARAMETERS, parameter_name
from failover.logs import JsonLogger
from tests.failover.fakes import ACCOUNT, CONTROLS, DR, GLOBAL, PRIMARY, cluster_arn
from tests.failover.world import PEER, World, _session, schedule_event

ROLES = {PRIMARY: "primary", DR: "dr"}


def function_name(region: str) -> str:
    return f"trading-dr-{ROLES[region]}-failover"


class Down:
    """Raises what botocore raises when the endpoint cannot be reached."""

    def __init__(self, region: str, down: set[str]):
        self.region, self.down = region, down

    def __call__(self, request, **_):
        if self.region in self.down:
            raise EndpointConnectionError(endpoint_url=request.url)


class DownDouble:
    """A test double of a region's API (RDS, Auto Scaling, ELB) that fails like a dead
    endpoint while its region is down."""

    def __init__(self, inner: Any, region: str, down: set[str]):
        self._inner, self._region, self._down = inner, region, down

    def __getattr__(self, name: str):
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            if self._region in self._down:
                raise EndpointConnectionError(endpoint_url=f"https://{name}.{self._region}.amazonaws.com")
            return attr(*args, **kwargs)

        return call


class OutageSession:
    """What boto3.Session() gives the toolkit: moto, the doubles, and the regions that are down."""

    def __init__(self, world: World):
        self.world = world
        self.down: set[str] = set()
        self.asked: list[tuple[str, str]] = []
        """(service, region) of every client made: who was asked where."""
        self.configs: list[tuple[str, str, Any]] = []
        """(service, region, botocore Config) of every client made."""

    def client(self, service: str, region_name: str | None = None, **kwargs) -> Any:
        region = str(region_name)
        self.asked.append((service, region))
        self.configs.append((service, region, kwargs.get("config")))
        if service == "route53-recovery-cluster":
            return self.world.arc.factory(kwargs["endpoint_url"], region)
        doubles = {"rds": self.world.rds, "autoscaling": self.world.asg, "elbv2": self.world.elb}
        if service in doubles:
            return DownDouble(doubles[service][region], region, self.down)
        client = _session().client(service, region_name=region, config=kwargs.get("config"))
        client.meta.events.register("before-send", Down(region, self.down))
        return client

    def fail(self, region: str) -> None:
        """The region goes down: every API in it, its ARC endpoint, its application."""
        self.down.add(region)
        self.world.arc.unavailable.add(region)
        self.world.up[region] = False

    def recover(self, region: str) -> None:
        self.down.discard(region)
        self.world.arc.unavailable.discard(region)
        self.world.up[region] = True


def deploy(world: World) -> dict[str, str]:
    """What `deploy.py up` leaves in each region that the toolkit reads: the discovery
    parameters, the orchestrator function (its environment), the alert topic, a health check.
    Returns region -> health check id."""
    session = _session()
    role_arn = session.client("iam", region_name=PRIMARY).create_role(
        RoleName="trading-dr-failover", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17"})
    )["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return None\n")
    health = {}
    for region in (PRIMARY, DR):
        config = world.configs[region]
        session.client("sns", region_name=region).create_topic(Name=config.alert_topic_arn.rsplit(":", 1)[1])
        session.client("lambda", region_name=region).create_function(
            FunctionName=function_name(region),
            Runtime="python3.12",
            Role=role_arn,
            Handler="handler.handler",
            Code={"ZipFile": code.getvalue()},
            Environment={"Variables": config.to_env()},
        )
        health[region] = session.client("route53", region_name=PRIMARY).create_health_check(
            CallerReference=f"app-{region}",
            HealthCheckConfig={
                "Type": "HTTPS",
                "FullyQualifiedDomainName": f"app-{region}.trading.example.net",
                "ResourcePath": "/health",
                "RequestInterval": 10,
                "FailureThreshold": 3,
            },
        )["HealthCheck"]["Id"]
        values = {
            "globalWriterEndpoint": f"{GLOBAL}.global-abc123.global.rds.amazonaws.com",
            "authorityClusterArn": f"arn:aws:route53-recovery-control::{ACCOUNT}:cluster/abc123",
            "authorityClusterEndpoints": json.dumps(
                [{"Endpoint": e.endpoint, "Region": e.region} for e in config.arc_cluster_endpoints]
            ),
            "authorityControlPanelArn": f"arn:aws:route53-recovery-control::{ACCOUNT}:controlpanel/abc123",
            "authorityRoutingControlHome": CONTROLS[region],
            "authorityRoutingControlPeer": CONTROLS[PEER[region]],
            "epochControlTable": config.control_table,
            "stackRole": ROLES[region],
            "homeRegion": region,
            "peerRegion": PEER[region],
            "globalClusterId": GLOBAL,
            "localClusterArn": cluster_arn(region),
            "orchestratorFunctionName": function_name(region),
            "alertTopicArn": config.alert_topic_arn,
            "healthCheckId": health[region],
            "routingControlHealthCheckId": f"rc-{health[region]}",
        }
        assert set(values) == set(PARAMETERS)
        ssm = session.client("ssm", region_name=region)
        for key, path in PARAMETERS.items():
            name = parameter_name(path.format(home=region, peer=PEER[region]))
            ssm.put_parameter(Name=name, Value=values[key], Type="String")
    return health


def local_seam(world: World, session: OutageSession) -> Callable[..., dict]:
    """failover.local.run_command as `deploy.py failover --local` calls it, with the world's
    clock, probe, witness resolver and ARC endpoints injected (the orchestrator's own injection
    points); its configuration still comes from the function's environment in AWS and its
    clients from the toolkit's session."""
    from failover import local

    real = local.run_command

    def run_command(payload, *, region, session=session, **kwargs):
        return real(
            payload,
            region=region,
            session=session,
            clock=world.clock,
            sleep=world.clock.sleep,
            probe=world.probe(region),
            resolver=world.resolver(region),
            arc_client_factory=lambda url, r: session.client(
                "route53-recovery-cluster", endpoint_url=url, region_name=r
            ),
            logger=JsonLogger(stream=io.StringIO()),
            **kwargs,
        )

    return run_command


def run_schedule(run_command: Callable[..., dict], region: str, world: World, limit: int = 20) -> list[dict]:
    """The deployed orchestrator's one-minute schedule in `region`, until no execution is open
    there (each invocation loops over its budget on the world's clock)."""
    records = []
    for n in range(limit):
        records.append(
            run_command(
                schedule_event(f"schedule-{region}-{world.clock()}-{n}"),
                region=region,
                function_name=function_name(region),
            )
        )
        if world.table(region).open_execution_id() is None:
            return records
    raise AssertionError(f"the execution in {region} did not finish: {[r.get('outcome') for r in records]}")


def cli(argv: list[str]) -> tuple[int, str, str]:
    """deploy.py's entry point (ops.cli.main): exit code, stdout, stderr."""
    from ops.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def new_world() -> World:
    """The tests/failover world with its control tables in moto."""
    return World(dynamodb="moto")
