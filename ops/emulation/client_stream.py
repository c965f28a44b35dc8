"""Trading clients that write once a second each: the drill's measure of what users see (RTO)
and of what they lose (data loss), and the traffic that tries to make two regions write.

Every client reaches a region's ALB (it must be reachable from the internet and run the
application: an ALB whose targets are all unhealthy fails open and routes to all of them),
and the application THERE writes to its own region's cluster endpoint through the write
lease (ops/emulation/application.py); there is no cross-region write path. The clients
differ in how they pick the region, because DNS is not a fence
(docs/ARCHITECTURE.md#never-two-writers):

- `fresh`: resolves the application's FQDN through a caching resolver that honours the
  record's TTL before each request. The recovery time is measured on this client.
- `cached-dns`: keeps its first DNS answer for STICKY_DNS_SECONDS, far past the TTL (a JVM
  or a client library that caches lookups).
- `keep-alive`: keeps one connection to the region it first resolved, as long as requests on
  it succeed; a failure closes it and the next connection resolves again.
- `pinned`: always uses the primary region's regional name, never the failover record.

A client whose request failed waits the profile's reconnect back-off before its next one.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass, field

from ops.emulation.answers import Surroundings
from ops.emulation.application import RegionApp
from ops.emulation.compute import ComputeEmulation
from ops.emulation.network import INTERNET
from ops.emulation.route53 import Resolver, Route53Emulation

STICKY_DNS_SECONDS = 600.0
"""How long a `cached-dns` client keeps an answer: an ASSUMPTION standing for clients that
ignore the TTL (a JVM with networkaddress.cache.ttl=-1 caches forever,
https://docs.oracle.com/en/java/javase/17/core/java-networking.html); ten minutes outlasts
every failover the drill runs."""
CLIENT_KINDS = ("fresh", "cached-dns", "keep-alive", "pinned")
MEASURED = "fresh"


@dataclass
class Attempt:
    at: float
    seq: int
    region: str | None
    """The region the client sent the request to."""
    writer: str | None
    """The region whose application acknowledged the write; None: the write failed."""
    reason: str
    client: str = MEASURED


@dataclass
class Client:
    kind: str
    resolver: Resolver | None
    next_at: float
    region: str | None = None
    """The region of the open connection (keep-alive) or of the cached answer (cached-dns)."""
    held_until: float = 0.0
    attempts: list[Attempt] = field(default_factory=list)


class ClientStream:
    def __init__(
        self,
        around: Surroundings,
        route53: Route53Emulation,
        compute: ComputeEmulation,
        apps: Mapping[str, RegionApp],
        primary: str,
        fqdn: str,
        dns_phase: float,
        kinds: tuple[str, ...] = CLIENT_KINDS,
    ):
        """primary: the region a `pinned` client always uses; apps: each region's application."""
        clock, network, timing = around.clock, around.network, around.timing
        self.clock, self.record, self.network, self.timing = clock, around.record, network, timing
        self.compute, self.apps, self.primary, self.fqdn = compute, apps, primary, fqdn
        ttl = timing.dns_ttl_seconds
        self.clients: dict[str, Client] = {}
        for i, kind in enumerate(kinds):
            phase = (dns_phase + i * ttl / max(1, len(kinds))) % max(ttl, 1.0)
            resolver = (
                None if kind == "pinned" else Resolver(clock, network, route53, INTERNET, first_refresh=phase)
            )
            self.clients[kind] = Client(kind, resolver, clock())
        self._seq = 0

    @property
    def resolver(self) -> Resolver | None:
        return self.clients[MEASURED].resolver if MEASURED in self.clients else None

    @property
    def attempts(self) -> list[Attempt]:
        """The measured (TTL-honouring) client's requests."""
        return self.clients[MEASURED].attempts if MEASURED in self.clients else []

    def all_attempts(self) -> list[Attempt]:
        return sorted((a for c in self.clients.values() for a in c.attempts), key=lambda a: (a.at, a.seq))

    def step(self, now: float) -> None:
        for client in self.clients.values():
            while client.next_at <= now:
                ok = self._write(client, client.next_at)
                backoff = 0.0 if ok else self.timing.client_reconnect_seconds
                client.next_at += max(1.0, backoff)

    def _region(self, client: Client, at: float) -> str:
        if client.kind == "pinned":
            return self.primary
        if client.kind == "keep-alive" and client.region is not None:
            return client.region
        if client.kind == "cached-dns" and client.region is not None and at < client.held_until:
            return client.region
        region = client.resolver.resolve(self.fqdn)
        if client.kind in ("keep-alive", "cached-dns"):
            client.region, client.held_until = region, at + STICKY_DNS_SECONDS
        return region

    def _write(self, client: Client, at: float) -> bool:
        self._seq += 1
        try:
            region = self._region(client, at)
        except socket.gaierror:
            return self._fail(client, at, None, "DNS does not answer")
        if not self.network.reachable(INTERNET, region):
            return self._fail(client, at, region, f"{region} unreachable")
        if self.compute.serving(region, at) == 0:
            return self._fail(client, at, region, f"{region} has no healthy target")
        outcome = self.apps[region].write(at, self._seq)
        if not outcome.ok:
            return self._fail(client, at, region, outcome.reason)
        self._append(client, Attempt(at, self._seq, region, region, "ok", client.kind))
        return True

    def _fail(self, client: Client, at: float, region: str | None, reason: str) -> bool:
        if client.kind == "keep-alive":
            client.region = None  # a failed request closes the connection
        self._append(client, Attempt(at, self._seq, region, None, reason, client.kind))
        return False

    def _append(self, client: Client, attempt: Attempt) -> None:
        last = client.attempts[-1] if client.attempts else None
        if last is None or (last.writer is None) != (attempt.writer is None) or last.reason != attempt.reason:
            what = (
                f"{client.kind} client writes succeed: written by {attempt.writer}"
                if attempt.writer
                else f"{client.kind} client writes fail: {attempt.reason}"
            )
            self.record("client", what)
        client.attempts.append(attempt)

    def first_success_after(self, start: float, region: str | None = None) -> Attempt | None:
        return next(
            (
                a
                for a in self.attempts
                if a.at >= start and a.writer is not None and (region is None or a.writer == region)
            ),
            None,
        )
