"""Builds the real failover runtime (failover/) for one region of the drill's world, through
its public contract only (docs/ARCHITECTURE.md#import-rules): OrchestratorConfig.from_env, the
Clients of the home region, and the injection points clock, sleep, probe, resolver,
arc_client_factory, logger and invocation_id. Every client is routed through the world
(DrWorld.install), so each call is charged to the clock and answered by moto or an emulation.

Injection points the runtime does not (yet) accept are left out, never faked: a runtime
without them runs with its own defaults, fails the drill's scenarios, and the drill says so.
"""

from __future__ import annotations

import dataclasses
import inspect
import io
from typing import Any

from ops.emulation.dr_world import DrWorld, session


def _clients_class():
    try:
        from failover.clients import Clients  # the runtime with its own clients module
    except ImportError:
        from failover.orchestrator import Clients
    return Clients


_CLIENTS: dict[str, object] = {}


def _home_clients(region: str, peer: str | None = None):
    """The runtime's clients of one home region, built once per process (botocore builds a
    client in tens of milliseconds; the drill's hooks follow each run's world). `peer`: the
    runtime also reads the peer region's control table (FAILOVER_PEER_CONTROL_TABLE)."""
    key = f"{region}>{peer or ''}"
    if key not in _CLIENTS:
        _CLIENTS[key] = _build_clients(region, peer)
    return _CLIENTS[key]


def _build_clients(region: str, peer: str | None = None):
    clients_class = _clients_class()
    if hasattr(clients_class, "for_region"):
        parameters = inspect.signature(clients_class.for_region).parameters
        if "session" in parameters:
            # the runtime's own client settings; the peer's client only where it reads one
            extra = {"peer_region": peer} if peer and "peer_region" in parameters else {}
            return clients_class.for_region(region, session=session(), **extra)
        return clients_class.for_region(region)
    from failover.orchestrator import AWS_CONFIG

    names = [f.name for f in dataclasses.fields(clients_class)]
    return clients_class(**{n: session().client(n, region_name=region, config=AWS_CONFIG) for n in names})


class RegionRuntime:
    """One region's orchestrator deployment: its configuration and its clients, built once
    (a Lambda container keeps them between invocations); `orchestrator(id)` is one invocation."""

    def __init__(self, world: DrWorld, home: str, peer: str, env: dict[str, str], log: Any = None):
        from failover.config import OrchestratorConfig

        self.world, self.home, self.peer, self.env = world, home, peer, env
        self.config = OrchestratorConfig.from_env(env)
        reads_peer = bool(getattr(self.config, "peer_control_table", ""))
        self.clients = _home_clients(home, peer if reads_peer else None)
        for f in dataclasses.fields(self.clients):
            client = getattr(self.clients, f.name)
            if client is not None and hasattr(client, "meta"):
                # called from home, answered by the client's own region (the peer's DynamoDB
                # through the network model: a partition or a region gone fails that read)
                world.install(client, home)
        self.log = log if log is not None else io.StringIO()
        attempts = int(getattr(self.config, "probe_attempts", 1) or 1)
        arc_clients: dict[tuple[str, str], Any] = {}
        make_arc = world.arc_client_factory(home)

        def arc_client(endpoint_url: str, region: str):
            key = (endpoint_url, region)
            if key not in arc_clients:
                arc_clients[key] = make_arc(endpoint_url, region)
            return arc_clients[key]

        self._offered = {
            "clock": world.clock,
            "sleep": world.advance,
            "probe": world.probe_for(home, peer, attempts),
            "resolver": world.resolver_for(home),
            "arc_client_factory": arc_client,
        }
        from failover.orchestrator import Orchestrator

        accepted = inspect.signature(Orchestrator.__init__).parameters
        wanted = [*self._offered, "logger", "invocation_id"]
        self.missing = sorted(k for k in wanted if k not in accepted)
        self._accepted = accepted

    def orchestrator(self, invocation_id: str):
        from failover.logs import JsonLogger
        from failover.orchestrator import Orchestrator

        offered = {**self._offered, "logger": JsonLogger(stream=self.log), "invocation_id": invocation_id}
        return Orchestrator(
            self.config, self.clients, **{k: v for k, v in offered.items() if k in self._accepted}
        )
