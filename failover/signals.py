"""The evidence an evaluation reads, each from the home region (or, for the witness, from
Route 53's data plane through the home VPC's resolver):

- witness: the OUTSIDE view of the peer. A DNS name whose Route 53 failover record pair is
  tied to the peer's Route 53 health check answers one sentinel address while the peer is
  healthy and another when it is not. Route 53's checkers run in several regions and a
  health check is healthy when more than 18 % of them say so
  (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-determining-health-of-endpoints.html),
  so the answer does not originate in our region. It is read with the stdlib resolver
  (socket.getaddrinfo -> the VPC's Route 53 Resolver, https://docs.aws.amazon.com/vpc/latest/userguide/AmazonDNS-concepts.html),
  never GetHealthCheckStatus, a control-plane call "intended for use during development".
- peer_probe: HTTPS GETs of the peer's health URL: supporting evidence, never enough alone.
- replication lag for the RPO gate (observed_lag_seconds).

Each vote is a decision.Signal whose peer_down is True (positive evidence of an outage),
False (positive evidence of health) or None (unknown). An unreadable signal is unknown,
never "down"; one failed try followed by a success is healthy, never "down".
"""

from __future__ import annotations

import concurrent.futures
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from botocore.exceptions import BotoCoreError, ClientError

from failover.decision import Signal
from failover.heartbeat import observation_from_item

# Aurora Global Database lag metrics of the secondary (home) cluster, in milliseconds.
# AuroraGlobalDBRPOLag exists for Aurora PostgreSQL and Aurora MySQL 3.04+/2.12+; older
# MySQL publishes only AuroraGlobalDBReplicationLag
# (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html).
LAG_METRICS = ("AuroraGlobalDBRPOLag", "AuroraGlobalDBReplicationLag")

Resolver = Callable[[str], Sequence[str]]
# A few threads for DNS lookups that may hang; an abandoned one finishes on its own.
_DNS_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="witness-dns")


@dataclass(frozen=True)
class ProbeAttempt:
    ok: bool
    detail: str


