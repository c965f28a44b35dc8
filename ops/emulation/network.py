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
