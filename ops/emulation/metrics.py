"""Aurora's replication-lag metrics in CloudWatch, emulated on the boto3 `cloudwatch`
GetMetricStatistics surface (moto's CloudWatch works, but costs a serialisation per call the
drill makes thousands of times).

Each secondary cluster's AuroraGlobalDBReplicationLag and AuroraGlobalDBRPOLag are published
in its own region once a minute (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.AuroraMonitoring.Metrics.html).
Two models, chosen by the world (`as_published`, the drill's `DrWorld.cloudwatch_as_published`):

- as CloudWatch publishes (the realistic profile, and any scenario that asks): a datapoint is
  stamped at the START of its period and becomes visible only after the period ENDS plus the
  profile's publication delay (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricStatistics.html);
  its value is the largest lag of the period, and the lag keeps GROWING once the writer is
  gone (what the secondary has replicated stops moving while time does);
- the nominal model the drill used before: stamped at the minute, visible at once, nothing
  published while the writer cannot be reached.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from ops.emulation.answers import Clock, ok
from ops.emulation.aurora import AuroraEmulation
from ops.emulation.network import Network
from ops.timing_model import TimingModel

LAG_METRICS = ("AuroraGlobalDBReplicationLag", "AuroraGlobalDBRPOLag")
PERIOD = 60


class MetricsEmulation:
    def __init__(
        self,
        clock: Clock,
        aurora: AuroraEmulation,
        network: Network,
        timing: TimingModel,
        as_published: Callable[[], bool],
    ):
        """as_published(): which model publishes (see above), asked at every step."""
        self.clock, self.aurora, self.network, self.timing = clock, aurora, network, timing
        self.as_published = as_published
        self.points: dict[tuple[str, str, str], list[tuple[float, float]]] = {}
        """(region, cluster id, metric) -> [(minute timestamp, milliseconds)]."""
        self._last_minute: float | None = None
        self.published: list[tuple[float, str, str, list]] = []
        """(when, region, namespace, metric data) of every PutMetricData."""
        self._period_max: dict[str, float] = {}
        self._visible: dict[tuple[str, str, str], list[tuple[float, float, float]]] = {}
        """As published: key -> [(stamp, milliseconds, visible from)]."""

    def step(self, now: float) -> None:
        if self.as_published():
            self._step_published(now)
        else:
            self._step_nominal(now)

    def _step_published(self, now: float) -> None:
        aurora = self.aurora
        writer = aurora.writer_region()
        minute = now - now % PERIOD
        if self._last_minute is not None and minute != self._last_minute:
            stamp = self._last_minute  # the period that just ended, stamped at its start
            visible = stamp + PERIOD + self.timing.cloudwatch_publication_delay_seconds
            for region, lag in self._period_max.items():
                cluster = aurora.clusters[region]
                for metric in LAG_METRICS:
                    key = (region, cluster.identifier, metric)
                    self._visible.setdefault(key, []).append((stamp, lag * 1000, visible))
            self._period_max = {}
        self._last_minute = minute
        for region in aurora.clusters:
            if region == writer or region in self.network.down:
                continue
            lag = max(0.0, now - aurora.replicated_upto[region])
            self._period_max[region] = max(self._period_max.get(region, 0.0), lag)
        for key, points in self._visible.items():
            while points and points[0][2] <= now:
                stamp, value, _ = points.pop(0)
                self.points.setdefault(key, []).append((stamp, value))

    def _step_nominal(self, now: float) -> None:
        minute = now - now % PERIOD
        if minute == self._last_minute:
            return
        self._last_minute = minute
        aurora, network = self.aurora, self.network
        writer = aurora.writer_region()
        for region, cluster in aurora.clusters.items():
            if writer is None or region == writer or not network.reachable(region, writer):
                continue
            for metric in LAG_METRICS:
                key = (region, cluster.identifier, metric)
                self.points.setdefault(key, []).append((minute, aurora.replication_lag * 1000))

    def answer(self, operation: str, params: dict, caller: str, region: str):
        if operation == "PutMetricData":
            # The runtime's own metrics (its page metric): kept, never read back by anyone
            # but the drill (DrWorld records the pages), so moto's serialisation is skipped.
            self.published.append(
                (self.clock(), region, params.get("Namespace", ""), params.get("MetricData", []))
            )
            return ok({})
        if operation != "GetMetricStatistics":
            return None  # moto answers
        dims = {d["Name"]: d["Value"] for d in params.get("Dimensions", [])}
        key = (region, dims.get("DBClusterIdentifier", ""), params.get("MetricName", ""))
        if params.get("Namespace") != "AWS/RDS" or key not in self.points:
            return ok({"Label": params.get("MetricName", ""), "Datapoints": []})
        start, end = params["StartTime"].timestamp(), params["EndTime"].timestamp()
        statistics = params.get("Statistics") or ["Maximum"]
        datapoints = [
            {
                "Timestamp": datetime.fromtimestamp(at, UTC),
                "Unit": "Milliseconds",
                **{s: value for s in statistics if s != "SampleCount"},
                **({"SampleCount": 1.0} if "SampleCount" in statistics else {}),
            }
            for at, value in self.points[key]
            if start <= at < end and at <= self.clock()
        ]
        return ok({"Label": params["MetricName"], "Datapoints": datapoints})