class HttpsProbe:
    """GET the URL up to `attempts` times, each bounded by `timeout` seconds; healthy on the
    first 2xx. Certificates are verified (ssl default context)."""

    def __init__(
        self, attempts: int, timeout: float, sleep: Callable[[float], None] = time.sleep, backoff=0.5
    ):
        self.attempts, self.timeout, self.sleep, self.backoff = attempts, timeout, sleep, backoff
        self._context = ssl.create_default_context()

    def __call__(self, url: str) -> list[ProbeAttempt]:
        tries: list[ProbeAttempt] = []
        for attempt in range(self.attempts):
            if attempt:
                self.sleep(self.backoff * attempt)
            tries.append(self._once(url))
            if tries[-1].ok:
                break
        return tries

    def _once(self, url: str) -> ProbeAttempt:
        if not url.startswith("https://"):
            return ProbeAttempt(False, "refused: not an https:// URL")
        request = urllib.request.Request(  # noqa: S310 (https only, checked above)
            url, method="GET", headers={"User-Agent": "trading-dr-failover"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self._context) as response:  # noqa: S310
                return ProbeAttempt(200 <= response.status < 300, f"HTTP {response.status}")
        except urllib.error.HTTPError as error:
            return ProbeAttempt(False, f"HTTP {error.code}")
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            return ProbeAttempt(False, f"{type(error).__name__}: {getattr(error, 'reason', error)}")


Probe = Callable[[str], Sequence[ProbeAttempt]]


def peer_probe_signal(probe: Probe, url: str) -> Signal:
    """Healthy when ANY try succeeded (a failed try then a success is a blip, not an outage);
    down only when every try failed; unknown when the probe made no try at all."""
    try:
        tries = list(probe(url))
    except Exception as error:  # noqa: BLE001 (a broken probe is no evidence either way)
        return Signal("peer_probe", None, {"url": url, "error": str(error)})
    if not tries:
        return Signal("peer_probe", None, {"url": url, "attempts": []})
    healthy = any(t.ok for t in tries)
    return Signal("peer_probe", not healthy, {"url": url, "attempts": [t.detail for t in tries]})


def system_resolver(timeout: float) -> Resolver:
    """IPv4 addresses of a name through the system resolver (in a VPC-attached Lambda: the
    VPC's Route 53 Resolver). No third-party DNS library: the Lambda ships stdlib + boto3.
    getaddrinfo ignores socket timeouts (glibc retries per resolv.conf), so the lookup runs
    in a worker thread and is abandoned after `timeout`: a hung lookup is "unknown"."""

    def resolve(fqdn: str) -> list[str]:
        future = _DNS_POOL.submit(
            socket.getaddrinfo, fqdn, None, family=socket.AF_INET, type=socket.SOCK_STREAM
        )
        try:
            infos = future.result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            raise TimeoutError(f"no DNS answer for {fqdn} within {timeout}s") from None
        return sorted({info[4][0] for info in infos})

    return resolve


def witness_signal(
    resolver: Resolver, fqdn: str, healthy_address: str, unhealthy_address: str, name: str = "witness"
) -> Signal:
    """Down only when the witness answers the "unhealthy" sentinel and not the healthy one;
    healthy when it answers the healthy sentinel; unknown otherwise (NXDOMAIN, timeout,
    SERVFAIL, both or neither sentinel)."""
    try:
        addresses = set(resolver(fqdn))
    except (OSError, UnicodeError) as error:
        return Signal(name, None, {"fqdn": fqdn, "error": f"{type(error).__name__}: {error}"})
    detail = {"fqdn": fqdn, "addresses": sorted(addresses)}
    healthy, unhealthy = healthy_address in addresses, unhealthy_address in addresses
    if healthy and not unhealthy:
        return Signal(name, False, detail)
    if unhealthy and not healthy:
        return Signal(name, True, detail)
    return Signal(name, None, {**detail, "error": "answer is neither sentinel alone"})


@dataclass(frozen=True)
class HeartbeatReading:
    signal: Signal
    """peer_down True: the peer's writer heartbeat stopped (observed fresh, newest beat older
    than the bound); False: beating; None: no fresh observation (unknown)."""
    newest_at: float | None
    """DB time of the newest replicated heartbeat row, from a fresh observation; else None."""
    observed_at: float | None = None
    """When the application read it (fresh observations only)."""


def heartbeat_reading(
    item: dict | None, peer_region: str, now: float, max_age_seconds: float
) -> HeartbeatReading:
    """The HEARTBEAT/OBSERVED item of this region's control table (written every second by
    this region's application from its local replica; attributes writer_region, epoch,
    newest_at, observed_at). An observation older than max_age_seconds, of another writer
    region, or malformed, is unknown: never "down", never "alive"."""
    try:
        observation = observation_from_item(item)  # the item's one codec (failover/heartbeat.py)
    except ValueError as error:
        return HeartbeatReading(Signal("heartbeat", None, {"error": f"malformed observation: {error}"}), None)
    if observation is None:
        return HeartbeatReading(Signal("heartbeat", None, {"error": "no observation"}), None)
    writer, newest_at, observed_at = observation.writer_region, observation.newest_at, observation.observed_at
    detail = {"writer_region": writer, "newest_at": newest_at, "observed_at": observed_at}
    if writer != peer_region:
        return HeartbeatReading(
            Signal("heartbeat", None, {**detail, "error": "not the peer's heartbeat"}), None
        )
    if abs(now - observed_at) > max_age_seconds:  # stale, or from a clock in the future
        return HeartbeatReading(Signal("heartbeat", None, {**detail, "error": "observation is stale"}), None)
    age = max(0.0, now - newest_at)
    return HeartbeatReading(
        Signal("heartbeat", age > max_age_seconds, {**detail, "age": age}), newest_at, observed_at
    )


@dataclass(frozen=True)
class LagReading:
    seconds: float | None
    """The larger of the fresh lag datapoints; None = unknown (counts as over the bound)."""
    detail: dict


def observed_lag(
    cloudwatch, cluster_id: str, now: float, max_age_seconds: int, first_down_at: float | None = None
) -> LagReading:
    """The RPO gate's input: for each lag metric, its newest datapoint no older than
    max_age_seconds before the reference moment; then the LARGER of them (a smaller one
    would understate the loss). A metric that cannot be read makes the whole reading
    unknown (it might be the larger one); a metric with no datapoint is not published for
    this engine and is skipped; no fresh datapoint at all is unknown.

    The reference moment is first_down_at (when this region FIRST saw the peer down in the
    current quorum streak), or now when there is no streak (manual commands, the healthy
    case). The RPO gate wants "a datapoint no older than 2 minutes"; under an outage the faithful
    reading is "no older than 2 minutes before the outage was first observed": the lag
    metrics are published for the secondary from the primary's replication, and once the
    primary region is gone nothing may publish them (AWS documents neither that the
    datapoints stop nor that a growing value is published). The data at risk is what the
    old writer acknowledged BEFORE the outage, so the last datapoint from just before it is
    the one that bounds the loss; judging its age at decision time would make the gate
    block forever at an unlucky outage phase, for no gain in safety. Both AWS answers are
    safe here: if datapoints stop, the pre-outage one decides; if a growing value keeps
    being published, the newest datapoint (taken, as before) is larger and blocks (a page,
    then a human with --allow-data-loss). A datapoint from long before the outage (more
    than max_age_seconds before first_down_at) is still unknown and blocks.
    """
    end = datetime.fromtimestamp(now, UTC)
    reference = now if first_down_at is None else min(now, first_down_at)
    oldest = datetime.fromtimestamp(reference, UTC) - timedelta(seconds=max_age_seconds)
    fresh: dict[str, float] = {}
    for metric in LAG_METRICS:
        try:
            points = cloudwatch.get_metric_statistics(
                Namespace="AWS/RDS",
                MetricName=metric,
                Dimensions=[{"Name": "DBClusterIdentifier", "Value": cluster_id}],
                StartTime=oldest - timedelta(seconds=60),
                EndTime=end + timedelta(seconds=60),
                Period=60,
                Statistics=["Maximum"],
            )["Datapoints"]
        except (ClientError, BotoCoreError) as error:
            return LagReading(None, {"error": f"{metric}: {error}"})
        points = [p for p in points if _utc(p["Timestamp"]) >= oldest]
        if points:
            newest = max(points, key=lambda p: p["Timestamp"])
            fresh[metric] = newest["Maximum"] / 1000.0
    if not fresh:
        return LagReading(
            None,
            {"error": f"no lag datapoint in the {max_age_seconds}s before {_stamp(reference)}"},
        )
    return LagReading(max(fresh.values()), {"metrics": fresh, "reference": _stamp(reference)})


def _stamp(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds")


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
