"""The traffic authority and the fence: Amazon ARC routing controls, read and changed only
through the ARC cluster's regional data-plane endpoints, never the config (control-plane)
API, which lives in us-west-2 only.

Why ARC is the one cross-region serialisation point: the cluster's five endpoints work "in
coordination so that they guarantee high availability and sequential consistency of
failover operations", and "at least three out of the five Regional cluster endpoints are
always accessible"
(https://docs.aws.amazon.com/r53recovery/latest/dg/getting-started-cli-routing-config.html,
https://docs.aws.amazon.com/r53recovery/latest/dg/routing-control.update.api.html). A
DynamoDB global table is no lock under a partition (last writer wins), and each region's
control table only serialises that region's own executor.

Rules this module encodes:
- connect to the endpoints in rotation; move to the next one on a connection error, a
  timeout, EndpointTemporarilyUnavailableException, ThrottlingException or
  InternalServerException ("If the endpoint is unavailable, you can try connecting to
  another one of your cluster endpoints", same page);
- flip both controls in ONE UpdateRoutingControlStates call: assertion rules are evaluated
  on the result of the transaction
  (https://docs.aws.amazon.com/r53recovery/latest/dg/routing-control.safety-rules.html), so
  OFF-then-ON would break "at least one on" and ON-then-OFF would break "not both on";
- a ConflictException (a safety rule refused the change; the state is consistent across
  endpoints, so every endpoint would refuse it too) is NOT retried on another endpoint: it
  is raised as ArcConflict, and the caller re-reads the state before deciding anything.
  AWS does not document verbatim that ConflictException means "safety rule"; treating it
  as final is safe whatever it means, since the caller re-reads and retries at the next
  evaluation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from failover.config import ArcEndpoint

ON, OFF = "On", "Off"

# Error codes after which the next endpoint is tried.
ROTATE_CODES = {
    "EndpointTemporarilyUnavailableException",
    "ThrottlingException",
    "InternalServerException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "RequestTimeout",
}
CONFLICT = "ConflictException"

ArcClientFactory = Callable[[str, str], object]


class ArcError(RuntimeError):
    """No endpoint answered (every one was unreachable, throttled or failing)."""


class ArcConflict(RuntimeError):
    """The cluster refused the change (a safety rule): not retried on another endpoint."""


def boto3_factory(timeout: float, session=None) -> ArcClientFactory:
    """Clients of `route53-recovery-cluster` bound to one endpoint each: the API reference
    requires a Regional cluster endpoint and its Region
    (https://docs.aws.amazon.com/routing-control/latest/APIReference/Welcome.html). One try
    per endpoint and short timeouts, so a dead endpoint costs one timeout, then rotation."""
    config = Config(connect_timeout=timeout, read_timeout=timeout, retries={"total_max_attempts": 1})

    def factory(endpoint_url: str, region: str):
        import boto3

        s = session or boto3.session.Session()
        return s.client(
            "route53-recovery-cluster", endpoint_url=endpoint_url, region_name=region, config=config
        )

    return factory


class RoutingControls:
    """The two routing controls of the pair, seen from one region."""

    def __init__(
        self,
        endpoints: Sequence[ArcEndpoint],
        factory: ArcClientFactory,
        home_control_arn: str,
        peer_control_arn: str,
        prefer_region: str | None = None,
    ):
        """prefer_region: the rotation starts at that Region's endpoint when the cluster has
        one. AWS asks only that callers "try each endpoint in rotation, as needed"
        (routing-control.update.api.html above), not where to start; the orchestrator starts
        at its HOME region's: the nearest, and alive whenever the orchestrator is, whereas
        the endpoint listed first may sit in the very region whose failure is being handled
        and cost a timeout at the start of every invocation."""
        self.endpoints = list(endpoints)
        self.factory = factory
        self.home, self.peer = home_control_arn, peer_control_arn
        self._clients: dict[int, object] = {}
        # The endpoint that answered last is tried first next time.
        self._start = next((i for i, e in enumerate(self.endpoints) if e.region == prefer_region), 0)
        self.attempts: list[str] = []
        """Every endpoint tried and why it was left (for the decision record)."""

    def _client(self, index: int):
        if index not in self._clients:
            e = self.endpoints[index]
            self._clients[index] = self.factory(e.endpoint, e.region)
        return self._clients[index]

    def _call(self, operation: str, **kwargs):
        errors = []
        n = len(self.endpoints)
        for offset in range(n):
            index = (self._start + offset) % n
            region = self.endpoints[index].region
            try:
                response = getattr(self._client(index), operation)(**kwargs)
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code", "")
                status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
                if code == CONFLICT:
                    self._start = index
                    raise ArcConflict(
                        f"{operation} refused by the ARC cluster ({region}): {error}"
                    ) from error
                if code in ROTATE_CODES or status >= 500:
                    errors.append(f"{region}: {code or status}")
                    self.attempts.append(errors[-1])
                    continue
                raise  # AccessDenied, Validation, ResourceNotFound: a defect, not an outage
            except BotoCoreError as error:  # connection refused, timeouts, DNS
                errors.append(f"{region}: {type(error).__name__}")
                self.attempts.append(errors[-1])
                continue
            self._start = index
            return response
        raise ArcError(f"{operation}: no ARC cluster endpoint answered ({'; '.join(errors)})")

    def state(self, control_arn: str) -> str:
        return self._call("get_routing_control_state", RoutingControlArn=control_arn)["RoutingControlState"]

    def states(self) -> dict[str, str]:
        """{"home": On|Off, "peer": On|Off}, each read from the cluster's consensus view."""
        return {"home": self.state(self.home), "peer": self.state(self.peer)}

    def activate_home(self) -> None:
        """Home ON and peer OFF in one transaction: the fence."""
        self._set(home=ON, peer=OFF)

    def activate_peer(self) -> None:
        """Peer ON and home OFF in one transaction: a fence given back (never a moment with
        both Off or both On)."""
        self._set(home=OFF, peer=ON)

    def _set(self, *, home: str, peer: str) -> None:
        self._call(
            "update_routing_control_states",
            UpdateRoutingControlStateEntries=[
                {"RoutingControlArn": self.home, "RoutingControlState": home},
                {"RoutingControlArn": self.peer, "RoutingControlState": peer},
            ],
        )


def home_is_active(states: dict[str, str]) -> bool:
    return states.get("home") == ON and states.get("peer") == OFF


def is_peer_active(states: dict[str, str]) -> bool:
    return states.get("peer") == ON and states.get("home") == OFF


def peer_is_fenced(states: dict[str, str]) -> bool:
    """The old region takes no traffic: its control is OFF and ours is ON."""
    return home_is_active(states)
