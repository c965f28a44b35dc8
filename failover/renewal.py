"""The write lease's renewer gets its turn before every AWS call the orchestrator makes.

Why (docs/WRITE_LEASE.md, "Renewals"; docs/ARCHITECTURE.md, "Never two writers"): a region
that holds the write lease must renew it at least every write_lease_renew_seconds while its
orchestrator runs, whatever the orchestrator is doing. Renewals placed at chosen points of
an evaluation leave every stretch between two such points unguarded: an evaluation that
drives a promotion to its end (the writer check, the test write, the snapshot copy, the
notification, the evidence seal reading its bundle back) runs for longer than the lease
with no renewal, and the new writer's lease lapsed while nothing was wrong. Every stretch
of the orchestrator's work is a sequence of AWS calls, each bounded by its client's
timeouts (failover/clients.py), so letting the renewer run before each call bounds the gap
between two renewals by one renew period plus ONE bounded call, on every code path,
including those written later.

`tick` decides whether a renewal is due (a clock comparison, nothing more when it is not);
the renewal's own calls go through these clients too, so `tick` must ignore calls made
while it renews (Orchestrator._renewing).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable


class RenewingClient:
    """A boto3 client (or a test double) whose public methods first call `tick()`. Every
    public method counts, the API operations and the helpers alike (get_paginator, ...): a
    tick is a clock comparison unless a renewal is due, so an extra one costs nothing, and no
    botocore internals are needed to tell them apart. Attributes (meta, exceptions) are the
    client's own."""

    __slots__ = ("_client", "_tick")

    def __init__(self, client: object, tick: Callable[[], object]):
        self._client, self._tick = client, tick

    def __getattr__(self, name: str):
        attr = getattr(self._client, name)
        if not callable(attr) or name.startswith("_"):
            return attr

        def call(*args, **kwargs):
            self._tick()
            return attr(*args, **kwargs)

        return call

    @property
    def unwrapped(self) -> object:
        return self._client


def renewing_clients(clients, tick: Callable[[], object]):
    """The same Clients (a dataclass of clients) with each client wrapped in RenewingClient."""
    wrapped = {}
    for field in dataclasses.fields(clients):
        client = getattr(clients, field.name)
        if client is not None and not isinstance(client, RenewingClient):
            wrapped[field.name] = RenewingClient(client, tick)
    return dataclasses.replace(clients, **wrapped)
