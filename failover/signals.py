"""The independent signals, each read from the home region only:

- peer_probe: HTTPS GETs of the peer region's health endpoint, several tries with timeouts;
- global_cluster: the global cluster as the home region's RDS endpoint describes it;
- lag_alarms: the home region's replication/RPO lag alarms.

Each returns a decision.Signal whose peer_down is True (evidence of an outage), False
(evidence of health) or None (no evidence, e.g. the signal itself could not be read). A
failing read never counts as "peer down": only positive evidence does.

observed_lag_seconds reads the last replication lag datapoint for the RPO gate.
"""

from __future__ import annotations

import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from botocore.exceptions import BotoCoreError, ClientError

from failover.cluster_state import ClusterView
from failover.decision import Signal

# Aurora Global Database lag metrics of the secondary (home) cluster, in milliseconds.
LAG_METRICS = ("AuroraGlobalDBReplicationLag", "AuroraGlobalDBRPOLag")


@dataclass(frozen=True)
class ProbeAttempt:
    ok: bool
    detail: str


class HttpsProbe:
    """GET the URL up to `attempts` times, each bounded by `timeout` seconds; healthy on the
    first 2xx. Certificates are verified (ssl default context)."""

    def __init__(
        self, attempts: int, timeout: float, sleep: Callable[[float], None] = time.sleep, backoff=1.0
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
            # Never file:, never plain http: the config checks this too.
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
    tries = list(probe(url))
    healthy = any(t.ok for t in tries)
    return Signal(
        "peer_probe",
        peer_down=not healthy if tries else None,
        detail={"url": url, "attempts": [t.detail for t in tries]},
    )


def global_cluster_signal(
    read: Callable[[], ClusterView], local_arn: str
) -> tuple[Signal, ClusterView | None]:
    """Peer down when the global cluster, seen from here, has no writer, or its writer is the
    peer while the cluster is not available or our member is cut off (pending-resync)."""
    try:
        view = read()
    except (ClientError, BotoCoreError) as error:
        return Signal("global_cluster", None, {"error": str(error)}), None
    detail = view.as_dict()
    if not view.found or view.local_is_writer(local_arn):
        return Signal("global_cluster", None, detail), view
    if view.operation_in_progress:
        return Signal("global_cluster", None, detail), view
    local = view.members.get(local_arn, {})
    down = (
        view.writer_arn is None
        or view.status != "available"
        or local.get("SynchronizationStatus") == "pending-resync"
    )
    return Signal("global_cluster", down, detail), view


def lag_alarm_signal(cloudwatch, alarm_names: Sequence[str]) -> Signal:
    """Peer down when any configured lag alarm is in ALARM: replication is degrading. The
    deployed alarms treat missing data as not breaching (the writer's own cluster publishes no
    lag), so a region that went dark is seen by the probe and the global-cluster signal, and
    its silence leaves the last observed lag as the RPO gate's input (observed_lag_seconds)."""
    if not alarm_names:
        return Signal("lag_alarms", None, {"error": "no lag alarms configured"})
    try:
        alarms = cloudwatch.describe_alarms(AlarmNames=list(alarm_names))["MetricAlarms"]
    except (ClientError, BotoCoreError) as error:
        return Signal("lag_alarms", None, {"error": str(error)})
    states = {a["AlarmName"]: a["StateValue"] for a in alarms}
    missing = sorted(set(alarm_names) - set(states))
    detail = {"states": states, **({"missing": missing} if missing else {})}
    if not states:
        return Signal("lag_alarms", None, detail)
    return Signal("lag_alarms", any(v == "ALARM" for v in states.values()), detail)


def observed_lag_seconds(cloudwatch, cluster_id: str, now: float, lookback_seconds: int) -> float | None:
    """The largest of the latest datapoints of the lag metrics within the lookback window, in
    seconds; None when there is none (the gate then treats the lag as unbounded)."""
    end = datetime.fromtimestamp(now, UTC)
    latest: list[float] = []
    for metric in LAG_METRICS:
        try:
            points = cloudwatch.get_metric_statistics(
                Namespace="AWS/RDS",
                MetricName=metric,
                Dimensions=[{"Name": "DBClusterIdentifier", "Value": cluster_id}],
                StartTime=end - timedelta(seconds=lookback_seconds),
                EndTime=end + timedelta(seconds=60),
                Period=60,
                Statistics=["Maximum"],
            )["Datapoints"]
        except (ClientError, BotoCoreError):
            continue
        if points:
            newest = max(points, key=lambda p: p["Timestamp"])
            latest.append(newest["Maximum"] / 1000.0)
    return max(latest) if latest else None
