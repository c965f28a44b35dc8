"""The drill's network and fault model: which vantage point can reach which region's
services, and which API faults are pending. Emulations consult it on every call; scenarios
only change it. Nothing here knows which scenario runs.

Vantage points are AWS regions (an orchestrator, an application tier), `INTERNET` (the
trading clients) and `ROUTE53` (Route 53's health checkers, which run in several regions
outside our two; https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/route-53-concepts.html).
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, field

INTERNET = "internet"
ROUTE53 = "route53-checkers"

# Fault kinds of the general fault model (Fault): what a matching call or component sees.
UNREACHABLE = "unreachable"
"""The service does not answer the caller: its connection times out."""
THROTTLE = "throttle"
"""Every matching call is refused with a throttling error (not applied)."""
SERVER_ERROR = "5xx"
"""Every matching call is refused with a server error (not applied)."""
HEALTH_FAILS = "health-fails"
"""The application's /health path fails in the region (a bad deploy); its write path works.
Service "app"."""
COMMITS_STALL = "commits-stall"
"""The region's database accepts TCP connections but commits nothing (a gray failure);
service "aurora"."""
FAULT_KINDS = (UNREACHABLE, THROTTLE, SERVER_ERROR, HEALTH_FAILS, COMMITS_STALL)


@dataclass(frozen=True)
class Fault:
    """One standing fault, matched by what it names (None = any): the service (a boto3
    service name such as "dynamodb", or "app" / "aurora" for the emulated components), the
    operations, the region the service lives in, and the vantage point calling it. Faults
    compose: a scenario adds as many as it likes, in any region, at any time."""

    kind: str
    service: str | None = None
    operations: frozenset[str] | None = None
    region: str | None = None
    vantage: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {', '.join(FAULT_KINDS)}")

    def matches(self, vantage: str | None, service: str, region: str, operation: str | None = None) -> bool:
        return (
            (self.service is None or self.service == service)
            and (self.operations is None or operation in self.operations)
            and (self.region is None or self.region == region)
            and (self.vantage is None or vantage is None or self.vantage == vantage)
        )


API_FAULTS = ("throttle", "5xx", "lost")
"""throttle: refused with a throttling error, not applied; 5xx: refused with a server error,
not applied; lost: applied by AWS, and the caller's connection drops before the answer."""


class Killed(BaseException):  # noqa: N818 -- not an error the runtime may catch
    """The orchestrator's process dies here (Lambda timeout, crash). A BaseException, so the
    runtime's `except Exception` cannot swallow it, as it could not swallow a dead process."""


@dataclass
class Network:
    down: set[str] = field(default_factory=set)
    """Regions gone dark: nothing in them runs, nothing reaches them."""
    partitions: set[frozenset[str]] = field(default_factory=set)
    """Pairs of regions that cannot reach each other (each still reaches everything else)."""
    impaired: set[str] = field(default_factory=set)
    """Regions whose own regional services (RDS, DynamoDB, CloudWatch, SNS, Auto Scaling, the
    VPC resolver) do not answer callers inside them; other regions' services still do."""
    api_faults: dict[str, deque[str]] = field(default_factory=lambda: defaultdict(deque))
    """Operation name -> faults answered to its next calls, one per call, in order."""
    kill_after: set[str] = field(default_factory=set)
    """Operation names after whose next accepted call the calling process dies (once)."""
    faults: list[Fault] = field(default_factory=list)
    """Standing faults (Fault), in force until removed."""

    def fault(
        self, vantage: str | None, service: str, region: str, operation: str | None = None
    ) -> Fault | None:
        """The first standing fault that matches a call (or a component's state), if any."""
        return next((f for f in self.faults if f.matches(vantage, service, region, operation)), None)

    def has(self, kind: str, service: str, region: str) -> bool:
        return any(f.kind == kind and f.matches(None, service, region) for f in self.faults)

    def reachable(self, source: str, region: str) -> bool:
        """Can `source` reach a service (or endpoint) in `region`?"""
        if region in self.down or source in self.down:
            return False
        if source == region:
            return True
        return frozenset((source, region)) not in self.partitions

    def regional_service_ok(self, source: str, region: str) -> bool:
        """A regional AWS service in `region`, called from `source`."""
        if not self.reachable(source, region):
            return False
        return not (source == region and region in self.impaired)

    def next_fault(self, operation: str) -> str | None:
        queue = self.api_faults.get(operation)
        return queue.popleft() if queue else None

    def take_kill(self, operation: str) -> bool:
        if operation in self.kill_after:
            self.kill_after.discard(operation)
            return True
        return False
