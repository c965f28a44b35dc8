"""Route 53's data plane as the drill sees it: health checks that follow what they check
after their interval x threshold, failover records, and resolvers that cache answers for the
record's TTL.

Rules followed (each from AWS's documentation):
- an endpoint health check turns unhealthy (or healthy again) once `threshold` consecutive
  checks `interval` apart disagree with its current status
  (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html);
- a RECOVERY_CONTROL health check is healthy exactly when its routing control is On; AWS gives
  no propagation delay, the timing model charges an assumed one
  (https://docs.aws.amazon.com/r53recovery/latest/dg/routing-control.create.html);
- failover routing answers PRIMARY when it is healthy, else SECONDARY when that is healthy,
  and PRIMARY when both are unhealthy
  (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-problems.html);
- an alias record with evaluate_target_health to an ALB is unhealthy when the ALB has no
  healthy target; alias records to an ALB carry a 60 s TTL.
The application record of a region is healthy as the plan gates it (RecordGate: the routing
control's health check, an endpoint health check, an alias's target health, in any
combination). The witness record of a region answers
`healthy_address` while that region's endpoint health check is healthy, else
`unhealthy_address`.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass

from ops.emulation.answers import Clock, Surroundings
from ops.emulation.compute import ComputeEmulation
from ops.emulation.network import ROUTE53, Network
from ops.emulation.routing_controls import ArcEmulation


@dataclass(frozen=True)
class RecordGate:
    """What makes a region's failover record for the application healthy, as the plan
    configures it: its health check (RECOVERY_CONTROL: the routing control; HTTPS: Route 53's
    checkers on the endpoint) and, for an alias, evaluate_target_health (a healthy target)."""

    control: bool = True
    endpoint: bool = False
    targets: bool = True


@dataclass
class LaggedStatus:
    """A status that follows a truth after `lag` seconds of sustained change."""

    value: bool
    lag: float
    _pending: bool | None = None
    _since: float = 0.0

    def observe(self, truth: bool, now: float) -> bool:
        if truth == self.value:
            self._pending = None
        elif self._pending != truth:
            self._pending, self._since = truth, now
        elif now - self._since >= self.lag:
            self.value, self._pending = truth, None
        return self.value


class Route53Emulation:
    def __init__(
        self,
        around: Surroundings,
        arc: ArcEmulation,
        compute: ComputeEmulation,
        record_gates: Mapping[str, RecordGate],
        primary: str,
        dr: str,
        app_fqdn: str,
    ):
        """record_gates: region -> its application record's gate (default: RecordGate())."""
        clock, timing = around.clock, around.timing
        self.clock, self.record, self.network, self.timing = clock, around.record, around.network, timing
        self.arc, self.compute, self.record_gates = arc, compute, record_gates
        self.primary, self.dr, self.app_fqdn = primary, dr, app_fqdn
        self.endpoint_checks = {
            r: LaggedStatus(True, timing.health_check_detection_seconds) for r in (primary, dr)
        }
        self.control_checks = {
            r: LaggedStatus(r in arc.on_regions(), timing.routing_control_propagation_seconds)
            for r in (primary, dr)
        }
        self.target_checks = {
            r: LaggedStatus(
                compute.healthy_targets(r, clock()) > 0, timing.routing_control_propagation_seconds
            )
            for r in (primary, dr)
        }
        self.witnesses: dict[str, tuple[str, str, str]] = {}
        """Witness FQDN -> (region it watches, healthy address, unhealthy address)."""
        self.answers: list[tuple[float, str]] = [(clock(), self.app_answer())]

    def add_witness(self, fqdn: str, region: str, healthy: str, unhealthy: str) -> None:
        self.witnesses[fqdn.rstrip(".").lower()] = (region, healthy, unhealthy)

    def step(self, now: float) -> None:
        network, compute = self.network, self.compute
        for region, check in self.endpoint_checks.items():
            serving = network.reachable(ROUTE53, region) and compute.healthy_targets(region, now) > 0
            before = check.value
            if check.observe(serving, now) != before:
                self.record(
                    "route53", f"health check of {region}: {'healthy' if check.value else 'unhealthy'}"
                )
        on = self.arc.on_regions()
        for region, check in self.control_checks.items():
            check.observe(region in on, now)
        for region, check in self.target_checks.items():
            check.observe(compute.healthy_targets(region, now) > 0, now)
        answer = self.app_answer()
        if answer != self.answers[-1][1]:
            self.answers.append((now, answer))
            self.record("route53", f"{self.app_fqdn} answers {answer}")

    def record_healthy(self, region: str) -> bool:
        gate = self.record_gates.get(region, RecordGate())
        return (
            (not gate.control or self.control_checks[region].value)
            and (not gate.endpoint or self.endpoint_checks[region].value)
            and (not gate.targets or self.target_checks[region].value)
        )

    def app_answer(self) -> str:
        """The region the application's failover record answers now."""
        if self.record_healthy(self.primary):
            return self.primary
        if self.record_healthy(self.dr):
            return self.dr
        return self.primary  # both unhealthy: Route 53 answers PRIMARY

    def authoritative(self, fqdn: str) -> tuple[str, float]:
        """(answer, TTL) for a name; raises socket.gaierror for an unknown name."""
        name = fqdn.rstrip(".").lower()
        if name == self.app_fqdn:
            return self.app_answer(), self.timing.dns_ttl_seconds
        if name in self.witnesses:
            region, healthy, unhealthy = self.witnesses[name]
            up = self.endpoint_checks[region].value
            return (healthy if up else unhealthy), self.timing.witness_ttl_seconds
        raise socket.gaierror(socket.EAI_NONAME, f"{fqdn}: no such name")


class Resolver:
    """A caching resolver at one vantage point (a VPC's Route 53 Resolver, a client's)."""

    def __init__(
        self,
        clock: Clock,
        network: Network,
        authority: Route53Emulation,
        vantage: str,
        first_refresh: float = 0.0,
    ):
        self.clock, self.network, self.authority, self.vantage = clock, network, authority, vantage
        self.cache: dict[str, tuple[str, float]] = {}
        self._first_refresh = first_refresh

    def available(self) -> bool:
        network = self.network
        if self.vantage in network.down:
            return False
        return self.vantage not in network.impaired

    def resolve(self, fqdn: str) -> str:
        now = self.clock()
        cached = self.cache.get(fqdn)
        if cached and cached[1] > now:
            return cached[0]
        if not self.available():
            raise socket.gaierror(socket.EAI_AGAIN, f"{fqdn}: the resolver in {self.vantage} does not answer")
        answer, ttl = self.authority.authoritative(fqdn)
        # The first answer of a client may be anywhere in its TTL (a random phase per seed).
        expires = now + ttl - (self._first_refresh if not self.cache else 0.0)
        self.cache[fqdn] = (answer, max(now + 1.0, expires))
        return answer
