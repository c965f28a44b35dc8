"""Run the orchestrator in-process, outside Lambda: the operator CLI (deploy.py failover
--local) and the local drill call these with their own clients, clock and probe.

    record = evaluate_once(event, config, clients=Clients(...), clock=..., sleep=..., probe=...)

`static_probe(healthy)` is a probe that answers without the network, for drills.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from failover.config import OrchestratorConfig
from failover.orchestrator import Clients, Orchestrator
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
    kwargs go to Orchestrator (clock, sleep, probe, logger)."""
    if not isinstance(config, OrchestratorConfig):
        config = OrchestratorConfig.from_env(config)
    return Orchestrator(config, clients, **kwargs).evaluate(event, request_id=request_id)
