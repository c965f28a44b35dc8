"""Run the orchestrator in-process, outside Lambda: the operator CLI (deploy.py failover
--local) and the local drill call these with their own clients, clock and probe.

    record = evaluate_once(event, config, clients=Clients(...), clock=..., sleep=..., probe=...)
    record = run_command({"action": "status"}, region="us-west-2", function_name="trading-dr-dr-failover")

`static_probe(healthy)` is a probe that answers without the network, for drills.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from failover.clients import AWS_CONFIG, Clients
from failover.config import ENV, ConfigError, OrchestratorConfig
from failover.orchestrator import Orchestrator
from failover.signals import ProbeAttempt


def static_probe(healthy: bool | Callable[[], bool]) -> Callable[[str], list[ProbeAttempt]]:
    """A probe whose answer is fixed, or read from a callable at each call (a drill flips it)."""

    def probe(url: str) -> list[ProbeAttempt]:
        ok = healthy() if callable(healthy) else healthy
        return [ProbeAttempt(ok, "simulated healthy" if ok else "simulated outage")]

    return probe


def evaluate_once(
    event: dict,
    config: OrchestratorConfig | Mapping[str, str],
    *,
    clients: Clients | None = None,
    request_id: str | None = None,
    **kwargs,
) -> dict:
    """One evaluation; config is an OrchestratorConfig or a mapping of its ENV variables.
    kwargs go to Orchestrator (clock, sleep, probe, resolver, arc_client_factory, logger)."""
    if not isinstance(config, OrchestratorConfig):
        config = OrchestratorConfig.from_env(config)
    return Orchestrator(config, clients, **kwargs).evaluate(event, request_id=request_id)


def run_command(
    payload: dict,
    *,
    region: str,
    environ: Mapping[str, str] | None = None,
    function_name: str | None = None,
    session=None,
    clients: Clients | None = None,
    request_id: str | None = None,
    **kwargs,
) -> dict:
    """A manual command (failover / switchover / status) run in-process against `region`,
    as `deploy.py failover --local` does. Its configuration is, in this order: `environ`; the
    FAILOVER_* variables of this process if they are for `region`; the environment of the
    deployed orchestrator `function_name` in `region`. The AWS calls use `clients`, or
    clients of `session` (default boto3 session) in `region`."""
    import os

    import boto3

    session = session or boto3.session.Session()
    if environ is None:
        if os.environ.get(ENV["home_region"]) == region:
            environ = os.environ
        elif function_name:
            environ = _function_environment(session, region, function_name)
        else:
            raise ConfigError(
                ENV["home_region"],
                os.environ.get(ENV["home_region"], ""),
                f"must be {region} to run the orchestrator locally for {region}; or pass the "
                "deployed orchestrator's function_name to read its configuration",
            )
    config = OrchestratorConfig.from_env(environ)
    if config.home_region != region:
        raise ConfigError(ENV["home_region"], config.home_region, f"must be {region}, the region to act in")
    clients = clients or Clients.for_region(region, session)
    return Orchestrator(config, clients, **kwargs).handle(payload, request_id=request_id)


def _function_environment(session, region: str, function_name: str) -> Mapping[str, str]:
    lambda_ = session.client("lambda", region_name=region, config=AWS_CONFIG)
    environment = lambda_.get_function_configuration(FunctionName=function_name).get("Environment", {})
    if "Error" in environment:
        # A CMK-encrypted environment is returned only to callers allowed to decrypt it.
        raise ConfigError(
            "Environment", function_name, f"cannot be read: {environment['Error'].get('Message', '')}"
        )
    return environment.get("Variables", {})
