"""Aurora's replication-lag metrics in CloudWatch, emulated on the boto3 `cloudwatch`
GetMetricStatistics surface (moto's CloudWatch works, but costs a serialisation per call the
drill makes thousands of times).

Each secondary cluster's AuroraGlobalDBReplicationLag and AuroraGlobalDBRPOLag are published
in its own region once a minute, stamped at the minute, while replication from the writer
flows (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.AuroraMonitoring.Metrics.html).
When the writer cannot be reached AWS documents nothing; the emulation then publishes
nothing, so a reader sees the newest datapoint age. (The other answer, a growing lag, would
block an RPO gate as surely.)
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ops.emulation.dr_world import DrWorld

LAG_METRICS = ("AuroraGlobalDBReplicationLag", "AuroraGlobalDBRPOLag")
PERIOD = 60


class MetricsEmulation:
    def __init__(self, world: DrWorld):
        self.world = world
        self.points: dict[tuple[str, str, str], list[tuple[float, float]]] = {}
        """(region, cluster id, metric) -> [(minute timestamp, milliseconds)]."""
        self._last_minute: float | None = None

    def step(self, now: float) -> None:
        minute = now - now % PERIOD
        if minute == self._last_minute:
            return
        self._last_minute = minute
        aurora, network = self.world.aurora, self.world.network
        writer = aurora.writer_region()
        for region, cluster in aurora.clusters.items():
            if writer is None or region == writer or not network.reachable(region, writer):
                continue
            for metric in LAG_METRICS:
                key = (region, cluster.identifier, metric)
                self.points.setdefault(key, []).append((minute, aurora.replication_lag * 1000))

    def answer(self, operation: str, params: dict, caller: str, region: str):
        if operation != "GetMetricStatistics":
            return None  # moto answers
        dims = {d["Name"]: d["Value"] for d in params.get("Dimensions", [])}
        key = (region, dims.get("DBClusterIdentifier", ""), params.get("MetricName", ""))
        if params.get("Namespace") != "AWS/RDS" or key not in self.points:
            return self.world.ok({"Label": params.get("MetricName", ""), "Datapoints": []})
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
            if start <= at < end and at <= self.world.now
        ]
        return self.world.ok({"Label": params["MetricName"], "Datapoints": datapoints})
