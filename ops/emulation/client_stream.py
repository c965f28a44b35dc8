"""A trading client that writes once a second through the application's FQDN: the drill's
measure of what users see (RTO) and of what they lose (data loss).

Each write resolves the FQDN through the client's caching resolver (the record's TTL is
honoured), goes to that region's ALB (it must be reachable from the internet and have a
healthy target), and the application there writes to the database: over its pooled
connection to a local cluster that still accepts writes, else through the Aurora global
writer endpoint to the writer, once the application has reconnected (the timing model's
reconnect time after the writer moved). A write the old writer acknowledged and never
replicated before a failover is lost; the drill counts those from this stream, not from the
lag input.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ops.emulation.network import INTERNET
from ops.emulation.route53 import Resolver

if TYPE_CHECKING:
    from ops.emulation.dr_world import DrWorld


@dataclass
class Attempt:
    at: float
    seq: int
    region: str | None
    """The region DNS sent the client to."""
    writer: str | None
    """The region whose cluster acknowledged the write; None: the write failed."""
    reason: str


class ClientStream:
    def __init__(self, world: DrWorld, fqdn: str, dns_phase: float):
        self.world, self.fqdn = world, fqdn
        self.resolver = Resolver(world, INTERNET, first_refresh=dns_phase)
        self.attempts: list[Attempt] = []
        self._seq = 0
        self.next_at = world.now

    def step(self, now: float) -> None:
        while self.next_at <= now:
            self._write(self.next_at)
            self.next_at += 1.0

    def _write(self, at: float) -> None:
        self._seq += 1
        world = self.world
        try:
            region = self.resolver.resolve(self.fqdn)
        except socket.gaierror:
            self._fail(at, None, "DNS does not answer")
            return
        if not world.network.reachable(INTERNET, region):
            self._fail(at, region, f"{region} unreachable")
            return
        if world.compute.healthy_targets(region, at) == 0:
            self._fail(at, region, f"{region} has no healthy target")
            return
        writer = self._writer_for(region, at)
        if writer is None:
            self._fail(at, region, "no writer reachable")
            return
        world.aurora.accept_write(writer, self._seq, at)
        self._append(Attempt(at, self._seq, region, writer, "ok"))

    def _writer_for(self, region: str, at: float) -> str | None:
        aurora, network = self.world.aurora, self.world.network
        reconnect = self.world.timing.app_reconnect_seconds
        local = aurora.by_region(region)
        if aurora.accepting(region, at) and (local.stale_writer or at >= local.writer_since + reconnect):
            return region  # the pooled connection to the local writer
        writer = aurora.writer_region()
        if writer is None or not aurora.accepting(writer, at):
            return None
        if not network.reachable(region, writer):
            return None
        if at < aurora.by_region(writer).writer_since + reconnect:
            return None
        return writer

    def _fail(self, at: float, region: str | None, reason: str) -> None:
        self._append(Attempt(at, self._seq, region, None, reason))

    def _append(self, attempt: Attempt) -> None:
        last = self.attempts[-1] if self.attempts else None
        if last is None or (last.writer is None) != (attempt.writer is None) or last.reason != attempt.reason:
            what = (
                f"client writes succeed: sent to {attempt.region}, written by {attempt.writer}"
                if attempt.writer
                else f"client writes fail: {attempt.reason}"
            )
            self.world.record("client", what)
        self.attempts.append(attempt)

    def first_success_after(self, start: float, region: str | None = None) -> Attempt | None:
        return next(
            (
                a
                for a in self.attempts
                if a.at >= start and a.writer is not None and (region is None or a.writer == region)
            ),
            None,
        )
